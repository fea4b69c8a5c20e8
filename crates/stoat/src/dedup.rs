//! Events the server sends twice are handed out once. Its own
//! de-duplication window is finite (2,048 events per connection), so a
//! message can arrive twice, and one fetched after a reconnect may also
//! come live.

use std::collections::{HashSet, VecDeque};
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

use stoat_model::MessageId;
use stoat_model::event::UserUpdate;

/// How many ids each window remembers: the server's own window.
const WINDOW: usize = 2048;

/// The last [`WINDOW`] ids seen, oldest forgotten first.
struct Recent<T> {
    order: VecDeque<T>,
    set: HashSet<T>,
}

impl<T: Hash + Eq + Clone> Recent<T> {
    /// Whether `id` is new (and remembers it).
    fn first_time(&mut self, id: &T) -> bool {
        if self.set.contains(id) {
            return false;
        }
        if self.order.len() == WINDOW
            && let Some(oldest) = self.order.pop_front()
        {
            self.set.remove(&oldest);
        }
        self.order.push_back(id.clone());
        self.set.insert(id.clone());
        true
    }
}

impl<T> Default for Recent<T> {
    fn default() -> Self {
        Self {
            order: VecDeque::new(),
            set: HashSet::new(),
        }
    }
}

/// What a client has handed out recently: message ids, and the
/// `event_id`s of user updates (the official server sends none, having
/// used them for its own window; a server that does is served too).
#[derive(Default)]
pub(crate) struct Seen {
    messages: Mutex<Recent<MessageId>>,
    user_updates: Mutex<Recent<Box<str>>>,
}

impl Seen {
    /// Whether the message `id` has not been handed out yet (and now is).
    pub(crate) fn new_message(&self, id: MessageId) -> bool {
        let mut messages = self.messages.lock().unwrap_or_else(PoisonError::into_inner);
        messages.first_time(&id)
    }

    /// Whether `update` has not been handed out yet, as far as its
    /// `event_id` tells.
    pub(crate) fn new_user_update(&self, update: &UserUpdate) -> bool {
        let Some(id) = &update.event_id else { return true };
        let mut updates = self.user_updates.lock().unwrap_or_else(PoisonError::into_inner);
        updates.first_time(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_forgets_the_oldest_first() {
        let mut recent = Recent::default();
        for n in 0..=WINDOW {
            assert!(recent.first_time(&n));
        }
        assert!(!recent.first_time(&WINDOW), "the newest is remembered");
        assert!(recent.first_time(&0), "the oldest was forgotten");
        assert_eq!(recent.order.len(), WINDOW);
        assert_eq!(recent.set.len(), WINDOW);
    }
}
