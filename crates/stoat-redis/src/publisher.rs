//! The one process that holds the events connection: every event, as the
//! server sent it, goes to a bounded Redis stream, numbered.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use redis::Script;
use redis::aio::ConnectionManager;
use stoat_gateway::{Gateway, Incoming};
use stoat_model::Event;
use tokio::time::Instant;

use crate::Error;
use crate::keys::{Keys, partition_of};

/// Entries sent to Redis in one script call.
const BATCH: usize = 512;

/// What a publisher has done so far (shared; read it while it runs).
#[derive(Debug, Default)]
pub struct PublisherStats {
    /// Events appended to the stream.
    pub published: AtomicU64,
    /// Events dropped because the buffer was full while Redis was away
    /// (each loss is also written to the stream, for the workers).
    pub lost: AtomicU64,
    /// Failed attempts to reach Redis.
    pub failures: AtomicU64,
}

/// An entry waiting to be appended.
struct Pending {
    seq: u64,
    partition: u32,
    field: &'static str,
    value: Bytes,
}

/// Holds the events connection's output until Redis has it.
///
/// ```no_run
/// # async fn run() -> Result<(), stoat_redis::Error> {
/// use stoat_gateway::Gateway;
/// let (gateway, _handle) = Gateway::builder("wss://events.stoat.chat", "token".into())
///     .build()
///     .map_err(stoat_redis::Error::Gateway)?;
/// let mut publisher = stoat_redis::Publisher::builder("redis://127.0.0.1/").connect().await?;
/// publisher.run(gateway).await
/// # }
/// ```
pub struct Publisher {
    redis: ConnectionManager,
    keys: Keys,
    script: Arc<Script>,
    partitions: u32,
    max_len: u64,
    max_age: Option<Duration>,
    capacity: usize,
    buffer: VecDeque<Pending>,
    next_seq: u64,
    /// Events dropped since the last loss was written down.
    unreported: u64,
    /// (when, first sequence number from then on), for trimming by age.
    marks: VecDeque<(Instant, u64)>,
    stats: Arc<PublisherStats>,
}

impl fmt::Debug for Publisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Publisher")
            .field("prefix", &self.keys.prefix())
            .field("buffered", &self.buffer.len())
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}

/// Settings of a [`Publisher`].
#[must_use]
pub struct PublisherBuilder {
    url: String,
    prefix: String,
    partitions: u32,
    max_len: u64,
    max_age: Option<Duration>,
    capacity: usize,
}

impl fmt::Debug for PublisherBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublisherBuilder")
            .field("prefix", &self.prefix)
            .field("partitions", &self.partitions)
            .finish_non_exhaustive()
    }
}

impl PublisherBuilder {
    /// The prefix of every key (default `stoat`); workers use the same.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Into how many partitions events are spread (default 16): the events
    /// of one channel (or of one user) are in one partition, handled in
    /// order by one worker at a time. More partitions than workers spread
    /// the work; the number must not change while workers run.
    pub fn partitions(mut self, partitions: u32) -> Self {
        self.partitions = partitions;
        self
    }

    /// The stream keeps about this many entries (default 100,000; 0: no
    /// bound by length). A worker that falls further behind is told.
    pub fn max_len(mut self, entries: u64) -> Self {
        self.max_len = entries;
        self
    }

    /// The stream keeps about this much time of entries (default: no bound
    /// by age).
    pub fn max_age(mut self, age: Duration) -> Self {
        self.max_age = Some(age);
        self
    }

    /// Events kept while Redis is away (default 100,000): past that, events
    /// are dropped and the loss is counted and written to the stream.
    pub fn buffer(mut self, events: usize) -> Self {
        self.capacity = events;
        self
    }

