//! The byte form of a cached user's parts: each a tag, a varint length and
//! the content.
//!
//! ```text
//! [tag: u8] [length: varint] [content]  [tag] [length] [content]  …
//! ```
//!
//! Parts come in any order and each at most once, so changing one is
//! removing it and appending the new one: nothing else is re-encoded.

use std::ops::Range;

use stoat_model::file::{FileId, FileTag, Metadata};
use stoat_model::{File, Relationship, RelationshipStatus, User, UserId};

use super::{RELATIONS, UNKNOWN, relation_code};

/// The parts a user may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Part {
    Username,
    DisplayName,
    StatusText,
    Pronouns,
    /// `u32` little endian.
    Badges,
    /// 16 bytes, little endian.
    Bot,
    /// An image avatar, see [`write_avatar`].
    Avatar,
    /// Any other avatar (legacy fields, not an image): the `File` as JSON.
    OddAvatar,
    /// `u32` little endian.
    Flags,
    /// Your own relations, see [`relations`].
    Relations,
    /// The text of a relationship this version does not know.
    UnknownRelationship,
    /// The text of a presence this version does not know.
    UnknownPresence,
}

/// About the bytes `user` takes, to allocate once (tags, lengths and the
/// small fixed parts take under 40 bytes).
pub(super) fn size(user: &User) -> usize {
    let texts = [
        user.display_name.as_deref(),
        user.status.as_ref().and_then(|s| s.text.as_deref()),
        user.pronouns.as_deref(),
    ];
    40 + user.username.len()
        + texts.iter().flatten().map(|t| t.len()).sum::<usize>()
        + user.avatar.as_deref().map_or(0, avatar_len)
}

/// Each part's tag and content range, in the order they are written.
fn parts(data: &[u8]) -> impl Iterator<Item = (u8, Range<usize>)> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let tag = *data.get(at)?;
        let (len, width) = varint(&data[at + 1..]);
        let start = at + 1 + width;
        at = start + usize::try_from(len).unwrap_or(usize::MAX);
        Some((tag, start..at))
    })
}

/// The content range of `part` in `data`, if it is there.
pub(super) fn find(data: &[u8], part: Part) -> Option<Range<usize>> {
    parts(data).find_map(|(tag, range)| (tag == part as u8).then_some(range))
}

/// Whether `a` and `b` hold the same parts, in whatever order.
pub(super) fn same(a: &[u8], b: &[u8]) -> bool {
    // Each tag is there at most once: with the lengths equal, every part
    // of `a` found in `b` leaves no room in `b` for another.
    a.len() == b.len()
        && parts(a)
            .all(|(tag, range)| parts(b).any(|(other, found)| other == tag && b[found] == a[range.clone()]))
}

/// The content of `part`.
pub(super) fn part(data: &[u8], part: Part) -> Option<&[u8]> {
    find(data, part).map(|range| &data[range])
}

/// A text part (written from a `&str`, so always UTF-8).
pub(super) fn text(data: &[u8], part: Part) -> Option<&str> {
    self::part(data, part).map(utf8)
}

/// Text the byte form holds: always written from a `&str`.
fn utf8(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("text is written from str")
}

/// Appends `part`, its `len` bytes of content written by `write`.
pub(super) fn push(data: &mut Vec<u8>, part: Part, len: usize, write: impl FnOnce(&mut Vec<u8>)) {
    data.reserve(1 + varint_width(len as u64) + len);
    data.push(part as u8);
    push_varint(data, len as u64);
    let start = data.len();
    write(data);
    assert_eq!(
        data.len() - start,
        len,
        "a part's length is known before it is written"
    );
}

/// Appends `part` with `content`.
pub(super) fn push_bytes(data: &mut Vec<u8>, part: Part, content: &[u8]) {
    push(data, part, content.len(), |out| out.extend_from_slice(content));
}

