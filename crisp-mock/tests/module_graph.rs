//! The crate reads bottom-up: no module of `crisp-mock/src` uses a module
//! that uses it back, directly or through others.
//!
//! Each module's uses are the `crate::NAME` paths in its code (comments left
//! out; `use crate::{a, b::c}` groups included), and in `lib.rs` the
//! `NAME::` paths of its own modules. A path to an item of the crate's root
//! (`crate::MockServer`) is a use of `lib`, which re-exports every module:
//! inside the crate, items are reached where they are defined.
//!
//! `cargo test -p crisp-mock --test module_graph -- --nocapture` prints the
//! reading order, bottom-up, one layer a line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module name and the file it lives in, from `lib.rs`'s `mod` lines
/// (with their `#[path = "..."]`).
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("read lib.rs");
    let mut modules = BTreeMap::new();
    let mut path_attribute: Option<String> = None;
    for line in lib.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("#[path = \"") {
            path_attribute = rest.split('"').next().map(str::to_owned);
            continue;
        }
        let declaration = line.strip_prefix("pub ").unwrap_or(line);
        let declaration = declaration.strip_prefix("pub(crate) ").unwrap_or(declaration);
        if let Some(name) = declaration.strip_prefix("mod ").and_then(|rest| rest.strip_suffix(';')) {
            let file = path_attribute.take().unwrap_or_else(|| format!("{name}.rs"));
            modules.insert(name.to_owned(), src.join(file));
        } else if !line.starts_with("#[") {
            path_attribute = None;
        }
    }
    modules
}

/// The code of a file without its comments (doc comments included), so a
/// doc link is no use.
fn code_of(text: &str) -> String {
    let mut code = String::with_capacity(text.len());
    for line in text.lines() {
        if !line.trim_start().starts_with("//") {
            code.push_str(line);
            code.push('\n');
        }
    }
    code
}

/// The first segments of the paths after each `prefix` (`crate::`): `a` in
/// `crate::a::b`, `a` and `b` in `crate::{a::x, b}`.
fn first_segments(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `foocrate::` or `my_mod::` when looking for `mod::`
        }
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level members of the group, nested braces skipped.
            let (mut depth, mut member, mut end) = (0usize, String::new(), group.len());
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        end = i;
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.insert(first_ident(&member));
                        member.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 || c != '{' {
                    member.push(c);
                }
            }
            found.insert(first_ident(&member));
            rest = &group[end..];
        } else {
            found.insert(first_ident(rest));
        }
    }
    found.remove("");
    found
}

fn first_ident(text: &str) -> String {
    text.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

/// For each module, the modules it uses (`lib` for the crate's root).
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules(src);
    let mut graph = BTreeMap::new();
    let lib = code_of(&std::fs::read_to_string(src.join("lib.rs")).expect("read lib.rs"));
    let lib_uses: BTreeSet<String> =
        modules.keys().filter(|name| !first_segments(&lib, &format!("{name}::")).is_empty()).cloned().collect();
    graph.insert("lib".to_owned(), lib_uses);
    for (name, file) in &modules {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        let uses = first_segments(&code_of(&text), "crate::")
            .into_iter()
            .map(|first| if modules.contains_key(&first) { first } else { "lib".to_owned() })
            .filter(|used| used != name)
            .collect();
        graph.insert(name.clone(), uses);
    }
    graph
}

/// The strongly connected components with more than one module (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(walk: &mut Walk<'a>, node: &'a str) {
        let n = walk.index.len();
        walk.index.insert(node, n);
        walk.low.insert(node, n);
        walk.stack.push(node);
        walk.on_stack.insert(node);
        for next in walk.graph.get(node).into_iter().flatten() {
            let next = next.as_str();
            if !walk.index.contains_key(next) {
                visit(walk, next);
                let low = walk.low[node].min(walk.low[next]);
                walk.low.insert(node, low);
            } else if walk.on_stack.contains(next) {
                let low = walk.low[node].min(walk.index[next]);
                walk.low.insert(node, low);
            }
        }
        if walk.low[node] == walk.index[node] {
            let mut component = Vec::new();
            while let Some(top) = walk.stack.pop() {
                walk.on_stack.remove(top);
                component.push(top.to_owned());
                if top == node {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                walk.found.push(component);
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !walk.index.contains_key(node.as_str()) {
            visit(&mut walk, node);
        }
    }
    walk.found
}

/// Modules by layer: a module's layer is one above the highest it uses.
fn layers(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut layer_of: BTreeMap<&str, usize> = BTreeMap::new();
    // Bounded: each round places at least one module of an acyclic graph.
    for _ in 0..=graph.len() {
        for (name, uses) in graph {
            if layer_of.contains_key(name.as_str()) {
                continue;
            }
            let below: Option<Vec<usize>> = uses.iter().map(|u| layer_of.get(u.as_str()).copied()).collect();
            if let Some(below) = below {
                layer_of.insert(name, below.into_iter().max().map_or(0, |l| l + 1));
            }
        }
    }
    let mut layers: Vec<Vec<String>> = Vec::new();
    for (name, layer) in layer_of {
        if layers.len() <= layer {
            layers.resize(layer + 1, Vec::new());
        }
        layers[layer].push(name.to_owned());
    }
    layers
}

#[test]
fn no_module_uses_one_that_uses_it_back() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = graph(&src);
    assert!(graph.len() > 10, "too few modules found: {graph:?}");
    for (name, uses) in &graph {
        println!("{name} uses {}", uses.iter().cloned().collect::<Vec<_>>().join(", "));
    }
    let cycles = cycles(&graph);
    assert!(cycles.is_empty(), "import circles: {cycles:?}");
    println!("reading order, bottom-up:");
    for (i, layer) in layers(&graph).iter().enumerate() {
        println!("  {i}: {}", layer.join(", "));
    }
}

#[test]
fn the_parser_sees_groups_nested_groups_and_root_items() {
    let code = code_of(
        "use crate::{a::X, b::{c, d}, E};\n/// [`crate::doc_only`]\nlet x = crate::f::g();\nlet y = notcrate::h;",
    );
    let found: Vec<String> = first_segments(&code, "crate::").into_iter().collect();
    assert_eq!(found, ["E", "a", "b", "f"]);
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"]), ("d", vec![])]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
            .collect();
    assert_eq!(cycles(&graph), vec![vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]]);
}
