//! Decoding an answer's `data`: one fast pass, and the JSON path only on failure.
//!
//! Answers are decoded once, straight from the body bytes, with plain
//! `serde_json` and no path tracking: tracking costs on every field, and
//! almost every answer decodes. When decoding fails, the position in
//! `serde_json`'s error is turned into the JSON path of the member that did
//! not fit (`data[1].count`) by a small walk over the bytes before it; the
//! error carries that path, `serde_json`'s message and the start of the body.
//! A second, path-tracking decode would give the same path but compile every
//! output type's decoder twice. The body is never copied: the decoded value
//! owns its strings and `Response` keeps the `Bytes` the transport produced.

use http::StatusCode;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

use crate::error::{Error, ErrorKind, Result, server_bytes, server_text};

/// Characters of a server-sent reason kept in an error.
const REASON_CHARS: usize = 200;
/// Bytes of a body kept as an excerpt in an error.
const SNIPPET_BYTES: usize = 512;

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
    // One UTF-8 check for the whole body rather than one per string (the
    // text decoder trusts its input); bytes that are not UTF-8 read as
    // U+FFFD instead of failing the answer. Only text, never bytes, is
    // decoded, so each output type's decoder is compiled once.
    let text = String::from_utf8_lossy(bytes);
    let parsed = if is_blank(bytes) { Ok(Envelope { data: None }) } else { serde_json::from_str::<Envelope<T>>(&text) };
    match parsed {
        Ok(Envelope { data: Some(data) }) => Ok(data),
        // `data` absent or null: acceptable for untyped or optional results.
        Ok(Envelope { data: None }) => {
            T::deserialize(Null).map_err(|_| failure(status, bytes, "data".into(), "the answer has no `data`".into()))
        }
        Err(err) => {
            let (path, message) = path_of_failure(text.as_bytes(), &err);
            Err(failure(status, bytes, path, message))
        }
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

/// The path and message of a failure, from the decoder's own error: its
/// line and column give the byte where decoding stopped, and [`path_at`]
/// names the JSON member there. Nothing is decoded a second time, so no
/// second decoder is compiled for each output type.
#[cold]
fn path_of_failure(bytes: &[u8], err: &serde_json::Error) -> (String, String) {
    use serde_json::error::Category;
    let message = strip_position(err);
    if err.line() == 0 {
        return (".".into(), message);
    }
    let offset = byte_offset(bytes, err.line(), err.column());
    let path = match err.classify() {
        // A syntax error points just past the byte it refused.
        Category::Syntax => path_at(bytes, offset.saturating_sub(1), Stop::Syntax),
        Category::Eof => path_at(bytes, offset, Stop::Eof),
        // A data error points at or just past the value that did not fit.
        Category::Data | Category::Io => path_at(bytes, offset, Stop::Data),
    };
    (path, message)
}

/// `serde_json`'s message without its ` at line L column C` suffix, which
/// the path replaces.
fn strip_position(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    text.strip_suffix(&suffix).map(str::to_owned).unwrap_or(text)
}

/// The byte offset of a one-based line and a column counted in bytes, as
/// `serde_json` reports them (column 0: just after the line break).
fn byte_offset(bytes: &[u8], line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(line - 2).map_or(bytes.len(), |(i, _)| i + 1)
    };
    (line_start + column).min(bytes.len())
}

/// Where the reader stands in one container (or at the top level).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Before a member's key (objects only), or inside it.
    Key,
    /// After a key, before its `:`.
    Colon,
    /// Before a value (after `:`, `[`, a `,` in an array, or at the start).
    Value,
    /// Inside a value.
    InValue,
    /// After a complete value.
    AfterValue,
}

/// What stopped the decoder, which decides where in the text it stood.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// A byte it refused.
    Syntax,
    /// The end of the text.
    Eof,
    /// A value of the wrong shape.
    Data,
}

/// What the innermost container adds to the path.
enum Segment {
    /// Its member's key or its element's index.
    Own,
    /// A member whose key was not read yet (`?`).
    UnknownKey,
    /// Nothing: the error is the container's own.
    None,
}

