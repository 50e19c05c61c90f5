//! Help that reads: an endpoint group's commands under the reference sections they belong to, one
//! line each, and examples for the everyday commands.
//!
//! clap 4 lists subcommands under a single heading, so the grouped list is rendered here and put in
//! the group's help template; parsing is unchanged, and so is every command path.

use crate::spec::EndpointSpec;

/// The sections shown first in `crisp website --help`, in this order; the others follow in spec order.
const FIRST_SECTIONS: [&str; 6] = ["Conversations", "Messages", "People", "Operators", "Helpdesk", "Campaigns"];

/// The heading an endpoint is listed under: its reference section without the service name, the
/// reference's singular and plural sections merged (`Website Conversation` and `Website
/// Conversations`), and a conversation's message endpoints apart as `Messages`.
///
/// ```ignore
/// assert_eq!(section("Website Conversation", "send_message_in_conversation"), "Messages");
/// ```
pub fn section(group: &'static str, name: &str) -> String {
    let words: Vec<&str> = group.split_whitespace().collect();
    let rest = if words.len() > 1 { words[1..].join(" ") } else { group.to_owned() };
    match rest.as_str() {
        "Conversation" | "Conversations" if name.contains("message") => "Messages".into(),
        "Conversation" => "Conversations".into(),
        "Campaign" => "Campaigns".into(),
        "Operator" => "Operators".into(),
        _ => rest,
    }
}

/// The grouped command list of a service: `Heading:` lines, then `  command  summary` lines cut to
/// `width` with `…`.
pub fn grouped_list(endpoints: &[&'static EndpointSpec], width: usize) -> String {
    let mut sections: Vec<(String, Vec<&EndpointSpec>)> = Vec::new();
    for spec in endpoints {
        let heading = section(spec.endpoint.group, spec.endpoint.name);
        match sections.iter_mut().find(|(h, _)| *h == heading) {
            Some((_, list)) => list.push(spec),
            None => sections.push((heading, vec![spec])),
        }
    }
    sections.sort_by_key(|(heading, _)| {
        FIRST_SECTIONS.iter().position(|first| first == heading).unwrap_or(FIRST_SECTIONS.len())
    });
    let name_width = endpoints.iter().map(|s| s.command.len()).max().unwrap_or(0).min(40);
    let mut out = String::new();
    for (heading, list) in sections {
        out.push_str(&format!("{heading} ({}):\n", list.len()));
        for spec in list {
            let summary = first_sentence(spec.about());
            if spec.command.len() > name_width {
                out.push_str(&format!("  {}\n", spec.command));
                out.push_str(&fit(&format!("  {:name_width$}  {summary}", ""), width));
            } else {
                out.push_str(&fit(&format!("  {:name_width$}  {summary}", spec.command), width));
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// The text up to the first sentence end (`. ` or `; `), for one-line summaries.
fn first_sentence(text: &str) -> &str {
    let end = [". ", "; "].iter().filter_map(|sep| text.find(sep)).min().unwrap_or(text.len());
    text[..end].trim_end_matches('.')
}

/// One line cut to `width` characters, with `…` when cut (command names and summaries are ASCII
/// or narrow text).
fn fit(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        return line.to_owned();
    }
    let mut out: String = line.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Examples for the everyday commands, shown at the end of their long help.
pub fn examples(service: &str, command: &str) -> Option<&'static str> {
    Some(match (service, command) {
        ("website", "list-conversations") => {
            "Examples:\n  \
             crisp website list-conversations                    # the profile's website, first page\n  \
             crisp website list-conversations -o table --all     # every page, as a table\n  \
             crisp website list-conversations --filter-unread --search-type text --search-query refund\n  \
             crisp website list-conversations WEBSITE_ID --per-page 50 --page 2"
        }
        ("website", "get-messages-in-conversation") => {
            "Examples:\n  \
             crisp website get-messages-in-conversation SESSION_ID -o table\n  \
             crisp website get-messages-in-conversation SESSION_ID --jq '.[].content'"
        }
        ("website", "send-message-in-conversation") => {
            "Examples:\n  \
             crisp website send-message-in-conversation SESSION_ID \\\n    \
             -F type=text -F from=operator -F origin=chat -F content='Hello, how can I help?'\n  \
             crisp website send-message-in-conversation SESSION_ID --data @message.json"
        }
        ("website", "list-people-profiles") => {
            "Examples:\n  \
             crisp website list-people-profiles --search-text ada@example.com -o table\n  \
             crisp website list-people-profiles --all --jq '.email'"
        }
        ("website", "get-conversation") => {
            "Examples:\n  \
             crisp website get-conversation SESSION_ID\n  \
             crisp website get-conversation SESSION_ID --jq '.meta.email'"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_merge_singular_and_plural_and_set_messages_apart() {
        assert_eq!(section("Website Conversations", "list_conversations"), "Conversations");
        assert_eq!(section("Website Conversation", "get_conversation"), "Conversations");
        assert_eq!(section("Website Conversation", "send_message_in_conversation"), "Messages");
        assert_eq!(section("Website Helpdesk", "list_helpdesk_locales"), "Helpdesk");
        assert_eq!(section("Plugin Subscription", "x"), "Subscription");
    }

    #[test]
    fn summaries_stop_at_the_first_sentence_and_lines_fit() {
        assert_eq!(first_sentence("Lists pages. Then more."), "Lists pages");
        assert_eq!(fit("abcdef", 4), "abc…");
    }
}
