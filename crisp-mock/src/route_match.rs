//! Matching a request's method and path against the route table generated
//! from the spec.

use crate::route_table::ROUTES;
use crate::routes::RouteSpec;
use crate::wire::decode;

/// A route matched against a request path, with its path parameters.
#[derive(Debug)]
pub(crate) struct Matched {
    /// The spec route.
    pub(crate) route: &'static RouteSpec,
    /// Path parameters by name, percent-decoded.
    pub(crate) params: Vec<(&'static str, String)>,
}

impl Matched {
    /// A path parameter by name ("" when absent).
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v.as_str())
    }
}

/// The outcome of looking a request up in the route table.
#[derive(Debug)]
pub(crate) enum Lookup {
    /// A route with this method and path.
    Found(Matched),
    /// The path exists, but not for this method: the methods it has, for `Allow`.
    MethodNotAllowed(Vec<&'static str>),
    /// No route has this path.
    NotFound,
}

/// Finds the route for `method` and `path` (relative to `/v1/`, still
/// percent-encoded). Routes with more literal segments win, so
/// `conversations/suggest/segments/2` is not read as a page of conversations.
/// A helpdesk `{tree_path}` placeholder, last in its route, takes the rest.
pub(crate) fn lookup(method: &str, path: &str) -> Lookup {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut best: Option<(usize, Matched)> = None;
    let mut allowed: Vec<&'static str> = Vec::new();
    for route in ROUTES {
        let Some((literals, params)) = match_path(route.path, &segments) else { continue };
        if !allowed.contains(&route.method) {
            allowed.push(route.method);
        }
        if route.method != method {
            continue;
        }
        if best.as_ref().is_none_or(|(score, _)| literals > *score) {
            best = Some((literals, Matched { route, params }));
        }
    }
    match best {
        Some((_, matched)) => Lookup::Found(matched),
        None if !allowed.is_empty() => Lookup::MethodNotAllowed(allowed),
        None => Lookup::NotFound,
    }
}

fn match_path(template: &'static str, segments: &[&str]) -> Option<(usize, Vec<(&'static str, String)>)> {
    let parts: Vec<&'static str> = template.split('/').collect();
    let mut params = Vec::new();
    let mut literals = 0;
    for (i, part) in parts.iter().enumerate() {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            if name == "tree_path" && i + 1 == parts.len() {
                let rest = segments.get(i..).filter(|r| !r.is_empty())?;
                params.push((name, rest.iter().map(|s| decode(s)).collect::<Vec<_>>().join("/")));
                return Some((literals, params));
            }
            let value = segments.get(i).filter(|s| !s.is_empty())?;
            params.push((name, decode(value)));
        } else if segments.get(i) == Some(part) {
            literals += 1;
        } else {
            return None;
        }
    }
    (parts.len() == segments.len()).then_some((literals, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(method: &str, path: &str) -> &'static str {
        match lookup(method, path) {
            Lookup::Found(m) => m.route.name,
            other => panic!("{method} {path}: {other:?}"),
        }
    }

    #[test]
    fn literal_segments_win_over_parameters() {
        assert_eq!(name("GET", "website/w/conversations/2"), "list_conversations");
        assert_eq!(name("GET", "website/w/conversations/suggest/segments/2"), "list_suggested_conversation_segments");
        assert_eq!(name("GET", "website/w/conversation/s/messages"), "get_messages_in_conversation");
    }

    #[test]
    fn encoded_segments_are_decoded_and_kept_whole() {
        match lookup("GET", "website/a%2Fb/conversation/s%20t") {
            Lookup::Found(m) => {
                assert_eq!(m.param("website_id"), "a/b");
                assert_eq!(m.param("session_id"), "s t");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_paths_and_methods_are_told_apart() {
        assert!(matches!(lookup("GET", "website/w/nothing-here"), Lookup::NotFound));
        match lookup("PUT", "website/w/conversations/1") {
            Lookup::MethodNotAllowed(allowed) => assert_eq!(allowed, ["GET"]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_spec_route_matches_itself() {
        for route in ROUTES {
            let path = route.path.replace('{', "x").replace('}', "");
            let path = path.replace("xpage_number", "1");
            match lookup(route.method, &path) {
                Lookup::Found(m) => assert_eq!(m.route.path, route.path, "{}", route.name),
                other => panic!("{}: {other:?}", route.name),
            }
        }
    }
}
