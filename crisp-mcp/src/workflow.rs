//! Workflow tools: the jobs a support team does in one call, built from several route tools (the awaiting-reply
//! list, a conversation's whole context, people by email, a person's context, a reply drafted as a private
//! note).
//!
//! Each takes the client, the default website id and the default conversation explicitly, so the caller decides
//! where they come from (the server's options, or a request's own scope). Every list they read is paged with a
//! limit: no loop runs longer than its page cap.

use std::time::{SystemTime, UNIX_EPOCH};

use crisp_api::Crisp;
use serde_json::{Map, Value, json};

use crate::catalog::Access;
use crate::generated::tools::TOOLS;

/// Crisp's largest conversation page.
const CONVERSATIONS_PER_PAGE: u64 = 50;
/// How many unresolved conversations `list_conversations_awaiting_reply` looks at, at most.
const MAX_SCANNED: u64 = 200;
/// The longest excerpt of a message a list shows.
const EXCERPT_CHARS: usize = 200;

/// One workflow tool: what `tools/list` shows, and the gate the server's options apply.
#[derive(Debug)]
pub(crate) struct WorkflowDef {
    pub(crate) name: &'static str,
    pub(crate) title: &'static str,
    /// The generated toolset it belongs with; every workflow tool is in the default set too.
    pub(crate) toolset: &'static str,
    pub(crate) access: Access,
    /// Whether doing it twice is harmless.
    pub(crate) idempotent: bool,
    pub(crate) description: &'static str,
    pub(crate) input_schema: fn() -> Value,
    pub(crate) output_schema: fn() -> Value,
}

/// Every workflow tool, in the order `tools/list` shows them (after the route tools).
pub(crate) static WORKFLOWS: &[WorkflowDef] = &[
    WorkflowDef {
        name: "list_conversations_awaiting_reply",
        title: "Conversations awaiting a reply",
        toolset: "conversations",
        access: Access::Read,
        idempotent: true,
        description: "Lists the unresolved conversations whose last message is the visitor's (private notes and events \
            do not count as replies), longest wait first, each with the wait in seconds and as text, the visitor, an \
            excerpt and the conversation's link in the Crisp app. Looks at up to `max_conversations` unresolved \
            conversations (default 100, at most 200), most recently updated first; `scan_complete` says whether \
            that covered them all. Start here to see who waits on the team.",
        input_schema: awaiting_input,
        output_schema: awaiting_output,
    },
    WorkflowDef {
        name: "get_conversation_context",
        title: "Conversation context",
        toolset: "conversations",
        access: Access::Read,
        idempotent: true,
        description: "Returns in one call what is needed to answer a conversation: the conversation (state, \
            assignee, visitor details), its latest messages (oldest first), the contact's profile, the contact's \
            other conversations and the conversation's link in the Crisp app. Parts that cannot be read are named in \
            `notes` instead of failing the call.",
        input_schema: context_input,
        output_schema: context_output,
    },
    WorkflowDef {
        name: "find_people_by_email",
        title: "Find people by email",
        toolset: "people",
        access: Access::Read,
        idempotent: true,
        description: "Finds the contact profiles whose email is the one given (case does not matter), each with its \
            people_id, name, company, segments and link in the Crisp app; profiles that only contain the text are \
            listed apart as `similar` (at most 5).",
        input_schema: find_people_input,
        output_schema: find_people_output,
    },
    WorkflowDef {
        name: "get_person_context",
        title: "Person context",
        toolset: "people",
        access: Access::Read,
        idempotent: true,
        description: "Returns a contact's profile and their latest conversations (state, last message, link), with the \
            profile's link in the Crisp app; `person` is the contact's people_id or their email.",
        input_schema: person_input,
        output_schema: person_output,
    },
    WorkflowDef {
        name: "draft_reply_as_note",
        title: "Draft a reply as a private note",
        toolset: "messages",
        access: Access::Write,
        idempotent: false,
        description: "Writes a proposed reply into a conversation as a private note, which operators see in the \
            Crisp app and the visitor never does, so a human can review and send it. Changes data in Crisp (adds a \
            note). Returns the note's fingerprint and the conversation's link.",
        input_schema: draft_input,
        output_schema: draft_output,
    },
];

