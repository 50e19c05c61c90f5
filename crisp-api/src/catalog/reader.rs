//! The one argument reader: named values from any source, checked against the kinds of an endpoint's
//! parameters, into a request.

use std::fmt;

use serde_json::Value;

use super::kinds::{Body, Endpoint, Kind, Param};
use crate::call::{Call, Segment};

/// One value given for an argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Argument {
    /// Typed by a person (a command-line value): read according to the parameter's kind
    /// (`20` for an integer, `true`/`yes`/`1` for a flag, JSON text for JSON).
    Text(String),
    /// Given as JSON (a tool call): taken as it is; integers may also be given as text.
    Json(Value),
}

/// A source of named argument values.
///
/// ```
/// use crisp_api::catalog::{Argument, ArgumentError, Arguments};
/// struct Nothing;
/// impl Arguments for Nothing {
///     fn argument(&self, _name: &str) -> Result<Option<Argument>, ArgumentError> {
///         Ok(None)
///     }
/// }
/// let endpoint = crisp_api::catalog::find("website", "get_website").unwrap();
/// assert!(endpoint.request(&Nothing).is_err()); // website_id is required
/// ```
pub trait Arguments {
    /// The value given for the parameter `name`, `None` when absent. The page of a paged
    /// route is asked for as `page_number`, the body as `body`.
    fn argument(&self, name: &str) -> Result<Option<Argument>, ArgumentError>;
}

/// Why arguments do not make a request. Faces word it their own way; `Display` gives one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArgumentError {
    /// A required argument is absent.
    Missing {
        /// Its name.
        argument: String,
    },
    /// An argument's value is not of its kind.
    Invalid {
        /// Its name.
        argument: String,
        /// What it must be, e.g. `an integer`.
        expected: &'static str,
        /// What was given, e.g. `a string` or `` `abc` ``.
        found: String,
    },
    /// The body lacks required members.
    BodyLacks {
        /// The members missing.
        fields: Vec<&'static str>,
    },
}

impl fmt::Display for ArgumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing { argument } => write!(f, "the argument `{argument}` is required"),
            Self::Invalid { argument, expected, found } => write!(f, "`{argument}` must be {expected}, not {found}"),
            Self::BodyLacks { fields } => write!(f, "the body lacks {}", fields.join(", ")),
        }
    }
}

impl std::error::Error for ArgumentError {}

/// A query value, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryValue {
    /// Sent as it is.
    Text(String),
    /// Sent `1` or `0`.
    Flag(bool),
    /// Sent JSON-encoded.
    Json(Value),
}

/// A request read from arguments: the values of one endpoint's call, checked against their kinds.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    endpoint: &'static Endpoint,
    path_values: Vec<String>,
    query: Vec<(&'static str, QueryValue)>,
    body: Option<Value>,
}

impl Request {
    /// The endpoint it calls.
    pub fn endpoint(&self) -> &'static Endpoint {
        self.endpoint
    }

    /// The path values, one per path parameter, unescaped.
    pub fn path_values(&self) -> &[String] {
        &self.path_values
    }

    /// The query parameters given, in the endpoint's order.
    pub fn query(&self) -> &[(&'static str, QueryValue)] {
        &self.query
    }

    /// The JSON body to send (`{}` where the endpoint sends one and none was given).
    pub fn body(&self) -> Option<&Value> {
        self.body.as_ref()
    }

    /// The call through `client`'s pipeline (retries, pacing, errors), answering JSON.
    pub fn call(&self, client: &crate::Crisp) -> Call<Value> {
        let endpoint = self.endpoint;
        let segments: Vec<Segment<'_>> = endpoint
            .path_params
            .iter()
            .zip(&self.path_values)
            .map(|(param, value)| match param.kind {
                Kind::TreePath => Segment::Many(value),
                _ => Segment::One(value),
            })
            .collect();
        let method = http::Method::from_bytes(endpoint.method.as_bytes()).unwrap_or(http::Method::GET);
        let mut call = Call::<Value>::new(client, method, endpoint.route, &segments, endpoint.idempotent);
        for (name, value) in &self.query {
            match value {
                QueryValue::Text(text) => call.query(*name, text),
                QueryValue::Flag(on) => call.query_flag(*name, *on),
                QueryValue::Json(json) => call.query_json(*name, json),
            }
        }
        if let Some(body) = &self.body {
            call.body_json(body);
        }
        call
    }
}

/// How a value was given, in error messages.
fn shape(value: &Value) -> String {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
    .to_owned()
}

