//! The client a bot starts with: REST, events and cache in one.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use stoat_cache::{Cache, Resources};
use stoat_gateway::{Gateway, GatewayBuilder};
use stoat_http::{Overrides, Token};
use stoat_model::event::{EventFlags, Format};
use stoat_model::{ChannelId, Message, Secret, UserId};
use tokio::sync::oneshot;

use crate::Error;
use crate::channel::ChannelHandle;
use crate::connection::{Connection, Look};
use crate::event::Event;
use crate::stream::Events;
use crate::user::{OwnUser, UserHandle};

/// The client: a REST client, an events connection once started, and the
/// cache both keep current. Cheap to clone: clones share everything.
///
/// ```no_run
/// # async fn run() -> Result<(), stoat::Error> {
/// use futures_util::StreamExt;
/// use stoat::{Client, Event, Token};
///
/// let client = Client::new(Token::Bot("…".into()));
/// let mut events = client.connect().await?;
/// while let Some(event) = events.next().await {
///     if let Event::Message(new) = event? {
///         println!("{}: {}", new.message.author, new.message.text());
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: stoat_http::Client,
    pub(crate) cache: Cache,
    token: Token,
    ws_url: Option<String>,
    format: Format,
    events: EventFlags,
    tls: Option<crate::http::rustls::ClientConfig>,
    configure_gateway: ConfigureGateway,
    /// The events connection, from `connect` to its end.
    pub(crate) connection: Connection,
    /// `Ready`s applied through [`Client::ingest`], for their `session`.
    ingested_readies: std::sync::atomic::AtomicU64,
}

/// The caller's changes to the events connection's settings, applied at
/// every [`Client::connect`].
type ConfigureGateway = Arc<dyn Fn(GatewayBuilder) -> GatewayBuilder + Send + Sync>;

/// How far a [`Client::run`] loop may read ahead of its handlers before it
/// warns (and again at each doubling): handlers slower than the events.
const READ_AHEAD_WARNING: usize = 1024;

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("http", &self.inner.http)
            .field("ws_url", &self.inner.ws_url)
            .field("connected", &self.gateway().is_some())
            .finish_non_exhaustive()
    }
}

/// Settings of a [`Client`].
#[must_use]
pub struct ClientBuilder {
    token: Token,
    http: stoat_http::ClientBuilder,
    ws_url: Option<String>,
    format: Format,
    events: EventFlags,
    tls: Option<crate::http::rustls::ClientConfig>,
    configure_gateway: ConfigureGateway,
    resources: Resources,
    message_limit: usize,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("token", &self.token)
            .field("ws_url", &self.ws_url)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The API base URL (default: the official service's). The events and
    /// file server URLs are then read from its `GET /` when connecting.
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.http = self.http.api_url(url);
        self
    }

    /// The events URL, instead of the one `GET /` names.
    pub fn ws_url(mut self, url: impl Into<String>) -> Self {
        self.ws_url = Some(url.into());
        self
    }

    /// The events wire format (default JSON; MessagePack is smaller).
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// The events wanted; others are skipped before decoding (the cache
    /// then does not see them either). Default: all.
    pub fn events(mut self, events: EventFlags) -> Self {
        self.events = events;
        self
    }

    /// What the cache keeps, and how many messages per channel.
    pub fn cache(mut self, resources: Resources, message_limit: usize) -> Self {
        self.resources = resources;
        self.message_limit = message_limit;
        self
    }

    /// Changes the REST client's settings (timeouts, rate limiter, retries,
    /// default headers…).
    pub fn http(
        mut self,
        configure: impl FnOnce(stoat_http::ClientBuilder) -> stoat_http::ClientBuilder,
    ) -> Self {
        self.http = configure(self.http);
        self
    }

    /// The TLS settings of both `https://` and `wss://` connections, instead
    /// of the default roots: for an instance whose certificate comes from a
    /// private authority (see [`stoat_http::ClientBuilder::tls_config`] for
    /// how to build one with [`stoat::http::rustls`](crate::http::rustls)).
    pub fn tls_config(mut self, config: crate::http::rustls::ClientConfig) -> Self {
        self.http = self.http.tls_config(config.clone());
        self.tls = Some(config);
        self
    }

