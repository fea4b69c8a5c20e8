//! The events side (bonfire): authentication, `Ready`, pings, typing, and
//! delivery of the events the routes cause.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use stoat_model::error::ApiErrorKind;
use stoat_model::event::{
    Authenticated, ChannelTyping, ClientMessage, ErrorEvent, Event, Format, Pong, Ready, UserUpdate,
};
use stoat_model::{Channel, ChannelVoiceState, PartialUser, Presence, RelationshipStatus, UserId};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::Shared;
use crate::world::{Outgoing, World};

/// Serves events connections until `shutdown` flips.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>, shutdown: watch::Receiver<bool>) {
    crate::accept_loop(listener, shutdown, move |stream| {
        connection(stream, Arc::clone(&shared))
    })
    .await;
}

/// Query parameters of the connect URL, parsed as naively as the server
/// does (split on `&` and `=`, no percent-decoding).
#[derive(Default)]
struct Params {
    format: Format,
    token: Option<String>,
    ready: Vec<String>,
}

fn params(query: &str) -> Params {
    let mut params = Params::default();
    for pair in query.split('&') {
        let Some((key, value)) = pair.split_once('=') else {
            continue;
        };
        match key {
            "format" if value == "msgpack" => params.format = Format::MsgPack,
            "token" => params.token = Some(value.to_owned()),
            "ready" => params.ready.push(value.to_owned()),
            _ => {}
        }
    }
    params
}

// Long on purpose (about 90 lines): one connection's whole life, as the
// server runs it (handshake, authentication, then one `select!` loop), so
// the order of its arms can be read in one place.
async fn connection(stream: TcpStream, shared: Arc<Shared>) {
    // Small frames go out at once: with Nagle on, `Ready` would wait for
    // the client's delayed ACK of `Authenticated` (40 ms on Linux).
    let _ = stream.set_nodelay(true);
    let mut query = String::new();
    let refuse = shared.faults.take_refusal();
    #[allow(clippy::result_large_err, reason = "the signature tungstenite asks for")]
    let callback = |request: &Request, response: Response| {
        if refuse {
            let mut refusal = ErrorResponse::new(Some("502 Bad Gateway".to_owned()));
            *refusal.status_mut() = StatusCode::BAD_GATEWAY;
            return Err(refusal);
        }
        request.uri().query().unwrap_or_default().clone_into(&mut query);
        Ok(response)
    };
    // Small buffers: the default 128 KiB each way would make every idle
    // connection cost a quarter of a megabyte.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let Ok(mut socket) =
        tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config)).await
    else {
        return;
    };
    let params = params(&query);
    let format = params.format;

    // Before authentication everything but `Authenticate` is ignored.
    let mut token = params.token.clone();
    while token.is_none() {
        let Some(frame) = next_message(&mut socket).await else {
            return;
        };
        if let Some(ClientMessage::Authenticate { token: t }) = decode(format, &frame) {
            token = Some(t.expose().to_owned());
        }
    }
    let user = token.and_then(|t| shared.world().tokens.get(&t).map(|(id, _)| *id));
    let Some(user) = user else {
        let error = Event::Error(Box::new(ErrorEvent {
            // The server's carries a location too (where the session lookup failed).
            data: crate::reply::located(ApiErrorKind::InvalidSession),
        }));
        let _ = send_frame(&mut socket, format, &error).await;
        // The server drops the socket without a close frame.
        return;
    };

    let (sender, mut events) = mpsc::unbounded_channel();
    let (id, ready) = {
        let mut world = shared.world();
        let id = world.next_connection;
        world.next_connection += 1;
        let first = !world.connected(user);
        let ready = ready(&world, user, &params.ready);
        // Subscriptions follow the users of Ready, whatever `ready=` shows.
        let subscribed = ready_users(&world, user).into_iter().collect();
        let channels = world
            .dms
            .iter()
            .filter(|(_, c)| c.recipients().contains(&user))
            .map(|(id, _)| *id)
            .collect();
        let connection = crate::world::Connection {
            user,
            sender,
            subscribed,
            channels,
        };
        world.connections.insert(id, connection);
        if first {
            announce_presence(&world, user, true);
        }
        (id, ready)
    };
    let greeted = send_frame(&mut socket, format, &Event::Authenticated(Authenticated {}))
        .await
        .is_ok()
        && send_frame(&mut socket, format, &ready).await.is_ok();
    if greeted {
        run(&mut socket, &shared, user, format, &mut events).await;
    }
    let mut world = shared.world();
    world.connections.remove(&id);
    if !world.connected(user) {
        announce_presence(&world, user, false);
    }
}

