//! Gateway events (server → client) and commands (client → server).
//!
//! Decoding reads the frame's `type` tag first, drops the frame at once if
//! the caller's [`EventFlags`] do not want it, and otherwise decodes straight
//! into the concrete payload struct: no intermediate tree is built.
//!
//! ```
//! use stoat_model::event::{Event, EventFlags, EventKind, Format};
//!
//! let frame = br#"{"type":"ChannelStartTyping","id":"01M860WMZR57WWSH0P75709DS2","user":"01M860RNGMDS8N5WFT4YG8K79P"}"#;
//! let event = Event::decode(Format::Json, frame)?;
//! assert_eq!(event.kind(), EventKind::ChannelStartTyping);
//!
//! // Unwanted events are skipped after reading only the tag.
//! let only_users = EventFlags::of(EventKind::UserUpdate);
//! assert!(Event::decode_filtered(Format::Json, frame, only_users)?.is_none());
//! # Ok::<(), stoat_model::event::DecodeError>(())
//! ```

mod client;
mod decode;
mod filter;

mod types;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::scan::ScanError;
pub use client::{ClientMessage, PingData};
pub use decode::{DecodeError, DecodeErrorKind, Format};
pub use filter::EventFlags;
pub use types::*;

use crate::channel::Channel;
use crate::message::Message;

