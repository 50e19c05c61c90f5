//! Signed Web Hooks: verification, decoding and signing.
//!
//! Crisp signs every Web Hook it sends. The request carries two headers:
//!
//! - `X-Crisp-Request-Timestamp`: when it was signed, in epoch milliseconds;
//! - `X-Crisp-Signature`: the lowercase hex of
//!   `HMAC-SHA256(secret, "[" + timestamp + ";" + body + "]")`.
//!
//! [`WebhookVerifier`] checks both, then [`WebhookVerifier::parse`] decodes the
//! body into a [`WebhookPayload`] holding a typed [`Event`]. With the `axum`
//! feature, the `CrispWebhook` extractor does all of it inside a handler.
//! [`verify_widget`] checks widget action requests, which Crisp signs the same
//! way, and [`sign`] and [`signed_headers`] produce genuine-looking requests for
//! your tests.
//!
//! Why it works the way it does:
//!
//! - **Raw bytes.** The signature covers the body exactly as sent. Parsing the
//!   JSON and serializing it again changes spacing, key order or escapes, and
//!   then a genuine request fails. Verify the bytes first, decode after.
//! - **Constant time.** The expected and received MACs are compared without
//!   stopping at the first differing byte, so response timing tells an
//!   attacker nothing about how close a forged signature is.
//! - **A time window.** The timestamp is signed too. A request older than the
//!   tolerance ([`DEFAULT_TOLERANCE`], 5 minutes) is refused, so a captured
//!   request cannot be replayed later; one from too far in the future is
//!   refused as well, since it can only come from a wrong clock. The
//!   signature is checked before the window, so a time error always concerns a
//!   genuine request and points at a clock, not at an attacker.
//! - **Hex case.** Crisp sends lowercase hex; uppercase is accepted too. The
//!   decoded bytes are what is compared, and case carries no information.
//!
//! ```
//! use crisp_api::events::Event;
//! use crisp_api::webhook::{WebhookVerifier, signed_headers};
//!
//! let verifier = WebhookVerifier::new("my-signing-secret");
//! let body = br#"{"event":"message:send","data":{"type":"text","content":"Hi"},"website_id":"w1"}"#;
//!
//! // What Crisp would send; in a real server these come from the request.
//! let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
//! let headers = signed_headers("my-signing-secret", now.as_millis() as u64, body);
//!
//! let payload = verifier.parse(&headers, body)?;
//! assert_eq!(payload.website_id.as_deref(), Some("w1"));
//! if let Event::MessageSend(message) = &payload.event {
//!     assert_eq!(message.typed_content().text(), Some("Hi"));
//! }
//! # Ok::<(), crisp_api::webhook::WebhookError>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::events::Event;

mod error;

pub use error::WebhookError;

/// The header carrying the signing time, in epoch milliseconds.
///
/// ```
/// assert_eq!(crisp_api::webhook::TIMESTAMP_HEADER, "x-crisp-request-timestamp");
/// ```
pub const TIMESTAMP_HEADER: HeaderName = HeaderName::from_static("x-crisp-request-timestamp");

/// The header carrying the signature, as hex.
///
/// ```
/// assert_eq!(crisp_api::webhook::SIGNATURE_HEADER, "x-crisp-signature");
/// ```
pub const SIGNATURE_HEADER: HeaderName = HeaderName::from_static("x-crisp-signature");

/// How far the signing time may be from the local clock, either way: 5 minutes.
///
/// ```
/// assert_eq!(crisp_api::webhook::DEFAULT_TOLERANCE.as_secs(), 300);
/// ```
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// The largest body the `CrispWebhook` extractor reads: 1 MiB.
///
/// ```
/// assert_eq!(crisp_api::webhook::DEFAULT_MAX_BODY_SIZE, 1 << 20);
/// ```
pub const DEFAULT_MAX_BODY_SIZE: usize = 1 << 20;

// Canonical spellings for error messages.
const TIMESTAMP_HEADER_NAME: &str = "X-Crisp-Request-Timestamp";
const SIGNATURE_HEADER_NAME: &str = "X-Crisp-Signature";

