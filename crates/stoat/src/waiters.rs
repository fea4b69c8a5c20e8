//! `wait_for`'s bookkeeping: who waits for which event, and the events a
//! `run` loop has read but not handled yet (a handler waiting for a reply
//! must also see the replies that came while an earlier handler ran).
//!
//! The tests are the caller's code: they never run under this lock, so
//! they may use the client, and one that panics costs no other waiter.

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
pub(crate) struct Waiters {
    /// Whether an events connection runs (one may be waited on).
    open: bool,
    list: Vec<Waiter>,
    /// Read by a `run` loop, not yet handled: oldest first, numbered.
    unhandled: VecDeque<(u64, Event)>,
    /// The number the next unhandled event gets.
    next_number: u64,
}

/// What [`Shared::first_or_wait`] found.
pub(crate) enum Look {
    /// No connection runs.
    NotConnected,
    /// An event read but not yet handled matched.
    Found(Event),
    /// Registered: the match will come through the sender.
    Waiting,
}

/// The shared [`Waiters`].
#[derive(Default)]
pub(crate) struct Shared(Mutex<Waiters>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Waiters> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands `event`, just read, to every waiter it matches; forgets
    /// waiters that gave up.
    pub(crate) fn notify(&self, event: &Event) {
        let taken = std::mem::take(&mut self.lock().list);
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
        // Those that came while the tests ran wait after the older ones.
        kept.append(&mut waiters.list);
        waiters.list = kept;
    }

    /// A `run` loop read `event` ahead of its handlers.
    pub(crate) fn read_ahead(&self, event: &Event) {
        let mut waiters = self.lock();
        let number = waiters.next_number;
        waiters.next_number += 1;
        waiters.unhandled.push_back((number, event.clone()));
    }

    /// A `run` loop is handling its oldest unhandled event.
    pub(crate) fn handling(&self) {
        self.lock().unhandled.pop_front();
    }

    /// The first unhandled event that `matches`; else `matches` waits for
    /// the events still to come.
    pub(crate) fn first_or_wait(
        &self,
        matches: Box<dyn Fn(&Event) -> bool + Send + Sync>,
        sender: oneshot::Sender<std::thread::Result<Event>>,
    ) -> Look {
        let mut from = 0;
        loop {
            let unseen: Vec<(u64, Event)> = {
                let mut waiters = self.lock();
                if !waiters.open {
                    return Look::NotConnected;
                }
                if waiters.unhandled.back().is_none_or(|(number, _)| *number < from) {
                    // Nothing new since the last look: registered under the
                    // lock that reading ahead takes, so nothing slips by.
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

    /// A connection started: `wait_for` may wait.
    pub(crate) fn open(&self) {
        self.lock().open = true;
    }

    /// The connection ended: every waiter ends with `NotConnected`. What is
    /// dropped is given back, for the caller to drop once its own locks are
    /// released (a test's captures may use the client when dropped).
    pub(crate) fn close(&self) -> Waiters {
        std::mem::take(&mut self.lock())
    }

    /// Forgets the unhandled events (the `run` loop that read them ended).
    pub(crate) fn forget_unhandled(&self) -> VecDeque<(u64, Event)> {
        std::mem::take(&mut self.lock().unhandled)
    }
}
