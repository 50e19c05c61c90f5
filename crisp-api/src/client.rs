//! The client handle, its configuration and the ways to build it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use http::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::config::{Config, Tier};
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;

/// The default REST base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.crisp.chat/v1/";
/// The default time allowed for one call, retries included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default largest answer body read, in bytes (16 MiB): far above any
/// real Crisp answer, far below what would hurt a long-lived service.
///
/// ```
/// let client = crisp_api::Crisp::builder().max_response_size(crisp_api::DEFAULT_MAX_RESPONSE_SIZE * 4).build()?;
/// # let _ = client;
/// # Ok::<(), crisp_api::Error>(())
/// ```
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 16 << 20;

/// An async client for the Crisp REST API v1.
///
/// Cloning is cheap (one reference count); clones share the connection pool.
/// Endpoints are grouped like the reference: [`website()`](Crisp::website),
/// [`plugin()`](Crisp::plugin), [`plan()`](Crisp::plan), [`media()`](Crisp::media)
/// and [`bucket()`](Crisp::bucket).
///
/// ```no_run
/// # async fn run() -> crisp_api::Result<()> {
/// use crisp_api::{Crisp, Tier};
///
/// let mut client = Crisp::new();
/// client.set_tier(Tier::Plugin);
/// client.authenticate("identifier", "key");
/// let conversations = client.website().list_conversations("website-id", 1).await?;
/// println!("{} conversations", conversations.len());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Crisp {
    config: Arc<Config>,
}

impl fmt::Debug for Crisp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.config;
        f.debug_struct("Crisp")
            .field("base_url", &inner.base_url)
            .field("tier", &inner.tier)
            .field("identifier", &inner.identifier)
            .field("key", &inner.key.as_ref().map(|_| "[redacted]"))
            .field("timeout", &inner.timeout)
            .field("attempt_timeout", &inner.attempt_timeout)
            .field("retry", &inner.retry)
            .finish_non_exhaustive()
    }
}

impl Crisp {
    /// The settings every request of this client is made with.
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }
}

impl Default for Crisp {
    fn default() -> Self {
        Self::new()
    }
}

impl Crisp {
    /// A client with the default configuration and no credentials yet; call
    /// [`authenticate`](Crisp::authenticate) before sending requests.
    ///
    /// ```
    /// let client = crisp_api::Crisp::new();
    /// # let _ = client;
    /// ```
    ///
    /// # Panics
    /// Only if the TLS stack cannot be initialised, which does not happen with
    /// the bundled rustls and ring provider. Use [`Crisp::builder`] to get an
    /// error instead.
    pub fn new() -> Self {
        match Self::builder().build() {
            Ok(client) => client,
            Err(err) => panic!("the default HTTP client could not be built: {err}"),
        }
    }

    /// Starts a [`CrispBuilder`] for full control over the configuration.
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = crisp_api::Crisp::builder()
    ///     .credentials("identifier", "key")
    ///     .tier(crisp_api::Tier::Plugin)
    ///     .timeout(Duration::from_secs(5))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), crisp_api::Error>(())
    /// ```
    pub fn builder() -> CrispBuilder {
        CrispBuilder::default()
    }

