//! An in-memory cache of what a Stoat client knows about users: users (in a
//! compact form), your own user and relations, DM channels and which user
//! each belongs to, voice states, profiles and a bounded number of recent
//! messages per channel.
//!
//! Feed it every gateway event with [`Cache::update`]; it applies each one
//! with the server's semantics (for `UserUpdate`: clears first, then data)
//! and says what changed. It depends on `stoat-model` only, so events can
//! come from any transport.
//!
//! Reads return owned values or `Arc`s, or run a closure: no lock guard ever
//! leaves the cache, so none can be held across an `.await`.
//!
//! ```
//! use stoat_cache::{Cache, Update};
//! use stoat_model::event::{Event, Format};
//!
//! let cache = Cache::new();
//! let ready = br#"{"type":"Ready","users":[{"_id":"01M860DVV8WZCHA5KA04G45WJS","username":"alice",
//!     "discriminator":"9162","relationship":"User","online":true}]}"#;
//! cache.update(&Event::decode(Format::Json, ready)?);
//! let update = br#"{"type":"UserUpdate","id":"01M860DVV8WZCHA5KA04G45WJS",
//!     "data":{"display_name":"Alice"},"clear":[],"event_id":null}"#;
//! let Update::User(diff) = cache.update(&Event::decode(Format::Json, update)?) else { panic!() };
//! assert_eq!(diff.before.display_name(), None);
//! assert_eq!(cache.me().unwrap().display_name.as_deref(), Some("Alice"));
//! # Ok::<(), stoat_model::event::DecodeError>(())
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod apply;
mod user;

use std::collections::VecDeque;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, RwLock};

use bitflags::bitflags;
use dashmap::DashMap;
use stoat_model::id::ChannelId;
use stoat_model::{
    Channel, ChannelVoiceState, Message, MessageId, Relationship, RelationshipStatus, User, UserId,
    UserProfile, UserVoiceState,
};

pub use apply::{Update, UserDiff};
pub use user::{CachedUser, UserBefore};

bitflags! {
    /// What the cache keeps; the rest of each event is ignored.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Resources: u8 {
        /// Users, your own user and relations.
        const USERS = 1;
        /// DM, group and saved-messages channels, and the user → DM index.
        const CHANNELS = 1 << 1;
        /// Voice states per channel.
        const VOICE_STATES = 1 << 2;
        /// Recent messages per channel.
        const MESSAGES = 1 << 3;
        /// Profiles given to [`Cache::insert_profile`].
        const PROFILES = 1 << 4;
    }
}

impl Default for Resources {
    fn default() -> Self {
        Self::all()
    }
}

/// Where a user given to [`Cache::insert_user`] comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// A response that shows the user from your point of view (fetch user,
    /// friend and block responses): replaces the cached user.
    Perspective,
    /// A response built without your point of view (the change-username
    /// response, the author in a message-send response): its
    /// `relationship`, `online`, `status` and `relations` are not trusted,
    /// the cached ones are kept.
    NoPerspective,
}

/// Counts of what the cache holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Users.
    pub users: usize,
    /// Channels.
    pub channels: usize,
    /// Users with a known DM channel.
    pub dm_index: usize,
    /// Channels with a call in progress.
    pub voice_channels: usize,
    /// Participants over all calls.
    pub voice_states: usize,
    /// Recent messages over all channels.
    pub messages: usize,
    /// Profiles.
    pub profiles: usize,
    /// Estimated bytes held by users: inline entries, table slack, and
    /// their boxed parts (allocator overhead not counted).
    pub user_bytes: usize,
}

/// Hashes ids for the users map. Ids are issued by the server (a timestamp
/// and 80 random bits, the random ones last), not chosen by whoever sends
/// them, so one multiply per half mixes them enough; SipHash, run twice
/// per lookup (once to pick the shard, once inside it), was a seventh of
/// the cost of an update.
#[derive(Clone, Copy, Debug, Default)]
struct IdHash(u64);

impl Hasher for IdHash {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(26) ^ value).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type IdHasher = BuildHasherDefault<IdHash>;

