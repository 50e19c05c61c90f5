//! [`Call`], one request as the user holds it: built by an endpoint method
//! or [`Crisp::raw`], sent through the [pipeline](crate::pipeline), answered
//! as data or as a [`Response`]. Also the endpoint builders' shared shape.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::Crisp;
use crate::decode::{decode_data, snippet};
use crate::error::{Error, ErrorKind, Result, server_text};
use crate::request::Request;
pub use crate::request::Segment;
use crate::retry::RetryPolicy;

impl Crisp {
    /// A call to any route of the API, for what the typed methods do not
    /// cover (yet): `path` is relative to the base URL, like
    /// `website/{website_id}/conversations/1` with the values filled in.
    /// Each `/`-separated segment is escaped as it is (pass values
    /// unescaped), and a path with an empty, `.` or `..` segment is refused
    /// before sending. Add query parameters with `query`, a body with
    /// `body_json`, then `send()` for the envelope's `data` as JSON.
    /// GET, HEAD, PUT and DELETE are retried like the typed calls; other
    /// methods only when they provably never reached Crisp.
    ///
    /// ```no_run
    /// # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
    /// use http::Method;
    /// let mut call = client.raw(Method::GET, "website/website-id/conversations/1");
    /// call.query("per_page", 20);
    /// let conversations: serde_json::Value = call.send().await?;
    /// # let _ = conversations;
    /// # Ok(()) }
    /// ```
    pub fn raw(&self, method: http::Method, path: impl AsRef<str>) -> Call<serde_json::Value> {
        Call::raw(self, method, path.as_ref())
    }
}

/// A decoded answer together with what came on the wire, for data the models
/// do not (yet) describe.
///
/// ```no_run
/// # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
/// let response = client.website().get_website("website-id").send_with_response().await?;
/// println!("{} {:?}", response.status, response.data.name);
/// let raw: serde_json::Value = response.raw_data()?;
/// println!("every field Crisp sent: {raw}");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Response<T> {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The raw body bytes.
    pub body: Bytes,
    /// The decoded `data` member of the envelope.
    pub data: T,
}

impl<T> Response<T> {
    /// The envelope's `data` as untyped JSON, including fields the model lacks.
    ///
    /// ```no_run
    /// # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
    /// let response = client.website().get_website("website-id").send_with_response().await?;
    /// let raw = response.raw_data()?;
    /// # Ok(()) }
    /// ```
    pub fn raw_data(&self) -> Result<serde_json::Value> {
        #[derive(serde::Deserialize)]
        struct Raw {
            #[serde(default)]
            data: serde_json::Value,
        }
        if crate::decode::is_blank(&self.body) {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice::<Raw>(&self.body).map(|raw| raw.data).map_err(|err| {
            Error::new(ErrorKind::Decode {
                status: self.status.as_u16(),
                path: ".".into(),
                message: server_text(&err.to_string(), 300),
                body_snippet: snippet(&self.body),
            })
        })
    }
}

/// One request to the Crisp API, ready to send: what every endpoint builder
/// wraps, and what [`Crisp::raw`] returns for routes the typed methods do not
/// cover. `T` is the type the envelope's `data` decodes into.
///
/// Set the query ([`query`](Self::query), [`query_flag`](Self::query_flag),
/// [`query_json`](Self::query_json)) and the body
/// ([`body_json`](Self::body_json), [`body_field`](Self::body_field)),
/// override the client's [`timeout`](Self::timeout) or
/// [`retry`](Self::retry) policy for this request only, then
/// [`send`](Self::send) it, or [`send_with_response`](Self::send_with_response)
/// for the status, headers and raw body too. [`url`](Self::url) shows where it
/// goes; a `Call<Vec<T>>` on a paged route walks its pages with
/// [`into_item_stream`](Self::into_item_stream).
///
/// ```no_run
/// # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
/// use std::time::Duration;
///
/// let mut call = client.raw(http::Method::GET, "website/website-id/conversations/1");
/// call.query("per_page", 5);
/// call.timeout(Duration::from_secs(30));
/// call.retry(crisp_api::RetryPolicy::none());
/// assert_eq!(call.method(), http::Method::GET);
/// let conversations: serde_json::Value = call.send().await?;
/// # let _ = conversations;
/// # Ok(()) }
/// ```
pub struct Call<T> {
    client: Crisp,
    request: Request,
    output: PhantomData<fn() -> T>,
}

impl<T> Clone for Call<T> {
    fn clone(&self) -> Self {
        Self { client: self.client.clone(), request: self.request.clone(), output: PhantomData }
    }
}

impl<T> fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("method", &self.request.method)
            .field("route", &self.request.route)
            .finish_non_exhaustive()
    }
}

