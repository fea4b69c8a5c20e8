//! The connect URL: checked once when the connection is built, then reused
//! by every attempt.

use stoat_model::event::Format;
use stoat_model::url::{Schemes, UrlProblem, check_base_url};

use crate::error::{Error, ErrorKind};

/// A checked events URL with its query.
#[derive(Clone, Debug)]
pub(crate) struct Endpoint {
    /// What is connected to: the URL with `version`, `format` and `ready=`.
    pub(crate) url: String,
    /// What is logged: scheme, host, port and path, without user info or
    /// query (which may hold credentials).
    pub(crate) shown: String,
}

impl Endpoint {
    /// Checks `base` and adds the query. The token never goes in the URL:
    /// it is sent in the `Authenticate` frame, out of proxies' access logs.
    pub(crate) fn new(
        base: &str,
        format: Format,
        ready: &[String],
        allow_insecure: bool,
    ) -> Result<Self, Error> {
        let checked =
            check_base_url(base, Schemes::WEBSOCKET, allow_insecure).map_err(|problem| match problem {
                UrlProblem::Insecure => Error::new(ErrorKind::InsecureUrl),
                _ => Error::new(ErrorKind::Url),
            })?;
        if base.contains('#') {
            return Err(Error::new(ErrorKind::Url));
        }
        if checked.secure && !cfg!(feature = "rustls") {
            return Err(Error::new(ErrorKind::TlsUnavailable));
        }
        // The server splits the query on `&` and `=` without decoding, so
        // such characters cannot be escaped: refuse them.
        if ready
            .iter()
            .any(|f| f.is_empty() || f.contains(['&', '=', '#', '?', ' ']))
        {
            return Err(Error::new(ErrorKind::Url));
        }
        // An empty path must be `/`, or the request line would start with `?`.
        let (scheme, authority) = (checked.scheme, checked.authority);
        let mut url = base.to_owned();
        if !checked.rest.starts_with('/') {
            url.insert(scheme.len() + authority.len(), '/');
        }
        url.push(if base.contains('?') { '&' } else { '?' });
        url.push_str("version=1&format=");
        url.push_str(format.as_str());
        for field in ready {
            url.push_str("&ready=");
            url.push_str(field);
        }
        let path = checked.rest.split('?').next().unwrap_or_default();
        let host_and_port = authority.rsplit('@').next().unwrap_or_default();
        Ok(Self {
            url,
            shown: format!("{scheme}{host_and_port}{path}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(result: Result<Endpoint, Error>) -> String {
        match result {
            Ok(endpoint) => endpoint.url,
            Err(error) => format!("{:?}", error.kind()),
        }
    }

    #[test]
    fn adds_version_format_and_repeated_ready_fields() {
        let ready = ["users".to_owned(), "channels".to_owned()];
        let endpoint = Endpoint::new("ws://127.0.0.1:9000", Format::Json, &ready, false).unwrap();
        assert_eq!(
            endpoint.url,
            "ws://127.0.0.1:9000/?version=1&format=json&ready=users&ready=channels"
        );
        assert_eq!(endpoint.shown, "ws://127.0.0.1:9000");
        let endpoint = Endpoint::new("ws://[::1]:9/events?x=1", Format::Json, &[], false).unwrap();
        assert_eq!(endpoint.url, "ws://[::1]:9/events?x=1&version=1&format=json");
        let endpoint =
            Endpoint::new("ws://user:pass@[::1]:9/e?key=secret", Format::Json, &[], false).unwrap();
        assert_eq!(endpoint.shown, "ws://[::1]:9/e", "no credentials in logs");
        let endpoint = Endpoint::new("ws://localhost?x=1", Format::Json, &[], false).unwrap();
        assert_eq!(endpoint.url, "ws://localhost/?x=1&version=1&format=json");
    }

    #[test]
    fn clear_text_leaves_loopback_only_when_allowed() {
        assert_eq!(
            kind(Endpoint::new("ws://events.example", Format::Json, &[], false)),
            "InsecureUrl"
        );
        assert!(Endpoint::new("ws://events.example", Format::Json, &[], true).is_ok());
        assert!(Endpoint::new("ws://localhost:1/", Format::Json, &[], false).is_ok());
        assert!(Endpoint::new("ws://user@127.0.0.2:1", Format::Json, &[], false).is_ok());
    }

    #[test]
    fn refuses_other_schemes_empty_hosts_and_fields_that_break_the_query() {
        for url in ["http://127.0.0.1", "ws://", "ws://:80", "ws://127.0.0.1/#frag"] {
            assert_eq!(kind(Endpoint::new(url, Format::Json, &[], false)), "Url", "{url}");
        }
        let bad = ["users&token=x".to_owned()];
        assert_eq!(
            kind(Endpoint::new("ws://127.0.0.1", Format::Json, &bad, false)),
            "Url"
        );
    }

    #[test]
    fn secure_urls_need_the_tls_feature() {
        let result = Endpoint::new("wss://events.stoat.chat", Format::Json, &[], false);
        if cfg!(feature = "rustls") {
            assert!(result.is_ok());
        } else {
            assert_eq!(kind(result), "TlsUnavailable");
        }
    }
}
