//! Shared by the `crisp sync` tests: a simulator with generated data, what
//! `crisp export` says it holds, what a synced database holds (SQLite or
//! PostgreSQL, read back the same way), and a throwaway PostgreSQL cluster.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{Env, run, stderr, stdout};

/// A simulator holding `conversations` generated conversations (with
/// people and operators), the same ones for the same `seed`.
pub async fn generated(conversations: usize, seed: u64) -> Env {
    let mock = crisp_mock::MockServer::builder().seed(seed).generate(conversations).start().await.expect("mock starts");
    Env { mock, config: tempfile::tempdir().expect("temp dir") }
}

/// Everything a website holds, keyed: conversations (without messages),
/// their messages (by fingerprint), people, operators.
#[derive(Debug, Default, PartialEq)]
pub struct Contents {
    pub conversations: BTreeMap<String, Value>,
    pub messages: BTreeMap<String, BTreeMap<i64, Value>>,
    pub people: BTreeMap<String, Value>,
    pub operators: BTreeMap<String, Value>,
}

impl Contents {
    /// One line per difference (at most 10), for failure messages.
    pub fn differences(&self, want: &Contents) -> Vec<String> {
        let mut out = Vec::new();
        fn diff<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
            out: &mut Vec<String>,
            what: &str,
            got: &BTreeMap<K, V>,
            want: &BTreeMap<K, V>,
        ) {
            if got.len() != want.len() {
                out.push(format!("{what}: {} rows, want {}", got.len(), want.len()));
            }
            for (key, value) in want {
                match got.get(key) {
                    None => out.push(format!("{what} {key:?} missing")),
                    Some(found) if found != value => out.push(format!("{what} {key:?}: {found:?}, want {value:?}")),
                    _ => {}
                }
            }
        }
        diff(&mut out, "conversation", &self.conversations, &want.conversations);
        diff(&mut out, "messages of", &self.messages, &want.messages);
        diff(&mut out, "person", &self.people, &want.people);
        diff(&mut out, "operator", &self.operators, &want.operators);
        out.truncate(10);
        out
    }
}

fn fingerprint(message: &Value) -> i64 {
    match &message["fingerprint"] {
        Value::Number(n) => n.as_i64().expect("fingerprint fits"),
        Value::String(s) => s.parse().expect("numeric fingerprint"),
        other => panic!("fingerprint {other}"),
    }
}

/// What `crisp export conversations` and `crisp export people` write, and
/// the operators the API lists, as [`Contents`].
pub async fn exported(env: &Env) -> Contents {
    let dir = env.config.path();
    let mut contents = Contents::default();
    let out = dir.join("export-conversations.jsonl");
    let _ = std::fs::remove_file(&out);
    let mut command = env.crisp("plugin");
    command.args(["export", "conversations", "--max-rate", "10000", "--concurrency", "8", "--out"]).arg(&out);
    let output = run(command).await;
    assert!(output.status.success(), "export: {}", stderr(&output));
    for line in std::fs::read_to_string(&out).unwrap().lines() {
        let mut item: Value = serde_json::from_str(line).unwrap();
        let messages = item.as_object_mut().unwrap().remove("messages").unwrap();
        let id = item["session_id"].as_str().unwrap().to_owned();
        let by_fingerprint =
            messages.as_array().unwrap().iter().map(|m| (fingerprint(m), m.clone())).collect::<BTreeMap<_, _>>();
        if !by_fingerprint.is_empty() {
            contents.messages.insert(id.clone(), by_fingerprint);
        }
        contents.conversations.insert(id, item);
    }
    let mut command = env.crisp("plugin");
    command.args(["export", "people", "--max-rate", "10000"]);
    let output = run(command).await;
    assert!(output.status.success(), "export: {}", stderr(&output));
    for line in stdout(&output).lines() {
        let item: Value = serde_json::from_str(line).unwrap();
        contents.people.insert(item["people_id"].as_str().unwrap().to_owned(), item);
    }
    let website = env.mock.website_id().to_owned();
    for operator in env.mock.with_state(|s| s.websites[&website].operators.clone()) {
        contents.operators.insert(operator["details"]["user_id"].as_str().unwrap().to_owned(), operator);
    }
    contents
}

fn add_rows(contents: &mut Contents, table: &str, rows: Vec<(String, Option<i64>, String)>) {
    for (id, fingerprint, raw) in rows {
        let value: Value = serde_json::from_str(&raw).unwrap();
        match table {
            "conversations" => assert!(contents.conversations.insert(id, value).is_none()),
            "messages" => {
                let fingerprint = fingerprint.unwrap();
                assert!(contents.messages.entry(id).or_default().insert(fingerprint, value).is_none());
            }
            "people" => assert!(contents.people.insert(id, value).is_none()),
            _ => assert!(contents.operators.insert(id, value).is_none()),
        }
    }
}

const QUERIES: [(&str, &str); 4] = [
    ("conversations", "SELECT session_id, NULL, raw FROM conversations"),
    ("messages", "SELECT session_id, fingerprint, raw FROM messages"),
    ("people", "SELECT people_id, NULL, raw FROM people"),
    ("operators", "SELECT user_id, NULL, raw FROM operators"),
];

