//! Small building blocks the generated models are made of: open enums,
//! identifier newtypes and lenient number decoding.

// With some service groups turned off, helpers only the others use are unused.
#![cfg_attr(
    not(all(
        feature = "website",
        feature = "plugin",
        feature = "plan",
        feature = "media",
        feature = "bucket",
        feature = "events"
    )),
    allow(unused)
)]

use serde::{Deserialize, Deserializer};

/// Declares a string enum that keeps values it does not know in `Other`, so
/// a new value from Crisp never fails decoding.
///
/// There is deliberately no `From<&str>`: where the API takes one of these,
/// a misspelt value must not compile. Parsing text (`str::parse`, for user
/// input) is strict too: an unknown value is an [`UnknownValue`] error that
/// lists the known ones. Decoding what Crisp sends stays lenient. A value
/// the enum does not know yet is still sendable, explicitly, as `Other(..)`.
///
/// [`UnknownValue`]: crate::UnknownValue
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $value:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version does not know yet; match on
            /// [`as_str`](Self::as_str) rather than on this variant, which
            /// stops matching once the value gets its own variant.
            Other(String),
        }

        impl $name {
            /// Every wire value this version knows, in the spec's order.
            pub const VALUES: &'static [&'static str] = &[$($value,)*];

            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Other(value) => value,
                }
            }
        }

        impl $name {
            /// The variant for a wire value; unknown values go to `Other`.
            fn from_wire(value: &str) -> Self {
                match value {
                    $($value => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::UnknownValue;
            /// Strict: a value this version does not know is an error naming
            /// the known ones (build `Other(..)` to send it anyway).
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match Self::from_wire(value) {
                    Self::Other(_) => Err(crate::UnknownValue::new(stringify!($name), value, Self::VALUES)),
                    known => Ok(known),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                // Read in place: a known value allocates nothing.
                struct WireVisitor;
                impl serde::de::Visitor<'_> for WireVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E>(self, value: &str) -> Result<$name, E> {
                        Ok($name::from_wire(value))
                    }
                }
                deserializer.deserialize_str(WireVisitor)
            }
        }
    };
}
pub(crate) use open_enum;

/// Declares an identifier newtype and the trait its arguments take.
///
/// The newtype is what responses carry, so an id read from Crisp keeps its
/// kind. Methods take `impl AsXxx`, implemented for the newtype, `str` and
/// `String` (and references to them), so literals need no wrapping while a
/// session id given where a website id belongs does not compile. Serialized
/// as the bare string.
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $arg:ident, $method:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an identifier; Crisp decides whether it is valid.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The identifier as an owned `String`.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        #[doc = concat!("What a method accepts as a [`", stringify!($name), "`]: the typed id, or text.")]
        pub trait $arg {
            /// The identifier as text.
            fn $method(&self) -> &str;
        }

        impl $arg for $name {
            fn $method(&self) -> &str {
                &self.0
            }
        }

        impl $arg for str {
            fn $method(&self) -> &str {
                self
            }
        }

        impl $arg for String {
            fn $method(&self) -> &str {
                self
            }
        }

        impl<T: $arg + ?Sized> $arg for &T {
            fn $method(&self) -> &str {
                (**self).$method()
            }
        }
    };
}
pub(crate) use id_type;

/// `now + duration`, saturating a year ahead instead of overflowing, so a
/// caller's `Duration::MAX` means "no limit" rather than a panic.
pub(crate) fn instant_after(duration: std::time::Duration) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(duration).or_else(|| now.checked_add(std::time::Duration::from_secs(86_400 * 365))).unwrap_or(now)
}

/// A number Crisp may send as an integer, a float, a numeric string or a
/// boolean, read by one visitor: no buffering, no trial of one shape after
/// another, and never an error for a value that is no number at all.
enum LooseNumber {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    /// `null`, or a value that is no number (an object, a list, other text).
    Missing,
}

impl LooseNumber {
    fn as_f64(&self) -> Option<f64> {
        match *self {
            LooseNumber::Unsigned(v) => Some(v as f64),
            LooseNumber::Signed(v) => Some(v as f64),
            LooseNumber::Float(v) => Some(v),
            LooseNumber::Missing => None,
        }
    }

