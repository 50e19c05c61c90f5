//! The models tell the truth about the wire: every spec example decodes and
//! encodes back to the same JSON (numbers compared by value *and* kind, so an
//! integer that came back as `2.0` fails), payloads from a newer Crisp still
//! decode, and writes can say "absent" and "null" apart.

#[path = "generated/model_samples.rs"]
mod samples;

use serde_json::{Value, json};

/// Decodes `example` into `T`, then checks that encoding gives the same JSON
/// back, and that `future` (with fields and values this version does not
/// know) decodes too.
type Check = fn(&str, &str) -> Result<(), String>;

fn check<T: serde::de::DeserializeOwned + serde::Serialize>(example: &str, future: &str) -> Result<(), String> {
    let sent: Value = serde_json::from_str(example).map_err(|e| format!("sample is not JSON: {e}"))?;
    let model: T = serde_json::from_value(sent.clone()).map_err(|e| format!("sample does not decode: {e}"))?;
    let back = serde_json::to_value(&model).map_err(|e| format!("does not encode: {e}"))?;
    if back != sent {
        return Err(format!("changed on the way back:\n  sent {sent}\n  back {back}"));
    }
    serde_json::from_str::<T>(future).map_err(|e| format!("a newer payload does not decode: {e}"))?;
    Ok(())
}

#[test]
fn every_model_round_trips_its_sample_and_accepts_newer_payloads() {
    let failures: Vec<String> = samples::MODEL_SAMPLES
        .iter()
        .filter_map(|(name, example, future, check)| check(example, future).err().map(|e| format!("{name}: {e}")))
        .collect();
    assert!(samples::MODEL_SAMPLES.len() > 300, "the table covers every object model");
    assert!(failures.is_empty(), "{} models failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_check_catches_an_integer_turned_float() {
    #[derive(serde::Deserialize, serde::Serialize)]
    struct Lossy {
        fingerprint: f64,
    }
    let err = check::<Lossy>(r#"{"fingerprint":163408415737326}"#, "{}").unwrap_err();
    assert!(err.contains("changed on the way back"), "{err}");
}

/// Payloads shaped like Crisp's answers, with the integer kinds that matter.
#[test]
fn recorded_payloads_keep_their_integers() {
    use crisp_api::models::{Conversation, ConversationMessage, ConversationReadMessageMark};
    let message = json!({
        "session_id": "session_700c65e1-85e2-465a-b9ac-ecb5ec2c9881",
        "website_id": "8c842203-7ed8-4e29-a608-7cf78a7d2fcc",
        "type": "text", "from": "user", "origin": "chat", "content": "Hello!",
        "fingerprint": 163408415737326i64, "timestamp": 1700000000123u64,
        "read": "chat", "delivered": "chat", "stamped": true
    });
    let decoded: ConversationMessage = serde_json::from_value(message.clone()).unwrap();
    assert_eq!(serde_json::to_value(&decoded).unwrap(), message);

    // A fingerprint read back is sent as the same integer when marking messages read.
    let mark = ConversationReadMessageMark {
        fingerprints: decoded.fingerprint.map(|f| vec![f]),
        ..ConversationReadMessageMark::default()
    };
    assert_eq!(serde_json::to_value(&mark).unwrap(), json!({"fingerprints": [163408415737326i64]}));

    // Lenient on the way in: floats and numeric strings still decode, integers go out.
    let conversation: Conversation =
        serde_json::from_value(json!({"created_at": 1700000000000.0, "updated_at": "1700000000500", "status": 1.0}))
            .unwrap();
    assert_eq!(
        serde_json::to_value(&conversation).unwrap(),
        json!({"created_at": 1700000000000u64, "updated_at": 1700000000500u64, "status": 1})
    );
}

#[test]
fn writes_tell_absent_from_null() {
    use crisp_api::models::WebsiteBatchInboxOperation;
    let untouched = WebsiteBatchInboxOperation { sessions: Some(vec!["s".into()]), ..Default::default() };
    let to_default = WebsiteBatchInboxOperation { inbox_id: Some(None), ..untouched.clone() };
    let to_sales = WebsiteBatchInboxOperation { inbox_id: Some(Some("sales".into())), ..untouched.clone() };
    assert_eq!(serde_json::to_value(&untouched).unwrap(), json!({"sessions": ["s"]}));
    assert_eq!(serde_json::to_value(&to_default).unwrap(), json!({"sessions": ["s"], "inbox_id": null}));
    assert_eq!(serde_json::to_value(&to_sales).unwrap(), json!({"sessions": ["s"], "inbox_id": "sales"}));
    let back: WebsiteBatchInboxOperation = serde_json::from_value(json!({"inbox_id": null})).unwrap();
    assert_eq!(back.inbox_id, Some(None));
}
