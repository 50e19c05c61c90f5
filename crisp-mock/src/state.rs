//! The mock's memory for the core flow: websites, conversations, messages,
//! metas, state, routing and people profiles. Other routes answer from the
//! spec's examples.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value, json};

use crate::clock::Clock;
use crate::draw;

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
    /// Operators, as `list_website_operators` answers them (`{"type", "details"}`).
    pub operators: Vec<Value>,
}

impl Website {
    /// Links each conversation to the people profile with its visitor's email.
    pub(crate) fn relink_all(&mut self) {
        let ids: Vec<String> = self.conversations.keys().cloned().collect();
        for id in ids {
            link_conversation(self, &id);
        }
    }
}

/// A member of a JSON object, `null` when missing (indexing a `Map` would panic).
pub(crate) fn field<'a>(object: &'a Map<String, Value>, key: &str) -> &'a Value {
    static NULL: Value = Value::Null;
    object.get(key).unwrap_or(&NULL)
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
#[derive(Debug)]
pub struct State {
    /// Websites by id.
    pub websites: BTreeMap<String, Website>,
    clock: Clock,
    /// The last time handed out, so timestamps strictly increase.
    last_ms: AtomicU64,
    counter: AtomicU64,
    /// Draws visitor identities and generated data.
    pub(crate) rng: fastrand::Rng,
    /// What writes to routes the mock keeps no model for stored, by path
    /// (relative to `/v1/`), so their read route reads it back.
    pub(crate) documents: BTreeMap<String, Value>,
    /// Events raised by changes since the server last took them.
    pub(crate) outbox: Vec<Raised>,
}

impl Default for State {
    fn default() -> Self {
        Self::empty(Clock::real(), 0)
    }
}

impl State {
    /// A state with one website holding one conversation with two messages
    /// and one people profile.
    ///
    /// ```
    /// let state = crisp_mock::state::State::seeded("website-1");
    /// assert_eq!(state.websites["website-1"].people.len(), 1);
    /// ```
    pub fn seeded(website_id: &str) -> Self {
        Self::seeded_with(website_id, Clock::real(), 0)
    }

    /// A state without websites, on `clock`, drawing identities from `seed`.
    ///
    /// ```
    /// let state = crisp_mock::state::State::empty(crisp_mock::Clock::fixed(0), 7);
    /// assert!(state.websites.is_empty());
    /// ```
    pub fn empty(clock: Clock, seed: u64) -> Self {
        Self {
            websites: BTreeMap::new(),
            clock,
            last_ms: AtomicU64::new(0),
            counter: AtomicU64::new(0),
            rng: fastrand::Rng::with_seed(seed),
            documents: BTreeMap::new(),
            outbox: Vec::new(),
        }
    }

