//! Shared by the benches: a local HTTP/1.1 server answering fixed bytes, the
//! crisp-api client pointed at it, and a hand-written hyper client doing the
//! same requests, as the baseline.

// Each bench uses a part of this module.
#![allow(dead_code)]

pub mod counting;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use bytes::Bytes;
use crisp_api::models::{Conversation, ConversationMessageDispatched, ConversationMessageNew};
use crisp_api::{Crisp, Tier};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};
use hyper::{Method, Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub const WEBSITE_ID: &str = "8c842203-7ed8-4e29-a608-7cf78a7d2fcc";
pub const SESSION_ID: &str = "session_700c65e1-85e2-465a-b9ac-ecb5ec2c9881";
pub const PER_PAGE: u64 = 20;
const IDENTIFIER: &str = "id";
const KEY: &str = "key";

/// The pre-built answer bodies, one per route.
pub struct Bodies {
    pub conversation: Bytes,
    pub conversations: Bytes,
    pub dispatched: Bytes,
}

impl Bodies {
    pub fn build() -> Self {
        let one = conversation(0);
        let page: Vec<Value> = (0..PER_PAGE as usize).map(conversation).collect();
        Self {
            conversation: envelope("resolved", &one),
            conversations: envelope("resolved", &json!(page)),
            dispatched: envelope("dispatched", &json!({ "fingerprint": 163_408_112_098_945_u64 })),
        }
    }
}

/// Written by hand so the members come in Crisp's order (`error` first),
/// which `serde_json`'s sorted maps would not keep.
fn envelope(reason: &str, data: &Value) -> Bytes {
    let data = serde_json::to_string(data).expect("JSON values always serialize");
    Bytes::from(format!(r#"{{"error":false,"reason":"{reason}","data":{data}}}"#))
}

/// One conversation as Crisp sends it, about 2 KB; `i` varies the ids so a
/// page is not twenty copies of the same strings.
fn conversation(i: usize) -> Value {
    let created = 1_712_000_000_000_u64 + i as u64 * 3_600_000;
    json!({
        "session_id": format!("session_{:08x}-85e2-465a-b9ac-{:012x}", 0x700c_65e1 + i, 0xecb5_ec2c_9881_u64 + i as u64),
        "website_id": WEBSITE_ID,
        "inbox_id": "b3c7e7f4-3c55-4a1c-8f0e-2b8a7d1e5c90",
        "people_id": format!("f8c3a1d2-4b5e-4f60-9a7b-{:012x}", 0x1c2d_3e4f_5a6b_u64 + i as u64),
        "state": if i.is_multiple_of(3) { "resolved" } else { "unresolved" },
        "status": 1,
        "is_verified": true,
        "is_blocked": false,
        "availability": "online",
        "active": { "now": i.is_multiple_of(2), "last": created + 120_000 },
        "last_message": "Thanks, that fixed it! One more question about the invoice for last month though.",
        "preview_message": {
            "type": "text",
            "from": "user",
            "excerpt": "Thanks, that fixed it! One more question about the invoice for last month though.",
            "fingerprint": 163_408_112_098_900_u64 + i as u64
        },
        "topic": "Billing question",
        "verifications": [
            { "identity": "email", "method": "hmac", "annotation": "verified by the website backend" }
        ],
        "participants": [
            { "type": "email", "target": format!("visitor{i}@example.com") },
            { "type": "email", "target": "billing@example.com" }
        ],
        "mentions": ["a1b2c3d4-0000-4000-8000-000000000001"],
        "compose": {
            "operator": {
                "type": "start",
                "excerpt": "Let me check that invoice for you",
                "timestamp": created + 60_000,
                "user": {
                    "user_id": "a1b2c3d4-0000-4000-8000-000000000001",
                    "nickname": "Jane Operator",
                    "avatar": "https://avatars.example.com/jane.png"
                },
                "automated": false
            }
        },
        "unread": { "operator": 2, "visitor": 0 },
        "assigned": { "user_id": "a1b2c3d4-0000-4000-8000-000000000001" },
        "meta": {
            "nickname": format!("Visitor {i}"),
            "email": format!("visitor{i}@example.com"),
            "phone": "+33 6 12 34 56 78",
            "ip": format!("203.0.113.{}", i % 250 + 1),
            "avatar": "https://avatars.example.com/visitor.png",
            "data": {
                "plan": "business",
                "customer_id": format!("cus_{:010}", 4_242_000 + i),
                "signup": "2023-11-04",
                "seats": 12,
                "mrr": 189.5,
                "trial": false
            },
            "connection": { "isp": "Example Telecom", "asn": "AS64500" },
            "device": {
                "capabilities": ["browsing", "call"],
                "geolocation": {
                    "country": "FR",
                    "region": "Île-de-France",
                    "city": "Paris",
                    "coordinates": { "latitude": 48.8566, "longitude": 2.3522 }
                },
                "system": {
                    "os": { "version": "14.4", "name": "Mac OS" },
                    "engine": { "name": "WebKit", "version": "605.1.15" },
                    "browser": { "major": "17", "version": "17.4", "name": "Safari" },
                    "useragent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"
                },
                "timezone": -60,
                "locales": ["fr", "en"]
            },
            "segments": ["customer", "billing", "priority"],
            "address": "12 Rue de Rivoli, 75004 Paris, France",
            "subject": "Invoice for March",
            "origin": "chat"
        },
        "created_at": created,
        "updated_at": created + 900_000,
        "waiting_since": created + 300_000
    })
}

static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// Connections the server has accepted so far: a client that keeps its
/// connection alive opens one.
pub fn connections() -> usize {
    CONNECTIONS.load(Ordering::Relaxed)
}

/// Starts the server on its own thread and current-thread runtime, for the
/// rest of the process. `on_server_thread` runs first on that thread (the
/// benches that count allocations use it to leave the server out).
pub fn start(on_server_thread: fn()) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("bench-server".into())
        .spawn(move || {
            on_server_thread();
            let bodies = Arc::new(Bodies::build());
            println!(
                "server bodies: conversation {} B, conversations ({PER_PAGE}) {} B, dispatched {} B",
                bodies.conversation.len(),
                bodies.conversations.len(),
                bodies.dispatched.len()
            );
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("server runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
                tx.send(listener.local_addr().expect("local address")).expect("the bench is waiting");
                loop {
                    let Ok((stream, _)) = listener.accept().await else { continue };
                    CONNECTIONS.fetch_add(1, Ordering::Relaxed);
                    let _ = stream.set_nodelay(true);
                    let bodies = bodies.clone();
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |request| answer(bodies.clone(), request));
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        })
        .expect("spawn the server thread");
    rx.recv().expect("the server reports its address")
}

async fn answer(bodies: Arc<Bodies>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let authorized = request.headers().contains_key(AUTHORIZATION) && request.headers().contains_key("x-crisp-tier");
    let body = route(request.method(), request.uri().path()).map(|pick| pick(&bodies).clone());
    // Read the request body so the connection stays reusable.
    let _ = request.into_body().collect().await;
    let (status, body) = match body {
        _ if !authorized => {
            (StatusCode::UNAUTHORIZED, Bytes::from_static(br#"{"error":true,"reason":"unauthorized"}"#))
        }
        Some(body) => (StatusCode::OK, body),
        None => (StatusCode::NOT_FOUND, Bytes::from_static(br#"{"error":true,"reason":"not_found"}"#)),
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    Ok(response)
}

fn route(method: &Method, path: &str) -> Option<fn(&Bodies) -> &Bytes> {
    let mut parts = path.trim_start_matches('/').split('/');
    let head = [parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next()];
    match (method, head) {
        (&Method::GET, [Some("v1"), Some("website"), Some(_), Some("conversation"), Some(_), None, None]) => {
            Some(|b| &b.conversation)
        }
        (&Method::GET, [Some("v1"), Some("website"), Some(_), Some("conversations"), Some(_), None, None]) => {
            Some(|b| &b.conversations)
        }
        (
            &Method::POST,
            [Some("v1"), Some("website"), Some(_), Some("conversation"), Some(_), Some("message"), None],
        ) => Some(|b| &b.dispatched),
        _ => None,
    }
}

/// The crisp-api client, configured as an application would.
pub fn crisp_client(addr: SocketAddr) -> Crisp {
    Crisp::builder()
        .credentials(IDENTIFIER, KEY)
        .tier(Tier::Plugin)
        .base_url(format!("http://{addr}/v1/"))
        .build()
        .expect("client configuration is valid")
}

/// The message both clients send.
pub fn message() -> ConversationMessageNew {
    ConversationMessageNew::text(
        crisp_api::models::MessageFrom::Operator,
        crisp_api::models::MessageOrigin::Chat,
        "Hello",
    )
}

#[derive(serde::Deserialize)]
struct Envelope<T> {
    data: T,
}

/// The baseline: what a minimal hand-written client does per call (format
/// and parse the URL, set the same headers, collect, decode `data`), with
/// none of crisp-api's checks, retries, timeouts or tracing.
pub struct RawClient {
    http: Client<HttpConnector, Full<Bytes>>,
    base_url: String,
    authorization: HeaderValue,
    user_agent: HeaderValue,
}

impl RawClient {
    pub fn new(addr: SocketAddr) -> Self {
        let mut connector = HttpConnector::new();
        // reqwest turns Nagle off by default; do the same so only the clients differ.
        connector.set_nodelay(true);
        let http = Client::builder(TokioExecutor::new()).build(connector);
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{IDENTIFIER}:{KEY}"));
        Self {
            http,
            base_url: format!("http://{addr}/v1/"),
            authorization: HeaderValue::from_str(&format!("Basic {token}")).expect("base64 is a valid header value"),
            user_agent: HeaderValue::from_static(concat!("crisp-api-rust/", env!("CARGO_PKG_VERSION"))),
        }
    }

    pub async fn get_conversation(&self, website_id: &str, session_id: &str) -> Conversation {
        let uri = format!("{}website/{website_id}/conversation/{session_id}", self.base_url);
        self.call(Method::GET, &uri, None).await
    }

    pub async fn list_conversations(&self, website_id: &str, page: u32, per_page: u64) -> Vec<Conversation> {
        let uri = format!("{}website/{website_id}/conversations/{page}?per_page={per_page}", self.base_url);
        self.call(Method::GET, &uri, None).await
    }

    pub async fn send_message(
        &self,
        website_id: &str,
        session_id: &str,
        message: &ConversationMessageNew,
    ) -> ConversationMessageDispatched {
        let uri = format!("{}website/{website_id}/conversation/{session_id}/message", self.base_url);
        let body = serde_json::to_vec(message).expect("the message serializes");
        self.call(Method::POST, &uri, Some(Bytes::from(body))).await
    }

    async fn call<T: DeserializeOwned>(&self, method: Method, uri: &str, body: Option<Bytes>) -> T {
        let bytes = self.fetch(method, uri, body).await;
        serde_json::from_slice::<Envelope<T>>(&bytes).expect("the envelope decodes").data
    }

    /// The transport floor: the same exchange, the body collected and not decoded.
    pub async fn fetch_route(&self, route: Route, message: &ConversationMessageNew) -> Bytes {
        let (method, uri, body) = route.request(&self.base_url, message);
        self.fetch(method, &uri, body).await
    }

    async fn fetch(&self, method: Method, uri: &str, body: Option<Bytes>) -> Bytes {
        let uri: Uri = uri.parse().expect("valid URI");
        let builder = Request::builder()
            .method(method)
            .uri(uri)
            .header(AUTHORIZATION, self.authorization.clone())
            .header("x-crisp-tier", HeaderValue::from_static("plugin"))
            .header(USER_AGENT, self.user_agent.clone())
            .header(ACCEPT, HeaderValue::from_static("*/*"));
        let request = match body {
            Some(body) => {
                builder.header(CONTENT_TYPE, HeaderValue::from_static("application/json")).body(Full::new(body))
            }
            None => builder.body(Full::new(Bytes::new())),
        }
        .expect("valid request");
        let response = self.http.request(request).await.expect("the local server answers");
        assert!(response.status().is_success(), "unexpected status {}", response.status());
        response.into_body().collect().await.expect("the body arrives").to_bytes()
    }
}

/// The three measured calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    GetConversation,
    ListConversations,
    SendMessage,
}

impl Route {
    pub const ALL: [Route; 3] = [Route::GetConversation, Route::ListConversations, Route::SendMessage];

    pub fn name(self) -> &'static str {
        match self {
            Route::GetConversation => "get conversation",
            Route::ListConversations => "list 20 conversations",
            Route::SendMessage => "send message",
        }
    }

    /// Method, full URL and JSON body, built per call as a client would.
    pub fn request(self, base_url: &str, message: &ConversationMessageNew) -> (Method, String, Option<Bytes>) {
        match self {
            Route::GetConversation => {
                (Method::GET, format!("{base_url}website/{WEBSITE_ID}/conversation/{SESSION_ID}"), None)
            }
            Route::ListConversations => {
                (Method::GET, format!("{base_url}website/{WEBSITE_ID}/conversations/1?per_page={PER_PAGE}"), None)
            }
            Route::SendMessage => {
                let body = serde_json::to_vec(message).expect("the message serializes");
                let uri = format!("{base_url}website/{WEBSITE_ID}/conversation/{SESSION_ID}/message");
                (Method::POST, uri, Some(Bytes::from(body)))
            }
        }
    }
}

/// The common way to call a JSON API without a dedicated client: reqwest,
/// configured like crisp-api's own (rustls with ring, the same roots), and
/// the envelope decoded into an untyped `serde_json::Value`.
pub struct ReqwestValueClient {
    http: reqwest::Client,
    base_url: String,
    authorization: HeaderValue,
}

impl ReqwestValueClient {
    pub fn new(addr: SocketAddr) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .user_agent(concat!("crisp-api-rust/", env!("CARGO_PKG_VERSION")))
            .tls_backend_preconfigured(tls)
            .build()
            .expect("the reqwest client builds");
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{IDENTIFIER}:{KEY}"));
        Self {
            http,
            base_url: format!("http://{addr}/v1/"),
            authorization: HeaderValue::from_str(&format!("Basic {token}")).expect("base64 is a valid header value"),
        }
    }

    pub async fn call(&self, route: Route, message: &ConversationMessageNew) -> Value {
        let (method, uri, body) = route.request(&self.base_url, message);
        let mut request = self
            .http
            .request(method, uri)
            .header(AUTHORIZATION, self.authorization.clone())
            .header("x-crisp-tier", HeaderValue::from_static("plugin"));
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, HeaderValue::from_static("application/json")).body(body);
        }
        let response = request.send().await.expect("the local server answers");
        assert!(response.status().is_success(), "unexpected status {}", response.status());
        let bytes = response.bytes().await.expect("the body arrives");
        serde_json::from_slice::<Envelope<Value>>(&bytes).expect("the envelope decodes").data
    }
}
