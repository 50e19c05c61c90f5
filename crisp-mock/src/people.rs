//! People profiles in the state: listing (searched and sorted), adding,
//! reading, updating and removing them, and the conversations linked to
//! them by their visitor's email.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::state::{Answer, Conversation, State, Website, contains, email_of_conversation, field};

impl State {
    /// People profiles, 20 per page, narrowed by `search_text` (in the
    /// email, names, phone and company) and ordered by `sort_field`
    /// (`email`, `nickname`, `created_at`, `updated_at`) and `sort_order`.
    pub(crate) fn list_profiles(&self, website_id: &str, page: usize, query: &BTreeMap<String, String>) -> Answer {
        let Some(website) = self.websites.get(website_id) else { return (404, "website_not_found", json!({})) };
        let search = query.get("search_text").map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
        let mut list: Vec<&Map<String, Value>> =
            website.people.values().filter(|p| search.as_deref().is_none_or(|q| profile_matches(p, q))).collect();
        let sort_value = |p: &Map<String, Value>, field: &str| -> Value {
            match field {
                "nickname" => p.get("person").and_then(|person| person.get("nickname")).cloned().unwrap_or(Value::Null),
                other => p.get(other).cloned().unwrap_or(Value::Null),
            }
        };
        if let Some(field) = query.get("sort_field").filter(|f| !f.is_empty()) {
            list.sort_by(|a, b| compare_json(&sort_value(a, field), &sort_value(b, field)));
            if query.get("sort_order").is_some_and(|o| o.eq_ignore_ascii_case("descending") || o == "desc") {
                list.reverse();
            }
        }
        let data: Vec<Value> = list
            .into_iter()
            .skip(page.saturating_sub(1).saturating_mul(20))
            .take(20)
            .cloned()
            .map(Value::Object)
            .collect();
        (200, "resolved", Value::Array(data))
    }

    /// Session ids of the conversations linked to a profile, 20 per page.
    pub(crate) fn list_people_conversations(&self, website_id: &str, people_id: &str, page: usize) -> Answer {
        let Some(website) = self.websites.get(website_id) else { return (404, "website_not_found", json!({})) };
        if !website.people.contains_key(people_id) {
            return (404, "people_not_found", json!({}));
        }
        let mut linked: Vec<&Conversation> = website
            .conversations
            .values()
            .filter(|c| field(&c.fields, "people_id").as_str() == Some(people_id))
            .collect();
        linked.sort_by_key(|c| std::cmp::Reverse(c.fields.get("updated_at").and_then(Value::as_u64).unwrap_or(0)));
        let ids: Vec<Value> = linked
            .iter()
            .skip(page.saturating_sub(1).saturating_mul(20))
            .take(20)
            .map(|c| field(&c.fields, "session_id").clone())
            .collect();
        (200, "resolved", Value::Array(ids))
    }

    /// Adds a people profile; answers `{people_id}`.
    pub(crate) fn add_profile(&mut self, website_id: &str, body: &Value) -> Answer {
        let body = &stored_card(body);
        if body["email"].as_str().is_none_or(str::is_empty) {
            return (400, "invalid_data", json!({"message": "`email` is required"}));
        }
        let now = self.now();
        let people_id = self.next_id("");
        let website = match self.website_mut(website_id) {
            Ok(website) => website,
            Err(answer) => return answer,
        };
        if website.people.values().any(|p| p.get("email") == Some(&body["email"])) {
            return (409, "people_exists", json!({}));
        }
        let mut profile = body.as_object().cloned().unwrap_or_default();
        profile.insert("people_id".into(), json!(people_id));
        profile.insert("created_at".into(), json!(now));
        profile.insert("updated_at".into(), json!(now));
        website.people.insert(people_id.clone(), profile);
        link_people(website, &people_id);
        let created = json!({"website_id": website_id, "people_id": people_id, "email": body["email"].clone()});
        self.outbox.push(("people:profile:created", created));
        (200, "added", json!({"people_id": people_id}))
    }

