//! Golden tests of the generators: for a few representative endpoints, what each backend renders
//! (client method and builder, catalog entry, command-line entry, MCP tool) is compared with
//! `xtask/tests/golden/<endpoint>.txt`. `UPDATE_GOLDEN=1 cargo test -p xtask` rewrites them after
//! a deliberate change; review the diff like any other change.

use std::path::{Path, PathBuf};

use crate::model::{Kind, Response};
use crate::model::{Spec, load};
use crate::{catalog, cli, mcp, rust, rustfmt};

/// A GET with query parameters (paged by number), a POST with body fields, a HEAD and the
/// cursor-paged messages of a conversation.
const GOLDEN: [(&str, &str); 4] = [
    ("website", "list_conversations"),
    ("website", "request_tool_call_for_conversation"),
    ("website", "check_if_conversation_exists"),
    ("website", "get_messages_in_conversation"),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace").to_path_buf()
}

fn spec() -> Spec {
    load(&root()).unwrap_or_else(|err| panic!("spec error: {err}"))
}

fn render(spec: &Spec, service: &str, name: &str) -> String {
    let endpoint = spec
        .endpoints
        .iter()
        .find(|e| e.service == service && e.name == name)
        .unwrap_or_else(|| panic!("no endpoint {service}.{name}"));
    let (mut methods, mut builders) = (String::new(), String::new());
    rust::render_endpoint(spec, endpoint, &mut methods, &mut builders);
    let client = rustfmt(&root(), &format!("impl Service {{\n{methods}}}\n\n{builders}"));
    let catalog =
        rustfmt(&root(), &format!("static ENDPOINT: Endpoint = {};\n", catalog::endpoint_expr(spec, endpoint)));
    let cli = rustfmt(&root(), &format!("static ENTRY: EndpointSpec = {};\n", cli::endpoint_entry(spec, endpoint)));
    format!(
        "# {service}.{name}\n\n## client method and builder\n\n{client}\n## catalog entry\n\n{catalog}\n\
         ## command-line entry\n\n{cli}\n## MCP tool\n\n{}",
        mcp::tool_summary(spec, endpoint)
    )
}

#[test]
fn generators_render_the_golden_endpoints() {
    let spec = spec();
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let dir = root().join("xtask/tests/golden");
    let mut stale = Vec::new();
    for (service, name) in GOLDEN {
        let rendered = render(&spec, service, name);
        let path = dir.join(format!("{service}.{name}.txt"));
        if update {
            std::fs::create_dir_all(&dir).expect("create the golden folder");
            std::fs::write(&path, &rendered).expect("write a golden file");
            continue;
        }
        let golden = std::fs::read_to_string(&path).unwrap_or_default();
        if golden != rendered {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "generated output differs from (run UPDATE_GOLDEN=1 cargo test -p xtask to accept):\n  {}",
        stale.join("\n  ")
    );
}

#[test]
fn every_type_expression_resolves_to_a_kind() {
    let spec = spec();
    let path_ids =
        spec.endpoints.iter().flat_map(|e| &e.path_params).filter(|p| matches!(p.kind, Kind::Id { .. })).count();
    assert!(path_ids > 200, "ids are resolved as ids ({path_ids})");
    let pages = spec.endpoints.iter().filter(|e| e.path_params.iter().any(|p| p.kind == Kind::Page)).count();
    assert_eq!(pages, spec.endpoints.iter().filter(|e| e.paged).count(), "every paged route has a Page");
    let heads = spec.endpoints.iter().filter(|e| e.response_kind == Response::Exists).count();
    assert_eq!(heads, spec.endpoints.iter().filter(|e| e.method == "HEAD").count());
}

#[test]
fn resolving_refuses_what_the_spec_cannot_mean() {
    let types = spec().types;
    assert!(Kind::resolve(&types, "NoSuchModel").unwrap_err().contains("NoSuchModel"));
    assert_eq!(
        Kind::resolve(&types, "[SessionId]").unwrap(),
        Kind::List(Box::new(Kind::Id { name: "SessionId".into() }))
    );
    assert!(crate::model::idempotent_method("TRACE").is_err());
    assert!(crate::model::idempotent_method("PATCH") == Ok(false));
    assert!(crate::model::paged_route("website/{website_id}/conversations/{page_number}"));
}

#[test]
fn a_hand_kept_flag_that_contradicts_the_route_is_refused() {
    let root = root();
    let text = std::fs::read_to_string(root.join("spec/endpoints.json")).expect("spec");
    let mut file: crate::model::EndpointFile = serde_json::from_str(&text).expect("spec parses");
    let mut types = spec().types;
    file.endpoints[0].idempotent = !file.endpoints[0].idempotent;
    let err = crate::model::resolve(&mut file.endpoints, &mut types).unwrap_err();
    assert!(err.contains("idempotent"), "{err}");
    let mut file: crate::model::EndpointFile = serde_json::from_str(&text).expect("spec parses");
    let paged = file.endpoints.iter_mut().find(|e| e.paged).expect("a paged endpoint");
    paged.paged = false;
    let err = crate::model::resolve(&mut file.endpoints, &mut types).unwrap_err();
    assert!(err.contains("paged"), "{err}");
}
