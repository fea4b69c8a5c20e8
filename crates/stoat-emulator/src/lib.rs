//! A local, in-memory Stoat server for tests and offline runs: REST and
//! events on loopback, on ephemeral ports, behaving as the official server
//! does (as its recorded exchanges show).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let emulator = stoat_emulator::Emulator::start().await?;
//! let alice = emulator.create_user("alice");
//! let bob = emulator.create_user("bob");
//! assert_ne!(alice.id, bob.id);
//! assert!(emulator.api_url().starts_with("http://127.0.0.1:"));
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! It depends on `stoat-model` only: it must not answer the SDK's clients
//! with their own code, or both could be wrong the same way.
//!
//! Emulated so far: `GET /`, accounts and tokens, every `/users` route with
//! the server's perspective, permission and relationship rules, the DM
//! routes and user reports, the rate limiter, and the events connection
//! (authentication, `Ready`, pings, typing, presence, and the events the
//! routes cause), file uploads, voice events through the test API, fault
//! injection, and [`TlsFront`] for `https://` and `wss://` tests; the
//! instance's [`Limits`] (published and enforced), several sessions per user,
//! and per-session / per-address rate limiting. The crate's README lists
//! where it differs from the official server, and why.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod avatars;
mod capture;
mod faults;
mod http;
mod limits;
mod ratelimit;
mod reply;
mod routes;
mod tls;
mod world;
mod ws;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use stoat_model::event::{
    Event, Logout, UserVoiceStateUpdate, VoiceChannelJoin, VoiceChannelLeave, VoiceChannelMove,
};
use stoat_model::{ChannelId, PartialUserVoiceState, Secret, Timestamp, UserId, UserVoiceState};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use capture::LogCapture;
pub use faults::RestFaultKind;
pub use limits::{GlobalLimits, Limits, UserLimits};
pub use tls::TlsFront;

use crate::faults::Faults;
use crate::ratelimit::Limiter;
use crate::world::World;

/// An account created on the emulator.
#[derive(Clone, Debug)]
pub struct Account {
    /// The user's id.
    pub id: UserId,
    /// Its token (a session token for users, a bot token for bots).
    pub token: Secret,
    /// The password, for routes that ask for it.
    pub password: Secret,
}

/// Settings of an emulator.
#[derive(Clone, Debug)]
pub struct Config {
    /// Length of the rate limiter's windows (the server's is 10 s; tests
    /// shorten it so they need not wait; zero turns limiting off).
    pub rate_limit_window: Duration,
    /// Whether the server limits at all (default on). Off, it answers
    /// without rate-limit headers, as a server without the limiter would:
    /// for measuring clients without their pacing.
    pub rate_limits: bool,
    /// Whether voice is on: `join_call` then answers a token and the URL of
    /// a voice node named `worldwide` (no media server runs; the URL only
    /// has to be handed to a LiveKit client).
    pub voice: bool,
    /// The instance's limits: published by `GET /` and enforced where the
    /// server enforces them (default: the official server's).
    pub limits: Limits,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            rate_limit_window: Duration::from_secs(10),
            rate_limits: true,
            voice: false,
            limits: Limits::default(),
        }
    }
}

/// What the server tasks share.
pub(crate) struct Shared {
    world: Mutex<World>,
    limiter: Limiter,
    faults: Faults,
    api_url: String,
    ws_url: String,
    voice: bool,
}

impl Shared {
    /// The database, locked. Never held across an `.await`.
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A running emulator. Dropping it stops the servers too; `shutdown` waits
/// until they have stopped.
pub struct Emulator {
    shared: Arc<Shared>,
    api_addr: SocketAddr,
    ws_addr: SocketAddr,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("api", &self.api_addr)
            .field("ws", &self.ws_addr)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Starts an emulator with the server's settings on 127.0.0.1.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(Config::default()).await
    }

    /// Starts an emulator with `config`, on 127.0.0.1 only.
    pub async fn start_with(config: Config) -> std::io::Result<Self> {
        let api = TcpListener::bind(("127.0.0.1", 0)).await?;
        let events = TcpListener::bind(("127.0.0.1", 0)).await?;
        let (api_addr, ws_addr) = (api.local_addr()?, events.local_addr()?);
        let shared = Arc::new(Shared {
            world: Mutex::new(World {
                limits: config.limits,
                ..World::default()
            }),
            limiter: Limiter::with(config.rate_limits, config.rate_limit_window),
            faults: Faults::default(),
            api_url: format!("http://{api_addr}"),
            ws_url: format!("ws://{ws_addr}"),
            voice: config.voice,
        });
        let (stop, stopped) = watch::channel(false);
        let tasks = vec![
            tokio::spawn(http::serve(api, Arc::clone(&shared), stopped.clone())),
            tokio::spawn(ws::serve(events, Arc::clone(&shared), stopped)),
        ];
        Ok(Self {
            shared,
            api_addr,
            ws_addr,
            stop,
            tasks,
        })
    }

