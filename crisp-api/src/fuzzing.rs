//! Entry points for the fuzz targets under `fuzz/` and for the property
//! tests that run the same code on the stable toolchain. Not part of the
//! API: hidden from the docs, and free to change.
//!
//! Each function takes arbitrary bytes, runs them through one parser the
//! way the client does, and panics only when an invariant breaks: decoding
//! must not panic, and any error must show as bounded text without control
//! characters (server text is data, never terminal input).

/// Panics when `text` could act on a terminal or a log, or is unbounded.
fn check_shown(what: &str, text: &str) {
    assert!(!text.chars().any(char::is_control), "{what} shows a control character: {text:?}");
    assert!(text.len() <= 4096, "{what} is {} bytes long", text.len());
}

/// The REST answer decoding: the envelope into several result shapes, the
/// error reason, the `"error": true` probe and the body excerpt.
pub fn envelope(data: &[u8]) {
    let status = match data.first() {
        Some(&b) if b < 128 => 200,
        Some(&b) if b < 192 => 400 + u16::from(b % 100),
        _ => 500,
    };
    let body = data.get(1..).unwrap_or_default();
    for text in decode_texts(status, body) {
        check_shown("a decoding error", &text);
    }
}

/// The Engine.IO / Socket.IO packet parser, the re-encoding of what it
/// accepts, and the typed event made from an event packet.
#[cfg(feature = "rtm")]
pub fn packet(data: &[u8]) {
    use crate::rtm::packet::{self, Packet, SocketPacket};
    let Ok(text) = std::str::from_utf8(data) else { return };
    match packet::parse(text) {
        Ok(parsed) => {
            let encoded = parsed.encode();
            // What the parser accepts, it can write back, and read again.
            assert!(packet::parse(&encoded).is_ok(), "{text:?} was re-encoded as {encoded:?}, which does not parse");
            if let Packet::Message(SocketPacket::Event { name, args, .. }) = parsed {
                let event = crate::events::Event::from_parts(&name, args.into_iter().next().unwrap_or_default());
                let _ = event.name();
            }
        }
        Err(err) => check_shown("a packet error", &err.to_string()),
    }
}

/// Web Hook verification and decoding: the headers come from the first
/// bytes (timestamp, signature), the body from the rest.
#[cfg(feature = "events")]
pub fn webhook(data: &[u8]) {
    use crate::webhook::{WebhookPayload, WebhookVerifier};
    let verifier = WebhookVerifier::new("fuzz-secret").tolerance(std::time::Duration::MAX);
    let (head, body) = data.split_at(data.len().min(80));
    let head = String::from_utf8_lossy(head);
    let mut parts = head.splitn(2, '\n');
    let mut headers = http::HeaderMap::new();
    for (name, value) in
        [crate::webhook::TIMESTAMP_HEADER, crate::webhook::SIGNATURE_HEADER].into_iter().zip(&mut parts)
    {
        if let Ok(value) = http::HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    if let Err(err) = verifier.parse(&headers, body) {
        check_shown("a Web Hook error", &err.to_string());
    }
    match WebhookPayload::decode_unverified(body) {
        Ok(payload) => {
            let _ = payload.event.name();
        }
        Err(err) => check_shown("a Web Hook error", &err.to_string()),
    }
    // A correctly signed body reaches decoding through `parse` too.
    let signed = crate::webhook::signed_headers("fuzz-secret", 1, body);
    if let Err(err) = verifier.parse(&signed, body) {
        check_shown("a Web Hook error", &err.to_string());
    }
}

/// Runs a body through every decoding step a response takes and returns
/// the error texts a user would see.
fn decode_texts(status: u16, body: &[u8]) -> Vec<String> {
    let status = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    let mut texts = Vec::new();
    if let Err(err) = crate::decode::decode_data::<serde_json::Value>(status, body) {
        texts.push(err.to_string());
    }
    #[cfg(feature = "website")]
    {
        if let Err(err) = crate::decode::decode_data::<Vec<crate::models::Conversation>>(status, body) {
            texts.push(err.to_string());
        }
        if let Err(err) = crate::decode::decode_data::<crate::models::Conversation>(status, body) {
            texts.push(err.to_string());
        }
    }
    if let Some(reason) = crate::decode::envelope_error(body) {
        texts.push(reason);
    }
    let reason = crate::decode::envelope_reason(body);
    let body_snippet = reason.is_none().then(|| crate::decode::snippet(body));
    let reason = reason.unwrap_or_else(|| "http_error".to_owned());
    let error = crate::Error::new(crate::ErrorKind::Api { status: status.as_u16(), reason, body_snippet });
    texts.push(error.at(&http::Method::GET, "x/{id}", "x/1").to_string());
    texts
}
