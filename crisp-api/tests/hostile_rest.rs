//! The REST client against misbehaving servers on 127.0.0.1, started and
//! stopped by each test: endless, oversized, slow and broken bodies, HTML
//! pages, bad JSON, empty successes, redirects of every kind, `Retry-After`
//! in both forms, and hostile text in reasons. Memory is asserted through
//! the size cap (what the server managed to send), never through timings;
//! the only time bounds are generous ceilings against hangs.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crisp_api::{Crisp, ErrorKind, MAX_RETRY_AFTER, RetryPolicy, Tier};
use http::Method;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// The client's cap in these tests.
const CAP: usize = 64 * 1024;
/// What the loopback socket buffers may hold on top of what the client
/// read: the server counts bytes its kernel accepted, not bytes the client took.
const SOCKET_SLACK: u64 = 16 << 20;
/// A ceiling against hangs, far above any expected duration.
const CEILING: Duration = Duration::from_secs(20);

/// What the server does with one request.
#[derive(Clone)]
enum Script {
    /// Writes these bytes, then closes.
    Bytes(Vec<u8>),
    /// Writes the head, then `chunk` again and again until the client goes away.
    Endless { head: Vec<u8>, chunk: Vec<u8> },
    /// Writes the head, then one byte every `every`, forever.
    Trickle { head: Vec<u8>, every: Duration },
    /// Writes the head and the start of the body, then hangs up.
    Reset { head: Vec<u8>, start: Vec<u8> },
}

