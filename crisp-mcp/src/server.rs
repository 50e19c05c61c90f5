//! The MCP handler: lists the tools the options allow and runs calls, serves the resources and the prompts.
//! It dispatches only: route tools run through `call`, workflow tools through `workflow`, resources through
//! `resources` and prompts through `prompts`.
//!
//! Tools come from a runtime table rather than rmcp's `#[tool]` macro: there are over two hundred, they are
//! generated from the spec, and which of them a server exposes depends on its options.

use std::collections::BTreeMap;
use std::sync::Arc;

use crisp_api::Crisp;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, GetPromptRequestParams, GetPromptResponse,
    GetPromptResult, Implementation, JsonObject, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult,
    ListToolsResult, MetaObject, PaginatedRequestParams, Prompt, PromptArgument, PromptMessage,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource, ResourceContents, ResourceTemplate,
    Role, ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;

use crate::catalog::{Access, ToolDef};
use crate::compact::{Limits, as_object, render, shape};
use crate::generated::tools::TOOLS;
use crate::options::McpOptions;
use crate::prompts::{Defaulted, PROMPTS};
use crate::resources::{ResourceBody, ResourceUri, TEMPLATES};
use crate::scope::{self, RequestScope};
use crate::subscriptions::Subscriptions;
use crate::workflow::{WORKFLOWS, WorkflowDef, WorkflowError};
use rmcp::model::{SubscribeRequestParams, UnsubscribeRequestParams};

/// The `_meta` key telling a client which toolset a tool belongs to.
pub const TOOLSET_META: &str = "crisp/toolset";

/// A tool the server knows: a route of the spec, or a workflow over several.
#[derive(Debug, Clone, Copy)]
enum Entry {
    Route(&'static ToolDef),
    Workflow(&'static WorkflowDef),
}

impl Entry {
    fn find(name: &str) -> Option<Self> {
        TOOLS
            .iter()
            .find(|def| def.name == name)
            .map(Entry::Route)
            .or_else(|| crate::workflow::find(name).map(Entry::Workflow))
    }

    fn name(self) -> &'static str {
        match self {
            Entry::Route(def) => def.name,
            Entry::Workflow(def) => def.name,
        }
    }

    fn toolset(self) -> &'static str {
        match self {
            Entry::Route(def) => def.toolset,
            Entry::Workflow(def) => def.toolset,
        }
    }

    fn access(self) -> Access {
        match self {
            Entry::Route(def) => def.access,
            Entry::Workflow(def) => def.access,
        }
    }

    /// Whether the default toolset holds it: workflow tools always are.
    fn in_default_set(self) -> bool {
        match self {
            Entry::Route(def) => def.default,
            Entry::Workflow(_) => true,
        }
    }
}

/// An MCP server over one Crisp client. Cheap to clone: the HTTP transport makes one per session, and each
/// clone starts with no resource subscriptions of its own.
pub struct CrispMcp {
    client: Crisp,
    options: Arc<McpOptions>,
    /// The tools this server exposes, built once.
    tools: Arc<Vec<(Entry, Tool)>>,
    /// This session's resource subscriptions.
    subscriptions: Subscriptions,
}

impl Clone for CrispMcp {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            options: Arc::clone(&self.options),
            tools: Arc::clone(&self.tools),
            subscriptions: Subscriptions::default(),
        }
    }
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
fn refusal(entry: Entry, options: &McpOptions) -> Option<String> {
    let name = entry.name();
    match entry.access() {
        Access::Write | Access::Destructive if !options.allow_writes => {
            return Some(format!(
                "`{name}` changes data in Crisp and this server is read-only; restart it with `--allow-writes` to allow changes"
            ));
        }
        Access::Destructive if !options.allow_destructive => {
            return Some(format!(
                "`{name}` is destructive (it removes data, touches many records or cannot be undone); restart the server with `--allow-destructive` to allow it"
            ));
        }
        Access::Read | Access::Write | Access::Destructive => {}
    }
    let toolset = entry.toolset();
    if !options.toolsets.selects(toolset, entry.in_default_set()) {
        return Some(format!(
            "`{name}` is in the `{toolset}` toolset, which this server does not expose; restart it with `--toolsets {}` (or `all`) to use it",
            if options.toolsets.includes_default() { format!("default,{toolset}") } else { toolset.to_owned() }
        ));
    }
    None
}

