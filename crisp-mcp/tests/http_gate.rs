//! What each HTTP request must show, and what it acts with: per-request Crisp keypairs (as Crisp's hosted
//! MCP server takes them), Hugo's signed requests (played by the simulator), and the bounds that keep
//! hostile clients from growing the server. Everything runs against the simulator on 127.0.0.1.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use common::{Client, call, error, json, seeded_session, simulator_client};
use crisp_mcp::{HttpLimits, McpOptions};
use crisp_mock::{HugoClient, MockServer};
use http_body_util::{BodyExt as _, Full};
use rmcp::service::ServiceExt as _;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const HUGO_SECRET: &str = "hugo-signing-secret-for-tests";
const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;

/// A server on a free loopback port, stopped when dropped.
struct Served {
    url: String,
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), crisp_mcp::ServeError>>,
}

impl Served {
    async fn start(client: crisp_api::Crisp, options: McpOptions) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(crisp_mcp::serve_http_on(listener, client, options, async {
            let _ = stopped.await;
        }));
        Self { url: format!("http://{addr}/mcp"), addr, stop: Some(stop), task }
    }

    /// An rmcp client sending these headers with every request.
    async fn connect(&self, headers: &[(&str, &str)]) -> Result<Client, String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let headers: HashMap<http::HeaderName, http::HeaderValue> =
            headers.iter().map(|(name, value)| (name.parse().unwrap(), value.parse().unwrap())).collect();
        let config = StreamableHttpClientTransportConfig::with_uri(self.url.clone()).custom_headers(headers);
        ().serve(StreamableHttpClientTransport::from_config(config)).await.map_err(|err| err.to_string())
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        let served = tokio::time::timeout(Duration::from_secs(40), &mut self.task).await.expect("the server stops");
        served.unwrap().expect("the server ran without error");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn keyless_client(mock: &MockServer) -> crisp_api::Crisp {
    crisp_api::Crisp::builder().base_url(mock.base_url()).build().unwrap()
}

fn basic(identifier: &str, key: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{identifier}:{key}")))
}

struct Answer {
    status: u16,
    headers: http::HeaderMap,
    body: String,
}

/// One POST to the server with these headers, through a plain HTTP client.
async fn post(url: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let mut request = http::Request::post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Full::new(Bytes::from(body.to_owned()))).unwrap();
    let response = tokio::time::timeout(Duration::from_secs(20), client.request(request))
        .await
        .expect("the server answers")
        .expect("the request is sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answer { status, headers, body: String::from_utf8_lossy(&body).into_owned() }
}

/// A JSON-RPC answer's message, from a JSON body or the first event of a stream.
fn message(body: &str) -> Value {
    serde_json::from_str(body)
        .ok()
        .or_else(|| body.lines().filter_map(|l| l.strip_prefix("data:")).find_map(|d| serde_json::from_str(d).ok()))
        .unwrap_or_else(|| panic!("not a JSON-RPC answer: {body}"))
}

