//! Applying gateway events, with the server's semantics.

use std::sync::Arc;

use stoat_model::event::{
    ChannelUpdate, Event, MessageUpdate, Ready, UserPlatformWipe, UserRelationship, UserUpdate,
    UserVoiceStateUpdate,
};
use stoat_model::id::ChannelId;
use stoat_model::user::apply_update;
use stoat_model::voice::VoiceStateChanges;
use stoat_model::{
    Channel, Message, MessageId, RelationshipStatus, UserChanges, UserFields, UserId, UserVoiceState,
};

use crate::user::Edit;
use crate::{Cache, CachedUser, Resources, UserBefore};

/// What an event changed in the cache.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Update {
    /// Nothing the cache keeps (an ignored event, a resource turned off, an
    /// unknown user, or values that were already current).
    Nothing,
    /// `Ready` replaced the whole state.
    Ready {
        /// Users now cached.
        users: usize,
        /// Channels now cached.
        channels: usize,
    },
    /// A user changed.
    User(UserDiff),
    /// Your relationship with a user changed.
    Relationship {
        /// The other user.
        user: UserId,
        /// Before.
        before: RelationshipStatus,
        /// After.
        after: RelationshipStatus,
    },
    /// A user was wiped from the platform; their DM and messages are gone.
    Wiped {
        /// The user.
        user: UserId,
    },
    /// A channel was created, changed or deleted.
    Channel {
        /// The channel.
        id: ChannelId,
        /// Before (`None` when created).
        before: Option<Arc<Channel>>,
        /// After (`None` when deleted).
        after: Option<Arc<Channel>>,
    },
    /// A message was cached, changed or removed.
    Message {
        /// Its channel.
        channel: ChannelId,
        /// The message.
        id: MessageId,
        /// Before (`None` when new).
        before: Option<Arc<Message>>,
        /// After (`None` when removed).
        after: Option<Arc<Message>>,
    },
    /// A voice state changed.
    Voice {
        /// The channel.
        channel: ChannelId,
        /// The participant.
        user: UserId,
        /// Before (`None` on join).
        before: Option<UserVoiceState>,
        /// After (`None` on leave).
        after: Option<UserVoiceState>,
    },
}

/// How a user changed: which fields, and their old values. The new values
/// are in the cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserDiff {
    /// The user.
    pub id: UserId,
    /// What changed ([`UserChanges::PROFILE`]: the cached profile was dropped).
    pub changes: UserChanges,
    /// The old values of the changed fields, read when asked for.
    pub before: UserBefore,
}

impl Cache {
    /// Applies an event and says what changed: the last change, when it
    /// makes several (a `Bulk`, a `BulkMessageDelete`, a voice move);
    /// [`update_each`](Self::update_each) reports every one.
    pub fn update(&self, event: &Event) -> Update {
        match event {
            Event::Bulk(_)
            | Event::BulkMessageDelete(_)
            | Event::VoiceChannelMove(_)
            | Event::UserMoveVoiceChannel(_) => {
                let mut last = Update::Nothing;
                self.update_each(event, &mut |update| last = update);
                last
            }
            // Straight through: going by `update_each` cost a `UserUpdate`
            // a fifth more (moving the diff through its closure).
            single => self.update_one(single),
        }
    }

