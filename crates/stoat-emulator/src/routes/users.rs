//! The `/users` routes (spec section 3).

use serde_json::json;
use stoat_model::error::ApiErrorKind;
use stoat_model::event::{Event, UserRelationship, UserUpdate};
use stoat_model::file::FileTag;
use stoat_model::request::{ChangeUsername, EditUser, SendFriendRequest};
use stoat_model::{
    Channel, Discriminator, FieldsUser, FlagResponse, Mutuals, PartialUser, Presence, RelationshipStatus,
    UserId,
};

use crate::http::{Call, fail};
use crate::reply::{Reply, length_error};
use crate::world::{TokenKind, World, now_ms};

type Routed = Result<Reply, Reply>;

/// Resolves `{target}`: `@me` only where the server accepts it; anything
/// that is not a known user id is `NotFound`.
fn target(world: &World, caller: UserId, segment: &str, me_allowed: bool) -> Result<UserId, Reply> {
    if me_allowed && segment == "@me" {
        return Ok(caller);
    }
    match segment.parse::<UserId>() {
        Ok(id) if world.accounts.contains_key(&id) => Ok(id),
        _ => fail(ApiErrorKind::NotFound),
    }
}

#[track_caller]
fn missing(permission: &str) -> Reply {
    Reply::error(ApiErrorKind::MissingPermission {
        permission: permission.into(),
    })
}

/// `GET /users/{target}` and `GET /users/@me`.
pub(crate) fn fetch(world: &World, call: &Call, segment: &str) -> Routed {
    let caller = call.user()?;
    let id = target(world, caller, segment, true)?;
    if !world.permissions(caller, id).access {
        return Err(missing("Access"));
    }
    Ok(Reply::json(&world.view(caller, id)))
}

/// `GET /users/{target}/flags` (no authentication; unknown users have 0).
pub(crate) fn flags(world: &World, segment: &str) -> Reply {
    let flags = segment
        .parse::<UserId>()
        .ok()
        .and_then(|id| world.accounts.get(&id))
        .map(|a| a.user.flags)
        .unwrap_or_default();
    Reply::json(&FlagResponse { flags })
}

/// `GET /users/{target}/default_avatar` (no authentication; any text is
/// taken, the image picked by its last character).
pub(crate) fn default_avatar(segment: &str, wants_json: bool) -> Reply {
    let Some(last) = segment.chars().last() else {
        return Reply::catcher(404, wants_json);
    };
    let mut reply = Reply::bytes(
        "image/png",
        crate::avatars::image(crate::avatars::number_for(last)),
    );
    reply.cache_control = Some("public, max-age=31536000, immutable");
    reply
}

/// `GET /users/{target}/profile`.
pub(crate) fn profile(world: &World, call: &Call, segment: &str) -> Routed {
    let caller = call.user()?;
    let id = target(world, caller, segment, false)?;
    if !world.permissions(caller, id).view_profile {
        return Err(missing("ViewProfile"));
    }
    Ok(Reply::json(&world.accounts[&id].profile))
}

/// `GET /users/dms`: saved messages, every DM (closed ones too) and groups.
pub(crate) fn dms(world: &World, call: &Call) -> Routed {
    let caller = call.user()?;
    let mut channels: Vec<&Channel> = world
        .dms
        .values()
        .filter(|c| c.recipients().contains(&caller))
        .collect();
    channels.sort_by_key(|c| c.id());
    Ok(Reply::json(&channels))
}

/// `GET /users/{target}/mutual`.
pub(crate) fn mutual(world: &World, call: &Call, segment: &str) -> Routed {
    let caller = call.user()?;
    let id = target(world, caller, segment, false)?;
    if id == caller {
        return fail(ApiErrorKind::InvalidOperation);
    }
    if !world.permissions(caller, id).view_profile {
        return Err(missing("ViewProfile"));
    }
    let friends = |of: UserId| {
        world
            .relations
            .iter()
            .filter(move |((from, _), status)| *from == of && **status == RelationshipStatus::Friend)
            .map(|((_, to), _)| *to)
    };
    let mut users: Vec<UserId> = friends(caller).filter(|u| friends(id).any(|v| v == *u)).collect();
    users.sort();
    let mut channels: Vec<_> = world
        .dms
        .values()
        .filter(|c| c.recipients().contains(&caller) && c.recipients().contains(&id))
        .filter_map(Channel::id)
        .collect();
    channels.sort();
    Ok(Reply::json(&Mutuals {
        users,
        servers: Vec::new(),
        channels,
    }))
}

