//! Reading a frame's `type` tag, and the items of a `Bulk`, without parsing
//! the frame.
//!
//! The scanners only skip over values; full validation is left to the real
//! decode that follows. Both are iterative (no recursion), refuse nesting
//! deeper than [`MAX_DEPTH`], and never read past the input.

use std::borrow::Cow;

/// Deepest nesting of arrays and objects a frame may have: `serde_json`'s
/// limit (it refuses the 128th level).
pub(crate) const MAX_DEPTH: usize = 127;

/// Why a frame could not be scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanError {
    /// The frame is not an object (map).
    NotAnObject,
    /// The frame ends in the middle of a value.
    Truncated,
    /// A byte that cannot start a value here.
    Unexpected,
    /// Nested deeper than serde_json's limit (127 levels).
    TooDeep,
    /// `type` is missing or not a string.
    NoTag,
    /// A `Bulk` whose `v` is missing, given twice, or not an array.
    BadBulk,
    /// A JSON frame that is not UTF-8.
    NotUtf8,
}

type Scan<T> = Result<T, ScanError>;

// ---------------------------------------------------------------- JSON --

/// A cursor over JSON bytes that skips values without building them.
pub(crate) struct Json<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) at: usize,
}

impl<'a> Json<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    /// The next byte that is not white space, without consuming it.
    #[inline]
    pub(crate) fn peek(&mut self) -> Scan<u8> {
        while let Some(&b) = self.bytes.get(self.at) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return Ok(b);
            }
            self.at += 1;
        }
        Err(ScanError::Truncated)
    }

    #[inline]
    pub(crate) fn expect(&mut self, byte: u8) -> Scan<()> {
        if self.peek()? == byte {
            self.at += 1;
            Ok(())
        } else {
            Err(ScanError::Unexpected)
        }
    }

    /// Reads a string; borrowed unless it has escapes.
    fn string(&mut self) -> Scan<Cow<'a, str>> {
        if let Some((start, end)) = self.plain_range() {
            return std::str::from_utf8(&self.bytes[start..end])
                .map(Cow::Borrowed)
                .map_err(|_| ScanError::Unexpected);
        }
        self.expect(b'"')?;
        let start = self.at;
        let mut escaped = false;
        loop {
            match self.bytes.get(self.at) {
                None => return Err(ScanError::Truncated),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    self.at += 2;
                }
                Some(_) => self.at += 1,
            }
        }
        let raw = self.bytes.get(start..self.at).ok_or(ScanError::Truncated)?;
        self.at += 1;
        if escaped {
            let quoted = self.bytes.get(start - 1..self.at).ok_or(ScanError::Truncated)?;
            serde_json::from_slice::<String>(quoted)
                .map(Cow::Owned)
                .map_err(|_| ScanError::Unexpected)
        } else {
            std::str::from_utf8(raw)
                .map(Cow::Borrowed)
                .map_err(|_| ScanError::Unexpected)
        }
    }

    /// Where a string's contents start and end, if it has no escapes and no
    /// control characters (the common case, which needs no decoding);
    /// `None` leaves the cursor where it was.
    #[inline]
    pub(crate) fn plain_range(&mut self) -> Option<(usize, usize)> {
        if self.peek().ok()? != b'"' {
            return None;
        }
        let start = self.at + 1;
        let len = special_byte(self.bytes.get(start..)?)?;
        if self.bytes[start + len] != b'"' {
            return None;
        }
        self.at = start + len + 1;
        Some((start, start + len))
    }

    /// Skips one value of any kind.
    pub(crate) fn skip_value(&mut self) -> Scan<()> {
        self.skip_value_within(MAX_DEPTH)
    }

    /// Skips one value nested at most `max_depth` arrays and objects deep.
    pub(crate) fn skip_value_within(&mut self, max_depth: usize) -> Scan<()> {
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => {
                    self.string()?;
                }
                b'{' | b'[' => {
                    depth += 1;
                    if depth > max_depth {
                        return Err(ScanError::TooDeep);
                    }
                    self.at += 1;
                    continue;
                }
                b'}' | b']' => {
                    depth = depth.checked_sub(1).ok_or(ScanError::Unexpected)?;
                    self.at += 1;
                }
                b',' | b':' if depth > 0 => {
                    self.at += 1;
                    continue;
                }
                b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                    while self
                        .bytes
                        .get(self.at)
                        .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.'))
                    {
                        self.at += 1;
                    }
                }
                _ => return Err(ScanError::Unexpected),
            }
            if depth == 0 {
                return Ok(());
            }
        }
    }

    /// The byte ranges of an array's items.
    fn array_items(&mut self) -> Scan<Vec<&'a [u8]>> {
        if self.peek()? != b'[' {
            return Err(ScanError::BadBulk);
        }
        self.at += 1;
        let mut items = Vec::new();
        while self.peek()? != b']' {
            let start = self.at;
            self.skip_value()?;
            items.push(&self.bytes[start..self.at]);
            if self.peek()? == b',' {
                self.at += 1;
            }
        }
        self.at += 1;
        Ok(items)
    }

    /// Walks the top-level object, calling `visit` with each key; `visit`
    /// either consumes the value and returns `Some`, or returns `None` to
    /// have it skipped.
    fn find<T>(&mut self, mut visit: impl FnMut(&[u8], &mut Self) -> Scan<Option<T>>) -> Scan<Option<T>> {
        if self.peek()? != b'{' {
            return Err(ScanError::NotAnObject);
        }
        self.at += 1;
        if self.peek()? == b'}' {
            return Ok(None);
        }
        loop {
            // Keys are compared as bytes: no UTF-8 check on the hot path.
            let key = match self.plain_range() {
                Some((start, end)) => Cow::Borrowed(&self.bytes[start..end]),
                None => Cow::Owned(self.string()?.into_owned().into_bytes()),
            };
            self.expect(b':')?;
            if let Some(found) = visit(&key, self)? {
                return Ok(Some(found));
            }
            self.skip_value()?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => return Ok(None),
                _ => return Err(ScanError::Unexpected),
            }
        }
    }
}

