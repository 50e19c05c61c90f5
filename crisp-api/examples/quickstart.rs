//! The main job in a few calls: authenticate, list conversations, start one,
//! send a message, read it back.
//!
//! Runs against an embedded Crisp mock by default. With `CRISP_IDENTIFIER`,
//! `CRISP_KEY` and `CRISP_WEBSITE_ID` set (and optionally `CRISP_TIER`,
//! default `plugin`), it talks to the real API instead.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use crisp_api::models::{Conversation, ConversationMessageNew};
use crisp_api::{Crisp, Tier};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let real = ["CRISP_IDENTIFIER", "CRISP_KEY", "CRISP_WEBSITE_ID"]
        .iter()
        .all(|v| std::env::var(v).is_ok_and(|v| !v.is_empty()));
    // Kept alive until the end of `main`: dropping it stops the mock.
    let mut _mock = None;
    let (client, website_id) = if real {
        let mut client = Crisp::from_env()?;
        if std::env::var("CRISP_TIER").is_err() {
            client.set_tier(Tier::Plugin);
        }
        println!("Using the Crisp API at {}", client.base_url());
        (client, std::env::var("CRISP_WEBSITE_ID")?)
    } else {
        let mock = crisp_mock::MockServer::start().await?;
        println!("Using the embedded Crisp mock at {}", mock.base_url());
        println!("(set CRISP_IDENTIFIER, CRISP_KEY and CRISP_WEBSITE_ID to use the real API)\n");
        let mut client = Crisp::builder().base_url(mock.base_url()).build()?;
        client.set_tier(Tier::Plugin);
        client.authenticate(mock.identifier(), mock.key());
        let website_id = mock.website_id().to_owned();
        _mock = Some(mock);
        (client, website_id)
    };
    let website = client.website();

    let conversations = website.list_conversations(&website_id, 1).per_page(10).await?;
    println!("Website {website_id}: {} conversation(s) on the first page", conversations.len());
    for conversation in &conversations {
        println!("  • {}", summary(conversation));
    }

    let session_id =
        website.create_new_conversation(&website_id).await?.session_id.ok_or("no session id in the answer")?;
    println!("\nStarted conversation {session_id}");

    let message = ConversationMessageNew::text(
        crisp_api::models::MessageFrom::Operator,
        crisp_api::models::MessageOrigin::Chat,
        "Hello from crisp-api for Rust!",
    );
    let sent = website.send_message_in_conversation(&website_id, &session_id, &message).await?;
    println!("Sent a message (fingerprint {})", sent.fingerprint.unwrap_or_default());

    let messages = website.get_messages_in_conversation(&website_id, &session_id).await?;
    println!("Read back {} message(s):", messages.len());
    for message in &messages {
        let text = message.content.as_ref().and_then(|c| c.as_str()).unwrap_or("(not text)");
        println!("  [{}] {text}", message.from.as_ref().map_or("?", |from| from.as_str()));
    }
    Ok(())
}

fn summary(conversation: &Conversation) -> String {
    let meta = conversation.meta.as_ref();
    let who = meta.and_then(|m| m.nickname.as_deref()).unwrap_or("visitor");
    let email = meta.and_then(|m| m.email.as_deref()).map(|e| format!(" <{e}>")).unwrap_or_default();
    let state = conversation.state.as_ref().map_or("unknown", |s| s.as_str());
    let last = conversation.last_message.as_deref().unwrap_or("");
    format!("{} — {who}{email} — {state} — {last:?}", conversation.session_id.as_deref().unwrap_or("?"))
}
