//! Error bodies the server sends, in every shape it uses.
//!
//! * the Stoat error object `{"type": …, <fields>, "location"?}` → [`ApiError`];
//! * the web framework's own catcher `{"error": {code, reason, description}}`
//!   (bad token, unparsable body, duplicate idempotency key) → [`FrameworkError`];
//! * the rate limiter's `{"retry_after": ms}` → [`RateLimited`];
//! * an HTML page or the file server's plain text.
//!
//! [`ErrorBody::parse`] tells them apart and never fails.
//!
//! ```
//! use stoat_model::error::{ApiErrorKind, ErrorBody};
//!
//! let body = ErrorBody::parse(br#"{"type":"TooManyPendingFriendRequests","max":10,"location":"x.rs:1:2"}"#);
//! let ErrorBody::Api(error) = body else { panic!() };
//! assert_eq!(error.kind, ApiErrorKind::TooManyPendingFriendRequests { max: 10 });
//! assert_eq!(error.kind.type_name(), "TooManyPendingFriendRequests");
//! assert_eq!(error.kind.http_status(), 400);
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A Stoat error object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// The error `type` and its fields.
    #[serde(flatten)]
    pub kind: ApiErrorKind,
    /// Source location on the server, for debugging (not always sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Box<str>>,
}

impl ApiError {
    /// An error of this kind without a location.
    pub fn new(kind: ApiErrorKind) -> Self {
        Self { kind, location: None }
    }
}

impl From<ApiErrorKind> for ApiError {
    fn from(kind: ApiErrorKind) -> Self {
        Self::new(kind)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.type_name())?;
        match &self.kind {
            ApiErrorKind::FailedValidation { error } => write!(f, ": {error}"),
            ApiErrorKind::MissingPermission { permission }
            | ApiErrorKind::MissingUserPermission { permission } => write!(f, " ({permission})"),
            ApiErrorKind::InSlowmode { retry_after } => write!(f, " (retry after {retry_after} s)"),
            ApiErrorKind::FeatureDisabled { feature } => write!(f, " ({feature})"),
            kind => match kind.max() {
                Some(max) => write!(f, " (max {max})"),
                None => Ok(()),
            },
        }
    }
}

impl std::error::Error for ApiError {}

