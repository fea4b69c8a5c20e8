//! What a worker knows of the partitions: the events read but not yet
//! known to be handled, which partitions it holds, and the offsets.

use std::collections::VecDeque;

use stoat::Event;

/// One read entry's events, made when the cache applied it.
pub(crate) struct Entry {
    pub(crate) seq: u64,
    pub(crate) events: Vec<Event>,
}

#[derive(Default)]
pub(crate) struct Partition {
    /// Entries after the offset (read ahead, or waiting for a handler).
    pub(crate) queue: VecDeque<Entry>,
    /// This worker holds the lease.
    pub(crate) held: bool,
    /// A handler of this partition is running.
    pub(crate) busy: bool,
    /// The last handled sequence number, as last read or committed.
    pub(crate) offset: u64,
    /// The newest entry dropped from the queue while it was over its bound
    /// (0: none): handling it fell to whoever held the partition then.
    pub(crate) dropped: u64,
}

impl Partition {
    /// Drops what is handled.
    pub(crate) fn trim(&mut self) {
        while self.queue.front().is_some_and(|e| e.seq <= self.offset) {
            self.queue.pop_front();
        }
    }

    /// The next entry to handle, if this worker may handle one now.
    pub(crate) fn next(&mut self) -> Option<Entry> {
        if !self.held || self.busy {
            return None;
        }
        self.trim();
        let entry = self.queue.pop_front()?;
        self.busy = true;
        Some(entry)
    }

    /// Queues an entry, dropping the oldest past `bound` entries.
    pub(crate) fn push(&mut self, entry: Entry, bound: usize) {
        self.queue.push_back(entry);
        while self.queue.len() > bound {
            if let Some(old) = self.queue.pop_front() {
                self.dropped = old.seq;
            }
        }
    }
}
