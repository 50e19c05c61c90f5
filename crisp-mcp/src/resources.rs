//! Resources: what a user attaches to a chat with an assistant rather than what the assistant fetches by itself —
//! the unresolved list, the awaiting-reply list, and a conversation's transcript.
//!
//! URIs: `crisp://website/{website_id}/conversations/unresolved`,
//! `crisp://website/{website_id}/conversations/awaiting-reply` (JSON, the compact shape of the matching tools)
//! and `crisp://website/{website_id}/conversation/{session_id}/transcript` (Markdown).

use crisp_api::Crisp;
use serde_json::{Value, json};

use crate::workflow::{WorkflowError, inbox_link, route, utc_minute};

/// The URI templates, with a name, a description and a MIME type each.
pub(crate) const TEMPLATES: [(&str, &str, &str, &str); 3] = [
    (
        "crisp://website/{website_id}/conversations/unresolved",
        "unresolved_conversations",
        "The latest 50 conversations that are not resolved, most recently updated first (JSON).",
        "application/json",
    ),
    (
        "crisp://website/{website_id}/conversations/awaiting-reply",
        "conversations_awaiting_reply",
        "The unresolved conversations whose last message is the visitor's, longest wait first (JSON).",
        "application/json",
    ),
    (
        "crisp://website/{website_id}/conversation/{session_id}/transcript",
        "conversation_transcript",
        "A conversation's messages as a Markdown transcript, oldest first (up to 200 messages).",
        "text/markdown",
    ),
];

/// How many batches of messages a transcript reads, at most (Crisp answers up to 40 per batch).
const TRANSCRIPT_BATCHES: usize = 5;

/// What a URI names.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ResourceUri {
    Unresolved { website_id: String },
    AwaitingReply { website_id: String },
    Transcript { website_id: String, session_id: String },
}

/// An identifier in a URI: no separators, no empty text.
fn segment(text: &str) -> Option<String> {
    let fine = !text.is_empty()
        && text.len() <= 128
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    fine.then(|| text.to_owned())
}

impl ResourceUri {
    /// Reads a `crisp://` URI; `None` for anything this server does not serve.
    pub(crate) fn parse(uri: &str) -> Option<Self> {
        let rest = uri.strip_prefix("crisp://website/")?;
        let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        match parts.as_slice() {
            [website, "conversations", "unresolved"] => Some(Self::Unresolved { website_id: segment(website)? }),
            [website, "conversations", "awaiting-reply"] => Some(Self::AwaitingReply { website_id: segment(website)? }),
            [website, "conversation", session, "transcript"] => {
                Some(Self::Transcript { website_id: segment(website)?, session_id: segment(session)? })
            }
            _ => None,
        }
    }

    /// The URI, written back.
    pub(crate) fn uri(&self) -> String {
        match self {
            Self::Unresolved { website_id } => format!("crisp://website/{website_id}/conversations/unresolved"),
            Self::AwaitingReply { website_id } => format!("crisp://website/{website_id}/conversations/awaiting-reply"),
            Self::Transcript { website_id, session_id } => {
                format!("crisp://website/{website_id}/conversation/{session_id}/transcript")
            }
        }
    }

    /// What its contents are.
    pub(crate) fn mime_type(&self) -> &'static str {
        match self {
            Self::Unresolved { .. } | Self::AwaitingReply { .. } => "application/json",
            Self::Transcript { .. } => "text/markdown",
        }
    }
}

/// The resources a website has without parameters: its two lists, as (uri, name, description, MIME type).
pub(crate) fn listed(website_id: &str) -> Vec<(String, &'static str, &'static str, &'static str)> {
    TEMPLATES
        .iter()
        .take(2)
        .map(|(template, name, about, mime)| (template.replace("{website_id}", website_id), *name, *about, *mime))
        .collect()
}

/// Reads a resource: JSON for the lists (to be shaped by the caller's limits), Markdown for a transcript.
pub(crate) async fn read(client: &Crisp, resource: &ResourceUri) -> Result<ResourceBody, WorkflowError> {
    match resource {
        ResourceUri::Unresolved { website_id } => {
            let list = route(
                client,
                "list_conversations",
                json!({"website_id": website_id, "filter_not_resolved": true, "per_page": 50}),
            )
            .await?;
            Ok(ResourceBody::Json(list))
        }
        ResourceUri::AwaitingReply { website_id } => {
            let def = crate::workflow::find("list_conversations_awaiting_reply")
                .ok_or_else(|| WorkflowError::Argument("the awaiting-reply tool is missing".into()))?;
            let value = crate::workflow::run(def, client, Some(website_id), None, &serde_json::Map::new()).await?;
            Ok(ResourceBody::Json(value))
        }
        ResourceUri::Transcript { website_id, session_id } => {
            transcript(client, website_id, session_id).await.map(ResourceBody::Markdown)
        }
    }
}

