//! The simulator stays bounded whatever a peer sends: body limits, no bodies
//! kept for unauthenticated requests, a ring-shaped request log, read timeouts.

mod support;

use std::time::Duration;

use bytes::Bytes;
use crisp_mock::MockServer;
use support::{api, basic, call};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_not_kept() {
    let mock = MockServer::builder().max_body_bytes(64 * 1024).start().await.unwrap();
    let path = format!("/v1/website/{}/conversation", mock.website_id());
    let big = Bytes::from(vec![b' '; 200 * 1024]);
    let auth = basic(mock.identifier(), mock.key());
    let answer = call(&mock, "POST", &path, Some(&auth), Some(big)).await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.json["error"], true);
    assert_eq!(answer.json["reason"], "payload_too_large");
    let logged = mock.requests();
    assert_eq!(logged.len(), 1);
    assert!(logged[0].body.is_empty());
    // Under the limit it is read and answered as usual.
    let answer = call(&mock, "POST", &path, Some(&auth), Some(Bytes::from_static(b"{}"))).await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn an_unauthenticated_body_is_neither_read_nor_kept() {
    let mock = MockServer::start().await.unwrap();
    let path = format!("/v1/website/{}/conversation", mock.website_id());
    let body = Bytes::from(vec![b'x'; 512 * 1024]);
    let answer = call(&mock, "POST", &path, Some("Basic bm90OnJpZ2h0"), Some(body)).await;
    assert_eq!(answer.status, 401);
    let logged = mock.requests();
    assert_eq!(logged.len(), 1);
    assert!(logged[0].body.is_empty(), "kept {} bytes", logged[0].body.len());
}

#[tokio::test]
async fn the_request_log_keeps_the_newest_and_can_be_off() {
    let mock = MockServer::builder().request_log(5).start().await.unwrap();
    for page in 1..=20 {
        api(&mock, "GET", &format!("website/{}/conversations/{page}", mock.website_id()), None).await;
    }
    let logged = mock.requests();
    assert_eq!(logged.len(), 5);
    assert!(logged.last().unwrap().path.ends_with("/20"));
    assert!(logged[0].path.ends_with("/16"));
    let feed = support::admin(&mock, "GET", "/mock/requests?after=17", None).await;
    let seqs: Vec<u64> =
        feed.json["data"]["requests"].as_array().unwrap().iter().map(|r| r["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, vec![18, 19, 20]);
    assert_eq!(feed.json["data"]["requests"][0]["status"], 200);

    let quiet = MockServer::builder().request_log(0).start().await.unwrap();
    api(&quiet, "GET", &format!("website/{}", quiet.website_id()), None).await;
    assert!(quiet.requests().is_empty());
}

#[tokio::test]
async fn a_slow_request_head_is_cut_off() {
    let mock = MockServer::builder().read_timeout(Duration::from_millis(300)).start().await.unwrap();
    let mut slow = tokio::net::TcpStream::connect(mock.addr()).await.unwrap();
    slow.write_all(b"GET /v1/website/x HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.unwrap();
    let mut buffer = [0u8; 1024];
    // The server gives up on the head (an error answer or a plain close), then closes.
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match slow.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(_) => continue,
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "a slow-header connection stayed open");

    // A connection that sends nothing at all is closed too.
    let mut idle = tokio::net::TcpStream::connect(mock.addr()).await.unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(5), idle.read(&mut buffer)).await;
    assert!(matches!(closed, Ok(Ok(0) | Err(_))), "a silent connection stayed open: {closed:?}");
}

#[tokio::test]
async fn a_slow_body_is_answered_408() {
    let mock = MockServer::builder().read_timeout(Duration::from_millis(300)).start().await.unwrap();
    let mut slow = tokio::net::TcpStream::connect(mock.addr()).await.unwrap();
    let head = format!(
        "POST /v1/website/{}/conversation HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        mock.website_id(),
        basic(mock.identifier(), mock.key())
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}
