//! Declarative helpers shared by the wire types.

/// Declares a string enum that keeps values it does not know.
///
/// Every variant maps to one exact wire string; any other string decodes to
/// `Unknown(value)` and encodes back unchanged, so a server that adds a value
/// never breaks a client, and nothing is lost on a round trip.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version of the crate does not know, kept as sent.
            Unknown(Box<str>),
        }

        impl $name {
            /// Every value this version knows, in declaration order.
            pub const KNOWN: &'static [Self] = &[$(Self::$variant),*];

            /// The exact wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Unknown(other) => other,
                }
            }

            /// Reads a wire string; unknown strings become [`Self::Unknown`].
            pub fn from_wire(value: &str) -> Self {
                match value {
                    $( $wire => Self::$variant, )*
                    other => Self::Unknown(other.into()),
                }
            }

            /// Whether this is a value the crate does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_wire(s))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct V;
                impl ::serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from_wire(v))
                    }
                }
                deserializer.deserialize_str(V)
            }
        }
    };
}

/// Gives a `bitflags` type integer serde that keeps unknown bits.
///
/// The wire carries these as plain numbers; bits the crate does not name
/// survive a round trip because they are stored with `from_bits_retain`.
/// Negative numbers (the server declares some of these fields `i32`) are
/// read as their two's-complement bits.
macro_rules! integer_flags_serde {
    ($name:ident) => {
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_u64(u64::from(self.bits()))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let bits = $crate::macros::deserialize_bits(deserializer)?;
                Ok(Self::from_bits_retain(bits))
            }
        }
    };
}

/// Reads an integer bitfield that may arrive as unsigned or signed 32-bit.
pub(crate) fn deserialize_bits<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    use serde::de::Error;
    let value = i64::deserialize(deserializer)?;
    if let Ok(bits) = u32::try_from(value) {
        return Ok(bits);
    }
    i32::try_from(value)
        .map(i32::cast_unsigned)
        .map_err(|_| D::Error::custom(format_args!("bitfield {value} does not fit 32 bits")))
}

use serde::Deserialize;

pub(crate) use integer_flags_serde;
pub(crate) use string_enum;

/// `deserialize_with` for fields that default when absent: `null` means the
/// same as absent, as everywhere on this wire.
pub(crate) fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// `skip_serializing_if` for booleans the server omits when `false`.
#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde passes fields by reference"
)]
pub(crate) fn is_false(value: &bool) -> bool {
    !*value
}
