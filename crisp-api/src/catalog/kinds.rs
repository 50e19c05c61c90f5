//! The shapes of the catalog: endpoints, their parameters and the kinds of their values.

/// What a value is: how it is written, checked and sent. One kind per type
/// of the spec (models are named; aliases are followed).
///
/// Deliberately exhaustive: a new kind is a breaking change, so code that
/// matches on kinds (schemas, flags) fails to compile instead of guessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Text,
    /// A signed 64-bit integer.
    Integer,
    /// Epoch milliseconds (an unsigned integer).
    Timestamp,
    /// A number with a fraction.
    Number,
    /// `true` or `false`.
    Boolean,
    /// `0`/`1` (a query flag is sent `1` or `0`).
    Flag,
    /// Any JSON.
    Json,
    /// A JSON object with any members.
    Map,
    /// An identifier (`WebsiteId`, `SessionId`): text on the wire.
    Id(&'static str),
    /// A closed set of text values; a value this version does not know is still sent.
    Enum {
        /// The model name, e.g. `ConversationState`.
        name: &'static str,
        /// The values the spec knows.
        values: &'static [&'static str],
    },
    /// A helpdesk tree path: one value that may span several path segments.
    TreePath,
    /// The 1-based page number of a paged list.
    Page,
    /// A list of values of one kind.
    List(&'static Kind),
    /// A model (a JSON object) of the spec, by name.
    Model(&'static str),
}

/// A path parameter, query parameter or body member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// The wire name.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Whether a request needs it (path parameters always do).
    pub required: bool,
    /// Whether `null` has a meaning on the wire (e.g. "back to the default").
    pub nullable: bool,
    /// One line: what it means, with its unit or values; empty when the spec has none.
    pub doc: &'static str,
}

/// What the request body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// No body.
    None,
    /// Always `{}`.
    Empty,
    /// A JSON object with any members (`{}` when none is given).
    Map,
    /// A model of the spec, by name (`{}` when none is given).
    Model(&'static str),
    /// An object with these members (`{}` when none is given and none is required).
    Fields(&'static [Param]),
}

/// What Crisp answers in the envelope's `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// A HEAD check: whether the resource exists.
    Exists,
    /// A value of this kind ([`Kind::Json`] when the spec declares none).
    Data(Kind),
}

/// How a list is read page after page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// Not paged.
    None,
    /// The route carries a 1-based `{page_number}`.
    Page,
    /// Older items are asked for with a query parameter holding the oldest value of an item field.
    Cursor {
        /// The query parameter, e.g. `timestamp_before`.
        query: &'static str,
        /// The item field that feeds it, e.g. `timestamp`.
        field: &'static str,
    },
}

/// One endpoint of the Crisp REST API v1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `website`, `plugin`, `plan`, `media` or `bucket`: the client method group.
    pub service: &'static str,
    /// The method name, e.g. `list_conversations`.
    pub name: &'static str,
    /// The reference label, e.g. `List Conversations`.
    pub label: &'static str,
    /// One sentence: what the call does; empty when the spec has none.
    pub summary: &'static str,
    /// The reference section, e.g. `Website Conversations`.
    pub group: &'static str,
    /// The reference URL of the entry.
    pub reference: &'static str,
    /// The HTTP method, e.g. `GET`.
    pub method: &'static str,
    /// The route relative to `/v1/`, with `{placeholders}`.
    pub route: &'static str,
    /// The path parameters, in route order.
    pub path_params: &'static [Param],
    /// The query parameters.
    pub query: &'static [Param],
    /// The body.
    pub body: Body,
    /// The answer.
    pub response: Response,
    /// Whether the request may be retried automatically (its method is idempotent).
    pub idempotent: bool,
    /// How the list is paged.
    pub paging: Paging,
    /// The token tiers the reference documents (empty: not documented).
    pub tiers: &'static [&'static str],
}

impl Endpoint {
    /// Whether the answer is a list read page by page (by number or by cursor).
    ///
    /// ```
    /// let endpoint = crisp_api::catalog::find("website", "get_messages_in_conversation").unwrap();
    /// assert!(endpoint.is_paged_list());
    /// ```
    pub fn is_paged_list(&self) -> bool {
        self.paging != Paging::None && matches!(self.response, Response::Data(Kind::List(_)))
    }
}