/// A scripted HTTP/1.1 server: one script per request, in order (the last
/// one repeats). It counts connections, requests and bytes written.
struct Hostile {
    addr: std::net::SocketAddr,
    connections: Arc<AtomicUsize>,
    written: Arc<AtomicU64>,
    requests: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Hostile {
    async fn start(scripts: Vec<Script>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let written = Arc::new(AtomicU64::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (c, w, r) = (connections.clone(), written.clone(), requests.clone());
        let task = tokio::spawn(async move {
            let scripts = Arc::new(scripts);
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                c.fetch_add(1, Ordering::SeqCst);
                let (scripts, w, r) = (scripts.clone(), w.clone(), r.clone());
                tokio::spawn(async move { serve(stream, &scripts, &w, &r).await });
            }
        });
        Self { addr, connections, written, requests, task }
    }

    fn base_url(&self) -> String {
        format!("http://{}/v1/", self.addr)
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    fn written(&self) -> u64 {
        self.written.load(Ordering::SeqCst)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Answers one request per connection (every script ends by closing).
async fn serve(mut stream: TcpStream, scripts: &[Script], written: &AtomicU64, requests: &Mutex<Vec<String>>) {
    let Some(request) = read_request(&mut stream).await else { return };
    let index = {
        let mut requests = requests.lock().unwrap();
        requests.push(request);
        requests.len() - 1
    };
    let script = scripts[index.min(scripts.len() - 1)].clone();
    let mut write = async |bytes: &[u8]| {
        let ok = stream.write_all(bytes).await.is_ok();
        if ok {
            written.fetch_add(bytes.len() as u64, Ordering::SeqCst);
        }
        ok
    };
    match script {
        Script::Bytes(bytes) => {
            write(&bytes).await;
        }
        Script::Endless { head, chunk } => {
            // Bounded only by the client: it must hang up.
            if write(&head).await {
                while write(&chunk).await {}
            }
        }
        Script::Trickle { head, every } => {
            if write(&head).await {
                for _ in 0..10_000 {
                    tokio::time::sleep(every).await;
                    if !write(b"x").await {
                        break;
                    }
                }
            }
        }
        Script::Reset { head, start } => {
            write(&head).await;
            write(&start).await;
        }
    }
}

/// The request head and body, as text; `None` when the client hung up.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 || buffer.len() > 1 << 20 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length.min(1 << 20) {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    Some(String::from_utf8_lossy(&buffer).into_owned())
}

fn answer(status: &str, headers: &[&str], body: &str) -> Script {
    let mut text = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
    for header in headers {
        text.push_str(header);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text.push_str(body);
    Script::Bytes(text.into_bytes())
}

fn json(status: &str, body: &str) -> Script {
    answer(status, &["content-type: application/json"], body)
}

fn client(base_url: &str, retry: RetryPolicy) -> Crisp {
    Crisp::builder()
        .credentials("hostile-identifier", "hostile-key-never-shown")
        .tier(Tier::Plugin)
        .base_url(base_url)
        .max_response_size(CAP)
        .timeout(Duration::from_secs(5))
        .retry(retry.initial_backoff(Duration::from_millis(5)).max_backoff(Duration::from_millis(20)))
        .build()
        .unwrap()
}

async fn bounded<F: std::future::IntoFuture>(future: F) -> F::Output {
    tokio::time::timeout(CEILING, future.into_future()).await.expect("the call must end on its own")
}

async fn get(client: &Crisp) -> crisp_api::Result<crisp_api::models::Conversation> {
    bounded(client.website().get_conversation("website-1", "session-1")).await
}

async fn post(client: &Crisp) -> crisp_api::Result<serde_json::Value> {
    let mut call = client.raw(Method::POST, "website/website-1/conversation/session-1/message");
    call.body_json(&serde_json::json!({"type": "text", "from": "operator", "origin": "chat", "content": "hi"}));
    bounded(call.send()).await
}

#[tokio::test]
async fn an_endless_body_stops_at_the_cap_for_reads_and_writes() {
    let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    let chunk = format!("{:x}\r\n{}\r\n", 16 * 1024, "a".repeat(16 * 1024)).into_bytes();
    for write in [false, true] {
        let server = Hostile::start(vec![Script::Endless { head: head.clone(), chunk: chunk.clone() }]).await;
        let client = client(&server.base_url(), RetryPolicy::default());
        let err = if write { post(&client).await.unwrap_err() } else { get(&client).await.unwrap_err() };
        assert!(matches!(err.kind(), ErrorKind::ResponseTooLarge { status: 200, limit: CAP }), "{err:?}");
        assert!(err.to_string().contains("max_response_size"), "{err}");
        // Not retried: a bigger answer next time is no better.
        assert_eq!(server.connections(), 1);
        // Give the server a moment to notice the hang-up, then count.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let sent = server.written();
        assert!(sent < CAP as u64 + SOCKET_SLACK, "the server pushed {sent} bytes");
        println!("endless body (write: {write}): server wrote {sent} bytes, 1 connection, {}", peak_memory());
    }
}

/// The process's peak resident memory, for the printed figures (Linux only;
/// informative, never asserted: tests share the process).
fn peak_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status.lines().find_map(|line| line.strip_prefix("VmHWM:")).map(str::trim);
    format!("peak RSS {}", peak.unwrap_or("unknown"))
}

#[tokio::test]
async fn a_declared_oversized_body_is_refused_before_reading() {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200000000\r\n\r\n";
    let server = Hostile::start(vec![Script::Endless { head: head.into(), chunk: vec![b' '; 64 * 1024] }]).await;
    let client = client(&server.base_url(), RetryPolicy::default());
    let err = get(&client).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::ResponseTooLarge { limit: CAP, .. }), "{err:?}");
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn a_big_error_page_is_read_only_in_part() {
    let page = format!("<html>{}</html>", "<p>oops</p>".repeat(200_000));
    let server = Hostile::start(vec![answer("500 Internal Server Error", &["content-type: text/html"], &page)]).await;
    let client =
        Crisp::builder().credentials("i", "k").base_url(server.base_url()).retry(RetryPolicy::none()).build().unwrap();
    let err = get(&client).await.unwrap_err();
    match err.kind() {
        ErrorKind::Api { status: 500, reason, body_snippet: Some(snippet) } => {
            assert_eq!(reason, "server_error");
            assert!(snippet.starts_with("<html><p>oops</p>"), "{snippet}");
            assert!(snippet.len() < 1024);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().len() < 2048);
}

#[tokio::test]
async fn a_slow_body_ends_in_a_timeout() {
    let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n".to_vec();
    let server = Hostile::start(vec![Script::Trickle { head, every: Duration::from_millis(50) }]).await;
    let client = Crisp::builder()
        .credentials("i", "k")
        .base_url(server.base_url())
        .timeout(Duration::from_millis(800))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = get(&client).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn a_reset_mid_body_is_retried_on_reads_only() {
    let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n".to_vec();
    let script = Script::Reset { head, start: br#"{"error":false,"data":{"#.to_vec() };
    let server = Hostile::start(vec![script.clone()]).await;
    let err = get(&client(&server.base_url(), RetryPolicy::default().max_attempts(3))).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport { before_sending: false, .. }), "{err:?}");
    assert_eq!(server.connections(), 3);

    let server = Hostile::start(vec![script]).await;
    let err = post(&client(&server.base_url(), RetryPolicy::default().max_attempts(3))).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport { .. }), "{err:?}");
    assert_eq!(server.connections(), 1, "a write that reached the server is not sent again");
}

#[tokio::test]
async fn html_pages_truncated_and_malformed_json_are_typed() {
    let cases = [
        (answer("502 Bad Gateway", &["content-type: text/html"], "<html><body>Bad gateway</body></html>"), "502"),
        (json("200 OK", r#"{"error":false,"reason":"resolved","data":{"session_id":"s"#), "decode"),
        (json("200 OK", r#"{"error":false,"data":{"session_id":12,}"#), "decode"),
        (answer("200 OK", &["content-type: text/html"], "<html>captive portal</html>"), "decode"),
    ];
    for (script, expected) in cases {
        let server = Hostile::start(vec![script]).await;
        let err = get(&client(&server.base_url(), RetryPolicy::none())).await.unwrap_err();
        match (expected, err.kind()) {
            ("502", ErrorKind::Api { status: 502, body_snippet: Some(snippet), .. }) => {
                assert!(snippet.contains("Bad gateway"));
            }
            ("decode", ErrorKind::Decode { status: 200, .. }) => {}
            (_, other) => panic!("{expected}: {other:?}"),
        }
        assert!(err.to_string().contains("website/website-1/conversation/session-1"), "{err}");
    }
}

#[tokio::test]
async fn empty_successes_are_successes_where_no_data_is_expected() {
    for script in [answer("204 No Content", &[], ""), answer("200 OK", &[], ""), json("200 OK", "\r\n")] {
        let server = Hostile::start(vec![script]).await;
        let client = client(&server.base_url(), RetryPolicy::none());
        let removed = bounded(client.website().remove_conversation("website-1", "session-1")).await;
        assert_eq!(removed.unwrap(), serde_json::Value::Null);
        let mut patch = client.raw(Method::PATCH, "website/website-1/conversation/session-1/meta");
        patch.body_json(&serde_json::json!({"nickname": "n"}));
        assert_eq!(bounded(patch.send()).await.unwrap(), serde_json::Value::Null);
        // A call that must return data says clearly that none came.
        let err = get(&client).await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{err:?}");
        assert!(err.to_string().contains("no `data`"), "{err}");
        let requests = server.requests();
        assert!(requests[0].starts_with("DELETE /v1/website/website-1/conversation/session-1 "), "{requests:?}");
        assert!(requests[1].starts_with("PATCH /v1/website/website-1/conversation/session-1/meta "));
    }
}

#[tokio::test]
async fn redirects_are_refused_and_the_other_origin_receives_nothing() {
    let other = Hostile::start(vec![json("200 OK", r#"{"error":false,"data":{}}"#)]).await;
    for status in
        ["301 Moved Permanently", "302 Found", "303 See Other", "307 Temporary Redirect", "308 Permanent Redirect"]
    {
        for (target, cross_origin) in
            [(format!("http://{}/v1/steal", other.addr), true), ("/v1/elsewhere".into(), false)]
        {
            let location = format!("location: {target}");
            let server = Hostile::start(vec![answer(status, &[&location], "")]).await;
            let client = client(&server.base_url(), RetryPolicy::default());
            for err in [get(&client).await.unwrap_err(), post(&client).await.unwrap_err()] {
                match err.kind() {
                    ErrorKind::Redirect { status: code, location, cross_origin: cross } => {
                        assert_eq!(status.split(' ').next(), Some(code.to_string().as_str()));
                        assert_eq!(location, &target);
                        assert_eq!(*cross, cross_origin);
                    }
                    other => panic!("{status}: {other:?}"),
                }
                assert!(!err.is_retryable());
            }
            // One request each for the GET and the POST: nothing followed, nothing retried.
            assert_eq!(server.requests().len(), 2, "{status} {target}");
        }
    }
    assert_eq!(other.connections(), 0, "the other origin received a connection");
}

#[tokio::test]
async fn retry_after_is_read_in_both_forms() {
    let limited = |header: &str| {
        let header = format!("retry-after: {header}");
        json_with("429 Too Many Requests", &header, r#"{"error":true,"reason":"rate_limited","data":{}}"#)
    };
    let soon = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    type Expected = Box<dyn Fn(Option<Duration>) -> bool>;
    let cases: [(&str, Expected); 5] = [
        ("1", Box::new(|d| d == Some(Duration::from_secs(1)))),
        (soon.as_str(), Box::new(|d| d.is_some_and(|d| d > Duration::ZERO && d <= Duration::from_secs(2)))),
        ("Wed, 21 Oct 2015 07:28:00 GMT", Box::new(|d| d == Some(Duration::ZERO))),
        ("soon, maybe", Box::new(|d| d.is_none())),
        ("99999999999", Box::new(|d| d == Some(MAX_RETRY_AFTER))),
    ];
    for (header, expected) in cases {
        let server = Hostile::start(vec![limited(header)]).await;
        let err = get(&client(&server.base_url(), RetryPolicy::none())).await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::RateLimited { status: 429, .. }), "{err:?}");
        assert!(expected(err.retry_after()), "{header}: {:?}", err.retry_after());
    }
    // Honoured: the retry comes after the date, and then succeeds.
    let soon = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(1));
    let server =
        Hostile::start(vec![limited(&soon), json("200 OK", r#"{"error":false,"data":{"session_id":"s"}}"#)]).await;
    let conversation = get(&client(&server.base_url(), RetryPolicy::default())).await.unwrap();
    assert_eq!(conversation.session_id.as_deref(), Some("s"));
    assert_eq!(server.requests().len(), 2);
}

fn json_with(status: &str, header: &str, body: &str) -> Script {
    answer(status, &["content-type: application/json", header], body)
}

#[tokio::test]
async fn server_text_is_escaped_and_bounded_in_errors() {
    let reason = "bad\u{1b}[31m\r\n2026-01-01 INFO forged line\u{202e}";
    let body = serde_json::json!({"error": true, "reason": reason, "data": {}}).to_string();
    let huge = serde_json::json!({"error": true, "reason": "r".repeat(50 << 20), "data": {}}).to_string();
    let server = Hostile::start(vec![json("400 Bad Request", &body), json("400 Bad Request", &huge)]).await;
    let client = client(&server.base_url(), RetryPolicy::none());
    for _ in 0..2 {
        let err = get(&client).await.unwrap_err();
        let text = format!("{err}");
        assert!(!text.chars().any(|c| c.is_control() || c == '\u{202e}'), "{text:?}");
        assert!(text.len() < 2048, "{} bytes", text.len());
        if let Some(reason) = err.reason() {
            assert!(!reason.chars().any(char::is_control), "{reason:?}");
        }
    }
}

#[tokio::test]
async fn errors_name_the_real_path_and_never_the_key() {
    let server =
        Hostile::start(vec![json("404 Not Found", r#"{"error":true,"reason":"session_not_found","data":{}}"#)]).await;
    let client = client(&server.base_url(), RetryPolicy::none());
    let err = bounded(client.website().get_conversation("web site/1", "session-9")).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("GET website/web%20site%2F1/conversation/session-9"), "{text}");
    assert!(!text.contains("{website_id}") && !text.contains("hostile-key"), "{text}");
    assert_eq!(err.path(), Some("website/web%20site%2F1/conversation/session-9"));
    assert_eq!(err.route(), Some("website/{website_id}/conversation/{session_id}"));
}

#[tokio::test]
async fn invalid_calls_are_refused_before_sending() {
    let server = Hostile::start(vec![json("200 OK", r#"{"error":false,"data":[]}"#)]).await;
    let client = client(&server.base_url(), RetryPolicy::none());
    let err = bounded(client.website().list_conversations("website-1", 0)).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidInput { .. }) && err.is_before_sending(), "{err:?}");
    assert!(err.to_string().contains("numbered from 1"), "{err}");
    let err = bounded(client.raw(Method::DELETE, "website/../plugin/x").send()).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidInput { .. }), "{err:?}");
    assert_eq!(server.connections(), 0);

    let err = Crisp::builder().base_url(format!("http://{}", server.addr)).build().unwrap_err();
    assert!(err.to_string().contains("/v1"), "{err}");
    if std::env::var_os("CRISP_IDENTIFIER").is_none() && std::env::var_os("CRISP_KEY").is_none() {
        let err = Crisp::from_env().unwrap_err();
        assert!(err.to_string().contains("CRISP_IDENTIFIER and CRISP_KEY are not set"), "{err}");
    }
}

#[tokio::test]
async fn raw_calls_reach_the_path_they_name() {
    let server = Hostile::start(vec![json("200 OK", r#"{"error":false,"data":{"ok":true}}"#)]).await;
    let client = client(&server.base_url(), RetryPolicy::none());
    let mut call = client.raw(Method::GET, "website/web site/conversations/1");
    call.query(String::from("per_page"), 20);
    let data = bounded(call.send()).await.unwrap();
    assert_eq!(data["ok"], true);
    assert!(server.requests()[0].starts_with("GET /v1/website/web%20site/conversations/1?per_page=20 HTTP/1.1"));
}

#[tokio::test]
async fn a_proxy_sees_only_the_tunnel_request_and_its_own_credentials() {
    // The proxy refuses the tunnel: nothing reaches Crisp, so even a write is retried.
    let proxy = Hostile::start(vec![answer("403 Forbidden", &[], "")]).await;
    let client = Crisp::builder()
        .credentials("hostile-identifier", "hostile-key-never-shown")
        .tier(Tier::Plugin)
        .proxy(format!("http://proxy-user:proxy-pass@{}", proxy.addr))
        .timeout(Duration::from_secs(5))
        .retry(RetryPolicy::default().max_attempts(2).initial_backoff(Duration::from_millis(5)))
        .build()
        .unwrap();
    for err in [get(&client).await.unwrap_err(), post(&client).await.unwrap_err()] {
        assert!(matches!(err.kind(), ErrorKind::Transport { before_sending: true, .. }), "{err:?}");
        assert!(!err.to_string().contains("proxy-pass"), "{err}");
    }
    let requests = proxy.requests();
    assert_eq!(requests.len(), 4, "{requests:?}");
    for request in &requests {
        assert!(request.starts_with("CONNECT api.crisp.chat:443 HTTP/1.1\r\n"), "{request}");
        // `proxy-user:proxy-pass`, and never the Crisp key.
        assert!(
            request.to_ascii_lowercase().contains("proxy-authorization: basic chjvehktdxnlcjpwcm94es1wyxnz"),
            "{request}"
        );
        assert!(
            !request.contains("hostile") && !request.to_ascii_lowercase().contains("\r\nauthorization:"),
            "{request}"
        );
    }
    // A plain-http base URL (a simulator) is reached directly, proxy or not.
    let server = Hostile::start(vec![json("200 OK", r#"{"error":false,"data":{}}"#)]).await;
    let direct = Crisp::builder()
        .credentials("id", "key")
        .base_url(server.base_url())
        .proxy(format!("http://{}", proxy.addr))
        .build()
        .unwrap();
    bounded(direct.website().get_conversation("website-1", "session-1")).await.unwrap();
    assert_eq!((server.requests().len(), proxy.requests().len()), (1, 4));
    for proxy in ["socks5://127.0.0.1:1080", "https://user:proxy-pass@127.0.0.1:1080"] {
        let refused = Crisp::builder().proxy(proxy).build().unwrap_err();
        assert!(matches!(refused.kind(), ErrorKind::InvalidInput { .. }), "{refused:?}");
        assert!(!refused.to_string().contains("proxy-pass"), "{refused}");
    }
}
