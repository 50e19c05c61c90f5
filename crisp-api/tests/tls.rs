//! HTTPS end to end on 127.0.0.1: the client's TLS (rustls through
//! hyper-rustls) against a local TLS server whose certificate a test CA
//! signed, reached directly and through an HTTP `CONNECT` proxy. The proxy
//! must see the tunnel request and nothing of what goes through it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crisp_api::{Crisp, ErrorKind, RetryPolicy, Tier};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

const CA: &[u8] = include_bytes!("fixtures/tls/ca.pem");
const SERVER_CERT: &[u8] = include_bytes!("fixtures/tls/server.pem");
const SERVER_KEY: &[u8] = include_bytes!("fixtures/tls/server.key");
const CEILING: Duration = Duration::from_secs(20);

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The client's TLS configuration, trusting only the test CA.
fn client_tls() -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(CA).unwrap()).unwrap();
    rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// Reads one request head (and nothing more) from `stream`.
async fn read_head(stream: &mut (impl AsyncRead + Unpin)) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
        if stream.read(&mut byte).await.unwrap_or(0) == 0 {
            break;
        }
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// A TLS server answering every request with one website; returns its port
/// and the request heads it decrypted.
async fn tls_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let certs = vec![CertificateDer::from_pem_slice(SERVER_CERT).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(SERVER_KEY).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, seen) = (acceptor.clone(), seen.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let head = read_head(&mut tls).await;
                seen.lock().unwrap().push(head);
                let body = r#"{"error":false,"reason":"resolved","data":{"website_id":"w1","name":"Over TLS"}}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, heads)
}

/// An HTTP proxy that accepts `CONNECT`, then pipes bytes both ways; returns
/// its port and the request heads it read in plain text.
async fn connect_proxy() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let head = read_head(&mut client).await;
                seen.lock().unwrap().push(head.clone());
                let target = head.split(' ').nth(1).unwrap_or_default().replace("localhost", "127.0.0.1");
                let Ok(mut server) = tokio::net::TcpStream::connect(target).await else { return };
                let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    (port, heads)
}

fn client(base_url: String, proxy: Option<String>) -> Crisp {
    let mut builder = Crisp::builder()
        .credentials("tls-identifier", "tls-key-never-in-plain-text")
        .tier(Tier::Plugin)
        .base_url(base_url)
        .tls_config(client_tls())
        .timeout(Duration::from_secs(10))
        .retry(RetryPolicy::none());
    builder = match proxy {
        Some(proxy) => builder.proxy(proxy),
        None => builder.no_proxy(),
    };
    builder.build().unwrap()
}

#[tokio::test]
async fn https_reaches_a_server_the_configured_roots_trust() {
    let (port, heads) = tls_server().await;
    let client = client(format!("https://127.0.0.1:{port}/v1/"), None);
    let website = tokio::time::timeout(CEILING, client.website().get_website("w1")).await.unwrap().unwrap();
    assert_eq!(website.name.as_deref(), Some("Over TLS"));
    let heads = heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 1);
    assert!(heads[0].starts_with("GET /v1/website/w1 HTTP/1.1\r\n"), "{}", heads[0]);
    assert!(heads[0].to_ascii_lowercase().contains("\r\nauthorization: basic "), "{}", heads[0]);
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_before_anything_is_sent() {
    let (port, heads) = tls_server().await;
    // The default roots (webpki-roots) do not include the test CA.
    let client = Crisp::builder()
        .credentials("tls-identifier", "tls-key-never-in-plain-text")
        .base_url(format!("https://127.0.0.1:{port}/v1/"))
        .no_proxy()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = tokio::time::timeout(CEILING, client.website().get_website("w1")).await.unwrap().unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport { before_sending: true, .. }), "{err:?}");
    assert!(heads.lock().unwrap().is_empty());
}

#[tokio::test]
async fn https_goes_through_a_connect_proxy_that_sees_only_the_tunnel_request() {
    let (port, heads) = tls_server().await;
    let (proxy_port, proxy_heads) = connect_proxy().await;
    let client = client(format!("https://localhost:{port}/v1/"), Some(format!("http://127.0.0.1:{proxy_port}")));
    let website = tokio::time::timeout(CEILING, client.website().get_website("w1")).await.unwrap().unwrap();
    assert_eq!(website.name.as_deref(), Some("Over TLS"));
    let proxy_heads = proxy_heads.lock().unwrap().clone();
    assert_eq!(proxy_heads.len(), 1, "{proxy_heads:?}");
    assert!(proxy_heads[0].starts_with(&format!("CONNECT localhost:{port} HTTP/1.1\r\n")), "{}", proxy_heads[0]);
    assert!(!proxy_heads[0].to_ascii_lowercase().contains("authorization: basic"), "{}", proxy_heads[0]);
    assert!(heads.lock().unwrap()[0].starts_with("GET /v1/website/w1 HTTP/1.1\r\n"));
}
