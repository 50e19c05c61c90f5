//! `crisp login`, `logout` and `whoami`.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use serde_json::json;

use crate::config::{self, ConfigFile, KeyStore, Profile, Saved};
use crate::error::{CliError, Result};

#[derive(clap::Args, Debug)]
pub struct LoginArgs {
    /// The token identifier (asked for when missing)
    #[arg(long)]
    identifier: Option<String>,
    /// The token tier: user, website or plugin (asked for when missing; default plugin)
    #[arg(long)]
    tier: Option<String>,
    /// Another API base URL (a simulator, a proxy)
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Read the key from standard input (for scripts and CI; a key is never taken as an argument)
    #[arg(long)]
    key_stdin: bool,
    /// Keep the key in the private file rather than the OS keychain
    #[arg(long)]
    file: bool,
    /// Save without checking the credentials with Crisp
    #[arg(long)]
    no_verify: bool,
    /// Make this profile the default
    #[arg(long)]
    default: bool,
    /// The website the endpoint commands use when their WEBSITE_ID is left out
    #[arg(long, value_name = "ID")]
    website_id: Option<String>,
}

fn ask(question: &str) -> Result<String> {
    eprint!("{question}: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

/// `crisp login`: asks for what is missing, checks the credentials with one
/// call, stores the key in the keychain (or the private file) and says where.
pub async fn login(ctx: &crate::context::Context, args: LoginArgs) -> Result<()> {
    let mut file = ConfigFile::load()?;
    let (name, _) = config::profile_name(ctx.global.profile.as_deref(), &file)?;
    let interactive = std::io::stdin().is_terminal();
    let identifier = match args.identifier {
        Some(id) => id,
        None if interactive => ask("Token identifier")?,
        None => return Err(CliError::usage("--identifier is required when standard input is not a terminal")),
    };
    let key = if args.key_stdin || !interactive {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim().to_owned()
    } else {
        rpassword::prompt_password("Token key (hidden): ")?.trim().to_owned()
    };
    let tier = match args.tier {
        Some(tier) => tier,
        None if interactive => {
            let answer = ask("Tier [user/website/plugin] (plugin)")?;
            if answer.is_empty() { "plugin".to_owned() } else { answer }
        }
        None => "plugin".to_owned(),
    };
    if identifier.is_empty() || key.is_empty() {
        return Err(CliError::usage("the identifier and the key must not be empty"));
    }
    let parsed_tier: crisp_api::Tier =
        tier.parse().map_err(|e: crisp_api::Error| CliError::usage(e.to_string()).hint("user, website or plugin"))?;
    if !args.no_verify {
        let mut builder = crisp_api::Crisp::builder().credentials(identifier.clone(), key.clone()).tier(parsed_tier);
        if let Some(url) = &args.base_url {
            builder = builder.base_url(url.clone());
        }
        let client = builder.build()?;
        check(&client).await?;
        eprintln!("Credentials accepted by {}", client.base_url());
    }
    let saved = config::save_key(&name, &key, args.file)?;
    let key_store = match &saved {
        Saved::Keyring => KeyStore::Keyring,
        Saved::File { .. } => KeyStore::File,
    };
    let previous = file.profiles.remove(&name);
    file.profiles.insert(
        name.clone(),
        Profile {
            identifier,
            tier: parsed_tier.as_str().to_owned(),
            base_url: args.base_url,
            key_store,
            website_id: args.website_id.or_else(|| previous.and_then(|p| p.website_id)),
        },
    );
    if args.default || file.default_profile.is_none() {
        file.default_profile = Some(name.clone());
    }
    file.save()?;
    match saved {
        Saved::Keyring => eprintln!("Profile `{name}` saved; its key is in the OS keychain."),
        Saved::File { path, why } => {
            eprintln!("Profile `{name}` saved; its key is in {} (readable only by you), because {why}.", path.display())
        }
    }
    Ok(())
}

/// One cheap call that any valid token may make: the connect endpoints of its tier.
async fn check(client: &crisp_api::Crisp) -> Result<serde_json::Value> {
    use crisp_api::Call;
    let route = match client.tier() {
        crisp_api::Tier::Plugin => "plugin/connect/endpoints",
        _ => "website/connect/endpoints",
    };
    let call = Call::<serde_json::Value>::new(client, http::Method::GET, route, &[], true);
    Ok(call.send().await?)
}

/// `crisp logout`: removes the profile and its key.
pub fn logout(ctx: &crate::context::Context) -> Result<()> {
    let mut file = ConfigFile::load()?;
    let (name, _) = config::profile_name(ctx.global.profile.as_deref(), &file)?;
    let Some(profile) = file.profiles.remove(&name) else {
        return Err(CliError::usage(format!("no profile named `{name}`")));
    };
    let removed = config::delete_key(&name, &profile)?;
    if file.default_profile.as_deref() == Some(name.as_str()) {
        file.default_profile = None;
    }
    file.save()?;
    let place = if removed.is_empty() {
        "no stored key was found".to_owned()
    } else {
        format!("key removed from {}", removed.join(" and "))
    };
    eprintln!("Logged out of profile `{name}` ({place}).");
    Ok(())
}

/// `crisp whoami`: the resolved identity, and where each value came from.
pub async fn whoami(ctx: &crate::context::Context) -> Result<()> {
    let resolved = ctx.resolve()?;
    // With --dry-run nothing is sent: the report says where values come from.
    let refused = match ctx.global.dry_run {
        true => None,
        false => check(&resolved.client).await.err(),
    };
    let verified = (!ctx.global.dry_run).then_some(refused.is_none());
    let report = json!({
        "profile": resolved.profile,
        "identifier": resolved.identifier,
        "tier": resolved.tier.as_str(),
        "base_url": resolved.base_url,
        "website_id": resolved.website_id,
        "sources": resolved.sources,
        "accepted": verified,
    });
    let mut printer = ctx.printer()?;
    printer.document(&report)?;
    printer.flush()?;
    match refused {
        Some(err) => Err(err),
        None => Ok(()),
    }
}
