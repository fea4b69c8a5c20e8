//! Wire types of the Stoat (formerly Revolt) chat API for the Users area:
//! users and your own user, statuses, profiles, relationships, DMs and
//! their messages, voice states, reports, errors and gateway events.
//!
//! This crate does no I/O. It is what the `stoat-http` and `stoat-gateway`
//! transports speak, and it can be used alone with any transport.
//!
//! # On the wire
//!
//! * Decoding accepts absent and `null` alike for optional fields; encoding
//!   omits unset fields, as the server does. Unknown fields are ignored.
//! * Nothing is lost on a round trip: unknown enum values decode to an
//!   `Unknown` variant holding the value, unknown flag bits are kept, and
//!   unknown events, channel kinds, embeds and error types keep their whole
//!   payload.
//! * Full objects use `_id`; partials, voice states and event envelopes use `id`.
//! * Timestamps are ISO-8601 strings in JSON and integer milliseconds in
//!   MessagePack; [`Timestamp`] reads and writes both.
//! * What depends on who is looking (`relationship`, `online`, `status`) is
//!   described on [`User`].
//!
//! # Example
//!
//! ```
//! use stoat_model::event::{Event, Format};
//! use stoat_model::{FieldsUser, UserChanges};
//!
//! let mut me: stoat_model::User = serde_json::from_str(
//!     r#"{"_id":"01M860DVV8WZCHA5KA04G45WJS","username":"alice","discriminator":"9162",
//!         "avatar":{"_id":"x","tag":"avatars","filename":"a.png","metadata":{"type":"File"},
//!                   "content_type":"image/png","size":1},
//!         "relationship":"User","online":true}"#,
//! )?;
//! let frame = br#"{"type":"UserUpdate","id":"01M860DVV8WZCHA5KA04G45WJS",
//!                  "data":{"display_name":"Alice"},"clear":["Avatar"],"event_id":null}"#;
//! if let Event::UserUpdate(update) = Event::decode(Format::Json, frame)? {
//!     let changed = me.apply_update(&update.data, &update.clear);
//!     assert_eq!(changed, UserChanges::DISPLAY_NAME | UserChanges::AVATAR);
//! }
//! assert_eq!(me.shown_name(), "Alice");
//! assert!(me.avatar.is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod backoff;
pub mod channel;
pub mod decode;
pub mod error;
pub mod event;
pub mod file;
pub mod id;
// The byte-level reader and the frame scanner: implementation details of
// `decode` and `Event::decode`, not API.
mod json;
mod macros;
pub mod message;
pub mod node;
pub mod request;
// Without `msgpack`, its frame scanner has no caller; kept compiled (rather
// than `cfg`-gated inside) so the scanner file stays one piece.
#[cfg_attr(not(feature = "msgpack"), allow(dead_code))]
mod scan;
mod secret;
pub mod timestamp;
pub mod url;
pub mod user;
pub mod validate;
pub mod voice;

pub use channel::Channel;
pub use error::{ApiError, ApiErrorKind, ErrorBody};
pub use event::Event;
pub use file::{File, FileId, Metadata};
pub use id::{ChannelId, Id, MessageId, ServerId, UserId};
pub use message::{BulkMessageResponse, Message};
pub use secret::Secret;
pub use timestamp::Timestamp;
pub use user::{
    BotInformation, Discriminator, FieldsUser, FlagResponse, Mutuals, PartialUser, Presence, Relationship,
    RelationshipStatus, User, UserBadges, UserChanges, UserFields, UserFlags, UserProfile, UserStatus,
};
pub use voice::{ChannelVoiceState, JoinCallResponse, PartialUserVoiceState, UserVoiceState};

/// The README's example, compiled and run as a doc test.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

// Compile-time promises: every wire type may cross threads and tasks.
const _: () = {
    const fn send_sync_unpin<T: Send + Sync + Unpin>() {}
    send_sync_unpin::<User>();
    send_sync_unpin::<File>();
    send_sync_unpin::<Channel>();
    send_sync_unpin::<Message>();
    send_sync_unpin::<Event>();
    send_sync_unpin::<event::DecodeError>();
    send_sync_unpin::<ApiError>();
    send_sync_unpin::<ErrorBody>();
    send_sync_unpin::<Secret>();
    send_sync_unpin::<validate::ValidationError>();
    send_sync_unpin::<backoff::Jitter>();
};