    /// Text read as an exact integer when it is one, else as a float.
    fn parse(text: &str) -> Self {
        let text = text.trim();
        if let Ok(v) = text.parse::<u64>() {
            LooseNumber::Unsigned(v)
        } else if let Ok(v) = text.parse::<i64>() {
            LooseNumber::Signed(v)
        } else {
            text.parse::<f64>().map_or(LooseNumber::Missing, LooseNumber::Float)
        }
    }
}

impl<'de> Deserialize<'de> for LooseNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseNumberVisitor)
    }
}

struct LooseNumberVisitor;

impl<'de> serde::de::Visitor<'de> for LooseNumberVisitor {
    type Value = LooseNumber;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a number, a numeric string, a boolean or null")
    }

    fn visit_u64<E>(self, v: u64) -> Result<LooseNumber, E> {
        Ok(LooseNumber::Unsigned(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<LooseNumber, E> {
        Ok(LooseNumber::Signed(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<LooseNumber, E> {
        Ok(LooseNumber::Float(v))
    }

    fn visit_bool<E>(self, v: bool) -> Result<LooseNumber, E> {
        Ok(LooseNumber::Unsigned(u64::from(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<LooseNumber, E> {
        Ok(LooseNumber::parse(v))
    }

    fn visit_bytes<E>(self, _: &[u8]) -> Result<LooseNumber, E> {
        Ok(LooseNumber::Missing)
    }

    fn visit_unit<E>(self) -> Result<LooseNumber, E> {
        Ok(LooseNumber::Missing)
    }

    fn visit_none<E>(self) -> Result<LooseNumber, E> {
        Ok(LooseNumber::Missing)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<LooseNumber, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<LooseNumber, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(LooseNumber::Missing)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<LooseNumber, A::Error> {
        while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
        Ok(LooseNumber::Missing)
    }
}

/// Decodes an optional epoch-millisecond timestamp that may arrive as a float or string.
pub(crate) fn timestamp<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Ok(match LooseNumber::deserialize(deserializer)? {
        LooseNumber::Unsigned(v) => Some(v),
        LooseNumber::Signed(v) => u64::try_from(v).ok(),
        other => other.as_f64().filter(|v| *v >= 0.0).map(|v| v as u64),
    })
}

/// The integer a loose number stands for: floats are truncated, and values
/// out of the `i64` range saturate.
fn to_integer(number: LooseNumber) -> Option<i64> {
    match number {
        LooseNumber::Signed(v) => Some(v),
        LooseNumber::Unsigned(v) => Some(i64::try_from(v).unwrap_or(i64::MAX)),
        other => other.as_f64().map(|v| v as i64),
    }
}

/// Decodes an optional integer that may arrive as a float or string.
pub(crate) fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    LooseNumber::deserialize(deserializer).map(to_integer)
}

/// Decodes a list of integers, each of which may arrive as a float or string;
/// an element that is no number at all is dropped rather than failing the model.
pub(crate) fn integer_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<i64>>, D::Error> {
    Ok(Option::<Vec<LooseNumber>>::deserialize(deserializer)?
        .map(|items| items.into_iter().filter_map(to_integer).collect()))
}

/// A model read member by member: what the generated `Deserialize` impls
/// share. Every field is optional, so reading starts from `Default` and each
/// member overwrites its field; members the model does not know are skipped.
pub(crate) trait Members: Default {
    /// The model's name, for error messages.
    const NAME: &'static str;

    /// Reads the value of member `key` from `map` into its field.
    fn member<'de, A: serde::de::MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error>;
}

/// Decodes a [`Members`] model from an object.
pub(crate) fn deserialize_members<'de, T: Members, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    struct ObjectVisitor<T>(std::marker::PhantomData<T>);

    impl<'de, T: Members> serde::de::Visitor<'de> for ObjectVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "struct {}", T::NAME)
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
            let mut value = T::default();
            while let Some(key) = map.next_key::<MemberName<'de>>()? {
                value.member(key.as_str(), &mut map)?;
            }
            Ok(value)
        }
    }

    deserializer.deserialize_map(ObjectVisitor(std::marker::PhantomData))
}

/// A member name, borrowed from the input when it can be.
enum MemberName<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl MemberName<'_> {
    fn as_str(&self) -> &str {
        match self {
            MemberName::Borrowed(name) => name,
            MemberName::Owned(name) => name,
        }
    }
}

impl<'de> Deserialize<'de> for MemberName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;

        impl<'de> serde::de::Visitor<'de> for NameVisitor {
            type Value = MemberName<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a member name")
            }

            fn visit_borrowed_str<E>(self, name: &'de str) -> Result<MemberName<'de>, E> {
                Ok(MemberName::Borrowed(name))
            }

            fn visit_str<E>(self, name: &str) -> Result<MemberName<'de>, E> {
                Ok(MemberName::Owned(name.to_owned()))
            }

            fn visit_string<E>(self, name: String) -> Result<MemberName<'de>, E> {
                Ok(MemberName::Owned(name))
            }
        }

        deserializer.deserialize_identifier(NameVisitor)
    }
}

