//! Why a Web Hook was refused: the error the verifier and the extractor
//! give, on its own so that the crate's one error type can wrap it without
//! depending on the verifier.

use std::time::Duration;

use http::StatusCode;

/// Why a Web Hook (or a widget request) was refused.
///
/// `Display` is one sentence saying what to check. No variant ever holds the
/// signing secret. [`status_code`](Self::status_code) gives the HTTP status to
/// answer with.
///
/// ```
/// use crisp_api::webhook::{WebhookError, WebhookVerifier};
///
/// let verifier = WebhookVerifier::new("secret");
/// let err = verifier.verify("1700000000000", "00", b"{}").unwrap_err();
/// assert!(matches!(err, WebhookError::InvalidSignatureEncoding));
/// assert_eq!(err.status_code(), http::StatusCode::UNAUTHORIZED);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// A required header is absent; holds its name.
    #[error(
        "the request has no `{0}` header; Crisp sends it with every signed request, so this one did not come from \
         Crisp or something on the way dropped the header"
    )]
    MissingHeader(&'static str),
    /// The timestamp is not a decimal number of epoch milliseconds.
    #[error(
        "the request timestamp is not a decimal number of epoch milliseconds, so the request cannot be verified; \
         pass the `X-Crisp-Request-Timestamp` value unchanged"
    )]
    InvalidTimestamp,
    /// The request was signed longer ago than the tolerance allows.
    #[error(
        "the request was signed {} ago, beyond the {} tolerance: it may be a replay, or this server's clock is \
         wrong; check the clock, or widen the tolerance with `WebhookVerifier::tolerance`",
        human(*age),
        human(*tolerance)
    )]
    StaleTimestamp {
        /// How long ago it was signed.
        age: Duration,
        /// The tolerance in force.
        tolerance: Duration,
    },
    /// The request claims to be signed in the future, beyond the tolerance.
    #[error(
        "the request timestamp is {} in the future, beyond the {} tolerance; check this server's clock",
        human(*ahead),
        human(*tolerance)
    )]
    FutureTimestamp {
        /// How far ahead of the local clock it is.
        ahead: Duration,
        /// The tolerance in force.
        tolerance: Duration,
    },
    /// The signature is not 64 hexadecimal digits.
    #[error(
        "the signature is not 64 hexadecimal digits (a HMAC-SHA256), so the request was not signed by Crisp; pass \
         the `X-Crisp-Signature` value unchanged"
    )]
    InvalidSignatureEncoding,
    /// The signature is well-formed but does not match the timestamp and body.
    #[error(
        "the signature does not match the request: check that the secret is the signing secret Crisp gives for \
         these requests, and that the body is verified byte for byte as received, before any JSON parsing"
    )]
    SignatureMismatch,
    /// The body is larger than the configured limit.
    #[error(
        "the body is larger than the {limit}-byte limit; raise it with `WebhookVerifier::max_body_size` if Crisp \
         really sends such bodies"
    )]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The verifier was given an empty secret, so nothing can be verified.
    #[error(
        "the signing secret is empty, so no request can be verified; configure the signing secret Crisp gives for \
         these requests"
    )]
    EmptySecret,
    /// The body is not a Web Hook: not JSON, no `event`, or `data` not an object.
    #[error("the body is not a Crisp Web Hook: {0}")]
    InvalidBody(String),
}

impl WebhookError {
    /// The HTTP status to answer with: 401 when the request cannot be trusted
    /// (headers, signature, time), 400 for a body that does not decode, 413
    /// for a body over the limit and 500 for a verifier without a secret.
    ///
    /// ```
    /// use crisp_api::webhook::WebhookError;
    /// assert_eq!(WebhookError::SignatureMismatch.status_code(), 401);
    /// assert_eq!(WebhookError::InvalidBody("not JSON".into()).status_code(), 400);
    /// ```
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::InvalidBody(_) => StatusCode::BAD_REQUEST,
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::EmptySecret => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// A short machine-readable code, such as `signature_mismatch`.
    ///
    /// ```
    /// use crisp_api::webhook::WebhookError;
    /// assert_eq!(WebhookError::MissingHeader("X-Crisp-Signature").code(), "missing_header");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingHeader(_) => "missing_header",
            Self::InvalidTimestamp => "invalid_timestamp",
            Self::StaleTimestamp { .. } => "stale_timestamp",
            Self::FutureTimestamp { .. } => "future_timestamp",
            Self::InvalidSignatureEncoding => "invalid_signature_encoding",
            Self::SignatureMismatch => "signature_mismatch",
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::EmptySecret => "empty_secret",
            Self::InvalidBody(_) => "invalid_body",
        }
    }
}

/// Durations in the unit a person reads best.
fn human(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 1.0 {
        format!("{} ms", d.as_millis())
    } else if secs < 120.0 {
        format!("{secs:.1} s")
    } else if secs < 2.0 * 3600.0 {
        format!("{:.1} min", secs / 60.0)
    } else if secs < 48.0 * 3600.0 {
        format!("{:.1} h", secs / 3600.0)
    } else {
        format!("{:.1} days", secs / 86400.0)
    }
}