    /// Applies an event and reports every change it makes, in order: each
    /// item of a `Bulk`, each message a `BulkMessageDelete` removed, the
    /// leave and then the join of a voice move. What changes nothing the
    /// cache keeps reports nothing.
    ///
    /// ```
    /// # use stoat_cache::{Cache, Update};
    /// # use stoat_model::event::{Event, Format};
    /// let cache = Cache::new();
    /// let bulk = br#"{"type":"Bulk","v":[{"type":"Pong","data":0}]}"#;
    /// let mut changes = Vec::new();
    /// cache.update_each(&Event::decode(Format::Json, bulk)?, &mut |update| changes.push(update));
    /// assert!(changes.is_empty(), "a Pong changes nothing");
    /// # Ok::<(), stoat_model::event::DecodeError>(())
    /// ```
    pub fn update_each(&self, event: &Event, report: &mut impl FnMut(Update)) {
        let mut changed = |update: Update| {
            if update != Update::Nothing {
                report(update);
            }
        };
        match event {
            Event::Bulk(bulk) => {
                for item in &bulk.v {
                    self.update_each(item, report);
                }
            }
            Event::BulkMessageDelete(delete) if self.keeps(Resources::MESSAGES) => {
                for &id in &delete.ids {
                    changed(self.remove_message(delete.channel, id));
                }
            }
            Event::VoiceChannelMove(moved) if self.keeps(Resources::VOICE_STATES) => {
                changed(self.voice_leave(moved.from, moved.user));
                changed(self.voice_join(moved.to, moved.state.clone()));
            }
            Event::UserMoveVoiceChannel(moved) if self.keeps(Resources::VOICE_STATES) => {
                // Your own move: the state carries over to the new channel.
                let Some(me) = self.me_id() else { return };
                let left = self.voice_leave(moved.from, me);
                if let Update::Voice {
                    before: Some(state), ..
                } = &left
                {
                    let state = state.clone();
                    changed(left);
                    changed(self.voice_join(moved.to, state));
                }
            }
            other => changed(self.update_one(other)),
        }
    }

    /// An event that makes at most one change. Long because it is the one
    /// table from event kind to the rule that applies it (one arm each, the
    /// small edits inline): split, the table would be read in pieces.
    fn update_one(&self, event: &Event) -> Update {
        match event {
            Event::Ready(ready) => self.ready(ready),
            Event::UserUpdate(update) => match self.update_user(update) {
                Some(diff) if !diff.changes.is_empty() => Update::User(diff),
                _ => Update::Nothing,
            },
            Event::UserRelationship(update) if self.keeps(Resources::USERS) => self.user_relationship(update),
            Event::UserPlatformWipe(wipe) => self.platform_wipe(wipe),
            Event::ChannelCreate(channel) if self.keeps(Resources::CHANNELS) => {
                let after = self.store_channel((**channel).clone());
                after.map_or(Update::Nothing, |after| Update::Channel {
                    id: after.0,
                    before: after.1,
                    after: self.channel(after.0),
                })
            }
            Event::ChannelUpdate(update) if self.keeps(Resources::CHANNELS) => self.channel_update(update),
            Event::ChannelDelete(delete) => self.channel_delete(delete.id),
            Event::ChannelGroupJoin(member) if self.keeps(Resources::CHANNELS) => {
                self.group_members(member.id, |recipients| {
                    if !recipients.contains(&member.user) {
                        recipients.push(member.user);
                    }
                })
            }
            Event::ChannelGroupLeave(member) if self.keeps(Resources::CHANNELS) => {
                self.group_members(member.id, |recipients| recipients.retain(|u| *u != member.user))
            }
            Event::Message(message) => self.new_message(message),
            Event::MessageUpdate(update) if self.keeps(Resources::MESSAGES) => self.message_update(update),
            Event::MessageDelete(delete) if self.keeps(Resources::MESSAGES) => {
                self.remove_message(delete.channel, delete.id)
            }
            Event::MessageAppend(append) if self.keeps(Resources::MESSAGES) => {
                self.edit_message(append.channel, append.id, |m| {
                    m.embeds
                        .get_or_insert_with(Vec::new)
                        .extend(append.append.embeds.iter().flatten().cloned());
                })
            }
            Event::MessageReact(react) if self.keeps(Resources::MESSAGES) => {
                self.edit_message(react.channel_id, react.id, |m| {
                    let users = m.reactions.entry(react.emoji_id.clone()).or_default();
                    if !users.contains(&react.user_id) {
                        users.push(react.user_id);
                    }
                })
            }
            Event::MessageUnreact(react) if self.keeps(Resources::MESSAGES) => {
                self.edit_message(react.channel_id, react.id, |m| {
                    if let Some(users) = m.reactions.get_mut(&react.emoji_id) {
                        users.retain(|u| *u != react.user_id);
                        if users.is_empty() {
                            m.reactions.remove(&react.emoji_id);
                        }
                    }
                })
            }
            Event::MessageRemoveReaction(remove) if self.keeps(Resources::MESSAGES) => {
                self.edit_message(remove.channel_id, remove.id, |m| {
                    m.reactions.remove(&remove.emoji_id);
                })
            }
            Event::VoiceChannelJoin(join) if self.keeps(Resources::VOICE_STATES) => {
                self.voice_join(join.id, join.state.clone())
            }
            Event::VoiceChannelLeave(leave) if self.keeps(Resources::VOICE_STATES) => {
                self.voice_leave(leave.id, leave.user)
            }
            Event::UserVoiceStateUpdate(update) if self.keeps(Resources::VOICE_STATES) => {
                self.voice_update(update)
            }
            _ => Update::Nothing,
        }
    }