/// `PATCH /users/{target}`.
///
/// Long on purpose (about 100 lines): it follows the official handler step
/// by step, so each error is raised where the server raises it.
pub(crate) fn edit(world: &mut World, call: &Call, segment: &str) -> Routed {
    let caller = call.user()?;
    let id = target(world, caller, segment, true)?;
    let privileged = world.accounts[&caller].user.privileged;
    let owns_bot = world.accounts[&id].user.bot.is_some_and(|b| b.owner == caller);
    if id != caller && !owns_bot && !privileged {
        return fail(ApiErrorKind::NotPrivileged);
    }
    let edit: EditUser = call.json()?;
    // The model keeps values it does not know; the server's parser refuses them.
    let unknown_presence = edit
        .status
        .as_ref()
        .and_then(|s| s.presence.as_ref())
        .is_some_and(Presence::is_unknown);
    if edit.remove.iter().any(FieldsUser::is_unknown) || unknown_presence {
        return Err(Reply::catcher(422, call.wants_json));
    }
    validate_edit(&edit)?;
    if (edit.badges.is_some() || edit.flags.is_some()) && !privileged {
        return fail(ApiErrorKind::NotPrivileged);
    }
    let avatar = edit
        .avatar
        .as_ref()
        .map(|id| super::files::use_file(world, id, &FileTag::Avatars))
        .transpose()?;
    let background = edit
        .profile
        .as_ref()
        .and_then(|p| p.background.as_ref())
        .map(|id| super::files::use_file(world, id, &FileTag::Backgrounds))
        .transpose()?;
    let nothing = edit.display_name.is_none()
        && edit.avatar.is_none()
        && edit.pronouns.is_none()
        && edit.status.is_none()
        && edit.profile.is_none()
        && edit.badges.is_none()
        && edit.flags.is_none()
        && edit.remove.is_empty();
    if nothing {
        return Ok(Reply::json(&world.view_self(id)));
    }
    world.clear_fields(id, &edit.remove);
    let account = world
        .accounts
        .get_mut(&id)
        .ok_or_else(|| Reply::error(ApiErrorKind::NotFound))?;
    let mut data = PartialUser::default();
    if let Some(name) = &edit.display_name {
        account.user.display_name = Some(name.as_str().into());
        data.display_name = Some(name.as_str().into());
    }
    if let Some(avatar) = avatar {
        account.user.avatar = Some(Box::new(avatar.clone()));
        data.avatar = Some(Box::new(avatar));
    }
    if let Some(background) = background {
        account.profile.background = Some(Box::new(background));
    }
    if let Some(pronouns) = &edit.pronouns {
        account.user.pronouns = Some(pronouns.as_str().into());
        data.pronouns = Some(pronouns.as_str().into());
    }
    if let Some(status) = &edit.status {
        // Merged into the existing status: only the given parts change.
        let mut merged = account.user.status.clone().unwrap_or_default();
        if status.text.is_some() {
            merged.text.clone_from(&status.text);
        }
        if status.presence.is_some() {
            merged.presence.clone_from(&status.presence);
        }
        data.status = Some(merged.clone());
        account.user.status = (!merged.is_empty()).then_some(merged);
    }
    if let Some(profile) = &edit.profile
        && let Some(content) = &profile.content
    {
        account.profile.content = Some(content.as_str().into());
    }
    if let Some(badges) = edit.badges {
        account.user.badges = badges;
        data.badges = Some(badges);
    }
    if let Some(flags) = edit.flags {
        account.user.flags = flags;
        data.flags = Some(flags);
    }
    let event = Event::UserUpdate(Box::new(UserUpdate {
        id,
        data,
        clear: edit.remove.clone(),
        event_id: None,
    }));
    world.publish_user_update(id, &event, true);
    Ok(Reply::json(&world.view_self(id)))
}