/// The cache. Cheap to share: wrap it in an `Arc`.
#[derive(Debug)]
pub struct Cache {
    resources: Resources,
    message_limit: usize,
    me: RwLock<Option<UserId>>,
    users: DashMap<UserId, CachedUser, IdHasher>,
    profiles: DashMap<UserId, Arc<UserProfile>>,
    channels: DashMap<ChannelId, Arc<Channel>>,
    dm_by_user: DashMap<UserId, ChannelId>,
    voice: DashMap<ChannelId, Vec<UserVoiceState>>,
    messages: DashMap<ChannelId, VecDeque<Arc<Message>>>,
}

impl Default for Cache {
    fn default() -> Self {
        Self::new()
    }
}

impl Cache {
    /// How many recent messages per channel are kept by default (stoat.py
    /// keeps 1000 over all channels; per channel, 100 covers a screen).
    pub const DEFAULT_MESSAGE_LIMIT: usize = 100;

    /// A cache that keeps everything.
    pub fn new() -> Self {
        Self::with_resources(Resources::all(), Self::DEFAULT_MESSAGE_LIMIT)
    }

    /// A cache that keeps only `resources`, and at most `message_limit`
    /// recent messages per channel.
    pub fn with_resources(resources: Resources, message_limit: usize) -> Self {
        Self {
            resources,
            message_limit,
            me: RwLock::new(None),
            users: DashMap::with_hasher(IdHasher::default()),
            profiles: DashMap::new(),
            channels: DashMap::new(),
            dm_by_user: DashMap::new(),
            voice: DashMap::new(),
            messages: DashMap::new(),
        }
    }

    /// What the cache keeps.
    pub fn resources(&self) -> Resources {
        self.resources
    }

    fn keeps(&self, resource: Resources) -> bool {
        self.resources.contains(resource)
    }