    /// `Ready` replaces everything, also after a reconnect.
    fn ready(&self, ready: &Ready) -> Update {
        self.clear();
        if self.keeps(Resources::USERS) {
            for user in ready.users.iter().flatten() {
                if user.relationship == RelationshipStatus::User {
                    self.set_me(Some(user.id));
                }
                self.users.insert(user.id, CachedUser::from_user(user));
            }
        } else if let Some(me) = ready.own_user() {
            self.set_me(Some(me.id));
        }
        if self.keeps(Resources::CHANNELS) {
            for channel in ready.channels.iter().flatten() {
                self.store_channel(channel.clone());
            }
        }
        if self.keeps(Resources::VOICE_STATES) {
            for state in ready.voice_states.iter().flatten() {
                self.voice.insert(state.id, state.participants.clone());
            }
        }
        Update::Ready {
            users: self.users.len(),
            channels: self.channels.len(),
        }
    }

    /// Applies a `UserUpdate`, telling a user the cache does not keep
    /// (`None`: users are not built from partials, and none are kept when
    /// [`Resources::USERS`] is off) from one it keeps (the diff, whose
    /// `changes` are empty when every value was current already).
    /// [`update`](Self::update) gives the same diff, or `Update::Nothing`
    /// for both of those.
    // Inlined into `update`: out of line, its diff goes back through memory
    // on every update (the figures are in docs/performance.md).
    #[inline]
    pub fn update_user(&self, update: &UserUpdate) -> Option<UserDiff> {
        if !self.keeps(Resources::USERS) {
            return None;
        }
        let mut entry = self.users.get_mut(&update.id)?;
        let mut edit = Edit::new(&mut entry);
        let changes = apply_update(&mut edit, &update.data, &update.clear);
        let before = edit.before(changes);
        drop(entry);
        if changes.contains(UserChanges::PROFILE) {
            self.profiles.remove(&update.id);
        }
        Some(UserDiff {
            id: update.id,
            changes,
            before,
        })
    }

    /// `id` is you; `user` is the other party with the new relationship.
    fn user_relationship(&self, update: &UserRelationship) -> Update {
        let other = update.user.id;
        let after = update.user.relationship.clone();
        let before = self.relationship(other);
        self.users.insert(other, CachedUser::from_user(&update.user));
        if let Some(mut me) = self.users.get_mut(&update.id) {
            let mut relations = me.relations();
            relations.retain(|r| r.id != other);
            if after != RelationshipStatus::None {
                relations.push(stoat_model::Relationship {
                    id: other,
                    status: after.clone(),
                });
            }
            Edit::new(&mut me).set_relations(&relations);
        }
        if before == after {
            Update::Nothing
        } else {
            Update::Relationship {
                user: other,
                before,
                after,
            }
        }
    }

