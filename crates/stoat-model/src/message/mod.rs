//! Messages, as far as a user's DM needs them.

mod embed;
mod system;

use std::collections::BTreeMap;
use std::fmt;

use bitflags::bitflags;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use embed::{Embed, ImageEmbed, ImageSize, SendableEmbed, TextEmbed, VideoEmbed, WebsiteEmbed};
pub use system::SystemMessage;

use crate::file::File;
use crate::id::{ChannelId, MessageId, RoleId, UserId};
use crate::macros::{integer_flags_serde, null_default, string_enum};
use crate::timestamp::Timestamp;
use crate::user::User;

/// Reactions on a message: emoji (unicode or custom emoji id) → who reacted.
pub type Reactions = BTreeMap<Box<str>, Vec<UserId>>;

/// A message.
///
/// `user` (the author as a [`User`]) is only present in send responses and
/// gateway events; its `relationship` is always `"None"` in the HTTP send
/// response, so do not let it overwrite a cached relationship.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Message id.
    #[serde(rename = "_id")]
    pub id: MessageId,
    /// The idempotency key or nonce it was sent with (a server ULID otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<Box<str>>,
    /// Channel it was sent in.
    pub channel: ChannelId,
    /// Author id (the all-zero id for system messages, a webhook id for webhooks).
    pub author: UserId,
    /// The author as a user, where the server includes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Box<User>>,
    /// The author as a server member (server channels only), kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<Value>,
    /// Webhook that sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<MessageWebhook>,
    /// Text content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Box<str>>,
    /// System event this message records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemMessage>,
    /// Attached files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<File>>,
    /// When it was last edited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited: Option<Timestamp>,
    /// Embeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embeds: Option<Vec<Embed>>,
    /// Mentioned users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentions: Option<Vec<UserId>>,
    /// Mentioned roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_mentions: Option<Vec<RoleId>>,
    /// Messages this one replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies: Option<Vec<MessageId>>,
    /// Reactions.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub reactions: Reactions,
    /// Reaction settings.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Interactions::is_default"
    )]
    pub interactions: Interactions,
    /// Name, avatar and colour shown instead of the author's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masquerade: Option<Masquerade>,
    /// Whether the message is pinned (the server only sends `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    /// Message flags.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "MessageFlags::is_empty"
    )]
    pub flags: MessageFlags,
}

impl Message {
    /// The message's text: its content, or `""` when it has none (a
    /// message of attachments or embeds only, a system message).
    pub fn text(&self) -> &str {
        self.content.as_deref().unwrap_or_default()
    }

    /// Whether the message is a system message (author is the all-zero id).
    pub fn is_system(&self) -> bool {
        self.author.is_system()
    }

    /// Whether the message is pinned.
    pub fn is_pinned(&self) -> bool {
        self.pinned == Some(true)
    }
}

/// A webhook's identity on a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageWebhook {
    /// Webhook name.
    pub name: Box<str>,
    /// Webhook avatar file id (always present, possibly `null`).
    #[serde(default)]
    pub avatar: Option<Box<str>>,
}

/// Reaction settings of a message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Interactions {
    /// Reactions offered under the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactions: Option<Vec<Box<str>>>,
    /// Whether only the offered reactions may be used.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "crate::macros::is_false"
    )]
    pub restrict_reactions: bool,
}

impl Interactions {
    /// Whether these are the defaults (the server then omits the field).
    pub fn is_default(&self) -> bool {
        self.reactions.is_none() && !self.restrict_reactions
    }
}

/// Name, avatar and colour shown instead of the author's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Masquerade {
    /// Name (1 to 32 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Avatar URL (1 to 256 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// CSS colour (needs `ManageRole`, which DMs never grant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<String>,
}

bitflags! {
    /// Message flags.
    ///
    /// The server reads the documented values 1, 2, 3 as bit *indices*, so
    /// the bits that mean something are 2, 4 and 8; it rejects values above
    /// 7 and lets only bots mention everyone. Unknown bits are kept.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
    pub struct MessageFlags: u32 {
        /// Do not notify anyone ("silent"; value 2).
        const SUPPRESS_NOTIFICATIONS = 1 << 1;
        /// Mention everyone in the channel (bots only; value 4).
        const MENTIONS_EVERYONE = 1 << 2;
        /// Mention everyone online (value 8, which the server currently rejects).
        const MENTIONS_ONLINE = 1 << 3;
    }
}
integer_flags_serde!(MessageFlags);

