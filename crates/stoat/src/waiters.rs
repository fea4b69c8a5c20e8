//! `wait_for`'s bookkeeping: who waits for which event, and the events a
//! `run` loop has read but not handled yet (a handler waiting for a reply
//! must also see the replies that came while an earlier handler ran).
//!
//! The tests are the caller's code: they never run under this lock, so
//! they may use the client, and one that panics costs no other waiter.
//! Each connection is a generation: what was taken out under one is not
//! put back under the next.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;

use crate::events::Event;

/// A `wait_for` call: its test and where the match goes (or the test's
/// panic, to resume in the caller that wrote the test).
pub(crate) struct Waiter {
    pub(crate) matches: Box<dyn Fn(&Event) -> bool + Send + Sync>,
    pub(crate) sender: oneshot::Sender<std::thread::Result<Event>>,
}

/// What the client keeps for `wait_for`.
#[derive(Default)]
struct Waiters {
    /// Whether an events connection runs (one may be waited on).
    open: bool,
    /// One more at every `close`.
    generation: u64,
    list: Vec<Waiter>,
    /// Read by a `run` loop, not yet handled: oldest first, numbered.
    unhandled: VecDeque<(u64, Event)>,
    /// The number the next unhandled event gets (never reused).
    next_number: u64,
}

/// What [`Shared::first_or_wait`] found.
pub(crate) enum Look {
    /// No connection runs (or it ended while looking).
    NotConnected,
    /// An event read but not yet handled matched.
    Found(Event),
    /// Registered: the match will come through the sender.
    Waiting,
}

/// The client's [`Waiters`].
#[derive(Default)]
pub(crate) struct Shared(Mutex<Waiters>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Waiters> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A connection started: `wait_for` may wait. Its generation.
    pub(crate) fn open(&self) -> u64 {
        let mut waiters = self.lock();
        waiters.open = true;
        waiters.generation
    }

    /// The connection ended: every waiter ends with `NotConnected`. They
    /// are given back, for the caller to drop once its own locks are
    /// released (a test's captures may use the client when dropped).
    #[must_use = "dropped by the caller, after its locks"]
    pub(crate) fn close(&self) -> Vec<Waiter> {
        let mut waiters = self.lock();
        waiters.open = false;
        waiters.generation += 1;
        waiters.unhandled.clear();
        std::mem::take(&mut waiters.list)
    }

    /// Hands `event`, just read, to every waiter it matches; forgets
    /// waiters that gave up. With `backlog` (a `run` loop of that
    /// generation read it ahead of its handlers), the event is also kept
    /// until it is handled, in the same step, so that no `wait_for` can
    /// miss it in between.
    pub(crate) fn notify(&self, event: &Event, backlog: Option<u64>) {
        let (taken, generation) = {
            let mut waiters = self.lock();
            if backlog == Some(waiters.generation) {
                let number = waiters.next_number;
                waiters.next_number += 1;
                waiters.unhandled.push_back((number, event.clone()));
            }
            (std::mem::take(&mut waiters.list), waiters.generation)
        };
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
        let mut waiters = self.lock();
        if waiters.generation != generation {
            // Closed meanwhile: these end too, once the lock is released.
            drop(waiters);
            return;
        }
        // Those that came while the tests ran wait after the older ones.
        kept.append(&mut waiters.list);
        waiters.list = kept;
    }

    /// A `run` loop of `generation` starts handling its oldest event.
    pub(crate) fn handling(&self, generation: u64) {
        let mut waiters = self.lock();
        if waiters.generation == generation {
            waiters.unhandled.pop_front();
        }
    }

    /// A `run` loop of `generation` ended: its events are forgotten.
    pub(crate) fn forget_unhandled(&self, generation: u64) -> VecDeque<(u64, Event)> {
        let mut waiters = self.lock();
        if waiters.generation == generation {
            std::mem::take(&mut waiters.unhandled)
        } else {
            VecDeque::new()
        }
    }

    /// The first unhandled event that `matches`; else `matches` waits for
    /// the events still to come.
    pub(crate) fn first_or_wait(
        &self,
        matches: Box<dyn Fn(&Event) -> bool + Send + Sync>,
        sender: oneshot::Sender<std::thread::Result<Event>>,
    ) -> Look {
        let (mut from, mut generation) = (0, None);
        loop {
            let unseen: Vec<(u64, Event)> = {
                let mut waiters = self.lock();
                let current = Some(waiters.generation);
                if !waiters.open || generation.is_some_and(|g| Some(g) != current) {
                    return Look::NotConnected;
                }
                generation = current;
                if waiters.unhandled.back().is_none_or(|(number, _)| *number < from) {
                    // Nothing new since the last look: registered under the
                    // lock that reading takes, so nothing slips by.
                    waiters.list.push(Waiter { matches, sender });
                    return Look::Waiting;
                }
                waiters
                    .unhandled
                    .iter()
                    .filter(|(number, _)| *number >= from)
                    .cloned()
                    .collect()
            };
            for (number, event) in unseen {
                if matches(&event) {
                    return Look::Found(event);
                }
                from = number + 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use stoat_model::{ChannelId, UserId};

    use super::*;

    fn typing() -> Event {
        Event::Typing {
            channel: ChannelId::SYSTEM,
            user: UserId::SYSTEM,
            started: true,
        }
    }

    /// A test that closes and reopens the client (as another task could
    /// while it runs), then says no.
    fn reconnecting(shared: &Arc<Shared>) -> Box<dyn Fn(&Event) -> bool + Send + Sync> {
        let shared = Arc::clone(shared);
        Box::new(move |_| {
            drop(shared.close());
            shared.open();
            false
        })
    }

    #[test]
    fn a_waiter_taken_out_before_a_close_is_not_put_back_after_it() {
        let shared = Arc::new(Shared::default());
        shared.open();
        let (sender, mut receiver) = oneshot::channel();
        assert!(matches!(
            shared.first_or_wait(reconnecting(&shared), sender),
            Look::Waiting
        ));
        shared.notify(&typing(), None);
        assert!(
            shared.lock().list.is_empty(),
            "not attached to the new connection"
        );
        assert!(
            matches!(receiver.try_recv(), Err(oneshot::error::TryRecvError::Closed)),
            "ends with NotConnected"
        );
    }

    #[test]
    fn a_look_through_the_backlog_that_spans_a_close_ends() {
        let shared = Arc::new(Shared::default());
        let generation = shared.open();
        shared.notify(&typing(), Some(generation));
        let (sender, _receiver) = oneshot::channel();
        assert!(matches!(
            shared.first_or_wait(reconnecting(&shared), sender),
            Look::NotConnected
        ));
    }

    #[test]
    fn the_backlog_is_kept_per_generation() {
        let shared = Shared::default();
        let old = shared.open();
        shared.notify(&typing(), Some(old));
        let (sender, _receiver) = oneshot::channel();
        assert!(matches!(
            shared.first_or_wait(Box::new(|_| true), sender),
            Look::Found(_)
        ));
        drop(shared.close());
        let new = shared.open();
        shared.notify(&typing(), Some(new));
        // The old loop's steps leave the new one's backlog alone.
        shared.handling(old);
        assert!(shared.forget_unhandled(old).is_empty());
        assert_eq!(shared.lock().unhandled.len(), 1);
        shared.handling(new);
        assert!(shared.lock().unhandled.is_empty());
    }
}
