//! Files stored on the file server (autumn): avatars, backgrounds, attachments.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::macros::string_enum;
use crate::url::push_path_segment;

/// Id of an uploaded file.
///
/// The file server issues 42-character nanoids (`A-Za-z0-9_-`) for most tags,
/// ULIDs for emojis, and legacy files have other shapes, so the id is opaque:
/// it is kept exactly as sent and never parsed.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FileId(Box<str>);

impl FileId {
    /// Wraps a file id as the server issued it.
    pub fn new(id: impl Into<Box<str>>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileId({})", self.0)
    }
}

impl fmt::Display for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for FileId {
    fn from(value: &str) -> Self {
        Self(value.into())
    }
}

impl From<String> for FileId {
    fn from(value: String) -> Self {
        Self(value.into())
    }
}

string_enum! {
    /// The bucket a file was uploaded to; it decides where the file may be used.
    pub enum FileTag {
        /// Message attachments.
        Attachments = "attachments",
        /// User avatars.
        Avatars = "avatars",
        /// Profile backgrounds.
        Backgrounds = "backgrounds",
        /// Server and group icons.
        Icons = "icons",
        /// Server banners.
        Banners = "banners",
        /// Custom emojis.
        Emojis = "emojis",
    }
}

impl FileTag {
    /// Largest upload the default server configuration accepts for this tag,
    /// in bytes (`None` for tags it does not know).
    pub fn default_size_limit(&self) -> Option<u64> {
        Some(match self {
            Self::Attachments => 20_000_000,
            Self::Avatars => 4_000_000,
            Self::Backgrounds | Self::Banners => 6_000_000,
            Self::Icons => 2_500_000,
            Self::Emojis => 500_000,
            Self::Unknown(_) => return None,
        })
    }
}

/// A file as the API describes it (an "asset" in stoat.py).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct File {
    /// File id.
    #[serde(rename = "_id")]
    pub id: FileId,
    /// Bucket the file is in.
    pub tag: FileTag,
    /// Original file name.
    pub filename: Box<str>,
    /// What the server learnt about the content.
    pub metadata: Metadata,
    /// MIME type.
    pub content_type: Box<str>,
    /// Size in bytes.
    pub size: i64,
    /// Set when the file was deleted (its URL then answers 404).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// Set when the file was reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported: Option<bool>,
    /// Legacy: message the file belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<Box<str>>,
    /// Legacy: user the file belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Box<str>>,
    /// Legacy: server the file belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_id: Option<Box<str>>,
    /// Id of the object the file is attached to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<Box<str>>,
}

impl File {
    /// A file with the fields the server always sends; the optional ones unset.
    pub fn new(
        id: FileId,
        tag: FileTag,
        filename: &str,
        metadata: Metadata,
        content_type: &str,
        size: i64,
    ) -> Self {
        Self {
            id,
            tag,
            filename: filename.into(),
            metadata,
            content_type: content_type.into(),
            size,
            deleted: None,
            reported: None,
            message_id: None,
            user_id: None,
            server_id: None,
            object_id: None,
        }
    }

    /// URL of the file server's preview (`{cdn}/{tag}/{id}`): WebP, avatars
    /// and icons at most 128 px, backgrounds at most 1280×720.
    pub fn url(&self, cdn_base: &str) -> String {
        let mut url = String::with_capacity(cdn_base.len() + 60);
        url.push_str(cdn_base.trim_end_matches('/'));
        url.push('/');
        push_path_segment(&mut url, self.tag.as_str());
        url.push('/');
        push_path_segment(&mut url, self.id.as_str());
        url
    }

    /// URL of the original upload (`{cdn}/{tag}/{id}/{filename}`).
    pub fn original_url(&self, cdn_base: &str) -> String {
        let mut url = self.url(cdn_base);
        url.push('/');
        push_path_segment(&mut url, &self.filename);
        url
    }

    /// Whether the server flagged the file as deleted.
    pub fn is_deleted(&self) -> bool {
        self.deleted == Some(true)
    }
}

/// What the file server learnt about a file, tagged by `type` on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Metadata {
    /// Any other file.
    #[default]
    File,
    /// Plain text.
    Text,
    /// An image.
    Image {
        /// Width in pixels.
        width: u64,
        /// Height in pixels.
        height: u64,
        /// ThumbHash placeholder bytes (the wire sends a number array or `null`).
        thumbhash: Option<Vec<u8>>,
        /// Whether the image is animated (`null` when unknown).
        animated: Option<bool>,
    },
    /// A video.
    Video {
        /// Width in pixels.
        width: u64,
        /// Height in pixels.
        height: u64,
    },
    /// Audio.
    Audio,
    /// A metadata type this crate does not know, with every field kept.
    Unknown {
        /// The `type` value.
        kind: Box<str>,
        /// The other fields, as sent.
        fields: Map<String, Value>,
    },
}

impl Metadata {
    /// The `type` tag on the wire.
    pub fn kind(&self) -> &str {
        match self {
            Self::File => "File",
            Self::Text => "Text",
            Self::Image { .. } => "Image",
            Self::Video { .. } => "Video",
            Self::Audio => "Audio",
            Self::Unknown { kind, .. } => kind,
        }
    }

    /// Width and height, for images and videos.
    pub fn dimensions(&self) -> Option<(u64, u64)> {
        match self {
            Self::Image { width, height, .. } | Self::Video { width, height } => Some((*width, *height)),
            _ => None,
        }
    }
}

