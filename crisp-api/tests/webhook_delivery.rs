//! End to end: the mock raises events from REST changes and delivers them as
//! signed Web Hooks to an axum app that verifies them with `CrispWebhook`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use crisp_api::events::Event;
use crisp_api::webhook::{CrispWebhook, WebhookVerifier};
use crisp_api::{Crisp, Tier};
use crisp_mock::{MockServer, WebhookTarget};

const SECRET: &str = "hook-signing-secret";

#[derive(Clone)]
struct App {
    verifier: WebhookVerifier,
    received: Arc<Mutex<Vec<Event>>>,
    /// Requests to refuse with 503 before accepting, to exercise the mock's retries.
    refuse_first: Arc<Mutex<usize>>,
}

impl FromRef<App> for WebhookVerifier {
    fn from_ref(app: &App) -> Self {
        app.verifier.clone()
    }
}

async fn hook(State(app): State<App>, CrispWebhook(payload): CrispWebhook) -> StatusCode {
    let mut refuse = app.refuse_first.lock().unwrap();
    if *refuse > 0 {
        *refuse -= 1;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    app.received.lock().unwrap().push(payload.event);
    StatusCode::OK
}

async fn start_app(verifier: WebhookVerifier, refuse_first: usize) -> (String, App, tokio::task::JoinHandle<()>) {
    let app = App { verifier, received: Arc::default(), refuse_first: Arc::new(Mutex::new(refuse_first)) };
    let router = axum::Router::new().route("/hooks", axum::routing::post(hook)).with_state(app.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (url, app, server)
}

/// The simulator's record of its deliveries once it holds `count` of them
/// (it records a delivery when the answer is back, after the app saw it).
async fn deliveries(mock: &MockServer, count: usize) -> Vec<Option<u16>> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let statuses: Vec<Option<u16>> = mock.webhook_deliveries().iter().map(|d| d.status).collect();
        if statuses.len() >= count || tokio::time::Instant::now() > deadline {
            return statuses;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn wait_for(app: &App, count: usize) -> Vec<Event> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let received = app.received.lock().unwrap().clone();
        if received.len() >= count || tokio::time::Instant::now() > deadline {
            return received;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn rest_changes_arrive_as_verified_typed_hooks() {
    let (url, app, server) = start_app(WebhookVerifier::new(SECRET), 0).await;
    let mock = MockServer::start().await.unwrap();
    mock.deliver_webhooks_to(WebhookTarget::new(url, SECRET));
    let client = Crisp::builder()
        .credentials(mock.identifier(), mock.key())
        .tier(Tier::Plugin)
        .base_url(mock.base_url())
        .build()
        .unwrap();

    let session_id = mock.visitor_says(None, "Is anyone there?");
    let reply = crisp_api::models::ConversationMessageNew::text(
        crisp_api::models::MessageFrom::Operator,
        crisp_api::models::MessageOrigin::Chat,
        "Yes, hello!",
    );
    client.website().send_message_in_conversation(mock.website_id(), &session_id, &reply).await.unwrap();
    client
        .website()
        .change_conversation_state(mock.website_id(), &session_id, crisp_api::models::ConversationState::Resolved)
        .await
        .unwrap();

    let events = wait_for(&app, 3).await;
    let names: Vec<&str> = events.iter().map(Event::name).collect();
    assert_eq!(names, ["message:send", "message:received", "session:set_state"]);
    match &events[0] {
        Event::MessageSend(message) => {
            assert_eq!(message.typed_content().text(), Some("Is anyone there?"));
            assert_eq!(message.session_id.as_deref(), Some(session_id.as_str()));
        }
        other => panic!("{other:?}"),
    }
    assert!(mock.webhook_deliveries().iter().all(|d| d.status == Some(200)));
    server.abort();
}

#[tokio::test]
async fn failed_deliveries_are_retried() {
    let (url, app, server) = start_app(WebhookVerifier::new(SECRET), 2).await;
    let mock = MockServer::start().await.unwrap();
    let mut target = WebhookTarget::new(url, SECRET);
    target.retry_delay = Duration::from_millis(20);
    mock.deliver_webhooks_to(target);
    mock.visitor_says(None, "Retry me");
    let events = wait_for(&app, 1).await;
    assert_eq!(events.len(), 1);
    assert_eq!(deliveries(&mock, 3).await, [Some(503), Some(503), Some(200)]);
    server.abort();
}

#[tokio::test]
async fn hooks_signed_with_another_secret_are_refused() {
    let (url, app, server) = start_app(WebhookVerifier::new(SECRET), 0).await;
    let mock = MockServer::start().await.unwrap();
    let mut target = WebhookTarget::new(url, "not-the-secret");
    target.attempts = 1;
    mock.deliver_webhooks_to(target);
    mock.visitor_says(None, "Forged?");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while mock.webhook_deliveries().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(mock.webhook_deliveries()[0].status, Some(401));
    assert!(app.received.lock().unwrap().is_empty());
    server.abort();
}
