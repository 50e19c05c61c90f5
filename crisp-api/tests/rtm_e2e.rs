//! End to end over RTM: the client against the mock's Socket.IO server.

use std::time::Duration;

use crisp_api::events::Event;
use crisp_api::rtm::{ConnectionState, RtmClient, RtmError};
use crisp_api::{Crisp, Tier};
use crisp_mock::MockServer;
use futures_util::StreamExt as _;
use serde_json::json;

fn client(mock: &MockServer, tier: Tier) -> Crisp {
    Crisp::builder().credentials(mock.identifier(), mock.key()).tier(tier).base_url(mock.base_url()).build().unwrap()
}

async fn next_event(rtm: &mut RtmClient) -> Event {
    match tokio::time::timeout(Duration::from_secs(5), rtm.next()).await {
        Ok(Some(Ok(event))) => event,
        other => panic!("no event: {other:?}"),
    }
}

#[tokio::test]
async fn rest_changes_arrive_as_typed_events_for_every_tier() {
    let mock = MockServer::start().await.unwrap();
    for tier in [Tier::Plugin, Tier::User, Tier::Website] {
        // The endpoint comes from `{tier}/connect/endpoints`.
        let client = client(&mock, tier);
        let mut rtm = client
            .rtm()
            .events([
                crisp_api::events::EventName::MessageSend,
                crisp_api::events::EventName::MessageReceived,
                crisp_api::events::EventName::SessionSetState,
            ])
            .connect()
            .await
            .unwrap();
        assert_eq!(rtm.state(), ConnectionState::Authenticated);

        let session_id = mock.visitor_says(None, "Hello?");
        let reply = crisp_api::models::ConversationMessageNew::text(
            crisp_api::models::MessageFrom::Operator,
            crisp_api::models::MessageOrigin::Chat,
            "Hi!",
        );
        client.website().send_message_in_conversation(mock.website_id(), &session_id, &reply).await.unwrap();
        client
            .website()
            .change_conversation_state(mock.website_id(), &session_id, crisp_api::models::ConversationState::Resolved)
            .await
            .unwrap();

        match next_event(&mut rtm).await {
            Event::MessageSend(message) => assert_eq!(message.typed_content().text(), Some("Hello?")),
            other => panic!("{other:?}"),
        }
        match next_event(&mut rtm).await {
            Event::MessageReceived(message) => assert_eq!(message.from, Some(crisp_api::models::MessageFrom::Operator)),
            other => panic!("{other:?}"),
        }
        match next_event(&mut rtm).await {
            Event::SessionSetState(state) => {
                assert_eq!(state.session_id.as_deref(), Some(session_id.as_str()));
                assert_eq!(state.state.as_ref().map(|s| s.as_str()), Some("resolved"));
            }
            other => panic!("{other:?}"),
        }
        rtm.close().await;
        assert_eq!(rtm.state(), ConnectionState::Closed);
    }
}

#[tokio::test]
async fn a_dropped_connection_is_re_established_and_re_authenticated() {
    let mock = MockServer::start().await.unwrap();
    let mut rtm = client(&mock, Tier::Plugin)
        .rtm()
        .events([crisp_api::events::EventName::MessageSend])
        .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .connect()
        .await
        .unwrap();
    // Subscribe to one more event; it must survive the reconnection.
    rtm.bind_push([crisp_api::events::EventName::SessionSetState]).await.unwrap();
    let mut states = rtm.state_changes();

    mock.drop_connections();
    let reconnected = tokio::time::timeout(Duration::from_secs(5), async {
        let mut saw_reconnecting = false;
        loop {
            states.changed().await.unwrap();
            match *states.borrow() {
                ConnectionState::Reconnecting { .. } => saw_reconnecting = true,
                ConnectionState::Authenticated if saw_reconnecting => return,
                _ => {}
            }
        }
    })
    .await;
    assert!(reconnected.is_ok(), "no reconnection; state {:?}", rtm.state());

    let authentications = mock.rtm_authentications();
    assert_eq!(authentications.len(), 2);
    assert!(authentications[1].contains(&"session:set_state".to_owned()), "{authentications:?}");

    // Events raised after the reconnection arrive, the pushed one included.
    let session_id = mock.visitor_says(None, "Still there?");
    assert!(matches!(next_event(&mut rtm).await, Event::MessageSend(_)));
    let client = client(&mock, Tier::Plugin);
    client
        .website()
        .change_conversation_state(mock.website_id(), &session_id, crisp_api::models::ConversationState::Resolved)
        .await
        .unwrap();
    assert!(matches!(next_event(&mut rtm).await, Event::SessionSetState(_)));
}

