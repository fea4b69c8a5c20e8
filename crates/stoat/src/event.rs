//! The events a bot receives: one struct per kind, each with what the
//! server sent and, where the cache knows them, the values before and after.
//!
//! Every event has already been applied to the [cache](crate::Client::cache)
//! when it is handed out. The structs are `#[non_exhaustive]`: fields may be
//! added without breaking a bot that reads them.

use std::sync::Arc;
use std::time::Duration;

use stoat_cache::UserBefore;
use stoat_model::Event as ServerEvent;
use stoat_model::event::AppendMessage;
use stoat_model::message::PartialMessage;
use stoat_model::user::FieldsUser;
use stoat_model::{
    Channel, ChannelId, Message, MessageId, RelationshipStatus, UserChanges, UserId, UserVoiceState,
};

/// An event, after the cache has applied it. Each kind has a
/// [`EventHandler`](crate::EventHandler) method of its own.
#[derive(Clone, Debug)]
#[non_exhaustive]
#[allow(
    clippy::large_enum_variant,
    reason = "a user update's old values are moved, not boxed: boxing them cost every update an allocation"
)]
pub enum Event {
    /// A session began (the first, or after a reconnect).
    Ready(Ready),
    /// The events connection was lost and is being re-established.
    Reconnecting(Reconnecting),
    /// A user changed.
    UserUpdate(UserUpdate),
    /// Your relationship with a user changed.
    Relationship(RelationshipUpdate),
    /// A new message.
    Message(MessageCreate),
    /// A message was edited, had an embed appended, or a reaction changed.
    MessageUpdate(MessageUpdate),
    /// A message was deleted.
    MessageDelete(MessageDelete),
    /// A DM or group was created.
    ChannelCreate(ChannelCreate),
    /// A DM or group changed (a DM closed or reopened, a member joined…).
    ChannelUpdate(ChannelUpdate),
    /// A DM or group was deleted.
    ChannelDelete(ChannelDelete),
    /// Someone started or stopped typing.
    Typing(Typing),
    /// You marked a channel read.
    Ack(Ack),
    /// A user was wiped from the platform.
    PlatformWipe(PlatformWipe),
    /// Someone joined, left or changed their state in a call.
    VoiceState(VoiceStateUpdate),
    /// Any other event, as the server sent it.
    Other(Other),
}

impl Event {
    /// The same event, marked as learned from the `Ready` that followed a
    /// reconnect.
    pub(crate) fn learned_from_ready(mut self) -> Self {
        match &mut self {
            Self::UserUpdate(e) => e.from_ready = true,
            Self::Relationship(e) => e.from_ready = true,
            Self::Message(e) => e.from_ready = true,
            Self::ChannelCreate(e) => e.from_ready = true,
            Self::ChannelUpdate(e) => e.from_ready = true,
            Self::ChannelDelete(e) => e.from_ready = true,
            Self::VoiceState(e) => e.from_ready = true,
            _ => {}
        }
        self
    }
}

/// A session began: the first after `connect`, or one after a reconnect
/// (the server has no resume: the state is sent whole again).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Ready {
    /// 0 for the first connection, one more for every reconnect.
    pub session: u64,
    /// The state the server sent, as the cache now holds it.
    pub state: Arc<stoat_model::event::Ready>,
}

/// The events connection was lost; the next attempt comes after `delay`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Reconnecting {
    /// What the gateway said of it (attempt, delay, cause).
    pub reconnect: Arc<stoat_gateway::Reconnect>,
}

impl Reconnecting {
    /// The attempt about to be made (1 right after a healthy connection
    /// was lost).
    pub fn attempt(&self) -> u32 {
        self.reconnect.attempt
    }

    /// The wait before it.
    pub fn delay(&self) -> Duration {
        self.reconnect.delay
    }
}

/// A user changed. What the server sent is in `update` (and reads as
/// fields of this struct: `event.id`, `event.data`, `event.clear`), so
/// nothing is lost for a user the cache does not keep; `before` holds the
/// old values of what changed, when the user was cached.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct UserUpdate {
    /// The update as sent: the user's `id`, the new values in `data`
    /// (status, presence, display name, avatar…) and the parts removed in
    /// `clear` (applied first).
    pub update: Box<stoat_model::event::UserUpdate>,
    /// What changed in the cached user; for a user the cache does not
    /// keep, every part the update sets or clears.
    pub changes: UserChanges,
    /// The old values of the changed parts, when the user was cached:
    /// read from the cache's compact form when asked for
    /// (`before.display_name()`, `before.status()`…, or all at once with
    /// `to_partial()`).
    pub before: Option<UserBefore>,
    /// Learned from the `Ready` that followed a reconnect (the server has
    /// no resume: what happened while the connection was down is told this
    /// way), not from an event of its own.
    pub from_ready: bool,
}

impl UserUpdate {
    /// Whether the update removed `field` (the profile's text and
    /// background are told apart: `ProfileContent`, `ProfileBackground`).
    pub fn cleared(&self, field: &FieldsUser) -> bool {
        self.update.clear.contains(field)
    }
}

impl std::ops::Deref for UserUpdate {
    type Target = stoat_model::event::UserUpdate;

    /// The update as sent.
    fn deref(&self) -> &Self::Target {
        &self.update
    }
}