/// A HMAC-SHA256 is 32 bytes, 64 hex digits.
const MAC_LEN: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// Checks Crisp's signatures and decodes Web Hooks.
///
/// Build one at start-up and share it: cloning is cheap and the secret is
/// held once, in a [`SecretString`] that `Debug` does not show. With the
/// `axum` feature, put it in the router state for `CrispWebhook`.
///
/// ```
/// use std::time::Duration;
/// use crisp_api::webhook::WebhookVerifier;
///
/// let verifier = WebhookVerifier::new("my-signing-secret").tolerance(Duration::from_secs(60));
/// assert!(!format!("{verifier:?}").contains("my-signing-secret"));
/// ```
#[derive(Clone)]
pub struct WebhookVerifier {
    secret: Arc<SecretString>,
    tolerance: Duration,
    max_body_size: usize,
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("secret", &"[redacted]")
            .field("tolerance", &self.tolerance)
            .field("max_body_size", &self.max_body_size)
            .finish()
    }
}

impl WebhookVerifier {
    /// A verifier for the given signing secret, with the default tolerance
    /// and body limit.
    ///
    /// An empty secret is accepted here but makes every verification fail with
    /// [`WebhookError::EmptySecret`], so a missing configuration value cannot
    /// turn into a key anyone can guess.
    ///
    /// ```
    /// use secrecy::SecretString;
    /// let from_str = crisp_api::webhook::WebhookVerifier::new("secret");
    /// let from_secret = crisp_api::webhook::WebhookVerifier::new(SecretString::from("secret"));
    /// # let _ = (from_str, from_secret);
    /// ```
    pub fn new(secret: impl Into<SecretString>) -> Self {
        Self { secret: Arc::new(secret.into()), tolerance: DEFAULT_TOLERANCE, max_body_size: DEFAULT_MAX_BODY_SIZE }
    }

