//! The events stream: each event applied to the cache, then handed out
//! with what it changed.

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, PoisonError};
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt};
use stoat_cache::Update;
use stoat_gateway::{Gateway, Handle, Incoming, Reconnect};
use stoat_model::event::Ready;
use stoat_model::{
    Channel, ChannelId, Message, MessageId, RelationshipStatus, User, UserChanges, UserId, UserVoiceState,
};

use crate::{Client, Error};

/// An event, after the cache has applied it. Update events carry the state
/// before and after, as stoat.py's `on_*_update` handlers get them.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Event {
    /// A session began (the first, or after a reconnect): the cache was
    /// replaced with this state.
    Ready {
        /// 0 for the first connection, one more for every reconnect.
        session: u64,
        /// The state.
        ready: Arc<Ready>,
    },
    /// A user changed (`UserUpdate`).
    UserUpdate {
        /// The user.
        id: UserId,
        /// What changed.
        changes: UserChanges,
        /// The user before, if cached.
        before: Option<Box<User>>,
        /// The user after, if cached.
        after: Option<Box<User>>,
    },
    /// Your relationship with a user changed (a friend request, an
    /// acceptance, a block…).
    Relationship {
        /// The user, as the event gave them.
        user: Box<User>,
        /// The relationship before.
        before: RelationshipStatus,
        /// The relationship now.
        after: RelationshipStatus,
    },
    /// A new message.
    Message(Arc<Message>),
    /// A message changed: edited, an embed appended, a reaction added or
    /// removed (`before`/`after` from the cache, `None` when not cached).
    MessageUpdate {
        /// Its channel.
        channel: ChannelId,
        /// The message.
        id: MessageId,
        /// Before.
        before: Option<Arc<Message>>,
        /// After.
        after: Option<Arc<Message>>,
    },
    /// A message was deleted (one of a bulk deletion, too).
    MessageDelete {
        /// Its channel.
        channel: ChannelId,
        /// The message.
        id: MessageId,
        /// The message as cached, if it was.
        before: Option<Arc<Message>>,
    },
    /// A DM or group was created (`before` is `None`), changed, or deleted
    /// (`after` is `None`); a DM closed or reopened is a change of `active`.
    Channel {
        /// The channel.
        id: ChannelId,
        /// Before.
        before: Option<Arc<Channel>>,
        /// After.
        after: Option<Arc<Channel>>,
    },
    /// Someone started (`started`) or stopped typing.
    Typing {
        /// The channel.
        channel: ChannelId,
        /// Who.
        user: UserId,
        /// Started, or stopped.
        started: bool,
    },
    /// You marked a channel read (on any of your sessions).
    Ack {
        /// The channel.
        channel: ChannelId,
        /// The last message read.
        message: MessageId,
    },
    /// A user was wiped from the platform; their DM and messages are gone
    /// from the cache.
    PlatformWipe {
        /// The user.
        user: UserId,
    },
    /// A voice state changed: a join (`before` is `None`), a leave (`after`
    /// is `None`), or an update.
    VoiceState {
        /// The channel.
        channel: ChannelId,
        /// The participant.
        user: UserId,
        /// Before.
        before: Option<UserVoiceState>,
        /// After.
        after: Option<UserVoiceState>,
    },
    /// The events connection was lost and is being re-established.
    Reconnecting(Arc<Reconnect>),
    /// Any other event, as the server sent it (after the cache applied it).
    Other(Arc<stoat_model::Event>),
}

/// The stream [`Client::connect`] returns. Polling it drives the events
/// connection; stopping makes the server's frames wait (no hidden queue).
pub struct Events {
    client: Client,
    gateway: Gateway,
    /// This connection's handle, to tell it from a newer one at the end.
    handle: Handle,
}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Events").finish_non_exhaustive()
    }
}

impl Events {
    pub(crate) fn new(client: Client, gateway: Gateway, handle: Handle) -> Self {
        Self {
            client,
            gateway,
            handle,
        }
    }

    /// The connection is over (its stream ended or was dropped). Unless the
    /// client has moved on to a newer one (after `close`, then `connect`),
    /// it has none now, and nobody waiting for an event will see one.
    fn ended(&self) {
        let inner = &self.client.inner;
        let mut slot = inner.gateway.lock().unwrap_or_else(PoisonError::into_inner);
        if slot
            .as_ref()
            .is_some_and(|current| !current.same_connection(&self.handle))
        {
            return;
        }
        *slot = None;
        inner
            .waiters
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        self.ended();
    }
}

