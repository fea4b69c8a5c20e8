//! From what the server sent to the events a bot receives: each server
//! event is applied to the cache, and the cache's own report of what it
//! changed (`update_each`) gives the before and after. Where the cache
//! keeps nothing (a user or message it does not have, a resource turned
//! off) the event is still made whole from what the server sent.

use std::cell::Cell;
use std::sync::Arc;

use stoat_cache::{Cache, Update, UserDiff};
use stoat_model::Event as ServerEvent;
use stoat_model::{ChannelId, MessageId, UserChanges};

use crate::dedup::Seen;

use crate::event::{
    Ack, ChannelCreate, ChannelDelete, ChannelUpdate, Event, MessageChange, MessageCreate, MessageDelete,
    MessageUpdate, Other, PlatformWipe, RelationshipUpdate, Typing, UserUpdate, VoiceStateUpdate,
};

thread_local! {
    /// Where the cache's reports of one event are gathered: kept, so that
    /// no event allocates for them.
    static REPORTS: Cell<Vec<Update>> = const { Cell::new(Vec::new()) };
}

/// Applies `event` to `cache` and hands each event it makes to `emit`:
/// one for most, one per message of a bulk deletion, a leave and a join for
/// a voice move, one per item of a `Bulk`. What was handed out already
/// (`seen`) is not, again.
pub(crate) fn ingest(cache: &Cache, seen: &Seen, event: ServerEvent, emit: &mut impl FnMut(Event)) {
    match event {
        ServerEvent::Bulk(bulk) => {
            for item in bulk.v {
                ingest(cache, seen, item, emit);
            }
            return;
        }
        ServerEvent::UserUpdate(update) => return ingest_user_update(cache, seen, update, emit),
        ServerEvent::Message(ref message) if !seen.new_message(message.id) => return,
        _ => {}
    }
    if reports_several(&event) {
        // Taken out while in use: an `emit` that ingests again gets a new one.
        let mut reports = REPORTS.take();
        cache.update_each(&event, &mut |update| reports.push(update));
        translate(event, reports.drain(..), emit);
        REPORTS.set(reports);
        return;
    }
    // Most events change one thing: straight through, nothing gathered.
    let update = cache.update(&event);
    if update == Update::Nothing {
        translate(event, std::iter::empty(), emit);
    } else if !repeats_the_cache(&event, &update) {
        translate(event, std::iter::once(update), emit);
    }
}

/// Whether the cache may report several changes for `event`.
fn reports_several(event: &ServerEvent) -> bool {
    matches!(
        event,
        ServerEvent::BulkMessageDelete(_)
            | ServerEvent::VoiceChannelMove(_)
            | ServerEvent::UserMoveVoiceChannel(_)
    )
}

/// A user update, applied to the cache, then handed out with what it
/// changed and the old values; unless it repeats what the cache holds (a
/// duplicate, or news already known). An update with nothing in it is how
/// the server says a profile changed; it goes on.
fn ingest_user_update(
    cache: &Cache,
    seen: &Seen,
    update: Box<stoat_model::event::UserUpdate>,
    emit: &mut impl FnMut(Event),
) {
    if !seen.new_user_update(&update) {
        return;
    }
    let diff = cache.update_user(&update);
    let kept_as_is = diff.as_ref().is_some_and(|diff| diff.changes.is_empty());
    if kept_as_is && !UserChanges::touched_by(&update.data, &update.clear).is_empty() {
        return;
    }
    let diff = diff.filter(|diff| !diff.changes.is_empty());
    emit(Event::UserUpdate(user_update(update, diff)));
}

/// Whether `event` tells what the cache held already: a channel created
/// again as it was. That is a duplicate, not news.
fn repeats_the_cache(event: &ServerEvent, report: &Update) -> bool {
    matches!(
        (event, report),
        (
            ServerEvent::ChannelCreate(_),
            Update::Channel {
                before: Some(before),
                after: Some(after),
                ..
            },
        ) if before == after
    )
}

