//! Web Hook verification, decoding and the axum extractor.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{FromRef, FromRequest};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use crisp_api::events::{Event, MessageContent};
use crisp_api::webhook::{
    CrispWebhook, DEFAULT_TOLERANCE, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookError, WebhookPayload, WebhookVerifier,
    sign, signed_headers, verify_widget,
};
use http::{HeaderMap, HeaderValue, Request, StatusCode};

const SECRET: &str = "crisp-test-secret";
const TS: u64 = 1_700_000_000_000;
const TS_TEXT: &str = "1700000000000";
const WEBSITE_ID: &str = "42286ab3-b29a-4fde-8538-da0ae501d825";
const BODY: &[u8] = br#"{"event":"message:send","data":{"website_id":"42286ab3-b29a-4fde-8538-da0ae501d825","session_id":"session_1","type":"text","from":"user","origin":"chat","content":"Hello"},"website_id":"42286ab3-b29a-4fde-8538-da0ae501d825","timestamp":1700000000000}"#;
/// Computed independently, with Python's `hmac`:
/// `hmac.new(SECRET, b"[" + TS_TEXT + b";" + BODY + b"]", hashlib.sha256).hexdigest()`.
const BODY_SIGNATURE: &str = "144deca3f69b3ce3b83497e2a0ea0e4b2985659ed4d68474ac6bf41291628895";

fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(SECRET)
}

fn headers(timestamp: &str, signature: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(TIMESTAMP_HEADER, HeaderValue::from_str(timestamp).unwrap());
    headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(signature).unwrap());
    headers
}

#[test]
fn signatures_match_independently_computed_vectors() {
    assert_eq!(sign(SECRET, TS, BODY), BODY_SIGNATURE);
    // hmac.new(b"key", b"[0;]", hashlib.sha256).hexdigest()
    assert_eq!(sign("key", 0, b""), "8fae2a380d87f6690ee2cbc72b82ab23be75d9aa186c6dbf1c4b350a8b8e204e");
    assert_eq!(verifier().verify_at(TS_TEXT, BODY_SIGNATURE, BODY, at(TS)), Ok(()));
    let headers = signed_headers(SECRET, TS, BODY);
    assert_eq!(headers[TIMESTAMP_HEADER], TS_TEXT);
    assert_eq!(headers[SIGNATURE_HEADER], BODY_SIGNATURE);
}

#[test]
fn a_valid_web_hook_verifies_and_decodes() {
    let payload = verifier().parse_at(&headers(TS_TEXT, BODY_SIGNATURE), BODY, at(TS + 1_000)).unwrap();
    assert_eq!(payload.website_id.as_deref(), Some(WEBSITE_ID));
    assert_eq!(payload.timestamp, Some(TS));
    match &payload.event {
        Event::MessageSend(message) => {
            assert_eq!(message.session_id.as_deref(), Some("session_1"));
            assert_eq!(message.typed_content(), MessageContent::Text("Hello".into()));
        }
        other => panic!("expected MessageSend, got {other:?}"),
    }
    // With the real clock.
    let ts = now_ms();
    assert!(verifier().verify(&ts.to_string(), &sign(SECRET, ts, BODY), BODY).is_ok());
    assert!(verifier().parse(&signed_headers(SECRET, ts, BODY), BODY).is_ok());
}

#[test]
fn any_change_to_body_or_timestamp_is_refused() {
    let v = verifier();
    for i in 0..BODY.len() {
        let mut tampered = BODY.to_vec();
        tampered[i] ^= 0x01;
        assert_eq!(v.verify_at(TS_TEXT, BODY_SIGNATURE, &tampered, at(TS)), Err(WebhookError::SignatureMismatch));
    }
    let mut longer = BODY.to_vec();
    longer.push(b' ');
    assert_eq!(v.verify_at(TS_TEXT, BODY_SIGNATURE, &longer, at(TS)), Err(WebhookError::SignatureMismatch));
    assert_eq!(v.verify_at(TS_TEXT, BODY_SIGNATURE, b"", at(TS)), Err(WebhookError::SignatureMismatch));
    assert_eq!(v.verify_at("1700000000001", BODY_SIGNATURE, BODY, at(TS)), Err(WebhookError::SignatureMismatch));
    // Same number, other text: the text is what was signed.
    assert_eq!(v.verify_at("01700000000000", BODY_SIGNATURE, BODY, at(TS)), Err(WebhookError::SignatureMismatch));
}

