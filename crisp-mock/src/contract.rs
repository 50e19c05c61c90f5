//! The OpenAPI document the simulator serves, and the request checks made
//! from it: path and query parameters and JSON bodies are validated against
//! the operation's schemas, so what the document calls invalid is refused
//! with Crisp's `invalid_data`, from the same generated data as the document.
//!
//! The validator covers the vocabulary the generator writes (`$ref`,
//! `anyOf`, `type`, `enum`, `const`, `properties`, `required`, `items`,
//! `minimum`, `minLength`, `not`, and `pattern` as a literal prefix); of the
//! formats, `int64` bounds integers and `uuid` is checked in bodies (an
//! unknown website in a path stays `404 website_not_found`).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

/// The OpenAPI document, the compact copy `cargo xtask codegen` writes of `openapi/crisp-rest-v1.json`.
pub(crate) const OPENAPI_JSON: &str = include_str!("generated/openapi.json");

/// Marks a path identifier that names nothing, in `check_members`' errors.
const NOT_FOUND_MARK: &str = "\u{0}not-found:";

/// How deep schemas may nest before a value is refused (bounds the recursion on hostile bodies).
const MAX_DEPTH: usize = 64;

struct Contract {
    document: Value,
    /// `(METHOD, /path template)` to the operation's JSON pointer.
    operations: HashMap<(String, String), String>,
}

fn contract() -> Option<&'static Contract> {
    static CONTRACT: OnceLock<Option<Contract>> = OnceLock::new();
    CONTRACT
        .get_or_init(|| {
            let document: Value = serde_json::from_str(OPENAPI_JSON).ok()?;
            let mut operations = HashMap::new();
            for (path, item) in document["paths"].as_object()? {
                for method in item.as_object()?.keys() {
                    let pointer = format!("/paths/{}/{method}", path.replace('~', "~0").replace('/', "~1"));
                    operations.insert((method.to_uppercase(), path.clone()), pointer);
                }
            }
            Some(Contract { document, operations })
        })
        .as_ref()
}

/// What a request brings for one operation.
pub(crate) struct RequestParts<'a> {
    /// HTTP method.
    pub(crate) method: &'a str,
    /// Path template relative to `/v1/`.
    pub(crate) path: &'a str,
    /// Path parameters, decoded.
    pub(crate) params: &'a [(&'static str, String)],
    /// Query pairs, decoded.
    pub(crate) query: &'a [(String, String)],
    /// The body, when the request has one.
    pub(crate) body: Option<&'a Value>,
}

/// Why a request is refused.
#[derive(Debug, PartialEq)]
pub(crate) enum Refusal {
    /// `400 invalid_data`, with what is wrong.
    Invalid(String),
    /// An identifier in the path that cannot name anything (a session id without `session_`): `404`, with the
    /// reason Crisp gives for that kind of object (`session_not_found`).
    NotFound(String),
}

/// Checks a request against its operation in the document: `Err` says why it is refused.
/// An operation the document does not have is not checked.
pub(crate) fn check(request: &RequestParts<'_>) -> Result<(), Refusal> {
    check_members(request).map_err(|message| match message.strip_prefix(NOT_FOUND_MARK) {
        Some(name) => Refusal::NotFound(format!("{}_not_found", name.trim_end_matches("_id"))),
        None => Refusal::Invalid(message),
    })
}

fn check_members(request: &RequestParts<'_>) -> Result<(), String> {
    let Some(contract) = contract() else { return Ok(()) };
    let key = (request.method.to_owned(), format!("/{}", request.path));
    let Some(operation) = contract.operations.get(&key).and_then(|p| contract.document.pointer(p)) else {
        return Ok(());
    };
    let validator = Validator { document: &contract.document, formats: false };
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        let parameter = validator.resolve(parameter);
        let Some(name) = parameter["name"].as_str() else { continue };
        let raw = match parameter["in"].as_str() {
            Some("path") => {
                let raw = request.params.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v.as_str());
                if validator
                    .validate(&parameter["schema"], &coerce(&validator, &parameter["schema"], raw), name, 0)
                    .is_err()
                    && validator.resolve(&parameter["schema"]).get("pattern").is_some()
                {
                    // Handled by `check`: not found rather than invalid.
                    return Err(format!("{NOT_FOUND_MARK}{name}"));
                }
                Some(raw)
            }
            Some("query") => request.query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()),
            // Headers (the tier) are checked with the credentials.
            _ => continue,
        };
        let Some(raw) = raw else {
            if parameter["required"] == Value::Bool(true) {
                return Err(format!("`{name}` is required"));
            }
            continue;
        };
        match parameter.pointer("/content/application~1json/schema") {
            // Sent JSON-encoded.
            Some(schema) => {
                let value: Value = serde_json::from_str(raw).map_err(|_| format!("`{name}` must be JSON"))?;
                validator.validate(schema, &value, name, 0)?;
            }
            None => {
                validator.validate(&parameter["schema"], &coerce(&validator, &parameter["schema"], raw), name, 0)?
            }
        }
    }
    if let (Some(schema), Some(body)) =
        (operation.pointer("/requestBody/content/application~1json/schema"), request.body)
    {
        Validator { formats: true, ..validator }.validate(schema, body, "body", 0)?;
    }
    Ok(())
}