fn tool_text(message: &Value) -> String {
    message["result"]["content"][0]["text"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_keyless_server_refuses_requests_without_a_keypair() {
    let mock = MockServer::start().await.unwrap();
    let server = Served::start(keyless_client(&mock), McpOptions::new()).await;

    let refused = post(&server.url, &[], INITIALIZE).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    let challenge = refused.headers["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Basic realm=\"crisp-mcp\""), "{challenge}");
    assert!(refused.body.contains("Authorization: Basic base64(identifier:key)"), "{}", refused.body);
    assert!(server.connect(&[]).await.is_err(), "an MCP client without a keypair cannot start");

    let malformed = post(&server.url, &[("authorization", "Basic not*base64")], INITIALIZE).await;
    assert_eq!(malformed.status, 401);
    assert!(malformed.body.contains("is not `Basic base64(identifier:key)`"), "{}", malformed.body);
    let no_pair = post(&server.url, &[("authorization", &basic("only-an-identifier", ""))], INITIALIZE).await;
    assert_eq!(no_pair.status, 401);
    assert!(no_pair.body.contains("identifier:key"), "{}", no_pair.body);
    let keypair = basic(mock.identifier(), mock.key());
    let tier = post(&server.url, &[("authorization", &keypair), ("x-crisp-tier", "root")], INITIALIZE).await;
    assert_eq!(tier.status, 400);
    assert!(tier.body.contains("X-Crisp-Tier must be user, website or plugin"), "{}", tier.body);
    assert!(!tier.body.contains(mock.key()) && !tier.body.contains("root"), "refusals quote nothing sent");

    let accepted = post(&server.url, &[("authorization", &keypair), ("x-crisp-tier", "plugin")], INITIALIZE).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(message(&accepted.body)["result"]["serverInfo"]["name"], "crisp-mcp");
    assert!(accepted.headers.get("mcp-session-id").is_none(), "nothing is kept between requests");
    server.stop().await;
    assert!(mock.requests().is_empty(), "nothing reached Crisp");
}

#[tokio::test]
async fn a_keyless_server_acts_with_each_requests_keypair_within_its_start_up_flags() {
    let mock = MockServer::start().await.unwrap();
    let session_id = seeded_session(&mock);
    let website_id = mock.website_id().to_owned();
    let server = Served::start(keyless_client(&mock), McpOptions::new().website_id(&website_id)).await;
    let keypair = basic(mock.identifier(), mock.key());
    let client = server.connect(&[("authorization", &keypair), ("x-crisp-tier", "plugin")]).await.unwrap();

    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.iter().all(|tool| tool.annotations.as_ref().unwrap().read_only_hint == Some(true)));
    let conversation = json(&call(&client, "get_conversation", json!({"session_id": session_id})).await);
    assert_eq!(conversation["session_id"], session_id.as_str());
    let sent = mock.requests().pop().unwrap();
    assert_eq!(sent.path, format!("/v1/website/{website_id}/conversation/{session_id}"));
    assert_eq!(sent.headers["authorization"], keypair.as_str());
    assert_eq!(sent.headers["x-crisp-tier"], "plugin");
    // Workflow tools act with the request's keypair too.
    let before = mock.requests().len();
    let context = json(&call(&client, "get_conversation_context", json!({"session_id": session_id})).await);
    assert_eq!(context["conversation"]["session_id"], session_id.as_str(), "{context}");
    let workflow_requests = &mock.requests()[before..];
    assert!(!workflow_requests.is_empty());
    assert!(workflow_requests.iter().all(|r| r.headers["authorization"] == keypair.as_str()));

    // The request's keypair may do what the server allows, no more.
    let resolve = json!({"session_id": session_id, "body": {"state": "resolved"}});
    let refused = error(&call(&client, "change_conversation_state", resolve).await);
    assert!(refused.contains("--allow-writes"), "{refused}");
    client.cancel().await.unwrap();
    server.stop().await;
    assert!(mock.requests().iter().all(|r| r.method == "GET"), "nothing but reads reached Crisp");
}

