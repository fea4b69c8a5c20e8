//! What can be done in a DM (spec section 5) and user reports.

use stoat_model::error::ApiErrorKind;
use stoat_model::event::{ChannelAck, ChannelUpdate, Event};
use stoat_model::file::FileTag;
use stoat_model::message::{Embed, MessageFlags, MessageSort, MessagesWithUsers, TextEmbed};
use stoat_model::request::{JoinCall, ReportContent, ReportedContent, SearchMessages, SendMessage};
use stoat_model::{BulkMessageResponse, Channel, ChannelId, Message, MessageId, UserId};

use crate::http::{Call, fail};
use crate::reply::Reply;
use crate::world::World;

type Routed = Result<Reply, Reply>;

#[track_caller]
fn missing(permission: &str) -> Reply {
    Reply::error(ApiErrorKind::MissingPermission {
        permission: permission.into(),
    })
}

/// The channel, if the caller is in it.
fn channel<'w>(world: &'w World, caller: UserId, segment: &str) -> Result<&'w Channel, Reply> {
    segment
        .parse::<ChannelId>()
        .ok()
        .and_then(|id| world.dms.get(&id))
        .filter(|c| c.recipients().contains(&caller))
        .ok_or_else(|| Reply::error(ApiErrorKind::NotFound))
}

/// Whether the caller may send in a DM: the user permission `SendMessage`
/// towards the other participant (saved messages: always).
fn may_send(world: &World, caller: UserId, channel: &Channel) -> bool {
    match channel {
        Channel::DirectMessage(dm) => dm
            .other_user(caller)
            .is_some_and(|other| world.permissions(caller, other).send_message),
        _ => true,
    }
}

/// `GET /channels/{channel}`.
pub(crate) fn fetch_channel(world: &World, call: &Call, segment: &str) -> Routed {
    Ok(Reply::json(channel(world, call.user()?, segment)?))
}

/// `POST /channels/{channel}/messages`.
///
/// Long on purpose (about 90 lines): it follows the official handler step
/// by step, so each error is raised where the server raises it.
pub(crate) fn send(world: &mut World, call: &Call, segment: &str) -> Routed {
    let caller = call.user()?;
    let idempotency_key = call.idempotency_key.as_deref();
    let stored = admit(world, call, caller, segment)?;
    let channel_id = stored.id().ok_or_else(|| Reply::error(ApiErrorKind::NotFound))?;
    let body: SendMessage = call.json()?;
    if let Some(nonce) = &body.nonce
        && !world.nonces.insert(nonce.clone())
    {
        return fail(ApiErrorKind::InvalidOperation);
    }
    let flags = check_send(world, caller, &body)?;
    let attachments = body
        .attachments
        .iter()
        .flatten()
        .map(|id| super::files::use_file(world, id, &FileTag::Attachments))
        .collect::<Result<Vec<_>, _>>()?;
    let embeds = body.embeds.as_deref().unwrap_or_default();
    let replies = body.replies.as_deref().unwrap_or_default();
    let interactions = body.interactions.clone().unwrap_or_default();
    let mut mentions = Vec::new();
    let mut reply_ids = Vec::new();
    for reply in replies {
        match world.messages.get(&channel_id).and_then(|m| m.get(&reply.id)) {
            Some(target) => {
                reply_ids.push(reply.id);
                if reply.mention && !mentions.contains(&target.author) {
                    mentions.push(target.author);
                }
            }
            None if reply.fail_if_not_exists == Some(false) => {}
            None => return fail(ApiErrorKind::NotFound),
        }
    }
    let id: MessageId = world.new_id();
    let nonce = body
        .nonce
        .clone()
        .or_else(|| idempotency_key.map(str::to_owned))
        .unwrap_or_else(|| {
            let generated: MessageId = world.new_id();
            generated.to_string()
        });
    let message = Message {
        id,
        nonce: Some(nonce.into()),
        channel: channel_id,
        author: caller,
        user: None,
        member: None,
        webhook: None,
        content: body.content.as_deref().filter(|c| !c.is_empty()).map(Into::into),
        system: None,
        attachments: (!attachments.is_empty()).then_some(attachments),
        edited: None,
        embeds: (!embeds.is_empty()).then(|| embeds.iter().map(text_embed).collect()),
        mentions: (!mentions.is_empty()).then_some(mentions),
        role_mentions: None,
        replies: (!reply_ids.is_empty()).then_some(reply_ids),
        reactions: std::collections::BTreeMap::new(),
        interactions,
        masquerade: body.masquerade.clone(),
        pinned: None,
        flags,
    };
    world
        .messages
        .entry(channel_id)
        .or_default()
        .insert(id, message.clone());
    // The server's last-message task records it (and reopens a closed DM)
    // a few seconds later, without an event.
    world.record_last_message(channel_id, id);
    world.send_to_channel_as(channel_id, |receiver| {
        let mut seen = message.clone();
        seen.user = world.view_known(receiver, caller).map(Box::new);
        Event::Message(Box::new(seen))
    });
    // The HTTP response shows the author without a point of view.
    let mut response = message;
    response.user = world.accounts.get(&caller).map(|a| {
        let mut user = a.user.clone();
        user.relationship = stoat_model::RelationshipStatus::None;
        user.online = world.connected(caller);
        Box::new(user)
    });
    Ok(Reply::json(&response))
}

