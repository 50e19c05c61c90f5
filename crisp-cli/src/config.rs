//! Profiles and credentials.
//!
//! `config.toml` in the platform config folder (`directories`; `CRISP_CONFIG_DIR`
//! overrides it) holds the profiles without their keys. A key lives in the OS
//! keychain (`keyring`), or, where no keychain answers within a few seconds
//! (headless machines, containers, CI), in `credentials.toml` next to it,
//! readable only by the user. Environment variables override the profile
//! field by field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{CliError, Exit, Result};

/// The keychain service name the keys are stored under. It keeps the package's former name:
/// renaming it would lose the keys already saved.
const KEYRING_SERVICE: &str = "crisp-cli";
/// How long a keychain gets to answer before the file is used instead.
const KEYRING_TIMEOUT: Duration = Duration::from_secs(3);

/// Where a profile's key is kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStore {
    Keyring,
    #[default]
    File,
}

/// One named set of credentials and settings.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Profile {
    pub identifier: String,
    #[serde(default = "default_tier")]
    pub tier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    #[serde(default)]
    pub key_store: KeyStore,
    /// The website commands default to, when the profile has one (the simulator's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_id: Option<String>,
}

fn default_tier() -> String {
    "plugin".into()
}

/// `config.toml`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ConfigFile {
    /// The profile used without `--profile`/`CRISP_PROFILE` (else `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// The key file: keys by profile name. Kept apart from `config.toml` so the
/// configuration can be shown or shared without a secret in it.
#[derive(Default, Serialize, Deserialize)]
struct KeyFile {
    #[serde(default)]
    keys: BTreeMap<String, String>,
}

/// The configuration folder.
pub fn config_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CRISP_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("chat", "crisp", "crisp")
        .map(|dirs| dirs.config_dir().to_path_buf())
        .ok_or_else(|| CliError::failure("no home folder to keep the configuration in").hint("set CRISP_CONFIG_DIR"))
}

fn config_path() -> Result<PathBuf> {
    Ok(config_dir()?.join("config.toml"))
}

fn key_path() -> Result<PathBuf> {
    Ok(config_dir()?.join("credentials.toml"))
}

/// Checks a profile name: letters, digits, `-` and `_`, at most 64.
pub fn check_profile_name(name: &str) -> Result<()> {
    let ok =
        !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(CliError::usage(format!("`{name}` is not a valid profile name"))
            .hint("use letters, digits, `-` and `_` (at most 64)"))
    }
}

impl ConfigFile {
    pub fn load() -> Result<Self> {
        let path = config_path()?;
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|err| {
                CliError::usage(format!("{} is not a valid configuration: {}", path.display(), err.message()))
                    .hint("fix or remove the file, then `crisp login` again")
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(err) => Err(CliError::failure(format!("cannot read {}: {err}", path.display()))),
        }
    }

    pub fn save(&self) -> Result<()> {
        let text = toml::to_string_pretty(self).map_err(|e| CliError::failure(e.to_string()))?;
        write_private(&config_path()?, text.as_bytes())
    }
}

/// Writes a file readable only by the user, atomically (a temporary file
/// renamed over the old one, so a crash never leaves half a file).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| CliError::failure(format!("cannot create {}: {e}", dir.display())))?;
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let write = || -> std::io::Result<()> {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))
}