/// The events of one server event, given what the cache reported of it.
///
/// Long on purpose (about 60 lines): one short arm per event kind.
fn translate(event: ServerEvent, mut updates: impl Iterator<Item = Update>, emit: &mut impl FnMut(Event)) {
    let event = match event {
        ServerEvent::UserRelationship(change) => {
            let (before, after) = updates
                .find_map(|u| match u {
                    Update::Relationship { before, after, .. } => Some((before, after)),
                    _ => None,
                })
                // Not kept, or no change: the server's word on the new one.
                .unwrap_or_else(|| (change.user.relationship.clone(), change.user.relationship.clone()));
            Event::Relationship(RelationshipUpdate {
                change,
                before,
                after,
                from_ready: false,
            })
        }
        ServerEvent::Message(message) => Event::Message(MessageCreate {
            message: Arc::from(message),
            from_ready: false,
        }),
        ServerEvent::BulkMessageDelete(bulk) => {
            let mut removed: Vec<Update> = updates.collect();
            for id in bulk.ids {
                let before = message_before(&mut removed, id);
                emit(Event::MessageDelete(MessageDelete {
                    channel: bulk.channel,
                    id,
                    before,
                }));
            }
            return;
        }
        ServerEvent::MessageDelete(deleted) => Event::MessageDelete(MessageDelete {
            channel: deleted.channel,
            id: deleted.id,
            before: updates.find_map(message_old),
        }),
        ServerEvent::VoiceChannelMove(moved) => {
            let (leave, join) = voice_move(updates);
            emit(leave.unwrap_or_else(|| voice(moved.from, moved.user, None, None)));
            join.unwrap_or_else(|| voice(moved.to, moved.user, None, Some(moved.state)))
        }
        ServerEvent::UserMoveVoiceChannel(moved) => match voice_move(updates) {
            (Some(leave), Some(join)) => {
                emit(leave);
                join
            }
            // Your own state was not cached: nothing to tell of it.
            _ => other(ServerEvent::UserMoveVoiceChannel(moved)),
        },
        event => match updates.next() {
            Some(update) => from_the_cache(event, update),
            None => from_the_server(event),
        },
    };
    emit(event);
}

/// A user update: the cache's diff (when it keeps the user) says what
/// changed and what it was; else the update's own parts.
fn user_update(update: Box<stoat_model::event::UserUpdate>, diff: Option<UserDiff>) -> UserUpdate {
    let (changes, before) = match diff {
        Some(diff) => (diff.changes, Some(diff.before)),
        None => (UserChanges::touched_by(&update.data, &update.clear), None),
    };
    UserUpdate {
        update,
        changes,
        before,
        from_ready: false,
    }
}

/// An event of which the cache reported a change.
fn from_the_cache(event: ServerEvent, update: Update) -> Event {
    match (update, event) {
        (
            Update::Message {
                channel,
                id,
                before,
                after,
            },
            event,
        ) => match message_change(event) {
            Ok((_, _, change)) => Event::MessageUpdate(MessageUpdate {
                channel,
                id,
                change,
                before,
                after,
            }),
            Err(event) => from_the_server(event),
        },
        (Update::Channel { id, before, after }, event) => channel_event(id, before, after, event),
        (
            Update::Voice {
                channel,
                user,
                before,
                after,
            },
            _,
        ) => voice(channel, user, before, after),
        (_, event) => from_the_server(event),
    }
}

/// A channel's creation, change or deletion, as the cache saw it.
fn channel_event(
    id: ChannelId,
    before: Option<Arc<stoat_model::Channel>>,
    after: Option<Arc<stoat_model::Channel>>,
    event: ServerEvent,
) -> Event {
    match (before, after) {
        (None, Some(channel)) => Event::ChannelCreate(ChannelCreate {
            channel,
            from_ready: false,
        }),
        (before, None) => Event::ChannelDelete(ChannelDelete {
            id,
            before,
            from_ready: false,
        }),
        (before, after) => Event::ChannelUpdate(ChannelUpdate {
            id,
            raw: Some(Arc::new(event)),
            before,
            after,
            from_ready: false,
        }),
    }
}

