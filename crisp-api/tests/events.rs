//! Every event of the spec decodes into its own typed variant from a payload
//! shaped like its model, even with unknown fields and enum values.

#[path = "generated/event_samples.rs"]
mod event_samples;

use crisp_api::events::{EVENT_NAMES, Event, MessageContent};
use serde_json::json;

#[test]
fn every_event_decodes_into_its_variant() {
    assert_eq!(event_samples::EVENT_SAMPLES.len(), EVENT_NAMES.len());
    for (name, payload) in event_samples::EVENT_SAMPLES {
        let data: serde_json::Value = serde_json::from_str(payload).unwrap();
        let event = Event::from_parts(name, data);
        assert_eq!(event.name(), *name);
        assert!(!matches!(event, Event::Unknown { .. }), "{name} fell back to Unknown");
    }
}

#[test]
fn unknown_events_and_mismatched_payloads_keep_their_data() {
    let event = Event::from_parts("teleport:done", json!({"where": "mars"}));
    assert_eq!(event, Event::Unknown { name: "teleport:done".into(), data: json!({"where": "mars"}) });
    // A string where the model expects an object is kept rather than failing.
    let event = Event::from_parts("message:send", json!({"user": "not-an-object"}));
    match event {
        Event::Unknown { name, data } => {
            assert_eq!((name.as_str(), &data["user"]), ("message:send", &json!("not-an-object")))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn message_content_is_typed_by_message_type() {
    let cases = [
        ("text", json!("Hello"), "Text"),
        ("note", json!("Internal"), "Note"),
        ("file", json!({"name": "a.png", "url": "https://example.com/a.png", "type": "image/png"}), "File"),
        ("animation", json!({"url": "https://example.com/a.gif", "type": "image/gif"}), "Animation"),
        ("audio", json!({"url": "https://example.com/a.webm", "type": "audio/webm", "duration": 12}), "Audio"),
        (
            "picker",
            json!({"id": "p", "text": "Pick", "choices": [{"value": "a", "label": "A", "selected": false}]}),
            "Picker",
        ),
        ("field", json!({"id": "f", "text": "Email?", "explain": "We reply there"}), "Field"),
        ("carousel", json!({"text": "Offers", "targets": [{"title": "One", "description": "first"}]}), "Carousel"),
        ("event", json!({"namespace": "state:resolved"}), "Event"),
        ("hologram", json!({"depth": 3}), "Other"),
    ];
    for (kind, content, variant) in cases {
        let typed = MessageContent::from_parts(kind, &content);
        let debug = format!("{typed:?}");
        assert!(debug.starts_with(variant), "{kind}: {debug}");
    }
    match MessageContent::from_parts("file", &json!({"name": "a.png", "url": "https://example.com/a.png"})) {
        MessageContent::File(file) => assert_eq!(file.url.as_deref(), Some("https://example.com/a.png")),
        other => panic!("{other:?}"),
    }
    assert_eq!(MessageContent::from_parts("text", &json!("Hi")).text(), Some("Hi"));
}