/// Leaves `website_id` out of `required` when the server knows it, and says so.
fn default_website(schema: &mut JsonObject, website_id: Option<&str>) {
    let Some(website_id) = website_id else { return };
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.retain(|name| name != "website_id");
    }
    if let Some(property) = schema.get_mut("properties").and_then(|p| p.get_mut("website_id")) {
        property["description"] = format!("defaults to {website_id}").into();
    }
}

fn object_of(value: Value) -> JsonObject {
    match value {
        Value::Object(map) => map,
        _ => JsonObject::new(),
    }
}

fn tool_of(entry: Entry, website_id: Option<&str>) -> Tool {
    let (name, title, description, input, output, idempotent) = match entry {
        Entry::Route(def) => (
            def.name,
            def.title(),
            def.description,
            serde_json::from_str(def.input_schema).unwrap_or_default(),
            def.output_schema.and_then(|schema| serde_json::from_str(schema).ok()),
            def.idempotent(),
        ),
        Entry::Workflow(def) => (
            def.name,
            def.title,
            def.description,
            object_of((def.input_schema)()),
            Some(object_of((def.output_schema)())),
            def.idempotent,
        ),
    };
    let mut input: JsonObject = input;
    default_website(&mut input, website_id);
    let access = entry.access();
    let annotations = ToolAnnotations::with_title(title)
        .read_only(access == Access::Read)
        .destructive(access == Access::Destructive)
        .idempotent(idempotent)
        .open_world(false);
    let mut meta = JsonObject::new();
    meta.insert(TOOLSET_META.into(), entry.toolset().into());
    let tool = Tool::new(name, description, Arc::new(input))
        .with_title(title)
        .with_annotations(annotations)
        .with_meta(MetaObject(meta));
    match output {
        Some(output) => tool.with_raw_output_schema(Arc::new(output)),
        None => tool,
    }
}

fn error_result(message: impl Into<String>) -> CallToolResponse {
    let mut message = message.into();
    if !message.ends_with('.') {
        message.push('.');
    }
    CallToolResult::error(vec![ContentBlock::text(message)]).into()
}

/// A successful result: with an output schema, the compact value as `structuredContent` and, for clients that
/// read only text, the same JSON as text; without one, the compact text alone.
fn success(value: Value, limits: Limits, structured: bool) -> CallToolResponse {
    if structured {
        CallToolResult::structured(shape(as_object(value), limits)).into()
    } else {
        CallToolResult::success(vec![ContentBlock::text(render(value, limits))]).into()
    }
}

impl CrispMcp {
    /// A server calling Crisp through `client`, exposing what `options` allow.
    pub fn new(client: Crisp, options: McpOptions) -> Self {
        let website_id = options.website_id.as_deref();
        let entries = TOOLS.iter().map(Entry::Route).chain(WORKFLOWS.iter().map(Entry::Workflow));
        let tools = entries
            .filter(|entry| refusal(*entry, &options).is_none())
            .map(|entry| (entry, scope::with_request_defaults(tool_of(entry, website_id), &options)))
            .collect();
        Self { client, options: Arc::new(options), tools: Arc::new(tools), subscriptions: Subscriptions::default() }
    }

    /// The tools this server exposes, as `tools/list` answers them.
    pub fn tools(&self) -> Vec<Tool> {
        self.tools.iter().map(|(_, tool)| tool.clone()).collect()
    }

