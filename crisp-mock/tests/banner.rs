//! The `crisp-mock` binary's banner is shell: evaluated, it sets the
//! project's five variables to values that reach that very simulator.

use std::collections::BTreeMap;
use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};

use crisp_api::{Crisp, Tier};

/// Kills and reaps the simulator however the test ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_banner_evaluated_in_a_shell_points_at_the_simulator() {
    // Values a shell would split or expand unquoted.
    let (identifier, key) = ("bot id", "it's $HOME; `true` \"x\"");
    let mut child = Command::new(env!("CARGO_BIN_EXE_crisp-mock"))
        .args(["--listen", "127.0.0.1:0", "--identifier", identifier, "--key", key])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the crisp-mock binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let _running = Running(child);
    let mut banner = Vec::new();
    for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok).take(30) {
        let last = line.contains("Ctrl-C stops");
        banner.push(line);
        if last {
            break;
        }
    }
    let banner = banner.join("\n");
    assert!(banner.contains("Ctrl-C stops"), "the banner never ended: {banner}");
    let listening = banner
        .lines()
        .find_map(|line| line.strip_prefix("# crisp-mock listening on "))
        .unwrap_or_else(|| panic!("no listening line: {banner}"))
        .to_owned();

    let shell = Command::new("sh")
        .args(["-c", "eval \"$LINES\" && env"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LINES", &banner)
        .output()
        .expect("sh runs");
    assert!(shell.status.success(), "evaluating the banner failed: {}", String::from_utf8_lossy(&shell.stderr));
    assert!(shell.stderr.is_empty(), "the banner made the shell complain: {}", String::from_utf8_lossy(&shell.stderr));
    let env: BTreeMap<String, String> = String::from_utf8_lossy(&shell.stdout)
        .lines()
        .filter_map(|line| line.split_once('='))
        .filter(|(name, _)| name.starts_with("CRISP_"))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    let names: Vec<&str> = env.keys().map(String::as_str).collect();
    assert_eq!(names, ["CRISP_BASE_URL", "CRISP_IDENTIFIER", "CRISP_KEY", "CRISP_TIER", "CRISP_WEBSITE_ID"]);
    assert_eq!(env["CRISP_IDENTIFIER"], identifier);
    assert_eq!(env["CRISP_KEY"], key);
    assert_eq!(env["CRISP_TIER"], "plugin");
    assert_eq!(env["CRISP_BASE_URL"], listening);
    assert_eq!(env["CRISP_WEBSITE_ID"], crisp_mock::DEFAULT_WEBSITE_ID);

    // The variables reach this simulator, with its credentials and website.
    let client = Crisp::builder()
        .credentials(&env["CRISP_IDENTIFIER"], &env["CRISP_KEY"])
        .tier(env["CRISP_TIER"].parse::<Tier>().expect("a tier"))
        .base_url(&env["CRISP_BASE_URL"])
        .build()
        .expect("a client");
    let website = client.website().get_website(env["CRISP_WEBSITE_ID"].as_str()).await.expect("the simulator answers");
    assert_eq!(website.name.as_deref(), Some("Acme Support"), "the default website of the simulator");
}