    /// Builds a client from the environment: `CRISP_IDENTIFIER` and
    /// `CRISP_KEY` (the token), `CRISP_TIER` (its tier, default `user`) and
    /// `CRISP_BASE_URL` (default the public API). These are the names the
    /// `crisp` command, the MCP server and the simulator's banner use too, so
    /// `eval "$(crisp mock)"`'s lines point this client at the simulator.
    /// The older `CRISP_REST_URL` is still read when `CRISP_BASE_URL` is not
    /// set, with a warning.
    ///
    /// Fails at once, before any request, when the credentials are not both
    /// set: a client built from the environment is meant to be used. The tier
    /// comes from `CRISP_TIER`, so a token of another tier sets it there
    /// rather than through [`set_tier`](Self::set_tier) afterwards, which
    /// would override the variable.
    ///
    /// ```no_run
    /// let client = crisp_api::Crisp::from_env()?;
    /// # let _ = client;
    /// # Ok::<(), crisp_api::Error>(())
    /// ```
    pub fn from_env() -> Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let mut builder = Self::builder();
        match (var("CRISP_IDENTIFIER"), var("CRISP_KEY")) {
            (Some(identifier), Some(key)) => builder = builder.credentials(identifier, key),
            (identifier, key) => {
                let missing = match (identifier, key) {
                    (None, None) => "CRISP_IDENTIFIER and CRISP_KEY are",
                    (None, _) => "CRISP_IDENTIFIER is",
                    _ => "CRISP_KEY is",
                };
                return Err(Error::invalid(format!(
                    "{missing} not set: set both to the token identifier and key (and CRISP_TIER to its tier)"
                )));
            }
        }
        if let Some(tier) = var("CRISP_TIER") {
            builder = builder.tier(tier.parse()?);
        }
        let base_url = var("CRISP_BASE_URL").or_else(|| {
            let legacy = var("CRISP_REST_URL")?;
            tracing::warn!("CRISP_REST_URL is an older name: set CRISP_BASE_URL instead");
            Some(legacy)
        });
        if let Some(url) = base_url {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// Sets the tier sent as `X-Crisp-Tier` (the token kind of the credentials).
    ///
    /// ```
    /// let mut client = crisp_api::Crisp::new();
    /// client.set_tier(crisp_api::Tier::Plugin);
    /// assert_eq!(client.tier(), crisp_api::Tier::Plugin);
    /// ```
    pub fn set_tier(&mut self, tier: Tier) -> &mut Self {
        Arc::make_mut(&mut self.config).tier = tier;
        self
    }

    /// Sets the token identifier and key used for HTTP Basic authentication.
    ///
    /// ```
    /// let mut client = crisp_api::Crisp::new();
    /// client.authenticate("identifier", "key");
    /// assert!(!format!("{client:?}").contains("\"key\""));
    /// ```
    pub fn authenticate(&mut self, identifier: impl Into<String>, key: impl Into<String>) -> &mut Self {
        let inner = Arc::make_mut(&mut self.config);
        let identifier = identifier.into();
        let key = SecretString::from(key.into());
        inner.authorization = Some(basic_authorization(&identifier, &key));
        inner.identifier = Some(identifier);
        inner.key = Some(key);
        self
    }

    /// A client acting with another token: the same configuration and the
    /// same connection pool (no new TLS setup or connections), with
    /// `identifier`, `key` and `tier` in place of this client's. For a
    /// multi-tenant service that receives a keypair with each request.
    ///
    /// ```
    /// let shared = crisp_api::Crisp::builder().base_url("http://127.0.0.1:8080/v1/").build()?;
    /// let tenant = shared.with_credentials("identifier", "key", crisp_api::Tier::Plugin);
    /// assert_eq!((tenant.identifier(), tenant.tier()), (Some("identifier"), crisp_api::Tier::Plugin));
    /// assert_eq!(tenant.base_url(), shared.base_url());
    /// assert_eq!(shared.identifier(), None);
    /// # Ok::<(), crisp_api::Error>(())
    /// ```
    pub fn with_credentials(&self, identifier: impl Into<String>, key: impl Into<String>, tier: Tier) -> Self {
        let mut tenant = self.clone();
        // Copies the settings once; the HTTP client inside is a handle on the shared pool.
        tenant.authenticate(identifier, key).set_tier(tier);
        tenant
    }

    /// The tier sent with every request.
    ///
    /// ```
    /// assert_eq!(crisp_api::Crisp::new().tier(), crisp_api::Tier::User);
    /// ```
    pub fn tier(&self) -> Tier {
        self.config.tier
    }

    /// The REST base URL, ending with `/`.
    ///
    /// ```
    /// assert_eq!(crisp_api::Crisp::new().base_url(), "https://api.crisp.chat/v1/");
    /// ```
    pub fn base_url(&self) -> &str {
        &self.config.base_url
    }

    /// The token identifier, if credentials are set.
    ///
    /// ```
    /// assert_eq!(crisp_api::Crisp::new().identifier(), None);
    /// ```
    pub fn identifier(&self) -> Option<&str> {
        self.config.identifier.as_deref()
    }
}

fn basic_authorization(identifier: &str, key: &SecretString) -> HeaderValue {
    let mut raw = String::with_capacity(identifier.len() + key.expose_secret().len() + 1);
    raw.push_str(identifier);
    raw.push(':');
    raw.push_str(key.expose_secret());
    let encoded = base64::engine::general_purpose::STANDARD.encode(raw.as_bytes());
    // Base64 output is always a valid header value.
    let mut value = HeaderValue::from_str(&format!("Basic {encoded}")).unwrap_or_else(|_| HeaderValue::from_static(""));
    value.set_sensitive(true);
    value
}

/// Configures and builds a [`Crisp`] client.
///
/// ```
/// use std::time::Duration;
/// use crisp_api::{Crisp, RetryPolicy, Tier};
///
/// let client = Crisp::builder()
///     .credentials("identifier", "key")
///     .tier(Tier::Plugin)
///     .base_url("http://127.0.0.1:8080/v1/")
///     .timeout(Duration::from_secs(10))
///     .attempt_timeout(Duration::from_secs(3))
///     .retry(RetryPolicy::default().max_attempts(4))
///     .header("x-request-source", "docs")
///     .build()?;
/// # let _ = client;
/// # Ok::<(), crisp_api::Error>(())
/// ```
#[derive(Default)]
pub struct CrispBuilder {
    identifier: Option<String>,
    key: Option<SecretString>,
    tier: Tier,
    base_url: Option<String>,
    timeout: Option<Duration>,
    attempt_timeout: Option<Duration>,
    user_agent: Option<String>,
    headers: Vec<(String, String)>,
    retry: RetryPolicy,
    proxy: crate::transport::ProxySetting,
    tls: Option<rustls::ClientConfig>,
    max_response_size: Option<usize>,
}

impl fmt::Debug for CrispBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CrispBuilder")
            .field("identifier", &self.identifier)
            .field("key", &self.key.as_ref().map(|_| "[redacted]"))
            .field("tier", &self.tier)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl CrispBuilder {
    /// The token identifier and key.
    ///
    /// ```
    /// let builder = crisp_api::Crisp::builder().credentials("identifier", "key");
    /// # let _ = builder;
    /// ```
    pub fn credentials(mut self, identifier: impl Into<String>, key: impl Into<String>) -> Self {
        self.identifier = Some(identifier.into());
        self.key = Some(SecretString::from(key.into()));
        self
    }

    /// The token tier (default [`Tier::User`]).
    ///
    /// ```
    /// let builder = crisp_api::Crisp::builder().tier(crisp_api::Tier::Website);
    /// # let _ = builder;
    /// ```
    pub fn tier(mut self, tier: Tier) -> Self {
        self.tier = tier;
        self
    }

    /// The REST base URL (default `https://api.crisp.chat/v1/`); a missing
    /// trailing `/` is added. It must be `http` or `https` and end with the
    /// API version, `/v1`: routes are relative to it, so
    /// `https://api.crisp.chat` alone would miss every route.
    ///
    /// ```
    /// let builder = crisp_api::Crisp::builder().base_url("http://127.0.0.1:4000/v1");
    /// # let _ = builder;
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Time allowed for a whole call, retries and back-off included (default 10 s).
    ///
    /// ```
    /// let builder = crisp_api::Crisp::builder().timeout(std::time::Duration::from_secs(30));
    /// # let _ = builder;
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Time allowed for one attempt (default: the whole-call timeout).
    ///
    /// ```
    /// let builder = crisp_api::Crisp::builder().attempt_timeout(std::time::Duration::from_secs(2));
    /// # let _ = builder;
    /// ```
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Replaces the `User-Agent` (default `crisp-api-rust/<version>`).
    ///
    /// ```
    /// let builder = crisp_api::Crisp::builder().user_agent("my-bot/1.0");
    /// # let _ = builder;
    /// ```
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Adds a header sent with every request, after the defaults.
    ///
    /// ```
    /// let builder = crisp_api::Crisp::builder().header("x-trace", "1");
    /// # let _ = builder;
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The retry policy (default: up to 3 attempts for idempotent requests).
    ///
    /// ```
    /// let builder = crisp_api::Crisp::builder().retry(crisp_api::RetryPolicy::none());
    /// # let _ = builder;
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest answer body read, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_SIZE`]). The body is read as a stream and
    /// reading stops at the limit with [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge),
    /// so memory stays bounded whatever the server sends.
    ///
    /// ```
    /// let builder = crisp_api::Crisp::builder().max_response_size(64 << 20);
    /// # let _ = builder;
    /// ```
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_size = Some(bytes);
        self
    }

