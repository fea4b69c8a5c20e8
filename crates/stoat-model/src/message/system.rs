//! System messages: events recorded in a channel's history.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::id::{MessageId, UserId};
use crate::timestamp::Timestamp;

/// The system event a message records, tagged by a snake_case `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SystemMessage {
    /// Plain text from the system.
    Text {
        /// The text.
        content: Box<str>,
    },
    /// A user was added to a group.
    UserAdded {
        /// Who was added.
        id: UserId,
        /// Who added them.
        by: UserId,
    },
    /// A user was removed from a group.
    UserRemove {
        /// Who was removed.
        id: UserId,
        /// Who removed them.
        by: UserId,
    },
    /// A user joined a server.
    UserJoined {
        /// Who joined.
        id: UserId,
    },
    /// A user left.
    UserLeft {
        /// Who left.
        id: UserId,
    },
    /// A user was kicked.
    UserKicked {
        /// Who was kicked.
        id: UserId,
    },
    /// A user was banned.
    UserBanned {
        /// Who was banned.
        id: UserId,
    },
    /// The channel was renamed.
    ChannelRenamed {
        /// The new name.
        name: Box<str>,
        /// Who renamed it.
        by: UserId,
    },
    /// The description changed.
    ChannelDescriptionChanged {
        /// Who changed it.
        by: UserId,
    },
    /// The icon changed.
    ChannelIconChanged {
        /// Who changed it.
        by: UserId,
    },
    /// Group ownership moved.
    ChannelOwnershipChanged {
        /// Old owner.
        from: UserId,
        /// New owner.
        to: UserId,
    },
    /// A message was pinned.
    MessagePinned {
        /// The message.
        id: MessageId,
        /// Who pinned it.
        by: UserId,
    },
    /// A message was unpinned.
    MessageUnpinned {
        /// The message.
        id: MessageId,
        /// Who unpinned it.
        by: UserId,
    },
    /// A call started.
    CallStarted {
        /// Who started it.
        by: UserId,
        /// When it ended (always present, `null` while it runs).
        #[serde(default)]
        finished_at: Option<Timestamp>,
    },
    /// A kind this version does not know, kept as sent.
    #[serde(untagged)]
    Other(Map<String, Value>),
}