    /// The clock the state stamps its changes with.
    ///
    /// ```
    /// let state = crisp_mock::state::State::empty(crisp_mock::Clock::fixed(9), 0);
    /// assert_eq!(state.clock().now_ms(), 9);
    /// ```
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// [`seeded`](Self::seeded), on `clock`, drawing identities from `seed`.
    pub(crate) fn seeded_with(website_id: &str, clock: Clock, seed: u64) -> Self {
        let mut state = State::empty(clock, seed);
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

    /// The clock's time, strictly increasing from one change to the next so
    /// ordering by timestamp is stable.
    pub(crate) fn now(&self) -> u64 {
        let now = self.clock.now_ms();
        let previous = self.last_ms.fetch_max(now, Ordering::Relaxed);
        if previous >= now {
            // Same millisecond (or a clock set back): one past the last one.
            self.last_ms.fetch_add(1, Ordering::Relaxed) + 1
        } else {
            now
        }
    }

    /// A random (version 4 shaped) UUID from the seeded generator, so ids
    /// never clash with loaded fixtures and repeat with the seed.
    pub(crate) fn next_id(&mut self, prefix: &str) -> String {
        self.counter.fetch_add(1, Ordering::Relaxed);
        draw::uuid(&mut self.rng, prefix)
    }

    /// Queues a session event with the common session fields.
    fn raise_session(&mut self, name: &'static str, website_id: &str, session_id: &str, extra: Value) {
        let mut payload = json!({"website_id": website_id, "session_id": session_id, "inbox_id": null});
        if let (Some(payload), Value::Object(extra)) = (payload.as_object_mut(), extra) {
            payload.extend(extra);
        }
        self.outbox.push((name, payload));
    }

    pub(crate) fn website_mut(&mut self, website_id: &str) -> Result<&mut Website, Answer> {
        self.websites.get_mut(website_id).ok_or((404, "website_not_found", json!({})))
    }

    fn conversation_mut(&mut self, website_id: &str, session_id: &str) -> Result<&mut Conversation, Answer> {
        self.website_mut(website_id)?.conversations.get_mut(session_id).ok_or((404, "session_not_found", json!({})))
    }

    /// A fresh id (see `next_id`).
    pub(crate) fn fresh_id(&mut self, prefix: &str) -> String {
        self.next_id(prefix)
    }

    /// The fields of a new, empty conversation, for a new visitor with a drawn identity.
    pub(crate) fn new_conversation_fields(
        &mut self,
        website_id: &str,
        session_id: &str,
        now: u64,
    ) -> Map<String, Value> {
        let visitor = draw::visitor(&mut self.rng);
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
            "meta": visitor,
            "created_at": now,
            "updated_at": now,
        });
        match fields {
            Value::Object(fields) => fields,
            _ => Map::new(),
        }
    }

    /// Creates a conversation for a new visitor; answers `{session_id}`.
    pub(crate) fn create_conversation(&mut self, website_id: &str) -> Answer {
        if !self.websites.contains_key(website_id) {
            return (404, "website_not_found", json!({}));
        }
        let now = self.now();
        let session_id = self.next_id("session_");
        let fields = self.new_conversation_fields(website_id, &session_id, now);
        let website = match self.website_mut(website_id) {
            Ok(website) => website,
            Err(answer) => return answer,
        };
        website.conversations.insert(session_id.clone(), Conversation { fields, messages: Vec::new() });
        link_conversation(website, &session_id);
        (200, "added", json!({"session_id": session_id}))
    }

    /// Conversations newest first (or by creation with
    /// `order_date_created`), `per_page` at a time (default 20), with the
    /// resolved, unread, assigned and inbox filters and the `text`,
    /// `segment` and `email` searches.
    pub(crate) fn list_conversations(&self, website_id: &str, page: usize, query: &BTreeMap<String, String>) -> Answer {
        let Some(website) = self.websites.get(website_id) else { return (404, "website_not_found", json!({})) };
        let per_page = query.get("per_page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(20).clamp(1, 50);
        let flag = |name: &str| query.get(name).is_some_and(|v| v == "1" || v == "true");
        let search = query.get("search_query").map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
        let search_type = query.get("search_type").map_or("text", String::as_str);
        let assigned_to = query.get("filter_assigned").filter(|v| !v.is_empty());
        let inbox = query.get("filter_inbox_id").filter(|v| !v.is_empty());
        let mut list: Vec<&Conversation> = website
            .conversations
            .values()
            .filter(|c| !flag("filter_resolved") || c.fields.get("state").is_some_and(|s| s == "resolved"))
            .filter(|c| !flag("filter_not_resolved") || c.fields.get("state").is_none_or(|s| s != "resolved"))
            .filter(|c| !flag("filter_unread") || field(&c.fields, "unread")["operator"].as_u64().unwrap_or(0) > 0)
            .filter(|c| !flag("filter_unassigned") || field(&c.fields, "assigned")["user_id"].is_null())
            .filter(|c| {
                assigned_to.is_none_or(|id| field(&c.fields, "assigned")["user_id"].as_str() == Some(id.as_str()))
            })
            .filter(|c| inbox.is_none_or(|id| field(&c.fields, "inbox_id").as_str() == Some(id.as_str())))
            .filter(|c| {
                !flag("filter_mention") || field(&c.fields, "mentions").as_array().is_some_and(|m| !m.is_empty())
            })
            .filter(|c| flag("include_empty") || !c.messages.is_empty() || search.is_none())
            .filter(|c| search.as_deref().is_none_or(|q| conversation_matches(c, search_type, q)))
            .collect();
        let order_key = if flag("order_date_created") { "created_at" } else { "updated_at" };
        list.sort_by_key(|c| std::cmp::Reverse(c.fields.get(order_key).and_then(Value::as_u64).unwrap_or(0)));
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
        let fingerprint =
            body.get("fingerprint").and_then(Value::as_u64).unwrap_or(now.saturating_mul(10).saturating_add(7));
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
        let visitor_name = conversation.fields.get("meta").and_then(|m| m.get("nickname")).cloned();
        message.entry("user").or_insert_with(|| match (body["from"].as_str(), visitor_name) {
            (Some("user"), Some(nickname)) => json!({"nickname": nickname}),
            (Some("user"), None) => json!({"nickname": "visitor"}),
            _ => json!({"nickname": "Support"}),
        });
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
        let stamp = |name: &str| query.get(name).and_then(|v| v.parse::<u64>().ok());
        let (before, after) = (stamp("timestamp_before"), stamp("timestamp_after"));
        match self.conversation_mut(website_id, session_id) {
            Ok(c) => {
                let mut list: Vec<Value> = c
                    .messages
                    .iter()
                    .filter(|m| before.is_none_or(|b| m["timestamp"].as_u64().unwrap_or(0) < b))
                    .filter(|m| after.is_none_or(|a| m["timestamp"].as_u64().unwrap_or(0) > a))
                    .cloned()
                    .collect();
                if after.is_some() && before.is_none() {
                    // Reading forward: the 40 right after the timestamp.
                    list.truncate(40);
                } else {
                    let skip = list.len().saturating_sub(40);
                    list.drain(..skip);
                }
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
                if changed.iter().any(|(key, _)| key == "email")
                    && let Ok(website) = self.website_mut(website_id)
                {
                    link_conversation(website, session_id);
                }
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

    /// The operators of a website, when it has some (else the spec example answers).
    pub(crate) fn list_operators(&self, website_id: &str) -> Option<Answer> {
        let website = self.websites.get(website_id)?;
        (!website.operators.is_empty()).then(|| (200, "resolved", Value::Array(website.operators.clone())))
    }

    /// `{"blocked"}` of a conversation.
    pub(crate) fn get_block(&mut self, website_id: &str, session_id: &str) -> Answer {
        match self.conversation_mut(website_id, session_id) {
            Ok(c) => (200, "resolved", json!({"blocked": c.fields.get("is_blocked").cloned().unwrap_or(json!(false))})),
            Err(answer) => answer,
        }
    }

    /// Blocks or unblocks a conversation's incoming messages.
    pub(crate) fn set_block(&mut self, website_id: &str, session_id: &str, body: &Value) -> Answer {
        let Some(blocked) = body["blocked"].as_bool() else {
            return (400, "invalid_data", json!({"message": "`blocked` must be a boolean"}));
        };
        match self.conversation_mut(website_id, session_id) {
            Ok(c) => {
                c.fields.insert("is_blocked".into(), json!(blocked));
                self.raise_session("session:set_block", website_id, session_id, json!({"is_blocked": blocked}));
                (200, "updated", json!({}))
            }
            Err(answer) => answer,
        }
    }

    /// `{"verified", "verifications"}` of a conversation.
    pub(crate) fn get_verify(&mut self, website_id: &str, session_id: &str) -> Answer {
        match self.conversation_mut(website_id, session_id) {
            Ok(c) => {
                let verified = c.fields.get("is_verified").cloned().unwrap_or(json!(false));
                (200, "resolved", json!({"verified": verified, "verifications": []}))
            }
            Err(answer) => answer,
        }
    }

    /// Marks a conversation verified or not.
    pub(crate) fn set_verify(&mut self, website_id: &str, session_id: &str, body: &Value) -> Answer {
        let Some(verified) = body["verified"].as_bool() else {
            return (400, "invalid_data", json!({"message": "`verified` must be a boolean"}));
        };
        match self.conversation_mut(website_id, session_id) {
            Ok(c) => {
                c.fields.insert("is_verified".into(), json!(verified));
                self.raise_session("session:update_verify", website_id, session_id, json!({"is_verified": verified}));
                (200, "updated", json!({}))
            }
            Err(answer) => answer,
        }
    }
}

/// A conversation's visitor email, lowercased.
pub(crate) fn email_of_conversation(c: &Conversation) -> Option<String> {
    c.fields.get("meta")?.get("email")?.as_str().filter(|e| !e.is_empty()).map(str::to_lowercase)
}

/// Links one conversation to the profile with its visitor's email (or unlinks it).
fn link_conversation(website: &mut Website, session_id: &str) {
    let Some(c) = website.conversations.get(session_id) else { return };
    let people_id = email_of_conversation(c).and_then(|email| {
        website
            .people
            .iter()
            .find(|(_, p)| p.get("email").and_then(Value::as_str).is_some_and(|e| e.eq_ignore_ascii_case(&email)))
            .map(|(id, _)| id.clone())
    });
    if let Some(c) = website.conversations.get_mut(session_id) {
        c.fields.insert("people_id".into(), people_id.map_or(Value::Null, Value::String));
    }
}

/// Whether `value` is a string containing `query` (lowercase), ignoring case.
pub(crate) fn contains(value: &Value, query: &str) -> bool {
    value.as_str().is_some_and(|text| text.to_lowercase().contains(query))
}

/// Whether a conversation matches a search: `segment` (one of its
/// segments), `email`, or `text` (the visitor's names, email and phone,
/// and the text of its messages).
fn conversation_matches(c: &Conversation, search_type: &str, query: &str) -> bool {
    let meta = c.fields.get("meta").cloned().unwrap_or(Value::Null);
    match search_type {
        "segment" => meta["segments"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(query)))),
        "email" => contains(&meta["email"], query),
        _ => {
            ["nickname", "email", "phone", "subject"].iter().any(|k| contains(&meta[*k], query))
                || contains(field(&c.fields, "last_message"), query)
                || c.messages.iter().any(|m| contains(&m["content"], query))
        }
    }
}