impl Stream for Events {
    type Item = Result<Event, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let item = match self.gateway.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(item) => item,
            };
            let Some(item) = item else {
                self.ended();
                return Poll::Ready(None);
            };
            match item {
                Ok(incoming) => {
                    if let Some(event) = apply(&self.client, incoming) {
                        notify(&self.client, &event);
                        return Poll::Ready(Some(Ok(event)));
                    }
                }
                Err(error) => return Poll::Ready(Some(Err(Error::Gateway(error)))),
            }
        }
    }
}

/// Applies an incoming item to the cache and says what it changed.
fn apply(client: &Client, incoming: Incoming) -> Option<Event> {
    let cache = client.cache();
    Some(match incoming {
        Incoming::Ready { ready, session } => {
            let event = stoat_model::Event::Ready(ready);
            cache.update(&event);
            match event {
                stoat_model::Event::Ready(ready) => Event::Ready {
                    session,
                    ready: Arc::from(ready),
                },
                other => Event::Other(Arc::new(other)),
            }
        }
        Incoming::Reconnecting(reconnect) => Event::Reconnecting(Arc::new(reconnect)),
        Incoming::Event(event) => {
            let before = match &event {
                stoat_model::Event::UserUpdate(update) => cache.user(update.id).map(Box::new),
                _ => None,
            };
            match (cache.update(&event), event) {
                (Update::User(diff), _) => Event::UserUpdate {
                    id: diff.id,
                    changes: diff.changes,
                    before,
                    after: cache.user(diff.id).map(Box::new),
                },
                (
                    Update::Relationship { before, after, .. },
                    stoat_model::Event::UserRelationship(change),
                ) => Event::Relationship {
                    user: Box::new(change.user),
                    before,
                    after,
                },
                (_, stoat_model::Event::Message(message)) => Event::Message(Arc::from(message)),
                (
                    Update::Message {
                        channel, id, before, ..
                    },
                    stoat_model::Event::MessageDelete(_) | stoat_model::Event::BulkMessageDelete(_),
                ) => Event::MessageDelete { channel, id, before },
                (
                    Update::Message {
                        channel, id, before, ..
                    },
                    _,
                ) => Event::MessageUpdate {
                    channel,
                    id,
                    before,
                    after: cache.message(channel, id),
                },
                (Update::Channel { id, before, after }, _) => Event::Channel { id, before, after },
                (Update::Wiped { user }, _) => Event::PlatformWipe { user },
                (_, stoat_model::Event::ChannelStartTyping(typing)) => Event::Typing {
                    channel: typing.id,
                    user: typing.user,
                    started: true,
                },
                (_, stoat_model::Event::ChannelStopTyping(typing)) => Event::Typing {
                    channel: typing.id,
                    user: typing.user,
                    started: false,
                },
                (_, stoat_model::Event::ChannelAck(ack)) => Event::Ack {
                    channel: ack.id,
                    message: ack.message_id,
                },
                (
                    Update::Voice {
                        channel,
                        user,
                        before,
                        after,
                    },
                    _,
                ) => Event::VoiceState {
                    channel,
                    user,
                    before,
                    after,
                },
                (_, event) => Event::Other(Arc::new(event)),
            }
        }
        // Kinds of items a newer gateway crate may add are skipped.
        _ => return None,
    })
}

/// Hands the event to every `wait_for` it matches; forgets waiters that gave up.
fn notify(client: &Client, event: &Event) {
    let waiters = &client.inner.waiters;
    // The tests are the caller's code: they run with no lock held, so that
    // they may use the client, and a panicking one costs no other waiter.
    let taken = std::mem::take(&mut *waiters.lock().unwrap_or_else(PoisonError::into_inner));
    if taken.is_empty() {
        return;
    }
    let mut kept = Vec::with_capacity(taken.len());
    for waiter in taken {
        if waiter.sender.is_closed() {
            continue;
        }
        match std::panic::catch_unwind(AssertUnwindSafe(|| (waiter.matches)(event))) {
            Ok(true) => drop(waiter.sender.send(Ok(event.clone()))),
            Ok(false) => kept.push(waiter),
            Err(panic) => drop(waiter.sender.send(Err(panic))),
        }
    }
    let mut waiters = waiters.lock().unwrap_or_else(PoisonError::into_inner);
    // Those that came while the tests ran wait after the older ones.
    kept.append(&mut waiters);
    *waiters = kept;
}
