//! `cargo xtask codegen [--check]`: regenerates everything derived from
//! `spec/` — the client's endpoint builders and models, the runtime endpoint
//! catalog, the mock's route table, the CLI's and the MCP server's tables,
//! the endpoint-coverage test calls and the endpoint table in the docs.
//! With `--check` it writes nothing and fails when a generated file is stale.
//!
//! The spec is read once: `load` resolves every type expression into a
//! [`model::Kind`] and checks what the method and the route decide
//! (`idempotent`, `paged`); each backend renders from the kinds.
//! `cargo test -p xtask` compares what the backends render for a few
//! endpoints with `xtask/tests/golden/` (`UPDATE_GOLDEN=1` rewrites them).

mod catalog;
mod cli;
mod mcp;
mod model;
mod rust;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use serde::Deserialize;

use crate::model::{BodyShape, Kind, Response};

#[derive(Deserialize)]
struct EndpointFile {
    reference: String,
    endpoints: Vec<Endpoint>,
}

#[derive(Deserialize, Clone)]
struct Endpoint {
    label: String,
    /// One line for humans: what the endpoint does (falls back to the label).
    #[serde(default)]
    summary: Option<String>,
    name: String,
    service: String,
    group: String,
    anchor: String,
    method: String,
    path: String,
    path_params: Vec<Param>,
    query: Vec<Param>,
    body: Option<Body>,
    response: String,
    /// `response`, resolved.
    #[serde(skip)]
    response_kind: Response,
    /// Derived from the method; `load` refuses a spec that says otherwise.
    idempotent: bool,
    /// Derived from the route (`{page_number}`); `load` refuses a spec that says otherwise.
    paged: bool,
    /// A list paged by a timestamp cursor instead of a page number.
    #[serde(default)]
    cursor: Option<Cursor>,
    tiers: Vec<String>,
}

impl Endpoint {
    /// What the body is (`BodyShape::None` without one).
    fn body_shape(&self) -> &BodyShape {
        self.body.as_ref().map_or(&BodyShape::None, |body| &body.shape)
    }
}

/// The query parameter that asks for older items, and the item field whose
/// oldest value feeds it.
#[derive(Deserialize, Clone)]
struct Cursor {
    query: String,
    field: String,
}

#[derive(Deserialize, Clone)]
struct Param {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    /// `ty`, resolved by `load`.
    #[serde(skip)]
    kind: Kind,
    #[serde(default)]
    required: bool,
    /// `null` has a meaning on the wire (e.g. "back to the default").
    #[serde(default)]
    nullable: bool,
    #[serde(default)]
    doc: Option<String>,
}

#[derive(Deserialize, Clone)]
struct Body {
    kind: String,
    #[serde(rename = "type")]
    ty: Option<String>,
    /// `kind` and `ty`, resolved by `load`.
    #[serde(skip)]
    shape: BodyShape,
    #[serde(default)]
    fields: Vec<Param>,
}

#[derive(Deserialize, Clone)]
struct TypeDef {
    kind: String,
    #[serde(default)]
    fields: Vec<Field>,
    #[serde(default)]
    values: Vec<String>,
    target: Option<String>,
    #[serde(default)]
    merged_from: Vec<String>,
    #[serde(default)]
    doc: Option<String>,
    /// One line per enum value.
    #[serde(default)]
    value_docs: BTreeMap<String, String>,
}

#[derive(Deserialize, Clone)]
struct Field {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    /// `ty`, resolved by `load`.
    #[serde(skip)]
    kind: Kind,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    nullable: bool,
    #[serde(default)]
    doc: Option<String>,
}

#[derive(Deserialize)]
struct EventFile {
    message_content: Vec<MessageContentKind>,
    events: Vec<EventDef>,
}

#[derive(Deserialize, Clone)]
struct MessageContentKind {
    #[serde(rename = "type")]
    kind: String,
    content: String,
}

#[derive(Deserialize, Clone)]
struct EventDef {
    name: String,
    label: String,
    group: String,
    payload: String,
}

struct Spec {
    reference: String,
    endpoints: Vec<Endpoint>,
    types: BTreeMap<String, TypeDef>,
    events: Vec<EventDef>,
    message_content: Vec<MessageContentKind>,
}

