//! What a newcomer expects of the command, through the real binary against the simulator: the
//! profile's website, tables that fit, help grouped by section, `crisp api --paginate`, one hint
//! per error, man pages, and a key read from a pipe.

mod support;

use std::io::Write as _;
use std::process::Stdio;

use serde_json::Value;
use support::{Env, run, stderr, stdout};
use unicode_width::UnicodeWidthStr as _;

/// `crisp --profile mock login ... --website-id ID` with the key piped on standard input (no
/// `--key-stdin`: a pipe is read as it is, a terminal gets a hidden prompt).
async fn login_mock_profile(env: &Env) -> std::process::Output {
    let mut command = env.bare();
    command
        .args(["--profile", "mock", "login", "--identifier", env.mock.identifier(), "--tier", "plugin", "--file"])
        .args(["--base-url", &env.mock.base_url(), "--website-id", env.mock.website_id()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let key = env.mock.key().to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().unwrap();
        child.stdin.take().unwrap().write_all(format!("{key}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_website_id_comes_from_the_profile_or_the_environment() {
    let env = Env::start().await;
    let website = env.mock.website_id().to_owned();
    let saved = login_mock_profile(&env).await;
    assert!(saved.status.success(), "{}", stderr(&saved));
    assert!(!stderr(&saved).contains(env.mock.key()));

    let mut command = env.bare();
    command.args(["--profile", "mock", "-o", "json", "website", "list-conversations"]);
    let out = run(command).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert!(list.as_array().is_some_and(|l| !l.is_empty()), "{list}");
    let request = env.mock.requests().pop().unwrap();
    assert_eq!(request.endpoint.as_deref(), Some("website.list_conversations"));

    // --dry-run and -v say where it came from.
    let mut command = env.bare();
    command.args(["--profile", "mock", "--dry-run", "website", "get-conversation", "session_x"]);
    let out = run(command).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("website_id = {website} (from profile `mock`)")), "{}", stderr(&out));
    let request: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(request["url"], format!("{}website/{website}/conversation/session_x", env.mock.base_url()));
    assert_eq!(request["defaults"]["website_id"]["from"], "profile `mock`");

    let mut command = env.crisp("plugin");
    command.args(["-v", "-o", "json", "website", "get-website"]);
    let out = run(command).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("(from CRISP_WEBSITE_ID)"), "{}", stderr(&out));

    // A positional id still wins, and says nothing about defaults.
    let mut command = env.crisp("plugin");
    command.args(["--dry-run", "website", "get-conversation", "other-site", "session_x"]);
    let out = run(command).await;
    assert!(stdout(&out).contains("website/other-site/conversation/session_x"), "{}", stdout(&out));
    assert!(!stderr(&out).contains("website_id ="));

    // Without any default, the missing id is a usage error that says how to give one.
    let empty = tempfile::tempdir().unwrap();
    let mut command = env.crisp("plugin");
    command
        .env("CRISP_CONFIG_DIR", empty.path())
        .env_remove("CRISP_WEBSITE_ID")
        .args(["website", "list-conversations"]);
    let out = run(command).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("CRISP_WEBSITE_ID"), "{}", stderr(&out));
    // Too few ids for the route is a usage error too.
    let mut command = env.bare();
    command.args(["--profile", "mock", "website", "get-message-in-conversation", "session_x"]);
    let out = run(command).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing <FINGERPRINT>"), "{}", stderr(&out));
}

/// Every line of `text` is at most `width` display columns.
fn assert_fits(text: &str, width: usize) {
    for line in text.lines() {
        assert!(line.width() <= width, "{} > {width}: {line}\n{text}", line.width());
    }
}

