//! What the client logs: one span per request with its method, route
//! template, bucket, attempt, status and latency; never a token, a password
//! or message content.

mod support;

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use stoat_emulator::RestFaultKind;
use stoat_model::Secret;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Keeps every span and event as a line of `name field=value…`.
#[derive(Clone, Default)]
struct Capture {
    lines: Arc<Mutex<Vec<String>>>,
    next_id: Arc<AtomicU64>,
}

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl Capture {
    fn push(&self, line: Line) {
        self.lines.lock().expect("not poisoned").push(line.0);
    }

    fn text(&self) -> String {
        self.lines.lock().expect("not poisoned").join("\n")
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut line = Line(format!("span {}", span.metadata().name()));
        span.record(&mut line);
        self.push(line);
        Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut line = Line("record".to_owned());
        values.record(&mut line);
        self.push(line);
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut line = Line(format!("event {}", event.metadata().level()));
        event.record(&mut line);
        self.push(line);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn spans_name_the_route_and_never_a_secret() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());

    let server = support::server().await;
    let f = support::friends(&server).await;
    server.fail_rest("/users/@me", RestFaultKind::BadGateway, 1);
    f.a.current_user().await.expect("retried past a 502");
    f.a.send_message(f.dm)
        .content("very private words")
        .await
        .expect("send");
    f.a.change_username("alice2", Secret::new("password-never-logged"))
        .await
        .expect_err("wrong password");
    f.a.edit_current_user()
        .display_name("x")
        .await
        .expect_err("invalid");

    let text = capture.text();
    for expected in [
        "route=\"GET /users/@me\"",
        "method=\"GET\"",
        "bucket=users",
        "bucket=messaging/",
        "status=502",
        "status=200",
        "attempt=2",
        "latency_ms=",
        "route=\"PATCH /users/@me/username\"",
    ] {
        assert!(text.contains(expected), "no {expected} in:\n{text}");
    }
    for secret in [
        f.alice.token.expose(),
        f.bob.token.expose(),
        "password-never-logged",
        "very private words",
    ] {
        assert!(!text.contains(secret), "a secret was logged");
    }
    server.shutdown().await;
}
