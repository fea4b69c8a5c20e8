//! Holding partitions: the heartbeat, handling one entry, and its commit.

use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use stoat::EventHandler;
use tokio::time::Instant;

use super::state::Entry;
use super::{Done, Notice, Run, Worker};
use crate::Error;
use crate::stage::{Staged, take, with_staging};

impl Worker {
    /// Renews the partitions held, takes or gives back some for a fair
    /// share, and learns every partition's offset.
    pub(super) async fn heartbeat(&self, run: &mut Run) -> Result<(), Error> {
        let idle: Vec<u32> = (0..)
            .zip(&run.parts)
            .filter(|(_, part)| part.held && !part.busy)
            .map(|(p, _)| p)
            .collect();
        let started = Instant::now();
        let mut call = self.tick.key(self.keys.workers());
        call.arg(self.keys.prefix())
            .arg(&self.name)
            .arg(u64::try_from(self.lease.as_millis()).unwrap_or(u64::MAX))
            .arg(self.partitions);
        for partition in idle {
            call.arg(partition);
        }
        let reply: Vec<i64> = match call.invoke_async(&mut self.redis.clone()).await {
            Ok(reply) => reply,
            Err(source) => {
                self.unavailable(
                    run,
                    Error::Redis {
                        doing: "renew the worker's partitions",
                        source,
                    },
                );
                return Ok(());
            }
        };
        let count = run.parts.len();
        if reply.len() != 1 + 2 * count {
            return Err(Error::Unexpected {
                doing: "renew the worker's partitions",
            });
        }
        run.unavailable = false;
        // A margin for the time the answer took and for clocks that drift.
        run.valid_until = started + self.lease - self.lease / 5;
        let mut held = Vec::new();
        for (p, part) in run.parts.iter_mut().enumerate() {
            let holds = reply[1 + p] == 1;
            let offset = u64::try_from(reply[1 + count + p]).unwrap_or(0);
            if holds && !part.held && part.dropped > offset {
                self.notice(&Notice::Lagged {
                    missed: part.dropped - offset,
                });
            }
            // Held before and still: this worker's own count is the newer.
            part.offset = if holds && part.held {
                part.offset.max(offset)
            } else {
                offset
            };
            part.held = holds;
            part.trim();
            if holds {
                held.extend(u32::try_from(p));
            }
        }
        *self.stats.held.lock().unwrap_or_else(PoisonError::into_inner) = held;
        Ok(())
    }

    /// Runs the handler for one entry's events, then records it as handled
    /// (with what the handler staged), retrying while Redis is away.
    pub(super) async fn handle(&self, handler: &impl EventHandler, partition: u32, entry: Entry) -> Done {
        let staged = Staged::default();
        with_staging(Arc::clone(&staged), async {
            for event in &entry.events {
                self.client.handle(handler, event).await;
            }
        })
        .await;
        let words = take(&staged);
        let mut pause = Duration::from_millis(20);
        loop {
            let mut call = self.commit.key(self.keys.lease(partition));
            call.key(self.keys.offset(partition))
                .arg(&self.name)
                .arg(entry.seq);
            for word in &words {
                call.arg(&word[..]);
            }
            match call.invoke_async::<i64>(&mut self.redis.clone()).await {
                Ok(answer) => return (partition, entry, Ok(answer)),
                Err(source) => {
                    let error = Error::Redis {
                        doing: "record an event as handled",
                        source,
                    };
                    if !error.is_unavailable() {
                        return (partition, entry, Err(error));
                    }
                }
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }

    /// What a handling's commit answered.
    pub(super) fn finished(&self, run: &mut Run, partition: u32, entry: Entry, outcome: Result<i64, Error>) {
        let part = &mut run.parts[partition as usize];
        part.busy = false;
        match outcome {
            Ok(answer @ (0..=2)) => {
                part.offset = part.offset.max(entry.seq);
                if answer >= 1 {
                    self.stats.handled.fetch_add(1, Ordering::Relaxed);
                }
                if answer == 2 {
                    self.notice(&Notice::StagedFailed { partition });
                }
            }
            Ok(_) => {
                part.held = false;
                self.notice(&Notice::LeaseLost { partition });
            }
            Err(error) => {
                // Not recorded: handled again by whoever holds the
                // partition next (this worker, at its next heartbeat).
                part.queue.push_front(entry);
                part.held = false;
                self.notice(&Notice::Unavailable(error));
            }
        }
    }
}
