//! Users as the API and the gateway describe them.
//!
//! ```
//! use stoat_model::{RelationshipStatus, User};
//!
//! let user: User = serde_json::from_str(
//!     r#"{"_id":"01M860BWPTBVM98D71JYP906BF","username":"bob1","discriminator":"8441",
//!         "relationship":"Friend","online":false}"#,
//! )?;
//! assert_eq!(user.tag(), "bob1#8441");
//! assert_eq!(user.mention(), "<@01M860BWPTBVM98D71JYP906BF>");
//! assert_eq!(user.relationship, RelationshipStatus::Friend);
//! # Ok::<(), serde_json::Error>(())
//! ```

mod diff;
mod discriminator;
mod flags;
mod update;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

pub use discriminator::{Discriminator, DiscriminatorParseError};
pub use flags::{UserBadges, UserFlags};
pub use update::{UserChanges, UserFields, apply_update};

use crate::file::File;
use crate::id::{ChannelId, ServerId, UserId};
use crate::macros::{is_false, null_default, string_enum};
use crate::url::push_path_segment;

/// A user (or bot) from the point of view of the user who fetched it.
///
/// `relationship`, `online` and `status` depend on who is looking (see the
/// crate docs); `relations` is only ever filled for your own user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// User id.
    #[serde(rename = "_id")]
    pub id: UserId,
    /// Username (unique together with the discriminator).
    pub username: CompactString,
    /// Four-digit discriminator.
    pub discriminator: Discriminator,
    /// Display name, shown instead of the username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<CompactString>,
    /// Pronouns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pronouns: Option<CompactString>,
    /// Avatar file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<Box<File>>,
    /// Your relationships (only on your own user).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub relations: Vec<Relationship>,
    /// Badges.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "UserBadges::is_empty"
    )]
    pub badges: UserBadges,
    /// Status, when visible to you.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<UserStatus>,
    /// Account flags.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "UserFlags::is_empty"
    )]
    pub flags: UserFlags,
    /// Whether the user is a platform administrator.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "is_false")]
    pub privileged: bool,
    /// Bot information, for bots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot: Option<BotInformation>,
    /// Your relationship with this user.
    #[serde(default, deserialize_with = "null_default")]
    pub relationship: RelationshipStatus,
    /// Whether the user is online, as far as you may know.
    #[serde(default, deserialize_with = "null_default")]
    pub online: bool,
}

impl User {
    /// A user with only the required fields set (relationship `None`, offline).
    pub fn new(id: UserId, username: impl Into<CompactString>, discriminator: Discriminator) -> Self {
        Self {
            id,
            username: username.into(),
            discriminator,
            display_name: None,
            pronouns: None,
            avatar: None,
            relations: Vec::new(),
            badges: UserBadges::empty(),
            status: None,
            flags: UserFlags::empty(),
            privileged: false,
            bot: None,
            relationship: RelationshipStatus::None,
            online: false,
        }
    }

    /// `<@id>`, which clients render as a mention.
    pub fn mention(&self) -> String {
        mention(self.id)
    }

    /// `username#discriminator`.
    pub fn tag(&self) -> String {
        format!("{}#{}", self.username, self.discriminator)
    }

    /// The display name, or the username when there is none.
    pub fn shown_name(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.username)
    }

    /// Whether the user is online and not invisible.
    ///
    /// The server never shows `Invisible` in full user objects, but
    /// `UserUpdate` events can carry it; such a user counts as offline.
    pub fn is_online(&self) -> bool {
        let invisible = self.status.as_ref().and_then(|s| s.presence.as_ref()) == Some(&Presence::Invisible);
        self.online && !invisible
    }

    /// Whether this is the system user (the all-zero id).
    pub fn is_sentinel(&self) -> bool {
        self.id.is_system()
    }

    /// The owner of this bot (`None` for humans).
    pub fn bot_owner(&self) -> Option<UserId> {
        self.bot.as_ref().map(|b| b.owner)
    }

    /// Which of the seven default avatars this user gets.
    pub fn default_avatar(&self) -> DefaultAvatar {
        DefaultAvatar::for_user(self.id)
    }

    /// URL of the avatar on the file server, if one is set.
    pub fn avatar_url(&self, cdn_base: &str) -> Option<String> {
        self.avatar.as_ref().map(|a| a.url(cdn_base))
    }

    /// The avatar URL, or the default avatar's when none is set.
    pub fn display_avatar_url(&self, api_base: &str, cdn_base: &str) -> String {
        self.avatar_url(cdn_base)
            .unwrap_or_else(|| default_avatar_url(api_base, self.id))
    }

    /// The relationship entry with `other` in this user's `relations`.
    pub fn relation_with(&self, other: UserId) -> RelationshipStatus {
        self.relations
            .iter()
            .find(|r| r.id == other)
            .map_or(RelationshipStatus::None, |r| r.status.clone())
    }
}

/// `<@id>` for any user id.
pub fn mention(id: UserId) -> String {
    format!("<@{id}>")
}

/// `{api_base}/users/{id}/default_avatar`.
pub fn default_avatar_url(api_base: &str, id: UserId) -> String {
    let mut url = String::with_capacity(api_base.len() + 48);
    url.push_str(api_base.trim_end_matches('/'));
    url.push_str("/users/");
    push_path_segment(&mut url, &id.to_ascii());
    url.push_str("/default_avatar");
    url
}

