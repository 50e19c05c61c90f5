//! Every tool, called the way an MCP client builds calls: from nothing but the input schema the server
//! publishes. And the arguments that work (ids as strings, real values), checked against that schema with a
//! JSON Schema validator, so what the server accepts and what it publishes cannot drift apart.

mod common;

use std::collections::BTreeMap;

use common::simulator_client;
use crisp_api::catalog::{self, Body, Endpoint, Kind};
use crisp_mcp::{CrispMcp, McpOptions, Toolsets};
use crisp_mock::MockServer;
use rmcp::model::{JsonObject, Tool};
use serde_json::{Map, Value, json};

/// The sentence the server starts a refusal of arguments with.
const REFUSED: &str = "Bad arguments";

/// Every toolset, writes and destructive tools included.
fn everything() -> McpOptions {
    McpOptions::new().toolsets(Toolsets::all()).allow_writes(true).allow_destructive(true)
}

/// The ids a schema-following client would fill in from what it already knows.
struct Known {
    website_id: String,
    session_id: String,
}

/// A value of the type a schema describes, built from the schema alone: its `enum`, its `type`, its
/// `pattern` (the cursor's) and, for objects, its required properties; ids come from `known` when the
/// property's name says which id it is.
fn value_for(name: &str, schema: &Value, known: &Known) -> Value {
    if let Some(first) = schema["enum"].as_array().and_then(|values| values.first()) {
        return first.clone();
    }
    if let Some(first) = schema["anyOf"].as_array().and_then(|options| options.first()) {
        return value_for(name, first, known);
    }
    let ty = match &schema["type"] {
        Value::String(ty) => ty.as_str(),
        Value::Array(types) => types.first().and_then(Value::as_str).unwrap_or("string"),
        _ => return json!({}),
    };
    match ty {
        "string" => match name {
            "website_id" => json!(known.website_id),
            "session_id" => json!(known.session_id),
            _ if schema["pattern"].as_str().is_some_and(|p| p.contains("page:")) => json!("page:1"),
            _ if schema["format"] == "email" => json!("jane.doe@example.com"),
            _ => json!(format!("{name}-1")),
        },
        "integer" => json!(schema["minimum"].as_i64().unwrap_or(1).max(1)),
        "number" => json!(1.5),
        "boolean" => json!(true),
        "array" => json!([]),
        "object" => {
            let mut object = Map::new();
            for required in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                object.insert(required.to_owned(), value_for(required, &schema["properties"][required], known));
            }
            Value::Object(object)
        }
        _ => json!(null),
    }
}

/// The arguments for a tool: its required properties, or all of them with `every`.
fn arguments_from_schema(tool: &Tool, known: &Known, every: bool) -> JsonObject {
    let schema = Value::Object((*tool.input_schema).clone());
    let required: Vec<&str> = schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let mut arguments = JsonObject::new();
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        if every || required.contains(&name.as_str()) {
            arguments.insert(name.clone(), value_for(name, property, known));
        }
    }
    arguments
}

fn text(result: &rmcp::model::CallToolResult) -> String {
    result.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect::<Vec<_>>().join("\n")
}

