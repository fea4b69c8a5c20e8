//! URL building that no caller-supplied text can redirect, and the checks
//! both transports make on a base URL before anything is sent (one rule for
//! which hosts count as loopback, so that `http://` and `ws://` agree).

use std::net::IpAddr;

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

/// Whether `host` is this machine: `localhost` in any case, an address in
/// `127.0.0.0/8`, or `::1` (bracketed or not, as URLs write it). Clear text
/// to such a host never leaves the machine, so the transports allow it.
///
/// ```
/// use stoat_model::url::is_loopback_host;
///
/// assert!(is_loopback_host("LocalHost") && is_loopback_host("127.3.2.1"));
/// assert!(is_loopback_host("[::1]") && !is_loopback_host("localhost.example"));
/// ```
pub fn is_loopback_host(host: &str) -> bool {
    let unbracketed = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.eq_ignore_ascii_case("localhost") || unbracketed.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The two schemes a transport speaks: one over TLS, one in clear text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Schemes {
    /// The TLS scheme (`https`, `wss`).
    pub secure: &'static str,
    /// The clear-text scheme (`http`, `ws`).
    pub clear: &'static str,
}

impl Schemes {
    /// `https` and `http`, for REST.
    pub const HTTP: Self = Self {
        secure: "https",
        clear: "http",
    };
    /// `wss` and `ws`, for events.
    pub const WEBSOCKET: Self = Self {
        secure: "wss",
        clear: "ws",
    };
}

/// A base URL taken apart by [`check_base_url`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BaseUrl<'a> {
    /// Whether the scheme is the TLS one.
    pub secure: bool,
    /// `scheme://`, as written.
    pub scheme: &'a str,
    /// `user@host:port`: everything up to the path, query or fragment.
    pub authority: &'a str,
    /// The host alone: no user info, port or IPv6 brackets.
    pub host: &'a str,
    /// The path, query and fragment, as written (may be empty).
    pub rest: &'a str,
}

/// Why a base URL was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlProblem {
    /// Not a URL of either scheme, or without a host.
    Invalid,
    /// Clear text to a host that is not loopback, which would carry the
    /// token in clear, and the caller did not allow it.
    Insecure,
}

/// Checks `url` against `schemes`: the scheme is one of the two, there is a
/// host, and clear text goes only to loopback unless `allow_insecure`.
///
/// ```
/// use stoat_model::url::{Schemes, UrlProblem, check_base_url};
///
/// let url = check_base_url("ws://user@[::1]:9/events", Schemes::WEBSOCKET, false).unwrap();
/// assert_eq!((url.host, url.rest), ("::1", "/events"));
/// let refused = check_base_url("http://api.example", Schemes::HTTP, false);
/// assert_eq!(refused, Err(UrlProblem::Insecure));
/// ```
pub fn check_base_url(url: &str, schemes: Schemes, allow_insecure: bool) -> Result<BaseUrl<'_>, UrlProblem> {
    let (scheme, after) = url.split_once("://").ok_or(UrlProblem::Invalid)?;
    let secure = if scheme.eq_ignore_ascii_case(schemes.secure) {
        true
    } else if scheme.eq_ignore_ascii_case(schemes.clear) {
        false
    } else {
        return Err(UrlProblem::Invalid);
    };
    let authority = after.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host_of(authority).ok_or(UrlProblem::Invalid)?;
    if !secure && !allow_insecure && !is_loopback_host(host) {
        return Err(UrlProblem::Insecure);
    }
    Ok(BaseUrl {
        secure,
        scheme: &url[..scheme.len() + 3],
        authority,
        host,
        rest: &after[authority.len()..],
    })
}

/// The host of `user@host:port`, without brackets or port.
fn host_of(authority: &str) -> Option<&str> {
    let authority = authority.rsplit('@').next()?;
    let host = if let Some(bracketed) = authority.strip_prefix('[') {
        bracketed.split(']').next()?
    } else {
        authority.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn loopback_is_localhost_in_any_case_127_slash_8_and_ipv6_one() {
        for host in [
            "localhost",
            "LOCALHOST",
            "LocalHost",
            "127.0.0.1",
            "127.255.0.9",
            "::1",
            "[::1]",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "localhost.example",
            "128.0.0.1",
            "[::2]",
            "::ffff:10.0.0.1",
            "",
            "[::1",
            "example",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn base_urls_need_a_known_scheme_a_host_and_tls_off_loopback() {
        let ws = Schemes::WEBSOCKET;
        for url in ["http://127.0.0.1", "ws://", "ws://:80", "ws:/x", "127.0.0.1"] {
            assert_eq!(check_base_url(url, ws, false), Err(UrlProblem::Invalid), "{url}");
        }
        assert_eq!(
            check_base_url("ws://events.example", ws, false),
            Err(UrlProblem::Insecure)
        );
        assert!(check_base_url("ws://events.example", ws, true).is_ok());
        assert!(check_base_url("wss://events.example", ws, false).unwrap().secure);
        let url = check_base_url("HTTP://Localhost:8000/api?x", Schemes::HTTP, false).unwrap();
        assert_eq!(
            (url.secure, url.scheme, url.authority, url.host, url.rest),
            (false, "HTTP://", "Localhost:8000", "Localhost", "/api?x")
        );
    }
}
