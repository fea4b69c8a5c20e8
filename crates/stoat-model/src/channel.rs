//! The channels a user sees: saved messages, DMs and groups.
//!
//! Server channels belong to the servers area; here they, and any kind this
//! version does not know, are kept whole as [`Channel::Other`].

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::file::File;
use crate::id::{ChannelId, MessageId, UserId};
use crate::macros::{is_false, null_default, string_enum};

/// A channel, tagged by `channel_type` on the wire.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "channel_type")]
#[non_exhaustive]
pub enum Channel {
    /// Your personal notes channel.
    SavedMessages(SavedMessages),
    /// A direct message channel with one other user.
    DirectMessage(DirectMessage),
    /// A group of users.
    Group(Group),
    /// Any other kind (server channels, future kinds), kept as sent.
    #[serde(untagged)]
    Other(OtherChannel),
}

/// Your saved-messages channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedMessages {
    /// Channel id.
    #[serde(rename = "_id")]
    pub id: ChannelId,
    /// You.
    pub user: UserId,
}

/// A DM channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectMessage {
    /// Channel id.
    #[serde(rename = "_id")]
    pub id: ChannelId,
    /// Whether the DM is open. Closing sets it `false`; a new message makes
    /// it active again on the server without any event.
    pub active: bool,
    /// The two participants.
    pub recipients: Vec<UserId>,
    /// Last message sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_id: Option<MessageId>,
}

impl DirectMessage {
    /// The participant who is not `me`.
    pub fn other_user(&self, me: UserId) -> Option<UserId> {
        self.recipients.iter().copied().find(|&id| id != me)
    }
}

/// A group channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Channel id.
    #[serde(rename = "_id")]
    pub id: ChannelId,
    /// Group name.
    pub name: Box<str>,
    /// Group owner.
    pub owner: UserId,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Box<str>>,
    /// Members.
    pub recipients: Vec<UserId>,
    /// Icon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<Box<File>>,
    /// Last message sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_id: Option<MessageId>,
    /// Permissions given to members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<i64>,
    /// Whether the group is marked NSFW.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "is_false")]
    pub nsfw: bool,
}

/// A channel of a kind outside the Users area, kept field for field.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct OtherChannel {
    raw: Map<String, Value>,
}

impl OtherChannel {
    /// The `channel_type` value.
    pub fn kind(&self) -> &str {
        self.raw
            .get("channel_type")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// Every field as sent.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.raw
    }
}

impl Channel {
    /// The channel id (`None` only for a malformed unknown kind).
    pub fn id(&self) -> Option<ChannelId> {
        match self {
            Self::SavedMessages(c) => Some(c.id),
            Self::DirectMessage(c) => Some(c.id),
            Self::Group(c) => Some(c.id),
            Self::Other(c) => c
                .raw
                .get("_id")
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok()),
        }
    }

    /// The id of the last message sent in a DM or group (`None` for other
    /// kinds, and before the first message).
    pub fn last_message_id(&self) -> Option<MessageId> {
        match self {
            Self::DirectMessage(c) => c.last_message_id,
            Self::Group(c) => c.last_message_id,
            Self::SavedMessages(_) | Self::Other(_) => None,
        }
    }

    /// The `channel_type` tag.
    pub fn kind(&self) -> &str {
        match self {
            Self::SavedMessages(_) => "SavedMessages",
            Self::DirectMessage(_) => "DirectMessage",
            Self::Group(_) => "Group",
            Self::Other(c) => c.kind(),
        }
    }

    /// The users in the channel (saved messages: its owner).
    pub fn recipients(&self) -> &[UserId] {
        match self {
            Self::SavedMessages(c) => std::slice::from_ref(&c.user),
            Self::DirectMessage(c) => &c.recipients,
            Self::Group(c) => &c.recipients,
            Self::Other(_) => &[],
        }
    }
}

impl<'de> Deserialize<'de> for Channel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Channels are small and rare next to users and messages, so the
        // simple route through a map is fine here.
        let raw = Map::<String, Value>::deserialize(deserializer)?;
        let kind = raw
            .get("channel_type")
            .and_then(Value::as_str)
            .ok_or_else(|| de::Error::missing_field("channel_type"))?;
        Ok(match kind {
            "SavedMessages" => Self::SavedMessages(typed::<_, D::Error>(raw)?),
            "DirectMessage" => Self::DirectMessage(typed::<_, D::Error>(raw)?),
            "Group" => Self::Group(typed::<_, D::Error>(raw)?),
            _ => Self::Other(OtherChannel { raw }),
        })
    }
}