impl<T> Call<T> {
    /// Starts a request to a route of the spec: fills the `{placeholders}` of
    /// `route` with `params` in order, escaping each. What the generated
    /// endpoint methods call; [`Crisp::raw`] is the way in for a path.
    #[doc(hidden)]
    pub fn new(client: &Crisp, method: Method, route: &'static str, params: &[Segment<'_>], idempotent: bool) -> Self {
        Self { client: client.clone(), request: Request::new(method, route, params, idempotent), output: PhantomData }
    }

    /// A raw call to `path` (relative to the base URL); see [`Crisp::raw`].
    pub(crate) fn raw(client: &Crisp, method: Method, path: &str) -> Self {
        Self { client: client.clone(), request: Request::raw(method, path), output: PhantomData }
    }

    /// Sets a query parameter, sent as text (escaped); setting it again
    /// replaces the value.
    ///
    /// ```
    /// let client = crisp_api::Crisp::new();
    /// let mut call = client.raw(http::Method::GET, "website/w/conversations/1");
    /// call.query("search_query", "refund please");
    /// assert!(call.url().ends_with("?search_query=refund%20please"));
    /// ```
    pub fn query(&mut self, name: impl Into<Cow<'static, str>>, value: impl fmt::Display) {
        self.request.query(name, value);
    }

    /// Sets a flag query parameter, sent as `1` or `0`.
    ///
    /// ```
    /// let client = crisp_api::Crisp::new();
    /// let mut call = client.raw(http::Method::GET, "website/w/conversations/1");
    /// call.query_flag("filter_unread", true);
    /// assert!(call.url().ends_with("?filter_unread=1"));
    /// ```
    pub fn query_flag(&mut self, name: impl Into<Cow<'static, str>>, value: bool) {
        self.request.query_flag(name, value);
    }

    /// Sets a query parameter holding JSON (arrays and objects are sent
    /// JSON-encoded, as Crisp expects).
    ///
    /// ```
    /// let client = crisp_api::Crisp::new();
    /// let mut call = client.raw(http::Method::GET, "website/w/visitors/list/1");
    /// call.query_json("ids", &["a", "b"]);
    /// assert!(call.url().ends_with("?ids=%5B%22a%22%2C%22b%22%5D"));
    /// ```
    pub fn query_json(&mut self, name: impl Into<Cow<'static, str>>, value: &impl Serialize) {
        self.request.query_json(name, value);
    }

    /// Sends `{}`: the route expects a body but this call has no content.
    ///
    /// ```
    /// let client = crisp_api::Crisp::new();
    /// let mut call = client.raw(http::Method::POST, "website/w/conversation");
    /// call.body_empty();
    /// ```
    pub fn body_empty(&mut self) {
        self.request.body_empty();
    }

    /// Sends `value` as the JSON body.
    ///
    /// ```
    /// let client = crisp_api::Crisp::new();
    /// let mut call = client.raw(http::Method::PATCH, "website/w/conversation/s/state");
    /// call.body_json(&serde_json::json!({"state": "resolved"}));
    /// ```
    pub fn body_json(&mut self, value: &impl Serialize) {
        self.request.body_json(value);
    }

    /// Sets one member of an object body (the body becomes an object).
    ///
    /// ```
    /// let client = crisp_api::Crisp::new();
    /// let mut call = client.raw(http::Method::PATCH, "website/w/conversation/s/state");
    /// call.body_field("state", "resolved");
    /// ```
    pub fn body_field(&mut self, name: &str, value: impl Serialize) {
        self.request.body_field(name, value);
    }

    /// Lets this call be retried like an idempotent request: the caller
    /// accepts that a write may be applied twice.
    ///
    /// ```
    /// let client = crisp_api::Crisp::new();
    /// let mut call = client.raw(http::Method::POST, "website/w/conversation");
    /// call.mark_idempotent();
    /// ```
    pub fn mark_idempotent(&mut self) {
        self.request.mark_idempotent();
    }

    /// The whole time this request may take, retries included, instead of the
    /// client's [`timeout`](crate::CrispBuilder::timeout).
    ///
    /// ```
    /// let client = crisp_api::Crisp::new();
    /// let mut call = client.raw(http::Method::GET, "website/w/conversations/1");
    /// call.timeout(std::time::Duration::from_secs(60));
    /// ```
    pub fn timeout(&mut self, timeout: std::time::Duration) {
        self.request.timeout = Some(timeout);
    }

    /// The retry policy of this request, instead of the client's.
    ///
    /// ```
    /// let client = crisp_api::Crisp::new();
    /// let mut call = client.raw(http::Method::GET, "website/w/conversations/1");
    /// call.retry(crisp_api::RetryPolicy::none());
    /// ```
    pub fn retry(&mut self, policy: RetryPolicy) {
        self.request.retry = Some(policy);
    }

    /// The HTTP method.
    ///
    /// ```
    /// let client = crisp_api::Crisp::new();
    /// assert_eq!(client.raw(http::Method::HEAD, "website/w").method(), http::Method::HEAD);
    /// ```
    pub fn method(&self) -> Method {
        self.request.method.clone()
    }

    /// The path requested, relative to the base URL, parameters filled in and
    /// escaped, without the query.
    ///
    /// ```
    /// let client = crisp_api::Crisp::new();
    /// assert_eq!(client.raw(http::Method::GET, "website/a b").path(), "website/a%20b");
    /// ```
    pub fn path(&self) -> &str {
        &self.request.path
    }

    /// Names the request in an error: method, route, the real path and the host.
    fn name(&self, err: Error) -> Error {
        err.at(&self.request.method, self.request.route, &self.request.path).on(&self.client.config().host)
    }

    /// Runs the pipeline and returns the raw successful answer. The body is
    /// moved out; the call stays to name the request in errors.
    async fn execute(&mut self) -> Result<(StatusCode, HeaderMap, Bytes)> {
        let result = crate::pipeline::run(self.client.config(), &mut self.request).await;
        result.map_err(|err| self.name(err))
    }

    /// Sends the request and decodes the envelope's `data` into `T`.
    ///
    /// ```no_run
    /// # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
    /// let website: serde_json::Value = client.raw(http::Method::GET, "website/website-id").send().await?;
    /// # let _ = website;
    /// # Ok(()) }
    /// ```
    pub async fn send(mut self) -> Result<T>
    where
        T: DeserializeOwned,
    {
        let (status, _, body) = self.execute().await?;
        decode_data(status, &body).map_err(|err| self.name(err))
    }

    /// Sends the request and returns the decoded data with the raw answer.
    ///
    /// ```no_run
    /// # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
    /// let response = client.raw(http::Method::GET, "website/website-id").send_with_response().await?;
    /// println!("{} {:?}", response.status, response.headers.get("content-type"));
    /// # Ok(()) }
    /// ```
    pub async fn send_with_response(mut self) -> Result<Response<T>>
    where
        T: DeserializeOwned,
    {
        let (status, headers, body) = self.execute().await?;
        let data = decode_data(status, &body).map_err(|err| self.name(err))?;
        Ok(Response { status, headers, body, data })
    }

    /// Sends a HEAD request: `true` on 2xx, `false` on 404.
    ///
    /// ```no_run
    /// # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
    /// let exists = client.raw(http::Method::HEAD, "website/website-id/people/profile/p").send_exists().await?;
    /// # let _ = exists;
    /// # Ok(()) }
    /// ```
    pub async fn send_exists(mut self) -> Result<bool> {
        match self.execute().await {
            Ok(_) => Ok(true),
            Err(err) if err.status() == Some(404) => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// The same request for another page number (pages start at 1; 0 is
    /// refused when sent). A path without a page number stays as it is.
    ///
    /// ```
    /// let client = crisp_api::Crisp::new();
    /// let page = client.website().list_conversations("w", 1).into_call().with_page(3);
    /// assert_eq!(page.page_number(), 3);
    /// ```
    pub fn with_page(&self, page_number: u32) -> Self {
        Self { client: self.client.clone(), request: self.request.with_page(page_number), output: PhantomData }
    }

    /// The URL this call reaches, with its path parameters and query escaped
    /// as they are sent: what a dry run shows.
    ///
    /// ```
    /// let client = crisp_api::Crisp::builder().credentials("id", "key").build()?;
    /// let mut call = client.raw(http::Method::GET, "website/w 1/conversations/2");
    /// call.query("per_page", 20);
    /// assert_eq!(call.url(), "https://api.crisp.chat/v1/website/w%201/conversations/2?per_page=20");
    /// # Ok::<(), crisp_api::Error>(())
    /// ```
    pub fn url(&self) -> String {
        self.request.url(&self.client.config().base_url)
    }

    /// The page number currently in the path (1 when it has none).
    ///
    /// ```
    /// let client = crisp_api::Crisp::new();
    /// assert_eq!(client.website().list_conversations("w", 2).into_call().page_number(), 2);
    /// ```
    pub fn page_number(&self) -> u32 {
        self.request.page_number()
    }
}

/// Declares the builder type of one endpoint: a newtype over [`Call`] with
/// `send`, `send_with_response` and `IntoFuture`. The generator adds
/// `idempotent()` to the writes only, where it changes something.
///
/// [`Call`]: crate::call::Call
#[cfg_attr(
    not(any(feature = "website", feature = "plugin", feature = "plan", feature = "media", feature = "bucket")),
    allow(unused_macros)
)]
macro_rules! endpoint {
    ($(#[$meta:meta])* $name:ident => $output:ty) => {
        $(#[$meta])*
        #[must_use = "a request does nothing until it is awaited or sent"]
        #[derive(Clone, Debug)]
        pub struct $name(pub(crate) $crate::call::Call<$output>);

        impl $name {
            /// Sends the request and returns the decoded `data`; awaiting the
            /// builder directly does the same (the method that built this
            /// request shows it).
            pub async fn send(self) -> $crate::Result<$output> {
                self.0.send().await
            }

            /// Sends the request and returns the decoded `data` with the
            /// status, headers and raw body (the crate root shows it).
            pub async fn send_with_response(self) -> $crate::Result<$crate::Response<$output>> {
                self.0.send_with_response().await
            }

            /// The [`Call`]($crate::Call) this builder wraps: for a per-request
            /// timeout or retry policy, its URL, or a query parameter the spec
            /// lacks.
            pub fn into_call(self) -> $crate::Call<$output> {
                self.0
            }
        }

        impl std::future::IntoFuture for $name {
            type Output = $crate::Result<$output>;
            type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.0.send())
            }
        }
    };
}
#[cfg_attr(
    not(any(feature = "website", feature = "plugin", feature = "plan", feature = "media", feature = "bucket")),
    allow(unused_imports)
)]
pub(crate) use endpoint;