#[tokio::test]
async fn two_tenants_in_parallel_each_reach_crisp_with_their_own_keypair() {
    // The simulator knows tenant A's keypair only: B's calls reach it with B's and are refused there.
    let mock = MockServer::start().await.unwrap();
    let session_id = seeded_session(&mock);
    let server = Served::start(keyless_client(&mock), McpOptions::new().website_id(mock.website_id())).await;
    let tenant_a = basic(mock.identifier(), mock.key());
    let tenant_b = basic("tenant-b", "tenant-b-key");
    let a = server.connect(&[("authorization", &tenant_a), ("x-crisp-tier", "plugin")]).await.unwrap();
    let b = server.connect(&[("authorization", &tenant_b), ("x-crisp-tier", "website")]).await.unwrap();

    let rounds = 8;
    let calls_a = (0..rounds).map(|_| call(&a, "get_conversation", json!({"session_id": session_id})));
    let calls_b = (0..rounds).map(|i| call(&b, "get_conversation", json!({"session_id": format!("session_b-{i}")})));
    let (answers_a, answers_b) = tokio::join!(futures_join_all(calls_a.collect()), futures_join_all(calls_b.collect()));
    for answer in &answers_a {
        assert_eq!(json(answer)["session_id"], session_id.as_str());
    }
    for answer in &answers_b {
        let refused = error(answer);
        assert!(refused.contains("401") || refused.to_lowercase().contains("credential"), "{refused}");
        assert!(!refused.contains("tenant-b-key") && !refused.contains(mock.key()), "{refused}");
    }
    let sent = mock.requests();
    assert_eq!(sent.len(), 2 * rounds);
    for request in &sent {
        let (keypair, tier) =
            if request.path.contains("session_b-") { (&tenant_b, "website") } else { (&tenant_a, "plugin") };
        assert_eq!(request.headers["authorization"], keypair.as_str(), "{}", request.path);
        assert_eq!(request.headers["x-crisp-tier"], tier, "{}", request.path);
    }
    a.cancel().await.unwrap();
    b.cancel().await.unwrap();
    server.stop().await;
}

/// Runs the futures at once and collects their outputs in order.
async fn futures_join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut outputs = Vec::with_capacity(futures.len());
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, slot) in pinned.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(output) => *slot = Some(output),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    outputs.extend(done.into_iter().flatten());
    outputs
}

