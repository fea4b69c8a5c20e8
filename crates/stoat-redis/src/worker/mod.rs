//! A worker: every event into its cache, and the handlers of the
//! partitions it holds.

mod lease;
mod read;
mod state;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use redis::Script;
use redis::aio::ConnectionManager;
use stoat::{Client, EventHandler};
use stoat_model::event::Format;
use tokio::sync::mpsc;
use tokio::time::Instant;

use self::read::{Kind, Raw};
use self::state::{Entry, Partition};
use crate::Error;
use crate::keys::Keys;

/// What a worker is told that is not an event.
#[derive(Debug)]
#[non_exhaustive]
pub enum Notice {
    /// The stream was trimmed past what this worker had read: `missed`
    /// events never reached its cache (nor, if it held their partitions,
    /// its handlers).
    Lagged {
        /// How many.
        missed: u64,
    },
    /// The publisher dropped `count` events while Redis was away (its
    /// buffer was full): no worker saw them.
    Lost {
        /// How many.
        count: u64,
    },
    /// An entry did not decode as an event; it is passed over.
    Undecodable {
        /// Its sequence number.
        seq: u64,
        /// Why.
        reason: String,
    },
    /// A handler finished after this worker had lost its partition (it was
    /// too slow, or Redis was away longer than the lease): the new owner
    /// may have handled the same event.
    LeaseLost {
        /// The partition.
        partition: u32,
    },
    /// A command a handler staged was refused by Redis (the event counts as
    /// handled).
    StagedFailed {
        /// The partition.
        partition: u32,
    },
    /// Redis is unreachable; the worker keeps trying (handling stops once
    /// its leases may have expired).
    Unavailable(Error),
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Lagged { missed } => write!(
                f,
                "the worker fell behind the stream's bound and missed {missed} events"
            ),
            Self::Lost { count } => write!(f, "the publisher lost {count} events while Redis was away"),
            Self::Undecodable { seq, reason } => write!(f, "could not decode stream entry {seq}: {reason}"),
            Self::LeaseLost { partition } => {
                write!(
                    f,
                    "partition {partition} was lost before its event was recorded as handled"
                )
            }
            Self::StagedFailed { partition } => {
                write!(
                    f,
                    "a staged command of partition {partition} was refused by Redis"
                )
            }
            Self::Unavailable(error) => write!(f, "the worker is waiting for Redis: {error}"),
        }
    }
}

/// What a worker has done so far (shared; read it while it runs).
#[derive(Debug, Default)]
pub struct WorkerStats {
    /// Entries applied to the cache.
    pub ingested: AtomicU64,
    /// Entries whose handling this worker committed.
    pub handled: AtomicU64,
    /// Events the worker missed (see [`Notice::Lagged`]).
    pub missed: AtomicU64,
    held: Mutex<Vec<u32>>,
}

impl WorkerStats {
    /// The partitions held at the last heartbeat.
    pub fn held(&self) -> Vec<u32> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

type NoticeFn = Arc<dyn Fn(&Notice) + Send + Sync>;

/// Reads the stream a [`Publisher`](crate::Publisher) writes into a
/// [`stoat::Client`]'s cache, and runs an [`EventHandler`] for the events
/// of the partitions it holds.
pub struct Worker {
    client: Client,
    redis: ConnectionManager,
    reader: redis::Client,
    keys: Keys,
    name: String,
    partitions: u32,
    lease: Duration,
    bound: usize,
    on_notice: NoticeFn,
    commit: Script,
    tick: Script,
    stats: Arc<WorkerStats>,
}

impl fmt::Debug for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker")
            .field("name", &self.name)
            .field("prefix", &self.keys.prefix())
            .field("partitions", &self.partitions)
            .finish_non_exhaustive()
    }
}

/// Settings of a [`Worker`].
#[must_use]
pub struct WorkerBuilder {
    url: String,
    client: Client,
    prefix: String,
    name: Option<String>,
    partitions: u32,
    lease: Duration,
    bound: usize,
    on_notice: NoticeFn,
}

impl fmt::Debug for WorkerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerBuilder")
            .field("prefix", &self.prefix)
            .field("partitions", &self.partitions)
            .finish_non_exhaustive()
    }
}