/// The connection's life after `Ready`: answer pings, relay typing, deliver events.
async fn run(
    socket: &mut WebSocketStream<TcpStream>,
    shared: &Shared,
    user: UserId,
    format: Format,
    events: &mut mpsc::UnboundedReceiver<Outgoing>,
) {
    #[allow(clippy::collapsible_match, reason = "sending is async, a guard cannot await")]
    loop {
        tokio::select! {
            frame = next_message(socket) => {
                let Some(frame) = frame else { return };
                shared.faults.count_received(Some(user));
                match decode(format, &frame) {
                    Some(ClientMessage::Ping { .. }) if shared.faults.pings_silenced() => {}
                    Some(ClientMessage::Ping { data }) => {
                        if send_frame(socket, format, &Event::Pong(Pong { data })).await.is_err() {
                            return;
                        }
                    }
                    Some(ClientMessage::BeginTyping { channel }) => relay_typing(&shared.world(), user, channel, true),
                    Some(ClientMessage::EndTyping { channel }) => relay_typing(&shared.world(), user, channel, false),
                    // Authenticate after authentication, Subscribe (servers are not emulated),
                    // and undecodable frames are ignored, as by the server.
                    _ => {}
                }
            }
            outgoing = events.recv() => {
                let sent = match outgoing {
                    Some(Outgoing::Event(event)) => {
                        let delay = shared.faults.event_delay();
                        if !delay.is_zero() {
                            tokio::time::sleep(delay).await;
                        }
                        // A fault the official server shows under load:
                        // its per-connection de-duplication window is
                        // finite, so the same event can reach a client twice.
                        let copies = if shared.faults.take_duplicate(user) { 2 } else { 1 };
                        let mut sent = Ok(());
                        for _ in 0..copies {
                            if sent.is_ok() {
                                sent = send_frame(socket, format, &event).await;
                            }
                        }
                        sent
                    }
                    Some(Outgoing::Raw(text)) => {
                        shared.faults.count_sent(user, text.len());
                        socket.send(Message::text(text)).await
                    }
                    Some(Outgoing::Flood(text, count)) => flood(socket, shared, user, &text, count).await,
                    // Returning drops the socket: no close frame, as the server does.
                    Some(Outgoing::Drop) | None => return,
                };
                if sent.is_err() {
                    return;
                }
            }
        }
    }
}

/// Writes `text` `count` times, counting each frame once it is written:
/// a client that stops reading stalls the count.
async fn flood(
    socket: &mut WebSocketStream<TcpStream>,
    shared: &Shared,
    user: UserId,
    text: &str,
    count: usize,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    for _ in 0..count {
        socket.send(Message::text(text)).await?;
        shared.faults.count_sent(user, text.len());
    }
    Ok(())
}

fn decode(format: Format, frame: &Message) -> Option<ClientMessage> {
    match (format, frame) {
        (Format::Json, Message::Text(text)) => serde_json::from_str(text.as_str()).ok(),
        (Format::MsgPack, Message::Binary(bytes)) => Format::MsgPack.from_slice(bytes).ok(),
        // Frames of the other kind are ignored.
        _ => None,
    }
}