#[tokio::test]
async fn a_requests_keypair_takes_precedence_over_the_servers_own() {
    let mock = MockServer::start().await.unwrap();
    let session_id = seeded_session(&mock);
    let server = Served::start(simulator_client(&mock), McpOptions::new().website_id(mock.website_id())).await;
    let own = server.connect(&[]).await.unwrap();
    json(&call(&own, "get_conversation", json!({"session_id": session_id})).await);
    assert_eq!(mock.requests().pop().unwrap().headers["authorization"], basic(mock.identifier(), mock.key()).as_str());
    let other = basic("someone-else", "their-key");
    let theirs = server.connect(&[("authorization", &other)]).await.unwrap();
    error(&call(&theirs, "get_conversation", json!({"session_id": session_id})).await);
    let sent = mock.requests().pop().unwrap();
    assert_eq!(sent.headers["authorization"], other.as_str());
    assert_eq!(sent.headers["x-crisp-tier"], "user", "Crisp's default tier when X-Crisp-Tier is left out");
    own.cancel().await.unwrap();
    theirs.cancel().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn hugo_signed_requests_are_accepted_and_act_on_the_signed_website() {
    let mock = MockServer::start().await.unwrap();
    let session_id = seeded_session(&mock);
    let website_id = mock.website_id().to_owned();
    // No website of its own: the signed one is each request's.
    let server = Served::start(simulator_client(&mock), McpOptions::new().hugo_secret(HUGO_SECRET)).await;
    let hugo = HugoClient::new(&server.url, HUGO_SECRET, &website_id).session_id(&session_id);

    let listed = hugo.request(1, "tools/list", json!({})).await.unwrap();
    assert_eq!(listed.status, 200, "{}", listed.text());
    let tools = listed.message().unwrap()["result"]["tools"].as_array().cloned().unwrap();
    let get = tools.iter().find(|tool| tool["name"] == "get_conversation").unwrap();
    assert_eq!(get["inputSchema"]["required"], json!([]), "website and conversation come from the request");

    let answer = hugo.call_tool(2, "get_conversation", json!({})).await.unwrap();
    let message = answer.message().unwrap();
    assert_eq!(message["result"]["isError"], false, "{message}");
    let conversation: Value = serde_json::from_str(&tool_text(&message)).unwrap();
    assert_eq!(conversation["session_id"], session_id.as_str());
    assert_eq!(mock.requests().pop().unwrap().path, format!("/v1/website/{website_id}/conversation/{session_id}"));

    // A workflow tool defaults to the signed website and the request's conversation as well.
    let context = hugo.call_tool(6, "get_conversation_context", json!({})).await.unwrap().message().unwrap();
    assert_eq!(context["result"]["isError"], false, "{context}");
    assert_eq!(context["result"]["structuredContent"]["conversation"]["session_id"], session_id.as_str());
    let elsewhere_context =
        hugo.call_tool(7, "find_people_by_email", json!({"website_id": "another-website", "email": "a@b.c"})).await;
    let elsewhere_context = elsewhere_context.unwrap().message().unwrap();
    assert_eq!(elsewhere_context["result"]["isError"], true, "{elsewhere_context}");

    let elsewhere = hugo.call_tool(3, "list_conversations", json!({"website_id": "another-website"})).await.unwrap();
    let refused = elsewhere.message().unwrap();
    assert_eq!(refused["result"]["isError"], true);
    assert!(tool_text(&refused).contains(&format!("signed for website {website_id}")), "{refused}");
    let own = hugo.call_tool(4, "list_conversations", json!({"website_id": website_id})).await.unwrap();
    assert_eq!(own.message().unwrap()["result"]["isError"], false, "naming the signed website is fine");

    // Without X-Crisp-Session-Id, a tool that needs a conversation says so.
    let no_session = HugoClient::new(&server.url, HUGO_SECRET, &website_id);
    let missing = no_session.call_tool(5, "get_conversation", json!({})).await.unwrap().message().unwrap();
    assert_eq!(missing["result"]["isError"], true);
    assert!(tool_text(&missing).contains("`session_id`"), "{missing}");
    server.stop().await;
}

#[tokio::test]
async fn unsigned_wrongly_signed_and_stale_requests_are_refused() {
    let mock = MockServer::start().await.unwrap();
    let website_id = mock.website_id().to_owned();
    let server = Served::start(simulator_client(&mock), McpOptions::new().hugo_secret(HUGO_SECRET)).await;
    let list = br#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();

    let unsigned = post(&server.url, &[], std::str::from_utf8(list).unwrap()).await;
    assert_eq!(unsigned.status, 401);
    assert!(unsigned.body.contains("signed by Hugo"), "{}", unsigned.body);

    let impostor = HugoClient::new(&server.url, "not-the-secret", &website_id);
    let wrong = impostor.send(list, now).await.unwrap();
    assert_eq!(wrong.status, 401);
    assert!(wrong.text().contains("does not match"), "{}", wrong.text());

    let hugo = HugoClient::new(&server.url, HUGO_SECRET, &website_id);
    let signature = crisp_mock::hugo_signature(HUGO_SECRET, now, &website_id, list);
    let tampered = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_conversations"}}"#;
    let replayed = hugo.send_signed(tampered, now, &signature).await.unwrap();
    assert_eq!(replayed.status, 401, "a signature covers its own body only");
    let stale = hugo.send(list, now - 301).await.unwrap();
    assert_eq!(stale.status, 401);
    assert!(stale.text().contains("more than 5 minutes"), "{}", stale.text());
    let future = hugo.send(list, now + 3600).await.unwrap();
    assert_eq!(future.status, 401);
    let other_website = HugoClient::new(&server.url, HUGO_SECRET, "another-website");
    let forged = other_website.send_signed(list, now, &signature).await.unwrap();
    assert_eq!(forged.status, 401, "the signature covers the website");

    assert_eq!(hugo.send(list, now).await.unwrap().status, 200, "the same request, rightly signed, is accepted");
    server.stop().await;
    assert!(mock.requests().is_empty(), "nothing reached Crisp");
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let mock = MockServer::start().await.unwrap();
    let limits = HttpLimits::default().max_body_bytes(64 * 1024);
    let server = Served::start(simulator_client(&mock), McpOptions::new().http_limits(limits)).await;
    let huge =
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{{"pad":"{}"}}}}"#, "x".repeat(70_000));
    let declared = post(&server.url, &[], &huge).await;
    assert_eq!(declared.status, 413);
    assert!(declared.body.contains("65536 bytes"), "{}", declared.body);

    // Chunked, with no length declared: cut once the limit is passed.
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let head = "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 16 * 1024, "y".repeat(16 * 1024));
    for _ in 0..8 {
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let answer = read_some(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    server.stop().await;
}

/// What the server sends before it closes or goes quiet for 10 s.
async fn read_some(stream: &mut tokio::net::TcpStream) -> String {
    let mut buffer = vec![0u8; 4096];
    match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer)).await {
        Ok(Ok(n)) => String::from_utf8_lossy(&buffer[..n]).into_owned(),
        Ok(Err(_)) | Err(_) => String::new(),
    }
}

