//! The MCP handler: lists the tools the options allow, runs calls, and serves one prompt.
//!
//! Tools come from a runtime table rather than rmcp's `#[tool]` macro: there are over two hundred, they are
//! generated from the spec, and which of them a server exposes depends on its options.

use std::sync::Arc;

use crisp_api::Crisp;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, GetPromptRequestParams, GetPromptResponse,
    GetPromptResult, Implementation, JsonObject, ListPromptsResult, ListToolsResult, MetaObject,
    PaginatedRequestParams, Prompt, PromptArgument, PromptMessage, Role, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};

use crate::catalog::{Access, ToolDef};
use crate::compact::{Limits, render};
use crate::generated::tools::TOOLS;
use crate::options::McpOptions;
use crate::scope::{self, RequestScope};

const TRIAGE_PROMPT: &str = "triage_unresolved";
/// The `_meta` key telling a client which toolset a tool belongs to.
pub const TOOLSET_META: &str = "crisp/toolset";

/// An MCP server over one Crisp client. Cheap to clone: the HTTP transport makes one per session.
#[derive(Clone)]
pub struct CrispMcp {
    client: Crisp,
    options: Arc<McpOptions>,
    /// The tools this server exposes, built once.
    tools: Arc<Vec<(&'static ToolDef, Tool)>>,
}

impl std::fmt::Debug for CrispMcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrispMcp")
            .field("options", &self.options)
            .field("tools", &self.tools.len())
            .finish_non_exhaustive()
    }
}

/// Why a known tool is not available, as a sentence for the model (and its user).
fn refusal(def: &ToolDef, options: &McpOptions) -> Option<String> {
    match def.access {
        Access::Write | Access::Destructive if !options.allow_writes => {
            return Some(format!(
                "`{}` changes data in Crisp and this server is read-only; restart it with `--allow-writes` to allow changes",
                def.name
            ));
        }
        Access::Destructive if !options.allow_destructive => {
            return Some(format!(
                "`{}` is destructive (it removes data, touches many records or cannot be undone); restart the server with `--allow-destructive` to allow it",
                def.name
            ));
        }
        Access::Read | Access::Write | Access::Destructive => {}
    }
    if !options.toolsets.selects(def.toolset, def.default) {
        return Some(format!(
            "`{}` is in the `{}` toolset, which this server does not expose; restart it with `--toolsets {}` (or `all`) to use it",
            def.name,
            def.toolset,
            if options.toolsets.includes_default() {
                format!("default,{}", def.toolset)
            } else {
                def.toolset.to_owned()
            }
        ));
    }
    None
}

fn tool_of(def: &'static ToolDef, website_id: Option<&str>) -> Tool {
    let mut schema: JsonObject = serde_json::from_str(def.input_schema).unwrap_or_default();
    if let Some(website_id) = website_id {
        // The server knows the website: the model may leave it out.
        if let Some(serde_json::Value::Array(required)) = schema.get_mut("required") {
            required.retain(|name| name != "website_id");
        }
        if let Some(property) = schema.get_mut("properties").and_then(|p| p.get_mut("website_id")) {
            property["description"] = format!("defaults to {website_id}").into();
        }
    }
    let annotations = ToolAnnotations::with_title(def.title())
        .read_only(def.access == Access::Read)
        .destructive(def.access == Access::Destructive)
        .idempotent(def.idempotent())
        .open_world(false);
    let mut meta = JsonObject::new();
    meta.insert(TOOLSET_META.into(), def.toolset.into());
    Tool::new(def.name, def.description, Arc::new(schema))
        .with_title(def.title())
        .with_annotations(annotations)
        .with_meta(MetaObject(meta))
}

fn error_result(message: impl Into<String>) -> CallToolResponse {
    let mut message = message.into();
    if !message.ends_with('.') {
        message.push('.');
    }
    CallToolResult::error(vec![ContentBlock::text(message)]).into()
}

impl CrispMcp {
    /// A server calling Crisp through `client`, exposing what `options` allow.
    pub fn new(client: Crisp, options: McpOptions) -> Self {
        let tools = TOOLS
            .iter()
            .filter(|def| refusal(def, &options).is_none())
            .map(|def| (def, scope::with_request_defaults(tool_of(def, options.website_id.as_deref()), &options)))
            .collect();
        Self { client, options: Arc::new(options), tools: Arc::new(tools) }
    }

    /// The tools this server exposes, as `tools/list` answers them.
    pub fn tools(&self) -> Vec<Tool> {
        self.tools.iter().map(|(_, tool)| tool.clone()).collect()
    }

