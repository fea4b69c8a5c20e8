//! The events stream: each event applied to the cache, then handed out
//! with what it changed.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, PoisonError};
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt};
use stoat_cache::{Cache, Update};
use stoat_gateway::{Gateway, Handle, Incoming, Reconnect};
use stoat_model::Event as Raw;
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
    /// A user changed (`UserUpdate`). For a user the cache does not keep,
    /// `before` and `after` are `None` and `changes` names every part the
    /// update sets or clears.
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
    /// acceptance, a block…). Needs the cache's users (`before` comes from
    /// there): without them the change comes as [`Event::Other`].
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
    /// A message was deleted (a bulk deletion is one of these per message).
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
    /// is `None`), or an update. A move between channels is a leave, then
    /// a join.
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
    /// Events made from the last item and not yet handed out.
    ready: VecDeque<Event>,
    /// The connection's generation for `wait_for` (`None`: closed before
    /// it opened).
    generation: Option<u64>,
    /// Whether a `run` loop reads ahead of its handlers: the events read
    /// are then kept for `wait_for` until handled.
    reading_ahead: bool,
}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Events").finish_non_exhaustive()
    }
}

impl Events {
    pub(crate) fn new(client: Client, gateway: Gateway, handle: Handle, generation: Option<u64>) -> Self {
        Self {
            client,
            gateway,
            handle,
            ready: VecDeque::new(),
            generation,
            reading_ahead: false,
        }
    }

    /// The connection's generation for `wait_for`, if it opened.
    pub(crate) fn generation(&self) -> Option<u64> {
        self.generation
    }

    /// Whether the events read from now on are read ahead of a `run`
    /// loop's handlers (and so kept for `wait_for` until handled).
    pub(crate) fn reading_ahead(&mut self, on: bool) {
        self.reading_ahead = on;
    }

    /// The connection is over (its stream ended or was dropped). Unless the
    /// client has moved on to a newer one (after `close`, then `connect`),
    /// it has none now, and nobody waiting for an event will see one.
    fn ended(&self) {
        let inner = &self.client.inner;
        let dropped = {
            let mut slot = inner.gateway.lock().unwrap_or_else(PoisonError::into_inner);
            if slot
                .as_ref()
                .is_some_and(|current| !current.same_connection(&self.handle))
            {
                return;
            }
            *slot = None;
            inner.waiters.close()
        };
        drop(dropped);
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
            // One item can make several events (a bulk deletion, a move);
            // after `close`, as the gateway does, none is handed out.
            if self.handle.is_closed() {
                self.ready.clear();
            }
            if let Some(event) = self.ready.pop_front() {
                let backlog = self.generation.filter(|_| self.reading_ahead);
                self.client.inner.waiters.notify(&event, backlog);
                return Poll::Ready(Some(Ok(event)));
            }
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
                    let this = &mut *self;
                    apply(this.client.cache(), incoming, &mut this.ready);
                }
                Err(error) => return Poll::Ready(Some(Err(Error::Gateway(error)))),
            }
        }
    }
}

/// Applies an incoming item to the cache and queues the events it makes:
/// one for most, one per message of a bulk deletion, a leave and a join for
/// a voice move, none for items a newer gateway crate may add.
fn apply(cache: &Cache, incoming: Incoming, out: &mut VecDeque<Event>) {
    match incoming {
        Incoming::Ready { ready, session } => {
            let event = Raw::Ready(ready);
            cache.update(&event);
            if let Raw::Ready(ready) = event {
                out.push_back(Event::Ready {
                    session,
                    ready: Arc::from(ready),
                });
            }
        }
        Incoming::Reconnecting(reconnect) => out.push_back(Event::Reconnecting(Arc::new(reconnect))),
        Incoming::Event(event) => apply_event(cache, event, out),
        _ => {}
    }
}