/// A resource's contents before they are shaped for the answer.
#[derive(Debug)]
pub(crate) enum ResourceBody {
    Json(Value),
    Markdown(String),
}

/// A conversation as Markdown: who said what, when; private notes marked as such.
async fn transcript(client: &Crisp, website_id: &str, session_id: &str) -> Result<String, WorkflowError> {
    let conversation =
        route(client, "get_conversation", json!({"website_id": website_id, "session_id": session_id})).await?;
    let mut messages: Vec<Value> = Vec::new();
    let mut before: Option<u64> = None;
    let mut complete = false;
    for _ in 0..TRANSCRIPT_BATCHES {
        let mut args = json!({"website_id": website_id, "session_id": session_id});
        if let Some(before) = before {
            args["timestamp_before"] = json!(before);
        }
        let batch = route(client, "get_messages_in_conversation", args).await?;
        let batch = batch["items"].as_array().cloned().unwrap_or_default();
        let oldest = batch.iter().filter_map(|m| m["timestamp"].as_u64()).min();
        let fresh = batch.len();
        messages.extend(batch);
        match oldest {
            // An older batch must start earlier, or the walk stops.
            Some(oldest) if fresh > 0 && before.is_none_or(|b| oldest < b) => before = Some(oldest),
            _ => {
                complete = true;
                break;
            }
        }
    }
    messages.sort_by_key(|m| m["timestamp"].as_u64().unwrap_or(0));
    messages.dedup_by(|a, b| a["fingerprint"] == b["fingerprint"] && !a["fingerprint"].is_null());
    let meta = &conversation["meta"];
    let visitor = meta["nickname"].as_str().unwrap_or("the visitor");
    let mut out = format!("# Conversation with {visitor}\n\n");
    if let Some(email) = meta["email"].as_str() {
        out.push_str(&format!("- Email: {email}\n"));
    }
    if let Some(state) = conversation["state"].as_str() {
        out.push_str(&format!("- State: {state}\n"));
    }
    out.push_str(&format!("- In Crisp: {}\n", inbox_link(website_id, session_id)));
    if !complete {
        out.push_str(&format!("- Shows the latest {} messages; older ones are left out\n", messages.len()));
    }
    out.push('\n');
    if messages.is_empty() {
        out.push_str("_No messages yet._\n");
    }
    for message in &messages {
        let who = match (message["from"].as_str(), message["user"]["nickname"].as_str()) {
            (Some("user"), Some(name)) => format!("{name} (visitor)"),
            (Some("user"), None) => "Visitor".to_owned(),
            (_, Some(name)) => format!("{name} (operator)"),
            (_, None) => "Operator".to_owned(),
        };
        let kind = match message["type"].as_str() {
            Some("note") => " · private note",
            Some("text") | None => "",
            Some(_) => " · other",
        };
        let when = message["timestamp"].as_u64().map(utc_minute).unwrap_or_default();
        let body = match &message["content"] {
            Value::String(text) => text.clone(),
            Value::Null => String::new(),
            other => format!("`{}` {}", message["type"].as_str().unwrap_or("message"), other),
        };
        out.push_str(&format!("**{who}** · {when}{kind}\n\n{}\n\n", body.trim()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip_and_refuse_what_is_not_served() {
        for uri in [
            "crisp://website/w-1/conversations/unresolved",
            "crisp://website/w-1/conversations/awaiting-reply",
            "crisp://website/w-1/conversation/session_abc/transcript",
        ] {
            assert_eq!(ResourceUri::parse(uri).map(|r| r.uri()).as_deref(), Some(uri));
        }
        assert_eq!(ResourceUri::parse("crisp://website/../conversations/unresolved"), None);
        assert_eq!(ResourceUri::parse("crisp://website/w/conversation//transcript"), None);
        assert_eq!(ResourceUri::parse("https://example.com/"), None);
    }
}
