//! The payloads of server events.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::channel::{Channel, FieldsChannel, PartialChannel};
use crate::error::ApiError;
use crate::id::{ChannelId, MessageId, UserId};
use crate::macros::null_default;
use crate::message::{Embed, FieldsMessage, PartialMessage};
use crate::secret::Secret;
use crate::timestamp::Timestamp;
use crate::user::{FieldsUser, PartialUser, User, UserFlags};
use crate::voice::{ChannelVoiceState, PartialUserVoiceState, UserVoiceState};

use super::{Event, PingData};

/// Authentication succeeded; `Ready` follows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authenticated {}

/// You were logged out (the session was deleted). Terminal: do not reconnect
/// with the same token.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logout {}

/// The initial state. Every part is optional: `ready=` parameters choose
/// them. Parts outside the Users area are kept as raw JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Ready {
    /// Your relations, DM and group partners, voice participants, and your
    /// own user last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<User>>,
    /// Servers, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers: Option<Vec<Value>>,
    /// Channels: saved messages, DMs (also closed ones), groups, server channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<Channel>>,
    /// Server memberships, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<Value>>,
    /// Emojis, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emojis: Option<Vec<Value>>,
    /// Calls in progress in channels you can see.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_states: Option<Vec<ChannelVoiceState>>,
    /// Settings (never sent by current servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_settings: Option<UserSettings>,
    /// Unread state per channel, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_unreads: Option<Vec<Value>>,
    /// Policy changes to acknowledge, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_changes: Option<Vec<Value>>,
}

impl Ready {
    /// Your own user: the entry with relationship `User` (the server puts it last).
    pub fn own_user(&self) -> Option<&User> {
        self.users
            .as_deref()?
            .iter()
            .rev()
            .find(|u| u.relationship == crate::user::RelationshipStatus::User)
    }
}

/// Synced settings: key → `[revision in ms, JSON-encoded value]`.
pub type UserSettings = BTreeMap<Box<str>, (i64, Box<str>)>;

/// The answer to a `Ping`, echoing its data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pong {
    /// The ping's data.
    pub data: PingData,
}

/// An error; on authentication failure the socket is dropped right after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEvent {
    /// The error.
    pub data: ApiError,
}

/// Several events in one frame, to be handled in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bulk {
    /// The events.
    pub v: Vec<Event>,
}

/// A user changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserUpdate {
    /// The user.
    pub id: UserId,
    /// New values.
    pub data: PartialUser,
    /// Fields removed; apply them before `data`.
    #[serde(default, deserialize_with = "null_default")]
    pub clear: Vec<FieldsUser>,
    /// Always `null` on the wire (the server uses it to drop duplicates).
    #[serde(default)]
    pub event_id: Option<Box<str>>,
}

/// Your relationship with a user changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRelationship {
    /// **Your own** id (not the other user's).
    pub id: UserId,
    /// The other user, with the new `relationship`.
    pub user: User,
}

/// Your settings changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSettingsUpdate {
    /// Your id.
    pub id: UserId,
    /// Changed keys; merge per key.
    pub update: UserSettings,
}

/// A user was wiped from the platform: drop their messages, DMs and
/// relationship.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPlatformWipe {
    /// The user.
    pub user_id: UserId,
    /// Their new flags.
    pub flags: UserFlags,
}

/// Someone started or stopped typing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelTyping {
    /// The channel.
    pub id: ChannelId,
    /// Who.
    pub user: UserId,
}

/// You marked a channel read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelAck {
    /// The channel.
    pub id: ChannelId,
    /// You.
    pub user: UserId,
    /// The last message read.
    pub message_id: MessageId,
}

/// A channel changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelUpdate {
    /// The channel.
    pub id: ChannelId,
    /// New values.
    pub data: PartialChannel,
    /// Fields removed; apply them before `data`.
    #[serde(default, deserialize_with = "null_default")]
    pub clear: Vec<FieldsChannel>,
}

/// A channel was deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelDelete {
    /// The channel.
    pub id: ChannelId,
}

/// A user joined or left a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelGroupMember {
    /// The group.
    pub id: ChannelId,
    /// The user.
    pub user: UserId,
}

