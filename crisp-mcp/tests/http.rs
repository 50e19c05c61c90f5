//! The library's Streamable HTTP transport, driven by rmcp's HTTP client, against the simulator.

mod common;

use std::collections::BTreeSet;

use common::{Client, call, error, json, seeded_session, text};
use crisp_mcp::{McpOptions, Toolsets};
use crisp_mock::MockServer;
use rmcp::service::ServiceExt as _;
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::json;

/// A server on a free loopback port, stopped when dropped.
struct HttpServer {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), crisp_mcp::ServeError>>>,
}

impl HttpServer {
    async fn start(mock: &MockServer, options: McpOptions) -> Self {
        let client = common::simulator_client(mock);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/mcp", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(crisp_mcp::serve_http_on(listener, client, options, async {
            let _ = stopped.await;
        }));
        Self { url, stop: Some(stop), task: Some(task) }
    }

    async fn connect(&self) -> Client {
        // Installed once per process; a second install reports the first one, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        ().serve(StreamableHttpClientTransport::from_uri(self.url.clone())).await.expect("the MCP handshake succeeds")
    }

    /// Stops the server and checks that it shut down cleanly.
    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        let task = self.task.take().unwrap();
        let served = tokio::time::timeout(std::time::Duration::from_secs(10), task).await.expect("the server stops");
        served.unwrap().expect("the server ran without error");
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

fn everything() -> McpOptions {
    McpOptions::new().toolsets(Toolsets::all()).allow_writes(true).allow_destructive(true)
}

#[tokio::test]
async fn each_toolset_lists_its_own_tools_and_together_they_are_all() {
    let mock = MockServer::start().await.unwrap();
    let all = HttpServer::start(&mock, everything()).await;
    let client = all.connect().await;
    let every: Vec<String> = client.list_all_tools().await.unwrap().into_iter().map(|t| t.name.into_owned()).collect();
    client.cancel().await.unwrap();
    all.stop().await;
    let unique: BTreeSet<&String> = every.iter().collect();
    assert_eq!(unique.len(), every.len(), "tool names are unique");
    assert!(!every.iter().any(|name| name.contains("verify_key")), "tools answering signing secrets are not exposed");

    let mut union = BTreeSet::new();
    for (toolset, about) in Toolsets::available() {
        assert!(!about.is_empty());
        let server = HttpServer::start(&mock, everything().toolsets(toolset.parse().unwrap())).await;
        let client = server.connect().await;
        let tools = client.list_all_tools().await.unwrap();
        assert!(!tools.is_empty(), "toolset {toolset} has tools");
        for tool in &tools {
            let meta = &tool.meta.as_ref().unwrap().0[crisp_mcp::TOOLSET_META];
            assert_eq!(meta, toolset, "{} is listed under {toolset}", tool.name);
            assert!(union.insert(tool.name.to_string()), "{} is in one toolset only", tool.name);
        }
        client.cancel().await.unwrap();
        server.stop().await;
    }
    assert_eq!(union, every.iter().cloned().collect::<BTreeSet<_>>());
    assert!(mock.requests().is_empty(), "listing tools calls nothing");
}

