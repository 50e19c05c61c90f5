//! Resource subscriptions on the session-based protocol revisions (`resources/subscribe`): while a session holds
//! subscriptions, one RTM connection listens for the events that change them (a message sent or received, a
//! conversation's state set, a conversation removed) and the session gets `notifications/resources/updated` for
//! each subscribed URI the event touches. The connection closes when the last subscription goes, or the session
//! ends.
//!
//! The stateless 2026-07-28 revision's `subscriptions/listen` is not served.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, Weak};

use crisp_api::Crisp;
use crisp_api::events::{Event, EventName};
use futures_util::StreamExt as _;
use rmcp::RoleServer;
use rmcp::model::ResourceUpdatedNotificationParam;
use rmcp::service::Peer;

use crate::resources::ResourceUri;

/// One session's subscriptions and the listener that serves them.
#[derive(Default)]
pub(crate) struct Subscriptions {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    uris: BTreeSet<String>,
    peer: Option<Peer<RoleServer>>,
    listener: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(listener) = self.listener.take() {
            listener.abort();
        }
    }
}

impl std::fmt::Debug for Subscriptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.inner.lock().map_or(0, |inner| inner.uris.len());
        f.debug_struct("Subscriptions").field("uris", &count).finish()
    }
}

/// The events that change a list or a transcript.
fn watched() -> [EventName; 4] {
    [EventName::MessageSend, EventName::MessageReceived, EventName::SessionSetState, EventName::SessionRemoved]
}

/// The website and conversation an event is about.
fn touched(event: &Event) -> Option<(String, String)> {
    let (website, session) = match event {
        Event::MessageSend(e) => (e.website_id.as_ref(), e.session_id.as_ref()),
        Event::MessageReceived(e) => (e.website_id.as_ref(), e.session_id.as_ref()),
        Event::SessionSetState(e) => (e.website_id.as_ref(), e.session_id.as_ref()),
        Event::SessionRemoved(e) => (e.website_id.as_ref(), e.session_id.as_ref()),
        _ => return None,
    };
    Some((website?.as_str().to_owned(), session?.as_str().to_owned()))
}

/// Whether an event about this conversation changes the resource.
fn changes(uri: &str, website_id: &str, session_id: &str) -> bool {
    match ResourceUri::parse(uri) {
        Some(ResourceUri::Unresolved { website_id: w } | ResourceUri::AwaitingReply { website_id: w }) => {
            w == website_id
        }
        Some(ResourceUri::Transcript { website_id: w, session_id: s }) => w == website_id && s == session_id,
        None => false,
    }
}

impl Subscriptions {
    /// Subscribes the session to `uri`, starting the RTM listener when it is the first subscription.
    pub(crate) fn subscribe(&self, uri: String, peer: Peer<RoleServer>, client: &Crisp) {
        let Ok(mut inner) = self.inner.lock() else { return };
        inner.uris.insert(uri);
        inner.peer = Some(peer);
        if inner.listener.as_ref().is_none_or(tokio::task::JoinHandle::is_finished) {
            inner.listener = Some(tokio::spawn(listen(client.clone(), Arc::downgrade(&self.inner))));
        }
    }

    /// Drops the subscription, and the listener with the last one.
    pub(crate) fn unsubscribe(&self, uri: &str) {
        let Ok(mut inner) = self.inner.lock() else { return };
        inner.uris.remove(uri);
        if inner.uris.is_empty()
            && let Some(listener) = inner.listener.take()
        {
            listener.abort();
        }
    }
}

/// Listens until the subscriptions go away or the session stops taking notifications.
async fn listen(client: Crisp, subscriptions: Weak<Mutex<Inner>>) {
    let mut rtm = match client.rtm().events(watched()).connect().await {
        Ok(rtm) => rtm,
        Err(err) => {
            // The error never carries the key.
            tracing::warn!(error = %err, "resource updates are off: the RTM connection failed");
            return;
        }
    };
    'events: while let Some(event) = rtm.next().await {
        let Ok(event) = event else { continue };
        let Some((website_id, session_id)) = touched(&event) else { continue };
        let (peer, uris) = {
            let Some(inner) = subscriptions.upgrade() else { break };
            let Ok(inner) = inner.lock() else { break };
            let uris: Vec<String> =
                inner.uris.iter().filter(|uri| changes(uri, &website_id, &session_id)).cloned().collect();
            (inner.peer.clone(), uris)
        };
        let Some(peer) = peer else { continue };
        for uri in uris {
            if peer.notify_resource_updated(ResourceUpdatedNotificationParam::new(uri)).await.is_err() {
                break 'events;
            }
        }
    }
    rtm.close().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_changes_its_websites_lists_and_its_own_transcript() {
        let lists = "crisp://website/w1/conversations/awaiting-reply";
        assert!(changes(lists, "w1", "session_a"));
        assert!(!changes(lists, "w2", "session_a"));
        let transcript = "crisp://website/w1/conversation/session_a/transcript";
        assert!(changes(transcript, "w1", "session_a"));
        assert!(!changes(transcript, "w1", "session_b"));
    }
}