#[test]
fn a_wrong_secret_is_refused() {
    for secret in ["crisp-test-secreT", "crisp-test-secret ", "other"] {
        let v = WebhookVerifier::new(secret);
        assert_eq!(v.verify_at(TS_TEXT, BODY_SIGNATURE, BODY, at(TS)), Err(WebhookError::SignatureMismatch));
    }
}

#[test]
fn an_empty_secret_refuses_everything() {
    let v = WebhookVerifier::new("");
    let signature = sign("", TS, BODY);
    assert_eq!(v.verify_at(TS_TEXT, &signature, BODY, at(TS)), Err(WebhookError::EmptySecret));
    assert_eq!(verify_widget("", TS_TEXT, &signature, BODY), Err(WebhookError::EmptySecret));
    assert_eq!(WebhookError::EmptySecret.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[test]
fn timestamps_outside_the_window_are_refused_either_way() {
    let v = verifier();
    let tolerance = DEFAULT_TOLERANCE.as_millis() as u64;
    // The bounds are inclusive.
    assert!(v.verify_at(TS_TEXT, BODY_SIGNATURE, BODY, at(TS + tolerance)).is_ok());
    assert!(v.verify_at(TS_TEXT, BODY_SIGNATURE, BODY, at(TS - tolerance)).is_ok());
    assert_eq!(
        v.verify_at(TS_TEXT, BODY_SIGNATURE, BODY, at(TS + tolerance + 1)),
        Err(WebhookError::StaleTimestamp { age: Duration::from_millis(tolerance + 1), tolerance: DEFAULT_TOLERANCE })
    );
    assert_eq!(
        v.verify_at(TS_TEXT, BODY_SIGNATURE, BODY, at(TS - tolerance - 1)),
        Err(WebhookError::FutureTimestamp {
            ahead: Duration::from_millis(tolerance + 1),
            tolerance: DEFAULT_TOLERANCE
        })
    );
    // A day-old replay.
    let err = v.verify_at(TS_TEXT, BODY_SIGNATURE, BODY, at(TS + 86_400_000)).unwrap_err();
    assert!(err.to_string().contains("24.0 h ago"), "{err}");
    // A clock before 1970 counts as the epoch: everything is in the future.
    let err = v.verify_at(TS_TEXT, BODY_SIGNATURE, BODY, UNIX_EPOCH - Duration::from_secs(1)).unwrap_err();
    assert!(matches!(err, WebhookError::FutureTimestamp { .. }), "{err:?}");
}

#[test]
fn the_tolerance_is_configurable() {
    let v = verifier().tolerance(Duration::from_secs(10));
    assert!(v.verify_at(TS_TEXT, BODY_SIGNATURE, BODY, at(TS + 10_000)).is_ok());
    assert!(matches!(
        v.verify_at(TS_TEXT, BODY_SIGNATURE, BODY, at(TS + 10_001)),
        Err(WebhookError::StaleTimestamp { tolerance, .. }) if tolerance == Duration::from_secs(10)
    ));
    let strict = verifier().tolerance(Duration::ZERO);
    assert!(strict.verify_at(TS_TEXT, BODY_SIGNATURE, BODY, at(TS)).is_ok());
    assert!(strict.verify_at(TS_TEXT, BODY_SIGNATURE, BODY, at(TS + 1)).is_err());
    let off = verifier().tolerance(Duration::MAX);
    assert!(off.verify_at(TS_TEXT, BODY_SIGNATURE, BODY, at(TS * 5)).is_ok());
    assert!(off.verify_at(TS_TEXT, BODY_SIGNATURE, BODY, UNIX_EPOCH).is_ok());
}

#[test]
fn the_signature_is_checked_before_the_time() {
    // A stale request with a bad signature is reported as a bad signature: a time error always means a genuine
    // request and a clock problem.
    let err = verifier().verify_at(TS_TEXT, &"0".repeat(64), BODY, at(TS + 86_400_000)).unwrap_err();
    assert_eq!(err, WebhookError::SignatureMismatch);
}

#[test]
fn malformed_signatures_are_refused() {
    let v = verifier();
    let cases = [
        ("odd length", BODY_SIGNATURE[..63].to_owned()),
        ("too short", BODY_SIGNATURE[..62].to_owned()),
        ("too long", format!("{BODY_SIGNATURE}00")),
        ("empty", String::new()),
        ("non-hex", format!("{}zz", &BODY_SIGNATURE[..62])),
        ("prefixed", format!("sha256={BODY_SIGNATURE}")),
        ("padded", format!(" {BODY_SIGNATURE}")),
        ("base64", "FE3s9p8d8+O4NJfioOoOSymFZZ7U1oR0rGv0EpFiiJU=".to_owned()),
    ];
    for (what, signature) in cases {
        let result = v.verify_at(TS_TEXT, &signature, BODY, at(TS));
        assert_eq!(result, Err(WebhookError::InvalidSignatureEncoding), "{what}");
    }
}

#[test]
fn uppercase_hex_is_accepted() {
    // Crisp sends lowercase; case carries no information, so a proxy changing it does not break verification.
    let upper = BODY_SIGNATURE.to_ascii_uppercase();
    assert!(verifier().verify_at(TS_TEXT, &upper, BODY, at(TS)).is_ok());
    let mixed: String =
        BODY_SIGNATURE.chars().enumerate().map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c }).collect();
    assert!(verifier().verify_at(TS_TEXT, &mixed, BODY, at(TS)).is_ok());
}

