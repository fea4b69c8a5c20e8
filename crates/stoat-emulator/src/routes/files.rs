//! File uploads, as the file server (autumn) takes them: `POST {cdn}/{tag}`
//! with a multipart `file` field.

use stoat_model::error::ApiErrorKind;
use stoat_model::file::{FileId, FileTag, Metadata};
use stoat_model::request::UploadResponse;
use stoat_model::{File, UserId};

use crate::http::{Call, fail};
use crate::reply::Reply;
use crate::world::World;

/// A stored upload and whether it was used yet (each id can be used once).
#[derive(Clone, Debug)]
pub(crate) struct Upload {
    pub(crate) file: File,
    pub(crate) used: bool,
}

/// `POST /autumn/{tag}`.
///
/// Long on purpose (about 75 lines): it follows the file server's handler
/// step by step, so each error is raised where the server raises it.
pub(crate) fn upload(
    world: &mut World,
    call: &Call,
    tag: &str,
    content_type: Option<&str>,
) -> Result<Reply, Reply> {
    // The file server checks tokens itself and answers in Stoat JSON.
    let uploader: UserId = match call.caller {
        Some((id, _)) => id,
        None if call.sent_bot_token => return fail(ApiErrorKind::NotFound),
        None if call.sent_session_token => return fail(ApiErrorKind::InvalidSession),
        None => return fail(ApiErrorKind::NotAuthenticated),
    };
    let tag = FileTag::from_wire(tag);
    if tag.default_size_limit().is_none() {
        return Err(Reply::text(400, "Invalid tag"));
    }
    let boundary = content_type
        .and_then(|c| c.split("boundary=").nth(1))
        .map(|b| b.trim_matches('"').to_owned())
        .ok_or_else(|| Reply::text(400, "Invalid `boundary` for `multipart/form-data` request"))?;
    let part =
        file_part(&call.body, &boundary).ok_or_else(|| Reply::text(400, "Failed to parse multipart form"))?;
    if call.body.len() > world.limits.global.body_limit_size {
        return Err(Reply::text(
            413,
            "Failed to buffer the request body: length limit exceeded",
        ));
    }
    if part.bytes.is_empty() {
        return fail(ApiErrorKind::FileTooSmall);
    }
    // The uploader's limit for the tag; a configuration without one is
    // the server's own failure (it would panic), here an internal error.
    let limit = world
        .user_limits(uploader)
        .file_upload_size_limits
        .get(tag.as_str())
        .copied()
        .ok_or_else(|| Reply::error(ApiErrorKind::InternalError))?;
    if part.bytes.len() > limit {
        return fail(ApiErrorKind::FileTooLarge {
            max: u64::try_from(limit).unwrap_or(u64::MAX),
        });
    }
    let image = image_kind(part.bytes);
    if tag != FileTag::Attachments && image.is_none() {
        return fail(ApiErrorKind::FileTypeNotAllowed);
    }
    let id = FileId::new(world.new_file_id());
    let (content_type, metadata) = match image {
        Some(mime) => (
            mime,
            Metadata::Image {
                width: 1,
                height: 1,
                thumbhash: None,
                animated: Some(mime == "image/gif"),
            },
        ),
        None => (
            part.content_type.unwrap_or("application/octet-stream"),
            Metadata::File,
        ),
    };
    let size = i64::try_from(part.bytes.len()).unwrap_or(i64::MAX);
    let file = File::new(
        id.clone(),
        tag,
        part.filename.unwrap_or("unnamed-file"),
        metadata,
        content_type,
        size,
    );
    world.files.insert(id.clone(), Upload { file, used: false });
    Ok(Reply::json(&UploadResponse { id }))
}

/// Takes an unused upload of `tag` for use (`NotFound` otherwise, as the server says).
pub(crate) fn use_file(world: &mut World, id: &FileId, tag: &FileTag) -> Result<File, Reply> {
    match world.files.get_mut(id) {
        Some(upload) if !upload.used && upload.file.tag == *tag => {
            upload.used = true;
            Ok(upload.file.clone())
        }
        _ => fail(ApiErrorKind::NotFound),
    }
}

/// The `file` part of a multipart body.
struct Part<'a> {
    bytes: &'a [u8],
    filename: Option<&'a str>,
    content_type: Option<&'a str>,
}

fn file_part<'a>(body: &'a [u8], boundary: &str) -> Option<Part<'a>> {
    let delimiter = format!("--{boundary}");
    let mut rest = body;
    loop {
        let start = find(rest, delimiter.as_bytes())? + delimiter.len();
        rest = &rest[start..];
        if rest.starts_with(b"--") {
            return None;
        }
        let headers_end = find(rest, b"\r\n\r\n")?;
        let headers = std::str::from_utf8(&rest[..headers_end]).ok()?;
        let content = &rest[headers_end + 4..];
        let end = find(content, format!("\r\n{delimiter}").as_bytes())?;
        let disposition = headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
            .unwrap_or_default();
        let field = |name: &str| {
            disposition
                .split(';')
                .map(str::trim)
                .find_map(|p| p.strip_prefix(name))
                .map(|v| v.trim_matches('"'))
        };
        if field("name=") == Some("file") {
            let content_type = headers.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .starts_with("content-type:")
                    .then(|| l[13..].trim())
            });
            return Some(Part {
                bytes: &content[..end],
                filename: field("filename="),
                content_type,
            });
        }
        rest = &content[end..];
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The image type by magic bytes, as the file server sniffs it.
fn image_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF8") {
        Some("image/gif")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

impl World {
    /// A 42-character nanoid, as the file server issues.
    pub(crate) fn new_file_id(&mut self) -> String {
        let token = self.new_token();
        token[..42].to_owned()
    }
}