/// A message changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageUpdate {
    /// The message.
    pub id: MessageId,
    /// Its channel.
    pub channel: ChannelId,
    /// New values.
    pub data: PartialMessage,
    /// Fields removed.
    #[serde(default, deserialize_with = "null_default")]
    pub clear: Vec<FieldsMessage>,
}

/// Embeds were added to a message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageAppend {
    /// The message.
    pub id: MessageId,
    /// Its channel.
    pub channel: ChannelId,
    /// What was appended.
    pub append: AppendMessage,
}

/// The appended part of a [`MessageAppend`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AppendMessage {
    /// New embeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embeds: Option<Vec<Embed>>,
}

/// A message was deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDelete {
    /// The message.
    pub id: MessageId,
    /// Its channel.
    pub channel: ChannelId,
}

/// Messages were deleted at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkMessageDelete {
    /// The channel.
    pub channel: ChannelId,
    /// The messages.
    pub ids: Vec<MessageId>,
}

/// A reaction was added or removed (note the `_id` suffixed names).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageReaction {
    /// The message.
    pub id: MessageId,
    /// Its channel.
    pub channel_id: ChannelId,
    /// Who reacted.
    pub user_id: UserId,
    /// The emoji (unicode or custom emoji id).
    pub emoji_id: Box<str>,
}

/// All reactions of one emoji were removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRemoveReaction {
    /// The message.
    pub id: MessageId,
    /// Its channel.
    pub channel_id: ChannelId,
    /// The emoji.
    pub emoji_id: Box<str>,
}

/// A user joined a call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoiceChannelJoin {
    /// The channel.
    pub id: ChannelId,
    /// Their state.
    pub state: UserVoiceState,
}

/// A user left a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoiceChannelLeave {
    /// The channel.
    pub id: ChannelId,
    /// The user.
    pub user: UserId,
}

/// A user moved between calls (sent only to the new channel).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoiceChannelMove {
    /// The user.
    pub user: UserId,
    /// The old channel.
    pub from: ChannelId,
    /// The new channel.
    pub to: ChannelId,
    /// Their state.
    pub state: UserVoiceState,
}

/// A participant's voice state changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserVoiceStateUpdate {
    /// The user.
    pub id: UserId,
    /// The channel.
    pub channel_id: ChannelId,
    /// What changed.
    pub data: PartialUserVoiceState,
}

/// You were moved to another call: reconnect the media client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserMoveVoiceChannel {
    /// Voice node.
    pub node: Box<str>,
    /// Old channel.
    pub from: ChannelId,
    /// New channel.
    pub to: ChannelId,
    /// LiveKit token for the new room (secret).
    pub token: Secret,
}

/// A DM or group call started (to ringed users) or ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoiceCallUpdate {
    /// Who started it.
    pub initiator_id: UserId,
    /// The channel.
    pub channel_id: ChannelId,
    /// When it started (`null` when it ended).
    #[serde(default)]
    pub started_at: Option<Timestamp>,
    /// Whether it ended.
    pub ended: bool,
}

/// Slowmodes you are in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSlowmodes {
    /// One per channel.
    pub slowmodes: Vec<ChannelSlowmode>,
}

/// A slowmode you are in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelSlowmode {
    /// The channel.
    pub channel_id: ChannelId,
    /// Slowmode length in seconds.
    pub duration: u64,
    /// Seconds until you may send again.
    pub retry_after: u64,
}

/// Another session of yours was deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteSession {
    /// You.
    pub user_id: UserId,
    /// The session.
    pub session_id: Box<str>,
}

/// All your sessions but one were deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteAllSessions {
    /// You.
    pub user_id: UserId,
    /// The session kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_session_id: Option<Box<str>>,
}

/// An event this version does not know, kept whole (`type` included).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnknownEvent {
    raw: Map<String, Value>,
}

impl UnknownEvent {
    /// Wraps a raw event object.
    pub fn new(raw: Map<String, Value>) -> Self {
        Self { raw }
    }

    /// Its `type`.
    pub fn kind(&self) -> &str {
        self.raw.get("type").and_then(Value::as_str).unwrap_or_default()
    }

    /// Every field as sent.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.raw
    }
}
