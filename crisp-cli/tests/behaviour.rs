//! The command's contract, through the real binary: credentials and their
//! precedence, exit codes, output formats, `--dry-run`, completions.

mod support;

use std::io::Write as _;
use std::process::Stdio;

use crisp_mock::Fault;
use serde_json::{Value, json};
use support::{Env, run, stderr, stdout};

/// `crisp login` with the key on standard input; returns the output.
async fn login(env: &Env, profile: &str, identifier: &str, key: &str, extra: &[&str]) -> std::process::Output {
    let mut command = env.bare();
    command
        .args(["--profile", profile, "login", "--identifier", identifier, "--tier", "plugin", "--key-stdin"])
        .args(["--base-url", &env.mock.base_url()])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let key = key.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().unwrap();
        child.stdin.take().unwrap().write_all(format!("{key}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_str(stdout(output).trim()).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_stores_the_key_privately_and_profiles_resolve_in_order() {
    let env = Env::start().await;
    let key = env.mock.key().to_owned();

    // A refused key is not saved, and the key is not echoed.
    let refused = login(&env, "work", env.mock.identifier(), "wrong-key-123", &[]).await;
    assert_eq!(refused.status.code(), Some(4), "{}", stderr(&refused));
    assert!(!stderr(&refused).contains("wrong-key-123"));
    assert!(!env.config.path().join("config.toml").exists());

    let saved = login(&env, "work", env.mock.identifier(), &key, &[]).await;
    assert!(saved.status.success(), "{}", stderr(&saved));
    let message = stderr(&saved);
    assert!(message.contains("credentials.toml") && message.contains("readable only by you"), "{message}");
    assert!(!message.contains(&key) && !stdout(&saved).contains(&key));
    let key_file = env.config.path().join("credentials.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(!std::fs::read_to_string(env.config.path().join("config.toml")).unwrap().contains(&key));

    // The first profile becomes the default: no flag needed.
    let mut command = env.bare();
    command.args(["--output", "json", "whoami"]);
    let whoami = run(command).await;
    assert!(whoami.status.success(), "{}", stderr(&whoami));
    let report = json_of(&whoami);
    assert_eq!(report["profile"], "work");
    assert_eq!(report["accepted"], true);
    assert_eq!(report["sources"]["key"], "profile `work` (key file)");
    assert!(!stdout(&whoami).contains(&key));

    // A second profile; CRISP_PROFILE picks it, --profile beats CRISP_PROFILE.
    let other = login(&env, "other", "other-identifier", &key, &["--no-verify"]).await;
    assert!(other.status.success(), "{}", stderr(&other));
    let mut command = env.bare();
    command.env("CRISP_PROFILE", "other").args(["--output", "json", "--dry-run", "whoami"]);
    assert_eq!(json_of(&run(command).await)["identifier"], "other-identifier");
    let mut command = env.bare();
    command.env("CRISP_PROFILE", "other").args(["--profile", "work", "--output", "json", "--dry-run", "whoami"]);
    assert_eq!(json_of(&run(command).await)["identifier"], env.mock.identifier());

    // The environment overrides the profile field by field.
    let mut command = env.bare();
    command.env("CRISP_IDENTIFIER", "from-env").env("CRISP_TIER", "user").args(["-o", "json", "--dry-run", "whoami"]);
    let report = json_of(&run(command).await);
    assert_eq!(report["identifier"], "from-env");
    assert_eq!(report["tier"], "user");
    assert_eq!(report["sources"]["identifier"], "CRISP_IDENTIFIER");
    assert_eq!(report["sources"]["key"], "profile `work` (key file)");

    // Unknown and malformed profile names are usage errors.
    let mut command = env.bare();
    command.args(["--profile", "nope", "whoami"]);
    let unknown = run(command).await;
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no profile named `nope` (known: other, work)"), "{}", stderr(&unknown));
    let mut command = env.bare();
    command.args(["--profile", "../etc", "whoami"]);
    assert_eq!(run(command).await.status.code(), Some(2));

    // Logout forgets the key.
    let mut command = env.bare();
    command.args(["--profile", "work", "logout"]);
    let out = run(command).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!std::fs::read_to_string(&key_file).unwrap().contains("work"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_are_stable() {
    let env = Env::start().await;
    let website = env.mock.website_id().to_owned();

    // 4: no credentials at all.
    let mut command = env.bare();
    command.args(["website", "get-website", &website]);
    let out = run(command).await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("crisp login"));

    // 2: an unknown flag, a malformed --data file, a missing required body member.
    let mut command = env.crisp("plugin");
    command.args(["website", "get-website", &website, "--no-such-flag"]);
    assert_eq!(run(command).await.status.code(), Some(2));
    let bad = env.config.path().join("bad.json");
    std::fs::write(&bad, "{\"type\": \"text\",").unwrap();
    let mut command = env.crisp("plugin");
    command.args(["website", "update-website-settings", &website, "--data", &format!("@{}", bad.display())]);
    let out = run(command).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not valid JSON"), "{}", stderr(&out));
    assert!(env.mock.requests().is_empty(), "nothing is sent on bad input");

    // 3: Crisp answers 404; with --output json the error is one JSON object.
    let mut command = env.crisp("plugin");
    command.args(["--output", "json", "website", "get-conversation", &website, "session_missing"]);
    let out = run(command).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let error: Value = serde_json::from_str(stderr(&out).trim()).unwrap();
    assert_eq!(error["error"]["kind"], "api");
    assert_eq!(error["error"]["status"], 404);

    // 4: Crisp refuses the key; the key is not in the message.
    let mut command = env.crisp("plugin");
    command.env("CRISP_KEY", "not-the-key-42").args(["website", "get-website", &website]);
    let out = run(command).await;
    assert_eq!(out.status.code(), Some(4));
    assert!(!stderr(&out).contains("not-the-key-42"));

    // 5: still rate limited after the client's retries.
    env.mock.inject(Fault::rate_limit(429, Some(0)).on_route("website.get_website"));
    let mut command = env.crisp("plugin");
    command.args(["website", "get-website", &website]);
    assert_eq!(run(command).await.status.code(), Some(5));
    env.mock.clear_faults();

    // 6: nothing listens.
    let mut command = env.crisp("plugin");
    command.env("CRISP_BASE_URL", "http://127.0.0.1:9/v1/").args(["website", "get-website", &website]);
    assert_eq!(run(command).await.status.code(), Some(6));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_shows_the_request_without_the_key() {
    let env = Env::start().await;
    let website = env.mock.website_id().to_owned();
    let mut command = env.crisp("plugin");
    command.args(["--dry-run", "website", "send-message-in-conversation", &website, "session 1/x"]);
    command.args([
        "-F",
        "type=text",
        "-F",
        "from=operator",
        "-F",
        "origin=chat",
        "-F",
        "content=Hi",
        "-F",
        "stamped=true",
    ]);
    let out = run(command).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains(env.mock.key()), "{text}");
    let request: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(request["method"], "POST");
    assert_eq!(
        request["url"],
        format!("{}website/{website}/conversation/session%201%2Fx/message", env.mock.base_url())
    );
    assert_eq!(request["headers"]["x-crisp-tier"], "plugin");
    assert_eq!(
        request["body"],
        json!({"type": "text", "from": "operator", "origin": "chat", "content": "Hi", "stamped": true})
    );
    assert!(env.mock.requests().is_empty(), "a dry run sends nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_pages_stream_as_json_lines_and_jq_filters_each_item() {
    let env = Env::start().await;
    support::seed_conversations(&env.mock, 45);
    let website = env.mock.website_id().to_owned();
    let expected: Vec<String> = env.mock.with_state(|s| s.websites[&website].conversations.keys().cloned().collect());

    let mut command = env.crisp("plugin");
    command.args(["website", "list-conversations", &website, "--per-page", "10", "--all"]);
    let out = run(command).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut ids: Vec<String> = lines.iter().map(|l| l["session_id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    assert_eq!(ids, expected, "one line per conversation, every page");

    let mut command = env.crisp("plugin");
    command.args(["website", "list-conversations", &website, "--per-page", "10", "--all", "--jq", ".session_id"]);
    let out = run(command).await;
    assert_eq!(stdout(&out).lines().count(), 46);
    assert!(stdout(&out).lines().all(|l| l.starts_with("session_")), "{}", stdout(&out));

    let mut command = env.crisp("plugin");
    command.args(["website", "list-conversations", &website, "--per-page", "10", "--all", "--slurp", "--jq", "length"]);
    assert_eq!(stdout(&run(command).await).trim(), "46");

    let mut command = env.crisp("plugin");
    command.args(["--jq", ".[", "website", "get-website", &website]);
    assert_eq!(run(command).await.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_api_calls_use_the_same_auth_and_output() {
    let env = Env::start().await;
    let website = env.mock.website_id().to_owned();
    let mut command = env.crisp("plugin");
    command.args(["api", "GET", &format!("/v1/website/{website}/conversations/1?per_page=1")]);
    let out = run(command).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let request = env.mock.requests().pop().unwrap();
    assert_eq!(request.query_pairs(), vec![("per_page".to_owned(), "1".to_owned())]);
    assert_eq!(request.endpoint.as_deref(), Some("website.list_conversations"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_are_generated_for_every_shell() {
    let env = Env::start().await;
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let mut command = env.bare();
        command.args(["completion", shell]);
        let out = run(command).await;
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        assert!(script.contains("list-conversations") && script.contains("export"), "{shell} completion is incomplete");
    }
}
