//! The connection's state machine, run inside the stream's `poll_next`:
//! nothing happens while the stream is not polled, so a slow consumer
//! stops reading the socket and the server's writes back up into the
//! kernel buffers instead of this process's memory.
//!
//! ```text
//!   Connecting{attempt, delay} --Ready--------------------------> Open
//!        |  ^   \--refused/Logout/GaveUp--> Done                  |
//!        |  '--failed: attempt+1, backoff delay                   |
//!        |                                                        |
//!   Open --lost (no close, error, no Pong, send stuck)--> Connecting{1, 0}
//!        (lost before its first Pong: Connecting{attempt that opened it + 1, backoff delay})
//!   Open --Logout / auth Error-----------------------------> Done
//!   any  --Handle::close------------------------------------> Done
//! ```

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use stoat_model::event::{ClientMessage, Event, EventFlags, PingData};
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};
use tokio_tungstenite::tungstenite::Message;
use tracing::Instrument;

use crate::config::Config;
use crate::error::{Error, ErrorKind};
use crate::frame::{self, Received, Socket};
use crate::handle::Shared;
use crate::handshake;
use crate::heartbeat::{Due, Heartbeat};
use crate::{Incoming, Reconnect};
use stoat_model::backoff::Jitter;

/// One item of the stream.
pub(crate) type Item = Result<Incoming, Error>;

enum State {
    /// Wait `delay`, then make attempt `attempt`.
    Connecting {
        attempt: u32,
        delay: Duration,
        cause: Option<Box<str>>,
    },
    Open(Box<Open>),
    Done,
}

/// A live connection.
struct Open {
    socket: Socket,
    /// The attempt that opened it.
    attempt: u32,
    /// Whether a `Pong` came back: until then, losing the connection counts
    /// as one more failed attempt, so that a server that sends `Ready` and
    /// then drops every connection is retried with growing delays rather
    /// than in a tight loop.
    proven: bool,
    heartbeat: Heartbeat,
    /// Fires at the heartbeat's next wake-up; reset rather than rebuilt.
    timer: Pin<Box<Sleep>>,
}

/// What woke an open connection.
enum Wake {
    Frame(Received),
    Command(Option<ClientMessage>),
    Timer,
    Close,
}

pub(crate) struct Driver {
    config: Arc<Config>,
    shared: Arc<Shared>,
    commands: mpsc::Receiver<ClientMessage>,
    /// False once every handle is gone: stop polling the empty queue.
    commands_open: bool,
    state: State,
    jitter: Jitter,
    /// The number of the last `Ready` (0 for the first).
    session: Option<u64>,
    /// Items decoded from one frame (a `Bulk` gives several), in order.
    queue: VecDeque<Item>,
}

impl Driver {
    pub(crate) fn new(
        config: Arc<Config>,
        shared: Arc<Shared>,
        commands: mpsc::Receiver<ClientMessage>,
        jitter: Jitter,
    ) -> Self {
        Self {
            config,
            shared,
            commands,
            commands_open: true,
            state: State::Connecting {
                attempt: 1,
                delay: Duration::ZERO,
                cause: None,
            },
            jitter,
            session: None,
            queue: VecDeque::new(),
        }
    }

    /// The next item; `None` once the connection is done.
    pub(crate) async fn next(&mut self) -> Option<Item> {
        loop {
            // Before the queue: after `close`, nothing more is handed out,
            // so no event of this connection can follow a newer one's.
            if self.shared.is_closed() {
                self.queue.clear();
                self.close().await;
                return None;
            }
            if let Some(item) = self.queue.pop_front() {
                return Some(item);
            }
            match &mut self.state {
                State::Done => return None,
                State::Connecting {
                    attempt,
                    delay,
                    cause,
                } => {
                    let (attempt, delay, cause) = (*attempt, *delay, cause.take());
                    self.connect(attempt, delay, cause).await;
                }
                State::Open(open) => {
                    // A waiting command goes out before the next frame is
                    // read: with frames always waiting (a busy connection),
                    // the select would never get to it. (`try_recv` costs
                    // an atomic load; polling `recv` first in the select
                    // cost every frame a waker registration, 10 %.)
                    let waiting = self
                        .commands_open
                        .then(|| self.commands.try_recv().ok())
                        .flatten();
                    let wake = if let Some(command) = waiting {
                        Wake::Command(Some(command))
                    } else {
                        // Frames before the timer: a `Pong` that came in
                        // time is read before its deadline is checked.
                        tokio::select! {
                            biased;
                            next = open.socket.next() => Wake::Frame(frame::classify(next)),
                            () = self.shared.close.notified() => Wake::Close,
                            command = self.commands.recv(), if self.commands_open => Wake::Command(command),
                            () = &mut open.timer => Wake::Timer,
                        }
                    };
                    self.on_wake(wake).await;
                }
            }
        }
    }