/// The checks before the body is read: the idempotency key (a request
/// guard, so the framework's bodies), then the channel and the permission.
fn admit(world: &mut World, call: &Call, caller: UserId, segment: &str) -> Result<Channel, Reply> {
    if let Some(key) = call.idempotency_key.as_deref() {
        if key.chars().count() > 64 {
            return Err(Reply::catcher(400, call.wants_json));
        }
        if !world.nonces.insert(key.to_owned()) {
            return Err(Reply::catcher(409, call.wants_json));
        }
    }
    // A DM you are not in exists for the server, which then refuses the permission.
    let outsider = segment
        .parse::<ChannelId>()
        .ok()
        .and_then(|id| world.dms.get(&id))
        .is_some_and(|c| !c.recipients().contains(&caller));
    if outsider {
        return Err(missing("SendMessage"));
    }
    let stored = channel(world, caller, segment)?.clone();
    if !may_send(world, caller, &stored) {
        return Err(missing("SendMessage"));
    }
    Ok(stored)
}

/// The server's checks of a message body, in its order (the route's, then
/// message creation's), against the instance's limits; returns the flags
/// as stored.
fn check_send(world: &World, caller: UserId, body: &SendMessage) -> Result<MessageFlags, Reply> {
    if body.masquerade.as_ref().is_some_and(|m| m.colour.is_some()) {
        return Err(missing("ManageRole"));
    }
    let (global, limits) = (&world.limits.global, world.user_limits(caller));
    let interactions = body.interactions.clone().unwrap_or_default();
    if interactions
        .reactions
        .as_ref()
        .is_some_and(|r| r.len() > global.message_reactions)
    {
        return fail(ApiErrorKind::InvalidOperation);
    }
    if interactions.restrict_reactions && interactions.reactions.as_ref().is_none_or(Vec::is_empty) {
        return fail(ApiErrorKind::InvalidProperty);
    }
    let attachments = body.attachments.as_deref().unwrap_or_default();
    let embeds = body.embeds.as_deref().unwrap_or_default();
    let content = body.content.as_deref().unwrap_or_default();
    let length = content.len()
        + embeds
            .iter()
            .filter_map(|e| e.description.as_ref())
            .map(String::len)
            .sum::<usize>();
    if length > limits.message_length {
        return fail(ApiErrorKind::PayloadTooLarge);
    }
    if content.is_empty() && attachments.is_empty() && embeds.is_empty() {
        return fail(ApiErrorKind::EmptyMessage);
    }
    let flags = check_flags(world, caller, body)?;
    let max = |limit: usize| u64::try_from(limit).unwrap_or(u64::MAX);
    if body
        .replies
        .as_ref()
        .is_some_and(|r| r.len() > global.message_replies)
    {
        return fail(ApiErrorKind::TooManyReplies {
            max: max(global.message_replies),
        });
    }
    if attachments.len() > limits.message_attachments {
        return fail(ApiErrorKind::TooManyAttachments {
            max: max(limits.message_attachments),
        });
    }
    if embeds.len() > global.message_embeds {
        return fail(ApiErrorKind::TooManyEmbeds {
            max: max(global.message_embeds),
        });
    }
    Ok(flags)
}