macro_rules! events {
    ($( $(#[$doc:meta])* $variant:ident($ty:ty) = $bit:literal, )*) => {
        /// A server event.
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[serde(tag = "type")]
        #[non_exhaustive]
        pub enum Event {
            $( $(#[$doc])* $variant($ty), )*
            /// An event this version does not know, with its whole payload.
            #[serde(untagged)]
            Unknown(UnknownEvent),
        }

        /// The `type` of a server event, without its payload.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum EventKind {
            $( $(#[$doc])* $variant, )*
            /// Any `type` this version does not know.
            Unknown,
        }

        impl EventKind {
            /// Every known kind.
            pub const ALL: &'static [EventKind] = &[$(Self::$variant),*];

            /// The kind for a wire tag.
            #[inline]
            pub fn from_tag(tag: &str) -> Self {
                // A plain match: rustc dispatches on the length first, which
                // measured faster than a perfect-hash table.
                match tag {
                    $( stringify!($variant) => Self::$variant, )*
                    _ => Self::Unknown,
                }
            }

            /// The wire tag (`"Unknown"` for unknown kinds).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => stringify!($variant), )*
                    Self::Unknown => "Unknown",
                }
            }

            /// The bit of this kind in [`EventFlags`].
            pub(crate) const fn bit(self) -> u64 {
                match self {
                    $( Self::$variant => 1 << $bit, )*
                    Self::Unknown => 1 << 63,
                }
            }
        }

        impl Event {
            /// The event's kind.
            pub fn kind(&self) -> EventKind {
                match self {
                    $( Self::$variant(_) => EventKind::$variant, )*
                    Self::Unknown(_) => EventKind::Unknown,
                }
            }

            /// Decodes the payload of a frame of a known kind.
            fn decode_payload(kind: EventKind, format: Format, bytes: &[u8]) -> Result<Self, DecodeError> {
                Ok(match kind {
                    $( EventKind::$variant => Self::$variant(format.from_slice(bytes)?), )*
                    EventKind::Unknown => Self::Unknown(format.from_slice(bytes)?),
                })
            }

            /// Builds an event from an already parsed object.
            fn from_value(kind: EventKind, value: Value) -> Result<Self, serde_json::Error> {
                Ok(match kind {
                    $( EventKind::$variant => Self::$variant(serde_json::from_value(value)?), )*
                    EventKind::Unknown => Self::Unknown(serde_json::from_value(value)?),
                })
            }
        }
    };
}

events! {
    /// Authentication succeeded.
    Authenticated(Authenticated) = 0,
    /// The initial state.
    Ready(Box<Ready>) = 1,
    /// Answer to a ping.
    Pong(Pong) = 2,
    /// An error (authentication failures end the connection).
    Error(Box<ErrorEvent>) = 3,
    /// The session was deleted; terminal.
    Logout(Logout) = 4,
    /// Several events at once.
    Bulk(Bulk) = 5,
    /// A user changed.
    UserUpdate(Box<UserUpdate>) = 6,
    /// Your relationship with a user changed.
    UserRelationship(Box<UserRelationship>) = 7,
    /// Your settings changed.
    UserSettingsUpdate(Box<UserSettingsUpdate>) = 8,
    /// A user was wiped from the platform.
    UserPlatformWipe(UserPlatformWipe) = 9,
    /// Someone started typing.
    ChannelStartTyping(ChannelTyping) = 10,
    /// Someone stopped typing.
    ChannelStopTyping(ChannelTyping) = 11,
    /// You marked a channel read.
    ChannelAck(ChannelAck) = 12,
    /// A channel was created (a new DM, for instance).
    ChannelCreate(Box<Channel>) = 13,
    /// A channel changed (a DM was closed, for instance).
    ChannelUpdate(Box<ChannelUpdate>) = 14,
    /// A channel was deleted.
    ChannelDelete(ChannelDelete) = 15,
    /// A user joined a group.
    ChannelGroupJoin(ChannelGroupMember) = 16,
    /// A user left a group.
    ChannelGroupLeave(ChannelGroupMember) = 17,
    /// A message was sent.
    Message(Box<Message>) = 18,
    /// A message changed.
    MessageUpdate(Box<MessageUpdate>) = 19,
    /// Embeds were added to a message.
    MessageAppend(Box<MessageAppend>) = 20,
    /// A message was deleted.
    MessageDelete(MessageDelete) = 21,
    /// Messages were deleted at once.
    BulkMessageDelete(BulkMessageDelete) = 22,
    /// A reaction was added.
    MessageReact(MessageReaction) = 23,
    /// A reaction was removed.
    MessageUnreact(MessageReaction) = 24,
    /// All reactions of one emoji were removed.
    MessageRemoveReaction(MessageRemoveReaction) = 25,
    /// A user joined a call.
    VoiceChannelJoin(Box<VoiceChannelJoin>) = 26,
    /// A user left a call.
    VoiceChannelLeave(VoiceChannelLeave) = 27,
    /// A user moved between calls.
    VoiceChannelMove(Box<VoiceChannelMove>) = 28,
    /// A participant's voice state changed.
    UserVoiceStateUpdate(Box<UserVoiceStateUpdate>) = 29,
    /// You were moved to another call.
    UserMoveVoiceChannel(Box<UserMoveVoiceChannel>) = 30,
    /// A DM or group call started or ended.
    VoiceCallUpdate(VoiceCallUpdate) = 31,
    /// Slowmodes you are in.
    UserSlowmodes(UserSlowmodes) = 32,
    /// Another session of yours was deleted.
    DeleteSession(DeleteSession) = 33,
    /// All your other sessions were deleted.
    DeleteAllSessions(DeleteAllSessions) = 34,
}

impl Event {
    /// Decodes one frame.
    pub fn decode(format: Format, bytes: &[u8]) -> Result<Self, DecodeError> {
        // With every kind wanted, only an empty `Bulk` yields `None`.
        Self::decode_filtered(format, bytes, EventFlags::all())
            .map(|event| event.unwrap_or(Self::Bulk(Bulk { v: Vec::new() })))
    }

    /// Decodes one frame if `wanted` contains its kind; `Ok(None)` when it
    /// was skipped after reading only the tag.
    ///
    /// The items of a `Bulk` are filtered one by one; a `Bulk` whose items
    /// are all unwanted is skipped too.
    pub fn decode_filtered(
        format: Format,
        bytes: &[u8],
        wanted: EventFlags,
    ) -> Result<Option<Self>, DecodeError> {
        let kind = format.peek_kind(bytes)?;
        if kind == EventKind::Bulk {
            let mut v = Vec::new();
            for item in format.bulk_items(bytes)? {
                if let Some(event) = Self::decode_filtered(format, item, wanted)? {
                    v.push(event);
                }
            }
            return Ok((!v.is_empty()).then_some(Self::Bulk(Bulk { v })));
        }
        if !wanted.contains_kind(kind) {
            return Ok(None);
        }
        if format == Format::Json {
            // JSON is UTF-8 throughout; serde alone would let bad bytes
            // through in the values a payload ignores.
            let text = std::str::from_utf8(bytes)
                .map_err(|_| DecodeError::frame(ScanError::NotUtf8).with_kind(kind, bytes, format))?;
            if let Some(event) = crate::json::event(text, kind) {
                return Ok(Some(event));
            }
        }
        let event =
            Self::decode_payload(kind, format, bytes).map_err(|e| e.with_kind(kind, bytes, format))?;
        // An unknown tag followed by a second `type` key (the object keeps
        // the last one) that is a known kind, or not a string: kept as
        // unknown, it would encode as a frame that does not decode as the
        // same thing. Such a frame is refused.
        if let Self::Unknown(unknown) = &event
            && !matches!(unknown.fields().get("type"), Some(Value::String(tag)) if EventKind::from_tag(tag) == EventKind::Unknown)
        {
            let message = format!("two `type` keys, the second {:?}", unknown.fields().get("type"));
            return Err(DecodeError::payload(message).with_kind(kind, bytes, format));
        }
        Ok(Some(event))
    }

    /// Encodes the event as one frame.
    pub fn encode(&self, format: Format) -> Vec<u8> {
        format.to_vec(self)
    }

    /// This event, or the events of a `Bulk` (recursively), in order.
    pub fn flatten(self) -> Vec<Self> {
        match self {
            Self::Bulk(bulk) => bulk.v.into_iter().flat_map(Self::flatten).collect(),
            other => vec![other],
        }
    }
}

/// The generic path, for events nested in other serde types. It parses the
/// whole object first; the gateway uses [`Event::decode`] instead.
impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let kind = value
            .get("type")
            .and_then(Value::as_str)
            .map(EventKind::from_tag)
            .ok_or_else(|| de::Error::missing_field("type"))?;
        Self::from_value(kind, value).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
