//! Engine.IO v4 and Socket.IO v5 text packets, parsed and formatted.
//!
//! This is the low-level layer of the RTM client, public so it can be tested
//! and fuzzed on its own: [`parse`] is a pure function from text to
//! [`Packet`] that never panics and returns a [`PacketError`] on any input it
//! does not accept. Only what a websocket client of the default namespace
//! needs is supported; binary packets (Socket.IO types 5 and 6, Engine.IO
//! `b` payloads) are refused as unsupported.
//!
//! ```
//! use crisp_api::rtm::packet::{self, Packet, SocketPacket};
//!
//! let packet = packet::parse(r#"42["message:send",{"content":"Hi"}]"#)?;
//! match &packet {
//!     Packet::Message(SocketPacket::Event { name, args, .. }) => {
//!         assert_eq!(name, "message:send");
//!         assert_eq!(args[0]["content"], "Hi");
//!     }
//!     other => panic!("unexpected {other:?}"),
//! }
//! assert_eq!(packet.encode(), r#"42["message:send",{"content":"Hi"}]"#);
//! # Ok::<(), crisp_api::rtm::packet::PacketError>(())
//! ```

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The default Socket.IO namespace, the only one Crisp uses.
///
/// ```
/// use crisp_api::rtm::packet::{self, DEFAULT_NAMESPACE, Packet, SocketPacket};
/// let Packet::Message(SocketPacket::Connect { namespace, .. }) = packet::parse("40")? else { unreachable!() };
/// assert_eq!(namespace, DEFAULT_NAMESPACE);
/// # Ok::<(), crisp_api::rtm::packet::PacketError>(())
/// ```
pub const DEFAULT_NAMESPACE: &str = "/";

/// One Engine.IO v4 packet, as carried by one websocket text frame.
///
/// ```
/// use crisp_api::rtm::packet::{self, Packet};
/// assert_eq!(packet::parse("2")?, Packet::Ping(String::new()));
/// assert_eq!(Packet::Pong(String::new()).encode(), "3");
/// # Ok::<(), crisp_api::rtm::packet::PacketError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Packet {
    /// `0`: the server opened the session.
    Open(Handshake),
    /// `1`: the session is closed.
    Close,
    /// `2`: a heartbeat from the server, answered with [`Packet::Pong`]. The
    /// data is empty except during transport upgrades.
    Ping(String),
    /// `3`: the answer to a ping.
    Pong(String),
    /// `4`: a Socket.IO packet.
    Message(SocketPacket),
    /// `5`: a transport upgrade (not used over a direct websocket).
    Upgrade,
    /// `6`: nothing.
    Noop,
}

/// The data of the Engine.IO open packet (`0{...}`).
///
/// ```
/// use std::time::Duration;
/// use crisp_api::rtm::packet::{self, Packet};
/// let text = r#"0{"sid":"a1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
/// let Packet::Open(handshake) = packet::parse(text)? else { unreachable!() };
/// assert_eq!(handshake.sid, "a1");
/// assert_eq!(handshake.heartbeat_timeout(), Duration::from_secs(45));
/// # Ok::<(), crisp_api::rtm::packet::PacketError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Handshake {
    /// The Engine.IO session id.
    pub sid: String,
    /// Transports the server could upgrade to (none over a websocket).
    #[serde(default)]
    pub upgrades: Vec<String>,
    /// Milliseconds between two pings from the server.
    pub ping_interval: u64,
    /// Milliseconds the server waits for a pong, and the client for the next ping after an interval.
    pub ping_timeout: u64,
    /// The largest payload the server accepts, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_payload: Option<u64>,
}

impl Handshake {
    /// A handshake with these values and no upgrades, as a server would send it.
    ///
    /// ```
    /// let handshake = crisp_api::rtm::packet::Handshake::new("sid", 25_000, 20_000);
    /// assert_eq!(handshake.ping_interval, 25_000);
    /// ```
    pub fn new(sid: impl Into<String>, ping_interval: u64, ping_timeout: u64) -> Self {
        Self { sid: sid.into(), upgrades: Vec::new(), ping_interval, ping_timeout, max_payload: None }
    }

