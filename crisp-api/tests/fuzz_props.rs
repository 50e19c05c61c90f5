//! The fuzz targets of `fuzz/` on the stable toolchain: each target runs on
//! a seed corpus and on seeded random mutations of it (byte flips,
//! insertions of JSON and protocol tokens, cuts, splices, deep nesting).
//! A panic is a crash. The run is deterministic for a given seed.
//!
//! `CRISP_FUZZ_ITERATIONS` sets the mutations per target (default 2,000,
//! a few seconds); `CRISP_FUZZ_SEED` the seed. CI runs a longer pass.

use crisp_api::fuzzing;

/// Pieces that tend to reach the corners of JSON and Socket.IO parsing.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"\x1b[31m",
    b"\r\n",
    b"\xff\xfe",
    b"\xe2\x80\xae",
    b"null",
    b"true",
    b"-0",
    b"1e999",
    b"18446744073709551616",
    b"-9223372036854775809",
    b"0.000000000000000000001",
    b"\"error\":true",
    b"\"reason\":",
    b"\"data\":",
    b"42",
    b"40",
    b"41",
    b"43",
    b"44",
    b"45",
    b"/admin,",
    b"99999999999999999999",
    b"\"event\":",
    b"\"message:send\"",
    b"\"content\":",
    b"\"type\":\"text\"",
];

const ENVELOPES: &[&str] = &[
    r#"{"error":false,"reason":"resolved","data":{"session_id":"s1","state":"resolved","created_at":1700000000000}}"#,
    r#"{"error":false,"reason":"listed","data":[{"session_id":"s1","meta":{"nickname":"a"}},{"session_id":"s2"}]}"#,
    r#"{"error":true,"reason":"session_not_found","data":{}}"#,
    r#"{"error":false,"data":null}"#,
    r#"{"error":false,"reason":"deleted"}"#,
    "<html><body>502 Bad Gateway</body></html>",
    "",
];

const PACKETS: &[&str] = &[
    r#"0{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#,
    "2",
    "3",
    "40",
    r#"40{"sid":"x"}"#,
    "41",
    r#"42["message:send",{"type":"text","from":"user","content":"Hi","session_id":"s","fingerprint":1}]"#,
    r#"421["with:ack",{"a":1}]"#,
    r#"431[{"ok":true}]"#,
    r#"44{"message":"not authorized"}"#,
    r#"42/admin,["x",{}]"#,
    r#"42["authenticated",true]"#,
    r#"42["unauthorized",{"message":"invalid"}]"#,
    "6",
];

const WEBHOOKS: &[&str] = &[
    "1700000000000\n0000000000000000000000000000000000000000000000000000000000000000\n",
    concat!(
        "1\nbad\n",
        r#"{"website_id":"w","event":"message:send","data":{"type":"text","content":"hi","from":"user"},"timestamp":1}"#
    ),
    r#"{"event":"session:set_state","data":{"state":"resolved","session_id":"s"}}"#,
    r#"{"event":"message:send","data":[]}"#,
];

fn mutate(rng: &mut fastrand::Rng, input: &mut Vec<u8>, corpus: &[&str]) {
    for _ in 0..rng.usize(1..=4) {
        let at = rng.usize(0..=input.len());
        match rng.u8(0..7) {
            0 if !input.is_empty() => {
                let i = rng.usize(0..input.len());
                input[i] ^= 1 << rng.u8(0..8);
            }
            1 => input.splice(at..at, TOKENS[rng.usize(0..TOKENS.len())].iter().copied()).for_each(drop),
            2 => input.truncate(at),
            3 if !input.is_empty() => {
                let end = rng.usize(at.min(input.len() - 1)..input.len());
                input.drain(at.min(end)..end);
            }
            4 => {
                let other = corpus[rng.usize(0..corpus.len())].as_bytes();
                let from = rng.usize(0..=other.len());
                input.splice(at..at, other[from..].iter().copied()).for_each(drop);
            }
            5 => {
                let depth = rng.usize(1..200);
                let open = if rng.bool() { b'[' } else { b'{' };
                input.splice(at..at, std::iter::repeat_n(open, depth)).for_each(drop);
            }
            _ => input.insert(at, rng.u8(..)),
        }
    }
    input.truncate(64 * 1024);
}

/// Runs `target` on the corpus, then on mutations; returns the executions.
fn run(name: &str, corpus: &[&str], prefix: &[u8], target: fn(&[u8])) -> usize {
    let iterations: usize = std::env::var("CRISP_FUZZ_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let seed: u64 = std::env::var("CRISP_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut executions = 0;
    for seed_input in corpus {
        let mut input = prefix.to_vec();
        input.extend_from_slice(seed_input.as_bytes());
        target(&input);
        executions += 1;
    }
    for _ in 0..iterations {
        let mut input = prefix.to_vec();
        input.extend_from_slice(corpus[rng.usize(0..corpus.len())].as_bytes());
        mutate(&mut rng, &mut input, corpus);
        target(&input);
        executions += 1;
    }
    println!("{name}: {executions} executions, 0 crashes (seed {seed})");
    executions
}

#[test]
fn envelope_decoding_never_panics_and_shows_only_safe_text() {
    // The first byte picks the status: 200, 4xx or 5xx.
    for status in [b"\x10".as_slice(), b"\x90", b"\xf0"] {
        run("envelope", ENVELOPES, status, fuzzing::envelope);
    }
}

#[test]
fn packet_parsing_never_panics_and_round_trips() {
    run("packet", PACKETS, b"", fuzzing::packet);
}

#[test]
fn webhook_parsing_never_panics_and_shows_only_safe_text() {
    run("webhook", WEBHOOKS, b"", fuzzing::webhook);
}

#[test]
fn the_targets_reject_what_they_must() {
    // A control character in a reason comes out escaped, so the check passes;
    // a raw one would have made `envelope` panic.
    fuzzing::envelope(b"\x90{\"error\":true,\"reason\":\"a\x1b[2Jb\\r\\nc\",\"data\":{}}");
    fuzzing::envelope(&[b'\x10'; 1]);
    fuzzing::packet(&[b'4'; 10_000]);
    fuzzing::webhook(&[b'{'; 10_000]);
}