    /// Changes the events connection's settings (heartbeat, timeouts,
    /// backoff, `max_attempts`…), applied after [`format`](Self::format),
    /// [`events`](Self::events) and [`tls_config`](Self::tls_config) at
    /// every [`Client::connect`].
    ///
    /// ```
    /// use std::time::Duration;
    /// # let token = stoat::Token::Bot("…".into());
    /// let client = stoat::Client::builder(token)
    ///     .gateway(|gateway| gateway.max_attempts(10).backoff(Duration::from_millis(500), Duration::from_secs(30)))
    ///     .build();
    /// ```
    pub fn gateway(
        mut self,
        configure: impl Fn(GatewayBuilder) -> GatewayBuilder + Send + Sync + 'static,
    ) -> Self {
        self.configure_gateway = Arc::new(configure);
        self
    }

    /// The client.
    pub fn build(self) -> Client {
        Client {
            inner: Arc::new(Inner {
                http: self.http.token(self.token.clone()).build(),
                cache: Cache::with_resources(self.resources, self.message_limit),
                token: self.token,
                ws_url: self.ws_url,
                format: self.format,
                events: self.events,
                tls: self.tls,
                configure_gateway: self.configure_gateway,
                connection: Connection::default(),
                ingested_readies: std::sync::atomic::AtomicU64::new(0),
            }),
        }
    }
}

impl Client {
    /// A client for the official service.
    pub fn new(token: Token) -> Self {
        Self::builder(token).build()
    }

    /// A client to configure.
    pub fn builder(token: Token) -> ClientBuilder {
        ClientBuilder {
            token,
            http: stoat_http::Client::builder(),
            ws_url: None,
            format: Format::Json,
            events: EventFlags::all(),
            tls: None,
            configure_gateway: Arc::new(|gateway| gateway),
            resources: Resources::all(),
            message_limit: 100,
        }
    }

    /// A client configured from the environment, if `STOAT_TOKEN` is set:
    /// `STOAT_TOKEN_KIND` (`bot`, the default, or `session`) and
    /// `STOAT_API_URL` (default: the official service).
    pub fn builder_from_env() -> Option<ClientBuilder> {
        let token = Secret::new(std::env::var("STOAT_TOKEN").ok()?);
        let token = match std::env::var("STOAT_TOKEN_KIND").as_deref() {
            Ok("session") => Token::Session(token),
            _ => Token::Bot(token),
        };
        let builder = Self::builder(token);
        Some(match std::env::var("STOAT_API_URL") {
            Ok(url) => builder.api_url(url),
            Err(_) => builder,
        })
    }

    /// The REST client, for every route.
    pub fn http(&self) -> &stoat_http::Client {
        &self.inner.http
    }

    /// The cache, kept current by the events connection.
    pub fn cache(&self) -> &Cache {
        &self.inner.cache
    }

    /// Connects the events connection and returns its stream: each event
    /// is applied to the cache before it is handed out. Reconnects happen by
    /// themselves (each one yields a new [`Event::Ready`]).
    ///
    /// A client has one events connection at a time: while one runs, this
    /// fails with [`Error::AlreadyConnected`]. Once it has ended (after
    /// [`close`](Self::close), a terminal error, or dropping its stream),
    /// `connect` starts a new one. A `close` that comes while this is still
    /// looking up the events URL applies to it: the stream it returns ends
    /// at once.
    pub async fn connect(&self) -> Result<Events, Error> {
        let connection = &self.inner.connection;
        let seen = connection.generation();
        if connection.is_running() {
            return Err(Error::AlreadyConnected);
        }
        let url = match &self.inner.ws_url {
            Some(url) => url.clone(),
            None => self.inner.http.discover().await?.ws.to_string(),
        };
        let mut gateway = Gateway::builder(url, self.inner.token.secret().clone())
            .format(self.inner.format)
            .events(self.inner.events);
        if let Some(tls) = &self.inner.tls {
            gateway = gateway.tls_config(tls.clone());
        }
        let (gateway, handle) = (self.inner.configure_gateway)(gateway).build()?;
        // Checked again: another `connect` may have won, or a `close` come,
        // while this one discovered the URL. The stream built here has not
        // connected yet.
        let generation = connection
            .start(&handle, seen)
            .map_err(|()| Error::AlreadyConnected)?;
        Ok(Events::new(self.clone(), gateway, handle, generation))
    }

