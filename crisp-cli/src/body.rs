//! Request bodies from the command line: `--data @file.json`, `--data -`
//! (standard input) or inline JSON, then `--field key=value` members with
//! typed values (`true`, `false`, `null`, integers, decimals, JSON arrays and
//! objects, `@file` for a file's text) and `--raw-field key=value` for text
//! as it is. Nested keys: `a.b=c`; `tags[]=x` appends to a list.

use std::io::Read as _;

use serde_json::{Map, Value};

use crate::error::{CliError, Result};

/// Reads `--data`: `@path`, `-` for standard input, or inline JSON.
pub fn read_data(spec: &str) -> Result<Value> {
    let (text, origin) = if spec == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::usage(format!("--data -: cannot read standard input: {e}")))?;
        (text, "standard input".to_owned())
    } else if let Some(path) = spec.strip_prefix('@') {
        let text = std::fs::read_to_string(path).map_err(|e| CliError::usage(format!("--data @{path}: {e}")))?;
        (text, path.to_owned())
    } else {
        (spec.to_owned(), "--data".to_owned())
    };
    // serde_json's message names the line and column only, never the content.
    serde_json::from_str(&text).map_err(|e| {
        CliError::usage(format!("{origin} is not valid JSON: {e}"))
            .hint("--data takes @file.json, - (stdin) or inline JSON")
    })
}

/// Coerces a `--field` value, gh-style.
pub fn typed_value(raw: &str) -> Result<Value> {
    Ok(match raw {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        _ if raw.starts_with('@') => {
            let path = &raw[1..];
            Value::String(std::fs::read_to_string(path).map_err(|e| CliError::usage(format!("--field @{path}: {e}")))?)
        }
        _ if raw.starts_with('[') || raw.starts_with('{') => serde_json::from_str(raw)
            .map_err(|e| CliError::usage(format!("--field value `{raw}` is not valid JSON: {e}")))?,
        _ => number(raw).unwrap_or_else(|| Value::String(raw.to_owned())),
    })
}

/// An integer stays an integer; a decimal becomes a float; `007` and `+1`
/// stay text (ids and phone numbers look like that).
fn number(raw: &str) -> Option<Value> {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    if digits.is_empty() || !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.") {
        return None;
    }
    if let Ok(n) = raw.parse::<i64>() {
        return Some(Value::from(n));
    }
    if let Ok(n) = raw.parse::<u64>() {
        return Some(Value::from(n));
    }
    raw.parse::<f64>().ok().filter(|f| f.is_finite()).and_then(serde_json::Number::from_f64).map(Value::Number)
}

/// Sets `key` (dotted, with `[]` to append) to `value` in `root`.
pub fn set_path(root: &mut Map<String, Value>, key: &str, value: Value) -> Result<()> {
    let bad = || CliError::usage(format!("--field key `{key}` is not valid")).hint("use name, a.b.c or list[]");
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty() || *p == "[]") {
        return Err(bad());
    }
    let mut map = root;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let (name, append) = match part.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (*part, false),
        };
        if last {
            if append {
                let slot = map.entry(name.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
                match slot {
                    Value::Array(list) => list.push(value),
                    _ => return Err(CliError::usage(format!("--field `{key}`: `{name}` is not a list"))),
                }
            } else {
                map.insert(name.to_owned(), value);
            }
            return Ok(());
        }
        if append {
            return Err(bad());
        }
        let slot = map.entry(name.to_owned()).or_insert_with(|| Value::Object(Map::new()));
        map = match slot {
            Value::Object(inner) => inner,
            _ => return Err(CliError::usage(format!("--field `{key}`: `{name}` is not an object"))),
        };
    }
    Ok(())
}

/// Builds the body from `--data`, `--field` and `--raw-field`; `None` when
/// none was given.
pub fn build(data: Option<&str>, fields: &[String], raw_fields: &[String]) -> Result<Option<Value>> {
    let mut body = match data {
        Some(spec) => Some(read_data(spec)?),
        None => None,
    };
    if fields.is_empty() && raw_fields.is_empty() {
        return Ok(body);
    }
    let map = match body.get_or_insert_with(|| Value::Object(Map::new())) {
        Value::Object(map) => map,
        _ => return Err(CliError::usage("--field needs --data to be a JSON object")),
    };
    let split = |pair: &str, flag: &str| -> Result<(String, String)> {
        pair.split_once('=')
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .ok_or_else(|| CliError::usage(format!("{flag} `{pair}` has no `=`")).hint(format!("{flag} key=value")))
    };
    for pair in fields {
        let (key, value) = split(pair, "--field")?;
        set_path(map, &key, typed_value(&value)?)?;
    }
    for pair in raw_fields {
        let (key, value) = split(pair, "--raw-field")?;
        set_path(map, &key, Value::String(value))?;
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn coerces_like_gh() {
        assert_eq!(typed_value("true").unwrap(), json!(true));
        assert_eq!(typed_value("null").unwrap(), Value::Null);
        assert_eq!(typed_value("42").unwrap(), json!(42));
        assert!(typed_value("42").unwrap().is_i64());
        assert_eq!(typed_value("18446744073709551615").unwrap(), json!(u64::MAX));
        assert_eq!(typed_value("-1.5").unwrap(), json!(-1.5));
        assert_eq!(typed_value("007").unwrap(), json!("007"));
        assert_eq!(typed_value("+33").unwrap(), json!("+33"));
        assert_eq!(typed_value("hello").unwrap(), json!("hello"));
        assert_eq!(typed_value("[1,\"a\"]").unwrap(), json!([1, "a"]));
        assert!(typed_value("{oops").is_err());
    }

    #[test]
    fn nests_and_appends() {
        let body = build(None, &["a.b=1".into(), "tags[]=x".into(), "tags[]=2".into()], &["raw=true".into()]).unwrap();
        assert_eq!(body, Some(json!({"a": {"b": 1}, "tags": ["x", 2], "raw": "true"})));
        assert!(build(None, &["novalue".into()], &[]).is_err());
        assert!(build(None, &["a..b=1".into()], &[]).is_err());
        assert!(build(None, &["a=1".into(), "a.b=2".into()], &[]).is_err());
    }

    #[test]
    fn data_merges_with_fields() {
        let body = build(Some(r#"{"type":"text","content":"hi"}"#), &["from=operator".into()], &[]).unwrap();
        assert_eq!(body, Some(json!({"type": "text", "content": "hi", "from": "operator"})));
        let err = build(Some("[1]"), &["a=1".into()], &[]).unwrap_err();
        assert_eq!(err.exit, crate::error::Exit::Usage);
        assert!(build(Some("{bad json"), &[], &[]).is_err());
    }
}
