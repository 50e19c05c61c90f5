//! Seeded, realistic data sets (operators, people, thousands of
//! conversations with their messages) for load tests and exports. The same
//! seed always gives the same data.

use serde_json::{Map, Value, json};

use crate::draw::{operators, pick, uuid, visitor};
use crate::state::{Conversation, State, Website};

const SEGMENTS: &[&str] = &["customer", "lead", "vip", "trial", "billing", "shipping", "bug", "feedback"];
const QUESTIONS: &[&str] = &[
    "Hi! My order has not arrived yet, can you check?",
    "Do you ship to Canada?",
    "How do I reset my password?",
    "Can I change the plan I'm on?",
    "The checkout page shows an error when I pay by card.",
    "Is there a discount for non-profits?",
    "Where can I download my invoices?",
    "I'd like to cancel my subscription.",
    "What are your opening hours?",
    "Can I add a second user to my account?",
    "The app is slow since this morning.",
    "Do you have an API?",
];
const ANSWERS: &[&str] = &[
    "Thanks for reaching out, let me look into it.",
    "Sure, here is how to do it: open Settings, then Account.",
    "I've forwarded this to our billing team.",
    "Could you send me your order number?",
    "That's fixed now, sorry for the trouble!",
    "Yes, we do. It takes 3 to 5 business days.",
    "You'll find them under Billing → Invoices.",
    "Done! Anything else I can help with?",
];
const FOLLOW_UPS: &[&str] =
    &["Thanks!", "Great, that worked.", "It's 48213.", "Perfect, have a nice day.", "Still not working…"];

/// Adds `conversations` realistic conversations (with their messages, and
/// people profiles for most visitors) to `website_id`, spread over the 90
/// days before the state's clock. Creates the website when missing.
pub(crate) fn populate(state: &mut State, website_id: &str, conversations: usize) {
    let now = state.now();
    let mut rng = std::mem::replace(&mut state.rng, fastrand::Rng::with_seed(0));
    let website = state.websites.entry(website_id.to_owned()).or_insert_with(|| {
        let mut fields = Map::new();
        fields.insert("website_id".into(), json!(website_id));
        fields.insert("name".into(), json!("Generated Shop"));
        fields.insert("domain".into(), json!("shop.example.com"));
        Website { fields, ..Website::default() }
    });
    if website.operators.is_empty() {
        website.operators = operators(&mut rng, 4);
    }
    let operator_ids: Vec<Value> = website.operators.iter().map(|o| o["details"]["user_id"].clone()).collect();
    const DAY_MS: u64 = 86_400_000;
    for _ in 0..conversations {
        let mut meta = visitor(&mut rng);
        let email = meta["email"].clone();
        let segment_count = rng.usize(..3);
        meta["segments"] = json!((0..segment_count).map(|_| pick(&mut rng, SEGMENTS)).collect::<Vec<_>>());
        let created = now.saturating_sub(rng.u64(DAY_MS / 24..90 * DAY_MS));
        let session_id = uuid(&mut rng, "session_");
        let people_id = if rng.u8(..10) < 6 {
            let people_id = uuid(&mut rng, "");
            let profile = json!({
                "people_id": people_id,
                "email": email,
                "person": {"nickname": meta["nickname"].clone(), "geolocation": meta["device"]["geolocation"].clone()},
                "segments": meta["segments"].clone(),
                "created_at": created,
                "updated_at": created,
            });
            if let Value::Object(profile) = profile {
                website.people.insert(people_id.clone(), profile);
            }
            Value::String(people_id)
        } else {
            Value::Null
        };
        let mut messages = Vec::new();
        let mut at = created;
        let turns = rng.usize(1..5);
        let operator = operator_ids.get(rng.usize(..operator_ids.len().max(1))).cloned().unwrap_or(Value::Null);
        for turn in 0..turns {
            let (text, from) = if turn == 0 {
                (pick(&mut rng, QUESTIONS), "user")
            } else if turn % 2 == 1 {
                (pick(&mut rng, ANSWERS), "operator")
            } else {
                (pick(&mut rng, FOLLOW_UPS), "user")
            };
            at += rng.u64(5_000..600_000);
            let nickname = if from == "user" { meta["nickname"].clone() } else { json!("Support") };
            messages.push(json!({
                "session_id": session_id, "website_id": website_id, "type": "text", "from": from, "origin": "chat",
                "content": text, "fingerprint": at * 10 + rng.u64(..10), "timestamp": at,
                "user": {"nickname": nickname}, "read": "chat", "delivered": "chat",
            }));
        }
        let last_from_user = messages.last().is_some_and(|m| m["from"] == "user");
        let state_name = match rng.u8(..10) {
            0..=4 => "resolved",
            5..=7 => "unresolved",
            _ => "pending",
        };
        let fields = json!({
            "session_id": session_id,
            "website_id": website_id,
            "inbox_id": null,
            "people_id": people_id,
            "state": state_name,
            "status": match state_name { "pending" => 0, "unresolved" => 1, _ => 2 },
            "is_verified": false,
            "is_blocked": false,
            "availability": "offline",
            "active": {"now": false, "last": at},
            "last_message": messages.last().map(|m| m["content"].clone()).unwrap_or(json!("")),
            "topic": "",
            "participants": [],
            "mentions": [],
            "unread": {"operator": u64::from(last_from_user && state_name != "resolved"), "visitor": 0},
            "assigned": {"user_id": if rng.bool() { operator } else { Value::Null }},
            "meta": meta,
            "created_at": created,
            "updated_at": at,
        });
        if let Value::Object(fields) = fields {
            website.conversations.insert(session_id, Conversation { fields, messages });
        }
    }
    state.rng = rng;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;

    #[test]
    fn the_same_seed_gives_the_same_data_and_visitors_vary() {
        let make = |seed| {
            let mut state = State::empty(Clock::fixed(1_750_000_000_000), seed);
            populate(&mut state, "w", 200);
            state
        };
        let (a, b, c) = (make(1), make(1), make(2));
        let ids = |s: &State| s.websites["w"].conversations.keys().cloned().collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
        assert_ne!(ids(&a), ids(&c));
        let names: std::collections::BTreeSet<String> = a.websites["w"]
            .conversations
            .values()
            .filter_map(|c| crate::state::field(&c.fields, "meta")["nickname"].as_str().map(str::to_owned))
            .collect();
        assert!(names.len() > 50, "only {} names among 200 visitors", names.len());
        let linked = a.websites["w"]
            .conversations
            .values()
            .filter(|c| crate::state::field(&c.fields, "people_id").is_string())
            .count();
        assert!((60..=180).contains(&linked), "{linked} linked");
        for c in a.websites["w"].conversations.values() {
            assert!(!c.messages.is_empty());
            assert!(crate::state::field(&c.fields, "created_at").as_u64() < Some(1_750_000_000_000));
        }
    }
}
