//! The fault matrix: each fault the mock can inject, on a read (GET) and a
//! write (POST), ends in the expected typed error or in a successful retry,
//! within the configured time, and a write is never sent twice unless it
//! provably never reached the server or the caller opted in.

use std::time::{Duration, Instant};

use crisp_api::models::ConversationMessageNew;
use crisp_api::{Crisp, ErrorKind, RetryPolicy, Tier};
use crisp_mock::{Fault, MockServer};

const GET: &str = "website.get_conversation";
const POST: &str = "website.send_message_in_conversation";

struct Setup {
    mock: MockServer,
    client: Crisp,
    session_id: String,
}

async fn setup() -> Setup {
    let mock = MockServer::start().await.unwrap();
    let client = Crisp::builder()
        .credentials(mock.identifier(), mock.key())
        .tier(Tier::Plugin)
        .base_url(mock.base_url())
        .timeout(Duration::from_secs(3))
        .attempt_timeout(Duration::from_millis(400))
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(10))
                .max_backoff(Duration::from_millis(40)),
        )
        .build()
        .unwrap();
    let session_id = client.website().create_new_conversation(mock.website_id()).await.unwrap().session_id.unwrap();
    mock.take_requests();
    Setup { mock, client, session_id: session_id.into() }
}

impl Setup {
    async fn get(&self) -> crisp_api::Result<()> {
        self.client.website().get_conversation(self.mock.website_id(), &self.session_id).await.map(drop)
    }

    async fn post(&self) -> crisp_api::Result<()> {
        let message = ConversationMessageNew::text(
            crisp_api::models::MessageFrom::Operator,
            crisp_api::models::MessageOrigin::Chat,
            "Hello",
        );
        self.client
            .website()
            .send_message_in_conversation(self.mock.website_id(), &self.session_id, message)
            .await
            .map(drop)
    }

    fn received(&self, route: &str) -> usize {
        self.mock.request_counts().get(route).copied().unwrap_or(0)
    }

    /// Messages stored by the mock: a duplicated write would show here.
    fn stored_messages(&self) -> usize {
        self.mock.with_state(|s| s.websites[self.mock.website_id()].conversations[&self.session_id].messages.len())
    }
}

#[tokio::test]
async fn a_transient_5xx_is_retried_on_reads_but_not_on_writes() {
    let s = setup().await;
    s.mock.inject(Fault::status(503).times(1));
    s.get().await.unwrap();
    assert_eq!(s.received(GET), 2);

    s.mock.inject(Fault::status(503).times(1));
    let err = s.post().await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Api { status: 503, .. }), "{err:?}");
    assert_eq!(s.received(POST), 1);
    assert_eq!(s.stored_messages(), 0);
    assert!(err.to_string().contains("503"), "{err}");
}

#[tokio::test]
async fn a_lasting_5xx_ends_after_the_allowed_attempts() {
    let s = setup().await;
    s.mock.inject(Fault::status(500));
    let err = s.get().await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.reason(), Some("internal_error"));
    assert_eq!(s.received(GET), 3);
}

