//! The simulator answers like Crisp: unknown websites, filters and
//! searches, people linked by email, writes that read back, the auth scheme,
//! the clock, visitors, the admin routes, configured rate limits.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use bytes::Bytes;
use crisp_mock::{Clock, MockServer, RateLimit};
use serde_json::{Value, json};
use support::{admin, api, basic, call};

#[tokio::test]
async fn every_route_of_an_unknown_website_is_404() {
    let mock = MockServer::builder().any_tier().start().await.unwrap();
    let mut checked = 0;
    for route in crisp_mock::ROUTES.iter().filter(|r| r.path.contains("{website_id}")) {
        let path = route
            .path
            .replace("{website_id}", "no-such-website")
            .replace("{page_number}", "1")
            .split('/')
            .map(|segment| if segment.starts_with('{') { "x" } else { segment })
            .collect::<Vec<_>>()
            .join("/");
        let body = (route.body != crisp_mock::routes::BodyKind::None).then(|| {
            let members: serde_json::Map<String, Value> =
                route.required_body_fields.iter().map(|f| ((*f).to_owned(), json!("x"))).collect();
            Value::Object(members)
        });
        let answer = api(&mock, route.method, &path, body).await;
        assert_eq!(answer.status, 404, "{} {}", route.method, route.path);
        if route.method != "HEAD" {
            assert_eq!(answer.json["reason"], "website_not_found", "{} {}", route.method, route.path);
        }
        checked += 1;
    }
    assert!(checked > 200, "{checked} routes");
}

#[tokio::test]
async fn conversation_searches_and_filters_use_the_state() {
    let mock = MockServer::builder().seed(5).generate(400).start().await.unwrap();
    let w = mock.website_id().to_owned();
    let (nickname, segment) = mock.with_state(|s| {
        let c = s.websites[&w]
            .conversations
            .values()
            .find(|c| c.fields["meta"]["segments"].as_array().is_some_and(|a| !a.is_empty()))
            .unwrap();
        (
            c.fields["meta"]["nickname"].as_str().unwrap().to_owned(),
            c.fields["meta"]["segments"][0].as_str().unwrap().to_owned(),
        )
    });
    let first_name = nickname.split(' ').next().unwrap().to_owned();
    let found = api(
        &mock,
        "GET",
        &format!("website/{w}/conversations/1?search_query={first_name}&search_type=text&per_page=50"),
        None,
    )
    .await;
    let list = found.json["data"].as_array().unwrap();
    assert!(!list.is_empty());
    assert!(list.iter().all(|c| c["meta"]["nickname"].as_str().unwrap().contains(&first_name)
        || c["meta"]["email"].as_str().unwrap().contains(&first_name.to_lowercase())
        || c["last_message"].as_str().unwrap().contains(&first_name)));

    let by_segment = api(
        &mock,
        "GET",
        &format!("website/{w}/conversations/1?search_query={segment}&search_type=segment&per_page=50"),
        None,
    )
    .await;
    let list = by_segment.json["data"].as_array().unwrap();
    assert!(!list.is_empty());
    assert!(list.iter().all(|c| c["meta"]["segments"].as_array().unwrap().contains(&json!(segment))));

    let text = api(&mock, "GET", &format!("website/{w}/conversations/1?search_query=invoices&per_page=50"), None).await;
    let all = mock.with_state(|s| s.websites[&w].conversations.len());
    let hits = text.json["data"].as_array().unwrap().len();
    assert!(hits > 0 && hits < all, "{hits} of {all}");

    let resolved = api(&mock, "GET", &format!("website/{w}/conversations/1?filter_resolved=1&per_page=50"), None).await;
    assert!(resolved.json["data"].as_array().unwrap().iter().all(|c| c["state"] == "resolved"));
    let unassigned =
        api(&mock, "GET", &format!("website/{w}/conversations/1?filter_unassigned=1&per_page=50"), None).await;
    assert!(unassigned.json["data"].as_array().unwrap().iter().all(|c| c["assigned"]["user_id"].is_null()));
}

