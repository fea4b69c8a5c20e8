//! Rate limiting that waits before the server would refuse.
//!
//! The server counts requests in fixed windows of 10 s per bucket (spec
//! 7.2): which routes share a bucket and each bucket's limit are known in
//! advance, so the client keeps its own count and corrects it from the
//! `X-RateLimit-*` headers of every answer. A request that would exceed the
//! count waits for the window to end instead of earning a 429.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::Token;
use crate::request::Base;
pub use crate::route::Bucket;

/// The server's window length.
pub const WINDOW: Duration = Duration::from_secs(10);

/// Who the server counts a request against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Identity {
    /// The client's address: requests with a bot token or none (the server
    /// limits bots per IP address, so every bot of a process shares them).
    Address,
    /// One user session (a digest of its token, never the token itself).
    Session(u64),
}

impl Identity {
    /// The identity the server uses for requests sent with `token`.
    pub fn of(token: Option<&Token>) -> Self {
        match token {
            Some(Token::Session(secret)) => {
                let mut hasher = DefaultHasher::new();
                secret.expose().hash(&mut hasher);
                Self::Session(hasher.finish())
            }
            _ => Self::Address,
        }
    }
}

/// A rate-limit bucket: the server's bucket, its resource part and who is
/// counted.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BucketKey {
    bucket: Bucket,
    resource: String,
    identity: Identity,
}

impl BucketKey {
    /// The key of a request to `bucket` at `path`: the resource is the
    /// path segment the bucket is kept per (a channel id, say), if any.
    pub fn new(bucket: Bucket, path: &str, identity: Identity) -> Self {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let resource = bucket
            .resource_segment()
            .and_then(|i| path.trim_start_matches('/').split('/').nth(i))
            .unwrap_or_default()
            .to_owned();
        Self {
            bucket,
            resource,
            identity,
        }
    }

    /// The bucket of a request outside [`Route`](crate::Route)'s table, by
    /// the server's table (spec 7.2).
    pub fn classify(method: &str, base: Base, path: &str, identity: Identity) -> Self {
        let without_query = path.split(['?', '#']).next().unwrap_or_default();
        let segments: Vec<&str> = without_query.trim_matches('/').split('/').collect();
        Self::new(
            Bucket::classify(method, base == Base::Cdn, &segments),
            path,
            identity,
        )
    }

    /// The server's bucket.
    pub fn bucket(&self) -> Bucket {
        self.bucket
    }

    /// The server's bucket name, e.g. `user_edit`.
    pub fn name(&self) -> &'static str {
        self.bucket.name()
    }

    /// The resource part (a channel id, the edited user, an upload tag), or
    /// empty.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The server's limit per window, as configured by default.
    pub fn limit(&self) -> u32 {
        self.bucket.limit()
    }

    /// Who is counted.
    pub fn identity(&self) -> Identity {
        self.identity
    }
}

impl fmt::Display for BucketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.resource.is_empty() {
            f.write_str(self.name())
        } else {
            write!(f, "{}/{}", self.name(), self.resource)
        }
    }
}

/// What an answer said about its bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Observation {
    /// `X-RateLimit-Limit`.
    pub limit: Option<u32>,
    /// `X-RateLimit-Remaining`: requests left in the window after this one.
    pub remaining: Option<u32>,
    /// `X-RateLimit-Reset-After`: time until the window ends.
    pub reset_after: Option<Duration>,
    /// `X-RateLimit-Bucket`: the server's opaque bucket id.
    pub server_bucket: Option<u64>,
    /// The `retry_after` of a 429 from the rate limiter.
    pub retry_after: Option<Duration>,
    /// When the answer arrived.
    pub received_at: Instant,
}

impl Observation {
    /// Reads the `X-RateLimit-*` headers of an answer.
    pub fn from_headers(headers: &hyper::HeaderMap, received_at: Instant) -> Self {
        fn number<T: std::str::FromStr>(headers: &hyper::HeaderMap, name: &str) -> Option<T> {
            headers.get(name)?.to_str().ok()?.trim().parse().ok()
        }
        Self {
            limit: number(headers, "x-ratelimit-limit"),
            remaining: number(headers, "x-ratelimit-remaining"),
            reset_after: number(headers, "x-ratelimit-reset-after").map(Duration::from_millis),
            server_bucket: number(headers, "x-ratelimit-bucket"),
            retry_after: None,
            received_at,
        }
    }
}

/// A slot in a bucket's window, handed out by [`RateLimiter::acquire`] and
/// given back with what the answer said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permit {
    /// Which window of the bucket the slot belongs to (a limiter's own
    /// numbering), so that a late answer from an older window is not taken
    /// for news about the current one.
    pub window: u64,
}

