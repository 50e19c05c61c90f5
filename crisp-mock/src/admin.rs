//! The simulator's own routes, under `/mock/` (no API credentials: the
//! simulator listens on 127.0.0.1 by default), and the playground at `/`.
//! Answers are Crisp envelopes: `{"error", "reason", "data"}`.
//!
//! | route | what it does |
//! |---|---|
//! | `GET /` | the playground: a visitor chat, an operator inbox, live events and requests |
//! | `GET /reference` | a browsable reference of the API, rendered in the page from `/openapi.json` (offline) |
//! | `GET /openapi.json` | the OpenAPI document of the API (`openapi/crisp-rest-v1.json`), its server this simulator |
//! | `POST /mock/trigger` | raises an event: `{"event", "website_id"?, "session_id"?, "data"?}` |
//! | `GET /mock/events` | the event names `trigger` accepts |
//! | `POST /mock/visitor/message` | a visitor writes: `{"content", "website_id"?, "session_id"?}` |
//! | `POST /mock/operator/message` | an operator answers: `{"content", "session_id", "website_id"?}` |
//! | `GET /mock/state`, `PUT /mock/state` | the state as a fixtures document, out and in |
//! | `GET /mock/clock`, `POST /mock/clock` | the clock: `{"set": ms}` or `{"advance": ms}` |
//! | `GET /mock/requests?after=SEQ&limit=N` | the request log (bounded), oldest first |
//! | `GET /mock/playground/session` | what the playground needs to join the RTM feed |
//! | `GET /mock/conversations?website_id=` | the 50 most recent conversations, summed up |
//! | `GET /mock/conversations/{session_id}?website_id=` | a conversation's messages |

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State as AxumState};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::contract::OPENAPI_JSON;
use crate::shared::Shared;
use crate::state::{Conversation, field};
use crate::sync::lock;
use crate::wire::{envelope, json_body};
use crate::{events, fixtures, rtm};

const PLAYGROUND_HTML: &str = include_str!("playground/index.html");

/// The reference page: a small renderer of `/openapi.json`, self-contained.
const REFERENCE_HTML: &str = include_str!("playground/reference.html");

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/", get(playground))
        .route("/reference", get(reference))
        .route("/openapi.json", get(openapi_document))
        .route("/mock/trigger", post(trigger))
        .route("/mock/events", get(event_names))
        .route("/mock/visitor/message", post(visitor))
        .route("/mock/operator/message", post(operator))
        .route("/mock/state", get(get_state).put(put_state))
        .route("/mock/clock", get(get_clock).post(set_clock))
        .route("/mock/requests", get(requests))
        .route("/mock/playground/session", get(playground_session))
        .route("/mock/conversations", get(recent_conversations))
        .route("/mock/conversations/{session_id}", get(conversation_messages))
}

/// `GET /openapi.json`: the document, with this simulator as its only server.
async fn openapi_document(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    let Ok(mut document) = serde_json::from_str::<Value>(OPENAPI_JSON) else {
        return envelope(500, "internal_error", json!({"message": "the embedded OpenAPI document does not parse"}));
    };
    // The RTM URL is `http://{addr}/rtm/`: its origin is this simulator's.
    let origin = shared.rtm_url.strip_suffix('/').unwrap_or(&shared.rtm_url);
    let origin = origin.strip_suffix(rtm::RTM_PATH).unwrap_or(origin);
    document["servers"] = json!([{"url": format!("{origin}/v1"), "description": "This simulator"}]);
    axum::Json(document).into_response()
}

async fn playground() -> Response {
    same_origin_page(PLAYGROUND_HTML)
}

async fn reference() -> Response {
    same_origin_page(REFERENCE_HTML)
}

fn same_origin_page(html: &'static str) -> Response {
    let mut response = Html(html).into_response();
    // The page talks only to its own origin.
    response.headers_mut().insert(
        http::header::CONTENT_SECURITY_POLICY,
        http::HeaderValue::from_static(
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:",
        ),
    );
    response
}

fn website_of(shared: &Shared, body: &Value) -> String {
    body["website_id"].as_str().filter(|id| !id.is_empty()).unwrap_or(&shared.config.website_id).to_owned()
}