impl WorkerBuilder {
    /// The prefix of every key (default `stoat`), as the publisher's.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The number of partitions, as the publisher's (default 16).
    pub fn partitions(mut self, partitions: u32) -> Self {
        self.partitions = partitions;
        self
    }

    /// This worker's name in Redis (default: the process id and a random
    /// part); unique among the workers.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// How long a partition stays with a worker that stopped renewing it
    /// (default 5 s): how soon a dead worker's events are taken over, and
    /// the longest a handler may be stalled without losing its partition.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Entries kept per partition that this worker may have to handle if
    /// it takes the partition over (default 100,000).
    pub fn pending_bound(mut self, entries: usize) -> Self {
        self.bound = entries;
        self
    }

    /// Called with each [`Notice`] (default: logged as a warning).
    pub fn on_notice(mut self, notice: impl Fn(&Notice) + Send + Sync + 'static) -> Self {
        self.on_notice = Arc::new(notice);
        self
    }

    /// Connects to Redis.
    pub async fn connect(self) -> Result<Worker, Error> {
        if self.partitions == 0 || self.lease < Duration::from_millis(30) || self.bound == 0 {
            return Err(Error::Config {
                rule: "a worker needs a partition, a lease of 30 ms or more and a pending bound",
            });
        }
        let reader = crate::error::open(&self.url)?;
        let redis = crate::error::manager(reader.clone(), "connect the worker").await?;
        let name = self.name.unwrap_or_else(default_name);
        Ok(Worker {
            client: self.client,
            redis,
            reader,
            keys: Keys::new(&self.prefix),
            name,
            partitions: self.partitions,
            lease: self.lease,
            bound: self.bound,
            on_notice: self.on_notice,
            commit: Script::new(include_str!("../lua/commit.lua")),
            tick: Script::new(include_str!("../lua/tick.lua")),
            stats: Arc::default(),
        })
    }
}

fn default_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{}-{nanos:08x}", std::process::id())
}

/// Stops the reader task when the worker's run ends or is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What one handling ended with: the partition, the entry, the commit's
/// answer.
type Done = (u32, Entry, Result<i64, Error>);

/// A worker's state during `run`.
struct Run {
    parts: Vec<Partition>,
    last_seq: u64,
    /// Handling is allowed until then (the leases' end, less a margin).
    valid_until: Instant,
    unavailable: bool,
    /// The last `Ready` kept apart, until the stream has been read past it.
    ready: Option<(u64, Vec<u8>)>,
}

impl Worker {
    /// A worker on the Redis at `url`, feeding `client` (built as for a
    /// single process: its REST settings, cache settings and token; it is
    /// not connected to the events server).
    pub fn builder(url: impl Into<String>, client: Client) -> WorkerBuilder {
        WorkerBuilder {
            url: url.into(),
            client,
            prefix: "stoat".to_owned(),
            name: None,
            partitions: 16,
            lease: Duration::from_secs(5),
            bound: 100_000,
            on_notice: Arc::new(|notice| tracing::warn!(%notice, "stoat-redis worker")),
        }
    }

    /// The client whose cache this worker feeds.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// This worker's name in Redis.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What it has done so far.
    pub fn stats(&self) -> Arc<WorkerStats> {
        Arc::clone(&self.stats)
    }

    fn notice(&self, notice: &Notice) {
        (self.on_notice)(notice);
    }

    /// Reads the stream and handles the events of the partitions it holds,
    /// until dropped (it is cancel-safe: what it did not commit, another
    /// worker handles). Every event reaches the cache first, then the
    /// handler, as in [`Client::run`]. Ends with an error only when the
    /// state in Redis is unusable; Redis being away is retried (and told as
    /// [`Notice::Unavailable`]).
    pub async fn run(&self, handler: &impl EventHandler) -> Result<(), Error> {
        let (start, ready) = self.start().await?;
        let mut run = Run {
            parts: (0..self.partitions).map(|_| Partition::default()).collect(),
            last_seq: start,
            valid_until: Instant::now(),
            unavailable: false,
            ready,
        };
        let (sink, mut batches) = mpsc::channel(4);
        let reader = read::read_loop(self.reader.clone(), self.keys.stream(), start, sink);
        let _reader = AbortOnDrop(tokio::spawn(reader));
        let mut ticks = tokio::time::interval(self.lease / 3);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut handling = FuturesUnordered::new();
        loop {
            tokio::select! {
                batch = batches.recv() => match batch {
                    Some(Ok(batch)) => self.ingest(&mut run, batch),
                    Some(Err(error)) => self.unavailable(&mut run, error),
                    None => return Ok(()),
                },
                _ = ticks.tick() => self.heartbeat(&mut run).await?,
                Some((partition, entry, outcome)) = handling.next(), if !handling.is_empty() => {
                    self.finished(&mut run, partition, entry, outcome);
                }
            }
            if Instant::now() < run.valid_until {
                for (partition, part) in (0..).zip(run.parts.iter_mut()) {
                    if let Some(entry) = part.next() {
                        handling.push(self.handle(handler, partition, entry));
                    }
                }
            }
        }
    }

