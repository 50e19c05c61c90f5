//! The OpenAPI 3.1 document of the REST API and its Web Hooks
//! (`openapi/crisp-rest-v1.json`), rendered from the resolved spec like the
//! other faces, so it cannot drift from the client or the simulator.
//!
//! Choices the spec leaves open:
//! - `X-Crisp-Tier` is a header parameter (`#/components/parameters/Tier`), not
//!   a security scheme: it is no secret, it picks which kind of keypair the
//!   Basic credentials are, and its allowed values vary per operation (listed in
//!   `x-crisp-tiers`). Generators then expose it as an ordinary argument.
//! - Enums are open: `anyOf: [{enum: [...]}, {type: string}]`, so a validator
//!   accepts a value Crisp adds later and a generator still gets the known names.
//! - Some reference entries share a method and path and differ by body only
//!   (batch operations, widget actions); OpenAPI allows one operation per
//!   method and path, so they are one operation whose body is `anyOf` theirs,
//!   and `x-crisp-endpoints` lists every entry it covers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::{Map, Value, json};

use crate::model::{BodyShape, Endpoint, Kind, Param, Response, Spec};
use crate::names::pascal;

/// Where the document is written, from the workspace root.
pub(crate) const DOCUMENT_PATH: &str = "openapi/crisp-rest-v1.json";

/// The Web Hooks reference, for the `webhooks` entries.
const WEB_HOOKS_REFERENCE: &str = "https://docs.crisp.chat/references/web-hooks/v1/";

/// The reasons the simulator and Crisp give with a 404.
const NOT_FOUND_REASONS: [&str; 5] =
    ["website_not_found", "session_not_found", "message_not_found", "people_not_found", "route_not_found"];

/// The JSON schema of a value of this kind. Models, ids, enums and aliases are
/// references to their component.
fn schema(kind: &Kind) -> Value {
    match kind {
        Kind::Text => json!({"type": "string"}),
        Kind::Integer => json!({"type": "integer", "format": "int64"}),
        Kind::Timestamp => {
            json!({"type": "integer", "format": "int64", "minimum": 0, "description": "Epoch milliseconds."})
        }
        Kind::Number => json!({"type": "number"}),
        Kind::Boolean => json!({"type": "boolean"}),
        Kind::Flag => json!({"type": "integer", "enum": [0, 1], "description": "A flag: 1 or 0."}),
        Kind::Json => json!({}),
        Kind::Map => json!({"type": "object"}),
        Kind::TreePath => json!({
            "type": "string",
            "minLength": 1,
            "description": "A path in the helpdesk tree; it may span several segments (`/` is sent as is)."
        }),
        Kind::Page => json!({"type": "integer", "minimum": 1, "description": "Page to read, starting at 1."}),
        Kind::List(item) => json!({"type": "array", "items": schema(item)}),
        Kind::Id { name } | Kind::Enum { name, .. } | Kind::Model { name } | Kind::Alias { name, .. } => {
            json!({"$ref": format!("#/components/schemas/{name}")})
        }
    }
}

/// A schema with a description beside it (`$ref` siblings are allowed in 3.1).
fn described(mut schema: Value, doc: Option<&str>) -> Value {
    if let (Some(doc), Some(object)) = (doc.filter(|d| !d.is_empty()), schema.as_object_mut()) {
        object.insert("description".into(), json!(doc));
    }
    schema
}

fn nullable(schema: Value) -> Value {
    // Any JSON value (`{}`) already takes `null`.
    if schema.as_object().is_some_and(Map::is_empty) {
        return schema;
    }
    json!({"anyOf": [schema, {"type": "null"}]})
}

/// An object schema from named members: their kinds, docs, which are required
/// and where `null` has a meaning.
fn object_of<'a>(members: impl Iterator<Item = (&'a str, &'a Kind, bool, bool, Option<&'a str>)>) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (name, kind, is_required, is_nullable, doc) in members {
        let mut member = schema(kind);
        if is_nullable {
            member = nullable(member);
        }
        properties.insert(name.to_owned(), described(member, doc));
        if is_required {
            required.push(name.to_owned());
        }
    }
    let mut object = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        object["required"] = json!(required);
    }
    object
}

fn param_members(params: &[Param]) -> impl Iterator<Item = (&str, &Kind, bool, bool, Option<&str>)> {
    params.iter().map(|p| (p.name.as_str(), &p.kind, p.required, p.nullable, p.doc.as_deref()))
}