    /// The server removes the user's messages, DM and relationship.
    fn platform_wipe(&self, wipe: &UserPlatformWipe) -> Update {
        let user = wipe.user_id;
        if let Some(mut entry) = self.users.get_mut(&user) {
            let mut wiped = Edit::new(&mut entry);
            wiped.set_flags(wipe.flags);
            wiped.set_relationship(&RelationshipStatus::None);
            wiped.set_online(false);
        }
        if let Some(me) = self.me_id()
            && let Some(mut own) = self.users.get_mut(&me)
        {
            let mut relations = own.relations();
            relations.retain(|r| r.id != user);
            Edit::new(&mut own).set_relations(&relations);
        }
        if let Some((_, channel)) = self.dm_by_user.remove(&user) {
            self.channels.remove(&channel);
            self.messages.remove(&channel);
        }
        for mut recent in self.messages.iter_mut() {
            recent.retain(|m| m.author != user);
        }
        Update::Wiped { user }
    }

    /// Stores a channel and indexes DMs by the other participant (saved
    /// messages by you). Returns the id and the channel it replaced.
    pub(crate) fn store_channel(&self, channel: Channel) -> Option<(ChannelId, Option<Arc<Channel>>)> {
        let id = channel.id()?;
        match &channel {
            Channel::DirectMessage(dm) => {
                let other = self.me_id().and_then(|me| dm.other_user(me));
                if let Some(other) = other {
                    self.dm_by_user.insert(other, id);
                }
            }
            Channel::SavedMessages(saved) => {
                self.dm_by_user.insert(saved.user, id);
            }
            Channel::Group(_) => {}
            // Server channels belong to another part of the SDK.
            _ => return None,
        }
        let before = self.channels.insert(id, Arc::new(channel));
        Some((id, before))
    }

    fn channel_update(&self, update: &ChannelUpdate) -> Update {
        let Some(mut entry) = self.channels.get_mut(&update.id) else {
            return Update::Nothing;
        };
        let mut channel = Channel::clone(&entry);
        if !channel.apply_update(&update.data, &update.clear) {
            return Update::Nothing;
        }
        let after = Arc::new(channel);
        let before = std::mem::replace(&mut *entry, Arc::clone(&after));
        Update::Channel {
            id: update.id,
            before: Some(before),
            after: Some(after),
        }
    }

    fn channel_delete(&self, id: ChannelId) -> Update {
        self.dm_by_user.retain(|_, channel| *channel != id);
        self.messages.remove(&id);
        self.voice.remove(&id);
        match self.channels.remove(&id) {
            Some((_, before)) => Update::Channel {
                id,
                before: Some(before),
                after: None,
            },
            None => Update::Nothing,
        }
    }

    /// Stores the author and the message; a message in a closed DM opens it
    /// again (the server does so without an event).
    fn new_message(&self, message: &Message) -> Update {
        if self.keeps(Resources::USERS)
            && let Some(author) = &message.user
        {
            // The relationship in a message is stale after new friendships
            // (a server quirk): keep the cached one.
            let source = if self.users.contains_key(&author.id) {
                crate::Source::NoPerspective
            } else {
                crate::Source::Perspective
            };
            self.insert_user((**author).clone(), source);
        }
        if self.keeps(Resources::CHANNELS)
            && let Some(mut entry) = self.channels.get_mut(&message.channel)
            && let Channel::DirectMessage(dm) = &**entry
            && (!dm.active || dm.last_message_id != Some(message.id))
        {
            let mut dm = dm.clone();
            dm.active = true;
            dm.last_message_id = Some(message.id);
            *entry = Arc::new(Channel::DirectMessage(dm));
        }
        if !self.keeps(Resources::MESSAGES) || self.message_limit == 0 {
            return Update::Nothing;
        }
        let mut stored = Message::clone(message);
        stored.user = None; // kept in the user cache instead
        let mut recent = self.messages.entry(message.channel).or_default();
        if recent.len() == self.message_limit {
            recent.pop_front();
        }
        let after = Arc::new(stored);
        recent.push_back(Arc::clone(&after));
        Update::Message {
            channel: message.channel,
            id: message.id,
            before: None,
            after: Some(after),
        }
    }