/// Why a workflow call failed, as one sentence for the model.
#[derive(Debug)]
pub(crate) enum WorkflowError {
    /// The arguments are wrong; the sentence names the argument.
    Argument(String),
    /// Crisp refused or could not be reached.
    Crisp(crisp_api::Error),
}

impl std::fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Argument(problem) => write!(f, "Bad arguments: {problem}"),
            // The client's errors never carry the key.
            Self::Crisp(err) => err.fmt(f),
        }
    }
}

/// The workflow tool of this name.
pub(crate) fn find(name: &str) -> Option<&'static WorkflowDef> {
    WORKFLOWS.iter().find(|def| def.name == name)
}

/// Runs a workflow tool with the default website and conversation of the call's scope.
pub(crate) async fn run(
    def: &WorkflowDef,
    client: &Crisp,
    website_id: Option<&str>,
    session_id: Option<&str>,
    args: &Map<String, Value>,
) -> Result<Value, WorkflowError> {
    let reader = Args { tool: def.name, args };
    reader.only(&accepted(def))?;
    match def.name {
        "list_conversations_awaiting_reply" => {
            let website = reader.website(website_id)?;
            let limit = reader.integer("limit", 1, 50, 20)?;
            let scan = reader.integer("max_conversations", 1, MAX_SCANNED, 100)?;
            awaiting_reply(client, &website, limit, scan).await
        }
        "get_conversation_context" => {
            let website = reader.website(website_id)?;
            let session = reader.session(session_id)?;
            let messages = reader.integer("messages", 1, 40, 20)?;
            let others = reader.integer("other_conversations", 0, 10, 5)?;
            conversation_context(client, &website, &session, messages, others).await
        }
        "find_people_by_email" => {
            let website = reader.website(website_id)?;
            let email = reader.email("email")?.ok_or_else(|| reader.missing("email"))?;
            find_people_by_email(client, &website, &email).await
        }
        "get_person_context" => {
            let website = reader.website(website_id)?;
            let person = reader.text("person")?.ok_or_else(|| reader.missing("person"))?;
            let conversations = reader.integer("conversations", 0, 10, 5)?;
            person_context(client, &website, &person, conversations).await
        }
        "draft_reply_as_note" => {
            let website = reader.website(website_id)?;
            let session = reader.session(session_id)?;
            let text = reader.text("text")?.filter(|t| !t.trim().is_empty()).ok_or_else(|| reader.missing("text"))?;
            if text.chars().count() > 10_000 {
                return Err(WorkflowError::Argument("`text` is longer than 10000 characters".into()));
            }
            draft_reply_as_note(client, &website, &session, &text).await
        }
        other => Err(WorkflowError::Argument(format!("there is no workflow tool `{other}`"))),
    }
}

/// The argument names a workflow tool's schema lists.
fn accepted(def: &WorkflowDef) -> Vec<String> {
    (def.input_schema)()["properties"].as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default()
}

/// Reads a workflow tool's arguments; each problem names the argument.
struct Args<'a> {
    tool: &'static str,
    args: &'a Map<String, Value>,
}

impl Args<'_> {
    fn only(&self, accepted: &[String]) -> Result<(), WorkflowError> {
        match self.args.keys().find(|key| !accepted.contains(key)) {
            Some(unknown) => Err(WorkflowError::Argument(format!(
                "`{}` takes no argument `{unknown}`; it takes: {}",
                self.tool,
                accepted.join(", ")
            ))),
            None => Ok(()),
        }
    }

    fn missing(&self, name: &str) -> WorkflowError {
        WorkflowError::Argument(format!("`{}` needs the argument `{name}`", self.tool))
    }

    fn text(&self, name: &str) -> Result<Option<String>, WorkflowError> {
        match self.args.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.trim().to_owned()).filter(|t| !t.is_empty())),
            Some(_) => Err(WorkflowError::Argument(format!("`{name}` must be a string"))),
        }
    }

    fn website(&self, default: Option<&str>) -> Result<String, WorkflowError> {
        self.text("website_id")?.or_else(|| default.map(str::to_owned)).ok_or_else(|| self.missing("website_id"))
    }

    fn session(&self, default: Option<&str>) -> Result<String, WorkflowError> {
        self.text("session_id")?.or_else(|| default.map(str::to_owned)).ok_or_else(|| self.missing("session_id"))
    }

    fn email(&self, name: &str) -> Result<Option<String>, WorkflowError> {
        match self.text(name)? {
            Some(email) if email.contains('@') && !email.contains(char::is_whitespace) => Ok(Some(email)),
            Some(_) => Err(WorkflowError::Argument(format!("`{name}` must be an email address"))),
            None => Ok(None),
        }
    }

    fn integer(&self, name: &str, min: u64, max: u64, default: u64) -> Result<u64, WorkflowError> {
        match self.args.get(name) {
            None | Some(Value::Null) => Ok(default),
            Some(value) => match value.as_u64() {
                Some(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(WorkflowError::Argument(format!("`{name}` must be an integer from {min} to {max}"))),
            },
        }
    }
}