#[tokio::test]
async fn people_search_and_messages_after_a_timestamp() {
    let mock = MockServer::builder().seed(8).generate(200).start().await.unwrap();
    let w = mock.website_id().to_owned();
    let email =
        mock.with_state(|s| s.websites[&w].people.values().nth(3).unwrap()["email"].as_str().unwrap().to_owned());
    let found = api(&mock, "GET", &format!("website/{w}/people/profiles/1?search_text={email}"), None).await;
    let list = found.json["data"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["email"], email);

    let session_id = mock.visitor_says(None, "one");
    for text in ["two", "three", "four"] {
        mock.visitor_says(Some(&session_id), text);
    }
    let all = api(&mock, "GET", &format!("website/{w}/conversation/{session_id}/messages"), None).await;
    let second = all.json["data"][1]["timestamp"].as_u64().unwrap();
    let after =
        api(&mock, "GET", &format!("website/{w}/conversation/{session_id}/messages?timestamp_after={second}"), None)
            .await;
    let texts: Vec<&str> =
        after.json["data"].as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(texts, vec!["three", "four"]);
}

#[tokio::test]
async fn a_conversation_is_linked_to_the_profile_with_its_email() {
    let mock = MockServer::start().await.unwrap();
    let w = mock.website_id().to_owned();
    let session_id = mock.visitor_says(None, "Hello");
    let meta = json!({"email": "Linked.Person@example.com", "nickname": "Linked Person"});
    api(&mock, "PATCH", &format!("website/{w}/conversation/{session_id}/meta"), Some(meta)).await;
    let added = api(
        &mock,
        "POST",
        &format!("website/{w}/people/profile"),
        Some(json!({"email": "linked.person@example.com", "person": {"nickname": "Linked"}})),
    )
    .await;
    let people_id = added.json["data"]["people_id"].as_str().unwrap().to_owned();
    let conversation = api(&mock, "GET", &format!("website/{w}/conversation/{session_id}"), None).await;
    assert_eq!(conversation.json["data"]["people_id"], people_id);
    let linked = api(&mock, "GET", &format!("website/{w}/people/conversations/{people_id}/list/1"), None).await;
    assert_eq!(linked.json["data"], json!([session_id]));

    // A conversation whose visitor gives the email later is linked too.
    let later = mock.visitor_says(None, "Me again");
    api(
        &mock,
        "PATCH",
        &format!("website/{w}/conversation/{later}/meta"),
        Some(json!({"email": "linked.person@example.com"})),
    )
    .await;
    let linked = api(&mock, "GET", &format!("website/{w}/people/conversations/{people_id}/list/1"), None).await;
    assert_eq!(linked.json["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn writes_read_back() {
    let mock = MockServer::start().await.unwrap();
    let w = mock.website_id().to_owned();
    let s = mock.visitor_says(None, "Hi");
    for (write, read, body, expected) in [
        ("block", "block", json!({"blocked": true}), json!({"blocked": true})),
        ("verify", "verify", json!({"verified": true}), json!({"verified": true})),
    ] {
        let answer = api(&mock, "PATCH", &format!("website/{w}/conversation/{s}/{write}"), Some(body)).await;
        assert_eq!(answer.status, 200);
        let back = api(&mock, "GET", &format!("website/{w}/conversation/{s}/{read}"), None).await;
        for (key, value) in expected.as_object().unwrap() {
            assert_eq!(&back.json["data"][key], value, "{read}");
        }
    }
    let conversation = api(&mock, "GET", &format!("website/{w}/conversation/{s}"), None).await;
    assert_eq!(conversation.json["data"]["is_blocked"], true);
    assert_eq!(conversation.json["data"]["is_verified"], true);

    // A route without a model: what PATCH wrote, GET reads.
    let update = json!({"chatbox": {"tile": "bubble", "color_theme": "red"}});
    assert_eq!(api(&mock, "PATCH", &format!("website/{w}/settings"), Some(update)).await.status, 200);
    let settings = api(&mock, "GET", &format!("website/{w}/settings"), None).await;
    assert_eq!(settings.json["data"]["chatbox"]["color_theme"], "red");
    assert_eq!(settings.json["data"]["chatbox"]["tile"], "bubble");
}

#[tokio::test]
async fn the_basic_scheme_is_case_insensitive() {
    let mock = MockServer::start().await.unwrap();
    let token = basic(mock.identifier(), mock.key());
    let path = format!("/v1/website/{}", mock.website_id());
    for scheme in ["basic", "BASIC", "Basic"] {
        let authorization = token.replacen("Basic", scheme, 1);
        assert_eq!(call(&mock, "GET", &path, Some(&authorization), None).await.status, 200, "{scheme}");
    }
    assert_eq!(call(&mock, "GET", &path, Some(&token.replacen("Basic", "Bearer", 1)), None).await.status, 401);
}

#[tokio::test]
async fn the_clock_is_real_by_default_and_controllable() {
    let real = MockServer::start().await.unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    let created = api(&real, "POST", &format!("website/{}/conversation", real.website_id()), Some(json!({}))).await;
    let s = created.json["data"]["session_id"].as_str().unwrap();
    let got = api(&real, "GET", &format!("website/{}/conversation/{s}", real.website_id()), None).await;
    let at = got.json["data"]["created_at"].as_u64().unwrap();
    assert!(at >= now && at < now + 60_000, "created_at {at}, now {now}");

    let mock = MockServer::builder().clock(Clock::fixed(1_750_000_000_000)).start().await.unwrap();
    assert_eq!(admin(&mock, "GET", "/mock/clock", None).await.json["data"]["now"], 1_750_000_000_000u64);
    let advanced = admin(&mock, "POST", "/mock/clock", Some(json!({"advance": 3_600_000}))).await;
    assert_eq!(advanced.json["data"]["now"], 1_750_003_600_000u64);
    let s = mock.visitor_says(None, "What time is it?");
    let messages = api(&mock, "GET", &format!("website/{}/conversation/{s}/messages", mock.website_id()), None).await;
    let stamp = messages.json["data"][0]["timestamp"].as_u64().unwrap();
    assert!((1_750_003_600_000..1_750_003_600_100).contains(&stamp), "{stamp}");
    assert_eq!(admin(&mock, "POST", "/mock/clock", Some(json!({"set": 5}))).await.json["data"]["now"], 5);
    assert_eq!(admin(&mock, "POST", "/mock/clock", Some(json!({"set": -5}))).await.status, 400);
}

#[tokio::test]
async fn web_hooks_are_stamped_by_the_same_clock() {
    let (sender, mut stamps) = tokio::sync::mpsc::unbounded_channel::<(String, Value)>();
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |headers: http::HeaderMap, body: Bytes| {
            let sender = sender.clone();
            async move {
                let header = headers["x-crisp-request-timestamp"].to_str().unwrap_or_default().to_owned();
                let _ = sender.send((header, serde_json::from_slice(&body).unwrap_or(Value::Null)));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let mock =
        MockServer::builder().clock(Clock::fixed(1_760_000_000_000)).webhook(url, "secret").start().await.unwrap();
    mock.visitor_says(None, "Hi");
    let (header, body) = tokio::time::timeout(Duration::from_secs(10), stamps.recv()).await.unwrap().unwrap();
    assert_eq!(header, "1760000000000");
    assert_eq!(body["timestamp"], 1_760_000_000_000u64);
    server.abort();
}

#[tokio::test]
async fn visitors_have_varied_identities_and_the_visitor_route_honours_its_website() {
    let mock = MockServer::builder().seed(21).start().await.unwrap();
    let sessions: Vec<String> = (0..20).map(|i| mock.visitor_says(None, &format!("hello {i}"))).collect();
    let names: BTreeSet<String> = mock.with_state(|s| {
        sessions
            .iter()
            .map(|id| {
                s.websites[mock.website_id()].conversations[id].fields["meta"]["nickname"].as_str().unwrap().to_owned()
            })
            .collect()
    });
    assert!(names.len() >= 12, "{names:?}");
    let message = mock.with_state(|s| s.websites[mock.website_id()].conversations[&sessions[0]].messages[0].clone());
    let nickname = mock
        .with_state(|s| s.websites[mock.website_id()].conversations[&sessions[0]].fields["meta"]["nickname"].clone());
    assert_eq!(message["user"]["nickname"], nickname);
    assert_ne!(nickname, "Jane Doe");

    let mut document = mock.dump_state();
    document["websites"].as_array_mut().unwrap().push(json!({"website_id": "second-site", "name": "Second"}));
    mock.load_state(&document).unwrap();
    let answer = admin(
        &mock,
        "POST",
        "/mock/visitor/message",
        Some(json!({"website_id": "second-site", "content": "On the second site"})),
    )
    .await;
    assert_eq!(answer.status, 200);
    let session_id = answer.json["data"]["session_id"].as_str().unwrap().to_owned();
    assert!(mock.with_state(|s| s.websites["second-site"].conversations.contains_key(&session_id)));
    let unknown =
        admin(&mock, "POST", "/mock/visitor/message", Some(json!({"website_id": "nowhere", "content": "Hi"}))).await;
    assert_eq!((unknown.status, unknown.json["reason"].as_str()), (404, Some("website_not_found")));
}

#[tokio::test]
async fn trigger_raises_any_event_with_a_realistic_payload() {
    use crisp_api::events::Event;
    use futures_util::StreamExt as _;
    let mock = MockServer::start().await.unwrap();
    let client = crisp_api::Crisp::builder()
        .credentials(mock.identifier(), mock.key())
        .tier(crisp_api::Tier::Plugin)
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let mut rtm = client
        .rtm()
        .events([crisp_api::events::EventName::MessageSend, crisp_api::events::EventName::SessionSetState])
        .connect()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let answer = admin(
        &mock,
        "POST",
        "/mock/trigger",
        Some(json!({"event": "message:send", "data": {"content": "Triggered!", "user": {"nickname": "Zoé"}}})),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json["reason"], "dispatched");
    assert_eq!(answer.json["data"]["event"], "message:send");
    let data = &answer.json["data"]["data"];
    assert_eq!(data["content"], "Triggered!");
    assert_eq!(data["user"]["nickname"], "Zoé");
    assert_eq!(data["website_id"], mock.website_id());
    let session_id = data["session_id"].as_str().unwrap();
    assert!(mock.with_state(|s| s.websites[mock.website_id()].conversations.contains_key(session_id)));
    let event = tokio::time::timeout(Duration::from_secs(5), rtm.next()).await.unwrap().unwrap().unwrap();
    let Event::MessageSend(message) = event else { panic!("{event:?}") };
    assert_eq!(message.typed_content().text(), Some("Triggered!"));

    let state = admin(
        &mock,
        "POST",
        "/mock/trigger",
        Some(json!({"event": "session:set_state", "data": {"state": "resolved"}})),
    )
    .await;
    assert_eq!(state.json["data"]["data"]["state"], "resolved");

    let unknown = admin(&mock, "POST", "/mock/trigger", Some(json!({"event": "message:sent"}))).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.json["reason"], "unknown_event");
    assert!(unknown.json["data"]["message"].as_str().unwrap().contains("message:sent"));
    let events = admin(&mock, "GET", "/mock/events", None).await;
    assert!(events.json["data"].as_array().unwrap().len() >= 80);
    rtm.close().await;
}

#[tokio::test]
async fn the_state_goes_out_and_back_in() {
    let source = MockServer::builder().seed(3).generate(150).start().await.unwrap();
    let dumped = admin(&source, "GET", "/mock/state", None).await;
    assert_eq!(dumped.status, 200);
    let target = MockServer::start().await.unwrap();
    let loaded = admin(&target, "PUT", "/mock/state", Some(dumped.json.clone())).await;
    assert_eq!(loaded.status, 200, "{:?}", loaded.json);
    assert_eq!(loaded.json["data"]["conversations"], 151);
    let again = admin(&target, "GET", "/mock/state", None).await;
    assert_eq!(again.json["data"], dumped.json["data"]);
    // A bad document changes nothing and says where it is wrong.
    let bad = admin(&target, "PUT", "/mock/state", Some(json!({"websites": [{"name": "no id"}]}))).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json["data"]["path"], "websites[0].website_id");
    assert_eq!(target.with_state(|s| s.websites.values().map(|w| w.conversations.len()).sum::<usize>()), 151);
}

#[tokio::test]
async fn fixtures_load_from_the_committed_example_file() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/acme.json");
    let mock = MockServer::builder().fixtures(path.as_path()).start().await.unwrap();
    let list = api(&mock, "GET", &format!("website/{}/conversations/1", mock.website_id()), None).await;
    assert_eq!(list.json["data"].as_array().unwrap().len(), 2);
    let operators = api(&mock, "GET", &format!("website/{}/operators/list", mock.website_id()), None).await;
    assert_eq!(operators.json["data"][0]["details"]["first_name"], "Ada");
    let missing = MockServer::builder().fixtures("no/such/file.json").start().await.unwrap_err();
    assert!(missing.to_string().contains("no/such/file.json"), "{missing}");
}

#[tokio::test]
async fn configured_rate_limits_answer_429_with_retry_after() {
    let mock = MockServer::builder()
        .rate_limit(RateLimit::new(2, Duration::from_secs(60)).on_route("website.get_website").status(420))
        .start()
        .await
        .unwrap();
    let path = format!("website/{}", mock.website_id());
    assert_eq!(api(&mock, "GET", &path, None).await.status, 200);
    assert_eq!(api(&mock, "GET", &path, None).await.status, 200);
    let limited = api(&mock, "GET", &path, None).await;
    assert_eq!(limited.status, 420);
    assert_eq!(limited.json["reason"], "rate_limited");
    let retry_after: u64 = limited.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    // Other routes are not counted by a per-route limit.
    assert_eq!(api(&mock, "GET", &format!("website/{}/conversations/1", mock.website_id()), None).await.status, 200);
}
