//! The fixtures document: the simulator's state as JSON, to start from and
//! to dump (`GET /mock/state`, `PUT /mock/state`, [`MockBuilder::fixtures`](crate::MockBuilder::fixtures)).
//!
//! ```json
//! {
//!   "websites": [{
//!     "website_id": "8c842203-7ed8-4e29-a608-7cf78a7d2fcc",
//!     "name": "Acme Support", "domain": "acme.example.com",
//!     "operators": [{"type": "operator", "details": {"user_id": "…", "email": "ada@acme.example.com", "role": "owner"}}],
//!     "people": [{"people_id": "…", "email": "jane@example.com", "person": {"nickname": "Jane Doe"}}],
//!     "conversations": [{
//!       "session_id": "session_…", "state": "unresolved",
//!       "meta": {"nickname": "Jane Doe", "email": "jane@example.com"},
//!       "messages": [{"type": "text", "from": "user", "origin": "chat", "content": "Hi!", "timestamp": 1700000000000}]
//!     }]
//!   }]
//! }
//! ```
//!
//! Every member but `website_id` is optional. Website members other than
//! `operators`, `people` and `conversations` are the website's fields.
//! Conversation members other than `messages` are the conversation's fields
//! (missing ones get defaults, a missing `session_id` a fresh one); each
//! message gets its conversation's ids and, when missing, a `fingerprint`
//! and a `timestamp`. People without `people_id` get one. Conversations are
//! linked to the profile with their visitor's email.

use std::path::PathBuf;

use serde_json::{Map, Value, json};

use crate::state::{Conversation, State, Website};

/// Where fixtures come from: a JSON file or a value.
///
/// ```
/// use crisp_mock::Fixtures;
/// let from_file = Fixtures::from(std::path::Path::new("crisp-mock/fixtures/acme.json"));
/// let from_value = Fixtures::from(serde_json::json!({"websites": [{"website_id": "w1"}]}));
/// # let _ = (from_file, from_value);
/// ```
#[derive(Clone, Debug)]
pub enum Fixtures {
    /// A JSON file in the fixtures format.
    File(PathBuf),
    /// A fixtures document.
    Value(Value),
}

impl From<&std::path::Path> for Fixtures {
    fn from(path: &std::path::Path) -> Self {
        Fixtures::File(path.to_owned())
    }
}

impl From<PathBuf> for Fixtures {
    fn from(path: PathBuf) -> Self {
        Fixtures::File(path)
    }
}

impl From<&str> for Fixtures {
    /// A path to a file (not JSON text: use `serde_json::from_str` for that).
    fn from(path: &str) -> Self {
        Fixtures::File(PathBuf::from(path))
    }
}

impl From<Value> for Fixtures {
    fn from(value: Value) -> Self {
        Fixtures::Value(value)
    }
}

impl Fixtures {
    /// The document: the value, or the file read and parsed.
    pub(crate) fn document(&self) -> std::io::Result<Value> {
        match self {
            Fixtures::Value(value) => Ok(value.clone()),
            Fixtures::File(path) => {
                let text = std::fs::read(path)
                    .map_err(|err| std::io::Error::new(err.kind(), format!("fixtures {}: {err}", path.display())))?;
                serde_json::from_slice(&text).map_err(|err| {
                    std::io::Error::new(std::io::ErrorKind::InvalidData, format!("fixtures {}: {err}", path.display()))
                })
            }
        }
    }
}

/// A fixtures document that does not fit the format; says where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureError {
    /// JSON path of the offending member, e.g. `websites[0].conversations[3]`.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

impl std::fmt::Display for FixtureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fixtures: {}: {}", self.path, self.message)
    }
}

impl std::error::Error for FixtureError {}

impl From<FixtureError> for std::io::Error {
    fn from(err: FixtureError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidData, err)
    }
}

fn error(path: impl Into<String>, message: impl Into<String>) -> FixtureError {
    FixtureError { path: path.into(), message: message.into() }
}

fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, FixtureError> {
    value.as_object().ok_or_else(|| error(path, "must be an object"))
}

fn list<'a>(value: Option<&'a Value>, path: &str) -> Result<&'a [Value], FixtureError> {
    match value {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(error(path, "must be an array")),
    }
}