fn invalid(name: &str, expected: &'static str, found: String) -> ArgumentError {
    ArgumentError::Invalid { argument: name.to_owned(), expected, found }
}

/// Reads a flag typed as text, as command lines spell booleans.
fn flag_text(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "on" => Some(true),
        "0" | "false" | "no" | "n" | "off" => Some(false),
        _ => None,
    }
}

/// Text of an integer kind, checked: `signed` allows a minus.
fn integer_text(name: &str, text: &str, signed: bool, expected: &'static str) -> Result<String, ArgumentError> {
    let trimmed = text.trim();
    let parsed = if signed {
        trimmed.parse::<i64>().map(|n| n.to_string())
    } else {
        trimmed.parse::<u64>().map(|n| n.to_string())
    };
    parsed.map_err(|_| invalid(name, expected, format!("`{text}`")))
}

/// The text of a value that goes into the path or the query as text.
fn text_value(param: &Param, argument: Argument) -> Result<String, ArgumentError> {
    let name = param.name;
    let integer = |text: &str, signed, expected| integer_text(name, text, signed, expected);
    match (param.kind, argument) {
        (Kind::Integer, Argument::Text(text)) => integer(&text, true, "an integer"),
        (Kind::Integer, Argument::Json(Value::Number(n))) if n.is_i64() => Ok(n.to_string()),
        (Kind::Integer, Argument::Json(Value::String(text))) => integer(&text, true, "an integer"),
        (Kind::Integer, Argument::Json(other)) => Err(invalid(name, "an integer", shape(&other))),
        (Kind::Timestamp, Argument::Text(text)) => integer(&text, false, "epoch milliseconds"),
        (Kind::Timestamp, Argument::Json(Value::Number(n))) if n.is_u64() => Ok(n.to_string()),
        (Kind::Timestamp, Argument::Json(Value::String(text))) => integer(&text, false, "epoch milliseconds"),
        (Kind::Timestamp, Argument::Json(other)) => Err(invalid(name, "epoch milliseconds", shape(&other))),
        (Kind::Page, Argument::Text(text)) => match text.trim().parse::<u32>() {
            Ok(page) if page >= 1 => Ok(page.to_string()),
            _ => Err(invalid(name, "a page number from 1", format!("`{text}`"))),
        },
        (Kind::Page, Argument::Json(Value::Number(n)))
            if n.as_u64().is_some_and(|p| (1..=u64::from(u32::MAX)).contains(&p)) =>
        {
            Ok(n.to_string())
        }
        (Kind::Page, Argument::Json(other)) => Err(invalid(name, "a page number from 1", shape(&other))),
        // Typed text is sent as typed: Crisp reads coordinates and radii leniently, and the command line
        // has always passed them through.
        (Kind::Number, Argument::Text(text)) => Ok(text),
        (Kind::Number, Argument::Json(Value::Number(n))) => Ok(n.to_string()),
        (Kind::Number, Argument::Json(Value::String(text))) if text.trim().parse::<f64>().is_ok_and(f64::is_finite) => {
            Ok(text.trim().to_owned())
        }
        (Kind::Number, Argument::Json(other)) => Err(invalid(name, "a number", shape(&other))),
        (Kind::Text | Kind::Id(_) | Kind::Enum { .. } | Kind::TreePath, Argument::Text(text)) => Ok(text),
        (Kind::Text | Kind::Id(_) | Kind::Enum { .. } | Kind::TreePath, Argument::Json(Value::String(text))) => {
            Ok(text)
        }
        // A number where text is expected is read as its digits (ids sometimes look numeric).
        (Kind::Text | Kind::Id(_) | Kind::Enum { .. } | Kind::TreePath, Argument::Json(Value::Number(n))) => {
            Ok(n.to_string())
        }
        (Kind::Text | Kind::Id(_) | Kind::Enum { .. } | Kind::TreePath, Argument::Json(other)) => {
            Err(invalid(name, "a string", shape(&other)))
        }
        (Kind::Boolean | Kind::Flag | Kind::Json | Kind::Map | Kind::List(_) | Kind::Model(_), _) => {
            Err(invalid(name, "a value this parameter can carry in a URL", format!("a {:?} parameter", param.kind)))
        }
    }
}