    /// Sends a close frame if connected, and stops.
    async fn close(&mut self) {
        if let State::Open(open) = &mut self.state {
            // A courtesy to the server: do not wait long for it.
            let _ = tokio::time::timeout(self.config.pong_timeout, open.socket.close(None)).await;
            tracing::info!("closed");
        }
        self.state = State::Done;
        self.commands.close();
    }

    /// Waits `delay`, then tries to connect.
    async fn connect(&mut self, attempt: u32, delay: Duration, cause: Option<Box<str>>) {
        let span = match &cause {
            Some(cause) => tracing::info_span!(
                "reconnect",
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                cause = &**cause,
            ),
            None => tracing::Span::none(),
        };
        let config = Arc::clone(&self.config);
        let shared = Arc::clone(&self.shared);
        let attempt_future = async {
            tokio::time::sleep(delay).await;
            handshake::open(&config, attempt).await
        };
        let result = tokio::select! {
            biased;
            // `close` is seen at the top of `next`.
            () = shared.close.notified() => return,
            result = attempt_future.instrument(span) => result,
        };
        match result {
            Ok((socket, ready)) => {
                let session = self.session.map_or(0, |s| s + 1);
                self.session = Some(session);
                let now = Instant::now();
                let heartbeat = Heartbeat::new(now, config.heartbeat_interval, config.pong_timeout);
                let timer = Box::pin(tokio::time::sleep_until(heartbeat.wakeup()));
                self.state = State::Open(Box::new(Open {
                    socket,
                    attempt,
                    proven: false,
                    heartbeat,
                    timer,
                }));
                self.queue.push_back(Ok(Incoming::Ready { ready, session }));
            }
            Err(error) if error.is_terminal() => self.stop(error),
            Err(error) => self.retry(attempt + 1, error),
        }
    }

    /// Schedules attempt `attempt` after a failure or a loss.
    fn retry(&mut self, attempt: u32, cause: Error) {
        if let Some(max) = self.config.max_attempts
            && attempt > max
        {
            let attempts = attempt - 1;
            return self.stop(Error::with_source(ErrorKind::GaveUp { attempts }, cause));
        }
        // Attempt 1 (the first, or the first after a connection whose
        // heartbeat was answered) is no retry: it goes at once.
        let delay = self
            .config
            .backoff
            .delay(attempt.saturating_sub(1), &mut self.jitter);
        tracing::warn!(
            attempt,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            cause = %cause,
            "reconnecting"
        );
        self.state = State::Connecting {
            attempt,
            delay,
            cause: Some(cause.to_string().into()),
        };
        self.queue.push_back(Ok(Incoming::Reconnecting(Reconnect {
            attempt,
            delay,
            cause,
        })));
    }

    /// Schedules the next attempt after an open connection was lost: at
    /// once if the connection had proven itself, else as the attempt after
    /// the one that opened it.
    fn lost(&mut self, cause: Error) {
        let attempt = match &self.state {
            State::Open(open) if !open.proven => open.attempt + 1,
            _ => 1,
        };
        self.retry(attempt, cause);
    }