    /// One people profile.
    pub(crate) fn get_profile(&mut self, website_id: &str, people_id: &str) -> Answer {
        match self.website_mut(website_id) {
            Ok(website) => match website.people.get(people_id) {
                Some(profile) => (200, "resolved", Value::Object(profile.clone())),
                None => (404, "people_not_found", json!({})),
            },
            Err(answer) => answer,
        }
    }

    /// Replaces (`replace`) or merges a people profile.
    pub(crate) fn update_profile(&mut self, website_id: &str, people_id: &str, body: &Value, replace: bool) -> Answer {
        let body = &stored_card(body);
        let now = self.now();
        match self.website_mut(website_id) {
            Ok(website) => match website.people.get_mut(people_id) {
                Some(profile) => {
                    if replace {
                        let created = profile.get("created_at").cloned();
                        *profile = body.as_object().cloned().unwrap_or_default();
                        profile.insert("people_id".into(), json!(people_id));
                        profile.insert("created_at".into(), created.unwrap_or(json!(now)));
                    } else if let Some(update) = body.as_object() {
                        for (key, value) in update {
                            profile.insert(key.clone(), value.clone());
                        }
                    }
                    profile.insert("updated_at".into(), json!(now));
                    let email = profile.get("email").cloned().unwrap_or(Value::Null);
                    link_people(website, people_id);
                    let updated =
                        json!({"website_id": website_id, "people_id": people_id, "email": email, "update": body});
                    self.outbox.push(("people:profile:updated", updated));
                    (200, "updated", json!({}))
                }
                None => (404, "people_not_found", json!({})),
            },
            Err(answer) => answer,
        }
    }

    /// Removes a people profile.
    pub(crate) fn remove_profile(&mut self, website_id: &str, people_id: &str) -> Answer {
        match self.website_mut(website_id) {
            Ok(website) => match website.people.remove(people_id) {
                Some(profile) => {
                    for c in website.conversations.values_mut() {
                        if field(&c.fields, "people_id").as_str() == Some(people_id) {
                            c.fields.insert("people_id".into(), Value::Null);
                        }
                    }
                    let removed =
                        json!({"website_id": website_id, "people_id": people_id, "email": profile.get("email")});
                    self.outbox.push(("people:profile:removed", removed));
                    (200, "deleted", json!({}))
                }
                None => (404, "people_not_found", json!({})),
            },
            Err(answer) => answer,
        }
    }
}

/// Links every conversation whose visitor has the profile's email to it.
fn link_people(website: &mut Website, people_id: &str) {
    let Some(email) = website.people.get(people_id).and_then(|p| p.get("email")?.as_str().map(str::to_lowercase))
    else {
        return;
    };
    for c in website.conversations.values_mut() {
        let same = email_of_conversation(c).is_some_and(|e| e == email);
        if same {
            c.fields.insert("people_id".into(), json!(people_id));
        } else if field(&c.fields, "people_id").as_str() == Some(people_id) {
            c.fields.insert("people_id".into(), Value::Null);
        }
    }
}

fn profile_matches(p: &Map<String, Value>, query: &str) -> bool {
    let person = p.get("person").cloned().unwrap_or(Value::Null);
    p.get("email").is_some_and(|e| contains(e, query))
        || ["nickname", "phone"].iter().any(|k| contains(&person[*k], query))
        || contains(&person["employment"]["title"], query)
        || p.get("company").is_some_and(|c| contains(&c["name"], query))
}

fn compare_json(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64().partial_cmp(&y.as_f64()).unwrap_or(std::cmp::Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Value::Null, Value::Null) => std::cmp::Ordering::Equal,
        // Missing values last.
        (Value::Null, _) => std::cmp::Ordering::Greater,
        (_, Value::Null) => std::cmp::Ordering::Less,
        _ => std::cmp::Ordering::Equal,
    }
}

/// A profile card as a profile keeps it: the card sends `active` as the time last active, the profile reads it
/// as `{last}`.
fn stored_card(body: &Value) -> Value {
    let mut card = body.clone();
    if let Some(members) = card.as_object_mut() {
        match members.get("active") {
            Some(Value::Number(last)) => {
                let active = json!({"last": last});
                members.insert("active".into(), active);
            }
            Some(Value::Null) => {
                members.remove("active");
            }
            _ => {}
        }
    }
    card
}