/// What an SQLite database synced by `crisp sync` holds.
pub fn sqlite_contents(path: &Path) -> Contents {
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut contents = Contents::default();
    for (table, sql) in QUERIES {
        let mut statement = conn.prepare(sql).unwrap();
        let rows: Vec<(String, Option<i64>, String)> = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        add_rows(&mut contents, table, rows);
    }
    contents
}

/// What a PostgreSQL database synced by `crisp sync` holds.
pub async fn postgres_contents(url: &str) -> Contents {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let mut contents = Contents::default();
    for (table, sql) in QUERIES {
        let sql = sql.replace("raw FROM", "raw::text FROM").replace("NULL,", "NULL::bigint,");
        let rows = client.query(&sql, &[]).await.unwrap();
        add_rows(&mut contents, table, rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect());
    }
    contents
}

/// `crisp sync` against the simulator, into `database`.
pub fn sync(env: &Env, database: &str) -> Command {
    let mut command = env.crisp("plugin");
    command.args(["sync", "--database", database, "--max-rate", "10000"]);
    command
}

/// The numbers in a closing summary: (table, new, updated).
pub fn summary_counts(text: &str) -> BTreeMap<String, (u64, u64)> {
    let line = text.lines().find(|l| l.starts_with("synced website")).unwrap_or_else(|| panic!("no summary: {text}"));
    let tables = line.split_once(" s: ").map_or("", |(_, rest)| rest);
    let mut counts = BTreeMap::new();
    for part in tables.split("; ") {
        let words: Vec<&str> = part.split_whitespace().collect();
        if let [table, new, "new,", updated, "updated", ..] = words.as_slice() {
            counts.insert((*table).to_owned(), (new.parse().unwrap(), updated.parse().unwrap()));
        }
    }
    counts
}

/// The number of requests a summary reports.
pub fn summary_requests(text: &str) -> u64 {
    let line = text.lines().find(|l| l.starts_with("synced website")).unwrap();
    let before = line.split(" requests (").next().unwrap();
    before.rsplit(' ').next().unwrap().parse().unwrap()
}

/// A PostgreSQL cluster of its own in a temporary folder, on a free
/// 127.0.0.1 port, stopped (and removed) on drop.
pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    /// As root, the server runs as `postgres` (it refuses root).
    run_as: Option<String>,
    _dir: tempfile::TempDir,
}

fn server_binaries() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
        .collect();
    found.sort_by_key(|bin| {
        bin.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok())
    });
    found.pop().or_else(|| {
        std::env::var_os("PATH")
            .into_iter()
            .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
            .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
    })
}

impl Postgres {
    /// Starts a cluster, or `None` (with a message) when this machine has no
    /// PostgreSQL server binaries. Under CI=true their absence fails.
    pub fn start() -> Option<Postgres> {
        let Some(bin) = server_binaries() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but no PostgreSQL server binaries (initdb, pg_ctl): .ci/system-packages.sh installs them"
            );
            eprintln!("skipped: no PostgreSQL server binaries (initdb, pg_ctl) on this machine");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let root = Command::new("id").arg("-u").output().map(|o| stdout(&o).trim() == "0").unwrap_or(false);
        let run_as = root.then(|| "postgres".to_owned());
        if root {
            let status = Command::new("chown").args(["-R", "postgres"]).arg(dir.path()).status().unwrap();
            assert!(status.success(), "chown to postgres");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cluster = Postgres { bin, data, port, run_as, _dir: dir };
        let mut initdb =
            cluster.tool("initdb", &["--auth=trust", "--username=crisp", "--encoding=UTF8", "--no-sync", "-D"]);
        initdb.arg(&cluster.data);
        cluster.check(&mut initdb, "initdb");
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{}' -c fsync=off",
            cluster.port,
            cluster._dir.path().display()
        );
        let log = cluster._dir.path().join("server.log");
        let mut start = cluster.tool("pg_ctl", &["-w", "-t", "60", "-D"]);
        start.arg(&cluster.data).args(["-o", &options, "-l"]).arg(&log).arg("start");
        cluster.check(&mut start, "pg_ctl start");
        Some(cluster)
    }

    fn tool(&self, name: &str, args: &[&str]) -> Command {
        let program = self.bin.join(name);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(program);
                command
            }
            None => Command::new(program),
        };
        command.args(args);
        command
    }

    fn check(&self, command: &mut Command, what: &str) {
        let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(output.status.success(), "{what}: {}{}", stdout(&output), stderr(&output));
    }

    /// A URL for a fresh database named `name` in this cluster.
    pub async fn database(&self, name: &str) -> String {
        let admin = format!("postgres://crisp@127.0.0.1:{}/postgres", self.port);
        let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        client.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
        format!("postgres://crisp@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let mut stop = self.tool("pg_ctl", &["-w", "-m", "immediate", "-D"]);
        let _ = stop.arg(&self.data).arg("stop").output();
    }
}
