//! A bot on `https://` and `wss://` with a private certificate authority:
//! one `tls_config` serves both transports.

mod support;

use stoat::{Client, Event, Token};
use stoat_emulator::TlsFront;
use support::next;

#[tokio::test]
async fn one_tls_config_serves_rest_and_events() {
    let server = support::server(false).await;
    let account = server.create_user("bot");
    let api = TlsFront::start(server.api_url())
        .await
        .expect("a TLS front for REST");
    let events = TlsFront::start(server.ws_url())
        .await
        .expect("a TLS front for events");
    let bot = Client::builder(Token::Session(account.token.clone()))
        .api_url(api.url("https"))
        .ws_url(events.url("wss"))
        .tls_config(TlsFront::client_config())
        .build();
    // Not connected yet: fetched over REST.
    assert_eq!(bot.me().await.expect("REST over TLS").id(), account.id);
    let mut stream = bot.connect().await.expect("connects");
    let ready = next(&mut stream, |e| matches!(e, Event::Ready(_))).await;
    assert!(
        matches!(&ready, Event::Ready(ready) if ready.session == 0),
        "{ready:?}"
    );
    assert_eq!(server.connections(account.id), 1);
    bot.close();
    server.shutdown().await;
}
