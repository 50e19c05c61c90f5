//! Prompts: recipes over several tools that a user starts on purpose — triage the inbox, draft a reply, sum up a
//! week. Each is text for the model; none changes anything by itself.

use std::collections::BTreeMap;

use crate::workflow::{now_ms, utc_date};

/// One prompt: its name, what it does, and its arguments (name, description, required when the server has no
/// default for it).
pub(crate) struct PromptDef {
    pub(crate) name: &'static str,
    pub(crate) title: &'static str,
    pub(crate) description: &'static str,
    pub(crate) arguments: &'static [PromptArg],
}

/// One argument of a prompt.
pub(crate) struct PromptArg {
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    /// Which default can stand in for it, if any.
    pub(crate) defaulted_by: Defaulted,
}

/// Where a prompt argument's default comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Defaulted {
    /// The call's default website.
    Website,
    /// The call's default conversation.
    Session,
    /// A fixed value: never required.
    Value,
}

const WEBSITE: PromptArg = PromptArg {
    name: "website_id",
    description: "the website (defaults to the server's website)",
    defaulted_by: Defaulted::Website,
};

pub(crate) static PROMPTS: &[PromptDef] = &[
    PromptDef {
        name: "triage_unresolved",
        title: "Triage unresolved conversations",
        description: "Summarise the unresolved conversations: who, what they need, urgency and a next step.",
        arguments: &[
            WEBSITE,
            PromptArg {
                name: "limit",
                description: "how many conversations to look at (default 20)",
                defaulted_by: Defaulted::Value,
            },
        ],
    },
    PromptDef {
        name: "draft_reply",
        title: "Draft a reply",
        description: "Read a conversation and its contact's history, then draft the next reply for an operator to review.",
        arguments: &[
            WEBSITE,
            PromptArg {
                name: "session_id",
                description: "the conversation to answer (session_…)",
                defaulted_by: Defaulted::Session,
            },
            PromptArg {
                name: "tone",
                description: "how the reply should sound (default: friendly and concise)",
                defaulted_by: Defaulted::Value,
            },
        ],
    },
    PromptDef {
        name: "weekly_summary",
        title: "Weekly support summary",
        description: "Sum up the last days of support: volume, themes, what still waits and what to improve.",
        arguments: &[
            WEBSITE,
            PromptArg {
                name: "days",
                description: "how many days back to look (default 7, at most 31)",
                defaulted_by: Defaulted::Value,
            },
        ],
    },
];

/// Why a prompt cannot be given.
#[derive(Debug)]
pub(crate) struct PromptProblem(pub(crate) String);

/// The prompt's text, from its arguments and the call's defaults.
pub(crate) fn render(
    name: &str,
    arguments: &BTreeMap<String, String>,
    website_id: Option<&str>,
    session_id: Option<&str>,
) -> Result<(String, &'static str), PromptProblem> {
    let def = PROMPTS
        .iter()
        .find(|def| def.name == name)
        .ok_or_else(|| PromptProblem(format!("there is no prompt `{name}`")))?;
    let given = |key: &str| arguments.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
    let website = given("website_id").or(website_id);
    let website_text = match website {
        Some(id) => format!("website `{id}`"),
        None => "the website (ask me for its website_id if you don't know it)".to_owned(),
    };
    let text = match name {
        "triage_unresolved" => {
            let limit = given("limit").and_then(|l| l.parse::<u32>().ok()).unwrap_or(20).clamp(1, 50);
            format!(
                "Triage the unresolved conversations of {website_text}.\n\
                 1. Call `list_conversations_awaiting_reply` with limit={limit} to see who waits on us, longest wait \
                 first; call `list_conversations` with filter_not_resolved=true and per_page={limit} for the others.\n\
                 2. For each conversation worth a closer look, call `get_conversation_context` (conversation, latest \
                 messages, the contact and their history).\n\
                 3. Answer with one line per conversation: who, what they need in a few words, urgency \
                 (high/normal/low), how long they have waited, and the next step you suggest, with its link. Put the \
                 urgent and longest-waiting ones first.\n\
                 Do not send messages or change anything unless I ask you to."
            )
        }
        "draft_reply" => {
            let session = given("session_id")
                .or(session_id)
                .ok_or_else(|| PromptProblem("`draft_reply` needs the argument `session_id`".into()))?;
            let tone = given("tone").unwrap_or("friendly and concise");
            format!(
                "Draft the next reply in conversation `{session}` of {website_text}.\n\
                 1. Call `get_conversation_context` with session_id=`{session}` to read the conversation, its latest \
                 messages, the contact's profile and their other conversations.\n\
                 2. Work out what the visitor needs and what has already been said or promised; do not repeat \
                 questions they answered.\n\
                 3. Write the reply in the visitor's language, {tone}. Do not invent facts about orders, prices or \
                 policies: say what must be checked instead.\n\
                 4. Show me the draft. If `draft_reply_as_note` is available, offer to save it as a private note; \
                 never send it to the visitor unless I say so."
            )
        }
        "weekly_summary" => {
            let days = given("days").and_then(|d| d.parse::<u64>().ok()).unwrap_or(7).clamp(1, 31);
            let start = utc_date(now_ms().saturating_sub(days * 86_400_000));
            format!(
                "Write a support summary of the last {days} days (since {start}) for {website_text}.\n\
                 1. Call `list_conversations` with filter_date_start={start} and order_date_updated=true, paging with \
                 next_cursor (at most 5 pages); note for each conversation its state and topic.\n\
                 2. Call `list_conversations_awaiting_reply` to see who still waits, and how long.\n\
                 3. Read a few representative conversations with `get_conversation_context` to name the recurring \
                 themes.\n\
                 4. Answer with: the number of conversations and how many are resolved; the main themes with an \
                 example link each; who still waits the longest; and two or three things that would cut the volume or \
                 the waits (help articles, canned answers, product fixes).\n\
                 Only read: do not send messages or change anything."
            )
        }
        other => return Err(PromptProblem(format!("there is no prompt `{other}`"))),
    };
    Ok((text, def.title))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draft_reply_needs_a_conversation_unless_one_is_the_default() {
        let none = BTreeMap::new();
        assert!(render("draft_reply", &none, Some("w"), None).unwrap_err().0.contains("session_id"));
        let (text, _) = render("draft_reply", &none, Some("w"), Some("session_1")).unwrap();
        assert!(text.contains("session_1") && text.contains("website `w`"), "{text}");
    }

    #[test]
    fn weekly_summary_dates_its_start() {
        let days = BTreeMap::from([("days".to_owned(), "3".to_owned())]);
        let (text, _) = render("weekly_summary", &days, None, None).unwrap();
        let start = utc_date(now_ms() - 3 * 86_400_000);
        assert!(text.contains(&format!("filter_date_start={start}")), "{text}");
    }
}
