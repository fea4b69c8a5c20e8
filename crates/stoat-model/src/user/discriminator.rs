//! The four-digit discriminator that makes a username unique.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A discriminator: four ASCII digits, `"0001"` to `"9999"` (`"0000"` for
/// deleted users). Stored as a number, always written zero-padded.
///
/// ```
/// use stoat_model::Discriminator;
///
/// let d: Discriminator = "0042".parse()?;
/// assert_eq!(d.get(), 42);
/// assert_eq!(d.to_string(), "0042");
/// assert!("42".parse::<Discriminator>().is_err());
/// # Ok::<(), stoat_model::user::DiscriminatorParseError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Discriminator(u16);

/// A discriminator that is not exactly four ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscriminatorParseError(Box<str>);

impl fmt::Display for DiscriminatorParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a discriminator is four digits, not {:?}", self.0)
    }
}

impl std::error::Error for DiscriminatorParseError {}

impl Discriminator {
    /// The discriminator of deleted users.
    pub const DELETED: Self = Self(0);

    /// From a number below 10000.
    pub const fn new(value: u16) -> Option<Self> {
        if value < 10_000 { Some(Self(value)) } else { None }
    }

    /// The number.
    pub const fn get(self) -> u16 {
        self.0
    }

    /// Parses exactly four ASCII digits.
    pub fn parse(text: &str) -> Result<Self, DiscriminatorParseError> {
        let bytes = text.as_bytes();
        if bytes.len() == 4 && bytes.iter().all(u8::is_ascii_digit) {
            Ok(Self(
                bytes.iter().fold(0, |acc, b| acc * 10 + u16::from(b - b'0')),
            ))
        } else {
            Err(DiscriminatorParseError(text.into()))
        }
    }

    /// The zero-padded text form, without allocating.
    pub fn to_ascii(self) -> [u8; 4] {
        let v = self.0;
        [
            b'0' + (v / 1000 % 10) as u8,
            b'0' + (v / 100 % 10) as u8,
            b'0' + (v / 10 % 10) as u8,
            b'0' + (v % 10) as u8,
        ]
    }
}

impl fmt::Display for Discriminator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.0)
    }
}

impl fmt::Debug for Discriminator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Discriminator({:04})", self.0)
    }
}

impl FromStr for Discriminator {
    type Err = DiscriminatorParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Discriminator {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let ascii = self.to_ascii();
        serializer.serialize_str(std::str::from_utf8(&ascii).unwrap_or("0000"))
    }
}

impl<'de> Deserialize<'de> for Discriminator {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Discriminator;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a four-digit discriminator string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Discriminator, E> {
                Discriminator::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(V)
    }
}