    /// Sets how far the signing time may be from the local clock, in the past
    /// or the future ([`DEFAULT_TOLERANCE`] unless set). `Duration::MAX` turns
    /// the check off, which also turns replay protection off.
    ///
    /// ```
    /// let verifier = crisp_api::webhook::WebhookVerifier::new("secret").tolerance(std::time::Duration::from_secs(30));
    /// # let _ = verifier;
    /// ```
    #[must_use]
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Sets the largest body accepted ([`DEFAULT_MAX_BODY_SIZE`] unless
    /// set): the `CrispWebhook` extractor stops reading there and answers
    /// 413, and the `verify*` and `parse*` methods refuse a larger body with
    /// [`WebhookError::BodyTooLarge`] before computing anything. Like
    /// `CrispBuilder::max_response_size` and `RtmBuilder::max_message_size`,
    /// it bounds what a peer can make this process hold.
    ///
    /// ```
    /// let verifier = crisp_api::webhook::WebhookVerifier::new("secret").max_body_size(256 * 1024);
    /// # let _ = verifier;
    /// ```
    #[must_use]
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Checks a signature against the local clock.
    ///
    /// `timestamp` and `signature` are the header values unchanged, `body` the
    /// raw bytes as received.
    ///
    /// ```
    /// use crisp_api::webhook::{WebhookVerifier, sign};
    ///
    /// let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    /// let body = br#"{"event":"session:set_state","data":{"state":"resolved"}}"#;
    /// let signature = sign("secret", now, body);
    /// let verifier = WebhookVerifier::new("secret");
    /// assert!(verifier.verify(&now.to_string(), &signature, body).is_ok());
    /// assert!(verifier.verify(&now.to_string(), &signature, b"{}").is_err());
    /// ```
    pub fn verify(&self, timestamp: &str, signature: &str, body: &[u8]) -> Result<(), WebhookError> {
        self.verify_at(timestamp, signature, body, SystemTime::now())
    }

    /// Like [`verify`](Self::verify), with `now` as the local clock: for
    /// tests, and for checking a stored request against the time it arrived.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use crisp_api::webhook::{WebhookError, WebhookVerifier, sign};
    ///
    /// let verifier = WebhookVerifier::new("secret");
    /// let signature = sign("secret", 1_700_000_000_000, b"{}");
    /// let arrival = UNIX_EPOCH + Duration::from_millis(1_700_000_001_000);
    /// assert!(verifier.verify_at("1700000000000", &signature, b"{}", arrival).is_ok());
    /// let much_later = arrival + Duration::from_secs(3600);
    /// let err = verifier.verify_at("1700000000000", &signature, b"{}", much_later).unwrap_err();
    /// assert!(matches!(err, WebhookError::StaleTimestamp { .. }));
    /// ```
    pub fn verify_at(
        &self,
        timestamp: &str,
        signature: &str,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), WebhookError> {
        // The same limit as the extractor's, for bodies read by other frameworks.
        if body.len() > self.max_body_size {
            return Err(WebhookError::BodyTooLarge { limit: self.max_body_size });
        }
        let signed_at = check_signature(self.secret.expose_secret(), timestamp, signature, body)?;
        self.check_window(signed_at, now)
    }

    /// Checks the signature headers of a request against its raw body.
    ///
    /// ```
    /// use crisp_api::webhook::{WebhookError, WebhookVerifier, signed_headers};
    ///
    /// let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    /// let headers = signed_headers("secret", now, b"{}");
    /// let verifier = WebhookVerifier::new("secret");
    /// assert!(verifier.verify_headers(&headers, b"{}").is_ok());
    /// let err = verifier.verify_headers(&http::HeaderMap::new(), b"{}").unwrap_err();
    /// assert!(matches!(err, WebhookError::MissingHeader(_)));
    /// ```
    pub fn verify_headers(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), WebhookError> {
        self.verify_headers_at(headers, body, SystemTime::now())
    }

    /// Like [`verify_headers`](Self::verify_headers), with `now` as the local clock.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use crisp_api::webhook::{WebhookVerifier, signed_headers};
    ///
    /// let headers = signed_headers("secret", 1_700_000_000_000, b"{}");
    /// let now = UNIX_EPOCH + Duration::from_millis(1_700_000_000_500);
    /// assert!(WebhookVerifier::new("secret").verify_headers_at(&headers, b"{}", now).is_ok());
    /// ```
    pub fn verify_headers_at(&self, headers: &HeaderMap, body: &[u8], now: SystemTime) -> Result<(), WebhookError> {
        let (timestamp, signature) = header_values(headers)?;
        self.verify_at(timestamp, signature, body, now)
    }

    /// Verifies the request, then decodes its body.
    ///
    /// ```
    /// use crisp_api::events::Event;
    /// use crisp_api::webhook::{WebhookVerifier, signed_headers};
    ///
    /// let body = br#"{"event":"session:set_state","data":{"state":"resolved"},"timestamp":1700000000000}"#;
    /// let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    /// let headers = signed_headers("secret", now, body);
    /// let payload = WebhookVerifier::new("secret").parse(&headers, body)?;
    /// assert!(matches!(payload.event, Event::SessionSetState(_)));
    /// assert_eq!(payload.timestamp, Some(1_700_000_000_000));
    /// # Ok::<(), crisp_api::webhook::WebhookError>(())
    /// ```
    pub fn parse(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookPayload, WebhookError> {
        self.parse_at(headers, body, SystemTime::now())
    }

    /// Like [`parse`](Self::parse), with `now` as the local clock.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use crisp_api::webhook::{WebhookVerifier, signed_headers};
    ///
    /// let body = br#"{"event":"rocket:launched","data":{}}"#;
    /// let headers = signed_headers("secret", 1_700_000_000_000, body);
    /// let now = UNIX_EPOCH + Duration::from_millis(1_700_000_000_000);
    /// let payload = WebhookVerifier::new("secret").parse_at(&headers, body, now)?;
    /// assert_eq!(payload.event.name(), "rocket:launched");
    /// # Ok::<(), crisp_api::webhook::WebhookError>(())
    /// ```
    pub fn parse_at(&self, headers: &HeaderMap, body: &[u8], now: SystemTime) -> Result<WebhookPayload, WebhookError> {
        self.verify_headers_at(headers, body, now)?;
        WebhookPayload::decode_unverified(body)
    }

    fn check_window(&self, signed_at: u64, now: SystemTime) -> Result<(), WebhookError> {
        // A clock before 1970 is as wrong as any; treat it as the epoch.
        let now_ms = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
        let signed_at = u128::from(signed_at);
        let tolerance_ms = self.tolerance.as_millis();
        let millis = |ms: u128| Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX));
        if signed_at > now_ms {
            let ahead = signed_at - now_ms;
            if ahead > tolerance_ms {
                return Err(WebhookError::FutureTimestamp { ahead: millis(ahead), tolerance: self.tolerance });
            }
        } else {
            let age = now_ms - signed_at;
            if age > tolerance_ms {
                return Err(WebhookError::StaleTimestamp { age: millis(age), tolerance: self.tolerance });
            }
        }
        Ok(())
    }
}

