//! A bounded load run on loopback: clients hitting REST over kept-alive
//! connections while others hold events connections open. Prints requests
//! per second and the process's resident memory.
//!
//! Run: `cargo run --release -p stoat-emulator --example load`
#![allow(clippy::cast_precision_loss, reason = "rates for display")]

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::SinkExt;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::rt::TokioIo;
use stoat_emulator::{Config, Emulator};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

type Failure = Box<dyn std::error::Error + Send + Sync>;

const CLIENTS: usize = 64;
const REQUESTS_PER_CLIENT: usize = 500;
const SOCKETS: usize = 500;

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// One client: one kept-alive connection, `REQUESTS_PER_CLIENT` requests.
async fn client(address: String, token: String) -> Result<(usize, usize), Failure> {
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(TcpStream::connect(&address).await?)).await?;
    tokio::spawn(connection);
    let (mut ok, mut limited) = (0, 0);
    for _ in 0..REQUESTS_PER_CLIENT {
        let request = Request::get("/users/@me")
            .header("host", &address)
            .header("x-session-token", &token)
            .body(Empty::<Bytes>::new())?;
        let response = sender.send_request(request).await?;
        match response.status().as_u16() {
            200 => ok += 1,
            429 => limited += 1,
            other => return Err(format!("unexpected status {other}").into()),
        }
        response.into_body().collect().await?;
    }
    Ok((ok, limited))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Failure> {
    let before = resident_kib();
    // A short window: the point is the server's own cost, not the limit.
    let emulator = Emulator::start_with(Config {
        rate_limit_window: Duration::from_millis(1),
        ..Config::default()
    })
    .await?;
    let address = emulator.api_url().trim_start_matches("http://").to_owned();

    let mut sockets = Vec::with_capacity(SOCKETS);
    for n in 0..SOCKETS {
        let account = emulator.create_user(&format!("listener{n}"));
        let (mut socket, _) = tokio_tungstenite::connect_async(emulator.ws_url()).await?;
        let authenticate = format!(
            r#"{{"type":"Authenticate","token":"{}"}}"#,
            account.token.expose()
        );
        socket.send(Message::text(authenticate)).await?;
        sockets.push(socket);
    }
    let holding = resident_kib();

    let tokens: Vec<String> = (0..CLIENTS)
        .map(|n| {
            emulator
                .create_user(&format!("client{n}"))
                .token
                .expose()
                .to_owned()
        })
        .collect();
    let started = Instant::now();
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|token| tokio::spawn(client(address.clone(), token)))
        .collect();
    let (mut ok, mut limited) = (0, 0);
    for task in tasks {
        let (o, l) = tokio::time::timeout(Duration::from_secs(120), task).await???;
        ok += o;
        limited += l;
    }
    let elapsed = started.elapsed();
    let total = ok + limited;
    println!(
        "{total} requests from {CLIENTS} clients in {:.2} s: {:.0} requests/s ({ok} answered, {limited} rate limited), while holding {SOCKETS} events connections",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    println!(
        "resident memory: {before} KiB at start, {holding} KiB holding the connections ({:.1} KiB each), {} KiB after the requests",
        (holding.saturating_sub(before)) as f64 / SOCKETS as f64,
        resident_kib()
    );
    drop(sockets);
    emulator.shutdown().await;
    Ok(())
}
