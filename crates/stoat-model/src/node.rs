//! `GET /`: what a Stoat node tells clients about itself.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The node configuration. The parts a client needs are typed; everything
/// else is kept in `extra` as sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// Server version.
    pub revolt: Box<str>,
    /// Features and limits.
    pub features: NodeFeatures,
    /// Gateway URL.
    pub ws: Box<str>,
    /// Web app URL.
    pub app: Box<str>,
    /// Web push public key.
    #[serde(default)]
    pub vapid: Box<str>,
    /// Other fields (`build`…), as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Features of a node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeFeatures {
    /// Whether accounts need an email.
    #[serde(default)]
    pub email: bool,
    /// Whether sign-up needs an invite.
    #[serde(default)]
    pub invite_only: bool,
    /// The file server.
    pub autumn: ServiceFeature,
    /// The link-preview proxy.
    pub january: ServiceFeature,
    /// Voice.
    #[serde(default)]
    pub livekit: VoiceFeature,
    /// The instance's limits (older servers send none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<InstanceLimits>,
    /// Other features (`captcha`, `legal_links`…), as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A companion service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceFeature {
    /// Whether it runs.
    pub enabled: bool,
    /// Its base URL.
    pub url: Box<str>,
}

/// Voice (LiveKit) availability.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VoiceFeature {
    /// Whether voice is on.
    pub enabled: bool,
    /// Voice nodes to choose from in `join_call`.
    #[serde(default)]
    pub nodes: Vec<VoiceNode>,
}

/// A voice node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VoiceNode {
    /// Name to pass as `node`.
    pub name: Box<str>,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Public URL.
    pub public_url: Box<str>,
}

/// What an instance allows (`features.limits`): the same for everyone
/// (`global`), and per account (`new_user` while an account is younger than
/// `global.new_user_hours`, `default` after).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InstanceLimits {
    /// Limits for everyone.
    pub global: GlobalLimits,
    /// Limits of accounts younger than `global.new_user_hours`.
    pub new_user: AccountLimits,
    /// Limits of older accounts.
    pub default: AccountLimits,
    /// Other parts, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl InstanceLimits {
    /// The account limits that apply to an account created at
    /// `created_ms` (milliseconds since the Unix epoch, as in its id) at
    /// `now_ms`: `new_user` while it is younger than `new_user_hours`.
    pub fn for_account(&self, created_ms: u64, now_ms: u64) -> &AccountLimits {
        let new_for_ms = self.global.new_user_hours.saturating_mul(3_600_000);
        if now_ms.saturating_sub(created_ms) < new_for_ms {
            &self.new_user
        } else {
            &self.default
        }
    }
}

/// Limits for everyone on an instance (the official defaults in brackets).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GlobalLimits {
    /// Most members of a group (100).
    pub group_size: u64,
    /// Most embeds on a message (5).
    pub message_embeds: u64,
    /// Most replies on a message (5).
    pub message_replies: u64,
    /// Most distinct reactions on a message, and reactions offered by its
    /// interactions (20).
    pub message_reactions: u64,
    /// Most emoji of a server (100).
    pub server_emoji: u64,
    /// Most roles of a server (200).
    pub server_roles: u64,
    /// Most channels of a server (200).
    pub server_channels: u64,
    /// Most bytes of a request body (20,000,000).
    pub body_limit_size: u64,
    /// Who may create servers (empty: everyone).
    #[serde(default)]
    pub restrict_server_creation: Vec<String>,
    /// How many hours an account is new (72).
    pub new_user_hours: u64,
    /// Other limits, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for GlobalLimits {
    /// The official instance's.
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
            extra: Map::new(),
        }
    }
}

/// Limits of one account (the official `default` in brackets).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountLimits {
    /// Most pending friend requests sent (10).
    pub outgoing_friend_requests: u64,
    /// Most bots owned (5).
    pub bots: u64,
    /// Most bytes of message content plus embed descriptions (2000).
    pub message_length: u64,
    /// Most attachments on a message (5).
    pub message_attachments: u64,
    /// Most servers joined (100).
    pub servers: u64,
    /// Voice bitrate (16000).
    pub voice_quality: u64,
    /// Whether video is allowed (yes).
    pub video: bool,
    /// Most video width and height ([1280, 720]).
    pub video_resolution: [u64; 2],
    /// Smallest and largest video aspect ratio ([0.3, 2.5]).
    pub video_aspect_ratio: [f64; 2],
    /// Most bytes of an upload, per file tag (`avatars`, `attachments`…).
    pub file_upload_size_limits: std::collections::BTreeMap<String, u64>,
    /// Other limits, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for AccountLimits {
    /// The official instance's `default`.
    fn default() -> Self {
        let uploads = [
            ("attachments", 20_000_000),
            ("avatars", 4_000_000),
            ("backgrounds", 6_000_000),
            ("banners", 6_000_000),
            ("emojis", 500_000),
            ("icons", 2_500_000),
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
            video_aspect_ratio: [0.300_000_011_920_928_96, 2.5],
            file_upload_size_limits: uploads
                .iter()
                .map(|&(tag, bytes)| (tag.to_owned(), bytes))
                .collect(),
            extra: Map::new(),
        }
    }
}
