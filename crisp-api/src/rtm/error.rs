//! The error type of the RTM client.

use std::time::Duration;

/// A boxed error, the cause of a connection failure.
type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why the RTM client could not connect, or stopped.
///
/// [`RtmBuilder::connect`](super::RtmBuilder::connect) returns it when the
/// first session cannot be established. Afterwards the client reconnects on
/// its own and only reports errors it cannot recover from, as the last item
/// of the event stream. `Display` gives one sentence that says what to do; it
/// never contains the key.
///
/// ```no_run
/// use crisp_api::rtm::RtmError;
///
/// # async fn run(client: crisp_api::Crisp) {
/// match client.rtm().connect().await {
///     Ok(rtm) => drop(rtm), // read events here
///     Err(RtmError::Unauthorized { message }) => eprintln!("refused: {message:?}"),
///     Err(err) => eprintln!("{err}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RtmError {
    /// Crisp refused the credentials (`unauthorized`). The client does not retry.
    #[error(
        "Crisp refused the RTM authentication{}: check the identifier, the key and the tier they were issued for",
        message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default()
    )]
    Unauthorized {
        /// Crisp's message, when it gave one (for example `invalid_session`).
        message: Option<String>,
    },
    /// The REST call that names the RTM endpoint failed, or named none.
    #[error("the RTM endpoint could not be discovered: {0}; RtmBuilder::url sets it without discovery")]
    Discovery(#[source] crate::Error),
    /// The websocket could not be opened, or broke.
    #[error("could not connect to the RTM server at {url}: {reason}")]
    Connect {
        /// The websocket URL.
        url: String,
        /// What failed.
        reason: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<BoxError>,
    },
    /// The server sent something that is not Engine.IO v4 / Socket.IO v5, or
    /// refused the Socket.IO connection.
    #[error("the RTM server broke the Socket.IO protocol: {message}")]
    Protocol {
        /// What was wrong.
        message: String,
    },
    /// No authenticated session within the connect timeout.
    #[error(
        "no RTM session within {:.1} s: the server did not complete the handshake; check the network or raise RtmBuilder::connect_timeout",
        after.as_secs_f64()
    )]
    Timeout {
        /// The connect timeout that ran out.
        after: Duration,
    },
    /// The client was closed.
    #[error("the RTM client is closed; connect again to receive events")]
    Closed,
    /// The client was not started: missing credentials, an invalid URL, no events.
    #[error("the RTM client was not started: {message}")]
    InvalidInput {
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl RtmError {
    pub(crate) fn connect(url: &str, reason: impl Into<String>, source: Option<BoxError>) -> Self {
        RtmError::Connect { url: url.to_owned(), reason: reason.into(), source }
    }

    pub(crate) fn protocol(message: impl Into<String>) -> Self {
        RtmError::Protocol { message: message.into() }
    }

    /// True for errors that will not go away by reconnecting: refused
    /// credentials, a discovery answer that refuses the token, bad input.
    ///
    /// ```
    /// use crisp_api::rtm::RtmError;
    /// assert!(RtmError::Unauthorized { message: None }.is_fatal());
    /// assert!(!RtmError::Timeout { after: std::time::Duration::from_secs(10) }.is_fatal());
    /// ```
    pub fn is_fatal(&self) -> bool {
        match self {
            RtmError::Unauthorized { .. } | RtmError::Closed | RtmError::InvalidInput { .. } => true,
            RtmError::Discovery(err) => {
                matches!(err.kind(), crate::ErrorKind::InvalidInput { .. })
                    || (matches!(err.status(), Some(400..=499)) && !err.is_retryable())
            }
            RtmError::Connect { .. } | RtmError::Protocol { .. } | RtmError::Timeout { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences() {
        let err = RtmError::Unauthorized { message: Some("invalid_session".into()) };
        assert_eq!(
            err.to_string(),
            "Crisp refused the RTM authentication (invalid_session): check the identifier, the key and the tier they were issued for"
        );
        assert!(!RtmError::Unauthorized { message: None }.to_string().contains("()"));
        let err = RtmError::Timeout { after: Duration::from_millis(2500) };
        assert!(err.to_string().starts_with("no RTM session within 2.5 s"), "{err}");
        let err = RtmError::connect("ws://127.0.0.1:1/rtm/", "connection refused", None);
        assert_eq!(err.to_string(), "could not connect to the RTM server at ws://127.0.0.1:1/rtm/: connection refused");
    }
}