/// The components of every model of `types.json`.
fn component_schemas(spec: &Spec) -> Map<String, Value> {
    let mut schemas = Map::new();
    for (name, def) in &spec.types {
        let kind = Kind::resolve(&spec.types, name).unwrap_or_default();
        let doc = def.doc.as_deref();
        let component = match &kind {
            Kind::Id { .. } => described(id_schema(name), doc),
            Kind::Enum { values, .. } => {
                let mut text = doc.map(|d| format!("{d}\n\n")).unwrap_or_default();
                text.push_str("Known values (others may appear):");
                for value in values {
                    match def.value_docs.get(value) {
                        Some(value_doc) => text.push_str(&format!("\n- `{value}`: {value_doc}")),
                        None => text.push_str(&format!("\n- `{value}`")),
                    }
                }
                json!({
                    "anyOf": [
                        {"type": "string", "enum": values},
                        {"type": "string", "description": "A value this document does not know yet."}
                    ],
                    "description": text
                })
            }
            Kind::Alias { target, .. } => described(schema(target), doc),
            Kind::Model { .. } => {
                // Crisp sends `null` for a member it has no value for, as it leaves others out: an
                // optional member may be null (the client reads both as absent).
                let members = def
                    .fields
                    .iter()
                    .map(|f| (f.name.as_str(), &f.kind, f.required, f.nullable || !f.required, f.doc.as_deref()));
                let mut object = described(object_of(members), doc);
                let aliased: Vec<String> = def
                    .fields
                    .iter()
                    .filter(|f| !f.aliases.is_empty())
                    .map(|f| format!("`{}` (also read as {})", f.name, f.aliases.join(", ")))
                    .collect();
                if !aliased.is_empty() {
                    object["x-crisp-aliases"] = json!(aliased);
                }
                object
            }
            Kind::Text
            | Kind::Integer
            | Kind::Timestamp
            | Kind::Number
            | Kind::Boolean
            | Kind::Flag
            | Kind::Json
            | Kind::Map
            | Kind::TreePath
            | Kind::Page
            | Kind::List(_) => described(schema(&kind), doc),
        };
        schemas.insert(name.clone(), component);
    }
    // The spec's own `ErrorEnvelope` keeps `error` a plain boolean; the refused answer pins it to `true`.
    let previous = schemas.insert(
        "RefusedAnswer".into(),
        json!({
            "type": "object",
            "description": "Crisp's answer to a refused request.",
            "required": ["error", "reason"],
            "properties": {
                "error": {"const": true},
                "reason": {"type": "string", "description": "Why, as a word (`invalid_data`, `not_allowed`, …)."},
                "data": {"description": "Details, often `{\"message\": …}`."}
            }
        }),
    );
    debug_assert!(previous.is_none(), "the spec has its own `RefusedAnswer`");
    schemas
}

/// Identifiers are text; the ones whose shape is known carry its pattern.
fn id_schema(name: &str) -> Value {
    match name {
        "WebsiteId" => json!({"type": "string", "format": "uuid"}),
        "SessionId" => json!({"type": "string", "pattern": "^session_"}),
        _ => json!({"type": "string", "minLength": 1}),
    }
}

fn envelope(data: Value) -> Value {
    json!({
        "type": "object",
        "required": ["error", "reason", "data"],
        "properties": {"error": {"const": false}, "reason": {"type": "string"}, "data": data}
    })
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RefusedAnswer"}}}
    })
}

fn component_responses() -> Value {
    let limited = |description: &str| {
        let mut answer = error_response(description);
        answer["headers"] = json!({"Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 0}
        }});
        answer
    };
    let not_found = format!(
        "Not found; the reason says what: {}.",
        NOT_FOUND_REASONS.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
    );
    json!({
        "InvalidData": error_response("`invalid_data`: a parameter or the body is not what the route takes (`invalid_tier` for an unknown `X-Crisp-Tier`)."),
        "Unauthorized": error_response("`invalid_session`: the identifier and key are wrong or missing."),
        "PaymentRequired": error_response("The website's plan does not include this feature."),
        "Forbidden": error_response("`not_allowed`: the token's tier or scopes do not reach this route."),
        "NotFound": error_response(&not_found),
        "Conflict": error_response("What the request creates exists already (`people_exists` for a contact's email)."),
        "PayloadTooLarge": error_response("The body is too large."),
        "TooManyRequests": limited("Rate-limited: wait `Retry-After` seconds."),
        "EnhanceYourCalm": limited("Rate-limited by Crisp's older limiter: wait `Retry-After` seconds."),
    })
}