    /// Your own id, once `Ready` told it.
    pub fn me_id(&self) -> Option<UserId> {
        *self.me.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn set_me(&self, id: Option<UserId>) {
        *self.me.write().unwrap_or_else(std::sync::PoisonError::into_inner) = id;
    }

    /// Your own user.
    pub fn me(&self) -> Option<User> {
        self.user(self.me_id()?)
    }

    /// A user.
    pub fn user(&self, id: UserId) -> Option<User> {
        self.users.get(&id).map(|u| u.to_user(id))
    }

    /// Runs `read` on a cached user without copying it out. Do not call
    /// back into the cache from `read`.
    pub fn with_user<R>(&self, id: UserId, read: impl FnOnce(&CachedUser) -> R) -> Option<R> {
        self.users.get(&id).map(|u| read(&u))
    }

    /// Your relationship with a user (`None` when unknown).
    pub fn relationship(&self, id: UserId) -> RelationshipStatus {
        if Some(id) == self.me_id() {
            return RelationshipStatus::User;
        }
        self.with_user(id, CachedUser::relationship).unwrap_or_default()
    }

    /// Your relations.
    pub fn relations(&self) -> Vec<Relationship> {
        self.me_id()
            .and_then(|me| self.with_user(me, CachedUser::relations))
            .unwrap_or_default()
    }

    /// Puts a user fetched over REST into the cache.
    pub fn insert_user(&self, user: User, source: Source) {
        if !self.keeps(Resources::USERS) {
            return;
        }
        let id = user.id;
        let mut user = user;
        if source == Source::NoPerspective
            && let Some(cached) = self.users.get(&id)
        {
            let known = cached.to_user(id);
            user.relationship = known.relationship;
            user.online = known.online;
            user.status = known.status;
            user.relations = known.relations;
        }
        self.users.insert(id, CachedUser::from_user(&user));
    }

    /// Puts your own user, fetched over REST (`GET /users/@me`), into the
    /// cache, and remembers it as you (as `Ready` does): so DMs can be
    /// filed under the other user before any events connection.
    pub fn insert_me(&self, user: User) {
        self.set_me(Some(user.id));
        self.insert_user(user, Source::Perspective);
    }

    /// A cached profile (profiles arrive only over REST: put them in with
    /// [`insert_profile`](Self::insert_profile)). Profile clears in
    /// `UserUpdate` drop it.
    pub fn profile(&self, id: UserId) -> Option<Arc<UserProfile>> {
        self.profiles.get(&id).map(|p| Arc::clone(&p))
    }

    /// Keeps a fetched profile until a `UserUpdate` clears part of it.
    pub fn insert_profile(&self, id: UserId, profile: UserProfile) {
        if self.keeps(Resources::PROFILES) {
            self.profiles.insert(id, Arc::new(profile));
        }
    }

    /// A channel.
    pub fn channel(&self, id: ChannelId) -> Option<Arc<Channel>> {
        self.channels.get(&id).map(|c| Arc::clone(&c))
    }

    /// Every cached channel.
    pub fn channels(&self) -> Vec<Arc<Channel>> {
        self.channels.iter().map(|c| Arc::clone(c.value())).collect()
    }

    /// The DM channel with a user (your saved messages for your own id).
    pub fn dm_channel_id(&self, user: UserId) -> Option<ChannelId> {
        self.dm_by_user.get(&user).map(|c| *c)
    }

    /// The DM channel with a user.
    pub fn dm_channel(&self, user: UserId) -> Option<Arc<Channel>> {
        self.channel(self.dm_channel_id(user)?)
    }

    /// Remembers the DM channel opened over REST (`GET /users/{id}/dm`).
    pub fn insert_channel(&self, channel: Channel) {
        if self.keeps(Resources::CHANNELS) {
            self.store_channel(channel);
        }
    }

    /// A participant's voice state.
    pub fn voice_state(&self, channel: ChannelId, user: UserId) -> Option<UserVoiceState> {
        self.voice.get(&channel)?.iter().find(|s| s.id == user).cloned()
    }

    /// Everyone in a channel's call.
    pub fn channel_voice_state(&self, channel: ChannelId) -> Option<ChannelVoiceState> {
        self.voice.get(&channel).map(|states| ChannelVoiceState {
            id: channel,
            participants: states.clone(),
        })
    }

    /// Every call the cache knows of, with its participants.
    pub fn voice_states(&self) -> Vec<ChannelVoiceState> {
        self.voice
            .iter()
            .map(|entry| ChannelVoiceState {
                id: *entry.key(),
                participants: entry.value().clone(),
            })
            .collect()
    }

    /// The call a user is in, with their state.
    pub fn user_voice_state(&self, user: UserId) -> Option<(ChannelId, UserVoiceState)> {
        self.voice.iter().find_map(|entry| {
            entry
                .iter()
                .find(|s| s.id == user)
                .map(|s| (*entry.key(), s.clone()))
        })
    }

    /// A recent message.
    pub fn message(&self, channel: ChannelId, id: MessageId) -> Option<Arc<Message>> {
        self.messages.get(&channel)?.iter().find(|m| m.id == id).cloned()
    }

    /// The recent messages of a channel, oldest first.
    pub fn messages(&self, channel: ChannelId) -> Vec<Arc<Message>> {
        self.messages
            .get(&channel)
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// What the cache holds.
    pub fn stats(&self) -> Stats {
        // A slot is the key, the value and a control byte; the table has
        // 8 slots for every 7 it may fill (hashbrown's load factor), and
        // `capacity` counts the fillable ones.
        let slot = size_of::<UserId>() + size_of::<CachedUser>() + 1;
        let user_bytes =
            self.users.capacity() * 8 / 7 * slot + self.users.iter().map(|u| u.heap_bytes()).sum::<usize>();
        Stats {
            users: self.users.len(),
            channels: self.channels.len(),
            dm_index: self.dm_by_user.len(),
            voice_channels: self.voice.len(),
            voice_states: self.voice.iter().map(|v| v.len()).sum(),
            messages: self.messages.iter().map(|m| m.len()).sum(),
            profiles: self.profiles.len(),
            user_bytes,
        }
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.set_me(None);
        self.users.clear();
        self.profiles.clear();
        self.channels.clear();
        self.dm_by_user.clear();
        self.voice.clear();
        self.messages.clear();
    }
}

// Compile-time promises: the cache is shared between tasks.
const _: () = {
    const fn send_sync_unpin<T: Send + Sync + Unpin>() {}
    send_sync_unpin::<Cache>();
    send_sync_unpin::<CachedUser>();
    send_sync_unpin::<Update>();
    send_sync_unpin::<UserDiff>();
    send_sync_unpin::<UserBefore>();
};
