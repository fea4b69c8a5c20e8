//! The shared rate limiter against the local server's real limits: four
//! clients that share only Redis earn no 429 and lose little time.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use stoat_emulator::{Config, Emulator};
use stoat_http::ratelimit::{Acquire, BucketKey, LocalRateLimiter, Observation, Permit, RateLimiter};
use stoat_http::{Client, Token};
use stoat_model::ChannelId;
use stoat_redis::RedisRateLimiter;
use support::redis_server::RedisServer;

const WINDOW: Duration = Duration::from_millis(500);

/// A limiter that counts the server's refusals it is told of.
#[derive(Debug)]
struct Counting<L> {
    inner: L,
    refused: Arc<AtomicU64>,
}

impl<L: RateLimiter> RateLimiter for Counting<L> {
    fn acquire<'a>(&'a self, bucket: &'a BucketKey) -> Acquire<'a> {
        self.inner.acquire(bucket)
    }

    fn record(&self, bucket: &BucketKey, permit: Permit, observation: &Observation) {
        if observation.retry_after.is_some() {
            self.refused.fetch_add(1, Ordering::Relaxed);
        }
        self.inner.record(bucket, permit, observation);
    }
}

async fn server() -> Emulator {
    Emulator::start_with(Config {
        rate_limit_window: WINDOW,
        ..Config::default()
    })
    .await
    .expect("the local server starts")
}

/// A bot on `server` and its saved-messages channel.
async fn bot(server: &Emulator) -> (Token, ChannelId) {
    let owner = server.create_user("owner");
    let bot = server.create_bot(owner.id, "scaled");
    let token = Token::Bot(bot.token);
    // Counted on another address: the test's requests start with the
    // whole allowance.
    let setup = Client::builder()
        .token(token.clone())
        .api_url(server.api_url())
        .default_header(
            stoat_http::HeaderName::from_static("x-real-ip"),
            stoat_http::HeaderValue::from_static("10.0.0.1"),
        )
        .build();
    let saved = setup.open_dm(bot.id).await.expect("saved messages");
    (token, saved.id().expect("a channel id"))
}

fn client(server: &Emulator, token: &Token, limiter: Arc<dyn RateLimiter>) -> Client {
    Client::builder()
        .token(token.clone())
        .api_url(server.api_url())
        .rate_limiter(limiter)
        .build()
}

/// Sends one request of kind `kind % 4` (four buckets).
async fn request(client: Client, channel: ChannelId, kind: usize) -> Result<(), stoat_http::Error> {
    match kind % 4 {
        0 => client.current_user().await.map(drop),
        1 => client.node_info().await.map(drop),
        2 => client.channel(channel).await.map(drop),
        _ => client.send_message(channel).content("hi").await.map(drop),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_clients_sharing_redis_earn_no_429_and_lose_little_time() {
    let redis = RedisServer::start();
    let server = server().await;
    let (token, channel) = bot(&server).await;
    // Requests per bucket: users (20 a window), any (20), channels (15),
    // messaging (10): 16, 15, 16 and 15 windows' worth, 1,000 in all.
    let counts: [u32; 4] = [320, 300, 230, 150];
    let limits: [u32; 4] = [20, 20, 15, 10];
    let windows = counts
        .iter()
        .zip(limits)
        .map(|(n, l)| n.div_ceil(l))
        .max()
        .unwrap();
    let minimum = WINDOW * (windows - 1);
    let refused = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for _ in 0..4 {
        let limiter = RedisRateLimiter::builder(redis.url(), "egress-127.0.0.1")
            .window(WINDOW)
            .connect()
            .await
            .expect("connects to Redis");
        let limiter = Counting {
            inner: limiter,
            refused: Arc::clone(&refused),
        };
        clients.push(client(&server, &token, Arc::new(limiter)));
    }
    let mut requests = tokio::task::JoinSet::new();
    let start = Instant::now();
    let mut n = 0;
    for (kind, count) in counts.iter().enumerate() {
        for _ in 0..*count {
            let client = clients[n % 4].clone();
            requests.spawn(async move {
                request(client, channel, kind)
                    .await
                    .expect("every request succeeds");
            });
            n += 1;
        }
    }
    while let Some(done) = requests.join_next().await {
        done.expect("no request panics");
    }
    let elapsed = start.elapsed();
    assert_eq!(n, 1000);
    assert_eq!(refused.load(Ordering::Relaxed), 0, "no 429");
    let ratio = elapsed.as_secs_f64() / minimum.as_secs_f64();
    assert!(
        (0.95..=1.2).contains(&ratio),
        "{elapsed:?} for a minimum of {minimum:?} (x{ratio:.3})"
    );
    eprintln!("1,000 requests in {elapsed:?}: x{ratio:.3} of the minimum {minimum:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn separate_limiters_that_do_not_share_earn_429s() {
    let server = server().await;
    let (token, channel) = bot(&server).await;
    let refused = Arc::new(AtomicU64::new(0));
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let limiter = Counting {
            inner: LocalRateLimiter::new(),
            refused: Arc::clone(&refused),
        };
        let client = client(&server, &token, Arc::new(limiter));
        for _ in 0..20 {
            // Some run out of retries: what counts is that 429s came.
            requests.spawn(request(client.clone(), channel, 0));
        }
    }
    while let Some(done) = requests.join_next().await {
        let _ = done.expect("no request panics");
    }
    assert!(
        refused.load(Ordering::Relaxed) > 0,
        "each counted its own 20: the server refused"
    );
}

#[tokio::test]
async fn a_limiter_without_redis_falls_back_to_counting_alone() {
    let mut redis = RedisServer::start();
    let server = server().await;
    let (token, channel) = bot(&server).await;
    let limiter = RedisRateLimiter::builder(redis.url(), "egress")
        .window(WINDOW)
        .connect()
        .await
        .expect("connects to Redis");
    redis.stop();
    let client = client(&server, &token, Arc::new(limiter));
    tokio::time::timeout(Duration::from_secs(20), request(client, channel, 0))
        .await
        .expect("requests go on while Redis is away")
        .expect("the request succeeds");
}

#[tokio::test]
async fn a_bad_url_is_a_clear_error() {
    let error = RedisRateLimiter::builder("redis://:hunter2@127.0.0.1:notaport/", "x")
        .connect()
        .await
        .expect_err("refused");
    assert!(!error.to_string().contains("hunter2"), "{error}");
    let error = RedisRateLimiter::builder("redis://127.0.0.1/", "x")
        .window(Duration::from_millis(10))
        .connect()
        .await
        .expect_err("refused");
    assert_eq!(
        error.to_string(),
        "could not build the settings: the window must be longer than twice the margin"
    );
}
