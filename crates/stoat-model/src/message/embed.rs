//! Embeds: what the server generated for links and media, and what a bot
//! may send.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::file::{File, FileId};
use crate::macros::string_enum;

/// An embed on a received message, tagged by `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
#[non_exhaustive]
pub enum Embed {
    /// Metadata of a linked website.
    Website(WebsiteEmbed),
    /// A linked image.
    Image(ImageEmbed),
    /// A linked video.
    Video(VideoEmbed),
    /// A text embed sent by a bot ([`SendableEmbed`] as stored).
    Text(TextEmbed),
    /// An empty embed.
    None,
    /// A kind this version does not know, kept as sent.
    #[serde(untagged)]
    Other(Map<String, Value>),
}

/// Website metadata.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WebsiteEmbed {
    /// Direct URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Box<str>>,
    /// URL as written in the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_url: Option<Box<str>>,
    /// Site-specific data (YouTube, Twitch, …), kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special: Option<Value>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Box<str>>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Box<str>>,
    /// Preview image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageEmbed>,
    /// Preview video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<VideoEmbed>,
    /// Site name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_name: Option<Box<str>>,
    /// Site icon URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<Box<str>>,
    /// CSS colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<Box<str>>,
}

/// An image embed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageEmbed {
    /// Image URL.
    pub url: Box<str>,
    /// Width in pixels.
    pub width: u64,
    /// Height in pixels.
    pub height: u64,
    /// How large to show it.
    pub size: ImageSize,
}

string_enum! {
    /// How large an image embed is shown.
    pub enum ImageSize {
        /// Full width.
        Large = "Large",
        /// A small preview.
        Preview = "Preview",
    }
}

/// A video embed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoEmbed {
    /// Video URL.
    pub url: Box<str>,
    /// Width in pixels.
    pub width: u64,
    /// Height in pixels.
    pub height: u64,
}

/// A text embed as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextEmbed {
    /// Icon URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<Box<str>>,
    /// Link URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Box<str>>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Box<str>>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Box<str>>,
    /// Attached media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Box<File>>,
    /// CSS colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<Box<str>>,
}

/// An embed a bot sends with a message (stored as a [`TextEmbed`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendableEmbed {
    /// Icon URL (1 to 256 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
    /// Link URL (1 to 256 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Title (1 to 100 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Description (1 to 2000 characters; counts towards the message length).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// An uploaded attachment to show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<FileId>,
    /// CSS colour (1 to 128 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<String>,
}
