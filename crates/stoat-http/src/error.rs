//! The one error type of the REST client.

use std::fmt;

use stoat_model::error::ErrorBody;
use stoat_model::validate::ValidationError;

/// A request that did not succeed.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
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
    Insecure,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self { kind, source: None }
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            kind,
            source: Some(source.into()),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The Stoat error type (`NotFound`, `MissingPermission`…), when the
    /// server answered with one.
    pub fn api_error_type(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Api {
                body: ErrorBody::Api(error),
                ..
            } => Some(error.kind.type_name()),
            _ => None,
        }
    }

    /// The Stoat error, when the server answered with one.
    pub fn api_error(&self) -> Option<&stoat_model::ApiErrorKind> {
        match &self.kind {
            ErrorKind::Api {
                body: ErrorBody::Api(error),
                ..
            } => Some(&error.kind),
            _ => None,
        }
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
        match &self.kind {
            ErrorKind::Validation(error) => write!(f, "invalid input: {error}"),
            ErrorKind::Api { status, body } => write!(f, "the server answered {status}: {body}"),
            ErrorKind::Decode { route } => write!(f, "the answer of {route} did not decode"),
            ErrorKind::BodyTooLarge { limit } => write!(f, "the answer is larger than {limit} bytes"),
            ErrorKind::Timeout => f.write_str("the request timed out"),
            ErrorKind::Transport => f.write_str("the request could not be sent or answered"),
            ErrorKind::Url => f.write_str("the base URL does not make a valid request URL"),
            ErrorKind::InvalidToken => f.write_str("the token is not a valid header value"),
            ErrorKind::Encode => f.write_str("the request body could not be serialized"),
            ErrorKind::Io => f.write_str("a file to upload could not be read"),
            ErrorKind::UploadRequired => {
                f.write_str("the request holds a file to upload first; await the builder instead")
            }
            ErrorKind::AlreadySent => f.write_str(
                "an earlier attempt went through but its answer was lost; the retry was a duplicate",
            ),
            ErrorKind::Insecure => f.write_str("refusing plain http to a host that is not loopback"),
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
