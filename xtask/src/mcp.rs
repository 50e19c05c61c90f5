//! The MCP server's tool catalog: one tool per endpoint of `spec/endpoints.json`, with an input JSON schema
//! derived from the typed request (`spec/types.json`), and the toolset, access level, default-set membership
//! and model-facing description that `spec/mcp.json` decides.
//!
//! A new endpoint needs no edit in `spec/mcp.json`: its toolset comes from its group (or from the group's
//! own name), its access from its method and label words, its description from its summary or label.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::model::{BodyShape, Kind, Response};
use crate::model::{Endpoint, Param, Spec, TypeDef};

/// Nesting depth at which body schemas stop describing fields and only say "object": deeper levels cost
/// tokens in every `tools/list` for little help to the model.
const MAX_SCHEMA_DEPTH: usize = 3;
/// MCP clients commonly refuse tool names longer than this.
const MAX_TOOL_NAME: usize = 64;
/// How many fields a description names for a returned model.
const RETURNED_FIELDS: usize = 12;
/// Nesting depth at which output schemas stop describing fields: every read tool's `outputSchema` rides in
/// `tools/list`, so it says what the top levels hold and leaves the deeper ones open.
const MAX_OUTPUT_DEPTH: usize = 2;

#[derive(Deserialize)]
struct McpFile {
    toolsets: Toolsets,
    default: DefaultSet,
    access: AccessRules,
    hidden: BTreeMap<String, String>,
    hints: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct Toolsets {
    by_group: BTreeMap<String, String>,
    by_path_segment: Vec<SegmentRule>,
    descriptions: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct SegmentRule {
    group: String,
    segments: Vec<String>,
    toolset: String,
}

#[derive(Deserialize)]
struct DefaultSet {
    read_toolsets: Vec<String>,
    tools: Vec<String>,
}

#[derive(Deserialize)]
struct AccessRules {
    destructive_label_words: Vec<String>,
    destructive_tools: Vec<String>,
}

/// Reads `spec/mcp.json`.
fn load(root: &Path) -> Result<McpFile, String> {
    let text = std::fs::read_to_string(root.join("spec/mcp.json")).map_err(|e| format!("mcp.json: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("mcp.json: {e}"))
}

/// The tool name: the endpoint name, prefixed by its service outside `website` (names are unique per
/// service only, and `website` holds nearly every tool an assistant uses).
fn tool_name(endpoint: &Endpoint) -> String {
    if endpoint.service == "website" {
        endpoint.name.clone()
    } else {
        format!("{}_{}", endpoint.service, endpoint.name)
    }
}

fn toolset(file: &McpFile, endpoint: &Endpoint) -> String {
    let segments: Vec<&str> = endpoint.path.split('/').collect();
    for rule in &file.toolsets.by_path_segment {
        if rule.group == endpoint.group && segments.iter().any(|s| rule.segments.iter().any(|w| w == s)) {
            return rule.toolset.clone();
        }
    }
    if let Some(toolset) = file.toolsets.by_group.get(&endpoint.group) {
        return toolset.clone();
    }
    // A group the file does not know: its own name, without the service word ("Website Foo Bar" → "foo_bar").
    let words: Vec<String> = endpoint.group.split_whitespace().map(str::to_lowercase).collect();
    let words = if words.len() > 1 && words[0] == endpoint.service { &words[1..] } else { &words[..] };
    words.join("_")
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Access {
    Read,
    Write,
    Destructive,
}

fn access(file: &McpFile, endpoint: &Endpoint, name: &str) -> Access {
    match endpoint.method.as_str() {
        "GET" | "HEAD" => Access::Read,
        "DELETE" => Access::Destructive,
        _ => {
            let label = endpoint.label.to_lowercase();
            let destructive_word =
                label.split_whitespace().any(|word| file.access.destructive_label_words.iter().any(|w| w == word));
            if destructive_word || file.access.destructive_tools.iter().any(|t| t == name) {
                Access::Destructive
            } else {
                Access::Write
            }
        }
    }
}

struct Schemas<'a> {
    types: &'a BTreeMap<String, TypeDef>,
}

impl Schemas<'_> {
    /// The JSON schema of a value of this kind: what the argument reader
    /// (`crisp_api::catalog`) accepts for it.
    fn of(&self, kind: &Kind, depth: usize) -> Value {
        match kind {
            Kind::Text => json!({"type": "string"}),
            Kind::Boolean => json!({"type": "boolean"}),
            Kind::Number => json!({"type": "number"}),
            Kind::Integer => json!({"type": "integer"}),
            Kind::Timestamp => json!({"type": "integer", "minimum": 0, "description": "epoch milliseconds"}),
            Kind::Flag => json!({"type": "integer", "enum": [0, 1]}),
            Kind::Map => json!({"type": "object"}),
            Kind::Json => json!({}),
            // An identifier is text on the wire, whatever its Rust newtype.
            Kind::Id { .. } => json!({"type": "string", "minLength": 1}),
            Kind::Enum { values, .. } => json!({"type": "string", "enum": values}),
            Kind::TreePath => json!({"type": "string", "description": "a path in the helpdesk tree; may contain /"}),
            Kind::Page => json!({"type": "integer", "minimum": 1}),
            Kind::List(item) => json!({"type": "array", "items": self.of(item, depth + 1)}),
            Kind::Alias { target, .. } => self.of(target, depth),
            Kind::Model { name } => {
                let fields = &self.types[name].fields;
                if depth < MAX_SCHEMA_DEPTH && !fields.is_empty() {
                    let mut properties = Map::new();
                    for field in fields {
                        properties.insert(field.name.clone(), self.of(&field.kind, depth + 1));
                    }
                    json!({"type": "object", "properties": properties})
                } else {
                    json!({"type": "object"})
                }
            }
        }
    }

    fn fields_object(&self, fields: &[Param], depth: usize) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for field in fields {
            let mut schema = self.of(&field.kind, depth + 1);
            if field.nullable {
                // `null` has a meaning here ("back to the default").
                schema = json!({"anyOf": [schema, {"type": "null"}]});
            }
            properties.insert(field.name.clone(), schema);
            if field.required {
                required.push(field.name.clone());
            }
        }
        let mut object = json!({"type": "object", "properties": properties});
        if !required.is_empty() {
            object["required"] = json!(required);
        }
        object
    }

    /// The JSON schema of an answered value of this kind, as the compact rendering leaves it: fields are
    /// never required (Crisp leaves many out and the rendering drops nulls), enums are plain strings (Crisp
    /// adds values before the spec knows them), texts may be trimmed, and unknown members are allowed.
    fn output_of(&self, kind: &Kind, depth: usize) -> Value {
        match kind {
            Kind::Text | Kind::Id { .. } | Kind::Enum { .. } | Kind::TreePath => json!({"type": "string"}),
            Kind::Boolean => json!({"type": "boolean"}),
            Kind::Number => json!({"type": "number"}),
            Kind::Integer | Kind::Page => json!({"type": "integer"}),
            Kind::Timestamp => json!({"type": "integer", "description": "epoch milliseconds"}),
            Kind::Flag => json!({"type": ["integer", "boolean"]}),
            Kind::Map => json!({"type": "object"}),
            Kind::Json => json!({}),
            Kind::List(item) => json!({"type": "array", "items": self.output_of(item, depth + 1)}),
            Kind::Alias { target, .. } => self.output_of(target, depth),
            Kind::Model { name } => {
                let fields = &self.types[name].fields;
                if depth < MAX_OUTPUT_DEPTH && !fields.is_empty() {
                    let mut properties = Map::new();
                    for field in fields {
                        properties.insert(field.name.clone(), self.output_of(&field.kind, depth + 1));
                    }
                    json!({"type": "object", "properties": properties})
                } else {
                    json!({"type": "object"})
                }
            }
        }
    }

    /// Field names of a returned model, for the description.
    fn field_names(&self, kind: &Kind) -> Vec<String> {
        match kind.unaliased() {
            Kind::Model { name } => self.types[name].fields.iter().map(|f| f.name.clone()).collect(),
            _ => Vec::new(),
        }
    }
}

/// How a tool sends its body, as the runtime sees it: whether it takes a `body` argument, and whether it
/// must be given.
fn body_argument(endpoint: &Endpoint) -> Option<bool> {
    match endpoint.body_shape() {
        BodyShape::None | BodyShape::Empty => None,
        BodyShape::Model(_) => Some(true),
        BodyShape::Fields => Some(endpoint.body.iter().flat_map(|b| &b.fields).any(|f| f.required)),
        BodyShape::Map => Some(false),
    }
}

fn input_schema(schemas: &Schemas<'_>, endpoint: &Endpoint) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for param in &endpoint.path_params {
        if param.kind == Kind::Page {
            properties.insert(
                "cursor".into(),
                json!({"type": "string", "pattern": "^(page:)?[1-9][0-9]*$", "description": "next_cursor of the previous page; omit for the first page"}),
            );
            continue;
        }
        properties.insert(param.name.clone(), schemas.of(&param.kind, 1));
        required.push(param.name.clone());
    }
    for param in &endpoint.query {
        let schema = match &param.kind {
            // A flag argument is a boolean; the reader sends it as `1`/`0`.
            Kind::Flag => json!({"type": "boolean"}),
            Kind::Json => json!({"description": "JSON, sent JSON-encoded"}),
            other => schemas.of(other, 1),
        };
        properties.insert(param.name.clone(), schema);
        if param.required {
            required.push(param.name.clone());
        }
    }
    let schema = match endpoint.body_shape() {
        BodyShape::Model(kind) => Some(schemas.of(kind, 0)),
        BodyShape::Fields => Some(
            schemas
                .fields_object(endpoint.body.iter().flat_map(|b| &b.fields).cloned().collect::<Vec<_>>().as_slice(), 0),
        ),
        BodyShape::Map => Some(json!({"type": "object"})),
        BodyShape::None | BodyShape::Empty => None,
    };
    if let Some(mut schema) = schema {
        schema["description"] = json!("the JSON body of the request");
        properties.insert("body".into(), schema);
        if body_argument(endpoint) == Some(true) {
            required.push("body".into());
        }
    }
    let mut schema = json!({"type": "object", "properties": properties, "additionalProperties": false});
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

/// The `outputSchema` of a read tool: the compact shape the server returns. MCP wants an object at the root,
/// so lists come as `{"items": [..], "next_cursor": "page:N"}`, HEAD as `{"exists": ..}`, and any other
/// answer that is not an object as `{"value": ..}` (the server wraps it the same way).
fn output_schema(schemas: &Schemas<'_>, endpoint: &Endpoint) -> Value {
    let Response::Data(kind) = &endpoint.response_kind else {
        return json!({"type": "object", "properties": {"exists": {"type": "boolean"}}, "required": ["exists"]});
    };
    let list = |item: Value, required: bool| {
        let mut schema = json!({
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": item},
                "next_cursor": {"type": "string", "description": "pass as cursor to read the next page"},
                "truncated": {"type": "string", "description": "set when items were left out to keep the answer short"},
            },
        });
        if required {
            schema["required"] = json!(["items"]);
        }
        schema
    };
    match kind.unaliased() {
        // A paged answer of no declared type is a list when Crisp answers an array, itself otherwise.
        Kind::Json if endpoint.paged => list(json!({}), false),
        Kind::Json => json!({
            "type": "object",
            "description": "Crisp's answer; an answer that is not an object comes as {\"value\": ..}",
        }),
        Kind::List(item) => list(schemas.output_of(item, 1), true),
        Kind::Map => json!({"type": "object"}),
        model @ Kind::Model { .. } => schemas.output_of(model, 0),
        scalar @ (Kind::Text
        | Kind::Integer
        | Kind::Timestamp
        | Kind::Number
        | Kind::Boolean
        | Kind::Flag
        | Kind::Id { .. }
        | Kind::Enum { .. }
        | Kind::TreePath
        | Kind::Page
        | Kind::Alias { .. }) => json!({
            "type": "object",
            "properties": {"value": schemas.output_of(scalar, 1)},
            "required": ["value"],
        }),
    }
}

fn returns(schemas: &Schemas<'_>, endpoint: &Endpoint) -> String {
    let fields = |kind: &Kind| {
        let names = schemas.field_names(kind);
        if names.is_empty() {
            String::new()
        } else {
            let more = if names.len() > RETURNED_FIELDS { ", …" } else { "" };
            format!(" ({}{more})", names.into_iter().take(RETURNED_FIELDS).collect::<Vec<_>>().join(", "))
        }
    };
    // The spec's own spelling of the type, for the model to read.
    let response = endpoint.response.as_str();
    let Response::Data(kind) = &endpoint.response_kind else {
        return "Returns {\"exists\": true|false}.".into();
    };
    match kind {
        Kind::Json if endpoint.paged => {
            "Returns {\"items\": [...], \"next_cursor\": \"page:N\" while more may follow}.".into()
        }
        Kind::Json => "Returns Crisp's answer as compact JSON.".into(),
        Kind::List(item) => {
            let item_name = response.trim_start_matches('[').trim_end_matches(']');
            let cursor = if endpoint.paged { ", \"next_cursor\": \"page:N\" while more may follow" } else { "" };
            format!("Returns {{\"items\": [{item_name}{}]{cursor}}}.", fields(item))
        }
        Kind::Text | Kind::Number | Kind::Integer | Kind::Boolean | Kind::Timestamp => {
            format!("Returns a {response}.")
        }
        Kind::Id { .. }
        | Kind::Enum { .. }
        | Kind::Model { .. }
        | Kind::Alias { .. }
        | Kind::Map
        | Kind::Flag
        | Kind::TreePath
        | Kind::Page => format!("Returns a {response}{}.", fields(kind)),
    }
}

fn description(file: &McpFile, endpoint: &Endpoint, name: &str, access: Access, schemas: &Schemas<'_>) -> String {
    let mut text = match &endpoint.summary {
        Some(summary) => summary.trim().trim_end_matches('.').to_owned(),
        None => format!("{} ({})", endpoint.label, endpoint.group),
    };
    text.push_str(". ");
    if let Some(hint) = file.hints.get(name) {
        text.push_str(hint.trim_end_matches('.'));
        text.push_str(". ");
    }
    match access {
        Access::Read => {}
        Access::Write => text.push_str("Changes data in Crisp. "),
        Access::Destructive => text.push_str(
            "Destructive: removes data, touches many records or cannot be undone; confirm with the user first. ",
        ),
    }
    if endpoint.paged {
        text.push_str("Answers one page; pass next_cursor as cursor to read the next. ");
    }
    text.push_str(&returns(schemas, endpoint));
    text
}

/// One endpoint's tool as the golden tests show it: its name, access, description and pretty input schema.
#[cfg(test)]
pub(crate) fn tool_summary(spec: &Spec, endpoint: &Endpoint) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace");
    let file = load(root).unwrap_or_else(|err| panic!("spec error: {err}"));
    let schemas = Schemas { types: &spec.types };
    let name = tool_name(endpoint);
    let access = access(&file, endpoint, &name);
    let schema = serde_json::to_string_pretty(&input_schema(&schemas, endpoint)).expect("schema serializes");
    let output = match access {
        Access::Read => serde_json::to_string_pretty(&output_schema(&schemas, endpoint)).expect("schema serializes"),
        Access::Write | Access::Destructive => "none (a write)".to_owned(),
    };
    format!(
        "tool: {name}\ntoolset: {}\naccess: {}\ndescription: {}\ninput schema:\n{schema}\noutput schema:\n{output}\n",
        toolset(&file, endpoint),
        match access {
            Access::Read => "read",
            Access::Write => "write",
            Access::Destructive => "destructive",
        },
        description(&file, endpoint, &name, access, &schemas)
    )
}

