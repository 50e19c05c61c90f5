//! `Crisp::from_env` reads the variables the simulator's banner sets: the
//! banner's lines, evaluated by a real shell, point the client at that
//! simulator. The older `CRISP_REST_URL` still works, with a warning.
//!
//! The only test in its binary: it sets this process's environment.

use std::process::Command;
use std::sync::{Arc, Mutex};

use crisp_api::Crisp;
use crisp_mock::MockServer;

/// What the shell's environment holds after `eval`-ing `lines`.
fn evaluated(lines: &str) -> Vec<(String, String)> {
    let shell = Command::new("sh")
        .args(["-c", "eval \"$LINES\" && env"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LINES", lines)
        .output()
        .expect("sh runs");
    assert!(shell.status.success(), "{}", String::from_utf8_lossy(&shell.stderr));
    String::from_utf8_lossy(&shell.stdout)
        .lines()
        .filter_map(|line| line.split_once('='))
        .filter(|(name, _)| name.starts_with("CRISP_"))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().write(bytes)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_banners_variables_point_from_env_at_the_simulator() {
    let mock = MockServer::builder().credentials("bot id", "it's $HOME").start().await.unwrap();
    let variables = evaluated(&mock.shell_exports());
    let names: Vec<&str> = variables.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names.len(), 5, "{names:?}");
    // SAFETY: the only test of this binary, and no other thread reads the environment yet.
    unsafe {
        for name in ["CRISP_REST_URL", "CRISP_BASE_URL", "CRISP_IDENTIFIER", "CRISP_KEY", "CRISP_TIER"] {
            std::env::remove_var(name);
        }
        for (name, value) in &variables {
            std::env::set_var(name, value);
        }
    }
    let client = Crisp::from_env().unwrap();
    assert_eq!(client.base_url(), mock.base_url());
    assert_eq!(client.identifier(), Some("bot id"));
    let website_id = std::env::var("CRISP_WEBSITE_ID").unwrap();
    let website = client.website().get_website(website_id.as_str()).await.unwrap();
    assert!(website.name.is_some(), "the simulator answered with its website");

    // The older name, read when the new one is unset, and said so.
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
    // SAFETY: as above.
    unsafe {
        std::env::remove_var("CRISP_BASE_URL");
        std::env::set_var("CRISP_REST_URL", mock.base_url());
    }
    let client = tracing::subscriber::with_default(subscriber, Crisp::from_env).unwrap();
    assert_eq!(client.base_url(), mock.base_url());
    let logged = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("WARN") && logged.contains("set CRISP_BASE_URL instead"), "{logged}");
}
