//! The MCP Registry entry (`server.json`) describes this crate as it is published.

use serde_json::Value;

fn entry() -> Value {
    serde_json::from_str(include_str!("../server.json")).expect("server.json is JSON")
}

#[test]
fn the_entry_names_this_crate_at_its_version() {
    let entry = entry();
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(entry["version"], version, "server.json's version follows Cargo.toml");
    let package = &entry["packages"][0];
    assert_eq!(package["registryType"], "cargo");
    assert_eq!(package["identifier"], env!("CARGO_PKG_NAME"));
    assert_eq!(package["version"], version, "the package's version follows Cargo.toml");
    assert_eq!(package["transport"]["type"], "stdio");
    // The registry checks ownership through the repository's owner: io.github.<owner>/…
    let repository = env!("CARGO_PKG_REPOSITORY");
    let owner = repository.trim_start_matches("https://github.com/").split('/').next().unwrap();
    assert_eq!(entry["name"], format!("io.github.{owner}/crisp-mcp"));
    assert_eq!(entry["repository"]["url"], repository);
}

#[test]
fn the_secret_variables_are_marked_secret() {
    let entry = entry();
    let variables = entry["packages"][0]["environmentVariables"].as_array().unwrap();
    let secret = |name: &str| variables.iter().find(|v| v["name"] == name).map(|v| v["isSecret"] == true);
    assert_eq!(secret("CRISP_KEY"), Some(true));
    for name in ["CRISP_IDENTIFIER", "CRISP_TIER", "CRISP_WEBSITE_ID"] {
        assert_eq!(secret(name), Some(false), "{name} is listed, not secret");
    }
}

#[test]
fn the_readme_shows_the_mcp_name_as_visible_text() {
    let readme = include_str!("../README.md");
    let line = format!("mcp-name: {}", entry()["name"].as_str().unwrap());
    let at = readme.find(&line).expect("the README carries the mcp-name line");
    // crates.io drops HTML comments, so the line must not sit in one.
    let before = &readme[..at];
    assert!(before.rfind("<!--").is_none_or(|open| before[open..].contains("-->")), "the line is not in a comment");
}
