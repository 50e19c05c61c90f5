//! An async client for the [Crisp](https://crisp.chat) REST API v1, its
//! real-time events (RTM) and its Web Hooks.
//!
//! # REST
//!
//! Every endpoint of the reference is a method named after its label, grouped
//! like the reference: [`Crisp::website`], [`Crisp::plugin`], [`Crisp::plan`],
//! [`Crisp::media`] and [`Crisp::bucket`]. Path parameters and required values
//! are positional, optional ones are setters, and awaiting the builder sends
//! it. [`Crisp::for_website`] binds the website id once.
//!
//! ```no_run
//! # async fn run() -> crisp_api::Result<()> {
//! use crisp_api::models::{ConversationMessageNew, ConversationState, MessageFrom, MessageOrigin};
//! use crisp_api::{Crisp, Tier};
//!
//! let client = Crisp::builder().credentials("identifier", "key").tier(Tier::Plugin).build()?;
//! let site = client.for_website("website-id");
//!
//! let conversations = site.list_conversations(1).per_page(20).await?;
//! let message = ConversationMessageNew::text(MessageFrom::Operator, MessageOrigin::Chat, "Hello!");
//! let sent = site.send_message_in_conversation("session-id", &message).await?;
//! site.change_conversation_state("session-id", ConversationState::Resolved).await?;
//! // The same call without the scoped handle:
//! client.website().update_conversation_inbox("website-id", "session-id", None).await?; // null: default inbox
//! # let _ = (conversations, sent);
//! # Ok(()) }
//! ```
//!
//! `.send_with_response()` instead of `.await` also gives the status, the
//! headers and the raw body; [`Response::raw_data`] reads fields the models
//! lack.
//!
//! # Values are typed as the API means them
//!
//! Models (in [`models`]) are generated from the project's spec, each field
//! documented with its unit or allowed values. Integers (fingerprints,
//! timestamps in epoch milliseconds, counts) are `i64`/`u64` and go back to
//! Crisp as integers; decoding also accepts `3.0` or `"3"`. Every field is
//! optional, unknown fields are ignored, and unknown enum values are kept in
//! `Other(String)`, so a newer Crisp never breaks decoding.
//!
//! Closed sets are enums with no conversion from a bare string, so a value
//! Crisp does not have fails to compile:
//!
//! ```compile_fail
//! # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
//! use crisp_api::models::ConversationState;
//! client.website().change_conversation_state("website-id", "session-id", ConversationState::Closed).await?;
//! # Ok(()) }
//! ```
//!
//! ```compile_fail
//! # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
//! client.website().change_conversation_state("website-id", "session-id", "resolved").await?;
//! # Ok(()) }
//! ```
//!
//! A value this version does not know yet can still be sent, on purpose:
//! `ConversationState::Other("snoozed".into())`. Parsing text is strict, so
//! a typo in user input is caught before any request:
//! `"closed".parse::<ConversationState>()` is an [`UnknownValue`] error that
//! lists `unresolved, resolved, pending`.
//!
//! Identifiers read from Crisp are typed ([`models::WebsiteId`],
//! [`models::SessionId`]). Methods take them, or plain text, but not the
//! other kind, so swapped arguments do not compile:
//!
//! ```no_run
//! # async fn run(client: crisp_api::Crisp, message: crisp_api::models::ConversationMessage) -> crisp_api::Result<()> {
//! let (website_id, session_id) = (message.website_id.unwrap_or_default(), message.session_id.unwrap_or_default());
//! client.website().get_conversation(&website_id, &session_id).await?;
//! # Ok(()) }
//! ```
//!
//! ```compile_fail
//! # async fn run(client: crisp_api::Crisp, message: crisp_api::models::ConversationMessage) -> crisp_api::Result<()> {
//! let (website_id, session_id) = (message.website_id.unwrap_or_default(), message.session_id.unwrap_or_default());
//! client.website().get_conversation(&session_id, &website_id).await?;
//! # Ok(()) }
//! ```
//!
//! Where `null` means something on a write (back to the default inbox,
//! unassigned), the field is `Option<Option<T>>` in request models — `None`
//! leaves it out, `Some(None)` sends `null` — and an `Option` argument on the
//! methods.
//!
//! # Paging
//!
//! Lists paged by number have `.into_stream()`, which yields items page after
//! page; the messages of a conversation are paged by a timestamp cursor and
//! stream the same way, going back in time:
//!
//! ```no_run
//! # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
//! use futures_util::StreamExt as _;
//! let mut messages = client.for_website("website-id").get_messages_in_conversation("session-id").into_stream();
//! while let Some(message) = messages.next().await {
//!     let message = message?;
//!     println!("{:?}: {:?}", message.fingerprint, message.typed_content());
//! }
//! # Ok(()) }
//! ```
//!
//! # Errors and retries
//!
//! Errors are one type, [`Error`]; its [`ErrorKind`] tells Crisp's answer
//! (status and `reason`) apart from rate limits, timeouts, transport failures,
//! bodies that do not decode and input refused before sending.
//!
//! ```no_run
//! # async fn run(client: crisp_api::Crisp) {
//! use crisp_api::ErrorKind;
//! match client.website().get_website("website-id").await {
//!     Ok(website) => println!("{:?}", website.name),
//!     Err(err) => match err.kind() {
//!         ErrorKind::RateLimited { retry_after, .. } => println!("slow down for {retry_after:?}"),
//!         _ => println!("{err}"),
//!     },
//! }
//! # }
//! ```
//!
//! Reads (GET, HEAD, PUT, DELETE) are retried on connection errors, timeouts,
//! 5xx, 429 and 420 with exponential back-off that honours `Retry-After`
//! ([`RetryPolicy`]). Writes are retried only when they provably never reached
//! Crisp, unless `.idempotent()` is called on that write.
//!
//! # Real-time events and Web Hooks
//!
//! `client.rtm()` (feature `rtm`) connects over Socket.IO and yields typed
//! [`events::Event`]s; subscriptions name events with [`events::EventName`],
//! so a misspelt event does not compile. [`webhook::WebhookVerifier`]
//! (feature `events`) checks a Web Hook's signature and gives the same typed
//! event.
//!
//! ```no_run
//! # async fn run(client: crisp_api::Crisp) -> Result<(), Box<dyn std::error::Error>> {
//! use crisp_api::events::{Event, EventName};
//! use futures_util::StreamExt as _;
//!
//! let mut rtm = client.rtm().events([EventName::MessageSend]).connect().await?;
//! while let Some(event) = rtm.next().await {
//!     if let Event::MessageSend(message) = event? {
//!         println!("{:?}", message.typed_content().text());
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # Testing without Crisp
//!
//! The `crisp-mock` crate serves every route on 127.0.0.1 with Crisp's
//! envelopes, keeps conversations and messages, raises RTM events and Web
//! Hooks, and injects faults (statuses, rate limits, delays, broken bodies).
//! Point [`CrispBuilder::base_url`] at `mock.base_url()`.
//!
//! # Features
//!
//! One cargo feature per service group (`website`, `plugin`, `plan`,
//! `media`, `bucket`), plus `events` and `rtm`, all on by default, `axum`
//! (a Web Hook extractor) and `catalog` (every endpoint described at run time,
//! with an argument reader: [`catalog`]); turn off what you do not use to
//! build faster.

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))] // docs.rs badges each feature-gated item with its feature

mod call;
#[cfg(feature = "catalog")]
pub mod catalog;
mod client;
mod config;
mod decode;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod generated;
mod model_helpers;
mod paging;
mod pipeline;
mod request;
mod retry;
mod services;
mod support;
mod transport;

pub use call::{Call, Response, Segment};
pub use client::{Crisp, CrispBuilder, DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_TIMEOUT};
pub use config::Tier;
pub use error::{Error, ErrorKind, Result, TransportError, UnknownValue};
pub use generated::models;
pub use retry::{MAX_RETRY_AFTER, RetryPolicy};

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
