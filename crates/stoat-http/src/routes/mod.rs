//! One builder per route, grouped as the API groups them.

pub(crate) mod channels;
pub(crate) mod message;
pub(crate) mod misc;
pub(crate) mod users;

use stoat_model::FileId;
use stoat_model::file::FileTag;

use crate::upload::Resource;
use crate::{Client, Error, ErrorKind, Overrides};

/// What a builder's `parts` gives: the path and the body.
pub(crate) type Parts = Result<(String, crate::Body), Error>;

/// A JSON body; a failure is an error, never a request sent without its body.
pub(crate) fn json_body<T: serde::Serialize>(value: &T) -> Result<crate::Body, Error> {
    serde_json::to_vec(value)
        .map(|bytes| crate::Body::Json(bytes.into()))
        .map_err(|e| Error::with_source(ErrorKind::Encode, e))
}

/// How a success answer becomes the route's output.
pub(crate) mod decode {
    use bytes::Bytes;

    use crate::{Error, ErrorKind};

    /// A JSON body as the route's type.
    #[allow(clippy::needless_pass_by_value, reason = "the shape every decoder shares")]
    pub(crate) fn json<T: serde::de::DeserializeOwned>(
        route: &'static str,
        bytes: Bytes,
    ) -> Result<T, Error> {
        serde_json::from_slice(&bytes).map_err(|e| Error::with_source(ErrorKind::Decode { route }, e))
    }

    /// A 204: nothing to decode.
    #[allow(clippy::unnecessary_wraps, reason = "the shape every decoder shares")]
    pub(crate) fn empty(_: &'static str, _: Bytes) -> Result<(), Error> {
        Ok(())
    }

    /// The body as it came (an image).
    #[allow(clippy::unnecessary_wraps, reason = "the shape every decoder shares")]
    pub(crate) fn bytes(_: &'static str, bytes: Bytes) -> Result<Bytes, Error> {
        Ok(bytes)
    }
}

/// Gives a builder (fields `client` and `overrides`, a `parts` method) its
/// `overrides` setter and `into_request`.
macro_rules! request {
    ($name:ident, $route:expr, $authenticated:expr) => {
        impl $name<'_> {
            /// Settings for this call only (token, base URL, headers,
            /// idempotency key, timeout), over those set before: what
            /// `overrides` leaves unset is kept (an idempotency key, say).
            pub fn overrides(mut self, overrides: $crate::Overrides) -> Self {
                self.overrides = std::mem::take(&mut self.overrides).and(overrides);
                self
            }

            /// The request this builder sends, without sending it (input
            /// errors surface here).
            pub fn into_request(self) -> Result<$crate::Request, $crate::Error> {
                let (path, body) = self.parts().map_err(|e| e.on($route.name()))?;
                let mut request = $crate::Request::new($route, path);
                request.body = body;
                request.authenticated = $authenticated;
                request.overrides = self.overrides;
                Ok(request)
            }
        }
    };
}

/// [`request!`] plus an `IntoFuture` that sends and decodes.
macro_rules! route {
    ($name:ident -> $output:ty, $route:expr) => {
        $crate::routes::route!($name -> $output, $route, true, $crate::routes::decode::json);
    };
    ($name:ident -> $output:ty, $route:expr, $authenticated:expr, $decode:path) => {
        $crate::routes::request!($name, $route, $authenticated);

        impl<'a> ::std::future::IntoFuture for $name<'a> {
            type Output = Result<$output, $crate::Error>;
            type IntoFuture = $crate::Pending<'a, $output>;

            fn into_future(self) -> Self::IntoFuture {
                let client = self.client;
                let request = self.into_request();
                Box::pin(async move { $decode($route.name(), client.send(request?).await?) })
            }
        }
    };
}

pub(crate) use {request, route};

/// `POST {cdn}/{tag}`: uploads a file; the id it answers can be used once,
/// where the tag allows.
///
/// Errors: `FileTooSmall` (empty), `FileTooLarge` (over the tag's limit),
/// `FileTypeNotAllowed` (not an image for an image tag), `NotAuthenticated`,
/// `InvalidSession`, `NotFound` (an invalid bot token), `InternalError`
/// (the malware scan refused it), and plain-text 400s for a malformed form.
#[derive(Debug)]
#[must_use = "a builder does nothing until awaited"]
pub struct Upload<'a> {
    client: &'a Client,
    tag: FileTag,
    resource: Resource,
    overrides: Overrides,
}

impl Upload<'_> {
    /// Settings for this call only, over those set before (see
    /// [`Overrides::and`]).
    pub fn overrides(mut self, overrides: Overrides) -> Self {
        self.overrides = std::mem::take(&mut self.overrides).and(overrides);
        self
    }

    /// The request this builder sends, without sending it. A path is read
    /// here, blocking; an id of an earlier upload is an
    /// [`ErrorKind::UploadRequired`] error, as there is nothing to upload.
    pub fn into_request(self) -> Result<crate::Request, Error> {
        let mut path = String::from("/");
        stoat_model::url::push_path_segment(&mut path, self.tag.as_str());
        let mut request = crate::Request::new(crate::Route::UPLOAD, path);
        request.base = crate::Base::Cdn;
        request.body = self.resource.multipart()?;
        request.overrides = self.overrides;
        Ok(request)
    }
}

impl<'a> std::future::IntoFuture for Upload<'a> {
    type Output = Result<FileId, Error>;
    type IntoFuture = crate::Pending<'a, FileId>;

    fn into_future(mut self) -> Self::IntoFuture {
        Box::pin(async move {
            self.resource = self.resource.load().await?;
            let client = self.client;
            let bytes = client.send(self.into_request()?).await?;
            decode::json::<stoat_model::request::UploadResponse>(crate::Route::UPLOAD.name(), bytes)
                .map(|r| r.id)
        })
    }
}

impl Client {
    /// `POST {cdn}/{tag}`: uploads bytes or a file.
    pub fn upload(&self, tag: FileTag, resource: impl Into<Resource>) -> Upload<'_> {
        Upload {
            client: self,
            tag,
            resource: resource.into(),
            overrides: Overrides::default(),
        }
    }

    /// The id of `resource`: itself if already uploaded, otherwise uploaded
    /// now with `tag`.
    pub(crate) async fn resolve(
        &self,
        resource: Resource,
        tag: FileTag,
        overrides: &Overrides,
    ) -> Result<FileId, Error> {
        if let Some(id) = resource.as_uploaded() {
            return Ok(id.clone());
        }
        // The upload goes to the file server: a base URL override is the
        // API's, and an idempotency key belongs to the request the file is
        // for, so neither is passed on.
        let mut upload_overrides = overrides.clone();
        upload_overrides.base_url = None;
        upload_overrides.idempotency_key = None;
        self.upload(tag, resource).overrides(upload_overrides).await
    }
}
