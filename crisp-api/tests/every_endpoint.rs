//! Every endpoint of the spec is called through the public client against the
//! mock, and the request the mock received is compared with what the spec
//! says: method, path, query, body and headers. The expectation is computed
//! here from `spec/endpoints.json` with these sample-value rules:
//!
//! - path: `integer` → `2`, strings and ids → `{name}-1`, an enum → its first value;
//! - query: flag → `1`, integer → `7`, timestamp → `1700000000000`,
//!   number → `1.5`, json → `{"k":"v"}`, string → `q-{name}`;
//! - body fields: string → `b-{name}`, boolean → `true`, number → `1.5`,
//!   integer → `3`, timestamp → `1700000000000`, flag → `1`, json and map →
//!   `{"k":"v"}`, `[string]` → `["x"]`, other lists → `[]`, an enum → its first
//!   value, a model → `{}`; a free-form body → `{"k":"v"}`; a typed body → the
//!   model's spec example; a body the reference leaves empty → `{}`.
//!
//! The suite fails when a spec endpoint has no call.

#[path = "generated/calls.rs"]
mod calls;

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use crisp_api::{Crisp, Tier};
use crisp_mock::{MockServer, RecordedRequest};
use serde_json::{Value, json};

const SPEC: &str = include_str!("../../spec/endpoints.json");
const TYPES: &str = include_str!("../../spec/types.json");

fn sample_path(param: &Value, types: &Value) -> String {
    let name = param["name"].as_str().unwrap();
    match param["type"].as_str().unwrap() {
        "integer" => "2".into(),
        "string" | "tree_path" => format!("{name}-1"),
        id if types[id]["kind"] == "id" => format!("{name}-1"),
        model => types[model]["values"][0].as_str().unwrap().to_owned(),
    }
}

fn sample_query(param: &Value) -> String {
    match param["type"].as_str().unwrap() {
        "flag" => "1".into(),
        "integer" => "7".into(),
        "timestamp" => "1700000000000".into(),
        "number" => "1.5".into(),
        "json" => r#"{"k":"v"}"#.into(),
        _ => format!("q-{}", param["name"].as_str().unwrap()),
    }
}

fn sample_body_field(field: &Value, types: &Value) -> Value {
    let name = field["name"].as_str().unwrap();
    let ty = field["type"].as_str().unwrap();
    match ty {
        "string" => json!(format!("b-{name}")),
        "boolean" => json!(true),
        "number" => json!(1.5),
        "integer" => json!(3),
        "timestamp" => json!(1_700_000_000_000u64),
        "flag" => json!(1),
        "json" | "map" => json!({"k": "v"}),
        "[string]" => json!(["x"]),
        t if t.starts_with('[') => json!([]),
        t => match (types[t]["kind"].as_str(), types[t]["target"].as_str()) {
            (Some("enum"), _) => types[t]["values"][0].clone(),
            (Some("alias"), Some("map" | "json")) => json!({"k": "v"}),
            (Some("alias"), Some("string")) => json!(format!("b-{name}")),
            _ => json!({}),
        },
    }
}

fn expected_body(endpoint: &Value, types: &Value, key: &str) -> Option<Value> {
    let body = endpoint.get("body").filter(|b| !b.is_null())?;
    Some(match body["kind"].as_str().unwrap() {
        "empty" => json!({}),
        "map" => json!({"k": "v"}),
        "type" => {
            let (_, text) = calls::TYPED_BODIES.iter().find(|(name, _)| *name == key).expect("typed body sample");
            serde_json::from_str(text).unwrap()
        }
        _ => Value::Object(
            body["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    let name = f["name"].as_str().unwrap();
                    // A model member sent whole, from its example (see `calls::TYPED_BODIES`).
                    let whole = calls::TYPED_BODIES.iter().find(|(member, _)| *member == format!("{key}/{name}"));
                    let value = whole
                        .map_or_else(|| sample_body_field(f, types), |(_, text)| serde_json::from_str(text).unwrap());
                    (name.to_owned(), value)
                })
                .collect(),
        ),
    })
}

