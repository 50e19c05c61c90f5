//! The spec as the generators read it: the files' shapes, and the one
//! reading of their type expressions. `load` resolves every
//! expression (`"string"`, `"[Model]"`, `"SessionId"`…) once into a [`Kind`];
//! the backends (`rust`, `cli`, `mcp`, `catalog`) match on it, exhaustively,
//! so a kind one of them forgets is a compile error rather than a silent
//! fall-through to "object".

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use crate::names::pascal;

/// How many alias hops a type may take before it is called a loop.
const MAX_ALIAS_HOPS: usize = 8;

/// What a value of the spec is, resolved.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Kind {
    /// `string`: text.
    Text,
    /// `integer`: a signed 64-bit integer.
    Integer,
    /// `timestamp`: epoch milliseconds.
    Timestamp,
    /// `number`: a real fraction.
    Number,
    /// `boolean`: `true` or `false` in JSON.
    Boolean,
    /// `flag`: `0` or `1` (a query parameter sends `1`/`0`).
    Flag,
    /// `json`: any JSON. Also what an unset kind reads as, before `load` resolves it.
    #[default]
    Json,
    /// `map`: a JSON object of any members.
    Map,
    /// An identifier model (`WebsiteId`): text on the wire, a newtype in Rust.
    Id { name: String },
    /// An enum model with its wire values.
    Enum { name: String, values: Vec<String> },
    /// `tree_path`: a helpdesk path that may span several segments.
    TreePath,
    /// The 1-based page number of a paged route.
    Page,
    /// `[T]`.
    List(Box<Kind>),
    /// An object model.
    Model { name: String },
    /// An alias model: its own name, and the kind it stands for.
    Alias { name: String, target: Box<Kind> },
}

impl Kind {
    /// Resolves a type expression against the models of `types.json`.
    pub fn resolve(types: &BTreeMap<String, TypeDef>, ty: &str) -> Result<Kind, String> {
        Self::resolve_in(types, ty, 0)
    }

    fn resolve_in(types: &BTreeMap<String, TypeDef>, ty: &str, hops: usize) -> Result<Kind, String> {
        if let Some(inner) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            return Ok(Kind::List(Box::new(Self::resolve_in(types, inner, hops)?)));
        }
        Ok(match ty {
            "string" => Kind::Text,
            "integer" => Kind::Integer,
            "timestamp" => Kind::Timestamp,
            "number" => Kind::Number,
            "boolean" => Kind::Boolean,
            "flag" => Kind::Flag,
            "json" => Kind::Json,
            "map" => Kind::Map,
            "tree_path" => Kind::TreePath,
            name => {
                let def = types.get(name).ok_or_else(|| format!("unknown type `{name}`"))?;
                match def.kind.as_str() {
                    "id" => Kind::Id { name: name.to_owned() },
                    "enum" => Kind::Enum { name: name.to_owned(), values: def.values.clone() },
                    "object" => Kind::Model { name: name.to_owned() },
                    "alias" if hops < MAX_ALIAS_HOPS => {
                        let target = def.target.as_deref().ok_or_else(|| format!("alias `{name}` has no target"))?;
                        Kind::Alias {
                            name: name.to_owned(),
                            target: Box::new(Self::resolve_in(types, target, hops + 1)?),
                        }
                    }
                    "alias" => return Err(format!("alias `{name}` loops")),
                    other => return Err(format!("type `{name}` has unknown kind `{other}`")),
                }
            }
        })
    }

    /// The kind an alias stands for (aliases followed to the end); any other kind itself.
    pub fn unaliased(&self) -> &Kind {
        match self {
            Kind::Alias { target, .. } => target.unaliased(),
            other => other,
        }
    }

    /// The item kind of a list.
    pub fn list_item(&self) -> Option<&Kind> {
        match self {
            Kind::List(item) => Some(item),
            _ => None,
        }
    }

    /// The model named by this kind, if it names one (an id, enum, object or alias).
    pub fn model_name(&self) -> Option<&str> {
        match self {
            Kind::Id { name } | Kind::Enum { name, .. } | Kind::Model { name } | Kind::Alias { name, .. } => Some(name),
            Kind::Text
            | Kind::Integer
            | Kind::Timestamp
            | Kind::Number
            | Kind::Boolean
            | Kind::Flag
            | Kind::Json
            | Kind::Map
            | Kind::TreePath
            | Kind::Page
            | Kind::List(_) => None,
        }
    }
}

