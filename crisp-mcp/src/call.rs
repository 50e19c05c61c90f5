//! Turns a tool call's arguments into a request through the client's pipeline (pacing, retries, typed
//! errors), and its answer into the compact JSON the model reads.

use crisp_api::{Call, Crisp, Segment};
use http::Method;
use serde_json::{Map, Value, json};

use crate::catalog::{BodyKind, PathParam, QueryKind, ResponseKind, ToolDef};

/// A call the model can fix: one sentence saying what is wrong.
#[derive(Debug)]
pub(crate) struct ArgumentError(pub(crate) String);

fn text_of(name: &str, value: &Value) -> Result<String, ArgumentError> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Number(number) => Ok(number.to_string()),
        other => Err(ArgumentError(format!("`{name}` must be a string, not {}", kind(other)))),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads `page:N` (or a bare `N`).
fn page_of(cursor: Option<&Value>) -> Result<u32, ArgumentError> {
    let Some(cursor) = cursor else { return Ok(1) };
    let text = match cursor {
        Value::String(text) => text.strip_prefix("page:").unwrap_or(text).to_owned(),
        Value::Number(number) => number.to_string(),
        other => return Err(ArgumentError(format!("`cursor` must be a string like \"page:2\", not {}", kind(other)))),
    };
    match text.trim().parse::<u32>() {
        Ok(page) if page >= 1 => Ok(page),
        _ => Err(ArgumentError(format!("`cursor` must be a next_cursor value like \"page:2\", not `{text}`"))),
    }
}

/// The names a tool accepts, for error messages.
fn accepted(def: &ToolDef) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = def
        .path_params
        .iter()
        .map(|p| match p {
            PathParam::One(name) | PathParam::Many(name) => name,
            PathParam::Page => "cursor",
        })
        .collect();
    names.extend(def.query.iter().map(|q| q.name));
    if !matches!(def.body, BodyKind::None | BodyKind::Empty) {
        names.push("body");
    }
    names
}

/// Builds the request for `def` from `args`.
pub(crate) fn build(
    client: &Crisp,
    def: &ToolDef,
    args: &Map<String, Value>,
    website_id: Option<&str>,
) -> Result<Call<Value>, ArgumentError> {
    let accepted = accepted(def);
    if let Some(unknown) = args.keys().find(|key| !accepted.contains(&key.as_str())) {
        return Err(ArgumentError(format!(
            "`{}` takes no argument `{unknown}`; it takes: {}",
            def.name,
            if accepted.is_empty() { "none".to_owned() } else { accepted.join(", ") }
        )));
    }
    let present = |name: &str| args.get(name).filter(|v| !v.is_null());
    let mut segments = Vec::with_capacity(def.path_params.len());
    for param in def.path_params {
        let (name, many) = match param {
            PathParam::One(name) => (*name, false),
            PathParam::Many(name) => (*name, true),
            PathParam::Page => {
                segments.push((page_of(present("cursor"))?.to_string(), false));
                continue;
            }
        };
        let value = match (present(name), name) {
            (Some(value), _) => text_of(name, value)?,
            (None, "website_id") if website_id.is_some() => website_id.unwrap_or_default().to_owned(),
            (None, _) => return Err(ArgumentError(format!("`{}` needs the argument `{name}`", def.name))),
        };
        if value.trim().is_empty() {
            return Err(ArgumentError(format!("`{name}` is empty")));
        }
        segments.push((value, many));
    }
    let segments: Vec<Segment<'_>> =
        segments.iter().map(|(v, many)| if *many { Segment::Many(v) } else { Segment::One(v) }).collect();
    let method = Method::from_bytes(def.method.as_bytes()).unwrap_or(Method::GET);
    let mut call = Call::<Value>::new(client, method, def.route, &segments, def.idempotent);
    for param in def.query {
        let Some(value) = present(param.name) else { continue };
        match param.kind {
            QueryKind::Text => call.query(param.name, text_of(param.name, value)?),
            QueryKind::Integer => match value {
                Value::Number(n) if n.is_i64() || n.is_u64() => call.query(param.name, n),
                Value::String(s) if s.trim().parse::<i64>().is_ok() => call.query(param.name, s.trim()),
                other => {
                    return Err(ArgumentError(format!("`{}` must be an integer, not {}", param.name, kind(other))));
                }
            },
            QueryKind::Flag => match value {
                Value::Bool(flag) => call.query_flag(param.name, *flag),
                Value::Number(n) if n.as_u64() == Some(0) || n.as_u64() == Some(1) => {
                    call.query_flag(param.name, n.as_u64() == Some(1));
                }
                other => {
                    return Err(ArgumentError(format!("`{}` must be true or false, not {}", param.name, kind(other))));
                }
            },
            QueryKind::Json => call.query_json(param.name, value),
        }
    }
    match (def.body, present("body")) {
        (BodyKind::None, _) => {}
        (BodyKind::Empty, _) | (BodyKind::Object { required: false }, None) => call.body_empty(),
        (BodyKind::Object { .. }, Some(body @ Value::Object(_))) => call.body_json(body),
        (BodyKind::Object { .. }, Some(other)) => {
            return Err(ArgumentError(format!("`body` must be a JSON object, not {}", kind(other))));
        }
        (BodyKind::Object { required: true }, None) => {
            return Err(ArgumentError(format!("`{}` needs the argument `body` (a JSON object)", def.name)));
        }
    }
    Ok(call)
}

/// Sends the call and shapes the answer: `{"exists": ..}` for HEAD, `{"items": [..], "next_cursor": ..}` for
/// lists, the data itself otherwise.
pub(crate) async fn run(def: &ToolDef, call: Call<Value>) -> crisp_api::Result<Value> {
    match def.response {
        ResponseKind::Exists => Ok(json!({"exists": call.send_exists().await?})),
        ResponseKind::List => {
            let page = call.page_number();
            let data = call.send().await?;
            let items = match data {
                Value::Array(items) => items,
                // Crisp answers `{}` or nothing for an empty list on some routes.
                Value::Object(map) if map.is_empty() => Vec::new(),
                Value::Null => Vec::new(),
                other => return Ok(other),
            };
            let mut out = Map::new();
            let more = def.paged() && !items.is_empty();
            out.insert("items".into(), Value::Array(items));
            if more {
                out.insert("next_cursor".into(), json!(format!("page:{}", page.saturating_add(1))));
            }
            Ok(Value::Object(out))
        }
        ResponseKind::Value => call.send().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_page_numbers() {
        assert_eq!(page_of(None).unwrap(), 1);
        assert_eq!(page_of(Some(&json!("page:3"))).unwrap(), 3);
        assert_eq!(page_of(Some(&json!(2))).unwrap(), 2);
        assert!(page_of(Some(&json!("page:0"))).unwrap_err().0.contains("page:2"));
        assert!(page_of(Some(&json!("next"))).is_err());
        assert!(page_of(Some(&json!(true))).is_err());
    }
}
