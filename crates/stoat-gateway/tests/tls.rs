//! `wss://` over a real TLS connection on loopback: the local server behind
//! `stoat_emulator::TlsFront`, whose certificate comes from a private
//! authority that only a `tls_config` can make the client trust.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use stoat_emulator::{Emulator, TlsFront};
use stoat_gateway::{ErrorKind, Gateway};
use stoat_model::event::Event;
use support::{event, friends_with_dm, ready, terminal};

#[tokio::test]
async fn wss_with_a_private_authority_given_by_tls_config() {
    let emulator = Emulator::start().await.unwrap();
    let (alice, bob) = (emulator.create_user("alice"), emulator.create_user("bob"));
    let dm = friends_with_dm(&emulator, &alice, &bob).await;
    let front = TlsFront::start(emulator.ws_url()).await.unwrap();
    let (mut gateway, handle) = Gateway::builder(front.url("wss"), alice.token.clone())
        .tls_config(TlsFront::client_config())
        .build()
        .unwrap();
    let (ready, session) = ready(&mut gateway).await;
    assert_eq!(session, 0);
    assert!(ready.users.iter().flatten().any(|user| user.id == alice.id));
    // Both directions through TLS: a command out, its event back.
    handle.begin_typing(dm).await.unwrap();
    let Event::ChannelStartTyping(typing) = event(&mut gateway).await else {
        panic!("typing was not relayed")
    };
    assert_eq!((typing.id, typing.user), (dm, alice.id));
}

#[tokio::test]
async fn the_default_roots_refuse_an_unknown_authority() {
    let emulator = Emulator::start().await.unwrap();
    let alice = emulator.create_user("alice");
    let front = TlsFront::start(emulator.ws_url()).await.unwrap();
    let (mut gateway, _handle) = Gateway::builder(front.url("wss"), alice.token.clone())
        .backoff(Duration::from_millis(1), Duration::from_millis(1))
        .max_attempts(1)
        .build()
        .unwrap();
    let error = terminal(&mut gateway).await;
    assert!(
        matches!(error.kind(), ErrorKind::GaveUp { attempts: 1 }),
        "{error:?}"
    );
    let cause = std::error::Error::source(&error).expect("the last cause");
    let shown = format!("{cause} {:?}", std::error::Error::source(cause));
    assert!(
        shown.contains("certificate") || shown.contains("Certificate"),
        "{shown}"
    );
    assert!(!format!("{error:?} {shown}").contains(alice.token.expose()));
    assert_eq!(emulator.connections(alice.id), 0);
}