struct ToolRow {
    name: String,
    toolset: String,
    access: Access,
    default: bool,
    label: String,
}

/// Generates the tool table (`crisp-mcp/src/generated/tools.rs`) and its human-readable list
/// (`crisp-mcp/TOOLS.md`).
pub(crate) fn generate(spec: &Spec) -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace");
    let file = match load(root) {
        Ok(loaded) => loaded,
        Err(err) => panic!("spec error: {err}"),
    };
    let schemas = Schemas { types: &spec.types };
    let mut rows = Vec::new();
    let mut seen = BTreeSet::new();
    let mut out = String::from(
        "// @generated by `cargo xtask codegen` from spec/endpoints.json, spec/types.json and spec/mcp.json. Do not edit.\n\n\
         use crisp_api::catalog;\n\n\
         use crate::catalog::{Access, ToolDef};\n\n\
         /// Every tool, in spec order.\n\
         pub(crate) static TOOLS: &[ToolDef] = &[\n",
    );
    for endpoint in &spec.endpoints {
        let name = tool_name(endpoint);
        if file.hidden.contains_key(&name) {
            continue;
        }
        assert!(seen.insert(name.clone()), "tool name `{name}` is given to two endpoints");
        assert!(
            name.len() <= MAX_TOOL_NAME && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "tool name `{name}` is longer than {MAX_TOOL_NAME} characters or not [A-Za-z0-9_]"
        );
        let toolset = toolset(&file, endpoint);
        let access = access(&file, endpoint, &name);
        let default = file.default.tools.contains(&name)
            || (access == Access::Read && file.default.read_toolsets.contains(&toolset));
        let access_variant = match access {
            Access::Read => "Read",
            Access::Write => "Write",
            Access::Destructive => "Destructive",
        };
        let schema = serde_json::to_string(&input_schema(&schemas, endpoint)).expect("schema serializes");
        let description = description(&file, endpoint, &name, access, &schemas);
        // Reads publish what they return; a write's answer is an acknowledgement, left as text.
        let output_schema = match access {
            Access::Read => {
                let schema = serde_json::to_string(&output_schema(&schemas, endpoint)).expect("schema serializes");
                format!("Some({schema:?})")
            }
            Access::Write | Access::Destructive => "None".to_owned(),
        };
        let _ = writeln!(
            out,
            "ToolDef {{ name: {name:?}, endpoint: &catalog::{service}::{endpoint_static}, toolset: {toolset:?}, \
             access: Access::{access_variant}, default: {default}, \
             description: {description:?}, input_schema: {schema:?}, output_schema: {output_schema} }},",
            service = endpoint.service,
            endpoint_static = crate::catalog::static_name(endpoint),
        );
        rows.push(ToolRow { name, toolset, access, default, label: endpoint.label.clone() });
    }
    out.push_str(
        "];\n\n/// Toolsets and what they hold, in display order.\npub(crate) static TOOLSETS: &[(&str, &str)] = &[\n",
    );
    let toolsets: BTreeSet<&str> = rows.iter().map(|r| r.toolset.as_str()).collect();
    for toolset in &toolsets {
        let about = file
            .toolsets
            .descriptions
            .get(*toolset)
            .cloned()
            .unwrap_or_else(|| format!("Endpoints of the {toolset} section"));
        let _ = writeln!(out, "({toolset:?}, {about:?}),");
    }
    out.push_str("];\n");
    for name in &file.default.tools {
        assert!(
            rows.iter().any(|r| &r.name == name) || file.hidden.contains_key(name),
            "default tool `{name}` is no tool"
        );
    }
    vec![
        (
            PathBuf::from("crisp-mcp/src/generated/mod.rs"),
            "// @generated by `cargo xtask codegen`. Do not edit.\n\npub(crate) mod tools;\n".into(),
        ),
        (PathBuf::from("crisp-mcp/src/generated/tools.rs"), out),
        (PathBuf::from("crisp-mcp/TOOLS.md"), tools_markdown(&file, &rows, &toolsets)),
    ]
}