    /// Sends every `https` request through this HTTP proxy (`http://host:port`,
    /// credentials as `http://user:password@host:port`), as an HTTP `CONNECT`
    /// tunnel: the proxy sees the host name, never the request. By default the
    /// proxy comes from `HTTPS_PROXY` / `ALL_PROXY`, minus the hosts in
    /// `NO_PROXY`. Plain `http` base URLs (a local simulator) are always
    /// reached directly.
    ///
    /// ```
    /// let builder = crisp_api::Crisp::builder().proxy("http://proxy.internal:3128");
    /// # let _ = builder;
    /// ```
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = crate::transport::ProxySetting::Url(url.into());
        self
    }

    /// Connects straight to Crisp, whatever the proxy variables say.
    ///
    /// ```
    /// let builder = crisp_api::Crisp::builder().no_proxy();
    /// # let _ = builder;
    /// ```
    pub fn no_proxy(mut self) -> Self {
        self.proxy = crate::transport::ProxySetting::None;
        self
    }

    /// The TLS configuration for `https` and `wss` connections (REST and
    /// RTM), for custom root certificates or a client certificate (default:
    /// rustls with the ring provider and the Mozilla roots from
    /// `webpki-roots`). Its ALPN list is replaced: both speak HTTP/1.1.
    ///
    /// ```
    /// let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    /// let mut roots = rustls::RootCertStore::empty();
    /// roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    /// let tls = rustls::ClientConfig::builder_with_provider(provider)
    ///     .with_safe_default_protocol_versions()
    ///     .unwrap()
    ///     .with_root_certificates(roots)
    ///     .with_no_client_auth();
    /// let builder = crisp_api::Crisp::builder().tls_config(tls);
    /// # let _ = builder;
    /// ```
    pub fn tls_config(mut self, config: rustls::ClientConfig) -> Self {
        self.tls = Some(config);
        self
    }

    /// Builds the client.
    ///
    /// ```
    /// let client = crisp_api::Crisp::builder().build()?;
    /// # let _ = client;
    /// # Ok::<(), crisp_api::Error>(())
    /// ```
    pub fn build(self) -> Result<Crisp> {
        let mut base_url = self.base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let host = check_base_url(&base_url)?;
        if !base_url.ends_with('/') {
            base_url.push('/');
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::invalid(format!("`{name}` is not a valid header name")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| Error::invalid(format!("the value of header `{name}` is not a valid header value")))?;
            headers.append(name, value);
        }
        let user_agent =
            self.user_agent.unwrap_or_else(|| concat!("crisp-api-rust/", env!("CARGO_PKG_VERSION")).to_owned());
        let user_agent = HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::invalid("the user agent is not a valid header value"))?;
        // Sent with the extra headers; a `User-Agent` among them wins.
        if !headers.contains_key(http::header::USER_AGENT) {
            headers.insert(http::header::USER_AGENT, user_agent);
        }
        let tls = match self.tls {
            Some(tls) => tls,
            None => default_tls()?,
        };
        #[cfg(feature = "rtm")]
        let rtm_tls = Arc::new(tls.clone());
        let http = crate::transport::http_client(tls, &self.proxy, DEFAULT_TIMEOUT)?;
        let authorization = match (&self.identifier, &self.key) {
            (Some(identifier), Some(key)) => Some(basic_authorization(identifier, key)),
            _ => None,
        };
        Ok(Crisp {
            config: Arc::new(Config {
                http,
                base_url,
                host,
                #[cfg(feature = "rtm")]
                tls: rtm_tls,
                tier: self.tier,
                identifier: self.identifier,
                key: self.key,
                authorization,
                headers,
                timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
                attempt_timeout: self.attempt_timeout,
                retry: self.retry,
                max_response_size: self.max_response_size.unwrap_or(DEFAULT_MAX_RESPONSE_SIZE),
            }),
        })
    }
}

