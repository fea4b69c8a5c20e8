//! What Redis costs: a rate-limit slot from Redis against the in-memory
//! limiter, and events through a publisher and a worker against the direct
//! connection (throughput, and the latency of one event at a time).
//!
//! `cargo bench -p stoat-redis --bench redis`

#[path = "../tests/support/redis_server.rs"]
#[allow(dead_code, unreachable_pub, reason = "shared with the tests")]
mod redis_server;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use stoat::{Client, EventHandler, Token};
use stoat_emulator::{Config, Emulator};
use stoat_http::Base;
use stoat_http::ratelimit::{BucketKey, Identity, LocalRateLimiter, Observation, RateLimiter};
use stoat_redis::{Publisher, RedisRateLimiter, Worker};

const EVENTS: usize = 2_000;
const PARTITIONS: u32 = 16;

fn limiter(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let redis = redis_server::RedisServer::start();
    let shared = runtime
        .block_on(RedisRateLimiter::builder(redis.url(), "bench").connect())
        .expect("connects");
    let local = LocalRateLimiter::new();
    let mut group = c.benchmark_group("rate limit slot");
    // One bucket whose limit the server's headers raised: every slot is
    // granted, and the cost of taking it is what is measured.
    let mut headers = hyper::HeaderMap::new();
    for (name, value) in [
        ("x-ratelimit-limit", "100000000"),
        ("x-ratelimit-remaining", "100000000"),
        ("x-ratelimit-reset-after", "10000"),
    ] {
        headers.insert(name, value.parse().expect("a header value"));
    }
    let key = BucketKey::classify("GET", Base::Api, "/users/@me", Identity::Address);
    for (name, limiter) in [("local", &local as &dyn RateLimiter), ("redis", &shared)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| {
                runtime.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iterations {
                        let permit = limiter.acquire(&key).await;
                        let seen = Observation::from_headers(&headers, tokio::time::Instant::now());
                        limiter.record(&key, permit, &seen);
                    }
                    start.elapsed()
                })
            });
        });
    }
    group.finish();
}

/// Events handled, and a wake-up for whoever waits for a count.
#[derive(Default)]
struct Counter {
    count: AtomicU64,
    changed: tokio::sync::Notify,
}

struct Count(Arc<Counter>);

impl EventHandler for Count {
    async fn on_typing(&self, _: &Client, _: &stoat::event::Typing) {
        self.0.count.fetch_add(1, Ordering::Relaxed);
        self.0.changed.notify_one();
    }
}

/// The local server, a bot, and the frame of an event to it: a typing
/// event, sent again and again (a message sent again would be dropped as
/// a duplicate of its id).
struct Setup {
    server: Emulator,
    bot: stoat_emulator::Account,
    frame: String,
}

async fn setup() -> Setup {
    let server = Emulator::start_with(Config {
        rate_limits: false,
        ..Config::default()
    })
    .await
    .expect("starts");
    let bot = server.create_user("bot");
    let frame = format!(
        r#"{{"type":"ChannelStartTyping","id":"01J00000000000000000000002","user":"{}"}}"#,
        bot.id
    );
    Setup { server, bot, frame }
}

fn client(setup: &Setup) -> Client {
    Client::builder(Token::Session(setup.bot.token.clone()))
        .api_url(setup.server.api_url())
        .ws_url(setup.server.ws_url())
        .build()
}

/// Starts the path under test and returns its counter of handled events.
async fn start(setup: &Setup, url: Option<&str>) -> Arc<Counter> {
    let count = Arc::new(Counter::default());
    let handler = Count(Arc::clone(&count));
    let client = client(setup);
    match url {
        None => {
            tokio::spawn(async move { client.run(&handler).await });
        }
        Some(url) => {
            let (gateway, _) =
                stoat_gateway::Gateway::builder(setup.server.ws_url(), setup.bot.token.clone())
                    .build()
                    .expect("gateway");
            let mut publisher = Publisher::builder(url)
                .prefix("bench")
                .partitions(PARTITIONS)
                .connect()
                .await
                .expect("publisher");
            tokio::spawn(async move { publisher.run(gateway).await });
            let worker = Worker::builder(url, client)
                .prefix("bench")
                .partitions(PARTITIONS)
                .lease(Duration::from_secs(1))
                .connect()
                .await
                .expect("worker");
            let stats = worker.stats();
            tokio::spawn(async move { worker.run(&handler).await });
            // The first heartbeat gives the lone worker every partition.
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            while stats.held().len() < PARTITIONS as usize {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "the worker took no partitions"
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    count
}

async fn wait_for(counter: &Counter, target: u64) {
    // A wake-up left while nobody waited is kept: none is missed.
    while counter.count.load(Ordering::Relaxed) < target {
        counter.changed.notified().await;
    }
}

fn events(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let redis = redis_server::RedisServer::start();
    let url = redis.url();
    let mut group = c.benchmark_group(format!("{EVENTS} events"));
    group.sample_size(10);
    let mut latencies = Vec::new();
    for (name, url) in [("direct", None), ("through redis", Some(url.as_str()))] {
        let setup = runtime.block_on(setup());
        let count = runtime.block_on(start(&setup, url));
        runtime.block_on(async {
            // Until the connection is up, frames reach nobody: one through.
            loop {
                setup.server.send_raw(setup.bot.id, &setup.frame);
                if tokio::time::timeout(Duration::from_millis(100), wait_for(&count, 1))
                    .await
                    .is_ok()
                {
                    break;
                }
            }
        });
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| {
                runtime.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iterations {
                        let target = count.count.load(Ordering::Relaxed) + EVENTS as u64;
                        setup.server.flood(setup.bot.id, &setup.frame, EVENTS);
                        wait_for(&count, target).await;
                    }
                    start.elapsed()
                })
            });
        });
        // One event at a time: the time from the server's write to the handler.
        let mut each = runtime.block_on(async {
            let mut each = Vec::new();
            for _ in 0..500 {
                let target = count.count.load(Ordering::Relaxed) + 1;
                let start = Instant::now();
                setup.server.send_raw(setup.bot.id, &setup.frame);
                wait_for(&count, target).await;
                each.push(start.elapsed());
            }
            each
        });
        each.sort();
        latencies.push((name, each[each.len() / 2], each[each.len() * 99 / 100]));
    }
    group.finish();
    for (name, median, p99) in latencies {
        println!("latency of one event, {name}: median {median:?}, p99 {p99:?}");
    }
}

criterion_group!(benches, limiter, events);
criterion_main!(benches);
