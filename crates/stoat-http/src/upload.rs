//! Files for the file server: what a caller can hand over (bytes, a path,
//! or the id of an earlier upload) and the multipart body they travel in.

use std::path::PathBuf;

use bytes::{BufMut, Bytes, BytesMut};
use stoat_model::FileId;

use crate::request::Body;
use crate::{Error, ErrorKind};

/// A file to use as an avatar, background or attachment, as stoat.py's
/// `ResolvableResource`: bytes or a path are uploaded first (with the tag
/// their use needs), an id of an earlier upload is used as is.
///
/// ```
/// use stoat_http::Resource;
///
/// let from_bytes = Resource::bytes(vec![0x89, b'P', b'N', b'G'], "avatar.png");
/// let from_path = Resource::path("background.webp");
/// # let _ = (from_bytes, from_path);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    source: Source,
    content_type: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Source {
    Uploaded(FileId),
    Bytes { data: Bytes, filename: String },
    Path(PathBuf),
}

impl Resource {
    /// A file uploaded before (its id can be used once).
    pub fn uploaded(id: FileId) -> Self {
        Self {
            source: Source::Uploaded(id),
            content_type: None,
        }
    }

    /// Bytes, uploaded under `filename`.
    pub fn bytes(data: impl Into<Bytes>, filename: impl Into<String>) -> Self {
        Self {
            source: Source::Bytes {
                data: data.into(),
                filename: filename.into(),
            },
            content_type: None,
        }
    }

    /// A file on disk, read when the request is sent and uploaded under its
    /// file name.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        Self {
            source: Source::Path(path.into()),
            content_type: None,
        }
    }

    /// The part's `Content-Type` (default `application/octet-stream`; the
    /// file server looks at the bytes either way).
    #[must_use]
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The id, if this is an earlier upload.
    pub fn as_uploaded(&self) -> Option<&FileId> {
        match &self.source {
            Source::Uploaded(id) => Some(id),
            _ => None,
        }
    }

    /// Reads a path's bytes (without blocking the runtime); other sources
    /// are returned as they are.
    pub(crate) async fn load(self) -> Result<Self, Error> {
        let Source::Path(path) = &self.source else {
            return Ok(self);
        };
        let data = tokio::fs::read(path)
            .await
            .map_err(|e| Error::with_source(ErrorKind::Io, e))?;
        Ok(Self {
            source: Source::Bytes {
                data: data.into(),
                filename: file_name(path),
            },
            content_type: self.content_type,
        })
    }

    /// The multipart body of an upload. A path is read here, blocking: the
    /// builders read it with [`Resource::load`] first.
    pub(crate) fn multipart(&self) -> Result<Body, Error> {
        let (data, filename) = match &self.source {
            Source::Uploaded(_) => return Err(Error::new(ErrorKind::UploadRequired)),
            Source::Bytes { data, filename } => (data.clone(), filename.clone()),
            Source::Path(path) => {
                let data = std::fs::read(path).map_err(|e| Error::with_source(ErrorKind::Io, e))?;
                (Bytes::from(data), file_name(path))
            }
        };
        let content_type = self.content_type.as_deref().unwrap_or("application/octet-stream");
        Ok(multipart(&data, &filename, content_type))
    }
}

impl From<FileId> for Resource {
    fn from(id: FileId) -> Self {
        Self::uploaded(id)
    }
}

impl From<PathBuf> for Resource {
    fn from(path: PathBuf) -> Self {
        Self::path(path)
    }
}

impl From<&std::path::Path> for Resource {
    fn from(path: &std::path::Path) -> Self {
        Self::path(path)
    }
}

impl From<Vec<u8>> for Resource {
    fn from(data: Vec<u8>) -> Self {
        Self::bytes(data, "unnamed-file")
    }
}

impl From<Bytes> for Resource {
    fn from(data: Bytes) -> Self {
        Self::bytes(data, "unnamed-file")
    }
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map_or_else(|| "unnamed-file".to_owned(), |n| n.to_string_lossy().into_owned())
}

/// One `file` field in a `multipart/form-data` document. The boundary is
/// random and checked against the data; the file name is escaped as
/// browsers do (`"`, CR and LF percent-encoded), so no name can break out of
/// its header.
fn multipart(data: &[u8], filename: &str, content_type: &str) -> Body {
    let boundary = loop {
        let candidate = format!(
            "stoat-rs-{:016x}{:016x}",
            stoat_model::backoff::random(),
            stoat_model::backoff::random()
        );
        if !contains(data, candidate.as_bytes()) {
            break candidate;
        }
    };
    let filename = filename
        .replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    let content_type: String = content_type.chars().filter(|c| !c.is_control()).collect();
    let mut bytes = BytesMut::with_capacity(data.len() + 256);
    bytes.put_slice(format!("--{boundary}\r\n").as_bytes());
    bytes.put_slice(
        format!("Content-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n").as_bytes(),
    );
    bytes.put_slice(format!("Content-Type: {content_type}\r\n\r\n").as_bytes());
    bytes.put_slice(data);
    bytes.put_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Body::Multipart {
        boundary,
        bytes: bytes.freeze(),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_file_name_stays_in_its_header() {
        let Body::Multipart { boundary, bytes } = multipart(b"data", "a\"\r\nX: y.png", "image/png") else {
            panic!("not multipart");
        };
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(text.contains("filename=\"a%22%0D%0AX: y.png\""));
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.ends_with(&format!("\r\n--{boundary}--\r\n")));
        assert_eq!(text.matches("\r\n").count(), 6);
    }

    #[test]
    fn the_boundary_never_occurs_in_the_data() {
        let Body::Multipart { boundary, bytes } = multipart(b"stoat-rs-", "f", "text/plain") else {
            panic!("not multipart");
        };
        let data_at = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        assert!(!contains(&bytes[data_at..data_at + 9], boundary.as_bytes()));
    }
}