    /// Connects to Redis and reads where the stream ends.
    pub async fn connect(self) -> Result<Publisher, Error> {
        if self.partitions == 0 || self.capacity == 0 {
            return Err(Error::Config {
                rule: "partitions and the buffer must hold at least one",
            });
        }
        let client = crate::error::open(&self.url)?;
        let mut redis = crate::error::manager(client, "connect the publisher").await?;
        let keys = Keys::new(&self.prefix);
        let last: Option<u64> = redis::cmd("GET")
            .arg(keys.seq())
            .query_async(&mut redis)
            .await
            .map_err(Error::redis("read the stream's last sequence number"))?;
        Ok(Publisher {
            redis,
            keys,
            script: Arc::new(Script::new(include_str!("lua/publish.lua"))),
            partitions: self.partitions,
            max_len: self.max_len,
            max_age: self.max_age,
            capacity: self.capacity,
            buffer: VecDeque::new(),
            next_seq: last.unwrap_or(0) + 1,
            unreported: 0,
            marks: VecDeque::new(),
            stats: Arc::default(),
        })
    }
}

type Flush = Pin<Box<dyn Future<Output = Result<usize, Error>> + Send>>;

impl Publisher {
    /// A publisher on the Redis at `url`.
    pub fn builder(url: impl Into<String>) -> PublisherBuilder {
        PublisherBuilder {
            url: url.into(),
            prefix: "stoat".to_owned(),
            partitions: 16,
            max_len: 100_000,
            max_age: None,
            capacity: 100_000,
        }
    }

    /// What it has done so far.
    pub fn stats(&self) -> Arc<PublisherStats> {
        Arc::clone(&self.stats)
    }

    /// Events waiting for Redis.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Queues an item of the events connection: a `Ready` and every event
    /// (a `Bulk` as its items, each in its own partition). Reconnects are
    /// not published.
    pub fn push(&mut self, incoming: Incoming) {
        match incoming {
            Incoming::Ready { ready, .. } => self.push_event(Event::Ready(ready)),
            Incoming::Event(event) => self.push_event(event),
            _ => {}
        }
    }