/// The two signature header values, as text.
fn header_values(headers: &HeaderMap) -> Result<(&str, &str), WebhookError> {
    let timestamp = headers.get(TIMESTAMP_HEADER).ok_or(WebhookError::MissingHeader(TIMESTAMP_HEADER_NAME))?;
    let signature = headers.get(SIGNATURE_HEADER).ok_or(WebhookError::MissingHeader(SIGNATURE_HEADER_NAME))?;
    let timestamp = timestamp.to_str().map_err(|_| WebhookError::InvalidTimestamp)?;
    let signature = signature.to_str().map_err(|_| WebhookError::InvalidSignatureEncoding)?;
    Ok((timestamp, signature))
}

/// Parses a timestamp made of ASCII digits only. Digits only also keeps the
/// signed text unambiguous: were `;` allowed, bytes could move between the
/// timestamp and the body without changing what was signed.
fn parse_timestamp(timestamp: &str) -> Result<u64, WebhookError> {
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebhookError::InvalidTimestamp);
    }
    timestamp.parse().map_err(|_| WebhookError::InvalidTimestamp)
}

fn keyed(secret: &str) -> Result<HmacSha256, WebhookError> {
    if secret.is_empty() {
        return Err(WebhookError::EmptySecret);
    }
    // HMAC takes keys of any length, so this never fails.
    HmacSha256::new_from_slice(secret.as_bytes()).map_err(|_| WebhookError::EmptySecret)
}

fn mac_of(mut mac: HmacSha256, timestamp: &str, body: &[u8]) -> HmacSha256 {
    // Fed in pieces, so the body is never copied.
    mac.update(b"[");
    mac.update(timestamp.as_bytes());
    mac.update(b";");
    mac.update(body);
    mac.update(b"]");
    mac
}

/// Checks the signature only; returns the timestamp.
fn check_signature(secret: &str, timestamp: &str, signature: &str, body: &[u8]) -> Result<u64, WebhookError> {
    let mac = keyed(secret)?;
    let signed_at = parse_timestamp(timestamp)?;
    let mut received = [0u8; MAC_LEN];
    // Rejects odd lengths, non-hex characters and any length but 64; accepts both cases.
    hex::decode_to_slice(signature, &mut received).map_err(|_| WebhookError::InvalidSignatureEncoding)?;
    mac_of(mac, timestamp, body).verify_slice(&received).map_err(|_| WebhookError::SignatureMismatch)?;
    Ok(signed_at)
}

/// Checks the signature of a widget action request.
///
/// Crisp signs these like Web Hooks, HMAC-SHA256 over
/// `"[" + timestamp + ";" + body + "]"`, but does not fix the header names, so
/// this takes the values. The timestamp must be decimal digits; only the
/// signature is checked, not the age, since Crisp documents no freshness
/// rule for widgets. Keep the secret in a [`SecretString`] and pass
/// `expose_secret()` here.
///
/// ```
/// use crisp_api::webhook::{WebhookError, sign, verify_widget};
///
/// let body = br#"{"widget":{"section_id":"s","item_id":"i"}}"#;
/// let signature = sign("plugin-secret", 1_700_000_000_000, body);
/// assert!(verify_widget("plugin-secret", "1700000000000", &signature, body).is_ok());
/// let err = verify_widget("other-secret", "1700000000000", &signature, body).unwrap_err();
/// assert_eq!(err, WebhookError::SignatureMismatch);
/// ```
pub fn verify_widget(secret: &str, timestamp: &str, signature: &str, body: &[u8]) -> Result<(), WebhookError> {
    check_signature(secret, timestamp, signature, body).map(|_| ())
}

/// The signature Crisp would send for `body` signed at `timestamp` (epoch
/// milliseconds): lowercase hex of the HMAC-SHA256. For your tests.
///
/// ```
/// let signature = crisp_api::webhook::sign("secret", 1_700_000_000_000, b"{}");
/// assert_eq!(signature.len(), 64);
/// assert!(signature.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
/// ```
pub fn sign(secret: &str, timestamp: u64, body: &[u8]) -> String {
    // HMAC takes keys of any length, empty included.
    let mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    hex::encode(mac_of(mac, &timestamp.to_string(), body).finalize().into_bytes())
}

