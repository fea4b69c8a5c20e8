//! The one error type of the events connection.

use std::fmt;
use std::time::Duration;

use stoat_model::ApiError;
use stoat_model::event::DecodeError;

/// Something that went wrong on the events connection.
///
/// It comes in three roles, told apart by [`is_terminal`](Self::is_terminal):
/// a frame that did not decode (an `Err` item; the stream goes on), the
/// cause of a reconnect (inside [`Reconnect`](crate::Reconnect)), and a
/// terminal error (the last item before the stream ends).
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A frame that did not decode. Not terminal: the payload is kept in
    /// the [`DecodeError`], with the event type when its tag could be read.
    Decode(DecodeError),
    /// The socket ended: reset, closed, or dropped without a close frame.
    ConnectionLost,
    /// No `Pong` came back within the deadline: the connection is dead.
    HeartbeatTimeout {
        /// How long the `Pong` was waited for.
        waited: Duration,
    },
    /// Sending a frame did not finish in time (the peer stopped reading).
    SendTimeout,
    /// The TCP connection or the WebSocket upgrade failed.
    Connect,
    /// The upgrade was answered with an HTTP status instead (a proxy's 502, say).
    Rejected {
        /// The HTTP status.
        status: u16,
    },
    /// The TCP connection and upgrade took longer than the connect timeout.
    ConnectTimeout,
    /// `Authenticated` and `Ready` did not both arrive within the ready timeout.
    ReadyTimeout,
    /// The peer broke the WebSocket protocol, or sent a frame over the size cap.
    Protocol,
    /// The server answered the handshake with an error of its own (5xx):
    /// worth another try.
    Server(ApiError),
    /// Terminal: the server refused the token (`InvalidSession` and the like).
    Authentication(ApiError),
    /// Terminal: the session was deleted (`Logout`).
    LoggedOut,
    /// Terminal: the configured number of attempts failed in a row; the last
    /// failure is the [`source`](std::error::Error::source).
    GaveUp {
        /// How many attempts were made.
        attempts: u32,
    },
    /// The URL is not a `ws://` or `wss://` URL, or a `ready=` field would
    /// break the query.
    Url,
    /// A `ws://` URL to a host other than loopback: the token would travel in
    /// clear. Allow it with [`GatewayBuilder::allow_insecure`](crate::GatewayBuilder::allow_insecure).
    InsecureUrl,
    /// A `wss://` URL without the `rustls` feature.
    TlsUnavailable,
    /// The connection is closed (or its stream was dropped); nothing can be sent.
    Closed,
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

    /// What went wrong and its cause, taken apart (as `stoat_http::Error`
    /// offers). A decode failure keeps its [`DecodeError`] in the kind.
    pub fn into_parts(self) -> (ErrorKind, Option<Box<dyn std::error::Error + Send + Sync>>) {
        (self.kind, self.source)
    }

    /// Whether the connection stopped for good: the stream ends after a
    /// terminal error, and no reconnect is tried.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Authentication(_)
                | ErrorKind::LoggedOut
                | ErrorKind::GaveUp { .. }
                | ErrorKind::Url
                | ErrorKind::InsecureUrl
                | ErrorKind::TlsUnavailable
                | ErrorKind::Closed
        )
    }

    /// The decode failure, for a frame that did not decode.
    pub fn decode_error(&self) -> Option<&DecodeError> {
        match &self.kind {
            ErrorKind::Decode(error) => Some(error),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    /// What went wrong, then its deepest cause, in one line (a frame that
    /// did not decode says why itself).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
            Self::Decode(error) => write!(f, "a frame did not decode: {error}"),
            Self::ConnectionLost => f.write_str("the connection was lost"),
            Self::HeartbeatTimeout { waited } => {
                write!(f, "no pong within {} ms", waited.as_millis())
            }
            Self::SendTimeout => f.write_str("sending a frame timed out"),
            Self::Connect => f.write_str("could not connect"),
            Self::Rejected { status } => write!(f, "the upgrade was answered with HTTP {status}"),
            Self::ConnectTimeout => f.write_str("connecting timed out"),
            Self::ReadyTimeout => f.write_str("Ready did not arrive in time"),
            Self::Protocol => f.write_str("the WebSocket protocol was broken"),
            Self::Server(error) => write!(f, "the server failed: {}", error.kind.type_name()),
            Self::Authentication(error) => {
                write!(f, "authentication failed: {}", error.kind.type_name())
            }
            Self::LoggedOut => f.write_str("the session was logged out"),
            Self::GaveUp { attempts } => write!(f, "gave up after {attempts} attempts"),
            Self::Url => f.write_str("the URL is not a valid events URL"),
            Self::InsecureUrl => f.write_str("ws:// to a non-loopback host; use wss://"),
            Self::TlsUnavailable => f.write_str("wss:// needs the `rustls` feature"),
            Self::Closed => f.write_str("the connection is closed"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Decode(error) => Some(error),
            _ => self
                .source
                .as_deref()
                .map(|e| e as &(dyn std::error::Error + 'static)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_refusals_and_configuration_errors_are_terminal() {
        let terminal = [
            ErrorKind::LoggedOut,
            ErrorKind::GaveUp { attempts: 3 },
            ErrorKind::InsecureUrl,
            ErrorKind::Authentication(ApiError::new(stoat_model::ApiErrorKind::InvalidSession)),
        ];
        for kind in terminal {
            assert!(Error::new(kind).is_terminal());
        }
        let transient = [
            ErrorKind::ConnectionLost,
            ErrorKind::HeartbeatTimeout {
                waited: Duration::from_secs(1),
            },
            ErrorKind::Rejected { status: 502 },
            ErrorKind::ConnectTimeout,
            ErrorKind::ReadyTimeout,
            ErrorKind::Server(ApiError::new(stoat_model::ApiErrorKind::InternalError)),
        ];
        for kind in transient {
            assert!(!Error::new(kind).is_terminal());
        }
    }

    #[test]
    fn into_parts_gives_back_the_kind_and_the_source() {
        let cause = std::io::Error::other("reset");
        let (kind, source) = Error::with_source(ErrorKind::ConnectionLost, cause).into_parts();
        assert!(matches!(kind, ErrorKind::ConnectionLost));
        assert_eq!(source.map(|s| s.to_string()).as_deref(), Some("reset"));
        assert!(Error::new(ErrorKind::Closed).into_parts().1.is_none());
    }
}
