//! `https://` over a real TLS connection on loopback: the local server
//! behind `stoat_emulator::TlsFront`, whose certificate comes from a
//! private authority that only a `tls_config` can make the client trust.

mod support;

use std::error::Error as _;

use stoat_emulator::{Account, Emulator, TlsFront};
use stoat_http::{Client, ClientBuilder, ErrorKind, RetryPolicy};

/// The local server behind TLS, an account on it, and a client builder for
/// the front (no retries, so that a refusal is seen at once).
async fn behind_tls() -> (Emulator, TlsFront, Account, ClientBuilder) {
    let server = support::server().await;
    let alice = server.create_user("alice");
    let front = TlsFront::start(server.api_url())
        .await
        .expect("the TLS front starts");
    let builder = Client::builder()
        .api_url(front.url("https"))
        .token(support::token(&alice))
        .retry(RetryPolicy::none());
    (server, front, alice, builder)
}

#[tokio::test]
async fn https_with_a_private_authority_given_by_tls_config() {
    let (_server, _front, alice, builder) = behind_tls().await;
    // ALPN set for another use (a WebSocket's, say) must not upset the
    // HTTPS connector, which picks its own protocols.
    let mut tls = TlsFront::client_config();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    let client = builder.tls_config(tls).build();
    let me = client.current_user().await.expect("the own user, over TLS");
    assert_eq!(me.id, alice.id);
    let node = client.node_info().await.expect("GET / over TLS");
    assert!(!node.revolt.is_empty());
}

#[tokio::test]
async fn the_default_roots_refuse_an_unknown_authority_with_a_transport_error() {
    let (_server, _front, alice, builder) = behind_tls().await;
    let error = builder
        .build()
        .current_user()
        .await
        .expect_err("an unknown authority");
    assert!(matches!(error.kind(), ErrorKind::Transport), "{error:?}");
    let causes: Vec<String> = std::iter::successors(error.source(), |&inner| inner.source())
        .map(ToString::to_string)
        .collect();
    let causes = causes.join("; ");
    assert!(
        causes.contains("certificate"),
        "the cause names the certificate: {causes}"
    );
    let shown = format!("{error} {error:?} {causes}");
    assert!(!shown.contains(alice.token.expose()), "no token in {shown}");
}
