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
    /// Other features (`captcha`, `limits`, `legal_links`…), as sent.
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
