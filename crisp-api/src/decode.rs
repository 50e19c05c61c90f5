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
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, Result};

#[derive(serde::Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct Envelope<T> {
    #[serde(default = "Option::default")]
    data: Option<T>,
}

/// Decodes the envelope's `data` into `T`. A decode error carries the JSON
/// path of the problem, `serde_json`'s message and the start of the body.
pub(crate) fn decode_data<T: DeserializeOwned>(status: StatusCode, bytes: &[u8]) -> Result<T> {
    match serde_json::from_slice::<Envelope<T>>(bytes) {
        Ok(Envelope { data: Some(data) }) => Ok(data),
        // `data` absent or null: acceptable for untyped or optional results.
        Ok(Envelope { data: None }) => T::deserialize(serde_json::Value::Null)
            .map_err(|_| failure(status, bytes, "data".into(), "the answer has no `data`".into())),
        Err(first) => Err(path_of_failure::<T>(bytes).map_or_else(
            || failure(status, bytes, ".".into(), first.to_string()),
            |(path, message)| failure(status, bytes, path, message),
        )),
    }
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