    /// Queues one server event (a `Bulk` as its items).
    pub fn push_event(&mut self, event: Event) {
        if let Event::Bulk(bulk) = event {
            for item in bulk.v {
                self.push_event(item);
            }
            return;
        }
        // Room for the event and, if some were lost, for the loss's entry.
        let room = self.capacity.saturating_sub(usize::from(self.unreported > 0));
        if self.buffer.len() >= room {
            self.unreported += 1;
            self.stats.lost.fetch_add(1, Ordering::Relaxed);
            if self.unreported == 1 {
                tracing::error!(
                    buffered = self.buffer.len(),
                    "the publisher's buffer is full: events are being lost"
                );
            }
            return;
        }
        if self.unreported > 0 {
            let lost = std::mem::take(&mut self.unreported);
            tracing::error!(
                lost,
                "events were lost while Redis was away; the workers are told"
            );
            self.queue(0, "l", Bytes::from(lost.to_string()));
        }
        let field = if matches!(event, Event::Ready(_)) {
            "r"
        } else {
            "e"
        };
        let partition = partition_of(&event, self.partitions);
        match serde_json::to_vec(&event) {
            Ok(json) => self.queue(partition, field, Bytes::from(json)),
            // Every decoded event encodes; should one not, it is counted.
            Err(error) => {
                tracing::error!(%error, "an event did not encode and is lost");
                self.stats.lost.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn queue(&mut self, partition: u32, field: &'static str, value: Bytes) {
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.max_age.is_some()
            && self
                .marks
                .back()
                .is_none_or(|(at, _)| at.elapsed() >= Duration::from_secs(1))
        {
            self.marks.push_back((Instant::now(), seq));
        }
        self.buffer.push_back(Pending {
            seq,
            partition,
            field,
            value,
        });
    }

    /// The lowest sequence number the age bound keeps (0: none).
    fn min_seq(&mut self) -> u64 {
        let Some(age) = self.max_age else { return 0 };
        let mut keep = 0;
        while let Some((at, seq)) = self.marks.front().copied() {
            if at.elapsed() <= age {
                break;
            }
            keep = seq;
            self.marks.pop_front();
        }
        keep
    }

    /// A call that appends the first entries of the buffer.
    fn flush_call(&mut self) -> (usize, Flush) {
        let count = self.buffer.len().min(BATCH);
        let keys = [self.keys.stream(), self.keys.seq(), self.keys.ready()];
        let mut args: Vec<Bytes> = vec![self.max_len.to_string().into(), self.min_seq().to_string().into()];
        for entry in self.buffer.iter().take(count) {
            args.push(entry.seq.to_string().into());
            args.push(entry.partition.to_string().into());
            args.push(Bytes::from_static(entry.field.as_bytes()));
            args.push(entry.value.clone());
        }
        let mut redis = self.redis.clone();
        let script = Arc::clone(&self.script);
        let future = Box::pin(async move {
            let mut call = script.prepare_invoke();
            for key in &keys {
                call.key(key);
            }
            for arg in &args {
                call.arg(&arg[..]);
            }
            let added: usize = call
                .invoke_async(&mut redis)
                .await
                .map_err(Error::redis("publish events"))?;
            Ok(added)
        });
        (count, future)
    }

    fn published(&mut self, count: usize, added: usize) {
        self.buffer.drain(..count);
        self.stats.published.fetch_add(added as u64, Ordering::Relaxed);
        // The loss is written down as soon as there is room, not only when
        // the next event comes.
        if self.unreported > 0 && self.buffer.len() < self.capacity {
            self.report_loss();
        }
    }

    fn report_loss(&mut self) {
        let lost = std::mem::take(&mut self.unreported);
        tracing::error!(
            lost,
            "events were lost while Redis was away; the workers are told"
        );
        self.queue(0, "l", Bytes::from(lost.to_string()));
    }

    /// Publishes everything buffered (one attempt per batch).
    pub async fn flush(&mut self) -> Result<(), Error> {
        while !self.buffer.is_empty() {
            let (count, call) = self.flush_call();
            let added = call.await?;
            self.published(count, added);
        }
        Ok(())
    }

    /// Reads `gateway` and publishes everything it yields, until it ends
    /// (after its handle's `close`: then `Ok` once the buffer is published)
    /// or fails for good. While Redis is away, events wait in the buffer and
    /// the connection is still read; attempts are retried with a growing
    /// delay (up to 1 s).
    pub async fn run(&mut self, mut gateway: Gateway) -> Result<(), Error> {
        let mut flushing: Option<(usize, Flush)> = None;
        let mut backoff = Duration::from_millis(20);
        let mut retry_at: Option<Instant> = None;
        let mut ended = false;
        loop {
            if flushing.is_none() && !self.buffer.is_empty() && retry_at.is_none_or(|at| at <= Instant::now())
            {
                flushing = Some(self.flush_call());
            }
            if ended && flushing.is_none() && self.buffer.is_empty() {
                return Ok(());
            }
            let wake = retry_at.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                item = gateway.next(), if !ended => match item {
                    Some(Ok(incoming)) => self.push(incoming),
                    Some(Err(error)) if error.is_terminal() => return Err(Error::Gateway(error)),
                    Some(Err(error)) => tracing::warn!(%error, "the events connection reported an error"),
                    None => ended = true,
                },
                outcome = async {
                    match flushing.as_mut() {
                        Some((_, call)) => call.as_mut().await,
                        None => std::future::pending().await,
                    }
                }, if flushing.is_some() => {
                    let count = flushing.take().map_or(0, |(count, _)| count);
                    match outcome {
                        Ok(added) => {
                            self.published(count, added);
                            backoff = Duration::from_millis(20);
                            retry_at = None;
                        }
                        Err(error) => {
                            self.stats.failures.fetch_add(1, Ordering::Relaxed);
                            tracing::warn!(%error, buffered = self.buffer.len(), "events wait for Redis");
                            retry_at = Some(Instant::now() + backoff);
                            backoff = (backoff * 2).min(Duration::from_secs(1));
                        }
                    }
                },
                () = tokio::time::sleep_until(wake), if retry_at.is_some() && flushing.is_none() => retry_at = None,
            }
        }
    }
}
