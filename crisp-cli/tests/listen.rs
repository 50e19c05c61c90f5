//! `crisp listen --forward-to`: events from the simulator's RTM reach a
//! local axum app as Web Hooks that `WebhookVerifier` accepts; a dropped
//! connection is reported and recovered; a handler that is down is
//! retried, reported, and listening goes on.

mod support;

use std::io::BufRead as _;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use crisp_api::webhook::{WebhookPayload, WebhookVerifier};
use support::Env;
use tokio::sync::mpsc;

const SECRET: &str = "test-signing-secret";

type Received = Arc<Mutex<Vec<WebhookPayload>>>;

async fn hooks(State(received): State<Received>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match WebhookVerifier::new(SECRET).parse(&headers, &body) {
        Ok(payload) => {
            received.lock().unwrap().push(payload);
            StatusCode::OK
        }
        Err(_) => StatusCode::UNAUTHORIZED,
    }
}

/// A verifying Web Hook handler on 127.0.0.1; returns its URL.
async fn handler(received: Received) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route("/hooks", axum::routing::post(hooks)).with_state(received);
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    format!("http://{addr}/hooks")
}

/// Kills the child when the test ends, even by a failed assertion.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `crisp listen`, with its standard error and output as line channels.
fn listen(env: &Env, args: &[&str]) -> (Running, mpsc::UnboundedReceiver<String>, mpsc::UnboundedReceiver<String>) {
    let mut command = env.crisp("plugin");
    command.arg("listen").args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let lines = |stream: Box<dyn std::io::Read + Send>| {
        let (tx, rx) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        rx
    };
    let err = lines(Box::new(child.stderr.take().unwrap()));
    let out = lines(Box::new(child.stdout.take().unwrap()));
    (Running(child), err, out)
}

/// Waits (at most 15 s) for a line containing `needle`.
async fn wait_for(lines: &mut mpsc::UnboundedReceiver<String>, needle: &str) -> String {
    let found = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(line) = lines.recv().await {
            if line.contains(needle) {
                return line;
            }
        }
        panic!("the stream ended before `{needle}`")
    })
    .await;
    found.unwrap_or_else(|_| panic!("no `{needle}` within 15 s"))
}

async fn wait_until(mut condition: impl FnMut() -> bool) {
    for _ in 0..300 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("condition not met within 15 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwards_verified_hooks_and_survives_a_dropped_connection() {
    let env = Env::start().await;
    let received: Received = Arc::default();
    let url = handler(received.clone()).await;
    let (_child, mut err, mut out) =
        listen(&env, &["--events", "message:send", "--forward-to", &url, "--secret", SECRET]);
    wait_for(&mut err, "connected").await;

    env.mock.visitor_says(None, "first");
    wait_until(|| received.lock().unwrap().len() == 1).await;
    let line = wait_for(&mut out, "message:send").await;
    assert!(line.contains("first"), "{line}");
    let status = wait_for(&mut err, "→ message:send").await;
    assert!(status.contains("200 OK") && status.contains(" ms"), "{status}");

    env.mock.drop_connections();
    wait_for(&mut err, "reconnecting").await;
    wait_for(&mut err, "reconnected").await;
    env.mock.visitor_says(None, "second");
    wait_until(|| received.lock().unwrap().len() == 2).await;

    let texts: Vec<String> = received
        .lock()
        .unwrap()
        .iter()
        .map(|p| match &p.event {
            crisp_api::events::Event::MessageSend(m) => m.content.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert!(texts[0].contains("first") && texts[1].contains("second"), "{texts:?}");
    assert_eq!(received.lock().unwrap()[0].website_id.as_deref(), Some(env.mock.website_id()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_is_down_is_reported_and_listening_goes_on() {
    let env = Env::start().await;
    let (_child, mut err, mut out) = listen(
        &env,
        &[
            "--events",
            "message:send",
            "--forward-to",
            "http://127.0.0.1:9/hooks",
            "--secret",
            SECRET,
            "--forward-attempts",
            "2",
        ],
    );
    wait_for(&mut err, "connected").await;
    env.mock.visitor_says(None, "one");
    wait_for(&mut err, "the handler is down").await;
    wait_for(&mut err, "not delivered after 2 attempts; still listening").await;
    env.mock.visitor_says(None, "two");
    wait_for(&mut out, "two").await;
}
