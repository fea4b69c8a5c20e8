//! Settings of a connection and their builder.

use std::sync::Arc;
use std::time::Duration;

use stoat_model::Secret;
use stoat_model::event::{EventFlags, Format};

use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::{Gateway, Handle};
use stoat_model::backoff::{Backoff, Jitter};

/// What every attempt of a connection uses.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) endpoint: Endpoint,
    pub(crate) token: Secret,
    pub(crate) format: Format,
    pub(crate) wanted: EventFlags,
    pub(crate) heartbeat_interval: Duration,
    pub(crate) pong_timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) ready_timeout: Duration,
    pub(crate) backoff: Backoff,
    pub(crate) max_attempts: Option<u32>,
    pub(crate) max_message_size: usize,
    /// TLS settings for `wss://` other than the default roots.
    #[cfg(feature = "rustls")]
    pub(crate) tls: Option<Arc<rustls::ClientConfig>>,
}

/// Settings of a [`Gateway`]; made by [`Gateway::builder`].
#[derive(Debug)]
#[must_use]
pub struct GatewayBuilder {
    url: String,
    token: Secret,
    format: Format,
    ready: Vec<String>,
    wanted: EventFlags,
    heartbeat_interval: Duration,
    pong_timeout: Duration,
    connect_timeout: Duration,
    ready_timeout: Duration,
    backoff: Backoff,
    max_attempts: Option<u32>,
    max_message_size: usize,
    command_capacity: usize,
    allow_insecure: bool,
    jitter_seed: Option<u64>,
    #[cfg(feature = "rustls")]
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl GatewayBuilder {
    pub(crate) fn new(url: String, token: Secret) -> Self {
        Self {
            url,
            token,
            format: Format::Json,
            ready: Vec::new(),
            wanted: EventFlags::all(),
            heartbeat_interval: Duration::from_secs(20),
            pong_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            ready_timeout: Duration::from_secs(30),
            backoff: Backoff::new(Duration::from_secs(1), Duration::from_secs(60)),
            max_attempts: None,
            max_message_size: 32 << 20,
            command_capacity: 32,
            allow_insecure: false,
            jitter_seed: None,
            #[cfg(feature = "rustls")]
            tls: None,
        }
    }

    /// The wire format (default JSON).
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// Asks for only these parts of `Ready` (`users`, `channels`,
    /// `voice_states`…), each sent as its own `ready=` parameter. Without
    /// any, the server sends its default set.
    pub fn ready_fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.ready = fields.into_iter().map(Into::into).collect();
        self
    }

    /// The events the stream yields (default: all). Frames of other kinds
    /// are dropped after their tag is read, without being decoded. What
    /// the connection itself needs (`Ready`, `Pong`, `Logout`, errors) is
    /// always read.
    pub fn events(mut self, wanted: EventFlags) -> Self {
        self.wanted = wanted;
        self
    }

    /// How often a `Ping` is sent (default 20 s).
    pub fn heartbeat_interval(mut self, interval: Duration) -> Self {
        self.heartbeat_interval = interval;
        self
    }

    /// How long a `Pong` (and any frame being sent) is waited for before the
    /// connection counts as dead (default 10 s).
    pub fn pong_timeout(mut self, timeout: Duration) -> Self {
        self.pong_timeout = timeout;
        self
    }

    /// How long the TCP connection and WebSocket upgrade may take (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long `Authenticated` and `Ready` may take after the upgrade
    /// (default 30 s: a large account's `Ready` takes a while).
    pub fn ready_timeout(mut self, timeout: Duration) -> Self {
        self.ready_timeout = timeout;
        self
    }

    /// The backoff between failed attempts: the first retry after a loss
    /// goes at once, then attempt `n` waits a random delay up to
    /// `min(cap, base · 2^(n-2))` (defaults 1 s and 60 s; the schedule is
    /// [`stoat_model::backoff::Backoff`], the REST retries' too).
    ///
    /// A connection lost before its first heartbeat was answered counts as
    /// a failed attempt: the next one waits as the attempt after the one
    /// that opened it. A server that sends `Ready` and then drops every
    /// connection is so retried with growing delays, not in a tight loop.
    pub fn backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.backoff = Backoff::new(base, cap);
        self
    }

    /// Gives up after this many failed attempts in a row (default: never).
    /// A connection whose heartbeat was answered starts the count again; one
    /// lost before that is one more failed attempt.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    /// The largest frame accepted, in bytes (default 32 MiB); a larger one
    /// is a protocol error that ends the connection.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// How many commands may wait to be sent (default 32); senders wait
    /// beyond that.
    pub fn command_capacity(mut self, capacity: usize) -> Self {
        self.command_capacity = capacity.max(1);
        self
    }

    /// Allows `ws://` to hosts other than loopback (default: refused,
    /// since the token would cross the network in clear).
    pub fn allow_insecure(mut self, allow: bool) -> Self {
        self.allow_insecure = allow;
        self
    }

    /// The TLS settings of `wss://` connections, instead of the bundled
    /// webpki roots: for an instance whose certificate comes from a private
    /// authority, or to present a client certificate. Built with this
    /// crate's [`rustls`](crate::rustls).
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use stoat_gateway::{Gateway, rustls};
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
    /// let (gateway, handle) = Gateway::builder("wss://chat.example.org/events", stoat_model::Secret::new("…"))
    ///     .tls_config(tls)
    ///     .build()?;
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "rustls")]
    pub fn tls_config(mut self, config: rustls::ClientConfig) -> Self {
        self.tls = Some(Arc::new(config));
        self
    }

    /// Seeds the backoff's jitter, for reproducible delays in tests
    /// (default: seeded from the clock).
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.jitter_seed = Some(seed);
        self
    }

    /// The connection: a stream that connects when first polled, and a
    /// handle to send commands with.
    pub fn build(self) -> Result<(Gateway, Handle), Error> {
        let endpoint = Endpoint::new(&self.url, self.format, &self.ready, self.allow_insecure)?;
        let config = Config {
            endpoint,
            token: self.token,
            format: self.format,
            wanted: self.wanted,
            heartbeat_interval: self.heartbeat_interval,
            pong_timeout: self.pong_timeout,
            connect_timeout: self.connect_timeout,
            ready_timeout: self.ready_timeout,
            backoff: self.backoff,
            max_attempts: self.max_attempts,
            max_message_size: self.max_message_size,
            #[cfg(feature = "rustls")]
            tls: self.tls,
        };
        let jitter = self.jitter_seed.map_or_else(Jitter::from_entropy, Jitter::new);
        Ok(Gateway::start(Arc::new(config), jitter, self.command_capacity))
    }
}
