//! Messages against the stateful mock: every message type is built from typed
//! content and sent, a conversation is read back through the timestamp-cursor
//! stream over several pages (newest first) and as a bounded history (oldest first), `null` reaches the wire when asked for, and the
//! website-scoped handle calls the same routes.

use crisp_api::events::MessageContent;
use crisp_api::models::{
    ConversationAnimationMessageContent, ConversationAudioMessageContent, ConversationCarouselMessageContent,
    ConversationCarouselMessageContentTarget, ConversationCarouselMessageContentTargetAction,
    ConversationEventMessageContent, ConversationFieldMessageContent, ConversationFileMessageContent,
    ConversationMessageNew, ConversationMessageType, ConversationPickerMessageContent,
    ConversationPickerMessageContentChoice, MessageFrom, MessageOrigin,
};
use crisp_api::{Crisp, Tier};
use crisp_mock::MockServer;
use futures_util::TryStreamExt as _;
use serde_json::{Value, json};

fn client(mock: &MockServer) -> Crisp {
    Crisp::builder()
        .credentials(mock.identifier(), mock.key())
        .tier(Tier::Plugin)
        .base_url(mock.base_url())
        .retry(crisp_api::RetryPolicy::none())
        .build()
        .unwrap()
}

fn every_message_type() -> Vec<ConversationMessageNew> {
    let (op, chat) = (|| MessageFrom::Operator, || MessageOrigin::Chat);
    vec![
        ConversationMessageNew::text(MessageFrom::User, chat(), "Where is my parcel?"),
        ConversationMessageNew::note("Customer called twice"),
        ConversationMessageNew::file(
            op(),
            chat(),
            ConversationFileMessageContent {
                name: Some("label.pdf".into()),
                url: Some("https://example.com/label.pdf".into()),
                r#type: Some("application/pdf".into()),
            },
        ),
        ConversationMessageNew::animation(
            op(),
            chat(),
            ConversationAnimationMessageContent {
                url: Some("https://example.com/wave.gif".into()),
                r#type: Some("image/gif".into()),
            },
        ),
        ConversationMessageNew::audio(
            op(),
            chat(),
            ConversationAudioMessageContent {
                url: Some("https://example.com/note.webm".into()),
                r#type: Some("audio/webm".into()),
                duration: Some(12),
            },
        ),
        ConversationMessageNew::picker(
            op(),
            chat(),
            ConversationPickerMessageContent {
                id: Some("rating".into()),
                text: Some("How did we do?".into()),
                choices: Some(vec![ConversationPickerMessageContentChoice {
                    value: Some("good".into()),
                    label: Some("Good".into()),
                    selected: Some(false),
                    ..Default::default()
                }]),
                required: Some(true),
            },
        ),
        ConversationMessageNew::field(
            op(),
            chat(),
            ConversationFieldMessageContent {
                id: Some("email".into()),
                text: Some("Your email?".into()),
                explain: Some("We reply there".into()),
                ..Default::default()
            },
        ),
        ConversationMessageNew::carousel(
            op(),
            chat(),
            ConversationCarouselMessageContent {
                text: Some("Pick a plan".into()),
                targets: Some(vec![ConversationCarouselMessageContentTarget {
                    title: Some("Pro".into()),
                    description: Some("For teams".into()),
                    actions: Some(vec![ConversationCarouselMessageContentTargetAction {
                        label: Some("See".into()),
                        url: Some("https://example.com/pro".into()),
                    }]),
                    ..Default::default()
                }]),
            },
        ),
        ConversationMessageNew::event(
            op(),
            chat(),
            ConversationEventMessageContent { namespace: Some("state:resolved".into()), text: None },
        ),
    ]
}

