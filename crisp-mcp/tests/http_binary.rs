//! The `crisp-mcp` binary over HTTP, logging at trace level: it starts without a key of its own, and
//! neither the keys it is handed nor Hugo's signing secret show in anything it writes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use crisp_mock::{HugoClient, MockServer};
use rmcp::model::CallToolRequestParams;
use rmcp::service::ServiceExt as _;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::json;
use tokio::io::AsyncBufReadExt as _;

const KEY: &str = "k3y-that-must-never-be-written";
const OTHER_KEY: &str = "an0ther-tenant-key-never-written";
const HUGO_SECRET: &str = "hug0-signing-secret-never-written";

/// The binary serving HTTP on a free port, with everything it writes to stderr captured.
struct Binary {
    child: tokio::process::Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl Binary {
    async fn launch(mock: &MockServer, env: &[(&str, &str)]) -> Self {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_crisp-mcp"));
        command
            .args(["--http", "127.0.0.1:0"])
            .env_clear()
            .env("CRISP_BASE_URL", mock.base_url())
            .env("CRISP_MCP_LOG", "trace")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("the crisp-mcp binary starts");
        let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let log = Arc::new(Mutex::new(String::new()));
        let url = tokio::time::timeout(Duration::from_secs(20), async {
            while let Ok(Some(line)) = lines.next_line().await {
                log.lock().unwrap().push_str(&format!("{line}\n"));
                if let Some(rest) = line.split("serving MCP at ").nth(1) {
                    return rest.split(',').next().unwrap().to_owned();
                }
            }
            panic!("the server stopped before serving: {}", log.lock().unwrap());
        })
        .await
        .expect("the server says where it serves");
        let collected = Arc::clone(&log);
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                collected.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        Self { child, url, log }
    }

    /// Stops the server and returns everything it wrote.
    async fn stop(mut self) -> String {
        self.child.start_kill().unwrap();
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await.expect("the server stops");
        // Let the reader drain what was written before the end.
        tokio::time::sleep(Duration::from_millis(100)).await;
        self.log.lock().unwrap().clone()
    }
}

fn basic(identifier: &str, key: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{identifier}:{key}")))
}

async fn client_with(url: &str, keypair: &str) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let headers: HashMap<http::HeaderName, http::HeaderValue> = [
        (http::header::AUTHORIZATION, keypair.parse().unwrap()),
        (http::HeaderName::from_static("x-crisp-tier"), "plugin".parse().unwrap()),
    ]
    .into_iter()
    .collect();
    let config = StreamableHttpClientTransportConfig::with_uri(url.to_owned()).custom_headers(headers);
    ().serve(StreamableHttpClientTransport::from_config(config)).await.expect("the MCP handshake succeeds")
}

fn assert_secret_free(log: &str, secrets: &[&str]) {
    assert!(log.contains("TRACE") || log.contains("DEBUG"), "the server logged at trace level: {log}");
    for secret in secrets {
        assert!(!log.contains(secret), "`{secret}` appears in the log:\n{log}");
    }
}

#[tokio::test]
async fn a_keyless_server_never_writes_the_keys_its_requests_bring() {
    let mock = MockServer::builder().credentials("log-test-identifier", KEY).start().await.unwrap();
    let session_id = mock.with_state(|s| s.websites[mock.website_id()].conversations.keys().next().cloned()).unwrap();
    // No CRISP_IDENTIFIER or CRISP_KEY: over HTTP the server starts without them.
    let server = Binary::launch(&mock, &[("CRISP_WEBSITE_ID", mock.website_id())]).await;
    let keypair = basic("log-test-identifier", KEY);
    let client = client_with(&server.url, &keypair).await;
    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|tool| tool.name == "get_conversation"));
    let args = |value: serde_json::Value| value.as_object().cloned().unwrap();
    let read = client
        .call_tool(
            CallToolRequestParams::new("get_conversation").with_arguments(args(json!({"session_id": session_id}))),
        )
        .await
        .unwrap();
    assert_ne!(read.is_error, Some(true), "{read:?}");
    let bad = client
        .call_tool(CallToolRequestParams::new("get_conversation").with_arguments(args(json!({"session": "s"}))))
        .await
        .unwrap();
    assert_eq!(bad.is_error, Some(true));
    client.cancel().await.unwrap();
    let other = client_with(&server.url, &basic("other-tenant", OTHER_KEY)).await;
    let refused = other
        .call_tool(
            CallToolRequestParams::new("get_conversation").with_arguments(args(json!({"session_id": session_id}))),
        )
        .await
        .unwrap();
    assert_eq!(refused.is_error, Some(true), "the simulator refuses an unknown keypair");
    other.cancel().await.unwrap();
    for result in [&read, &refused] {
        let shown = serde_json::to_string(result).unwrap();
        assert!(!shown.contains(KEY) && !shown.contains(OTHER_KEY), "{shown}");
    }
    let log = server.stop().await;
    let encoded = |pair: &str| base64::engine::general_purpose::STANDARD.encode(pair);
    assert_secret_free(
        &log,
        &[
            KEY,
            OTHER_KEY,
            &encoded(&format!("log-test-identifier:{KEY}")),
            &encoded(&format!("other-tenant:{OTHER_KEY}")),
        ],
    );
}

#[tokio::test]
async fn a_hugo_server_never_writes_its_signing_secret_or_key() {
    let mock = MockServer::builder().credentials("log-test-identifier", KEY).start().await.unwrap();
    let env = [
        ("CRISP_IDENTIFIER", "log-test-identifier"),
        ("CRISP_KEY", KEY),
        ("CRISP_TIER", "plugin"),
        ("CRISP_MCP_HUGO_SECRET", HUGO_SECRET),
    ];
    let server = Binary::launch(&mock, &env).await;
    let hugo = HugoClient::new(&server.url, HUGO_SECRET, mock.website_id());
    let listed = hugo.request(1, "tools/list", json!({})).await.unwrap();
    assert_eq!(listed.status, 200, "{}", listed.text());
    let answered = hugo.call_tool(2, "list_conversations", json!({})).await.unwrap();
    assert_eq!(answered.message().unwrap()["result"]["isError"], false, "{}", answered.text());
    let impostor = HugoClient::new(&server.url, "a-wrong-secret", mock.website_id());
    assert_eq!(impostor.request(3, "tools/list", json!({})).await.unwrap().status, 401);
    let log = server.stop().await;
    assert!(log.contains("refused an HTTP request"), "refusals are logged: {log}");
    assert_secret_free(&log, &[KEY, HUGO_SECRET]);
}

#[tokio::test]
async fn a_keyless_server_refuses_a_bearer_token_it_could_not_tell_from_a_keypair() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_crisp-mcp"))
        .args(["--http", "127.0.0.1:0"])
        .env_clear()
        .env("CRISP_MCP_HTTP_TOKEN", "token")
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("CRISP_MCP_HTTP_TOKEN") && !said.contains("token\n"), "{said}");
}
