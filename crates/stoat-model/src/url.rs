//! URL building that no caller-supplied text can redirect.

/// Appends `segment` percent-encoded so that it stays one path segment:
/// only RFC 3986 unreserved characters pass through, so `/`, `?`, `#`, `%`,
/// `..` tricks and control characters cannot change which route is called.
///
/// ```
/// let mut url = String::from("https://api.example/users/");
/// stoat_model::url::push_path_segment(&mut url, "../admin?x#y");
/// assert_eq!(url, "https://api.example/users/..%2Fadmin%3Fx%23y");
/// ```
pub fn push_path_segment(out: &mut String, segment: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in segment.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xF)]));
        }
    }
    // A segment of only dots would be resolved as a relative path by some
    // servers and proxies; encode it so it stays a literal name.
    if !segment.is_empty() && segment.bytes().all(|b| b == b'.') {
        out.truncate(out.len() - segment.len());
        for _ in 0..segment.len() {
            out.push_str("%2E");
        }
    }
}

/// [`push_path_segment`] into a new string.
pub fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    push_path_segment(&mut out, segment);
    out
}

#[cfg(test)]
mod tests {
    use super::encode_path_segment;

    #[test]
    fn hostile_segments_stay_one_segment() {
        for hostile in ["../", "?", "#", "%2F", "a/b", "\u{0}\n\r", "..", "."] {
            let encoded = encode_path_segment(hostile);
            assert!(
                !encoded.contains(['/', '?', '#']) && encoded != ".." && encoded != ".",
                "{hostile:?} -> {encoded}"
            );
        }
        assert_eq!(encode_path_segment("%2F"), "%252F");
        assert_eq!(encode_path_segment(".."), "%2E%2E");
        assert_eq!(encode_path_segment("name#1234"), "name%231234");
        assert_eq!(encode_path_segment("héllo"), "h%C3%A9llo");
    }
}
