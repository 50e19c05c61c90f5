//! `crisp mock` and `crisp trigger`: the simulator as a command, its saved
//! profile, and events raised on demand.

mod support;

use std::io::BufRead as _;
use std::process::{Child, Stdio};

use serde_json::Value;
use support::{Env, run, stderr, stdout};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `crisp mock` and reads its banner up to the website id.
fn start_mock(env: &Env, args: &[&str]) -> (Running, Vec<String>) {
    let mut command = env.bare();
    command.arg("mock").args(args).stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = command.spawn().unwrap();
    let reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut banner = Vec::new();
    for line in reader.lines().map_while(Result::ok).take(20) {
        let done = line.starts_with("export CRISP_WEBSITE_ID=");
        banner.push(line);
        if done {
            break;
        }
    }
    (Running(child), banner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crisp_mock_saves_a_profile_that_works_at_once() {
    let env = Env::start().await;
    let (_mock, banner) = start_mock(&env, &["--generate", "4"]);
    let text = banner.join("\n");
    assert!(text.contains("export CRISP_BASE_URL=http://127.0.0.1:"), "{text}");
    assert!(text.contains("export CRISP_TIER=plugin"), "{text}");
    // Shell a user can evaluate: comments and `export` lines only.
    assert!(banner.iter().all(|line| line.starts_with("# ") || line.starts_with("export CRISP_")), "{text}");
    assert!(text.contains("export CRISP_KEY="), "{text}");
    let website = banner.last().unwrap().trim_start_matches("export CRISP_WEBSITE_ID=").to_owned();

    let mut command = env.bare();
    command.args(["--profile", "mock", "website", "list-conversations", &website]);
    let out = run(command).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(list.as_array().map(Vec::len), Some(5), "the seeded conversation and 4 generated ones");

    // The mock profile keeps its key in the file, never the keychain.
    let config = std::fs::read_to_string(env.config.path().join("config.toml")).unwrap();
    assert!(config.contains("[profiles.mock]") && config.contains("key_store = \"file\""), "{config}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixtures_seed_the_simulator() {
    let env = Env::start().await;
    let fixtures = env.config.path().join("fixtures.json");
    std::fs::write(
        &fixtures,
        r#"{"websites": [{"website_id": "site-a", "name": "Site A",
            "conversations": [{"session_id": "session_a1", "state": "pending", "updated_at": 5,
                               "messages": [{"type": "text", "from": "user", "content": "hello", "fingerprint": 1, "timestamp": 4}]}],
            "people": [{"people_id": "p1", "email": "a@example.com"}]}]}"#,
    )
    .unwrap();
    let (_mock, _) = start_mock(&env, &["--fixtures", fixtures.to_str().unwrap()]);
    let mut command = env.bare();
    command.args([
        "--profile",
        "mock",
        "--jq",
        ".[].content",
        "website",
        "get-messages-in-conversation",
        "site-a",
        "session_a1",
    ]);
    let out = run(command).await;
    assert_eq!(stdout(&out).trim(), "hello", "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trigger_a_visitor_message_with_overridden_data() {
    let env = Env::start().await;
    let before = env.mock.with_state(|s| s.websites[env.mock.website_id()].conversations.len());
    let mut command = env.crisp("plugin");
    command.args(["trigger", "message:send", "--set", "content=Where is my order?"]);
    let out = run(command).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let website = env.mock.website_id().to_owned();
    let texts: Vec<String> = env.mock.with_state(|s| {
        s.websites[&website]
            .conversations
            .values()
            .flat_map(|c| c.messages.iter().filter_map(|m| m["content"].as_str().map(str::to_owned)))
            .collect()
    });
    assert!(texts.iter().any(|t| t == "Where is my order?"), "{texts:?}");
    assert_eq!(env.mock.with_state(|s| s.websites[&website].conversations.len()), before + 1);
}

/// Any event of the spec, through the simulator's `POST /mock/trigger`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trigger_any_event_with_data_from_a_file() {
    let env = Env::start().await;
    let data = env.config.path().join("state.json");
    std::fs::write(&data, r#"{"state": "resolved"}"#).unwrap();
    let mut command = env.crisp("plugin");
    command
        .args(["trigger", "session:set_state", "--session", "session_x", "--data"])
        .arg(format!("@{}", data.display()));
    command.args(["--set", "extra.flag=true"]);
    let out = run(command).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let answer: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(answer["data"]["event"], "session:set_state");
    assert_eq!(answer["data"]["data"]["state"], "resolved");
    assert_eq!(answer["data"]["data"]["extra"]["flag"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undocumented_tier_is_warned_about() {
    let env = Env::start_with(crisp_mock::MockConfig { enforce_tiers: false, ..Default::default() }).await;
    let mut command = env.crisp("website");
    // Documented for user and plugin only.
    command.args(["website", "get-website", env.mock.website_id()]);
    let out = run(command).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: Get A Website documents the tiers user, plugin, not `website`"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crisp_mcp_serves_the_profile_with_the_flags_it_is_given() {
    let env = Env::start().await;
    let tools = |flags: &[&str]| {
        let mut command = env.crisp("plugin");
        command.arg("mcp").arg("--list-tools").args(flags);
        command
    };
    let read_only = run(tools(&[])).await;
    assert!(read_only.status.success(), "{}", stderr(&read_only));
    let names = stdout(&read_only);
    assert!(names.lines().any(|l| l == "list_conversations"), "{names}");
    assert!(!names.lines().any(|l| l == "send_message_in_conversation" || l == "remove_conversation"), "{names}");

    let writes = stdout(&run(tools(&["--toolsets", "all", "--allow-writes"])).await);
    assert!(writes.lines().any(|l| l == "send_message_in_conversation"), "{writes}");
    assert!(!writes.lines().any(|l| l == "remove_conversation"), "{writes}");
    let destructive = stdout(&run(tools(&["--toolsets", "all", "--allow-writes", "--allow-destructive"])).await);
    assert!(destructive.lines().any(|l| l == "remove_conversation"), "{destructive}");

    // Destructive tools need writes on; an unknown toolset is a usage error naming it.
    assert_eq!(run(tools(&["--allow-destructive"])).await.status.code(), Some(2));
    let unknown = run(tools(&["--toolsets", "nope"])).await;
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("nope"), "{}", stderr(&unknown));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crisp_mcp_over_http_takes_only_requests_signed_with_the_hugo_secret_of_its_environment() {
    const SECRET: &str = "hugo-secret-from-the-environment";
    let env = Env::start().await;
    let mut command = env.crisp("plugin");
    command
        .args(["mcp", "--http", "127.0.0.1:0"])
        .env("CRISP_MCP_HUGO_SECRET", SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let server = Running(child);
    let url = stderr
        .lines()
        .map_while(Result::ok)
        .take(20)
        .find_map(|line| line.split("serving MCP at ").nth(1).map(str::to_owned))
        .expect("crisp mcp says where it serves");
    assert!(!url.ends_with(":0/mcp"), "the bound port is printed: {url}");

    let website_id = env.mock.website_id();
    let signed = crisp_mock::HugoClient::new(&url, SECRET, website_id);
    let listed = signed.request(1, "tools/list", serde_json::json!({})).await.unwrap();
    assert_eq!(listed.status, 200, "{}", listed.text());
    let answer = signed.call_tool(2, "list_conversations", serde_json::json!({})).await.unwrap();
    let message = answer.message().unwrap();
    assert_eq!(message["result"]["isError"], false, "the signed website is the default: {message}");
    let sent = env.mock.requests().pop().expect("the call reached the simulator");
    assert!(sent.path.starts_with(&format!("/v1/website/{website_id}/conversations/")), "{}", sent.path);

    let forged = crisp_mock::HugoClient::new(&url, "not-the-secret", website_id);
    let refused = forged.request(3, "tools/list", serde_json::json!({})).await.unwrap();
    assert_eq!(refused.status, 401, "{}", refused.text());
    assert!(!refused.text().contains(SECRET));
    drop(server);
}
