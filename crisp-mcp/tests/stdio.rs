//! The `crisp-mcp` binary driven over stdio by rmcp's client, against the simulator.

mod common;

use std::collections::BTreeSet;

use common::{StdioServer, call, error, json, seeded_session, text};
use crisp_mock::{Fault, MockServer};
use serde_json::json;

#[tokio::test]
async fn the_default_server_lists_the_curated_reads_only() {
    let mock = MockServer::start().await.unwrap();
    let server = StdioServer::launch(&mock, &[]).await;
    let tools = server.client.list_all_tools().await.unwrap();
    let names: BTreeSet<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    let expected: BTreeSet<&str> = [
        // reading conversations
        "list_conversations",
        "list_suggested_conversation_segments",
        "list_suggested_conversation_data_keys",
        "list_spam_conversations",
        "resolve_spam_conversation_content",
        "check_if_conversation_exists",
        "get_conversation",
        "get_conversation_routing_assign",
        "get_conversation_metas",
        "list_conversation_pages",
        "list_conversation_events",
        "list_conversation_files",
        "get_conversation_state",
        "get_conversation_relations",
        "get_conversation_participants",
        "get_block_status_for_conversation",
        "get_verify_status_for_conversation",
        "list_browsing_sessions_for_conversation",
        "get_ongoing_call_session_for_conversation",
        // and their messages
        "get_messages_in_conversation",
        "get_message_in_conversation",
        "get_original_message_in_conversation",
        // searching and reading people (starred)
        "list_people_profiles",
        "check_if_people_profile_exists",
        "get_people_profile",
        // the starred plugin reads
        "plugin_get_connect_account",
        "plugin_check_connect_session_validity",
        "plugin_list_all_connect_websites",
        "plugin_list_connect_websites_since",
        "plugin_get_connect_endpoints",
        // the workflow tools that only read
        "list_conversations_awaiting_reply",
        "get_conversation_context",
        "find_people_by_email",
        "get_person_context",
    ]
    .into();
    assert_eq!(names, expected);
    for tool in &tools {
        let annotations = tool.annotations.as_ref().expect("every tool is annotated");
        assert_eq!(annotations.read_only_hint, Some(true), "{} is listed by a read-only server", tool.name);
        assert_eq!(annotations.destructive_hint, Some(false));
        assert!(
            tool.description
                .as_deref()
                .is_some_and(|d| d.contains("Returns") || d.contains("Lists") || d.contains("Finds")),
            "{} says what it returns",
            tool.name
        );
        assert_eq!(tool.input_schema["type"], "object");
        let output = tool.output_schema.as_ref().expect("every read publishes an outputSchema");
        assert_eq!(output["type"], "object");
        let toolset = &tool.meta.as_ref().expect("every tool names its toolset").0[crisp_mcp::TOOLSET_META];
        assert!(["conversations", "messages", "people", "plugin"].contains(&toolset.as_str().unwrap()));
    }
    let list = tools.iter().find(|t| t.name == "list_conversations").unwrap();
    assert_eq!(list.input_schema["required"], json!(["website_id"]));
    assert_eq!(list.input_schema["properties"]["filter_not_resolved"]["type"], "boolean");
    assert!(list.input_schema["properties"]["cursor"].is_object());
    assert!(list.input_schema["properties"].get("page_number").is_none());

    let prompts = server.client.list_all_prompts().await.unwrap();
    assert_eq!(
        prompts.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["triage_unresolved", "draft_reply", "weekly_summary"]
    );
    server.stop().await;
}