/// `data` with `part` (found at `content`) replaced, or removed with
/// `None`: a new byte string, allocated once, so that the old one can be
/// kept as it was.
pub(super) fn replaced(
    data: &[u8],
    part: Part,
    content: Option<Range<usize>>,
    len: usize,
    write: Option<impl FnOnce(&mut Vec<u8>)>,
) -> Box<[u8]> {
    // The old part goes with its tag and length prefix.
    let old = content.map(|range| range.start - 1 - varint_width(range.len() as u64)..range.end);
    let kept = data.len() - old.as_ref().map_or(0, Range::len);
    let added = write.as_ref().map_or(0, |_| 1 + varint_width(len as u64) + len);
    let mut bytes = Vec::with_capacity(kept + added);
    match old {
        Some(old) => {
            bytes.extend_from_slice(&data[..old.start]);
            bytes.extend_from_slice(&data[old.end..]);
        }
        None => bytes.extend_from_slice(data),
    }
    if let Some(write) = write {
        push(&mut bytes, part, len, write);
    }
    bytes.into_boxed_slice()
}

/// Bytes of any length (a text): their varint length, then them.
fn push_sized(out: &mut Vec<u8>, bytes: &[u8]) {
    push_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

pub(super) fn push_varint(out: &mut Vec<u8>, value: u64) {
    match u8::try_from(value) {
        // One byte: most lengths.
        Ok(byte) if byte < 0x80 => out.push(byte),
        _ => {
            let (bytes, width) = varint_bytes(value);
            out.extend_from_slice(&bytes[..width]);
        }
    }
}

/// LEB128: seven bits a byte, low first, the high bit set on all but the last.
#[allow(clippy::cast_possible_truncation, reason = "seven bits at a time")]
fn varint_bytes(mut value: u64) -> ([u8; 10], usize) {
    let mut bytes = [0; 10];
    let mut width = 0;
    while value >= 0x80 {
        bytes[width] = (value as u8) | 0x80;
        value >>= 7;
        width += 1;
    }
    bytes[width] = value as u8;
    (bytes, width + 1)
}

fn varint_width(value: u64) -> usize {
    (64 - value.leading_zeros() as usize).max(1).div_ceil(7)
}

/// A varint and how many bytes it took.
pub(super) fn varint(bytes: &[u8]) -> (u64, usize) {
    // One byte: most lengths, read on every part skipped.
    if let Some(&byte) = bytes.first()
        && byte < 0x80
    {
        return (u64::from(byte), 1);
    }
    let mut value = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        value |= u64::from(byte & 0x7F) << (7 * i);
        if byte < 0x80 {
            return (value, i + 1);
        }
    }
    (value, bytes.len())
}

/// Reads varints and sized bytes in order.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn varint(&mut self) -> u64 {
        let (value, width) = varint(self.0);
        self.0 = &self.0[width..];
        value
    }

    /// What [`push_sized`] wrote (a text is checked as UTF-8 only when
    /// read as text, not to compare).
    fn sized(&mut self) -> &'a [u8] {
        let len = usize::try_from(self.varint()).unwrap_or(usize::MAX);
        let (text, rest) = self.0.split_at(len);
        self.0 = rest;
        text
    }
}

/// An id as 16 bytes, little endian (a bot's owner, a relation).
pub(super) fn id_bytes(id: UserId) -> [u8; 16] {
    id.get().to_le_bytes()
}

pub(super) fn read_id(bytes: &[u8]) -> UserId {
    UserId::from_u128(u128::from_le_bytes(bytes.try_into().unwrap_or_default()))
}

/// A `u32` part (badges, flags), 0 when absent.
pub(super) fn bits(data: &[u8], part: Part) -> u32 {
    self::part(data, part).map_or(0, |bits| {
        u32::from_le_bytes(bits.try_into().expect("u32 parts are 4 bytes"))
    })
}

/// Appends an avatar: an image one in the byte form, any other as JSON.
pub(super) fn push_avatar(data: &mut Vec<u8>, file: &File) {
    if plain_avatar(file) {
        push(data, Part::Avatar, avatar_len(file), |out| {
            write_avatar(out, file);
        });
    } else {
        push_bytes(data, Part::OddAvatar, &odd_avatar(file));
    }
}

/// An avatar the byte form does not cover, as JSON.
pub(super) fn odd_avatar(file: &File) -> Vec<u8> {
    serde_json::to_vec(file).expect("a File serializes")
}

/// The avatar, from whichever part holds it.
pub(super) fn avatar(data: &[u8]) -> Option<File> {
    if let Some(bytes) = part(data, Part::Avatar) {
        return Some(read_avatar(bytes));
    }
    // Every file the server sends reads back from its JSON; one built by
    // hand that does not (an unknown metadata kind named like a known one)
    // reads as none rather than failing every read of the user.
    part(data, Part::OddAvatar).and_then(|json| serde_json::from_slice(json).ok())
}

