//! Decoding an answer's `data`: one fast pass, and the JSON path only on failure.
//!
//! Answers are decoded once, straight from the body bytes, with plain
//! `serde_json` and no path tracking: tracking costs on every field, and
//! almost every answer decodes. Only when that pass fails is the body decoded
//! again through `serde_path_to_error`, so the error names the member that
//! did not fit (`data[1].count`) beside `serde_json`'s message and the start
//! of the body. The body is never copied: the decoded value owns its strings
//! and `Response` keeps the `Bytes` the transport produced.

use http::StatusCode;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

use crate::error::{Error, ErrorKind, Result, server_text};

#[derive(serde::Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct Envelope<T> {
    #[serde(default = "Option::default")]
    data: Option<T>,
}

/// True for an empty (or whitespace-only) body: a 204, or an empty 200.
pub(crate) fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// Decodes the envelope's `data` into `T`. A decode error carries the JSON
/// path of the problem, `serde_json`'s message and the start of the body.
///
/// An empty body (a 204, or an empty 2xx) counts as an answer without
/// `data`: a success for calls whose answer carries nothing (`Value`,
/// `Option`), and a clear error for calls that must return data.
pub(crate) fn decode_data<T: DeserializeOwned>(status: StatusCode, bytes: &[u8]) -> Result<T> {
    let parsed =
        if is_blank(bytes) { Ok(Envelope { data: None }) } else { serde_json::from_slice::<Envelope<T>>(bytes) };
    match parsed {
        Ok(Envelope { data: Some(data) }) => Ok(data),
        // `data` absent or null: acceptable for untyped or optional results.
        Ok(Envelope { data: None }) => {
            T::deserialize(Null).map_err(|_| failure(status, bytes, "data".into(), "the answer has no `data`".into()))
        }
        Err(first) => Err(path_of_failure::<T>(bytes).map_or_else(
            || failure(status, bytes, ".".into(), first.to_string()),
            |(path, message)| failure(status, bytes, path, message),
        )),
    }
}

/// A deserializer holding JSON `null`, answering exactly like
/// `serde_json::Value::Null`. Unlike `Value`, it never reaches code that
/// decodes maps or sequences, so `T`'s whole decoder is not compiled once more
/// for it (once per endpoint output type).
struct Null;

/// Deserializer methods that refuse `null`, as `Value::Null` does.
macro_rules! refuse_null {
    ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> std::result::Result<V::Value, Self::Error> {
            $(let _ = $arg;)*
            Err(de::Error::invalid_type(de::Unexpected::Unit, &visitor))
        }
    )*};
}

