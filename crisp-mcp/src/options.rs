//! What a server exposes: toolsets, write and destructive access, defaults and result limits.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use secrecy::SecretString;

use crate::generated::tools::TOOLSETS;
use crate::limits::HttpLimits;

/// Which toolsets are on.
///
/// Parsed from `--toolsets`: a comma-separated list of toolset names, where `default` stands for the curated
/// default set and `all` for every tool.
///
/// ```
/// let picked: crisp_mcp::Toolsets = "default,helpdesk".parse().unwrap();
/// assert!(picked.includes_default() && picked.names().contains("helpdesk"));
/// assert!("all".parse::<crisp_mcp::Toolsets>().unwrap().is_all());
/// assert!("nope".parse::<crisp_mcp::Toolsets>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolsets {
    all: bool,
    default: bool,
    names: BTreeSet<String>,
}

impl Default for Toolsets {
    /// The curated default set only.
    fn default() -> Self {
        Self { all: false, default: true, names: BTreeSet::new() }
    }
}

impl Toolsets {
    /// Every tool.
    pub fn all() -> Self {
        Self { all: true, default: false, names: BTreeSet::new() }
    }

    /// Whether every tool is on.
    pub fn is_all(&self) -> bool {
        self.all
    }

    /// Whether the curated default set is on.
    pub fn includes_default(&self) -> bool {
        self.default
    }

    /// The toolsets named in full.
    pub fn names(&self) -> &BTreeSet<String> {
        &self.names
    }

    /// The toolsets that exist, with what each holds.
    pub fn available() -> impl Iterator<Item = (&'static str, &'static str)> {
        TOOLSETS.iter().copied()
    }

    pub(crate) fn selects(&self, toolset: &str, in_default_set: bool) -> bool {
        self.all || (self.default && in_default_set) || self.names.contains(toolset)
    }
}

/// A `--toolsets` value naming a toolset that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown toolset `{name}`; the toolsets are: default, all, {known}")]
pub struct UnknownToolset {
    name: String,
    known: String,
}

impl FromStr for Toolsets {
    type Err = UnknownToolset;

    fn from_str(list: &str) -> Result<Self, Self::Err> {
        let mut toolsets = Self { all: false, default: false, names: BTreeSet::new() };
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "all" => toolsets.all = true,
                "default" => toolsets.default = true,
                _ if TOOLSETS.iter().any(|(known, _)| *known == name) => {
                    toolsets.names.insert(name.to_owned());
                }
                _ => {
                    let known = TOOLSETS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
                    return Err(UnknownToolset { name: name.to_owned(), known });
                }
            }
        }
        if !toolsets.all && toolsets.names.is_empty() {
            toolsets.default = true;
        }
        Ok(toolsets)
    }
}

impl fmt::Display for Toolsets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.all {
            return f.write_str("all");
        }
        let mut parts: Vec<&str> = Vec::new();
        if self.default {
            parts.push("default");
        }
        parts.extend(self.names.iter().map(String::as_str));
        f.write_str(&parts.join(","))
    }
}

/// How a server behaves. The default is the safe one: the curated toolsets, read-only.
#[derive(Clone)]
#[non_exhaustive]
pub struct McpOptions {
    /// Which tools are listed and callable.
    pub toolsets: Toolsets,
    /// Expose tools that change data (POST, PATCH, PUT, DELETE).
    pub allow_writes: bool,
    /// Also expose destructive tools (DELETE, remove, batch, …). Has no effect without `allow_writes`.
    pub allow_destructive: bool,
    /// The website used when a call leaves out `website_id` (e.g. the profile's website).
    pub website_id: Option<String>,
    /// The largest tool result, in bytes of JSON; longer lists are cut and say so.
    pub max_result_bytes: usize,
    /// The longest text kept in a result (message contents, notes), in characters.
    pub max_text_chars: usize,
    /// Streamable HTTP only: the bearer token every request must carry (`Authorization: Bearer …`).
    pub http_token: Option<SecretString>,
    /// Streamable HTTP only: the `Host` values accepted, e.g. `mcp.example.com`. Empty means loopback names
    /// only, which protects a local server from DNS rebinding.
    pub http_allowed_hosts: Vec<String>,
    /// Streamable HTTP only: Hugo's signing secret. With it, every request must carry a valid Hugo signature,
    /// and the signed website (and `X-Crisp-Session-Id`) become the request's defaults.
    pub hugo_secret: Option<SecretString>,
    /// Streamable HTTP only: bounds on bodies, concurrent requests, connections and slow clients.
    pub http_limits: HttpLimits,
    /// Streamable HTTP only: keep a session per client that starts one with the `initialize` handshake, as
    /// MCP revisions before 2026-07-28 allow (off by default: each request stands alone, and nothing is kept).
    pub http_sessions: bool,
}