/// What an endpoint answers.
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    /// HEAD: whether the resource exists (200 or 404).
    Exists,
    /// The envelope's `data`, of this kind (`json` when the spec declares none).
    Data(Kind),
}

impl Default for Response {
    fn default() -> Self {
        Response::Data(Kind::Json)
    }
}

impl Response {
    pub fn resolve(types: &BTreeMap<String, TypeDef>, ty: &str) -> Result<Response, String> {
        Ok(match ty {
            "exists" => Response::Exists,
            other => Response::Data(Kind::resolve(types, other)?),
        })
    }

    /// The item kind when the answer is a list.
    pub fn list_item(&self) -> Option<&Kind> {
        match self {
            Response::Data(kind) => kind.list_item(),
            Response::Exists => None,
        }
    }
}

/// What a request body is.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum BodyShape {
    /// No body.
    #[default]
    None,
    /// `{}`.
    Empty,
    /// A free-form object.
    Map,
    /// A model, sent whole.
    Model(Kind),
    /// Named members, each with its own kind.
    Fields,
}

impl BodyShape {
    pub fn resolve(types: &BTreeMap<String, TypeDef>, kind: &str, ty: Option<&str>) -> Result<BodyShape, String> {
        Ok(match kind {
            "empty" => BodyShape::Empty,
            "map" => BodyShape::Map,
            "fields" => BodyShape::Fields,
            "type" => BodyShape::Model(Kind::resolve(types, ty.ok_or("a `type` body names no type")?)?),
            other => return Err(format!("unknown body kind `{other}`")),
        })
    }
}

/// Whether a request with this method may be retried automatically: the
/// methods HTTP calls idempotent.
pub fn idempotent_method(method: &str) -> Result<bool, String> {
    match method {
        "GET" | "HEAD" | "PUT" | "DELETE" => Ok(true),
        "POST" | "PATCH" => Ok(false),
        other => Err(format!("unknown method `{other}`")),
    }
}

/// Whether a route is paged by number: it carries a `{page_number}`.
pub fn paged_route(path: &str) -> bool {
    path.contains("{page_number}")
}

#[derive(Deserialize)]
pub(crate) struct EndpointFile {
    pub(crate) reference: String,
    pub(crate) endpoints: Vec<Endpoint>,
}

#[derive(Deserialize, Clone)]
pub(crate) struct Endpoint {
    pub(crate) label: String,
    /// One line for humans: what the endpoint does (falls back to the label).
    #[serde(default)]
    pub(crate) summary: Option<String>,
    pub(crate) name: String,
    pub(crate) service: String,
    pub(crate) group: String,
    pub(crate) anchor: String,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) path_params: Vec<Param>,
    pub(crate) query: Vec<Param>,
    pub(crate) body: Option<Body>,
    pub(crate) response: String,
    /// `response`, resolved.
    #[serde(skip)]
    pub(crate) response_kind: Response,
    /// Derived from the method; `load` refuses a spec that says otherwise.
    pub(crate) idempotent: bool,
    /// Derived from the route (`{page_number}`); `load` refuses a spec that says otherwise.
    pub(crate) paged: bool,
    /// A list paged by a timestamp cursor instead of a page number.
    #[serde(default)]
    pub(crate) cursor: Option<Cursor>,
    pub(crate) tiers: Vec<String>,
}

impl Endpoint {
    /// What the body is (`BodyShape::None` without one).
    pub(crate) fn body_shape(&self) -> &BodyShape {
        self.body.as_ref().map_or(&BodyShape::None, |body| &body.shape)
    }
}

/// The query parameter that asks for older items, and the item field whose
/// oldest value feeds it.
#[derive(Deserialize, Clone)]
pub(crate) struct Cursor {
    pub(crate) query: String,
    pub(crate) field: String,
}

