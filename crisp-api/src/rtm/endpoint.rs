//! Where to connect: endpoint discovery over REST and the websocket URL.

use http::Method;
use http::Uri;
use serde_json::Value;

use crate::call::Call;
use crate::client::Crisp;
use crate::config::Tier;
use crate::error::{Error, ErrorKind, RtmError, server_text};

/// The REST route that names the RTM endpoint for a token tier.
pub(crate) fn discovery_route(tier: Tier) -> &'static str {
    match tier {
        Tier::User => "user/connect/endpoints",
        Tier::Website => "website/connect/endpoints",
        Tier::Plugin => "plugin/connect/endpoints",
    }
}

/// Asks Crisp for the RTM endpoint (`data.socket.app`) and turns it into the
/// websocket URL.
pub(crate) async fn discover(client: &Crisp) -> Result<Uri, RtmError> {
    let route = discovery_route(client.tier());
    let data = Call::<Value>::new(client, Method::GET, route, &[], true).send().await.map_err(|err| {
        // Refused credentials are the same story whichever step noticed them.
        if err.status() == Some(401) {
            RtmError::Unauthorized { message: err.reason().map(str::to_owned) }
        } else {
            RtmError::Discovery(err)
        }
    })?;
    let undecodable = |message: String| {
        let snippet = server_text(&data.to_string(), 200);
        let message = server_text(&message, 200);
        let kind = ErrorKind::Decode { status: 200, path: "data.socket.app".into(), message, body_snippet: snippet };
        RtmError::Discovery(Error::new(kind).at(&Method::GET, route, route))
    };
    let app = match data.pointer("/socket/app") {
        Some(Value::String(app)) if !app.trim().is_empty() => app.trim(),
        _ => return Err(undecodable("the answer names no RTM endpoint".into())),
    };
    websocket_url(app).map_err(undecodable)
}

/// The Engine.IO websocket URL for an RTM endpoint URL.
///
/// Like the official client, the endpoint's origin is the server and its
/// path the Socket.IO path, to which Engine.IO adds one trailing `/`:
/// `https://app.relay.crisp.chat/p/1/` becomes
/// `wss://app.relay.crisp.chat/p/1/?EIO=4&transport=websocket`, and an empty
/// path becomes `/`.
pub(crate) fn websocket_url(endpoint: &str) -> Result<Uri, String> {
    let uri: Uri = endpoint.trim().parse().map_err(|err| format!("`{endpoint}` is not a valid URL ({err})"))?;
    let scheme = match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("http" | "ws") => "ws",
        Some("https" | "wss") => "wss",
        Some(other) => return Err(format!("`{endpoint}` has the scheme `{other}`; expected http, https, ws or wss")),
        None => return Err(format!("`{endpoint}` is not a valid URL (it has no scheme)")),
    };
    // The host and port only: credentials in the URL are never sent.
    let authority =
        uri.authority().filter(|a| !a.host().is_empty()).ok_or_else(|| format!("`{endpoint}` has no host"))?;
    let host = authority.host().to_ascii_lowercase();
    // http and ws (https and wss) share their default port, so an explicit port survives as is.
    let port = match authority.port_u16() {
        Some(port) if port != default_port(scheme) => format!(":{port}"),
        _ => String::new(),
    };
    let path = uri.path().strip_suffix('/').unwrap_or(uri.path());
    let text = format!("{scheme}://{host}{port}{path}/?EIO=4&transport=websocket");
    text.parse().map_err(|err| format!("`{endpoint}` does not make a websocket URL ({err})"))
}

/// The port a `ws` or `wss` URL implies.
pub(crate) fn default_port(scheme: &str) -> u16 {
    if scheme == "wss" { 443 } else { 80 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(endpoint: &str) -> String {
        websocket_url(endpoint).map(|uri| uri.to_string()).unwrap_or_else(|err| panic!("{endpoint}: {err}"))
    }

    #[test]
    fn schemes_map_to_websocket_schemes() {
        assert_eq!(
            ws("https://app.relay.crisp.chat/p/1/"),
            "wss://app.relay.crisp.chat/p/1/?EIO=4&transport=websocket"
        );
        assert_eq!(ws("http://127.0.0.1:4000/rtm/"), "ws://127.0.0.1:4000/rtm/?EIO=4&transport=websocket");
        assert_eq!(ws("ws://localhost/rtm"), "ws://localhost/rtm/?EIO=4&transport=websocket");
        assert_eq!(ws("wss://relay.example/x/"), "wss://relay.example/x/?EIO=4&transport=websocket");
    }

    #[test]
    fn ports_are_kept() {
        assert_eq!(ws("http://127.0.0.1:8080"), "ws://127.0.0.1:8080/?EIO=4&transport=websocket");
        assert_eq!(ws("https://relay.example:8443/p/2/"), "wss://relay.example:8443/p/2/?EIO=4&transport=websocket");
        // A default port is implied; a port that is only the other scheme's default stays.
        assert_eq!(ws("http://relay.example:80/"), "ws://relay.example/?EIO=4&transport=websocket");
        assert_eq!(ws("https://relay.example:443/"), "wss://relay.example/?EIO=4&transport=websocket");
        assert_eq!(ws("http://relay.example:443/"), "ws://relay.example:443/?EIO=4&transport=websocket");
        assert_eq!(ws("https://relay.example:80/"), "wss://relay.example:80/?EIO=4&transport=websocket");
        let url = websocket_url("https://relay.example/").unwrap();
        assert_eq!(url.port_u16().unwrap_or(default_port(url.scheme_str().unwrap())), 443);
        assert_eq!(ws("http://[::1]:9000/rtm/"), "ws://[::1]:9000/rtm/?EIO=4&transport=websocket");
    }

    #[test]
    fn paths_get_one_trailing_slash() {
        assert_eq!(ws("https://relay.example"), "wss://relay.example/?EIO=4&transport=websocket");
        assert_eq!(ws("https://relay.example/"), "wss://relay.example/?EIO=4&transport=websocket");
        assert_eq!(ws("https://relay.example/socket.io"), "wss://relay.example/socket.io/?EIO=4&transport=websocket");
        assert_eq!(ws("https://relay.example/a/b"), "wss://relay.example/a/b/?EIO=4&transport=websocket");
    }

    #[test]
    fn query_fragment_and_credentials_are_dropped() {
        assert_eq!(
            ws("https://user:pass@relay.example/p/1/?EIO=3&x=y#frag"),
            "wss://relay.example/p/1/?EIO=4&transport=websocket"
        );
    }

    #[test]
    fn bad_endpoints_are_refused() {
        assert!(websocket_url("not a url").is_err());
        assert!(websocket_url("ftp://relay.example/").is_err());
        assert!(websocket_url("mailto:someone@example.com").is_err());
        assert!(websocket_url("").is_err());
        assert!(websocket_url("https:///p/1/").is_err());
    }

    #[test]
    fn routes_follow_the_tier() {
        assert_eq!(discovery_route(Tier::User), "user/connect/endpoints");
        assert_eq!(discovery_route(Tier::Website), "website/connect/endpoints");
        assert_eq!(discovery_route(Tier::Plugin), "plugin/connect/endpoints");
    }
}
