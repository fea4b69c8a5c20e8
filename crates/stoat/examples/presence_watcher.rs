//! A presence and status watcher: prints every change of a user's
//! presence or status text, with the value before and after (from the
//! cache, which applies each `UserUpdate` before the handler sees it).
//!
//! With `STOAT_TOKEN` it watches that account's friends on that instance
//! (`STOAT_API_URL`; `STOAT_TOKEN_KIND=session` for a user token) until
//! stopped. Without it, it starts the local server, where a friend changes
//! status three times.
//!
//! Run: `cargo run -p stoat --example presence_watcher`

use std::error::Error;

use stoat::model::UserStatus;
use stoat::{Client, EventHandler, Presence, Token, User, UserChanges};

struct Watcher;

fn show(status: Option<&UserStatus>) -> String {
    let presence = status
        .and_then(|s| s.presence.clone())
        .map_or_else(|| "-".to_owned(), |p| format!("{p:?}"));
    let text = status.and_then(|s| s.text.as_deref()).unwrap_or("");
    format!("{presence} {text:?}")
}

impl EventHandler for Watcher {
    async fn on_user_update(
        &self,
        client: &Client,
        before: Option<&User>,
        after: Option<&User>,
        changes: UserChanges,
    ) {
        if !changes.intersects(UserChanges::STATUS | UserChanges::ONLINE) {
            return;
        }
        let Some(after) = after else { return };
        let before = before.and_then(|u| u.status.as_ref());
        println!(
            "{}: {} -> {}",
            after.tag(),
            show(before),
            show(after.status.as_ref())
        );
        if after.status.as_ref().and_then(|s| s.text.as_deref()) == Some("Signing off") {
            client.close();
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
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