fn tools_markdown(file: &McpFile, rows: &[ToolRow], toolsets: &BTreeSet<&str>) -> String {
    let mut md = String::from(
        "<!-- @generated by `cargo xtask codegen` from spec/. Do not edit. -->\n\n# MCP tools\n\n\
         Every endpoint of the spec is one tool. Reads are always available; writes need `--allow-writes`; \
         destructive writes also need `--allow-destructive`. Every read publishes an `outputSchema` (the compact \
         shape it returns: lists as `{\"items\", \"next_cursor\"}`, HEAD as `{\"exists\"}`, other non-objects as \
         `{\"value\"}`) and answers `structuredContent` beside the text. The workflow tools (awaiting reply, \
         conversation context, people by email, …), resources and prompts are described in the README.\n\n| toolset | tools | reads | writes | destructive | in the default set |\n|---|---|---|---|---|---|\n",
    );
    for toolset in toolsets {
        let of: Vec<&ToolRow> = rows.iter().filter(|r| r.toolset == *toolset).collect();
        let count = |a: Access| of.iter().filter(|r| r.access == a).count();
        let _ = writeln!(
            md,
            "| `{toolset}` | {} | {} | {} | {} | {} |",
            of.len(),
            count(Access::Read),
            count(Access::Write),
            count(Access::Destructive),
            of.iter().filter(|r| r.default).count()
        );
    }
    let _ = writeln!(md, "| all | {} | | | | {} |\n", rows.len(), rows.iter().filter(|r| r.default).count());
    let _ = writeln!(md, "Not exposed:\n");
    for (name, why) in &file.hidden {
        let _ = writeln!(md, "- `{name}`: {why}.");
    }
    for toolset in toolsets {
        let about = file.toolsets.descriptions.get(*toolset).map_or("", String::as_str);
        let _ = writeln!(
            md,
            "\n## `{toolset}`\n\n{about}\n\n| tool | reference label | access | default |\n|---|---|---|---|"
        );
        for row in rows.iter().filter(|r| r.toolset == *toolset) {
            let access = match row.access {
                Access::Read => "read",
                Access::Write => "write",
                Access::Destructive => "destructive",
            };
            let _ = writeln!(
                md,
                "| `{}` | {} | {access} | {} |",
                row.name,
                row.label,
                if row.default { "yes" } else { "" }
            );
        }
    }
    md
}