#[tokio::test]
async fn requests_beyond_the_bound_are_shed_and_stalled_bodies_time_out() {
    let mock = MockServer::start().await.unwrap();
    let limits = HttpLimits::default().max_concurrent_requests(1).read_timeout(Duration::from_secs(1));
    let server = Served::start(simulator_client(&mock), McpOptions::new().http_limits(limits)).await;

    // A request whose body never comes holds the one slot…
    let mut stalled = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let head =
        "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{";
    stalled.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // …so another is shed at once, told to retry…
    let shed = post(&server.url, &[], INITIALIZE).await;
    assert_eq!(shed.status, 503, "{}", shed.body);
    assert_eq!(shed.headers["retry-after"], "1");
    // …until the stalled body runs out of time.
    let timed_out = read_some(&mut stalled).await;
    assert!(timed_out.starts_with("HTTP/1.1 408"), "{timed_out}");
    assert_eq!(post(&server.url, &[], INITIALIZE).await.status, 200, "the slot is free again");
    server.stop().await;
}

#[tokio::test]
async fn silent_and_slow_header_connections_are_closed() {
    let mock = MockServer::start().await.unwrap();
    let limits = HttpLimits::default().read_timeout(Duration::from_secs(1)).idle_timeout(Duration::from_secs(1));
    let server = Served::start(simulator_client(&mock), McpOptions::new().http_limits(limits)).await;
    let mut silent = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let mut slow = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"POST /mcp HTTP/1.1\r\nhost: 12").await.unwrap();
    for stream in [&mut silent, &mut slow] {
        let mut buffer = [0u8; 1024];
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer)).await;
        // A reset (an error) is a close too.
        if let Ok(n) = read.expect("the server closes the connection") {
            assert!(n == 0 || buffer.starts_with(b"HTTP/1.1 408"), "{:?}", &buffer[..n]);
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn invalid_arguments_are_tool_errors_naming_the_argument() {
    let mock = MockServer::start().await.unwrap();
    let session_id = seeded_session(&mock);
    let options = McpOptions::new().website_id(mock.website_id()).allow_writes(true);
    let server = Served::start(simulator_client(&mock), options).await;
    let client = server.connect(&[]).await.unwrap();
    let cases = [
        ("get_conversation", json!({}), "`session_id`"),
        ("get_conversation", json!({"session_id": session_id, "sesion": 1}), "`sesion`"),
        ("get_conversation", json!({"session_id": {"id": 1}}), "session_id"),
        ("get_conversation", json!({"session_id": ""}), "session_id"),
        ("change_conversation_state", json!({"session_id": "s", "body": "resolved"}), "body"),
        ("list_conversations", json!({"cursor": "next"}), "cursor"),
        ("list_conversations", json!({"per_page": "many"}), "per_page"),
        (
            "get_messages_in_conversation",
            json!({"session_id": session_id, "timestamp_before": "yesterday"}),
            "timestamp_before",
        ),
    ];
    for (tool, arguments, named) in cases {
        let refused = error(&call(&client, tool, arguments.clone()).await);
        assert!(refused.contains(named), "{tool} {arguments}: {refused}");
    }
    assert!(mock.requests().is_empty(), "nothing invalid was sent");
    client.cancel().await.unwrap();
    server.stop().await;
}