fn validate_edit(edit: &EditUser) -> Result<(), Reply> {
    let chars = |s: &str| s.chars().count();
    if let Some(name) = &edit.display_name
        && (!(2..=32).contains(&chars(name)) || name.contains(['\u{200B}', '\n', '\r']))
    {
        return Err(length_error("display_name", 2, 32, name));
    }
    if let Some(pronouns) = &edit.pronouns
        && !(1..=24).contains(&chars(pronouns))
    {
        return Err(length_error("pronouns", 1, 24, pronouns));
    }
    if let Some(text) = edit.status.as_ref().and_then(|s| s.text.as_deref())
        && chars(text) > 128
    {
        return Err(length_error("status.text", 0, 128, text));
    }
    if let Some(content) = edit.profile.as_ref().and_then(|p| p.content.as_deref())
        && chars(content) > 2000
    {
        return Err(length_error("profile.content", 0, 2000, content));
    }
    Ok(())
}

/// Names the server refuses (spec 3.4).
fn reserved(name: &str) -> bool {
    let lower = name.to_lowercase();
    ["admin", "revolt", "stoat"].contains(&lower.as_str())
        || [
            "```",
            "discord.gg",
            "rvlt.gg",
            "guilded.gg",
            "stt.gg",
            "revolt.chat",
            "stoat.chat",
            "http://",
            "https://",
        ]
        .iter()
        .any(|bad| lower.contains(bad))
}

/// `PATCH /users/@me/username` (session tokens only).
///
/// Long on purpose (about 70 lines): it follows the official handler step
/// by step, so each error is raised where the server raises it.
pub(crate) fn change_username(world: &mut World, call: &Call) -> Routed {
    let Some((caller, TokenKind::Session)) = call.caller else {
        return Err(Reply::catcher(401, call.wants_json));
    };
    let body: ChangeUsername = call.json()?;
    let name = body.username.as_str();
    let valid = (2..=32).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphabetic() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'));
    if !valid {
        return Err(length_error("username", 2, 32, name));
    }
    if world.accounts[&caller].password != body.password.expose() {
        return fail(ApiErrorKind::InvalidCredentials);
    }
    if reserved(name) {
        return fail(ApiErrorKind::InvalidUsername);
    }
    let current = world.accounts[&caller].user.clone();
    let taken = |d: Discriminator| {
        world.accounts.values().any(|a| {
            a.user.id != caller && a.user.username.eq_ignore_ascii_case(name) && a.user.discriminator == d
        })
    };
    let discriminator = if current.username.eq_ignore_ascii_case(name) || !taken(current.discriminator) {
        current.discriminator
    } else {
        // A forced discriminator change is allowed once per 24 hours.
        let day_ms = 24 * 60 * 60 * 1000;
        if world
            .discriminator_changes
            .get(&caller)
            .is_some_and(|at| now_ms().saturating_sub(*at) < day_ms)
        {
            return fail(ApiErrorKind::DiscriminatorChangeRatelimited);
        }
        let free = (1..=9999)
            .filter_map(Discriminator::new)
            .find(|d| !taken(*d))
            .ok_or_else(|| Reply::error(ApiErrorKind::UsernameTaken))?;
        world.discriminator_changes.insert(caller, now_ms());
        free
    };
    let account = world
        .accounts
        .get_mut(&caller)
        .ok_or_else(|| Reply::error(ApiErrorKind::NotFound))?;
    account.user.username = name.into();
    let mut data = PartialUser {
        username: Some(name.into()),
        ..PartialUser::default()
    };
    if discriminator != account.user.discriminator {
        account.user.discriminator = discriminator;
        data.discriminator = Some(discriminator);
    }
    // The response is built without a point of view (spec 3.4).
    let mut response = account.user.clone();
    response.relationship = RelationshipStatus::None;
    response.online = false;
    response.status = None;
    response.relations = Vec::new();
    let event = Event::UserUpdate(Box::new(UserUpdate {
        id: caller,
        data,
        clear: Vec::new(),
        event_id: None,
    }));
    world.publish_user_update(caller, &event, true);
    Ok(Reply::json(&response))
}

