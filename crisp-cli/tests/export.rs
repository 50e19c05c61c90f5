//! `crisp export`: the file holds exactly what the simulator holds, item by
//! item, also after a kill and `--resume`, and through rate limiting.

mod support;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::time::Duration;

use crisp_mock::{Fault, MockServer};
use serde_json::Value;
use support::{Env, run, stderr};

/// What the simulator holds: every conversation's fields plus its messages.
fn expected(mock: &MockServer) -> BTreeMap<String, Value> {
    let website = mock.website_id().to_owned();
    mock.with_state(|state| {
        state.websites[&website]
            .conversations
            .iter()
            .map(|(id, c)| {
                let mut item = c.fields.clone();
                item.insert("messages".into(), Value::Array(c.messages.clone()));
                (id.clone(), Value::Object(item))
            })
            .collect()
    })
}

/// Parses the export, failing on a duplicate or a broken line.
fn exported(path: &std::path::Path) -> BTreeMap<String, Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut items = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let item: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}: {line}", n + 1));
        let id = item["session_id"].as_str().unwrap().to_owned();
        assert!(items.insert(id.clone(), item).is_none(), "{id} exported twice");
    }
    items
}

fn assert_same(got: &BTreeMap<String, Value>, want: &BTreeMap<String, Value>) {
    assert_eq!(got.len(), want.len(), "item count");
    for (id, item) in want {
        assert_eq!(got.get(id), Some(item), "conversation {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_matches_the_simulator_item_by_item() {
    let env = Env::start().await;
    support::seed_conversations(&env.mock, 130);
    // A few rate-limited answers on the way: waited for, retried, counted.
    env.mock.inject(Fault::rate_limit(429, Some(1)).on_route("website.get_messages_in_conversation").times(2));
    let out = env.config.path().join("conversations.jsonl");
    let mut command = env.crisp("plugin");
    command.args(["export", "conversations", "--max-rate", "500", "--out"]).arg(&out);
    let output = run(command).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_same(&exported(&out), &expected(&env.mock));
    let summary = stderr(&output);
    assert!(summary.contains("exported 131 conversations") && summary.contains("2 retries"), "{summary}");
    assert!(
        !env.config.path().join("conversations.jsonl.checkpoint.json").exists(),
        "a finished export leaves no checkpoint"
    );

    // Without --resume an existing file is not overwritten... when a checkpoint says it is unfinished.
    std::fs::write(env.config.path().join("conversations.jsonl.checkpoint.json"), "{}").unwrap();
    let mut command = env.crisp("plugin");
    command.args(["export", "conversations", "--out"]).arg(&out);
    let refused = run(command).await;
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert_same(&exported(&out), &expected(&env.mock));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_export_resumes_without_duplicates_or_gaps() {
    let env = Env::start().await;
    support::seed_conversations(&env.mock, 60);
    env.mock.inject(Fault::delay(Duration::from_millis(60)).on_route("website.get_messages_in_conversation"));
    let out = env.config.path().join("conversations.jsonl");
    let checkpoint = env.config.path().join("conversations.jsonl.checkpoint.json");
    let mut command = env.crisp("plugin");
    command.args(["export", "conversations", "--per-page", "7", "--concurrency", "1", "--max-rate", "1000", "--out"]);
    command.arg(&out).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let mut child = command.spawn().unwrap();
    // Kill it once it is well under way (bounded wait).
    let mut waited = 0;
    while waited < 200 {
        let lines = std::fs::read_to_string(&out).map(|t| t.lines().count()).unwrap_or(0);
        if lines >= 20 && checkpoint.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = std::fs::read_to_string(&out).unwrap().lines().count();
    assert!((20..61).contains(&partial), "killed mid-way, {partial} lines written");
    // A crash in the middle of a line: the resume must drop it.
    std::fs::OpenOptions::new().append(true).open(&out).unwrap().write_all(b"{\"session_id\":\"sess").unwrap();

    env.mock.clear_faults();
    let mut command = env.crisp("plugin");
    command.args(["export", "conversations", "--per-page", "7", "--resume", "--out"]).arg(&out);
    let output = run(command).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("resuming at page"), "{}", stderr(&output));
    assert_same(&exported(&out), &expected(&env.mock));
    assert!(!checkpoint.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_export_lists_every_profile() {
    let env = Env::start().await;
    let website = env.mock.website_id().to_owned();
    env.mock.with_state(|state| {
        let people = &mut state.websites.get_mut(&website).unwrap().people;
        for i in 0..45 {
            let mut person = serde_json::Map::new();
            person.insert("people_id".into(), Value::from(format!("people_{i:03}")));
            person.insert("email".into(), Value::from(format!("p{i}@example.com")));
            people.insert(format!("people_{i:03}"), person);
        }
    });
    let want: Vec<Value> =
        env.mock.with_state(|s| s.websites[&website].people.values().cloned().map(Value::Object).collect());
    let mut command = env.crisp("plugin");
    command.args(["export", "people"]);
    let output = run(command).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let got: Vec<Value> = support::stdout(&output).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(got, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_right_after_a_full_page_skips_it_and_carries_on() {
    let env = Env::start().await;
    support::seed_conversations(&env.mock, 20);
    let out = env.config.path().join("conversations.jsonl");
    let mut command = env.crisp("plugin");
    command.args(["export", "conversations", "--per-page", "7", "--out"]).arg(&out);
    assert!(run(command).await.status.success());
    // Keep the first page only, as if the export had died right after its last item.
    let text = std::fs::read_to_string(&out).unwrap();
    let first: Vec<&str> = text.lines().take(7).collect();
    let kept = format!("{}\n", first.join("\n"));
    std::fs::write(&out, &kept).unwrap();
    let ids: Vec<Value> =
        first.iter().map(|l| serde_json::from_str::<Value>(l).unwrap()["session_id"].clone()).collect();
    let checkpoint = serde_json::json!({"kind": "conversations", "website_id": env.mock.website_id(), "page": 1,
        "written_ids": ids, "out_len": kept.len(), "items": 7});
    std::fs::write(env.config.path().join("conversations.jsonl.checkpoint.json"), checkpoint.to_string()).unwrap();

    let mut command = env.crisp("plugin");
    command.args(["export", "conversations", "--per-page", "7", "--resume", "--out"]).arg(&out);
    let output = run(command).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_same(&exported(&out), &expected(&env.mock));
}
