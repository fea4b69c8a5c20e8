//! The events connection's lifecycle, in one place: whether one runs (its
//! command handle), its generation, who waits for which event, and the
//! events a `run` loop has read but not handled yet (a handler waiting for
//! a reply must also see the replies that came while an earlier handler
//! ran).
//!
//! Each connection is a generation: `close` (or the end of its stream)
//! starts the next one, so that nothing taken out under one is put back
//! under the next, a `connect` still looking up its URL learns that it was
//! closed meanwhile, and an old stream cannot end a newer connection.
//!
//! The `wait_for` tests are the caller's code: they never run under this
//! lock, so they may use the client, and one that panics costs no other
//! waiter.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use stoat_gateway::Handle;
use tokio::sync::oneshot;

use crate::event::Event;

/// A `wait_for` call's test.
pub(crate) type Test = Box<dyn Fn(&Event) -> bool + Send + Sync>;

/// A `wait_for` call: its test and where the match goes (or the test's
/// panic, to resume in the caller that wrote the test).
pub(crate) struct Waiter {
    matches: Test,
    sender: oneshot::Sender<std::thread::Result<Event>>,
}

/// What the lock guards.
#[derive(Default)]
struct State {
    /// The running connection's command handle.
    handle: Option<Handle>,
    /// One more at every `close` and at the end of every connection.
    generation: u64,
    waiters: Vec<Waiter>,
    /// Read by a `run` loop, not yet handled: oldest first, numbered.
    unhandled: VecDeque<(u64, Event)>,
    /// The number the next unhandled event gets (never reused).
    next_number: u64,
    /// Whether the `run` loop of this generation is reading ahead of its
    /// handlers (its events are then kept until handled).
    reading_ahead: bool,
}

/// What [`Connection::first_or_wait`] found.
#[allow(clippy::large_enum_variant, reason = "returned at once, never stored")]
pub(crate) enum Look {
    /// No connection runs (or it ended while looking).
    NotConnected,
    /// An event read but not yet handled matched.
    Found(Event),
    /// Registered: the match will come through the sender.
    Waiting,
}

/// The client's events connection, from `connect` to its end.
#[derive(Default)]
pub(crate) struct Connection {
    state: Mutex<State>,
    /// Whether anyone waits or a `run` loop reads ahead: when not, a new
    /// event needs no lock (the common case, on every event).
    watched: AtomicBool,
}

impl Connection {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps `watched` true while there are waiters or a read-ahead.
    fn rewatch(&self, state: &State) {
        let watched = !state.waiters.is_empty() || state.reading_ahead;
        self.watched.store(watched, Ordering::Release);
    }

    /// The current generation, read before a `connect` looks up its URL.
    pub(crate) fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// The running connection's handle.
    pub(crate) fn handle(&self) -> Option<Handle> {
        self.lock().handle.clone().filter(|handle| !handle.is_closed())
    }

    /// Whether a connection runs.
    pub(crate) fn is_running(&self) -> bool {
        self.lock()
            .handle
            .as_ref()
            .is_some_and(|handle| !handle.is_closed())
    }

    /// A connection built after reading generation `seen` wants to start.
    /// `Err(())`: another one runs. `Ok(None)`: a `close` came since `seen`,
    /// so it is closed at once. `Ok(Some(generation))`: it runs.
    pub(crate) fn start(&self, handle: &Handle, seen: u64) -> Result<Option<u64>, ()> {
        let mut state = self.lock();
        if state.handle.as_ref().is_some_and(|running| !running.is_closed()) {
            return Err(());
        }
        if state.generation != seen {
            handle.close();
            return Ok(None);
        }
        state.handle = Some(handle.clone());
        Ok(Some(state.generation))
    }

    /// `close`: the running connection (if any) is closed, and every waiter
    /// ends with `NotConnected`. The waiters are given back, for the caller
    /// to drop once its locks are released (a test's captures may use the
    /// client when dropped).
    #[must_use = "dropped by the caller, after its locks"]
    pub(crate) fn close(&self) -> Vec<Waiter> {
        let mut state = self.lock();
        if let Some(handle) = state.handle.take() {
            handle.close();
        }
        self.next_generation(&mut state)
    }

    /// The connection of `handle` is over (its stream ended or was
    /// dropped). Unless the client has moved on to a newer one, it has
    /// none now, and nobody waiting will see an event.
    #[must_use = "dropped by the caller, after its locks"]
    pub(crate) fn ended(&self, handle: &Handle) -> Vec<Waiter> {
        let mut state = self.lock();
        if state
            .handle
            .as_ref()
            .is_some_and(|current| !current.same_connection(handle))
        {
            return Vec::new();
        }
        state.handle = None;
        self.next_generation(&mut state)
    }

    fn next_generation(&self, state: &mut State) -> Vec<Waiter> {
        state.generation += 1;
        state.unhandled.clear();
        state.reading_ahead = false;
        let waiters = std::mem::take(&mut state.waiters);
        self.rewatch(state);
        waiters
    }

    /// Whether the `run` loop of `generation` reads ahead of its handlers.
    pub(crate) fn reading_ahead(&self, generation: u64, on: bool) {
        let mut state = self.lock();
        if state.generation == generation {
            state.reading_ahead = on;
            self.rewatch(&state);
        }
    }