impl Serialize for Metadata {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", self.kind())?;
        match self {
            Self::Image {
                width,
                height,
                thumbhash,
                animated,
            } => {
                map.serialize_entry("width", width)?;
                map.serialize_entry("height", height)?;
                // Both are always present on the wire, `null` when unknown.
                map.serialize_entry("thumbhash", thumbhash)?;
                map.serialize_entry("animated", animated)?;
            }
            Self::Video { width, height } => {
                map.serialize_entry("width", width)?;
                map.serialize_entry("height", height)?;
            }
            Self::Unknown { fields, .. } => {
                for (key, value) in fields {
                    map.serialize_entry(key, value)?;
                }
            }
            Self::File | Self::Text | Self::Audio => {}
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Metadata {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(MetadataVisitor)
    }
}

/// Reads the fields of every known variant in one pass (no buffering), and
/// keeps any other field so that unknown types survive a round trip.
struct MetadataVisitor;

impl<'de> Visitor<'de> for MetadataVisitor {
    type Value = Metadata;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("file metadata tagged by `type`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Metadata, A::Error> {
        let mut kind: Option<Box<str>> = None;
        let (mut width, mut height) = (None, None);
        let (mut thumbhash, mut animated) = (None, None);
        let mut extra = Map::new();
        while let Some(key) = map.next_key::<MetadataKey>()? {
            match key {
                MetadataKey::Type => kind = Some(map.next_value()?),
                MetadataKey::Width => width = Some(map.next_value::<Value>()?),
                MetadataKey::Height => height = Some(map.next_value::<Value>()?),
                MetadataKey::Thumbhash => thumbhash = Some(map.next_value::<Value>()?),
                MetadataKey::Animated => animated = Some(map.next_value::<Value>()?),
                MetadataKey::Other(key) => {
                    extra.insert(key, map.next_value()?);
                }
            }
        }
        let kind = kind.ok_or_else(|| de::Error::missing_field("type"))?;
        let size = |v: Option<Value>, name: &'static str| {
            v.as_ref()
                .and_then(Value::as_u64)
                .ok_or_else(|| de::Error::missing_field(name))
        };
        let opt = |v: Option<Value>| -> Result<Option<Value>, A::Error> { Ok(v.filter(|v| !v.is_null())) };
        Ok(match &*kind {
            "File" => Metadata::File,
            "Text" => Metadata::Text,
            "Audio" => Metadata::Audio,
            "Image" => Metadata::Image {
                width: size(width, "width")?,
                height: size(height, "height")?,
                thumbhash: opt(thumbhash)?
                    .map(serde_json::from_value)
                    .transpose()
                    .map_err(de::Error::custom)?,
                animated: opt(animated)?
                    .map(|v| {
                        v.as_bool()
                            .ok_or_else(|| de::Error::custom("`animated` must be a bool"))
                    })
                    .transpose()?,
            },
            "Video" => Metadata::Video {
                width: size(width, "width")?,
                height: size(height, "height")?,
            },
            _ => {
                for (name, value) in [
                    ("width", width),
                    ("height", height),
                    ("thumbhash", thumbhash),
                    ("animated", animated),
                ] {
                    if let Some(value) = value {
                        extra.insert(name.into(), value);
                    }
                }
                Metadata::Unknown { kind, fields: extra }
            }
        })
    }
}

/// A metadata key, read without allocating for the known ones.
enum MetadataKey {
    Type,
    Width,
    Height,
    Thumbhash,
    Animated,
    Other(String),
}

impl<'de> Deserialize<'de> for MetadataKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = MetadataKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a metadata key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<MetadataKey, E> {
                Ok(match key {
                    "type" => MetadataKey::Type,
                    "width" => MetadataKey::Width,
                    "height" => MetadataKey::Height,
                    "thumbhash" => MetadataKey::Thumbhash,
                    "animated" => MetadataKey::Animated,
                    other => MetadataKey::Other(other.to_owned()),
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn image_metadata_keeps_null_keys() {
        let raw = json!({"type":"Image","width":128,"height":64,"thumbhash":null,"animated":null});
        let m: Metadata = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(m.dimensions(), Some((128, 64)));
        assert_eq!(serde_json::to_value(&m).unwrap(), raw);
    }

    #[test]
    fn thumbhash_is_a_byte_array() {
        let raw = json!({"type":"Image","width":1,"height":1,"thumbhash":[1,2,255],"animated":false});
        let m: Metadata = serde_json::from_value(raw.clone()).unwrap();
        assert!(
            matches!(&m, Metadata::Image { thumbhash: Some(t), animated: Some(false), .. } if t == &[1, 2, 255])
        );
        assert_eq!(serde_json::to_value(&m).unwrap(), raw);
    }

    #[test]
    fn unknown_metadata_type_round_trips() {
        let raw = json!({"type":"Model3D","width":3,"vertices":9000});
        let m: Metadata = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(m.kind(), "Model3D");
        assert_eq!(serde_json::to_value(&m).unwrap(), raw);
    }

    #[test]
    fn missing_dimensions_are_an_error() {
        let err = serde_json::from_value::<Metadata>(json!({"type":"Video","width":3})).unwrap_err();
        assert!(err.to_string().contains("height"), "{err}");
    }

    #[test]
    fn urls_encode_the_file_name() {
        let file = File::new(
            "abc".into(),
            FileTag::Avatars,
            "my cat?.png",
            Metadata::File,
            "image/png",
            3,
        );
        assert_eq!(
            file.url("https://cdn.example/"),
            "https://cdn.example/avatars/abc"
        );
        assert_eq!(
            file.original_url("https://cdn.example"),
            "https://cdn.example/avatars/abc/my%20cat%3F.png"
        );
    }
}