    /// The names of the tools this server exposes.
    pub fn tool_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.tools.iter().map(|(entry, _)| entry.name())
    }

    /// Runs one tool; every failure the model can act on is an error result, not a protocol error.
    pub async fn call(&self, name: &str, arguments: Option<JsonObject>) -> Result<CallToolResult, ErrorData> {
        let Some(entry) = Entry::find(name) else {
            return Err(ErrorData::invalid_params(format!("there is no tool `{name}`"), None));
        };
        let scope = RequestScope::of_server(&self.client, &self.options);
        match self.call_entry(entry, arguments.unwrap_or_default(), &scope).await {
            CallToolResponse::Complete(result) => Ok(result),
            _ => Err(ErrorData::internal_error("unexpected tool response", None)),
        }
    }

    fn limits(&self) -> Limits {
        Limits { max_bytes: self.options.max_result_bytes, max_text_chars: self.options.max_text_chars }
    }

    async fn call_entry(&self, entry: Entry, mut arguments: JsonObject, scope: &RequestScope) -> CallToolResponse {
        if let Some(refused) = refusal(entry, &self.options) {
            tracing::info!(tool = entry.name(), "refused a tool call the options do not allow");
            return error_result(refused);
        }
        let website_id = scope.website_id.as_deref();
        match entry {
            Entry::Route(def) => {
                if let Err(refused) = scope.fill(def, &mut arguments) {
                    return error_result(refused);
                }
                let call = match crate::call::build(&scope.client, def, &arguments, website_id) {
                    Ok(call) => call,
                    Err(err) => return error_result(format!("Bad arguments: {}", err.0)),
                };
                match crate::call::run(def, call).await {
                    Ok(value) => success(value, self.limits(), def.output_schema.is_some()),
                    // The client's errors are one sentence that never carries the key.
                    Err(err) => error_result(err.to_string()),
                }
            }
            Entry::Workflow(def) => {
                if let Err(refused) = scope.check_website(&arguments) {
                    return error_result(refused);
                }
                let session_id = scope.session_id.as_deref();
                match crate::workflow::run(def, &scope.client, website_id, session_id, &arguments).await {
                    Ok(value) => success(value, self.limits(), true),
                    Err(err) => error_result(err.to_string()),
                }
            }
        }
    }

    /// What a request acts with: over HTTP, the keypair and defaults its gate attached; over stdio, the server's.
    fn scope_of(&self, context: &RequestContext<RoleServer>) -> RequestScope {
        RequestScope::of_request(context).unwrap_or_else(|| RequestScope::of_server(&self.client, &self.options))
    }

    /// Whether the resources may be read: they use the conversation and message reads, so the toolsets must
    /// expose those.
    fn resources_allowed(&self) -> bool {
        ["list_conversations", "get_messages_in_conversation"]
            .iter()
            .all(|name| Entry::find(name).is_some_and(|entry| refusal(entry, &self.options).is_none()))
    }

    /// The resource a URI names, if it is one and this server's toolsets let its resources be read.
    fn resource(&self, uri: &str) -> Result<ResourceUri, ErrorData> {
        let Some(resource) = ResourceUri::parse(uri) else {
            return Err(ErrorData::resource_not_found(format!("there is no resource `{uri}`"), None));
        };
        if !self.resources_allowed() {
            return Err(ErrorData::invalid_params(
                "this server's toolsets do not expose the conversation reads its resources use",
                None,
            ));
        }
        Ok(resource)
    }
}