impl<'de> Deserializer<'de> for Null {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> std::result::Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> std::result::Result<V::Value, Self::Error> {
        visitor.visit_none()
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> std::result::Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> std::result::Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> std::result::Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> std::result::Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    refuse_null!(
        deserialize_bool(),
        deserialize_i8(),
        deserialize_i16(),
        deserialize_i32(),
        deserialize_i64(),
        deserialize_i128(),
        deserialize_u8(),
        deserialize_u16(),
        deserialize_u32(),
        deserialize_u64(),
        deserialize_u128(),
        deserialize_f32(),
        deserialize_f64(),
        deserialize_char(),
        deserialize_str(),
        deserialize_string(),
        deserialize_bytes(),
        deserialize_byte_buf(),
        deserialize_seq(),
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_map(),
        deserialize_struct(name: &'static str, fields: &'static [&'static str]),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
        deserialize_identifier(),
    );
}

/// The second, path-tracking pass: the path and message of the failure, or
/// `None` if this pass unexpectedly succeeds.
#[cold]
fn path_of_failure<T: DeserializeOwned>(bytes: &[u8]) -> Option<(String, String)> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize::<_, Envelope<T>>(&mut deserializer)
        .err()
        .map(|err| (err.path().to_string(), err.inner().to_string()))
}

fn failure(status: StatusCode, bytes: &[u8], path: String, message: String) -> Error {
    // Both may quote the body: a key in the path, a value in the message.
    let (path, message) = (server_text(&path, 200), server_text(&message, 300));
    Error::new(ErrorKind::Decode {
        status: status.as_u16(),
        path,
        message,
        body_snippet: crate::pipeline::snippet(bytes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Item {
        #[serde(default)]
        count: Option<u32>,
        #[serde(default)]
        inner: Option<Box<Item>>,
    }

    fn path_and_message(body: &str) -> (String, String) {
        match decode_data::<Vec<Item>>(StatusCode::OK, body.as_bytes()).unwrap_err().kind() {
            ErrorKind::Decode { path, message, body_snippet, status } => {
                assert_eq!(*status, 200);
                assert_eq!(body_snippet, body);
                (path.clone(), message.clone())
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn errors_carry_the_path_the_message_and_the_body() {
        let (path, message) = path_and_message(r#"{"error":false,"data":[{"count":1},{"inner":{"count":"x"}}]}"#);
        assert_eq!(path, "data[1].inner.count");
        assert!(message.starts_with("invalid type: string \"x\", expected u32"), "{message}");
        let (path, message) = path_and_message(r#"{"error":false,"data":[{"count":1},{"inner":{"count":"#);
        assert_eq!(path, "data[1].inner.count");
        assert!(message.starts_with("EOF while parsing"), "{message}");
        assert_eq!(path_and_message(r#"{"error":false,"data":"text"}"#).0, "data");
    }

    #[test]
    fn missing_or_null_data() {
        assert_eq!(decode_data::<Option<u32>>(StatusCode::OK, br#"{"error":false}"#).unwrap(), None);
        assert_eq!(
            decode_data::<Option<Vec<Item>>>(StatusCode::OK, br#"{"data":null}"#).unwrap().map(|v| v.len()),
            None
        );
        decode_data::<()>(StatusCode::OK, br#"{"error":false,"reason":"deleted"}"#).unwrap();
        let value = decode_data::<serde_json::Value>(StatusCode::OK, br#"{"error":false}"#).unwrap();
        assert_eq!(value, serde_json::Value::Null);
        // A missing `data` fails for exactly the types that JSON `null` fails for.
        fn same_as_value_null<T: DeserializeOwned + PartialEq + std::fmt::Debug>() {
            let ours = T::deserialize(Null).map_err(|err| err.to_string());
            let reference = T::deserialize(serde_json::Value::Null).map_err(|err| err.to_string());
            assert_eq!(ours, reference, "{}", std::any::type_name::<T>());
        }
        same_as_value_null::<()>();
        same_as_value_null::<Option<String>>();
        same_as_value_null::<serde_json::Value>();
        same_as_value_null::<String>();
        same_as_value_null::<u64>();
        same_as_value_null::<f64>();
        same_as_value_null::<bool>();
        same_as_value_null::<Vec<u8>>();
        same_as_value_null::<(u8, u8)>();
        same_as_value_null::<std::collections::HashMap<String, u8>>();
        same_as_value_null::<serde_json::Map<String, serde_json::Value>>();
        #[cfg(feature = "website")]
        {
            same_as_value_null::<crate::models::Conversation>();
            same_as_value_null::<crate::models::ConversationState>();
        }
        assert!(decode_data::<String>(StatusCode::OK, b"{}").is_err());
        assert!(decode_data::<u64>(StatusCode::OK, b"{}").is_err());
        assert!(decode_data::<serde_json::Map<String, serde_json::Value>>(StatusCode::OK, b"{}").is_err());
        assert!(decode_data::<Item>(StatusCode::OK, b"{}").is_err());
        let null = decode_data::<serde_json::Value>(StatusCode::OK, br#"{"data":null}"#).unwrap();
        assert_eq!(null, serde_json::Value::Null);
        let err = decode_data::<Vec<Item>>(StatusCode::OK, br#"{"error":false}"#).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Decode { path, .. } if path == "data"), "{err:?}");
    }

    #[test]
    fn unknown_members_are_ignored() {
        let body = br#"{"error":false,"reason":"ok","data":[{"count":3,"new_field":{"a":[1]}}],"extra":1}"#;
        let items = decode_data::<Vec<Item>>(StatusCode::OK, body).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].count, Some(3));
    }
}
