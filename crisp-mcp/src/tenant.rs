//! The Crisp keypair an HTTP request may carry, as Crisp's hosted MCP server takes it:
//! `Authorization: Basic base64(identifier:key)` and `X-Crisp-Tier`.

use base64::Engine as _;
use crisp_api::Tier;
use http::HeaderMap;
use secrecy::SecretString;

/// The header naming the tier of the request's keypair.
pub(crate) const TIER_HEADER: &str = "x-crisp-tier";

/// A keypair read from a request. Its `Debug` leaves the key out.
pub(crate) struct TenantCredentials {
    pub(crate) identifier: String,
    pub(crate) key: SecretString,
    pub(crate) tier: Tier,
}

impl std::fmt::Debug for TenantCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantCredentials")
            .field("identifier", &self.identifier)
            .field("tier", &self.tier)
            .finish_non_exhaustive()
    }
}

/// Why a request's keypair was refused. The sentences never quote what was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CredentialsProblem {
    #[error("the Authorization header is not `Basic base64(identifier:key)`")]
    Malformed,
    #[error("the Authorization header's credentials are not `identifier:key` with both parts non-empty")]
    NotAPair,
    #[error("X-Crisp-Tier must be user, website or plugin")]
    UnknownTier,
}

/// The keypair of `headers`, if it carries a Basic `Authorization`; `X-Crisp-Tier` defaults to `user`, as
/// at Crisp. Another scheme (a bearer token) is not a keypair: `Ok(None)`.
pub(crate) fn credentials_of(headers: &HeaderMap) -> Result<Option<TenantCredentials>, CredentialsProblem> {
    let Some(value) = headers.get(http::header::AUTHORIZATION) else { return Ok(None) };
    let value = value.to_str().map_err(|_| CredentialsProblem::Malformed)?.trim();
    let (scheme, encoded) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded =
        base64::engine::general_purpose::STANDARD.decode(encoded.trim()).map_err(|_| CredentialsProblem::Malformed)?;
    let decoded = String::from_utf8(decoded).map_err(|_| CredentialsProblem::Malformed)?;
    let (identifier, key) = decoded.split_once(':').ok_or(CredentialsProblem::NotAPair)?;
    if identifier.is_empty() || key.is_empty() {
        return Err(CredentialsProblem::NotAPair);
    }
    let tier = match headers.get(TIER_HEADER) {
        None => Tier::User,
        Some(tier) => tier.to_str().ok().and_then(|t| t.parse().ok()).ok_or(CredentialsProblem::UnknownTier)?,
    };
    Ok(Some(TenantCredentials { identifier: identifier.to_owned(), key: SecretString::from(key.to_owned()), tier }))
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::*;

    fn headers(authorization: &str, tier: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::AUTHORIZATION, authorization.parse().unwrap());
        if let Some(tier) = tier {
            headers.insert(TIER_HEADER, tier.parse().unwrap());
        }
        headers
    }

    fn basic(pair: &str) -> String {
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
    }

    #[test]
    fn reads_a_basic_keypair_and_its_tier() {
        let read = credentials_of(&headers(&basic("id:se:cret"), Some("Plugin"))).unwrap().unwrap();
        assert_eq!((read.identifier.as_str(), read.key.expose_secret(), read.tier), ("id", "se:cret", Tier::Plugin));
        assert!(!format!("{read:?}").contains("se:cret"));
        let lower = credentials_of(&headers(&basic("id:key").replace("Basic", "basic"), None)).unwrap().unwrap();
        assert_eq!(lower.tier, Tier::User, "Crisp's default tier");
    }

    #[test]
    fn other_schemes_and_no_header_are_no_keypair() {
        assert!(credentials_of(&HeaderMap::new()).unwrap().is_none());
        assert!(credentials_of(&headers("Bearer abc", None)).unwrap().is_none());
    }

    #[test]
    fn malformed_pairs_and_unknown_tiers_are_refused() {
        assert_eq!(credentials_of(&headers("Basic !!!", None)).unwrap_err(), CredentialsProblem::Malformed);
        assert_eq!(credentials_of(&headers("Basic", None)).unwrap_err(), CredentialsProblem::NotAPair);
        assert_eq!(credentials_of(&headers(&basic("nocolon"), None)).unwrap_err(), CredentialsProblem::NotAPair);
        assert_eq!(credentials_of(&headers(&basic(":key"), None)).unwrap_err(), CredentialsProblem::NotAPair);
        let tier = credentials_of(&headers(&basic("id:key"), Some("admin"))).unwrap_err();
        assert_eq!(tier, CredentialsProblem::UnknownTier);
    }
}