/// Relations: for each, the id (16 bytes, little endian), the status
/// code, and for a status with no code its text (varint length first).
pub(super) fn relations(relations: &[Relationship]) -> Vec<u8> {
    let mut out = Vec::with_capacity(relations.len() * 17);
    for relation in relations {
        out.extend_from_slice(&id_bytes(relation.id));
        let code = relation_code(&relation.status);
        out.push(code);
        if code == UNKNOWN {
            push_sized(&mut out, relation.status.as_str().as_bytes());
        }
    }
    out
}

/// The relations [`relations`] wrote.
pub(super) fn read_relations(bytes: &[u8]) -> Vec<Relationship> {
    let mut r = Reader(bytes);
    let mut out = Vec::with_capacity(bytes.len() / 17);
    while let Some((id, rest)) = r.0.split_first_chunk::<16>() {
        let (&code, rest) = rest.split_first().expect("a relation has a status code");
        r.0 = rest;
        let status = match RELATIONS.get(usize::from(code)) {
            Some(known) => known.clone(),
            None => RelationshipStatus::Unknown(utf8(r.sized()).into()),
        };
        out.push(Relationship {
            id: read_id(id),
            status,
        });
    }
    out
}

/// Whether the byte form can hold `file`: an image avatar with no optional
/// file field set (every avatar the server sends today).
pub(super) fn plain_avatar(file: &File) -> bool {
    file.tag == FileTag::Avatars
        && matches!(file.metadata, Metadata::Image { .. })
        && file.deleted.is_none()
        && file.reported.is_none()
        && file.message_id.is_none()
        && file.user_id.is_none()
        && file.server_id.is_none()
        && file.object_id.is_none()
}

/// A plain avatar's fields, borrowed from a `File` or from the bytes
/// [`Avatar::write`] wrote: the one place that knows the byte layout.
#[derive(PartialEq)]
struct Avatar<'a> {
    id: &'a [u8],
    filename: &'a [u8],
    content_type: &'a [u8],
    size: i64,
    width: u64,
    height: u64,
    thumbhash: Option<&'a [u8]>,
    animated: Option<bool>,
}

impl<'a> Avatar<'a> {
    /// The fields of an image file (`None` for other metadata).
    fn of(file: &'a File) -> Option<Self> {
        let Metadata::Image {
            width,
            height,
            thumbhash,
            animated,
        } = &file.metadata
        else {
            return None;
        };
        Some(Self {
            id: file.id.as_str().as_bytes(),
            filename: file.filename.as_bytes(),
            content_type: file.content_type.as_bytes(),
            size: file.size,
            width: *width,
            height: *height,
            thumbhash: thumbhash.as_deref(),
            animated: *animated,
        })
    }

    /// A byte for `animated` and whether a thumbhash follows, the id, the
    /// file name, the content type, then the size (zigzag), width and
    /// height as varints, then the thumbhash to the end.
    fn write(&self, out: &mut Vec<u8>) {
        let animated = match self.animated {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        };
        out.push(animated | u8::from(self.thumbhash.is_some()) << 2);
        for text in [self.id, self.filename, self.content_type] {
            push_sized(out, text);
        }
        push_varint(out, zigzag(self.size));
        push_varint(out, self.width);
        push_varint(out, self.height);
        out.extend_from_slice(self.thumbhash.unwrap_or_default());
    }

    /// The size of what [`write`](Self::write) writes.
    fn len(&self) -> usize {
        let bytes = |text: &[u8]| varint_width(text.len() as u64) + text.len();
        1 + bytes(self.id)
            + bytes(self.filename)
            + bytes(self.content_type)
            + varint_width(zigzag(self.size))
            + varint_width(self.width)
            + varint_width(self.height)
            + self.thumbhash.map_or(0, <[u8]>::len)
    }

    fn read(bytes: &'a [u8]) -> Self {
        let (&meta, rest) = bytes.split_first().expect("an avatar starts with its meta byte");
        let mut r = Reader(rest);
        let (id, filename, content_type) = (r.sized(), r.sized(), r.sized());
        Self {
            id,
            filename,
            content_type,
            size: unzigzag(r.varint()),
            width: r.varint(),
            height: r.varint(),
            thumbhash: (meta & 4 != 0).then_some(r.0),
            animated: match meta & 3 {
                0 => None,
                1 => Some(false),
                _ => Some(true),
            },
        }
    }
}

