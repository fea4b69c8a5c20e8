//! Where things live in Redis, and which partition an event belongs to.

use stoat_model::Event;

/// The Redis keys of one bot's stream, under a prefix.
#[derive(Clone, Debug)]
pub(crate) struct Keys {
    prefix: String,
}

impl Keys {
    pub(crate) fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    /// The stream of events.
    pub(crate) fn stream(&self) -> String {
        format!("{}:events", self.prefix)
    }

    /// The last sequence number published.
    pub(crate) fn seq(&self) -> String {
        format!("{}:seq", self.prefix)
    }

    /// The last `Ready` (its sequence number and payload), for workers that
    /// start later.
    pub(crate) fn ready(&self) -> String {
        format!("{}:ready", self.prefix)
    }

    /// The live workers, scored by their last heartbeat.
    pub(crate) fn workers(&self) -> String {
        format!("{}:workers", self.prefix)
    }

    /// The prefix of partition keys (`{prefix}:lease:{n}`, `{prefix}:offset:{n}`).
    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    pub(crate) fn lease(&self, partition: u32) -> String {
        format!("{}:lease:{partition}", self.prefix)
    }

    pub(crate) fn offset(&self, partition: u32) -> String {
        format!("{}:offset:{partition}", self.prefix)
    }
}

/// The stream id of sequence number `seq`. Ids are the publisher's own
/// numbers, one after the other, so that a worker sees a gap at once, and a
/// publish retried after a lost answer is recognised.
pub(crate) fn stream_id(seq: u64) -> String {
    format!("0-{seq}")
}

/// The sequence number of a stream id written by [`stream_id`].
pub(crate) fn parse_seq(id: &str) -> Option<u64> {
    id.strip_prefix("0-")?.parse().ok()
}

/// The partition of `event`: by channel for channel and message events, by
/// user for user events, 0 for the rest (`Ready` among them). A stable
/// hash (FNV-1a of the id's text), so that any build of the publisher
/// agrees.
pub(crate) fn partition_of(event: &Event, partitions: u32) -> u32 {
    let Some(key) = routing_key(event) else {
        return 0;
    };
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    u32::try_from(hash % u64::from(partitions.max(1))).unwrap_or(0)
}

fn routing_key(event: &Event) -> Option<String> {
    let channel = match event {
        Event::Message(message) => message.channel,
        Event::MessageUpdate(update) => update.channel,
        Event::MessageAppend(append) => append.channel,
        Event::MessageDelete(delete) => delete.channel,
        Event::BulkMessageDelete(bulk) => bulk.channel,
        Event::MessageReact(reaction) | Event::MessageUnreact(reaction) => reaction.channel_id,
        Event::MessageRemoveReaction(removed) => removed.channel_id,
        Event::ChannelStartTyping(typing) | Event::ChannelStopTyping(typing) => typing.id,
        Event::ChannelAck(ack) => ack.id,
        Event::ChannelCreate(channel) => channel.id()?,
        Event::ChannelUpdate(update) => update.id,
        Event::ChannelDelete(delete) => delete.id,
        Event::ChannelGroupJoin(member) | Event::ChannelGroupLeave(member) => member.id,
        Event::VoiceChannelJoin(join) => join.id,
        Event::VoiceChannelLeave(leave) => leave.id,
        Event::VoiceChannelMove(moved) => moved.to,
        Event::UserVoiceStateUpdate(update) => update.channel_id,
        Event::UserUpdate(update) => return Some(update.id.to_string()),
        Event::UserRelationship(change) => return Some(change.id.to_string()),
        Event::UserPlatformWipe(wipe) => return Some(wipe.user_id.to_string()),
        _ => return None,
    };
    Some(channel.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use stoat_model::event::Format;

    #[test]
    fn a_channel_s_events_share_a_partition() {
        let decode = |text: &str| Event::decode(Format::Json, text.as_bytes()).expect("decodes");
        let typing = decode(
            r#"{"type":"ChannelStartTyping","id":"01HZZZZZZZZZZZZZZZZZZZZZZZ","user":"01HZZZZZZZZZZZZZZZZZZZZZZ1"}"#,
        );
        let delete = decode(
            r#"{"type":"MessageDelete","id":"01HZZZZZZZZZZZZZZZZZZZZZZ2","channel":"01HZZZZZZZZZZZZZZZZZZZZZZZ"}"#,
        );
        assert_eq!(partition_of(&typing, 16), partition_of(&delete, 16));
        assert!(partition_of(&typing, 16) < 16);
        assert_eq!(partition_of(&typing, 1), 0);
        assert_eq!(parse_seq(&stream_id(42)), Some(42));
        assert_eq!(parse_seq("12-0"), None);
    }
}
