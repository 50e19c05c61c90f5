//! The shape of the generated endpoint table (`generated/endpoints.rs`).

/// One endpoint as the command line exposes it.
#[derive(Debug)]
pub struct EndpointSpec {
    /// `website`, `plugin`, `plan`, `media` or `bucket`: the command group.
    pub service: &'static str,
    /// The subcommand name: the client method name in kebab case.
    pub command: &'static str,
    /// The reference label, e.g. `List Conversations`.
    pub label: &'static str,
    /// A one-line description, or empty when the spec has none.
    pub summary: &'static str,
    /// The reference section, e.g. `Website Conversation`.
    pub group: &'static str,
    /// The reference URL of the entry.
    pub reference: &'static str,
    pub method: &'static str,
    /// The route template relative to `/v1/`.
    pub route: &'static str,
    pub path_params: &'static [PathParam],
    pub query: &'static [QueryParam],
    pub body: BodyKind,
    /// What the body holds, for the help text.
    pub body_hint: &'static str,
    pub response: ResponseKind,
    /// Whether the request may be retried automatically.
    pub idempotent: bool,
    /// Whether the path carries a 1-based `page_number`.
    pub paged: bool,
    /// The token tiers the reference documents (empty: not documented).
    pub tiers: &'static [&'static str],
}

impl EndpointSpec {
    /// The help line: the summary, or the label when the spec has none.
    pub fn about(&self) -> &'static str {
        if self.summary.is_empty() { self.label } else { self.summary }
    }

    /// Whether `--all` applies: a paged list.
    pub fn walks_pages(&self) -> bool {
        self.paged && self.response == ResponseKind::List
    }
}

/// A path parameter.
#[derive(Debug)]
pub struct PathParam {
    pub name: &'static str,
    /// The spec type: `string`, `integer`, `tree_path` or an enum model.
    pub ty: &'static str,
    /// A helpdesk tree path: may span several segments.
    pub many: bool,
    /// The accepted values when the type is an enum model (others are still sent).
    pub values: &'static [&'static str],
}

/// A query parameter.
#[derive(Debug)]
pub struct QueryParam {
    pub name: &'static str,
    pub kind: QueryKind,
    pub required: bool,
}

/// How a query parameter is typed and sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    Text,
    Integer,
    /// Epoch milliseconds.
    Timestamp,
    /// Sent `1`/`0`; a bare `--name` means `1`.
    Flag,
    /// Sent JSON-encoded.
    Json,
}

/// What the request body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    None,
    /// The reference sends `{}` when nothing is given.
    Empty,
    /// An object: a model or a free-form map.
    Object,
    /// An object with named members, some required.
    Fields {
        required: &'static [&'static str],
    },
}

/// What the answer's `data` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    /// A list (paged when the endpoint is).
    List,
    /// A HEAD check: exists or not.
    Exists,
    Other,
}
