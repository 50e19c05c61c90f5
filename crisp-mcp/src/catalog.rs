//! The shapes of the generated tool table (`generated/tools.rs`): what the server adds to each endpoint of
//! `crisp_api::catalog` to list it as a tool.

use crisp_api::catalog::Endpoint;

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

/// One generated tool: one endpoint of the spec.
#[derive(Debug)]
pub(crate) struct ToolDef {
    pub(crate) name: &'static str,
    /// The endpoint it calls: route, parameters and their kinds, paging.
    pub(crate) endpoint: &'static Endpoint,
    pub(crate) toolset: &'static str,
    pub(crate) access: Access,
    pub(crate) default: bool,
    pub(crate) description: &'static str,
    /// The input JSON schema, serialized: the endpoint's parameters as the argument reader accepts them.
    pub(crate) input_schema: &'static str,
    /// The output JSON schema of a read, serialized: the compact shape its results take.
    pub(crate) output_schema: Option<&'static str>,
}

impl ToolDef {
    /// The reference label, shown as the tool's title.
    pub(crate) fn title(&self) -> &'static str {
        self.endpoint.label
    }

    /// Whether a retry may apply the call twice without harm.
    pub(crate) fn idempotent(&self) -> bool {
        self.endpoint.idempotent
    }
}