/// One server event: what the cache had first (so that `before` is known
/// even where the cache reports only the last change), then the update.
/// Where the cache keeps nothing (a user or message it does not have, a
/// resource turned off) the event is still made from the server's own.
fn apply_event(cache: &Cache, event: Raw, out: &mut VecDeque<Event>) {
    if let Raw::Bulk(bulk) = event {
        for item in bulk.v {
            apply_event(cache, item, out);
        }
        return;
    }
    let before = Before::of(cache, &event);
    let target = message_of(&event);
    let update = cache.update(&event);
    let event = match (update, event) {
        (update, Raw::UserUpdate(raw)) => {
            let changes = match update {
                Update::User(diff) => diff.changes,
                _ if before.user.is_some() => UserChanges::empty(),
                _ => UserChanges::touched_by(&raw.data, &raw.clear),
            };
            Event::UserUpdate {
                id: raw.id,
                changes,
                before: before.user,
                after: cache.user(raw.id).map(Box::new),
            }
        }
        (Update::Relationship { before, after, .. }, Raw::UserRelationship(change)) => Event::Relationship {
            user: Box::new(change.user),
            before,
            after,
        },
        (_, Raw::Message(message)) => Event::Message(Arc::from(message)),
        (_, Raw::BulkMessageDelete(bulk)) => {
            for (id, before) in bulk.ids.into_iter().zip(before.messages) {
                out.push_back(Event::MessageDelete {
                    channel: bulk.channel,
                    id,
                    before,
                });
            }
            return;
        }
        (_, Raw::MessageDelete(deleted)) => Event::MessageDelete {
            channel: deleted.channel,
            id: deleted.id,
            before: before.messages.into_iter().flatten().next(),
        },
        (
            _,
            Raw::MessageUpdate(_)
            | Raw::MessageAppend(_)
            | Raw::MessageReact(_)
            | Raw::MessageUnreact(_)
            | Raw::MessageRemoveReaction(_),
        ) => {
            let Some((channel, id)) = target else { return };
            Event::MessageUpdate {
                channel,
                id,
                before: before.messages.into_iter().flatten().next(),
                after: cache.message(channel, id),
            }
        }
        (Update::Channel { id, before, after }, _) => Event::Channel { id, before, after },
        (Update::Wiped { user }, _) => Event::PlatformWipe { user },
        (_, Raw::VoiceChannelMove(moved)) => {
            let (leave, join) = voice_move(
                moved.user,
                (moved.from, moved.to),
                before.voice,
                Some(moved.state),
            );
            out.push_back(leave);
            join
        }
        (_, Raw::UserMoveVoiceChannel(moved)) => match before.voice {
            Some(state) => {
                let after = cache
                    .voice_state(moved.to, state.id)
                    .unwrap_or_else(|| state.clone());
                let (leave, join) = voice_move(state.id, (moved.from, moved.to), Some(state), Some(after));
                out.push_back(leave);
                join
            }
            // Your own state was not cached: nothing to tell of it.
            None => Event::Other(Arc::new(Raw::UserMoveVoiceChannel(moved))),
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
        (_, event) => from_the_server(event),
    };
    out.push_back(event);
}

/// An event the cache had nothing to say about, as the server gave it.
fn from_the_server(event: Raw) -> Event {
    match event {
        Raw::ChannelStartTyping(typing) => Event::Typing {
            channel: typing.id,
            user: typing.user,
            started: true,
        },
        Raw::ChannelStopTyping(typing) => Event::Typing {
            channel: typing.id,
            user: typing.user,
            started: false,
        },
        Raw::ChannelAck(ack) => Event::Ack {
            channel: ack.id,
            message: ack.message_id,
        },
        // Voice states not kept: a join still says who joined, and how; a
        // leave who left.
        Raw::VoiceChannelJoin(join) => Event::VoiceState {
            channel: join.id,
            user: join.state.id,
            before: None,
            after: Some(join.state),
        },
        Raw::VoiceChannelLeave(leave) => Event::VoiceState {
            channel: leave.id,
            user: leave.user,
            before: None,
            after: None,
        },
        other => Event::Other(Arc::new(other)),
    }
}

/// What the cache had before an event, looked up first for the events whose
/// update reports only part of it.
struct Before {
    /// The user a `UserUpdate` is about.
    user: Option<Box<User>>,
    /// The messages an edit, reaction or deletion is about.
    messages: Vec<Option<Arc<Message>>>,
    /// The state a voice move leaves.
    voice: Option<UserVoiceState>,
}

impl Before {
    fn of(cache: &Cache, event: &Raw) -> Self {
        let user = match event {
            Raw::UserUpdate(update) => cache.user(update.id).map(Box::new),
            _ => None,
        };
        let messages = match event {
            Raw::BulkMessageDelete(bulk) => bulk
                .ids
                .iter()
                .map(|&id| cache.message(bulk.channel, id))
                .collect(),
            other => message_of(other)
                .map(|(channel, id)| cache.message(channel, id))
                .into_iter()
                .collect(),
        };
        let voice = match event {
            Raw::VoiceChannelMove(moved) => cache.voice_state(moved.from, moved.user),
            Raw::UserMoveVoiceChannel(moved) => {
                cache.me_id().and_then(|me| cache.voice_state(moved.from, me))
            }
            _ => None,
        };
        Self {
            user,
            messages,
            voice,
        }
    }
}

/// A move of `user` as a leave of `from` and a join of `to`.
fn voice_move(
    user: UserId,
    (from, to): (ChannelId, ChannelId),
    before: Option<UserVoiceState>,
    after: Option<UserVoiceState>,
) -> (Event, Event) {
    let leave = Event::VoiceState {
        channel: from,
        user,
        before,
        after: None,
    };
    let join = Event::VoiceState {
        channel: to,
        user,
        before: None,
        after,
    };
    (leave, join)
}

/// The message an edit, reaction or deletion is about.
fn message_of(event: &Raw) -> Option<(ChannelId, MessageId)> {
    match event {
        Raw::MessageUpdate(update) => Some((update.channel, update.id)),
        Raw::MessageAppend(append) => Some((append.channel, append.id)),
        Raw::MessageDelete(deleted) => Some((deleted.channel, deleted.id)),
        Raw::MessageReact(reaction) | Raw::MessageUnreact(reaction) => {
            Some((reaction.channel_id, reaction.id))
        }
        Raw::MessageRemoveReaction(removed) => Some((removed.channel_id, removed.id)),
        _ => None,
    }
}
