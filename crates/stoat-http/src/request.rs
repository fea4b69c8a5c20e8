//! A request before it is sent, and what a caller may override per call.

use std::time::Duration;

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};

use crate::Token;
use crate::route::{Repeat, Route};

/// Which server a request goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Base {
    /// The API (delta).
    Api,
    /// The file server (autumn), for uploads.
    Cdn,
}

/// The body of a request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Body {
    /// No body.
    #[default]
    Empty,
    /// A JSON document.
    Json(Bytes),
    /// A `multipart/form-data` document with its boundary.
    Multipart {
        /// The boundary, which the bytes never contain.
        boundary: String,
        /// The encoded parts.
        bytes: Bytes,
    },
}

impl Body {
    /// The `Content-Type` this body is sent with.
    pub fn content_type(&self) -> Option<String> {
        match self {
            Self::Empty => None,
            Self::Json(_) => Some("application/json".to_owned()),
            Self::Multipart { boundary, .. } => Some(format!("multipart/form-data; boundary={boundary}")),
        }
    }

    pub(crate) fn bytes(&self) -> Bytes {
        match self {
            Self::Empty => Bytes::new(),
            Self::Json(bytes) | Self::Multipart { bytes, .. } => bytes.clone(),
        }
    }
}

/// A request ready to be sent: what a builder turns into
/// (`into_request`), and what [`Client::send`](crate::Client::send) takes.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Request {
    /// The route: method, template (logged instead of the path), bucket
    /// and whether a repeat is safe.
    pub route: Route,
    /// The path after the base URL, with every free-text segment percent-encoded.
    pub path: String,
    /// The server it goes to.
    pub base: Base,
    /// The body.
    pub body: Body,
    /// Whether the route needs the token (a few routes take none).
    pub authenticated: bool,
    /// What this call changes from the client's settings.
    pub overrides: Overrides,
}

impl Request {
    /// A request to the API, authenticated, without a body.
    pub fn new(route: Route, path: impl Into<String>) -> Self {
        Self {
            route,
            path: path.into(),
            base: Base::Api,
            body: Body::Empty,
            authenticated: true,
            overrides: Overrides::default(),
        }
    }

    /// Whether sending it twice has the effect and the answer of sending it
    /// once, so that a lost answer may be retried: the route's
    /// [`Repeat`] rule, where [`Repeat::WithKey`] needs an idempotency key.
    pub fn is_idempotent(&self) -> bool {
        match self.route.repeat() {
            Repeat::Safe => true,
            Repeat::WithKey => self.overrides.idempotency_key.is_some(),
            Repeat::Never => false,
        }
    }
}

/// Settings one call uses instead of the client's, as stoat.py's
/// `http_overrides`: another token, base URL, extra headers, an idempotency
/// key, a timeout.
///
/// ```
/// use std::time::Duration;
/// use stoat_http::Overrides;
///
/// let overrides = Overrides::new()
///     .timeout(Duration::from_secs(5))
///     .idempotency_key("send-42");
/// # let _ = overrides;
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
#[non_exhaustive]
pub struct Overrides {
    /// Another token.
    pub token: Option<Token>,
    /// Another base URL.
    pub base_url: Option<String>,
    /// Extra headers (values marked sensitive).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The `Idempotency-Key` header.
    pub idempotency_key: Option<String>,
    /// The timeout of each attempt.
    pub timeout: Option<Duration>,
}

impl Overrides {
    /// Nothing overridden.
    pub fn new() -> Self {
        Self::default()
    }

    /// Authenticate this call with another token.
    pub fn token(mut self, token: Token) -> Self {
        self.token = Some(token);
        self
    }

    /// Send this call to another base URL (of the API, or of the file server
    /// for uploads).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// Add a header. Its value is marked sensitive, so that no `Debug`
    /// output shows it.
    pub fn header(mut self, name: HeaderName, mut value: HeaderValue) -> Self {
        value.set_sensitive(true);
        self.headers.push((name, value));
        self
    }

    /// An `Idempotency-Key` (at most 64 characters, checked before sending):
    /// the server refuses a second request with the same key, and the client
    /// may then retry the request safely after a lost answer.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// How long each attempt of this call may take.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// These settings with `later`'s on top: what `later` sets wins, what
    /// it leaves unset is kept, and its headers come after these.
    ///
    /// ```
    /// use stoat_http::Overrides;
    ///
    /// let keyed = Overrides::new().idempotency_key("send-42");
    /// let both = keyed.and(Overrides::new().timeout(std::time::Duration::from_secs(5)));
    /// assert_eq!(both.idempotency_key.as_deref(), Some("send-42"));
    /// assert!(both.timeout.is_some());
    /// ```
    pub fn and(mut self, later: Overrides) -> Self {
        self.headers.extend(later.headers);
        Self {
            token: later.token.or(self.token),
            base_url: later.base_url.or(self.base_url),
            headers: self.headers,
            idempotency_key: later.idempotency_key.or(self.idempotency_key),
            timeout: later.timeout.or(self.timeout),
        }
    }
}