/// The two headers Crisp would send for `body` signed at `timestamp` (epoch
/// milliseconds). For your tests.
///
/// ```
/// use crisp_api::webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER, signed_headers};
///
/// let headers = signed_headers("secret", 1_700_000_000_000, b"{}");
/// assert_eq!(headers[TIMESTAMP_HEADER], "1700000000000");
/// assert_eq!(headers[SIGNATURE_HEADER].len(), 64);
/// ```
pub fn signed_headers(secret: &str, timestamp: u64, body: &[u8]) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(2);
    headers.insert(TIMESTAMP_HEADER, HeaderValue::from(timestamp));
    let signature = HeaderValue::from_str(&sign(secret, timestamp, body)).expect("hex is a valid header value");
    headers.insert(SIGNATURE_HEADER, signature);
    headers
}

/// A decoded Web Hook.
///
/// ```
/// use crisp_api::webhook::WebhookPayload;
/// let payload = WebhookPayload::decode_unverified(br#"{"event":"session:removed","data":{},"website_id":"w"}"#)?;
/// assert_eq!(payload.event.name(), "session:removed");
/// assert_eq!(payload.website_id.as_deref(), Some("w"));
/// assert_eq!(payload.timestamp, None);
/// # Ok::<(), crisp_api::webhook::WebhookError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct WebhookPayload {
    /// The event with its typed data; [`Event::Unknown`] for names this
    /// version does not know or data that does not fit the model.
    pub event: Event,
    /// The top-level `website_id`, when sent.
    pub website_id: Option<String>,
    /// The top-level `timestamp` in epoch milliseconds, when sent.
    pub timestamp: Option<u64>,
}

/// The envelope, typed loosely so that every shape problem gets its own message.
#[derive(serde::Deserialize)]
struct Envelope {
    #[serde(default)]
    event: Option<serde_json::Value>,
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default)]
    website_id: Option<serde_json::Value>,
    #[serde(default)]
    timestamp: Option<serde_json::Value>,
}

impl WebhookPayload {
    /// Decodes a body **without checking who sent it**. Use it only on bytes
    /// already verified (with [`WebhookVerifier::verify`]) or for tests;
    /// [`WebhookVerifier::parse`] does both steps.
    ///
    /// Fails with [`WebhookError::InvalidBody`] when the body is not a JSON
    /// object, `event` is not a non-empty string or `data` is not an object.
    /// A `website_id` or `timestamp` of an unexpected type is ignored.
    ///
    /// ```
    /// use crisp_api::webhook::{WebhookError, WebhookPayload};
    /// let err = WebhookPayload::decode_unverified(br#"{"event":"message:send","data":[]}"#).unwrap_err();
    /// assert!(matches!(err, WebhookError::InvalidBody(_)));
    /// ```
    pub fn decode_unverified(body: &[u8]) -> Result<Self, WebhookError> {
        let invalid = |message: &str| WebhookError::InvalidBody(message.to_owned());
        // Checked up front so that serde's type errors, which quote the value, never reach a message.
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(invalid("it is not a JSON object"));
        }
        // Past the check above, serde's messages name only positions and field names.
        let envelope: Envelope = serde_json::from_slice(body).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => {
                WebhookError::InvalidBody(format!("it is not a Web Hook object ({e})"))
            }
            _ => WebhookError::InvalidBody(format!("it is not valid JSON ({e})")),
        })?;
        let name = match envelope.event {
            Some(serde_json::Value::String(name)) if !name.is_empty() => name,
            None => return Err(invalid("it has no `event`")),
            Some(_) => return Err(invalid("its `event` is not a non-empty string")),
        };
        let data = match envelope.data {
            Some(data @ serde_json::Value::Object(_)) => data,
            None => return Err(invalid("it has no `data`")),
            Some(_) => return Err(invalid("its `data` is not an object")),
        };
        let website_id = match envelope.website_id {
            Some(serde_json::Value::String(id)) => Some(id),
            _ => None,
        };
        let timestamp = envelope.timestamp.and_then(|t| crate::support::timestamp(t).ok().flatten());
        Ok(Self { event: Event::from_parts(&name, data), website_id, timestamp })
    }
}

#[cfg(feature = "axum")]
pub use axum_support::CrispWebhook;