    /// Base URL of the REST API, e.g. `http://127.0.0.1:41234`.
    pub fn api_url(&self) -> &str {
        &self.shared.api_url
    }

    /// URL of the events connection, e.g. `ws://127.0.0.1:41235`.
    pub fn ws_url(&self) -> &str {
        &self.shared.ws_url
    }

    /// Creates a user account with a session token. It is registered now,
    /// so it counts as new (`Limits::new_user`) for `new_user_hours`.
    pub fn create_user(&self, name: &str) -> Account {
        self.create_user_aged(name, Duration::ZERO)
    }

    /// Creates a user account registered `age` ago (its id carries that
    /// time, which the server reads as the account's age): older than
    /// `new_user_hours`, the `default` limits apply to it.
    pub fn create_user_aged(&self, name: &str, age: Duration) -> Account {
        let password = "correct horse battery staple";
        let created = world::now_ms().saturating_sub(u64::try_from(age.as_millis()).unwrap_or(u64::MAX));
        let (id, token) = self.shared.world().create_account(name, password, None, created);
        Account {
            id,
            token: token.into(),
            password: password.into(),
        }
    }

    /// Opens another session of the user `user` (as logging in again from
    /// another device would) and returns its token. Each session is rate
    /// limited on its own; `None` for bots and unknown users, which have no
    /// sessions.
    pub fn create_session(&self, user: UserId) -> Option<Secret> {
        let mut world = self.shared.world();
        if world.accounts.get(&user).is_none_or(|a| a.bot) {
            return None;
        }
        Some(world.new_credential(user, world::TokenKind::Session).into())
    }

    /// Creates a bot owned by `owner`, with a bot token.
    pub fn create_bot(&self, owner: UserId, name: &str) -> Account {
        let (id, token) = self
            .shared
            .world()
            .create_account(name, "", Some(owner), world::now_ms());
        Account {
            id,
            token: token.into(),
            password: Secret::new(""),
        }
    }

    /// Makes an account privileged (a platform administrator).
    pub fn make_privileged(&self, id: UserId) {
        if let Some(account) = self.shared.world().accounts.get_mut(&id) {
            account.user.privileged = true;
        }
    }

    /// Answers the next `count` requests whose path starts with `prefix`
    /// with a fault instead.
    pub fn fail_rest(&self, prefix: &str, kind: RestFaultKind, count: usize) {
        self.shared.faults.arm_rest(prefix, kind, count);
    }

    /// Drops every events connection of `user` without a close frame, as
    /// the server and proxies do.
    pub fn drop_connections(&self, user: UserId) {
        self.shared.world().push_to(user, || world::Outgoing::Drop);
    }

    /// Sends `text` as a frame to every events connection of `user` (for
    /// malformed frames).
    pub fn send_raw(&self, user: UserId, text: &str) {
        self.shared
            .world()
            .push_to(user, || world::Outgoing::Raw(text.to_owned()));
    }

    /// Writes the text frame `text` `count` times to every events
    /// connection of `user`, one after the other, without holding them in
    /// memory (for slow-consumer tests). Pings are answered after the last.
    pub fn flood(&self, user: UserId, text: &str, count: usize) {
        let text: Arc<str> = text.into();
        self.shared
            .world()
            .push_to(user, || world::Outgoing::Flood(Arc::clone(&text), count));
    }

    /// Raw and flood frames written to `user`'s connections so far, as
    /// `(frames, bytes)`: counted once the socket took them.
    pub fn raw_sent(&self, user: UserId) -> (u64, u64) {
        self.shared.faults.sent(user)
    }

    /// Deletes the sessions of `user`: `Logout` on their connections, which
    /// are then dropped, and their session tokens stop working.
    pub fn logout(&self, user: UserId) {
        let mut world = self.shared.world();
        world.push_to(user, || world::Outgoing::Event(Event::Logout(Logout {})));
        world.push_to(user, || world::Outgoing::Drop);
        world
            .tokens
            .retain(|_, (id, kind)| *id != user || *kind != world::TokenKind::Session);
    }

    /// Stops answering pings (`true`) or answers them again (`false`).
    pub fn silence_pings(&self, silent: bool) {
        self.shared.faults.silence_pings(silent);
    }

    /// Holds every event frame back for `delay` before sending it.
    pub fn delay_events(&self, delay: Duration) {
        self.shared.faults.delay_events(delay);
    }

    /// Sends each of the next `count` events to `user`'s connections twice,
    /// as the official server sometimes does (its de-duplication window is
    /// finite).
    pub fn duplicate_events(&self, user: UserId, count: usize) {
        self.shared.faults.duplicate_events(user, count);
    }

    /// Answers the next `count` events connections with `502 Bad Gateway`
    /// instead of upgrading them (0 ends a refusal still armed).
    pub fn refuse_upgrades(&self, count: usize) {
        self.shared.faults.refuse_upgrades(count);
    }