/// Refuses a base URL that is not `http(s)` or does not end with the API
/// version path (`…/v1`), which would silently reach the wrong routes.
/// Gives the URL's host and port, as errors name it.
fn check_base_url(base_url: &str) -> Result<Arc<str>> {
    let shown = crate::error::shown_url(base_url);
    let url: http::Uri =
        base_url.parse().map_err(|err| Error::invalid(format!("the base URL `{shown}` is not a valid URL ({err})")))?;
    if !matches!(url.scheme_str(), Some("http" | "https")) || url.host().is_none_or(str::is_empty) {
        return Err(Error::invalid(format!("the base URL `{shown}` must use http or https and name a host")));
    }
    // `Uri` drops a fragment silently; the routes appended after it would be dropped with it.
    if url.query().is_some() || base_url.contains('#') {
        return Err(Error::invalid(format!("the base URL `{shown}` must not have a query or a fragment")));
    }
    if url.authority().is_some_and(|authority| authority.as_str().contains('@')) {
        return Err(Error::invalid(format!(
            "the base URL `{shown}` must not carry credentials; give them to `credentials` instead"
        )));
    }
    if url.path().trim_end_matches('/').rsplit('/').next() != Some("v1") {
        return Err(Error::invalid(format!(
            "the base URL `{shown}` does not end with the API version path `/v1` (as in {DEFAULT_BASE_URL})"
        )));
    }
    Ok(url.authority().map_or_else(|| Arc::from(""), |authority| Arc::from(authority.as_str())))
}