/// Offset of the first quote, backslash or control byte, eight bytes at a time.
#[inline]
pub(crate) fn special_byte(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // A byte of `x` is zero exactly where this sets its high bit (the classic
    // "has zero byte" test). Wrong bits appear only above a true hit, so the
    // lowest bit set marks the first special byte of the word.
    let zero_in = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let mut offset = 0;
    while let Some(chunk) = bytes.get(offset..offset + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let hits = zero_in(word ^ (ONES * u64::from(b'"')))
            | zero_in(word ^ (ONES * u64::from(b'\\')))
            | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS);
        if hits != 0 {
            return Some(offset + (hits.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    bytes[offset..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| offset + i)
}

/// The top-level `type` of a JSON frame.
#[inline]
pub(crate) fn json_tag(bytes: &[u8]) -> Scan<Cow<'_, str>> {
    // The server always writes the tag first and compactly: read it in one
    // step, and walk the object only for other shapes.
    const PREFIX: &[u8] = br#"{"type":""#;
    if let Some(rest) = bytes.strip_prefix(PREFIX)
        && let Some(end) = special_byte(rest)
        && rest[end] == b'"'
    {
        return std::str::from_utf8(&rest[..end])
            .map(Cow::Borrowed)
            .map_err(|_| ScanError::Unexpected);
    }
    let mut json = Json { bytes, at: 0 };
    json.find(|key, json| {
        if key == b"type" {
            if json.peek()? == b'"' {
                json.string().map(Some)
            } else {
                Err(ScanError::NoTag)
            }
        } else {
            Ok(None)
        }
    })?
    .ok_or(ScanError::NoTag)
}

/// The byte ranges of the items of a JSON `Bulk` frame's `v` array.
///
/// Unlike the tag, this checks the whole frame: its items are then decoded
/// one by one, so a frame that serde would refuse as a whole (malformed
/// anywhere, bytes after it, too deep, `v` missing or given twice) must be
/// refused here. Bulk frames are rare, so the extra pass costs nothing
/// that shows.
pub(crate) fn json_bulk_items(bytes: &[u8]) -> Scan<Vec<&[u8]>> {
    // UTF-8, the shape (with this module's errors: truncated, too deep…),
    // then whatever else serde checks (literals, numbers, strings, bytes
    // after the frame); from there on only the keys need reading.
    let text = std::str::from_utf8(bytes).map_err(|_| ScanError::NotUtf8)?;
    let mut json = Json { bytes, at: 0 };
    json.skip_value()?;
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|_| ScanError::Unexpected)?;
    json.at = 0;
    if json.peek()? != b'{' {
        return Err(ScanError::NotAnObject);
    }
    json.at += 1;
    let mut items = None;
    while json.peek()? != b'}' {
        if json.string()? == "v" {
            json.expect(b':')?;
            if items.replace(json.array_items()?).is_some() {
                return Err(ScanError::BadBulk);
            }
        } else {
            json.expect(b':')?;
            json.skip_value()?;
        }
        if json.peek()? == b',' {
            json.at += 1;
        }
    }
    items.ok_or(ScanError::BadBulk)
}

// ------------------------------------------------------------ MessagePack --

struct Pack<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Pack<'a> {
    fn take(&mut self, n: usize) -> Scan<&'a [u8]> {
        let end = self.at.checked_add(n).ok_or(ScanError::Truncated)?;
        let slice = self.bytes.get(self.at..end).ok_or(ScanError::Truncated)?;
        self.at = end;
        Ok(slice)
    }

    fn byte(&mut self) -> Scan<u8> {
        Ok(self.take(1)?[0])
    }

    fn uint(&mut self, width: usize) -> Scan<usize> {
        let raw = self.take(width)?;
        let value = raw.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        usize::try_from(value).map_err(|_| ScanError::Truncated)
    }

    /// Map header: number of entries.
    fn map_len(&mut self) -> Scan<usize> {
        match self.byte()? {
            b @ 0x80..=0x8f => Ok(usize::from(b & 0x0f)),
            0xde => self.uint(2),
            0xdf => self.uint(4),
            _ => Err(ScanError::NotAnObject),
        }
    }

    /// A map key, which must be a string.
    fn key(&mut self) -> Scan<&'a str> {
        self.string().map_err(|e| {
            if e == ScanError::NoTag {
                ScanError::Unexpected
            } else {
                e
            }
        })
    }

    fn array_len(&mut self) -> Scan<usize> {
        match self.byte()? {
            b @ 0x90..=0x9f => Ok(usize::from(b & 0x0f)),
            0xdc => self.uint(2),
            0xdd => self.uint(4),
            _ => Err(ScanError::Unexpected),
        }
    }

    fn string(&mut self) -> Scan<&'a str> {
        let len = match self.byte()? {
            b @ 0xa0..=0xbf => usize::from(b & 0x1f),
            0xd9 => self.uint(1)?,
            0xda => self.uint(2)?,
            0xdb => self.uint(4)?,
            _ => return Err(ScanError::NoTag),
        };
        std::str::from_utf8(self.take(len)?).map_err(|_| ScanError::Unexpected)
    }

    /// Skips one value. Containers add their items to a counter instead of
    /// recursing, so nesting costs no stack; a count larger than the bytes
    /// left is refused at once.
    fn skip_value(&mut self) -> Scan<()> {
        let mut pending: usize = 1;
        while pending > 0 {
            pending -= 1;
            let marker = self.byte()?;
            // (bytes of payload to skip, nested values that follow)
            let (skip, items) = match marker {
                0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => (0, 0),
                0x80..=0x8f => (0, 2 * usize::from(marker & 0x0f)),
                0x90..=0x9f => (0, usize::from(marker & 0x0f)),
                0xa0..=0xbf => (usize::from(marker & 0x1f), 0),
                0xc4 | 0xd9 => (self.uint(1)?, 0),
                0xc5 | 0xda => (self.uint(2)?, 0),
                0xc6 | 0xdb => (self.uint(4)?, 0),
                0xc7 => (self.uint(1)? + 1, 0),
                0xc8 => (self.uint(2)? + 1, 0),
                0xc9 => (self.uint(4)? + 1, 0),
                0xcc | 0xd0 => (1, 0),
                0xcd | 0xd1 | 0xd4 => (2, 0),
                0xca | 0xce | 0xd2 => (4, 0),
                0xcb | 0xcf | 0xd3 => (8, 0),
                0xd5 => (3, 0),
                0xd6 => (5, 0),
                0xd7 => (9, 0),
                0xd8 => (17, 0),
                0xdc => (0, self.uint(2)?),
                0xdd => (0, self.uint(4)?),
                0xde => (0, 2 * self.uint(2)?),
                0xdf => (0, 2 * self.uint(4)?),
                0xc1 => return Err(ScanError::Unexpected),
            };
            self.take(skip)?;
            if items > 0 {
                // Every item takes at least one byte.
                pending = pending
                    .checked_add(items)
                    .filter(|&p| p <= self.bytes.len() - self.at)
                    .ok_or(ScanError::Truncated)?;
            }
        }
        Ok(())
    }
}

