//! The key never shows: not in traces at any level, not in `Debug`, not in errors.

#[path = "support/trace_capture.rs"]
mod trace_capture;

use base64::Engine as _;
use crisp_api::{Crisp, RetryPolicy, Tier};
use crisp_mock::{Fault, MockConfig, MockServer};

const KEY: &str = "k3y-that-must-never-leak-9f8e7d";

#[tokio::test]
async fn the_key_appears_nowhere() {
    let (capture, _guard) = trace_capture::capture_traces();

    let mock = MockServer::start_with(MockConfig::default().credentials("identifier-1", KEY)).await.unwrap();
    let client = Crisp::builder()
        .credentials("identifier-1", KEY)
        .tier(Tier::Plugin)
        .base_url(mock.base_url())
        .retry(RetryPolicy::default().initial_backoff(std::time::Duration::from_millis(1)))
        .build()
        .unwrap();
    let mut seed_style = Crisp::new();
    seed_style.authenticate("identifier-1", KEY);

    let mut texts =
        vec![format!("{client:?}"), format!("{seed_style:?}"), format!("{:?}", Crisp::builder().credentials("i", KEY))];
    client.website().get_website(mock.website_id()).await.unwrap();
    mock.inject(Fault::status(503).times(1));
    client.website().get_website(mock.website_id()).await.unwrap();
    for fault in [
        Fault::status(500),
        Fault::html(502),
        Fault::malformed_json(),
        Fault::drop_connection(),
        Fault::rate_limit(429, None),
    ] {
        mock.clear_faults();
        mock.inject(fault);
        let err = client.website().get_website(mock.website_id()).await.unwrap_err();
        texts.push(format!("{err} {err:?}"));
    }
    let wrong =
        Crisp::builder().credentials("identifier-1", format!("{KEY}-wrong")).base_url(mock.base_url()).build().unwrap();
    let err = wrong.website().get_website(mock.website_id()).await.unwrap_err();
    texts.push(format!("{err} {err:?}"));

    let logs = capture.text();
    assert!(logs.contains("crisp.request"), "the request spans were captured");
    texts.push(logs);
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("identifier-1:{KEY}"));
    for text in &texts {
        assert!(!text.contains(KEY), "key leaked: {text}");
        assert!(!text.contains(&basic), "authorization leaked: {text}");
    }
}
