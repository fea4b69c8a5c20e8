//! Dispatch of REST requests to their routes.

mod channels;
mod files;
mod users;

pub(crate) use files::Upload;

use crate::Shared;
use crate::http::Call;
use crate::reply::Reply;

/// The public URL of the emulated voice node.
pub(crate) fn voice_url(ws_url: &str) -> String {
    format!("{ws_url}/livekit")
}

/// Name of the emulated voice node.
pub(crate) const VOICE_NODE: &str = "worldwide";

/// Runs the route a request names; unknown routes get the framework's 404.
pub(crate) fn route(shared: &Shared, call: &Call) -> Result<Reply, Reply> {
    let segments: Vec<&str> = call.segments.iter().map(String::as_str).collect();
    let segments = match segments.as_slice() {
        ["0.8", rest @ ..] => rest.to_vec(),
        other => other.to_vec(),
    };
    // Routes without authentication.
    match (call.method.as_str(), segments.as_slice()) {
        ("GET", [""]) => {
            let limits = shared.world().limits.clone();
            return Ok(users::root(
                &shared.api_url,
                &shared.ws_url,
                shared.voice,
                &limits,
            ));
        }
        ("GET", ["users", target, "flags"]) => return Ok(users::flags(&shared.world(), target)),
        ("GET", ["users", target, "default_avatar"]) => {
            return Ok(users::default_avatar(target, call.wants_json));
        }
        _ => {}
    }
    let mut world = shared.world();
    world.settle();
    match (call.method.as_str(), segments.as_slice()) {
        ("GET", ["users", "dms"]) => users::dms(&world, call),
        ("GET", ["users", target]) => users::fetch(&world, call, target),
        ("PATCH", ["users", "@me", "username"]) => users::change_username(&mut world, call),
        ("PATCH", ["users", target]) => users::edit(&mut world, call, target),
        ("GET", ["users", target, "profile"]) => users::profile(&world, call, target),
        ("GET", ["users", target, "dm"]) => users::open_dm(&mut world, call, target),
        ("GET", ["users", target, "mutual"]) => users::mutual(&world, call, target),
        ("POST", ["users", "friend"]) => users::friend_by_name(&mut world, call),
        ("PUT", ["users", target, "friend"]) => users::friend(&mut world, call, target),
        ("DELETE", ["users", target, "friend"]) => users::unfriend(&mut world, call, target),
        ("PUT", ["users", target, "block"]) => users::block(&mut world, call, target),
        ("DELETE", ["users", target, "block"]) => users::unblock(&mut world, call, target),
        ("GET", ["channels", channel]) => channels::fetch_channel(&world, call, channel),
        ("DELETE", ["channels", channel]) => channels::close(&mut world, call, channel),
        ("POST", ["channels", channel, "messages"]) => channels::send(&mut world, call, channel),
        ("GET", ["channels", channel, "messages"]) => channels::history(&world, call, channel),
        ("GET", ["channels", channel, "messages", message]) => {
            channels::fetch_message(&world, call, channel, message)
        }
        ("POST", ["channels", channel, "search"]) => channels::search(&world, call, channel),
        ("PUT", ["channels", channel, "ack", message]) => channels::ack(&world, call, channel, message),
        ("POST", ["channels", channel, "join_call"]) => channels::join_call(
            &mut world,
            call,
            channel,
            shared.voice.then(|| voice_url(&shared.ws_url)),
        ),
        ("PUT", ["channels", channel, "end_ring", user]) => {
            channels::end_ring(&world, call, channel, user, shared.voice)
        }
        ("POST", ["safety", "report"]) => channels::report(&world, call),
        ("POST", ["autumn", tag]) => files::upload(&mut world, call, tag, call.content_type.as_deref()),
        _ => Err(Reply::catcher(404, call.wants_json)),
    }
}
