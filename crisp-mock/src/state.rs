//! The mock's memory for the core flow: websites, conversations, messages,
//! metas, state, routing and people profiles. Other routes answer from the
//! spec's examples.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value, json};

/// What a stateful handler answers: HTTP status, Crisp reason and data.
pub(crate) type Answer = (u16, &'static str, Value);

/// One conversation and its messages.
///
/// ```
/// let conversation = crisp_mock::state::Conversation {
///     fields: serde_json::json!({"session_id": "session_1", "state": "pending"}).as_object().cloned().unwrap(),
///     messages: vec![],
/// };
/// assert!(conversation.messages.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct Conversation {
    /// Conversation fields as Crisp returns them (without messages).
    pub fields: Map<String, Value>,
    /// Messages, oldest first.
    pub messages: Vec<Value>,
}

/// One website and what it holds.
///
/// ```
/// let website = crisp_mock::state::Website::default();
/// assert!(website.conversations.is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Website {
    /// Website fields.
    pub fields: Map<String, Value>,
    /// Conversations by session id.
    pub conversations: BTreeMap<String, Conversation>,
    /// People profiles by people id.
    pub people: BTreeMap<String, Map<String, Value>>,
}

/// An event raised by a change, waiting to be delivered over RTM and Web Hooks.
pub(crate) type Raised = (&'static str, Value);

/// Everything the mock remembers; reach it with
/// [`MockServer::with_state`](crate::MockServer::with_state) to seed or inspect it.
///
/// ```
/// let state = crisp_mock::state::State::seeded("website-1");
/// assert_eq!(state.websites["website-1"].conversations.len(), 1);
/// ```
#[derive(Debug, Default)]
pub struct State {
    /// Websites by id.
    pub websites: BTreeMap<String, Website>,
    clock: AtomicU64,
    counter: AtomicU64,
    /// Events raised by changes since the server last took them.
    pub(crate) outbox: Vec<Raised>,
}

const START_MS: u64 = 1_700_000_000_000;

impl State {
    /// A state with one website holding one conversation with two messages
    /// and one people profile.
    ///
    /// ```
    /// let state = crisp_mock::state::State::seeded("website-1");
    /// assert_eq!(state.websites["website-1"].people.len(), 1);
    /// ```
    pub fn seeded(website_id: &str) -> Self {
        let mut state = State { clock: AtomicU64::new(START_MS), ..State::default() };
        let mut website = Map::new();
        website.insert("website_id".into(), json!(website_id));
        website.insert("name".into(), json!("Acme Support"));
        website.insert("domain".into(), json!("acme.example.com"));
        website.insert("logo".into(), json!("https://acme.example.com/logo.png"));
        state.websites.insert(website_id.to_owned(), Website { fields: website, ..Website::default() });
        let (_, _, created) = state.create_conversation(website_id);
        let session_id = created["session_id"].as_str().unwrap_or_default().to_owned();
        let mut meta = Map::new();
        meta.insert("nickname".into(), json!("Jane Doe"));
        meta.insert("email".into(), json!("jane.doe@example.com"));
        state.update_metas(website_id, &session_id, &Value::Object(meta));
        state.send_message(
            website_id,
            &session_id,
            &json!({"type": "text", "from": "user", "origin": "chat", "content": "Hi! My order has not arrived."}),
        );
        state.send_message(website_id, &session_id, &json!({"type": "text", "from": "operator", "origin": "chat", "content": "Sorry about that, let me check."}));
        state.add_profile(website_id, &json!({"email": "jane.doe@example.com", "person": {"nickname": "Jane Doe"}}));
        state.outbox.clear();
        state
    }

    /// A strictly increasing epoch-millisecond clock, so ordering is stable.
    fn now(&self) -> u64 {
        self.clock.fetch_add(1_000, Ordering::Relaxed) + 1_000
    }

    fn next_id(&self, prefix: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{prefix}{n:08x}-0000-4000-8000-{n:012x}")
    }

    /// Queues a session event with the common session fields.
    fn raise_session(&mut self, name: &'static str, website_id: &str, session_id: &str, extra: Value) {
        let mut payload = json!({"website_id": website_id, "session_id": session_id, "inbox_id": null});
        if let (Some(payload), Value::Object(extra)) = (payload.as_object_mut(), extra) {
            payload.extend(extra);
        }
        self.outbox.push((name, payload));
    }

    fn website_mut(&mut self, website_id: &str) -> Result<&mut Website, Answer> {
        self.websites.get_mut(website_id).ok_or((404, "website_not_found", json!({})))
    }

    fn conversation_mut(&mut self, website_id: &str, session_id: &str) -> Result<&mut Conversation, Answer> {
        self.website_mut(website_id)?.conversations.get_mut(session_id).ok_or((404, "session_not_found", json!({})))
    }

    /// Creates a conversation; answers `{session_id}`.
    pub(crate) fn create_conversation(&mut self, website_id: &str) -> Answer {
        let now = self.now();
        let session_id = self.next_id("session_");
        let website = match self.website_mut(website_id) {
            Ok(website) => website,
            Err(answer) => return answer,
        };
        let fields = json!({
            "session_id": session_id,
            "website_id": website_id,
            "inbox_id": null,
            "people_id": null,
            "state": "pending",
            "status": 0,
            "is_verified": false,
            "is_blocked": false,
            "availability": "offline",
            "active": {"now": false, "last": now},
            "last_message": "",
            "topic": "",
            "participants": [],
            "mentions": [],
            "unread": {"operator": 0, "visitor": 0},
            "assigned": {"user_id": null},
            "meta": {"nickname": "visitor", "email": null, "phone": null, "ip": "127.0.0.1", "data": {}, "segments": [], "device": {"timezone": 0, "locales": ["en"]}},
            "created_at": now,
            "updated_at": now,
        });
        let Value::Object(fields) = fields else { unreachable!("a json object literal") };
        website.conversations.insert(session_id.clone(), Conversation { fields, messages: Vec::new() });
        (200, "added", json!({"session_id": session_id}))
    }

    /// Conversations newest first, `per_page` at a time (default 20), with
    /// the resolved / not-resolved filters.
    pub(crate) fn list_conversations(&self, website_id: &str, page: usize, query: &BTreeMap<String, String>) -> Answer {
        let Some(website) = self.websites.get(website_id) else { return (404, "website_not_found", json!({})) };
        let per_page = query.get("per_page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(20).clamp(1, 50);
        let flag = |name: &str| query.get(name).is_some_and(|v| v == "1");
        let mut list: Vec<&Conversation> = website
            .conversations
            .values()
            .filter(|c| !flag("filter_resolved") || c.fields.get("state").is_some_and(|s| s == "resolved"))
            .filter(|c| !flag("filter_not_resolved") || c.fields.get("state").is_none_or(|s| s != "resolved"))
            .collect();
        list.sort_by_key(|c| std::cmp::Reverse(c.fields.get("updated_at").and_then(Value::as_u64).unwrap_or(0)));
        let data: Vec<Value> = list
            .into_iter()
            .skip(page.saturating_sub(1).saturating_mul(per_page))
            .take(per_page)
            .map(|c| Value::Object(c.fields.clone()))
            .collect();
        (200, "resolved", Value::Array(data))
    }

    /// One conversation.
    pub(crate) fn get_conversation(&mut self, website_id: &str, session_id: &str) -> Answer {
        match self.conversation_mut(website_id, session_id) {
            Ok(c) => (200, "resolved", Value::Object(c.fields.clone())),
            Err(answer) => answer,
        }
    }

    /// Removes a conversation.
    pub(crate) fn remove_conversation(&mut self, website_id: &str, session_id: &str) -> Answer {
        match self.website_mut(website_id) {
            Ok(website) => match website.conversations.remove(session_id) {
                Some(_) => {
                    self.raise_session("session:removed", website_id, session_id, json!({}));
                    (200, "deleted", json!({}))
                }
                None => (404, "session_not_found", json!({})),
            },
            Err(answer) => answer,
        }
    }

    /// Stores a message; answers `{fingerprint}`.
    pub(crate) fn send_message(&mut self, website_id: &str, session_id: &str, body: &Value) -> Answer {
        for field in ["type", "from", "origin", "content"] {
            if body.get(field).is_none_or(Value::is_null) {
                return (400, "invalid_data", json!({"message": format!("`{field}` is required")}));
            }
        }
        let now = self.now();
        let fingerprint = body.get("fingerprint").and_then(Value::as_u64).unwrap_or(now * 10 + 7);
        let conversation = match self.conversation_mut(website_id, session_id) {
            Ok(c) => c,
            Err(answer) => return answer,
        };
        let mut message = body.as_object().cloned().unwrap_or_default();
        message.insert("session_id".into(), json!(session_id));
        message.insert("website_id".into(), json!(website_id));
        message.insert("fingerprint".into(), json!(fingerprint));
        message.insert("timestamp".into(), json!(now));
        message.insert("read".into(), json!(""));
        message.insert("delivered".into(), json!(""));
        message
            .entry("user")
            .or_insert_with(|| json!({"nickname": if body["from"] == "operator" { "Support" } else { "Jane Doe" }}));
        if let Some(text) = body["content"].as_str() {
            conversation.fields.insert("last_message".into(), json!(text));
        }
        conversation.fields.insert("updated_at".into(), json!(now));
        let unread_key = if body["from"] == "user" { "operator" } else { "visitor" };
        if let Some(unread) = conversation.fields.get_mut("unread").and_then(Value::as_object_mut) {
            let count = unread.get(unread_key).and_then(Value::as_u64).unwrap_or(0) + 1;
            unread.insert(unread_key.into(), json!(count));
        }
        let event = if body["from"] == "user" { "message:send" } else { "message:received" };
        let mut payload = message.clone();
        payload.remove("read");
        payload.remove("delivered");
        conversation.messages.push(Value::Object(message));
        self.raise_session(event, website_id, session_id, Value::Object(payload));
        (200, "dispatched", json!({"fingerprint": fingerprint}))
    }

    /// Messages oldest first, optionally before a timestamp (40 at most, like Crisp's pages).
    pub(crate) fn get_messages(
        &mut self,
        website_id: &str,
        session_id: &str,
        query: &BTreeMap<String, String>,
    ) -> Answer {
        let before = query.get("timestamp_before").and_then(|v| v.parse::<u64>().ok());
        match self.conversation_mut(website_id, session_id) {
            Ok(c) => {
                let mut list: Vec<Value> = c
                    .messages
                    .iter()
                    .filter(|m| before.is_none_or(|b| m["timestamp"].as_u64().unwrap_or(0) < b))
                    .cloned()
                    .collect();
                let skip = list.len().saturating_sub(40);
                list.drain(..skip);
                (200, "resolved", Value::Array(list))
            }
            Err(answer) => answer,
        }
    }

    fn message_index(c: &Conversation, fingerprint: &str) -> Option<usize> {
        c.messages.iter().position(|m| match &m["fingerprint"] {
            Value::String(text) => text == fingerprint,
            Value::Number(number) => number.as_u64().is_some_and(|n| fingerprint.parse() == Ok(n)),
            _ => false,
        })
    }

    /// One message by fingerprint.
    pub(crate) fn get_message(&mut self, website_id: &str, session_id: &str, fingerprint: &str) -> Answer {
        match self.conversation_mut(website_id, session_id) {
            Ok(c) => match Self::message_index(c, fingerprint) {
                Some(i) => (200, "resolved", c.messages[i].clone()),
                None => (404, "message_not_found", json!({})),
            },
            Err(answer) => answer,
        }
    }

    /// Replaces a message's content.
    pub(crate) fn update_message(
        &mut self,
        website_id: &str,
        session_id: &str,
        fingerprint: &str,
        body: &Value,
    ) -> Answer {
        match self.conversation_mut(website_id, session_id) {
            Ok(c) => match Self::message_index(c, fingerprint) {
                Some(i) => {
                    if let Some(message) = c.messages[i].as_object_mut() {
                        message.insert("content".into(), body["content"].clone());
                        message.insert("edited".into(), json!(true));
                    }
                    let update = json!({"fingerprint": c.messages[i]["fingerprint"].clone(), "content": body["content"].clone()});
                    self.raise_session("message:updated", website_id, session_id, update);
                    (200, "updated", json!({}))
                }
                None => (404, "message_not_found", json!({})),
            },
            Err(answer) => answer,
        }
    }

    /// Removes a message.
    pub(crate) fn remove_message(&mut self, website_id: &str, session_id: &str, fingerprint: &str) -> Answer {
        match self.conversation_mut(website_id, session_id) {
            Ok(c) => match Self::message_index(c, fingerprint) {
                Some(i) => {
                    let removed = c.messages.remove(i);
                    let fingerprint = json!({"fingerprint": removed["fingerprint"].clone()});
                    self.raise_session("message:removed", website_id, session_id, fingerprint);
                    (200, "deleted", json!({}))
                }
                None => (404, "message_not_found", json!({})),
            },
            Err(answer) => answer,
        }
    }

    /// The conversation's meta.
    pub(crate) fn get_metas(&mut self, website_id: &str, session_id: &str) -> Answer {
        match self.conversation_mut(website_id, session_id) {
            Ok(c) => (200, "resolved", c.fields.get("meta").cloned().unwrap_or_else(|| json!({}))),
            Err(answer) => answer,
        }
    }

    /// Merges the given members into the conversation's meta.
    pub(crate) fn update_metas(&mut self, website_id: &str, session_id: &str, body: &Value) -> Answer {
        let now = self.now();
        match self.conversation_mut(website_id, session_id) {
            Ok(c) => {
                let meta = c.fields.entry("meta").or_insert_with(|| json!({}));
                let mut changed = Vec::new();
                if let (Some(meta), Some(update)) = (meta.as_object_mut(), body.as_object()) {
                    for (key, value) in update {
                        if meta.get(key) != Some(value) {
                            changed.push((key.clone(), value.clone()));
                        }
                        meta.insert(key.clone(), value.clone());
                    }
                }
                c.fields.insert("updated_at".into(), json!(now));
                for (key, value) in changed {
                    let event = match key.as_str() {
                        "nickname" => "session:set_nickname",
                        "email" => "session:set_email",
                        "phone" => "session:set_phone",
                        "address" => "session:set_address",
                        "subject" => "session:set_subject",
                        "avatar" => "session:set_avatar",
                        "origin" => "session:set_origin",
                        "segments" => "session:set_segments",
                        "data" => "session:set_data",
                        _ => continue,
                    };
                    self.raise_session(event, website_id, session_id, json!({ key: value }));
                }
                (200, "updated", json!({}))
            }
            Err(answer) => answer,
        }
    }

    /// The conversation's state.
    pub(crate) fn get_state(&mut self, website_id: &str, session_id: &str) -> Answer {
        match self.conversation_mut(website_id, session_id) {
            Ok(c) => (200, "resolved", json!({"state": c.fields.get("state")})),
            Err(answer) => answer,
        }
    }

    /// Changes the conversation's state (pending, unresolved or resolved).
    pub(crate) fn change_state(&mut self, website_id: &str, session_id: &str, body: &Value) -> Answer {
        let Some(state) = body["state"].as_str().filter(|s| ["pending", "unresolved", "resolved"].contains(s)) else {
            return (400, "invalid_data", json!({"message": "`state` must be pending, unresolved or resolved"}));
        };
        let now = self.now();
        match self.conversation_mut(website_id, session_id) {
            Ok(c) => {
                c.fields.insert("state".into(), json!(state));
                c.fields.insert("updated_at".into(), json!(now));
                self.raise_session("session:set_state", website_id, session_id, json!({"state": state}));
                (200, "updated", json!({}))
            }
            Err(answer) => answer,
        }
    }

    /// The conversation's routing assignment.
    pub(crate) fn get_routing(&mut self, website_id: &str, session_id: &str) -> Answer {
        match self.conversation_mut(website_id, session_id) {
            Ok(c) => (200, "resolved", json!({"assigned": c.fields.get("assigned").cloned().unwrap_or(Value::Null)})),
            Err(answer) => answer,
        }
    }

    /// Assigns the conversation to an operator.
    pub(crate) fn assign_routing(&mut self, website_id: &str, session_id: &str, body: &Value) -> Answer {
        match self.conversation_mut(website_id, session_id) {
            Ok(c) => {
                let assigned = body.get("assigned").cloned().unwrap_or(Value::Null);
                let previous = c.fields.insert("assigned".into(), assigned.clone()).unwrap_or(Value::Null);
                let routing = json!({"routing_id": assigned["user_id"].clone(), "previous_routing_id": previous["user_id"].clone()});
                self.raise_session("session:set_routing", website_id, session_id, routing);
                (200, "updated", json!({}))
            }
            Err(answer) => answer,
        }
    }

    /// People profiles, 20 per page.
    pub(crate) fn list_profiles(&self, website_id: &str, page: usize) -> Answer {
        match self.websites.get(website_id) {
            Some(website) => {
                let data: Vec<Value> = website
                    .people
                    .values()
                    .skip(page.saturating_sub(1).saturating_mul(20))
                    .take(20)
                    .cloned()
                    .map(Value::Object)
                    .collect();
                (200, "resolved", Value::Array(data))
            }
            None => (404, "website_not_found", json!({})),
        }
    }

    /// Adds a people profile; answers `{people_id}`.
    pub(crate) fn add_profile(&mut self, website_id: &str, body: &Value) -> Answer {
        if body["email"].as_str().is_none_or(str::is_empty) {
            return (400, "invalid_data", json!({"message": "`email` is required"}));
        }
        let now = self.now();
        let people_id = self.next_id("");
        let website = match self.website_mut(website_id) {
            Ok(website) => website,
            Err(answer) => return answer,
        };
        if website.people.values().any(|p| p.get("email") == Some(&body["email"])) {
            return (409, "people_exists", json!({}));
        }
        let mut profile = body.as_object().cloned().unwrap_or_default();
        profile.insert("people_id".into(), json!(people_id));
        profile.insert("created_at".into(), json!(now));
        profile.insert("updated_at".into(), json!(now));
        website.people.insert(people_id.clone(), profile);
        let created = json!({"website_id": website_id, "people_id": people_id, "email": body["email"].clone()});
        self.outbox.push(("people:profile:created", created));
        (200, "added", json!({"people_id": people_id}))
    }

    /// One people profile.
    pub(crate) fn get_profile(&mut self, website_id: &str, people_id: &str) -> Answer {
        match self.website_mut(website_id) {
            Ok(website) => match website.people.get(people_id) {
                Some(profile) => (200, "resolved", Value::Object(profile.clone())),
                None => (404, "people_not_found", json!({})),
            },
            Err(answer) => answer,
        }
    }

    /// Replaces (`replace`) or merges a people profile.
    pub(crate) fn update_profile(&mut self, website_id: &str, people_id: &str, body: &Value, replace: bool) -> Answer {
        let now = self.now();
        match self.website_mut(website_id) {
            Ok(website) => match website.people.get_mut(people_id) {
                Some(profile) => {
                    if replace {
                        let created = profile.get("created_at").cloned();
                        *profile = body.as_object().cloned().unwrap_or_default();
                        profile.insert("people_id".into(), json!(people_id));
                        profile.insert("created_at".into(), created.unwrap_or(json!(now)));
                    } else if let Some(update) = body.as_object() {
                        for (key, value) in update {
                            profile.insert(key.clone(), value.clone());
                        }
                    }
                    profile.insert("updated_at".into(), json!(now));
                    let email = profile.get("email").cloned().unwrap_or(Value::Null);
                    let updated =
                        json!({"website_id": website_id, "people_id": people_id, "email": email, "update": body});
                    self.outbox.push(("people:profile:updated", updated));
                    (200, "updated", json!({}))
                }
                None => (404, "people_not_found", json!({})),
            },
            Err(answer) => answer,
        }
    }

    /// Removes a people profile.
    pub(crate) fn remove_profile(&mut self, website_id: &str, people_id: &str) -> Answer {
        match self.website_mut(website_id) {
            Ok(website) => match website.people.remove(people_id) {
                Some(profile) => {
                    let removed =
                        json!({"website_id": website_id, "people_id": people_id, "email": profile.get("email")});
                    self.outbox.push(("people:profile:removed", removed));
                    (200, "deleted", json!({}))
                }
                None => (404, "people_not_found", json!({})),
            },
            Err(answer) => answer,
        }
    }
}