    /// How long the client waits for the next ping before it considers the
    /// server gone: the ping interval plus the ping timeout.
    ///
    /// ```
    /// let handshake = crisp_api::rtm::packet::Handshake::new("sid", 100, 50);
    /// assert_eq!(handshake.heartbeat_timeout(), std::time::Duration::from_millis(150));
    /// ```
    pub fn heartbeat_timeout(&self) -> Duration {
        Duration::from_millis(self.ping_interval.saturating_add(self.ping_timeout))
    }
}

/// One Socket.IO v5 packet, the content of an Engine.IO message.
///
/// ```
/// use crisp_api::rtm::packet::SocketPacket;
/// let connect = SocketPacket::Connect { namespace: "/".into(), data: None };
/// assert_eq!(connect.encode(), "0");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SocketPacket {
    /// `0`: connect to a namespace (client) or the connection is accepted (server, with `{"sid":...}`).
    Connect {
        /// The namespace, `/` by default.
        namespace: String,
        /// The auth payload (client) or the session data (server); an object when present.
        data: Option<Value>,
    },
    /// `1`: leave a namespace.
    Disconnect {
        /// The namespace, `/` by default.
        namespace: String,
    },
    /// `2`: an event with its arguments.
    Event {
        /// The namespace, `/` by default.
        namespace: String,
        /// The acknowledgement id, when the sender expects an answer.
        id: Option<u64>,
        /// The event name.
        name: String,
        /// The event arguments (Crisp sends one).
        args: Vec<Value>,
    },
    /// `3`: the answer to an event that had an acknowledgement id.
    Ack {
        /// The namespace, `/` by default.
        namespace: String,
        /// The acknowledgement id.
        id: u64,
        /// The answer's arguments.
        args: Vec<Value>,
    },
    /// `4`: the server refused the connection to a namespace.
    ConnectError {
        /// The namespace, `/` by default.
        namespace: String,
        /// Why, usually `{"message": "..."}`.
        data: Value,
    },
}

/// Why a packet could not be parsed.
///
/// The message never repeats the packet's content, which may be large or
/// carry personal data.
///
/// ```
/// use crisp_api::rtm::packet::{self, PacketError};
/// assert_eq!(packet::parse(""), Err(PacketError::Empty));
/// assert!(matches!(packet::parse("9"), Err(PacketError::UnknownType { .. })));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PacketError {
    /// The text was empty.
    #[error("the packet is empty")]
    Empty,
    /// The first character is not an Engine.IO packet type (`0`..`6`).
    #[error("`{}` is not an Engine.IO packet type", found.escape_debug())]
    UnknownType {
        /// The character found.
        found: char,
    },
    /// The Engine.IO message carries no Socket.IO packet type.
    #[error("the Engine.IO message carries no Socket.IO packet")]
    MissingSocketType,
    /// The first character of the Socket.IO packet is not a type (`0`..`6`).
    #[error("`{}` is not a Socket.IO packet type", found.escape_debug())]
    UnknownSocketType {
        /// The character found.
        found: char,
    },
    /// Binary packets are not supported by this client.
    #[error("binary packets are not supported")]
    Binary,
    /// The acknowledgement id does not fit in 64 bits.
    #[error("the acknowledgement id is too large")]
    InvalidAckId,
    /// A packet that needs an acknowledgement id has none.
    #[error("the {packet} packet has no acknowledgement id")]
    MissingAckId {
        /// The packet kind.
        packet: &'static str,
    },
    /// The JSON part does not parse.
    #[error("the {packet} packet has invalid JSON: {message}")]
    InvalidJson {
        /// The packet kind.
        packet: &'static str,
        /// What the JSON decoder said (position and cause, not the content).
        message: String,
    },
    /// The JSON parses but has the wrong shape for this packet kind.
    #[error("the {packet} packet's data must be {expected}")]
    InvalidPayload {
        /// The packet kind.
        packet: &'static str,
        /// What the data must be.
        expected: &'static str,
    },
}

