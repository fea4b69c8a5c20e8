//! The client and its settings.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use stoat_model::node::InstanceLimits;
use stoat_model::validate::MessageLimits;
use stoat_model::{Secret, Timestamp, UserId};

use crate::ratelimit::{LocalRateLimiter, RateLimiter};

/// The official API.
pub const DEFAULT_API_URL: &str = "https://api.stoat.chat/0.8";

/// The official file server.
pub const DEFAULT_CDN_URL: &str = "https://cdn.stoatusercontent.com";

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
    /// The token itself (for the events connection, which takes it in its
    /// `Authenticate` message).
    pub fn secret(&self) -> &Secret {
        match self {
            Self::Bot(token) | Self::Session(token) => token,
        }
    }

    /// Whether this is a bot token.
    pub fn is_bot(&self) -> bool {
        matches!(self, Self::Bot(_))
    }

    pub(crate) fn header(&self) -> (&'static str, &str) {
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

/// When and how often a failed attempt is tried again.
///
/// A 429 from the rate limiter is retried after its `retry_after`. A 502,
/// 503 or 504, or a connection lost before the answer, is retried with
/// exponential backoff and jitter, but only for requests that are safe to
/// send twice ([`Request::is_idempotent`](crate::Request::is_idempotent)).
/// Nothing else is retried; `DiscriminatorChangeRatelimited` (a 429 that
/// lasts a day) never is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The backoff before the second attempt; doubled for each later one.
    pub base_delay: Duration,
    /// The longest backoff.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
        }
    }
}

impl RetryPolicy {
    /// `max_attempts` attempts in all, with backoff from `base_delay`.
    pub fn new(max_attempts: u32, base_delay: Duration) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            base_delay,
            ..Self::default()
        }
    }

    /// No retries at all.
    pub fn none() -> Self {
        Self::new(1, Duration::ZERO)
    }

    /// The backoff after failed attempt `attempt` (1-based): a random delay
    /// up to `base_delay · 2^(attempt-1)` (at most `max_delay`), the events
    /// connection's schedule, so that clients that failed together do not
    /// retry together.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let schedule = stoat_model::backoff::Backoff::new(self.base_delay, self.max_delay);
        schedule.delay(attempt, &mut stoat_model::backoff::Jitter::from_entropy())
    }
}

/// The REST client. Cheap to clone: clones share connections, the rate
/// limiter and the settings.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>,
    pub(crate) token: Option<Token>,
    pub(crate) api_url: String,
    pub(crate) cdn_url: RwLock<String>,
    pub(crate) user_agent: HeaderValue,
    pub(crate) default_headers: HeaderMap,
    pub(crate) timeout: Duration,
    pub(crate) body_limit: usize,
    pub(crate) limiter: Arc<dyn RateLimiter>,
    pub(crate) retry: RetryPolicy,
    pub(crate) allow_insecure: bool,
    /// The instance's limits, once `discover` has read them.
    limits: RwLock<Option<Arc<InstanceLimits>>>,
    /// When the own account was created (ms; 0: unknown), which decides
    /// whether its limits are a new user's.
    own_created_ms: AtomicU64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api_url", &self.inner.api_url)
            .field("cdn_url", &self.cdn_url())
            .field("token", &self.inner.token)
            .field("timeout", &self.inner.timeout)
            .field("limiter", &self.inner.limiter)
            .finish_non_exhaustive()
    }
}

/// Settings of a [`Client`].
#[must_use]
pub struct ClientBuilder {
    token: Option<Token>,
    api_url: String,
    cdn_url: String,
    user_agent: HeaderValue,
    default_headers: HeaderMap,
    timeout: Duration,
    body_limit: usize,
    limiter: Arc<dyn RateLimiter>,
    retry: RetryPolicy,
    allow_insecure: bool,
    tls: Option<rustls::ClientConfig>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_url", &self.api_url)
            .field("cdn_url", &self.cdn_url)
            .field("token", &self.token)
            .field("timeout", &self.timeout)
            .field("custom_tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The token to authenticate with.
    pub fn token(mut self, token: Token) -> Self {
        self.token = Some(token);
        self
    }

    /// The API base URL (default: the official service's).
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        url.into().trim_end_matches('/').clone_into(&mut self.api_url);
        self
    }

    /// The file server's base URL (default: the official service's;
    /// [`Client::discover`] sets it from the server's own answer).
    pub fn cdn_url(mut self, url: impl Into<String>) -> Self {
        url.into().trim_end_matches('/').clone_into(&mut self.cdn_url);
        self
    }

    /// The `User-Agent` header (characters a header cannot hold are dropped).
    pub fn user_agent(mut self, agent: &str) -> Self {
        let agent: String = agent.chars().filter(|c| !c.is_control()).collect();
        if let Ok(value) = HeaderValue::from_str(&agent) {
            self.user_agent = value;
        }
        self
    }

    /// A header sent with every request (marked sensitive, so that no
    /// `Debug` output shows it).
    pub fn default_header(mut self, name: HeaderName, mut value: HeaderValue) -> Self {
        value.set_sensitive(true);
        self.default_headers.append(name, value);
        self
    }

