//! The fast path for `Ready` and the frequent Users events, built on the
//! user reader of the parent module.

use super::{
    Reader, Seen, array, boolean, id, object, optional, partial_user, serde_value, user_fast, user_or_serde,
};
use crate::event::{
    ChannelTyping, Event, EventKind, Ready, UserRelationship, UserUpdate, UserVoiceStateUpdate,
};
use crate::user::FieldsUser;
use crate::voice::PartialUserVoiceState;

/// The fast path for `Ready` and the frequent Users events; `None` means
/// "ask serde". `text` is the whole frame.
pub(crate) fn event(text: &str, kind: EventKind) -> Option<Event> {
    let mut r = Reader::new(text);
    let event = match kind {
        EventKind::Ready => Event::Ready(Box::new(ready(&mut r)?)),
        EventKind::UserUpdate => Event::UserUpdate(Box::new(user_update(&mut r)?)),
        EventKind::UserRelationship => Event::UserRelationship(Box::new(user_relationship(&mut r)?)),
        EventKind::ChannelStartTyping => Event::ChannelStartTyping(typing(&mut r)?),
        EventKind::ChannelStopTyping => Event::ChannelStopTyping(typing(&mut r)?),
        EventKind::UserVoiceStateUpdate => Event::UserVoiceStateUpdate(Box::new(voice_update(&mut r)?)),
        _ => return None,
    };
    r.at_end().then_some(event)
}

/// Walks an event object: `type` is skipped, other keys go to `field`.
fn envelope<'a>(
    r: &mut Reader<'a>,
    mut field: impl FnMut(&str, &mut Reader<'a>) -> Option<()>,
) -> Option<()> {
    let mut tag_seen = false;
    object(r, |key, r| {
        if key == "type" && !tag_seen {
            tag_seen = true;
            r.plain().map(drop)
        } else {
            field(key, r)
        }
    })
}

/// `Ready`: its users (most of a large account's `Ready`) through the fast
/// user path, every other part through serde, each read in place.
fn ready(r: &mut Reader<'_>) -> Option<Ready> {
    let mut ready = Ready::default();
    let mut seen = Seen(0);
    envelope(r, |key, r| {
        match key {
            "users" => once!(seen, 1, ready.users = optional(r, |r| array(r, user_or_serde))?),
            "servers" => once!(seen, 1 << 1, ready.servers = serde_value(r)?),
            "channels" => once!(seen, 1 << 2, ready.channels = serde_value(r)?),
            "members" => once!(seen, 1 << 3, ready.members = serde_value(r)?),
            "emojis" => once!(seen, 1 << 4, ready.emojis = serde_value(r)?),
            "voice_states" => once!(seen, 1 << 5, ready.voice_states = serde_value(r)?),
            "user_settings" => once!(seen, 1 << 6, ready.user_settings = serde_value(r)?),
            "channel_unreads" => once!(seen, 1 << 7, ready.channel_unreads = serde_value(r)?),
            "policy_changes" => once!(seen, 1 << 8, ready.policy_changes = serde_value(r)?),
            _ => return None,
        }
        Some(())
    })?;
    Some(ready)
}

fn user_update(r: &mut Reader<'_>) -> Option<UserUpdate> {
    let (mut user, mut data, mut clear, mut event_id) = (None, None, None, None);
    envelope(r, |key, r| {
        match key {
            "id" if user.is_none() => user = Some(id(r)?),
            "data" if data.is_none() => data = Some(partial_user(r)?),
            "clear" if clear.is_none() => clear = Some(optional(r, fields)?.unwrap_or_default()),
            "event_id" if event_id.is_none() => event_id = Some(optional(r, |r| r.plain().map(Box::from))?),
            _ => return None,
        }
        Some(())
    })?;
    Some(UserUpdate {
        id: user?,
        data: data?,
        clear: clear.unwrap_or_default(),
        event_id: event_id.flatten(),
    })
}

fn fields(r: &mut Reader<'_>) -> Option<Vec<FieldsUser>> {
    array(r, |r| r.plain().map(FieldsUser::from_wire))
}

fn user_relationship(r: &mut Reader<'_>) -> Option<UserRelationship> {
    let (mut me, mut user) = (None, None);
    envelope(r, |key, r| {
        match key {
            "id" if me.is_none() => me = Some(id(r)?),
            "user" if user.is_none() => user = Some(user_fast(r)?),
            _ => return None,
        }
        Some(())
    })?;
    Some(UserRelationship { id: me?, user: user? })
}

fn typing(r: &mut Reader<'_>) -> Option<ChannelTyping> {
    let (mut channel, mut user) = (None, None);
    envelope(r, |key, r| {
        match key {
            "id" if channel.is_none() => channel = Some(id(r)?),
            "user" if user.is_none() => user = Some(id(r)?),
            _ => return None,
        }
        Some(())
    })?;
    Some(ChannelTyping {
        id: channel?,
        user: user?,
    })
}

fn voice_update(r: &mut Reader<'_>) -> Option<UserVoiceStateUpdate> {
    let (mut user, mut channel, mut data) = (None, None, None);
    envelope(r, |key, r| {
        match key {
            "id" if user.is_none() => user = Some(id(r)?),
            "channel_id" if channel.is_none() => channel = Some(id(r)?),
            "data" if data.is_none() => data = Some(voice_fields(r)?),
            _ => return None,
        }
        Some(())
    })?;
    Some(UserVoiceStateUpdate {
        id: user?,
        channel_id: channel?,
        data: data?,
    })
}

/// A partial voice state; `joined_at` (rare in updates) goes to serde.
fn voice_fields(r: &mut Reader<'_>) -> Option<PartialUserVoiceState> {
    let mut p = PartialUserVoiceState::default();
    let mut seen = Seen(0);
    object(r, |key, r| {
        let (bit, slot) = match key {
            "id" => {
                seen.first(1)?;
                p.id = optional(r, id)?;
                return Some(());
            }
            "is_receiving" => (2, &mut p.is_receiving),
            "is_publishing" => (4, &mut p.is_publishing),
            "screensharing" => (8, &mut p.screensharing),
            "camera" => (16, &mut p.camera),
            _ => return None,
        };
        seen.first(bit)?;
        *slot = optional(r, boolean)?;
        Some(())
    })?;
    Some(p)
}
