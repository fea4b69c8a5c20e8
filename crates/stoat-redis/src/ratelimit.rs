//! One rate limit shared by every process of a bot: the server's fixed
//! windows kept in Redis and updated atomically by a script.
//!
//! The server counts a bot's requests per IP address (and a user's per
//! session), so processes behind one address share one allowance. Each
//! keeps its own line per bucket (only the head of a line asks Redis), and
//! the heads of all processes take slots from the same count in Redis.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use redis::Script;
use redis::aio::ConnectionManager;
use stoat_http::ratelimit::{
    Acquire, BucketKey, Identity, LocalRateLimiter, Observation, Permit, RateLimiter, WINDOW,
};
use tokio::time::Instant;

use crate::Error;

/// Permits handed out by the local fallback while Redis is unreachable
/// carry this bit, so that their answers go back to it.
const LOCAL: u64 = 1 << 63;

/// Buckets whose lines are kept before idle ones are dropped.
const KEPT_LINES: usize = 1024;

/// A [`RateLimiter`] whose counts live in Redis, shared by every limiter
/// with the same prefix and scope.
///
/// ```no_run
/// # async fn run() -> Result<(), stoat_redis::Error> {
/// use std::sync::Arc;
/// // Every process of the bot on this host (one egress address) shares one count.
/// let limiter = stoat_redis::RedisRateLimiter::builder("redis://127.0.0.1/", "egress-203.0.113.7")
///     .connect()
///     .await?;
/// let client = stoat::Client::builder(stoat::Token::Bot("…".into()))
///     .http(|http| http.rate_limiter(Arc::new(limiter)))
///     .build();
/// # let _ = client;
/// # Ok(())
/// # }
/// ```
///
/// While Redis is unreachable, each process falls back to a
/// [`LocalRateLimiter`] of its own (logged once per outage): requests go on,
/// at the price of possible 429s, which the REST client retries.
pub struct RedisRateLimiter {
    shared: Arc<Shared>,
    lines: Mutex<HashMap<BucketKey, Arc<Line>>>,
    fallback: LocalRateLimiter,
}

struct Shared {
    redis: ConnectionManager,
    prefix: String,
    window: Duration,
    margin: Duration,
    acquire: Script,
    record: Script,
    degraded: AtomicBool,
}

/// One bucket's line in this process, and the last window it corrected.
struct Line {
    turn: tokio::sync::Mutex<()>,
    corrected: Mutex<u64>,
}

impl fmt::Debug for RedisRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRateLimiter")
            .field("prefix", &self.shared.prefix)
            .field("window", &self.shared.window)
            .field("degraded", &self.shared.degraded.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Settings of a [`RedisRateLimiter`].
#[must_use]
pub struct RateLimiterBuilder {
    url: String,
    scope: String,
    prefix: String,
    window: Duration,
    margin: Duration,
}

impl fmt::Debug for RateLimiterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiterBuilder")
            .field("scope", &self.scope)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RateLimiterBuilder {
    /// The prefix of every key (default `stoat`).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The server's window length, used until its answers say when a window
    /// ends (default 10 s, the official server's).
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// The wait after the server's window ends before the next one is
    /// opened, and before it ends during which no slot is handed out
    /// (default 10 ms): covers clock rounding and the time a request takes
    /// to reach the server.
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Connects to Redis.
    pub async fn connect(self) -> Result<RedisRateLimiter, Error> {
        if self.window <= self.margin * 2 {
            return Err(Error::Config {
                rule: "the window must be longer than twice the margin",
            });
        }
        let client = crate::error::open(&self.url)?;
        let redis = crate::error::manager(client, "connect the rate limiter").await?;
        Ok(RedisRateLimiter {
            shared: Arc::new(Shared {
                redis,
                prefix: format!("{}:rl:{}", self.prefix, self.scope),
                window: self.window,
                margin: self.margin,
                acquire: Script::new(include_str!("lua/acquire.lua")),
                record: Script::new(include_str!("lua/record.lua")),
                degraded: AtomicBool::new(false),
            }),
            lines: Mutex::new(HashMap::new()),
            fallback: LocalRateLimiter::new(),
        })
    }
}

/// Whole milliseconds, for the scripts.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl RedisRateLimiter {
    /// A limiter on the Redis at `url`, counting for `scope`: the same
    /// scope for every process the server counts together (an egress
    /// address for bots, a session for users).
    pub fn builder(url: impl Into<String>, scope: impl Into<String>) -> RateLimiterBuilder {
        RateLimiterBuilder {
            url: url.into(),
            scope: scope.into(),
            prefix: "stoat".to_owned(),
            window: WINDOW,
            margin: Duration::from_millis(10),
        }
    }

    fn line(&self, key: &BucketKey) -> Arc<Line> {
        let mut lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(line) = lines.get(key) {
            return Arc::clone(line);
        }
        if lines.len() >= KEPT_LINES {
            lines.retain(|_, line| Arc::strong_count(line) > 1);
        }
        let line = Arc::new(Line {
            turn: tokio::sync::Mutex::new(()),
            corrected: Mutex::new(0),
        });
        lines.insert(key.clone(), Arc::clone(&line));
        line
    }

    /// Takes a slot from Redis, waiting while the window is used up; `Err`
    /// when Redis cannot be asked.
    async fn take(&self, key: &BucketKey) -> Result<Permit, Error> {
        let shared = &self.shared;
        let redis_key = shared.key(key);
        let mut redis = shared.redis.clone();
        loop {
            let (granted, value): (u8, u64) = shared
                .acquire
                .key(&redis_key)
                .arg(key.limit())
                .arg(millis(shared.window))
                .arg(millis(shared.margin))
                .invoke_async(&mut redis)
                .await
                .map_err(Error::redis("take a rate-limit slot"))?;
            if granted == 1 {
                return Ok(Permit { window: value });
            }
            // Waits until the window reopens, but looks again sooner when
            // the first answer may still shorten a guessed window.
            let wait = Duration::from_millis(value).min(shared.window / 4);
            tokio::time::sleep(wait).await;
        }
    }
}

