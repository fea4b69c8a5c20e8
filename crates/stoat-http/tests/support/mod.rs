//! What the test binaries share: clients for the local server, two friends
//! with a DM, and typed-error checks.
#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(unreachable_pub, reason = "shared by the test binaries through `mod support`")]

use std::fmt::Debug;
use std::time::Duration;

use stoat_emulator::{Account, Emulator};
use stoat_http::{Client, Error, RetryPolicy, Token};
use stoat_model::{Channel, ChannelId};

/// A client of `account` on `server`, retrying with a 1 ms backoff so that
/// fault tests do not wait.
pub fn client(server: &Emulator, account: &Account) -> Client {
    Client::builder()
        .api_url(server.api_url())
        .cdn_url(format!("{}/autumn", server.api_url()))
        .token(token(account))
        .retry(RetryPolicy::new(3, Duration::from_millis(1)))
        .build()
}

/// The account's token, as a bot's or a session's.
pub fn token(account: &Account) -> Token {
    Token::Session(account.token.clone())
}

/// A bot's client.
pub fn bot_client(server: &Emulator, bot: &Account) -> Client {
    Client::builder()
        .api_url(server.api_url())
        .cdn_url(format!("{}/autumn", server.api_url()))
        .token(Token::Bot(bot.token.clone()))
        .build()
}

/// Two users who are friends, their clients, and their DM.
pub struct Friends {
    pub alice: Account,
    pub bob: Account,
    pub a: Client,
    pub b: Client,
    pub dm: ChannelId,
}

/// Alice and Bob, friends, with their DM open.
pub async fn friends(server: &Emulator) -> Friends {
    let (alice, bob) = (server.create_user("alice"), server.create_user("bob"));
    let (a, b) = (client(server, &alice), client(server, &bob));
    a.add_friend(bob.id).await.expect("request");
    b.add_friend(alice.id).await.expect("accept");
    let dm = a.open_dm(bob.id).await.expect("dm");
    assert!(matches!(dm, Channel::DirectMessage(_)), "{dm:?}");
    let dm = dm.id().expect("a DM has an id");
    Friends { alice, bob, a, b, dm }
}

/// The Stoat error type a request failed with; fails the test if it
/// succeeded or failed otherwise.
#[track_caller]
pub fn api_error<T: Debug>(result: Result<T, Error>) -> String {
    let error = result.expect_err("the request should fail");
    error
        .api_error()
        .unwrap_or_else(|| panic!("not a Stoat error: {error}"))
        .type_name()
        .to_owned()
}

/// Asserts a request was refused before sending, for its input.
#[track_caller]
pub fn invalid<T: Debug>(result: Result<T, Error>) {
    let error = result.expect_err("the input should be refused");
    assert!(error.is_validation(), "{error:?}");
}

/// The local server with 200 ms rate-limit windows (the server's are 10 s),
/// so that tests making many requests of one bucket wait little.
pub async fn server() -> Emulator {
    server_with(stoat_emulator::Config::default()).await
}

/// The same, with other settings.
pub async fn server_with(config: stoat_emulator::Config) -> Emulator {
    let config = stoat_emulator::Config {
        rate_limit_window: Duration::from_millis(200),
        ..config
    };
    Emulator::start_with(config)
        .await
        .expect("the local server starts")
}