/// Entities the sample ids refer to, so the stateful routes answer 200.
fn seed(mock: &MockServer) {
    mock.with_state(|state| {
        let mut website = crisp_mock::state::Website {
            fields: json!({"website_id": "website_id-1", "name": "Sample", "domain": "q-domain"}).as_object().cloned().unwrap(),
            ..Default::default()
        };
        let conversation = json!({"session_id": "session_id-1", "website_id": "website_id-1", "state": "pending", "meta": {}, "updated_at": 1});
        let message = json!({"fingerprint": 2, "type": "text", "from": "user", "origin": "chat", "content": "hi", "timestamp": 1});
        website.conversations.insert(
            "session_id-1".into(),
            crisp_mock::state::Conversation { fields: conversation.as_object().cloned().unwrap(), messages: vec![message] },
        );
        website.people.insert("people_id-1".into(), json!({"people_id": "people_id-1", "email": "sample@example.com"}).as_object().cloned().unwrap());
        state.websites.insert("website_id-1".into(), website);
    });
}

fn client(mock: &MockServer, tier: Tier) -> Crisp {
    Crisp::builder()
        .credentials(mock.identifier(), mock.key())
        .tier(tier)
        .base_url(mock.base_url())
        .retry(crisp_api::RetryPolicy::none())
        .build()
        .unwrap()
}