/// Calls one route tool by name, as the model would, and answers its compact-shaped JSON (before trimming).
pub(crate) async fn route(client: &Crisp, tool: &str, args: Value) -> Result<Value, WorkflowError> {
    let def = TOOLS
        .iter()
        .find(|def| def.name == tool)
        .ok_or_else(|| WorkflowError::Argument(format!("there is no tool `{tool}`")))?;
    let args = match args {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let call = crate::call::build(client, def, &args, None).map_err(|problem| WorkflowError::Argument(problem.0))?;
    crate::call::run(def, call).await.map_err(WorkflowError::Crisp)
}

fn items(list: &Value) -> Vec<Value> {
    list["items"].as_array().cloned().unwrap_or_default()
}

/// The conversation's page in the Crisp app.
pub(crate) fn inbox_link(website_id: &str, session_id: &str) -> String {
    format!("https://app.crisp.chat/website/{website_id}/inbox/{session_id}/")
}

/// The contact's page in the Crisp app.
pub(crate) fn profile_link(website_id: &str, people_id: &str) -> String {
    format!("https://app.crisp.chat/website/{website_id}/contacts/profile/{people_id}/")
}

/// Now, in epoch milliseconds.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// An epoch-milliseconds time as `2026-12-01 21:46 UTC`.
pub(crate) fn utc_minute(epoch_ms: u64) -> String {
    let (date, seconds_of_day) = utc_date_and_seconds(epoch_ms);
    format!("{date} {:02}:{:02} UTC", seconds_of_day / 3600, seconds_of_day / 60 % 60)
}

/// An epoch-milliseconds time's date, `2026-12-01` (UTC).
pub(crate) fn utc_date(epoch_ms: u64) -> String {
    utc_date_and_seconds(epoch_ms).0
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (the days-to-civil method), and the
/// seconds into that day.
fn utc_date_and_seconds(epoch_ms: u64) -> (String, u64) {
    let seconds = epoch_ms / 1000;
    let days = i64::try_from(seconds / 86_400).unwrap_or(0) + 719_468;
    let era = days / 146_097;
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (format!("{year:04}-{month:02}-{day:02}"), seconds % 86_400)
}

/// A wait as people say it: "45 s", "12 min", "3 h 5 min", "2 d 4 h".
pub(crate) fn readable_wait(seconds: u64) -> String {
    let (minutes, hours, days) = (seconds / 60, seconds / 3600, seconds / 86_400);
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{minutes} min"),
        3600..86_400 => format!("{hours} h {} min", minutes % 60),
        _ => format!("{days} d {} h", hours % 24),
    }
}

fn excerpt(content: &Value) -> Option<String> {
    let text = match content {
        Value::String(text) => text.clone(),
        Value::Object(map) => map.get("text").or_else(|| map.get("name")).and_then(Value::as_str)?.to_owned(),
        _ => return None,
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    })
}

/// Whether a message answers or asks: notes and events are neither.
fn is_exchange(message: &Value) -> bool {
    !matches!(message["type"].as_str(), Some("note" | "event"))
}

/// Since when the visitor waits, read from the messages: the first of the visitor's messages after the
/// operators' last reply, or `None` when the operators spoke last.
fn waiting_from_messages(messages: &mut [Value]) -> Option<(u64, Option<String>)> {
    messages.sort_by_key(|m| m["timestamp"].as_u64().unwrap_or(0));
    let mut since = None;
    let mut last_text = None;
    for message in messages.iter().rev().filter(|m| is_exchange(m)) {
        if message["from"] != "user" {
            break;
        }
        since = message["timestamp"].as_u64();
        if last_text.is_none() {
            last_text = excerpt(&message["content"]);
        }
    }
    since.map(|since| (since, last_text))
}

