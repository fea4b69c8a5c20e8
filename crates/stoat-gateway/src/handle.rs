//! The handle: commands to the server, closing, and the measured latency.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use stoat_model::event::ClientMessage;
use stoat_model::{ChannelId, ServerId};
use tokio::sync::{Notify, mpsc, watch};

use crate::error::{Error, ErrorKind};

/// What the handles and the stream share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) closed: AtomicBool,
    /// Wakes the stream when `close` is called (`notify_one` keeps the
    /// wake-up if the stream is not waiting at that moment).
    pub(crate) close: Notify,
    pub(crate) latency: watch::Sender<Option<Duration>>,
}

impl Shared {
    pub(crate) fn new() -> Self {
        Self {
            closed: AtomicBool::new(false),
            close: Notify::new(),
            latency: watch::Sender::new(None),
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }
}

/// Sends commands on a [`Gateway`](crate::Gateway)'s connection. Cheap to
/// clone.
///
/// Commands go through a bounded queue that the stream empties while it
/// is polled and connected: keep polling the stream, or sending waits.
/// Commands given while the connection is down wait there and go out
/// after the next `Ready`.
#[derive(Clone)]
pub struct Handle {
    commands: mpsc::Sender<ClientMessage>,
    shared: Arc<Shared>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("closed", &self.is_closed())
            .field("latency", &self.latency())
            .finish_non_exhaustive()
    }
}

impl Handle {
    pub(crate) fn new(commands: mpsc::Sender<ClientMessage>, shared: Arc<Shared>) -> Self {
        Self { commands, shared }
    }

    async fn send(&self, message: ClientMessage) -> Result<(), Error> {
        if self.shared.is_closed() {
            return Err(Error::new(ErrorKind::Closed));
        }
        self.commands
            .send(message)
            .await
            .map_err(|_| Error::new(ErrorKind::Closed))
    }

    /// Starts typing in `channel` (relayed to its other subscribers).
    /// The server has no timeout: end it, or use [`typing`](Self::typing).
    pub async fn begin_typing(&self, channel: ChannelId) -> Result<(), Error> {
        self.send(ClientMessage::BeginTyping { channel }).await
    }

    /// Stops typing in `channel`.
    pub async fn end_typing(&self, channel: ChannelId) -> Result<(), Error> {
        self.send(ClientMessage::EndTyping { channel }).await
    }

    /// Starts typing in `channel` until the returned guard is dropped,
    /// which sends `EndTyping`. The guard holds a place in the command
    /// queue, so its `EndTyping` can never be lost to a full queue.
    pub async fn typing(&self, channel: ChannelId) -> Result<TypingGuard, Error> {
        self.begin_typing(channel).await?;
        let end = self
            .commands
            .clone()
            .reserve_owned()
            .await
            .map_err(|_| Error::new(ErrorKind::Closed))?;
        Ok(TypingGuard {
            channel,
            end: Some(end),
        })
    }

    /// Receives member updates of `server` for 15 minutes (user sessions only).
    pub async fn subscribe(&self, server: ServerId) -> Result<(), Error> {
        self.send(ClientMessage::Subscribe { server_id: server }).await
    }

    /// Closes the connection: the stream sends a close frame, stops
    /// reconnecting and ends. Commands still queued, and events received but
    /// not yet taken from the stream, are dropped.
    pub fn close(&self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        self.shared.close.notify_one();
    }

    /// Whether the connection was closed or its stream dropped.
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed() || self.commands.is_closed()
    }

    /// Whether both handles belong to the same [`Gateway`](crate::Gateway)
    /// (one is a clone of the other): for code that keeps the handle of the
    /// current connection and must tell it from an older one's.
    ///
    /// ```
    /// # let url = "wss://events.stoat.chat";
    /// use stoat_gateway::Gateway;
    /// let (_one, handle) = Gateway::builder(url, "token".into()).build()?;
    /// let (_other, other) = Gateway::builder(url, "token".into()).build()?;
    /// assert!(handle.same_connection(&handle.clone()));
    /// assert!(!handle.same_connection(&other));
    /// # Ok::<(), stoat_gateway::Error>(())
    /// ```
    pub fn same_connection(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// The round-trip time of the last answered `Ping`.
    pub fn latency(&self) -> Option<Duration> {
        *self.shared.latency.borrow()
    }

    /// A receiver that sees every new latency figure.
    pub fn watch_latency(&self) -> watch::Receiver<Option<Duration>> {
        self.shared.latency.subscribe()
    }
}

/// Typing in a channel; dropping it sends `EndTyping`.
#[must_use = "dropping the guard ends typing at once"]
pub struct TypingGuard {
    channel: ChannelId,
    end: Option<mpsc::OwnedPermit<ClientMessage>>,
}

impl TypingGuard {
    /// The channel typed in.
    pub fn channel(&self) -> ChannelId {
        self.channel
    }
}

impl fmt::Debug for TypingGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypingGuard")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

impl Drop for TypingGuard {
    fn drop(&mut self) {
        if let Some(end) = self.end.take() {
            end.send(ClientMessage::EndTyping {
                channel: self.channel,
            });
        }
    }
}