/// Whether `data` fits what the document says the operation answers with 200 (true when it says nothing).
pub(crate) fn answer_fits(method: &str, path: &str, data: &Value) -> bool {
    let Some(contract) = contract() else { return true };
    let Some(schema) = contract
        .operations
        .get(&(method.to_owned(), format!("/{path}")))
        .and_then(|p| contract.document.pointer(&format!("{p}/responses/200/content/application~1json/schema")))
    else {
        return true;
    };
    let validator = Validator { document: &contract.document, formats: true };
    validator.validate(&schema["properties"]["data"], data, "data", 0).is_ok()
}

/// Whether the operation's document says a body must be sent.
pub(crate) fn body_required(method: &str, path: &str) -> bool {
    let Some(contract) = contract() else { return true };
    contract
        .operations
        .get(&(method.to_owned(), format!("/{path}")))
        .and_then(|p| contract.document.pointer(p))
        .is_none_or(|operation| operation.pointer("/requestBody/required") == Some(&Value::Bool(true)))
}

/// A parameter's text as the JSON value its schema's type reads it as.
fn coerce(validator: &Validator<'_>, schema: &Value, raw: &str) -> Value {
    let types = validator.types(schema, 0);
    if types.contains(&"integer") {
        if let Ok(number) = raw.parse::<i64>() {
            return Value::from(number);
        }
        // Digits beyond 64 bits are still an integer (a page past the end, say).
        if !raw.is_empty()
            && raw.bytes().all(|b| b.is_ascii_digit())
            && let Some(number) = raw.parse::<f64>().ok().and_then(serde_json::Number::from_f64)
        {
            return Value::Number(number);
        }
    }
    if types.contains(&"number")
        && let Ok(number) = raw.parse::<f64>()
        && let Some(number) = serde_json::Number::from_f64(number)
    {
        return Value::Number(number);
    }
    if types.contains(&"boolean")
        && let Ok(flag) = raw.parse::<bool>()
    {
        return Value::Bool(flag);
    }
    Value::String(raw.to_owned())
}

#[derive(Clone, Copy)]
struct Validator<'a> {
    document: &'a Value,
    /// Whether `uuid` formats are checked.
    formats: bool,
}

