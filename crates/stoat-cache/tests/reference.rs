//! Random sequences of events give the cache the same state as a plain
//! reference model written straight from the protocol notes' rules.

use std::collections::HashMap;

use proptest::prelude::*;
use stoat_cache::Cache;
use stoat_model::channel::DirectMessage;
use stoat_model::event::{
    ChannelDelete, Event, Ready, UserPlatformWipe, UserRelationship, UserUpdate, UserVoiceStateUpdate,
    VoiceChannelJoin, VoiceChannelLeave,
};
use stoat_model::{
    Channel, ChannelId, Discriminator, FieldsUser, PartialUser, PartialUserVoiceState, Presence,
    Relationship, RelationshipStatus, Timestamp, User, UserFlags, UserId, UserStatus, UserVoiceState,
};

const POOL: u128 = 6;

fn user_id(n: u128) -> UserId {
    UserId::from_u128((1 << 100) + n)
}

fn channel_id(n: u128) -> ChannelId {
    ChannelId::from_u128((2 << 100) + n)
}

fn me() -> UserId {
    user_id(0)
}

/// The model: plain maps, each rule spelt out.
#[derive(Default)]
struct Reference {
    users: HashMap<UserId, User>,
    dm_by_user: HashMap<UserId, ChannelId>,
    channels: HashMap<ChannelId, Channel>,
    voice: HashMap<ChannelId, Vec<UserVoiceState>>,
}

impl Reference {
    fn apply(&mut self, event: &Event) {
        match event {
            Event::Ready(ready) => {
                *self = Self::default();
                for user in ready.users.iter().flatten() {
                    self.users.insert(user.id, user.clone());
                }
            }
            // Clear first, then data; unknown users are not created.
            Event::UserUpdate(u) => {
                if let Some(user) = self.users.get_mut(&u.id) {
                    user.apply_update(&u.data, &u.clear);
                }
            }
            // The other user is replaced; your relations lose the entry on None.
            Event::UserRelationship(r) => {
                self.users.insert(r.user.id, r.user.clone());
                if let Some(own) = self.users.get_mut(&r.id) {
                    own.relations.retain(|x| x.id != r.user.id);
                    if r.user.relationship != RelationshipStatus::None {
                        own.relations.push(Relationship {
                            id: r.user.id,
                            status: r.user.relationship.clone(),
                        });
                    }
                }
            }
            Event::UserPlatformWipe(w) => {
                if let Some(user) = self.users.get_mut(&w.user_id) {
                    user.flags = w.flags;
                    user.relationship = RelationshipStatus::None;
                    user.online = false;
                }
                if let Some(own) = self.users.get_mut(&me()) {
                    own.relations.retain(|x| x.id != w.user_id);
                }
                if let Some(channel) = self.dm_by_user.remove(&w.user_id) {
                    self.channels.remove(&channel);
                }
            }
            Event::ChannelCreate(channel) => {
                if let Channel::DirectMessage(dm) = &**channel {
                    if let Some(other) = dm.other_user(me()) {
                        self.dm_by_user.insert(other, dm.id);
                    }
                    self.channels.insert(dm.id, (**channel).clone());
                }
            }
            Event::ChannelDelete(d) => {
                self.channels.remove(&d.id);
                self.dm_by_user.retain(|_, c| *c != d.id);
                self.voice.remove(&d.id);
            }
            Event::VoiceChannelJoin(j) => {
                let states = self.voice.entry(j.id).or_default();
                states.retain(|s| s.id != j.state.id);
                states.push(j.state.clone());
            }
            Event::VoiceChannelLeave(l) => {
                if let Some(states) = self.voice.get_mut(&l.id) {
                    states.retain(|s| s.id != l.user);
                    if states.is_empty() {
                        self.voice.remove(&l.id);
                    }
                }
            }
            Event::UserVoiceStateUpdate(u) => {
                if let Some(state) = self
                    .voice
                    .get_mut(&u.channel_id)
                    .and_then(|s| s.iter_mut().find(|s| s.id == u.id))
                {
                    state.apply_update(&u.data);
                }
            }
            _ => {}
        }
    }
}

fn pool_user() -> impl Strategy<Value = u128> {
    0..POOL
}

fn relationship() -> impl Strategy<Value = RelationshipStatus> {
    proptest::sample::select(RelationshipStatus::KNOWN)
        .prop_filter("not you", |r| *r != RelationshipStatus::User)
}