#[tokio::test]
async fn reads_writes_and_destructive_calls_over_http() {
    let mock = MockServer::start().await.unwrap();
    let session_id = seeded_session(&mock);
    let website_id = mock.website_id().to_owned();

    // Read-only, with the website known to the server: the model may leave website_id out.
    let server = HttpServer::start(&mock, McpOptions::new().website_id(&website_id)).await;
    let client = server.connect().await;
    let tools = client.list_all_tools().await.unwrap();
    let get = tools.iter().find(|t| t.name == "get_conversation").unwrap();
    assert_eq!(get.input_schema["required"], json!(["session_id"]));
    let conversation = json(&call(&client, "get_conversation", json!({"session_id": session_id})).await);
    let state = mock.with_state(|s| s.websites[&website_id].conversations[&session_id].fields.clone());
    assert_eq!(conversation["session_id"], state["session_id"]);
    assert_eq!(conversation["state"], state["state"]);
    let request = mock.requests().pop().unwrap();
    assert_eq!(request.path, format!("/v1/website/{website_id}/conversation/{session_id}"));

    let resolve = json!({"session_id": session_id, "body": {"state": "resolved"}});
    let refused = error(&call(&client, "change_conversation_state", resolve.clone()).await);
    assert!(refused.contains("--allow-writes"), "{refused}");
    assert!(!text(&call(&client, "get_conversation", json!({"session_id": session_id})).await).contains(mock.key()));
    let prompt = client.get_prompt(rmcp::model::GetPromptRequestParams::new("triage_unresolved")).await.unwrap();
    let prompt_text = prompt.messages[0].content.as_text().unwrap().text.clone();
    assert!(prompt_text.contains(&website_id) && prompt_text.contains("filter_not_resolved=true"), "{prompt_text}");
    client.cancel().await.unwrap();
    server.stop().await;
    assert!(mock.requests().iter().all(|r| r.method == "GET"), "nothing but reads reached Crisp");

    let server = HttpServer::start(&mock, McpOptions::new().website_id(&website_id).allow_writes(true)).await;
    let client = server.connect().await;
    json(&call(&client, "change_conversation_state", resolve).await);
    let stored = mock.with_state(|s| s.websites[&website_id].conversations[&session_id].fields["state"].clone());
    assert_eq!(stored, "resolved");
    let request = mock.requests().pop().unwrap();
    assert_eq!((request.method.as_str(), request.json().unwrap()), ("PATCH", json!({"state": "resolved"})));
    let people_id = mock.with_state(|s| s.websites[&website_id].people.keys().next().cloned()).unwrap();
    let refused = error(&call(&client, "remove_people_profile", json!({"people_id": people_id})).await);
    assert!(refused.contains("--allow-destructive"), "{refused}");
    client.cancel().await.unwrap();
    server.stop().await;
    assert!(mock.with_state(|s| s.websites[&website_id].people.contains_key(&people_id)), "the profile is still there");
}

#[tokio::test]
async fn a_rate_limited_read_waits_as_crisp_asks_and_then_answers() {
    let mock = MockServer::start().await.unwrap();
    let session_id = seeded_session(&mock);
    let server = HttpServer::start(&mock, McpOptions::new().website_id(mock.website_id())).await;
    let client = server.connect().await;
    mock.inject(crisp_mock::Fault::rate_limit(429, Some(1)).on_route("website.get_conversation").times(1));
    let started = std::time::Instant::now();
    let conversation = json(&call(&client, "get_conversation", json!({"session_id": session_id})).await);
    assert_eq!(conversation["session_id"], session_id.as_str());
    assert!(started.elapsed() >= std::time::Duration::from_millis(900), "the client honoured Retry-After");
    let attempts = mock.requests().iter().filter(|r| r.endpoint.as_deref() == Some("website.get_conversation")).count();
    assert_eq!(attempts, 2, "the rate-limited attempt, then the retry");
    client.cancel().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn a_server_with_a_token_refuses_requests_without_it() {
    let mock = MockServer::start().await.unwrap();
    let options = McpOptions::new().http_token("correct-horse-battery");
    assert!(!format!("{options:?}").contains("correct-horse"), "the token stays out of Debug");
    let server = HttpServer::start(&mock, options).await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    for token in [None, Some("wrong-horse-battery"), Some("correct-horse")] {
        let mut config =
            rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::with_uri(server.url.clone());
        if let Some(token) = token {
            config = config.auth_header(token);
        }
        let refused = ().serve(StreamableHttpClientTransport::from_config(config)).await;
        assert!(refused.is_err(), "the handshake succeeded with token {token:?}");
    }
    let config =
        rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::with_uri(server.url.clone())
            .auth_header("correct-horse-battery");
    let client =
        ().serve(StreamableHttpClientTransport::from_config(config)).await.expect("the right token is accepted");
    assert!(!client.list_all_tools().await.unwrap().is_empty());
    client.cancel().await.unwrap();
    server.stop().await;
}