macro_rules! api_errors {
    ($(
        $(#[$doc:meta])* $status:literal $variant:ident $({ $( $(#[$fdoc:meta])* $field:ident : $fty:ty ),* $(,)? })?
    ),* $(,)?) => {
        /// The `type` of a Stoat error, with the fields that type carries.
        ///
        /// A type this version does not know decodes to
        /// [`Unknown`](Self::Unknown) with every field kept.
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(tag = "type")]
        #[non_exhaustive]
        pub enum ApiErrorKind {
            $( $(#[$doc])* $variant $({ $( $(#[$fdoc])* $field: $fty ),* })?, )*
            /// A type this version does not know: the whole object, `type` included.
            #[serde(untagged)]
            Unknown(Map<String, Value>),
        }

        impl ApiErrorKind {
            /// The wire `type`.
            pub fn type_name(&self) -> &str {
                match self {
                    $( Self::$variant { .. } => stringify!($variant), )*
                    Self::Unknown(fields) => fields.get("type").and_then(Value::as_str).unwrap_or("Unknown"),
                }
            }

            /// The HTTP status the server answers this error with.
            pub fn http_status(&self) -> u16 {
                match self {
                    $( Self::$variant { .. } => $status, )*
                    Self::Unknown(_) => 500,
                }
            }
        }
    };
}

api_errors! {
    /// Unspecified server error.
    500 LabelMe,
    /// The account must contact support.
    400 ContactSupport {
        /// Locale of the message.
        locale: Box<str>,
        /// The message.
        msg: Box<str>,
    },
    /// Onboarding was already completed.
    403 AlreadyOnboarded,
    /// The username and discriminator are taken.
    409 UsernameTaken,
    /// The username is not allowed.
    400 InvalidUsername,
    /// The discriminator was already changed in the last 24 hours (never retry).
    429 DiscriminatorChangeRatelimited,
    /// No such user (account routes).
    404 UnknownUser,
    /// Already friends.
    409 AlreadyFriends,
    /// A friend request was already sent.
    409 AlreadySentRequest,
    /// You blocked this user.
    409 Blocked,
    /// This user blocked you.
    403 BlockedByOther,
    /// You are not friends.
    403 NotFriends,
    /// Too many outgoing friend requests.
    400 TooManyPendingFriendRequests {
        /// The limit.
        max: u64,
    },
    /// No such channel.
    404 UnknownChannel,
    /// No such attachment.
    400 UnknownAttachment,
    /// No such message.
    404 UnknownMessage,
    /// The message cannot be deleted.
    403 CannotDeleteMessage,
    /// The message cannot be edited.
    403 CannotEditMessage,
    /// The call is full.
    400 CannotJoinCall,
    /// Too many attachments.
    400 TooManyAttachments {
        /// The limit.
        max: u64,
    },
    /// Too many embeds.
    400 TooManyEmbeds {
        /// The limit.
        max: u64,
    },
    /// Too many replies.
    400 TooManyReplies {
        /// The limit.
        max: u64,
    },
    /// Too many channels.
    400 TooManyChannels {
        /// The limit.
        max: u64,
    },
    /// The message has no content, attachments or embeds.
    422 EmptyMessage,
    /// The message is longer than allowed.
    422 PayloadTooLarge,
    /// You cannot remove yourself.
    400 CannotRemoveYourself,
    /// The group is full.
    403 GroupTooLarge {
        /// The limit.
        max: u64,
    },
    /// Already in the group.
    409 AlreadyInGroup,
    /// Not in the group.
    404 NotInGroup,
    /// Already pinned.
    400 AlreadyPinned,
    /// Not pinned.
    400 NotPinned,
    /// Slowmode is on; `retry_after` is in seconds.
    429 InSlowmode {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// Server creation is restricted.
    403 CantCreateServers,
    /// No such server.
    404 UnknownServer,
    /// Invalid role.
    400 InvalidRole,
    /// Banned from the server.
    403 Banned,
    /// Too many servers.
    400 TooManyServers {
        /// The limit.
        max: u64,
    },
    /// Too many emoji.
    400 TooManyEmoji {
        /// The limit.
        max: u64,
    },
    /// Too many roles.
    400 TooManyRoles {
        /// The limit.
        max: u64,
    },
    /// Already in the server.
    409 AlreadyInServer,
    /// You cannot time yourself out.
    400 CannotTimeoutYourself,
    /// Too many bots.
    400 ReachedMaximumBots,
    /// Bots cannot do this (or the other user is a bot).
    400 IsBot,
    /// Only bots can do this.
    400 IsNotBot,
    /// The bot is private.
    403 BotIsPrivate,
    /// You cannot report yourself.
    400 CannotReportYourself,
    /// A permission is missing (user permissions use this too: `Access`,
    /// `ViewProfile`, `SendMessage`).
    403 MissingPermission {
        /// Name of the permission.
        permission: Box<str>,
    },
    /// A user permission is missing (never produced by current servers).
    403 MissingUserPermission {
        /// Name of the permission.
        permission: Box<str>,
    },
    /// Needs an elevated session.
    403 NotElevated,
    /// Needs a privileged (admin) account, or the bot is not yours.
    403 NotPrivileged,
    /// You cannot give permissions you lack.
    403 CannotGiveMissingPermissions,
    /// You are not the owner.
    403 NotOwner,
    /// Already elevated.
    400 IsElevated,
    /// The database failed.
    500 DatabaseError {
        /// The operation.
        operation: Box<str>,
        /// The collection.
        collection: Box<str>,
    },
    /// Internal error.
    500 InternalError,
    /// The operation is not allowed here.
    400 InvalidOperation,
    /// Wrong credentials (for example the password of a username change).
    401 InvalidCredentials,
    /// A property of the request is invalid.
    400 InvalidProperty,
    /// The session is invalid.
    401 InvalidSession,
    /// Invalid flag value.
    400 InvalidFlagValue,
    /// Not authenticated.
    401 NotAuthenticated,
    /// The nonce was already used.
    409 DuplicateNonce,
    /// Not found (unknown user, file, message…).
    404 NotFound,
    /// The request would change nothing.
    400 NoEffect,
    /// The body failed validation; `error` says why.
    400 FailedValidation {
        /// The validator's message.
        error: Box<str>,
    },
    /// A header is too large.
    400 HeaderTooLarge,
    /// The operation failed.
    500 OperationFailed,
    /// Incorrect data.
    400 IncorrectData {
        /// What was wrong.
        with: Box<str>,
    },
    /// Voice is not available on this server.
    400 LiveKitUnavailable,
    /// The channel has no voice.
    400 NotAVoiceChannel,
    /// Already in a call.
    400 AlreadyConnected,
    /// Not in the call.
    400 NotConnected,
    /// No such voice node.
    400 UnknownNode,
    /// The proxy failed.
    400 ProxyError,
    /// The file is empty.
    422 FileTooSmall,
    /// The file is over the limit for its tag.
    422 FileTooLarge {
        /// The limit in bytes.
        max: u64,
    },
    /// This file type is not allowed for the tag.
    400 FileTypeNotAllowed,
    /// Image processing failed.
    500 ImageProcessingFailed,
    /// No embed data.
    400 NoEmbedData,
    /// Legacy voice is unavailable.
    400 VosoUnavailable,
    /// A feature is disabled.
    400 FeatureDisabled {
        /// The feature.
        feature: Box<str>,
    },
    /// Rendering failed.
    500 RenderFail,
    /// Required headers are missing.
    400 MissingHeaders,
    /// The captcha failed.
    400 CaptchaFailed,
    /// Blocked by the shield.
    400 BlockedByShield,
    /// The account is not verified.
    403 UnverifiedAccount,
    /// Sending an email failed.
    500 EmailFailed,
    /// Invalid token.
    401 InvalidToken,
    /// An invite is required.
    400 MissingInvite,
    /// Invalid invite.
    400 InvalidInvite,
    /// The password is compromised.
    400 CompromisedPassword,
    /// The password is too short.
    400 ShortPassword,
    /// The account is blacklisted.
    401 Blacklisted,
    /// The account is locked out.
    403 LockedOut,
    /// TOTP is already enabled.
    400 TotpAlreadyEnabled,
    /// The MFA method is not allowed.
    400 DisallowedMFAMethod,
    /// What a blacklisted account gets instead of `Blacklisted`.
    401 DisallowedContactSupport {
        /// A note for the user.
        #[serde(default)]
        note: Option<Box<str>>,
    },
}

impl ApiErrorKind {
    /// The `max` of the `TooMany*`, `GroupTooLarge` and `FileTooLarge` errors.
    pub fn max(&self) -> Option<u64> {
        match self {
            Self::TooManyPendingFriendRequests { max }
            | Self::TooManyAttachments { max }
            | Self::TooManyEmbeds { max }
            | Self::TooManyReplies { max }
            | Self::TooManyChannels { max }
            | Self::GroupTooLarge { max }
            | Self::TooManyServers { max }
            | Self::TooManyEmoji { max }
            | Self::TooManyRoles { max }
            | Self::FileTooLarge { max } => Some(*max),
            _ => None,
        }
    }
}

/// The web framework's own error body, used when a request guard fails
/// (missing or bad token, unparsable or ill-typed body, duplicate
/// idempotency key, unknown route).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameworkError {
    /// HTTP status code.
    pub code: u16,
    /// Status reason phrase.
    pub reason: Box<str>,
    /// Human-readable description.
    pub description: Box<str>,
}

/// The wire wrapper `{"error": …}` of a [`FrameworkError`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameworkErrorBody {
    /// The error.
    pub error: FrameworkError,
}

/// The rate limiter's 429 body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RateLimited {
    /// Milliseconds until the bucket resets.
    pub retry_after: u64,
}