    /// Hands `event`, just read, to every waiter it matches, and keeps it
    /// until handled when a `run` loop reads ahead (in the same step, so
    /// that no `wait_for` can miss it in between). Forgets waiters that
    /// gave up.
    pub(crate) fn notify(&self, event: &Event) {
        if !self.watched.load(Ordering::Acquire) {
            return;
        }
        let (taken, generation) = {
            let mut state = self.lock();
            if state.reading_ahead {
                let number = state.next_number;
                state.next_number += 1;
                state.unhandled.push_back((number, event.clone()));
            }
            (std::mem::take(&mut state.waiters), state.generation)
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
        let mut state = self.lock();
        if state.generation != generation {
            // Closed meanwhile: these end too, once the lock is released.
            drop(state);
            return;
        }
        // Those that came while the tests ran wait after the older ones.
        kept.append(&mut state.waiters);
        state.waiters = kept;
        self.rewatch(&state);
    }

    /// A `run` loop of `generation` starts handling its oldest event.
    pub(crate) fn handling(&self, generation: u64) {
        let mut state = self.lock();
        if state.generation == generation {
            state.unhandled.pop_front();
        }
    }

    /// A `run` loop of `generation` ended: its events are forgotten (and
    /// given back, to drop after the lock).
    #[must_use = "dropped by the caller, after its locks"]
    pub(crate) fn forget_unhandled(&self, generation: u64) -> VecDeque<(u64, Event)> {
        let mut state = self.lock();
        if state.generation != generation {
            return VecDeque::new();
        }
        state.reading_ahead = false;
        self.rewatch(&state);
        std::mem::take(&mut state.unhandled)
    }

    /// The first unhandled event that `matches`; else `matches` waits for
    /// the events still to come.
    pub(crate) fn first_or_wait(
        &self,
        matches: Test,
        sender: oneshot::Sender<std::thread::Result<Event>>,
    ) -> Look {
        let (mut from, mut generation) = (0, None);
        loop {
            let unseen: Vec<(u64, Event)> = {
                let mut state = self.lock();
                let running = state.handle.as_ref().is_some_and(|h| !h.is_closed());
                if !running || generation.is_some_and(|g| g != state.generation) {
                    return Look::NotConnected;
                }
                generation = Some(state.generation);
                if state.unhandled.back().is_none_or(|(number, _)| *number < from) {
                    // Nothing new since the last look: registered under the
                    // lock that reading takes, so nothing slips by.
                    state.waiters.push(Waiter { matches, sender });
                    self.rewatch(&state);
                    return Look::Waiting;
                }
                state
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
    use crate::event::Typing;

    fn typing() -> Event {
        Event::Typing(Typing {
            channel: ChannelId::SYSTEM,
            user: UserId::SYSTEM,
            started: true,
        })
    }

    /// The gateways of the tests' connections: never polled (so they never
    /// connect), and kept alive, since dropping one closes its handle.
    static GATEWAYS: Mutex<Vec<stoat_gateway::Gateway>> = Mutex::new(Vec::new());

    fn handle() -> Handle {
        let token = stoat_model::Secret::new(String::from("token"));
        let (gateway, handle) = stoat_gateway::Gateway::builder("ws://127.0.0.1:1", token)
            .build()
            .expect("a valid URL");
        GATEWAYS.lock().unwrap().push(gateway);
        handle
    }

    /// Starts a connection; its generation.
    fn start(connection: &Connection) -> u64 {
        let seen = connection.generation();
        connection
            .start(&handle(), seen)
            .expect("none runs")
            .expect("not closed")
    }

    /// A test that closes and restarts the connection (as another task
    /// could while it runs), then says no.
    fn reconnecting(connection: &Arc<Connection>) -> Test {
        let connection = Arc::clone(connection);
        Box::new(move |_| {
            drop(connection.close());
            start(&connection);
            false
        })
    }

    #[test]
    fn a_waiter_taken_out_before_a_close_is_not_put_back_after_it() {
        let connection = Arc::new(Connection::default());
        start(&connection);
        let (sender, mut receiver) = oneshot::channel();
        let look = connection.first_or_wait(reconnecting(&connection), sender);
        assert!(matches!(look, Look::Waiting));
        connection.notify(&typing());
        assert!(
            connection.lock().waiters.is_empty(),
            "not attached to the new connection"
        );
        assert!(
            matches!(receiver.try_recv(), Err(oneshot::error::TryRecvError::Closed)),
            "ends with NotConnected"
        );
    }

    #[test]
    fn a_look_through_the_backlog_that_spans_a_close_ends() {
        let connection = Arc::new(Connection::default());
        let generation = start(&connection);
        connection.reading_ahead(generation, true);
        connection.notify(&typing());
        let (sender, _receiver) = oneshot::channel();
        let look = connection.first_or_wait(reconnecting(&connection), sender);
        assert!(matches!(look, Look::NotConnected));
    }

    #[test]
    fn the_backlog_is_kept_per_generation() {
        let connection = Connection::default();
        let old = start(&connection);
        connection.reading_ahead(old, true);
        connection.notify(&typing());
        let (sender, _receiver) = oneshot::channel();
        assert!(matches!(
            connection.first_or_wait(Box::new(|_| true), sender),
            Look::Found(_)
        ));
        drop(connection.close());
        let new = start(&connection);
        connection.reading_ahead(new, true);
        connection.notify(&typing());
        // The old loop's steps leave the new one's backlog alone.
        connection.handling(old);
        assert!(connection.forget_unhandled(old).is_empty());
        assert_eq!(connection.lock().unhandled.len(), 1);
        connection.handling(new);
        assert!(connection.lock().unhandled.is_empty());
    }

    #[test]
    fn a_close_during_start_closes_the_new_connection() {
        let connection = Connection::default();
        let seen = connection.generation();
        drop(connection.close());
        let late = handle();
        assert!(matches!(connection.start(&late, seen), Ok(None)));
        assert!(late.is_closed());
        assert!(!connection.is_running());
    }
}
