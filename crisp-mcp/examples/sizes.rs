//! Measures what the server costs a model's context: the size of `tools/list` for each mode and of typical
//! tool results, against the simulator seeded with a busier inbox (20 conversations of 6 messages).
//!
//! `cargo run -p crisp-mcp --example sizes`

use crisp_api::models::{ConversationMessageNew, MessageFrom, MessageOrigin, SessionId};
use crisp_mcp::{CrispMcp, McpOptions, Toolsets};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = crisp_mock::MockServer::start().await?;
    let client = crisp_api::Crisp::builder()
        .credentials(mock.identifier(), mock.key())
        .tier(crisp_api::Tier::Plugin)
        .base_url(mock.base_url())
        .build()?;
    let website_id = mock.website_id().to_owned();
    let mut session_id = SessionId::default();
    for i in 0..20 {
        let created = client.website().create_new_conversation(&website_id).await?;
        session_id = created.session_id.unwrap_or_default();
        for j in 0..6 {
            let (from, text) = if j % 2 == 0 {
                (
                    MessageFrom::User,
                    format!(
                        "Hello, this is customer {i}: my invoice #{j} shows a charge I don't recognise, can you check?"
                    ),
                )
            } else {
                (
                    MessageFrom::Operator,
                    format!("Thanks for reaching out! I'm looking at invoice #{j} for you right now."),
                )
            };
            let message = ConversationMessageNew::text(from, MessageOrigin::Chat, text);
            client.website().send_message_in_conversation(&website_id, &session_id, &message).await?;
        }
    }

    println!("tools/list (JSON bytes):");
    let modes = [
        ("default, read-only", McpOptions::new()),
        ("default, writes", McpOptions::new().allow_writes(true)),
        ("default, writes + destructive", McpOptions::new().allow_writes(true).allow_destructive(true)),
        ("all, read-only", McpOptions::new().toolsets(Toolsets::all())),
        (
            "all, writes + destructive",
            McpOptions::new().toolsets(Toolsets::all()).allow_writes(true).allow_destructive(true),
        ),
    ];
    for (mode, options) in modes {
        let tools = CrispMcp::new(client.clone(), options).tools();
        println!("  {mode:32} {:3} tools {:7} bytes", tools.len(), serde_json::to_vec(&tools)?.len());
    }

    let server = CrispMcp::new(client, McpOptions::new());
    println!("tool results (JSON bytes of the text content):");
    let calls = [
        ("list_conversations (20 per page)", "list_conversations", json!({"website_id": website_id, "per_page": 20})),
        ("get_conversation", "get_conversation", json!({"website_id": website_id, "session_id": session_id})),
        (
            "get_messages_in_conversation (6)",
            "get_messages_in_conversation",
            json!({"website_id": website_id, "session_id": session_id}),
        ),
        ("list_people_profiles", "list_people_profiles", json!({"website_id": website_id})),
    ];
    for (what, tool, arguments) in calls {
        let result = server.call(tool, arguments.as_object().cloned()).await?;
        let text: usize = result.content.iter().filter_map(|c| c.as_text()).map(|t| t.text.len()).sum();
        println!("  {what:36} {text:6} bytes{}", if result.is_error == Some(true) { " (error)" } else { "" });
    }
    Ok(())
}
