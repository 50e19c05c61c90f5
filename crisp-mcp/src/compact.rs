//! Shapes Crisp's answers for a model: nulls dropped, long texts trimmed, and the whole answer kept under a
//! byte budget by leaving out list items (and saying so), so a tool result never floods the context.

use serde_json::{Map, Value, json};

/// Limits applied to every tool result.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_bytes: usize,
    pub(crate) max_text_chars: usize,
}

/// Bytes kept free for the `truncated` note of a cut list.
const NOTE_ROOM: usize = 160;

/// Drops nulls and trims strings longer than `max_chars` characters.
/// Members that hold credentials in some answers (helpdesk access settings,
/// plugin subscription settings): a model never needs them, and a result can
/// end up anywhere the assistant writes.
const SECRET_MEMBERS: [&str; 6] = ["password", "jwt_secret", "secret", "token", "api_key", "private_key"];

fn tidy(value: Value, max_chars: usize) -> Value {
    match value {
        Value::String(text) => Value::String(trim_text(text, max_chars)),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| tidy(v, max_chars)).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let secret = SECRET_MEMBERS.contains(&k.as_str()) && v.is_string();
                    let v = if secret { Value::String("[redacted]".into()) } else { tidy(v, max_chars) };
                    (k, v)
                })
                .collect(),
        ),
        other => other,
    }
}

fn trim_text(text: String, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text,
        Some((cut, _)) => {
            let rest = text[cut..].chars().count();
            format!("{}… [{rest} more characters]", &text[..cut])
        }
    }
}

fn size(value: &Value) -> usize {
    serde_json::to_vec(value).map_or(usize::MAX, |bytes| bytes.len())
}

/// Renders `value` as compact JSON within the limits.
pub(crate) fn render(value: Value, limits: Limits) -> String {
    shape(value, limits).to_string()
}

/// The value a model reads: nulls dropped, texts trimmed, and list items left out (with a `truncated`
/// note) until it fits the byte budget; a value that still does not fit becomes
/// `{"truncated": .., "start": ..}`, the start of its JSON.
pub(crate) fn shape(value: Value, limits: Limits) -> Value {
    let mut value = tidy(value, limits.max_text_chars);
    if size(&value) <= limits.max_bytes {
        return value;
    }
    // A list: keep the items that fit, and tell the model how many were left out.
    if let Some(Value::Array(items)) = value.get_mut("items") {
        let total = items.len();
        let all = std::mem::take(items);
        // Room for the rest of the object and the note added below.
        let budget = limits.max_bytes.saturating_sub(size(&value) + NOTE_ROOM);
        let mut kept = Vec::new();
        let mut used = 0;
        for item in all {
            let item_size = size(&item) + 1;
            if used + item_size > budget {
                break;
            }
            used += item_size;
            kept.push(item);
        }
        let shown = kept.len();
        if let Some(Value::Array(items)) = value.get_mut("items") {
            *items = kept;
        }
        if let Value::Object(map) = &mut value {
            map.insert(
                "truncated".into(),
                json!(format!(
                    "showing {shown} of {total} items to keep the answer short; narrow the query (filters, per_page) to see the others"
                )),
            );
        }
        if size(&value) <= limits.max_bytes {
            return value;
        }
    }
    // Anything else: trim texts harder, then cut.
    let value = tidy(value, (limits.max_text_chars / 8).max(40));
    let text = value.to_string();
    if text.len() <= limits.max_bytes {
        return value;
    }
    // Half the budget: the quotes of the cut JSON are escaped once more inside the note.
    let mut cut = limits.max_bytes / 2;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut note = Map::new();
    note.insert("truncated".into(), json!(format!("the answer was {} bytes; only its start is shown", text.len())));
    note.insert("start".into(), json!(&text[..cut]));
    Value::Object(note)
}

/// `value` as an object, the root MCP wants for `structuredContent`: objects as they are, anything else
/// as `{"value": ..}` (what the generated output schemas describe).
pub(crate) fn as_object(value: Value) -> Value {
    match value {
        Value::Object(_) => value,
        other => json!({ "value": other }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { max_bytes: 400, max_text_chars: 20 };

    #[test]
    fn drops_nulls_and_trims_long_texts() {
        let out = render(json!({"a": null, "b": "x".repeat(25), "c": [1, null]}), LIMITS);
        assert_eq!(out, r#"{"b":"xxxxxxxxxxxxxxxxxxxx… [5 more characters]","c":[1,null]}"#);
    }

    #[test]
    fn credentials_in_answers_are_redacted() {
        let out = render(
            json!({"access": {"password": "hunter2", "jwt_secret": "s3cr3t"}, "settings": {"token": "t0k"}, "name": "ok"}),
            LIMITS,
        );
        assert!(!out.contains("hunter2") && !out.contains("s3cr3t") && !out.contains("t0k"), "{out}");
        assert!(out.contains(r#""password":"[redacted]""#) && out.contains(r#""name":"ok""#), "{out}");
    }

    #[test]
    fn trims_on_character_boundaries() {
        let out = render(json!("é".repeat(30)), LIMITS);
        assert!(out.starts_with(&format!("\"{}…", "é".repeat(20))), "{out}");
    }

    #[test]
    fn keeps_list_items_that_fit_and_says_how_many() {
        let items: Vec<Value> = (0..50).map(|i| json!({"id": i, "text": "0123456789"})).collect();
        let out: Value =
            serde_json::from_str(&render(json!({"items": items, "next_cursor": "page:2"}), LIMITS)).unwrap();
        let shown = out["items"].as_array().unwrap().len();
        assert!(shown > 0 && shown < 50);
        assert_eq!(out["next_cursor"], "page:2");
        assert_eq!(
            out["truncated"].as_str().unwrap(),
            format!(
                "showing {shown} of 50 items to keep the answer short; narrow the query (filters, per_page) to see the others"
            )
        );
        assert!(out.to_string().len() <= LIMITS.max_bytes);
    }

    #[test]
    fn cuts_a_huge_object_but_stays_valid_json() {
        let map: Map<String, Value> = (0..100).map(|i| (format!("key{i}"), json!(i))).collect();
        let out: Value = serde_json::from_str(&render(Value::Object(map), LIMITS)).unwrap();
        assert!(out["truncated"].as_str().unwrap().starts_with("the answer was"));
        assert!(out["start"].as_str().unwrap().starts_with("{\"key0\":0"));
    }
}