/// Declares the builder type of a HEAD endpoint: awaiting it gives `true`
/// when the resource exists and `false` on 404.
#[cfg_attr(not(any(feature = "website", feature = "plugin")), allow(unused_macros))]
macro_rules! exists_endpoint {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[must_use = "a request does nothing until it is awaited or sent"]
        #[derive(Clone, Debug)]
        pub struct $name(pub(crate) $crate::call::Call<bool>);

        impl $name {
            /// Sends the request: `true` when it exists, `false` on 404;
            /// awaiting the builder directly does the same.
            pub async fn send(self) -> $crate::Result<bool> {
                self.0.send_exists().await
            }
        }

        impl std::future::IntoFuture for $name {
            type Output = $crate::Result<bool>;
            type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.0.send_exists())
            }
        }
    };
}
#[cfg_attr(not(any(feature = "website", feature = "plugin")), allow(unused_imports))]
pub(crate) use exists_endpoint;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn client() -> Crisp {
        Crisp::builder().credentials("id", "key").build().unwrap()
    }

    #[test]
    fn path_segments_are_escaped_and_kept_whole() {
        let call: Call<()> = Call::new(
            &client(),
            Method::GET,
            "website/{website_id}/conversation/{session_id}",
            &[Segment::One("a/b?c#d%e f"), Segment::One("session_1")],
            true,
        );
        assert_eq!(call.request.path, "website/a%2Fb%3Fc%23d%25e%20f/conversation/session_1");
        assert!(call.request.invalid.is_none());
    }

    #[test]
    fn empty_path_parameter_is_refused() {
        let call: Call<()> = Call::new(&client(), Method::GET, "website/{website_id}", &[Segment::One("")], true);
        assert_eq!(call.request.invalid.as_deref(), Some("the path parameter `website_id` is empty"));
    }

    #[test]
    fn dot_segments_are_refused() {
        for value in [".", ".."] {
            let call: Call<()> =
                Call::new(&client(), Method::DELETE, "website/{website_id}", &[Segment::One(value)], true);
            assert!(
                call.request.invalid.as_deref().is_some_and(|m| m.contains("would not stay a path segment")),
                "{value}"
            );
        }
        for value in ["guides/../x", "a//b", "./a"] {
            let call: Call<()> = Call::new(&client(), Method::GET, "tree/{tree_path}", &[Segment::Many(value)], true);
            assert!(call.request.invalid.is_some(), "{value}");
        }
        let call: Call<()> = Call::new(&client(), Method::GET, "x/{id}", &[Segment::One("...")], true);
        assert_eq!(call.request.path, "x/...");
    }

    #[test]
    fn huge_timeouts_do_not_overflow() {
        let client = Crisp::builder()
            .credentials("id", "key")
            .base_url("http://127.0.0.1:9/v1/")
            .timeout(Duration::MAX)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let result = runtime.block_on(Call::<serde_json::Value>::new(&client, Method::GET, "x", &[], true).send());
        assert!(result.is_err());
    }

    #[test]
    fn tree_paths_keep_their_slashes() {
        let call: Call<()> = Call::new(
            &client(),
            Method::GET,
            "website/{website_id}/helpdesk/tree/{tree_path}",
            &[Segment::One("w"), Segment::Many("/guides/a b/")],
            true,
        );
        assert_eq!(call.request.path, "website/w/helpdesk/tree/guides/a%20b");
    }

    #[test]
    fn page_number_can_be_replaced() {
        let call: Call<Vec<()>> = Call::new(
            &client(),
            Method::GET,
            "website/{website_id}/conversations/{page_number}",
            &[Segment::One("w"), Segment::One("9")],
            true,
        );
        let next = call.with_page(10);
        assert_eq!(next.request.path, "website/w/conversations/10");
        assert_eq!(next.with_page(2).request.path, "website/w/conversations/2");
        assert_eq!(next.page_number(), 10);
    }

    #[test]
    fn query_values_are_escaped() {
        let mut call: Call<()> = Call::new(&client(), Method::GET, "x", &[], true);
        call.request.query("search_query", "a b&c=d");
        call.query_flag("filter_unread", true);
        call.query_json("ids", &["x", "y"]);
        call.query_flag("filter_unread", false);
        let pairs: Vec<String> = call.request.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(pairs, ["search_query=a%20b%26c%3Dd", "filter_unread=0", "ids=%5B%22x%22%2C%22y%22%5D"]);
    }

    #[test]
    fn page_zero_is_refused() {
        let route = "website/{website_id}/conversations/{page_number}";
        let call: Call<Vec<()>> =
            Call::new(&client(), Method::GET, route, &[Segment::One("w"), Segment::One("0")], true);
        assert!(call.request.invalid.as_deref().is_some_and(|m| m.contains("numbered from 1")));
        let call: Call<Vec<()>> =
            Call::new(&client(), Method::GET, route, &[Segment::One("w"), Segment::One("1")], true);
        assert!(call.request.invalid.is_none());
        assert!(call.with_page(0).request.invalid.is_some());
    }

    #[test]
    fn raw_paths_are_escaped_segment_by_segment() {
        let call: Call<serde_json::Value> = Call::raw(&client(), Method::GET, "/website/a b/conversation/x?y/");
        assert_eq!(call.request.path, "website/a%20b/conversation/x%3Fy");
        assert!(call.request.invalid.is_none());
        assert!(call.request.idempotent);
        assert!(!Call::<serde_json::Value>::raw(&client(), Method::POST, "website/w/conversation").request.idempotent);
        for bad in ["website/../plugin", "website//x", "./website", "", "/"] {
            assert!(Call::<serde_json::Value>::raw(&client(), Method::GET, bad).request.invalid.is_some(), "{bad}");
        }
    }

    #[test]
    fn runtime_query_names_are_escaped() {
        let mut call: Call<()> = Call::new(&client(), Method::GET, "x", &[], true);
        call.request.query(String::from("filter&x=1"), "v");
        call.request.query("per_page", 20);
        let pairs: Vec<String> = call.request.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(pairs, ["filter%26x%3D1=v", "per_page=20"]);
    }
}