const SERVICES: [&str; 5] = ["website", "plugin", "plan", "media", "bucket"];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    if args.first().map(String::as_str) != Some("codegen") {
        eprintln!("usage: cargo xtask codegen [--check]");
        return ExitCode::from(2);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace").to_path_buf();
    let spec = match load(&root) {
        Ok(spec) => spec,
        Err(err) => {
            eprintln!("spec error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut files = generate(&spec);
    files.extend(cli::files(&spec));
    match mock_event_shapes(&root) {
        Ok(file) => files.push(file),
        Err(err) => {
            eprintln!("spec error: {err}");
            return ExitCode::FAILURE;
        }
    }
    let mut stale = Vec::new();
    for (relative, content) in &files {
        let path = root.join(relative);
        let content =
            if relative.extension().is_some_and(|e| e == "rs") { rustfmt(&root, content) } else { content.clone() };
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != content {
            stale.push(relative.display().to_string());
            if !check {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).expect("create output folder");
                }
                std::fs::write(&path, content).expect("write generated file");
            }
        }
    }
    if check && !stale.is_empty() {
        eprintln!("generated files are stale; run `cargo xtask codegen`:\n  {}", stale.join("\n  "));
        return ExitCode::FAILURE;
    }
    println!("{} generated files, {} {}", files.len(), stale.len(), if check { "stale" } else { "updated" });
    ExitCode::SUCCESS
}

fn load(root: &Path) -> Result<Spec, String> {
    let read = |name: &str| std::fs::read_to_string(root.join("spec").join(name)).map_err(|e| format!("{name}: {e}"));
    let file: EndpointFile =
        serde_json::from_str(&read("endpoints.json")?).map_err(|e| format!("endpoints.json: {e}"))?;
    let mut types: BTreeMap<String, TypeDef> =
        serde_json::from_str(&read("types.json")?).map_err(|e| format!("types.json: {e}"))?;
    let mut file = file;
    resolve(&mut file.endpoints, &mut types)?;
    let mut seen = BTreeSet::new();
    for endpoint in &file.endpoints {
        if !seen.insert((endpoint.service.clone(), endpoint.name.clone())) {
            return Err(format!("endpoint `{}` appears twice in service `{}`", endpoint.name, endpoint.service));
        }
        if !SERVICES.contains(&endpoint.service.as_str()) {
            return Err(format!("endpoint `{}` has unknown service `{}`", endpoint.name, endpoint.service));
        }
    }
    let events: EventFile = serde_json::from_str(&read("events.json")?).map_err(|e| format!("events.json: {e}"))?;
    for ty in events.events.iter().map(|e| &e.payload).chain(events.message_content.iter().map(|m| &m.content)) {
        Kind::resolve(&types, ty).map_err(|e| format!("events.json: {e}"))?;
    }
    let mut names = BTreeSet::new();
    for event in &events.events {
        if !names.insert(rust::pascal(&event.name)) {
            return Err(format!("event `{}` gives a variant name another event has", event.name));
        }
    }
    Ok(Spec {
        reference: file.reference,
        endpoints: file.endpoints,
        types,
        events: events.events,
        message_content: events.message_content,
    })
}

/// Resolves every type expression of the spec into its [`Kind`], and checks
/// what the spec states but the method and the route decide (`idempotent`,
/// `paged`): a mismatch is an error, not a choice.
fn resolve(endpoints: &mut [Endpoint], types: &mut BTreeMap<String, TypeDef>) -> Result<(), String> {
    let snapshot = types.clone();
    for (name, def) in types.iter_mut() {
        for field in &mut def.fields {
            field.kind =
                Kind::resolve(&snapshot, &field.ty).map_err(|e| format!("model `{name}`.{}: {e}", field.name))?;
        }
    }
    for endpoint in endpoints {
        let at = |what: &str, e: String| format!("endpoint `{}.{}` {what}: {e}", endpoint.service, endpoint.name);
        let idempotent = model::idempotent_method(&endpoint.method).map_err(|e| at("method", e))?;
        if endpoint.idempotent != idempotent {
            return Err(at(
                "idempotent",
                format!("is {}, but {} means {idempotent}", endpoint.idempotent, endpoint.method),
            ));
        }
        let paged = model::paged_route(&endpoint.path);
        if endpoint.paged != paged {
            return Err(at("paged", format!("is {}, but the route `{}` means {paged}", endpoint.paged, endpoint.path)));
        }
        endpoint.response_kind = Response::resolve(&snapshot, &endpoint.response).map_err(|e| at("response", e))?;
        for param in &mut endpoint.path_params {
            param.kind = match (param.name.as_str(), param.ty.as_str()) {
                ("page_number", "integer") if paged => Kind::Page,
                (_, ty) => Kind::resolve(&snapshot, ty)
                    .map_err(|e| format!("endpoint `{}` path {}: {e}", endpoint.name, param.name))?,
            };
        }
        let placeholders = endpoint.path.matches('{').count();
        if placeholders != endpoint.path_params.len()
            || endpoint.path_params.iter().any(|p| !endpoint.path.contains(&format!("{{{}}}", p.name)))
        {
            return Err(format!(
                "endpoint `{}`: the path parameters do not match the route's placeholders",
                endpoint.name
            ));
        }
        for param in &mut endpoint.query {
            param.kind = Kind::resolve(&snapshot, &param.ty)
                .map_err(|e| format!("endpoint `{}` query {}: {e}", endpoint.name, param.name))?;
        }
        if let Some(body) = &mut endpoint.body {
            body.shape = BodyShape::resolve(&snapshot, &body.kind, body.ty.as_deref())
                .map_err(|e| format!("endpoint `{}` body: {e}", endpoint.name))?;
            for field in &mut body.fields {
                field.kind = Kind::resolve(&snapshot, &field.ty)
                    .map_err(|e| format!("endpoint `{}` body {}: {e}", endpoint.name, field.name))?;
            }
        }
    }
    Ok(())
}

/// The events and models the simulator builds `POST /mock/trigger` payloads
/// from, embedded as compact JSON (docs left out): the packaged crate cannot
/// reach `spec/`.
fn mock_event_shapes(root: &Path) -> Result<(PathBuf, String), String> {
    fn strip_docs(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.retain(|key, _| !matches!(key.as_str(), "doc" | "value_docs" | "summary" | "notes"));
                map.values_mut().for_each(strip_docs);
            }
            serde_json::Value::Array(list) => list.iter_mut().for_each(strip_docs),
            _ => {}
        }
    }
    let mut constants = String::new();
    for (name, file) in [("EVENTS_JSON", "events.json"), ("TYPES_JSON", "types.json")] {
        let text = std::fs::read_to_string(root.join("spec").join(file)).map_err(|e| format!("{file}: {e}"))?;
        let mut value: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{file}: {e}"))?;
        strip_docs(&mut value);
        let json = value.to_string();
        if json.contains("\"###") {
            return Err(format!("{file} holds `\"###`, which the generated raw string cannot"));
        }
        constants
            .push_str(&format!("/// `spec/{file}`, compact.\npub(crate) const {name}: &str = r###\"{json}\"###;\n\n"));
    }
    let source = format!(
        "// @generated by `cargo xtask codegen` from spec/. Do not edit: change the spec and regenerate.\n\n{}",
        constants.trim_end()
    ) + "\n";
    Ok((PathBuf::from("crisp-mock/src/generated/event_shapes.rs"), source))
}

