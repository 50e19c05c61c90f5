//! Realistic payloads for any event of the spec, for `POST /mock/trigger`.
//!
//! The event names and payload models are read at run time from the spec
//! (`spec/events.json` and `spec/types.json`, embedded by `cargo xtask codegen`): a
//! payload is built from its model's fields, named values (ids, emails,
//! nicknames, timestamps) are filled in realistically, then the caller's
//! overrides are deep-merged into it.

use std::sync::OnceLock;

use serde_json::{Map, Value, json};

#[path = "generated/event_shapes.rs"]
mod event_shapes;
use event_shapes::{EVENTS_JSON, TYPES_JSON};

struct Spec {
    /// Event name and the model of its payload.
    events: Vec<(String, Option<String>)>,
    types: Map<String, Value>,
}

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let events: Value = serde_json::from_str(EVENTS_JSON).unwrap_or(Value::Null);
        let types: Value = serde_json::from_str(TYPES_JSON).unwrap_or(Value::Null);
        let events = events["events"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|e| Some((e["name"].as_str()?.to_owned(), e["payload"].as_str().map(str::to_owned))))
                    .collect()
            })
            .unwrap_or_default();
        Spec { events, types: types.as_object().cloned().unwrap_or_default() }
    })
}

/// The event names of the spec, in spec order.
pub(crate) fn names() -> Vec<&'static str> {
    spec().events.iter().map(|(name, _)| name.as_str()).collect()
}

/// Whether the spec knows `name`.
pub(crate) fn is_known(name: &str) -> bool {
    spec().events.iter().any(|(known, _)| known == name)
}

/// An event on its way out, to RTM sockets and Web Hook targets.
pub(crate) struct Outgoing {
    pub(crate) name: String,
    pub(crate) data: Value,
}

/// Ids and values the payload is built around.
pub(crate) struct Context<'a> {
    pub(crate) website_id: &'a str,
    pub(crate) session_id: &'a str,
    pub(crate) now_ms: u64,
    /// The visitor's `meta` (nickname, email, ...), when known.
    pub(crate) visitor: &'a Value,
}

/// A payload for `event`: its model filled in, then `overrides` deep-merged.
/// `None` when the spec does not know the event.
pub(crate) fn payload(event: &str, context: &Context<'_>, overrides: Option<&Value>) -> Option<Value> {
    let spec = spec();
    let (_, model) = spec.events.iter().find(|(name, _)| name == event)?;
    let mut data = match model {
        Some(model) => sample(spec, model, "", context, 0),
        None => json!({}),
    };
    if !data.is_object() {
        data = json!({});
    }
    realistic(event, &mut data, context);
    if let Some(overrides) = overrides {
        deep_merge(&mut data, overrides);
    }
    Some(data)
}

/// Merges `patch` into `target`: objects member by member, anything else replaced.
pub(crate) fn deep_merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                match target.get_mut(key) {
                    Some(existing) => deep_merge(existing, value),
                    None => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

/// A value of type expression `ty` for a field called `field`.
fn sample(spec: &Spec, ty: &str, field: &str, context: &Context<'_>, depth: usize) -> Value {
    if let Some(inner) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        // Lists of models get one element; lists of scalars stay empty unless named.
        return match inner {
            "string" if field == "events" || field == "segments" => json!([]),
            "string" | "integer" | "number" | "boolean" | "json" | "map" => json!([]),
            _ if depth >= 3 => json!([]),
            _ => json!([sample(spec, inner, field, context, depth + 1)]),
        };
    }
    match ty {
        "string" => named_string(field, context),
        "integer" => json!(match field {
            "fingerprint" => context.now_ms.saturating_mul(10).saturating_add(7),
            "count" | "total" => 1,
            _ => 0,
        }),
        "number" => json!(0.0),
        "timestamp" => json!(context.now_ms),
        "boolean" => json!(false),
        "flag" => json!(0),
        "json" | "map" => json!({}),
        model => match spec.types.get(model) {
            Some(def) if depth < 4 => match def["kind"].as_str() {
                Some("object") => {
                    let mut object = Map::new();
                    for f in def["fields"].as_array().into_iter().flatten() {
                        let (Some(name), Some(ty)) = (f["name"].as_str(), f["type"].as_str()) else { continue };
                        object.insert(name.to_owned(), sample(spec, ty, name, context, depth + 1));
                    }
                    Value::Object(object)
                }
                Some("enum") => def["values"].get(0).cloned().unwrap_or(json!("")),
                Some("alias") => sample(spec, def["target"].as_str().unwrap_or("json"), field, context, depth + 1),
                _ => json!({}),
            },
            _ => Value::Null,
        },
    }
}

