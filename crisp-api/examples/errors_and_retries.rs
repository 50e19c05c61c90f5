//! Errors, rate limits and retries: what can fail, how to tell the cases
//! apart, what the client retries on its own, and how to make a write safe
//! to retry.
//!
//! With no Crisp account it runs every case against the embedded mock, which
//! injects the faults (rate limits, slow answers, broken bodies, failing
//! writes). With `CRISP_IDENTIFIER`, `CRISP_KEY` and `CRISP_WEBSITE_ID` set it
//! runs the cases that need no fault injection against Crisp: they only read.
//!
//! ```text
//! cargo run --example errors_and_retries
//! ```

use std::time::Duration;

use crisp_api::models::ConversationState;
use crisp_api::{Crisp, Error, ErrorKind, RetryPolicy, Tier};
use crisp_mock::{Fault, MockServer};

/// One place that decides what an error means for the program.
fn describe(error: &Error) -> String {
    let what = match error.kind() {
        ErrorKind::Api { status: 404, reason, .. } => format!("not found ({reason})"),
        ErrorKind::Api { status, reason, .. } => format!("Crisp refused it: {status} {reason}"),
        ErrorKind::RateLimited { retry_after, .. } => format!("rate limited; Crisp asks to wait {retry_after:?}"),
        ErrorKind::Timeout { after } => format!("no answer within {after:?}"),
        ErrorKind::Transport { before_sending: true, .. } => "could not reach Crisp; nothing was sent".to_owned(),
        ErrorKind::Transport { .. } => "the connection broke; the request may have been applied".to_owned(),
        ErrorKind::Decode { path, .. } => format!("an answer this crate cannot read, at `{path}`"),
        ErrorKind::InvalidInput { message } => format!("refused before sending: {message}"),
        // The enum is non-exhaustive: later versions may add kinds.
        _ => "another failure".to_owned(),
    };
    let advice = if error.is_retryable() { "worth retrying later" } else { "retrying will not help" };
    // `Display` is a full sentence, safe to log: it never holds the key.
    format!("{what}; {advice}\n      ({error})")
}

fn client(base_url: &str, identifier: &str, key: &str) -> crisp_api::Result<Crisp> {
    Crisp::builder()
        .credentials(identifier, key)
        .tier(Tier::Plugin)
        .base_url(base_url)
        // The whole call, retries included, and each attempt, have their own limit.
        .timeout(Duration::from_secs(10))
        .attempt_timeout(Duration::from_secs(3))
        // Reads are retried on timeouts, 5xx, 429 and 420, with growing, jittered delays.
        .retry(RetryPolicy::default().max_attempts(3).initial_backoff(Duration::from_millis(100)))
        .build()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let real = ["CRISP_IDENTIFIER", "CRISP_KEY", "CRISP_WEBSITE_ID"]
        .iter()
        .all(|v| std::env::var(v).is_ok_and(|v| !v.is_empty()));
    if real {
        let mut crisp = Crisp::from_env()?;
        if std::env::var("CRISP_TIER").is_err() {
            crisp.set_tier(Tier::Plugin);
        }
        return reads_that_fail(&crisp, &std::env::var("CRISP_WEBSITE_ID")?).await;
    }

    let mock = MockServer::start().await?;
    println!("Using the embedded Crisp mock at {}\n", mock.base_url());
    let crisp = client(&mock.base_url(), mock.identifier(), mock.key())?;
    let website_id = mock.website_id();
    reads_that_fail(&crisp, website_id).await?;

    println!("\n3. A rate limit the client rides out on its own (429, Retry-After: 1)");
    mock.take_requests();
    mock.inject(Fault::rate_limit(429, Some(1)).on_route("website.get_website").times(1));
    crisp.website().get_website(website_id).await?;
    println!("   ok after {} requests", mock.take_requests().len());

    println!("\n4. The same with retries off: the error says how long to wait");
    let no_retries = Crisp::builder()
        .credentials(mock.identifier(), mock.key())
        .tier(Tier::Plugin)
        .base_url(mock.base_url())
        .retry(RetryPolicy::none())
        .build()?;
    mock.inject(Fault::rate_limit(429, Some(1)).on_route("website.get_website").times(1));
    let error = no_retries.website().get_website(website_id).await.unwrap_err();
    println!("   {}", describe(&error));
    tokio::time::sleep(error.retry_after().unwrap_or(Duration::from_secs(1))).await;
    no_retries.website().get_website(website_id).await?;
    println!("   ok after waiting");

    println!("\n5. A slow answer: each attempt times out, then the call gives up");
    let impatient = Crisp::builder()
        .credentials(mock.identifier(), mock.key())
        .tier(Tier::Plugin)
        .base_url(mock.base_url())
        .attempt_timeout(Duration::from_millis(200))
        .timeout(Duration::from_secs(1))
        .build()?;
    mock.inject(Fault::delay(Duration::from_secs(2)).on_route("website.get_website"));
    let error = impatient.website().get_website(website_id).await.unwrap_err();
    println!("   {}", describe(&error));
    mock.clear_faults();

    println!("\n6. A success whose body is not JSON");
    mock.inject(Fault::malformed_json().on_route("website.get_website").times(1));
    let error = crisp.website().get_website(website_id).await.unwrap_err();
    println!("   {}", describe(&error));

    println!("\n7. A write that fails with 503 is not retried: sending it twice could apply it twice");
    let session_id = mock.visitor_says(None, "Hello?");
    let route = "website.change_conversation_state";
    mock.inject(Fault::status(503).on_route(route).times(1));
    let error = crisp
        .website()
        .change_conversation_state(website_id, &session_id, ConversationState::Resolved)
        .await
        .unwrap_err();
    println!("   {}", describe(&error));

    println!("\n8. Setting a state twice is harmless, so this write may be retried: `.idempotent()`");
    mock.take_requests();
    mock.inject(Fault::status(503).on_route(route).times(1));
    crisp
        .website()
        .change_conversation_state(website_id, &session_id, ConversationState::Resolved)
        .idempotent()
        .await?;
    println!("   ok after {} requests", mock.take_requests().len());
    Ok(())
}

/// The failures a read can meet anywhere, mock or Crisp.
async fn reads_that_fail(crisp: &Crisp, website_id: &str) -> Result<(), Box<dyn std::error::Error>> {
    println!("1. A conversation that does not exist");
    let error = crisp.website().get_conversation(website_id, "session_00000000-0000-0000-0000-000000000000").await;
    println!("   {}", error.map_or_else(|e| describe(&e), |_| "found (unexpected)".to_owned()));

    println!("\n2. An empty id, refused before anything is sent");
    let error = crisp.website().get_conversation(website_id, "").await.unwrap_err();
    println!("   {}", describe(&error));
    Ok(())
}
