//! Shared by the integration tests: a simulator on 127.0.0.1 and the real
//! `crisp` binary pointed at it, with an isolated config folder and the
//! keychain off.

#![allow(dead_code)]

use std::process::Output;

use crisp_mock::MockServer;
use serde_json::{Map, Value, json};

pub struct Env {
    pub mock: MockServer,
    pub config: tempfile::TempDir,
}

impl Env {
    pub async fn start() -> Self {
        Self::start_with(crisp_mock::MockConfig::default()).await
    }

    pub async fn start_with(config: crisp_mock::MockConfig) -> Self {
        let mock = MockServer::start_with(config).await.expect("mock starts");
        Self { mock, config: tempfile::tempdir().expect("temp dir") }
    }

    /// The binary with no credentials at all: only the config folder is set.
    pub fn bare(&self) -> std::process::Command {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin!("crisp"));
        for (name, _) in std::env::vars() {
            if name.starts_with("CRISP_") || name == "NO_COLOR" {
                command.env_remove(name);
            }
        }
        command.env("CRISP_CONFIG_DIR", self.config.path()).env("CRISP_NO_KEYRING", "1").env("NO_COLOR", "1");
        command
    }

    /// The binary with the simulator's credentials in the environment.
    pub fn crisp(&self, tier: &str) -> std::process::Command {
        let mut command = self.bare();
        command
            .env("CRISP_BASE_URL", self.mock.base_url())
            .env("CRISP_IDENTIFIER", self.mock.identifier())
            .env("CRISP_KEY", self.mock.key())
            .env("CRISP_TIER", tier)
            .env("CRISP_WEBSITE_ID", self.mock.website_id());
        command
    }
}

/// Runs a command to its end (on a blocking thread, so the simulator keeps serving).
pub async fn run(mut command: std::process::Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("crisp runs")).await.expect("joined")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Adds `count` conversations to the simulator's website, conversation `i`
/// holding `i % 90` messages (so some need several message pages), with
/// distinct timestamps.
pub fn seed_conversations(mock: &MockServer, count: usize) {
    let website_id = mock.website_id().to_owned();
    mock.with_state(|state| {
        let website = state.websites.get_mut(&website_id).expect("seeded website");
        for i in 0..count {
            let session_id = format!("session_test_{i:05}");
            let at = 1_600_000_000_000u64 + i as u64 * 100_000;
            let mut fields = Map::new();
            fields.insert("session_id".into(), json!(session_id));
            fields.insert("website_id".into(), json!(website_id));
            fields.insert("state".into(), json!("pending"));
            fields.insert("meta".into(), json!({"nickname": format!("Visitor {i}")}));
            fields.insert("created_at".into(), json!(at));
            fields.insert("updated_at".into(), json!(at));
            let messages: Vec<Value> = (0..i % 90)
                .map(|m| {
                    json!({"session_id": session_id, "website_id": website_id, "type": "text", "from": "user",
                           "origin": "chat", "content": format!("m{m}"), "fingerprint": (i * 1000 + m) as u64,
                           "timestamp": at + m as u64 * 10})
                })
                .collect();
            website.conversations.insert(session_id, crisp_mock::state::Conversation { fields, messages });
        }
    });
}
