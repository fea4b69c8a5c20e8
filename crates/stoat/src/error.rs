//! The facade's error: one of the transports', or its own few.

use std::fmt;

/// Something that went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A REST request failed (its kind says how; an API error carries the
    /// server's `type`).
    Http(stoat_http::Error),
    /// The events connection failed for good (a refused token, a logout, or
    /// the attempts ran out), or a frame did not decode.
    Gateway(stoat_gateway::Error),
    /// [`Client::wait_for`](crate::Client::wait_for) saw no matching event in time.
    Timeout,
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

    /// The Stoat error type of a REST failure (`NotFound`, `MissingPermission`…).
    pub fn api_error_type(&self) -> Option<&str> {
        match self {
            Self::Http(error) => error.api_error_type(),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Http(error) => error.fmt(f),
            Self::Gateway(error) => error.fmt(f),
            Self::Timeout => f.write_str("no matching event in time"),
            Self::NotConnected => f.write_str("the events connection is not running"),
            Self::AlreadyConnected => f.write_str("the events connection is already running"),
            Self::NotADm => f.write_str("the server did not answer with a DM channel"),
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