/// The flags a message is sent with, checked as the server does.
fn check_flags(world: &World, caller: UserId, body: &SendMessage) -> Result<MessageFlags, Reply> {
    let bits = body.flags.map_or(0, |f| f.bits());
    if bits > 7 {
        return fail(ApiErrorKind::InvalidProperty);
    }
    // The server reads 1, 2, 3 as bit indices: 2 suppresses, 4 mentions
    // everyone (bots only), and bit 1 means nothing.
    if bits & 4 != 0 && !world.is_bot(caller) {
        return fail(ApiErrorKind::IsNotBot);
    }
    Ok(MessageFlags::from_bits_retain(bits & 6))
}

/// A sendable embed as the server stores it.
fn text_embed(embed: &stoat_model::message::SendableEmbed) -> Embed {
    Embed::Text(TextEmbed {
        icon_url: embed.icon_url.as_deref().map(Into::into),
        url: embed.url.as_deref().map(Into::into),
        title: embed.title.as_deref().map(Into::into),
        description: embed.description.as_deref().map(Into::into),
        media: None,
        colour: embed.colour.as_deref().map(Into::into),
    })
}

/// The query of `GET /channels/{channel}/messages`, validated as the server does.
struct History {
    limit: usize,
    before: Option<MessageId>,
    after: Option<MessageId>,
    nearby: Option<MessageId>,
    oldest_first: bool,
    include_users: bool,
}

#[track_caller]
fn range_error(field: &str, value: i64) -> Reply {
    let error = format!(
        "{field}: Validation error: range [{{\"min\": Number(1.0), \"max\": Number(100.0), \"value\": Number({value})}}]"
    );
    Reply::error(ApiErrorKind::FailedValidation { error: error.into() })
}

#[track_caller]
fn id_error(field: &str, value: &str) -> Reply {
    let error = format!(
        "{field}: Validation error: length [{{\"value\": String({value:?}), \"max\": Number(26), \"min\": Number(26)}}]"
    );
    Reply::error(ApiErrorKind::FailedValidation { error: error.into() })
}

fn history_query(query: &str, wants_json: bool) -> Result<History, Reply> {
    let mut history = History {
        limit: 50,
        before: None,
        after: None,
        nearby: None,
        oldest_first: false,
        include_users: false,
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let id = |field: &str| -> Result<Option<MessageId>, Reply> {
            if value.chars().count() != 26 {
                return Err(id_error(field, value));
            }
            Ok(value.parse().ok())
        };
        match key {
            "limit" => {
                let limit: i64 = value.parse().map_err(|_| Reply::catcher(422, wants_json))?;
                if !(1..=100).contains(&limit) {
                    return Err(range_error("limit", limit));
                }
                history.limit = usize::try_from(limit).unwrap_or(50);
            }
            "before" => history.before = id("before")?,
            "after" => history.after = id("after")?,
            "nearby" => history.nearby = id("nearby")?,
            // Values that are not a sort are dropped without an error, as the server does.
            "sort" => match MessageSort::from_wire(&capitalised(value)) {
                MessageSort::Relevance => return fail(ApiErrorKind::InvalidOperation),
                MessageSort::Oldest => history.oldest_first = true,
                _ => {}
            },
            "include_users" => history.include_users = value == "true",
            _ => {}
        }
    }
    Ok(history)
}

