//! The shapes of the generated tool table (`generated/tools.rs`): what the runtime needs to know about each
//! endpoint to list it as a tool and to turn a tool call into a request.

/// What a tool may do, which decides whether a server exposes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Access {
    /// GET and HEAD: always available.
    Read,
    /// Changes data: needs `allow_writes`.
    Write,
    /// Deletes data, touches many records at once or cannot be undone: needs `allow_writes` and
    /// `allow_destructive`.
    Destructive,
}

/// One placeholder of the route, in order.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PathParam {
    /// A value that stays one path segment, read from the argument of that name.
    One(&'static str),
    /// A helpdesk tree path: may span several segments.
    Many(&'static str),
    /// The 1-based page number, read from the `cursor` argument.
    Page,
}

/// How a query parameter is sent.
#[derive(Debug, Clone, Copy)]
pub(crate) enum QueryKind {
    Text,
    Integer,
    /// A boolean argument, sent `1` or `0`.
    Flag,
    /// Any JSON, sent JSON-encoded.
    Json,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct QueryParam {
    pub(crate) name: &'static str,
    pub(crate) kind: QueryKind,
}

/// How a tool sends its body.
#[derive(Debug, Clone, Copy)]
pub(crate) enum BodyKind {
    None,
    /// Crisp expects `{}`.
    Empty,
    /// The `body` argument, an object; `{}` when it is optional and missing.
    Object {
        required: bool,
    },
}

/// How the answer is shaped for the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseKind {
    /// HEAD: `{"exists": bool}`.
    Exists,
    /// A list: `{"items": [...]}`, with `next_cursor` on paged tools.
    List,
    /// Anything else, as Crisp sends it.
    Value,
}

/// One generated tool: one endpoint of the spec.
#[derive(Debug)]
pub(crate) struct ToolDef {
    pub(crate) name: &'static str,
    pub(crate) title: &'static str,
    pub(crate) toolset: &'static str,
    pub(crate) method: &'static str,
    pub(crate) route: &'static str,
    pub(crate) path_params: &'static [PathParam],
    pub(crate) query: &'static [QueryParam],
    pub(crate) body: BodyKind,
    pub(crate) response: ResponseKind,
    pub(crate) access: Access,
    pub(crate) idempotent: bool,
    pub(crate) default: bool,
    pub(crate) description: &'static str,
    /// The input JSON schema, serialized.
    pub(crate) input_schema: &'static str,
}

impl ToolDef {
    pub(crate) fn paged(&self) -> bool {
        self.path_params.iter().any(|p| matches!(p, PathParam::Page))
    }
}
