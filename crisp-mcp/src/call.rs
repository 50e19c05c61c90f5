//! Turns a tool call's arguments into a request, through the catalog's argument reader
//! (`crisp_api::catalog`) and the client's pipeline (pacing, retries, typed errors), and its answer into the
//! compact JSON the model reads.

use crisp_api::catalog::{Argument, ArgumentError, Arguments, Kind, Paging, Response};
use crisp_api::{Call, Crisp};
use serde_json::{Map, Value, json};

use crate::catalog::ToolDef;

/// A call the model can fix: one sentence saying what is wrong.
#[derive(Debug)]
pub(crate) struct ArgumentProblem(pub(crate) String);

/// A tool call's JSON arguments, as the catalog reader asks for them: the page of a paged route comes
/// from `cursor`, and `website_id` from the server's options when the model leaves it out.
struct ToolArguments<'a> {
    args: &'a Map<String, Value>,
    website_id: Option<&'a str>,
}

impl ToolArguments<'_> {
    fn present(&self, name: &str) -> Option<&Value> {
        self.args.get(name).filter(|v| !v.is_null())
    }
}

impl Arguments for ToolArguments<'_> {
    fn argument(&self, name: &str) -> Result<Option<Argument>, ArgumentError> {
        match name {
            "page_number" => page_of(self.present("cursor")).map(|page| Some(Argument::Text(page.to_string()))),
            "website_id" => Ok(self
                .present(name)
                .cloned()
                .or_else(|| self.website_id.map(|id| Value::String(id.to_owned())))
                .map(Argument::Json)),
            _ => Ok(self.present(name).cloned().map(Argument::Json)),
        }
    }
}

/// Reads `page:N` (or a bare `N`).
fn page_of(cursor: Option<&Value>) -> Result<u32, ArgumentError> {
    let invalid = |found: String| ArgumentError::Invalid {
        argument: "cursor".into(),
        expected: "a next_cursor value like \"page:2\"",
        found,
    };
    let Some(cursor) = cursor else { return Ok(1) };
    let text = match cursor {
        Value::String(text) => text.strip_prefix("page:").unwrap_or(text).to_owned(),
        Value::Number(number) => number.to_string(),
        Value::Bool(_) => return Err(invalid("a boolean".into())),
        Value::Array(_) => return Err(invalid("an array".into())),
        Value::Object(_) => return Err(invalid("an object".into())),
        Value::Null => return Ok(1),
    };
    match text.trim().parse::<u32>() {
        Ok(page) if page >= 1 => Ok(page),
        _ => Err(invalid(format!("`{text}`"))),
    }
}

/// The names a tool accepts, for error messages: its schema's properties, in order.
fn accepted(def: &ToolDef) -> Vec<&'static str> {
    let endpoint = def.endpoint;
    let mut names: Vec<&'static str> = endpoint
        .path_params
        .iter()
        .map(|p| if p.kind == Kind::Page { "cursor" } else { p.name })
        .chain(endpoint.query.iter().map(|q| q.name))
        .collect();
    if def.input_schema.contains("\"body\":") {
        names.push("body");
    }
    names
}

/// The names the tool's published schema requires.
fn required(def: &ToolDef) -> Vec<String> {
    let schema: Value = serde_json::from_str(def.input_schema).unwrap_or_default();
    schema["required"]
        .as_array()
        .map(|list| list.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// Builds the request for `def` from `args`.
pub(crate) fn build(
    client: &Crisp,
    def: &ToolDef,
    args: &Map<String, Value>,
    website_id: Option<&str>,
) -> Result<Call<Value>, ArgumentProblem> {
    let accepted = accepted(def);
    if let Some(unknown) = args.keys().find(|key| !accepted.contains(&key.as_str())) {
        return Err(ArgumentProblem(format!(
            "`{}` takes no argument `{unknown}`; it takes: {}",
            def.name,
            if accepted.is_empty() { "none".to_owned() } else { accepted.join(", ") }
        )));
    }
    let arguments = ToolArguments { args, website_id };
    let needs = |name: &str| ArgumentProblem(format!("`{}` needs the argument `{name}`", def.name));
    for name in required(def) {
        if arguments.argument(&name).map_err(|e| ArgumentProblem(e.to_string()))?.is_none() {
            return Err(needs(&name));
        }
    }
    let request = def.endpoint.request(&arguments).map_err(|err| match err {
        ArgumentError::Missing { argument } => needs(&argument),
        other => ArgumentProblem(other.to_string()),
    })?;
    Ok(request.call(client))
}

/// Sends the call and shapes the answer: `{"exists": ..}` for HEAD, `{"items": [..], "next_cursor": ..}` for
/// lists, the data itself otherwise.
pub(crate) async fn run(def: &ToolDef, call: Call<Value>) -> crisp_api::Result<Value> {
    let endpoint = def.endpoint;
    let paged = endpoint.paging == Paging::Page;
    match endpoint.response {
        Response::Exists => Ok(json!({"exists": call.send_exists().await?})),
        Response::Data(kind) if paged || matches!(kind, Kind::List(_)) => {
            let page = call.page_number();
            let data = call.send().await?;
            let items = match data {
                Value::Array(items) => items,
                // Crisp answers `{}` or nothing for an empty list on some routes.
                Value::Object(map) if map.is_empty() => Vec::new(),
                Value::Null => Vec::new(),
                other => return Ok(other),
            };
            let mut out = Map::new();
            let more = paged && !items.is_empty();
            out.insert("items".into(), Value::Array(items));
            if more {
                out.insert("next_cursor".into(), json!(format!("page:{}", page.saturating_add(1))));
            }
            Ok(Value::Object(out))
        }
        Response::Data(_) => call.send().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_page_numbers() {
        assert_eq!(page_of(None).unwrap(), 1);
        assert_eq!(page_of(Some(&json!("page:3"))).unwrap(), 3);
        assert_eq!(page_of(Some(&json!(2))).unwrap(), 2);
        assert!(page_of(Some(&json!("page:0"))).unwrap_err().to_string().contains("page:2"));
        assert!(page_of(Some(&json!("next"))).is_err());
        assert!(page_of(Some(&json!(true))).is_err());
    }
}
