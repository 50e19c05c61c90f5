//! The classic Crisp bot: listen to `message:send` (a visitor wrote) over
//! RTM and answer through the REST API.
//!
//! With no Crisp account it runs against the embedded mock, plays the visitor
//! itself and prints the exchange, then stops. With `CRISP_IDENTIFIER`,
//! `CRISP_KEY` (a plugin token by default; `CRISP_TIER` to change) set, it
//! connects to Crisp and answers until Ctrl-C.
//!
//! ```text
//! cargo run --example bot
//! ```

use std::time::Duration;

use crisp_api::events::Event;
use crisp_api::models::{ConversationMessageNew, EventsMessageSend};
use crisp_api::{Crisp, Tier};
use futures_util::StreamExt as _;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let real = ["CRISP_IDENTIFIER", "CRISP_KEY"].iter().all(|v| std::env::var(v).is_ok_and(|v| !v.is_empty()));
    let mock = if real { None } else { Some(crisp_mock::MockServer::start().await?) };
    let client = match &mock {
        None => {
            let mut client = Crisp::from_env()?;
            if std::env::var("CRISP_TIER").is_err() {
                client.set_tier(Tier::Plugin);
            }
            client
        }
        Some(mock) => {
            println!("Using the embedded Crisp mock at {}", mock.base_url());
            Crisp::builder()
                .credentials(mock.identifier(), mock.key())
                .tier(Tier::Plugin)
                .base_url(mock.base_url())
                .build()?
        }
    };

    let mut rtm = client.rtm().events([crisp_api::events::EventName::MessageSend]).connect().await?;
    println!("Listening to message:send over RTM");

    if let Some(mock) = &mock {
        // Play the visitor: two messages in a new conversation.
        let session_id = mock.visitor_says(None, "Hi! What are your opening hours?");
        mock.visitor_says(Some(&session_id), "And do you ship to Canada?");
    }

    let mut answered = 0;
    loop {
        let next = tokio::select! {
            next = rtm.next() => next,
            _ = tokio::signal::ctrl_c() => break,
        };
        let Some(event) = next else { break };
        let Event::MessageSend(message) = event? else { continue };
        let (Some(website_id), Some(session_id)) = (message.website_id.clone(), message.session_id.clone()) else {
            continue;
        };
        let question = message.typed_content().text().unwrap_or("(not text)").to_owned();
        println!("visitor  [{session_id}] {question}");
        let answer = ConversationMessageNew::text(
            crisp_api::models::MessageFrom::Operator,
            crisp_api::models::MessageOrigin::Chat,
            reply_to(&message),
        );
        client.website().send_message_in_conversation(&website_id, &session_id, &answer).await?;
        println!("bot      [{session_id}] {}", answer.content.as_ref().and_then(|c| c.as_str()).unwrap_or_default());
        answered += 1;
        if mock.is_some() && answered == 2 {
            let messages = client.website().get_messages_in_conversation(&website_id, &session_id).await?;
            println!("\nThe conversation now holds {} messages.", messages.len());
            break;
        }
    }
    rtm.close().await;
    // Give the close frame a moment before the runtime stops.
    tokio::time::sleep(Duration::from_millis(50)).await;
    Ok(())
}

fn reply_to(message: &EventsMessageSend) -> String {
    let text = message.typed_content().text().unwrap_or_default().to_lowercase();
    if text.contains("hours") {
        "We are open Monday to Friday, 9:00 to 18:00.".to_owned()
    } else if text.contains("ship") {
        "Yes, we ship worldwide, Canada included.".to_owned()
    } else {
        "Thanks for your message, an operator will answer shortly.".to_owned()
    }
}
