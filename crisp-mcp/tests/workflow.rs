//! The workflow tools, resources and prompts against a simulator seeded with conversations where the visitor
//! wrote last, where an operator did, and where only a private note followed the visitor.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::simulator_client;
use crisp_mcp::{CrispMcp, McpOptions, Toolsets};
use crisp_mock::MockServer;
use rmcp::ServiceExt as _;
use std::sync::{Arc, Mutex};

use rmcp::model::{
    CallToolResult, GetPromptRequestParams, ReadResourceRequestParams, ResourceContents,
    ResourceUpdatedNotificationParam, SubscribeRequestParams,
};
use rmcp::service::NotificationContext;
use serde_json::{Value, json};

const WEBSITE: &str = "8c842203-7ed8-4e29-a608-7cf78a7d2fcc";
const MINUTE: u64 = 60_000;

fn now_ms() -> u64 {
    u64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

fn message(from: &str, kind: &str, content: &str, at: u64) -> Value {
    json!({"type": kind, "from": from, "origin": "chat", "content": content, "timestamp": at})
}

/// Five conversations: two wait on the team (2 h and 30 min), one where an operator answered, one where only
/// a note followed the visitor (it waits 10 min), and a resolved one where the visitor wrote last.
async fn seeded() -> MockServer {
    let now = now_ms();
    let fixtures = json!({"websites": [{
        "website_id": WEBSITE,
        "people": [{"people_id": "11111111-2222-4333-8444-555555555555", "email": "jane@example.com",
                    "person": {"nickname": "Jane Doe"}, "company": {"name": "Acme"}},
                   {"people_id": "66666666-2222-4333-8444-555555555555", "email": "janet@example.com",
                    "person": {"nickname": "Janet"}}],
        "conversations": [
            {"session_id": "session_waits_30_min", "state": "unresolved", "meta": {"nickname": "Bob", "email": "bob@example.com"},
             "messages": [message("user", "text", "Is my refund done?", now - 30 * MINUTE)]},
            {"session_id": "session_waits_2_h", "state": "unresolved", "meta": {"nickname": "Jane Doe", "email": "jane@example.com"},
             "messages": [message("user", "text", "Hello", now - 180 * MINUTE),
                          message("operator", "text", "Hi! What can I do?", now - 170 * MINUTE),
                          message("user", "text", "My parcel is lost", now - 120 * MINUTE),
                          message("user", "text", "Any news?", now - 60 * MINUTE)]},
            {"session_id": "session_answered", "state": "unresolved", "meta": {"nickname": "Carl"},
             "messages": [message("user", "text", "Thanks", now - 50 * MINUTE),
                          message("operator", "text", "You're welcome", now - 40 * MINUTE)]},
            {"session_id": "session_noted", "state": "pending", "meta": {"nickname": "Dana"},
             "messages": [message("user", "text", "Can I change plan?", now - 10 * MINUTE),
                          message("operator", "note", "ask billing", now - 5 * MINUTE)]},
            {"session_id": "session_resolved", "state": "resolved", "meta": {"nickname": "Eve", "email": "jane@example.com"},
             "messages": [message("user", "text", "Bye", now - 300 * MINUTE)]}
        ]
    }]});
    MockServer::builder().fixtures(fixtures).start().await.expect("the simulator starts")
}

fn server(mock: &MockServer, options: McpOptions) -> CrispMcp {
    let mut options = options;
    options.website_id = Some(WEBSITE.to_owned());
    CrispMcp::new(simulator_client(mock), options)
}

fn text(result: &CallToolResult) -> String {
    result.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect::<Vec<_>>().join("\n")
}

async fn structured(server: &CrispMcp, tool: &str, arguments: Value) -> Value {
    let result = server.call(tool, arguments.as_object().cloned()).await.expect("no protocol error");
    assert_ne!(result.is_error, Some(true), "{tool} failed: {}", text(&result));
    let value = result.structured_content.clone().expect("a structured result");
    // The output schema the tool publishes accepts it.
    let tool_def = server.tools().into_iter().find(|t| t.name == tool).expect("the tool is listed");
    let schema = Value::Object((**tool_def.output_schema.as_ref().expect("an output schema")).clone());
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator.iter_errors(&value).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{tool}: {errors:?}\n{value}");
    value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awaiting_reply_lists_who_waits_longest_first_with_the_wait() {
    let mock = seeded().await;
    let server = server(&mock, McpOptions::new());
    let answer = structured(&server, "list_conversations_awaiting_reply", json!({})).await;
    let sessions: Vec<&str> =
        answer["items"].as_array().unwrap().iter().map(|i| i["session_id"].as_str().unwrap()).collect();
    // The operator's reply and the resolved state leave two out; a private note is no reply.
    assert_eq!(sessions, ["session_waits_2_h", "session_waits_30_min", "session_noted"]);
    let first = &answer["items"][0];
    // The wait starts at the visitor's first unanswered message, two hours ago.
    let wait = first["wait_seconds"].as_u64().unwrap();
    assert!((7200..7200 + 120).contains(&wait), "{first}");
    assert_eq!(first["wait"], "2 h 0 min");
    assert_eq!(first["excerpt"], "Any news?");
    assert_eq!(first["link"], format!("https://app.crisp.chat/website/{WEBSITE}/inbox/session_waits_2_h/"));
    assert_eq!(answer["items"][1]["wait"], "30 min");
    assert_eq!(answer["scan_complete"], true);
    assert_eq!(answer["scanned"], 4, "the resolved conversation is not listed by the filter");
    // Bounded: a limit of one keeps the longest wait.
    let one =
        structured(&server, "list_conversations_awaiting_reply", json!({"limit": 1, "max_conversations": 2})).await;
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
    assert_eq!(one["scanned"], 2);
    assert_eq!(one["scan_complete"], false);
    // Out-of-range arguments are tool errors naming the argument.
    let refused =
        server.call("list_conversations_awaiting_reply", json!({"limit": 0}).as_object().cloned()).await.unwrap();
    assert_eq!(refused.is_error, Some(true));
    assert!(text(&refused).contains("`limit`"), "{}", text(&refused));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversation_context_brings_messages_the_person_and_their_other_conversations() {
    let mock = seeded().await;
    let server = server(&mock, McpOptions::new());
    let context =
        structured(&server, "get_conversation_context", json!({"session_id": "session_waits_2_h", "messages": 3}))
            .await;
    assert_eq!(context["link"], format!("https://app.crisp.chat/website/{WEBSITE}/inbox/session_waits_2_h/"));
    assert_eq!(context["conversation"]["session_id"], "session_waits_2_h");
    let contents: Vec<&str> =
        context["messages"].as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(contents, ["Hi! What can I do?", "My parcel is lost", "Any news?"], "the latest three, oldest first");
    assert_eq!(context["person"]["email"], "jane@example.com");
    assert_eq!(context["person"]["person"]["nickname"], "Jane Doe");
    let others: Vec<&str> =
        context["other_conversations"].as_array().unwrap().iter().map(|c| c["session_id"].as_str().unwrap()).collect();
    assert_eq!(others, ["session_resolved"], "{context}");
    // A conversation that does not exist is a tool error, not a protocol error.
    let missing = server
        .call("get_conversation_context", json!({"session_id": "session_nope"}).as_object().cloned())
        .await
        .unwrap();
    assert_eq!(missing.is_error, Some(true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_are_found_by_exact_email_and_their_context_read() {
    let mock = seeded().await;
    let server = server(&mock, McpOptions::new());
    let found = structured(&server, "find_people_by_email", json!({"email": "JANE@example.com"})).await;
    let exact = found["items"].as_array().unwrap();
    assert_eq!(exact.len(), 1, "{found}");
    assert_eq!(exact[0]["people_id"], "11111111-2222-4333-8444-555555555555");
    assert_eq!(exact[0]["company"], "Acme");
    assert_eq!(
        exact[0]["link"],
        format!("https://app.crisp.chat/website/{WEBSITE}/contacts/profile/11111111-2222-4333-8444-555555555555/")
    );
    let person = structured(&server, "get_person_context", json!({"person": "jane@example.com"})).await;
    let mut sessions: Vec<&str> =
        person["conversations"].as_array().unwrap().iter().map(|c| c["session_id"].as_str().unwrap()).collect();
    sessions.sort_unstable();
    assert_eq!(sessions, ["session_resolved", "session_waits_2_h"]);
    let bad = server.call("find_people_by_email", json!({"email": "not an email"}).as_object().cloned()).await.unwrap();
    assert!(text(&bad).contains("`email`"), "{}", text(&bad));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drafted_reply_is_a_private_note_and_needs_writes() {
    let mock = seeded().await;
    let read_only = server(&mock, McpOptions::new());
    assert!(!read_only.tool_names().any(|n| n == "draft_reply_as_note"), "a read-only server hides it");
    let refused = read_only
        .call("draft_reply_as_note", json!({"session_id": "session_waits_30_min", "text": "Yes"}).as_object().cloned())
        .await
        .unwrap();
    assert!(text(&refused).contains("--allow-writes"), "{}", text(&refused));
    let writer = server(&mock, McpOptions::new().allow_writes(true));
    let note = structured(
        &writer,
        "draft_reply_as_note",
        json!({"session_id": "session_waits_30_min", "text": "Your refund left today."}),
    )
    .await;
    assert_eq!(note["visible_to_visitor"], false);
    let last = mock.with_state(|state| {
        state.websites[WEBSITE].conversations["session_waits_30_min"].messages.last().cloned().unwrap()
    });
    assert_eq!((last["type"].as_str(), last["content"].as_str()), (Some("note"), Some("Your refund left today.")));
    // A note is no reply: the visitor still waits.
    let answer = structured(&writer, "list_conversations_awaiting_reply", json!({})).await;
    assert!(answer["items"].as_array().unwrap().iter().any(|i| i["session_id"] == "session_waits_30_min"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workflow_tools_follow_the_toolsets() {
    let mock = seeded().await;
    let people_only = server(&mock, McpOptions::new().toolsets("people".parse::<Toolsets>().unwrap()));
    let names: Vec<&str> = people_only.tool_names().collect();
    assert!(names.contains(&"find_people_by_email") && names.contains(&"get_person_context"), "{names:?}");
    assert!(!names.contains(&"list_conversations_awaiting_reply"));
    let refused = people_only.call("list_conversations_awaiting_reply", None).await.unwrap();
    assert!(text(&refused).contains("`conversations` toolset"), "{}", text(&refused));
    let default = server(&mock, McpOptions::new());
    for name in
        ["list_conversations_awaiting_reply", "get_conversation_context", "find_people_by_email", "get_person_context"]
    {
        let tool = default
            .tools()
            .into_iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("{name} is in the default set"));
        let annotations = tool.annotations.expect("annotations");
        assert_eq!(annotations.read_only_hint, Some(true), "{name}");
        assert!(
            !tool
                .input_schema
                .get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|n| n == "website_id")),
            "{name}: the server's website is the default"
        );
    }
}

/// An rmcp client talking to the server in-process.
async fn connect(server: CrispMcp) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let (client_side, server_side) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(tokio::io::split(server_side)).await {
            let _ = running.waiting().await;
        }
    });
    ().serve(tokio::io::split(client_side)).await.expect("the handshake succeeds")
}

fn contents_text(contents: &ResourceContents) -> (&str, Option<&str>) {
    match contents {
        ResourceContents::TextResourceContents { text, mime_type, .. } => (text, mime_type.as_deref()),
        _ => panic!("a text resource"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resources_and_prompts_are_listed_and_readable_over_mcp() {
    let mock = seeded().await;
    let client = connect(server(&mock, McpOptions::new())).await;
    let resources = client.list_all_resources().await.expect("resources/list");
    let uris: Vec<&str> = resources.iter().map(|r| r.uri.as_str()).collect();
    assert_eq!(
        uris,
        [
            format!("crisp://website/{WEBSITE}/conversations/unresolved"),
            format!("crisp://website/{WEBSITE}/conversations/awaiting-reply")
        ]
    );
    let templates = client.list_all_resource_templates().await.expect("resources/templates/list");
    assert!(
        templates.iter().any(|t| t.uri_template == "crisp://website/{website_id}/conversation/{session_id}/transcript")
    );

    let read = |uri: String| {
        let client = &client;
        async move { client.read_resource(ReadResourceRequestParams::new(uri)).await.expect("resources/read") }
    };
    let unresolved = read(uris[0].to_owned()).await;
    let (body, mime) = contents_text(&unresolved.contents[0]);
    assert_eq!(mime, Some("application/json"));
    let listed: Value = serde_json::from_str(body).unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 4, "the four open conversations");
    let awaiting = read(uris[1].to_owned()).await;
    let awaiting: Value = serde_json::from_str(contents_text(&awaiting.contents[0]).0).unwrap();
    assert_eq!(awaiting["items"][0]["session_id"], "session_waits_2_h");
    let transcript = read(format!("crisp://website/{WEBSITE}/conversation/session_noted/transcript")).await;
    let (markdown, mime) = contents_text(&transcript.contents[0]);
    assert_eq!(mime, Some("text/markdown"));
    assert!(markdown.starts_with("# Conversation with Dana\n"), "{markdown}");
    let question = markdown.find("Can I change plan?").expect("the visitor's message");
    let note = markdown.find("private note\n\nask billing").expect("the note, marked private");
    assert!(question < note, "oldest first:\n{markdown}");
    let unknown = client.read_resource(ReadResourceRequestParams::new("crisp://website/w/nothing")).await;
    assert!(unknown.is_err(), "an unknown URI is refused");

    let prompts = client.list_all_prompts().await.expect("prompts/list");
    let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["triage_unresolved", "draft_reply", "weekly_summary"]);
    let draft =
        client
            .get_prompt(GetPromptRequestParams::new("draft_reply").with_arguments(
                json!({"session_id": "session_waits_2_h", "tone": "formal"}).as_object().cloned().unwrap(),
            ))
            .await
            .expect("prompts/get");
    let text = draft.messages[0].content.as_text().map(|t| t.text.clone()).unwrap_or_default();
    assert!(
        text.contains("session_waits_2_h") && text.contains("formal") && text.contains("get_conversation_context"),
        "{text}"
    );
    let summary = client
        .get_prompt(
            GetPromptRequestParams::new("weekly_summary")
                .with_arguments(json!({"days": "3"}).as_object().cloned().unwrap()),
        )
        .await
        .expect("prompts/get");
    let text = summary.messages[0].content.as_text().map(|t| t.text.clone()).unwrap_or_default();
    assert!(text.contains("last 3 days") && text.contains(WEBSITE), "{text}");
    let missing = client.get_prompt(GetPromptRequestParams::new("draft_reply")).await;
    assert!(missing.is_err(), "draft_reply without a conversation is refused");
    client.cancel().await.expect("the client closes");
}

/// A client that keeps the URIs of the resource updates it gets.
#[derive(Clone, Default)]
struct Updates(Arc<Mutex<Vec<String>>>);

impl rmcp::ClientHandler for Updates {
    async fn on_resource_updated(
        &self,
        params: ResourceUpdatedNotificationParam,
        _context: NotificationContext<rmcp::RoleClient>,
    ) {
        self.0.lock().unwrap().push(params.uri);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribed_resources_are_updated_when_rtm_events_change_them() {
    let mock = seeded().await;
    let (client_side, server_side) = tokio::io::duplex(1 << 16);
    let server = server(&mock, McpOptions::new());
    tokio::spawn(async move {
        if let Ok(running) = server.serve(tokio::io::split(server_side)).await {
            let _ = running.waiting().await;
        }
    });
    let updates = Updates::default();
    let client = updates.clone().serve(tokio::io::split(client_side)).await.expect("the handshake succeeds");
    let transcript = format!("crisp://website/{WEBSITE}/conversation/session_waits_30_min/transcript");
    let other = format!("crisp://website/{WEBSITE}/conversation/session_answered/transcript");
    let awaiting = format!("crisp://website/{WEBSITE}/conversations/awaiting-reply");
    #[allow(deprecated)]
    for uri in [&transcript, &other, &awaiting] {
        client.subscribe(SubscribeRequestParams::new(uri.clone())).await.expect("resources/subscribe");
    }
    // The listener's RTM connection is up once the simulator has seen it authenticate.
    for _ in 0..200 {
        // It authenticates with the events it listens to.
        if mock.rtm_authentications().iter().any(|events| events.iter().any(|e| e == "message:send")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(!mock.rtm_authentications().is_empty(), "the server opened an RTM connection");
    mock.visitor_says(Some("session_waits_30_min"), "Still there?");
    let mut got = Vec::new();
    for _ in 0..400 {
        got = updates.0.lock().unwrap().clone();
        if got.contains(&transcript) && got.contains(&awaiting) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(got.contains(&transcript) && got.contains(&awaiting), "updates: {got:?}");
    assert!(!got.contains(&other), "another conversation's transcript did not change: {got:?}");
    client.cancel().await.expect("the client closes");
}