/// The awaiting-reply entry of a conversation, or `None` when it does not wait on the team.
async fn waiting_entry(
    client: &Crisp,
    website_id: &str,
    conversation: &Value,
    now: u64,
) -> Result<Option<Value>, WorkflowError> {
    let Some(session_id) = conversation["session_id"].as_str() else { return Ok(None) };
    let preview = &conversation["preview_message"];
    let preview_says = preview["from"].as_str().filter(|_| is_exchange(preview));
    let found = match (preview_says, conversation["waiting_since"].as_u64()) {
        (Some("operator"), _) => None,
        // Crisp keeps the wait itself: no need to read the messages.
        (Some("user"), Some(since)) => {
            Some((since, excerpt(&preview["excerpt"]).or_else(|| excerpt(&conversation["last_message"]))))
        }
        _ => {
            let list = route(
                client,
                "get_messages_in_conversation",
                json!({"website_id": website_id, "session_id": session_id}),
            )
            .await?;
            waiting_from_messages(&mut items(&list))
        }
    };
    let Some((since, text)) = found else { return Ok(None) };
    let wait_seconds = now.saturating_sub(since) / 1000;
    let meta = &conversation["meta"];
    Ok(Some(json!({
        "session_id": session_id,
        "nickname": meta["nickname"],
        "email": meta["email"],
        "excerpt": text,
        "waiting_since": since,
        "wait_seconds": wait_seconds,
        "wait": readable_wait(wait_seconds),
        "assigned_to": conversation["assigned"]["user_id"],
        "link": inbox_link(website_id, session_id),
    })))
}

async fn awaiting_reply(client: &Crisp, website_id: &str, limit: u64, scan: u64) -> Result<Value, WorkflowError> {
    let now = now_ms();
    let mut waiting = Vec::new();
    let mut scanned: u64 = 0;
    let mut complete = false;
    // At most MAX_SCANNED / CONVERSATIONS_PER_PAGE pages, whatever Crisp answers.
    for page in 1..=scan.div_ceil(CONVERSATIONS_PER_PAGE) {
        let list = route(
            client,
            "list_conversations",
            json!({"website_id": website_id, "filter_not_resolved": true, "per_page": CONVERSATIONS_PER_PAGE, "cursor": format!("page:{page}")}),
        )
        .await?;
        let conversations = items(&list);
        let last_page = conversations.is_empty() || list.get("next_cursor").is_none();
        let left = usize::try_from(scan - scanned).unwrap_or(usize::MAX);
        let taken = conversations.len().min(left);
        for conversation in conversations.iter().take(taken) {
            scanned += 1;
            if conversation["state"] == "resolved" {
                continue;
            }
            if let Some(entry) = waiting_entry(client, website_id, conversation, now).await? {
                waiting.push(entry);
            }
        }
        if last_page && taken == conversations.len() {
            complete = true;
            break;
        }
        if scanned >= scan {
            break;
        }
    }
    waiting.sort_by_key(|entry| std::cmp::Reverse(entry["wait_seconds"].as_u64().unwrap_or(0)));
    let total = waiting.len();
    waiting.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(json!({
        "items": waiting,
        "waiting": total,
        "scanned": scanned,
        "scan_complete": complete,
    }))
}

/// A message as a model reads it: who, what, when.
fn message_view(message: &Value) -> Value {
    json!({
        "fingerprint": message["fingerprint"],
        "from": message["from"],
        "type": message["type"],
        "origin": message["origin"],
        "timestamp": message["timestamp"],
        "nickname": message["user"]["nickname"],
        "content": message["content"],
    })
}

/// A conversation in a list of someone's conversations.
fn conversation_summary(website_id: &str, conversation: &Value) -> Value {
    let session_id = conversation["session_id"].as_str().unwrap_or_default();
    json!({
        "session_id": session_id,
        "state": conversation["state"],
        "last_message": excerpt(&conversation["last_message"]),
        "updated_at": conversation["updated_at"],
        "link": inbox_link(website_id, session_id),
    })
}

/// The first profile whose email is `email`, case aside.
async fn profile_by_email(client: &Crisp, website_id: &str, email: &str) -> Result<Option<Value>, WorkflowError> {
    let list = route(client, "list_people_profiles", json!({"website_id": website_id, "search_text": email})).await?;
    Ok(items(&list).into_iter().find(|p| p["email"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(email))))
}

