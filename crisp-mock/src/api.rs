//! The Crisp API under `/v1/`: credentials and tier, route lookup and
//! validation, then the answer: one set with
//! [`MockServer::set_answer`](crate::MockServer::set_answer), else the
//! state's ([`stateful`](crate::stateful)), else a stored document or the
//! spec's example ([`documents`](crate::documents)).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State as AxumState;
use axum::response::{IntoResponse, Response};
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};

use crate::auth::{authenticate, credentials_match};
use crate::route_match::{Lookup, lookup};
use crate::route_table::ROUTES;
use crate::routes::{BodyKind, RouteSpec};
use crate::shared::Shared;
use crate::sync::lock;
use crate::wire::{envelope, parse_query};
use crate::{contract, documents, stateful};

/// Answers one API request (its body already read and bounded by the server).
pub(crate) async fn answer(AxumState(shared): AxumState<Arc<Shared>>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let Some(path) = parts.uri.path().strip_prefix("/v1/") else {
        return envelope(404, "route_not_found", json!({}));
    };
    let looked_up = lookup(parts.method.as_str(), path);
    // A method the path does not have is 405 whatever the tier says (the credentials still come first).
    if let Lookup::MethodNotAllowed(allowed) = &looked_up
        && credentials_match(&shared.config, &parts.headers)
    {
        return method_not_allowed(allowed);
    }
    let tier = match authenticate(&shared.config, &parts.headers) {
        Ok(tier) => tier,
        Err(response) => return *response,
    };
    if parts.method == Method::GET && matches!(path, "user/connect/endpoints" | "website/connect/endpoints") {
        // The RTM discovery routes of the user and website tiers.
        return envelope(200, "resolved", stateful::connect_endpoints(&shared.rtm_url));
    }
    let matched = match looked_up {
        Lookup::Found(matched) => matched,
        Lookup::MethodNotAllowed(allowed) => return method_not_allowed(&allowed),
        Lookup::NotFound => return envelope(404, "route_not_found", json!({})),
    };
    let mut matched = matched;
    // Parsed once: used to pick among routes sharing a path, then validated.
    let parsed_body: Option<Value> = serde_json::from_slice(&body).ok();
    static NO_BODY: Value = Value::Null;
    let json_body_probe = parsed_body.as_ref().unwrap_or(&NO_BODY);
    if !has_required_fields(matched.route, json_body_probe) {
        // Some reference entries share a method and path and differ by body
        // (batch operations, widget actions): take the one the body fits.
        if let Some(sibling) = ROUTES.iter().find(|r| {
            r.method == matched.route.method && r.path == matched.route.path && has_required_fields(r, json_body_probe)
        }) {
            matched.route = sibling;
        }
    }
    let route = matched.route;
    let effective_tier = if tier == "website" { "user" } else { tier };
    if shared.config.enforce_tiers && !route.tiers.is_empty() && !route.tiers.contains(&effective_tier) {
        return envelope(403, "not_allowed", json!({"message": format!("the {tier} tier cannot use this route")}));
    }
    let page = match matched.params.iter().find(|(name, _)| *name == "page_number") {
        // Any positive integer is a page; one past the data (however large) is an empty page.
        Some((_, value)) if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
            match value.trim_start_matches('0') {
                "" => {
                    return envelope(400, "invalid_data", json!({"message": "page_number must be a positive integer"}));
                }
                digits => digits.parse::<usize>().unwrap_or(usize::MAX),
            }
        }
        Some(_) => return envelope(400, "invalid_data", json!({"message": "page_number must be a positive integer"})),
        None => 1,
    };
    let json_body = match route.body {
        BodyKind::None => Value::Null,
        // A body the document says may be left out reads as `{}`.
        BodyKind::Empty | BodyKind::Object if body.is_empty() && !contract::body_required(route.method, route.path) => {
            json!({})
        }
        BodyKind::Empty | BodyKind::Object => match parsed_body {
            Some(value @ Value::Object(_)) => value,
            _ => return envelope(400, "invalid_data", json!({"message": "the body must be a JSON object"})),
        },
    };
    let query_pairs = parse_query(parts.uri.query().unwrap_or(""));
    let checked = contract::check(&contract::RequestParts {
        method: route.method,
        path: route.path,
        params: &matched.params,
        query: &query_pairs,
        body: (route.body != BodyKind::None).then_some(&json_body),
    });
    if let Some(missing) = route.required_body_fields.iter().find(|f| json_body.get(**f).is_none()) {
        return envelope(400, "invalid_data", json!({"message": format!("`{missing}` is required")}));
    }
    let query: BTreeMap<String, String> = query_pairs.into_iter().collect();
    let key = format!("{}.{}", route.service, route.name);
    let custom = lock(&shared.answers).get(&key).cloned();
    let (status, reason, data) = match custom {
        Some((status, data)) => (status, if status >= 400 { "error" } else { "resolved" }, data),
        None => {
            let mut state = lock(&shared.state);
            let website_id = matched.params.iter().find(|(name, _)| *name == "website_id").map(|(_, id)| id.as_str());
            if website_id.is_some_and(|id| !state.websites.contains_key(id)) {
                // Every route of a website Crisp does not know answers alike.
                (404, "website_not_found", json!({}))
            } else if let Err(refusal) = checked {
                match refusal {
                    // What the OpenAPI document calls invalid, Crisp refuses.
                    contract::Refusal::Invalid(message) => (400, "invalid_data", json!({"message": message})),
                    contract::Refusal::NotFound(reason) => (404, not_found_reason(&reason), json!({})),
                }
            } else {
                let answer = stateful::answer(&mut state, &matched, page, &query, &json_body, &shared.rtm_url)
                    .unwrap_or_else(|| documents::answer(&mut state, &matched, path, page, &parts.method, &json_body));
                shared.flush_events(&mut state);
                answer
            }
        }
    };
    if parts.method == Method::HEAD {
        return StatusCode::from_u16(status).unwrap_or(StatusCode::OK).into_response();
    }
    envelope(status, reason, data)
}

/// The reasons a path identifier that names nothing is answered with.
fn not_found_reason(reason: &str) -> &'static str {
    match reason {
        "session_not_found" => "session_not_found",
        _ => "not_found",
    }
}

/// RFC 9110: a 405 says which methods the path has.
fn method_not_allowed(allowed: &[&str]) -> Response {
    let mut response = envelope(405, "method_not_allowed", json!({}));
    if let Ok(value) = http::HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(http::header::ALLOW, value);
    }
    response
}

fn has_required_fields(route: &RouteSpec, body: &Value) -> bool {
    route.required_body_fields.iter().all(|f| body.get(*f).is_some())
}