/// Tools in the order they are safe to call against one simulator: reads, then writes, then destructive.
fn in_safe_order(tools: Vec<Tool>) -> Vec<Tool> {
    let rank = |tool: &Tool| {
        let annotations = tool.annotations.as_ref();
        match (annotations.and_then(|a| a.read_only_hint), annotations.and_then(|a| a.destructive_hint)) {
            (Some(true), _) => 0,
            (_, Some(true)) => 2,
            _ => 1,
        }
    };
    let mut tools = tools;
    tools.sort_by_key(rank);
    tools
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_accepts_the_arguments_its_schema_describes() {
    let mock = MockServer::start().await.unwrap();
    let known = Known {
        website_id: mock.website_id().to_owned(),
        session_id: mock
            .with_state(|state| state.websites[mock.website_id()].conversations.keys().next().cloned())
            .expect("the simulator seeds one conversation"),
    };
    let server = CrispMcp::new(simulator_client(&mock), everything());
    let tools = in_safe_order(server.tools());
    let workflows = tools.iter().filter(|t| !catalog::ENDPOINTS.iter().any(|e| tool_name(e) == t.name)).count();
    assert_eq!(
        tools.len() - workflows,
        catalog::ENDPOINTS.len() - 2,
        "every endpoint but the two hidden ones is a tool"
    );
    assert_eq!(workflows, 5, "and the five workflow tools");
    let mut refused = Vec::new();
    let mut calls = 0;
    for tool in &tools {
        let read_only = tool.annotations.as_ref().and_then(|a| a.read_only_hint) == Some(true);
        // Reads also get every optional property, so each query kind is tried.
        let passes: &[bool] = if read_only { &[false, true] } else { &[false] };
        for &every in passes {
            let arguments = arguments_from_schema(tool, &known, every);
            let result = server
                .call(&tool.name, Some(arguments.clone()))
                .await
                .unwrap_or_else(|err| panic!("{} fails at the protocol level: {err}", tool.name));
            calls += 1;
            let answer = text(&result);
            if result.is_error == Some(true) && answer.starts_with(REFUSED) {
                refused.push(format!("{} {}: {answer}", tool.name, Value::Object(arguments)));
            }
        }
    }
    assert!(calls > tools.len(), "reads were called twice");
    assert!(
        refused.is_empty(),
        "{} of {calls} calls refused their schema's arguments:\n{}",
        refused.len(),
        refused.join("\n")
    );
}

/// The tool name of an endpoint (the server prefixes services other than `website`).
fn tool_name(endpoint: &Endpoint) -> String {
    if endpoint.service == "website" {
        endpoint.name.to_owned()
    } else {
        format!("{}_{}", endpoint.service, endpoint.name)
    }
}

/// A real value of a kind, as a caller that knows the API writes it (not read from any schema).
fn working_value(name: &str, kind: &Kind) -> Value {
    match kind {
        Kind::Text => json!(format!("{name} text")),
        Kind::Integer => json!(163_408_415_737_326_i64),
        Kind::Timestamp => json!(1_700_000_000_000_u64),
        Kind::Number => json!(48.85),
        Kind::Boolean => json!(true),
        Kind::Flag => json!(1),
        Kind::Json => json!({"note": "any JSON"}),
        Kind::Map => json!({"plan": "pro"}),
        Kind::Id("WebsiteId") => json!("8c842203-7ed8-4e29-a608-7cf78a7d2fcc"),
        Kind::Id(_) => json!("session_700c65e1-85e2-465a-b9ac-ecb5ec2c9881"),
        Kind::Enum { values, .. } => json!(values.first().copied().unwrap_or("other")),
        Kind::TreePath => json!("guides/getting-started"),
        Kind::Page => json!(2),
        Kind::List(item) => json!([working_value(name, item)]),
        Kind::Model(_) => json!({}),
    }
}

/// Arguments that work for an endpoint: every parameter with a real value of its kind, the page as a
/// cursor, and a body with every member when it has named ones.
fn working_arguments(endpoint: &Endpoint) -> Value {
    let mut arguments = Map::new();
    for param in endpoint.path_params {
        match param.kind {
            Kind::Page => arguments.insert("cursor".into(), json!("page:2")),
            kind => arguments.insert(param.name.into(), working_value(param.name, &kind)),
        };
    }
    for param in endpoint.query {
        let value = match param.kind {
            // A tool takes a flag as a boolean.
            Kind::Flag => json!(true),
            kind => working_value(param.name, &kind),
        };
        arguments.insert(param.name.into(), value);
    }
    match endpoint.body {
        Body::None | Body::Empty => {}
        Body::Map | Body::Model(_) => {
            arguments.insert("body".into(), json!({}));
        }
        Body::Fields(fields) => {
            let members: Map<String, Value> =
                fields.iter().map(|f| (f.name.to_owned(), working_value(f.name, &f.kind))).collect();
            arguments.insert("body".into(), Value::Object(members));
        }
    }
    Value::Object(arguments)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn working_arguments_validate_against_every_published_schema() {
    let mock = MockServer::start().await.unwrap();
    let server = CrispMcp::new(simulator_client(&mock), everything());
    let tools: BTreeMap<String, Tool> = server.tools().into_iter().map(|t| (t.name.to_string(), t)).collect();
    let mut invalid = Vec::new();
    let mut checked = 0;
    for endpoint in catalog::ENDPOINTS {
        let Some(tool) = tools.get(&tool_name(endpoint)) else { continue };
        let schema = Value::Object((*tool.input_schema).clone());
        let validator = jsonschema::validator_for(&schema)
            .unwrap_or_else(|err| panic!("{}: the published schema is not a valid JSON Schema: {err}", tool.name));
        let arguments = working_arguments(endpoint);
        let errors: Vec<String> =
            validator.iter_errors(&arguments).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        if !errors.is_empty() {
            invalid.push(format!("{} {arguments}: {}", tool.name, errors.join("; ")));
        }
        // The same arguments are what the server's reader accepts.
        let result = server.call(&tool.name, arguments.as_object().cloned()).await.expect("no protocol error");
        let answer = text(&result);
        if result.is_error == Some(true) && answer.starts_with(REFUSED) {
            invalid.push(format!("{} {arguments}: the server refuses them: {answer}", tool.name));
        }
        checked += 1;
    }
    let route_tools = tools.keys().filter(|name| catalog::ENDPOINTS.iter().any(|e| &tool_name(e) == *name)).count();
    assert_eq!(checked, route_tools, "every route tool is checked");
    assert_eq!(route_tools + 5, tools.len(), "beside the five workflow tools");
    assert!(invalid.is_empty(), "{} of {checked} tools:\n{}", invalid.len(), invalid.join("\n"));
}

#[tokio::test]
async fn no_identifier_is_published_as_anything_but_a_string() {
    let mock = MockServer::start().await.unwrap();
    let server = CrispMcp::new(simulator_client(&mock), everything());
    let tools: BTreeMap<String, Tool> = server.tools().into_iter().map(|t| (t.name.to_string(), t)).collect();
    let mut ids = 0;
    for endpoint in catalog::ENDPOINTS {
        let Some(tool) = tools.get(&tool_name(endpoint)) else { continue };
        let schema = Value::Object((*tool.input_schema).clone());
        let body_fields = match endpoint.body {
            Body::Fields(fields) => fields,
            Body::None | Body::Empty | Body::Map | Body::Model(_) => &[],
        };
        let at_top = endpoint.path_params.iter().chain(endpoint.query).map(|p| (&schema["properties"][p.name], p));
        let in_body = body_fields.iter().map(|p| (&schema["properties"]["body"]["properties"][p.name], p));
        for (property, param) in at_top.chain(in_body).filter(|(_, p)| matches!(p.kind, Kind::Id(_))) {
            assert_eq!(property["type"], "string", "{}.{} is published as {property}", tool.name, param.name);
            ids += 1;
        }
    }
    assert!(ids > 250, "the ids were found ({ids})");
}

/// Every read tool, called against the simulator with arguments built from its input schema: each success
/// carries `structuredContent` that validates against the tool's `outputSchema`, and its text is the same JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_result_validates_against_its_output_schema() {
    // Every tier reaches every route, so reads the plugin tier may not make are checked too.
    let mock = MockServer::builder().any_tier().start().await.unwrap();
    let known = Known {
        website_id: mock.website_id().to_owned(),
        session_id: mock
            .with_state(|state| state.websites[mock.website_id()].conversations.keys().next().cloned())
            .expect("the simulator seeds one conversation"),
    };
    let server = CrispMcp::new(simulator_client(&mock), everything());
    let reads: Vec<Tool> = server
        .tools()
        .into_iter()
        .filter(|tool| tool.annotations.as_ref().and_then(|a| a.read_only_hint) == Some(true))
        .collect();
    assert!(reads.len() > 100, "the read tools are found ({})", reads.len());
    let mut problems = Vec::new();
    let (mut validated, mut structured_tools) = (0, std::collections::BTreeSet::new());
    let mut failed = Vec::new();
    for tool in &reads {
        let Some(output) = tool.output_schema.as_ref() else {
            problems.push(format!("{} publishes no outputSchema", tool.name));
            continue;
        };
        let output = Value::Object((**output).clone());
        assert_eq!(output["type"], "object", "{}: MCP wants an object at the root", tool.name);
        let validator = jsonschema::validator_for(&output)
            .unwrap_or_else(|err| panic!("{}: the outputSchema is not a valid JSON Schema: {err}", tool.name));
        for every in [false, true] {
            let arguments = arguments_from_schema(tool, &known, every);
            let result = server.call(&tool.name, Some(arguments.clone())).await.expect("no protocol error");
            if result.is_error == Some(true) {
                failed.push(format!("{}: {}", tool.name, text(&result)));
                // Not found and the like: an error result carries no structured content.
                assert!(result.structured_content.is_none(), "{}: an error with structured content", tool.name);
                continue;
            }
            let Some(structured) = result.structured_content.as_ref() else {
                problems.push(format!("{}: a success without structuredContent", tool.name));
                continue;
            };
            let errors: Vec<String> =
                validator.iter_errors(structured).map(|e| format!("{e} at {}", e.instance_path())).collect();
            if !errors.is_empty() {
                problems.push(format!("{} {}: {}", tool.name, Value::Object(arguments), errors.join("; ")));
            }
            let as_text: Value = serde_json::from_str(&text(&result)).expect("the text is JSON");
            assert_eq!(&as_text, structured, "{}: the text and the structured content differ", tool.name);
            validated += 1;
            structured_tools.insert(tool.name.to_string());
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    // Nearly every read succeeds against the seeded simulator; a few answer not-found for made-up ids.
    assert!(
        structured_tools.len() * 10 >= reads.len() * 9,
        "{} of {} reads succeeded; the failures:\n{}",
        structured_tools.len(),
        reads.len(),
        failed.join("\n")
    );
    assert!(validated > reads.len(), "{validated} results validated");
}
