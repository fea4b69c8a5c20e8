//! The REST side: accepting connections, authenticating, rate limiting and
//! dispatching to the routes.

use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde::de::DeserializeOwned;
use stoat_model::UserId;
use stoat_model::error::{ApiErrorKind, RateLimited};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::Shared;
use crate::faults::RestFaultAction;
use crate::ratelimit::classify;
use crate::reply::{Reply, ReplyBody};
use crate::world::TokenKind;

/// Largest request body read (the file server's default cap; a larger
/// configured `body_limit_size` raises it, the file route checks its own).
const BODY_LIMIT: usize = 20_000_000;

/// A parsed request, as the routes see it.
pub(crate) struct Call {
    pub(crate) method: String,
    pub(crate) segments: Vec<String>,
    /// The query string, without `?`.
    pub(crate) query: String,
    /// The `Idempotency-Key` header.
    pub(crate) idempotency_key: Option<String>,
    /// The `Content-Type` header.
    pub(crate) content_type: Option<String>,
    /// Whether an `X-Bot-Token` / `X-Session-Token` header was sent at all.
    pub(crate) sent_bot_token: bool,
    pub(crate) sent_session_token: bool,
    pub(crate) body: Bytes,
    pub(crate) wants_json: bool,
    /// The authenticated caller, if the token was valid.
    pub(crate) caller: Option<(UserId, TokenKind)>,
}

impl Call {
    /// The caller, or the framework's 401 (the server's user guard).
    pub(crate) fn user(&self) -> Result<UserId, Reply> {
        self.caller
            .map(|(id, _)| id)
            .ok_or_else(|| Reply::catcher(401, self.wants_json))
    }

    /// The body as `T`: broken JSON is a 400, JSON of the wrong shape a 422,
    /// both from the framework's catcher, as on the server.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, Reply> {
        let value: serde_json::Value =
            serde_json::from_slice(&self.body).map_err(|_| Reply::catcher(400, self.wants_json))?;
        serde_json::from_value(value).map_err(|_| Reply::catcher(422, self.wants_json))
    }
}

/// Serves REST until `shutdown` flips; connections end with it.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>, shutdown: watch::Receiver<bool>) {
    crate::accept_loop(listener, shutdown, move |stream| {
        let shared = Arc::clone(&shared);
        let peer = stream.peer_addr().ok().map(|a| a.ip());
        async move {
            let service = service_fn(move |request| respond(Arc::clone(&shared), peer, request));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        }
    })
    .await;
}

// Long on purpose (about 85 lines): the server's request pipeline in its
// order (faults, rate limit, authentication, route, capture), each step a
// few lines that depend on the one before.
async fn respond(
    shared: Arc<Shared>,
    peer: Option<IpAddr>,
    request: Request<Incoming>,
) -> Result<Response<ReplyBody>, Infallible> {
    let (parts, body) = request.into_parts();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let wants_json = header("accept").is_some_and(|a| a.contains("json"));
    let path = parts.uri.path().to_owned();
    let segments: Vec<String> = path.trim_matches('/').split('/').map(str::to_owned).collect();
    let method = parts.method.as_str().to_owned();

    // The server tries the bot token first, and only it when present.
    let (bot, session) = (header("x-bot-token"), header("x-session-token"));
    let caller = {
        let world = shared.world();
        let lookup = |token: &str, kind| {
            world
                .tokens
                .get(token)
                .filter(|(_, k)| *k == kind)
                .map(|(id, _)| (*id, kind))
        };
        match (&bot, &session) {
            (Some(token), _) => lookup(token, TokenKind::Bot),
            (None, Some(token)) => lookup(token, TokenKind::Session),
            (None, None) => None,
        }
    };

    let refs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let (bucket, limit, resource) = classify(&method, &refs);
    // A valid session is limited on its own (its token stands for the
    // session); bots and everything else per client address.
    let identifier = match (caller, &session) {
        (Some((_, TokenKind::Session)), Some(token)) => format!("session:{token}"),
        _ => client_ip(header("x-real-ip").as_deref(), peer),
    };
    let verdict = shared.limiter.check(&identifier, bucket, limit, &resource);
    if !verdict.allowed {
        let reply = Reply::json_status(
            429,
            &RateLimited {
                retry_after: verdict.retry_after_ms,
            },
        );
        return Ok(reply.into_response(&verdict.headers));
    }
    let fault = shared.faults.rest_fault(&path);
    match fault {
        Some(RestFaultAction::Replace(reply)) => return Ok(reply.into_response(&verdict.headers)),
        Some(RestFaultAction::Delay(delay)) => tokio::time::sleep(delay).await,
        _ => {}
    }

    let cap = BODY_LIMIT.max(shared.world().limits.global.body_limit_size);
    let body = match Limited::new(body, cap).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Ok(Reply::catcher(413, wants_json).into_response(&verdict.headers)),
    };
    let call = Call {
        method,
        segments,
        query: parts.uri.query().unwrap_or_default().to_owned(),
        idempotency_key: header("idempotency-key"),
        content_type: header("content-type"),
        sent_bot_token: bot.is_some(),
        sent_session_token: session.is_some(),
        body,
        wants_json,
        caller,
    };
    let reply = crate::routes::route(&shared, &call).unwrap_or_else(|reply| reply);
    Ok(match fault {
        Some(RestFaultAction::Truncate) => reply.truncated().into_response(&verdict.headers),
        Some(RestFaultAction::Drop) => reply.into_dropped_response(&verdict.headers),
        _ => reply.into_response(&verdict.headers),
    })
}

/// The client's address as the server's web framework gives it: a valid
/// address in `X-Real-IP` (its default `ip_header`), else the peer's.
fn client_ip(real_ip: Option<&str>, peer: Option<IpAddr>) -> String {
    real_ip
        .and_then(|ip| ip.trim().parse::<IpAddr>().ok())
        .or(peer)
        .map(|ip| ip.to_string())
        .unwrap_or_default()
}

/// Shorthand for a Stoat error reply (located at its caller).
#[track_caller]
pub(crate) fn fail<T>(kind: ApiErrorKind) -> Result<T, Reply> {
    Err(Reply::error(kind))
}