/// `POST /mock/trigger`: raises any event of the spec with a generated payload.
async fn trigger(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(response) => return *response,
    };
    let Some(event) = body["event"].as_str() else {
        return envelope(400, "invalid_data", json!({"message": "`event` is required (see GET /mock/events)"}));
    };
    if !events::is_known(event) {
        return envelope(
            400,
            "unknown_event",
            json!({"message": format!("`{event}` is not an event of the spec (see GET /mock/events)")}),
        );
    }
    if !body["data"].is_null() && !body["data"].is_object() {
        return envelope(400, "invalid_data", json!({"message": "`data` must be an object"}));
    }
    let website_id = website_of(&shared, &body);
    let state = lock(&shared.state);
    let Some(website) = state.websites.get(&website_id) else {
        return envelope(404, "website_not_found", json!({}));
    };
    // The given session, else the most recent one, so answers to it land somewhere real.
    let conversation = match body["session_id"].as_str() {
        Some(id) => website.conversations.get(id),
        None => website.conversations.values().max_by_key(|c| field(&c.fields, "updated_at").as_u64().unwrap_or(0)),
    };
    let session_id = body["session_id"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| conversation.and_then(|c| field(&c.fields, "session_id").as_str().map(str::to_owned)))
        .unwrap_or_else(|| "session_00000000-0000-4000-8000-000000000000".to_owned());
    let visitor = conversation.and_then(|c| c.fields.get("meta").cloned()).unwrap_or(Value::Null);
    let context =
        events::Context { website_id: &website_id, session_id: &session_id, now_ms: state.now(), visitor: &visitor };
    let data = events::payload(event, &context, body.get("data").filter(|d| d.is_object()));
    drop(state);
    let Some(data) = data else { return envelope(400, "unknown_event", json!({})) };
    shared.raise(event.to_owned(), data.clone());
    envelope(200, "dispatched", json!({"event": event, "data": data}))
}

async fn event_names() -> Response {
    envelope(200, "resolved", json!(events::names()))
}

/// `POST /mock/visitor/message`: a visitor writes, as the chat widget would.
async fn visitor(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(response) => return *response,
    };
    let Some(text) = body["content"].as_str().filter(|t| !t.is_empty()) else {
        return envelope(400, "invalid_data", json!({"message": "`content` is required"}));
    };
    let website_id = website_of(&shared, &body);
    match shared.visitor_message(&website_id, body["session_id"].as_str(), text) {
        Ok(session_id) => envelope(200, "dispatched", json!({"session_id": session_id, "website_id": website_id})),
        Err((status, reason)) => envelope(status, reason, json!({})),
    }
}

/// `POST /mock/operator/message`: an operator answers from the playground's inbox.
async fn operator(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(response) => return *response,
    };
    let (Some(text), Some(session_id)) =
        (body["content"].as_str().filter(|t| !t.is_empty()), body["session_id"].as_str())
    else {
        return envelope(400, "invalid_data", json!({"message": "`content` and `session_id` are required"}));
    };
    let website_id = website_of(&shared, &body);
    let message = json!({"type": "text", "from": "operator", "origin": "chat", "content": text,
                         "user": {"nickname": "Playground operator"}});
    let mut state = lock(&shared.state);
    let (status, reason, data) = state.send_message(&website_id, session_id, &message);
    shared.flush_events(&mut state);
    envelope(status, reason, data)
}

async fn get_state(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    let document = fixtures::dump(&lock(&shared.state));
    envelope(200, "resolved", document)
}