fn json_error(packet: &'static str, err: &serde_json::Error) -> PacketError {
    // serde_json's message may quote the unexpected content; keep only its
    // category and position.
    let category = match err.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Eof => "unexpected end",
    };
    PacketError::InvalidJson { packet, message: format!("{category} at line {} column {}", err.line(), err.column()) }
}

/// Parses one Engine.IO text packet, including the Socket.IO packet of a
/// message. Never panics.
///
/// ```
/// use crisp_api::rtm::packet::{self, Packet, SocketPacket};
/// let packet = packet::parse(r#"40{"sid":"x"}"#)?;
/// assert!(matches!(packet, Packet::Message(SocketPacket::Connect { data: Some(_), .. })));
/// assert!(packet::parse("451-[\"x\"]").is_err()); // binary event
/// # Ok::<(), crisp_api::rtm::packet::PacketError>(())
/// ```
pub fn parse(text: &str) -> Result<Packet, PacketError> {
    let Some(first) = text.chars().next() else { return Err(PacketError::Empty) };
    // Every accepted type is one ASCII byte, so `text[1..]` is on a char boundary.
    let rest = if first.is_ascii() { &text[1..] } else { "" };
    match first {
        '0' => serde_json::from_str::<Handshake>(rest).map(Packet::Open).map_err(|err| json_error("open", &err)),
        '1' => Ok(Packet::Close),
        '2' => Ok(Packet::Ping(rest.to_owned())),
        '3' => Ok(Packet::Pong(rest.to_owned())),
        '4' => parse_socket(rest).map(Packet::Message),
        '5' => Ok(Packet::Upgrade),
        '6' => Ok(Packet::Noop),
        'b' => Err(PacketError::Binary),
        found => Err(PacketError::UnknownType { found }),
    }
}

/// Parses a Socket.IO v5 packet (the part after the Engine.IO `4`).
///
/// ```
/// use crisp_api::rtm::packet::{self, SocketPacket};
/// let packet = packet::parse_socket(r#"2/admin,7["ping"]"#)?;
/// assert_eq!(
///     packet,
///     SocketPacket::Event { namespace: "/admin".into(), id: Some(7), name: "ping".into(), args: vec![] }
/// );
/// # Ok::<(), crisp_api::rtm::packet::PacketError>(())
/// ```
pub fn parse_socket(text: &str) -> Result<SocketPacket, PacketError> {
    let Some(kind) = text.chars().next() else { return Err(PacketError::MissingSocketType) };
    let rest = if kind.is_ascii() { &text[1..] } else { "" };
    let kind = match kind {
        '0' => "connect",
        '1' => "disconnect",
        '2' => "event",
        '3' => "ack",
        '4' => "connect error",
        '5' | '6' => return Err(PacketError::Binary),
        found => return Err(PacketError::UnknownSocketType { found }),
    };

    // Like socket.io-parser: a namespace starts with `/` and runs to the first `,`.
    let (namespace, rest) = match rest.strip_prefix('/') {
        Some(_) => match rest.find(',') {
            Some(comma) => (&rest[..comma], &rest[comma + 1..]),
            None => (rest, ""),
        },
        None => (DEFAULT_NAMESPACE, rest),
    };
    let namespace = namespace.to_owned();

    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let id = match digits {
        0 => None,
        _ => Some(rest[..digits].parse::<u64>().map_err(|_| PacketError::InvalidAckId)?),
    };
    let json = &rest[digits..];
    let data = match json {
        "" => None,
        json => Some(serde_json::from_str::<Value>(json).map_err(|err| json_error(kind, &err))?),
    };

    match kind {
        "connect" => match data {
            None | Some(Value::Object(_)) => Ok(SocketPacket::Connect { namespace, data }),
            Some(_) => Err(PacketError::InvalidPayload { packet: kind, expected: "an object" }),
        },
        "disconnect" => match data {
            None => Ok(SocketPacket::Disconnect { namespace }),
            Some(_) => Err(PacketError::InvalidPayload { packet: kind, expected: "absent" }),
        },
        "event" => match data {
            Some(Value::Array(mut args)) if matches!(args.first(), Some(Value::String(_))) => {
                let Value::String(name) = args.remove(0) else {
                    return Err(PacketError::InvalidPayload {
                        packet: kind,
                        expected: "an array starting with a name",
                    });
                };
                Ok(SocketPacket::Event { namespace, id, name, args })
            }
            _ => Err(PacketError::InvalidPayload { packet: kind, expected: "an array starting with a name" }),
        },
        "ack" => {
            let id = id.ok_or(PacketError::MissingAckId { packet: kind })?;
            match data {
                Some(Value::Array(args)) => Ok(SocketPacket::Ack { namespace, id, args }),
                _ => Err(PacketError::InvalidPayload { packet: kind, expected: "an array" }),
            }
        }
        _ => match data {
            Some(data @ (Value::Object(_) | Value::String(_))) => Ok(SocketPacket::ConnectError { namespace, data }),
            _ => Err(PacketError::InvalidPayload { packet: kind, expected: "an object or a string" }),
        },
    }
}

