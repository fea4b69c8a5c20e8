//! A minimal client for the emulator's tests: plain hyper requests and a
//! tungstenite socket, so the emulator is tested on real loopback sockets
//! without the SDK's own transports.
#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(unreachable_pub, reason = "shared by the test binaries through `mod support`")]

use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use stoat_emulator::{Account, Emulator};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

/// A response: status, headers we look at, and the body as JSON (or a
/// string when it is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn error_type(&self) -> &str {
        self.body["type"].as_str().unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// Sends one request with `Accept: application/json` and a session token.
pub async fn call(
    emulator: &Emulator,
    method: &str,
    path: &str,
    who: Option<&Account>,
    body: Option<Value>,
) -> Answer {
    let token = who.map(|a| ("x-session-token", a.token.expose()));
    send(emulator, method, path, token, body, true).await
}

/// A session request with extra headers.
pub async fn call_with_headers(
    emulator: &Emulator,
    method: &str,
    path: &str,
    who: &Account,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("accept", "application/json")
        .header("x-session-token", who.token.expose());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    exchange(
        emulator,
        request,
        body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string())),
    )
    .await
}

/// The same without `Accept: application/json`.
pub async fn call_with(
    emulator: &Emulator,
    method: &str,
    path: &str,
    who: Option<&Account>,
    body: Option<Value>,
    json_accept: bool,
) -> Answer {
    let token = who.map(|a| ("x-session-token", a.token.expose()));
    send(emulator, method, path, token, body, json_accept).await
}

/// A bot's request with a body.
pub async fn call_as_bot_with_body(
    emulator: &Emulator,
    method: &str,
    path: &str,
    bot: &Account,
    body: Option<Value>,
) -> Answer {
    send(
        emulator,
        method,
        path,
        Some(("x-bot-token", bot.token.expose())),
        body,
        true,
    )
    .await
}

/// A bot's request (with `X-Bot-Token`).
pub async fn call_as_bot(emulator: &Emulator, method: &str, path: &str, bot: &Account) -> Answer {
    send(
        emulator,
        method,
        path,
        Some(("x-bot-token", bot.token.expose())),
        None,
        true,
    )
    .await
}

async fn send(
    emulator: &Emulator,
    method: &str,
    path: &str,
    token: Option<(&str, &str)>,
    body: Option<Value>,
    json_accept: bool,
) -> Answer {
    let mut request = Request::builder().method(method).uri(path);
    if json_accept {
        request = request.header("accept", "application/json");
    }
    if let Some((name, value)) = token {
        request = request.header(name, value);
    }
    exchange(
        emulator,
        request,
        body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string())),
    )
    .await
}

/// A bodiless request with the given headers, sent from the local address
/// `from` (any of 127.0.0.0/8 reaches the emulator).
pub async fn call_from(
    emulator: &Emulator,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    from: std::net::Ipv4Addr,
) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("accept", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    exchange_from(emulator, request, Bytes::new(), Some(from)).await
}

/// Sends a request on a fresh connection and reads the answer.
async fn exchange(emulator: &Emulator, request: hyper::http::request::Builder, body: Bytes) -> Answer {
    exchange_from(emulator, request, body, None).await
}

/// The same, from a chosen local address.
async fn exchange_from(
    emulator: &Emulator,
    request: hyper::http::request::Builder,
    body: Bytes,
    from: Option<std::net::Ipv4Addr>,
) -> Answer {
    let address = emulator.api_url().trim_start_matches("http://").to_owned();
    let stream = match from {
        None => TcpStream::connect(&address).await.unwrap(),
        Some(ip) => {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.bind((ip, 0).into()).unwrap();
            socket.connect(address.parse().unwrap()).await.unwrap()
        }
    };
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let request = request.header("host", &address).body(Full::new(body)).unwrap();
    let response = sender.send_request(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    Answer {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
    }
}

/// Uploads `bytes` to the file server's `tag` as a multipart `file` field.
pub async fn upload(
    emulator: &Emulator,
    tag: &str,
    who: Option<&Account>,
    filename: &str,
    bytes: &[u8],
) -> Answer {
    let boundary = "stoat-boundary-7MA4YWxkTrZu0gW";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut request = Request::builder()
        .method("POST")
        .uri(format!("/autumn/{tag}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        );
    if let Some(account) = who {
        request = request.header("x-session-token", account.token.expose());
    }
    exchange(emulator, request, Bytes::from(body)).await
}

/// Makes two users friends.
pub async fn befriend(emulator: &Emulator, a: &Account, b: &Account) {
    assert_eq!(
        call(emulator, "PUT", &format!("/users/{}/friend", b.id), Some(a), None)
            .await
            .status,
        200
    );
    assert_eq!(
        call(emulator, "PUT", &format!("/users/{}/friend", a.id), Some(b), None)
            .await
            .status,
        200
    );
}

/// Makes two users friends and opens their DM; returns its id.
pub async fn friends_with_dm(emulator: &Emulator, a: &Account, b: &Account) -> String {
    befriend(emulator, a, b).await;
    let dm = call(emulator, "GET", &format!("/users/{}/dm", b.id), Some(a), None).await;
    dm.body["_id"].as_str().unwrap().to_owned()
}

/// An events connection.
pub struct Socket {
    inner: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>,
}

impl Socket {
    /// Connects and authenticates with an `Authenticate` message; returns
    /// the socket after `Authenticated` and `Ready`, and the `Ready`.
    pub async fn connect(emulator: &Emulator, account: &Account) -> (Self, Value) {
        let url = format!("{}/?version=1&format=json", emulator.ws_url());
        let (inner, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let mut socket = Self { inner };
        socket
            .send(json!({"type": "Authenticate", "token": account.token.expose()}))
            .await;
        assert_eq!(socket.next().await["type"], "Authenticated");
        let ready = socket.next().await;
        assert_eq!(ready["type"], "Ready");
        (socket, ready)
    }

    pub async fn send(&mut self, value: Value) {
        self.inner.send(Message::text(value.to_string())).await.unwrap();
    }

    /// The next event; fails the test after 5 s without one.
    pub async fn next(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(5), self.inner.next())
                .await
                .expect("no event within 5 s")
                .expect("the connection ended")
                .unwrap();
            if let Message::Text(text) = frame {
                return serde_json::from_str(text.as_str()).unwrap();
            }
        }
    }

    /// The next text frame as sent, parsed or not.
    pub async fn next_raw(&mut self) -> String {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(5), self.inner.next())
                .await
                .expect("no frame within 5 s")
                .expect("the connection ended")
                .unwrap();
            if let Message::Text(text) = frame {
                return text.as_str().to_owned();
            }
        }
    }

    /// Whether the connection ends (within 5 s) without a close frame.
    pub async fn ends_without_close_frame(mut self) -> bool {
        loop {
            match tokio::time::timeout(Duration::from_secs(5), self.inner.next()).await {
                // A timeout or a close frame.
                Err(_) | Ok(Some(Ok(Message::Close(_)))) => return false,
                Ok(None | Some(Err(_))) => return true,
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    /// The next event of `kind`, skipping others.
    pub async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let event = self.next().await;
            if event["type"] == kind {
                return event;
            }
        }
    }
}
