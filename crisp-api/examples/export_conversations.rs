//! Export every conversation of a website and all its messages to JSON Lines:
//! one line per conversation, `{"conversation": {...}, "messages": [...]}`.
//!
//! Conversations are read page after page, and each conversation's history
//! with `oldest_first`, which walks back in time and returns the messages in
//! the order they were written. A conversation's JSON is Crisp's own `data`,
//! taken with `raw_data()`, so fields this crate's models do not know survive
//! the export; messages are the typed model. Progress goes to stderr.
//!
//! With no Crisp account it runs against the embedded mock, seeded with a few
//! conversations. With `CRISP_IDENTIFIER`, `CRISP_KEY` and `CRISP_WEBSITE_ID`
//! set (a plugin token by default; `CRISP_TIER` to change) it exports that
//! website.
//!
//! ```text
//! cargo run --example export_conversations -- conversations.jsonl   # or no path: stdout
//! ```

use std::io::{BufWriter, Write};

use crisp_api::{Crisp, Tier};
use serde_json::{Value, json};

/// Conversations asked for per page; Crisp caps it at 50.
const PER_PAGE: u64 = 50;
/// The most messages held for one conversation; a longer history is cut to
/// its latest messages, and said so.
const MAX_MESSAGES: usize = 100_000;

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
        (client, std::env::var("CRISP_WEBSITE_ID")?)
    } else {
        let mock = crisp_mock::MockServer::start().await?;
        eprintln!("Exporting from the embedded Crisp mock at {}", mock.base_url());
        for text in ["Where is my order?", "Do you ship to Canada?", "Thanks!"] {
            mock.visitor_says(None, text);
        }
        let client = Crisp::builder()
            .credentials(mock.identifier(), mock.key())
            .tier(Tier::Plugin)
            .base_url(mock.base_url())
            .build()?;
        let website_id = mock.website_id().to_owned();
        _mock = Some(mock);
        (client, website_id)
    };

    let output: Box<dyn Write> = match std::env::args_os().nth(1) {
        Some(path) => Box::new(std::fs::File::create(path)?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut output = BufWriter::new(output);
    let (mut conversations, mut messages) = (0_usize, 0_usize);

    for page in 1_u32.. {
        let response =
            client.website().list_conversations(&website_id, page).per_page(PER_PAGE).send_with_response().await?;
        let Value::Array(batch) = response.raw_data()? else { break };
        if batch.is_empty() {
            break;
        }
        for conversation in batch {
            let Some(session_id) = conversation["session_id"].as_str() else { continue };
            let history = client
                .website()
                .get_messages_in_conversation(&website_id, session_id)
                .oldest_first(MAX_MESSAGES)
                .await?;
            if history.len() == MAX_MESSAGES {
                eprintln!("\n{session_id}: only its latest {MAX_MESSAGES} messages are exported");
            }
            messages += history.len();
            conversations += 1;
            serde_json::to_writer(&mut output, &json!({ "conversation": conversation, "messages": history }))?;
            output.write_all(b"\n")?;
            eprint!("\r{conversations} conversations, {messages} messages (page {page})");
        }
    }
    output.flush()?;
    eprintln!("\rExported {conversations} conversations and {messages} messages.");
    Ok(())
}
