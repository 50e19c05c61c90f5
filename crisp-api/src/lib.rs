//! An async client for the [Crisp](https://crisp.chat) REST API v1.
//!
//! Every endpoint of the reference is a method named after its label, grouped
//! like the reference: [`Crisp::website`], [`Crisp::plugin`], [`Crisp::plan`],
//! [`Crisp::media`] and [`Crisp::bucket`]. Path parameters are positional,
//! optional parameters are setters, and the request is sent by awaiting it
//! (or calling `.send()`):
//!
//! ```no_run
//! # async fn run() -> crisp_api::Result<()> {
//! use crisp_api::{Crisp, Tier, models::ConversationMessageNew};
//!
//! let mut client = Crisp::new();
//! client.set_tier(Tier::Plugin);
//! client.authenticate("identifier", "key");
//!
//! let conversations = client.website().list_conversations("website-id", 1).per_page(20).await?;
//! let message = ConversationMessageNew::text("operator", "chat", "Hello!");
//! client.website().send_message_in_conversation("website-id", "session-id", &message).await?;
//! # let _ = conversations;
//! # Ok(()) }
//! ```
//!
//! How a request travels — build, send, retry, decode the envelope — is in
//! one place, the `pipeline` module; [`RetryPolicy`] says what is retried.
//! Errors are one type, [`Error`], whose [`ErrorKind`] tells Crisp's answer
//! apart from rate limits, timeouts, transport failures and decoding problems.
//!
//! Models (in [`models`]) are generated from the project's spec. Every field
//! is optional and unknown fields and enum values never fail decoding; the raw
//! body stays reachable through [`Response`].
//!
//! Cargo features: one per service group (`website`, `plugin`, `plan`,
//! `media`, `bucket`), all on by default; turn off the ones you do not use to
//! build faster.

#![warn(missing_docs)]

mod client;
mod decode;
mod error;
mod generated;
mod model_helpers;
mod pipeline;
mod support;

pub use client::{Crisp, CrispBuilder, DEFAULT_BASE_URL, DEFAULT_TIMEOUT, Tier};
pub use error::{Error, ErrorKind, Result};
pub use generated::models;
pub use pipeline::{Response, RetryPolicy};

#[doc(hidden)]
pub use pipeline::{Call, Segment};

/// The README's examples, compiled as doc tests so they cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;

/// Real-time events, typed: the [`Event`](events::Event) enum over every event
/// of the spec and [`MessageContent`](events::MessageContent) by message type.
#[cfg(feature = "events")]
pub mod events {
    pub use crate::generated::events::*;
}

#[cfg(feature = "rtm")]
pub mod rtm;
#[cfg(feature = "events")]
pub mod webhook;

/// The endpoint builders of the `website` group (`client.website()`).
#[cfg(feature = "website")]
pub mod website {
    pub use crate::generated::website::*;
}
/// The endpoint builders of the `plugin` group (`client.plugin()`).
#[cfg(feature = "plugin")]
pub mod plugin {
    pub use crate::generated::plugin::*;
}
/// The endpoint builders of the `plan` group (`client.plan()`).
#[cfg(feature = "plan")]
pub mod plan {
    pub use crate::generated::plan::*;
}
/// The endpoint builders of the `media` group (`client.media()`).
#[cfg(feature = "media")]
pub mod media {
    pub use crate::generated::media::*;
}
/// The endpoint builders of the `bucket` group (`client.bucket()`).
#[cfg(feature = "bucket")]
pub mod bucket {
    pub use crate::generated::bucket::*;
}