impl Shared {
    fn key(&self, bucket: &BucketKey) -> String {
        let who = match bucket.identity() {
            Identity::Session(digest) => format!("s{digest:x}"),
            _ => "a".to_owned(),
        };
        format!("{}:{who}:{bucket}", self.prefix)
    }

    /// Sends a correction to Redis (in a task: `record` cannot wait).
    fn correct(self: &Arc<Self>, bucket: &BucketKey, permit: Permit, seen: &Observation) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let shared = Arc::clone(self);
        let key = self.key(bucket);
        let age = millis(Instant::now().saturating_duration_since(seen.received_at));
        let text = |value: Option<u64>| value.map_or_else(String::new, |v| v.to_string());
        let args = [
            permit.window.to_string(),
            text(seen.limit.map(u64::from)),
            text(seen.remaining.map(u64::from)),
            text(seen.reset_after.map(millis)),
            text(seen.retry_after.map(millis)),
            age.to_string(),
            millis(self.window).to_string(),
            millis(self.margin).to_string(),
        ];
        runtime.spawn(async move {
            let mut redis = shared.redis.clone();
            let mut call = shared.record.key(key);
            for arg in &args {
                call.arg(arg);
            }
            if let Err(error) = call.invoke_async::<i64>(&mut redis).await {
                tracing::debug!(%error, "a rate-limit correction did not reach Redis");
            }
        });
    }
}

impl RateLimiter for RedisRateLimiter {
    fn acquire<'a>(&'a self, key: &'a BucketKey) -> Acquire<'a> {
        Box::pin(async move {
            let line = self.line(key);
            let _turn = line.turn.lock().await;
            match self.take(key).await {
                Ok(permit) => {
                    if self.shared.degraded.swap(false, Ordering::Relaxed) {
                        tracing::warn!("Redis is back: the shared rate limit applies again");
                    }
                    permit
                }
                Err(error) => {
                    if !self.shared.degraded.swap(true, Ordering::Relaxed) {
                        tracing::warn!(%error, "rate limiting in this process alone until Redis is back");
                    }
                    let permit = self.fallback.acquire(key).await;
                    Permit {
                        window: permit.window | LOCAL,
                    }
                }
            }
        })
    }

    fn record(&self, key: &BucketKey, permit: Permit, observation: &Observation) {
        if permit.window & LOCAL != 0 {
            let local = Permit {
                window: permit.window & !LOCAL,
            };
            self.fallback.record(key, local, observation);
            return;
        }
        // One correction per window and process (the first answer says when
        // the window ends), and every refusal.
        let line = self.line(key);
        let first = {
            let mut corrected = line.corrected.lock().unwrap_or_else(PoisonError::into_inner);
            let first = *corrected != permit.window;
            *corrected = permit.window;
            first
        };
        if first || observation.retry_after.is_some() {
            self.shared.correct(key, permit, observation);
        }
    }
}
