//! The core flow against the stateful mock: what is written can be read back.

use crisp_api::models::{ConversationMessageNew, ConversationMeta, PeopleProfileUpdateCard};
use crisp_api::{Crisp, Tier};
use crisp_mock::MockServer;
use futures_util::TryStreamExt as _;

async fn client(mock: &MockServer) -> Crisp {
    let mut client = Crisp::builder().base_url(mock.base_url()).build().unwrap();
    client.set_tier(Tier::Plugin);
    client.authenticate(mock.identifier(), mock.key());
    client
}

#[tokio::test]
async fn create_send_and_read_back() {
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock).await;
    let website = client.website();
    let website_id = mock.website_id();

    let before = website.list_conversations(website_id, 1).await.unwrap();
    let session_id = website.create_new_conversation(website_id).await.unwrap().session_id.unwrap();
    assert!(website.check_if_conversation_exists(website_id, &session_id).await.unwrap());
    assert!(!website.check_if_conversation_exists(website_id, "session_nope").await.unwrap());

    let sent = website
        .send_message_in_conversation(
            website_id,
            &session_id,
            ConversationMessageNew::text(
                crisp_api::models::MessageFrom::User,
                crisp_api::models::MessageOrigin::Chat,
                "Where is my parcel?",
            ),
        )
        .await
        .unwrap();
    let fingerprint = sent.fingerprint.unwrap();
    let messages = website.get_messages_in_conversation(website_id, &session_id).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].content.as_ref().and_then(|c| c.as_str()), Some("Where is my parcel?"));
    assert_eq!(messages[0].fingerprint, Some(fingerprint));
    let one = website.get_message_in_conversation(website_id, &session_id, fingerprint).await.unwrap();
    assert_eq!(one.from, Some(crisp_api::models::MessageFrom::User));

    let after = website.list_conversations(website_id, 1).await.unwrap();
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after[0].session_id.as_deref(), Some(session_id.as_str()), "newest first");
    assert_eq!(after[0].last_message.as_deref(), Some("Where is my parcel?"));
}

#[tokio::test]
async fn metas_state_and_routing_are_kept() {
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock).await;
    let website = client.website();
    let website_id = mock.website_id();
    let session_id = website.create_new_conversation(website_id).await.unwrap().session_id.unwrap();

    let meta =
        ConversationMeta { nickname: Some("Ada".into()), email: Some("ada@example.com".into()), ..Default::default() };
    website.update_conversation_metas(website_id, &session_id, &meta).await.unwrap();
    let read = website.get_conversation_metas(website_id, &session_id).await.unwrap();
    assert_eq!((read.nickname.as_deref(), read.email.as_deref()), (Some("Ada"), Some("ada@example.com")));

    website
        .change_conversation_state(website_id, &session_id, crisp_api::models::ConversationState::Resolved)
        .await
        .unwrap();
    let state = website.get_conversation_state(website_id, &session_id).await.unwrap();
    assert_eq!(state.state.map(|s| s.as_str().to_owned()).as_deref(), Some("resolved"));
    let err = website
        .change_conversation_state(
            website_id,
            &session_id,
            crisp_api::models::ConversationState::Other("asleep".into()),
        )
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.reason()), (Some(400), Some("invalid_data")));

    let resolved = website.list_conversations(website_id, 1).filter_resolved(true).await.unwrap();
    assert!(resolved.iter().all(|c| c.state.as_ref().map(|s| s.as_str()) == Some("resolved")));
    assert!(resolved.iter().any(|c| c.session_id.as_deref() == Some(session_id.as_str())));
}

#[tokio::test]
async fn people_profiles_round_trip() {
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock).await;
    let website = client.website();
    let website_id = mock.website_id();
    let card = PeopleProfileUpdateCard { email: Some("grace@example.com".into()), ..Default::default() };
    let people_id = website.add_new_people_profile(website_id, &card).await.unwrap().people_id.unwrap();
    let profile = website.get_people_profile(website_id, &people_id).await.unwrap();
    assert_eq!(profile.email.as_deref(), Some("grace@example.com"));
    website.remove_people_profile(website_id, &people_id).await.unwrap();
    assert!(!website.check_if_people_profile_exists(website_id, &people_id).await.unwrap());
}

#[tokio::test]
async fn pages_stream_item_by_item_until_an_empty_page() {
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock).await;
    let website_id = mock.website_id();
    for _ in 0..4 {
        client.website().create_new_conversation(website_id).await.unwrap();
    }
    let all: Vec<_> =
        client.website().list_conversations(website_id, 1).per_page(2).into_stream().try_collect().await.unwrap();
    assert_eq!(all.len(), 5, "4 new and the seeded one");
    let ids: std::collections::BTreeSet<_> = all.iter().filter_map(|c| c.session_id.clone()).collect();
    assert_eq!(ids.len(), 5, "no conversation twice");
    // Pages 1, 2 and 3 hold items; page 4 is empty and ends the stream.
    assert_eq!(mock.request_counts().get("website.list_conversations"), Some(&4));
}
