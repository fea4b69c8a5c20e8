//! The REST client of the Stoat (formerly Revolt) chat API.
//!
//! One builder per route: set what the route takes, then `.await` it. Input
//! is checked against the server's rules before anything is sent, and every
//! failure is one [`Error`] that carries the server's answer in whichever
//! shape it came.
//!
//! ```no_run
//! # async fn run() -> Result<(), stoat_http::Error> {
//! use stoat_http::{Client, Token};
//!
//! let client = Client::new(Token::Bot("…".into()));
//! let me = client.current_user().await?;
//! println!("{}", me.tag());
//! # Ok(())
//! # }
//! ```
//!
//! This first version has the `/users` routes; DM routes, uploads, the
//! rate limiter and retries come next.
#![forbid(unsafe_code)]

mod error;
mod routes;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use stoat_model::Secret;
use stoat_model::error::ErrorBody;

pub use error::{Error, ErrorKind};
pub use routes::users::*;

/// The official API.
pub const DEFAULT_API_URL: &str = "https://api.stoat.chat/0.8";

/// How the client authenticates.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Token {
    /// A bot token (`X-Bot-Token`).
    Bot(Secret),
    /// A user session token (`X-Session-Token`).
    Session(Secret),
}

impl Token {
    fn header(&self) -> (&'static str, &str) {
        match self {
            Self::Bot(token) => ("x-bot-token", token.expose()),
            Self::Session(token) => ("x-session-token", token.expose()),
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Bot(_) => "Token::Bot([redacted])",
            Self::Session(_) => "Token::Session([redacted])",
        })
    }
}

/// A request ready to be sent: what a builder turns into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// HTTP method.
    pub method: &'static str,
    /// The route template, e.g. `GET /users/{target}`: logged instead of the path.
    pub route: &'static str,
    /// The path after the base URL, with every free-text segment percent-encoded.
    pub path: String,
    /// A JSON body.
    pub body: Option<Vec<u8>>,
    /// Whether the route needs the token (a few routes take none).
    pub authenticated: bool,
}

/// The future a builder becomes when awaited.
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// The REST client. Cheap to clone: clones share connections.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>,
    token: Option<Token>,
    api_url: String,
    user_agent: String,
    timeout: Duration,
    body_limit: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api_url", &self.inner.api_url)
            .field("token", &self.inner.token)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

/// Settings of a [`Client`].
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    token: Option<Token>,
    api_url: String,
    user_agent: String,
    timeout: Duration,
    body_limit: usize,
}

impl ClientBuilder {
    /// The token to authenticate with.
    pub fn token(mut self, token: Token) -> Self {
        self.token = Some(token);
        self
    }

    /// The API base URL (default: the official service).
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        url.into().trim_end_matches('/').clone_into(&mut self.api_url);
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = agent.into();
        self
    }

    /// How long a request may take in all (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest response body accepted (default 8 MiB).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The client.
    pub fn build(self) -> Client {
        let roots = hyper_rustls::HttpsConnectorBuilder::new();
        #[cfg(feature = "native-roots")]
        let roots = roots
            .with_native_roots()
            .unwrap_or_else(|_| hyper_rustls::HttpsConnectorBuilder::new().with_webpki_roots());
        #[cfg(not(feature = "native-roots"))]
        let roots = roots.with_webpki_roots();
        let connector = roots.https_or_http().enable_http1().build();
        let http = HyperClient::builder(TokioExecutor::new()).build(connector);
        Client {
            inner: Arc::new(Inner {
                http,
                token: self.token,
                api_url: self.api_url,
                user_agent: self.user_agent,
                timeout: self.timeout,
                body_limit: self.body_limit,
            }),
        }
    }
}

impl Client {
    /// A client for the official service with `token`.
    pub fn new(token: Token) -> Self {
        Self::builder().token(token).build()
    }

    /// A client to configure.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            token: None,
            api_url: DEFAULT_API_URL.to_owned(),
            user_agent: concat!(
                "stoat-rs (https://github.com/stoat-rs/stoat-rs, ",
                env!("CARGO_PKG_VERSION"),
                ")"
            )
            .to_owned(),
            timeout: Duration::from_secs(30),
            body_limit: 8 << 20,
        }
    }

    /// Sends a request and returns the body of a success answer.
    pub async fn send(&self, request: Request) -> Result<Bytes, Error> {
        let inner = &self.inner;
        let uri: hyper::Uri = format!("{}{}", inner.api_url, request.path)
            .parse()
            .map_err(|e| Error::with_source(ErrorKind::Url, e))?;
        let mut builder = hyper::Request::builder()
            .method(request.method)
            .uri(uri)
            .header("accept", "application/json")
            .header("user-agent", &inner.user_agent);
        if request.authenticated
            && let Some(token) = &inner.token
        {
            let (name, value) = token.header();
            let mut value = hyper::header::HeaderValue::from_str(value)
                .map_err(|_| Error::new(ErrorKind::InvalidToken))?;
            // Sensitive values are redacted in hyper's own `Debug` output.
            value.set_sensitive(true);
            builder = builder.header(name, value);
        }
        if request.body.is_some() {
            builder = builder.header("content-type", "application/json");
        }
        let body = Full::new(request.body.map(Bytes::from).unwrap_or_default());
        let http_request = builder
            .body(body)
            .map_err(|e| Error::with_source(ErrorKind::Url, e))?;
        let exchange = async {
            let response = inner
                .http
                .request(http_request)
                .await
                .map_err(|e| Error::with_source(ErrorKind::Transport, e))?;
            let status = response.status().as_u16();
            let bytes = Limited::new(response.into_body(), inner.body_limit)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        Error::new(ErrorKind::BodyTooLarge {
                            limit: inner.body_limit,
                        })
                    } else {
                        Error::with_source(ErrorKind::Transport, e)
                    }
                })?
                .to_bytes();
            Ok::<_, Error>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(inner.timeout, exchange)
            .await
            .map_err(|_| Error::new(ErrorKind::Timeout))??;
        tracing::debug!(route = request.route, status, "request");
        if (200..300).contains(&status) {
            Ok(bytes)
        } else {
            Err(Error::new(ErrorKind::Api {
                status,
                body: ErrorBody::parse(&bytes),
            }))
        }
    }
}

/// Decodes a JSON success body as the route's type.
pub(crate) fn json<T: serde::de::DeserializeOwned>(route: &'static str, bytes: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::with_source(ErrorKind::Decode { route }, e))
}

/// The README's example, compiled as a doc test.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