/// Any error body, classified.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorBody {
    /// A Stoat error object.
    Api(ApiError),
    /// The web framework's catcher body.
    Framework(FrameworkError),
    /// The rate limiter's body.
    RateLimited(RateLimited),
    /// An HTML page (sent when the request did not prefer JSON).
    Html(Box<str>),
    /// Anything else (the file server's plain-text rejections, JSON of an
    /// unknown shape), as lossy UTF-8.
    Text(Box<str>),
}

impl ErrorBody {
    /// Classifies a body. Never fails: what is not a known JSON shape is
    /// kept as text.
    pub fn parse(bytes: &[u8]) -> Self {
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(bytes) {
            if map.contains_key("type") {
                if let Ok(error) = serde_json::from_value(Value::Object(map.clone())) {
                    return Self::Api(error);
                }
            } else if let Some(error) = map.get("error") {
                if let Ok(error) = FrameworkError::deserialize(error) {
                    return Self::Framework(error);
                }
            } else if let Ok(limited) = RateLimited::deserialize(&Value::Object(map)) {
                return Self::RateLimited(limited);
            }
        }
        let text = String::from_utf8_lossy(bytes);
        let trimmed = text.trim_start();
        if trimmed.starts_with('<') {
            Self::Html(text.into())
        } else {
            Self::Text(text.into())
        }
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Api(e) => e.fmt(f),
            Self::Framework(e) => write!(f, "{} {}: {}", e.code, e.reason, e.description),
            Self::RateLimited(r) => write!(f, "rate limited, retry after {} ms", r.retry_after),
            Self::Html(_) => f.write_str("an HTML error page"),
            Self::Text(t) => {
                let short: String = t.chars().take(200).collect();
                f.write_str(&short)
            }
        }
    }
}