#[cfg(feature = "axum")]
mod axum_support {
    use axum::body::Body;
    use axum::extract::{FromRef, FromRequest, Request};
    use axum::response::{IntoResponse, Response};
    use bytes::{Bytes, BytesMut};
    use futures_util::StreamExt as _;

    use super::{WebhookError, WebhookPayload, WebhookVerifier, header_values};

    /// An axum extractor that verifies a Web Hook and decodes it.
    ///
    /// The [`WebhookVerifier`] comes from the router state through
    /// [`FromRef`], so the state is either the verifier itself or a type that
    /// hands one out. A refused request never reaches the handler: it is
    /// answered with [`WebhookError::status_code`] (401 for headers,
    /// signature or time, 400 for a body that does not decode, 413 over the
    /// body limit) and a small JSON body `{"error": code, "message": text}`.
    ///
    /// ```
    /// use axum::{Router, extract::FromRef, http::StatusCode, routing::post};
    /// use crisp_api::events::Event;
    /// use crisp_api::webhook::{CrispWebhook, WebhookVerifier};
    ///
    /// #[derive(Clone)]
    /// struct AppState {
    ///     webhooks: WebhookVerifier,
    /// }
    ///
    /// impl FromRef<AppState> for WebhookVerifier {
    ///     fn from_ref(state: &AppState) -> Self {
    ///         state.webhooks.clone()
    ///     }
    /// }
    ///
    /// async fn hook(CrispWebhook(payload): CrispWebhook) -> StatusCode {
    ///     if let Event::MessageSend(message) = &payload.event {
    ///         println!("{:?} wrote {:?}", message.session_id, message.typed_content().text());
    ///     }
    ///     StatusCode::OK
    /// }
    ///
    /// let state = AppState { webhooks: WebhookVerifier::new("my-signing-secret") };
    /// let app: Router = Router::new().route("/crisp/hooks", post(hook)).with_state(state);
    /// # let _ = app;
    /// ```
    #[derive(Clone, Debug, PartialEq)]
    pub struct CrispWebhook(pub WebhookPayload);

    impl<S> FromRequest<S> for CrispWebhook
    where
        WebhookVerifier: FromRef<S>,
        S: Send + Sync,
    {
        type Rejection = WebhookError;

        async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
            let verifier = WebhookVerifier::from_ref(state);
            let (parts, body) = req.into_parts();
            let result = async {
                // Refuse before reading anything when the request cannot be genuine or announces too much.
                header_values(&parts.headers)?;
                let announced = parts.headers.get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok());
                if announced.and_then(|v| v.parse::<u64>().ok()).is_some_and(|n| n > verifier.max_body_size as u64) {
                    return Err(WebhookError::BodyTooLarge { limit: verifier.max_body_size });
                }
                let body = read_body(body, verifier.max_body_size).await?;
                verifier.parse(&parts.headers, &body)
            }
            .await;
            result.map(CrispWebhook).inspect_err(|error| tracing::debug!(%error, "Web Hook refused"))
        }
    }

    /// Reads at most `limit` bytes; a single-chunk body is not copied.
    async fn read_body(body: Body, limit: usize) -> Result<Bytes, WebhookError> {
        let unreadable = |_| WebhookError::InvalidBody("it could not be read to the end".to_owned());
        let mut stream = body.into_data_stream();
        let first = match stream.next().await {
            None => return Ok(Bytes::new()),
            Some(chunk) => chunk.map_err(unreadable)?,
        };
        if first.len() > limit {
            return Err(WebhookError::BodyTooLarge { limit });
        }
        let Some(second) = stream.next().await else { return Ok(first) };
        let mut buffer = BytesMut::from(first);
        let mut next = Some(second);
        while let Some(chunk) = next {
            let chunk = chunk.map_err(unreadable)?;
            if buffer.len() + chunk.len() > limit {
                return Err(WebhookError::BodyTooLarge { limit });
            }
            buffer.extend_from_slice(&chunk);
            next = stream.next().await;
        }
        Ok(buffer.freeze())
    }

    /// The status of [`WebhookError::status_code`] with `{"error": code, "message": text}`.
    impl IntoResponse for WebhookError {
        fn into_response(self) -> Response {
            let body = serde_json::json!({ "error": self.code(), "message": self.to_string() });
            (self.status_code(), axum::Json(body)).into_response()
        }
    }
}