/// `PUT /mock/state`: replaces every website with the document's; nothing
/// changes when the document is refused.
async fn put_state(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(document) = serde_json::from_slice::<Value>(&body) else {
        return envelope(400, "invalid_data", json!({"message": "the body must be a fixtures document (JSON)"}));
    };
    // Both `{"websites": ..}` and the `data` of a `GET /mock/state` answer are accepted.
    let document = if document.get("websites").is_none() && document["data"].get("websites").is_some() {
        document["data"].clone()
    } else {
        document
    };
    let mut state = lock(&shared.state);
    match fixtures::read(&document, &mut state) {
        Ok(websites) => {
            state.websites = websites.into_iter().collect();
            state.documents.clear();
            let counts = json!({
                "websites": state.websites.len(),
                "conversations": state.websites.values().map(|w| w.conversations.len()).sum::<usize>(),
                "people": state.websites.values().map(|w| w.people.len()).sum::<usize>(),
            });
            envelope(200, "updated", counts)
        }
        Err(err) => envelope(400, "invalid_data", json!({"message": err.to_string(), "path": err.path})),
    }
}

fn clock_answer(shared: &Shared) -> Value {
    let clock = lock(&shared.state).clock().clone();
    json!({"now": clock.now_ms(), "real": clock.is_real()})
}

async fn get_clock(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    envelope(200, "resolved", clock_answer(&shared))
}

/// `POST /mock/clock`: `{"set": epoch_ms}` or `{"advance": ms}`.
async fn set_clock(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(response) => return *response,
    };
    let clock = lock(&shared.state).clock().clone();
    match (body["set"].as_u64(), body["advance"].as_u64()) {
        (Some(at), None) => clock.set(at),
        (None, Some(ms)) => clock.advance(ms),
        _ => {
            return envelope(
                400,
                "invalid_data",
                json!({"message": "give one of `set` (epoch ms) or `advance` (ms), a non-negative integer"}),
            );
        }
    }
    envelope(200, "updated", clock_answer(&shared))
}

async fn requests(
    AxumState(shared): AxumState<Arc<Shared>>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let after = query.get("after").and_then(|v| v.parse().ok()).unwrap_or(0);
    let limit = query.get("limit").and_then(|v| v.parse().ok()).unwrap_or(200usize).min(1000);
    envelope(200, "resolved", lock(&shared.requests).to_json(after, limit))
}

/// What the playground needs to join the RTM feed: it authenticates with a
/// token of its own, so the API key never reaches the page.
async fn playground_session(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    envelope(
        200,
        "resolved",
        json!({
            "rtm_path": rtm::RTM_PATH,
            "username": rtm::PLAYGROUND_USER,
            "password": shared.rtm.playground_token,
            "website_id": shared.config.website_id,
            "events": events::names(),
        }),
    )
}

fn website_in_query(shared: &Shared, query: &BTreeMap<String, String>) -> String {
    query.get("website_id").filter(|id| !id.is_empty()).cloned().unwrap_or_else(|| shared.config.website_id.clone())
}

/// The 50 most recent conversations of a website, summed up for the playground's inbox.
async fn recent_conversations(
    AxumState(shared): AxumState<Arc<Shared>>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let website_id = website_in_query(&shared, &query);
    let state = lock(&shared.state);
    let Some(website) = state.websites.get(&website_id) else {
        return envelope(404, "website_not_found", json!({}));
    };
    let mut list: Vec<&Conversation> = website.conversations.values().collect();
    list.sort_by_key(|c| std::cmp::Reverse(field(&c.fields, "updated_at").as_u64().unwrap_or(0)));
    let summary: Vec<Value> = list
        .into_iter()
        .take(50)
        .map(|c| {
            json!({
                "session_id": field(&c.fields, "session_id"),
                "nickname": field(&c.fields, "meta")["nickname"],
                "last_message": field(&c.fields, "last_message"),
                "state": field(&c.fields, "state"),
                "updated_at": field(&c.fields, "updated_at"),
            })
        })
        .collect();
    envelope(200, "resolved", Value::Array(summary))
}

/// A conversation's messages (the last 100), for the playground's inbox.
async fn conversation_messages(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path(session_id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let website_id = website_in_query(&shared, &query);
    let state = lock(&shared.state);
    let Some(website) = state.websites.get(&website_id) else {
        return envelope(404, "website_not_found", json!({}));
    };
    let Some(conversation) = website.conversations.get(&session_id) else {
        return envelope(404, "session_not_found", json!({}));
    };
    let skip = conversation.messages.len().saturating_sub(100);
    envelope(200, "resolved", json!({"messages": conversation.messages[skip..].to_vec()}))
}