async fn table(env: &Env, width: usize, args: &[&str]) -> String {
    let mut command = env.crisp("plugin");
    command.env("COLUMNS", width.to_string()).args(["-o", "table"]).args(args);
    let out = run(command).await;
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_show_curated_columns_readable_times_and_fit_the_width() {
    let env = Env::start().await;
    support::seed_conversations(&env.mock, 30);
    for width in [80, 120] {
        let text = table(&env, width, &["website", "list-conversations"]).await;
        assert_fits(&text, width);
        let header = text.lines().next().unwrap();
        for column in ["session", "visitor", "state", "unread", "last message", "updated"] {
            assert!(header.contains(column) || width == 80, "{column} missing at {width}: {header}");
        }
        assert!(text.contains("Visitor 2"), "{text}");
        // seed_conversations stamps 1_600_000_000_000 + i * 100 s: 2020-09-13 12:26 UTC and on.
        assert!(text.contains("2020-09-13 1"), "{text}");
        assert!(!text.contains("1600000"), "times are readable: {text}");
    }
    // At 120 columns the session ids are whole, ready to copy.
    let text = table(&env, 120, &["website", "list-conversations"]).await;
    assert!(text.contains("session_test_00029 "), "{text}");

    // Messages, people and operators have their own sets.
    let text = table(&env, 100, &["website", "get-messages-in-conversation", "session_test_00005"]).await;
    assert_fits(&text, 100);
    let header = text.lines().next().unwrap();
    assert!(["time", "from", "type", "content"].iter().all(|c| header.contains(c)), "{header}");
    assert!(text.contains("m4"), "{text}");
    let text = table(&env, 100, &["website", "list-people-profiles"]).await;
    assert!(text.lines().next().unwrap().starts_with("people id"), "{text}");
    let text = table(&env, 100, &["website", "list-website-operators"]).await;
    assert!(text.lines().next().unwrap().contains("role"), "{text}");

    // --columns picks dotted paths, and implies a table.
    let mut command = env.crisp("plugin");
    command.env("COLUMNS", "80").args(["--columns", "session_id,meta.nickname", "website", "list-conversations"]);
    let out = run(command).await;
    let text = stdout(&out);
    assert!(text.starts_with("session_id") && text.lines().next().unwrap().contains("meta.nickname"), "{text}");
    assert!(text.contains("Visitor 29"), "{text}");
    assert_fits(&text, 80);

    // A model with no curated set: its scalar fields, no raw JSON objects.
    let text = table(&env, 80, &["website", "get-website"]).await;
    assert_fits(&text, 80);
    assert!(!text.contains("{\""), "{text}");

    // JSON keeps the raw epoch milliseconds.
    let mut command = env.crisp("plugin");
    command.args(["-o", "json", "--jq", ".[0].updated_at", "website", "list-conversations"]);
    let raw = stdout(&run(command).await);
    assert!(raw.trim().parse::<u64>().is_ok(), "{raw}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_is_grouped_by_section_and_documents_every_flag() {
    let env = Env::start().await;
    let mut command = env.bare();
    command.env("COLUMNS", "100").args(["website", "--help"]);
    let out = run(command).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // The command list is drawn to the width (clap's option help after it is clap's own).
    let list = text.split("\nOptions:").next().unwrap();
    assert_fits(list, 100);
    let headings: Vec<&str> = text.lines().filter(|l| l.ends_with("):")).collect();
    for section in ["Conversations (", "Messages (", "People (", "Operators (", "Helpdesk (", "Campaigns ("] {
        assert!(headings.iter().any(|h| h.starts_with(section)), "{section} missing: {headings:?}");
    }
    assert!(text.contains("  send-message-in-conversation "), "{text}");

    let mut command = env.bare();
    command.args(["website", "list-conversations", "--help"]);
    let text = stdout(&run(command).await);
    assert!(text.contains("Number of results per page"), "{text}");
    assert!(!text.contains("(integer)"), "{text}");
    assert!(text.contains("Examples:") && text.contains("crisp website list-conversations"), "{text}");
    assert!(text.contains("[WEBSITE_ID]"), "{text}");
    for command_name in ["send-message-in-conversation", "list-people-profiles"] {
        let mut command = env.bare();
        command.args(["website", command_name, "--help"]);
        assert!(stdout(&run(command).await).contains("Examples:"), "{command_name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_paginate_follows_page_numbers_to_an_empty_page_within_a_bound() {
    let env = Env::start().await;
    support::seed_conversations(&env.mock, 45);
    let website = env.mock.website_id().to_owned();
    let total = env.mock.with_state(|s| s.websites[&website].conversations.len());
    let path = format!("website/{website}/conversations/1?per_page=20");

    let mut command = env.crisp("plugin");
    command.args(["api", "GET", &path, "--paginate"]);
    let out = run(command).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let pages: Vec<Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(pages.len(), total.div_ceil(20), "one line per non-empty page");
    assert_eq!(pages.iter().map(|p| p.as_array().unwrap().len()).sum::<usize>(), total);
    assert!(env.mock.requests().iter().all(|r| r.query_pairs() == vec![("per_page".into(), "20".into())]));

    let mut command = env.crisp("plugin");
    command.args(["api", "GET", &path, "--paginate", "--slurp", "--jq", "length"]);
    assert_eq!(stdout(&run(command).await).trim(), total.to_string());

    let mut command = env.crisp("plugin");
    command.args(["api", "GET", &path, "--paginate", "--max-pages", "1"]);
    let out = run(command).await;
    assert_eq!(stdout(&out).lines().count(), 1);
    assert!(stderr(&out).contains("--max-pages"), "{}", stderr(&out));

    let mut command = env.crisp("plugin");
    command.args(["api", "GET", &format!("website/{website}"), "--paginate"]);
    let out = run(command).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("page number"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_gives_one_hint() {
    let env = Env::start().await;
    let mut command = env.crisp("plugin");
    command.args(["website", "get-conversation", "session_missing"]);
    let out = run(command).await;
    assert_eq!(out.status.code(), Some(3));
    let text = stderr(&out);
    assert_eq!(text.matches("check the identifiers in the path").count(), 1, "{text}");
    assert!(!text.contains("(hint:"), "{text}");

    let mut command = env.crisp("plugin");
    command.env("CRISP_KEY", "not-the-key").args(["website", "get-website"]);
    let out = run(command).await;
    assert_eq!(out.status.code(), Some(4));
    let text = stderr(&out);
    assert_eq!(text.matches(" (").filter(|_| true).count(), 1, "one parenthesised hint: {text}");
    assert!(!text.contains("(hint:"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn man_pages_are_written_for_every_command() {
    let env = Env::start().await;
    let dir = env.config.path().join("man");
    let mut command = env.bare();
    command.args(["man", "--out", dir.to_str().unwrap()]);
    let out = run(command).await;
    assert!(out.status.success(), "{}", stderr(&out));
    for page in ["crisp.1", "crisp-website.1", "crisp-website-list-conversations.1", "crisp-login.1"] {
        let text = std::fs::read_to_string(dir.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page} is a man page");
    }
}
