//! Which columns a table shows: the curated set of the models people read most, the columns picked
//! with `--columns`, or, for any other model, its own fields (scalars first, nested values summarised).
//!
//! The curated sets are one table here rather than entries of the spec: they are a choice of
//! presentation for this command (the MCP server and the library have no use for them), and the
//! cells they name are checked against the simulator's answers by the command's tests.

use serde_json::Value;

/// How a cell shows its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellFormat {
    /// As it is (nested values summarised, epoch-millisecond fields made readable).
    Plain,
    /// Epoch milliseconds as a UTC date and time.
    Time,
}

/// One column: its header, and where its value is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// The header line.
    pub header: String,
    /// Dotted paths into the item; the first that holds a readable value wins (`meta.nickname`, then
    /// `meta.email`).
    pub paths: Vec<String>,
    /// How the value shows.
    pub format: CellFormat,
}

impl Column {
    /// A column picked by a dotted path, headed by the path itself.
    ///
    /// ```ignore
    /// let column = Column::path("meta.email");
    /// assert_eq!(column.header, "meta.email");
    /// ```
    pub fn path(path: &str) -> Self {
        Self { header: path.to_owned(), paths: vec![path.to_owned()], format: CellFormat::Plain }
    }

    /// The value this column shows for `item`.
    pub fn value<'a>(&self, item: &'a Value) -> Option<&'a Value> {
        let found: Vec<&Value> = self.paths.iter().filter_map(|path| lookup(item, path)).collect();
        found.iter().find(|v| is_readable_scalar(v)).or_else(|| found.iter().find(|v| !v.is_null())).copied()
    }
}

/// A curated column: header, `|`-separated alternative paths, format.
type Curated = (&'static str, &'static str, CellFormat);

/// The curated column sets, by spec model name. One entry per model; the order is the display order.
const CURATED: &[(&str, &[Curated])] = &[
    (
        "Conversation",
        &[
            ("session", "session_id", CellFormat::Plain),
            ("visitor", "meta.nickname|meta.email", CellFormat::Plain),
            ("state", "state", CellFormat::Plain),
            ("unread", "unread.operator", CellFormat::Plain),
            ("last message", "last_message", CellFormat::Plain),
            ("updated", "updated_at|created_at", CellFormat::Time),
        ],
    ),
    (
        "ConversationMessage",
        &[
            ("time", "timestamp", CellFormat::Time),
            ("from", "from", CellFormat::Plain),
            ("who", "user.nickname|user.user_id", CellFormat::Plain),
            ("type", "type", CellFormat::Plain),
            ("content", "content|content.text|content.name|content.url|content.id", CellFormat::Plain),
        ],
    ),
    (
        "PeopleProfile",
        &[
            ("people id", "people_id", CellFormat::Plain),
            ("email", "email", CellFormat::Plain),
            ("nickname", "person.nickname", CellFormat::Plain),
            ("segments", "segments", CellFormat::Plain),
        ],
    ),
    (
        "WebsiteOperatorListOne",
        &[
            ("user id", "details.user_id", CellFormat::Plain),
            ("email", "details.email", CellFormat::Plain),
            ("first name", "details.first_name", CellFormat::Plain),
            ("last name", "details.last_name", CellFormat::Plain),
            ("role", "details.role", CellFormat::Plain),
            ("availability", "details.availability", CellFormat::Plain),
        ],
    ),
    (
        "WebsiteOperatorsLastActiveListOne",
        &[
            ("user id", "user_id", CellFormat::Plain),
            ("nickname", "nickname", CellFormat::Plain),
            ("last active", "timestamp", CellFormat::Time),
        ],
    ),
];

/// The curated columns of a model, if it has a set.
///
/// ```ignore
/// assert_eq!(curated("Conversation").unwrap()[0].header, "session");
/// ```
pub fn curated(model: &str) -> Option<Vec<Column>> {
    let (_, set) = CURATED.iter().find(|(name, _)| *name == model)?;
    Some(
        set.iter()
            .map(|(header, paths, format)| Column {
                header: (*header).to_owned(),
                paths: paths.split('|').map(str::to_owned).collect(),
                format: *format,
            })
            .collect(),
    )
}

/// The models with a curated set.
#[cfg(test)]
pub fn curated_models() -> impl Iterator<Item = &'static str> {
    CURATED.iter().map(|(name, _)| *name)
}

/// The columns for a list of items with no curated set: every key of the first items, scalar fields
/// first, then lists, then nested objects (which show summarised), each group in key order.
pub fn default_columns(items: &[Value]) -> Vec<Column> {
    let mut keys: Vec<(u8, &str)> = Vec::new();
    for item in items.iter().take(20) {
        for (key, value) in item.as_object().into_iter().flatten() {
            let rank = match value {
                Value::Array(_) => 1,
                Value::Object(_) => 2,
                _ => 0,
            };
            match keys.iter_mut().find(|(_, k)| k == key) {
                // A key null in one item and nested in another ranks as nested.
                Some(entry) => entry.0 = entry.0.max(rank),
                None => keys.push((rank, key)),
            }
        }
    }
    keys.sort_by_key(|(rank, _)| *rank);
    keys.into_iter().map(|(_, key)| Column::path(key)).collect()
}

/// The value at a dotted path (`meta.device.geolocation.city`; a number indexes a list: `segments.0`).
pub fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |node, part| match node {
        Value::Object(map) => map.get(part),
        Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

fn is_readable_scalar(value: &Value) -> bool {
    match value {
        Value::String(text) => !text.is_empty(),
        Value::Number(_) | Value::Bool(_) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn alternatives_pick_the_first_readable_value() {
        let visitor = &curated("Conversation").unwrap()[1];
        assert_eq!(visitor.value(&json!({"meta": {"nickname": "Ada", "email": "a@x"}})), Some(&json!("Ada")));
        assert_eq!(visitor.value(&json!({"meta": {"nickname": "", "email": "a@x"}})), Some(&json!("a@x")));
        assert_eq!(visitor.value(&json!({"meta": {}})), None);
        let content = &curated("ConversationMessage").unwrap()[4];
        assert_eq!(content.value(&json!({"content": {"name": "f.pdf", "url": "u"}})), Some(&json!("f.pdf")));
    }

    #[test]
    fn default_columns_put_scalars_first() {
        let items = [json!({"meta": {"a": 1}, "tags": [], "id": "x", "n": null}), json!({"n": {"b": 2}})];
        let headers: Vec<String> = default_columns(&items).into_iter().map(|c| c.header).collect();
        assert_eq!(headers, ["id", "tags", "meta", "n"]);
    }

    #[test]
    fn dotted_paths_reach_into_objects_and_lists() {
        let item = json!({"a": {"b": [{"c": 3}]}});
        assert_eq!(lookup(&item, "a.b.0.c"), Some(&json!(3)));
        assert_eq!(lookup(&item, "a.x"), None);
    }
}
