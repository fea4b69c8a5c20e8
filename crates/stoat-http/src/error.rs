//! The one error type of the REST client.

use std::fmt;

use stoat_model::ApiErrorKind;
use stoat_model::error::ErrorBody;
use stoat_model::validate::ValidationError;

/// A request that did not succeed: what went wrong ([`kind`](Self::kind)),
/// the route it happened on ([`route`](Self::route)) and the underlying
/// cause, if any ([`source`](std::error::Error::source)).
///
/// Its `Display` is one sentence: the route, what went wrong, and the
/// deepest cause (`GET /users/@me failed: could not connect or the
/// connection broke (Connection refused (os error 111))`).
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    route: Option<&'static str>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input breaks the server's rules; nothing was sent.
    Validation(ValidationError),
    /// The server answered with an error.
    Api {
        /// HTTP status.
        status: u16,
        /// The body, in whichever shape it came.
        body: ErrorBody,
    },
    /// A success answer that did not decode as the route's type.
    Decode {
        /// The route, e.g. `GET /users/{target}`.
        route: &'static str,
    },
    /// The response body was larger than the client accepts.
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The request did not finish in time.
    Timeout,
    /// Connecting, sending or receiving failed.
    Transport,
    /// The URL built from the base URL is not valid.
    Url,
    /// The token cannot be sent as a header value (it holds control characters).
    InvalidToken,
    /// The request body could not be serialized.
    Encode,
    /// A file to upload could not be read.
    Io,
    /// The builder holds a file that must be uploaded first, which
    /// `into_request` cannot do (awaiting the builder does).
    UploadRequired,
    /// An earlier attempt of this request reached the server but its answer
    /// was lost, and the retry was refused as a repeat of its idempotency
    /// key (a 409). The request took effect; a sent message can be found by
    /// its `nonce`, which is the key.
    AlreadySent,
    /// Plain `http://` to a host that is not loopback, without
    /// [`ClientBuilder::allow_insecure`](crate::ClientBuilder::allow_insecure).
    InsecureUrl,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            route: None,
            source: None,
        }
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            kind,
            route: None,
            source: Some(source.into()),
        }
    }

    /// The same error, as it happened on `route` (kept if already known).
    pub(crate) fn on(mut self, route: &'static str) -> Self {
        self.route.get_or_insert(route);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The route template of the request (`GET /users/{target}`), when the
    /// error came from one.
    pub fn route(&self) -> Option<&'static str> {
        self.route
    }

    /// What went wrong and its cause, taken apart.
    pub fn into_parts(self) -> (ErrorKind, Option<Box<dyn std::error::Error + Send + Sync>>) {
        (self.kind, self.source)
    }

    /// The server's error, to match on: the Stoat error it answered with
    /// (`NotFound`, `MissingPermission { permission }`…), or
    /// [`NotAuthenticated`](ApiErrorKind::NotAuthenticated) for any 401,
    /// whose body is the web framework's when the token is missing or
    /// refused.
    pub fn api_error(&self) -> Option<&ApiErrorKind> {
        const NOT_AUTHENTICATED: &ApiErrorKind = &ApiErrorKind::NotAuthenticated;
        match &self.kind {
            ErrorKind::Api {
                body: ErrorBody::Api(error),
                ..
            } => Some(&error.kind),
            ErrorKind::Api { status: 401, .. } => Some(NOT_AUTHENTICATED),
            _ => None,
        }
    }

    /// Whether the server refused the token, or none was sent (a 401).
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// Whether the request was never sent because its input breaks the
    /// server's rules.
    pub fn is_validation(&self) -> bool {
        matches!(self.kind, ErrorKind::Validation(_))
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match &self.kind {
            ErrorKind::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.route, &self.kind) {
            (Some(route), ErrorKind::Validation(_)) => write!(f, "{route} was not sent: ")?,
            (Some(route), _) => write!(f, "{route} failed: ")?,
            (None, _) => f.write_str("a request failed: ")?,
        }
        self.kind.fmt(f)?;
        if let Some(source) = self.source.as_deref() {
            write!(f, " ({})", stoat_model::error::root_cause(source))?;
        }
        Ok(())
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Validation(error) => write!(f, "{error}"),
            Self::Api { status, body } => write!(f, "the server answered {status}: {body}"),
            Self::Decode { route } => write!(f, "the answer of {route} did not decode"),
            Self::BodyTooLarge { limit } => write!(f, "the answer is larger than {limit} bytes"),
            Self::Timeout => f.write_str("the server did not answer in time"),
            Self::Transport => f.write_str("could not connect or the connection broke"),
            Self::Url => f.write_str("the base URL does not make a valid request URL"),
            Self::InvalidToken => f.write_str("the token is not a valid header value"),
            Self::Encode => f.write_str("the request body could not be serialized"),
            Self::Io => f.write_str("a file to upload could not be read"),
            Self::UploadRequired => {
                f.write_str("the request holds a file to upload first; await the builder instead")
            }
            Self::AlreadySent => f.write_str(
                "an earlier attempt went through but its answer was lost; the retry was a duplicate",
            ),
            Self::InsecureUrl => f.write_str("refusing plain http:// to a host that is not loopback"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<ValidationError> for Error {
    fn from(error: ValidationError) -> Self {
        Self::new(ErrorKind::Validation(error))
    }
}