/// `Ready` for `user`: everyone related or sharing a DM, and the user last;
/// their DM channels. With `ready=` fields, only those parts.
fn ready(world: &World, user: UserId, fields: &[String]) -> Event {
    let wants = |field: &str| fields.is_empty() || fields.iter().any(|f| f == field);
    let channels: Vec<Channel> = world
        .dms
        .values()
        .filter(|c| c.recipients().contains(&user))
        .cloned()
        .collect();
    let mut users: Vec<_> = ready_users(world, user)
        .into_iter()
        .filter_map(|id| {
            let mut seen = world.view(user, id)?;
            // Ready shows statuses unless the user blocked you (spec 4.1).
            let blocked_by = world.relation(user, id) == RelationshipStatus::BlockedOther;
            let account = &world.accounts[&id];
            seen.status = if blocked_by {
                None
            } else {
                account.user.status.clone()
            };
            let invisible =
                seen.status.as_ref().and_then(|s| s.presence.as_ref()) == Some(&Presence::Invisible);
            seen.online = !blocked_by && world.connected(id) && !invisible;
            Some(seen)
        })
        .collect();
    let mut me = world.view_self(user);
    me.online = true;
    users.push(me);
    Event::Ready(Box::new(Ready {
        users: wants("users").then_some(users),
        servers: wants("servers").then(Vec::new),
        channels: wants("channels").then_some(channels),
        members: wants("members").then(Vec::new),
        emojis: wants("emojis").then(Vec::new),
        voice_states: wants("voice_states").then(|| {
            world
                .voice
                .iter()
                .filter(|(channel, _)| {
                    world
                        .dms
                        .get(channel)
                        .is_some_and(|c| c.recipients().contains(&user))
                })
                .map(|(id, participants)| ChannelVoiceState {
                    id: *id,
                    participants: participants.clone(),
                })
                .collect()
        }),
        user_settings: None,
        channel_unreads: (!fields.is_empty() && wants("channel_unreads")).then(Vec::new),
        // Never sent to bots.
        policy_changes: (wants("policy_changes") && !world.is_bot(user)).then(Vec::new),
    }))
}

/// The other users of `user`'s Ready: everyone in their relations and
/// every DM or group partner.
fn ready_users(world: &World, user: UserId) -> Vec<UserId> {
    let mut ids: Vec<UserId> = world
        .relations
        .keys()
        .filter(|(from, _)| *from == user)
        .map(|(_, to)| *to)
        .collect();
    for channel in world.dms.values().filter(|c| c.recipients().contains(&user)) {
        ids.extend(channel.recipients().iter().copied().filter(|id| *id != user));
    }
    ids.sort();
    ids.dedup();
    ids
}

/// `UserUpdate {online}` to everyone who follows the user, unless the user
/// is invisible.
fn announce_presence(world: &World, user: UserId, online: bool) {
    let invisible = world
        .accounts
        .get(&user)
        .and_then(|a| a.user.status.as_ref())
        .and_then(|s| s.presence.as_ref())
        == Some(&Presence::Invisible);
    if invisible {
        return;
    }
    let event = Event::UserUpdate(Box::new(UserUpdate {
        id: user,
        data: PartialUser {
            online: Some(online),
            ..PartialUser::default()
        },
        clear: Vec::new(),
        event_id: None,
    }));
    world.publish_user_update(user, &event, false);
}

/// Typing is relayed to the channel's recipients, the typist included.
fn relay_typing(world: &World, user: UserId, channel: stoat_model::ChannelId, start: bool) {
    let Some(stored) = world.dms.get(&channel) else {
        return;
    };
    if !stored.recipients().contains(&user) {
        return;
    }
    let typing = ChannelTyping { id: channel, user };
    let event = if start {
        Event::ChannelStartTyping(typing)
    } else {
        Event::ChannelStopTyping(typing)
    };
    // Relayed only to connections subscribed to the channel, the typist's included.
    world.send_to_channel(channel, &event);
}

/// The next data frame; `None` when the connection ended.
async fn next_message(socket: &mut WebSocketStream<TcpStream>) -> Option<Message> {
    loop {
        match socket.next().await?.ok()? {
            frame @ (Message::Text(_) | Message::Binary(_)) => return Some(frame),
            Message::Close(_) => return None,
            _ => {}
        }
    }
}

/// Sends one event in the connection's format.
async fn send_frame(
    socket: &mut WebSocketStream<TcpStream>,
    format: Format,
    event: &Event,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    let bytes = event.encode(format);
    let frame = match format {
        Format::Json => Message::text(String::from_utf8(bytes).unwrap_or_default()),
        _ => Message::binary(bytes),
    };
    socket.send(frame).await
}