/// Seeds that read a member through one of the lenient decoders below.
macro_rules! lenient_seed {
    ($($(#[$meta:meta])* $seed:ident => $decoder:ident -> $value:ty;)*) => {$(
        $(#[$meta])*
        pub(crate) struct $seed;

        impl<'de> serde::de::DeserializeSeed<'de> for $seed {
            type Value = $value;

            fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<$value, D::Error> {
                $decoder(deserializer)
            }
        }
    )*};
}

lenient_seed! {
    /// Reads a member with [`timestamp`].
    Timestamp => timestamp -> Option<u64>;
    /// Reads a member with [`integer`].
    Integer => integer -> Option<i64>;
    /// Reads a member with [`number`].
    Number => number -> Option<f64>;
    /// Reads a member with [`integer_list`].
    IntegerList => integer_list -> Option<Vec<i64>>;
}

/// Reads a member with [`nullable`].
pub(crate) struct Nullable<T>(std::marker::PhantomData<T>);

impl<T> Nullable<T> {
    pub(crate) fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<'de, T: Deserialize<'de>> serde::de::DeserializeSeed<'de> for Nullable<T> {
    type Value = Option<Option<T>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        nullable(deserializer)
    }
}

/// Decodes a field where `null` means something: absent stays `None`, `null`
/// becomes `Some(None)`, a value `Some(Some(value))`. Serde's derive alone
/// folds `null` into `None`, which would lose the difference on a round trip.
pub(crate) fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Decodes an optional float that may arrive as an integer or a numeric string.
pub(crate) fn number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    Ok(LooseNumber::deserialize(deserializer)?.as_f64())
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize, Default)]
    struct Numbers {
        #[serde(default, deserialize_with = "super::timestamp")]
        at: Option<u64>,
        #[serde(default, deserialize_with = "super::integer")]
        count: Option<i64>,
        #[serde(default, deserialize_with = "super::number")]
        ratio: Option<f64>,
    }

    #[test]
    fn numbers_are_decoded_leniently() {
        let n: Numbers = serde_json::from_str(r#"{"at":1700000000000.0,"count":"12","ratio":"0.5"}"#).unwrap();
        assert_eq!((n.at, n.count, n.ratio), (Some(1_700_000_000_000), Some(12), Some(0.5)));
        let n: Numbers = serde_json::from_str(r#"{"at":null,"count":true,"ratio":3}"#).unwrap();
        assert_eq!((n.at, n.count, n.ratio), (None, Some(1), Some(3.0)));
        let n: Numbers = serde_json::from_str("{}").unwrap();
        assert_eq!((n.at, n.count, n.ratio), (None, None, None));
        // No number at all reads as none, never as an error.
        let n: Numbers = serde_json::from_str(r#"{"at":{"a":[1,{}]},"count":[2],"ratio":"soon"}"#).unwrap();
        assert_eq!((n.at, n.count, n.ratio), (None, None, None));
        // Integers beyond what an f64 holds exactly stay exact, in numbers and in text.
        let n: Numbers = serde_json::from_str(r#"{"at":"9007199254740993","count":-9007199254740993}"#).unwrap();
        assert_eq!((n.at, n.count), (Some(9_007_199_254_740_993), Some(-9_007_199_254_740_993)));
        let n: Numbers = serde_json::from_str(r#"{"at":-5,"count":18446744073709551615}"#).unwrap();
        assert_eq!((n.at, n.count), (None, Some(i64::MAX)));
    }

    #[derive(serde::Deserialize, serde::Serialize, Default, Debug, PartialEq)]
    struct Write {
        #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "super::nullable")]
        inbox_id: Option<Option<String>>,
        #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "super::integer_list")]
        fingerprints: Option<Vec<i64>>,
    }

    #[test]
    fn null_and_absent_stay_apart_both_ways() {
        for (text, value) in [
            ("{}", Write::default()),
            (r#"{"inbox_id":null}"#, Write { inbox_id: Some(None), ..Write::default() }),
            (r#"{"inbox_id":"sales"}"#, Write { inbox_id: Some(Some("sales".into())), ..Write::default() }),
        ] {
            assert_eq!(serde_json::from_str::<Write>(text).unwrap(), value);
            assert_eq!(serde_json::to_string(&value).unwrap(), text);
        }
    }

    #[test]
    fn integer_lists_are_decoded_leniently_and_encoded_as_integers() {
        let w: Write = serde_json::from_str(r#"{"fingerprints":[163408415737326.0,"2",3,{}]}"#).unwrap();
        assert_eq!(w.fingerprints, Some(vec![163_408_415_737_326, 2, 3]));
        assert_eq!(serde_json::to_string(&w).unwrap(), r#"{"fingerprints":[163408415737326,2,3]}"#);
    }

    #[derive(Default, Debug, PartialEq)]
    struct Model {
        name: Option<String>,
        count: Option<i64>,
        inbox: Option<Option<String>>,
    }

    impl super::Members for Model {
        const NAME: &'static str = "Model";

        fn member<'de, A: serde::de::MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
            match key {
                "name" | "nickname" => self.name = map.next_value()?,
                "count" => self.count = map.next_value_seed(super::Integer)?,
                "inbox" => self.inbox = map.next_value_seed(super::Nullable::new())?,
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
            Ok(())
        }
    }

    impl<'de> serde::Deserialize<'de> for Model {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            super::deserialize_members(deserializer)
        }
    }

    #[test]
    fn members_are_read_by_name_whatever_the_source() {
        let text = r#"{"n\u0061me":"Jo","count":"3","inbox":null,"new":{"deep":[1,{"x":null}]}}"#;
        let expected = Model { name: Some("Jo".into()), count: Some(3), inbox: Some(None) };
        assert_eq!(serde_json::from_str::<Model>(text).unwrap(), expected);
        // From a `Value`, as events are: member names arrive as owned strings.
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::from_value::<Model>(value).unwrap(), expected);
        // Aliases, repeated members (the last one wins), absent and null members.
        let model: Model = serde_json::from_str(r#"{"nickname":"A","name":"B","count":null}"#).unwrap();
        assert_eq!(model, Model { name: Some("B".into()), ..Model::default() });
        let err = serde_json::from_str::<Model>(r#"["Jo"]"#).unwrap_err().to_string();
        assert!(err.starts_with("invalid type: sequence, expected struct Model"), "{err}");
    }

    super::open_enum! {
        /// Test enum.
        Color { Red => "red", Blue => "blue", }
    }

    #[test]
    fn open_enums_keep_unknown_values() {
        let colors: Vec<Color> = serde_json::from_str(r#"["red","green"]"#).unwrap();
        assert_eq!(colors, vec![Color::Red, Color::Other("green".into())]);
        assert_eq!("blue".parse::<Color>(), Ok(Color::Blue));
        assert_eq!(serde_json::to_string(&colors).unwrap(), r#"["red","green"]"#);
        assert_eq!(Color::Blue.to_string(), "blue");
    }
}
