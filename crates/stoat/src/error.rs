//! The facade's error: one of the transports', or its own few.

use std::fmt;
use std::time::Duration;

use stoat_model::ApiErrorKind;

/// Something that went wrong. Its `Display` is one sentence: what was
/// being done (the route, the events connection, a wait) and why it failed.
///
/// Match on the server's answer with [`api_error`](Self::api_error):
///
/// ```no_run
/// # async fn run(client: stoat::Client, id: stoat::UserId) {
/// use stoat::model::ApiErrorKind;
///
/// match client.user(id).send_friend_request().await {
///     Ok(_) => {}
///     Err(error) => match error.api_error() {
///         Some(ApiErrorKind::BlockedByOther) => println!("they blocked us"),
///         Some(ApiErrorKind::MissingPermission { permission }) => println!("missing {permission}"),
///         Some(ApiErrorKind::NotAuthenticated) => println!("the token was refused"),
///         _ => eprintln!("{error}"),
///     },
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A REST request failed (its kind says how; see
    /// [`api_error`](Self::api_error) for the server's answer).
    Http(stoat_http::Error),
    /// The events connection failed for good (a refused token, a logout, or
    /// the attempts ran out), or a frame did not decode.
    Gateway(stoat_gateway::Error),
    /// [`Client::wait_for`](crate::Client::wait_for) saw no matching event in time.
    Timeout {
        /// How long it waited.
        waited: Duration,
    },
    /// The events connection is not started, or has ended: typing and
    /// `wait_for` need it.
    NotConnected,
    /// [`Client::connect`](crate::Client::connect) was called while the
    /// client's events connection is still running: one connection per
    /// client, or every event would reach the cache twice.
    AlreadyConnected,
    /// The server answered a DM request with a channel that is not a DM.
    NotADm,
}

impl Error {
    /// Whether the events connection is over (so a `run` loop ends).
    pub fn is_terminal(&self) -> bool {
        match self {
            Self::Gateway(error) => error.is_terminal(),
            Self::NotConnected => true,
            _ => false,
        }
    }

    /// The server's error, to match on: the Stoat error a REST request was
    /// answered with (`NotFound`, `MissingPermission { permission }`…), or
    /// [`NotAuthenticated`](ApiErrorKind::NotAuthenticated) for any 401; the
    /// events server's refusal of the token (`InvalidSession`…).
    pub fn api_error(&self) -> Option<&ApiErrorKind> {
        match self {
            Self::Http(error) => error.api_error(),
            Self::Gateway(error) => match error.kind() {
                stoat_gateway::ErrorKind::Authentication(error) | stoat_gateway::ErrorKind::Server(error) => {
                    Some(&error.kind)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether the server refused the token (or none was given): a 401 on
    /// REST, or the events server's authentication error.
    pub fn is_unauthorized(&self) -> bool {
        match self {
            Self::Http(error) => error.is_unauthorized(),
            Self::Gateway(error) => matches!(error.kind(), stoat_gateway::ErrorKind::Authentication(_)),
            _ => false,
        }
    }

    /// Whether a request was refused before it was sent, because its input
    /// breaks the server's rules (the error names the field and the limit).
    pub fn is_validation(&self) -> bool {
        matches!(self, Self::Http(error) if error.is_validation())
    }

    /// The HTTP status, when the server answered a REST request.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Http(error) => error.status(),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Http(error) => error.fmt(f),
            Self::Gateway(error) => {
                let doing = if error.is_terminal() {
                    "the events connection failed"
                } else {
                    "on the events connection"
                };
                write!(f, "{doing}: {error}")
            }
            Self::Timeout { waited } => write!(
                f,
                "waiting for an event: none matched within {} ms",
                waited.as_millis()
            ),
            Self::NotConnected => f.write_str(
                "the events connection is not running (start it with Client::connect or Client::run)",
            ),
            Self::AlreadyConnected => {
                f.write_str("connecting failed: this client's events connection is already running")
            }
            Self::NotADm => {
                f.write_str("opening a DM failed: the server answered with a channel that is not a DM")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Http(error) => Some(error),
            Self::Gateway(error) => Some(error),
            _ => None,
        }
    }
}

impl From<stoat_http::Error> for Error {
    fn from(error: stoat_http::Error) -> Self {
        Self::Http(error)
    }
}

impl From<stoat_gateway::Error> for Error {
    fn from(error: stoat_gateway::Error) -> Self {
        Self::Gateway(error)
    }
}
