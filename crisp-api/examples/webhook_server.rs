//! Receive Crisp Web Hooks in an axum service: verify the signature, decode
//! the typed event, answer at once, and leave the slow work to a task.
//!
//! With no settings it starts the embedded Crisp mock, has it deliver signed
//! Web Hooks to this service, plays a visitor, prints what arrives, and stops.
//! With `CRISP_WEBHOOK_SECRET` set (the signing secret of your Web Hook in
//! the Crisp Marketplace), it listens on `CRISP_WEBHOOK_LISTEN` (default
//! `127.0.0.1:8080`, path `/crisp/hooks`) until Ctrl-C.
//!
//! ```text
//! cargo run --example webhook_server
//! ```

use std::time::Duration;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::post;
use crisp_api::events::Event;
use crisp_api::webhook::{CrispWebhook, WebhookPayload, WebhookVerifier};
use tokio::sync::mpsc;

/// What the handlers share: the verifier the extractor needs, and the queue
/// to the worker.
#[derive(Clone)]
struct AppState {
    verifier: WebhookVerifier,
    work: mpsc::Sender<WebhookPayload>,
}

impl FromRef<AppState> for WebhookVerifier {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

/// Runs only for requests whose signature and timestamp check out: the
/// extractor answers 401 (bad signature, stale timestamp) or 400 (not a Web
/// Hook) itself. Crisp retries a delivery that fails or is slow, so queue the
/// work and say 200 now; 503 tells Crisp to try again later.
async fn receive(State(state): State<AppState>, CrispWebhook(payload): CrispWebhook) -> StatusCode {
    match state.work.try_send(payload) {
        Ok(()) => StatusCode::OK,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The slow part: whatever your service does with an event.
fn handle(payload: &WebhookPayload) {
    let website = payload.website_id.as_deref().unwrap_or("?");
    match &payload.event {
        Event::MessageSend(message) => {
            let text = message.typed_content().text().unwrap_or("(not text)").to_owned();
            println!("[{website}] visitor in {}: {text}", message.session_id.as_deref().unwrap_or("?"));
        }
        Event::MessageReceived(message) => {
            println!("[{website}] operator replied in {}", message.session_id.as_deref().unwrap_or("?"));
        }
        // Names this version does not know still arrive, with their raw data.
        Event::Unknown { name, .. } => println!("[{website}] unknown event {name}"),
        other => println!("[{website}] {}", other.name()),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = std::env::var("CRISP_WEBHOOK_SECRET").ok().filter(|s| !s.is_empty());
    let demo = secret.is_none();
    let secret = secret.unwrap_or_else(|| "example-signing-secret".to_owned());
    let listen = std::env::var("CRISP_WEBHOOK_LISTEN").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let listen = if demo { "127.0.0.1:0".to_owned() } else { listen };

    // A bounded queue: a burst beyond it is refused with 503, not buffered without limit.
    let (work, mut queue) = mpsc::channel::<WebhookPayload>(1024);
    let state = AppState { verifier: WebhookVerifier::new(secret.clone()), work };
    let app = Router::new().route("/crisp/hooks", post(receive)).with_state(state);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    let url = format!("http://{}/crisp/hooks", listener.local_addr()?);
    println!("Receiving Crisp Web Hooks at {url}");
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    if demo {
        let mock = crisp_mock::MockServer::start().await?;
        mock.deliver_webhooks_to(crisp_mock::WebhookTarget::new(url, secret));
        println!("(embedded mock at {}; set CRISP_WEBHOOK_SECRET to receive real ones)\n", mock.base_url());
        mock.visitor_says(None, "Hello, is anyone there?");
        // Stop at the first visitor message, or after a few seconds whatever happens.
        let deadline = tokio::time::sleep(Duration::from_secs(10));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                Some(payload) = queue.recv() => {
                    handle(&payload);
                    if matches!(payload.event, Event::MessageSend(_)) {
                        break;
                    }
                }
                () = &mut deadline => return Err("no Web Hook arrived within 10 seconds".into()),
            }
        }
        server.abort();
        return Ok(());
    }

    tokio::select! {
        result = server => result??,
        () = async { while let Some(payload) = queue.recv().await { handle(&payload) } } => {}
        _ = tokio::signal::ctrl_c() => println!("stopping"),
    }
    Ok(())
}