/// Tells both users of their new relationship.
fn notify_relationship(world: &World, a: UserId, b: UserId) {
    for (receiver, other) in [(a, b), (b, a)] {
        if let Some(user) = world.view(receiver, other) {
            world.send_to(
                receiver,
                &Event::UserRelationship(Box::new(UserRelationship { id: receiver, user })),
            );
        }
    }
}

/// `PUT /users/{target}/friend`, and `POST /users/friend` once resolved.
fn add_friend(world: &mut World, caller: UserId, id: UserId) -> Routed {
    if world.is_bot(caller) || world.is_bot(id) {
        return fail(ApiErrorKind::IsBot);
    }
    match world.relation(caller, id) {
        RelationshipStatus::User => fail(ApiErrorKind::NoEffect),
        RelationshipStatus::Friend => fail(ApiErrorKind::AlreadyFriends),
        RelationshipStatus::Outgoing => fail(ApiErrorKind::AlreadySentRequest),
        RelationshipStatus::Blocked => fail(ApiErrorKind::Blocked),
        RelationshipStatus::BlockedOther => fail(ApiErrorKind::BlockedByOther),
        RelationshipStatus::Incoming => {
            world.set_relation(caller, id, RelationshipStatus::Friend);
            world.set_relation(id, caller, RelationshipStatus::Friend);
            notify_relationship(world, caller, id);
            Ok(Reply::json(&world.view(caller, id)))
        }
        _ => {
            let pending = world
                .relations
                .iter()
                .filter(|((from, _), s)| *from == caller && **s == RelationshipStatus::Outgoing)
                .count();
            let max = world.user_limits(caller).outgoing_friend_requests;
            if pending >= max {
                return fail(ApiErrorKind::TooManyPendingFriendRequests {
                    max: u64::try_from(max).unwrap_or(u64::MAX),
                });
            }
            world.set_relation(caller, id, RelationshipStatus::Outgoing);
            world.set_relation(id, caller, RelationshipStatus::Incoming);
            notify_relationship(world, caller, id);
            Ok(Reply::json(&world.view(caller, id)))
        }
    }
}

/// `PUT /users/{target}/friend`.
pub(crate) fn friend(world: &mut World, call: &Call, segment: &str) -> Routed {
    let caller = call.user()?;
    let id = target(world, caller, segment, false)?;
    add_friend(world, caller, id)
}

/// `POST /users/friend` with `name#discriminator`.
pub(crate) fn friend_by_name(world: &mut World, call: &Call) -> Routed {
    let caller = call.user()?;
    let body: SendFriendRequest = call.json()?;
    let Some((name, discriminator)) = body.username.split_once('#') else {
        return fail(ApiErrorKind::InvalidProperty);
    };
    let id = world
        .accounts
        .values()
        .find(|a| {
            a.user.username.to_lowercase() == name.to_lowercase()
                && a.user.discriminator.to_string() == discriminator
        })
        .map(|a| a.user.id)
        .ok_or_else(|| Reply::error(ApiErrorKind::NotFound))?;
    add_friend(world, caller, id)
}

/// `DELETE /users/{target}/friend`: deny, cancel or unfriend.
pub(crate) fn unfriend(world: &mut World, call: &Call, segment: &str) -> Routed {
    let caller = call.user()?;
    let id = target(world, caller, segment, false)?;
    if world.is_bot(caller) || world.is_bot(id) {
        return fail(ApiErrorKind::IsBot);
    }
    match world.relation(caller, id) {
        RelationshipStatus::Friend | RelationshipStatus::Outgoing | RelationshipStatus::Incoming => {
            world.set_relation(caller, id, RelationshipStatus::None);
            world.set_relation(id, caller, RelationshipStatus::None);
            notify_relationship(world, caller, id);
            Ok(Reply::json(&world.view(caller, id)))
        }
        _ => fail(ApiErrorKind::NoEffect),
    }
}