    /// Connects, and calls `handler` for every event until the connection
    /// ends: cleanly after [`close`](Self::close) (`Ok`), or with its
    /// terminal error.
    ///
    /// Events are handled one at a time, in order. While a handler runs, the
    /// connection is still read: its events are applied to the cache and
    /// kept for the next handlers, so a handler may
    /// [`wait_for`](Self::wait_for) a later event, and its commands (typing)
    /// go out at once. Handlers slower than the events make that backlog
    /// grow (a warning is logged past 1,024 events): spawn long work. Events
    /// read before the connection closed are still handled.
    ///
    /// Not cancel-safe: dropping the future (in a `select!`, say) drops
    /// the events read but not yet handled (the cache has them).
    pub async fn run(&self, handler: &impl crate::EventHandler) -> Result<(), Error> {
        use futures_util::StreamExt;

        let mut events = self.connect().await?;
        let generation = events.generation();
        let _forget = ForgetUnhandled(self, generation);
        let mut ahead: VecDeque<Result<Event, Error>> = VecDeque::new();
        let (mut ended, mut warn_at) = (false, READ_AHEAD_WARNING);
        loop {
            let item = match ahead.pop_front() {
                Some(item) => {
                    // Read ahead, it was kept for `wait_for` until now.
                    if let (Ok(_), Some(generation)) = (&item, generation) {
                        self.inner.connection.handling(generation);
                    }
                    item
                }
                None if ended => return Ok(()),
                None => match events.next().await {
                    Some(item) => item,
                    None => return Ok(()),
                },
            };
            let item = match item {
                Err(error) if error.is_terminal() => return Err(error),
                item => item,
            };
            // `on_error` too runs while the connection is read.
            let handling = async {
                match &item {
                    Ok(event) => crate::handler::dispatch(handler, self, event).await,
                    Err(error) => handler.on_error(self, error).await,
                }
            };
            let mut handling = std::pin::pin!(handling);
            self.read_ahead(generation, true);
            loop {
                tokio::select! {
                    biased;
                    () = &mut handling => break,
                    next = events.next(), if !ended => match next {
                        Some(next) => {
                            ahead.push_back(next);
                            if ahead.len() >= warn_at {
                                tracing::warn!(backlog = ahead.len(), "handlers fall behind the events");
                                warn_at *= 2;
                            }
                        }
                        None => ended = true,
                    },
                }
            }
            self.read_ahead(generation, false);
        }
    }

    fn read_ahead(&self, generation: Option<u64>, on: bool) {
        if let Some(generation) = generation {
            self.inner.connection.reading_ahead(generation, on);
        }
    }

    /// Applies an event from the server to the cache and hands each event
    /// it makes to `emit`, as a connected client does with every event it
    /// reads. For events that reach this process another way (from a
    /// process that holds the connection, through a queue), so that the
    /// cache and the handlers see them as they would from the socket.
    ///
    /// A `Ready` replaces the cache's state and becomes [`Event::Ready`]
    /// (its `session` counts the `Ready`s this client ingested before it).
    pub fn ingest(&self, event: stoat_model::Event, mut emit: impl FnMut(Event)) {
        if let stoat_model::Event::Ready(state) = event {
            let event = stoat_model::Event::Ready(state);
            self.inner.cache.update(&event);
            if let stoat_model::Event::Ready(state) = event {
                if let Some(me) = state.own_user() {
                    self.inner.http.set_own_id(me.id);
                }
                let session = self
                    .inner
                    .ingested_readies
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                emit(Event::Ready(crate::event::Ready {
                    session,
                    state: Arc::from(state),
                }));
            }
            return;
        }
        crate::ingest::ingest(&self.inner.cache, event, &mut emit);
    }

    /// Calls `handler`'s method for `event`, then its `on_event`, as
    /// [`run`](Self::run) does: for events that came through
    /// [`ingest`](Self::ingest).
    pub async fn handle(&self, handler: &impl crate::EventHandler, event: &Event) {
        crate::handler::dispatch(handler, self, event).await;
    }

