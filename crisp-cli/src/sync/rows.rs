//! Crisp's JSON records as rows: the typed columns people filter and join
//! on, and the whole record as `raw`.

use serde_json::Value;

use super::db::{Param, Table, Upsert};

fn text(value: &Value, pointer: &str) -> Param {
    Param::Text(value.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned))
}

/// An integer, also when sent as a string of digits.
pub(crate) fn int_at(value: &Value, pointer: &str) -> Option<i64> {
    match value.pointer(pointer)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_u64().map(|n| n.min(i64::MAX as u64) as i64)),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn int(value: &Value, pointer: &str) -> Param {
    Param::Int(int_at(value, pointer))
}

fn raw(value: &Value) -> Param {
    Param::Text(Some(value.to_string()))
}

/// A conversation as listed (without messages); `None` without a session id.
pub(crate) fn conversation(item: &Value) -> Option<Upsert> {
    let session_id = item.get("session_id")?.as_str()?.to_owned();
    let segments = item
        .pointer("/meta/segments")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    Some(Upsert {
        table: Table::Conversations,
        params: vec![
            Param::Text(Some(session_id)),
            text(item, "/website_id"),
            text(item, "/people_id"),
            text(item, "/state"),
            text(item, "/assigned/user_id"),
            text(item, "/meta/nickname"),
            text(item, "/meta/email"),
            text(item, "/last_message"),
            int(item, "/created_at"),
            int(item, "/updated_at"),
            raw(item),
        ],
        segments,
    })
}

/// A message of `session_id`; `None` without a fingerprint.
pub(crate) fn message(message: &Value, session_id: &str, website_id: &str) -> Option<Upsert> {
    let fingerprint = int_at(message, "/fingerprint")?;
    let from = message.get("from").and_then(Value::as_str);
    let operator = if from == Some("operator") { text(message, "/user/user_id") } else { Param::Text(None) };
    let website = match text(message, "/website_id") {
        Param::Text(None) => Param::Text(Some(website_id.to_owned())),
        found => found,
    };
    Some(Upsert {
        table: Table::Messages,
        params: vec![
            Param::Text(Some(session_id.to_owned())),
            Param::Int(Some(fingerprint)),
            website,
            text(message, "/type"),
            text(message, "/from"),
            text(message, "/origin"),
            operator,
            text(message, "/user/nickname"),
            // Text content only: files, pickers and the like are in `raw`.
            text(message, "/content"),
            int(message, "/timestamp"),
            raw(message),
        ],
        segments: Vec::new(),
    })
}

/// A people profile; `None` without a people id.
pub(crate) fn person(profile: &Value, website_id: &str) -> Option<Upsert> {
    let people_id = profile.get("people_id")?.as_str()?.to_owned();
    Some(Upsert {
        table: Table::People,
        params: vec![
            Param::Text(Some(people_id)),
            Param::Text(Some(website_id.to_owned())),
            text(profile, "/email"),
            text(profile, "/person/nickname"),
            int(profile, "/created_at"),
            int(profile, "/updated_at"),
            raw(profile),
        ],
        segments: Vec::new(),
    })
}

/// An operator as `list_website_operators` answers (`{"type", "details"}`).
pub(crate) fn operator(operator: &Value, website_id: &str) -> Option<Upsert> {
    let user_id = operator.pointer("/details/user_id")?.as_str()?.to_owned();
    Some(Upsert {
        table: Table::Operators,
        params: vec![
            Param::Text(Some(website_id.to_owned())),
            Param::Text(Some(user_id)),
            text(operator, "/details/email"),
            text(operator, "/details/first_name"),
            text(operator, "/details/last_name"),
            text(operator, "/details/role"),
            raw(operator),
        ],
        segments: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_columns_come_from_the_record() {
        let item = json!({"session_id": "s1", "website_id": "w", "state": "resolved", "created_at": 1_700_000_000_123u64,
            "meta": {"nickname": "Ana", "email": "ana@example.com", "segments": ["vip", 3]}, "assigned": {"user_id": "op"}});
        let row = conversation(&item).unwrap();
        assert_eq!(row.params[3], Param::Text(Some("resolved".into())));
        assert_eq!(row.params[4], Param::Text(Some("op".into())));
        assert_eq!(row.params[8], Param::Int(Some(1_700_000_000_123)));
        assert_eq!(row.params[9], Param::Int(None));
        assert_eq!(row.segments, ["vip"]);
        let m = json!({"fingerprint": "42", "from": "operator", "user": {"user_id": "op", "nickname": "Support"},
            "type": "file", "content": {"url": "https://x"}, "timestamp": 5});
        let row = message(&m, "s1", "w").unwrap();
        assert_eq!(row.params[1], Param::Int(Some(42)));
        assert_eq!(row.params[2], Param::Text(Some("w".into())));
        assert_eq!(row.params[6], Param::Text(Some("op".into())));
        assert_eq!(row.params[8], Param::Text(None));
        assert!(message(&json!({"content": "no fingerprint"}), "s1", "w").is_none());
    }
}