    fn message_update(&self, update: &MessageUpdate) -> Update {
        self.edit_message(update.channel, update.id, |m| {
            m.apply_update(&update.data, &update.clear);
        })
    }

    /// Changes a cached message (copy on write: readers keep their `Arc`).
    fn edit_message(&self, channel: ChannelId, id: MessageId, edit: impl FnOnce(&mut Message)) -> Update {
        let Some(mut recent) = self.messages.get_mut(&channel) else {
            return Update::Nothing;
        };
        let Some(slot) = recent.iter_mut().find(|m| m.id == id) else {
            return Update::Nothing;
        };
        let mut message = Message::clone(slot);
        edit(&mut message);
        if message == **slot {
            return Update::Nothing;
        }
        let after = Arc::new(message);
        let before = std::mem::replace(slot, Arc::clone(&after));
        Update::Message {
            channel,
            id,
            before: Some(before),
            after: Some(after),
        }
    }

    /// Changes the recipients of a cached group.
    fn group_members(&self, id: ChannelId, edit: impl FnOnce(&mut Vec<UserId>)) -> Update {
        let Some(mut entry) = self.channels.get_mut(&id) else {
            return Update::Nothing;
        };
        let Channel::Group(group) = &**entry else {
            return Update::Nothing;
        };
        let mut group = group.clone();
        edit(&mut group.recipients);
        let after = Arc::new(Channel::Group(group));
        if after == *entry {
            return Update::Nothing;
        }
        let before = std::mem::replace(&mut *entry, Arc::clone(&after));
        Update::Channel {
            id,
            before: Some(before),
            after: Some(after),
        }
    }

    fn remove_message(&self, channel: ChannelId, id: MessageId) -> Update {
        let Some(mut recent) = self.messages.get_mut(&channel) else {
            return Update::Nothing;
        };
        let Some(before) = recent
            .iter()
            .position(|m| m.id == id)
            .and_then(|at| recent.remove(at))
        else {
            return Update::Nothing;
        };
        Update::Message {
            channel,
            id,
            before: Some(before),
            after: None,
        }
    }

    fn voice_join(&self, channel: ChannelId, state: UserVoiceState) -> Update {
        let user = state.id;
        let mut states = self.voice.entry(channel).or_default();
        let before = states
            .iter()
            .position(|s| s.id == user)
            .map(|at| states.remove(at));
        states.push(state.clone());
        Update::Voice {
            channel,
            user,
            before,
            after: Some(state),
        }
    }

    fn voice_leave(&self, channel: ChannelId, user: UserId) -> Update {
        let Some(mut states) = self.voice.get_mut(&channel) else {
            return Update::Nothing;
        };
        let Some(at) = states.iter().position(|s| s.id == user) else {
            return Update::Nothing;
        };
        let before = states.remove(at);
        let empty = states.is_empty();
        drop(states);
        if empty {
            self.voice.remove_if(&channel, |_, states| states.is_empty());
        }
        Update::Voice {
            channel,
            user,
            before: Some(before),
            after: None,
        }
    }

    fn voice_update(&self, update: &UserVoiceStateUpdate) -> Update {
        let Some(mut states) = self.voice.get_mut(&update.channel_id) else {
            return Update::Nothing;
        };
        let Some(state) = states.iter_mut().find(|s| s.id == update.id) else {
            return Update::Nothing;
        };
        let before = state.clone();
        if state.apply_update(&update.data) == VoiceStateChanges::empty() {
            return Update::Nothing;
        }
        Update::Voice {
            channel: update.channel_id,
            user: update.id,
            before: Some(before),
            after: Some(state.clone()),
        }
    }
}