/// The error answers; `creates` (a POST) adds 409 for what exists already.
fn error_refs(head: bool, creates: bool) -> Map<String, Value> {
    let mut responses = Map::new();
    let mut add = |status: &str, name: &str| {
        responses.insert(status.into(), json!({"$ref": format!("#/components/responses/{name}")}));
    };
    if head {
        // A HEAD answer has no body: only the statuses it can tell apart.
        return responses;
    }
    add("400", "InvalidData");
    add("401", "Unauthorized");
    add("402", "PaymentRequired");
    add("403", "Forbidden");
    add("404", "NotFound");
    if creates {
        add("409", "Conflict");
    }
    add("413", "PayloadTooLarge");
    add("420", "EnhanceYourCalm");
    add("429", "TooManyRequests");
    responses
}

/// The request body schema, or `None` without a body, with whether it must be given.
fn body_schema(endpoint: &Endpoint) -> Option<(Value, bool)> {
    match endpoint.body_shape() {
        BodyShape::None => None,
        BodyShape::Empty => Some((json!({"type": "object", "description": "Sent as `{}`."}), true)),
        BodyShape::Map => Some((json!({"type": "object"}), false)),
        BodyShape::Model(kind) => {
            let mut body = schema(kind);
            let required = endpoint.body.as_ref().map(|b| b.required.as_slice()).unwrap_or_default();
            if !required.is_empty() {
                // Crisp refuses the request without these members, and takes none of them `null` or empty.
                let not_null: Map<String, Value> = required
                    .iter()
                    .map(|name| (name.clone(), json!({"not": {"type": "null"}, "minLength": 1})))
                    .collect();
                body["required"] = json!(required);
                body["properties"] = Value::Object(not_null);
            }
            Some((body, true))
        }
        BodyShape::Fields => {
            let fields = endpoint.body.as_ref().map(|b| b.fields.as_slice()).unwrap_or_default();
            let mut object = object_of(param_members(fields));
            // A value sent must be one Crisp knows: the enums of the body's own members are closed.
            for field in fields {
                if let Kind::Enum { values, .. } = &field.kind
                    && let Some(member) = object["properties"].get_mut(&field.name)
                {
                    let closed = json!({"type": "string", "enum": values});
                    *member = described(if field.nullable { nullable(closed) } else { closed }, field.doc.as_deref());
                }
            }
            Some((object, fields.iter().any(|f| f.required)))
        }
    }
}

fn parameter(place: &str, param: &Param, required: bool) -> Value {
    let mut parameter = json!({"name": param.name, "in": place, "required": required});
    if let Some(doc) = param.doc.as_deref() {
        parameter["description"] = json!(doc);
    }
    match param.kind {
        // Sent JSON-encoded in the query string.
        Kind::Json => parameter["content"] = json!({"application/json": {"schema": {}}}),
        _ => parameter["schema"] = schema(&param.kind),
    }
    parameter
}

fn responses(endpoint: &Endpoint) -> Value {
    match &endpoint.response_kind {
        Response::Exists => {
            let mut responses = error_refs(true, false);
            responses.insert("200".into(), json!({"description": "It exists."}));
            responses.insert("400".into(), json!({"description": "A parameter or `X-Crisp-Tier` is invalid."}));
            responses.insert("401".into(), json!({"description": "The identifier and key are wrong or missing."}));
            responses.insert("403".into(), json!({"description": "The token's tier does not reach this route."}));
            responses.insert("404".into(), json!({"description": "It does not exist."}));
            Value::Object(responses)
        }
        Response::Data(kind) => {
            let mut responses = error_refs(false, endpoint.method == "POST");
            responses.insert(
                "200".into(),
                json!({
                    "description": "Done: Crisp's envelope, with the answer in `data`.",
                    "content": {"application/json": {"schema": envelope(schema(kind))}}
                }),
            );
            Value::Object(responses)
        }
    }
}