impl<'a> Validator<'a> {
    /// Follows a local `$ref` (once per level).
    fn resolve(&self, schema: &'a Value) -> &'a Value {
        match schema["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => self.document.pointer(pointer).unwrap_or(&Value::Null),
            None => schema,
        }
    }

    /// The `type`s a schema (through references and choices) admits.
    fn types(&self, schema: &'a Value, depth: usize) -> Vec<&'a str> {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        let schema = self.resolve(schema);
        let mut types: Vec<&str> = match &schema["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for choice in schema["anyOf"].as_array().into_iter().flatten() {
            types.extend(self.types(choice, depth + 1));
        }
        types
    }

    fn validate(&self, schema: &Value, value: &Value, at: &str, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("`{at}` nests too deeply"));
        }
        if let Some(pointer) = schema["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
            let target = self.document.pointer(pointer).unwrap_or(&Value::Null);
            self.validate(target, value, at, depth + 1)?;
        }
        if let Some(choices) = schema["anyOf"].as_array()
            && !choices.iter().any(|choice| self.validate(choice, value, at, depth + 1).is_ok())
        {
            return Err(format!("`{at}` is none of the shapes it may take"));
        }
        if let Some(excluded) = schema.get("not")
            && self.validate(excluded, value, at, depth + 1).is_ok()
        {
            return Err(format!("`{at}` cannot be {value}"));
        }
        if let Some(expected) = schema.get("const")
            && expected != value
        {
            return Err(format!("`{at}` must be {expected}"));
        }
        if let Some(allowed) = schema["enum"].as_array()
            && !allowed.contains(value)
        {
            return Err(format!("`{at}` is not one of its values"));
        }
        let types: Vec<&str> = match &schema["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !types.is_empty() && !types.iter().any(|t| is_of_type(value, t)) {
            return Err(format!("`{at}` must be of type {}", types.join(" or ")));
        }
        if let (Some(minimum), Some(number)) = (schema["minimum"].as_f64(), value.as_f64())
            && number < minimum
        {
            return Err(format!("`{at}` must be at least {minimum}"));
        }
        if schema["format"] == "int64" && beyond_64_bits(value) {
            return Err(format!("`{at}` is beyond 64 bits"));
        }
        if let Value::String(text) = value {
            if self.formats && schema["format"] == "uuid" && !is_uuid(text) {
                return Err(format!("`{at}` must be a UUID"));
            }
            if let Some(min) = schema["minLength"].as_u64()
                && (text.chars().count() as u64) < min
            {
                return Err(format!("`{at}` must not be empty"));
            }
            if let Some(prefix) = schema["pattern"].as_str().and_then(literal_prefix)
                && !text.starts_with(prefix)
            {
                return Err(format!("`{at}` must start with `{prefix}`"));
            }
        }
        if let Value::Object(members) = value {
            for name in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                if !members.contains_key(name) {
                    return Err(format!("`{name}` is required"));
                }
            }
            if let Some(properties) = schema["properties"].as_object() {
                for (name, member) in members {
                    if let Some(member_schema) = properties.get(name) {
                        self.validate(member_schema, member, name, depth + 1)?;
                    }
                }
            }
        }
        if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
            for item in items {
                self.validate(item_schema, item, at, depth + 1)?;
            }
        }
        Ok(())
    }
}

fn is_of_type(value: &Value, name: &str) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|n| n.fract() == 0.0),
        _ => true,
    }
}

/// An integer an `int64` cannot hold (2.0 and 2 are the same integer; 2^63 is too large).
fn beyond_64_bits(value: &Value) -> bool {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    match value {
        Value::Number(number) if number.is_u64() => number.as_i64().is_none(),
        Value::Number(number) if number.is_f64() => {
            number.as_f64().is_some_and(|n| n.fract() == 0.0 && n.abs() >= LIMIT)
        }
        _ => false,
    }
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `^literal` patterns (the only kind the document has) as their prefix; other patterns are not checked.
fn literal_prefix(pattern: &str) -> Option<&str> {
    let rest = pattern.strip_prefix('^')?;
    rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-').then_some(rest)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn send(body: Value) -> Result<(), Refusal> {
        let params = [("website_id", "w".to_owned()), ("session_id", "session_1".to_owned())];
        check(&RequestParts {
            method: "POST",
            path: "website/{website_id}/conversation/{session_id}/message",
            params: &params,
            query: &[],
            body: Some(&body),
        })
    }

    #[test]
    fn bodies_are_checked_against_the_document() {
        assert_eq!(send(json!({"type": "text", "from": "operator", "origin": "chat", "content": "Hi"})), Ok(()));
        assert!(send(json!({"type": "text", "from": 3, "origin": "chat", "content": "Hi"})).is_err());
        assert!(send(json!({"from": "operator", "origin": "chat", "content": "Hi"})).is_err(), "type is required");
    }

    #[test]
    fn parameters_are_read_as_their_kinds() {
        let params = [("website_id", "w".to_owned()), ("page_number", "1".to_owned())];
        let list = |query: &[(String, String)], params: &[(&'static str, String)]| {
            check(&RequestParts {
                method: "GET",
                path: "website/{website_id}/conversations/{page_number}",
                params,
                query,
                body: None,
            })
        };
        assert_eq!(list(&[("filter_unread".into(), "1".into())], &params), Ok(()));
        assert!(list(&[("filter_unread".into(), "yes".into())], &params).is_err());
        let bad_session = [("website_id", "w".to_owned()), ("session_id", "nope".to_owned())];
        let participants = check(&RequestParts {
            method: "GET",
            path: "website/{website_id}/conversation/{session_id}/participants",
            params: &bad_session,
            query: &[],
            body: None,
        });
        assert_eq!(participants, Err(Refusal::NotFound("session_not_found".into())));
    }
}
