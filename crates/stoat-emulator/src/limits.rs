//! An instance's limits, as the server's configuration holds them and as
//! `GET /` publishes them under `features.limits` (field names are the
//! wire's). The defaults are the official server's (its `Revolt.toml`,
//! as `fixtures/rest/root.json` shows them).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use stoat_model::UserId;

/// Every limit of an instance: global ones, and one set for new accounts and
/// one for the others (see [`Limits::for_user`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Limits {
    /// Limits that apply to everyone.
    pub global: GlobalLimits,
    /// Limits of accounts younger than `global.new_user_hours`.
    pub new_user: UserLimits,
    /// Limits of older accounts.
    pub default: UserLimits,
}

/// Limits that apply to every account.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GlobalLimits {
    /// Most members of a group.
    pub group_size: usize,
    /// Most embeds a message is sent with (`TooManyEmbeds`).
    pub message_embeds: usize,
    /// Most replies of a message (`TooManyReplies`).
    pub message_replies: usize,
    /// Most distinct reactions on a message, and most reactions a message's
    /// `interactions` may list (`InvalidOperation`).
    pub message_reactions: usize,
    /// Most emoji of a server.
    pub server_emoji: usize,
    /// Most roles of a server.
    pub server_roles: usize,
    /// Most channels of a server.
    pub server_channels: usize,
    /// Largest request body the file server takes, in bytes.
    pub body_limit_size: usize,
    /// The only users who may create servers (empty: everyone).
    pub restrict_server_creation: Vec<String>,
    /// How many hours an account counts as new (`new_user` limits).
    pub new_user_hours: u64,
}

impl Default for GlobalLimits {
    fn default() -> Self {
        Self {
            group_size: 100,
            message_embeds: 5,
            message_replies: 5,
            message_reactions: 20,
            server_emoji: 100,
            server_roles: 200,
            server_channels: 200,
            body_limit_size: 20_000_000,
            restrict_server_creation: Vec::new(),
            new_user_hours: 72,
        }
    }
}

/// Limits that depend on an account's age.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UserLimits {
    /// Most friend requests pending at once (`TooManyPendingFriendRequests`).
    pub outgoing_friend_requests: usize,
    /// Most bots an account owns.
    pub bots: usize,
    /// Most bytes of a message's content and embed descriptions together
    /// (`PayloadTooLarge`).
    pub message_length: usize,
    /// Most attachments of a message (`TooManyAttachments`).
    pub message_attachments: usize,
    /// Most servers an account is in.
    pub servers: usize,
    /// Highest audio bitrate.
    pub voice_quality: usize,
    /// Whether video streaming is on.
    pub video: bool,
    /// Largest video resolution.
    pub video_resolution: [usize; 2],
    /// Smallest and largest video aspect ratios.
    pub video_aspect_ratio: [f64; 2],
    /// Largest upload per file tag, in bytes (`FileTooLarge`).
    pub file_upload_size_limits: BTreeMap<String, usize>,
}

impl UserLimits {
    /// The official `new_user` limits (`Default` gives the official
    /// `default` ones).
    pub fn new_user() -> Self {
        Self {
            outgoing_friend_requests: 5,
            bots: 2,
            servers: 50,
            video_resolution: [1080, 720],
            ..Self::default()
        }
    }
}

impl Default for UserLimits {
    /// The official `default` limits (those of accounts that are not new).
    fn default() -> Self {
        let sizes = [
            ("attachments", 20_000_000),
            ("avatars", 4_000_000),
            ("backgrounds", 6_000_000),
            ("icons", 2_500_000),
            ("banners", 6_000_000),
            ("emojis", 500_000),
        ];
        Self {
            outgoing_friend_requests: 10,
            bots: 5,
            message_length: 2000,
            message_attachments: 5,
            servers: 100,
            voice_quality: 16000,
            video: true,
            video_resolution: [1280, 720],
            // The server reads its configuration as `f32` and publishes the
            // value widened to `f64`, hence 0.30000001192092896 on the wire.
            video_aspect_ratio: [f64::from(0.3_f32), 2.5],
            file_upload_size_limits: sizes.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        }
    }
}

impl Default for Limits {
    /// The official limits: `new_user` for new accounts, `default` after.
    fn default() -> Self {
        Self {
            global: GlobalLimits::default(),
            new_user: UserLimits::new_user(),
            default: UserLimits::default(),
        }
    }
}

impl Limits {
    /// The set that applies to `user`, by the server's rule: an account is
    /// new while the time in its id is at most `new_user_hours` ago.
    pub fn for_user(&self, user: UserId, now_ms: u64) -> &UserLimits {
        let age = Duration::from_millis(now_ms.saturating_sub(user.timestamp_ms()));
        let new_for = Duration::from_secs(self.global.new_user_hours.saturating_mul(3600));
        if age <= new_for {
            &self.new_user
        } else {
            &self.default
        }
    }
}
