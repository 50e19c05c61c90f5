//! The shape of one route of the mock, as the route table generated from the
//! spec ([`ROUTES`](crate::ROUTES)) describes it.

/// What body a route expects.
///
/// ```
/// use crisp_mock::{ROUTES, routes::BodyKind};
/// let create = ROUTES.iter().find(|r| r.name == "create_new_conversation").unwrap();
/// assert_eq!(create.body, BodyKind::Empty);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// No body.
    None,
    /// A body the reference leaves empty (`{}`).
    Empty,
    /// A JSON object.
    Object,
}

/// One endpoint of the spec, as the mock serves it.
///
/// ```
/// let route = crisp_mock::ROUTES.iter().find(|r| r.name == "list_conversations").unwrap();
/// assert_eq!((route.method, route.path), ("GET", "website/{website_id}/conversations/{page_number}"));
/// assert!(route.paged);
/// ```
#[derive(Debug)]
pub struct RouteSpec {
    /// Service group (`website`, `plugin`, ...).
    pub service: &'static str,
    /// snake_case name of the endpoint.
    pub name: &'static str,
    /// Reference label.
    pub label: &'static str,
    /// HTTP method.
    pub method: &'static str,
    /// Path template relative to `/v1/`.
    pub path: &'static str,
    /// Expected body.
    pub body: BodyKind,
    /// Body members that must be present.
    pub required_body_fields: &'static [&'static str],
    /// Tiers documented for the route (empty: not documented).
    pub tiers: &'static [&'static str],
    /// Whether the route is idempotent.
    pub idempotent: bool,
    /// Whether the path has a page number.
    pub paged: bool,
    /// Example `data` of a successful answer.
    pub example: &'static str,
}
