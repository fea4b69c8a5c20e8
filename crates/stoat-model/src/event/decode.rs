//! Wire formats and decode errors.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::EventKind;
use crate::scan::{self, ScanError};

/// A gateway wire format (`format=` on connect).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// JSON text frames (the default).
    #[default]
    Json,
    /// MessagePack binary frames (named maps; timestamps as integer ms).
    #[cfg(feature = "msgpack")]
    MsgPack,
}

impl Format {
    /// The value of the `format=` query parameter.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            #[cfg(feature = "msgpack")]
            Self::MsgPack => "msgpack",
        }
    }

    /// Decodes a value of any type in this format.
    pub fn from_slice<T: DeserializeOwned>(self, bytes: &[u8]) -> Result<T, DecodeError> {
        match self {
            Self::Json => serde_json::from_slice(bytes).map_err(|e| DecodeError::payload(e.to_string())),
            #[cfg(feature = "msgpack")]
            Self::MsgPack => rmp_serde::from_slice(bytes).map_err(|e| DecodeError::payload(e.to_string())),
        }
    }

    /// Encodes a value in this format.
    ///
    /// Every type of this crate encodes without error; a failure can only
    /// come from a foreign `Serialize` impl, and yields an empty frame.
    pub fn to_vec<T: Serialize + ?Sized>(self, value: &T) -> Vec<u8> {
        match self {
            Self::Json => serde_json::to_vec(value).unwrap_or_default(),
            #[cfg(feature = "msgpack")]
            Self::MsgPack => rmp_serde::to_vec_named(value).unwrap_or_default(),
        }
    }

    /// The kind of a frame, read from its tag only.
    #[inline]
    pub fn peek_kind(self, bytes: &[u8]) -> Result<EventKind, DecodeError> {
        let kind = match self {
            Self::Json => scan::json_tag(bytes).map(|tag| EventKind::from_tag(&tag)),
            #[cfg(feature = "msgpack")]
            Self::MsgPack => scan::msgpack_tag(bytes).map(EventKind::from_tag),
        };
        kind.map_err(DecodeError::frame)
    }

    /// The raw items of a `Bulk` frame, in order.
    pub fn bulk_items(self, bytes: &[u8]) -> Result<Vec<&[u8]>, DecodeError> {
        match self {
            Self::Json => scan::json_bulk_items(bytes),
            #[cfg(feature = "msgpack")]
            Self::MsgPack => scan::msgpack_bulk_items(bytes),
        }
        .map_err(DecodeError::frame)
    }
}

/// A frame that could not be decoded.
///
/// Payload errors name the event type and keep the frame, so a connection
/// can report them and go on.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError {
    kind: DecodeErrorKind,
    event: Option<EventKind>,
    message: Box<str>,
    frame: Option<(super::Format, Box<[u8]>)>,
}

/// What kind of decode failure happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The frame is not an event object (no tag, truncated, too deep…).
    Frame(ScanError),
    /// The tag was read but the payload does not fit its type.
    Payload,
}

impl DecodeError {
    pub(crate) fn frame(error: ScanError) -> Self {
        Self {
            kind: DecodeErrorKind::Frame(error),
            event: None,
            message: format!("{error:?}").into(),
            frame: None,
        }
    }

    pub(crate) fn payload(message: String) -> Self {
        Self {
            kind: DecodeErrorKind::Payload,
            event: None,
            message: message.into(),
            frame: None,
        }
    }

    pub(crate) fn with_kind(mut self, kind: EventKind, bytes: &[u8], format: Format) -> Self {
        self.event = Some(kind);
        self.frame = Some((format, bytes.into()));
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> DecodeErrorKind {
        self.kind
    }

    /// The event type, when the tag could be read.
    pub fn event_kind(&self) -> Option<EventKind> {
        self.event
    }

    /// The frame that failed, for payload errors.
    pub fn frame_bytes(&self) -> Option<&[u8]> {
        self.frame.as_ref().map(|(_, bytes)| &bytes[..])
    }

    /// The decoder's message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The frame is left out: it can be large, and the message says enough.
        f.debug_struct("DecodeError")
            .field("kind", &self.kind)
            .field("event", &self.event)
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.kind, self.event) {
            (DecodeErrorKind::Frame(e), _) => write!(f, "not an event frame: {e:?}"),
            (DecodeErrorKind::Payload, Some(kind)) => {
                write!(f, "bad {} event: {}", kind.as_str(), self.message)
            }
            (DecodeErrorKind::Payload, None) => write!(f, "bad payload: {}", self.message),
        }
    }
}

impl std::error::Error for DecodeError {}
