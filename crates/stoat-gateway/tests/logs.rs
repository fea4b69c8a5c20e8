//! tungstenite logs every frame it writes, payload in hex, through the
//! `log` crate at trace level. With a logger that keeps everything at
//! trace, a session (authenticate, ping, typing) leaves no trace of the
//! token, in clear or in hex: the `Authenticate` message goes out in
//! four-byte fragments.

mod support;

use std::sync::Mutex;

use stoat_emulator::Emulator;
use stoat_model::event::Format;

/// Every `log` record, as text.
struct Keep(Mutex<Vec<String>>);

impl log::Log for Keep {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        self.0.lock().unwrap().push(format!(
            "{} {} {}",
            record.level(),
            record.target(),
            record.args()
        ));
    }

    fn flush(&self) {}
}

static LOGS: Keep = Keep(Mutex::new(Vec::new()));

fn hex(text: &str) -> String {
    use std::fmt::Write as _;
    text.bytes().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[tokio::test]
async fn the_token_is_in_no_log_line_of_tungstenite() {
    log::set_logger(&LOGS).expect("the only logger of this test binary");
    log::set_max_level(log::LevelFilter::Trace);
    let server = Emulator::start().await.expect("server");
    let account = server.create_user("alice");
    for format in [Format::Json, Format::MsgPack] {
        let (mut gateway, _handle) = support::builder(&server, &account)
            .format(format)
            .build()
            .expect("gateway");
        support::ready(&mut gateway).await;
    }
    // The local server runs in this process and logs with the same
    // tungstenite: its "Received message" lines are the server's view of
    // what the client sent (the client never receives its token), so they
    // are left out.
    let logged = LOGS
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|line| !line.contains("Received message"))
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        logged.contains("writing frame"),
        "tungstenite's frame logs were captured"
    );
    let token = account.token.expose();
    assert!(!logged.contains(token), "the token in clear");
    assert!(!logged.contains(&hex(token)), "the token in hex");
    // Not even a third of it in one piece.
    let piece = &token[..token.len() / 3];
    assert!(!logged.contains(&hex(piece)), "a third of the token in hex");
    server.shutdown().await;
}
