//! What the CLI benchmarks share: running the release binary and reading
//! its peak memory while it runs.

use std::process::{Child, Output};
use std::time::Duration;

/// Waits for `child`, sampling its peak resident set (`VmHWM`, KiB) from
/// `/proc` every 20 ms; gives its output and that peak.
pub async fn wait_measuring_peak(mut child: Child) -> (Output, u64) {
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_path)
            && let Some(line) = text.lines().find(|l| l.starts_with("VmHWM:"))
        {
            peak_kib = peak_kib.max(line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0));
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (child.wait_with_output().unwrap(), peak_kib)
}
