//! The shape of the generated endpoint table (`generated/endpoints.rs`): each entry is an endpoint of
//! `crisp_api::catalog` with what only the command line needs.

use crisp_api::catalog::Endpoint;

/// One endpoint as the command line exposes it.
#[derive(Debug)]
pub struct EndpointSpec {
    /// The endpoint: route, parameters and their kinds, body, answer, paging.
    pub endpoint: &'static Endpoint,
    /// The subcommand name: the client method name in kebab case.
    pub command: &'static str,
    /// What the body holds, for the help text (empty without a body).
    pub body_hint: &'static str,
}

impl EndpointSpec {
    /// The help line: the summary, or the label when the spec has none.
    pub fn about(&self) -> &'static str {
        if self.endpoint.summary.is_empty() { self.endpoint.label } else { self.endpoint.summary }
    }

    /// Whether `--all` applies: a list paged by number.
    pub fn walks_pages(&self) -> bool {
        self.endpoint.paging == crisp_api::catalog::Paging::Page
            && matches!(self.endpoint.response, crisp_api::catalog::Response::Data(crisp_api::catalog::Kind::List(_)))
    }
}