#[tokio::test]
async fn rate_limits_429_and_420_are_typed_and_retried_on_reads_only() {
    for status in [429, 420] {
        let s = setup().await;
        s.mock.inject(Fault::rate_limit(status, Some(0)).times(1));
        s.get().await.unwrap();
        assert_eq!(s.received(GET), 2);

        s.mock.inject(Fault::rate_limit(status, Some(2)).times(1));
        let err = s.post().await.unwrap_err();
        match err.kind() {
            ErrorKind::RateLimited { status: got, retry_after, .. } => {
                assert_eq!(*got, status);
                assert_eq!(*retry_after, Some(Duration::from_secs(2)));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.received(POST), 1);
        assert!(err.is_retryable());
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let s = setup().await;
    s.mock.inject(Fault::rate_limit(429, Some(1)).times(1));
    let started = Instant::now();
    s.get().await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "retried after {:?}", started.elapsed());
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_fails_at_once() {
    let s = setup().await;
    s.mock.inject(Fault::rate_limit(429, Some(60)));
    let started = Instant::now();
    let err = s.get().await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(s.received(GET), 1);
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_the_body() {
    let s = setup().await;
    s.mock.inject(Fault::malformed_json().times(2));
    for result in [s.get().await, s.post().await] {
        let err = result.unwrap_err();
        match err.kind() {
            ErrorKind::Decode { status: 200, body_snippet, .. } => {
                assert!(body_snippet.contains("\"reason\":\"resolved\""))
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((s.received(GET), s.received(POST)), (1, 1));
}

#[tokio::test]
async fn an_html_error_page_keeps_its_status_and_start() {
    let s = setup().await;
    s.mock.inject(Fault::html(502).times(1));
    s.get().await.unwrap();
    assert_eq!(s.received(GET), 2);

    s.mock.inject(Fault::html(502).times(1));
    let err = s.post().await.unwrap_err();
    match err.kind() {
        ErrorKind::Api { status: 502, reason, body_snippet: Some(snippet) } => {
            assert_eq!(reason, "server_error");
            assert!(snippet.contains("<html>"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.received(POST), 1);
}

#[tokio::test]
async fn a_truncated_body_is_a_transport_error_retried_on_reads_only() {
    let s = setup().await;
    s.mock.inject(Fault::truncated_body().times(1));
    s.get().await.unwrap();
    assert_eq!(s.received(GET), 2);

    s.mock.inject(Fault::truncated_body().times(1));
    let err = s.post().await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport { before_sending: false, .. }), "{err:?}");
    assert_eq!(s.received(POST), 1);
}

#[tokio::test]
async fn a_dropped_connection_is_retried_on_reads_only() {
    let s = setup().await;
    s.mock.inject(Fault::drop_connection().times(1));
    s.get().await.unwrap();
    assert_eq!(s.received(GET), 2);

    s.mock.inject(Fault::drop_connection().times(1));
    let err = s.post().await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport { before_sending: false, .. }), "{err:?}");
    assert!(!err.is_before_sending());
    assert_eq!(s.received(POST), 1);
    assert_eq!(s.stored_messages(), 0);
}

#[tokio::test]
async fn a_slow_answer_times_out_per_attempt_and_reads_retry() {
    let s = setup().await;
    s.mock.inject(Fault::delay(Duration::from_secs(2)).times(1));
    s.get().await.unwrap();
    assert_eq!(s.received(GET), 2);

    s.mock.inject(Fault::delay(Duration::from_secs(2)).times(1));
    let started = Instant::now();
    let err = s.post().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(s.received(POST), 1);
}

#[tokio::test]
async fn the_whole_call_stays_within_its_timeout() {
    let s = setup().await;
    s.mock.inject(Fault::delay(Duration::from_secs(10)));
    let client = Crisp::builder()
        .credentials(s.mock.identifier(), s.mock.key())
        .tier(Tier::Plugin)
        .base_url(s.mock.base_url())
        .timeout(Duration::from_millis(800))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.website().get_conversation(s.mock.website_id(), &s.session_id).await.unwrap_err();
    assert!(err.is_timeout());
    assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_write_that_never_reached_the_server_is_retried() {
    // A port that was just free: connecting is refused until the mock starts on it.
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let client = Crisp::builder()
        .credentials(crisp_mock::DEFAULT_IDENTIFIER, crisp_mock::DEFAULT_KEY)
        .tier(Tier::Plugin)
        .base_url(format!("http://{addr}/v1/"))
        .timeout(Duration::from_secs(5))
        .retry(
            RetryPolicy::default()
                .max_attempts(20)
                .initial_backoff(Duration::from_millis(50))
                .max_backoff(Duration::from_millis(200)),
        )
        .build()
        .unwrap();
    let late_mock = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(60)).await;
        MockServer::start_with(crisp_mock::MockConfig::default().listen(addr)).await.unwrap()
    });
    let message = ConversationMessageNew::text(
        crisp_api::models::MessageFrom::Operator,
        crisp_api::models::MessageOrigin::Chat,
        "hi",
    );
    let result =
        client.website().send_message_in_conversation(crisp_mock::DEFAULT_WEBSITE_ID, "session_x", message).await;
    let mock = late_mock.await.unwrap();
    // The refused attempts never arrived; the retry did, exactly once.
    assert_eq!(result.unwrap_err().reason(), Some("session_not_found"));
    assert_eq!(mock.request_counts().get(POST), Some(&1));

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let client = Crisp::builder()
        .credentials("id", "key")
        .base_url(format!("http://{closed}/v1/"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.website().get_website("w").await.unwrap_err();
    assert!(err.is_before_sending(), "{err:?}");
    let sentence = err.to_string();
    assert!(sentence.starts_with(&format!("GET website/w on {closed} could not be sent: ")), "{sentence}");
    assert_eq!(err.host(), Some(closed.to_string().as_str()));
    // What `main` prints on `Err`: the sentence first, the kind and route after, no struct dump.
    let debug = format!("{err:?}");
    assert_eq!(debug, format!("{sentence} [Transport, route website/{{website_id}}]"));
}

#[tokio::test]
async fn a_write_opted_in_as_idempotent_is_retried() {
    let s = setup().await;
    s.mock.inject(Fault::status(503).on_route(POST).times(1));
    let message = ConversationMessageNew::text(
        crisp_api::models::MessageFrom::Operator,
        crisp_api::models::MessageOrigin::Chat,
        "Hello",
    );
    s.client
        .website()
        .send_message_in_conversation(s.mock.website_id(), &s.session_id, message)
        .idempotent()
        .await
        .unwrap();
    assert_eq!(s.received(POST), 2);
    assert_eq!(s.stored_messages(), 1);
}

#[tokio::test]
async fn api_errors_tell_route_from_entity_and_auth() {
    let s = setup().await;
    let missing = s.client.website().get_conversation(s.mock.website_id(), "session_unknown").await.unwrap_err();
    assert_eq!((missing.status(), missing.reason()), (Some(404), Some("session_not_found")));
    assert_eq!(missing.route(), Some("website/{website_id}/conversation/{session_id}"));

    let bad_key =
        Crisp::builder().credentials(s.mock.identifier(), "wrong").base_url(s.mock.base_url()).build().unwrap();
    let err = bad_key.website().get_website(s.mock.website_id()).await.unwrap_err();
    assert_eq!((err.status(), err.reason()), (Some(401), Some("invalid_session")));
    assert_eq!(s.received("website.get_website"), 1, "401 is not retried");

    // Plan routes are documented for the user tier only.
    let err = s.client.plan().list_all_active_plan_subscriptions().await.unwrap_err();
    assert_eq!((err.status(), err.reason()), (Some(403), Some("not_allowed")));
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let s = setup().await;
    let err = s.client.website().get_conversation("", "x").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidInput { .. }));
    assert!(err.to_string().contains("`website_id` is empty"), "{err}");

    let no_credentials = Crisp::builder().base_url(s.mock.base_url()).build().unwrap();
    let err = no_credentials.website().get_website("w").await.unwrap_err();
    assert!(err.to_string().contains("authenticate"), "{err}");
    assert!(s.mock.requests().is_empty());
}

#[tokio::test]
async fn odd_characters_in_ids_stay_one_path_segment() {
    let s = setup().await;
    let err = s.client.website().get_conversation(s.mock.website_id(), "a/b?c#d%e f").await.unwrap_err();
    assert_eq!(err.reason(), Some("session_not_found"));
    let request = s.mock.take_requests().pop().unwrap();
    assert_eq!(request.path, format!("/v1/website/{}/conversation/a%2Fb%3Fc%23d%25e%20f", s.mock.website_id()));
    assert_eq!(request.endpoint.as_deref(), Some(GET));
}