/// The latest conversations of a contact, but `except`, as summaries; failures go to `notes`.
async fn conversations_of(
    client: &Crisp,
    website_id: &str,
    people_id: &str,
    except: Option<&str>,
    count: u64,
    notes: &mut Vec<String>,
) -> Vec<Value> {
    if count == 0 {
        return Vec::new();
    }
    let list =
        match route(client, "list_people_conversations", json!({"website_id": website_id, "people_id": people_id}))
            .await
        {
            Ok(list) => list,
            Err(err) => {
                notes.push(format!("the contact's conversations could not be read: {err}"));
                return Vec::new();
            }
        };
    let ids: Vec<String> = items(&list)
        .iter()
        .filter_map(|id| id.as_str().map(str::to_owned))
        .filter(|id| Some(id.as_str()) != except)
        .take(usize::try_from(count).unwrap_or(usize::MAX))
        .collect();
    let mut summaries = Vec::new();
    for id in ids {
        match route(client, "get_conversation", json!({"website_id": website_id, "session_id": id})).await {
            Ok(conversation) => summaries.push(conversation_summary(website_id, &conversation)),
            Err(err) => notes.push(format!("conversation {id} could not be read: {err}")),
        }
    }
    summaries
}

async fn conversation_context(
    client: &Crisp,
    website_id: &str,
    session_id: &str,
    message_count: u64,
    other_count: u64,
) -> Result<Value, WorkflowError> {
    let conversation =
        route(client, "get_conversation", json!({"website_id": website_id, "session_id": session_id})).await?;
    let mut notes = Vec::new();
    let messages = match route(
        client,
        "get_messages_in_conversation",
        json!({"website_id": website_id, "session_id": session_id}),
    )
    .await
    {
        Ok(list) => {
            let mut all = items(&list);
            all.sort_by_key(|m| m["timestamp"].as_u64().unwrap_or(0));
            let skip = all.len().saturating_sub(usize::try_from(message_count).unwrap_or(usize::MAX));
            if skip > 0 {
                notes.push(format!("{skip} older messages of this batch are left out; get_messages_in_conversation with timestamp_before reads further back"));
            }
            all[skip..].iter().map(message_view).collect()
        }
        Err(err) => {
            notes.push(format!("the messages could not be read: {err}"));
            Vec::new()
        }
    };
    let mut person = Value::Null;
    let people_id = conversation["people_id"].as_str().map(str::to_owned);
    if let Some(people_id) = &people_id {
        match route(client, "get_people_profile", json!({"website_id": website_id, "people_id": people_id})).await {
            Ok(profile) => person = profile,
            Err(err) => notes.push(format!("the contact's profile could not be read: {err}")),
        }
    } else if let Some(email) = conversation["meta"]["email"].as_str() {
        match profile_by_email(client, website_id, email).await {
            Ok(Some(profile)) => person = profile,
            Ok(None) => notes.push(format!("no contact profile has the visitor's email {email}")),
            Err(err) => notes.push(format!("the contact's profile could not be looked up: {err}")),
        }
    } else {
        notes.push("the visitor is not linked to a contact profile and gave no email".into());
    }
    let people_id = people_id.or_else(|| person["people_id"].as_str().map(str::to_owned));
    let others = match &people_id {
        Some(people_id) => {
            conversations_of(client, website_id, people_id, Some(session_id), other_count, &mut notes).await
        }
        None => Vec::new(),
    };
    if let (Value::Object(profile), Some(people_id)) = (&mut person, &people_id) {
        profile.insert("link".into(), json!(profile_link(website_id, people_id)));
    }
    Ok(json!({
        "link": inbox_link(website_id, session_id),
        "conversation": conversation,
        "messages": messages,
        "person": person,
        "other_conversations": others,
        "notes": notes,
    }))
}

fn person_view(website_id: &str, profile: &Value) -> Value {
    let people_id = profile["people_id"].as_str().unwrap_or_default();
    json!({
        "people_id": people_id,
        "email": profile["email"],
        "nickname": profile["person"]["nickname"],
        "company": profile["company"]["name"],
        "segments": profile["segments"],
        "link": profile_link(website_id, people_id),
    })
}

