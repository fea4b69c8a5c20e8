//! Starts the emulator, creates two users, makes them friends, and prints
//! the events the second one receives.
//!
//! Run: `cargo run -p stoat-emulator --example friends`
//!
//! The requests are plain HTTP here so that the example depends on nothing
//! but the emulator; bots use the SDK's clients against `api_url()` and
//! `ws_url()` instead.

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::rt::TokioIo;
use stoat_emulator::{Account, Emulator};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

type Failure = Box<dyn std::error::Error>;

/// One request with a session token; the answer's status and body.
async fn call(
    emulator: &Emulator,
    method: &str,
    path: &str,
    who: &Account,
) -> Result<(u16, String), Failure> {
    let address = emulator.api_url().trim_start_matches("http://").to_owned();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(TcpStream::connect(&address).await?)).await?;
    tokio::spawn(connection);
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", address)
        .header("accept", "application/json")
        .header("x-session-token", who.token.expose())
        .body(Empty::<Bytes>::new())?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

#[tokio::main(flavor = "current_thread")]
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
    let emulator = Emulator::start().await?;
    println!(
        "emulator: REST {} events {}",
        emulator.api_url(),
        emulator.ws_url()
    );
    let alice = emulator.create_user("alice");
    let bob = emulator.create_user("bob");

    // Bob listens for events.
    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("{}/?version=1&format=json", emulator.ws_url())).await?;
    let authenticate = format!(r#"{{"type":"Authenticate","token":"{}"}}"#, bob.token.expose());
    socket.send(Message::text(authenticate)).await?;
    // Authenticated, then Ready: from here on bob receives what happens.
    for _ in 0..2 {
        if let Some(Ok(Message::Text(event))) = socket.next().await {
            println!("bob receives: {:.120}", event.as_str());
        }
    }

    // Alice asks, bob accepts.
    let (status, body) = call(&emulator, "PUT", &format!("/users/{}/friend", bob.id), &alice).await?;
    println!("alice -> PUT /users/{{bob}}/friend: {status} {body}");
    let (status, body) = call(&emulator, "PUT", &format!("/users/{}/friend", alice.id), &bob).await?;
    println!("bob   -> PUT /users/{{alice}}/friend: {status} {body}");

    // One UserRelationship per step.
    for _ in 0..2 {
        if let Some(Ok(Message::Text(event))) = socket.next().await {
            println!("bob receives: {}", event.as_str());
        }
    }
    emulator.shutdown().await;
    Ok(())
}