fn keyring_disabled() -> bool {
    std::env::var("CRISP_NO_KEYRING").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Runs a keychain call on its own thread and gives up after
/// [`KEYRING_TIMEOUT`]: a locked or absent Secret Service can block for
/// minutes, and `crisp` must work without one.
fn with_keyring<T: Send + 'static>(
    profile: &str,
    call: impl FnOnce(&keyring::Entry) -> keyring::Result<T> + Send + 'static,
) -> std::result::Result<T, String> {
    if keyring_disabled() {
        return Err("the keychain is disabled by CRISP_NO_KEYRING".into());
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let user = profile.to_owned();
    std::thread::spawn(move || {
        let result = keyring::Entry::new(KEYRING_SERVICE, &user).and_then(|entry| call(&entry));
        let _ = tx.send(result.map_err(|e| e.to_string()));
    });
    match rx.recv_timeout(KEYRING_TIMEOUT) {
        Ok(result) => result,
        Err(_) => Err(format!("no keychain answered within {} s", KEYRING_TIMEOUT.as_secs())),
    }
}

/// Where a key was saved, to tell the user.
pub enum Saved {
    Keyring,
    File { path: PathBuf, why: String },
}

/// Saves a profile's key: the keychain first (unless `file_only`), else the
/// private file.
pub fn save_key(profile: &str, key: &str, file_only: bool) -> Result<Saved> {
    let why = if file_only {
        "this profile keeps its key in a file".to_owned()
    } else if keyring_disabled() {
        "CRISP_NO_KEYRING is set".to_owned()
    } else {
        let secret = key.to_owned();
        match with_keyring(profile, move |entry| entry.set_password(&secret)) {
            Ok(()) => {
                // A stale copy in the file would otherwise shadow nothing but still sit on disk.
                remove_file_key(profile)?;
                return Ok(Saved::Keyring);
            }
            Err(why) => format!("no OS keychain is available here ({why})"),
        }
    };
    let path = key_path()?;
    let mut file = read_key_file(&path)?;
    file.keys.insert(profile.to_owned(), key.to_owned());
    let text = toml::to_string(&file).map_err(|e| CliError::failure(e.to_string()))?;
    write_private(&path, text.as_bytes())?;
    Ok(Saved::File { path, why })
}

fn read_key_file(path: &Path) -> Result<KeyFile> {
    match std::fs::read_to_string(path) {
        // The parse error is not shown: it could quote part of a key.
        Ok(text) => {
            toml::from_str(&text).map_err(|_| CliError::usage(format!("{} is not a valid key file", path.display())))
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(KeyFile::default()),
        Err(err) => Err(CliError::failure(format!("cannot read {}: {err}", path.display()))),
    }
}

fn remove_file_key(profile: &str) -> Result<bool> {
    let path = key_path()?;
    let mut file = read_key_file(&path)?;
    if file.keys.remove(profile).is_none() {
        return Ok(false);
    }
    let text = toml::to_string(&file).map_err(|e| CliError::failure(e.to_string()))?;
    write_private(&path, text.as_bytes())?;
    Ok(true)
}

/// Reads a profile's key from where the profile says it is.
pub fn load_key(name: &str, profile: &Profile) -> Result<String> {
    if profile.key_store == KeyStore::Keyring {
        return with_keyring(name, |entry| entry.get_password()).map_err(|why| {
            CliError::auth(format!("cannot read the key of profile `{name}` from the keychain: {why}"))
                .hint(format!("`crisp login --profile {name}` again, or set CRISP_KEY"))
        });
    }
    let path = key_path()?;
    read_key_file(&path)?.keys.remove(name).ok_or_else(|| {
        CliError::auth(format!("no key for profile `{name}` in {}", path.display()))
            .hint(format!("`crisp login --profile {name}`, or set CRISP_KEY"))
    })
}

/// Forgets a profile's key wherever it is. Returns what was removed.
pub fn delete_key(name: &str, profile: &Profile) -> Result<Vec<String>> {
    let mut removed = Vec::new();
    if profile.key_store == KeyStore::Keyring && with_keyring(name, |entry| entry.delete_credential()).is_ok() {
        removed.push("the keychain".to_owned());
    }
    if remove_file_key(name)? {
        removed.push(key_path()?.display().to_string());
    }
    Ok(removed)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The profile the command line or `CRISP_PROFILE` names, and whether it was
/// named explicitly.
pub fn profile_name(flag: Option<&str>, file: &ConfigFile) -> Result<(String, bool)> {
    let (name, explicit) = match flag.map(str::to_owned).or_else(|| env("CRISP_PROFILE")) {
        Some(name) => (name, true),
        None => (file.default_profile.clone().unwrap_or_else(|| "default".into()), false),
    };
    check_profile_name(&name)?;
    Ok((name, explicit))
}

/// Everything needed to talk to Crisp, after precedence is applied.
pub struct Resolved {
    pub client: crisp_api::Crisp,
    /// The profile used, if any field came from one.
    pub profile: Option<String>,
    pub identifier: String,
    pub tier: crisp_api::Tier,
    pub base_url: String,
    pub website_id: Option<String>,
    /// Where each value came from, for `whoami`.
    pub sources: BTreeMap<&'static str, String>,
}

/// Resolves the credentials: environment variables (`CRISP_IDENTIFIER`,
/// `CRISP_KEY`, `CRISP_TIER`, `CRISP_BASE_URL`, `CRISP_WEBSITE_ID`; the older
/// `CRISP_REST_URL` with a warning) over the profile (`--profile`,
/// `CRISP_PROFILE`, the default profile), and returns a configured client.
/// The one place every command (and the MCP server) gets a client from.
pub fn resolve(profile_flag: Option<&str>) -> Result<Resolved> {
    resolve_with(profile_flag, |builder| builder)
}

/// [`resolve`], with a last say on the client's configuration (the export
/// takes retries into its own hands, for instance).
pub fn resolve_with(
    profile_flag: Option<&str>,
    customize: impl FnOnce(crisp_api::CrispBuilder) -> crisp_api::CrispBuilder,
) -> Result<Resolved> {
    let file = ConfigFile::load()?;
    let (name, explicit) = profile_name(profile_flag, &file)?;
    let profile = file.profiles.get(&name).cloned();
    if explicit && profile.is_none() {
        let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
        return Err(CliError::usage(format!(
            "no profile named `{name}` (known: {})",
            if known.is_empty() { "none".to_owned() } else { known.join(", ") }
        ))
        .hint(format!("`crisp login --profile {name}` creates it")));
    }
    let mut sources = BTreeMap::new();
    let from_profile = format!("profile `{name}`");
    let mut pick = |field: &'static str, env_name: &'static str, from_file: Option<String>| {
        if let Some(value) = env(env_name) {
            sources.insert(field, env_name.to_owned());
            Some(value)
        } else if let Some(value) = from_file {
            sources.insert(field, from_profile.clone());
            Some(value)
        } else {
            None
        }
    };
    let identifier = pick("identifier", "CRISP_IDENTIFIER", profile.as_ref().map(|p| p.identifier.clone()));
    let tier = pick("tier", "CRISP_TIER", profile.as_ref().map(|p| p.tier.clone()));
    // The older name still counts as the environment's say, with a warning.
    let base_url_name = match (env("CRISP_BASE_URL"), env("CRISP_REST_URL")) {
        (None, Some(_)) => {
            eprintln!("crisp: warning: CRISP_REST_URL is an older name; set CRISP_BASE_URL instead");
            "CRISP_REST_URL"
        }
        _ => "CRISP_BASE_URL",
    };
    let base_url = pick("base_url", base_url_name, profile.as_ref().and_then(|p| p.base_url.clone()));
    let website_id = pick("website_id", "CRISP_WEBSITE_ID", profile.as_ref().and_then(|p| p.website_id.clone()));
    let key = match env("CRISP_KEY") {
        Some(key) => {
            sources.insert("key", "CRISP_KEY".into());
            Some(key)
        }
        None => match &profile {
            Some(p) => {
                let key = load_key(&name, p)?;
                sources.insert(
                    "key",
                    format!(
                        "{from_profile} ({})",
                        match p.key_store {
                            KeyStore::Keyring => "keychain",
                            KeyStore::File => "key file",
                        }
                    ),
                );
                Some(key)
            }
            None => None,
        },
    };
    let (Some(identifier), Some(key)) = (identifier, key) else {
        return Err(CliError::auth("not logged in: no identifier and key").hint(
            "run `crisp login`, or set CRISP_IDENTIFIER and CRISP_KEY (try `crisp mock` for a local simulator)",
        ));
    };
    let tier: crisp_api::Tier = tier.as_deref().unwrap_or("plugin").parse().map_err(|e: crisp_api::Error| {
        CliError::new(Exit::Usage, e.to_string()).hint("CRISP_TIER or the profile's tier: user, website or plugin")
    })?;
    let mut builder = crisp_api::Crisp::builder()
        .credentials(identifier.clone(), key)
        .tier(tier)
        .user_agent(concat!("crisp-api-cli/", env!("CARGO_PKG_VERSION")));
    if let Some(url) = &base_url {
        builder = builder.base_url(url.clone());
    }
    let client = customize(builder).build()?;
    let base_url = client.base_url().to_owned();
    let used_profile = profile.is_some().then_some(name);
    Ok(Resolved { client, profile: used_profile, identifier, tier, base_url, website_id, sources })
}