    /// How long one attempt may take, answer body included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest response body accepted (default 8 MiB).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The rate limiter (default: a [`LocalRateLimiter`]).
    pub fn rate_limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.limiter = limiter;
        self
    }

    /// When failed attempts are retried (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Allow plain `http://` to hosts other than loopback. Off by default:
    /// the token would cross the network in the clear.
    pub fn allow_insecure(mut self, allow: bool) -> Self {
        self.allow_insecure = allow;
        self
    }

    /// The TLS settings of `https://` connections, instead of the default
    /// (the bundled webpki roots, or the system's with the `native-roots`
    /// feature): for an instance whose certificate comes from a private
    /// authority, or to present a client certificate. Built with this
    /// crate's [`rustls`](crate::rustls). Its ALPN protocols are replaced by
    /// the HTTP versions this client speaks.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use stoat_http::rustls;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // The authority's certificate, in DER (`openssl x509 -outform der`).
    /// let private_ca = rustls::pki_types::CertificateDer::from(std::fs::read("private-ca.der")?);
    /// let mut roots = rustls::RootCertStore::empty();
    /// roots.add(private_ca)?;
    /// let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
    ///     .with_safe_default_protocol_versions()?
    ///     .with_root_certificates(roots)
    ///     .with_no_client_auth();
    /// let client = stoat_http::Client::builder().api_url("https://chat.example.org/api").tls_config(tls).build();
    /// # Ok(())
    /// # }
    /// ```
    pub fn tls_config(mut self, mut config: rustls::ClientConfig) -> Self {
        // The connector sets them itself, and refuses (panics on) a config
        // that already has some.
        config.alpn_protocols.clear();
        self.tls = Some(config);
        self
    }

    /// The client.
    pub fn build(self) -> Client {
        let roots = hyper_rustls::HttpsConnectorBuilder::new();
        let roots = match self.tls {
            Some(config) => roots.with_tls_config(config),
            #[cfg(feature = "native-roots")]
            None => roots
                .with_native_roots()
                .unwrap_or_else(|_| hyper_rustls::HttpsConnectorBuilder::new().with_webpki_roots()),
            #[cfg(not(feature = "native-roots"))]
            None => roots.with_webpki_roots(),
        };
        let connector = roots.https_or_http().enable_http1().build();
        let http = HyperClient::builder(TokioExecutor::new()).build(connector);
        Client {
            inner: Arc::new(Inner {
                http,
                token: self.token,
                api_url: self.api_url,
                cdn_url: RwLock::new(self.cdn_url),
                user_agent: self.user_agent,
                default_headers: self.default_headers,
                timeout: self.timeout,
                body_limit: self.body_limit,
                limiter: self.limiter,
                retry: self.retry,
                allow_insecure: self.allow_insecure,
                limits: RwLock::new(None),
                own_created_ms: AtomicU64::new(0),
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
            cdn_url: DEFAULT_CDN_URL.to_owned(),
            user_agent: HeaderValue::from_static(concat!(
                "stoat-rs (https://github.com/stoat-rs/stoat-rs, ",
                env!("CARGO_PKG_VERSION"),
                ")"
            )),
            default_headers: HeaderMap::new(),
            timeout: Duration::from_secs(30),
            body_limit: 8 << 20,
            limiter: Arc::new(LocalRateLimiter::new()),
            retry: RetryPolicy::default(),
            allow_insecure: false,
            tls: None,
        }
    }

    /// The API base URL.
    pub fn api_url(&self) -> &str {
        &self.inner.api_url
    }

    /// The file server's base URL.
    pub fn cdn_url(&self) -> String {
        self.inner
            .cdn_url
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The rate limiter in use.
    pub fn rate_limiter(&self) -> &Arc<dyn RateLimiter> {
        &self.inner.limiter
    }

    /// `GET /`, and takes from the answer the file server's URL (when the
    /// server has one) and the instance's limits, which sends are then
    /// checked against. The answer's `ws` is the events URL for
    /// `stoat-gateway`.
    pub async fn discover(&self) -> Result<stoat_model::node::NodeInfo, crate::Error> {
        let node = self.node_info().await?;
        *self.inner.limits.write().unwrap_or_else(PoisonError::into_inner) =
            node.features.limits.clone().map(Arc::new);
        if node.features.autumn.enabled && !node.features.autumn.url.is_empty() {
            node.features
                .autumn
                .url
                .trim_end_matches('/')
                .clone_into(&mut self.inner.cdn_url.write().unwrap_or_else(PoisonError::into_inner));
        }
        Ok(node)
    }

    /// The instance's limits, once [`discover`](Self::discover) has read
    /// them from `GET /`.
    pub fn instance_limits(&self) -> Option<Arc<InstanceLimits>> {
        self.inner
            .limits
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Tells the client whose token it holds, so that sends are checked
    /// against the limits of an account of that age (a new user's for
    /// `new_user_hours`). The facade does this once it knows you.
    pub fn set_own_id(&self, id: UserId) {
        self.inner
            .own_created_ms
            .store(id.timestamp_ms(), Ordering::Relaxed);
    }

    /// The limits a message is checked against before it is sent: the
    /// instance's for this account once known (see
    /// [`discover`](Self::discover) and [`set_own_id`](Self::set_own_id);
    /// an account of unknown age gets `default`), the official ones before.
    pub fn message_limits(&self) -> MessageLimits {
        let Some(instance) = self.instance_limits() else {
            return MessageLimits::OFFICIAL;
        };
        let account = match self.inner.own_created_ms.load(Ordering::Relaxed) {
            0 => &instance.default,
            created => instance.for_account(created, Timestamp::now().unix_ms()),
        };
        MessageLimits::of(&instance, account)
    }
}