#[tokio::test]
async fn read_tools_answer_what_the_simulator_holds() {
    let mock = MockServer::start().await.unwrap();
    let session_id = seeded_session(&mock);
    let server = StdioServer::launch(&mock, &[]).await;
    let client = &server.client;

    let page = json(
        &call(client, "list_conversations", json!({"website_id": mock.website_id(), "filter_not_resolved": true}))
            .await,
    );
    let listed: Vec<&str> =
        page["items"].as_array().unwrap().iter().map(|c| c["session_id"].as_str().unwrap()).collect();
    assert_eq!(listed, [session_id.as_str()]);
    assert_eq!(page["next_cursor"], "page:2");
    let request = mock.requests().pop().unwrap();
    assert_eq!(request.path, format!("/v1/website/{}/conversations/1", mock.website_id()));
    assert!(request.query_pairs().contains(&("filter_not_resolved".to_owned(), "1".to_owned())));

    let next =
        json(&call(client, "list_conversations", json!({"website_id": mock.website_id(), "cursor": "page:2"})).await);
    assert_eq!(mock.requests().pop().unwrap().path, format!("/v1/website/{}/conversations/2", mock.website_id()));
    if next["items"].as_array().unwrap().is_empty() {
        assert!(next.get("next_cursor").is_none(), "an empty page ends the list");
    }

    let messages = json(
        &call(
            client,
            "get_messages_in_conversation",
            json!({"website_id": mock.website_id(), "session_id": session_id}),
        )
        .await,
    );
    let contents: Vec<&str> =
        messages["items"].as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap()).collect();
    let stored: Vec<String> = mock.with_state(|state| {
        state.websites[mock.website_id()].conversations[&session_id]
            .messages
            .iter()
            .map(|m| m["content"].as_str().unwrap().to_owned())
            .collect()
    });
    assert_eq!(contents, stored);
    assert!(messages.get("next_cursor").is_none(), "this list is not paged by page number");

    let conversation = json(
        &call(client, "get_conversation", json!({"website_id": mock.website_id(), "session_id": session_id})).await,
    );
    assert_eq!(conversation["session_id"], session_id.as_str());
    assert_eq!(conversation["meta"]["email"], "jane.doe@example.com");
    assert!(
        !text(
            &call(client, "get_conversation", json!({"website_id": mock.website_id(), "session_id": session_id})).await
        )
        .contains("null")
    );

    let exists = json(
        &call(
            client,
            "check_if_conversation_exists",
            json!({"website_id": mock.website_id(), "session_id": session_id}),
        )
        .await,
    );
    assert_eq!(exists, json!({"exists": true}));
    let missing = json(
        &call(
            client,
            "check_if_conversation_exists",
            json!({"website_id": mock.website_id(), "session_id": "session_nope"}),
        )
        .await,
    );
    assert_eq!(missing, json!({"exists": false}));

    let people = json(
        &call(client, "list_people_profiles", json!({"website_id": mock.website_id(), "search_text": "jane"})).await,
    );
    let emails: Vec<&str> = people["items"].as_array().unwrap().iter().map(|p| p["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["jane.doe@example.com"]);
    let request = mock.requests().pop().unwrap();
    assert!(request.query_pairs().contains(&("search_text".to_owned(), "jane".to_owned())));
    server.stop().await;
}

fn message_count(mock: &MockServer, session_id: &str) -> usize {
    mock.with_state(|state| state.websites[mock.website_id()].conversations[session_id].messages.len())
}

#[tokio::test]
async fn writes_need_allow_writes_and_destructive_tools_need_allow_destructive() {
    let mock = MockServer::start().await.unwrap();
    let session_id = seeded_session(&mock);
    let reply = json!({
        "website_id": mock.website_id(),
        "session_id": session_id,
        "body": {"type": "text", "from": "operator", "origin": "chat", "content": "Your parcel ships today."}
    });
    let remove = json!({"website_id": mock.website_id(), "session_id": session_id});

    let read_only = StdioServer::launch(&mock, &[]).await;
    let refused = error(&call(&read_only.client, "send_message_in_conversation", reply.clone()).await);
    assert!(refused.contains("read-only") && refused.contains("--allow-writes"), "{refused}");
    assert!(error(&call(&read_only.client, "remove_conversation", remove.clone()).await).contains("--allow-writes"));
    read_only.stop().await;
    assert!(mock.requests().is_empty(), "a refused tool sends nothing");
    assert_eq!(message_count(&mock, &session_id), 2);

    let writer = StdioServer::launch(&mock, &["--allow-writes"]).await;
    let names: Vec<String> =
        writer.client.list_all_tools().await.unwrap().into_iter().map(|t| t.name.into_owned()).collect();
    assert!(names.iter().any(|n| n == "send_message_in_conversation"));
    assert!(!names.iter().any(|n| n == "remove_people_profile"), "destructive tools stay hidden");
    let sent = json(&call(&writer.client, "send_message_in_conversation", reply).await);
    assert!(sent["fingerprint"].is_u64(), "Crisp answers the new message's fingerprint: {sent}");
    assert_eq!(message_count(&mock, &session_id), 3);
    let stored =
        mock.with_state(|state| state.websites[mock.website_id()].conversations[&session_id].messages[2].clone());
    assert_eq!(stored["content"], "Your parcel ships today.");
    assert_eq!(stored["from"], "operator");

    let refused = error(&call(&writer.client, "remove_conversation", remove.clone()).await);
    assert!(refused.contains("destructive") && refused.contains("--allow-destructive"), "{refused}");
    let refused = error(
        &call(&writer.client, "batch_resolve_conversations", json!({"website_id": mock.website_id(), "body": {}}))
            .await,
    );
    assert!(refused.contains("--allow-destructive"), "{refused}");
    writer.stop().await;
    assert!(mock.requests().iter().all(|r| r.method != "DELETE"));

    let destroyer =
        StdioServer::launch(&mock, &["--toolsets", "default,conversations", "--allow-writes", "--allow-destructive"])
            .await;
    let tools = destroyer.client.list_all_tools().await.unwrap();
    let remove_tool = tools.iter().find(|t| t.name == "remove_conversation").expect("listed once allowed");
    assert_eq!(remove_tool.annotations.as_ref().unwrap().destructive_hint, Some(true));
    json(&call(&destroyer.client, "remove_conversation", remove).await);
    destroyer.stop().await;
    let left = mock.with_state(|state| state.websites[mock.website_id()].conversations.contains_key(&session_id));
    assert!(!left, "the conversation is gone from the simulator");
}

#[tokio::test]
async fn bad_arguments_get_a_clear_error_and_the_key_appears_nowhere() {
    let mock = MockServer::start().await.unwrap();
    let session_id = seeded_session(&mock);
    let server = StdioServer::launch(&mock, &["--toolsets", "all", "--allow-writes"]).await;
    let client = &server.client;
    let website_id = mock.website_id();

    let missing = error(&call(client, "get_conversation", json!({"website_id": website_id})).await);
    assert_eq!(missing, "Bad arguments: `get_conversation` needs the argument `session_id`.");
    let unknown = error(&call(client, "get_conversation", json!({"website_id": website_id, "session": "x"})).await);
    assert_eq!(
        unknown,
        "Bad arguments: `get_conversation` takes no argument `session`; it takes: website_id, session_id."
    );
    let flag =
        error(&call(client, "list_conversations", json!({"website_id": website_id, "filter_unread": "yes"})).await);
    assert_eq!(flag, "Bad arguments: `filter_unread` must be true or false, not a string.");
    let cursor =
        error(&call(client, "list_conversations", json!({"website_id": website_id, "cursor": "page:0"})).await);
    assert!(cursor.contains("next_cursor"), "{cursor}");
    let body = error(
        &call(client, "send_message_in_conversation", json!({"website_id": website_id, "session_id": session_id}))
            .await,
    );
    assert!(body.contains("needs the argument `body`"), "{body}");
    let escape = error(&call(client, "get_conversation", json!({"website_id": website_id, "session_id": ".."})).await);
    assert!(escape.contains("session_id"), "{escape}");
    assert!(mock.requests().is_empty(), "bad arguments never reach Crisp");

    // Crisp's own refusals come back as one sentence.
    let not_found =
        error(&call(client, "get_conversation", json!({"website_id": website_id, "session_id": "session_nope"})).await);
    assert!(not_found.contains("404") || not_found.contains("not_found"), "{not_found}");
    assert!(!not_found.contains("Error {") && !not_found.contains("kind:"), "no Rust types: {not_found}");
    mock.inject(Fault::status(401).on_route("website.get_conversation").times(1));
    let unauthorized =
        error(&call(client, "get_conversation", json!({"website_id": website_id, "session_id": session_id})).await);
    assert!(unauthorized.contains("401"), "{unauthorized}");
    let unknown_tool = server
        .client
        .call_tool(rmcp::model::CallToolRequestParams::new("no_such_tool").with_arguments(common::args(json!({}))))
        .await;
    assert!(unknown_tool.unwrap_err().to_string().contains("no_such_tool"));
    // A real round trip, so the transcript holds credentials-bearing traffic to look through.
    json(&call(client, "list_conversations", json!({"website_id": website_id})).await);

    let transcript = server.stop().await.text();
    assert!(transcript.contains("\"name\":\"list_conversations\""), "the transcript holds the calls");
    assert!(transcript.contains("jane.doe@example.com"), "the transcript holds the results");
    assert!(transcript.contains("TRACE") || transcript.contains("DEBUG"), "the server logged at trace level");
    assert!(!transcript.contains(mock.key()), "the key leaked into the transcript");
    let basic = crisp_api_basic(mock.identifier(), mock.key());
    assert!(!transcript.contains(&basic), "the Basic credentials leaked into the transcript");
}

/// The `Authorization` value the client sends, to make sure it is not logged either.
fn crisp_api_basic(identifier: &str, key: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{identifier}:{key}"))
}

#[tokio::test]
async fn an_unknown_toolset_is_refused_at_startup() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_crisp-mcp"))
        .args(["--toolsets", "conversations,tickets"])
        .env_clear()
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown toolset `tickets`") && stderr.contains("helpdesk"), "{stderr}");
}

#[tokio::test]
async fn the_binary_will_not_serve_without_credentials() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_crisp-mcp")).env_clear().output().await.unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("CRISP_KEY"));
    let listed = tokio::process::Command::new(env!("CARGO_BIN_EXE_crisp-mcp"))
        .args(["--list-tools", "--toolsets", "helpdesk"])
        .env_clear()
        .output()
        .await
        .unwrap();
    assert!(listed.status.success());
    let names = String::from_utf8_lossy(&listed.stdout).lines().map(str::to_owned).collect::<Vec<_>>();
    assert!(names.contains(&"list_helpdesk_locales".to_owned()) && !names.contains(&"list_conversations".to_owned()));
}