/// rustls with the ring provider and the webpki roots: no OpenSSL or cmake,
/// no process-wide crypto provider, the same roots everywhere.
fn default_tls() -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| Error::invalid(format!("TLS setup failed: {err}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_must_name_the_api_version() {
        for good in ["https://api.crisp.chat/v1/", "https://api.crisp.chat/v1", "http://127.0.0.1:9/proxy/v1/"] {
            assert!(Crisp::builder().base_url(good).build().is_ok(), "{good}");
        }
        for bad in [
            "https://api.crisp.chat",
            "https://api.crisp.chat/",
            "https://api.crisp.chat/v2/",
            "ftp://x/v1/",
            "https://api.crisp.chat/v1/#x",
            "https://api.crisp.chat/v1/?a=1",
            "https://user:pw@api.crisp.chat/v1/",
            "https:///v1/",
        ] {
            let err = Crisp::builder().base_url(bad).build().unwrap_err();
            assert!(matches!(err.kind(), crate::ErrorKind::InvalidInput { .. }), "{bad}");
        }
        let err = Crisp::builder().base_url("https://api.crisp.chat").build().unwrap_err();
        assert!(err.to_string().contains("/v1"), "{err}");
    }

    #[test]
    fn a_tls_config_with_alpn_is_accepted() {
        let mut tls = default_tls().unwrap();
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        assert!(Crisp::builder().tls_config(tls).build().is_ok());
    }
}