async fn find_people_by_email(client: &Crisp, website_id: &str, email: &str) -> Result<Value, WorkflowError> {
    let list = route(client, "list_people_profiles", json!({"website_id": website_id, "search_text": email})).await?;
    let (exact, similar): (Vec<Value>, Vec<Value>) =
        items(&list).into_iter().partition(|p| p["email"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(email)));
    Ok(json!({
        "items": exact.iter().map(|p| person_view(website_id, p)).collect::<Vec<_>>(),
        "similar": similar.iter().take(5).map(|p| person_view(website_id, p)).collect::<Vec<_>>(),
    }))
}

async fn person_context(
    client: &Crisp,
    website_id: &str,
    person: &str,
    conversation_count: u64,
) -> Result<Value, WorkflowError> {
    // An email has an `@`; a people_id never does.
    let profile = if person.contains('@') {
        match profile_by_email(client, website_id, person).await? {
            Some(profile) => profile,
            None => return Err(WorkflowError::Argument(format!("no contact profile has the email {person}"))),
        }
    } else {
        route(client, "get_people_profile", json!({"website_id": website_id, "people_id": person})).await?
    };
    let mut notes = Vec::new();
    let people_id = profile["people_id"].as_str().unwrap_or(person).to_owned();
    let conversations = conversations_of(client, website_id, &people_id, None, conversation_count, &mut notes).await;
    Ok(json!({
        "link": profile_link(website_id, &people_id),
        "profile": profile,
        "conversations": conversations,
        "notes": notes,
    }))
}

async fn draft_reply_as_note(
    client: &Crisp,
    website_id: &str,
    session_id: &str,
    text: &str,
) -> Result<Value, WorkflowError> {
    let sent = route(
        client,
        "send_message_in_conversation",
        json!({"website_id": website_id, "session_id": session_id,
               "body": {"type": "note", "from": "operator", "origin": "chat", "content": text}}),
    )
    .await?;
    Ok(json!({
        "session_id": session_id,
        "fingerprint": sent["fingerprint"],
        "visible_to_visitor": false,
        "link": inbox_link(website_id, session_id),
    }))
}

fn website_property() -> Value {
    json!({"type": "string", "minLength": 1, "description": "the website; defaults to the server's"})
}

fn session_property() -> Value {
    json!({"type": "string", "minLength": 1, "description": "the conversation (session_…)"})
}

/// An input schema: `website_id` is required (the server lifts that when it has a default website).
fn object(properties: Value, required: &[&str]) -> Value {
    let required: Vec<&str> = std::iter::once("website_id").chain(required.iter().copied()).collect();
    let mut schema = json!({"type": "object", "properties": properties, "additionalProperties": false});
    schema["required"] = json!(required);
    schema
}

fn awaiting_input() -> Value {
    object(
        json!({
            "website_id": website_property(),
            "limit": {"type": "integer", "minimum": 1, "maximum": 50, "description": "how many to answer (default 20)"},
            "max_conversations": {"type": "integer", "minimum": 1, "maximum": MAX_SCANNED, "description": "how many unresolved conversations to look at (default 100)"},
        }),
        &[],
    )
}

fn awaiting_output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "session_id": {"type": "string"},
                    "nickname": {"type": "string"},
                    "email": {"type": "string"},
                    "excerpt": {"type": "string"},
                    "waiting_since": {"type": "integer", "description": "epoch milliseconds"},
                    "wait_seconds": {"type": "integer", "minimum": 0},
                    "wait": {"type": "string"},
                    "assigned_to": {"type": "string"},
                    "link": {"type": "string"},
                },
                "required": ["session_id", "waiting_since", "wait_seconds", "wait", "link"],
            }},
            "waiting": {"type": "integer", "description": "how many waiting conversations were found, before the limit"},
            "scanned": {"type": "integer"},
            "scan_complete": {"type": "boolean"},
            "truncated": {"type": "string"},
        },
        "required": ["items", "scanned", "scan_complete"],
    })
}

fn context_input() -> Value {
    object(
        json!({
            "website_id": website_property(),
            "session_id": session_property(),
            "messages": {"type": "integer", "minimum": 1, "maximum": 40, "description": "how many of the latest messages (default 20)"},
            "other_conversations": {"type": "integer", "minimum": 0, "maximum": 10, "description": "how many of the contact's other conversations (default 5)"},
        }),
        &["session_id"],
    )
}

fn summary_schema() -> Value {
    json!({"type": "object", "properties": {
        "session_id": {"type": "string"}, "state": {"type": "string"}, "last_message": {"type": "string"},
        "updated_at": {"type": "integer"}, "link": {"type": "string"},
    }})
}

