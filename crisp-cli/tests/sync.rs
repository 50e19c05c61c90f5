//! `crisp sync` into SQLite against the simulator: a full sync holds what
//! `crisp export` holds; so does a sync killed at random points and rerun;
//! an incremental run picks up what changed; `--follow` applies events and
//! reconciles; bad input gets a clear error and exit code.

mod support;
mod sync_support;

use std::io::BufRead as _;
use std::process::Stdio;
use std::time::Duration;

use crisp_mock::Fault;
use serde_json::Value;
use support::{run, stderr};
use sync_support::{Contents, exported, generated, sqlite_contents, summary_counts, summary_requests, sync};

fn assert_same(got: &Contents, want: &Contents) {
    let differences = got.differences(want);
    assert!(differences.is_empty(), "the database differs from the export:\n{}", differences.join("\n"));
}

/// Every conversation in the database has all of its messages: rows of one
/// conversation are committed together or not at all.
fn assert_whole_conversations(got: &Contents, want: &Contents) {
    for id in got.conversations.keys() {
        assert_eq!(got.messages.get(id), want.messages.get(id), "the messages of {id} are half-written");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sync_holds_what_export_holds_and_a_rerun_changes_nothing() {
    let env = generated(240, 1).await;
    let db = env.config.path().join("crisp.db");
    let url = format!("sqlite://{}", db.display());
    let output = run(sync(&env, &url)).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let want = exported(&env).await;
    let got = sqlite_contents(&db);
    assert_same(&got, &want);
    let counts = summary_counts(&stderr(&output));
    assert_eq!(counts["conversations"], (want.conversations.len() as u64, 0), "{}", stderr(&output));
    let messages: usize = want.messages.values().map(|m| m.len()).sum();
    assert_eq!(counts["messages"], (messages as u64, 0));
    assert_eq!(counts["people"], (want.people.len() as u64, 0));
    assert_eq!(counts["operators"], (4, 0));
    assert!(stderr(&output).contains("(full)"), "{}", stderr(&output));

    // Typed columns: real timestamps, ordered as the records say.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (bad, resolved): (i64, i64) = conn
        .query_row(
            "SELECT SUM(julianday(updated_at) < julianday(created_at) OR created_at IS NULL), \
             SUM(state = 'resolved') FROM conversations",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(bad, 0);
    let want_resolved = want.conversations.values().filter(|c| c["state"] == "resolved").count();
    assert_eq!(resolved as usize, want_resolved);
    let sample = want.messages.values().next().unwrap().values().next().unwrap();
    let (sender, at): (String, String) = conn
        .query_row(
            "SELECT sender, created_at FROM messages WHERE session_id = ?1 AND fingerprint = ?2",
            rusqlite::params![sample["session_id"].as_str().unwrap(), sample["fingerprint"].as_i64().unwrap()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(sender, sample["from"].as_str().unwrap());
    let ms: i64 = conn
        .query_row("SELECT CAST(ROUND((julianday(?1) - 2440587.5) * 86400000) AS INTEGER)", [&at], |r| r.get(0))
        .unwrap();
    assert!((ms - sample["timestamp"].as_i64().unwrap()).abs() <= 1, "{at} vs {}", sample["timestamp"]);
    drop(conn);

    // Nothing changed: a second run writes nothing and asks little.
    let again = run(sync(&env, &url)).await;
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stderr(&again).contains("(incremental)"), "{}", stderr(&again));
    assert!(summary_counts(&stderr(&again)).values().all(|c| *c == (0, 0)), "{}", stderr(&again));
    assert!(summary_requests(&stderr(&again)) <= 4, "{}", stderr(&again));
    assert_same(&sqlite_contents(&db), &want);
}

/// A small deterministic sequence of (conversations committed, extra
/// milliseconds): where each kill lands, the same on every run.
fn kill_points(seed: u64, count: usize) -> Vec<(usize, u64)> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        state >> 33
    };
    (0..count).map(|_| (1 + (next() % 140) as usize, next() % 120)).collect()
}

fn committed_conversations(db: &std::path::Path) -> usize {
    let Ok(conn) = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return 0;
    };
    conn.query_row("SELECT COUNT(*) FROM conversations", [], |row| row.get::<_, i64>(0)).map_or(0, |n| n as usize)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_points_then_rerun_it_holds_what_export_holds() {
    let env = generated(150, 2).await;
    let want = exported(&env).await;
    // Slow answers, so each kill lands in the middle of the walk.
    env.mock.inject(Fault::delay(Duration::from_millis(15)).on_route("website.get_messages_in_conversation"));
    let db = env.config.path().join("killed.db");
    let url = format!("sqlite://{}", db.display());
    let mut resumed = false;
    let mut points = kill_points(22, 3);
    points.sort();
    for (at_least, extra_ms) in points {
        let mut command = sync(&env, &url);
        command.args(["--concurrency", "2"]).stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        for _ in 0..600 {
            if committed_conversations(&db) >= at_least || child.try_wait().unwrap().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        tokio::time::sleep(Duration::from_millis(extra_ms)).await;
        // SIGKILL: no chance to clean up.
        child.kill().unwrap();
        let output = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.code().is_none_or(|code| code == 0), "{text}");
        resumed |= text.contains("resuming the conversations walk");
        if db.exists() {
            assert_whole_conversations(&sqlite_contents(&db), &want);
        }
    }
    env.mock.clear_faults();
    let output = run(sync(&env, &url)).await;
    assert!(output.status.success(), "{}", stderr(&output));
    resumed |= stderr(&output).contains("resuming the conversations walk");
    assert!(resumed, "no run resumed an unfinished walk: {}", stderr(&output));
    assert_same(&sqlite_contents(&db), &want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_run_picks_up_changes_made_through_the_simulator() {
    let env = generated(120, 3).await;
    let db = env.config.path().join("crisp.db");
    let url = format!("sqlite://{}", db.display());
    let first = run(sync(&env, &url)).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let full_requests = summary_requests(&stderr(&first));

    let before = exported(&env).await;
    let mut ids = before.conversations.keys();
    let (talked, resolved) = (ids.next().unwrap().clone(), ids.nth(10).unwrap().clone());
    env.mock.visitor_says(Some(&talked), "one more question");
    let created = env.mock.visitor_says(None, "a brand new conversation");
    let mut command = env.crisp("plugin");
    let path = format!("website/{}/conversation/{resolved}/state", env.mock.website_id());
    command.args(["api", "PATCH", &path, "--data", r#"{"state":"resolved"}"#]).stdout(Stdio::null());
    let changed = run(command).await;
    assert!(changed.status.success(), "{}", stderr(&changed));
    let person = before.people.keys().nth(5).unwrap().clone();
    let mut command = env.crisp("plugin");
    let path = format!("website/{}/people/profile/{person}", env.mock.website_id());
    command.args(["api", "PATCH", &path, "--data", r#"{"person":{"nickname":"Renamed"}}"#]).stdout(Stdio::null());
    let renamed = run(command).await;
    assert!(renamed.status.success(), "{}", stderr(&renamed));

    let output = run(sync(&env, &url)).await;
    let text = stderr(&output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("(incremental)"), "{text}");
    let counts = summary_counts(&text);
    assert_eq!(counts["conversations"], (1, 2), "{text}");
    assert_eq!(counts["messages"], (2, 0), "{text}");
    assert_eq!(counts["people"].1, 1, "{text}");
    assert!(summary_requests(&text) * 10 < full_requests, "{text}");
    let want = exported(&env).await;
    assert!(want.conversations.contains_key(&created));
    assert_same(&sqlite_contents(&db), &want);
}

/// Lines of a child's standard error, as a channel.
fn lines(stream: std::process::ChildStderr) -> tokio::sync::mpsc::UnboundedReceiver<String> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stream).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

async fn wait_for_line(lines: &mut tokio::sync::mpsc::UnboundedReceiver<String>, needle: &str) {
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.recv().await {
            if line.contains(needle) {
                return;
            }
        }
        panic!("standard error ended before `{needle}`");
    })
    .await;
    found.unwrap_or_else(|_| panic!("no `{needle}` within 20 s"));
}

/// Polls the database (at most 20 s) until `query` answers `want`.
async fn wait_for_value(db: &std::path::Path, query: &str, want: &str) {
    for _ in 0..200 {
        let conn = rusqlite::Connection::open(db).unwrap();
        let got: Option<String> = conn.query_row(query, [], |row| row.get(0)).ok();
        if got.as_deref() == Some(want) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("`{query}` never answered {want}");
}

struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_applies_events_and_reconciles_what_they_missed() {
    let env = generated(30, 4).await;
    let db = env.config.path().join("crisp.db");
    let url = format!("sqlite://{}", db.display());
    let mut command = sync(&env, &url);
    command.args(["--follow", "--reconcile-every", "2"]).stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut err = lines(child.stderr.take().unwrap());
    let _child = Running(child);
    wait_for_line(&mut err, "synced website").await;
    wait_for_line(&mut err, "following real-time events").await;

    // A visitor writes: message:send.
    let session =
        env.mock.with_state(|s| s.websites.values().next().unwrap().conversations.keys().next().unwrap().clone());
    env.mock.visitor_says(Some(&session), "live from the widget");
    let query = format!("SELECT content FROM messages WHERE session_id = '{session}' AND content LIKE 'live%'");
    wait_for_value(&db, &query, "live from the widget").await;

    // A triggered state change (the simulator's data stays as it was).
    let mut command = env.crisp("plugin");
    command.args(["trigger", "session:set_state", "--session", &session, "--data", r#"{"state":"resolved"}"#]);
    command.stdout(Stdio::null());
    let triggered = run(command).await;
    assert!(triggered.status.success(), "{}", stderr(&triggered));
    let query = format!("SELECT state FROM conversations WHERE session_id = '{session}'");
    wait_for_value(&db, &query, "resolved").await;

    // A new conversation arrives by event alone.
    let created = env.mock.visitor_says(None, "hello, new here");
    let query = format!("SELECT COUNT(*) || '' FROM messages WHERE session_id = '{created}'");
    wait_for_value(&db, &query, "1").await;

    // A change no event announced: the reconciliation pass brings it.
    let website = env.mock.website_id().to_owned();
    let other = env.mock.with_state(|s| {
        let now = s.clock().now_ms();
        let website = s.websites.get_mut(&website).unwrap();
        let (id, conversation) = website.conversations.iter_mut().nth(3).unwrap();
        conversation.fields.insert("state".into(), Value::from("unresolved"));
        conversation.fields.insert("topic".into(), Value::from("silent change"));
        conversation.fields.insert("updated_at".into(), Value::from(now));
        id.clone()
    });
    let query = format!("SELECT raw ->> '$.topic' FROM conversations WHERE session_id = '{other}'");
    wait_for_value(&db, &query, "silent change").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_databases_get_clear_errors_and_exit_codes() {
    let env = generated(5, 5).await;
    let dir = env.config.path();

    let output = run(sync(&env, "mysql://root:hunter2@localhost/crisp")).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("sqlite://FILE or postgres://"), "{}", stderr(&output));
    assert!(!stderr(&output).contains("hunter2"));

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let output = run(sync(&env, &format!("postgres://crisp:hunter2@127.0.0.1:{port}/crisp"))).await;
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    assert!(stderr(&output).contains(&format!("cannot reach the database postgres://127.0.0.1:{port}/crisp")));
    assert!(!stderr(&output).contains("hunter2"), "{}", stderr(&output));

    let missing = dir.join("no/such/folder/crisp.db");
    let output = run(sync(&env, &format!("sqlite://{}", missing.display()))).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("cannot open the database"), "{}", stderr(&output));

    // A read-only file (root ignores permissions: make the folder read-only too, and skip if still writable).
    let locked = dir.join("locked");
    std::fs::create_dir(&locked).unwrap();
    let file = locked.join("crisp.db");
    assert!(run(sync(&env, &format!("sqlite://{}", file.display()))).await.status.success());
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    if std::fs::OpenOptions::new().write(true).open(&file).is_err() {
        let output = run(sync(&env, &format!("sqlite://{}", file.display()))).await;
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert!(stderr(&output).contains("is read-only"), "{}", stderr(&output));
    } else {
        eprintln!("running as root: the read-only file case is covered where permissions apply");
    }

    // A schema newer than this program's.
    let newer = dir.join("newer.db");
    let conn = rusqlite::Connection::open(&newer).unwrap();
    conn.execute_batch("CREATE TABLE crisp_schema (version INTEGER NOT NULL); INSERT INTO crisp_schema VALUES (99);")
        .unwrap();
    drop(conn);
    let output = run(sync(&env, &format!("sqlite://{}", newer.display()))).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("schema version 99, newer than this crisp knows"), "{}", stderr(&output));
    let tables: i64 = rusqlite::Connection::open(&newer)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM sqlite_master WHERE name = 'conversations'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tables, 0, "nothing was written to the newer database");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_dropping_mid_run_fails_with_exit_6_and_a_rerun_completes() {
    let env = generated(100, 6).await;
    let want = exported(&env).await;
    let db = env.config.path().join("crisp.db");
    let url = format!("sqlite://{}", db.display());
    // Some conversations go through, then every message request is cut.
    env.mock.inject(Fault::delay(Duration::from_millis(1)).on_route("website.get_messages_in_conversation").times(60));
    env.mock.inject(Fault::drop_connection().on_route("website.get_messages_in_conversation").times(1000));
    let output = run(sync(&env, &url)).await;
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    let partial = sqlite_contents(&db);
    assert!(!partial.conversations.is_empty() && partial.conversations.len() < 100, "{}", partial.conversations.len());
    assert_whole_conversations(&partial, &want);

    env.mock.clear_faults();
    let output = run(sync(&env, &url)).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("resuming the conversations walk"), "{}", stderr(&output));
    assert_same(&sqlite_contents(&db), &want);
}
