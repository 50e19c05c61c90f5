//! `crisp mock`: runs the local simulator (crate `crisp-mock`), prints how to
//! reach it, and saves a `mock` profile (key in the private file, never the
//! keychain) so `crisp --profile mock ...` works at once. Everything that
//! touches the simulator's API is in this file.

use std::net::SocketAddr;

use clap::Args;
use serde_json::{Map, Value, json};

use crate::config::{self, ConfigFile, KeyStore, Profile};
use crate::error::{CliError, Result};

#[derive(Args, Debug)]
pub struct MockArgs {
    /// Address to listen on (default: a free port on 127.0.0.1)
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Seed websites, conversations (with messages) and people from a JSON file
    #[arg(long, value_name = "FILE")]
    fixtures: Option<std::path::PathBuf>,
    /// Add N generated conversations (with messages) to the default website
    #[arg(long, value_name = "N", default_value_t = 0)]
    generate: usize,
    /// Deliver events as signed Web Hooks to this URL (needs --webhook-secret)
    #[arg(long, value_name = "URL", requires = "webhook_secret")]
    webhook_url: Option<String>,
    /// The Web Hook signing secret
    #[arg(long, value_name = "SECRET", requires = "webhook_url")]
    webhook_secret: Option<String>,
    /// Do not save the `mock` profile
    #[arg(long)]
    no_profile: bool,
}

/// The profile name `crisp mock` saves.
pub const PROFILE: &str = "mock";

pub async fn run(args: MockArgs) -> Result<()> {
    let config = crisp_mock::MockConfig::default().listen(args.listen);
    let mock = crisp_mock::MockServer::start_with(config)
        .await
        .map_err(|e| CliError::failure(format!("the simulator cannot listen on {}: {e}", args.listen)))?;
    if let Some(path) = &args.fixtures {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::usage(format!("--fixtures {}: {e}", path.display())))?;
        let fixtures: Value = serde_json::from_str(&text)
            .map_err(|e| CliError::usage(format!("--fixtures {} is not valid JSON: {e}", path.display())))?;
        let count = seed(&mock, &fixtures)?;
        eprintln!("seeded {count} conversations from {}", path.display());
    }
    if args.generate > 0 {
        let website_id = mock.website_id().to_owned();
        mock.with_state(|state| generate(state, &website_id, args.generate, 3));
    }
    if let (Some(url), Some(secret)) = (args.webhook_url, args.webhook_secret) {
        eprintln!("delivering Web Hooks to {url}");
        mock.deliver_webhooks_to(crisp_mock::WebhookTarget::new(url, secret));
    }
    if !args.no_profile {
        save_profile(&mock)?;
    }
    println!("Crisp simulator on {}", mock.base_url());
    println!("RTM (Socket.IO) on {}", mock.rtm_url());
    println!("identifier {}  key {}  website {}", mock.identifier(), mock.key(), mock.website_id());
    println!("export CRISP_BASE_URL={}", mock.base_url());
    println!("export CRISP_IDENTIFIER={}", mock.identifier());
    println!("export CRISP_KEY={}", mock.key());
    println!("export CRISP_TIER=plugin");
    println!("export CRISP_WEBSITE_ID={}", mock.website_id());
    if !args.no_profile {
        println!("# or: crisp --profile {PROFILE} website list-conversations {} ", mock.website_id());
    }
    println!("# Ctrl-C stops the simulator.");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    mock.shutdown();
    Ok(())
}

/// Saves (or refreshes) the `mock` profile. The simulator's key is no
/// secret, and a keychain prompt for it would be noise: it goes to the file.
fn save_profile(mock: &crisp_mock::MockServer) -> Result<()> {
    let mut file = ConfigFile::load()?;
    config::save_key(PROFILE, mock.key(), true)?;
    file.profiles.insert(
        PROFILE.to_owned(),
        Profile {
            identifier: mock.identifier().to_owned(),
            tier: "plugin".into(),
            base_url: Some(mock.base_url()),
            key_store: KeyStore::File,
            website_id: Some(mock.website_id().to_owned()),
        },
    );
    file.save()?;
    eprintln!("saved profile `{PROFILE}` in {}", config::config_dir()?.display());
    Ok(())
}