fn query_value(param: &Param, argument: Argument) -> Result<QueryValue, ArgumentError> {
    let name = param.name;
    match (param.kind, argument) {
        (Kind::Flag | Kind::Boolean, Argument::Text(text)) => {
            flag_text(&text).map(QueryValue::Flag).ok_or_else(|| invalid(name, "true or false", format!("`{text}`")))
        }
        (Kind::Flag | Kind::Boolean, Argument::Json(Value::Bool(on))) => Ok(QueryValue::Flag(on)),
        (Kind::Flag | Kind::Boolean, Argument::Json(Value::Number(n))) if matches!(n.as_u64(), Some(0 | 1)) => {
            Ok(QueryValue::Flag(n.as_u64() == Some(1)))
        }
        (Kind::Flag | Kind::Boolean, Argument::Json(other)) => Err(invalid(name, "true or false", shape(&other))),
        (Kind::Json | Kind::Map | Kind::List(_) | Kind::Model(_), Argument::Text(text)) => serde_json::from_str(&text)
            .map(QueryValue::Json)
            .map_err(|e| invalid(name, "valid JSON", format!("text that is not ({e})"))),
        (Kind::Json | Kind::Map | Kind::List(_) | Kind::Model(_), Argument::Json(value)) => Ok(QueryValue::Json(value)),
        (
            Kind::Text
            | Kind::Integer
            | Kind::Timestamp
            | Kind::Number
            | Kind::Id(_)
            | Kind::Enum { .. }
            | Kind::TreePath
            | Kind::Page,
            argument,
        ) => text_value(param, argument).map(QueryValue::Text),
    }
}

fn body_value(endpoint: &Endpoint, given: Option<Argument>) -> Result<Option<Value>, ArgumentError> {
    let given = match given {
        None | Some(Argument::Json(Value::Null)) => None,
        Some(Argument::Json(value)) => Some(value),
        Some(Argument::Text(text)) => Some(
            serde_json::from_str::<Value>(&text)
                .map_err(|e| invalid("body", "a JSON object", format!("text that is not JSON ({e})")))?,
        ),
    };
    if let Some(value) = &given
        && !value.is_object()
        && endpoint.body != Body::None
    {
        return Err(invalid("body", "a JSON object", shape(value)));
    }
    let empty = || Value::Object(serde_json::Map::new());
    match (endpoint.body, given) {
        (Body::None, _) => Ok(None),
        (Body::Empty | Body::Map | Body::Model(_), given) => Ok(Some(given.unwrap_or_else(empty))),
        (Body::Fields(fields), given) => {
            let map = given.as_ref().and_then(Value::as_object);
            let missing: Vec<&'static str> = fields
                .iter()
                .filter(|f| f.required && !map.is_some_and(|m| m.contains_key(f.name)))
                .map(|f| f.name)
                .collect();
            if !missing.is_empty() {
                return Err(ArgumentError::BodyLacks { fields: missing });
            }
            Ok(Some(given.unwrap_or_else(empty)))
        }
    }
}