/// Your relationship with a user changed: a friend request came
/// (`Incoming`), was accepted (`Friend`), a block (`Blocked`,
/// `BlockedOther`), or it ended (`None`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RelationshipUpdate {
    /// The change as sent: the other `user`, with the new relationship
    /// (reads as `event.user`).
    pub change: Box<stoat_model::event::UserRelationship>,
    /// The relationship before, as cached (`None` when unknown).
    pub before: RelationshipStatus,
    /// The relationship now.
    pub after: RelationshipStatus,
    /// Learned from the `Ready` that followed a reconnect (the server has
    /// no resume: what happened while the connection was down is told this
    /// way), not from an event of its own.
    pub from_ready: bool,
}

impl std::ops::Deref for RelationshipUpdate {
    type Target = stoat_model::event::UserRelationship;

    /// The change as sent.
    fn deref(&self) -> &Self::Target {
        &self.change
    }
}

/// A new message.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct MessageCreate {
    /// The message, as sent.
    pub message: Arc<Message>,
    /// Learned from the `Ready` that followed a reconnect (the server has
    /// no resume: what happened while the connection was down is told this
    /// way), not from an event of its own.
    pub from_ready: bool,
}

/// What happened to a message, as the server sent it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum MessageChange {
    /// Edited: the new values and the parts removed.
    Edit {
        /// The new values.
        data: Box<PartialMessage>,
        /// The parts removed.
        clear: Vec<stoat_model::message::FieldsMessage>,
    },
    /// Embeds appended (link previews, usually).
    Append(Box<AppendMessage>),
    /// `user` reacted with `emoji`.
    React {
        /// Who.
        user: UserId,
        /// The emoji (a Unicode emoji or a custom emoji's id).
        emoji: Box<str>,
    },
    /// `user` took back their `emoji` reaction.
    Unreact {
        /// Who.
        user: UserId,
        /// The emoji.
        emoji: Box<str>,
    },
    /// Every `emoji` reaction was removed.
    RemoveReaction {
        /// The emoji.
        emoji: Box<str>,
    },
}

/// A message changed; `before` and `after` when it was cached.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct MessageUpdate {
    /// Its channel.
    pub channel: ChannelId,
    /// The message.
    pub id: MessageId,
    /// What happened, as sent.
    pub change: MessageChange,
    /// Before, as cached.
    pub before: Option<Arc<Message>>,
    /// After, as cached.
    pub after: Option<Arc<Message>>,
}

/// A message was deleted (a bulk deletion is one of these per message).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct MessageDelete {
    /// Its channel.
    pub channel: ChannelId,
    /// The message.
    pub id: MessageId,
    /// The message as cached, if it was.
    pub before: Option<Arc<Message>>,
}

/// A DM or group was created (or a DM first seen).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ChannelCreate {
    /// The channel, as sent.
    pub channel: Arc<Channel>,
    /// Learned from the `Ready` that followed a reconnect (the server has
    /// no resume: what happened while the connection was down is told this
    /// way), not from an event of its own.
    pub from_ready: bool,
}

/// A DM or group changed: closed or reopened (`active`), renamed, a
/// member joined or left.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ChannelUpdate {
    /// The channel.
    pub id: ChannelId,
    /// What the server sent (a `ChannelUpdate`, `ChannelGroupJoin` or
    /// `ChannelGroupLeave`); `None` when learned from a `Ready`.
    pub raw: Option<Arc<ServerEvent>>,
    /// Before, as cached.
    pub before: Option<Arc<Channel>>,
    /// After, as cached.
    pub after: Option<Arc<Channel>>,
    /// Learned from the `Ready` that followed a reconnect (the server has
    /// no resume: what happened while the connection was down is told this
    /// way), not from an event of its own.
    pub from_ready: bool,
}

/// A DM or group was deleted.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ChannelDelete {
    /// The channel.
    pub id: ChannelId,
    /// The channel as cached, if it was.
    pub before: Option<Arc<Channel>>,
    /// Learned from the `Ready` that followed a reconnect (the server has
    /// no resume: what happened while the connection was down is told this
    /// way), not from an event of its own.
    pub from_ready: bool,
}

/// Someone started or stopped typing.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Typing {
    /// The channel.
    pub channel: ChannelId,
    /// Who.
    pub user: UserId,
    /// Started (`true`) or stopped.
    pub started: bool,
}

/// You marked a channel read (on any of your sessions).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Ack {
    /// The channel.
    pub channel: ChannelId,
    /// The last message read.
    pub message: MessageId,
}

/// A user was wiped from the platform: their DM and messages are gone
/// from the cache.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PlatformWipe {
    /// The user.
    pub user: UserId,
    /// Their flags now, as sent.
    pub flags: stoat_model::user::UserFlags,
}

/// A voice state changed: a join (`before` is `None`), a leave (`after` is
/// `None`), or a change (mute, camera…). A move between channels is a leave
/// then a join.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VoiceStateUpdate {
    /// The channel.
    pub channel: ChannelId,
    /// The participant.
    pub user: UserId,
    /// Before (from the cache, or `None`).
    pub before: Option<UserVoiceState>,
    /// After (as sent, or from the cache).
    pub after: Option<UserVoiceState>,
    /// Learned from the `Ready` that followed a reconnect (the server has
    /// no resume: what happened while the connection was down is told this
    /// way), not from an event of its own.
    pub from_ready: bool,
}

/// An event the facade has no kind for, as the server sent it (after the
/// cache applied it).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Other {
    /// The event.
    pub event: Arc<ServerEvent>,
}