/// The future [`RateLimiter::acquire`] returns.
pub type Acquire<'a> = Pin<Box<dyn Future<Output = Permit> + Send + 'a>>;

/// Decides when a request may be sent. The client asks before every attempt
/// and reports every answer.
///
/// The built-in [`LocalRateLimiter`] is the default; a process farm can plug
/// in one that shares its counts (through a database, say) with
/// [`ClientBuilder::rate_limiter`](crate::ClientBuilder::rate_limiter).
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Waits until a request to `bucket` may be sent, and takes the slot.
    /// Must be cancel-safe: dropping the future gives up its place in line
    /// and holds nothing.
    fn acquire<'a>(&'a self, bucket: &'a BucketKey) -> Acquire<'a>;

    /// What the answer to a request sent with `permit` said.
    fn record(&self, bucket: &BucketKey, permit: Permit, observation: &Observation);
}

/// A limiter that never waits (for a proxy that limits for you, or to
/// measure the limiter's own cost).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRateLimiter;

impl RateLimiter for NoRateLimiter {
    fn acquire<'a>(&'a self, _: &'a BucketKey) -> Acquire<'a> {
        Box::pin(std::future::ready(Permit { window: 0 }))
    }

    fn record(&self, _: &BucketKey, _: Permit, _: &Observation) {}
}

/// The default limiter: counts per bucket in this process.
///
/// Each bucket starts with the server's documented limit (so even the first
/// requests of a burst are paced), and follows the server's headers from
/// then on: its `X-RateLimit-Remaining` when lower than the local count,
/// and its `X-RateLimit-Reset-After` (plus a small margin for rounding) for
/// the window's end. A bucket whose answers carry no rate-limit headers is
/// not limited by the server, and is not counted until a 429 or headers
/// say otherwise.
///
/// Requests of one bucket wait in order (first come, first sent); other
/// buckets are not held up by them.
pub struct LocalRateLimiter {
    buckets: Mutex<HashMap<BucketKey, Arc<Window>>>,
    margin: Duration,
}

impl fmt::Debug for LocalRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRateLimiter")
            .field("buckets", &self.lock().len())
            .field("margin", &self.margin)
            .finish()
    }
}

impl Default for LocalRateLimiter {
    fn default() -> Self {
        Self::new()
    }
}

/// Buckets kept before idle ones are dropped.
const KEPT_BUCKETS: usize = 1024;