/// The operation of one endpoint.
fn operation(spec: &Spec, endpoint: &Endpoint, operation_id: &str) -> Value {
    let mut parameters: Vec<Value> = endpoint.path_params.iter().map(|p| parameter("path", p, true)).collect();
    parameters.extend(endpoint.query.iter().map(|p| parameter("query", p, p.required)));
    parameters.push(json!({"$ref": "#/components/parameters/Tier"}));
    let tiers = if endpoint.tiers.is_empty() { "not documented".to_owned() } else { endpoint.tiers.join(", ") };
    let summary = endpoint.summary.clone().unwrap_or_else(|| endpoint.label.clone());
    let mut operation = json!({
        "operationId": operation_id,
        "summary": endpoint.label,
        "description": format!("{summary}\n\nTiers: {tiers}."),
        "tags": [endpoint.group],
        "externalDocs": {"url": format!("{}#{}", spec.reference, endpoint.anchor)},
        "parameters": parameters,
        "responses": responses(endpoint),
        "x-crisp-tiers": endpoint.tiers,
        "x-crisp-endpoints": [{"service": endpoint.service, "name": endpoint.name, "label": endpoint.label}],
    });
    if let Some((body, required)) = body_schema(endpoint) {
        operation["requestBody"] = json!({"required": required, "content": {"application/json": {"schema": body}}});
    }
    operation
}

/// Folds a second reference entry of the same method and path into its operation.
fn merge(operation: &mut Value, other: Value) {
    let label = other["summary"].as_str().unwrap_or_default().to_owned();
    let summary = format!("{} / {label}", operation["summary"].as_str().unwrap_or_default());
    operation["summary"] = json!(summary);
    let description = format!(
        "{}\n\nAlso **{label}**, told apart by its body: {}",
        operation["description"].as_str().unwrap_or_default(),
        other["description"].as_str().unwrap_or_default()
    );
    operation["description"] = json!(description);
    for list in ["tags", "x-crisp-endpoints", "x-crisp-tiers"] {
        let mut merged: Vec<Value> = operation[list].as_array().cloned().unwrap_or_default();
        for item in other[list].as_array().cloned().unwrap_or_default() {
            if !merged.contains(&item) {
                merged.push(item);
            }
        }
        operation[list] = json!(merged);
    }
    // Bodies that differ become a choice, and so do answers.
    let body = "/requestBody/content/application~1json/schema";
    if let (Some(mine), Some(theirs)) = (operation.pointer(body).cloned(), other.pointer(body).cloned())
        && mine != theirs
        && let Some(slot) = operation.pointer_mut(body)
    {
        let mut choices = mine.get("anyOf").and_then(Value::as_array).cloned().unwrap_or_else(|| vec![mine]);
        choices.push(theirs);
        *slot = json!({"anyOf": choices});
    }
    let data = "/responses/200/content/application~1json/schema/properties/data";
    if let (Some(mine), Some(theirs)) = (operation.pointer(data).cloned(), other.pointer(data).cloned())
        && mine != theirs
        && let Some(slot) = operation.pointer_mut(data)
    {
        *slot = json!({"anyOf": [mine, theirs]});
    }
}

/// The operation ids: the Rust method name, prefixed by its service where two services share it.
fn operation_ids(spec: &Spec) -> Vec<String> {
    let mut services: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for endpoint in &spec.endpoints {
        services.entry(&endpoint.name).or_default().insert(&endpoint.service);
    }
    spec.endpoints
        .iter()
        .map(|e| if services[e.name.as_str()].len() > 1 { format!("{}_{}", e.service, e.name) } else { e.name.clone() })
        .collect()
}

fn paths(spec: &Spec) -> Map<String, Value> {
    let mut paths = Map::new();
    for (endpoint, id) in spec.endpoints.iter().zip(operation_ids(spec)) {
        let item = paths.entry(format!("/{}", endpoint.path)).or_insert_with(|| json!({}));
        let method = endpoint.method.to_lowercase();
        let operation = operation(spec, endpoint, &id);
        match item.get_mut(&method) {
            Some(existing) => merge(existing, operation),
            None => {
                item[&method] = operation;
            }
        }
    }
    paths
}

