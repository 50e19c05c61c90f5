//! `--output table`: lists of objects as aligned columns that fit the width, one line per item. A
//! cell too wide is cut with `…` (by display width, so wide and combining characters count as they
//! show); nothing wraps. Epoch-millisecond fields show as UTC dates; JSON output keeps them raw.

use serde_json::Value;
use unicode_width::{UnicodeWidthChar as _, UnicodeWidthStr as _};

use crate::columns::{self, CellFormat, Column};

/// Space between two columns.
const GAP: &str = "  ";

/// No column is cut narrower than this (a narrower table drops its last columns instead).
const MIN_COLUMN: usize = 6;

/// What a table is drawn from, besides the value.
pub struct TableOptions<'a> {
    /// The spec model of the items, when the command knows it (its curated columns apply).
    pub model: Option<&'a str>,
    /// `--columns`: dotted paths, overriding any default.
    pub picked: &'a [String],
    /// The width to fit.
    pub width: usize,
}

/// A drawn table and the columns it had to leave out for the width.
pub struct Drawn {
    /// The lines, each at most the width.
    pub text: String,
    /// Headers of the columns that did not fit.
    pub left_out: Vec<String>,
}

/// Draws `value`: a list of objects as columns, one object as field/value lines, anything else as
/// one column of values.
///
/// ```ignore
/// let drawn = draw(&serde_json::json!([{"id": 1}]), &TableOptions { model: None, picked: &[], width: 80 });
/// assert_eq!(drawn.text, "id\n──\n1\n");
/// ```
pub fn draw(value: &Value, options: &TableOptions) -> Drawn {
    match value {
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            let columns = if !options.picked.is_empty() {
                options.picked.iter().map(|path| Column::path(path)).collect()
            } else {
                options.model.and_then(columns::curated).unwrap_or_else(|| columns::default_columns(items))
            };
            let headers: Vec<String> = columns.iter().map(|c| c.header.clone()).collect();
            let keep: Vec<bool> = columns.iter().map(|c| c.format == CellFormat::Time || is_id(&c.paths[0])).collect();
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|item| columns.iter().map(|c| cell(c.value(item), c.format, c.paths[0].as_str())).collect())
                .collect();
            grid(headers, rows, &keep, options.width)
        }
        Value::Object(map) if !options.picked.is_empty() => {
            let columns: Vec<Column> = options.picked.iter().map(|path| Column::path(path)).collect();
            let headers = columns.iter().map(|c| c.header.clone()).collect();
            let row = columns.iter().map(|c| cell(c.value(value), c.format, &c.header)).collect();
            grid(headers, vec![row], &[], options.width)
        }
        Value::Object(map) => {
            let rows = map.iter().map(|(key, v)| vec![key.clone(), cell(Some(v), CellFormat::Plain, key)]).collect();
            grid(vec!["field".into(), "value".into()], rows, &[], options.width)
        }
        Value::Array(items) => {
            let rows = items.iter().map(|v| vec![cell(Some(v), CellFormat::Plain, "")]).collect();
            grid(vec!["value".into()], rows, &[], options.width)
        }
        other => grid(vec!["value".into()], vec![vec![cell(Some(other), CellFormat::Plain, "")]], &[], options.width),
    }
}

/// Lays out headers and rows in `width` columns of display width.
/// Whether a column holds identifiers, which are cut last: a cut id cannot be copied into the next
/// command.
fn is_id(path: &str) -> bool {
    let name = path.rsplit('.').next().unwrap_or(path);
    name == "id" || name.ends_with("_id")
}

/// Lays out headers and rows in `width` columns of display width; `keep` marks the columns cut
/// only when cutting the others is not enough.
fn grid(mut headers: Vec<String>, mut rows: Vec<Vec<String>>, keep: &[bool], width: usize) -> Drawn {
    let mut left_out = Vec::new();
    let widths = loop {
        let natural: Vec<usize> = (0..headers.len())
            .map(|i| rows.iter().map(|row| row[i].width()).chain([headers[i].width()]).max().unwrap_or(0))
            .collect();
        if let Some(widths) = fit_keeping(&natural, keep, width).or_else(|| fit(&natural, width)) {
            break widths;
        }
        // Even cut to the minimum the columns do not fit: the last one goes.
        left_out.insert(0, headers.pop().unwrap_or_default());
        for row in &mut rows {
            row.pop();
        }
    };
    let mut text = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = String>| {
        let cells: Vec<String> = cells.collect();
        let joined = cells.iter().zip(&widths).map(|(c, w)| pad(&cut(c, *w), *w)).collect::<Vec<_>>().join(GAP);
        text.push_str(joined.trim_end());
        text.push('\n');
    };
    line(&mut headers.iter().cloned());
    line(&mut widths.iter().map(|w| "─".repeat(*w)));
    for row in rows {
        line(&mut row.into_iter());
    }
    Drawn { text, left_out }
}

/// [`fit`] with the kept columns at their natural width, the others sharing what is left.
fn fit_keeping(natural: &[usize], keep: &[bool], width: usize) -> Option<Vec<usize>> {
    let kept = |i: usize| keep.get(i).copied().unwrap_or(false);
    if !(0..natural.len()).any(kept) {
        return None;
    }
    let fixed: usize = (0..natural.len()).filter(|i| kept(*i)).map(|i| natural[i]).sum();
    let others: Vec<usize> = (0..natural.len()).filter(|i| !kept(*i)).map(|i| natural[i]).collect();
    let fixed_gaps = GAP.len() * (natural.len() - others.len());
    let room = width.checked_sub(fixed + fixed_gaps)?;
    let mut fitted = if others.is_empty() { Vec::new() } else { fit(&others, room)?.into_iter().collect() };
    fitted.reverse();
    Some((0..natural.len()).map(|i| if kept(i) { natural[i] } else { fitted.pop().unwrap_or(0) }).collect())
}