impl LocalRateLimiter {
    /// A limiter with a 5 ms margin after each window (the server rounds
    /// `Reset-After` down to whole milliseconds).
    pub fn new() -> Self {
        Self {
            buckets: Mutex::new(HashMap::new()),
            margin: Duration::from_millis(5),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<BucketKey, Arc<Window>>> {
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn bucket(&self, key: &BucketKey) -> Arc<Window> {
        let mut buckets = self.lock();
        if let Some(bucket) = buckets.get(key) {
            return Arc::clone(bucket);
        }
        if buckets.len() >= KEPT_BUCKETS {
            let now = Instant::now();
            buckets.retain(|_, bucket| Arc::strong_count(bucket) > 1 || !bucket.is_idle(now));
        }
        let bucket = Arc::new(Window::new(key.limit()));
        buckets.insert(key.clone(), Arc::clone(&bucket));
        bucket
    }

    /// Requests left in `bucket`'s current window, as far as this limiter
    /// knows (the full limit for a bucket it has not seen).
    pub fn remaining(&self, bucket: &BucketKey) -> u32 {
        let buckets = self.lock();
        buckets
            .get(bucket)
            .map_or(bucket.limit(), |b| b.state().remaining_at(Instant::now()))
    }
}

impl RateLimiter for LocalRateLimiter {
    fn acquire<'a>(&'a self, key: &'a BucketKey) -> Acquire<'a> {
        let bucket = self.bucket(key);
        Box::pin(async move { bucket.acquire().await })
    }

    fn record(&self, key: &BucketKey, permit: Permit, observation: &Observation) {
        let bucket = self.lock().get(key).cloned();
        if let Some(bucket) = bucket {
            bucket.record(permit, observation, self.margin);
        }
    }
}

/// One bucket's state: a line of waiting requests and the window's counts.
struct Window {
    /// Held by the request at the head of the line while it waits (tokio's
    /// mutex is fair, so the line is first come, first served).
    turn: tokio::sync::Mutex<()>,
    /// The counts; answers update them without waiting in line.
    state: Mutex<State>,
    /// Woken by answers, for a head of line waiting to learn when the
    /// window ends.
    answered: tokio::sync::Notify,
}

#[derive(Debug)]
struct State {
    limit: u32,
    remaining: u32,
    /// Numbering of windows, for [`Permit::window`].
    window: u64,
    /// When this process sent the window's first request.
    opened_at: Option<Instant>,
    /// When the window ends, once an answer said so.
    reset_at: Option<Instant>,
    /// The last answer had no rate-limit headers: the server does not limit
    /// this bucket (a 429 or headers turn counting back on).
    unlimited: bool,
}

impl State {
    /// Whether the window is over: by the server's word, or, if the server
    /// has not answered, a whole window after it opened.
    fn is_over(&self, now: Instant) -> bool {
        match (self.reset_at, self.opened_at) {
            (Some(reset), _) => reset <= now,
            (None, Some(opened)) => opened + WINDOW <= now,
            (None, None) => false,
        }
    }

    fn remaining_at(&self, now: Instant) -> u32 {
        if self.is_over(now) {
            self.limit
        } else {
            self.remaining
        }
    }
}

/// What the head of the line waits for when the window is used up.
enum Wait {
    Until(Instant),
    /// No answer has said when the window ends: wait for one, but no longer
    /// than a whole window.
    Answer(Instant),
}

impl Window {
    fn new(limit: u32) -> Self {
        Self {
            turn: tokio::sync::Mutex::new(()),
            state: Mutex::new(State {
                limit,
                remaining: limit,
                window: 0,
                opened_at: None,
                reset_at: None,
                unlimited: false,
            }),
            answered: tokio::sync::Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_idle(&self, now: Instant) -> bool {
        let state = self.state();
        state.opened_at.is_none() || state.is_over(now)
    }

    async fn acquire(&self) -> Permit {
        let _turn = self.turn.lock().await;
        loop {
            let wait = {
                let mut state = self.state();
                if state.unlimited {
                    return Permit { window: state.window };
                }
                let now = Instant::now();
                if state.is_over(now) {
                    state.remaining = state.limit;
                    state.window += 1;
                    state.opened_at = None;
                    state.reset_at = None;
                }
                if state.remaining > 0 {
                    state.remaining -= 1;
                    state.opened_at.get_or_insert(now);
                    return Permit { window: state.window };
                }
                match (state.reset_at, state.opened_at) {
                    (Some(reset), _) => Wait::Until(reset),
                    (None, opened) => Wait::Answer(opened.unwrap_or(now) + WINDOW),
                }
            };
            match wait {
                Wait::Until(at) => tokio::time::sleep_until(at).await,
                Wait::Answer(deadline) => {
                    // A wake-up left by an older answer only makes the loop
                    // look again.
                    let _ = tokio::time::timeout_at(deadline, self.answered.notified()).await;
                }
            }
        }
    }

    fn record(&self, permit: Permit, observation: &Observation, margin: Duration) {
        let mut state = self.state();
        if permit.window != state.window {
            return;
        }
        state.unlimited = observation.limit.is_none()
            && observation.remaining.is_none()
            && observation.reset_after.is_none()
            && observation.retry_after.is_none();
        if let Some(limit) = observation.limit
            && limit != state.limit
        {
            state.remaining = state.remaining.min(limit);
            state.limit = limit;
        }
        if let Some(retry_after) = observation.retry_after {
            state.remaining = 0;
            let reset = observation.received_at + retry_after + margin;
            state.reset_at = Some(state.reset_at.map_or(reset, |r| r.max(reset)));
        } else if let Some(reset_after) = observation.reset_after {
            if let Some(remaining) = observation.remaining {
                state.remaining = state.remaining.min(remaining);
            }
            let reset = observation.received_at + reset_after + margin;
            state.reset_at = Some(state.reset_at.map_or(reset, |r| r.max(reset)));
        }
        drop(state);
        self.answered.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(method: &str, path: &str) -> BucketKey {
        BucketKey::classify(method, Base::Api, path, Identity::Address)
    }

    #[test]
    fn buckets_follow_the_server_table() {
        assert_eq!(key("PATCH", "/users/@me/username").to_string(), "user_edit/@me");
        assert_eq!(key("PATCH", "/users/01ABC").to_string(), "user_edit/01ABC");
        assert_eq!(key("GET", "/users/x/default_avatar").limit(), 255);
        assert_eq!(key("GET", "/users/@me").to_string(), "users");
        assert_eq!(key("POST", "/channels/C/messages").to_string(), "messaging/C");
        assert_eq!(
            key("GET", "/channels/C/messages?limit=5").to_string(),
            "channels/C"
        );
        assert_eq!(key("PUT", "/channels/C/ack/M").to_string(), "channels/C");
        assert_eq!(key("POST", "/safety/report").to_string(), "safety_report/report");
        assert_eq!(key("GET", "/").to_string(), "any");
        let upload = BucketKey::classify("POST", Base::Cdn, "/avatars", Identity::Address);
        assert_eq!(
            (upload.to_string(), upload.limit()),
            ("upload/avatars".to_owned(), 10)
        );
    }

    #[test]
    fn sessions_are_counted_apart_and_bots_together() {
        let a = Identity::of(Some(&Token::Session("a".into())));
        let b = Identity::of(Some(&Token::Session("b".into())));
        assert_ne!(a, b);
        assert_eq!(Identity::of(Some(&Token::Bot("x".into()))), Identity::Address);
        assert_eq!(Identity::of(None), Identity::Address);
    }

    fn observed(remaining: u32, reset_after_ms: u64) -> Observation {
        Observation {
            limit: Some(2),
            remaining: Some(remaining),
            reset_after: Some(Duration::from_millis(reset_after_ms)),
            server_bucket: None,
            retry_after: None,
            received_at: Instant::now(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_used_up_window_waits_for_its_end() {
        let limiter = LocalRateLimiter::new();
        let bucket = key("PATCH", "/users/@me");
        let start = Instant::now();
        for _ in 0..2 {
            let permit = limiter.acquire(&bucket).await;
            limiter.record(&bucket, permit, &observed(1, 1000));
        }
        assert_eq!(limiter.remaining(&bucket), 0);
        limiter.acquire(&bucket).await;
        assert_eq!(start.elapsed(), Duration::from_millis(1005));
    }

    #[tokio::test(start_paused = true)]
    async fn the_server_count_wins_when_lower() {
        let limiter = LocalRateLimiter::new();
        let bucket = key("GET", "/users/@me");
        let permit = limiter.acquire(&bucket).await;
        // Another process used the shared bucket: one left, not nineteen.
        let mut seen = observed(1, 400);
        seen.limit = Some(20);
        limiter.record(&bucket, permit, &seen);
        assert_eq!(limiter.remaining(&bucket), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn without_an_answer_the_line_waits_a_whole_window() {
        let limiter = LocalRateLimiter::new();
        let bucket = key("PATCH", "/users/@me");
        let start = Instant::now();
        limiter.acquire(&bucket).await;
        limiter.acquire(&bucket).await;
        limiter.acquire(&bucket).await;
        assert_eq!(start.elapsed(), WINDOW);
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_from_an_older_window_is_ignored() {
        let limiter = LocalRateLimiter::new();
        let bucket = key("PATCH", "/users/@me");
        let old = limiter.acquire(&bucket).await;
        limiter.record(&bucket, old, &observed(1, 100));
        tokio::time::sleep(Duration::from_millis(200)).await;
        limiter.acquire(&bucket).await;
        limiter.record(&bucket, old, &observed(0, 0));
        assert_eq!(limiter.remaining(&bucket), 1, "the late answer changed nothing");
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_after_closes_the_window() {
        let limiter = LocalRateLimiter::new();
        let bucket = key("GET", "/users/@me");
        let permit = limiter.acquire(&bucket).await;
        let mut refused = observed(0, 0);
        refused.retry_after = Some(Duration::from_millis(300));
        limiter.record(&bucket, permit, &refused);
        let start = Instant::now();
        limiter.acquire(&bucket).await;
        assert_eq!(start.elapsed(), Duration::from_millis(305));
    }

    #[tokio::test(start_paused = true)]
    async fn answers_without_headers_turn_counting_off_until_a_429() {
        let limiter = LocalRateLimiter::new();
        let bucket = key("PATCH", "/users/@me");
        let bare = Observation::from_headers(&hyper::HeaderMap::new(), Instant::now());
        let start = Instant::now();
        for _ in 0..10 {
            let permit = limiter.acquire(&bucket).await;
            limiter.record(&bucket, permit, &bare);
        }
        assert_eq!(
            start.elapsed(),
            Duration::ZERO,
            "no waiting on an unlimited bucket"
        );
        let permit = limiter.acquire(&bucket).await;
        let mut refused = bare.clone();
        refused.retry_after = Some(Duration::from_millis(100));
        limiter.record(&bucket, permit, &refused);
        limiter.acquire(&bucket).await;
        assert_eq!(start.elapsed(), Duration::from_millis(105), "counting again");
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_wait_holds_nothing() {
        let limiter = LocalRateLimiter::new();
        let bucket = key("PATCH", "/users/@me");
        for _ in 0..2 {
            let permit = limiter.acquire(&bucket).await;
            limiter.record(&bucket, permit, &observed(0, 1000));
        }
        let waiting = tokio::time::timeout(Duration::from_millis(10), limiter.acquire(&bucket)).await;
        assert!(waiting.is_err(), "the window is used up");
        // The line is free again: the next request waits only for the window.
        let start = Instant::now();
        limiter.acquire(&bucket).await;
        assert_eq!(start.elapsed(), Duration::from_millis(995));
    }
}
