//! Typed identifiers.
//!
//! Users, channels, messages, servers and roles are identified by
//! [ULIDs](https://github.com/ulid/spec): 26 characters of Crockford base32
//! that encode 128 bits, the first 48 of which are the creation time in
//! milliseconds. [`Id`] stores those 128 bits in 16 bytes, is `Copy`, parses
//! and prints without allocating, and orders by creation time.
//!
//! The marker type parameter keeps a user id from being passed where a channel
//! id is expected:
//!
//! ```
//! use stoat_model::id::{ChannelId, UserId};
//!
//! let user: UserId = "01M860BWPTBVM98D71JYP906BF".parse()?;
//! assert_eq!(user.to_string(), "01M860BWPTBVM98D71JYP906BF");
//! assert_eq!(user.created_at().year(), 2026);
//! // let channel: ChannelId = user; // does not compile
//! let channel: ChannelId = user.cast(); // explicit, when the server reuses an id
//! # let _ = channel;
//! # Ok::<(), stoat_model::id::IdParseError>(())
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use time::OffsetDateTime;

/// Length of a ULID in its text form.
pub const ULID_LEN: usize = 26;

/// The Crockford base32 alphabet ULIDs are written in.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Maps an ASCII byte to its 5-bit value, or `INVALID`.
const INVALID: u8 = 0xFF;
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        #[allow(clippy::cast_possible_truncation, reason = "i < 32")]
        {
            table[ALPHABET[i] as usize] = i as u8;
        }
        i += 1;
    }
    table
};

/// A typed ULID identifier. See the [module docs](self).
///
/// The 128 bits are kept as two `u64` halves so that the id is 8-aligned:
/// a `u128` would pad every struct that holds one to 16 bytes.
pub struct Id<Marker> {
    high: u64,
    low: u64,
    marker: PhantomData<fn() -> Marker>,
}

/// Marker for user ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct UserMarker;
/// Marker for channel ids (DMs, groups, saved messages, server channels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct ChannelMarker;
/// Marker for message ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct MessageMarker;
/// Marker for server ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct ServerMarker;
/// Marker for role ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct RoleMarker;

/// Id of a user (or bot).
pub type UserId = Id<UserMarker>;
/// Id of a channel.
pub type ChannelId = Id<ChannelMarker>;
/// Id of a message.
pub type MessageId = Id<MessageMarker>;
/// Id of a server.
pub type ServerId = Id<ServerMarker>;
/// Id of a server role.
pub type RoleId = Id<RoleMarker>;

/// Why a string is not a ULID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdParseError {
    /// The string is not 26 bytes long.
    Length {
        /// Its length in bytes.
        actual: usize,
    },
    /// A byte outside the Crockford base32 alphabet (`0-9A-Z` without `ILOU`).
    Character {
        /// Byte offset of the first bad character.
        position: usize,
    },
    /// The first character is above `7`, so the value does not fit 128 bits.
    Overflow,
}

impl fmt::Display for IdParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length { actual } => {
                write!(f, "an id is {ULID_LEN} characters long, this one has {actual}")
            }
            Self::Character { position } => write!(
                f,
                "an id is upper-case Crockford base32, the character at {position} is not"
            ),
            Self::Overflow => f.write_str("an id must start with 0-7 to fit 128 bits"),
        }
    }
}

impl std::error::Error for IdParseError {}

impl<M> Id<M> {
    /// The all-zero id, used by the server as the author of system messages.
    pub const SYSTEM: Self = Self::from_u128(0);

    /// Wraps 128 raw bits.
    #[allow(
        clippy::cast_possible_truncation,
        reason = "splits 128 bits into two halves on purpose"
    )]
    pub const fn from_u128(value: u128) -> Self {
        Self {
            high: (value >> 64) as u64,
            low: value as u64,
            marker: PhantomData,
        }
    }

    /// The 128 raw bits.
    pub const fn get(self) -> u128 {
        ((self.high as u128) << 64) | self.low as u128
    }

    /// Parses the 26-character text form.
    pub const fn parse(text: &str) -> Result<Self, IdParseError> {
        match parse_ulid(text.as_bytes()) {
            Ok(value) => Ok(Self::from_u128(value)),
            Err(e) => Err(e),
        }
    }

    /// Parses the text form from bytes (ASCII; no UTF-8 check needed).
    pub const fn parse_bytes(text: &[u8]) -> Result<Self, IdParseError> {
        match parse_ulid(text) {
            Ok(value) => Ok(Self::from_u128(value)),
            Err(e) => Err(e),
        }
    }

    /// The same bits with another marker, for the few places where the server
    /// reuses one id as another (a DM's `SavedMessages` owner, a report target).
    pub const fn cast<N>(self) -> Id<N> {
        Id::from_u128(self.get())
    }

    /// Milliseconds since the Unix epoch at which the id was created.
    pub const fn timestamp_ms(self) -> u64 {
        self.high >> 16
    }

    /// When the id was created.
    pub fn created_at(self) -> OffsetDateTime {
        // 48 bits of milliseconds always fit the range `time` supports.
        let nanos = i128::from(self.timestamp_ms()) * 1_000_000;
        OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// Whether this is the all-zero [`SYSTEM`](Self::SYSTEM) id.
    pub const fn is_system(self) -> bool {
        self.high == 0 && self.low == 0
    }

    /// The smallest id created at `ms` milliseconds since the epoch: a bound
    /// for "messages before/after this time" queries.
    pub const fn min_at(ms: u64) -> Self {
        Self::from_u128(((ms & 0xFFFF_FFFF_FFFF) as u128) << 80)
    }

    /// The text form in a stack buffer, without allocating.
    pub fn to_ascii(self) -> IdBuf {
        let mut out = [0u8; ULID_LEN];
        let mut value = self.get();
        for slot in out.iter_mut().rev() {
            *slot = ALPHABET[(value & 0x1F) as usize];
            value >>= 5;
        }
        IdBuf(out)
    }
}