#[derive(Deserialize, Clone)]
pub(crate) struct Param {
    pub(crate) name: String,
    #[serde(rename = "type")]
    pub(crate) ty: String,
    /// `ty`, resolved by `load`.
    #[serde(skip)]
    pub(crate) kind: Kind,
    #[serde(default)]
    pub(crate) required: bool,
    /// `null` has a meaning on the wire (e.g. "back to the default").
    #[serde(default)]
    pub(crate) nullable: bool,
    #[serde(default)]
    pub(crate) doc: Option<String>,
}

#[derive(Deserialize, Clone)]
pub(crate) struct Body {
    pub(crate) kind: String,
    #[serde(rename = "type")]
    pub(crate) ty: Option<String>,
    /// `kind` and `ty`, resolved by `load`.
    #[serde(skip)]
    pub(crate) shape: BodyShape,
    #[serde(default)]
    pub(crate) fields: Vec<Param>,
    /// For a `type` body: the members Crisp refuses the request without.
    #[serde(default)]
    pub(crate) required: Vec<String>,
}

#[derive(Deserialize, Clone)]
pub(crate) struct TypeDef {
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) fields: Vec<Field>,
    #[serde(default)]
    pub(crate) values: Vec<String>,
    pub(crate) target: Option<String>,
    #[serde(default)]
    pub(crate) merged_from: Vec<String>,
    #[serde(default)]
    pub(crate) doc: Option<String>,
    /// One line per enum value.
    #[serde(default)]
    pub(crate) value_docs: BTreeMap<String, String>,
}

#[derive(Deserialize, Clone)]
pub(crate) struct Field {
    pub(crate) name: String,
    #[serde(rename = "type")]
    pub(crate) ty: String,
    /// `ty`, resolved by `load`.
    #[serde(skip)]
    pub(crate) kind: Kind,
    #[serde(default)]
    pub(crate) aliases: Vec<String>,
    /// Present in every answer (and every body Crisp accepts).
    #[serde(default)]
    pub(crate) required: bool,
    #[serde(default)]
    pub(crate) nullable: bool,
    #[serde(default)]
    pub(crate) doc: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct EventFile {
    pub(crate) message_content: Vec<MessageContentKind>,
    pub(crate) events: Vec<EventDef>,
}

#[derive(Deserialize, Clone)]
pub(crate) struct MessageContentKind {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) content: String,
}

#[derive(Deserialize, Clone)]
pub(crate) struct EventDef {
    pub(crate) name: String,
    pub(crate) label: String,
    pub(crate) group: String,
    pub(crate) payload: String,
}

pub(crate) struct Spec {
    pub(crate) reference: String,
    pub(crate) endpoints: Vec<Endpoint>,
    pub(crate) types: BTreeMap<String, TypeDef>,
    pub(crate) events: Vec<EventDef>,
    pub(crate) message_content: Vec<MessageContentKind>,
}

pub(crate) const SERVICES: [&str; 5] = ["website", "plugin", "plan", "media", "bucket"];

pub(crate) fn load(root: &Path) -> Result<Spec, String> {
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
        if !names.insert(pascal(&event.name)) {
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
pub(crate) fn resolve(endpoints: &mut [Endpoint], types: &mut BTreeMap<String, TypeDef>) -> Result<(), String> {
    let snapshot = types.clone();
    for (name, def) in types.iter_mut() {
        for field in &mut def.fields {
            field.kind =
                Kind::resolve(&snapshot, &field.ty).map_err(|e| format!("model `{name}`.{}: {e}", field.name))?;
        }
    }
    for endpoint in endpoints {
        let at = |what: &str, e: String| format!("endpoint `{}.{}` {what}: {e}", endpoint.service, endpoint.name);
        let idempotent = idempotent_method(&endpoint.method).map_err(|e| at("method", e))?;
        if endpoint.idempotent != idempotent {
            return Err(at(
                "idempotent",
                format!("is {}, but {} means {idempotent}", endpoint.idempotent, endpoint.method),
            ));
        }
        let paged = paged_route(&endpoint.path);
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