/// `PUT /users/{target}/block`.
pub(crate) fn block(world: &mut World, call: &Call, segment: &str) -> Routed {
    let caller = call.user()?;
    let id = target(world, caller, segment, false)?;
    match world.relation(caller, id) {
        RelationshipStatus::User | RelationshipStatus::Blocked => fail(ApiErrorKind::NoEffect),
        RelationshipStatus::BlockedOther => {
            world.set_relation(caller, id, RelationshipStatus::Blocked);
            notify_relationship(world, caller, id);
            Ok(Reply::json(&world.view(caller, id)))
        }
        _ => {
            world.set_relation(caller, id, RelationshipStatus::Blocked);
            world.set_relation(id, caller, RelationshipStatus::BlockedOther);
            notify_relationship(world, caller, id);
            Ok(Reply::json(&world.view(caller, id)))
        }
    }
}

/// `DELETE /users/{target}/block`.
pub(crate) fn unblock(world: &mut World, call: &Call, segment: &str) -> Routed {
    let caller = call.user()?;
    let id = target(world, caller, segment, false)?;
    if world.relation(caller, id) != RelationshipStatus::Blocked {
        return fail(ApiErrorKind::NoEffect);
    }
    match world.relation(id, caller) {
        RelationshipStatus::Blocked => world.set_relation(caller, id, RelationshipStatus::BlockedOther),
        RelationshipStatus::BlockedOther => {
            world.set_relation(caller, id, RelationshipStatus::None);
            world.set_relation(id, caller, RelationshipStatus::None);
        }
        _ => return fail(ApiErrorKind::InternalError),
    }
    notify_relationship(world, caller, id);
    Ok(Reply::json(&world.view(caller, id)))
}

/// `GET /users/{target}/dm`: saved messages for yourself, otherwise the
/// stored DM (closed ones stay closed) or a new one.
pub(crate) fn open_dm(world: &mut World, call: &Call, segment: &str) -> Routed {
    let caller = call.user()?;
    let id = target(world, caller, segment, false)?;
    if id == caller {
        if let Some(saved) = world
            .dms
            .values()
            .find(|c| matches!(c, Channel::SavedMessages(s) if s.user == caller))
        {
            return Ok(Reply::json(saved));
        }
        let channel_id = world.new_id();
        let channel = Channel::SavedMessages(stoat_model::channel::SavedMessages {
            id: channel_id,
            user: caller,
        });
        world.dms.insert(channel_id, channel.clone());
        return Ok(Reply::json(&channel));
    }
    if !world.permissions(caller, id).send_message {
        return Err(missing("SendMessage"));
    }
    let existing = world.dms.values().find(|c| {
        matches!(c, Channel::DirectMessage(dm) if dm.recipients.contains(&caller) && dm.recipients.contains(&id))
    });
    if let Some(channel) = existing {
        return Ok(Reply::json(channel));
    }
    let channel_id = world.new_id();
    let channel = Channel::DirectMessage(stoat_model::channel::DirectMessage {
        id: channel_id,
        active: true,
        recipients: vec![caller, id],
        last_message_id: None,
    });
    world.dms.insert(channel_id, channel.clone());
    let event = Event::ChannelCreate(Box::new(channel.clone()));
    for user in [caller, id] {
        world.send_to(user, &event);
        world.subscribe_channel(user, channel_id);
    }
    Ok(Reply::json(&channel))
}

/// The node configuration, pointing back at the emulator.
pub(crate) fn root(api: &str, ws: &str, voice: bool, limits: &crate::Limits) -> Reply {
    let nodes = if voice {
        json!([{"name": super::VOICE_NODE, "lat": 0.0, "lon": 0.0, "public_url": super::voice_url(ws)}])
    } else {
        json!([])
    };
    Reply::json(&json!({
        "revolt": "0.15.1",
        "features": {
            "captcha": {"enabled": false, "key": ""},
            "email": false,
            "invite_only": false,
            "autumn": {"enabled": true, "url": format!("{api}/autumn")},
            "january": {"enabled": false, "url": ""},
            "livekit": {"enabled": voice, "nodes": nodes},
            "limits": limits,
            // A default server publishes its (unset) links as empty strings.
            "legal_links": {"terms_of_service": "", "privacy_policy": "", "guidelines": ""},
        },
        "ws": ws,
        "app": api,
        "vapid": "",
        "build": {"commit_sha": "stoat-emulator", "commit_timestamp": "", "semver": env!("CARGO_PKG_VERSION"), "origin_url": "", "timestamp": ""}
    }))
}
