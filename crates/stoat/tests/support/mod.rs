//! Two connected users on the local server, and a way to wait for events.
#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(unreachable_pub, reason = "shared by the test binaries through `mod support`")]

use std::time::Duration;

use futures_util::StreamExt;
use stoat::{Client, Event, Events, Token};
use stoat_emulator::{Account, Config, Emulator};

/// A facade client of `account` on `server`, with short reconnect delays:
/// tests drop connections long before their first heartbeat, and each such
/// loss counts as a failed attempt that waits longer than the last.
pub fn client(server: &Emulator, account: &Account) -> Client {
    Client::builder(Token::Session(account.token.clone()))
        .api_url(server.api_url())
        .gateway(|gateway| gateway.backoff(Duration::from_millis(5), Duration::from_millis(40)))
        .build()
}

/// The local server, with short rate-limit windows.
pub async fn server(voice: bool) -> Emulator {
    Emulator::start_with(Config {
        rate_limit_window: Duration::from_millis(200),
        voice,
        ..Config::default()
    })
    .await
    .expect("the local server starts")
}

/// A connected client and its events, past its first `Ready`.
pub async fn connected(server: &Emulator, account: &Account) -> (Client, Events) {
    let client = client(server, account);
    let mut events = client.connect().await.expect("connects");
    next(&mut events, |e| matches!(e, Event::Ready(_))).await;
    (client, events)
}

/// The next event that `matches` (others are passed over), within 5 s.
pub async fn next(events: &mut Events, matches: impl Fn(&Event) -> bool) -> Event {
    let wait = async {
        while let Some(event) = events.next().await {
            let event = event.expect("no error on the events stream");
            if matches(&event) {
                return event;
            }
        }
        panic!("the events stream ended");
    };
    tokio::time::timeout(Duration::from_secs(5), wait)
        .await
        .expect("the event comes within 5 s")
}

/// Drives `events` in the background (so that commands such as typing go
/// out, and the cache and `wait_for` see events) until `stop` is sent to;
/// the task then gives the stream back.
pub fn drive(mut events: Events) -> (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<Events>) {
    let (stop, mut stopped) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = &mut stopped => return events,
                item = events.next() => match item {
                    Some(item) => { item.expect("no error on the events stream"); }
                    None => return events,
                },
            }
        }
    });
    (stop, task)
}

/// Makes `a` and `b` friends over REST: `a` asks, `b` accepts.
pub async fn befriend(server: &Emulator, a: &Account, b: &Account) {
    client(server, a)
        .user(b.id)
        .send_friend_request()
        .await
        .expect("request");
    client(server, b)
        .user(a.id)
        .accept_friend_request()
        .await
        .expect("accept");
}