impl Endpoint {
    /// Reads this endpoint's arguments from `arguments` and checks each against its kind.
    ///
    /// Path parameters are required and may not be empty; the page of a paged route
    /// (`page_number`) defaults to 1; query parameters are sent only when given; a body the
    /// endpoint takes is `{}` when none is given, unless it has required members.
    ///
    /// ```
    /// use crisp_api::catalog::{Argument, ArgumentError, Arguments, QueryValue};
    /// struct Json(serde_json::Value);
    /// impl Arguments for Json {
    ///     fn argument(&self, name: &str) -> Result<Option<Argument>, ArgumentError> {
    ///         Ok(self.0.get(name).cloned().map(Argument::Json))
    ///     }
    /// }
    /// let endpoint = crisp_api::catalog::find("website", "list_conversations").unwrap();
    /// let args = Json(serde_json::json!({"website_id": "w-1", "per_page": 30, "filter_unread": true}));
    /// let request = endpoint.request(&args).unwrap();
    /// assert_eq!(request.path_values(), ["w-1", "1"]);
    /// assert_eq!(request.query()[0], ("per_page", QueryValue::Text("30".into())));
    /// let bad = Json(serde_json::json!({"website_id": {"id": "w-1"}}));
    /// assert!(endpoint.request(&bad).unwrap_err().to_string().contains("website_id"));
    /// ```
    pub fn request(&'static self, arguments: &impl Arguments) -> Result<Request, ArgumentError> {
        let present = |name: &str| -> Result<Option<Argument>, ArgumentError> {
            Ok(arguments.argument(name)?.filter(|a| *a != Argument::Json(Value::Null)))
        };
        let mut path_values = Vec::with_capacity(self.path_params.len());
        for param in self.path_params {
            let value = match (present(param.name)?, param.kind) {
                (Some(argument), _) => text_value(param, argument)?,
                (None, Kind::Page) => "1".to_owned(),
                (None, _) => return Err(ArgumentError::Missing { argument: param.name.to_owned() }),
            };
            if value.trim().is_empty() {
                return Err(invalid(param.name, "a non-empty value", "an empty one".to_owned()));
            }
            path_values.push(value);
        }
        let mut query = Vec::new();
        for param in self.query {
            match present(param.name)? {
                Some(argument) => query.push((param.name, query_value(param, argument)?)),
                None if param.required => return Err(ArgumentError::Missing { argument: param.name.to_owned() }),
                None => {}
            }
        }
        let body = body_value(self, present("body")?)?;
        Ok(Request { endpoint: self, path_values, query, body })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::catalog::find;

    /// Arguments given as JSON (a tool call).
    struct Json(Value);

    impl Arguments for Json {
        fn argument(&self, name: &str) -> Result<Option<Argument>, ArgumentError> {
            Ok(self.0.get(name).cloned().map(Argument::Json))
        }
    }

    /// Arguments typed by a person (a command line).
    struct Typed(&'static [(&'static str, &'static str)]);

    impl Arguments for Typed {
        fn argument(&self, name: &str) -> Result<Option<Argument>, ArgumentError> {
            Ok(self.0.iter().find(|(key, _)| *key == name).map(|(_, value)| Argument::Text((*value).to_owned())))
        }
    }

    fn endpoint(name: &str) -> &'static Endpoint {
        find("website", name).unwrap_or_else(|| panic!("no endpoint {name}"))
    }

    #[test]
    fn ids_are_text_and_objects_are_refused() {
        let get = endpoint("get_conversation");
        let request = get.request(&Json(json!({"website_id": "w-1", "session_id": "session_1"}))).unwrap();
        assert_eq!(request.path_values(), ["w-1", "session_1"]);
        let err = get.request(&Json(json!({"website_id": {}, "session_id": "s"}))).unwrap_err();
        assert_eq!(err.to_string(), "`website_id` must be a string, not an object");
        let err = get.request(&Json(json!({"website_id": "w-1"}))).unwrap_err();
        assert_eq!(err, ArgumentError::Missing { argument: "session_id".into() });
        let err = get.request(&Json(json!({"website_id": " ", "session_id": "s"}))).unwrap_err();
        assert!(err.to_string().contains("website_id"), "{err}");
    }

    #[test]
    fn query_values_are_read_by_kind_from_either_source() {
        let list = endpoint("list_conversations");
        let typed = list.request(&Typed(&[("website_id", "w"), ("per_page", "30"), ("filter_unread", "yes")])).unwrap();
        let json = list.request(&Json(json!({"website_id": "w", "per_page": 30, "filter_unread": true}))).unwrap();
        assert_eq!(typed.query(), json.query());
        assert_eq!(typed.query()[1], ("filter_unread", QueryValue::Flag(true)));
        assert_eq!(typed.path_values(), ["w", "1"], "the page defaults to 1");
        let flag = list.request(&Json(json!({"website_id": "w", "filter_unread": "yes"}))).unwrap_err();
        assert_eq!(flag.to_string(), "`filter_unread` must be true or false, not a string");
        let count = list.request(&Typed(&[("website_id", "w"), ("per_page", "many")])).unwrap_err();
        assert_eq!(count.to_string(), "`per_page` must be an integer, not `many`");
        let page = list.request(&Typed(&[("website_id", "w"), ("page_number", "0")])).unwrap_err();
        assert!(page.to_string().contains("page number"), "{page}");
    }

    #[test]
    fn bodies_default_to_an_empty_object_unless_members_are_required() {
        let send = endpoint("send_message_in_conversation");
        let ids = json!({"website_id": "w", "session_id": "s"});
        assert_eq!(send.request(&Json(ids.clone())).unwrap().body(), Some(&json!({})));
        let mut with_list = ids.clone();
        with_list["body"] = json!([1]);
        assert_eq!(
            send.request(&Json(with_list)).unwrap_err().to_string(),
            "`body` must be a JSON object, not an array"
        );
        let tool = endpoint("request_tool_call_for_conversation");
        let err = tool.request(&Json(ids.clone())).unwrap_err();
        assert_eq!(err, ArgumentError::BodyLacks { fields: vec!["command"] });
        let mut given = ids;
        given["body"] = json!({"command": "run"});
        assert_eq!(tool.request(&Json(given)).unwrap().body(), Some(&json!({"command": "run"})));
    }
}
