//! What every HTTP request must show before the MCP service sees it: the bearer token when one is set, a
//! Crisp keypair when the server holds none (or takes the request's own in place of its), and Hugo's
//! signature when the server has a signing secret. The body is read here, bounded in size and time, so
//! the signature can be checked over the raw bytes; the request then goes on with the
//! [`RequestScope`] it acts with, and without its `Authorization` header.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use crisp_api::Crisp;
use http::{HeaderValue, StatusCode};
use http_body_util::BodyExt as _;
use secrecy::{ExposeSecret as _, SecretString};

use crate::hugo::{self, SignatureProblem};
use crate::options::McpOptions;
use crate::scope::RequestScope;
use crate::tenant::{self, CredentialsProblem};

/// The realm named in `WWW-Authenticate: Basic`.
const REALM: &str = "Basic realm=\"crisp-mcp\", charset=\"UTF-8\"";

/// What the gate checks, built once per server.
pub(crate) struct Gate {
    client: Crisp,
    /// The server holds no key of its own: every request must bring one.
    keyless: bool,
    options: Arc<McpOptions>,
}

/// A request turned away: a status and one sentence, never quoting what was sent.
struct Refusal {
    status: StatusCode,
    message: String,
    challenge: Option<&'static str>,
}

impl Refusal {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), challenge: None }
    }

    fn challenge(mut self, challenge: &'static str) -> Self {
        self.challenge = Some(challenge);
        self
    }

    fn into_response(self) -> Response {
        tracing::info!(status = self.status.as_u16(), reason = %self.message, "refused an HTTP request");
        let mut response = Response::new(Body::from(format!("{}\n", self.message)));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        if let Some(challenge) = self.challenge {
            headers.insert(http::header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        response
    }
}

impl From<CredentialsProblem> for Refusal {
    fn from(problem: CredentialsProblem) -> Self {
        match problem {
            CredentialsProblem::UnknownTier => Refusal::new(StatusCode::BAD_REQUEST, problem.to_string()),
            CredentialsProblem::Malformed | CredentialsProblem::NotAPair => {
                Refusal::new(StatusCode::UNAUTHORIZED, problem.to_string()).challenge(REALM)
            }
        }
    }
}

impl From<SignatureProblem> for Refusal {
    fn from(problem: SignatureProblem) -> Self {
        Refusal::new(StatusCode::UNAUTHORIZED, problem.to_string())
    }
}

impl Gate {
    pub(crate) fn new(client: Crisp, options: Arc<McpOptions>) -> Self {
        let keyless = client.identifier().is_none();
        Self { client, keyless, options }
    }

    /// Lets the request through with its scope, or answers the refusal.
    pub(crate) async fn admit(self: Arc<Self>, request: Request, next: Next) -> Response {
        match self.check(request).await {
            Ok(request) => next.run(request).await,
            Err(refusal) => refusal.into_response(),
        }
    }

    async fn check(&self, request: Request) -> Result<Request, Refusal> {
        let (mut parts, body) = request.into_parts();
        if let Some(token) = &self.options.http_token
            && !bearer_matches(&parts.headers, token)
        {
            return Err(Refusal::new(StatusCode::UNAUTHORIZED, "a bearer token is required").challenge("Bearer"));
        }
        let credentials = tenant::credentials_of(&parts.headers)?;
        if credentials.is_none() && self.keyless {
            return Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                "this server holds no Crisp key: send your token as `Authorization: Basic base64(identifier:key)` \
                 with `X-Crisp-Tier: user|website|plugin`",
            )
            .challenge(REALM));
        }
        let body = self.read_body(&parts.headers, body).await?;
        let hugo = match &self.options.hugo_secret {
            Some(secret) => Some(hugo::verify(secret, &parts.headers, &body, hugo::unix_now())?),
            None => None,
        };
        let client = match credentials {
            Some(tenant) => {
                self.client.with_credentials(tenant.identifier, tenant.key.expose_secret().to_owned(), tenant.tier)
            }
            None => self.client.clone(),
        };
        let (website_id, website_signed, session_id) = match hugo {
            Some(signed) => (Some(signed.website_id), true, signed.session_id),
            None => (self.options.website_id.clone(), false, None),
        };
        // Nothing past this point needs the keypair or the token: no later layer or log can show them.
        parts.headers.remove(http::header::AUTHORIZATION);
        parts.extensions.insert(RequestScope { client, website_id, website_signed, session_id });
        Ok(Request::from_parts(parts, Body::from(body)))
    }

    /// The whole body, at most `max_body_bytes`, within `read_timeout`.
    async fn read_body(&self, headers: &http::HeaderMap, body: Body) -> Result<Bytes, Refusal> {
        let limits = &self.options.http_limits;
        let too_large = || {
            Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than this server accepts ({} bytes)", limits.max_body_bytes),
            )
        };
        let declared = headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|length| length.to_str().ok())
            .and_then(|length| length.trim().parse::<u64>().ok());
        if declared.is_some_and(|length| length > limits.max_body_bytes as u64) {
            return Err(too_large());
        }
        let limited = http_body_util::Limited::new(body, limits.max_body_bytes);
        match tokio::time::timeout(limits.read_timeout, limited.collect()).await {
            Err(_) => Err(Refusal::new(StatusCode::REQUEST_TIMEOUT, "the request body took too long to arrive")),
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
            Ok(Err(err)) if err.downcast_ref::<http_body_util::LengthLimitError>().is_some() => Err(too_large()),
            Ok(Err(_)) => Err(Refusal::new(StatusCode::BAD_REQUEST, "the request body could not be read")),
        }
    }
}

/// Whether the headers carry `Authorization: Bearer {token}`, compared in constant time for equal lengths.
fn bearer_matches(headers: &http::HeaderMap, token: &SecretString) -> bool {
    let expected = token.expose_secret().as_bytes();
    let Some(given) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    else {
        return false;
    };
    let given = given.trim().as_bytes();
    given.len() == expected.len() && given.iter().zip(expected).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
}