#[test]
fn malformed_timestamps_are_refused() {
    let v = verifier();
    for timestamp in ["", "abc", "+1700000000000", "-1700000000000", "1700000000000.0", " 1700000000000", "1e12"] {
        let result = v.verify_at(timestamp, BODY_SIGNATURE, BODY, at(TS));
        assert_eq!(result, Err(WebhookError::InvalidTimestamp), "{timestamp:?}");
    }
    // Too large for a u64.
    assert_eq!(
        v.verify_at("99999999999999999999999", BODY_SIGNATURE, BODY, at(TS)),
        Err(WebhookError::InvalidTimestamp)
    );
}

#[test]
fn missing_or_unreadable_headers_are_refused() {
    let v = verifier();
    assert_eq!(
        v.verify_headers_at(&HeaderMap::new(), BODY, at(TS)),
        Err(WebhookError::MissingHeader("X-Crisp-Request-Timestamp"))
    );
    let mut only_timestamp = HeaderMap::new();
    only_timestamp.insert(TIMESTAMP_HEADER, HeaderValue::from_static(TS_TEXT));
    assert_eq!(
        v.verify_headers_at(&only_timestamp, BODY, at(TS)),
        Err(WebhookError::MissingHeader("X-Crisp-Signature"))
    );
    let mut only_signature = HeaderMap::new();
    only_signature.insert(SIGNATURE_HEADER, HeaderValue::from_static(BODY_SIGNATURE));
    assert_eq!(
        v.parse_at(&only_signature, BODY, at(TS)),
        Err(WebhookError::MissingHeader("X-Crisp-Request-Timestamp"))
    );
    // Header names are case-insensitive on the wire.
    let mut mixed_case = HeaderMap::new();
    mixed_case.insert("X-Crisp-Request-Timestamp", HeaderValue::from_static(TS_TEXT));
    mixed_case.insert("X-CRISP-SIGNATURE", HeaderValue::from_static(BODY_SIGNATURE));
    assert!(v.verify_headers_at(&mixed_case, BODY, at(TS)).is_ok());
    // Bytes that are not text.
    let mut opaque = headers(TS_TEXT, BODY_SIGNATURE);
    opaque.insert(SIGNATURE_HEADER, HeaderValue::from_bytes(b"\xff\xfe").unwrap());
    assert_eq!(v.verify_headers_at(&opaque, BODY, at(TS)), Err(WebhookError::InvalidSignatureEncoding));
    opaque.insert(TIMESTAMP_HEADER, HeaderValue::from_bytes(b"17\xff").unwrap());
    assert_eq!(v.verify_headers_at(&opaque, BODY, at(TS)), Err(WebhookError::InvalidTimestamp));
}

