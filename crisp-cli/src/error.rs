//! Errors and the documented, stable exit codes.

use std::fmt;

/// The process exit codes. They are part of the command's interface: scripts
/// rely on them, so a value never changes meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: done.
    Success = 0,
    /// 1: anything else (a local file that cannot be written, a simulator that cannot start...).
    Failure = 1,
    /// 2: the command line or its input is wrong (unknown flag, malformed `--data`, bad profile name).
    Usage = 2,
    /// 3: Crisp answered with an error (not found, invalid data, an answer that does not decode...).
    Api = 3,
    /// 4: no credentials, or Crisp refused them (401, 403).
    Auth = 4,
    /// 5: still rate limited (429 or 420) after waiting and retrying.
    RateLimited = 5,
    /// 6: no answer: connection refused or dropped, DNS, TLS, timeout.
    Transport = 6,
}

impl Exit {
    /// The short name used in JSON errors.
    pub fn name(self) -> &'static str {
        match self {
            Exit::Success => "success",
            Exit::Failure => "failure",
            Exit::Usage => "usage",
            Exit::Api => "api",
            Exit::Auth => "auth",
            Exit::RateLimited => "rate_limited",
            Exit::Transport => "transport",
        }
    }
}

/// A failure to report: one readable line, a hint, and the exit code.
#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
    pub hint: Option<String>,
    /// The HTTP status and Crisp reason, when Crisp answered.
    pub status: Option<u16>,
    pub reason: Option<String>,
}

pub type Result<T, E = CliError> = std::result::Result<T, E>;

impl CliError {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self { exit, message: message.into(), hint: None, status: None, reason: None }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(Exit::Failure, message)
    }

    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(Exit::Auth, message)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The error as one JSON object, for `--output json`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "error": {
                "kind": self.exit.name(),
                "exit_code": self.exit as i32,
                "message": self.message,
                "hint": self.hint,
                "status": self.status,
                "reason": self.reason,
            }
        })
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl From<crisp_api::Error> for CliError {
    fn from(err: crisp_api::Error) -> Self {
        use crisp_api::ErrorKind;
        // The client's messages never hold the key; they are safe to print as they are.
        let message = err.to_string();
        // The client's sentence already ends with its own hint for the statuses it knows (400, 401, 403,
        // 404, 5xx) and says how long to wait when rate limited: one hint is enough, so the command line
        // adds one only where the sentence has none.
        let (exit, hint) = match err.kind() {
            ErrorKind::Api { status: 401 | 403, .. } => (Exit::Auth, None),
            ErrorKind::Api { .. } | ErrorKind::Decode { .. } => (Exit::Api, None),
            ErrorKind::RateLimited { .. } => (Exit::RateLimited, None),
            ErrorKind::Timeout { .. } | ErrorKind::Transport { .. } => {
                (Exit::Transport, Some("check the network and the base URL (`CRISP_BASE_URL`)"))
            }
            ErrorKind::InvalidInput { message } if message.starts_with("no credentials") => {
                (Exit::Auth, Some("run `crisp login`, or set CRISP_IDENTIFIER and CRISP_KEY"))
            }
            _ => (Exit::Usage, None),
        };
        let mut out = CliError::new(exit, message);
        out.hint = hint.map(str::to_owned);
        out.status = err.status();
        out.reason = err.reason().map(str::to_owned);
        out
    }
}

impl From<std::io::Error> for CliError {
    fn from(err: std::io::Error) -> Self {
        CliError::failure(err.to_string())
    }
}