/// The last error of `error`'s `source` chain (`error` itself when it has
/// none): the one that says what really happened (`Connection refused`),
/// under the layers that wrap it. The transports end their messages with
/// it, so that one line says what failed and why.
pub fn root_cause<'a>(error: &'a (dyn std::error::Error + 'static)) -> &'a (dyn std::error::Error + 'static) {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_is_told_apart() {
        assert!(matches!(
            ErrorBody::parse(br#"{"type":"NotFound","location":"a"}"#),
            ErrorBody::Api(ApiError {
                kind: ApiErrorKind::NotFound,
                location: Some(_)
            })
        ));
        assert!(matches!(
            ErrorBody::parse(br#"{"error":{"code":401,"reason":"Unauthorized","description":"x"}}"#),
            ErrorBody::Framework(FrameworkError { code: 401, .. })
        ));
        assert_eq!(
            ErrorBody::parse(br#"{"retry_after":9994}"#),
            ErrorBody::RateLimited(RateLimited { retry_after: 9994 })
        );
        assert!(matches!(
            ErrorBody::parse(b"<!DOCTYPE html><html>"),
            ErrorBody::Html(_)
        ));
        assert!(matches!(
            ErrorBody::parse(b"Failed to parse multipart"),
            ErrorBody::Text(_)
        ));
        assert!(matches!(ErrorBody::parse(b"{\"type\":"), ErrorBody::Text(_)));
        assert!(matches!(ErrorBody::parse(&[0xFF, 0xFE]), ErrorBody::Text(_)));
    }

    #[test]
    fn unknown_types_keep_their_fields() {
        let raw = r#"{"type":"QuantumEntangled","particles":2}"#;
        let ErrorBody::Api(error) = ErrorBody::parse(raw.as_bytes()) else {
            panic!()
        };
        assert_eq!(error.kind.type_name(), "QuantumEntangled");
        let raw: Value = serde_json::from_str(raw).unwrap();
        assert_eq!(serde_json::to_value(&error).unwrap(), raw);
    }

    #[test]
    fn known_type_with_missing_field_is_not_dropped() {
        // A `max` the server forgot still yields the type, not a parse failure.
        let ErrorBody::Api(error) = ErrorBody::parse(br#"{"type":"FileTooLarge"}"#) else {
            panic!()
        };
        assert_eq!(error.kind.type_name(), "FileTooLarge");
    }
}