#[test]
fn an_unknown_event_decodes_to_unknown() {
    let body = br#"{"event":"rocket:launched","data":{"speed":3},"website_id":"w1"}"#;
    let payload = verifier().parse_at(&signed_headers(SECRET, TS, body), body, at(TS)).unwrap();
    assert_eq!(payload.event, Event::Unknown { name: "rocket:launched".into(), data: serde_json::json!({"speed": 3}) });
    assert_eq!(payload.website_id.as_deref(), Some("w1"));
    assert_eq!(payload.timestamp, None);
}

#[test]
fn known_events_decode_into_their_variant() {
    let payload = WebhookPayload::decode_unverified(BODY).unwrap();
    assert!(matches!(&payload.event, Event::MessageSend(m) if m.typed_content().text() == Some("Hello")));
    let body = br#"{"event":"session:set_state","data":{"session_id":"s","state":"resolved"}}"#;
    let payload = WebhookPayload::decode_unverified(body).unwrap();
    assert!(matches!(payload.event, Event::SessionSetState(_)), "{:?}", payload.event);
    // Whitespace and unknown top-level fields are fine.
    let body = b" \n{ \"event\" : \"session:removed\", \"data\" : {}, \"new_field\": [1, 2] }\n";
    assert_eq!(WebhookPayload::decode_unverified(body).unwrap().event.name(), "session:removed");
}