impl Packet {
    /// The text frame for this packet.
    ///
    /// ```
    /// use crisp_api::rtm::packet::{Packet, SocketPacket};
    /// let connect = Packet::Message(SocketPacket::Connect { namespace: "/".into(), data: None });
    /// assert_eq!(connect.encode(), "40");
    /// ```
    pub fn encode(&self) -> String {
        self.to_string()
    }

    /// An event on the default namespace: `42["name",data]`.
    ///
    /// ```
    /// use crisp_api::rtm::packet::Packet;
    /// let packet = Packet::event("socket:bind", serde_json::json!({}));
    /// assert_eq!(packet.encode(), r#"42["socket:bind",{}]"#);
    /// ```
    pub fn event(name: impl Into<String>, data: Value) -> Self {
        Packet::Message(SocketPacket::Event {
            namespace: DEFAULT_NAMESPACE.to_owned(),
            id: None,
            name: name.into(),
            args: vec![data],
        })
    }
}

impl fmt::Display for Packet {
    /// Formats the packet as its text frame; see [`Packet::encode`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Packet::Open(handshake) => {
                f.write_str("0")?;
                write_json(f, handshake)
            }
            Packet::Close => f.write_str("1"),
            Packet::Ping(data) => write!(f, "2{data}"),
            Packet::Pong(data) => write!(f, "3{data}"),
            Packet::Message(packet) => write!(f, "4{packet}"),
            Packet::Upgrade => f.write_str("5"),
            Packet::Noop => f.write_str("6"),
        }
    }
}

impl SocketPacket {
    /// The Socket.IO text for this packet (without the Engine.IO `4`).
    ///
    /// ```
    /// use crisp_api::rtm::packet::SocketPacket;
    /// let ack = SocketPacket::Ack { namespace: "/".into(), id: 3, args: vec![] };
    /// assert_eq!(ack.encode(), "33[]");
    /// ```
    pub fn encode(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for SocketPacket {
    /// Formats the packet as Socket.IO text; see [`SocketPacket::encode`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, namespace) = match self {
            SocketPacket::Connect { namespace, .. } => ('0', namespace),
            SocketPacket::Disconnect { namespace } => ('1', namespace),
            SocketPacket::Event { namespace, .. } => ('2', namespace),
            SocketPacket::Ack { namespace, .. } => ('3', namespace),
            SocketPacket::ConnectError { namespace, .. } => ('4', namespace),
        };
        write!(f, "{kind}")?;
        if namespace != DEFAULT_NAMESPACE {
            write!(f, "{namespace},")?;
        }
        match self {
            SocketPacket::Connect { data: Some(data), .. } | SocketPacket::ConnectError { data, .. } => {
                write_json(f, data)
            }
            SocketPacket::Connect { data: None, .. } | SocketPacket::Disconnect { .. } => Ok(()),
            SocketPacket::Event { id, name, args, .. } => {
                if let Some(id) = id {
                    write!(f, "{id}")?;
                }
                write_json(f, &EventArray { name, args })
            }
            SocketPacket::Ack { id, args, .. } => {
                write!(f, "{id}")?;
                write_json(f, args)
            }
        }
    }
}

fn write_json(f: &mut fmt::Formatter<'_>, value: &impl Serialize) -> fmt::Result {
    f.write_str(&serde_json::to_string(value).map_err(|_| fmt::Error)?)
}