    /// Ends the connection with a terminal error.
    fn stop(&mut self, error: Error) {
        tracing::error!(error = %error, "the connection stopped for good");
        self.state = State::Done;
        // Handles see the end at once, and their sends fail.
        self.commands.close();
        self.queue.push_back(Err(error));
    }

    async fn on_wake(&mut self, wake: Wake) {
        match wake {
            Wake::Frame(Received::Data(bytes)) => self.on_frame(&bytes),
            Wake::Frame(Received::Control) | Wake::Close => {}
            Wake::Frame(Received::Ended(cause)) => self.lost(cause),
            Wake::Command(Some(message)) => self.send(frame::encode(self.config.format, &message)).await,
            Wake::Command(None) => self.commands_open = false,
            Wake::Timer => self.on_timer().await,
        }
    }

    async fn on_timer(&mut self) {
        let State::Open(open) = &mut self.state else {
            return;
        };
        match open.heartbeat.due(Instant::now()) {
            Due::Wait(_) => {}
            Due::Ping(number) => {
                let ping = ClientMessage::Ping {
                    data: PingData::Number(number),
                };
                tracing::trace!(number, "ping");
                self.send(frame::encode(self.config.format, &ping)).await;
            }
            Due::Dead => {
                let waited = open.heartbeat.timeout();
                return self.lost(Error::new(ErrorKind::HeartbeatTimeout { waited }));
            }
        }
        self.reset_timer();
    }

    /// Points the timer at the heartbeat's next wake-up.
    fn reset_timer(&mut self) {
        if let State::Open(open) = &mut self.state {
            let wakeup = open.heartbeat.wakeup();
            if open.timer.deadline() != wakeup {
                open.timer.as_mut().reset(wakeup);
            }
        }
    }

    /// Sends a frame; a failure or a stuck write loses the connection.
    async fn send(&mut self, message: Message) {
        let State::Open(open) = &mut self.state else {
            return;
        };
        let sent = tokio::time::timeout(self.config.pong_timeout, open.socket.send(message)).await;
        match sent {
            Ok(Ok(())) => {}
            Ok(Err(error)) => self.lost(frame::socket_error(error)),
            Err(_) => self.lost(Error::new(ErrorKind::SendTimeout)),
        }
    }

    fn on_frame(&mut self, bytes: &[u8]) {
        let wanted = self.config.wanted | EventFlags::connection();
        match Event::decode_filtered(self.config.format, bytes, wanted) {
            Ok(None) => {}
            Ok(Some(Event::Bulk(bulk))) => {
                for event in bulk.v.into_iter().flat_map(Event::flatten) {
                    self.on_event(event);
                }
            }
            Ok(Some(event)) => self.on_event(event),
            Err(error) => {
                tracing::warn!(event = ?error.event_kind(), error = %error, "a frame did not decode");
                self.queue.push_back(Err(Error::new(ErrorKind::Decode(error))));
            }
        }
    }

    fn on_event(&mut self, event: Event) {
        // After a terminal event, the rest of its `Bulk` is dropped.
        if matches!(self.state, State::Done) {
            return;
        }
        match event {
            Event::Pong(pong) => self.on_pong(&pong.data),
            Event::Logout(_) => self.stop(Error::new(ErrorKind::LoggedOut)),
            Event::Error(error) if error.data.kind.http_status() == 401 => {
                self.stop(Error::new(ErrorKind::Authentication(error.data)));
            }
            Event::Authenticated(_) | Event::Ready(_) => {
                tracing::debug!("handshake event after the handshake, ignored");
            }
            event if self.config.wanted.contains_kind(event.kind()) => {
                self.queue.push_back(Ok(Incoming::Event(event)));
            }
            _ => {}
        }
    }

    fn on_pong(&mut self, data: &PingData) {
        let State::Open(open) = &mut self.state else {
            return;
        };
        if let Some(latency) = open.heartbeat.pong(data, Instant::now()) {
            open.proven = true;
            let span = tracing::debug_span!(
                "latency",
                ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX)
            );
            span.in_scope(|| tracing::debug!("pong"));
            self.shared.latency.send_replace(Some(latency));
            self.reset_timer();
        }
    }
}