fn rustfmt(root: &Path, source: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--config-path"])
        .arg(root.join("rustfmt.toml"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("rustfmt is installed");
    child.stdin.take().expect("stdin").write_all(source.as_bytes()).expect("feed rustfmt");
    let output = child.wait_with_output().expect("rustfmt runs");
    if !output.status.success() {
        panic!("rustfmt rejected generated code:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    String::from_utf8(output.stdout).expect("utf-8")
}

fn generate(spec: &Spec) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let gen_dir = PathBuf::from("crisp-api/src/generated");
    files.push((gen_dir.join("mod.rs"), rust::module_index()));
    files.push((gen_dir.join("models.rs"), rust::models(spec)));
    files.push((gen_dir.join("events.rs"), rust::events(spec)));
    for service in SERVICES {
        let endpoints: Vec<&Endpoint> = spec.endpoints.iter().filter(|e| e.service == service).collect();
        files.push((gen_dir.join(format!("{service}.rs")), rust::service(spec, service, &endpoints)));
    }
    files.push((PathBuf::from("crisp-mock/src/generated/routes.rs"), rust::mock_routes(spec)));
    files.push((PathBuf::from("crisp-api/tests/generated/calls.rs"), rust::test_calls(spec)));
    files.push((PathBuf::from("crisp-api/tests/generated/future_answers.rs"), rust::future_answers(spec)));
    files.push((PathBuf::from("crisp-api/tests/generated/event_samples.rs"), rust::event_samples(spec)));
    files.push((PathBuf::from("crisp-api/tests/generated/model_samples.rs"), rust::model_samples(spec)));
    files.push((PathBuf::from("docs/endpoints.md"), rust::endpoint_table(spec)));
    files.extend(catalog::files(spec));
    files.extend(mcp::generate(spec));
    files
}