    /// Frames received from the events connections of `user` after they
    /// authenticated (pings, typing, anything).
    pub fn frames_received(&self, user: UserId) -> u64 {
        self.shared.faults.received(user)
    }

    /// Open events connections of `user`.
    pub fn connections(&self, user: UserId) -> usize {
        self.shared
            .world()
            .connections
            .values()
            .filter(|c| c.user == user)
            .count()
    }

    /// `user` joins the call in `channel` (no media server runs, so tests
    /// drive voice here): `VoiceChannelJoin` to the channel's recipients.
    pub fn voice_join(&self, channel: ChannelId, user: UserId) -> UserVoiceState {
        let state = UserVoiceState {
            id: user,
            joined_at: Timestamp::from_millis(i64::try_from(world::now_ms()).unwrap_or(0)),
            is_receiving: true,
            is_publishing: false,
            screensharing: false,
            camera: false,
        };
        let mut world = self.shared.world();
        let participants = world.voice.entry(channel).or_default();
        participants.retain(|s| s.id != user);
        participants.push(state.clone());
        let event = Event::VoiceChannelJoin(Box::new(VoiceChannelJoin {
            id: channel,
            state: state.clone(),
        }));
        world.send_to_channel(channel, &event);
        state
    }

    /// A participant's state changes: `UserVoiceStateUpdate`.
    pub fn voice_update(&self, channel: ChannelId, user: UserId, data: PartialUserVoiceState) {
        let mut world = self.shared.world();
        if let Some(state) = world
            .voice
            .get_mut(&channel)
            .and_then(|p| p.iter_mut().find(|s| s.id == user))
        {
            state.apply_update(&data);
        }
        let event = Event::UserVoiceStateUpdate(Box::new(UserVoiceStateUpdate {
            id: user,
            channel_id: channel,
            data,
        }));
        world.send_to_channel(channel, &event);
    }

    /// `user` leaves the call: `VoiceChannelLeave`.
    pub fn voice_leave(&self, channel: ChannelId, user: UserId) {
        let mut world = self.shared.world();
        if let Some(participants) = world.voice.get_mut(&channel) {
            participants.retain(|s| s.id != user);
            if participants.is_empty() {
                world.voice.remove(&channel);
            }
        }
        world.send_to_channel(
            channel,
            &Event::VoiceChannelLeave(VoiceChannelLeave { id: channel, user }),
        );
    }

    /// `user` moves between calls: `VoiceChannelMove`, to the new channel only.
    pub fn voice_move(&self, user: UserId, from: ChannelId, to: ChannelId) {
        let mut world = self.shared.world();
        let state = world.voice.get_mut(&from).and_then(|p| {
            let at = p.iter().position(|s| s.id == user)?;
            Some(p.remove(at))
        });
        let Some(state) = state else { return };
        world.voice.retain(|_, p| !p.is_empty());
        world.voice.entry(to).or_default().push(state.clone());
        let event = Event::VoiceChannelMove(Box::new(VoiceChannelMove {
            user,
            from,
            to,
            state,
        }));
        world.send_to_channel(to, &event);
    }

    /// Restarts both servers on the same ports, keeping accounts, tokens
    /// and everything else: open connections are dropped without a close
    /// frame, and connecting fails until the servers listen again (when
    /// this returns).
    pub async fn restart(&mut self) -> std::io::Result<()> {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
        // The connection tasks were aborted before they could unregister.
        self.shared.world().connections.clear();
        let api = TcpListener::bind(self.api_addr).await?;
        let events = TcpListener::bind(self.ws_addr).await?;
        let (stop, stopped) = watch::channel(false);
        self.stop = stop;
        self.tasks = vec![
            tokio::spawn(http::serve(api, Arc::clone(&self.shared), stopped.clone())),
            tokio::spawn(ws::serve(events, Arc::clone(&self.shared), stopped)),
        ];
        Ok(())
    }

    /// Stops both servers and waits for them (open connections are closed).
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

/// Accepts connections until `shutdown` flips, each served by `serve` in
/// its own task; on shutdown the open connections are ended too.
pub(crate) async fn accept_loop<F, Fut>(listener: TcpListener, mut shutdown: watch::Receiver<bool>, serve: F)
where
    F: Fn(tokio::net::TcpStream) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(serve(stream));
                }
            }
            _ = shutdown.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Waits (yielding, up to `within`) until the current runtime has at most
/// `count` live tasks, for tests that check that nothing was left behind.
/// The count it ended with is the error when it did not get there.
pub async fn tasks_settle_to(count: usize, within: Duration) -> Result<(), usize> {
    let alive = || tokio::runtime::Handle::current().metrics().num_alive_tasks();
    let settled = tokio::time::timeout(within, async {
        while alive() > count {
            tokio::task::yield_now().await;
        }
    })
    .await;
    settled.map_err(|_| alive())
}
