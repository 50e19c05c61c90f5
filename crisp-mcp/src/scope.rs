//! What one tool call acts with: the Crisp client (the server's, or one holding the request's own keypair)
//! and the website and conversation a call defaults to. Over HTTP the request gate builds it from the
//! headers and puts it in the request's extensions; over stdio it is the server's own.

use std::sync::Arc;

use crisp_api::Crisp;
use rmcp::RoleServer;
use rmcp::model::{JsonObject, Tool};
use rmcp::service::RequestContext;
use serde_json::Value;

use crate::catalog::ToolDef;
use crate::options::McpOptions;

/// The client and defaults of one request.
#[derive(Clone, Debug)]
pub(crate) struct RequestScope {
    /// Holds the request's keypair when it brought one (sharing the server client's connections).
    pub(crate) client: Crisp,
    /// The website a call leaving out `website_id` acts on.
    pub(crate) website_id: Option<String>,
    /// Whether that website was signed by Hugo: the call may then not name another one.
    pub(crate) website_signed: bool,
    /// The conversation a call leaving out `session_id` acts on (Hugo's `X-Crisp-Session-Id`).
    pub(crate) session_id: Option<String>,
}

impl RequestScope {
    /// The server's own client and default website.
    pub(crate) fn of_server(client: &Crisp, options: &McpOptions) -> Self {
        Self { client: client.clone(), website_id: options.website_id.clone(), website_signed: false, session_id: None }
    }

    /// The scope the HTTP gate attached to this request, if it came over HTTP.
    pub(crate) fn of_request(context: &RequestContext<RoleServer>) -> Option<Self> {
        let parts = context.extensions.get::<http::request::Parts>()?;
        parts.extensions.get::<Self>().cloned()
    }

    /// Fills `session_id` from the scope when the tool takes one and the call leaves it out, and refuses a
    /// `website_id` other than the signed one. The website default itself is applied by the argument reader.
    pub(crate) fn fill(&self, def: &ToolDef, arguments: &mut JsonObject) -> Result<(), String> {
        let takes = |name: &str| def.endpoint.path_params.iter().chain(def.endpoint.query).any(|p| p.name == name);
        if takes("website_id") {
            self.check_website(arguments)?;
        }
        if let Some(session_id) = &self.session_id
            && takes("session_id")
            && arguments.get("session_id").is_none_or(Value::is_null)
        {
            arguments.insert("session_id".into(), Value::String(session_id.clone()));
        }
        Ok(())
    }

    /// Refuses a `website_id` other than the one the request is signed for.
    pub(crate) fn check_website(&self, arguments: &JsonObject) -> Result<(), String> {
        if self.website_signed
            && let (Some(signed), Some(Value::String(asked))) = (&self.website_id, arguments.get("website_id"))
            && asked != signed
        {
            return Err(format!(
                "this request is signed for website {signed}; `website_id` names another website, which it may not reach"
            ));
        }
        Ok(())
    }
}

/// A tool as a server that takes Hugo's requests lists it: `website_id` and `session_id` come from each
/// request's headers, so the model may leave them out. Other servers list it unchanged.
pub(crate) fn with_request_defaults(mut tool: Tool, options: &McpOptions) -> Tool {
    if options.hugo_secret.is_none() {
        return tool;
    }
    let mut schema = (*tool.input_schema).clone();
    let defaults = [
        ("website_id", "defaults to the website the request is signed for (X-Crisp-Website-Id)"),
        ("session_id", "defaults to the conversation the request comes from (X-Crisp-Session-Id), when it names one"),
    ];
    for (name, about) in defaults {
        let Some(property) = schema.get_mut("properties").and_then(|p| p.get_mut(name)) else { continue };
        if let Some(property) = property.as_object_mut() {
            property.insert("description".into(), about.into());
        }
        if let Some(Value::Array(required)) = schema.get_mut("required") {
            required.retain(|required| required != name);
        }
    }
    tool.input_schema = Arc::new(schema);
    tool
}