fn webhooks(spec: &Spec) -> Map<String, Value> {
    let mut webhooks = Map::new();
    for event in &spec.events {
        let payload = Kind::resolve(&spec.types, &event.payload).unwrap_or_default();
        let body = json!({
            "type": "object",
            "required": ["event", "data"],
            "properties": {
                "event": {"const": event.name},
                "data": schema(&payload),
                "website_id": described(schema(&Kind::Id { name: "WebsiteId".into() }), Some("The website the event is about.")),
                "timestamp": schema(&Kind::Timestamp),
            }
        });
        let operation = json!({
            "operationId": format!("on{}", pascal(&event.name)),
            "summary": event.label,
            "description": format!(
                "Crisp posts `{}` to the Web Hook URL. Answer 2xx quickly; check `X-Crisp-Signature` first.",
                event.name
            ),
            "tags": [event.group],
            "externalDocs": {"url": WEB_HOOKS_REFERENCE},
            "security": [],
            "parameters": [
                {"$ref": "#/components/parameters/WebHookTimestamp"},
                {"$ref": "#/components/parameters/WebHookSignature"}
            ],
            "requestBody": {"required": true, "content": {"application/json": {"schema": body}}},
            "responses": {
                "200": {"description": "Received."},
                "400": {"description": "Refused: the signature or the body is wrong; Crisp does not retry it."}
            }
        });
        webhooks.insert(event.name.clone(), json!({"post": operation}));
    }
    webhooks
}

fn tags(spec: &Spec) -> Vec<Value> {
    let groups: BTreeSet<&str> =
        spec.endpoints.iter().map(|e| e.group.as_str()).chain(spec.events.iter().map(|e| e.group.as_str())).collect();
    groups.into_iter().map(|g| json!({"name": g, "description": format!("{g}.")})).collect()
}

/// The document, as a JSON value.
pub(crate) fn document(spec: &Spec) -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Crisp REST API v1",
            "version": "1.0.0",
            "summary": "Crisp's REST API and Web Hooks, from the crisp-api project's spec.",
            "description": "Every route of Crisp's REST API v1 and every Web Hook event, generated from the \
                            crisp-api project's spec (`cargo xtask codegen`). Answers are Crisp's \
                            `{error, reason, data}` envelope. Enums are open: each lists its known values \
                            and also accepts any other string. `X-Crisp-Tier` says which kind of token the \
                            credentials are (`user` when absent).",
            "license": {"name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0"},
        },
        "x-generated": "by `cargo xtask codegen` from spec/. Do not edit: change the spec and regenerate.",
        "externalDocs": {"description": "Crisp's REST API reference", "url": spec.reference},
        "servers": [
            {"url": "https://api.crisp.chat/v1", "description": "Crisp"},
            {
                "url": "http://127.0.0.1:{port}/v1",
                "description": "The local simulator (`crisp mock`)",
                "variables": {"port": {"default": "8080", "description": "The port the simulator listens on."}}
            }
        ],
        "security": [{"basic": []}],
        "tags": tags(spec),
        "paths": paths(spec),
        "webhooks": webhooks(spec),
        "components": {
            "securitySchemes": {
                "basic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "A token keypair: the identifier as user name, the key as password. Send \
                                    `X-Crisp-Tier` with the kind of token it is."
                }
            },
            "parameters": {
                "Tier": {
                    "name": "X-Crisp-Tier",
                    "in": "header",
                    "required": false,
                    "description": "The kind of token the credentials are (`user` when absent). Each operation \
                                    lists the tiers Crisp documents for it in `x-crisp-tiers`.",
                    "schema": {"type": "string", "enum": ["user", "website", "plugin"], "default": "user"}
                },
                "WebHookTimestamp": {
                    "name": "X-Crisp-Request-Timestamp",
                    "in": "header",
                    "required": true,
                    "description": "The request's timestamp, as signed: the `timestamp` of the signature.",
                    "schema": {"type": "string", "pattern": "^[0-9]+$"}
                },
                "WebHookSignature": {
                    "name": "X-Crisp-Signature",
                    "in": "header",
                    "required": true,
                    "description": "Lowercase hex of HMAC-SHA256(signing secret, `[` + timestamp + `;` + raw \
                                    body + `]`). Compare in constant time before trusting the body.",
                    "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}
                }
            },
            "responses": component_responses(),
            "schemas": component_schemas(spec),
        }
    })
}

/// The simulator's embedded copy, compact (the packaged crate cannot reach `openapi/`).
pub(crate) const MOCK_COPY_PATH: &str = "crisp-mock/src/generated/openapi.json";

