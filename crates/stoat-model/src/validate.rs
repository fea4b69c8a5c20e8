//! The server's input rules, checked before anything is sent.
//!
//! Lengths count Unicode scalar values, as the server's validator does,
//! except message content, which counts UTF-8 bytes.
//!
//! ```
//! use stoat_model::request::EditUser;
//! use stoat_model::validate::{Problem, Validate};
//!
//! let edit = EditUser { display_name: Some("x".into()), ..Default::default() };
//! let err = edit.validate().unwrap_err();
//! assert_eq!(err.field, "display_name");
//! assert_eq!(err.problem, Problem::Length { min: 2, max: 32, actual: 1 });
//! ```

mod colour;

use std::fmt;

use crate::file::FileId;
use crate::message::{MessageFlags, MessageSort};
use crate::node::{AccountLimits, InstanceLimits};
use crate::request::{
    ChangeUsername, EditUser, JoinCall, MessageQuery, ReportContent, SearchMessages, SendFriendRequest,
    SendMessage,
};

/// Input the server would refuse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    /// The field, as named on the wire (`status.text`, `embeds[1].title`…).
    pub field: &'static str,
    /// What is wrong with it.
    pub problem: Problem,
}

/// What is wrong with a field.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// Length outside `min..=max` (characters, or bytes for message content).
    Length {
        /// Smallest allowed.
        min: usize,
        /// Largest allowed.
        max: usize,
        /// What was given.
        actual: usize,
    },
    /// A character the field may not contain.
    ForbiddenCharacter(char),
    /// A number outside `min..=max`.
    Range {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
        /// What was given.
        actual: i64,
    },
    /// Set together with a field it excludes.
    Conflicts(&'static str),
    /// Needs another field that is not set.
    Requires(&'static str),
    /// Nothing to send (no content, attachments or embeds).
    Empty,
    /// A value the server refuses.
    NotAllowed(&'static str),
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = self.field;
        match &self.problem {
            Problem::Length { min, max, actual } => {
                write!(f, "{field} must be {min} to {max} long, it is {actual}")
            }
            Problem::ForbiddenCharacter(c) => write!(f, "{field} may not contain {c:?}"),
            Problem::Range { min, max, actual } => {
                write!(f, "{field} must be between {min} and {max}, it is {actual}")
            }
            Problem::Conflicts(other) => write!(f, "{field} cannot be combined with {other}"),
            Problem::Requires(other) => write!(f, "{field} needs {other}"),
            Problem::Empty => write!(f, "{field}: nothing to send"),
            Problem::NotAllowed(why) => write!(f, "{field}: {why}"),
        }
    }
}

impl std::error::Error for ValidationError {}

/// A request body or query that can be checked against the server's rules.
pub trait Validate {
    /// The first rule the value breaks, if any.
    fn validate(&self) -> Result<(), ValidationError>;
}

type Checked = Result<(), ValidationError>;

fn fail(field: &'static str, problem: Problem) -> Checked {
    Err(ValidationError { field, problem })
}

/// Checks a length in Unicode scalar values.
pub fn chars(field: &'static str, value: &str, min: usize, max: usize) -> Checked {
    // Count at most max + 1 characters: enough to decide, and bounded for huge input.
    let actual = value.chars().take(max + 1).count();
    if (min..=max).contains(&actual) {
        Ok(())
    } else {
        fail(field, Problem::Length { min, max, actual })
    }
}

fn optional(field: &'static str, value: Option<&str>, min: usize, max: usize) -> Checked {
    value.map_or(Ok(()), |v| chars(field, v, min, max))
}

fn range(field: &'static str, value: Option<i64>, min: i64, max: i64) -> Checked {
    match value {
        Some(actual) if !(min..=max).contains(&actual) => fail(field, Problem::Range { min, max, actual }),
        _ => Ok(()),
    }
}

fn count(field: &'static str, len: usize, max: usize) -> Checked {
    if len > max {
        fail(
            field,
            Problem::Length {
                min: 0,
                max,
                actual: len,
            },
        )
    } else {
        Ok(())
    }
}

/// A display name: 2 to 32 characters without U+200B, `\n` or `\r`.
pub fn display_name(value: &str) -> Checked {
    chars("display_name", value, 2, 32)?;
    match value.chars().find(|c| matches!(c, '\u{200B}' | '\n' | '\r')) {
        Some(c) => fail("display_name", Problem::ForbiddenCharacter(c)),
        None => Ok(()),
    }
}

/// A username: 2 to 32 characters, each a letter, a digit, `_`, `.` or `-`.
///
/// The server also normalises look-alike characters and refuses some
/// reserved names; those checks need its word lists and stay server-side.
/// Its letters are Unicode's `\p{L}`; this check uses
/// [`char::is_alphabetic`], which also takes letter numbers (`Ⅻ`) and some
/// combining marks: those pass here and the server refuses them
/// (`FailedValidation`). Exact tables would cost a dependency for a
/// check the server makes anyway.
pub fn username(value: &str) -> Checked {
    chars("username", value, 2, 32)?;
    match value
        .chars()
        .find(|&c| !(c.is_alphabetic() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-')))
    {
        Some(c) => fail("username", Problem::ForbiddenCharacter(c)),
        None => Ok(()),
    }
}

/// The limits a message is checked against: an instance's (from its
/// `GET /`, see [`MessageLimits::of`]) or the official defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageLimits {
    /// Most bytes of content plus embed descriptions.
    pub length: usize,
    /// Most attachments.
    pub attachments: usize,
    /// Most embeds.
    pub embeds: usize,
    /// Most replies.
    pub replies: usize,
    /// Most reactions offered by the interactions.
    pub reactions: usize,
}

impl MessageLimits {
    /// The official instance's limits.
    pub const OFFICIAL: Self = Self {
        length: 2000,
        attachments: 5,
        embeds: 5,
        replies: 5,
        reactions: 20,
    };

    /// An instance's limits for an account with `account`'s limits (see
    /// [`InstanceLimits::for_account`]).
    pub fn of(instance: &InstanceLimits, account: &AccountLimits) -> Self {
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        Self {
            length: size(account.message_length),
            attachments: size(account.message_attachments),
            embeds: size(instance.global.message_embeds),
            replies: size(instance.global.message_replies),
            reactions: size(instance.global.message_reactions),
        }
    }
}

impl Default for MessageLimits {
    fn default() -> Self {
        Self::OFFICIAL
    }
}

impl Validate for EditUser {
    fn validate(&self) -> Checked {
        if let Some(name) = &self.display_name {
            display_name(name)?;
        }
        optional("pronouns", self.pronouns.as_deref(), 1, 24)?;
        optional("avatar", self.avatar.as_ref().map(FileId::as_str), 1, 128)?;
        if let Some(status) = &self.status {
            optional("status.text", status.text.as_deref(), 0, 128)?;
        }
        if let Some(profile) = &self.profile {
            optional("profile.content", profile.content.as_deref(), 0, 2000)?;
            optional(
                "profile.background",
                profile.background.as_ref().map(FileId::as_str),
                1,
                128,
            )?;
        }
        Ok(())
    }
}

impl Validate for ChangeUsername {
    fn validate(&self) -> Checked {
        username(&self.username)?;
        chars("password", self.password.expose(), 8, 1024)
    }
}

impl Validate for SendFriendRequest {
    fn validate(&self) -> Checked {
        if self.username.contains('#') {
            Ok(())
        } else {
            fail("username", Problem::NotAllowed("must be name#discriminator"))
        }
    }
}

impl Validate for ReportContent {
    fn validate(&self) -> Checked {
        optional("additional_context", self.additional_context.as_deref(), 0, 1000)
    }
}

impl Validate for SendMessage {
    /// Checks against the official limits; see
    /// [`validate_within`](SendMessage::validate_within) for an instance's.
    fn validate(&self) -> Checked {
        self.validate_within(&MessageLimits::OFFICIAL)
    }
}

impl SendMessage {
    /// The first rule of the server's the message breaks, with `limits`
    /// for its lengths and counts.
    pub fn validate_within(&self, limits: &MessageLimits) -> Checked {
        optional("nonce", self.nonce.as_deref(), 1, 64)?;
        let attachments = self.attachments.as_deref().unwrap_or_default();
        let embeds = self.embeds.as_deref().unwrap_or_default();
        count("attachments", attachments.len(), limits.attachments)?;
        count("embeds", embeds.len(), limits.embeds)?;
        let replies = self.replies.as_deref().unwrap_or_default();
        count("replies", replies.len(), limits.replies)?;
        let content = self.content.as_deref().unwrap_or_default();
        let mut bytes = content.len();
        for embed in embeds {
            optional("embeds.icon_url", embed.icon_url.as_deref(), 1, 256)?;
            optional("embeds.url", embed.url.as_deref(), 1, 256)?;
            optional("embeds.title", embed.title.as_deref(), 1, 100)?;
            optional("embeds.description", embed.description.as_deref(), 1, 2000)?;
            colour("embeds.colour", embed.colour.as_deref())?;
            bytes += embed.description.as_deref().map_or(0, str::len);
        }
        if bytes > limits.length {
            let problem = Problem::Length {
                min: 0,
                max: limits.length,
                actual: bytes,
            };
            return fail("content", problem);
        }
        if content.is_empty() && attachments.is_empty() && embeds.is_empty() {
            return fail("content", Problem::Empty);
        }
        if let Some(masquerade) = &self.masquerade {
            optional("masquerade.name", masquerade.name.as_deref(), 1, 32)?;
            optional("masquerade.avatar", masquerade.avatar.as_deref(), 1, 256)?;
            colour("masquerade.colour", masquerade.colour.as_deref())?;
        }
        if let Some(interactions) = &self.interactions {
            let offered = interactions.reactions.as_deref().unwrap_or_default();
            count("interactions.reactions", offered.len(), limits.reactions)?;
            if interactions.restrict_reactions && offered.is_empty() {
                return fail(
                    "interactions.restrict_reactions",
                    Problem::Requires("interactions.reactions"),
                );
            }
        }
        self.flags.map_or(Ok(()), message_flags)
    }
}

/// The server takes flags up to 7: not `MENTIONS_ONLINE` (8), whose
/// mention it reads from `@online` in the content instead.
fn message_flags(flags: MessageFlags) -> Checked {
    if flags.bits() > 7 {
        return fail(
            "flags",
            Problem::Range {
                min: 0,
                max: 7,
                actual: i64::from(flags.bits()),
            },
        );
    }
    Ok(())
}

/// A CSS colour as the server's rule takes it: 1 to 128 characters.
fn colour(field: &'static str, value: Option<&str>) -> Checked {
    let Some(value) = value else { return Ok(()) };
    chars(field, value, 1, 128)?;
    if colour::accepts(value) {
        Ok(())
    } else {
        fail(
            field,
            Problem::NotAllowed(
                "must be a CSS colour name, #hex, rgb(), rgba(), var(--name) or a gradient of those",
            ),
        )
    }
}

impl Validate for MessageQuery {
    fn validate(&self) -> Checked {
        range("limit", self.limit, 1, 100)?;
        if self.sort == Some(MessageSort::Relevance) {
            return fail(
                "sort",
                Problem::NotAllowed("history cannot be sorted by relevance"),
            );
        }
        Ok(())
    }
}

impl Validate for SearchMessages {
    fn validate(&self) -> Checked {
        if self.query.is_some() && self.pinned.is_some() {
            return fail("pinned", Problem::Conflicts("query"));
        }
        optional("query", self.query.as_deref(), 1, 64)?;
        range("limit", self.limit, 1, 100)
    }
}

impl Validate for JoinCall {
    fn validate(&self) -> Checked {
        Ok(())
    }
}

/// An `Idempotency-Key` header: at most 64 characters.
pub fn idempotency_key(value: &str) -> Checked {
    chars("Idempotency-Key", value, 1, 64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Interactions, MessageFlags, SendableEmbed};

    #[test]
    fn display_name_rules() {
        assert!(display_name("ok").is_ok());
        assert!(display_name(&"é".repeat(32)).is_ok());
        assert_eq!(
            display_name(&"é".repeat(33)).unwrap_err().problem,
            Problem::Length {
                min: 2,
                max: 32,
                actual: 33
            }
        );
        assert_eq!(
            display_name("a\nb").unwrap_err().problem,
            Problem::ForbiddenCharacter('\n')
        );
        assert_eq!(
            display_name("a\u{200B}b").unwrap_err().problem,
            Problem::ForbiddenCharacter('\u{200B}')
        );
    }

    #[test]
    fn username_rules() {
        assert!(username("stoat_fan.01-x").is_ok());
        assert!(username("ñandú").is_ok());
        assert_eq!(
            username("a b").unwrap_err().problem,
            Problem::ForbiddenCharacter(' ')
        );
        assert!(username("a").is_err());
    }

    #[test]
    fn message_length_counts_bytes_of_content_and_embed_descriptions() {
        assert!(SendMessage::text("a".repeat(2000)).validate().is_ok());
        let err = SendMessage::text("é".repeat(1001)).validate().unwrap_err();
        assert_eq!(
            err.problem,
            Problem::Length {
                min: 0,
                max: 2000,
                actual: 2002
            }
        );
        let mut with_embed = SendMessage::text("a".repeat(1000));
        with_embed.embeds = Some(vec![SendableEmbed {
            description: Some("b".repeat(1001)),
            ..Default::default()
        }]);
        assert_eq!(with_embed.validate().unwrap_err().field, "content");
    }

    #[test]
    fn empty_messages_and_bad_interactions_are_refused() {
        assert_eq!(
            SendMessage::default().validate().unwrap_err().problem,
            Problem::Empty
        );
        assert_eq!(
            SendMessage::text("").validate().unwrap_err().problem,
            Problem::Empty
        );
        let mut m = SendMessage::text("x");
        m.interactions = Some(Interactions {
            reactions: None,
            restrict_reactions: true,
        });
        assert_eq!(m.validate().unwrap_err().field, "interactions.restrict_reactions");
        m.interactions = None;
        m.flags = Some(MessageFlags::MENTIONS_ONLINE);
        assert_eq!(m.validate().unwrap_err().field, "flags");
    }

    #[test]
    fn query_and_search_limits() {
        for limit in [0, 101] {
            let q = MessageQuery {
                limit: Some(limit),
                ..Default::default()
            };
            assert_eq!(q.validate().unwrap_err().field, "limit");
        }
        let s = SearchMessages {
            query: Some("x".into()),
            pinned: Some(true),
            ..Default::default()
        };
        assert_eq!(s.validate().unwrap_err().problem, Problem::Conflicts("query"));
        let s = SearchMessages {
            query: Some(String::new()),
            ..Default::default()
        };
        assert!(s.validate().is_err());
    }
}
