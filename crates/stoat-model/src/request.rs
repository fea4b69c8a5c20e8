//! Request bodies and queries of the Users and DM routes.
//!
//! Unset fields are omitted on the wire. Each type implements
//! [`Validate`](crate::validate::Validate) with the server's own rules, so a
//! transport can refuse bad input before sending anything.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::file::FileId;
use crate::id::{MessageId, ServerId, UserId};
use crate::macros::string_enum;
use crate::message::{Interactions, Masquerade, MessageFlags, MessageSort, ReplyIntent, SendableEmbed};
use crate::secret::Secret;
use crate::user::{Discriminator, FieldsUser, UserBadges, UserFlags, UserStatus};

/// `PATCH /users/{target}`: edit yourself, or a bot you own.
///
/// The server first removes the fields in `remove`, then sets the others;
/// `status` and `profile` are merged into the existing ones.
///
/// ```
/// use stoat_model::request::EditUser;
/// use stoat_model::validate::Validate;
/// use stoat_model::FieldsUser;
///
/// let edit = EditUser {
///     display_name: Some("Stoaty".into()),
///     remove: vec![FieldsUser::Avatar],
///     ..Default::default()
/// };
/// edit.validate()?;
/// assert_eq!(serde_json::to_string(&edit)?, r#"{"display_name":"Stoaty","remove":["Avatar"]}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditUser {
    /// New display name (2 to 32 characters, no zero-width space or newline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// New pronouns (1 to 24 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pronouns: Option<String>,
    /// Id of a file uploaded with tag `avatars`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<FileId>,
    /// Status parts to set (text at most 128 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<UserStatus>,
    /// Profile parts to set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<EditProfile>,
    /// New badges (privileged callers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badges: Option<UserBadges>,
    /// New flags (privileged callers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<UserFlags>,
    /// Fields to remove first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<FieldsUser>,
}

/// Profile part of [`EditUser`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditProfile {
    /// Profile text (at most 2000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Id of a file uploaded with tag `backgrounds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<FileId>,
}

/// `PATCH /users/@me/username` (session tokens only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeUsername {
    /// New username (2 to 32 letters, digits, `_`, `.`, `-`).
    pub username: String,
    /// Current password (never printed).
    pub password: Secret,
}

/// `POST /users/friend`: send a friend request by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendFriendRequest {
    /// `name#discriminator`.
    pub username: String,
}

impl SendFriendRequest {
    /// A request for `name#discriminator`.
    pub fn new(name: &str, discriminator: Discriminator) -> Self {
        Self {
            username: format!("{name}#{discriminator}"),
        }
    }
}

/// `POST /safety/report`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportContent {
    /// What is reported.
    pub content: ReportedContent,
    /// Extra context (at most 1000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_context: Option<String>,
}

/// What a report is about, tagged by `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
#[non_exhaustive]
pub enum ReportedContent {
    /// A user.
    User {
        /// The user.
        id: UserId,
        /// Why.
        report_reason: UserReportReason,
        /// A message that gives context.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<MessageId>,
    },
    /// A message.
    Message {
        /// The message.
        id: MessageId,
        /// Why.
        report_reason: ContentReportReason,
    },
    /// A server.
    Server {
        /// The server.
        id: ServerId,
        /// Why.
        report_reason: ContentReportReason,
    },
    /// A kind this version does not know, kept as sent.
    #[serde(untagged)]
    Other(Map<String, Value>),
}

string_enum! {
    /// Why a user is reported.
    pub enum UserReportReason {
        /// No reason given.
        NoneSpecified = "NoneSpecified",
        /// Unsolicited advertisements.
        UnsolicitedSpam = "UnsolicitedSpam",
        /// Spam or platform abuse.
        SpamAbuse = "SpamAbuse",
        /// Inappropriate profile.
        InappropriateProfile = "InappropriateProfile",
        /// Impersonation.
        Impersonation = "Impersonation",
        /// Evading a ban.
        BanEvasion = "BanEvasion",
        /// Under the minimum age.
        Underage = "Underage",
    }
}