/// The generated files: the document as pretty JSON, and the same document
/// compact for the simulator to serve.
pub(crate) fn files(spec: &Spec) -> Vec<(PathBuf, String)> {
    let document = document(spec);
    let pretty = serde_json::to_string_pretty(&document).expect("a JSON value serializes");
    vec![(PathBuf::from(DOCUMENT_PATH), pretty + "\n"), (PathBuf::from(MOCK_COPY_PATH), document.to_string() + "\n")]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use serde_json::Value;

    use super::document;
    use crate::model::load;

    fn rendered() -> Value {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace");
        document(&load(root).unwrap_or_else(|err| panic!("spec error: {err}")))
    }

    fn spec_models() -> usize {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace");
        load(root).map(|spec| spec.types.len()).unwrap_or_default()
    }

    fn operations(document: &Value) -> Vec<&Value> {
        let methods = ["get", "head", "post", "put", "patch", "delete"];
        let paths = document["paths"].as_object().expect("paths");
        paths.values().flat_map(|item| methods.iter().filter_map(move |m| item.get(*m))).collect()
    }

    fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    found.push(target);
                }
                map.values().for_each(|v| refs(v, found));
            }
            Value::Array(list) => list.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }

    #[test]
    fn every_endpoint_and_event_is_in_the_document() {
        let document = rendered();
        let operations = operations(&document);
        // 229 reference entries; four pairs share a method and path and are one operation each.
        assert_eq!(operations.len(), 225);
        let covered: usize = operations.iter().map(|o| o["x-crisp-endpoints"].as_array().map_or(0, Vec::len)).sum();
        assert_eq!(covered, 229);
        let ids: BTreeSet<&str> = operations.iter().filter_map(|o| o["operationId"].as_str()).collect();
        assert_eq!(ids.len(), operations.len(), "operation ids are unique");
        assert!(ids.contains("website_get_connect_endpoints") && ids.contains("plugin_get_connect_endpoints"));
        assert_eq!(document["webhooks"].as_object().map(|w| w.len()), Some(82));
        assert_eq!(document["openapi"], "3.1.0");
        let schemas = document["components"]["schemas"].as_object().map_or(0, |s| s.len());
        assert_eq!(schemas, spec_models() + 1, "every model, and the refused answer");
    }

    #[test]
    fn every_reference_points_at_a_component() {
        let document = rendered();
        let mut found = Vec::new();
        refs(&document, &mut found);
        assert!(found.len() > 1000, "{} references", found.len());
        for target in found {
            let pointer = target.strip_prefix('#').unwrap_or_else(|| panic!("external reference {target}"));
            assert!(document.pointer(pointer).is_some(), "dangling reference {target}");
        }
    }

    #[test]
    fn parameters_bodies_and_answers_carry_their_kinds() {
        let document = rendered();
        let list = &document["paths"]["/website/{website_id}/conversations/{page_number}"]["get"];
        assert_eq!(list["operationId"], "list_conversations");
        assert_eq!(list["summary"], "List Conversations");
        assert!(list["externalDocs"]["url"].as_str().is_some_and(|u| u.contains("#list-conversations")));
        let params = list["parameters"].as_array().expect("parameters");
        let find = |name: &str| params.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("no {name}"));
        assert_eq!(find("website_id")["schema"]["$ref"], "#/components/schemas/WebsiteId");
        assert_eq!(find("page_number")["schema"]["minimum"], 1);
        assert_eq!(find("filter_unread")["schema"]["enum"], serde_json::json!([0, 1]));
        let data = &list["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"];
        assert_eq!(data["type"], "array");
        let limited = &document["components"]["responses"]["TooManyRequests"];
        assert!(limited["headers"]["Retry-After"].is_object());
        for status in ["400", "401", "402", "403", "404", "413", "420", "429"] {
            assert!(list["responses"][status].is_object(), "{status}");
        }
        // Enums are open: the known values, or any other string.
        let origin = &document["components"]["schemas"]["ConversationState"]["anyOf"];
        assert!(origin[0]["enum"].as_array().is_some_and(|v| !v.is_empty()), "{origin}");
        assert_eq!(origin[1]["type"], "string");
        let message = &document["webhooks"]["message:send"]["post"];
        assert_eq!(
            message["requestBody"]["content"]["application/json"]["schema"]["properties"]["event"]["const"],
            "message:send"
        );
    }
}