    /// The names of the tools this server exposes.
    pub fn tool_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.tools.iter().map(|(def, _)| def.name)
    }

    /// Runs one tool; every failure the model can act on is an error result, not a protocol error.
    pub async fn call(&self, name: &str, arguments: Option<JsonObject>) -> Result<CallToolResult, ErrorData> {
        let Some(def) = TOOLS.iter().find(|def| def.name == name) else {
            return Err(ErrorData::invalid_params(format!("there is no tool `{name}`"), None));
        };
        let scope = RequestScope::of_server(&self.client, &self.options);
        let response = self.call_def(def, arguments.unwrap_or_default(), &scope).await;
        match response {
            CallToolResponse::Complete(result) => Ok(result),
            _ => Err(ErrorData::internal_error("unexpected tool response", None)),
        }
    }

    async fn call_def(
        &self,
        def: &'static ToolDef,
        mut arguments: JsonObject,
        scope: &RequestScope,
    ) -> CallToolResponse {
        if let Some(refused) = refusal(def, &self.options) {
            tracing::info!(tool = def.name, "refused a tool call the options do not allow");
            return error_result(refused);
        }
        if let Err(refused) = scope.fill(def, &mut arguments) {
            return error_result(refused);
        }
        let call = match crate::call::build(&scope.client, def, &arguments, scope.website_id.as_deref()) {
            Ok(call) => call,
            Err(err) => return error_result(format!("Bad arguments: {}", err.0)),
        };
        match crate::call::run(def, call).await {
            Ok(value) => {
                let limits =
                    Limits { max_bytes: self.options.max_result_bytes, max_text_chars: self.options.max_text_chars };
                CallToolResult::success(vec![ContentBlock::text(render(value, limits))]).into()
            }
            // The client's errors are one sentence that never carries the key.
            Err(err) => error_result(err.to_string()),
        }
    }

    fn triage_prompt(&self, website_id: Option<&str>, limit: Option<&str>) -> String {
        let website = match website_id.or(self.options.website_id.as_deref()) {
            Some(id) => format!("website `{id}`"),
            None => "the website (ask me for its website_id if you don't know it)".to_owned(),
        };
        let limit = limit.and_then(|l| l.trim().parse::<u32>().ok()).unwrap_or(20).clamp(1, 100);
        format!(
            "Triage the unresolved conversations of {website}.\n\
             1. Call `list_conversations` with filter_not_resolved=true and per_page={limit}.\n\
             2. For each conversation, read it with `get_messages_in_conversation` (and `get_conversation` for the visitor's \
             name, email and assignee).\n\
             3. Answer with one line per conversation: who, what they need in a few words, urgency (high/normal/low), \
             whether it waits on us, and the next step you suggest. Put the urgent ones first.\n\
             Do not send messages or change anything unless I ask you to."
        )
    }
}

impl ServerHandler for CrispMcp {
    fn get_info(&self) -> ServerConfig {
        let mode = match (self.options.allow_writes, self.options.allow_destructive) {
            (false, _) => "read-only",
            (true, false) => "writes allowed, destructive tools off",
            (true, true) => "writes and destructive tools allowed",
        };
        ServerConfig::new(ServerCapabilities::builder().enable_tools().enable_prompts().build())
            .with_server_info(Implementation::new("crisp-mcp", env!("CARGO_PKG_VERSION")))
            .with_instructions(format!(
                "Tools over the Crisp customer-messaging API ({mode}; toolsets: {}). Conversations are identified by \
                 session_id, contacts by people_id; most tools need the website_id. Lists are paged: pass next_cursor \
                 back as cursor. Start with list_conversations.",
                self.options.toolsets
            ))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.iter().map(|(_, tool)| tool.clone()).collect()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|(def, _)| def.name == name).map(|(_, tool)| tool.clone())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(def) = TOOLS.iter().find(|def| def.name == request.name) else {
            return Err(ErrorData::invalid_params(format!("there is no tool `{}`", request.name), None));
        };
        // Over HTTP, the request's own keypair and defaults; over stdio, the server's.
        let scope =
            RequestScope::of_request(&context).unwrap_or_else(|| RequestScope::of_server(&self.client, &self.options));
        Ok(self.call_def(def, request.arguments.unwrap_or_default(), &scope).await)
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        let prompt = Prompt::new(
            TRIAGE_PROMPT,
            Some("Summarise the unresolved conversations: who, what they need, urgency and a next step."),
            Some(vec![
                PromptArgument::new("website_id")
                    .with_description("the website to triage (defaults to the server's website)")
                    .with_required(self.options.website_id.is_none()),
                PromptArgument::new("limit")
                    .with_description("how many conversations to look at (default 20)")
                    .with_required(false),
            ]),
        );
        Ok(ListPromptsResult::with_all_items(vec![prompt]))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        if request.name != TRIAGE_PROMPT {
            return Err(ErrorData::invalid_params(format!("there is no prompt `{}`", request.name), None));
        }
        let argument = |name: &str| request.arguments.as_ref().and_then(|a| a.get(name)).and_then(|v| v.as_str());
        let text = self.triage_prompt(argument("website_id"), argument("limit"));
        Ok(GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
            .with_description("Triage unresolved conversations")
            .into())
    }
}
