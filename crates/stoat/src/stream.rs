//! The events stream: each item of the gateway applied to the cache, then
//! handed out as the events it makes. After a reconnect, what changed
//! while the connection was down is handed out too, learned from the new
//! `Ready` and from the messages of the channels that moved.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::{FutureExt, Stream, StreamExt};
use stoat_gateway::{Gateway, Handle, Incoming};
use stoat_model::message::MessageSort;
use stoat_model::{BulkMessageResponse, ChannelId, Event as ServerEvent, Message, MessageId, Timestamp};

use crate::event::{Event, Reconnecting};
use crate::{Client, Error};

/// Most pages of 100 messages fetched per channel after a reconnect.
const CATCH_UP_PAGES: usize = 10;

/// Most channels searched for missed messages after a reconnect (the most
/// recently active first); a warning names what was left out.
const CATCH_UP_CHANNELS: usize = 100;

/// The messages sent while the connection was down, being fetched.
type CatchUp = Pin<Box<dyn Future<Output = Result<Vec<Message>, Error>> + Send>>;

/// The stream [`Client::connect`] returns. Polling it drives the events
/// connection; stopping makes the server's frames wait (no hidden queue).
pub struct Events {
    client: Client,
    gateway: Gateway,
    /// This connection's handle, to tell it from a newer one at the end.
    handle: Handle,
    /// Events made from the last item and not yet handed out.
    ready: VecDeque<Event>,
    /// The connection's generation (`None`: closed before it opened).
    generation: Option<u64>,
    /// When the connection was lost, until the next `Ready`.
    lost: Option<Timestamp>,
    /// Missed messages being fetched after a reconnect.
    catch_up: Option<CatchUp>,
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
            lost: None,
            catch_up: None,
        }
    }

    /// The connection's generation, if it opened.
    pub(crate) fn generation(&self) -> Option<u64> {
        self.generation
    }

    /// Applies an item of the gateway to the cache and queues its events.
    fn apply(&mut self, incoming: Incoming) {
        match incoming {
            Incoming::Ready { ready, session } => self.ready(ready, session),
            Incoming::Reconnecting(reconnect) => {
                self.lost.get_or_insert_with(Timestamp::now);
                self.ready.push_back(Event::Reconnecting(Reconnecting {
                    reconnect: Arc::new(reconnect),
                }));
            }
            Incoming::Event(event) => self.ingest(event),
            // Items a newer gateway crate may add.
            _ => {}
        }
    }

    fn ingest(&mut self, event: ServerEvent) {
        let (inner, ready) = (&self.client.inner, &mut self.ready);
        crate::ingest::ingest(&inner.cache, &inner.seen, event, &mut |event| {
            ready.push_back(event);
        });
    }

    /// A session began. After the client's first, what the cache missed is
    /// read from the difference, before the cache takes the new state.
    fn ready(&mut self, state: Box<stoat_model::event::Ready>, session: u64) {
        let (client, ready) = (&self.client, &mut self.ready);
        let lost = self.lost.take();
        let mut channels = crate::reconcile::apply_ready(client, state, session, lost, &mut |event| {
            ready.push_back(event);
        });
        if !channels.is_empty() {
            channels.sort_unstable_by_key(|&(_, after)| std::cmp::Reverse(after));
            if channels.len() > CATCH_UP_CHANNELS {
                let skipped = channels.split_off(CATCH_UP_CHANNELS);
                tracing::warn!(
                    skipped = skipped.len(),
                    "more channels than are searched for missed messages"
                );
            }
            self.catch_up = Some(Box::pin(fetch_missed(self.client.clone(), channels)));
        }
    }

    /// Hands out the missed messages, oldest first, each marked as learned
    /// after the `Ready` (those that also came live are handed out once).
    fn caught_up(&mut self, messages: Vec<Message>) {
        let (inner, ready) = (&self.client.inner, &mut self.ready);
        for message in messages {
            let event = ServerEvent::Message(Box::new(message));
            crate::ingest::ingest(&inner.cache, &inner.seen, event, &mut |event| {
                ready.push_back(event.learned_from_ready());
            });
        }
    }
}

/// The messages of each channel after its id, oldest first.
async fn fetch_missed(client: Client, channels: Vec<(ChannelId, MessageId)>) -> Result<Vec<Message>, Error> {
    let mut missed = Vec::new();
    for (channel, mut after) in channels {
        for _ in 0..CATCH_UP_PAGES {
            let page = client
                .http()
                .messages(channel)
                .after(after)
                .sort(MessageSort::Oldest)
                .limit(100)
                .await?;
            let messages = match page {
                BulkMessageResponse::Messages(messages) => messages,
                BulkMessageResponse::WithUsers(with) => with.messages,
            };
            let full = messages.len() == 100;
            after = messages.last().map_or(after, |m| m.id);
            missed.extend(messages);
            if !full {
                break;
            }
        }
    }
    Ok(missed)
}

impl Drop for Events {
    fn drop(&mut self) {
        drop(self.client.inner.connection.ended(&self.handle));
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
                self.catch_up = None;
            }
            if let Some(event) = self.ready.pop_front() {
                self.client.inner.connection.notify(&event);
                return Poll::Ready(Some(Ok(event)));
            }
            // The missed messages come before anything newer.
            if let Some(catch_up) = &mut self.catch_up {
                let fetched = match catch_up.poll_unpin(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(fetched) => fetched,
                };
                self.catch_up = None;
                match fetched {
                    Ok(messages) => self.caught_up(messages),
                    Err(error) => return Poll::Ready(Some(Err(error))),
                }
                continue;
            }
            let item = match self.gateway.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(item) => item,
            };
            match item {
                None => {
                    drop(self.client.inner.connection.ended(&self.handle));
                    return Poll::Ready(None);
                }
                Some(Ok(incoming)) => self.apply(incoming),
                Some(Err(error)) => return Poll::Ready(Some(Err(Error::Gateway(error)))),
            }
        }
    }
}