fn check_request(
    endpoint: &Value,
    types: &Value,
    key: &str,
    tier: Tier,
    mock: &MockServer,
    got: &RecordedRequest,
) -> Vec<String> {
    let mut problems = Vec::new();
    let method = endpoint["method"].as_str().unwrap();
    if got.method != method {
        problems.push(format!("method {} instead of {method}", got.method));
    }
    let mut path = endpoint["path"].as_str().unwrap().to_owned();
    for param in endpoint["path_params"].as_array().unwrap() {
        path = path.replace(&format!("{{{}}}", param["name"].as_str().unwrap()), &sample_path(param, types));
    }
    let path = format!("/v1/{path}");
    if got.path != path {
        problems.push(format!("path {} instead of {path}", got.path));
    }
    let query: Vec<(String, String)> = endpoint["query"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| (q["name"].as_str().unwrap().to_owned(), sample_query(q)))
        .collect();
    let mut got_query = got.query_pairs();
    let mut want_query = query;
    got_query.sort();
    want_query.sort();
    if got_query != want_query {
        problems.push(format!("query {got_query:?} instead of {want_query:?}"));
    }
    let body = expected_body(endpoint, types, key);
    match (&body, got.json()) {
        (None, _) if !got.body.is_empty() => problems.push(format!("unexpected body {:?}", got.body)),
        (Some(want), Some(have)) if *want != have => problems.push(format!("body {have} instead of {want}")),
        (Some(_), None) => problems.push(format!("body {:?} is not JSON", got.body)),
        _ => {}
    }
    let header = |name: &str| got.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", mock.identifier(), mock.key()));
    if header("authorization") != format!("Basic {basic}") {
        problems.push("wrong authorization header".into());
    }
    if header("x-crisp-tier") != tier.as_str() {
        problems.push(format!("tier header {:?}", header("x-crisp-tier")));
    }
    if !header("user-agent").starts_with("crisp-api-rust/") {
        problems.push(format!("user agent {:?}", header("user-agent")));
    }
    let content_type = header("content-type");
    match body {
        Some(_) if content_type != "application/json" => problems.push(format!("content type {content_type:?}")),
        None if !content_type.is_empty() => problems.push(format!("content type {content_type:?} without a body")),
        _ => {}
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_spec_endpoint_sends_what_the_spec_says_and_decodes_the_answer() {
    let spec: Value = serde_json::from_str(SPEC).unwrap();
    let types: Value = serde_json::from_str(TYPES).unwrap();
    let endpoints = spec["endpoints"].as_array().unwrap();
    let calls: BTreeMap<&str, _> = calls::EVERY_ENDPOINT_CALL.iter().map(|(k, f)| (*k, *f)).collect();

    let keys: BTreeSet<String> = endpoints
        .iter()
        .map(|e| format!("{}.{}", e["service"].as_str().unwrap(), e["name"].as_str().unwrap()))
        .collect();
    let missing: Vec<&String> = keys.iter().filter(|k| !calls.contains_key(k.as_str())).collect();
    assert!(missing.is_empty(), "spec endpoints without a call: {missing:?}");
    assert_eq!(keys.len(), 229, "the reference has 229 endpoints");

    let mock = MockServer::start().await.unwrap();
    let mut failures = Vec::new();
    for endpoint in endpoints {
        let key = format!("{}.{}", endpoint["service"].as_str().unwrap(), endpoint["name"].as_str().unwrap());
        // Use a tier the reference documents for the route, so the mock's tier check passes.
        let tier = match endpoint["tiers"].as_array().unwrap().first().and_then(Value::as_str) {
            Some("plugin") => Tier::Plugin,
            _ => Tier::User,
        };
        seed(&mock);
        mock.take_requests();
        let result = calls[key.as_str()](client(&mock, tier)).await;
        let received = mock.take_requests();
        if let Err(err) = result {
            failures.push(format!("{key}: {err}"));
        }
        match received.as_slice() {
            [one] => {
                if one.endpoint.as_deref() != Some(key.as_str()) && !shares_route(endpoints, endpoint, one) {
                    failures.push(format!("{key}: the mock routed it to {:?}", one.endpoint));
                }
                for problem in check_request(endpoint, &types, &key, tier, &mock, one) {
                    failures.push(format!("{key}: {problem}"));
                }
            }
            other => failures.push(format!("{key}: the mock received {} requests", other.len())),
        }
    }
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
}

/// Two reference entries share some method + path (batch operations on
/// conversations or people); the mock names the first.
fn shares_route(endpoints: &[Value], endpoint: &Value, got: &RecordedRequest) -> bool {
    endpoints.iter().any(|other| {
        other["method"] == endpoint["method"]
            && other["path"] == endpoint["path"]
            && got.endpoint.as_deref()
                == Some(&format!("{}.{}", other["service"].as_str().unwrap(), other["name"].as_str().unwrap()))
    })
}

#[path = "generated/future_answers.rs"]
mod future_answers;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_type_decodes_answers_with_unknown_fields_and_enum_values() {
    let spec: Value = serde_json::from_str(SPEC).unwrap();
    let mock = MockServer::start().await.unwrap();
    let answers: BTreeMap<&str, &str> = future_answers::FUTURE_ANSWERS.iter().copied().collect();
    let mut failures = Vec::new();
    let mut checked = 0;
    for endpoint in spec["endpoints"].as_array().unwrap() {
        let key = format!("{}.{}", endpoint["service"].as_str().unwrap(), endpoint["name"].as_str().unwrap());
        let data: Value = serde_json::from_str(answers[key.as_str()]).unwrap();
        let tier = match endpoint["tiers"].as_array().unwrap().first().and_then(Value::as_str) {
            Some("plugin") => Tier::Plugin,
            _ => Tier::User,
        };
        seed(&mock);
        mock.set_answer(key.clone(), 200, data);
        if let Err(err) =
            calls::EVERY_ENDPOINT_CALL.iter().find(|(k, _)| *k == key).unwrap().1(client(&mock, tier)).await
        {
            failures.push(format!("{key}: {err}"));
        }
        checked += 1;
    }
    assert_eq!(checked, 229);
    assert!(failures.is_empty(), "{} answers failed to decode:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn unknown_enum_values_and_fields_stay_reachable() {
    let mock = MockServer::start().await.unwrap();
    seed(&mock);
    mock.set_answer(
        "website.get_conversation",
        200,
        json!({"session_id": "session_id-1", "state": "snoozed", "created_at": 1.7e12, "status": "2", "brand_new_field": {"x": 1}}),
    );
    let response = client(&mock, Tier::User)
        .website()
        .get_conversation("website_id-1", "session_id-1")
        .send_with_response()
        .await
        .unwrap();
    let conversation = response.data.clone();
    assert_eq!(conversation.state, Some(crisp_api::models::ConversationState::Other("snoozed".into())));
    assert_eq!(conversation.state.as_ref().map(|s| s.as_str()), Some("snoozed"));
    assert_eq!(conversation.created_at, Some(1_700_000_000_000));
    assert_eq!(conversation.status, Some(2), "numbers may arrive as strings");
    assert_eq!(response.raw_data().unwrap()["brand_new_field"]["x"], 1);
}
