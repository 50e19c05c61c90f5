//! Peak memory (VmHWM, Linux) of the `crisp-mcp` HTTP server under hostile clients: many oversized bodies
//! sent at once, then many connections that stall in their request head or body while a well-behaved
//! client keeps calling tools. Run with `cargo bench -p crisp-mcp --bench hostile`; it prints the figures and asserts
//! nothing about speed.
//!
//! `HOSTILE_STALLED` (default 1,000) and `HOSTILE_OVERSIZED` (default 200) set the counts.

use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _};

fn count(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `VmHWM` and `VmRSS` of a process, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

const LIST: &str =
    r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_conversations","arguments":{}}}"#;

/// One well-formed tool call; returns the status line.
async fn good_call(addr: std::net::SocketAddr) -> String {
    let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else { return "connect failed".into() };
    let request = format!(
        "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{LIST}",
        LIST.len()
    );
    if stream.write_all(request.as_bytes()).await.is_err() {
        return "write failed".into();
    }
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).lines().next().unwrap_or("no answer").to_owned()
}

#[tokio::main]
async fn main() {
    let stalled = count("HOSTILE_STALLED", 1000);
    let oversized = count("HOSTILE_OVERSIZED", 200);
    let mock = crisp_mock::MockServer::start().await.expect("the simulator starts");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_crisp-mcp"))
        .args(["--http", "127.0.0.1:0"])
        .env_clear()
        .env("CRISP_IDENTIFIER", mock.identifier())
        .env("CRISP_KEY", mock.key())
        .env("CRISP_TIER", "plugin")
        .env("CRISP_BASE_URL", mock.base_url())
        .env("CRISP_WEBSITE_ID", mock.website_id())
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("crisp-mcp starts");
    let pid = child.id().expect("a pid");
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut addr = None;
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(rest) = line.split("serving MCP at http://").nth(1) {
            addr = rest.split('/').next().and_then(|a| a.parse::<std::net::SocketAddr>().ok());
            break;
        }
    }
    let addr = addr.expect("the server says where it serves");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    for _ in 0..20 {
        assert!(good_call(addr).await.contains("200"), "a tool call is answered");
    }
    let (baseline, _) = memory_kib(pid);

    let started = Instant::now();
    // Oversized: 4 MiB chunked bodies, with no length declared, all at once.
    let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
    let floods: Vec<_> = (0..oversized)
        .map(|_| {
            let chunk = chunk.clone();
            tokio::spawn(async move {
                let Ok(stream) = tokio::net::TcpStream::connect(addr).await else { return String::new() };
                let (mut reader, mut writer) = stream.into_split();
                // Reads the answer while sending: the server answers before the body ends.
                let answer = tokio::spawn(async move {
                    let mut answer = vec![0u8; 256];
                    let n = tokio::time::timeout(Duration::from_secs(30), reader.read(&mut answer)).await;
                    let n = n.ok().and_then(Result::ok).unwrap_or(0);
                    String::from_utf8_lossy(&answer[..n]).lines().next().unwrap_or("").to_owned()
                });
                let head = "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                let _ = writer.write_all(head.as_bytes()).await;
                for _ in 0..64 {
                    if writer.write_all(chunk.as_bytes()).await.is_err() {
                        break;
                    }
                }
                answer.await.unwrap_or_default()
            })
        })
        .collect();
    let mut refused = 0;
    let mut other_answers = std::collections::BTreeMap::<String, usize>::new();
    for flood in floods {
        let status = flood.await.unwrap_or_default();
        if status.contains("413") {
            refused += 1;
        } else {
            *other_answers.entry(status).or_default() += 1;
        }
    }
    // Stalled: half never finish their head, half promise 1 MiB of body and send one byte.
    let mut held = Vec::with_capacity(stalled);
    for i in 0..stalled {
        let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else { continue };
        let start = if i % 2 == 0 {
            "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ".to_owned()
        } else {
            "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1048576\r\n\r\n{"
                .to_owned()
        };
        let _ = stream.write_all(start.as_bytes()).await;
        held.push(stream);
    }
    let mut during = Vec::new();
    for _ in 0..10 {
        during.push(good_call(addr).await);
    }
    let (hostile_peak, rss_under_load) = memory_kib(pid);
    // The stalled ones time out (10 s for a head or a body); wait for them to be let go.
    tokio::time::sleep(Duration::from_secs(12)).await;
    let mut closed = 0;
    for stream in &mut held {
        let mut byte = [0u8; 512];
        if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_millis(50), stream.read(&mut byte)).await {
            closed += 1;
        }
    }
    let after = good_call(addr).await;
    let (_, rss_after) = memory_kib(pid);
    let _ = child.start_kill();
    let _ = child.wait().await;

    let answered = during.iter().filter(|status| status.contains("200")).count();
    let shed = during.iter().filter(|status| status.contains("503")).count();
    println!(
        "hostile clients: {stalled} stalled connections, {oversized} bodies of 4 MiB, for {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!("  peak RSS before: {:.1} MiB", baseline as f64 / 1024.0);
    println!(
        "  peak RSS under the hostile run: {:.1} MiB (RSS {:.1} MiB)",
        hostile_peak as f64 / 1024.0,
        rss_under_load as f64 / 1024.0
    );
    println!("  RSS after the stalled clients were let go: {:.1} MiB", rss_after as f64 / 1024.0);
    println!("  oversized bodies answered 413: {refused}/{oversized} (others: {other_answers:?})");
    println!("  stalled connections closed or answered by the server: {closed}/{}", held.len());
    println!(
        "  well-behaved calls during the run: {answered} answered 200, {shed} shed with 503, of {}; after: {after}",
        during.len()
    );
}
