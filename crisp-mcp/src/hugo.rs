//! Requests from Hugo, Crisp's AI agent, which signs each call it makes to an MCP server:
//! `X-Crisp-Signature: sha256=` + lowercase hex HMAC-SHA256(secret, `{timestamp}.{website_id}.{raw body}`),
//! with `X-Crisp-Timestamp` (Unix seconds) and `X-Crisp-Website-Id`. `X-Crisp-Session-Id`, the conversation
//! the call is made from, is not signed.

use hmac::{KeyInit as _, Mac as _};
use http::HeaderMap;
use secrecy::{ExposeSecret as _, SecretString};

pub(crate) const SIGNATURE_HEADER: &str = "x-crisp-signature";
pub(crate) const TIMESTAMP_HEADER: &str = "x-crisp-timestamp";
pub(crate) const WEBSITE_HEADER: &str = "x-crisp-website-id";
pub(crate) const SESSION_HEADER: &str = "x-crisp-session-id";

/// How far a signed timestamp may be from the server's clock, either way: Hugo's own example refuses
/// requests older than five minutes, and a clock ahead by as much is as suspect.
pub(crate) const MAX_SKEW_SECS: u64 = 300;

/// What a verified request says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HugoRequest {
    /// The website the agent acts for: signed.
    pub(crate) website_id: String,
    /// The conversation the call is made from, when there is one: not signed.
    pub(crate) session_id: Option<String>,
}

/// Why a request is not accepted as Hugo's. The sentences never quote what was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SignatureProblem {
    #[error(
        "this server takes only requests signed by Hugo: X-Crisp-Signature, X-Crisp-Timestamp and X-Crisp-Website-Id are required"
    )]
    Missing,
    #[error("X-Crisp-Website-Id is not a website id")]
    BadWebsite,
    #[error("X-Crisp-Session-Id is not a session id")]
    BadSession,
    #[error("X-Crisp-Timestamp is not a Unix time in seconds")]
    BadTimestamp,
    #[error("the X-Crisp-Timestamp of this signed request is more than 5 minutes away from the server's clock")]
    Stale,
    #[error("the X-Crisp-Signature does not match this request and the server's signing secret")]
    Wrong,
}

/// Website and session ids are UUIDs, `session_` + a UUID for sessions: letters, digits, `-` and `_`.
fn is_id(text: &str) -> bool {
    !text.is_empty() && text.len() <= 128 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok()).map(str::trim).filter(|value| !value.is_empty())
}

/// Checks the signature of a request whose raw body is `body`, at `now` (Unix seconds).
pub(crate) fn verify(
    secret: &SecretString,
    headers: &HeaderMap,
    body: &[u8],
    now: u64,
) -> Result<HugoRequest, SignatureProblem> {
    let (Some(signature), Some(timestamp), Some(website_id)) =
        (header(headers, SIGNATURE_HEADER), header(headers, TIMESTAMP_HEADER), header(headers, WEBSITE_HEADER))
    else {
        return Err(SignatureProblem::Missing);
    };
    if !is_id(website_id) {
        return Err(SignatureProblem::BadWebsite);
    }
    let session_id = match header(headers, SESSION_HEADER) {
        Some(session) if is_id(session) => Some(session.to_owned()),
        Some(_) => return Err(SignatureProblem::BadSession),
        None => None,
    };
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureProblem::BadTimestamp);
    }
    let signed_at: u64 = timestamp.parse().map_err(|_| SignatureProblem::BadTimestamp)?;
    if signed_at.abs_diff(now) > MAX_SKEW_SECS {
        return Err(SignatureProblem::Stale);
    }
    let digest = signature
        .strip_prefix("sha256=")
        .and_then(|hex_digest| hex::decode(hex_digest).ok())
        .ok_or(SignatureProblem::Wrong)?;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.expose_secret().as_bytes())
        .map_err(|_| SignatureProblem::Wrong)?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(website_id.as_bytes());
    mac.update(b".");
    mac.update(body);
    // Constant-time comparison.
    mac.verify_slice(&digest).map_err(|_| SignatureProblem::Wrong)?;
    Ok(HugoRequest { website_id: website_id.to_owned(), session_id })
}

/// The Unix time now, in seconds (0 if the clock is before 1970).
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEBSITE: &str = "8c842203-7ed8-4e29-a608-7cf78a7d2fcc";

    fn sign(secret: &str, timestamp: &str, website: &str, body: &[u8]) -> String {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{timestamp}.{website}.").as_bytes());
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    fn signed(secret: &str, at: u64, body: &[u8], session: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let timestamp = at.to_string();
        headers.insert(SIGNATURE_HEADER, sign(secret, &timestamp, WEBSITE, body).parse().unwrap());
        headers.insert(TIMESTAMP_HEADER, timestamp.parse().unwrap());
        headers.insert(WEBSITE_HEADER, WEBSITE.parse().unwrap());
        if let Some(session) = session {
            headers.insert(SESSION_HEADER, session.parse().unwrap());
        }
        headers
    }

    #[test]
    fn a_signed_request_names_its_website_and_session() {
        let secret = SecretString::from("hugo-secret");
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
        let headers = signed("hugo-secret", 1_800_000_000, body, Some("session_abc-1"));
        let verified = verify(&secret, &headers, body, 1_800_000_100).unwrap();
        assert_eq!(verified, HugoRequest { website_id: WEBSITE.into(), session_id: Some("session_abc-1".into()) });
    }

    #[test]
    fn unsigned_wrong_and_stale_requests_are_refused() {
        let secret = SecretString::from("hugo-secret");
        let body = b"{}";
        let now = 1_800_000_000;
        assert_eq!(verify(&secret, &HeaderMap::new(), body, now), Err(SignatureProblem::Missing));
        let other_secret = signed("another-secret", now, body, None);
        assert_eq!(verify(&secret, &other_secret, body, now), Err(SignatureProblem::Wrong));
        let good = signed("hugo-secret", now, body, None);
        assert_eq!(verify(&secret, &good, b"{ }", now), Err(SignatureProblem::Wrong), "another body");
        assert_eq!(verify(&secret, &good, body, now + MAX_SKEW_SECS + 1), Err(SignatureProblem::Stale));
        assert_eq!(verify(&secret, &good, body, now - MAX_SKEW_SECS - 1), Err(SignatureProblem::Stale), "future");
        assert!(verify(&secret, &good, body, now + MAX_SKEW_SECS).is_ok());
        let mut upper = good.clone();
        let digest = upper[SIGNATURE_HEADER].to_str().unwrap().replace("sha256=", "sha512=");
        upper.insert(SIGNATURE_HEADER, digest.parse().unwrap());
        assert_eq!(verify(&secret, &upper, body, now), Err(SignatureProblem::Wrong));
        let mut bad_time = good.clone();
        bad_time.insert(TIMESTAMP_HEADER, "-5".parse().unwrap());
        assert_eq!(verify(&secret, &bad_time, body, now), Err(SignatureProblem::BadTimestamp));
        let mut bad_website = good.clone();
        bad_website.insert(WEBSITE_HEADER, "a.b".parse().unwrap());
        assert_eq!(verify(&secret, &bad_website, body, now), Err(SignatureProblem::BadWebsite));
        let mut bad_session = good;
        bad_session.insert(SESSION_HEADER, "../x".parse().unwrap());
        assert_eq!(verify(&secret, &bad_session, body, now), Err(SignatureProblem::BadSession));
    }
}
