//! The routes the simulator keeps a model for, and the one place they are
//! dispatched to the state: by the route's `name` in the generated table.
//! Every other route answers from [`documents`](crate::documents).
//!
//! When the generator emits route identifiers, this match is the one to
//! turn into a match on them, so that renaming an endpoint breaks the build
//! instead of quietly turning a stateful route into an example answer.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::route_match::Matched;
use crate::state::{Answer, State};

/// What the `connect/endpoints` routes answer: the RTM URL for every socket.
pub(crate) fn connect_endpoints(rtm_url: &str) -> Value {
    json!({"socket": {"app": rtm_url, "stream": rtm_url}, "rescue": {"socket": {"app": rtm_url}}})
}

/// The state's answer to the matched route, `None` for a route the state
/// keeps no model for. `page` is the path's page number (1 without one).
pub(crate) fn answer(
    state: &mut State,
    m: &Matched,
    page: usize,
    query: &BTreeMap<String, String>,
    body: &Value,
    rtm_url: &str,
) -> Option<Answer> {
    let (w, s, p, f) = (m.param("website_id"), m.param("session_id"), m.param("people_id"), m.param("fingerprint"));
    let website = |state: &State| match state.websites.get(w) {
        Some(site) => (200, "resolved", Value::Object(site.fields.clone())),
        None => (404, "website_not_found", json!({})),
    };
    Some(match m.route.name {
        "get_connect_endpoints" => (200, "resolved", connect_endpoints(rtm_url)),
        "get_website" => website(state),
        "check_if_website_exists" => {
            let domain = query.get("domain").cloned().unwrap_or_default();
            let found =
                state.websites.values().any(|site| site.fields.get("domain").is_some_and(|d| d == domain.as_str()));
            if found { (200, "resolved", json!({})) } else { (404, "website_not_found", json!({})) }
        }
        "list_conversations" => state.list_conversations(w, page, query),
        "create_new_conversation" => state.create_conversation(w),
        "check_if_conversation_exists" | "get_conversation" => state.get_conversation(w, s),
        "remove_conversation" => state.remove_conversation(w, s),
        "get_messages_in_conversation" => state.get_messages(w, s, query),
        "send_message_in_conversation" => state.send_message(w, s, body),
        "get_message_in_conversation" => state.get_message(w, s, f),
        "update_message_in_conversation" => state.update_message(w, s, f, body),
        "remove_message_in_conversation" => state.remove_message(w, s, f),
        "get_conversation_metas" => state.get_metas(w, s),
        "update_conversation_metas" => state.update_metas(w, s, body),
        "get_conversation_state" => state.get_state(w, s),
        "change_conversation_state" => state.change_state(w, s, body),
        "get_conversation_routing_assign" => state.get_routing(w, s),
        "assign_conversation_routing" => state.assign_routing(w, s, body),
        "list_people_profiles" => state.list_profiles(w, page, query),
        "list_people_conversations" => state.list_people_conversations(w, p, page),
        "list_website_operators" => state.list_operators(w)?,
        "get_block_status_for_conversation" => state.get_block(w, s),
        "block_incoming_messages_for_conversation" => state.set_block(w, s, body),
        "get_verify_status_for_conversation" => state.get_verify(w, s),
        "update_verify_status_for_conversation" => state.set_verify(w, s, body),
        "add_new_people_profile" => state.add_profile(w, body),
        "check_if_people_profile_exists" | "get_people_profile" => state.get_profile(w, p),
        "save_people_profile" => state.update_profile(w, p, body, true),
        "update_people_profile" => state.update_profile(w, p, body, false),
        "remove_people_profile" => state.remove_profile(w, p),
        _ => return None,
    })
}