const fn parse_ulid(bytes: &[u8]) -> Result<u128, IdParseError> {
    if bytes.len() != ULID_LEN {
        return Err(IdParseError::Length { actual: bytes.len() });
    }
    if bytes[0] > b'7' {
        // Checked before the alphabet so that "8…" reports the real problem.
        if DECODE[bytes[0] as usize] != INVALID {
            return Err(IdParseError::Overflow);
        }
    }
    let mut value: u128 = 0;
    let mut i = 0;
    while i < ULID_LEN {
        let digit = DECODE[bytes[i] as usize];
        if digit == INVALID {
            return Err(IdParseError::Character { position: i });
        }
        value = (value << 5) | digit as u128;
        i += 1;
    }
    Ok(value)
}

/// The text form of an [`Id`] on the stack; derefs to `&str`.
#[derive(Clone, Copy)]
pub struct IdBuf([u8; ULID_LEN]);

impl std::ops::Deref for IdBuf {
    type Target = str;
    fn deref(&self) -> &str {
        // Only ALPHABET bytes are ever written, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl AsRef<str> for IdBuf {
    fn as_ref(&self) -> &str {
        self
    }
}

// The traits below are written out by hand so that they do not require
// anything of the marker type.

impl<M> Clone for Id<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M> Copy for Id<M> {}
impl<M> PartialEq for Id<M> {
    fn eq(&self, other: &Self) -> bool {
        (self.high, self.low) == (other.high, other.low)
    }
}
impl<M> Eq for Id<M> {}
impl<M> PartialOrd for Id<M> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<M> Ord for Id<M> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.high, self.low).cmp(&(other.high, other.low))
    }
}
impl<M> Hash for Id<M> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.high);
        state.write_u64(self.low);
    }
}
impl<M> fmt::Debug for Id<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", &*self.to_ascii())
    }
}
impl<M> fmt::Display for Id<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_ascii())
    }
}
impl<M> FromStr for Id<M> {
    type Err = IdParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
impl<M> TryFrom<&str> for Id<M> {
    type Error = IdParseError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl<M> Serialize for Id<M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_ascii())
    }
}

impl<'de, M> Deserialize<'de> for Id<M> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor<M>(PhantomData<fn() -> M>);
        impl<M> Visitor<'_> for IdVisitor<M> {
            type Value = Id<M>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a 26-character ULID string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Id::parse(v).map_err(|e| E::custom(format_args!("invalid id {v:?}: {e}")))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                parse_ulid(v)
                    .map(Id::from_u128)
                    .map_err(|e| E::custom(format_args!("invalid id: {e}")))
            }
        }
        deserializer.deserialize_str(IdVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_orders_by_time() {
        let a: UserId = "01M860BWPTBVM98D71JYP906BF".parse().unwrap();
        let b: UserId = "01M860RNGMDS8N5WFT4YG8K79P".parse().unwrap();
        assert_eq!(a.to_string(), "01M860BWPTBVM98D71JYP906BF");
        assert!(a < b);
        assert!(a.timestamp_ms() <= b.timestamp_ms());
        assert_eq!(std::mem::size_of::<UserId>(), 16);
        assert_eq!(std::mem::align_of::<UserId>(), 8);
    }

    #[test]
    fn system_id_is_all_zeros() {
        let zero: UserId = "00000000000000000000000000".parse().unwrap();
        assert_eq!(zero, UserId::SYSTEM);
        assert!(zero.is_system());
        assert_eq!(&*UserId::SYSTEM.to_ascii(), "00000000000000000000000000");
    }

    #[test]
    fn rejects_malformed_ids_with_a_reason() {
        assert_eq!(UserId::parse("abc"), Err(IdParseError::Length { actual: 3 }));
        assert_eq!(
            UserId::parse("01M860BWPTBVM98D71JYP906BI"),
            Err(IdParseError::Character { position: 25 })
        );
        assert_eq!(
            UserId::parse("01m860BWPTBVM98D71JYP906BF"),
            Err(IdParseError::Character { position: 2 })
        );
        assert_eq!(
            UserId::parse("81M860BWPTBVM98D71JYP906BF"),
            Err(IdParseError::Overflow)
        );
        assert_eq!(
            UserId::parse("01M860BWPTBVM98D71JYP906Bé"),
            Err(IdParseError::Length { actual: 27 })
        );
        let err = serde_json::from_str::<UserId>("\"nope\"").unwrap_err();
        assert!(err.to_string().contains("invalid id \"nope\""), "{err}");
    }

    #[test]
    fn creation_time_comes_from_the_first_48_bits() {
        let id = UserId::min_at(1_795_498_113_801);
        assert_eq!(id.timestamp_ms(), 1_795_498_113_801);
        assert_eq!(id.created_at().unix_timestamp(), 1_795_498_113);
    }
}
