//! Memory and throughput of the simulator, measured on the `crisp-mock`
//! binary in its own process (so the figures are the server's alone):
//!
//! ```text
//! cargo bench -p crisp-mock --bench load                 # both
//! cargo bench -p crisp-mock --bench load -- memory       # 1,000,000 mixed requests, peak RSS
//! cargo bench -p crisp-mock --bench load -- throughput   # a typical GET, server on one core
//! LOAD_REQUESTS=200000 cargo bench -p crisp-mock --bench load -- memory
//! ```
//!
//! Memory: a mix of authenticated reads and writes that overwrite, 404s,
//! bad credentials, oversized authenticated bodies (413) and 1 MiB
//! unauthenticated bodies (one request in 100), from 32 concurrent
//! connections. It prints the server's resident memory (`VmRSS`) every 10%
//! and its peak (`VmHWM`) from `/proc`, Linux only.
//!
//! Throughput: `GET /v1/website/{id}/conversations/1` from 16 keep-alive
//! connections for 10 s against the server started with `--threads 1`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const WEBSITE: &str = crisp_mock::DEFAULT_WEBSITE_ID;

struct Server {
    child: std::process::Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(extra: &[&str]) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a port").port();
    let addr = format!("127.0.0.1:{port}");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_crisp-mock"))
        .args(["--listen", &addr])
        .args(extra)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the crisp-mock binary starts");
    // The guard kills and reaps the child on every path from here.
    let server = Server { child, addr };
    for _ in 0..200 {
        if std::net::TcpStream::connect(&server.addr).is_ok() {
            return server;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("crisp-mock did not listen on {}", server.addr);
}

/// `VmRSS` and `VmHWM` of a process, in MiB.
fn memory_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            .map_or(f64::NAN, |kib| kib / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn authorization() -> String {
    let token = format!("{}:{}", crisp_mock::DEFAULT_IDENTIFIER, crisp_mock::DEFAULT_KEY);
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(token))
}

type Client = hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

fn client() -> Client {
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .pool_max_idle_per_host(64)
        .build_http()
}

async fn send(client: &Client, addr: &str, method: &str, path: &str, auth: Option<&str>, body: Bytes) -> u16 {
    let mut request = http::Request::builder().method(method).uri(format!("http://{addr}{path}"));
    if let Some(auth) = auth {
        request = request.header(http::header::AUTHORIZATION, auth).header("x-crisp-tier", "plugin");
    }
    let Ok(request) = request.header(http::header::CONTENT_TYPE, "application/json").body(Full::new(body)) else {
        return 0;
    };
    match client.request(request).await {
        Ok(response) => {
            let status = response.status().as_u16();
            let _ = response.into_body().collect().await;
            status
        }
        Err(_) => 0,
    }
}

/// A 1 MiB unauthenticated POST on a fresh connection: the server answers
/// 401 without reading it and closes.
async fn hostile_upload(addr: &str, body: &[u8]) {
    let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else { return };
    let head = format!(
        "POST /v1/website/{WEBSITE}/conversation HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.write_all(body)).await;
    let mut answer = [0u8; 256];
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer)).await;
}

async fn create_conversation(addr: &str, auth: &str) -> String {
    let request = http::Request::post(format!("http://{addr}/v1/website/{WEBSITE}/conversation"))
        .header(http::header::AUTHORIZATION, auth)
        .header("x-crisp-tier", "plugin")
        .body(Full::new(Bytes::from_static(b"{}")))
        .expect("request");
    let response = client().request(request).await.expect("create a conversation");
    let body = response.into_body().collect().await.expect("body").to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
    json["data"]["session_id"].as_str().expect("session").to_owned()
}

async fn memory(total: u64) {
    let server = start_server(&[]);
    let addr = Arc::new(server.addr.clone());
    let pid = server.child.id();
    let auth = Arc::new(authorization());
    let session = Arc::new(create_conversation(&addr, &auth).await);
    let megabyte = Bytes::from(vec![b'x'; 1024 * 1024]);
    let too_big = Bytes::from(vec![b' '; 2 * 1024 * 1024]);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let (before, _) = memory_mib(pid);
    println!("memory: {total} mixed requests, server RSS at start {before:.1} MiB");
    let mut workers = Vec::new();
    for _ in 0..32 {
        let (addr, auth, session, next) = (addr.clone(), auth.clone(), session.clone(), next.clone());
        let (megabyte, too_big) = (megabyte.clone(), too_big.clone());
        workers.push(tokio::spawn(async move {
            let client = client();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                if n > 0 && n % (total / 10).max(1) == 0 {
                    let (rss, peak) = memory_mib(pid);
                    println!("  {:>3}%  {n:>8} requests  RSS {rss:6.1} MiB  peak {peak:6.1} MiB", n * 100 / total);
                }
                let auth = Some(auth.as_str());
                let conversation = format!("/v1/website/{WEBSITE}/conversation/{session}");
                match n % 100 {
                    0 => hostile_upload(&addr, &megabyte).await,
                    1 => {
                        send(&client, &addr, "PATCH", &format!("{conversation}/meta"), auth, too_big.clone()).await;
                    }
                    2..=9 => {
                        let wrong = Some("Basic d3Jvbmc6d3Jvbmc=");
                        send(&client, &addr, "GET", &format!("/v1/website/{WEBSITE}"), wrong, Bytes::new()).await;
                    }
                    10..=19 => {
                        let path = format!("/v1/website/no-such-site/conversations/{}", n % 7 + 1);
                        send(&client, &addr, "GET", &path, auth, Bytes::new()).await;
                    }
                    20..=39 => {
                        let meta = format!("{{\"nickname\":\"Visitor {}\",\"data\":{{\"n\":{n}}}}}", n % 1000);
                        send(&client, &addr, "PATCH", &format!("{conversation}/meta"), auth, Bytes::from(meta)).await;
                    }
                    40..=59 => {
                        send(&client, &addr, "GET", &conversation, auth, Bytes::new()).await;
                    }
                    _ => {
                        let path = format!("/v1/website/{WEBSITE}/conversations/1");
                        send(&client, &addr, "GET", &path, auth, Bytes::new()).await;
                    }
                };
            }
        }));
    }
    for worker in workers {
        let _ = worker.await;
    }
    let elapsed = started.elapsed();
    let (rss, peak) = memory_mib(pid);
    println!(
        "memory: {total} requests in {:.1} s ({:.0}/s); server RSS at the end {rss:.1} MiB, peak {peak:.1} MiB",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
}

async fn throughput() {
    let server = start_server(&["--threads", "1"]);
    let addr = Arc::new(server.addr.clone());
    let auth = Arc::new(authorization());
    let done = Arc::new(AtomicU64::new(0));
    let path = Arc::new(format!("/v1/website/{WEBSITE}/conversations/1"));
    let warm_up = Instant::now() + Duration::from_secs(2);
    let end = warm_up + Duration::from_secs(10);
    let mut workers = Vec::new();
    for _ in 0..16 {
        let (addr, auth, done, path) = (addr.clone(), auth.clone(), done.clone(), path.clone());
        workers.push(tokio::spawn(async move {
            let client = client();
            loop {
                let now = Instant::now();
                if now >= end {
                    break;
                }
                let status = send(&client, &addr, "GET", &path, Some(&auth), Bytes::new()).await;
                assert_eq!(status, 200);
                if now >= warm_up {
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for worker in workers {
        let _ = worker.await;
    }
    let rate = done.load(Ordering::Relaxed) as f64 / 10.0;
    println!("throughput: GET {path} with the server on one thread: {rate:.0} requests/s (16 connections, 10 s)");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wants = |name: &str| args.is_empty() || args.iter().any(|a| a == name);
    let total = std::env::var("LOAD_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    runtime.block_on(async {
        if wants("memory") {
            memory(total).await;
        }
        if wants("throughput") {
            throughput().await;
        }
    });
}
