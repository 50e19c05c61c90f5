//! Every generated subcommand, run once through the real binary against the
//! simulator: the request that arrives must be the endpoint's route, with
//! the query the flags asked for. The arguments are derived here from
//! `spec/endpoints.json` (path: integer `2`, string `{name}-1`, enum first
//! value; query: flag bare, integer `7`, timestamp `1700000000000`, json
//! `{"k":"v"}`, text `q-{name}`; body members by type), so a new spec entry
//! is covered without a new test.

mod support;

use serde_json::{Value, json};

const SPEC: &str = include_str!("../../spec/endpoints.json");
const TYPES: &str = include_str!("../../spec/types.json");

fn sample_path(param: &Value, types: &Value) -> String {
    let name = param["name"].as_str().unwrap();
    match param["type"].as_str().unwrap() {
        "integer" => "2".into(),
        "string" | "tree_path" => format!("{name}-1"),
        model if types[model]["kind"] == "id" => format!("{name}-1"),
        model => types[model]["values"][0].as_str().unwrap().to_owned(),
    }
}

fn sample_field(field: &Value, types: &Value) -> String {
    let name = field["name"].as_str().unwrap();
    match field["type"].as_str().unwrap() {
        "string" => format!("b-{name}"),
        "boolean" => "true".into(),
        "number" => "1.5".into(),
        "integer" => "3".into(),
        "json" | "map" => r#"{"k":"v"}"#.into(),
        "[string]" => r#"["x"]"#.into(),
        t if t.starts_with('[') => "[]".into(),
        t => match types[t]["kind"].as_str() {
            Some("enum") => types[t]["values"][0].as_str().unwrap().to_owned(),
            _ => "{}".into(),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_generated_subcommand_reaches_its_route() {
    let env = support::Env::start().await;
    let spec: Value = serde_json::from_str(SPEC).unwrap();
    let types: Value = serde_json::from_str(TYPES).unwrap();
    let endpoints = spec["endpoints"].as_array().unwrap();
    let mut failures = Vec::new();
    for endpoint in endpoints {
        let service = endpoint["service"].as_str().unwrap();
        let name = endpoint["name"].as_str().unwrap();
        let tier = endpoint["tiers"][0].as_str().unwrap_or("user");
        let mut args = vec![service.to_owned(), name.replace('_', "-")];
        let mut expected_path = endpoint["path"].as_str().unwrap().to_owned();
        for param in endpoint["path_params"].as_array().unwrap() {
            let pname = param["name"].as_str().unwrap();
            let value = sample_path(param, &types);
            expected_path = expected_path.replace(&format!("{{{pname}}}"), &value);
            if pname == "page_number" {
                args.extend(["--page".into(), value]);
            } else {
                args.push(value);
            }
        }
        let mut expected_query = Vec::new();
        for query in endpoint["query"].as_array().unwrap() {
            let qname = query["name"].as_str().unwrap();
            let flag = format!("--{}", qname.replace('_', "-"));
            let value = match query["type"].as_str().unwrap() {
                "flag" => {
                    args.push(flag);
                    expected_query.push((qname.to_owned(), "1".to_owned()));
                    continue;
                }
                "integer" => "7".to_owned(),
                "timestamp" => "1700000000000".to_owned(),
                "json" => r#"{"k":"v"}"#.to_owned(),
                _ => format!("q-{qname}"),
            };
            args.extend([flag, value.clone()]);
            expected_query.push((qname.to_owned(), value));
        }
        let body = &endpoint["body"];
        match body["kind"].as_str() {
            Some("fields") => {
                for field in body["fields"].as_array().unwrap() {
                    args.extend([
                        "-F".into(),
                        format!("{}={}", field["name"].as_str().unwrap(), sample_field(field, &types)),
                    ]);
                }
            }
            Some("map") => args.extend(["--data".into(), r#"{"k":"v"}"#.into()]),
            _ => {}
        }
        env.mock.take_requests();
        let mut command = env.crisp(tier);
        command.args(&args);
        let output = support::run(command).await;
        let code = output.status.code();
        let requests = env.mock.take_requests();
        let label = format!("{service}.{name} ({})", args.join(" "));
        if code == Some(2) || code == Some(1) || code == Some(6) || code.is_none() {
            failures.push(format!("{label}: exit {code:?}: {}", support::stderr(&output)));
            continue;
        }
        let Some(request) = requests.last() else {
            failures.push(format!("{label}: no request reached the simulator"));
            continue;
        };
        let method = endpoint["method"].as_str().unwrap();
        if request.method != method || request.path != format!("/v1/{expected_path}") {
            failures
                .push(format!("{label}: got {} {} want {method} /v1/{expected_path}", request.method, request.path));
            continue;
        }
        let mut got = request.query_pairs();
        got.sort();
        expected_query.sort();
        if got != expected_query {
            failures.push(format!("{label}: query {got:?} want {expected_query:?}"));
        }
        if body["kind"] == json!("fields") {
            let sent = request.json().unwrap_or_default();
            for field in body["fields"].as_array().unwrap() {
                if sent.get(field["name"].as_str().unwrap()).is_none() {
                    failures.push(format!("{label}: body lacks {}", field["name"]));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} endpoints failed:\n{}",
        failures.len(),
        endpoints.len(),
        failures.join("\n")
    );
}