    /// The next event that `matches`, or [`Error::Timeout`]. Events come
    /// from whoever drives the stream: a [`run`](Self::run) loop (where the
    /// events it read but has not handled yet come first, so that a handler
    /// sees the reply that arrived while an earlier one ran) or an
    /// [`Events`] consumer. Ends with [`Error::NotConnected`] when the
    /// client's connection ends (after `close`, a terminal error, or
    /// dropping its stream). If `matches` panics, the panic resumes here.
    pub async fn wait_for(
        &self,
        matches: impl Fn(&Event) -> bool + Send + Sync + 'static,
        timeout: Duration,
    ) -> Result<Event, Error> {
        let (sender, receiver) = oneshot::channel();
        match self.inner.connection.first_or_wait(Box::new(matches), sender) {
            Look::NotConnected => return Err(Error::NotConnected),
            Look::Found(event) => return Ok(event),
            Look::Waiting => {}
        }
        match tokio::time::timeout(timeout, receiver).await {
            Ok(Ok(Ok(event))) => Ok(event),
            Ok(Ok(Err(panic))) => std::panic::resume_unwind(panic),
            Ok(Err(_)) => Err(Error::NotConnected),
            Err(_) => Err(Error::Timeout { waited: timeout }),
        }
    }

    /// Closes the events connection: its stream ends (and a `run` loop
    /// returns `Ok`) once the close frame is sent. REST requests are not
    /// affected. The client spawns no task, so nothing is left behind.
    pub fn close(&self) {
        drop(self.inner.connection.close());
    }

    /// The events connection's command handle, while one runs.
    pub fn gateway(&self) -> Option<stoat_gateway::Handle> {
        self.inner.connection.handle()
    }

    /// The round trip of the last ping, when connected.
    pub fn latency(&self) -> Option<Duration> {
        self.gateway().and_then(|g| g.latency())
    }

    /// A user, by id: a handle for every method of the Users API.
    pub fn user(&self, id: UserId) -> UserHandle {
        UserHandle::new(self.clone(), id, None)
    }

    /// A user handle whose requests all use `overrides` (stoat.py's
    /// `http_overrides`); the same as `client.user(id).with_overrides(…)`.
    pub fn user_with(&self, id: UserId, overrides: Overrides) -> UserHandle {
        UserHandle::new(self.clone(), id, Some(overrides))
    }

    /// A channel (a DM, a group, your saved messages), by id: a handle to
    /// send, read the history, search, acknowledge and show typing.
    pub fn channel(&self, id: ChannelId) -> ChannelHandle {
        ChannelHandle::new(self.clone(), id, None)
    }

    /// Answers `message` in its own channel, as a reply that does not
    /// mention its author (see [`ChannelHandle::reply`] for the options).
    ///
    /// ```no_run
    /// # async fn run(client: stoat::Client, message: stoat::Message) -> Result<(), stoat::Error> {
    /// client.reply(&message, "pong").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn reply(&self, message: &Message, content: impl Into<String>) -> Result<Message, Error> {
        let content = content.into();
        self.channel(message.channel)
            .reply(message.id, false, |send| send.content(content))
            .await
    }

    /// Your own user: from the cache once connected, fetched otherwise.
    pub async fn me(&self) -> Result<OwnUser, Error> {
        self.me_with(None).await
    }

    /// [`me`](Self::me), fetched with `overrides` when not cached.
    pub async fn me_with(&self, overrides: Option<Overrides>) -> Result<OwnUser, Error> {
        if let Some(id) = self.inner.cache.me_id() {
            return Ok(OwnUser::new(self.clone(), id));
        }
        let request = self.inner.http.current_user();
        let me = match overrides {
            Some(overrides) => request.overrides(overrides),
            None => request,
        }
        .await?;
        let id = me.id;
        self.inner.http.set_own_id(id);
        self.inner.cache.insert_me(me);
        Ok(OwnUser::new(self.clone(), id))
    }
}

/// Forgets a `run` loop's unhandled events when it ends, also when its
/// future is dropped.
struct ForgetUnhandled<'a>(&'a Client, Option<u64>);

impl Drop for ForgetUnhandled<'_> {
    fn drop(&mut self) {
        if let Some(generation) = self.1 {
            drop(self.0.inner.connection.forget_unhandled(generation));
        }
    }
}
