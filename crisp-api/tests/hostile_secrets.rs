//! With every target at TRACE, the traces of the libraries below (hyper's
//! connection pool) included and any `log` records (rustls) bridged into
//! tracing, no captured line holds the key, the Basic credentials or a Web
//! Hook signing secret, in any encoding a frame dump would use, across REST,
//! RTM and Web Hooks.

#[path = "support/trace_capture.rs"]
mod trace_capture;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use crisp_api::webhook::{WebhookVerifier, signed_headers};
use crisp_api::{Crisp, RetryPolicy, Tier};
use crisp_mock::{Fault, MockConfig, MockServer};
use futures_util::StreamExt as _;

const IDENTIFIER: &str = "secrets-identifier";
const KEY: &str = "secrets-key-that-must-never-leak-0c9a";
const SIGNING_SECRET: &str = "signing-secret-that-must-never-leak-51e2";

/// The forms a secret takes in a dump: as is, Base64 (Basic auth), hex (frame dumps).
fn forms(secret: &str) -> Vec<String> {
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    vec![secret.to_owned(), base64::engine::general_purpose::STANDARD.encode(secret), hex]
}

#[tokio::test]
async fn no_secret_reaches_any_log_line() {
    // `log` records go to the current tracing subscriber, this thread's
    // capture. The mock's websocket server is `tungstenite`, which dumps the
    // frames it receives, the client's authentication included: that is the
    // server's log, so it is left out. The client does not use `tungstenite`.
    tracing_log::LogTracer::builder()
        .ignore_all(["tungstenite", "tokio_tungstenite"])
        .init()
        .expect("the only logger of this test binary");
    let (capture, _guard) = trace_capture::capture_traces();
    let mut texts = Vec::new();

    // REST: successes, retried failures, errors, refused credentials.
    let mock = MockServer::start_with(MockConfig::default().credentials(IDENTIFIER, KEY)).await.unwrap();
    let client = Crisp::builder()
        .credentials(IDENTIFIER, KEY)
        .tier(Tier::Plugin)
        .base_url(mock.base_url())
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    client.website().get_website(mock.website_id()).await.unwrap();
    for fault in [Fault::status(503).times(1), Fault::drop_connection().times(1), Fault::html(502)] {
        mock.clear_faults();
        mock.inject(fault);
        if let Err(err) = client.website().get_website(mock.website_id()).await {
            texts.push(format!("{err} {err:?}"));
        }
    }
    mock.clear_faults();
    let wrong = Crisp::builder().credentials(IDENTIFIER, format!("{KEY}-x")).base_url(mock.base_url()).build().unwrap();
    let err = wrong.website().get_website(mock.website_id()).await.unwrap_err();
    texts.push(format!("{err} {err:?}"));

    // RTM: discovery, the authentication frame, an event, a clean close.
    let mut rtm = tokio::time::timeout(
        Duration::from_secs(10),
        client.rtm().events([crisp_api::events::EventName::MessageSend]).connect(),
    )
    .await
    .expect("connect in time")
    .unwrap();
    texts.push(format!("{rtm:?}"));
    let session = client.website().create_new_conversation(mock.website_id()).await.unwrap();
    let message = crisp_api::models::ConversationMessageNew::text(
        crisp_api::models::MessageFrom::User,
        crisp_api::models::MessageOrigin::Chat,
        "hi",
    );
    let session_id = session.session_id.unwrap();
    client.website().send_message_in_conversation(mock.website_id(), &session_id, &message).await.unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(2), rtm.next()).await;
    rtm.close().await;

    // Web Hooks: a verified one, a forged one.
    let verifier = WebhookVerifier::new(SIGNING_SECRET);
    texts.push(format!("{verifier:?}"));
    let body = br#"{"website_id":"w","event":"message:send","data":{},"timestamp":1}"#;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
    verifier.parse(&signed_headers(SIGNING_SECRET, now, body), body).unwrap();
    let err = verifier.parse(&signed_headers("forged", now, body), body).unwrap_err();
    texts.push(format!("{err} {err:?} {}", crisp_api::Error::from(err.clone())));

    let logs = capture.text();
    assert!(logs.contains("crisp.request"), "REST traces were captured");
    assert!(logs.contains("crisp rtm authenticated"), "RTM traces were captured");
    assert!(logs.contains("hyper_util::"), "the traces of the HTTP layer below were captured too");
    texts.push(logs);
    let basic = format!("{IDENTIFIER}:{KEY}");
    let secrets: Vec<String> = [KEY, basic.as_str(), SIGNING_SECRET].iter().flat_map(|s| forms(s)).collect();
    for text in &texts {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "a secret leaked as {secret}: {text}");
        }
    }
}
