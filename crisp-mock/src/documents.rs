//! Routes the simulator keeps no model for: they answer the spec's example,
//! and a write to a path that also has a read route (same path template)
//! is stored, so the read route reads it back. The pairs are derived at run
//! time from the route table: `PUT` replaces, `PATCH` merges, `DELETE`
//! removes (the read then answers 404, or an empty list), `POST` to such a
//! path stores what it created.

use http::Method;
use serde_json::{Value, json};

use crate::contract;
use crate::route_match::Matched;
use crate::route_table::ROUTES;
use crate::routes::RouteSpec;
use crate::state::{Answer, State};

/// The read route sharing `route`'s path template, if any.
fn read_route(route: &RouteSpec) -> Option<&'static RouteSpec> {
    ROUTES.iter().find(|r| r.method == "GET" && r.path == route.path)
}

fn example(route: &RouteSpec) -> Value {
    serde_json::from_str(route.example).unwrap_or(Value::Null)
}

/// Marks a deleted document.
const GONE: &str = "\u{0}deleted";

/// Answers a route from the stored documents and the spec's examples.
pub(crate) fn answer(
    state: &mut State,
    matched: &Matched,
    path: &str,
    page: usize,
    method: &Method,
    body: &Value,
) -> Answer {
    let route = matched.route;
    // Page numbers are part of the path but not of the document.
    let key = if route.paged { path.rsplit_once('/').map_or(path, |(head, _)| head) } else { path }.to_owned();
    let written = |state: &mut State, value: Value| {
        state.documents.insert(key.clone(), value);
    };
    match *method {
        Method::GET | Method::HEAD => match state.documents.get(&key) {
            Some(Value::String(gone)) if gone == GONE => {
                if example(route).is_array() {
                    (200, "resolved", json!([]))
                } else {
                    (404, "not_found", json!({}))
                }
            }
            // What another route wrote is read back only when it has the shape this route answers with.
            Some(stored) if !(route.paged && page > 1) && contract::answer_fits(route.method, route.path, stored) => {
                (200, "resolved", stored.clone())
            }
            _ => example_answer(route, page, method),
        },
        Method::PUT if read_route(route).is_some() => {
            written(state, body.clone());
            (200, "updated", json!({}))
        }
        Method::PATCH if read_route(route).is_some() => {
            let mut current = match state.documents.get(&key) {
                Some(Value::String(gone)) if gone == GONE => json!({}),
                Some(stored) => stored.clone(),
                None => read_route(route).map(example).unwrap_or_default(),
            };
            if current.is_object() && body.is_object() {
                crate::events::deep_merge(&mut current, body);
            } else {
                current = body.clone();
            }
            written(state, current);
            (200, "updated", json!({}))
        }
        Method::DELETE if read_route(route).is_some() => {
            written(state, json!(GONE));
            (200, "deleted", json!({}))
        }
        Method::POST if read_route(route).is_some() && body.as_object().is_some_and(|b| !b.is_empty()) => {
            written(state, body.clone());
            example_answer(route, page, method)
        }
        _ => example_answer(route, page, method),
    }
}

/// The spec example; later pages of a list are empty so paging ends.
fn example_answer(route: &RouteSpec, page: usize, method: &Method) -> Answer {
    let data = example(route);
    let data = if route.paged && page > 1 && data.is_array() { json!([]) } else { data };
    let reason = match *method {
        Method::GET | Method::HEAD => "resolved",
        Method::POST => "added",
        Method::DELETE => "deleted",
        _ => "updated",
    };
    (200, reason, data)
}
