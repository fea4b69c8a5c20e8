//! Responses in the server's shapes: JSON, Stoat errors, the web
//! framework's catcher bodies (JSON or HTML by `Accept`).

use bytes::Bytes;
use http_body_util::Full;
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

    /// A Stoat error; `location` imitates the server's source locations.
    pub(crate) fn error(kind: ApiErrorKind) -> Self {
        let status = kind.http_status();
        let error = ApiError {
            kind,
            location: Some("crates/stoat-emulator/src/routes.rs:1:1".into()),
        };
        Self::json_status(status, &error)
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

    pub(crate) fn into_response(self, headers: &[(&'static str, String)]) -> Response<Full<Bytes>> {
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
            .body(Full::new(self.body))
            .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
    }
}

/// The validator's message for a length error, as the server words it.
pub(crate) fn length_error(field: &str, min: usize, max: usize, value: &str) -> Reply {
    let error = format!(
        "{field}: Validation error: length [{{\"min\": Number({min}), \"max\": Number({max}), \"value\": String({value:?})}}]"
    );
    Reply::error(ApiErrorKind::FailedValidation { error: error.into() })
}