#[tokio::test]
async fn bind_pop_stops_an_event() {
    let mock = MockServer::start().await.unwrap();
    let mut rtm = client(&mock, Tier::Plugin)
        .rtm()
        .events([crisp_api::events::EventName::MessageSend, crisp_api::events::EventName::PeopleProfileCreated])
        .connect()
        .await
        .unwrap();
    rtm.bind_pop([crisp_api::events::EventName::MessageSend]).await.unwrap();
    // Wait until the mock has applied the pop.
    tokio::time::timeout(Duration::from_secs(5), async {
        while mock.rtm_subscription_changes().is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the mock saw the pop");
    assert_eq!(mock.rtm_subscription_changes(), [("socket:bind:pop", vec!["message:send".to_owned()])]);
    mock.visitor_says(None, "not delivered");
    mock.emit(
        "people:profile:created",
        json!({"website_id": mock.website_id(), "people_id": "p1", "email": "a@example.com"}),
    );
    assert_eq!(next_event(&mut rtm).await.name(), "people:profile:created");
    assert_eq!(rtm.subscriptions(), ["people:profile:created"]);
}

#[tokio::test]
async fn refused_credentials_end_in_a_typed_error() {
    let mock = MockServer::start().await.unwrap();
    let bad = Crisp::builder()
        .credentials(mock.identifier(), "wrong-key")
        .tier(Tier::Plugin)
        .base_url(mock.base_url())
        .build()
        .unwrap();
    // Discovery is a REST call the wrong key cannot make, so give the URL.
    let err = bad.rtm().url(mock.rtm_url()).connect().await.unwrap_err();
    assert!(matches!(err, RtmError::Unauthorized { .. }), "{err:?}");
    assert!(!err.to_string().contains("wrong-key"));
    assert_eq!(mock.rtm_refusals(), 1);
}

#[tokio::test]
async fn a_burst_of_ten_thousand_events_arrives_complete_and_in_order() {
    let mock = MockServer::start().await.unwrap();
    let mut rtm =
        client(&mock, Tier::Plugin).rtm().events([crisp_api::events::EventName::MessageSend]).connect().await.unwrap();
    const COUNT: u64 = 10_000;
    for i in 0..COUNT {
        mock.emit(
            "message:send",
            json!({"website_id": mock.website_id(), "session_id": "session_burst", "type": "text", "from": "user",
                   "origin": "chat", "content": format!("message {i}"), "fingerprint": i}),
        );
    }
    let received = tokio::time::timeout(Duration::from_secs(60), async {
        let mut fingerprints = Vec::with_capacity(COUNT as usize);
        while fingerprints.len() < COUNT as usize {
            match rtm.next().await {
                Some(Ok(Event::MessageSend(message))) => fingerprints.push(message.fingerprint.unwrap() as u64),
                other => panic!("unexpected {other:?}"),
            }
        }
        fingerprints
    })
    .await
    .expect("all events within 60 s");
    assert_eq!(received, (0..COUNT).collect::<Vec<_>>());
}

#[tokio::test]
async fn stopping_the_mock_cuts_rtm_sockets_too() {
    let mock = MockServer::start().await.unwrap();
    let rtm = client(&mock, Tier::Plugin)
        .rtm()
        .reconnect_backoff(Duration::from_secs(30), Duration::from_secs(60))
        .connect()
        .await
        .unwrap();
    let mut states = rtm.state_changes();
    drop(mock);
    let lost = tokio::time::timeout(Duration::from_secs(5), async {
        while !matches!(*states.borrow_and_update(), ConnectionState::Reconnecting { .. }) {
            states.changed().await.unwrap();
        }
    })
    .await;
    assert!(lost.is_ok(), "the client still thinks it is connected: {:?}", rtm.state());
}

#[tokio::test]
async fn an_event_name_the_spec_does_not_know_needs_an_explicit_opt_in() {
    use crisp_api::events::EventName;
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock, Tier::Plugin);
    let typo = || EventName::Other("message:sent".into());

    let err = client.rtm().events([EventName::MessageSend, typo()]).connect().await.unwrap_err();
    let RtmError::InvalidInput { message } = &err else { panic!("{err:?}") };
    assert!(message.contains("`message:sent` is not an event Crisp sends (did you mean `message:send`?)"), "{message}");
    assert!(message.contains("allow_unknown_events"), "{message}");
    assert!(mock.rtm_authentications().is_empty(), "refused before connecting");
    let parsed = "message:sent".parse::<EventName>().unwrap_err();
    assert_eq!(parsed.suggestion(), Some("message:send"));

    let rtm = client.rtm().events([EventName::MessageSend]).connect().await.unwrap();
    let err = rtm.bind_push([typo()]).await.unwrap_err();
    assert!(matches!(err, RtmError::InvalidInput { .. }), "{err:?}");
    rtm.bind_pop([typo()]).await.unwrap();

    let rtm = client.rtm().events([typo()]).allow_unknown_events().connect().await.unwrap();
    assert_eq!(rtm.handle().subscriptions(), ["message:sent"]);
    rtm.bind_push([EventName::Other("message:future".into())]).await.unwrap();
    assert_eq!(rtm.handle().subscriptions(), ["message:sent", "message:future"]);
}