/// The top-level `type` of a MessagePack frame (named-map encoding).
pub(crate) fn msgpack_tag(bytes: &[u8]) -> Scan<&str> {
    let mut pack = Pack { bytes, at: 0 };
    let entries = pack.map_len()?;
    for _ in 0..entries {
        let key = pack.key()?;
        if key == "type" {
            return pack.string();
        }
        pack.skip_value()?;
    }
    Err(ScanError::NoTag)
}

/// The byte ranges of the items of a MessagePack `Bulk` frame's `v` array.
/// The whole map is read, as for JSON: `v` missing or given twice is refused.
pub(crate) fn msgpack_bulk_items(bytes: &[u8]) -> Scan<Vec<&[u8]>> {
    let mut pack = Pack { bytes, at: 0 };
    let entries = pack.map_len()?;
    let mut items = None;
    for _ in 0..entries {
        if pack.key()? != "v" {
            pack.skip_value()?;
            continue;
        }
        if items.is_some() {
            return Err(ScanError::BadBulk);
        }
        let len = pack.array_len().map_err(|e| match e {
            ScanError::Unexpected => ScanError::BadBulk,
            other => other,
        })?;
        if len > bytes.len() {
            return Err(ScanError::Truncated);
        }
        let mut found = Vec::with_capacity(len);
        for _ in 0..len {
            let start = pack.at;
            pack.skip_value()?;
            found.push(&bytes[start..pack.at]);
        }
        items = Some(found);
    }
    items.ok_or(ScanError::BadBulk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_tag_wherever_it_is() {
        assert_eq!(json_tag(br#"{"type":"Pong","data":1}"#).unwrap(), "Pong");
        assert_eq!(
            json_tag(br#" { "id" : {"a":[1,{"type":"x"}]}, "n": -1.5e3, "b": [true,null], "type" : "UserUpdate" }"#).unwrap(),
            "UserUpdate"
        );
        assert_eq!(json_tag(br#"{"s":"a\"}","type":"Re\u0061dy"}"#).unwrap(), "Ready");
    }

    #[test]
    fn bad_frames_are_errors_not_panics() {
        assert_eq!(json_tag(b"[1]"), Err(ScanError::NotAnObject));
        assert_eq!(json_tag(b"{}"), Err(ScanError::NoTag));
        assert_eq!(json_tag(br#"{"type":1}"#), Err(ScanError::NoTag));
        assert_eq!(json_tag(br#"{"a":"#), Err(ScanError::Truncated));
        assert_eq!(json_tag(br#"{"type":"Re"#), Err(ScanError::Truncated));
        assert_eq!(json_tag(b""), Err(ScanError::Truncated));
        let deep = format!("{{\"a\":{}1{},\"type\":\"X\"}}", "[".repeat(200), "]".repeat(200));
        assert_eq!(json_tag(deep.as_bytes()), Err(ScanError::TooDeep));
    }

    #[test]
    fn special_byte_agrees_with_a_byte_loop() {
        let naive = |bytes: &[u8]| bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
        // Every byte value at every place of words and tails, among fillers
        // that sit next to the special ones (0x1f | 0x20, 0x21 = '"' + 1,
        // 0x5b / 0x5d around '\\', high bytes), and a second special byte
        // after the first, where the word trick may set wrong bits.
        for filler in [b'a', b' ', b'!', b'[', b']', 0x7f, 0x80, 0xff] {
            for len in 0..24 {
                for at in 0..len {
                    for byte in 0..=u8::MAX {
                        let mut bytes = vec![filler; len];
                        bytes[at] = byte;
                        assert_eq!(special_byte(&bytes), naive(&bytes), "{bytes:?}");
                        if at + 1 < len {
                            bytes[at + 1] = b'"';
                            assert_eq!(special_byte(&bytes), naive(&bytes), "{bytes:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn bulk_items_are_sliced_in_order() {
        let frame = br#"{"type":"Bulk","v":[{"type":"A"}, {"type":"B","x":[1,2]} ]}"#;
        let items = json_bulk_items(frame).unwrap();
        assert_eq!(
            items,
            vec![&br#"{"type":"A"}"#[..], &br#"{"type":"B","x":[1,2]}"#[..]]
        );
    }

    #[test]
    fn a_bulk_is_checked_whole_as_serde_would_check_it() {
        let refused = |frame: &[u8], error| assert_eq!(json_bulk_items(frame), Err(error), "{frame:?}");
        // Truncated after `v` (a fuzz finding), or with bytes after it.
        refused(br#"{"type":"Bulk","v":[{"type":"A"}]"#, ScanError::Truncated);
        refused(br#"{"type":"Bulk","v":[]} x"#, ScanError::Unexpected);
        refused(br#"{"type":"Bulk","v":[],"n":tru}"#, ScanError::Unexpected);
        refused(b"{\"type\":\"Bulk\",\"v\":[],\"\x01\":1}", ScanError::Unexpected);
        refused(b"{\"type\":\"Bulk\",\"v\":[],\"n\":\"\xa9\"}", ScanError::NotUtf8);
        // `v` missing, twice (serde would keep the last), or not an array.
        refused(br#"{"type":"Bulk"}"#, ScanError::BadBulk);
        refused(
            br#"{"type":"Bulk","v":[{"type":"A"}],"v":[]}"#,
            ScanError::BadBulk,
        );
        refused(br#"{"type":"Bulk","v":null}"#, ScanError::BadBulk);
        // Items counted from the frame, not from themselves: serde refuses
        // the 128th level of the whole frame.
        let nested = |depth: usize| {
            let item = format!("{}{}", "[".repeat(depth - 2), "]".repeat(depth - 2));
            format!(r#"{{"type":"Bulk","v":[{item}]}}"#)
        };
        assert!(json_bulk_items(nested(MAX_DEPTH).as_bytes()).is_ok());
        assert!(serde_json::from_str::<serde_json::Value>(&nested(MAX_DEPTH)).is_ok());
        refused(nested(MAX_DEPTH + 1).as_bytes(), ScanError::TooDeep);
        assert!(serde_json::from_str::<serde_json::Value>(&nested(MAX_DEPTH + 1)).is_err());
        // An escaped key is still `v`; white space around the frame is fine.
        let frame = br#" {"\u0076":[1], "type":"Bulk"} "#;
        assert_eq!(json_bulk_items(frame), Ok(vec![&b"1"[..]]));
    }

    #[test]
    fn msgpack_tag_and_items() {
        // {"n": [1, {"k": nil}], "type": "Bulk", "v": [{"type":"A"}]}
        let mut frame = vec![0x83, 0xa1, b'n', 0x92, 0x01, 0x81, 0xa1, b'k', 0xc0];
        frame.extend([0xa4, b't', b'y', b'p', b'e', 0xa4, b'B', b'u', b'l', b'k']);
        frame.extend([0xa1, b'v', 0x91, 0x81, 0xa4, b't', b'y', b'p', b'e', 0xa1, b'A']);
        assert_eq!(msgpack_tag(&frame).unwrap(), "Bulk");
        let items = msgpack_bulk_items(&frame).unwrap();
        assert_eq!(items, vec![&frame[frame.len() - 8..]]);
        // `v` missing, or given twice, as for JSON.
        let bulk = [0xa4, b't', b'y', b'p', b'e', 0xa4, b'B', b'u', b'l', b'k'];
        let no_items = [&[0x81][..], &bulk].concat();
        assert_eq!(msgpack_bulk_items(&no_items), Err(ScanError::BadBulk));
        let twice = [&[0x83][..], &bulk, &[0xa1, b'v', 0x90, 0xa1, b'v', 0x90]].concat();
        assert_eq!(msgpack_bulk_items(&twice), Err(ScanError::BadBulk));
        assert_eq!(msgpack_tag(&frame[..5]), Err(ScanError::Truncated));
        assert_eq!(
            msgpack_tag(&[0xdf, 0xff, 0xff, 0xff, 0xff]),
            Err(ScanError::Truncated)
        );
        assert_eq!(msgpack_tag(&[0x91]), Err(ScanError::NotAnObject));
    }
}