/// One of the seven default avatars the server draws for users without one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DefaultAvatar(u8);

impl DefaultAvatar {
    /// The avatar the server picks, from the last character of the id.
    pub fn for_user(id: UserId) -> Self {
        Self::for_target(&id.to_ascii())
    }

    /// The avatar the server picks for a raw `{target}` path segment.
    pub fn for_target(target: &str) -> Self {
        Self(match target.chars().last() {
            Some('0' | '1' | '2' | '3' | 'S' | 'Z') => 2,
            Some('4' | '5' | '6' | '7' | 'T') => 3,
            Some('8' | '9' | 'A' | 'B') => 4,
            Some('C' | 'D' | 'E' | 'F' | 'V') => 5,
            Some('G' | 'H' | 'J' | 'K' | 'W') => 6,
            Some('M' | 'N' | 'P' | 'Q' | 'X') => 7,
            _ => 1,
        })
    }

    /// Its number, 1 to 7.
    pub fn number(self) -> u8 {
        self.0
    }
}

/// A partial user: the `data` of a `UserUpdate` event.
///
/// Absent means unchanged; removals arrive only through the event's `clear`.
/// The id key is `id` here, not `_id` (the server's partial type does not
/// carry the rename).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartialUser {
    /// User id (the server never sets it in practice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<UserId>,
    /// New username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<CompactString>,
    /// New discriminator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discriminator: Option<Discriminator>,
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<CompactString>,
    /// New pronouns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pronouns: Option<CompactString>,
    /// New avatar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<Box<File>>,
    /// New relations (only `[]`, on account deletion).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relations: Option<Vec<Relationship>>,
    /// New badges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badges: Option<UserBadges>,
    /// The complete new status (replaces the old one; may be `Invisible`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<UserStatus>,
    /// New flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<UserFlags>,
    /// New privileged state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    /// New bot information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot: Option<BotInformation>,
    /// New relationship (never sent by the server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<RelationshipStatus>,
    /// New online state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online: Option<bool>,
}

impl PartialUser {
    /// Whether the partial changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Bot information on a bot's user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BotInformation {
    /// The user who owns the bot.
    #[serde(rename = "owner")]
    pub owner: UserId,
}

/// A user's status: custom text and presence.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserStatus {
    /// Custom status text (an empty string is legal and kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<CompactString>,
    /// Presence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<Presence>,
}

impl UserStatus {
    /// Whether neither text nor presence is set (the server then omits it).
    pub fn is_empty(&self) -> bool {
        self.text.is_none() && self.presence.is_none()
    }
}

string_enum! {
    /// Presence a user chose.
    pub enum Presence {
        /// Online.
        Online = "Online",
        /// Idle (away).
        Idle = "Idle",
        /// Focusing: only mentions notify.
        Focus = "Focus",
        /// Busy: nothing notifies.
        Busy = "Busy",
        /// Appears offline.
        Invisible = "Invisible",
    }
}

/// A user's profile (fetched separately, never part of [`User`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    /// Profile text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Box<str>>,
    /// Profile background.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<Box<File>>,
}

/// One entry of your `relations`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Relationship {
    /// The other user.
    #[serde(rename = "_id")]
    pub id: UserId,
    /// Your relationship with them.
    pub status: RelationshipStatus,
}

string_enum! {
    /// How you relate to another user.
    pub enum RelationshipStatus {
        /// No relationship.
        None = "None",
        /// The other user is you.
        User = "User",
        /// Friends.
        Friend = "Friend",
        /// You sent them a friend request.
        Outgoing = "Outgoing",
        /// They sent you a friend request.
        Incoming = "Incoming",
        /// You blocked them.
        Blocked = "Blocked",
        /// They blocked you.
        BlockedOther = "BlockedOther",
    }
}

// `string_enum!` cannot derive `Default` on one of its variants.
#[allow(clippy::derivable_impls, reason = "the enum is declared by a macro")]
impl Default for RelationshipStatus {
    fn default() -> Self {
        Self::None
    }
}

string_enum! {
    /// User fields that can be removed (`remove` in edits, `clear` in events).
    pub enum FieldsUser {
        /// The avatar.
        Avatar = "Avatar",
        /// The status text.
        StatusText = "StatusText",
        /// The status presence.
        StatusPresence = "StatusPresence",
        /// The profile text.
        ProfileContent = "ProfileContent",
        /// The profile background.
        ProfileBackground = "ProfileBackground",
        /// The display name.
        DisplayName = "DisplayName",
        /// The pronouns.
        Pronouns = "Pronouns",
        /// A server-internal field; clients ignore it.
        Internal = "Internal",
    }
}

/// What two users have in common (`GET /users/{id}/mutual`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mutuals {
    /// Users who are friends with both.
    #[serde(default, deserialize_with = "null_default")]
    pub users: Vec<UserId>,
    /// Servers both are in.
    #[serde(default, deserialize_with = "null_default")]
    pub servers: Vec<ServerId>,
    /// Groups and DMs both are in (older servers omit it).
    #[serde(default, deserialize_with = "null_default")]
    pub channels: Vec<ChannelId>,
}

/// `GET /users/{id}/flags`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagResponse {
    /// The user's flags (0 for unknown users).
    pub flags: UserFlags,
}

#[cfg(test)]
mod tests;