#[test]
fn optional_fields_are_read_leniently() {
    let decode = |body: &str| WebhookPayload::decode_unverified(body.as_bytes()).unwrap();
    let p = decode(r#"{"event":"e","data":{},"website_id":42,"timestamp":"1700000000000"}"#);
    assert_eq!((p.website_id, p.timestamp), (None, Some(TS)));
    let p = decode(r#"{"event":"e","data":{},"website_id":null,"timestamp":1700000000000.0}"#);
    assert_eq!((p.website_id, p.timestamp), (None, Some(TS)));
    let p = decode(r#"{"event":"e","data":{},"timestamp":{"at":1}}"#);
    assert_eq!(p.timestamp, None);
    let p = decode(r#"{"event":"e","data":{},"timestamp":-5}"#);
    assert_eq!(p.timestamp, None);
}

#[test]
fn malformed_bodies_are_invalid_bodies() {
    let cases: &[&[u8]] = &[
        b"",
        b"   ",
        b"not json",
        b"[]",
        b"\"a string with private words\"",
        b"42",
        b"null",
        b"{",
        b"{\"event\":\"message:send\",\"data\":{}",
        b"{\"event\":\"message:send\",\"data\":{}} trailing",
        b"{\"data\":{}}",
        b"{\"event\":null,\"data\":{}}",
        b"{\"event\":\"\",\"data\":{}}",
        b"{\"event\":7,\"data\":{}}",
        b"{\"event\":{\"name\":\"message:send\"},\"data\":{}}",
        b"{\"event\":\"message:send\"}",
        b"{\"event\":\"message:send\",\"data\":null}",
        b"{\"event\":\"message:send\",\"data\":[]}",
        b"{\"event\":\"message:send\",\"data\":\"private words\"}",
        b"{\"event\":\"a\",\"event\":\"b\",\"data\":{}}",
        b"{\"event\":\"message:send\",\"data\":{}}\xff",
        b"\xef\xbb\xbf{\"event\":\"message:send\",\"data\":{}}",
    ];
    for body in cases {
        let err = WebhookPayload::decode_unverified(body).unwrap_err();
        assert!(matches!(err, WebhookError::InvalidBody(_)), "{:?}: {err:?}", String::from_utf8_lossy(body));
        assert_eq!(err.status_code(), StatusCode::BAD_REQUEST);
        // Messages describe the problem without quoting the content.
        assert!(!err.to_string().contains("private words"), "{err}");
        // Verified first: a signed malformed body is still an invalid body.
        let signed = verifier().parse_at(&signed_headers(SECRET, TS, body), body, at(TS));
        assert_eq!(signed, Err(err));
    }
    let err = WebhookPayload::decode_unverified(b"{\"event\":\"a\",\"event\":\"b\",\"data\":{}}").unwrap_err();
    assert!(err.to_string().contains("duplicate field `event`"), "{err}");
}

#[test]
fn deeply_nested_bodies_are_refused_without_overflowing() {
    let mut body = b"{\"event\":\"e\",\"data\":{\"x\":".to_vec();
    body.extend(std::iter::repeat_n(b'[', 100_000));
    body.extend(std::iter::repeat_n(b']', 100_000));
    body.extend_from_slice(b"}}");
    let err = WebhookPayload::decode_unverified(&body).unwrap_err();
    assert!(err.to_string().contains("recursion limit"), "{err}");
}

#[test]
fn the_secret_never_shows() {
    let secret = "very-private-signing-secret";
    let v = WebhookVerifier::new(secret);
    assert!(!format!("{v:?}").contains(secret));
    let errors = [
        v.verify_at(TS_TEXT, BODY_SIGNATURE, BODY, at(TS)).unwrap_err(),
        v.verify_at("x", BODY_SIGNATURE, BODY, at(TS)).unwrap_err(),
        v.verify_at(TS_TEXT, "x", BODY, at(TS)).unwrap_err(),
        v.verify_headers_at(&HeaderMap::new(), BODY, at(TS)).unwrap_err(),
        v.verify_at(TS_TEXT, &sign(secret, TS, BODY), BODY, at(TS * 2)).unwrap_err(),
        v.verify_at(TS_TEXT, &sign(secret, TS, BODY), BODY, at(TS / 2)).unwrap_err(),
        WebhookPayload::decode_unverified(b"{").unwrap_err(),
    ];
    for err in errors {
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(secret), "{shown}");
        assert!(!shown.contains(&sign(secret, TS, BODY)), "{shown}");
    }
}

#[test]
fn errors_say_what_to_check() {
    let cases = [
        (WebhookError::MissingHeader("X-Crisp-Signature"), "X-Crisp-Signature", 401, "missing_header"),
        (WebhookError::InvalidTimestamp, "epoch milliseconds", 401, "invalid_timestamp"),
        (
            WebhookError::StaleTimestamp { age: Duration::from_secs(400), tolerance: DEFAULT_TOLERANCE },
            "6.7 min ago, beyond the 5.0 min tolerance",
            401,
            "stale_timestamp",
        ),
        (
            WebhookError::FutureTimestamp { ahead: Duration::from_secs(30 * 60), tolerance: DEFAULT_TOLERANCE },
            "30.0 min in the future",
            401,
            "future_timestamp",
        ),
        (WebhookError::InvalidSignatureEncoding, "64 hexadecimal digits", 401, "invalid_signature_encoding"),
        (WebhookError::SignatureMismatch, "byte for byte", 401, "signature_mismatch"),
        (WebhookError::BodyTooLarge { limit: 10 }, "10-byte limit", 413, "body_too_large"),
        (WebhookError::EmptySecret, "secret is empty", 500, "empty_secret"),
        (WebhookError::InvalidBody("it has no `event`".into()), "no `event`", 400, "invalid_body"),
    ];
    for (err, phrase, status, code) in cases {
        assert!(err.to_string().contains(phrase), "{err}");
        assert_eq!((err.status_code().as_u16(), err.code()), (status, code));
    }
}

#[test]
fn widget_signatures_are_checked_without_a_time_window() {
    let body = br#"{"widget":{"section_id":"s1","item_id":"i1","item_type":"button"}}"#;
    let signature = sign(SECRET, 12, body);
    assert_eq!(verify_widget(SECRET, "12", &signature, body), Ok(()));
    assert_eq!(verify_widget("other", "12", &signature, body), Err(WebhookError::SignatureMismatch));
    assert_eq!(verify_widget(SECRET, "13", &signature, body), Err(WebhookError::SignatureMismatch));
    assert_eq!(verify_widget(SECRET, "12", &signature, b"{}"), Err(WebhookError::SignatureMismatch));
    assert_eq!(verify_widget(SECRET, "12", "abc", body), Err(WebhookError::InvalidSignatureEncoding));
    assert_eq!(verify_widget(SECRET, "twelve", &signature, body), Err(WebhookError::InvalidTimestamp));
    // Were a `;` allowed in the timestamp, bytes could move from the body into it with the signature intact.
    let shifted = verify_widget(SECRET, "12;{", &signature, &body[1..]);
    assert_eq!(shifted, Err(WebhookError::InvalidTimestamp));
}

/// xorshift64*: deterministic, dependency-free randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }
    fn pick(&mut self, from: &[u8]) -> u8 {
        from[self.below(from.len())]
    }
    fn text(&mut self, alphabet: &[u8], max: usize) -> String {
        let len = self.below(max + 1);
        (0..len).map(|_| self.pick(alphabet) as char).collect()
    }
    /// Bytes biased towards JSON punctuation, to reach deeper into the decoder.
    fn jsonish(&mut self, max: usize) -> Vec<u8> {
        const PIECES: &[&[u8]] = &[
            b"{",
            b"}",
            b"[",
            b"]",
            b"\"",
            b":",
            b",",
            b"\"event\"",
            b"\"data\"",
            b"\"message:send\"",
            b"1",
            b"-",
            b".5",
            b"null",
            b"true",
            b" ",
            b"\\",
            b"\\u00",
            b"\xff",
            b"\"timestamp\"",
            b"\"website_id\"",
        ];
        let mut out = b"{".to_vec();
        while out.len() < max && self.below(30) != 0 {
            out.extend_from_slice(PIECES[self.below(PIECES.len())]);
        }
        out
    }
}

#[test]
fn random_input_never_panics_and_is_refused() {
    let v = verifier();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let digits = b"0123456789";
    let hex = b"0123456789abcdefABCDEF";
    let printable: Vec<u8> = (0x20..0x7f).collect();
    for round in 0..3_000 {
        let body = if round % 2 == 0 { rng.bytes(300) } else { rng.jsonish(300) };
        // Random values: never verified.
        let timestamp = match rng.below(3) {
            0 => rng.text(digits, 25),
            1 => rng.text(&printable, 20),
            _ => TS_TEXT.to_owned(),
        };
        let signature = match rng.below(3) {
            0 => rng.text(hex, 70),
            1 => (0..64).map(|_| rng.pick(hex) as char).collect(),
            _ => rng.text(&printable, 80),
        };
        assert!(v.verify_at(&timestamp, &signature, &body, at(TS)).is_err());
        assert!(verify_widget(SECRET, &timestamp, &signature, &body).is_err());

        // Random header bytes, where the header type allows them.
        let mut map = HeaderMap::new();
        for name in [TIMESTAMP_HEADER, SIGNATURE_HEADER] {
            if rng.below(4) != 0
                && let Ok(value) = HeaderValue::from_bytes(&rng.bytes(80))
            {
                map.insert(name, value);
            }
        }
        assert!(v.parse_at(&map, &body, at(TS)).is_err());

        // A genuine request with one byte changed anywhere.
        let signed_at = TS + rng.below(1000) as u64;
        let mut ts = signed_at.to_string().into_bytes();
        let mut sig = sign(SECRET, signed_at, &body).into_bytes();
        let mut tampered = body.clone();
        let flip = 1 << rng.below(8);
        match rng.below(3) {
            0 if !tampered.is_empty() => {
                let i = rng.below(tampered.len());
                tampered[i] ^= flip;
            }
            1 => {
                let i = rng.below(ts.len());
                ts[i] ^= flip;
            }
            _ => {
                let i = rng.below(sig.len());
                sig[i] = if sig[i] == b'0' { b'1' } else { b'0' };
            }
        }
        let ts = String::from_utf8_lossy(&ts);
        let sig = String::from_utf8_lossy(&sig);
        assert!(v.verify_at(&ts, &sig, &tampered, at(TS)).is_err(), "round {round}");

        // A genuine signature over garbage: verified, then refused as a body.
        let headers = signed_headers(SECRET, signed_at, &body);
        match v.parse_at(&headers, &body, at(TS)) {
            Err(WebhookError::InvalidBody(_)) => {}
            // The JSON-ish generator can, rarely, produce a real envelope.
            Ok(payload) => assert!(round % 2 == 1, "random bytes decoded: {payload:?}"),
            Err(other) => panic!("round {round}: {other:?}"),
        }
    }
}

// The axum extractor.

async fn hook(CrispWebhook(payload): CrispWebhook) -> (StatusCode, String) {
    (StatusCode::OK, payload.event.name().to_owned())
}

fn request(headers: HeaderMap, body: impl Into<Body>) -> Request<Body> {
    let mut request = Request::post("/hooks").body(body.into()).unwrap();
    *request.headers_mut() = headers;
    request
}

async fn extract(verifier: &WebhookVerifier, request: Request<Body>) -> Result<WebhookPayload, (StatusCode, String)> {
    match CrispWebhook::from_request(request, verifier).await {
        Ok(CrispWebhook(payload)) => Ok(payload),
        Err(err) => {
            let response = err.into_response();
            let status = response.status();
            assert_eq!(response.headers()[http::header::CONTENT_TYPE], "application/json");
            let body = axum::body::to_bytes(response.into_body(), 64 * 1024).await.unwrap();
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            Err((status, json["error"].as_str().unwrap().to_owned()))
        }
    }
}

#[tokio::test]
async fn the_extractor_gives_the_payload_or_the_right_status() {
    let v = verifier();
    let now = now_ms();
    let ok = extract(&v, request(signed_headers(SECRET, now, BODY), BODY)).await.unwrap();
    assert!(matches!(ok.event, Event::MessageSend(_)));

    let unauthorized = |code: &str| Err((StatusCode::UNAUTHORIZED, code.to_owned()));
    let bad = extract(&v, request(signed_headers("wrong", now, BODY), BODY)).await;
    assert_eq!(bad, unauthorized("signature_mismatch"));
    let missing = extract(&v, request(HeaderMap::new(), BODY)).await;
    assert_eq!(missing, unauthorized("missing_header"));
    let stale = now - 10 * 60 * 1000;
    let old = extract(&v, request(signed_headers(SECRET, stale, BODY), BODY)).await;
    assert_eq!(old, unauthorized("stale_timestamp"));
    let odd = extract(&v, request(headers(&now.to_string(), "abc"), BODY)).await;
    assert_eq!(odd, unauthorized("invalid_signature_encoding"));

    let garbage = b"{\"event\":";
    let malformed = extract(&v, request(signed_headers(SECRET, now, garbage), &garbage[..])).await;
    assert_eq!(malformed, Err((StatusCode::BAD_REQUEST, "invalid_body".to_owned())));

    let empty = extract(&WebhookVerifier::new(""), request(signed_headers("", now, BODY), BODY)).await;
    assert_eq!(empty, Err((StatusCode::INTERNAL_SERVER_ERROR, "empty_secret".to_owned())));
}

#[tokio::test]
async fn the_extractor_limits_the_body_size() {
    let v = verifier().max_body_size(BODY.len());
    let now = now_ms();
    let too_large = Err((StatusCode::PAYLOAD_TOO_LARGE, "body_too_large".to_owned()));
    let mut big = BODY.to_vec();
    big.push(b' ');
    // Exactly the limit is fine.
    assert!(extract(&v, request(signed_headers(SECRET, now, BODY), BODY)).await.is_ok());
    // Announced by Content-Length: refused before reading.
    let mut announced = signed_headers(SECRET, now, &big);
    announced.insert(http::header::CONTENT_LENGTH, HeaderValue::from(big.len()));
    assert_eq!(extract(&v, request(announced, big.clone())).await, too_large);
    // Streamed without a length, in one chunk and in many.
    assert_eq!(extract(&v, request(signed_headers(SECRET, now, &big), big.clone())).await, too_large);
    let chunks: Vec<Result<Bytes, std::io::Error>> = big.chunks(7).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    let streamed = Body::from_stream(futures_util::stream::iter(chunks));
    assert_eq!(extract(&v, request(signed_headers(SECRET, now, &big), streamed)).await, too_large);
    // Many chunks within the limit are put back together.
    let chunks: Vec<Result<Bytes, std::io::Error>> = BODY.chunks(7).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    let streamed = Body::from_stream(futures_util::stream::iter(chunks));
    assert!(extract(&v, request(signed_headers(SECRET, now, BODY), streamed)).await.is_ok());
    // A body that breaks off is a bad request.
    let broken: Vec<Result<Bytes, std::io::Error>> =
        vec![Ok(Bytes::from_static(b"{\"ev")), Err(std::io::Error::other("connection reset"))];
    let streamed = Body::from_stream(futures_util::stream::iter(broken));
    let result = extract(&v, request(signed_headers(SECRET, now, BODY), streamed)).await;
    assert_eq!(result, Err((StatusCode::BAD_REQUEST, "invalid_body".to_owned())));
}

#[derive(Clone)]
struct AppState {
    webhooks: WebhookVerifier,
    name: &'static str,
}

impl FromRef<AppState> for WebhookVerifier {
    fn from_ref(state: &AppState) -> Self {
        state.webhooks.clone()
    }
}

async fn hook_with_state(
    axum::extract::State(state): axum::extract::State<AppState>,
    CrispWebhook(payload): CrispWebhook,
) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "app": state.name, "event": payload.event.name() }))
}

