//! `GET /openapi.json`: the committed OpenAPI document, served without
//! credentials, with the running simulator as its server.

mod support;

use serde_json::{Value, json};

#[tokio::test]
async fn the_simulator_serves_the_committed_document_with_itself_as_server() {
    let mock = crisp_mock::MockServer::start().await.expect("the simulator starts");
    let answer = support::admin(&mock, "GET", "/openapi.json", None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/json"));
    let served = answer.json;
    assert_eq!(
        served["servers"],
        json!([{"url": format!("http://{}/v1", mock.addr()), "description": "This simulator"}])
    );
    assert_eq!(served["servers"][0]["url"].as_str().map(|u| format!("{u}/")), Some(mock.base_url()));

    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/crisp-rest-v1.json");
    let text = std::fs::read_to_string(&committed).expect("the committed document");
    let mut committed: Value = serde_json::from_str(&text).expect("the committed document parses");
    assert_eq!(committed["servers"][0]["url"], "https://api.crisp.chat/v1");
    committed["servers"] = served["servers"].clone();
    assert!(served == committed, "the served document is the committed one, its servers aside");
    assert_eq!(served["webhooks"].as_object().map(|w| w.len()), Some(82));
}