fn named_string(field: &str, context: &Context<'_>) -> Value {
    let visitor = |key: &str, default: &str| context.visitor.get(key).cloned().unwrap_or_else(|| json!(default));
    match field {
        "website_id" => json!(context.website_id),
        "session_id" => json!(context.session_id),
        "nickname" => visitor("nickname", "Visitor"),
        "email" => visitor("email", "visitor@example.com"),
        "phone" => json!("+1 555 0100"),
        "ip" => visitor("ip", "203.0.113.7"),
        "type" => json!("text"),
        "origin" => json!("chat"),
        "from" => json!("user"),
        "content" => json!("Hello from the simulator"),
        "avatar" | "url" => json!("https://example.com/image.png"),
        "locale" => json!("en"),
        "country" => json!("FR"),
        "city" => json!("Paris"),
        name if name.ends_with("_id") || name == "id" => json!(format!("{name}-0001")),
        name => json!(name.replace('_', " ")),
    }
}

/// Fixes the members the generic sample gets wrong for well-known events.
fn realistic(event: &str, data: &mut Value, context: &Context<'_>) {
    let Value::Object(object) = data else { return };
    if object.contains_key("session_id") {
        object.insert("session_id".into(), json!(context.session_id));
    }
    object.insert("website_id".into(), json!(context.website_id));
    if object.contains_key("inbox_id") {
        // The simulator's conversations sit in no inbox.
        object.insert("inbox_id".into(), Value::Null);
    }
    if event.starts_with("message:send") || event.starts_with("message:received") {
        let from = if event == "message:received" { "operator" } else { "user" };
        let nickname = if from == "user" {
            context.visitor.get("nickname").cloned().unwrap_or(json!("Visitor"))
        } else {
            json!("Support")
        };
        object.insert("type".into(), json!("text"));
        object.insert("from".into(), json!(from));
        object.insert("origin".into(), json!("chat"));
        object.insert("content".into(), json!("Hello from the simulator"));
        object.insert("user".into(), json!({"nickname": nickname, "user_id": format!("user-{from}")}));
        object.insert("fingerprint".into(), json!(context.now_ms.saturating_mul(10).saturating_add(7)));
        object.insert("timestamp".into(), json!(context.now_ms));
        // An ordinary text message carries no original, references or translation.
        for key in ["original", "references", "properties", "routing_ids", "mentions"] {
            object.remove(key);
        }
        object.insert("stamped".into(), json!(true));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(visitor: &Value) -> Context<'_> {
        Context { website_id: "w1", session_id: "session_1", now_ms: 1_750_000_000_000, visitor }
    }

    #[test]
    fn every_spec_event_gets_an_object_payload_with_its_website() {
        let visitor = json!({"nickname": "Hana Sato"});
        assert!(names().len() >= 80, "{} events", names().len());
        for name in names() {
            let data = payload(name, &context(&visitor), None).unwrap();
            assert_eq!(data["website_id"], "w1", "{name}");
        }
    }

    #[test]
    fn message_send_is_realistic_and_overrides_merge_deeply() {
        let visitor = json!({"nickname": "Hana Sato"});
        let overrides = json!({"content": "Where is my parcel?", "user": {"nickname": "Kenji"}});
        let data = payload("message:send", &context(&visitor), Some(&overrides)).unwrap();
        assert_eq!(data["session_id"], "session_1");
        assert_eq!(data["from"], "user");
        assert_eq!(data["content"], "Where is my parcel?");
        assert_eq!(data["user"]["nickname"], "Kenji");
        assert_eq!(data["user"]["user_id"], "user-user");
        assert_eq!(data["timestamp"], 1_750_000_000_000u64);
    }

    #[test]
    fn an_unknown_event_has_no_payload() {
        assert!(payload("message:sent", &context(&Value::Null), None).is_none());
    }
}
