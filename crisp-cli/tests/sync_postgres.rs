//! `crisp sync` into PostgreSQL: a throwaway cluster of the test's own
//! (started in a temporary folder on a free port, stopped on drop). A full
//! sync, a killed one rerun, and an incremental one all hold what
//! `crisp export` holds. Skipped, with a message, where no server binaries
//! exist, except under CI=true.

mod support;
mod sync_support;

use std::process::Stdio;
use std::time::Duration;

use crisp_mock::Fault;
use support::{run, stderr};
use sync_support::{Postgres, exported, generated, postgres_contents, summary_counts, sync};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_full_killed_and_incremental_syncs_hold_what_export_holds() {
    let Some(cluster) = Postgres::start() else { return };
    let env = generated(120, 7).await;
    let want = exported(&env).await;

    // Full.
    let url = cluster.database("sync_full").await;
    let output = run(sync(&env, &url)).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let differences = postgres_contents(&url).await.differences(&want);
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    assert_eq!(summary_counts(&stderr(&output))["conversations"], (want.conversations.len() as u64, 0));

    // Typed columns are real timestamps.
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let sample = want.messages.values().next().unwrap().values().next().unwrap();
    let row = client
        .query_one(
            "SELECT (EXTRACT(EPOCH FROM created_at) * 1000)::bigint, pg_typeof(created_at)::text FROM messages \
             WHERE session_id = $1 AND fingerprint = $2",
            &[&sample["session_id"].as_str().unwrap(), &sample["fingerprint"].as_i64().unwrap()],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), sample["timestamp"].as_i64().unwrap());
    assert_eq!(row.get::<_, String>(1), "timestamp with time zone");

    // Killed once it has committed something, then rerun.
    let url = cluster.database("sync_killed").await;
    env.mock.inject(Fault::delay(Duration::from_millis(15)).on_route("website.get_messages_in_conversation"));
    let mut command = sync(&env, &url);
    command.args(["--concurrency", "2"]).stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = command.spawn().unwrap();
    for _ in 0..600 {
        let (client, connection) = match tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
            Ok(pair) => pair,
            Err(_) => break,
        };
        tokio::spawn(connection);
        let committed = client.query_one("SELECT COUNT(*) FROM conversations", &[]).await.map_or(0, |r| r.get(0));
        if committed >= 30i64 || child.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = postgres_contents(&url).await;
    for id in partial.conversations.keys() {
        assert_eq!(partial.messages.get(id), want.messages.get(id), "the messages of {id} are half-written");
    }
    env.mock.clear_faults();
    let output = run(sync(&env, &url)).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("resuming the conversations walk"), "{}", stderr(&output));
    let differences = postgres_contents(&url).await.differences(&want);
    assert!(differences.is_empty(), "{}", differences.join("\n"));

    // Incremental: a new message and a new conversation.
    let session = want.conversations.keys().next().unwrap().clone();
    env.mock.visitor_says(Some(&session), "and another thing");
    env.mock.visitor_says(None, "hello from a new visitor");
    let output = run(sync(&env, &url)).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let counts = summary_counts(&stderr(&output));
    assert_eq!(counts["conversations"], (1, 1), "{}", stderr(&output));
    assert_eq!(counts["messages"], (2, 0), "{}", stderr(&output));
    let now = exported(&env).await;
    let differences = postgres_contents(&url).await.differences(&now);
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