fn typed<T: serde::de::DeserializeOwned, E: de::Error>(raw: Map<String, Value>) -> Result<T, E> {
    serde_json::from_value(Value::Object(raw)).map_err(E::custom)
}

/// Changed fields of a channel (`ChannelUpdate.data`); absent means unchanged.
///
/// Server-only parts (permissions overrides, voice settings) are kept as
/// raw JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PartialChannel {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Box<str>>,
    /// New owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<UserId>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Box<str>>,
    /// New icon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<Box<File>>,
    /// New NSFW state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nsfw: Option<bool>,
    /// New active state (DMs: `false` when closed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// New group permissions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<i64>,
    /// New role permissions (server channels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_permissions: Option<Value>,
    /// New default permissions (server channels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_permissions: Option<Value>,
    /// New last message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_id: Option<MessageId>,
    /// New voice settings (server channels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<Value>,
    /// New slowmode in seconds (server channels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slowmode: Option<u64>,
}

string_enum! {
    /// Channel fields that can be removed (`clear` of `ChannelUpdate`).
    pub enum FieldsChannel {
        /// The description.
        Description = "Description",
        /// The icon.
        Icon = "Icon",
        /// The default permissions.
        DefaultPermissions = "DefaultPermissions",
        /// The voice settings.
        Voice = "Voice",
        /// The slowmode.
        Slowmode = "Slowmode",
    }
}

impl Channel {
    /// Applies a `ChannelUpdate` to a DM or group the way the server does
    /// (clears, then data). Returns whether anything changed.
    pub fn apply_update(&mut self, data: &PartialChannel, clear: &[FieldsChannel]) -> bool {
        let before = self.clone();
        match self {
            Self::DirectMessage(dm) => {
                if let Some(active) = data.active {
                    dm.active = active;
                }
                if let Some(id) = data.last_message_id {
                    dm.last_message_id = Some(id);
                }
            }
            Self::Group(group) => {
                for field in clear {
                    match field {
                        FieldsChannel::Description => group.description = None,
                        FieldsChannel::Icon => group.icon = None,
                        _ => {}
                    }
                }
                if let Some(v) = &data.name {
                    group.name = v.clone();
                }
                if let Some(v) = data.owner {
                    group.owner = v;
                }
                if let Some(v) = &data.description {
                    group.description = Some(v.clone());
                }
                if let Some(v) = &data.icon {
                    group.icon = Some(v.clone());
                }
                if let Some(v) = data.nsfw {
                    group.nsfw = v;
                }
                if let Some(v) = data.permissions {
                    group.permissions = Some(v);
                }
                if let Some(v) = data.last_message_id {
                    group.last_message_id = Some(v);
                }
            }
            Self::SavedMessages(_) | Self::Other(_) => {}
        }
        *self != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_and_unknown_kinds_round_trip() {
        for raw in [
            json!({"channel_type":"SavedMessages","_id":"01M860BWPTBVM98D71JYP906BF","user":"01M860RNGMDS8N5WFT4YG8K79P"}),
            json!({"channel_type":"DirectMessage","_id":"01M860BWPTBVM98D71JYP906BF","active":false,"recipients":["01M860RNGMDS8N5WFT4YG8K79P"]}),
            json!({"channel_type":"TextChannel","_id":"01M860BWPTBVM98D71JYP906BF","server":"x","name":"general"}),
        ] {
            let channel: Channel = serde_json::from_value(raw.clone()).unwrap();
            assert_eq!(serde_json::to_value(&channel).unwrap(), raw);
        }
    }

    #[test]
    fn closing_a_dm_flips_active() {
        let mut channel: Channel = serde_json::from_value(json!({"channel_type":"DirectMessage","_id":"01M860BWPTBVM98D71JYP906BF","active":true,"recipients":[]})).unwrap();
        let data = PartialChannel {
            active: Some(false),
            ..Default::default()
        };
        assert!(channel.apply_update(&data, &[]));
        assert!(!channel.apply_update(&data, &[]));
        assert!(matches!(
            channel,
            Channel::DirectMessage(DirectMessage { active: false, .. })
        ));
    }
}
