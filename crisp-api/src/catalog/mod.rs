//! Every endpoint described at run time (feature `catalog`), and the one
//! argument reader that turns named values into a request.
//!
//! [`ENDPOINTS`] holds one [`Endpoint`] per reference entry, generated from
//! the same spec as the typed methods: its name, label, route, parameters
//! with their [`Kind`]s, body, answer and paging. Tools that take endpoint
//! arguments by name (a command line, an MCP server, a scripting bridge)
//! read them through [`Endpoint::request`], from any [`Arguments`] source,
//! so they accept the same values and build the same request as the typed
//! methods do.
//!
//! ```
//! use crisp_api::catalog::{self, Argument, Arguments, ArgumentError};
//!
//! let endpoint = catalog::find("website", "get_conversation").unwrap();
//! assert_eq!(endpoint.label, "Get A Conversation");
//! assert_eq!(endpoint.route, "website/{website_id}/conversation/{session_id}");
//!
//! // Any key/value source: here a list of pairs typed by a person.
//! struct Pairs(Vec<(&'static str, &'static str)>);
//! impl Arguments for Pairs {
//!     fn argument(&self, name: &str) -> Result<Option<Argument>, ArgumentError> {
//!         Ok(self.0.iter().find(|(key, _)| *key == name).map(|(_, value)| Argument::Text(value.to_string())))
//!     }
//! }
//! let request = endpoint.request(&Pairs(vec![("website_id", "w-1"), ("session_id", "session_1")])).unwrap();
//! assert_eq!(request.path_values(), ["w-1", "session_1"]);
//! ```

pub(crate) mod kinds;
mod reader;

pub use crate::generated::catalog::*;
pub use kinds::{Body, Endpoint, Kind, Paging, Param, Response};
pub use reader::{Argument, ArgumentError, Arguments, QueryValue, Request};

/// The endpoint of `service` named `name`.
///
/// ```
/// let endpoint = crisp_api::catalog::find("website", "list_conversations").unwrap();
/// assert_eq!(endpoint.paging, crisp_api::catalog::Paging::Page);
/// assert!(crisp_api::catalog::find("website", "no_such_call").is_none());
/// ```
pub fn find(service: &str, name: &str) -> Option<&'static Endpoint> {
    ENDPOINTS.iter().copied().find(|e| e.service == service && e.name == name)
}
