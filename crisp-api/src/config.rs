//! What a client is configured with: the one value the request pipeline
//! reads for every call (it never reaches into the client handle).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderValue};
use secrecy::SecretString;

use crate::error::{Error, Result};
use crate::retry::RetryPolicy;

/// The kind of token the credentials belong to, sent as `X-Crisp-Tier`.
///
/// ```
/// use crisp_api::Tier;
/// assert_eq!("plugin".parse::<Tier>().unwrap(), Tier::Plugin);
/// assert_eq!(Tier::User.as_str(), "user");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Tier {
    /// A user (operator account) token. Crisp's default.
    #[default]
    User,
    /// A website token.
    Website,
    /// A plugin (Marketplace) token.
    Plugin,
}

impl Tier {
    /// The header value: `user`, `website` or `plugin`.
    ///
    /// ```
    /// assert_eq!(crisp_api::Tier::Website.as_str(), "website");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Tier::User => "user",
            Tier::Website => "website",
            Tier::Plugin => "plugin",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Tier {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "user" => Ok(Tier::User),
            "website" => Ok(Tier::Website),
            "plugin" => Ok(Tier::Plugin),
            other => Err(Error::invalid(format!("unknown tier `{other}`: expected user, website or plugin"))),
        }
    }
}

/// A client's settings, shared by its clones (behind an `Arc`) and built by
/// [`CrispBuilder`](crate::CrispBuilder).
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) http: crate::transport::HttpClient,
    pub(crate) base_url: String,
    /// The base URL's host and port, as errors name it.
    pub(crate) host: Arc<str>,
    /// The TLS configuration, shared with the RTM client.
    #[cfg(feature = "rtm")]
    pub(crate) tls: Arc<rustls::ClientConfig>,
    pub(crate) tier: Tier,
    pub(crate) identifier: Option<String>,
    pub(crate) key: Option<SecretString>,
    /// Precomputed once: `Basic base64(identifier:key)`, marked sensitive.
    pub(crate) authorization: Option<HeaderValue>,
    /// Sent with every request after the defaults: the `User-Agent` and the caller's extra headers.
    pub(crate) headers: HeaderMap,
    pub(crate) timeout: Duration,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    /// The largest answer body read, in bytes.
    pub(crate) max_response_size: usize,
}
