//! REST client benchmarks, each next to a baseline measured in the same run:
//!
//! * `GET /users/@me` against the local server on loopback (rate limiting
//!   off on the server), through the full client, against bare hyper-util
//!   sending the same request and decoding the same `User`; one request at
//!   a time, and 64 at once (the server does not limit: no pacing);
//! * the limiter's own cost per request when no limit applies
//!   (`LocalRateLimiter` acquire and record), against `NoRateLimiter`.
//!
//! Run: `cargo bench -p stoat-http --bench client` (figures in docs/performance.md).
#![allow(missing_docs, reason = "a benchmark binary")]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use stoat_emulator::{Config, Emulator};
use stoat_http::ratelimit::{BucketKey, Identity, LocalRateLimiter, NoRateLimiter, Observation, RateLimiter};
use stoat_http::{Base, Client, Token};
use stoat_model::User;

struct Setup {
    runtime: tokio::runtime::Runtime,
    client: Client,
    bare: HyperClient<HttpConnector, Full<Bytes>>,
    url: hyper::Uri,
    token: String,
    _server: Emulator,
}

fn setup() -> Setup {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = runtime.block_on(async {
        Emulator::start_with(Config {
            rate_limits: false,
            ..Config::default()
        })
        .await
        .expect("server")
    });
    let account = server.create_user("bench");
    let client = Client::builder()
        .api_url(server.api_url())
        .token(Token::Session(account.token.clone()))
        .build();
    let bare = HyperClient::builder(TokioExecutor::new()).build_http();
    let url = format!("{}/users/@me", server.api_url()).parse().expect("url");
    Setup {
        runtime,
        client,
        bare,
        url,
        token: account.token.expose().to_owned(),
        _server: server,
    }
}

async fn bare_request(setup: &Setup) -> User {
    let request = hyper::Request::get(setup.url.clone())
        .header("accept", "application/json")
        .header("x-session-token", &setup.token)
        .body(Full::new(Bytes::new()))
        .expect("request");
    let response = setup.bare.request(request).await.expect("answer");
    let body = response.into_body().collect().await.expect("body").to_bytes();
    serde_json::from_slice(&body).expect("user")
}

fn current_user(c: &mut Criterion) {
    let setup = setup();
    let mut group = c.benchmark_group("http/get-current-user");
    group.bench_function("stoat-http", |b| {
        b.iter(|| {
            setup
                .runtime
                .block_on(async { black_box(setup.client.current_user().await.expect("user")) })
        });
    });
    group.bench_function("bare-hyper-util", |b| {
        b.iter(|| {
            setup
                .runtime
                .block_on(async { black_box(bare_request(&setup).await) })
        });
    });
    group.finish();

    let mut group = c.benchmark_group("http/get-current-user-64-at-once");
    group.bench_function("stoat-http", |b| {
        b.iter(|| {
            setup.runtime.block_on(async {
                let mut tasks = tokio::task::JoinSet::new();
                for _ in 0..64 {
                    let client = setup.client.clone();
                    tasks.spawn(async move { client.current_user().await.expect("user") });
                }
                while let Some(user) = tasks.join_next().await {
                    black_box(user.expect("task"));
                }
            });
        });
    });
    let shared = Arc::new(setup);
    group.bench_function("bare-hyper-util", |b| {
        b.iter(|| {
            shared.runtime.block_on(async {
                let mut tasks = tokio::task::JoinSet::new();
                for _ in 0..64 {
                    let setup = Arc::clone(&shared);
                    tasks.spawn(async move { bare_request(&setup).await });
                }
                while let Some(user) = tasks.join_next().await {
                    black_box(user.expect("task"));
                }
            });
        });
    });
    group.finish();
}

fn limiter(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let bucket = BucketKey::classify("GET", Base::Api, "/users/@me", Identity::Address);
    // The server says the window is far from used up, so no request waits.
    let plenty = || Observation::from_headers(&plenty_headers(), tokio::time::Instant::now());
    let local = LocalRateLimiter::new();
    // Teach the limiter a huge limit, then start a window with it.
    runtime.block_on(async {
        let permit = local.acquire(&bucket).await;
        let mut first = plenty();
        first.reset_after = Some(Duration::ZERO);
        local.record(&bucket, permit, &first);
        tokio::time::sleep(Duration::from_millis(10)).await;
    });
    let mut group = c.benchmark_group("http/limiter-per-request");
    group.bench_function("stoat-http", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let permit = local.acquire(black_box(&bucket)).await;
                local.record(&bucket, permit, &plenty());
            });
        });
    });
    group.bench_function("no-limiter", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let permit = NoRateLimiter.acquire(black_box(&bucket)).await;
                NoRateLimiter.record(&bucket, permit, &plenty());
            });
        });
    });
    group.finish();
}

fn plenty_headers() -> hyper::HeaderMap {
    let mut headers = hyper::HeaderMap::new();
    for (name, value) in [
        ("x-ratelimit-limit", "4000000000"),
        ("x-ratelimit-remaining", "4000000000"),
        ("x-ratelimit-reset-after", "10000"),
    ] {
        headers.insert(name, value.parse().expect("header"));
    }
    headers
}

criterion_group!(benches, current_user, limiter);
criterion_main!(benches);
