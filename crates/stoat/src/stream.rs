//! The events stream: each item of the gateway applied to the cache, then
//! handed out as the events it makes.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt};
use stoat_gateway::{Gateway, Handle, Incoming};
use stoat_model::Event as ServerEvent;

use crate::event::{Event, Ready, Reconnecting};
use crate::{Client, Error};

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
        }
    }

    /// The connection's generation, if it opened.
    pub(crate) fn generation(&self) -> Option<u64> {
        self.generation
    }

    /// Applies an item of the gateway to the cache and queues its events.
    fn apply(&mut self, incoming: Incoming) {
        let ready = &mut self.ready;
        match incoming {
            Incoming::Ready {
                ready: state,
                session,
            } => {
                let event = ServerEvent::Ready(state);
                self.client.cache().update(&event);
                if let ServerEvent::Ready(state) = event {
                    if let Some(me) = state.own_user() {
                        self.client.http().set_own_id(me.id);
                    }
                    ready.push_back(Event::Ready(Ready {
                        session,
                        state: Arc::from(state),
                    }));
                }
            }
            Incoming::Reconnecting(reconnect) => ready.push_back(Event::Reconnecting(Reconnecting {
                reconnect: Arc::new(reconnect),
            })),
            Incoming::Event(event) => {
                crate::ingest::ingest(self.client.cache(), event, &mut |event| ready.push_back(event));
            }
            // Items a newer gateway crate may add.
            _ => {}
        }
    }
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
            }
            if let Some(event) = self.ready.pop_front() {
                self.client.inner.connection.notify(&event);
                return Poll::Ready(Some(Ok(event)));
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
