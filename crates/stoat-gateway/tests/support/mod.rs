//! What the gateway tests share: a builder with test timings, a guarded
//! `next`, and a minimal HTTP/1.1 client to cause events through REST.
#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(unreachable_pub, reason = "shared by the test binaries through `mod support`")]

use std::time::Duration;

use futures_util::StreamExt;
use stoat_emulator::{Account, Emulator};
use stoat_gateway::{Error, ErrorKind, Gateway, GatewayBuilder, Incoming, Reconnect};
use stoat_model::ChannelId;
use stoat_model::event::{Event, Ready};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long any single item may take before the test fails instead of
/// hanging (a guard, not a wait: items normally come in milliseconds).
const STALL: Duration = Duration::from_secs(20);

/// A connection to the emulator with short backoffs and a fixed jitter
/// seed. The heartbeat keeps its default (20 s) so it stays out of the
/// way unless a test shortens it.
pub fn builder(emulator: &Emulator, account: &Account) -> GatewayBuilder {
    Gateway::builder(emulator.ws_url(), account.token.clone())
        .backoff(Duration::from_millis(5), Duration::from_millis(40))
        .connect_timeout(Duration::from_secs(5))
        .ready_timeout(Duration::from_secs(5))
        .jitter_seed(7)
}

/// The next item; fails the test if the stream ends or stalls.
pub async fn next(gateway: &mut Gateway) -> Result<Incoming, Error> {
    tokio::time::timeout(STALL, gateway.next())
        .await
        .expect("the stream stalled")
        .expect("the stream ended")
}

/// Expects a `Ready`; returns it with its session number.
pub async fn ready(gateway: &mut Gateway) -> (Box<Ready>, u64) {
    match next(gateway).await {
        Ok(Incoming::Ready { ready, session }) => (ready, session),
        other => panic!("expected Ready, got {other:?}"),
    }
}

/// Expects an event.
pub async fn event(gateway: &mut Gateway) -> Event {
    match next(gateway).await {
        Ok(Incoming::Event(event)) => event,
        other => panic!("expected an event, got {other:?}"),
    }
}

/// Expects a reconnect notice.
pub async fn reconnecting(gateway: &mut Gateway) -> Reconnect {
    match next(gateway).await {
        Ok(Incoming::Reconnecting(reconnect)) => reconnect,
        other => panic!("expected Reconnecting, got {other:?}"),
    }
}

/// Expects a terminal error, then the end of the stream.
pub async fn terminal(gateway: &mut Gateway) -> Error {
    let error = match next(gateway).await {
        Err(error) if error.is_terminal() => error,
        other => panic!("expected a terminal error, got {other:?}"),
    };
    let after = tokio::time::timeout(STALL, gateway.next())
        .await
        .expect("the stream stalled after a terminal error");
    assert!(after.is_none(), "the stream went on: {after:?}");
    error
}

/// Whether the cause of a reconnect is of this kind.
pub fn cause_is(reconnect: &Reconnect, kind: fn(&ErrorKind) -> bool) -> bool {
    kind(reconnect.cause.kind())
}

/// One HTTP/1.1 request to the emulator's API as `who`; returns the
/// status and the body.
pub async fn rest(emulator: &Emulator, method: &str, path: &str, who: &Account) -> (u16, String) {
    let address = emulator.api_url().trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {address}\r\naccept: application/json\r\n\
         x-session-token: {}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        who.token.expose()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Makes `a` and `b` friends and opens their DM; returns the channel.
pub async fn friends_with_dm(emulator: &Emulator, a: &Account, b: &Account) -> ChannelId {
    let path = format!("/users/{}/friend", b.id);
    assert_eq!(rest(emulator, "PUT", &path, a).await.0, 200);
    let path = format!("/users/{}/friend", a.id);
    assert_eq!(rest(emulator, "PUT", &path, b).await.0, 200);
    let (status, body) = rest(emulator, "GET", &format!("/users/{}/dm", b.id), a).await;
    assert_eq!(status, 200, "{body}");
    let dm: serde_json::Value = serde_json::from_str(&body).unwrap();
    dm["_id"].as_str().unwrap().parse().unwrap()
}

/// Resident memory of this process, in KiB (Linux).
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