/// Reads a fixtures document into websites; nothing changes on error.
pub(crate) fn read(document: &Value, state: &mut State) -> Result<Vec<(String, Website)>, FixtureError> {
    let root = object(document, "$")?;
    let mut websites = Vec::new();
    for (i, site) in list(root.get("websites"), "websites")?.iter().enumerate() {
        let path = format!("websites[{i}]");
        let site = object(site, &path)?;
        let website_id = site
            .get("website_id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| error(format!("{path}.website_id"), "a non-empty string is required"))?
            .to_owned();
        let mut website = Website::default();
        for (key, value) in site {
            if !matches!(key.as_str(), "operators" | "people" | "conversations") {
                website.fields.insert(key.clone(), value.clone());
            }
        }
        for (j, operator) in list(site.get("operators"), &format!("{path}.operators"))?.iter().enumerate() {
            object(operator, &format!("{path}.operators[{j}]"))?;
            website.operators.push(operator.clone());
        }
        for (j, person) in list(site.get("people"), &format!("{path}.people"))?.iter().enumerate() {
            let mut profile = object(person, &format!("{path}.people[{j}]"))?.clone();
            let people_id = match profile.get("people_id").and_then(Value::as_str) {
                Some(id) if !id.is_empty() => id.to_owned(),
                _ => state.fresh_id(""),
            };
            profile.insert("people_id".into(), json!(people_id));
            website.people.insert(people_id, profile);
        }
        for (j, conversation) in list(site.get("conversations"), &format!("{path}.conversations"))?.iter().enumerate() {
            let cpath = format!("{path}.conversations[{j}]");
            let given = object(conversation, &cpath)?;
            let session_id = match given.get("session_id").and_then(Value::as_str) {
                Some(id) if !id.is_empty() => id.to_owned(),
                _ => state.fresh_id("session_"),
            };
            let now = state.now();
            let mut fields = state.new_conversation_fields(&website_id, &session_id, now);
            let mut messages = Vec::new();
            for (key, value) in given {
                if key == "messages" {
                    continue;
                }
                fields.insert(key.clone(), value.clone());
            }
            fields.insert("session_id".into(), json!(session_id));
            fields.insert("website_id".into(), json!(website_id));
            for (k, message) in list(given.get("messages"), &format!("{cpath}.messages"))?.iter().enumerate() {
                let mut message = object(message, &format!("{cpath}.messages[{k}]"))?.clone();
                let at = message.get("timestamp").and_then(Value::as_u64).unwrap_or_else(|| state.now());
                message.insert("session_id".into(), json!(session_id));
                message.insert("website_id".into(), json!(website_id));
                message.insert("timestamp".into(), json!(at));
                message
                    .entry("fingerprint")
                    .or_insert_with(|| json!(at.saturating_mul(10).saturating_add(k as u64 % 10)));
                messages.push(Value::Object(message));
            }
            if !given.contains_key("last_message")
                && let Some(text) = messages.last().and_then(|m| m.get("content")).and_then(Value::as_str)
            {
                fields.insert("last_message".into(), json!(text));
            }
            website.conversations.insert(session_id, Conversation { fields, messages });
        }
        website.relink_all();
        websites.push((website_id, website));
    }
    Ok(websites)
}

/// The state as a fixtures document.
pub(crate) fn dump(state: &State) -> Value {
    let websites: Vec<Value> = state
        .websites
        .iter()
        .map(|(id, website)| {
            let mut site = website.fields.clone();
            site.insert("website_id".into(), json!(id));
            site.insert("operators".into(), Value::Array(website.operators.clone()));
            site.insert("people".into(), Value::Array(website.people.values().cloned().map(Value::Object).collect()));
            let conversations = website
                .conversations
                .values()
                .map(|c| {
                    let mut fields = c.fields.clone();
                    fields.insert("messages".into(), Value::Array(c.messages.clone()));
                    Value::Object(fields)
                })
                .collect();
            site.insert("conversations".into(), Value::Array(conversations));
            Value::Object(site)
        })
        .collect();
    json!({ "websites": websites })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;

    #[test]
    fn a_dump_reads_back_the_same() {
        let mut state = State::empty(Clock::fixed(1_700_000_000_000), 3);
        crate::generate::populate(&mut state, "w", 30);
        let first = dump(&state);
        let mut other = State::empty(Clock::fixed(1_700_000_000_000), 9);
        let websites = read(&first, &mut other).unwrap();
        other.websites = websites.into_iter().collect();
        assert_eq!(dump(&other), first);
    }

    #[test]
    fn errors_say_where() {
        let mut state = State::empty(Clock::fixed(0), 0);
        let doc = json!({"websites": [{"website_id": "w", "conversations": [{"messages": [1]}]}]});
        let err = read(&doc, &mut state).unwrap_err();
        assert_eq!(err.path, "websites[0].conversations[0].messages[0]");
        let err = read(&json!({"websites": [{}]}), &mut state).unwrap_err();
        assert_eq!(err.path, "websites[0].website_id");
    }

    #[test]
    fn the_committed_example_loads_and_links_people() {
        let doc: Value = serde_json::from_str(include_str!("../fixtures/acme.json")).unwrap();
        let mut state = State::empty(Clock::fixed(0), 0);
        let websites = read(&doc, &mut state).unwrap();
        let (_, website) = &websites[0];
        assert!(!website.operators.is_empty());
        let linked =
            website.conversations.values().filter(|c| crate::state::field(&c.fields, "people_id").is_string()).count();
        assert!(linked >= 1);
    }
}