/// The innermost container's part of the path. A path-tracking decoder
/// attributes an error to an element or member while its value is read; an
/// error while looking for the next key to a member with an unknown key
/// (`?`); and one while looking for the next element to the array itself.
fn innermost_segment(frame: &Frame, stop: Stop, refused: Option<&u8>) -> Segment {
    let object = frame.index.is_none();
    match (frame.stage, stop) {
        (Stage::InValue | Stage::Colon, _) | (Stage::AfterValue | Stage::Value, Stop::Data) => Segment::Own,
        (Stage::Key, _) | (Stage::AfterValue, _) if object => Segment::UnknownKey,
        (Stage::Value, Stop::Eof) if !object => Segment::None,
        // A `]` right after `,` is a trailing comma, the array's own error.
        (Stage::Value, Stop::Syntax) if !object && refused == Some(&b']') => Segment::None,
        (Stage::Value, _) => Segment::Own,
        _ => Segment::None,
    }
}

/// One open container: its member key or element index, and its stage.
struct Frame {
    key: Option<String>,
    index: Option<usize>,
    stage: Stage,
}

/// The JSON path (`data[1].inner.count`, `.` for the root) of the value
/// being read when decoding stopped after `offset` bytes, named the way a
/// path-tracking decoder names it (see [`innermost_segment`]). The text
/// before `offset` was read by the decoder, so this walk need not validate
/// it; it follows brackets, strings, commas and colons.
fn path_at(bytes: &[u8], offset: usize, kind: Stop) -> String {
    let end = offset.min(bytes.len());
    let mut stack = vec![Frame { key: None, index: None, stage: Stage::Value }];
    // Where the number or literal being read starts.
    let mut scalar_start = usize::MAX;
    let mut i = 0;
    while i < end {
        let byte = bytes[i];
        let depth = stack.len();
        let Some(top) = stack.last_mut() else { break };
        // A number or a literal ends at the first byte that cannot continue it.
        if top.stage == Stage::InValue
            && matches!(byte, b',' | b'}' | b']' | b':' | b'"' | b' ' | b'\t' | b'\r' | b'\n')
        {
            top.stage = Stage::AfterValue;
        }
        match byte {
            b'{' | b'[' if top.stage == Stage::Value => {
                top.stage = Stage::InValue;
                scalar_start = usize::MAX;
                let object = byte == b'{';
                let stage = if object { Stage::Key } else { Stage::Value };
                stack.push(Frame { key: None, index: (!object).then_some(0), stage });
            }
            b'}' | b']' if depth > 1 => {
                stack.pop();
                if let Some(parent) = stack.last_mut() {
                    parent.stage = Stage::AfterValue;
                }
            }
            b',' => {
                if let Some(index) = &mut top.index {
                    *index += 1;
                    top.stage = Stage::Value;
                } else {
                    top.key = None;
                    top.stage = Stage::Key;
                }
            }
            b':' if top.stage == Stage::Colon => top.stage = Stage::Value,
            b'"' => {
                let start = i;
                i += 1;
                while i < end && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                let closed = i < end;
                match top.stage {
                    Stage::Key if closed => {
                        let raw = &bytes[start..=i];
                        top.key = Some(
                            serde_json::from_slice::<String>(raw)
                                .unwrap_or_else(|_| String::from_utf8_lossy(&raw[1..raw.len() - 1]).into_owned()),
                        );
                        top.stage = Stage::Colon;
                    }
                    Stage::Value => {
                        top.stage = if closed { Stage::AfterValue } else { Stage::InValue };
                        scalar_start = usize::MAX;
                    }
                    _ => {}
                }
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ if top.stage == Stage::Value => {
                top.stage = Stage::InValue;
                scalar_start = i;
            }
            _ => {}
        }
        i += 1;
    }
    // A scalar the decoder had read whole (`12`, `true`) before the byte it
    // refused or the end of the text: the error is in what follows it.
    if let Some(top) = stack.last_mut()
        && top.stage == Stage::InValue
        && kind != Stop::Data
        && let Some(scalar) = bytes.get(scalar_start..end)
        && match scalar.first() {
            Some(b'-' | b'0'..=b'9') => {
                scalar.last().is_some_and(u8::is_ascii_digit)
                    && bytes.get(end).is_none_or(|b| !matches!(b, b'0'..=b'9' | b'.' | b'e' | b'E'))
            }
            _ => matches!(scalar, b"true" | b"false" | b"null"),
        }
    {
        top.stage = Stage::AfterValue;
    }
    let mut path = String::new();
    let depth = stack.len();
    for (level, frame) in stack.iter().enumerate().skip(1) {
        // Outer containers are reading the member or element that holds the next one.
        let segment = if level + 1 < depth { Segment::Own } else { innermost_segment(frame, kind, bytes.get(end)) };
        match (segment, &frame.key, frame.index) {
            (Segment::Own, Some(key), _) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            (Segment::Own, None, Some(index)) => {
                let _ = std::fmt::Write::write_fmt(&mut path, format_args!("[{index}]"));
            }
            (Segment::UnknownKey, ..) => path.push_str(if path.is_empty() { "?" } else { ".?" }),
            _ => {}
        }
    }
    if path.is_empty() { ".".into() } else { path }
}

fn failure(status: StatusCode, bytes: &[u8], path: String, message: String) -> Error {
    // Both may quote the body: a key in the path, a value in the message.
    let (path, message) = (server_text(&path, 200), server_text(&message, 300));
    Error::new(ErrorKind::Decode { status: status.as_u16(), path, message, body_snippet: snippet(bytes) })
}

#[derive(serde::Deserialize)]
struct ErrorEnvelope {
    #[serde(default)]
    error: bool,
    #[serde(default)]
    reason: Option<String>,
}

/// The `reason` of a failed envelope, if the body is one, made safe to show.
pub(crate) fn envelope_reason(bytes: &[u8]) -> Option<String> {
    let reason = serde_json::from_slice::<ErrorEnvelope>(bytes).ok().and_then(|envelope| envelope.reason)?;
    Some(server_text(&reason, REASON_CHARS))
}

/// `Some(reason)` when a successful answer says `"error": true`. Only
/// checked when the body starts like an envelope with the error flag set,
/// so the common case costs one byte search.
pub(crate) fn envelope_error(bytes: &[u8]) -> Option<String> {
    let probe = &bytes[..bytes.len().min(64)];
    if !probe.windows(12).any(|w| w == b"\"error\":true") && !probe.windows(13).any(|w| w == b"\"error\": true") {
        return None;
    }
    match serde_json::from_slice::<ErrorEnvelope>(bytes) {
        Ok(ErrorEnvelope { error: true, reason }) => {
            Some(reason.map_or_else(|| "error".to_owned(), |reason| server_text(&reason, REASON_CHARS)))
        }
        _ => None,
    }
}

/// At most 512 bytes of the body, as escaped text; bytes that are not UTF-8
/// (a character cut at the limit included) show as U+FFFD.
pub(crate) fn snippet(bytes: &[u8]) -> String {
    server_bytes(bytes, SNIPPET_BYTES)
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
        // Bytes that are not UTF-8 read as U+FFFD; the answer still decodes.
        let text = decode_data::<String>(StatusCode::OK, b"{\"data\":\"caf\xe9 \xff\"}").unwrap();
        assert_eq!(text, "caf\u{fffd} \u{fffd}");
        assert!(decode_data::<String>(StatusCode::OK, b"{}").is_err());
        assert!(decode_data::<u64>(StatusCode::OK, b"{}").is_err());
        assert!(decode_data::<serde_json::Map<String, serde_json::Value>>(StatusCode::OK, b"{}").is_err());
        assert!(decode_data::<Item>(StatusCode::OK, b"{}").is_err());
        let null = decode_data::<serde_json::Value>(StatusCode::OK, br#"{"data":null}"#).unwrap();
        assert_eq!(null, serde_json::Value::Null);
        let err = decode_data::<Vec<Item>>(StatusCode::OK, br#"{"error":false}"#).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Decode { path, .. } if path == "data"), "{err:?}");
    }

    /// The path a second, path-tracking decode would give.
    fn tracked_path<T: DeserializeOwned>(body: &[u8]) -> Option<String> {
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        match serde_path_to_error::deserialize::<_, Envelope<T>>(&mut deserializer) {
            Err(err) => Some(err.path().to_string()),
            // Text after the value belongs to no member.
            Ok(_) => deserializer.end().err().map(|_| ".".to_owned()),
        }
    }

    /// Data errors (a value of the wrong shape) get exactly the tracked
    /// path, and so do the listed malformed texts. In randomly damaged text,
    /// the path may be one member more or less precise than the tracking
    /// decoder's, whose answer there depends on how a type reads a map and
    /// which stops at members the model ignores.
    fn same_path_as_tracked<T: DeserializeOwned>(body: &[u8], strict: bool) {
        let tracked = tracked_path::<T>(body).map(|path| server_text(&path, 200));
        let (ours, data_error) = match decode_data::<T>(StatusCode::OK, body) {
            Err(err) => match err.kind() {
                ErrorKind::Decode { path, .. } if path != "data" || tracked.is_some() => {
                    let data_error = serde_json::from_slice::<Envelope<T>>(body)
                        .err()
                        .is_some_and(|err| err.classify() == serde_json::error::Category::Data);
                    (Some(path.clone()), data_error)
                }
                _ => (None, false),
            },
            Ok(_) => (None, false),
        };
        if strict || data_error || ours == tracked {
            assert_eq!(ours, tracked, "{}", String::from_utf8_lossy(body));
            return;
        }
        // The root, and a member whose key was not read, name the container.
        let root = |path: Option<String>| {
            let path = path.unwrap_or_default();
            let path = path.strip_suffix('?').unwrap_or(&path);
            path.strip_suffix('.').unwrap_or(path).to_owned()
        };
        let (ours, tracked) = (root(ours), root(tracked));
        let parent = |path: &str| path.rfind('.').map_or(String::new(), |dot| path[..dot].to_owned());
        assert!(
            // Inside a member the model ignores, the tracking decoder stops at the member.
            ours.starts_with(&tracked) || parent(&tracked) == ours,
            "{ours} / {tracked}: {}",
            String::from_utf8_lossy(body)
        );
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Strict {
        id: u32,
        name: String,
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        inner: Option<Box<Strict>>,
    }

    #[test]
    fn the_path_is_the_one_a_path_tracking_decode_gives() {
        for body in [
            r#"{"data":[{"count":1},{"inner":{"count":"x"}}]}"#,
            r#"{"data":[{"count":1},{"inner":{"count":"#,
            "{\n  \"data\": [\n    {\"count\": 1},\n    {\"inner\": {\"count\": true}}\n  ]\n}",
            r#"{"data":[{"count":1},{"in\"ner":{"count":[]}}]}"#,
            r#"{"data":[{"count":1}],"extra":}"#,
            r#"{"data":[{"count":1},[]]}"#,
            r#"{"data":{}}"#,
            r#"{"data":[1]}"#,
            r#"{"data":[{"count":-1}]}"#,
            r#"{"data":[{"count":1} {"count":2}]}"#,
            r#"{"data":[{"count":1},]}"#,
            r#"[]"#,
            r#"{"data":[{"count":1}]} trailing"#,
            r#"{"data":[{"count":1,}]}"#,
            r#"{"data":[{"count":1 "x":2}]}"#,
            r#"{"data":[{"count":1},"#,
            r#"{"data":[1,]}"#,
            r#"{"data":[{"count":1},}]}"#,
        ] {
            same_path_as_tracked::<Vec<Item>>(body.as_bytes(), true);
        }
        for body in [
            r#"{"data":{"name":"a"}}"#,
            r#"{"data":{"id":1,"name":"a","inner":{"id":2}}}"#,
            r#"{"data":{"id":1,"name":"a","inner":{"id":2,"name":"b","tags":["x",3]}}}"#,
            r#"{"data":{"id":1,"name":"a","tags":["x"],"inner":{"name":"b","id":"2"}}}"#,
            r#"{"data":{"id":1,"name":"a","inner":null,"tags":{}}}"#,
        ] {
            same_path_as_tracked::<Strict>(body.as_bytes(), true);
        }
    }

    /// Random damage to a realistic page of conversations: wherever decoding
    /// stops, the path is the one the path-tracking decoder names.
    #[cfg(feature = "website")]
    #[test]
    fn the_path_matches_on_damaged_conversations() {
        type Page = Vec<crate::models::Conversation>;
        let conversation = serde_json::json!({
            "session_id": "session_1", "website_id": "w", "state": "resolved", "status": 1, "is_verified": true,
            "active": {"now": false, "last": 1712000120000_u64}, "last_message": "Thanks \"a lot\"",
            "preview_message": {"type": "text", "from": "user", "excerpt": "x", "fingerprint": 1634},
            "participants": [{"type": "email", "target": "a@example.com"}, {"type": "email", "target": "b"}],
            "mentions": ["u1"], "unread": {"operator": 2, "visitor": 0},
            "meta": {"nickname": "Jo", "data": {"seats": 12, "mrr": 189.5}, "segments": ["a", "b"],
                     "device": {"geolocation": {"coordinates": {"latitude": 48.8, "longitude": 2.3}},
                                "locales": ["fr"], "timezone": -60}},
            "created_at": 1712000000000_u64, "updated_at": 1712000600000_u64
        });
        let compact = format!(r#"{{"error":false,"reason":"listed","data":[{conversation},{conversation}]}}"#);
        let pretty = format!(
            "{{\"error\": false, \"data\": {}}}",
            serde_json::to_string_pretty(&serde_json::json!([conversation, conversation])).unwrap()
        );
        let pieces: [&[u8]; 12] = [b"\"", b"1", b"-2.5", b"{", b"}", b"[", b"]", b",", b":", b"true", b"\"x\"", b"\n "];
        let mut rng = fastrand::Rng::with_seed(12);
        for round in 0..3000 {
            let mut body = if round % 2 == 0 { compact.clone() } else { pretty.clone() }.into_bytes();
            for _ in 0..rng.usize(1..=3) {
                let at = rng.usize(..body.len());
                match rng.u8(..4) {
                    0 => {
                        body.remove(at);
                    }
                    1 => body.truncate(at),
                    _ => {
                        let piece = pieces[rng.usize(..pieces.len())];
                        body.splice(at..(at + rng.usize(0..=2)).min(body.len()), piece.iter().copied());
                    }
                }
                if body.is_empty() {
                    break;
                }
            }
            same_path_as_tracked::<Page>(&body, false);
            same_path_as_tracked::<crate::models::Conversation>(&body, false);
        }
    }

    #[test]
    fn unknown_members_are_ignored() {
        let body = br#"{"error":false,"reason":"ok","data":[{"count":3,"new_field":{"a":[1]}}],"extra":1}"#;
        let items = decode_data::<Vec<Item>>(StatusCode::OK, body).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].count, Some(3));
    }

    #[test]
    fn empty_answers_are_successes_only_without_data() {
        let value: serde_json::Value = decode_data(StatusCode::NO_CONTENT, b"").unwrap();
        assert_eq!(value, serde_json::Value::Null);
        let value: Option<u32> = decode_data(StatusCode::OK, b" \r\n").unwrap();
        assert_eq!(value, None);
        let err = decode_data::<Vec<u32>>(StatusCode::OK, b"").unwrap_err();
        assert!(err.to_string().contains("no `data`"), "{err}");
    }

    #[test]
    fn decode_reports_the_json_path() {
        #[derive(serde::Deserialize, Debug)]
        struct Item {
            #[allow(dead_code)]
            count: u32,
        }
        let body = br#"{"error":false,"reason":"listed","data":[{"count":1},{"count":"x"}]}"#;
        let err = decode_data::<Vec<Item>>(StatusCode::OK, body).unwrap_err();
        match err.kind() {
            ErrorKind::Decode { path, .. } => assert_eq!(path, "data[1].count"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn successful_answer_with_error_flag_is_an_error() {
        assert_eq!(
            envelope_error(br#"{"error":true,"reason":"invalid_data","data":{}}"#).as_deref(),
            Some("invalid_data")
        );
        assert_eq!(envelope_error(br#"{"error":false,"reason":"ok","data":{}}"#), None);
    }

    #[test]
    fn snippet_is_bounded() {
        let body = vec![b'x'; 5000];
        assert!(snippet(&body).len() <= 520);
        assert_eq!(snippet(b"<h1>\x1b[2J</h1>"), "<h1>\\u{1b}[2J</h1>");
    }
}
