//! Where an RTM connection stands, as the connection task publishes it.

/// Where the connection stands.
///
/// ```no_run
/// use crisp_api::rtm::ConnectionState;
/// # async fn run(rtm: crisp_api::rtm::RtmClient) {
/// let mut changes = rtm.state_changes();
/// while changes.changed().await.is_ok() {
///     match *changes.borrow() {
///         ConnectionState::Reconnecting { attempt } => eprintln!("reconnecting (attempt {attempt})"),
///         ConnectionState::Closed => break,
///         _ => {}
///     }
/// }
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConnectionState {
    /// The first connection is being made.
    Connecting,
    /// Connected, and Crisp accepted the credentials: events flow.
    Authenticated,
    /// The connection was lost; attempt `attempt` (from 1) is pending or under way.
    Reconnecting {
        /// The reconnection attempt, counted from 1 since the last authenticated session.
        attempt: u32,
    },
    /// Closed for good: by [`RtmClient::close`](super::RtmClient::close), by dropping the client, or after a fatal error.
    Closed,
}