/// An event the cache had nothing to say about, as the server gave it.
fn from_the_server(event: ServerEvent) -> Event {
    match event {
        ServerEvent::ChannelStartTyping(typing) => Event::Typing(Typing {
            channel: typing.id,
            user: typing.user,
            started: true,
        }),
        ServerEvent::ChannelStopTyping(typing) => Event::Typing(Typing {
            channel: typing.id,
            user: typing.user,
            started: false,
        }),
        ServerEvent::ChannelAck(ack) => Event::Ack(Ack {
            channel: ack.id,
            message: ack.message_id,
        }),
        ServerEvent::ChannelCreate(channel) => Event::ChannelCreate(ChannelCreate {
            channel: Arc::from(channel),
            from_ready: false,
        }),
        ServerEvent::ChannelDelete(deleted) => Event::ChannelDelete(ChannelDelete {
            id: deleted.id,
            before: None,
            from_ready: false,
        }),
        ServerEvent::ChannelUpdate(update) => {
            let id = update.id;
            channel_event(id, None, None, ServerEvent::ChannelUpdate(update))
        }
        ServerEvent::UserPlatformWipe(wipe) => Event::PlatformWipe(PlatformWipe {
            user: wipe.user_id,
            flags: wipe.flags,
        }),
        // Voice states not kept: a join still says who joined, and how; a
        // leave who left.
        ServerEvent::VoiceChannelJoin(join) => voice(join.id, join.state.id, None, Some(join.state)),
        ServerEvent::VoiceChannelLeave(leave) => voice(leave.id, leave.user, None, None),
        event => match message_change(event) {
            Ok((channel, id, change)) => Event::MessageUpdate(MessageUpdate {
                channel,
                id,
                change,
                before: None,
                after: None,
            }),
            Err(event) => other(event),
        },
    }
}

/// The message an edit or a reaction is about and what it does, or the
/// event back when it is none of those.
fn message_change(event: ServerEvent) -> Result<(ChannelId, MessageId, MessageChange), ServerEvent> {
    Ok(match event {
        ServerEvent::MessageUpdate(edit) => {
            let change = MessageChange::Edit {
                data: Box::new(edit.data),
                clear: edit.clear,
            };
            (edit.channel, edit.id, change)
        }
        ServerEvent::MessageAppend(append) => (
            append.channel,
            append.id,
            MessageChange::Append(Box::new(append.append)),
        ),
        ServerEvent::MessageReact(reaction) => {
            let change = MessageChange::React {
                user: reaction.user_id,
                emoji: reaction.emoji_id,
            };
            (reaction.channel_id, reaction.id, change)
        }
        ServerEvent::MessageUnreact(reaction) => {
            let change = MessageChange::Unreact {
                user: reaction.user_id,
                emoji: reaction.emoji_id,
            };
            (reaction.channel_id, reaction.id, change)
        }
        ServerEvent::MessageRemoveReaction(removed) => {
            let change = MessageChange::RemoveReaction {
                emoji: removed.emoji_id,
            };
            (removed.channel_id, removed.id, change)
        }
        other => return Err(other),
    })
}

fn other(event: ServerEvent) -> Event {
    Event::Other(Other {
        event: Arc::new(event),
    })
}

pub(crate) fn voice(
    channel: ChannelId,
    user: stoat_model::UserId,
    before: Option<stoat_model::UserVoiceState>,
    after: Option<stoat_model::UserVoiceState>,
) -> Event {
    Event::VoiceState(VoiceStateUpdate {
        channel,
        user,
        before,
        after,
        from_ready: false,
    })
}

/// The leave and the join the cache reported of a voice move (either may
/// be missing: the state was not cached, or voice states are not kept).
fn voice_move(updates: impl Iterator<Item = Update>) -> (Option<Event>, Option<Event>) {
    let (mut leave, mut join) = (None, None);
    for update in updates {
        if let Update::Voice {
            channel,
            user,
            before,
            after,
        } = update
        {
            let slot = if after.is_none() { &mut leave } else { &mut join };
            *slot = Some(voice(channel, user, before, after));
        }
    }
    (leave, join)
}

/// The old message of a message report.
fn message_old(update: Update) -> Option<Arc<stoat_model::Message>> {
    match update {
        Update::Message { before, .. } => before,
        _ => None,
    }
}

/// The cached message a bulk deletion removed with id `id`, if any.
fn message_before(removed: &mut Vec<Update>, id: MessageId) -> Option<Arc<stoat_model::Message>> {
    let at = removed
        .iter()
        .position(|u| matches!(u, Update::Message { id: removed, .. } if *removed == id))?;
    message_old(removed.swap_remove(at))
}