/// `[name, args...]`, serialized without copying the arguments.
struct EventArray<'a> {
    name: &'a str,
    args: &'a [Value],
}

impl Serialize for EventArray<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        let mut seq = serializer.serialize_seq(Some(self.args.len() + 1))?;
        seq.serialize_element(self.name)?;
        for arg in self.args {
            seq.serialize_element(arg)?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(name: &str, id: Option<u64>, args: Vec<Value>) -> SocketPacket {
        SocketPacket::Event { namespace: "/".into(), id, name: name.into(), args }
    }

    #[test]
    fn engine_packets() {
        let open = r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#;
        let Ok(Packet::Open(handshake)) = parse(open) else { panic!("open did not parse") };
        assert_eq!(handshake.sid, "lv_VI97HAXpY6yYWAAAC");
        assert_eq!(handshake.ping_interval, 25_000);
        assert_eq!(handshake.ping_timeout, 5_000);
        assert_eq!(handshake.max_payload, Some(1_000_000));
        assert_eq!(handshake.heartbeat_timeout(), Duration::from_secs(30));
        assert_eq!(parse(&Packet::Open(handshake.clone()).encode()), Ok(Packet::Open(handshake)));
        // Unknown fields are ignored, missing optional ones default.
        let Ok(Packet::Open(handshake)) = parse(r#"0{"sid":"s","pingInterval":1,"pingTimeout":2,"extra":true}"#) else {
            panic!("open without upgrades did not parse")
        };
        assert_eq!(handshake, Handshake::new("s", 1, 2));

        assert_eq!(parse("1"), Ok(Packet::Close));
        assert_eq!(parse("2"), Ok(Packet::Ping(String::new())));
        assert_eq!(parse("2probe"), Ok(Packet::Ping("probe".into())));
        assert_eq!(parse("3"), Ok(Packet::Pong(String::new())));
        assert_eq!(parse("5"), Ok(Packet::Upgrade));
        assert_eq!(parse("6"), Ok(Packet::Noop));
        assert_eq!(Packet::Ping(String::new()).encode(), "2");
        assert_eq!(Packet::Pong(String::new()).encode(), "3");
        assert_eq!(Packet::Close.encode(), "1");
    }

    #[test]
    fn engine_errors() {
        assert_eq!(parse(""), Err(PacketError::Empty));
        assert_eq!(parse("7"), Err(PacketError::UnknownType { found: '7' }));
        assert_eq!(parse("é2"), Err(PacketError::UnknownType { found: 'é' }));
        assert_eq!(parse("bAQID"), Err(PacketError::Binary));
        assert!(matches!(parse("0"), Err(PacketError::InvalidJson { packet: "open", .. })));
        assert!(matches!(parse(r#"0{"sid":1}"#), Err(PacketError::InvalidJson { .. })));
        assert_eq!(parse("4"), Err(PacketError::MissingSocketType));
    }

    #[test]
    fn socket_packets() {
        let connect = |data| Packet::Message(SocketPacket::Connect { namespace: "/".into(), data });
        assert_eq!(parse("40"), Ok(connect(None)));
        assert_eq!(parse(r#"40{"sid":"x"}"#), Ok(connect(Some(json!({"sid": "x"})))));
        assert_eq!(
            parse(r#"40/admin,{"token":"t"}"#),
            Ok(Packet::Message(SocketPacket::Connect {
                namespace: "/admin".into(),
                data: Some(json!({"token": "t"}))
            }))
        );
        assert_eq!(parse("41"), Ok(Packet::Message(SocketPacket::Disconnect { namespace: "/".into() })));
        assert_eq!(parse("41/admin,"), Ok(Packet::Message(SocketPacket::Disconnect { namespace: "/admin".into() })));
        assert_eq!(
            parse(r#"42["authenticated",true]"#),
            Ok(Packet::Message(event("authenticated", None, vec![json!(true)])))
        );
        assert_eq!(
            parse(r#"4212["message:send",{"a":1},2]"#),
            Ok(Packet::Message(event("message:send", Some(12), vec![json!({"a": 1}), json!(2)])))
        );
        assert_eq!(
            parse(r#"43/admin,5["ok"]"#),
            Ok(Packet::Message(SocketPacket::Ack { namespace: "/admin".into(), id: 5, args: vec![json!("ok")] }))
        );
        assert_eq!(
            parse(r#"44{"message":"Not authorized"}"#),
            Ok(Packet::Message(SocketPacket::ConnectError {
                namespace: "/".into(),
                data: json!({"message": "Not authorized"})
            }))
        );
        assert_eq!(
            parse(r#"44"refused""#),
            Ok(Packet::Message(SocketPacket::ConnectError { namespace: "/".into(), data: json!("refused") }))
        );
    }

    #[test]
    fn socket_errors() {
        assert_eq!(parse("45-[]"), Err(PacketError::Binary));
        assert_eq!(parse("461-0[]"), Err(PacketError::Binary));
        assert_eq!(parse("47"), Err(PacketError::UnknownSocketType { found: '7' }));
        assert_eq!(parse("4x"), Err(PacketError::UnknownSocketType { found: 'x' }));
        assert!(matches!(parse("40[]"), Err(PacketError::InvalidPayload { packet: "connect", .. })));
        assert!(matches!(parse("41{}"), Err(PacketError::InvalidPayload { packet: "disconnect", .. })));
        assert!(matches!(parse("42[]"), Err(PacketError::InvalidPayload { packet: "event", .. })));
        assert!(matches!(parse("42[1]"), Err(PacketError::InvalidPayload { packet: "event", .. })));
        assert!(matches!(parse("42{}"), Err(PacketError::InvalidPayload { packet: "event", .. })));
        assert!(matches!(parse("42"), Err(PacketError::InvalidPayload { packet: "event", .. })));
        assert!(matches!(parse(r#"42["a""#), Err(PacketError::InvalidJson { packet: "event", .. })));
        assert_eq!(parse("43[]"), Err(PacketError::MissingAckId { packet: "ack" }));
        assert!(matches!(parse("431{}"), Err(PacketError::InvalidPayload { packet: "ack", .. })));
        assert!(matches!(parse("44"), Err(PacketError::InvalidPayload { packet: "connect error", .. })));
        assert_eq!(parse(r#"4299999999999999999999["a"]"#), Err(PacketError::InvalidAckId));
    }

    #[test]
    fn json_errors_do_not_quote_the_content() {
        let err = parse(r#"42["secret-value" oops]"#).unwrap_err();
        assert!(!err.to_string().contains("secret-value"), "{err}");
        let err = parse(r#"0{"sid":"secret-value","pingInterval":"x","pingTimeout":1}"#).unwrap_err();
        assert!(!err.to_string().contains("secret-value") && !err.to_string().contains("\"x\""), "{err}");
    }

    #[test]
    fn encoding() {
        assert_eq!(Packet::event("socket:bind", json!({})).encode(), r#"42["socket:bind",{}]"#);
        assert_eq!(
            Packet::Message(SocketPacket::Event {
                namespace: "/admin".into(),
                id: Some(4),
                name: "x".into(),
                args: vec![json!(1), json!("y")],
            })
            .encode(),
            r#"42/admin,4["x",1,"y"]"#
        );
        assert_eq!(SocketPacket::Disconnect { namespace: "/".into() }.encode(), "1");
        assert_eq!(
            SocketPacket::ConnectError { namespace: "/".into(), data: json!({"message": "no"}) }.encode(),
            r#"4{"message":"no"}"#
        );
        // A name with quotes and unicode is escaped like any JSON string.
        let tricky = Packet::event("a\"b\u{e9}", Value::Null);
        assert_eq!(parse(&tricky.encode()), Ok(tricky));
    }

    /// xorshift64*: a small deterministic generator, so failures replay.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    const SEEDS: &[&str] = &[
        r#"0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#,
        "1",
        "2",
        "3probe",
        "40",
        r#"40{"sid":"x"}"#,
        "40/admin,",
        r#"40/admin,{"a":[1,2,{"b":null}]}"#,
        "41",
        "41/nsp,",
        r#"42["authenticated",true]"#,
        r#"42["unauthorized",{"message":"invalid_session"}]"#,
        r#"42/admin,17["message:send",{"content":"h\u00e9llo","n":-1.5e3},[1,2]]"#,
        r#"4312["ok",{"x":"y"}]"#,
        r#"44{"message":"nope","data":{"code":1}}"#,
        r#"451-["bin",{"_placeholder":true,"num":0}]"#,
        "5",
        "6",
    ];

    const ALPHABET: &[u8] = b"0123456789/,[]{}\":-.eEtrufalsn\\ \t\x1e\x00b";

    fn random_input(rng: &mut Rng) -> String {
        match rng.below(4) {
            // Arbitrary bytes, made text the way a websocket frame would not be.
            0 => {
                let bytes: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            // Text made of the characters the grammar cares about.
            1 => (0..rng.below(48)).map(|_| ALPHABET[rng.below(ALPHABET.len())] as char).collect(),
            // Valid packets, mutated.
            _ => {
                let mut bytes = SEEDS[rng.below(SEEDS.len())].as_bytes().to_vec();
                for _ in 0..=rng.below(4) {
                    let at = rng.below(bytes.len() + 1);
                    match rng.below(5) {
                        0 if at < bytes.len() => bytes[at] = ALPHABET[rng.below(ALPHABET.len())],
                        1 => bytes.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
                        2 if at < bytes.len() => {
                            bytes.remove(at);
                        }
                        3 => bytes.truncate(at),
                        _ => {
                            let other = SEEDS[rng.below(SEEDS.len())].as_bytes();
                            let from = rng.below(other.len());
                            bytes.splice(at..at, other[from..].iter().copied());
                        }
                    }
                }
                String::from_utf8_lossy(&bytes).into_owned()
            }
        }
    }

    /// Floats stand for themselves only approximately: serde_json's default
    /// parser is not correctly rounded, so a re-parsed float may differ in
    /// its last digit.
    fn without_floats(packet: Packet) -> Packet {
        fn value(json: Value) -> Value {
            match json {
                Value::Number(n) if n.is_f64() => Value::Null,
                Value::Array(items) => Value::Array(items.into_iter().map(value).collect()),
                Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, value(v))).collect()),
                other => other,
            }
        }
        match packet {
            Packet::Message(SocketPacket::Connect { namespace, data }) => {
                Packet::Message(SocketPacket::Connect { namespace, data: data.map(value) })
            }
            Packet::Message(SocketPacket::Event { namespace, id, name, args }) => {
                Packet::Message(SocketPacket::Event {
                    namespace,
                    id,
                    name,
                    args: args.into_iter().map(value).collect(),
                })
            }
            Packet::Message(SocketPacket::Ack { namespace, id, args }) => {
                Packet::Message(SocketPacket::Ack { namespace, id, args: args.into_iter().map(value).collect() })
            }
            Packet::Message(SocketPacket::ConnectError { namespace, data }) => {
                Packet::Message(SocketPacket::ConnectError { namespace, data: value(data) })
            }
            other => other,
        }
    }

    /// Random and mutated input never panics, and whatever parses formats
    /// back to text that parses to the same packet.
    #[test]
    fn robust_against_random_input() {
        let started = std::time::Instant::now();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut parsed = 0;
        let mut iterations = 0;
        while iterations < 200_000 && started.elapsed() < Duration::from_secs(10) {
            iterations += 1;
            let input = random_input(&mut rng);
            let outcome = std::panic::catch_unwind(|| parse(&input));
            let Ok(result) = outcome else { panic!("parse panicked on {input:?}") };
            if let Ok(packet) = result {
                parsed += 1;
                let text = packet.encode();
                let again = parse(&text).map(without_floats);
                assert_eq!(again, Ok(without_floats(packet)), "{input:?} -> {text:?} does not round-trip");
            }
        }
        assert!(iterations >= 10_000, "only {iterations} iterations ran");
        assert!(parsed > 100, "the mutations should keep some packets valid ({parsed} of {iterations})");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!("42[\"x\",{}{}]", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(parse(&deep), Err(PacketError::InvalidJson { .. })));
    }
}