impl fmt::Debug for McpOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("McpOptions")
            .field("toolsets", &self.toolsets)
            .field("allow_writes", &self.allow_writes)
            .field("allow_destructive", &self.allow_destructive)
            .field("website_id", &self.website_id)
            .field("max_result_bytes", &self.max_result_bytes)
            .field("max_text_chars", &self.max_text_chars)
            .field("http_token", &self.http_token.as_ref().map(|_| "[redacted]"))
            .field("http_allowed_hosts", &self.http_allowed_hosts)
            .field("hugo_secret", &self.hugo_secret.as_ref().map(|_| "[redacted]"))
            .field("http_limits", &self.http_limits)
            .field("http_sessions", &self.http_sessions)
            .finish()
    }
}

impl Default for McpOptions {
    fn default() -> Self {
        Self {
            toolsets: Toolsets::default(),
            allow_writes: false,
            allow_destructive: false,
            website_id: None,
            max_result_bytes: 16 * 1024,
            max_text_chars: 2000,
            http_token: None,
            http_allowed_hosts: Vec::new(),
            hugo_secret: None,
            http_limits: HttpLimits::default(),
            http_sessions: false,
        }
    }
}

impl McpOptions {
    /// The defaults: curated toolsets, read-only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the toolsets.
    pub fn toolsets(mut self, toolsets: Toolsets) -> Self {
        self.toolsets = toolsets;
        self
    }

    /// Allows tools that change data.
    pub fn allow_writes(mut self, allow: bool) -> Self {
        self.allow_writes = allow;
        self
    }

    /// Allows destructive tools (also needs [`allow_writes`](Self::allow_writes)).
    pub fn allow_destructive(mut self, allow: bool) -> Self {
        self.allow_destructive = allow;
        self
    }

    /// Requires `Authorization: Bearer {token}` on every HTTP request.
    pub fn http_token(mut self, token: impl Into<String>) -> Self {
        self.http_token = Some(SecretString::from(token.into()));
        self
    }

    /// Accepts these `Host` values over HTTP instead of loopback names only.
    pub fn http_allowed_hosts(mut self, hosts: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.http_allowed_hosts = hosts.into_iter().map(Into::into).collect();
        self
    }

    /// Accepts these `Host` values over HTTP besides the loopback names (for a
    /// server reached by name); nothing changes when `hosts` is empty.
    ///
    /// ```
    /// let options = crisp_mcp::McpOptions::new().http_also_allowed_hosts(["mcp.example.com"]);
    /// assert!(options.http_allowed_hosts.iter().any(|h| h == "localhost"));
    /// ```
    pub fn http_also_allowed_hosts(self, hosts: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let extra: Vec<String> = hosts.into_iter().map(Into::into).collect();
        if extra.is_empty() {
            return self;
        }
        self.http_allowed_hosts(
            ["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()].into_iter().chain(extra),
        )
    }

    /// Requires a valid Hugo signature on every HTTP request, made with this secret (see the crate's README).
    /// Read it from the environment or a secret store, never from a command line.
    ///
    /// ```
    /// let options = crisp_mcp::McpOptions::new().hugo_secret("from-the-environment");
    /// assert!(options.hugo_secret.is_some());
    /// assert!(!format!("{options:?}").contains("from-the-environment"));
    /// ```
    pub fn hugo_secret(mut self, secret: impl Into<String>) -> Self {
        self.hugo_secret = Some(SecretString::from(secret.into()));
        self
    }

    /// Sets the bounds on HTTP clients.
    ///
    /// ```
    /// let options = crisp_mcp::McpOptions::new().http_limits(crisp_mcp::HttpLimits::default().max_body_bytes(4096));
    /// assert_eq!(options.http_limits.max_body_bytes, 4096);
    /// ```
    pub fn http_limits(mut self, limits: HttpLimits) -> Self {
        self.http_limits = limits;
        self
    }

    /// Keeps a session for each HTTP client that starts one with the `initialize` handshake (revisions before
    /// 2026-07-28), for clients that need the server to send them notifications between requests.
    ///
    /// ```
    /// assert!(crisp_mcp::McpOptions::new().http_sessions(true).http_sessions);
    /// ```
    pub fn http_sessions(mut self, keep: bool) -> Self {
        self.http_sessions = keep;
        self
    }

    /// Sets the website used when a call leaves out `website_id`.
    pub fn website_id(mut self, website_id: impl Into<String>) -> Self {
        self.website_id = Some(website_id.into());
        self
    }
}