/// Serves `app` on 127.0.0.1 and posts to it with a plain hyper client.
async fn post_to(app: Router, requests: Vec<(HeaderMap, Vec<u8>)>) -> Vec<(StatusCode, String)> {
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app).with_graceful_shutdown(async move { stopped.await.unwrap_or(()) }).await
    });
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut answers = Vec::new();
    for (headers, body) in requests {
        let mut request = Request::post(format!("http://{addr}/hooks")).body(Full::new(Bytes::from(body))).unwrap();
        request.headers_mut().extend(headers);
        let response = client.request(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        answers.push((status, String::from_utf8(body.to_vec()).unwrap()));
    }
    drop(client);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    answers
}

#[tokio::test]
async fn a_router_answers_200_401_400_and_413_over_http() {
    let app = Router::new().route("/hooks", post(hook)).with_state(verifier().max_body_size(4096));
    let now = now_ms();
    let garbage = b"[1, 2, 3]".to_vec();
    let answers = post_to(
        app,
        vec![
            (signed_headers(SECRET, now, BODY), BODY.to_vec()),
            (signed_headers("not-the-secret", now, BODY), BODY.to_vec()),
            (signed_headers(SECRET, now, &garbage), garbage),
            (signed_headers(SECRET, now, &[b' '; 5000]), vec![b' '; 5000]),
        ],
    )
    .await;
    assert_eq!(answers[0], (StatusCode::OK, "message:send".to_owned()));
    assert_eq!(answers[1].0, StatusCode::UNAUTHORIZED);
    assert!(answers[1].1.contains("\"error\":\"signature_mismatch\""), "{}", answers[1].1);
    assert!(!answers[1].1.contains(SECRET));
    assert_eq!(answers[2].0, StatusCode::BAD_REQUEST);
    assert!(answers[2].1.contains("\"error\":\"invalid_body\""), "{}", answers[2].1);
    assert_eq!(answers[3].0, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_verifier_can_come_from_a_larger_state() {
    let state = AppState { webhooks: verifier(), name: "support-bot" };
    let app = Router::new().route("/hooks", post(hook_with_state)).with_state(state);
    let now = now_ms();
    let answers = post_to(app, vec![(signed_headers(SECRET, now, BODY), BODY.to_vec())]).await;
    let json: serde_json::Value = serde_json::from_str(&answers[0].1).unwrap();
    assert_eq!(answers[0].0, StatusCode::OK);
    assert_eq!(json, serde_json::json!({"app": "support-bot", "event": "message:send"}));
}
