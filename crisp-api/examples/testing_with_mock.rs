//! How to test your own Crisp code with `crisp-mock`, in `#[tokio::test]`s.
//!
//! `acknowledge_waiting_visitors` stands for your bot or sync code: it answers
//! every conversation whose last message came from the visitor. The tests at
//! the bottom run it against a mock started per test (a free port on
//! 127.0.0.1, stopped when dropped), then check what it sent, how it rides out
//! a rate limit, and that a failed write is reported, not sent twice.
//!
//! ```text
//! cargo test --example testing_with_mock   # the tests
//! cargo run --example testing_with_mock    # the code itself, on the mock or on Crisp
//! ```
//!
//! `cargo run` uses Crisp when `CRISP_IDENTIFIER`, `CRISP_KEY` and
//! `CRISP_WEBSITE_ID` are set (careful: it writes to real conversations).

use crisp_api::models::{ConversationMessageNew, MessageFrom, MessageOrigin};
use crisp_api::{Crisp, Tier};
use futures_util::TryStreamExt as _;

/// The text sent to visitors waiting for an answer.
const ACKNOWLEDGEMENT: &str = "Thanks for your message, an operator will answer shortly.";

/// Answers every conversation whose last message is the visitor's, and
/// returns how many it answered.
async fn acknowledge_waiting_visitors(client: &Crisp, website_id: &str) -> crisp_api::Result<usize> {
    let website = client.website();
    let mut answered = 0;
    let mut conversations = website.list_conversations(website_id, 1).into_stream();
    while let Some(conversation) = conversations.try_next().await? {
        let Some(session_id) = conversation.session_id else { continue };
        let messages = website.get_messages_in_conversation(website_id, &session_id).await?;
        if messages.last().and_then(|m| m.from.as_ref()) == Some(&MessageFrom::User) {
            let reply = ConversationMessageNew::text(MessageFrom::Operator, MessageOrigin::Chat, ACKNOWLEDGEMENT);
            website.send_message_in_conversation(website_id, &session_id, &reply).await?;
            answered += 1;
        }
    }
    Ok(answered)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let real = ["CRISP_IDENTIFIER", "CRISP_KEY", "CRISP_WEBSITE_ID"]
        .iter()
        .all(|v| std::env::var(v).is_ok_and(|v| !v.is_empty()));
    let answered = if real {
        let mut client = Crisp::from_env()?;
        if std::env::var("CRISP_TIER").is_err() {
            client.set_tier(Tier::Plugin);
        }
        acknowledge_waiting_visitors(&client, &std::env::var("CRISP_WEBSITE_ID")?).await?
    } else {
        let mock = crisp_mock::MockServer::start().await?;
        mock.visitor_says(None, "Hello?");
        let client = Crisp::builder()
            .credentials(mock.identifier(), mock.key())
            .tier(Tier::Plugin)
            .base_url(mock.base_url())
            .build()?;
        acknowledge_waiting_visitors(&client, mock.website_id()).await?
    };
    println!("Answered {answered} waiting visitor(s).");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crisp_api::{Crisp, RetryPolicy, Tier};
    use crisp_mock::{Fault, MockServer};

    use super::{ACKNOWLEDGEMENT, acknowledge_waiting_visitors};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// A client for the mock, with short back-off so retries do not slow the tests.
    fn client_for(mock: &MockServer) -> crisp_api::Result<Crisp> {
        Crisp::builder()
            .credentials(mock.identifier(), mock.key())
            .tier(Tier::Plugin)
            .base_url(mock.base_url())
            .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(10)))
            .build()
    }

    /// How many requests the mock received for one endpoint (`service.name`).
    fn calls(mock: &MockServer, endpoint: &str) -> usize {
        mock.requests().iter().filter(|r| r.endpoint.as_deref() == Some(endpoint)).count()
    }

    #[tokio::test]
    async fn answers_only_visitors_who_are_waiting() -> TestResult {
        let mock = MockServer::start().await?; // seeded with one conversation the operator answered
        let session_id = mock.visitor_says(None, "Is my order on its way?");
        let client = client_for(&mock)?;

        assert_eq!(acknowledge_waiting_visitors(&client, mock.website_id()).await?, 1);
        let sent: Vec<_> = mock
            .requests()
            .into_iter()
            .filter(|r| r.endpoint.as_deref() == Some("website.send_message_in_conversation"))
            .collect();
        assert_eq!(sent.len(), 1);
        assert!(sent[0].path.contains(&session_id), "answered the wrong conversation: {}", sent[0].path);
        let body = sent[0].json().ok_or("the reply has no JSON body")?;
        assert_eq!(body["content"], ACKNOWLEDGEMENT);
        assert_eq!(body["from"], "operator");

        // The mock keeps state: the visitor has an answer now, so a second run sends nothing.
        assert_eq!(acknowledge_waiting_visitors(&client, mock.website_id()).await?, 0);
        Ok(())
    }

    #[tokio::test]
    async fn rides_out_a_rate_limit() -> TestResult {
        let mock = MockServer::start().await?;
        mock.visitor_says(None, "Hello?");
        // The first listing is refused with 429; the client waits and tries again.
        mock.inject(Fault::rate_limit(429, Some(0)).on_route("website.list_conversations").times(1));

        assert_eq!(acknowledge_waiting_visitors(&client_for(&mock)?, mock.website_id()).await?, 1);
        let listings = calls(&mock, "website.list_conversations");
        assert!(listings >= 2, "the rate-limited listing was not retried ({listings} listing requests)");
        Ok(())
    }

    #[tokio::test]
    async fn reports_a_failed_reply_without_sending_it_twice() -> TestResult {
        let mock = MockServer::start().await?;
        mock.visitor_says(None, "Hello?");
        mock.inject(Fault::status(500).on_route("website.send_message_in_conversation"));

        let error = acknowledge_waiting_visitors(&client_for(&mock)?, mock.website_id()).await.unwrap_err();
        assert_eq!(error.status(), Some(500));
        // A message is not idempotent: sending it again could post it twice, so the client does not retry.
        assert_eq!(calls(&mock, "website.send_message_in_conversation"), 1);
        Ok(())
    }
}
