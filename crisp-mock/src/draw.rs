//! Seeded draws of realistic identities: visitor names, emails, places and
//! devices, operators, and UUIDs. The same generator state always gives the
//! same draws.

use serde_json::{Value, json};

const FIRST_NAMES: &[&str] = &[
    "Amara", "Bastien", "Chen", "Dalia", "Emeka", "Freya", "Gustavo", "Hana", "Idris", "Jonas", "Kiri", "Leila",
    "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Ximena", "Yusuf",
    "Zoé", "Aiko", "Björn", "Camille", "Dmitri", "Elif", "Farah", "Giulia", "Hugo", "Ines", "Jamal", "Kenji", "Lucía",
];
const LAST_NAMES: &[&str] = &[
    "Okafor",
    "Lefèvre",
    "Wang",
    "Haddad",
    "Nwosu",
    "Lindqvist",
    "Pereira",
    "Sato",
    "Rahman",
    "Weber",
    "Ngata",
    "Karimi",
    "Fernández",
    "Petrov",
    "Berg",
    "Iyer",
    "Moreau",
    "Rossi",
    "Andersen",
    "Aziz",
    "Patel",
    "Novak",
    "Liu",
    "Castillo",
    "Demir",
    "Kowalski",
    "Tanaka",
    "Müller",
    "Dubois",
    "Silva",
    "Yamamoto",
    "Costa",
    "Jensen",
    "Ali",
];
const DOMAINS: &[&str] = &["example.com", "example.org", "example.net", "mail.example", "inbox.example"];
const PLACES: &[(&str, &str, &str, i64)] = &[
    ("FR", "Paris", "fr", -60),
    ("DE", "Berlin", "de", -60),
    ("US", "New York", "en", 300),
    ("BR", "São Paulo", "pt", 180),
    ("JP", "Tokyo", "ja", -540),
    ("IN", "Bengaluru", "en", -330),
    ("NG", "Lagos", "en", -60),
    ("CA", "Montréal", "fr", 300),
    ("ES", "Madrid", "es", -60),
    ("AU", "Sydney", "en", -600),
];
/// One of `items`.
pub(crate) fn pick<'a>(rng: &mut fastrand::Rng, items: &[&'a str]) -> &'a str {
    items[rng.usize(..items.len())]
}

fn ascii_lower(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'é' | 'è' | 'ê' => 'e',
            'ü' => 'u',
            'ö' => 'o',
            'ç' => 'c',
            'ã' => 'a',
            c => c,
        })
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// A visitor: a conversation's `meta` with a name, an email, an IP, a
/// device and a place, all drawn from `rng`.
pub(crate) fn visitor(rng: &mut fastrand::Rng) -> Value {
    let (first, last) = (pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES));
    let (country, city, locale, timezone) = PLACES[rng.usize(..PLACES.len())];
    let email = format!("{}.{}{}@{}", ascii_lower(first), ascii_lower(last), rng.u16(1..100), pick(rng, DOMAINS));
    json!({
        "nickname": format!("{first} {last}"),
        "email": email,
        "phone": null,
        "avatar": null,
        "ip": format!("203.0.113.{}", rng.u8(1..255)),
        "data": {},
        "segments": [],
        "device": {
            "timezone": timezone,
            "locales": [locale],
            "geolocation": {"country": country, "city": city},
            "system": {"os": {"name": pick(rng, &["macOS", "Windows", "Android", "iOS", "Linux"])},
                       "browser": {"name": pick(rng, &["Chrome", "Firefox", "Safari", "Edge"])}},
        },
    })
}

/// Operators of a generated website, as `list_website_operators` answers them.
pub(crate) fn operators(rng: &mut fastrand::Rng, count: usize) -> Vec<Value> {
    (0..count)
        .map(|i| {
            let (first, last) = (pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES));
            json!({
                "type": "operator",
                "details": {
                    "user_id": format!("{:08x}-{:04x}-4000-8000-{:012x}", rng.u32(..), rng.u16(..), rng.u64(..1 << 48)),
                    "email": format!("{}@support.example.com", ascii_lower(first)),
                    "first_name": first,
                    "last_name": last,
                    "role": if i == 0 { "owner" } else { "member" },
                    "title": pick(rng, &["Support", "Success", "Billing", "Engineering"]),
                    "availability": pick(rng, &["online", "away", "offline"]),
                    "has_token": false,
                }
            })
        })
        .collect()
}

/// A random (version 4 shaped) UUID after `prefix`, from a seeded generator.
pub(crate) fn uuid(rng: &mut fastrand::Rng, prefix: &str) -> String {
    format!(
        "{prefix}{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        rng.u32(..),
        rng.u16(..),
        rng.u16(..0x1000),
        rng.u8(8..12),
        rng.u16(..0x1000),
        rng.u64(..1 << 48)
    )
}
