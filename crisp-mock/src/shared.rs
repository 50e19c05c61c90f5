//! What every part of a running simulator shares: its configuration, its
//! state, the faults, answers and limits set on it, its request log, and the
//! way out for events (RTM and Web Hooks).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::clock::Clock;
use crate::config::MockConfig;
use crate::events::Outgoing;
use crate::fault::{self, Fault, FaultKind};
use crate::rate_limit::Limiter;
use crate::request_log::RequestLog;
use crate::state::State;
use crate::sync::lock;
use crate::{rtm, webhooks};

pub(crate) struct Shared {
    pub(crate) config: MockConfig,
    /// The state's clock (shared with it).
    pub(crate) clock: Clock,
    /// `http://127.0.0.1:PORT/rtm/`, what the `connect/endpoints` routes advertise.
    pub(crate) rtm_url: String,
    /// The dispatcher's inbox (see [`rtm::dispatch`]).
    events: mpsc::UnboundedSender<Outgoing>,
    pub(crate) rtm: Arc<rtm::Hub>,
    pub(crate) webhooks: Arc<webhooks::Hub>,
    /// Bumped to close every open connection at once.
    pub(crate) cut: tokio::sync::watch::Sender<u64>,
    pub(crate) state: Mutex<State>,
    pub(crate) faults: Mutex<Vec<Fault>>,
    pub(crate) limiter: Mutex<Limiter>,
    pub(crate) requests: Mutex<RequestLog>,
    /// Answers set per `service.name` route: status and data.
    pub(crate) answers: Mutex<BTreeMap<String, (u16, Value)>>,
}

impl Shared {
    /// Everything a simulator on `rtm_url` shares, and the receiving end of
    /// its events, for the dispatcher.
    pub(crate) fn new(
        config: MockConfig,
        state: State,
        rtm_url: String,
        playground_token: String,
    ) -> (Arc<Self>, mpsc::UnboundedReceiver<Outgoing>) {
        let (events, events_rx) = mpsc::unbounded_channel();
        let clock = state.clock().clone();
        let shared = Shared {
            rtm: Arc::new(rtm::Hub::new(&config, playground_token)),
            webhooks: Arc::new(webhooks::Hub::new(config.webhook_queue, clock.clone())),
            limiter: Mutex::new(Limiter::new(&config.rate_limits)),
            requests: Mutex::new(RequestLog::new(config.request_log, config.request_log_bytes)),
            clock,
            state: Mutex::new(state),
            config,
            rtm_url,
            events,
            cut: tokio::sync::watch::channel(0).0,
            faults: Mutex::new(Vec::new()),
            answers: Mutex::new(BTreeMap::new()),
        };
        (Arc::new(shared), events_rx)
    }

    /// Sends the events the state raised to RTM subscribers and Web Hooks.
    pub(crate) fn flush_events(&self, state: &mut State) {
        for (name, data) in state.outbox.drain(..) {
            self.raise(name.to_owned(), data);
        }
    }

    /// Hands an event to the dispatcher (which never waits on a consumer).
    pub(crate) fn raise(&self, name: String, data: Value) {
        let _ = self.events.send(Outgoing { name, data });
    }

    /// Takes the first fault that applies to `endpoint`, counting it down.
    pub(crate) fn take_fault(&self, endpoint: Option<&str>) -> Option<FaultKind> {
        fault::take_first(&mut lock(&self.faults), endpoint)
    }

    /// Sends a user message to `website_id`, creating the conversation when
    /// `session_id` is `None`; answers the session id, or the status and
    /// reason when the website or the session does not exist.
    pub(crate) fn visitor_message(
        &self,
        website_id: &str,
        session_id: Option<&str>,
        text: &str,
    ) -> Result<String, (u16, &'static str)> {
        let mut state = lock(&self.state);
        let session_id = match session_id {
            Some(id) => id.to_owned(),
            None => match state.create_conversation(website_id) {
                (200, _, data) => data["session_id"].as_str().unwrap_or_default().to_owned(),
                (status, reason, _) => return Err((status, reason)),
            },
        };
        let message = json!({"type": "text", "from": "user", "origin": "chat", "content": text});
        let (status, reason, _) = state.send_message(website_id, &session_id, &message);
        self.flush_events(&mut state);
        if status == 200 { Ok(session_id) } else { Err((status, reason)) }
    }
}