string_enum! {
    /// Order of history and search results.
    pub enum MessageSort {
        /// Best match first (search only).
        Relevance = "Relevance",
        /// Newest first.
        Latest = "Latest",
        /// Oldest first.
        Oldest = "Oldest",
    }
}

/// A reply the message being sent makes to another message.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReplyIntent {
    /// The message replied to.
    pub id: MessageId,
    /// Whether to mention its author.
    pub mention: bool,
    /// Whether a missing target fails the send (`true` by default on the server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_if_not_exists: Option<bool>,
}

/// Changed fields of a message (`MessageUpdate.data`); absent means unchanged.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PartialMessage {
    /// New content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Box<str>>,
    /// New attachments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<File>>,
    /// When it was edited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited: Option<Timestamp>,
    /// New embeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embeds: Option<Vec<Embed>>,
    /// New mentions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentions: Option<Vec<UserId>>,
    /// New role mentions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_mentions: Option<Vec<RoleId>>,
    /// New replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies: Option<Vec<MessageId>>,
    /// New reactions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactions: Option<Reactions>,
    /// New interactions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interactions: Option<Interactions>,
    /// New masquerade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masquerade: Option<Masquerade>,
    /// New pinned state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    /// New flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<MessageFlags>,
}

string_enum! {
    /// Message fields that can be removed (`clear` of `MessageUpdate`).
    pub enum FieldsMessage {
        /// The pinned state.
        Pinned = "Pinned",
    }
}

impl Message {
    /// Applies a `MessageUpdate` (clears, then data).
    pub fn apply_update(&mut self, data: &PartialMessage, clear: &[FieldsMessage]) {
        for field in clear {
            if *field == FieldsMessage::Pinned {
                self.pinned = None;
            }
        }
        macro_rules! take {
            ($($field:ident),*) => { $( if let Some(v) = &data.$field { self.$field = Some(v.clone()); } )* };
        }
        take!(
            content,
            attachments,
            edited,
            embeds,
            mentions,
            role_mentions,
            replies,
            masquerade,
            pinned
        );
        if let Some(v) = &data.reactions {
            self.reactions = v.clone();
        }
        if let Some(v) = &data.interactions {
            self.interactions = v.clone();
        }
        if let Some(v) = data.flags {
            self.flags = v;
        }
    }
}

/// Messages from history or search: a plain list, or (with
/// `include_users=true`) the list with the users (and, in servers, members)
/// who wrote them.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum BulkMessageResponse {
    /// Only messages.
    Messages(Vec<Message>),
    /// Messages and their authors.
    WithUsers(MessagesWithUsers),
}

/// Messages with their authors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessagesWithUsers {
    /// The messages.
    pub messages: Vec<Message>,
    /// Their authors, from your point of view.
    pub users: Vec<User>,
    /// Their server memberships (server channels only), kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<Value>>,
}

impl BulkMessageResponse {
    /// The messages, whichever shape arrived.
    pub fn messages(&self) -> &[Message] {
        match self {
            Self::Messages(m) => m,
            Self::WithUsers(w) => &w.messages,
        }
    }

    /// The users, if they were asked for.
    pub fn users(&self) -> &[User] {
        match self {
            Self::Messages(_) => &[],
            Self::WithUsers(w) => &w.users,
        }
    }

    /// Splits into messages and users.
    pub fn into_parts(self) -> (Vec<Message>, Vec<User>) {
        match self {
            Self::Messages(m) => (m, Vec::new()),
            Self::WithUsers(w) => (w.messages, w.users),
        }
    }
}

impl<'de> Deserialize<'de> for BulkMessageResponse {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The two shapes differ at the first byte (array or object), so the
        // choice needs no buffering.
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BulkMessageResponse;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of messages or {messages, users}")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(BulkMessageResponse::Messages)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                MessagesWithUsers::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(BulkMessageResponse::WithUsers)
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests;
