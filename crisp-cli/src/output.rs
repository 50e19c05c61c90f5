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
    /// `--columns`.
    columns: Vec<String>,
    /// The spec model of the answer, for its curated table columns.
    model: Option<&'static str>,
    /// Whether the left-out columns were already reported (once per command).
    told_left_out: bool,
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
            columns: Vec::new(),
            model: None,
            told_left_out: false,
            out: std::io::BufWriter::new(std::io::stdout()),
        })
    }

    /// `--columns`: the table's columns, as dotted paths.
    pub fn with_columns(mut self, columns: Vec<String>) -> Self {
        self.columns = columns;
        self
    }

    /// The spec model the documents are (lists of), so tables show its curated columns. Ignored
    /// after `--jq`, which may reshape the documents.
    pub fn set_model(&mut self, model: Option<&'static str>) {
        self.model = model;
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
            let options = crate::table::TableOptions {
                model: if self.jq.is_some() { None } else { self.model },
                picked: &self.columns,
                width: crate::terminal::width(),
            };
            let drawn = crate::table::draw(value, &options);
            self.out.write_all(drawn.text.as_bytes()).map_err(broken_pipe)?;
            if !drawn.left_out.is_empty() && !self.told_left_out {
                self.told_left_out = true;
                eprintln!(
                    "crisp: {} more column(s) did not fit the width: {} (pick with --columns)",
                    drawn.left_out.len(),
                    drawn.left_out.join(", ")
                );
            }
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