impl ServerHandler for CrispMcp {
    fn get_info(&self) -> ServerConfig {
        let mode = match (self.options.allow_writes, self.options.allow_destructive) {
            (false, _) => "read-only",
            (true, false) => "writes allowed, destructive tools off",
            (true, true) => "writes and destructive tools allowed",
        };
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_prompts()
                .enable_resources()
                .enable_resources_subscribe()
                .build(),
        )
        .with_server_info(Implementation::new("crisp-mcp", env!("CARGO_PKG_VERSION")))
        .with_instructions(format!(
            "Tools over the Crisp customer-messaging API ({mode}; toolsets: {}). Conversations are identified by \
                 session_id, contacts by people_id; most tools need the website_id. Lists are paged: pass next_cursor \
                 back as cursor. Start with list_conversations_awaiting_reply or list_conversations, and read one \
                 conversation with get_conversation_context.",
            self.options.toolsets
        ))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|(entry, _)| entry.name() == name).map(|(_, tool)| tool.clone())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(entry) = Entry::find(&request.name) else {
            return Err(ErrorData::invalid_params(format!("there is no tool `{}`", request.name), None));
        };
        // Over HTTP, the request's own keypair and defaults; over stdio, the server's.
        let scope = self.scope_of(&context);
        Ok(self.call_entry(entry, request.arguments.unwrap_or_default(), &scope).await)
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let resources = match self.options.website_id.as_deref() {
            Some(website_id) if self.resources_allowed() => crate::resources::listed(website_id)
                .into_iter()
                .map(|(uri, name, about, mime)| Resource::new(uri, name).with_description(about).with_mime_type(mime))
                .collect(),
            // Without a website the lists are templates only.
            _ => Vec::new(),
        };
        Ok(ListResourcesResult::with_all_items(resources))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let templates = if self.resources_allowed() {
            TEMPLATES
                .iter()
                .map(|(template, name, about, mime)| {
                    ResourceTemplate::new(*template, *name).with_description(*about).with_mime_type(*mime)
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(ListResourceTemplatesResult::with_all_items(templates))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let resource = self.resource(&request.uri)?;
        let body =
            crate::resources::read(&self.scope_of(&context).client, &resource).await.map_err(|err| match err {
                WorkflowError::Argument(problem) => ErrorData::invalid_params(problem, None),
                // One sentence, never the key.
                WorkflowError::Crisp(err) => ErrorData::internal_error(err.to_string(), None),
            })?;
        let text = match body {
            ResourceBody::Json(value) => shape(value, self.limits()).to_string(),
            ResourceBody::Markdown(text) => text,
        };
        let contents = ResourceContents::text(text, resource.uri()).with_mime_type(resource.mime_type());
        Ok(ReadResourceResult::new(vec![contents]).into())
    }

    // `resources/subscribe` is what the session-based revisions have; the 2026-07-28 `subscriptions/listen` is
    // not served.
    #[allow(deprecated)]
    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.resource(&request.uri)?;
        let client = self.scope_of(&context).client;
        self.subscriptions.subscribe(request.uri, context.peer.clone(), &client);
        Ok(())
    }

    #[allow(deprecated)]
    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.subscriptions.unsubscribe(&request.uri);
        Ok(())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        let website_known = self.options.website_id.is_some();
        let prompts = PROMPTS
            .iter()
            .map(|def| {
                let arguments = def
                    .arguments
                    .iter()
                    .map(|arg| {
                        let required = match arg.defaulted_by {
                            Defaulted::Website => !website_known,
                            // The default conversation comes with a request, never with the listing.
                            Defaulted::Session => true,
                            Defaulted::Value => false,
                        };
                        PromptArgument::new(arg.name).with_description(arg.description).with_required(required)
                    })
                    .collect();
                Prompt::new(def.name, Some(def.description), Some(arguments)).with_title(def.title)
            })
            .collect();
        Ok(ListPromptsResult::with_all_items(prompts))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let arguments: BTreeMap<String, String> = request
            .arguments
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(name, value)| match value {
                Value::String(text) => Some((name, text)),
                Value::Null => None,
                other => Some((name, other.to_string())),
            })
            .collect();
        let (text, title) = crate::prompts::render(&request.name, &arguments, self.options.website_id.as_deref(), None)
            .map_err(|problem| ErrorData::invalid_params(problem.0, None))?;
        Ok(GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)]).with_description(title).into())
    }
}
