//! `crisp mock`: runs the local simulator (crate `crisp-mock`), prints how to
//! reach it (a banner a shell can evaluate: `export` lines and comments), and saves a `mock` profile (key in the private file, never the
//! keychain) so `crisp --profile mock ...` works at once. Everything that
//! touches the simulator's API is in this file.

use std::net::SocketAddr;

use clap::Args;
use serde_json::Value;

use crate::config::{self, ConfigFile, KeyStore, Profile};
use crate::error::{CliError, Result};

#[derive(Args, Debug)]
pub struct MockArgs {
    /// Address to listen on (default: a free port on 127.0.0.1)
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Start from a fixtures file: websites, operators, people, conversations with messages
    /// (format: crisp-mock/fixtures/acme.json)
    #[arg(long, value_name = "FILE")]
    fixtures: Option<std::path::PathBuf>,
    /// Add N generated conversations (with messages, visitors and people) to the website
    #[arg(long, value_name = "N", default_value_t = 0)]
    generate: usize,
    /// Seed for generated data and visitors: the same seed gives the same data
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
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
    let mut builder = crisp_mock::MockServer::builder().listen(args.listen).generate(args.generate);
    if let Some(path) = &args.fixtures {
        // Read here so a missing or malformed file is a usage error, not a failed start.
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::usage(format!("--fixtures {}: {e}", path.display())))?;
        let fixtures: Value = serde_json::from_str(&text)
            .map_err(|e| CliError::usage(format!("--fixtures {} is not valid JSON: {e}", path.display())))?;
        builder = builder.fixtures(fixtures);
    }
    if let Some(seed) = args.seed {
        builder = builder.seed(seed);
    }
    if let (Some(url), Some(secret)) = (&args.webhook_url, &args.webhook_secret) {
        eprintln!("delivering Web Hooks to {url}");
        builder = builder.webhook(url.clone(), secret.clone());
    }
    let mock = builder
        .start()
        .await
        .map_err(|e| CliError::failure(format!("the simulator cannot start on {}: {e}", args.listen)))?;
    if !args.no_profile {
        save_profile(&mock)?;
    }
    // One write, errors ignored: the simulator keeps serving when whoever
    // read the banner (`crisp mock | head`, a test) has closed the pipe.
    // Comments and `export` lines only, so evaluating it is safe.
    let mut banner = format!(
        "# Crisp simulator on {}\n# playground on {}\n# RTM (Socket.IO) on {}\n{}",
        mock.base_url(),
        mock.playground_url(),
        mock.rtm_url(),
        mock.shell_exports(),
    );
    if !args.no_profile {
        banner.push_str(&format!("# or: crisp --profile {PROFILE} website list-conversations {}\n", mock.website_id()));
    }
    banner.push_str("# Ctrl-C stops the simulator.\n");
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(banner.as_bytes()).and_then(|()| stdout.flush());
    drop(stdout);
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
