//! Messages a client sends to the gateway.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::id::{ChannelId, ServerId};
use crate::secret::Secret;

/// A client → server message.
///
/// ```
/// use stoat_model::event::{ClientMessage, PingData};
///
/// let ping = ClientMessage::Ping { data: PingData::Number(7) };
/// assert_eq!(serde_json::to_string(&ping)?, r#"{"type":"Ping","data":7}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
#[non_exhaustive]
pub enum ClientMessage {
    /// Authenticate with a session or bot token (only before authentication).
    Authenticate {
        /// The token (never printed).
        token: Secret,
    },
    /// Ask for a `Pong` with the same data.
    Ping {
        /// A non-negative integer or a byte array.
        data: PingData,
    },
    /// Start typing in a channel (relayed only to subscribers of it).
    BeginTyping {
        /// The channel.
        channel: ChannelId,
    },
    /// Stop typing (the server has no timeout: always send it).
    EndTyping {
        /// The channel.
        channel: ChannelId,
    },
    /// Receive member updates of a server for 15 minutes (users only).
    Subscribe {
        /// The server.
        server_id: ServerId,
    },
}

/// Ping payload: the server echoes integers and byte arrays, and silently
/// ignores anything else.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PingData {
    /// A non-negative integer.
    Number(u64),
    /// Bytes (a JSON array of numbers).
    Bytes(Vec<u8>),
}

impl Serialize for PingData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Number(n) => serializer.serialize_u64(*n),
            Self::Bytes(bytes) => bytes.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for PingData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PingData;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative integer or an array of bytes")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<PingData, E> {
                Ok(PingData::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<PingData, E> {
                u64::try_from(v)
                    .map(PingData::Number)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<PingData, E> {
                Ok(PingData::Bytes(v.to_vec()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PingData, A::Error> {
                let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(256));
                while let Some(b) = seq.next_element::<u8>()? {
                    bytes.push(b);
                }
                Ok(PingData::Bytes(bytes))
            }
        }
        deserializer.deserialize_any(V)
    }
}
