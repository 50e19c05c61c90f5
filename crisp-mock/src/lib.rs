//! A local simulator of the Crisp REST API v1, its real-time events and Web
//! Hooks, with a browser playground.
//!
//! It serves every route of the project's spec on 127.0.0.1: it checks HTTP
//! Basic credentials (any case of the scheme) and the `X-Crisp-Tier` header,
//! validates path parameters and bodies, and answers with Crisp-shaped
//! envelopes. A website it does not know is `404 website_not_found` on every
//! route. Websites, operators, conversations, messages, metas, state,
//! routing, block and verify, and people profiles are kept in memory, with
//! the searches and filters of their list routes; a write to any other
//! route is read back by the route reading the same path; the rest answer
//! with examples built from the spec. Faults (statuses, delays, broken
//! bodies, dropped connections, rate limits) can be injected per route or
//! for all, and request-rate limits configured ([`RateLimit`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let mock = crisp_mock::MockServer::start().await?;
//! println!("Crisp API at {} (identifier {})", mock.base_url(), mock.identifier());
//! # Ok(()) }
//! ```
//!
//! # Starting one
//!
//! [`MockServer::start`] gives the default website with one conversation;
//! [`MockServer::builder`] sets `.listen(addr)`, `.fixtures(path or value)`
//! (see [`fixtures`] for the format, and `crisp-mock/fixtures/acme.json`),
//! `.seed(n)` and `.generate(conversations)` (seeded, realistic data),
//! `.webhook(url, secret)` (one queue per target), `.rate_limit(..)`,
//! `.request_log(capacity)` (0 turns it off), `.clock(..)` ([`Clock`]: real
//! by default, or fixed), then `.start().await`.
//!
//! # Staying bounded
//!
//! The request log is a ring bounded in entries and bytes. An
//! unauthenticated request is answered 401 without its body being read or
//! kept. Bodies over [`MockConfig::max_body_bytes`] (1 MiB) are answered
//! 413. A request head or body slower than [`MockConfig::read_timeout`] is
//! cut off, and so is a connection silent that long before its first byte
//! (75 s between requests). Each RTM socket and each Web Hook target has its
//! own bounded queue: a consumer that stops reading loses its own events and
//! (an RTM socket) is disconnected, without delaying anyone else.
//!
//! # Its own routes
//!
//! Under `/mock/`, without credentials, answering Crisp envelopes: raise any
//! event of the spec (`POST /mock/trigger`), write as a visitor, dump and
//! replace the state as a fixtures document, read and move the clock, read
//! the request log. The playground is at `/`. See [`admin`] for the list.

#![warn(missing_docs)]

// The modules in layers, bottom-up: a module uses only modules of the
// layers listed before its own (`scripts/module_cycles.py`, run by CI,
// checks that no module uses one that uses it back). Inside the
// crate, items are reached where they are defined, never through the
// re-exports below.

// 0: no other module. Connections, seeded draws, the spec's events, rate
// limits, the route shape, locking, HTTP helpers (envelopes, bodies).
mod connection;
mod draw;
mod events;
mod hugo;
mod rate_limit;
pub mod routes;
mod sync;
mod wire;

// 1: the clock, the OpenAPI document and its request checks, faults, the
// request log, the generated route table.
mod clock;
mod contract;
mod fault;
mod request_log;
#[path = "generated/routes.rs"]
mod route_table;

// 2: configuration, route matching, the state, Web Hook delivery.
mod config;
mod route_match;
pub mod state;
mod webhooks;

// 3: credentials, stored documents, generated data, people profiles, RTM,
// and the one place stateful routes are dispatched.
mod auth;
mod documents;
mod generate;
mod people;
mod rtm;
mod stateful;

// 4: fixtures, and what a running simulator shares.
pub mod fixtures;
mod shared;

// 5: the simulator's own routes, the API, the accept loop.
pub mod admin;
mod api;
mod serve;

// 6 and 7: the face, a running simulator and its builder.
mod builder;
mod mock_server;

pub use builder::MockBuilder;
pub use clock::Clock;
pub use config::{DEFAULT_IDENTIFIER, DEFAULT_KEY, DEFAULT_WEBSITE_ID, MockConfig};
pub use fault::{Fault, FaultKind};
pub use fixtures::{FixtureError, Fixtures};
pub use hugo::{HugoClient, HugoResponse, hugo_signature};
pub use mock_server::MockServer;
pub use rate_limit::RateLimit;
pub use request_log::RecordedRequest;
pub use route_table::ROUTES;
pub use webhooks::{WebhookDelivery, WebhookTarget};