/// Column widths that fit `width`: every column at its natural width if they fit, else the widest
/// cut down to one shared cap (narrow columns keep their width). `None` when even `MIN_COLUMN`
/// (or a narrower natural width) is too much.
fn fit(natural: &[usize], width: usize) -> Option<Vec<usize>> {
    let gaps = GAP.len() * natural.len().saturating_sub(1);
    let total = |cap: usize| natural.iter().map(|w| (*w).min(cap)).sum::<usize>() + gaps;
    let widest = natural.iter().copied().max().unwrap_or(0);
    if total(widest) <= width {
        return Some(natural.to_vec());
    }
    if natural.len() > 1 && total(MIN_COLUMN) > width {
        return None;
    }
    // The largest cap that fits; a single column always fits at the width itself.
    let cap = (MIN_COLUMN.min(width)..=widest).rev().find(|cap| total(*cap) <= width).unwrap_or(width);
    let mut widths: Vec<usize> = natural.iter().map(|w| (*w).min(cap)).collect();
    // What the cap leaves over goes to the cut columns, from the left.
    let mut spare = width.saturating_sub(total(cap));
    for (w, n) in widths.iter_mut().zip(natural) {
        let more = (n - *w).min(spare);
        *w += more;
        spare -= more;
    }
    Some(widths)
}

/// `text` cut to `width` display columns, with `…` when something was cut.
fn cut(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

fn pad(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(fill))
}

/// Whether a field named so holds epoch milliseconds (Crisp's `created_at`, `updated_at`,
/// `timestamp`, `since`...).
fn is_time_field(path: &str) -> bool {
    let name = path.rsplit('.').next().unwrap_or(path);
    name.ends_with("_at") || matches!(name, "timestamp" | "since" | "last" | "date")
}

/// Epoch milliseconds as `2026-11-30 14:02` (UTC).
fn time_text(ms: i64) -> Option<String> {
    let at = jiff::Timestamp::from_millisecond(ms).ok()?;
    Some(at.strftime("%Y-%m-%d %H:%M").to_string())
}

/// One cell: one line of readable text.
fn cell(value: Option<&Value>, format: CellFormat, path: &str) -> String {
    let Some(value) = value else { return String::new() };
    // Epoch milliseconds: 1e11 ms is 1973, 1e14 is year 5138; a count or a fingerprint is left alone.
    let as_time = |n: &serde_json::Number| {
        n.as_i64().filter(|ms| (100_000_000_000..100_000_000_000_000).contains(ms)).and_then(time_text)
    };
    match value {
        Value::Number(n) if format == CellFormat::Time || is_time_field(path) => {
            as_time(n).unwrap_or_else(|| n.to_string())
        }
        Value::String(text) => one_line(text),
        Value::Null => String::new(),
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) => {
            items.iter().map(|v| cell(Some(v), CellFormat::Plain, "")).collect::<Vec<_>>().join(", ")
        }
        Value::Array(items) => format!("[{} items]", items.len()),
        Value::Object(map) if map.len() <= 3 && map.values().all(|v| !v.is_object() && !v.is_array()) => map
            .iter()
            .map(|(k, v)| format!("{k}={}", cell(Some(v), CellFormat::Plain, k)))
            .collect::<Vec<_>>()
            .join(" "),
        Value::Object(map) => format!("{{{} fields}}", map.len()),
        other => other.to_string(),
    }
}

/// Server text is data: line breaks become spaces, other control characters (terminal escapes)
/// are shown escaped, never run.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn options(width: usize) -> TableOptions<'static> {
        TableOptions { model: None, picked: &[], width }
    }

    #[test]
    fn every_line_fits_and_cut_cells_end_with_an_ellipsis() {
        let items = json!([{"id": "a", "text": "x".repeat(200)}, {"id": "日本語のテキスト", "text": "短い"}]);
        for width in [20, 40, 80] {
            let drawn = draw(&items, &options(width));
            assert!(drawn.text.lines().all(|l| l.width() <= width), "{width}:\n{}", drawn.text);
            assert!(drawn.text.contains('…'));
        }
    }

    #[test]
    fn columns_that_cannot_fit_are_left_out_and_named() {
        let item: serde_json::Map<String, Value> = (0..10).map(|i| (format!("field{i}"), json!("value"))).collect();
        let drawn = draw(&Value::Array(vec![Value::Object(item)]), &options(40));
        assert!(!drawn.left_out.is_empty());
        assert!(drawn.text.lines().all(|l| l.width() <= 40));
    }

    #[test]
    fn timestamps_read_as_dates_and_counts_stay_numbers() {
        assert_eq!(cell(Some(&json!(1795438880117u64)), CellFormat::Plain, "updated_at"), "2026-11-23 13:01");
        assert_eq!(cell(Some(&json!(3)), CellFormat::Time, "x"), "3");
        assert_eq!(cell(Some(&json!(17954388801174u64)), CellFormat::Plain, "fingerprint"), "17954388801174");
        assert_eq!(cell(Some(&json!({"operator": 1, "visitor": 0})), CellFormat::Plain, ""), "operator=1 visitor=0");
        assert_eq!(cell(Some(&json!("a\nb\x1b[31m")), CellFormat::Plain, ""), "a b\\u{1b}[31m");
    }
}
