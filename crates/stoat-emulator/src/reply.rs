//! Responses in the server's shapes: JSON, Stoat errors, the web
//! framework's catcher bodies (JSON or HTML by `Accept`).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use hyper::{Response, StatusCode};
use serde::Serialize;
use stoat_model::error::{ApiError, ApiErrorKind, FrameworkError, FrameworkErrorBody};

/// A response before the rate-limit headers are added.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: Option<&'static str>,
    pub(crate) body: Bytes,
    pub(crate) cache_control: Option<&'static str>,
}

impl Reply {
    pub(crate) fn json<T: Serialize>(value: &T) -> Self {
        Self::json_status(200, value)
    }

    pub(crate) fn json_status<T: Serialize>(status: u16, value: &T) -> Self {
        Self {
            status,
            content_type: Some("application/json"),
            body: serde_json::to_vec(value).unwrap_or_default().into(),
            cache_control: None,
        }
    }

    /// An HTML page, as a proxy in front of the server gives.
    pub(crate) fn html(status: u16, page: &'static str) -> Self {
        Self {
            status,
            content_type: Some("text/html"),
            body: Bytes::from_static(page.as_bytes()),
            cache_control: None,
        }
    }

    /// A plain-text answer, as the file server's framework gives.
    pub(crate) fn text(status: u16, text: &'static str) -> Self {
        Self {
            status,
            content_type: Some("text/plain; charset=utf-8"),
            body: Bytes::from_static(text.as_bytes()),
            cache_control: None,
        }
    }

    pub(crate) fn no_content() -> Self {
        Self {
            status: 204,
            content_type: None,
            body: Bytes::new(),
            cache_control: None,
        }
    }

    pub(crate) fn bytes(content_type: &'static str, body: Bytes) -> Self {
        Self {
            status: 200,
            content_type: Some(content_type),
            body,
            cache_control: None,
        }
    }

    /// A Stoat error, located where the emulator raised it (see [`located`]).
    #[track_caller]
    pub(crate) fn error(kind: ApiErrorKind) -> Self {
        let status = kind.http_status();
        Self::json_status(status, &located(kind))
    }

    /// The web framework's default catcher, in JSON when the client prefers
    /// it and as an HTML page otherwise.
    pub(crate) fn catcher(code: u16, wants_json: bool) -> Self {
        let (reason, description) = match code {
            400 => (
                "Bad Request",
                "The request could not be understood by the server due to malformed syntax.",
            ),
            401 => ("Unauthorized", "The request requires user authentication."),
            404 => ("Not Found", "The requested resource could not be found."),
            409 => (
                "Conflict",
                "The request could not be processed because of a conflict in the request.",
            ),
            413 => (
                "Payload Too Large",
                "The request is larger than the server is willing or able to process.",
            ),
            422 => (
                "Unprocessable Entity",
                "The request was well-formed but was unable to be followed due to semantic errors.",
            ),
            _ => (
                "Internal Server Error",
                "The server encountered an internal error while processing this request.",
            ),
        };
        if wants_json {
            let body = FrameworkErrorBody {
                error: FrameworkError {
                    code,
                    reason: reason.into(),
                    description: description.into(),
                },
            };
            return Self::json_status(code, &body);
        }
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n    <meta charset=\"utf-8\">\n    <meta name=\"color-scheme\" content=\"light dark\">\n    <title>{code} {reason}</title>\n</head>\n<body align=\"center\">\n    <div role=\"main\" align=\"center\">\n        <h1>{code}: {reason}</h1>\n        <p>{description}</p>\n        <hr />\n    </div>\n    <div role=\"contentinfo\" align=\"center\">\n        <small>Rocket</small>\n    </div>\n</body>\n</html>"
        );
        Self {
            status: code,
            content_type: Some("text/html; charset=utf-8"),
            body: html.into(),
            cache_control: None,
        }
    }

    /// The first half of the body, announced as the whole (a truncated answer).
    pub(crate) fn truncated(mut self) -> Self {
        self.body.truncate(self.body.len() / 2);
        self
    }

    /// The response, with the whole body announced but only half sent before
    /// the connection is closed.
    pub(crate) fn into_dropped_response(self, headers: &[(&'static str, String)]) -> Response<ReplyBody> {
        let mut response = self.into_response(headers);
        let body = std::mem::replace(response.body_mut(), ReplyBody::empty());
        if let ReplyBody::Whole(Some(bytes)) = body {
            let declared = bytes.len() as u64;
            *response.body_mut() = ReplyBody::Broken {
                half: Some(bytes.slice(..bytes.len() / 2)),
                declared,
            };
        }
        response
    }

    pub(crate) fn into_response(self, headers: &[(&'static str, String)]) -> Response<ReplyBody> {
        let mut builder = Response::builder()
            .status(StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
            .header("server", "Rocket");
        if let Some(content_type) = self.content_type {
            builder = builder.header("content-type", content_type);
        }
        if let Some(cache_control) = self.cache_control {
            builder = builder.header("cache-control", cache_control);
        }
        for (name, value) in headers {
            builder = builder.header(*name, value);
        }
        builder
            .body(ReplyBody::Whole(Some(self.body)))
            .unwrap_or_else(|_| Response::new(ReplyBody::empty()))
    }
}

/// A response body: whole, or broken off halfway (a fault).
#[derive(Debug)]
pub(crate) enum ReplyBody {
    /// Sent in one frame.
    Whole(Option<Bytes>),
    /// `declared` bytes announced, `half` sent, then an error that makes the
    /// server close the connection.
    Broken { half: Option<Bytes>, declared: u64 },
}

impl ReplyBody {
    pub(crate) fn empty() -> Self {
        Self::Whole(None)
    }
}

impl Body for ReplyBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(match self.get_mut() {
            Self::Whole(bytes) => bytes.take().filter(|b| !b.is_empty()).map(|b| Ok(Frame::data(b))),
            Self::Broken { half, .. } => Some(half.take().map(Frame::data).ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "fault: dropped mid-response",
                )
            })),
        })
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Self::Whole(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Whole(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            Self::Broken { declared, .. } => SizeHint::with_exact(*declared),
        }
    }
}

/// An error with a `location` of the server's shape, `path/file.rs:line:col`:
/// the place in the emulator's own source that raised it, as the server's
/// locations are places in its source (a made-up one would pass for a real).
#[track_caller]
pub(crate) fn located(kind: ApiErrorKind) -> ApiError {
    let at = std::panic::Location::caller();
    ApiError {
        kind,
        location: Some(format!("{}:{}:{}", at.file(), at.line(), at.column()).into()),
    }
}

/// The validator's message for a length error, as the server words it.
#[track_caller]
pub(crate) fn length_error(field: &str, min: usize, max: usize, value: &str) -> Reply {
    let error = format!(
        "{field}: Validation error: length [{{\"min\": Number({min}), \"max\": Number({max}), \"value\": String({value:?})}}]"
    );
    Reply::error(ApiErrorKind::FailedValidation { error: error.into() })
}
