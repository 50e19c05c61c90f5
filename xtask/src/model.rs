//! The one reading of the spec's type expressions. `load` resolves every
//! expression (`"string"`, `"[Model]"`, `"SessionId"`…) once into a [`Kind`];
//! the backends (`rust`, `cli`, `mcp`, `catalog`) match on it, exhaustively,
//! so a kind one of them forgets is a compile error rather than a silent
//! fall-through to "object".

use std::collections::BTreeMap;

use crate::TypeDef;

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