fn context_output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "link": {"type": "string", "description": "the conversation in the Crisp app"},
            "conversation": {"type": "object"},
            "messages": {"type": "array", "items": {"type": "object", "properties": {
                "fingerprint": {"type": "integer"}, "from": {"type": "string"}, "type": {"type": "string"},
                "origin": {"type": "string"}, "timestamp": {"type": "integer"}, "nickname": {"type": "string"},
                "content": {},
            }}},
            "person": {"type": "object", "description": "the contact's profile, with its link; absent when unknown"},
            "other_conversations": {"type": "array", "items": summary_schema()},
            "notes": {"type": "array", "items": {"type": "string"}},
        },
    })
}

fn find_people_input() -> Value {
    object(json!({"website_id": website_property(), "email": {"type": "string", "format": "email"}}), &["email"])
}

fn person_schema() -> Value {
    json!({"type": "object", "properties": {
        "people_id": {"type": "string"}, "email": {"type": "string"}, "nickname": {"type": "string"},
        "company": {"type": "string"}, "segments": {"type": "array", "items": {"type": "string"}},
        "link": {"type": "string"},
    }})
}

fn find_people_output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": person_schema()},
            "similar": {"type": "array", "items": person_schema()},
        },
    })
}

fn person_input() -> Value {
    object(
        json!({
            "website_id": website_property(),
            "person": {"type": "string", "minLength": 1, "description": "the contact's people_id, or their email"},
            "conversations": {"type": "integer", "minimum": 0, "maximum": 10, "description": "how many of the latest conversations (default 5)"},
        }),
        &["person"],
    )
}

fn person_output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "link": {"type": "string"},
            "profile": {"type": "object"},
            "conversations": {"type": "array", "items": summary_schema()},
            "notes": {"type": "array", "items": {"type": "string"}},
        },
    })
}

fn draft_input() -> Value {
    object(
        json!({
            "website_id": website_property(),
            "session_id": session_property(),
            "text": {"type": "string", "minLength": 1, "maxLength": 10000, "description": "the proposed reply"},
        }),
        &["session_id", "text"],
    )
}

fn draft_output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "session_id": {"type": "string"},
            "fingerprint": {"type": "integer"},
            "visible_to_visitor": {"type": "boolean"},
            "link": {"type": "string"},
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::tools::TOOLSETS;

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(utc_minute(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_minute(1_700_000_000_000), "2023-11-14 22:13 UTC");
        assert_eq!(utc_date(951_782_400_000), "2000-02-29");
    }

    #[test]
    fn waits_read_like_people_say_them() {
        assert_eq!(readable_wait(42), "42 s");
        assert_eq!(readable_wait(12 * 60 + 5), "12 min");
        assert_eq!(readable_wait(3 * 3600 + 5 * 60), "3 h 5 min");
        assert_eq!(readable_wait(2 * 86_400 + 4 * 3600), "2 d 4 h");
    }

    #[test]
    fn the_wait_starts_at_the_visitors_first_unanswered_message() {
        let mut messages = vec![
            json!({"from": "user", "type": "text", "content": "first", "timestamp": 1000}),
            json!({"from": "operator", "type": "text", "content": "reply", "timestamp": 2000}),
            json!({"from": "user", "type": "text", "content": "again", "timestamp": 3000}),
            json!({"from": "operator", "type": "note", "content": "private", "timestamp": 4000}),
            json!({"from": "user", "type": "text", "content": "hello?", "timestamp": 5000}),
        ];
        assert_eq!(waiting_from_messages(&mut messages), Some((3000, Some("hello?".into()))));
        messages.push(json!({"from": "operator", "type": "text", "content": "done", "timestamp": 6000}));
        assert_eq!(waiting_from_messages(&mut messages), None);
    }

    #[test]
    fn every_workflow_tool_sits_in_a_known_toolset_with_object_schemas() {
        for def in WORKFLOWS {
            assert!(TOOLSETS.iter().any(|(name, _)| *name == def.toolset), "{}", def.name);
            assert_eq!((def.input_schema)()["type"], "object", "{}", def.name);
            assert_eq!((def.output_schema)()["type"], "object", "{}", def.name);
            assert!(TOOLS.iter().all(|tool| tool.name != def.name), "{} shadows a route tool", def.name);
        }
    }
}