/// A signed size as an unsigned varint, small either side of zero.
fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)).cast_unsigned()
}

fn unzigzag(value: u64) -> i64 {
    (value >> 1).cast_signed() ^ -(value & 1).cast_signed()
}

/// The size of what [`write_avatar`] writes (0 for a file that is not an
/// image).
pub(super) fn avatar_len(file: &File) -> usize {
    Avatar::of(file).map_or(0, |avatar| avatar.len())
}

/// Writes a plain avatar (see [`plain_avatar`]).
pub(super) fn write_avatar(out: &mut Vec<u8>, file: &File) {
    Avatar::of(file)
        .expect("only plain avatars are written")
        .write(out);
}

/// The avatar [`write_avatar`] wrote.
pub(super) fn read_avatar(bytes: &[u8]) -> File {
    let avatar = Avatar::read(bytes);
    let metadata = Metadata::Image {
        width: avatar.width,
        height: avatar.height,
        thumbhash: avatar.thumbhash.map(<[u8]>::to_vec),
        animated: avatar.animated,
    };
    File::new(
        FileId::new(utf8(avatar.id)),
        FileTag::Avatars,
        utf8(avatar.filename),
        metadata,
        utf8(avatar.content_type),
        avatar.size,
    )
}

/// Whether `bytes` hold `file` (a plain avatar), compared in place.
pub(super) fn avatar_is(bytes: &[u8], file: &File) -> bool {
    Avatar::of(file).is_some_and(|avatar| Avatar::read(bytes) == avatar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_with_their_width() {
        for value in [0, 1, 127, 128, 300, 16_383, 16_384, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            push_varint(&mut out, value);
            assert_eq!(varint(&out), (value, out.len()));
            assert_eq!(varint_width(value), out.len(), "{value}");
        }
    }

    #[test]
    fn parts_are_replaced_and_removed_alone() {
        let long = "x".repeat(200);
        let set = |data: &[u8], part, content: &[u8]| {
            let write = |o: &mut Vec<u8>| o.extend(content);
            replaced(data, part, find(data, part), content.len(), Some(write))
        };
        let data = set(&[], Part::Username, b"bob");
        let data = set(&data, Part::StatusText, long.as_bytes());
        let data = set(&data, Part::DisplayName, b"Bob");
        assert_eq!(text(&data, Part::StatusText), Some(long.as_str()));
        let old = data;
        let found = find(&old, Part::StatusText);
        let data = replaced(&old, Part::StatusText, found, 0, None::<fn(&mut Vec<u8>)>);
        assert_eq!(text(&data, Part::StatusText), None);
        assert_eq!(
            text(&old, Part::StatusText),
            Some(long.as_str()),
            "the old bytes are kept"
        );
        assert_eq!(text(&data, Part::Username), Some("bob"));
        assert_eq!(text(&data, Part::DisplayName), Some("Bob"));
        assert_eq!(data.len(), 2 * 5, "nothing of the long part is left");
    }

    #[test]
    fn relations_round_trip() {
        let relations = [
            RelationshipStatus::Friend,
            RelationshipStatus::Unknown("Soulmate".into()),
        ]
        .into_iter()
        .zip(1..)
        .map(|(status, n)| Relationship {
            id: UserId::from_u128(u128::MAX / n),
            status,
        })
        .collect::<Vec<_>>();
        assert_eq!(read_relations(&self::relations(&relations)), relations);
        assert_eq!(
            self::relations(&relations[..1]).len(),
            17,
            "a known status takes one byte"
        );
    }

    #[test]
    fn an_avatar_round_trips() {
        for (size, thumbhash, animated) in [(48_213, None, Some(false)), (-1, Some(vec![1, 2, 3]), None)] {
            let metadata = Metadata::Image {
                width: 1 << 40,
                height: 3,
                thumbhash,
                animated,
            };
            let file = File::new(
                "abc".into(),
                FileTag::Avatars,
                "a.png",
                metadata,
                "image/png",
                size,
            );
            assert!(plain_avatar(&file));
            let mut out = Vec::new();
            write_avatar(&mut out, &file);
            assert_eq!(out.len(), avatar_len(&file));
            assert_eq!(read_avatar(&out), file);
            assert!(avatar_is(&out, &file));
            let mut other = file.clone();
            other.size += 1;
            assert!(!avatar_is(&out, &other));
        }
    }
}
