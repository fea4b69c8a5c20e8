//! A presence and status watcher: prints every change of a user's
//! presence or status text, with the value before (from the cache, which
//! applies each `UserUpdate` before the handler sees it) and after.
//!
//! With `STOAT_TOKEN` it watches that account's friends on that instance
//! (`STOAT_API_URL`; `STOAT_TOKEN_KIND=session` for a user token) until
//! stopped. Without it, it starts the local server, where a friend changes
//! status three times.
//!
//! Run: `cargo run -p stoat-sdk --example presence_watcher`

use std::error::Error;
use std::process::ExitCode;

use stoat::cache::UserBefore;
use stoat::event::UserUpdate;
use stoat::model::UserStatus;
use stoat::{Client, EventHandler, Presence, Token, UserChanges};

struct Watcher;

/// A status as a person reads it: `Busy, "In a meeting"`.
fn show(status: Option<&UserStatus>) -> String {
    let presence = status
        .and_then(|s| s.presence.as_ref())
        .map_or("no presence", |p| p.as_str());
    match status.and_then(|s| s.text.as_deref()) {
        Some(text) => format!("{presence}, “{text}”"),
        None => presence.to_owned(),
    }
}

impl EventHandler for Watcher {
    async fn on_user_update(&self, client: &Client, event: &UserUpdate) {
        if !event.changes.contains(UserChanges::STATUS) {
            return;
        }
        let name = client
            .cache()
            .user(event.id)
            .map_or_else(|| event.id.to_string(), |user| user.tag());
        let before = event.before.as_ref().and_then(UserBefore::status);
        // The new status, whole, as sent (or none, when it was cleared).
        let after = event.data.status.as_ref();
        println!("{name}: {} -> {}", show(before.as_ref()), show(after));
        if after.and_then(|s| s.text.as_deref()) == Some("Signing off") {
            client.close();
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match watch().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What the example ends with: an error of any kind, printed as a sentence.
type Outcome = Result<(), Box<dyn Error + Send + Sync>>;

async fn watch() -> Outcome {
    if let Some(builder) = Client::builder_from_env() {
        return Ok(builder.build().run(&Watcher).await?);
    }

    let server = stoat_emulator::Emulator::start().await?;
    let (me, friend) = (server.create_user("watcher"), server.create_user("alice"));
    let client = Client::builder(Token::Session(me.token.clone()))
        .api_url(server.api_url())
        .build();
    let alice = Client::builder(Token::Session(friend.token.clone()))
        .api_url(server.api_url())
        .build();
    // Friends first: a session follows the users it knows when it starts.
    alice.user(me.id).send_friend_request().await?;
    client.user(friend.id).accept_friend_request().await?;
    let changes = async {
        while server.connections(me.id) == 0 {
            tokio::task::yield_now().await;
        }
        let alice_me = alice.me().await?;
        alice_me
            .edit()
            .presence(Presence::Busy)
            .status_text("In a meeting")
            .await?;
        alice_me.edit().presence(Presence::Idle).await?;
        alice_me.edit().status_text("Signing off").await?;
        Ok::<_, stoat::Error>(())
    };
    let (run, edits) = tokio::join!(client.run(&Watcher), changes);
    edits?;
    run?;
    server.shutdown().await;
    Ok(())
}