/// Sort names are parsed without regard to case.
fn capitalised(value: &str) -> String {
    let lower = value.to_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn bulk(world: &World, caller: UserId, messages: Vec<Message>, include_users: bool) -> Reply {
    if !include_users {
        return Reply::json(&BulkMessageResponse::Messages(messages));
    }
    let mut authors: Vec<UserId> = messages.iter().map(|m| m.author).collect();
    authors.sort();
    authors.dedup();
    let users = authors
        .into_iter()
        .filter_map(|a| world.view_known(caller, a))
        .collect();
    Reply::json(&BulkMessageResponse::WithUsers(MessagesWithUsers {
        messages,
        users,
        members: None,
    }))
}

/// `GET /channels/{channel}/messages`.
pub(crate) fn history(world: &World, call: &Call, segment: &str) -> Routed {
    let caller = call.user()?;
    let id = channel(world, caller, segment)?
        .id()
        .ok_or_else(|| Reply::error(ApiErrorKind::NotFound))?;
    let query = history_query(&call.query, call.wants_json)?;
    let stored = world.messages.get(&id);
    let all = || stored.into_iter().flat_map(|m| m.values());
    let messages: Vec<Message> = if let Some(nearby) = query.nearby {
        // Newer-or-equal ascending, then older descending: not sorted overall.
        let half = query.limit / 2 + 1;
        let newer = all().filter(|m| m.id >= nearby).take(half);
        let older = all()
            .filter(|m| m.id < nearby)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .take(half);
        newer.chain(older).cloned().collect()
    } else {
        let window =
            all().filter(|m| query.before.is_none_or(|b| m.id < b) && query.after.is_none_or(|a| m.id > a));
        if query.oldest_first {
            window.take(query.limit).cloned().collect()
        } else {
            window
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .take(query.limit)
                .cloned()
                .collect()
        }
    };
    Ok(bulk(world, caller, messages, query.include_users))
}

/// `GET /channels/{channel}/messages/{message}`.
pub(crate) fn fetch_message(world: &World, call: &Call, segment: &str, message: &str) -> Routed {
    let caller = call.user()?;
    let id = channel(world, caller, segment)?
        .id()
        .ok_or_else(|| Reply::error(ApiErrorKind::NotFound))?;
    let found = message
        .parse::<MessageId>()
        .ok()
        .and_then(|m| world.messages.get(&id)?.get(&m));
    found
        .map(Reply::json)
        .ok_or_else(|| Reply::error(ApiErrorKind::NotFound))
}

/// `POST /channels/{channel}/search` (users only).
pub(crate) fn search(world: &World, call: &Call, segment: &str) -> Routed {
    let caller = call.user()?;
    if world.is_bot(caller) {
        return fail(ApiErrorKind::IsBot);
    }
    let body: SearchMessages = call.json()?;
    if body.query.is_some() && body.pinned.is_some() {
        return fail(ApiErrorKind::InvalidOperation);
    }
    let id = channel(world, caller, segment)?
        .id()
        .ok_or_else(|| Reply::error(ApiErrorKind::NotFound))?;
    let limit = usize::try_from(body.limit.unwrap_or(50).clamp(1, 100)).unwrap_or(50);
    let needle = body.query.as_deref().map(str::to_lowercase);
    let mut found: Vec<Message> = world
        .messages
        .get(&id)
        .into_iter()
        .flat_map(|m| m.values())
        .filter(|m| {
            needle
                .as_ref()
                .is_none_or(|n| m.content.as_deref().is_some_and(|c| c.to_lowercase().contains(n)))
        })
        .filter(|m| body.pinned.is_none_or(|p| m.is_pinned() == p))
        .cloned()
        .collect();
    if body.sort != Some(MessageSort::Oldest) {
        found.reverse();
    }
    found.truncate(limit);
    Ok(bulk(world, caller, found, body.include_users == Some(true)))
}

/// `PUT /channels/{channel}/ack/{message}` (users only; the id is not checked).
pub(crate) fn ack(world: &World, call: &Call, segment: &str, message: &str) -> Routed {
    let caller = call.user()?;
    if world.is_bot(caller) {
        return fail(ApiErrorKind::IsBot);
    }
    let id = channel(world, caller, segment)?
        .id()
        .ok_or_else(|| Reply::error(ApiErrorKind::NotFound))?;
    if let Ok(message_id) = message.parse() {
        world.send_to(
            caller,
            &Event::ChannelAck(ChannelAck {
                id,
                user: caller,
                message_id,
            }),
        );
    }
    Ok(Reply::no_content())
}

/// `POST /channels/{channel}/join_call`. `voice` is the node URL when voice is on.
pub(crate) fn join_call(world: &mut World, call: &Call, segment: &str, voice: Option<String>) -> Routed {
    let caller = call.user()?;
    // The body is read first: none at all is the framework's 400.
    let body: JoinCall = call.json()?;
    let Some(url) = voice else {
        return fail(ApiErrorKind::LiveKitUnavailable);
    };
    let stored = channel(world, caller, segment)?.clone();
    let id = stored.id().ok_or_else(|| Reply::error(ApiErrorKind::NotFound))?;
    if matches!(stored, Channel::SavedMessages(_)) {
        return fail(ApiErrorKind::NotAVoiceChannel);
    }
    if !may_send(world, caller, &stored) {
        return Err(missing("Connect"));
    }
    let bot = world.is_bot(caller);
    if bot && body.force_disconnect == Some(true) {
        return fail(ApiErrorKind::IsBot);
    }
    if body.node.as_deref().is_some_and(|node| node != super::VOICE_NODE) {
        return fail(ApiErrorKind::UnknownNode);
    }
    let in_call = |channel: &ChannelId| {
        world
            .voice
            .get(channel)
            .is_some_and(|p| p.iter().any(|s| s.id == caller))
    };
    let connected = if bot {
        in_call(&id)
    } else {
        world.voice.keys().any(in_call)
    };
    if connected && body.force_disconnect != Some(true) {
        return fail(ApiErrorKind::AlreadyConnected);
    }
    let token = world.new_token();
    Ok(Reply::json(&stoat_model::JoinCallResponse {
        token: token.into(),
        url: url.into(),
    }))
}

/// `PUT /channels/{channel}/end_ring/{user}`.
pub(crate) fn end_ring(world: &World, call: &Call, segment: &str, user: &str, voice: bool) -> Routed {
    let caller = call.user()?;
    if !voice {
        return fail(ApiErrorKind::LiveKitUnavailable);
    }
    let stored = channel(world, caller, segment)?;
    let id = stored.id().ok_or_else(|| Reply::error(ApiErrorKind::NotFound))?;
    if !world
        .voice
        .get(&id)
        .is_some_and(|p| p.iter().any(|s| s.id == caller))
    {
        return fail(ApiErrorKind::NotConnected);
    }
    match user.parse::<UserId>() {
        Ok(target) if stored.recipients().contains(&target) => Ok(Reply::no_content()),
        _ => fail(ApiErrorKind::NotFound),
    }
}

/// `DELETE /channels/{channel}`: closing a DM.
pub(crate) fn close(world: &mut World, call: &Call, segment: &str) -> Routed {
    let caller = call.user()?;
    let stored = channel(world, caller, segment)?.clone();
    let Channel::DirectMessage(mut dm) = stored else {
        return fail(ApiErrorKind::NoEffect);
    };
    dm.active = false;
    let id = dm.id;
    world.dms.insert(id, Channel::DirectMessage(dm));
    let data = stoat_model::channel::PartialChannel {
        active: Some(false),
        ..Default::default()
    };
    let event = Event::ChannelUpdate(Box::new(ChannelUpdate {
        id,
        data,
        clear: Vec::new(),
    }));
    world.send_to_channel(id, &event);
    Ok(Reply::no_content())
}

/// `POST /safety/report`.
pub(crate) fn report(world: &World, call: &Call) -> Routed {
    let caller = call.user()?;
    if world.is_bot(caller) {
        return fail(ApiErrorKind::IsBot);
    }
    let body: ReportContent = call.json()?;
    if let Some(context) = &body.additional_context
        && context.chars().count() > 1000
    {
        let error = "additional_context: Validation error: length".into();
        return fail(ApiErrorKind::FailedValidation { error });
    }
    match &body.content {
        ReportedContent::User {
            id, report_reason, ..
        } => {
            if report_reason.is_unknown() {
                return Err(Reply::catcher(422, call.wants_json));
            }
            if *id == caller {
                return fail(ApiErrorKind::CannotReportYourself);
            }
            if !world.accounts.contains_key(id) {
                return fail(ApiErrorKind::NotFound);
            }
        }
        ReportedContent::Message { id, report_reason } => {
            if report_reason.is_unknown() {
                return Err(Reply::catcher(422, call.wants_json));
            }
            if !world.messages.values().any(|m| m.contains_key(id)) {
                return fail(ApiErrorKind::NotFound);
            }
        }
        _ => return Err(Reply::catcher(422, call.wants_json)),
    }
    Ok(Reply::no_content())
}