/// Seeds from `{"websites": [{"website_id", ...fields, "conversations":
/// [{...fields, "messages": [...]}], "people": [{...}]}]}`. Returns the
/// number of conversations added.
pub fn seed(mock: &crisp_mock::MockServer, fixtures: &Value) -> Result<usize> {
    let websites = fixtures
        .get("websites")
        .and_then(Value::as_array)
        .ok_or_else(|| CliError::usage("fixtures need a `websites` list"))?;
    let mut count = 0;
    mock.with_state(|state| {
        for (w, website) in websites.iter().enumerate() {
            let Some(fields) = website.as_object() else { continue };
            let website_id =
                fields.get("website_id").and_then(Value::as_str).map_or_else(|| format!("website-{w}"), str::to_owned);
            let entry = state.websites.entry(website_id.clone()).or_default();
            for (key, value) in fields {
                if key != "conversations" && key != "people" {
                    entry.fields.insert(key.clone(), value.clone());
                }
            }
            entry.fields.insert("website_id".into(), json!(website_id));
            for (c, conversation) in
                fields.get("conversations").and_then(Value::as_array).into_iter().flatten().enumerate()
            {
                let mut fields = conversation.as_object().cloned().unwrap_or_default();
                let messages = match fields.remove("messages") {
                    Some(Value::Array(messages)) => messages,
                    _ => Vec::new(),
                };
                let session_id = fields
                    .get("session_id")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("session_fixture_{w}_{c}"), str::to_owned);
                fields.insert("session_id".into(), json!(session_id));
                fields.insert("website_id".into(), json!(website_id));
                entry.conversations.insert(session_id, crisp_mock::state::Conversation { fields, messages });
                count += 1;
            }
            for (p, person) in fields.get("people").and_then(Value::as_array).into_iter().flatten().enumerate() {
                let mut person = person.as_object().cloned().unwrap_or_default();
                let people_id = person
                    .get("people_id")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("people_{w}_{p}"), str::to_owned);
                person.insert("people_id".into(), json!(people_id));
                entry.people.insert(people_id, person);
            }
        }
    });
    Ok(count)
}

/// Adds `count` conversations with `messages` messages each, with distinct,
/// stable timestamps (newest last), for demos and benchmarks.
pub fn generate(state: &mut crisp_mock::state::State, website_id: &str, count: usize, messages: usize) {
    let website = state.websites.entry(website_id.to_owned()).or_default();
    let start = 1_600_000_000_000u64;
    for i in 0..count {
        let session_id = format!("session_gen_{i:08}");
        let at = start + i as u64 * 1_000;
        let mut fields = Map::new();
        fields.insert("session_id".into(), json!(session_id));
        fields.insert("website_id".into(), json!(website_id));
        fields.insert("state".into(), json!(if i % 3 == 0 { "resolved" } else { "pending" }));
        fields.insert(
            "meta".into(),
            json!({"nickname": format!("Visitor {i}"), "email": format!("visitor{i}@example.com")}),
        );
        fields.insert("created_at".into(), json!(at));
        fields.insert("updated_at".into(), json!(at));
        let messages = (0..messages)
            .map(|m| {
                json!({
                    "session_id": session_id, "website_id": website_id, "type": "text",
                    "from": if m % 2 == 0 { "user" } else { "operator" }, "origin": "chat",
                    "content": format!("message {m} of conversation {i}"),
                    "fingerprint": (i * 1000 + m) as u64, "timestamp": at + m as u64,
                })
            })
            .collect();
        website.conversations.insert(session_id, crisp_mock::state::Conversation { fields, messages });
    }
}
