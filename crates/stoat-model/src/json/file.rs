//! Files (avatars, backgrounds): their common shape read from the bytes,
//! anything else through serde.

use super::{Reader, Seen, array, boolean, integer, object, optional, serde_value};
use crate::file::{File, FileId, FileTag, Metadata};

/// A file: the common shape is read here, anything else through serde.
pub(super) fn file(r: &mut Reader<'_>) -> Option<Box<File>> {
    r.peek()?;
    let (start, depth) = (r.json.at, r.depth);
    if let Some(file) = file_fast(r) {
        return Some(Box::new(file));
    }
    (r.json.at, r.depth) = (start, depth);
    serde_value(r).map(Box::new)
}

pub(super) fn file_fast(r: &mut Reader<'_>) -> Option<File> {
    let (mut id_, mut tag, mut filename, mut metadata, mut content_type, mut size) =
        (None, None, None, None, None, None);
    let mut file = File::new(FileId::new(""), FileTag::Attachments, "", Metadata::File, "", 0);
    let mut seen = Seen(0);
    object(r, |key, r| {
        match key {
            "_id" => once!(seen, 1, id_ = Some(FileId::new(r.plain()?))),
            "tag" => once!(seen, 1 << 1, tag = Some(FileTag::from_wire(r.plain()?))),
            "filename" => once!(seen, 1 << 2, filename = Some(r.plain()?)),
            "metadata" => once!(seen, 1 << 3, metadata = Some(metadata_fast(r)?)),
            "content_type" => once!(seen, 1 << 4, content_type = Some(r.plain()?)),
            "size" => once!(seen, 1 << 5, size = Some(integer(r)?)),
            "deleted" => once!(seen, 1 << 6, file.deleted = optional(r, boolean)?),
            "reported" => once!(seen, 1 << 7, file.reported = optional(r, boolean)?),
            // Legacy and rare keys go to serde.
            _ => return None,
        }
        Some(())
    })?;
    file.id = id_?;
    file.tag = tag?;
    file.filename = filename?.into();
    file.metadata = metadata?;
    file.content_type = content_type?.into();
    file.size = size?;
    Some(file)
}

/// Image and video metadata with `type` first, as the server writes it.
fn metadata_fast(r: &mut Reader<'_>) -> Option<Metadata> {
    let mut kind = None;
    let (mut width, mut height, mut thumbhash, mut animated) = (None, None, None, None);
    object(r, |key, r| {
        match key {
            "type" if kind.is_none() => kind = Some(r.plain()?),
            "width" if width.is_none() => width = Some(u64::try_from(integer(r)?).ok()?),
            "height" if height.is_none() => height = Some(u64::try_from(integer(r)?).ok()?),
            "thumbhash" if thumbhash.is_none() => thumbhash = Some(optional(r, bytes)?),
            "animated" if animated.is_none() => animated = Some(optional(r, boolean)?),
            _ => return None,
        }
        Some(())
    })?;
    let plain = width.is_none() && height.is_none() && thumbhash.is_none() && animated.is_none();
    Some(match kind? {
        "File" if plain => Metadata::File,
        "Text" if plain => Metadata::Text,
        "Audio" if plain => Metadata::Audio,
        "Image" => Metadata::Image {
            width: width?,
            height: height?,
            thumbhash: thumbhash.flatten(),
            animated: animated.flatten(),
        },
        "Video" if thumbhash.is_none() && animated.is_none() => Metadata::Video {
            width: width?,
            height: height?,
        },
        // Unknown kinds keep their fields: serde's job.
        _ => return None,
    })
}

/// An array of byte values.
fn bytes(r: &mut Reader<'_>) -> Option<Vec<u8>> {
    array(r, |r| u8::try_from(integer(r)?).ok())
}
