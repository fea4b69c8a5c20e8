//! What the test binaries share: a redis-server, the local Stoat server,
//! and a bot with friends and open DMs on it.
#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(unreachable_pub, reason = "shared by the test binaries through `mod support`")]

pub mod redis_server;

use std::time::Duration;

use stoat::{ChannelId, Client, Token, UserId};
use stoat_emulator::{Account, Config, Emulator};

/// The local server, with short rate-limit windows.
pub async fn server() -> Emulator {
    Emulator::start_with(Config {
        rate_limit_window: Duration::from_millis(200),
        ..Config::default()
    })
    .await
    .expect("the local server starts")
}

/// A facade client of `account` (not connected).
pub fn client(server: &Emulator, account: &Account) -> Client {
    Client::builder(Token::Session(account.token.clone()))
        .api_url(server.api_url())
        .ws_url(server.ws_url())
        .gateway(|gateway| gateway.backoff(Duration::from_millis(5), Duration::from_millis(40)))
        .build()
}

/// A bot account with `friends` friends, and a DM open with each.
pub async fn bot_with_friends(server: &Emulator, friends: usize) -> (Account, Vec<(Account, ChannelId)>) {
    let bot = server.create_user("bot");
    let bot_client = client(server, &bot);
    let mut out = Vec::new();
    for i in 0..friends {
        let friend = server.create_user(&format!("friend{i}"));
        client(server, &friend)
            .user(bot.id)
            .send_friend_request()
            .await
            .expect("request");
        bot_client
            .user(friend.id)
            .accept_friend_request()
            .await
            .expect("accept");
        let dm = bot_client.http().open_dm(friend.id).await.expect("a DM");
        out.push((friend, dm.id().expect("a channel id")));
    }
    (bot, out)
}

/// A server `Message` frame: message `n` of `author` in `channel`.
pub fn message_frame(n: usize, channel: ChannelId, author: UserId, text: &str) -> String {
    format!(
        r#"{{"type":"Message","_id":"01J{n:023}","channel":"{channel}","author":"{author}","content":"{text}"}}"#
    )
}