#[tokio::test]
async fn every_message_type_is_built_typed_and_sent() {
    let mock = MockServer::start().await.unwrap();
    let site = client(&mock).for_website(mock.website_id());
    let session_id = site.create_new_conversation().await.unwrap().session_id.unwrap();
    let messages = every_message_type();
    let kinds: Vec<ConversationMessageType> = messages.iter().filter_map(|m| m.r#type.clone()).collect();
    assert_eq!(kinds.len(), 9, "one message per type");
    for message in &messages {
        site.send_message_in_conversation(&session_id, message).await.unwrap();
    }

    // What the mock received is exactly what was built, typed content included.
    let sent: Vec<Value> = mock
        .requests()
        .iter()
        .filter(|r| r.endpoint.as_deref() == Some("website.send_message_in_conversation"))
        .map(|r| r.json().unwrap())
        .collect();
    let expected: Vec<Value> = messages.iter().map(|m| serde_json::to_value(m).unwrap()).collect();
    assert_eq!(sent, expected);
    assert_eq!(
        sent[2]["content"],
        json!({"name": "label.pdf", "url": "https://example.com/label.pdf", "type": "application/pdf"})
    );
    assert_eq!(sent[4]["content"]["duration"], json!(12), "an integer stays an integer");

    // Read back, each message's content is typed again by its type.
    let stored = site.get_messages_in_conversation(&session_id).await.unwrap();
    let typed: Vec<&str> = stored
        .iter()
        .map(|m| match m.typed_content() {
            MessageContent::Text(_) => "text",
            MessageContent::Note(_) => "note",
            MessageContent::File(_) => "file",
            MessageContent::Animation(_) => "animation",
            MessageContent::Audio(_) => "audio",
            MessageContent::Picker(_) => "picker",
            MessageContent::Field(_) => "field",
            MessageContent::Carousel(_) => "carousel",
            MessageContent::Event(_) => "event",
            _ => "other",
        })
        .collect();
    assert_eq!(typed, ["text", "note", "file", "animation", "audio", "picker", "field", "carousel", "event"]);
}

/// A conversation of 100 text messages one second apart (#1 the oldest,
/// fingerprint 1001): the mock answers 40 per page, so 3 pages.
async fn hundred_messages(mock: &MockServer, client: &Crisp) -> crisp_api::models::SessionId {
    let website_id = mock.website_id().to_owned();
    let session_id = client.website().create_new_conversation(&website_id).await.unwrap().session_id.unwrap();
    mock.with_state(|state| {
        let conversation =
            state.websites.get_mut(&website_id).unwrap().conversations.get_mut(session_id.as_str()).unwrap();
        conversation.messages = (1..=100u64)
            .map(|i| {
                json!({"type": "text", "from": "user", "origin": "chat", "content": format!("#{i}"),
                            "fingerprint": 1_000 + i, "timestamp": 1_700_000_000_000u64 + i * 1_000})
            })
            .collect();
    });
    mock.take_requests();
    session_id
}

#[tokio::test]
async fn the_messages_stream_goes_back_in_time_one_way_over_pages() {
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock);
    let session_id = hundred_messages(&mock, &client).await;

    let messages: Vec<_> = client
        .for_website(mock.website_id())
        .get_messages_in_conversation(&session_id)
        .into_stream()
        .try_collect()
        .await
        .unwrap();

    let fingerprints: Vec<i64> = messages.iter().filter_map(|m| m.fingerprint).collect();
    let expected: Vec<i64> = (1..=100).rev().map(|i| 1_000 + i).collect();
    assert_eq!(fingerprints, expected, "newest first across and within pages, nothing twice");
    let timestamps: Vec<u64> = messages.iter().filter_map(|m| m.timestamp).collect();
    assert!(timestamps.windows(2).all(|pair| pair[0] > pair[1]), "each message older than the one before");
    let cursors: Vec<Option<String>> = mock.requests().iter().map(|r| r.query.clone()).collect();
    assert_eq!(
        cursors,
        [
            None,
            Some("timestamp_before=1700000061000".to_owned()),
            Some("timestamp_before=1700000021000".to_owned()),
            Some("timestamp_before=1700000001000".to_owned()),
        ],
        "three pages, then an empty one ends the stream"
    );
}

#[tokio::test]
async fn oldest_first_reads_a_history_as_it_happened_within_its_bound() {
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock);
    let session_id = hundred_messages(&mock, &client).await;
    let messages = client.for_website(mock.website_id()).get_messages_in_conversation(&session_id);

    let all = messages.clone().oldest_first(1_000).await.unwrap();
    let fingerprints: Vec<i64> = all.iter().filter_map(|m| m.fingerprint).collect();
    assert_eq!(fingerprints, (1_001..=1_100).collect::<Vec<i64>>(), "the whole history, oldest first");
    assert_eq!(mock.take_requests().len(), 4, "three pages and the empty one");

    let latest = messages.oldest_first(50).await.unwrap();
    let fingerprints: Vec<i64> = latest.iter().filter_map(|m| m.fingerprint).collect();
    assert_eq!(fingerprints, (1_051..=1_100).collect::<Vec<i64>>(), "the latest 50, oldest first");
    assert_eq!(mock.take_requests().len(), 2, "no page is fetched past the bound");
}

#[tokio::test]
async fn a_stream_stops_when_the_server_ignores_the_cursor() {
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock);
    let page = json!([{"fingerprint": 1, "timestamp": 5}, {"fingerprint": 2, "timestamp": 6}]);
    mock.set_answer("website.get_messages_in_conversation", 200, page);
    let messages: Vec<_> = client
        .website()
        .get_messages_in_conversation(mock.website_id(), "session_x")
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(messages.len(), 2, "the repeated page is not yielded again");
    assert_eq!(mock.requests().len(), 2);
}

#[tokio::test]
async fn null_moves_a_conversation_back_to_the_default_inbox() {
    let mock = MockServer::start().await.unwrap();
    let site = client(&mock).for_website(mock.website_id());
    let session_id = site.create_new_conversation().await.unwrap().session_id.unwrap();
    site.update_conversation_inbox(&session_id, Some("sales")).await.unwrap();
    site.update_conversation_inbox(&session_id, None).await.unwrap();
    let bodies: Vec<Value> = mock
        .requests()
        .iter()
        .filter(|r| r.endpoint.as_deref() == Some("website.update_conversation_inbox"))
        .map(|r| r.json().unwrap())
        .collect();
    assert_eq!(bodies, [json!({"inbox_id": "sales"}), json!({"inbox_id": null})]);
}

#[tokio::test]
async fn the_scoped_handle_fills_in_the_website_id() {
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock);
    let site = client.for_website(mock.website_id());
    assert_eq!(site.website_id(), mock.website_id());
    let scoped = site.list_conversations(1).per_page(5).await.unwrap();
    let positional = client.website().list_conversations(mock.website_id(), 1).per_page(5).await.unwrap();
    assert_eq!(scoped, positional);
    let paths: Vec<String> = mock.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths[0], paths[1]);
    assert_eq!(paths[0], format!("/v1/website/{}/conversations/1", mock.website_id()));
}