    /// Where to start reading: before the oldest unhandled entry and the
    /// last `Ready` (whose payload is kept too, in case the stream no longer
    /// holds it).
    async fn start(&self) -> Result<(u64, Option<(u64, Vec<u8>)>), Error> {
        let mut redis = self.redis.clone();
        let offsets: Vec<Option<u64>> = redis::cmd("MGET")
            .arg(
                (0..self.partitions)
                    .map(|p| self.keys.offset(p))
                    .collect::<Vec<_>>(),
            )
            .query_async(&mut redis)
            .await
            .map_err(Error::redis("read the partitions' offsets"))?;
        let (seq, payload): (Option<u64>, Option<Vec<u8>>) = redis::cmd("HMGET")
            .arg(self.keys.ready())
            .arg("seq")
            .arg("r")
            .query_async(&mut redis)
            .await
            .map_err(Error::redis("read the last Ready"))?;
        let oldest = offsets.iter().map(|o| o.unwrap_or(0)).min().unwrap_or(0);
        let ready = seq.zip(payload);
        let start = ready
            .as_ref()
            .map_or(oldest, |(seq, _)| oldest.min(seq.saturating_sub(1)));
        Ok((start, ready))
    }

    /// Applies read entries to the cache and queues their events.
    fn ingest(&self, run: &mut Run, batch: Vec<Raw>) {
        for raw in batch {
            if raw.seq <= run.last_seq {
                continue;
            }
            if raw.seq != run.last_seq + 1 {
                self.lagged(run, raw.seq);
            }
            run.last_seq = raw.seq;
            self.stats.ingested.fetch_add(1, Ordering::Relaxed);
            let Some(part) = run.parts.get_mut(raw.partition as usize) else {
                let reason = format!(
                    "its partition {} is beyond this worker's {}",
                    raw.partition, self.partitions
                );
                self.notice(&Notice::Undecodable { seq: raw.seq, reason });
                continue;
            };
            match raw.kind {
                Kind::Event(json) => match stoat_model::Event::decode(Format::Json, &json) {
                    Ok(event) => {
                        let mut events = Vec::new();
                        self.client.ingest(event, |event| events.push(event));
                        part.push(Entry { seq: raw.seq, events }, self.bound);
                    }
                    Err(error) => {
                        let reason = error.to_string();
                        self.notice(&Notice::Undecodable { seq: raw.seq, reason });
                    }
                },
                Kind::Lost(count) => self.notice(&Notice::Lost { count }),
                Kind::Unknown => self.notice(&Notice::Undecodable {
                    seq: raw.seq,
                    reason: "it was not written by a stoat-redis publisher".to_owned(),
                }),
            }
        }
    }

    /// Entries before `next` were trimmed unread. The last `Ready`, if it
    /// was among them, still gives the cache the state.
    fn lagged(&self, run: &mut Run, next: u64) {
        let missed = next - run.last_seq - 1;
        self.stats.missed.fetch_add(missed, Ordering::Relaxed);
        self.notice(&Notice::Lagged { missed });
        if let Some((seq, json)) = run.ready.take()
            && seq > run.last_seq
            && seq < next
            && let Ok(event) = stoat_model::Event::decode(Format::Json, &json)
        {
            let mut events = Vec::new();
            self.client.ingest(event, |event| events.push(event));
            run.parts[0].push(Entry { seq, events }, self.bound);
        }
    }

    fn unavailable(&self, run: &mut Run, error: Error) {
        if !run.unavailable {
            run.unavailable = true;
            self.notice(&Notice::Unavailable(error));
        }
    }
}
