//! Printing results: pretty JSON on a terminal, compact JSON / JSON Lines
//! when piped, tables with `--output table`; `--jq` applied to every
//! document first.

use std::io::{IsTerminal as _, Write};

use serde_json::Value;

use crate::error::{CliError, Result};
use crate::jq::Jq;

/// `--output`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Pretty on a terminal, compact when piped.
    Auto,
    /// Always one compact JSON document per line.
    Json,
    /// Always indented JSON.
    Pretty,
    /// A table with columns that fit the terminal (lists of objects).
    Table,
}

/// Where results go, and how.
pub struct Printer {
    format: Format,
    jq: Option<Jq>,
    pretty: bool,
    color: bool,
    out: std::io::BufWriter<std::io::Stdout>,
}

/// Whether colours are allowed on a stream: a terminal and no `NO_COLOR`.
pub fn color_allowed(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

impl Printer {
    pub fn new(format: Format, jq: Option<&str>) -> Result<Self> {
        let terminal = std::io::stdout().is_terminal();
        let pretty = match format {
            Format::Pretty => true,
            Format::Auto => terminal,
            Format::Json | Format::Table => false,
        };
        Ok(Self {
            format,
            jq: jq.map(Jq::compile).transpose()?,
            pretty,
            color: color_allowed(terminal),
            out: std::io::BufWriter::new(std::io::stdout()),
        })
    }

    /// Prints one document (after `--jq`, which may turn it into several).
    pub fn document(&mut self, value: &Value) -> Result<()> {
        match &self.jq {
            Some(jq) => {
                for item in jq.run(value)? {
                    self.write(&item)?;
                }
                Ok(())
            }
            None => self.write(value),
        }
    }

    fn write(&mut self, value: &Value) -> Result<()> {
        if self.format == Format::Table {
            let table = table(value);
            writeln!(self.out, "{table}").map_err(broken_pipe)?;
            return Ok(());
        }
        // A bare string from `--jq` prints raw, like `jq -r`, which is what a shell pipeline wants.
        if let (Some(_), Value::String(text)) = (&self.jq, value) {
            writeln!(self.out, "{text}").map_err(broken_pipe)?;
            return Ok(());
        }
        let text = if self.pretty { pretty_json(value, self.color) } else { value.to_string() };
        writeln!(self.out, "{text}").map_err(broken_pipe)
    }

    /// Flushes at the end, and between streamed items so a reader sees them at once.
    pub fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(broken_pipe)
    }
}

/// A closed pipe (`crisp ... | head`) ends the command quietly.
fn broken_pipe(err: std::io::Error) -> CliError {
    if err.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    CliError::failure(format!("cannot write the output: {err}"))
}

/// Indented JSON, with keys and values coloured when `color`.
pub fn pretty_json(value: &Value, color: bool) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    if !color {
        return text;
    }
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        out.push_str(indent);
        // `"key": value` lines: colour the key blue and the value by type.
        let (key, rest) = match trimmed.strip_prefix('"').and_then(|_| split_key(trimmed)) {
            Some((key, rest)) => (Some(key), rest),
            None => (None, trimmed),
        };
        if let Some(key) = key {
            out.push_str("\x1b[34m");
            out.push_str(key);
            out.push_str("\x1b[0m: ");
        }
        let code = match rest.trim_end_matches(',').chars().next() {
            Some('"') => "\x1b[32m",
            Some('t' | 'f') => "\x1b[33m",
            Some('n') => "\x1b[90m",
            Some(c) if c == '-' || c.is_ascii_digit() => "\x1b[36m",
            _ => "",
        };
        if code.is_empty() {
            out.push_str(rest);
        } else {
            out.push_str(code);
            out.push_str(rest);
            out.push_str("\x1b[0m");
        }
        out.push('\n');
    }
    out.pop();
    out
}

/// Splits `"key": rest` at the end of the key string, escapes respected.
fn split_key(line: &str) -> Option<(&str, &str)> {
    let bytes = line.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => {
                let rest = line[i + 1..].strip_prefix(": ")?;
                return Some((&line[..=i], rest));
            }
            _ => i += 1,
        }
    }
    None
}

/// A table for a list of objects (columns: the keys of the first items),
/// or a two-column key/value table for one object.
pub fn table(value: &Value) -> comfy_table::Table {
    use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    // Server text is data: control characters (terminal escapes) are shown, not run.
    let cell = |v: &Value| match v {
        Value::String(s) => {
            s.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.into() }).collect()
        }
        Value::Null => String::new(),
        other => other.to_string(),
    };
    match value {
        Value::Array(items) if items.iter().all(Value::is_object) && !items.is_empty() => {
            let mut columns: Vec<String> = Vec::new();
            for item in items.iter().take(20) {
                for key in item.as_object().into_iter().flat_map(|o| o.keys()) {
                    if !columns.contains(key) && columns.len() < 12 {
                        columns.push(key.clone());
                    }
                }
            }
            table.set_header(columns.clone());
            for item in items {
                table.add_row(columns.iter().map(|c| cell(item.get(c).unwrap_or(&Value::Null))));
            }
        }
        Value::Array(items) => {
            table.set_header(vec!["value"]);
            for item in items {
                table.add_row(vec![cell(item)]);
            }
        }
        Value::Object(map) => {
            table.set_header(vec!["field", "value"]);
            for (key, v) in map {
                table.add_row(vec![key.clone(), cell(v)]);
            }
        }
        other => {
            table.add_row(vec![cell(other)]);
        }
    }
    table
}
