//! What a bot missed while its events connection was down. The official
//! server has no resume: after a reconnect it sends a whole new `Ready`.
//! Compared with what the cache held before it, that `Ready` tells what
//! changed meanwhile, and this module turns the differences into the
//! events a bot already handles, each marked `from_ready`: users first,
//! then relationships, channels and calls. Messages are not in a `Ready`:
//! its DMs and groups are named, for the stream to fetch what was sent
//! meanwhile.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use stoat_cache::{Cache, Resources};
use stoat_model::event::{Ready, UserRelationship};
use stoat_model::{
    Channel, ChannelId, MessageId, RelationshipStatus, Timestamp, User, UserChanges, UserId, UserVoiceState,
};

use crate::Client;
use crate::event::{ChannelCreate, ChannelDelete, ChannelUpdate, Event, RelationshipUpdate, UserUpdate};
use crate::ingest::voice;

/// How far back a channel is searched for missed messages: the clocks of
/// the client and the server may differ this much.
const CLOCK_MARGIN_MS: u64 = 60_000;

/// Applies a `Ready` to the client's cache and hands out its event; after
/// the client's first, also what changed since the cache's state (the
/// connection was lost at `lost`, when known). The channels to fetch
/// missed messages from, each with the id they are new after.
pub(crate) fn apply_ready(
    client: &Client,
    state: Box<Ready>,
    session: u64,
    lost: Option<Timestamp>,
    emit: &mut impl FnMut(Event),
) -> Vec<(ChannelId, MessageId)> {
    let inner = &client.inner;
    let missed = if inner.readies.fetch_add(1, Ordering::SeqCst) > 0 {
        let lost = lost.unwrap_or_else(Timestamp::now);
        let since = MessageId::min_at(lost.unix_ms().saturating_sub(CLOCK_MARGIN_MS));
        missed(&inner.cache, &state, since)
    } else {
        Missed::default()
    };
    let event = stoat_model::Event::Ready(state);
    inner.cache.update(&event);
    let stoat_model::Event::Ready(state) = event else {
        return Vec::new();
    };
    if let Some(me) = state.own_user() {
        inner.http.set_own_id(me.id);
    }
    emit(Event::Ready(crate::event::Ready {
        session,
        state: Arc::from(state),
    }));
    missed.events.into_iter().for_each(emit);
    missed.catch_up
}

/// What the cache did not see: the events, and the channels to fetch
/// messages from (each with the id after which they are new).
#[derive(Default)]
struct Missed {
    events: Vec<Event>,
    catch_up: Vec<(ChannelId, MessageId)>,
}

/// The differences between the cache and `ready`, read before the cache
/// applies it. `lost` is an id from the moment the connection was lost:
/// messages of a channel the cache did not know are new after it.
fn missed(cache: &Cache, ready: &Ready, lost: MessageId) -> Missed {
    let mut missed = Missed::default();
    let keeps = cache.resources();
    if keeps.contains(Resources::USERS) {
        users(cache, ready, &mut missed.events);
        relationships(cache, ready, &mut missed.events);
    }
    if keeps.contains(Resources::CHANNELS) {
        channels(cache, ready, lost, &mut missed);
    }
    if keeps.contains(Resources::VOICE_STATES) {
        calls(cache, ready, &mut missed.events);
    }
    missed
}

/// A user whose parts changed (the relationship is told apart).
fn users(cache: &Cache, ready: &Ready, events: &mut Vec<Event>) {
    for new in ready.users.iter().flatten() {
        // Compared in the compact form: most users did not change, and
        // building each cached one whole would cost more.
        let differs = cache.with_user(new.id, |old| (!old.holds(new)).then(|| old.clone()));
        let Some(Some(old)) = differs else { continue };
        let (data, clear) = old.to_user(new.id).update_to(new);
        let changes = UserChanges::touched_by(&data, &clear);
        if changes.is_empty() {
            continue;
        }
        let update = stoat_model::event::UserUpdate {
            id: new.id,
            data,
            clear,
            event_id: None,
        };
        events.push(Event::UserUpdate(UserUpdate {
            update: Box::new(update),
            changes,
            before: Some(old.into_before(changes)),
            from_ready: true,
        }));
    }
}