string_enum! {
    /// Why a message or server is reported.
    pub enum ContentReportReason {
        /// No reason given.
        NoneSpecified = "NoneSpecified",
        /// Illegal content.
        Illegal = "Illegal",
        /// Illegal goods.
        IllegalGoods = "IllegalGoods",
        /// Extortion.
        IllegalExtortion = "IllegalExtortion",
        /// Illegal pornography.
        IllegalPornography = "IllegalPornography",
        /// Hacking.
        IllegalHacking = "IllegalHacking",
        /// Extreme violence.
        ExtremeViolence = "ExtremeViolence",
        /// Promotes harm.
        PromotesHarm = "PromotesHarm",
        /// Unsolicited advertisements.
        UnsolicitedSpam = "UnsolicitedSpam",
        /// A raid.
        Raid = "Raid",
        /// Spam or platform abuse.
        SpamAbuse = "SpamAbuse",
        /// Scams or fraud.
        ScamsFraud = "ScamsFraud",
        /// Malware.
        Malware = "Malware",
        /// Harassment.
        Harassment = "Harassment",
    }
}

/// `POST /channels/{id}/messages`.
///
/// The idempotency key belongs in the `Idempotency-Key` header (the body
/// `nonce` is deprecated); at least one of content, attachments or embeds
/// must be set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessage {
    /// Deprecated body nonce (1 to 64 characters); prefer the header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Text (content plus embed descriptions at most 2000 UTF-8 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Ids of files uploaded with tag `attachments` (at most 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<FileId>>,
    /// Messages to reply to (at most 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies: Option<Vec<ReplyIntent>>,
    /// Embeds (at most 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embeds: Option<Vec<SendableEmbed>>,
    /// Masquerade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masquerade: Option<Masquerade>,
    /// Reaction settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interactions: Option<Interactions>,
    /// Flags (the server accepts at most 7; mention flags need a bot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<MessageFlags>,
}

impl SendMessage {
    /// A message with just text.
    pub fn text(content: impl Into<String>) -> Self {
        Self {
            content: Some(content.into()),
            ..Self::default()
        }
    }
}

/// `GET /channels/{id}/messages` query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageQuery {
    /// How many (1 to 100, default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Only messages before this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<MessageId>,
    /// Only messages after this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<MessageId>,
    /// Order (`Latest` by default; `Relevance` is refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<MessageSort>,
    /// Messages around this one (ignores `before`, `after` and `sort`; the
    /// result is not sorted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nearby: Option<MessageId>,
    /// Whether to include the authors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_users: Option<bool>,
}

impl MessageQuery {
    /// The query string, without the leading `?` (empty when nothing is set).
    /// Every value is an id, a number, a bool or an enum name, so nothing
    /// needs escaping.
    pub fn to_query_string(&self) -> String {
        let mut pairs: Vec<String> = Vec::new();
        if let Some(limit) = self.limit {
            pairs.push(format!("limit={limit}"));
        }
        for (key, id) in [
            ("before", self.before),
            ("after", self.after),
            ("nearby", self.nearby),
        ] {
            if let Some(id) = id {
                pairs.push(format!("{key}={id}"));
            }
        }
        if let Some(sort) = &self.sort {
            pairs.push(format!("sort={}", crate::url::encode_path_segment(sort.as_str())));
        }
        if let Some(include) = self.include_users {
            pairs.push(format!("include_users={include}"));
        }
        pairs.join("&")
    }
}

/// `POST /channels/{id}/search` (users only, bots get `IsBot`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchMessages {
    /// Text to search for (1 to 64 characters); not together with `pinned`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Only pinned messages; not together with `query`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    /// How many (1 to 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Only messages before this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<MessageId>,
    /// Only messages after this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<MessageId>,
    /// Order (`Relevance` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<MessageSort>,
    /// Whether to include the authors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_users: Option<bool>,
}

/// `POST /channels/{id}/join_call`. Always sent as a JSON object, `{}` at
/// least: the server refuses an empty body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinCall {
    /// Voice node name (from `GET /`), if the call has none yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// Leave any other call first (users only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_disconnect: Option<bool>,
    /// Users to ring, when you start the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients: Option<Vec<UserId>>,
}

/// What the file server answers to an upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadResponse {
    /// Id of the new file, usable once.
    pub id: FileId,
}