fn status() -> impl Strategy<Value = Option<UserStatus>> {
    proptest::option::of(
        (
            proptest::option::of("[a-z]{0,3}"),
            proptest::option::of(proptest::sample::select(Presence::KNOWN)),
        )
            .prop_map(|(text, presence)| UserStatus {
                text: text.map(Into::into),
                presence,
            }),
    )
}

fn user(n: u128, relationship: RelationshipStatus) -> User {
    let mut user = User::new(user_id(n), format!("user{n}"), Discriminator::new(1).unwrap());
    user.relationship = relationship;
    user
}

fn event() -> impl Strategy<Value = Event> {
    let update = (
        pool_user(),
        proptest::option::of("[a-z]{1,3}"),
        status(),
        any::<Option<bool>>(),
        proptest::sample::subsequence(FieldsUser::KNOWN.to_vec(), 0..4),
    )
        .prop_map(|(n, name, status, online, clear)| {
            Event::UserUpdate(Box::new(UserUpdate {
                id: user_id(n),
                data: PartialUser {
                    display_name: name.map(Into::into),
                    status,
                    online,
                    ..PartialUser::default()
                },
                clear,
                event_id: None,
            }))
        });
    let relation = (1..POOL, relationship()).prop_map(|(n, status)| {
        Event::UserRelationship(Box::new(UserRelationship {
            id: me(),
            user: user(n, status),
        }))
    });
    let wipe = (1..POOL).prop_map(|n| {
        Event::UserPlatformWipe(UserPlatformWipe {
            user_id: user_id(n),
            flags: UserFlags::BANNED,
        })
    });
    let create = (1..POOL, 0..3u128).prop_map(|(n, c)| {
        Event::ChannelCreate(Box::new(Channel::DirectMessage(DirectMessage {
            id: channel_id(c),
            active: true,
            recipients: vec![me(), user_id(n)],
            last_message_id: None,
        })))
    });
    let delete = (0..3u128).prop_map(|c| Event::ChannelDelete(ChannelDelete { id: channel_id(c) }));
    let join = (pool_user(), 0..3u128, any::<bool>()).prop_map(|(n, c, mic)| {
        Event::VoiceChannelJoin(Box::new(VoiceChannelJoin {
            id: channel_id(c),
            state: UserVoiceState {
                id: user_id(n),
                joined_at: Timestamp::from_millis(0),
                is_receiving: true,
                is_publishing: mic,
                screensharing: false,
                camera: false,
            },
        }))
    });
    let leave = (pool_user(), 0..3u128).prop_map(|(n, c)| {
        Event::VoiceChannelLeave(VoiceChannelLeave {
            id: channel_id(c),
            user: user_id(n),
        })
    });
    let voice = (
        pool_user(),
        0..3u128,
        any::<Option<bool>>(),
        any::<Option<bool>>(),
    )
        .prop_map(|(n, c, mic, cam)| {
            Event::UserVoiceStateUpdate(Box::new(UserVoiceStateUpdate {
                id: user_id(n),
                channel_id: channel_id(c),
                data: PartialUserVoiceState {
                    is_publishing: mic,
                    camera: cam,
                    ..PartialUserVoiceState::default()
                },
            }))
        });
    prop_oneof![4 => update, 3 => relation, 1 => wipe, 2 => create, 1 => delete, 2 => join, 1 => leave, 2 => voice]
}

fn ready() -> Event {
    let mut users: Vec<User> = (1..POOL - 1).map(|n| user(n, RelationshipStatus::None)).collect();
    users.push(user(0, RelationshipStatus::User));
    Event::Ready(Box::new(Ready {
        users: Some(users),
        ..Ready::default()
    }))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_cache_agrees_with_the_reference(events in proptest::collection::vec(event(), 0..40)) {
        let cache = Cache::new();
        let mut reference = Reference::default();
        for event in std::iter::once(ready()).chain(events) {
            cache.update(&event);
            reference.apply(&event);
        }
        for n in 0..POOL {
            let id = user_id(n);
            prop_assert_eq!(cache.user(id), reference.users.get(&id).cloned(), "user {}", n);
            prop_assert_eq!(cache.dm_channel_id(id), reference.dm_by_user.get(&id).copied(), "dm of {}", n);
        }
        for c in 0..3 {
            let id = channel_id(c);
            prop_assert_eq!(cache.channel(id).map(|c| (*c).clone()), reference.channels.get(&id).cloned());
            let mut ours = cache.channel_voice_state(id).map(|v| v.participants).unwrap_or_default();
            let mut theirs = reference.voice.get(&id).cloned().unwrap_or_default();
            ours.sort_by_key(|s| s.id);
            theirs.sort_by_key(|s| s.id);
            prop_assert_eq!(ours, theirs);
        }
    }
}