/// Your relationships, before (your cached relations) and after (the new
/// own user's).
fn relationships(cache: &Cache, ready: &Ready, events: &mut Vec<Event>) {
    let (Some(me), Some(own)) = (cache.me_id(), ready.own_user()) else {
        return;
    };
    let statuses = |list: &[stoat_model::Relationship]| -> HashMap<UserId, RelationshipStatus> {
        list.iter().map(|r| (r.id, r.status.clone())).collect()
    };
    let (old, new) = (statuses(&cache.relations()), statuses(&own.relations));
    let mut ids: Vec<UserId> = old.keys().chain(new.keys()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let before = old.get(&id).cloned().unwrap_or_default();
        let after = new.get(&id).cloned().unwrap_or_default();
        if before == after {
            continue;
        }
        let Some(mut user) = known_user(cache, ready, id) else {
            continue;
        };
        user.relationship = after.clone();
        let change = UserRelationship { id: me, user };
        events.push(Event::Relationship(RelationshipUpdate {
            change: Box::new(change),
            before,
            after,
            from_ready: true,
        }));
    }
}

/// A user as the new `Ready` has them, or else as cached.
fn known_user(cache: &Cache, ready: &Ready, id: UserId) -> Option<User> {
    let fresh = ready.users.iter().flatten().find(|u| u.id == id).cloned();
    fresh.or_else(|| cache.user(id))
}

/// DMs and groups created, changed or gone; and where messages came.
fn channels(cache: &Cache, ready: &Ready, lost: MessageId, missed: &mut Missed) {
    let mut old: HashMap<ChannelId, Arc<Channel>> = cache
        .channels()
        .into_iter()
        .filter_map(|c| Some((c.id()?, c)))
        .collect();
    for channel in ready.channels.iter().flatten() {
        let Some(id) = channel.id().filter(|_| kept(channel)) else {
            continue;
        };
        let before = old.remove(&id);
        if !matches!(channel, Channel::SavedMessages(_)) {
            // A channel's `last_message_id` is no guide: the server updates
            // it seconds after a message. Whatever came after the loss is
            // fetched; what was handed out already is not handed out again.
            let newest = cache.messages(id).last().map(|m| m.id);
            missed
                .catch_up
                .push((id, newest.map_or(lost, |newest| newest.max(lost))));
        }
        let after = Arc::new(channel.clone());
        let event = match before {
            None => Event::ChannelCreate(ChannelCreate {
                channel: after,
                from_ready: true,
            }),
            Some(before) if *before == *after => continue,
            Some(before) => Event::ChannelUpdate(ChannelUpdate {
                id,
                raw: None,
                before: Some(before),
                after: Some(after),
                from_ready: true,
            }),
        };
        missed.events.push(event);
    }
    let mut gone: Vec<_> = old.into_iter().collect();
    gone.sort_unstable_by_key(|(id, _)| *id);
    for (id, before) in gone {
        missed.events.push(Event::ChannelDelete(ChannelDelete {
            id,
            before: Some(before),
            from_ready: true,
        }));
    }
}

/// The kinds the cache keeps (server channels belong elsewhere).
fn kept(channel: &Channel) -> bool {
    matches!(
        channel,
        Channel::DirectMessage(_) | Channel::Group(_) | Channel::SavedMessages(_)
    )
}

/// Joins, leaves and changes of the calls.
fn calls(cache: &Cache, ready: &Ready, events: &mut Vec<Event>) {
    let key = |channel: ChannelId, state: &UserVoiceState| (channel, state.id);
    let mut old: HashMap<(ChannelId, UserId), UserVoiceState> = cache
        .voice_states()
        .into_iter()
        .flat_map(|call| call.participants.into_iter().map(move |s| (key(call.id, &s), s)))
        .collect();
    for call in ready.voice_states.iter().flatten() {
        for state in &call.participants {
            let before = old.remove(&key(call.id, state));
            if before.as_ref() != Some(state) {
                events.push(voice(call.id, state.id, before, Some(state.clone())).learned_from_ready());
            }
        }
    }
    let mut left: Vec<_> = old.into_iter().collect();
    left.sort_unstable_by_key(|((channel, user), _)| (*channel, *user));
    for ((channel, user), before) in left {
        events.push(voice(channel, user, Some(before), None).learned_from_ready());
    }
}
