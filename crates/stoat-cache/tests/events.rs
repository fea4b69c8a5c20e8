//! Each event the cache applies, on recorded and constructed payloads.

use std::path::Path;

use serde_json::{Value, json};
use stoat_cache::{Cache, Resources, Source, Update};
use stoat_model::event::{Event, Format};
use stoat_model::{Channel, ChannelId, FieldsUser, Presence, RelationshipStatus, UserChanges, UserId};

fn fixture(path: &str) -> Value {
    let full = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path);
    serde_json::from_str(&std::fs::read_to_string(full).unwrap()).unwrap()
}

fn event(value: &Value) -> Event {
    Event::decode(Format::Json, value.to_string().as_bytes()).unwrap()
}

/// Replays a recorded session frame by frame.
fn replay(cache: &Cache, session: &str) {
    for frame in fixture(session).as_array().unwrap() {
        if let Some(data) = frame.get("data") {
            cache.update(&event(data));
        }
    }
}

fn id<M>(text: &str) -> stoat_model::Id<M> {
    text.parse().unwrap()
}

const ALICE: &str = "01M860DVV8WZCHA5KA04G45WJS";
const BOB: &str = "01M860DWP0XZA197KFE6JGTYXJ";

#[test]
fn a_recorded_relationship_session_ends_where_the_server_did() {
    let cache = Cache::new();
    replay(&cache, "sessions/ws_alice_session.json");
    let me = cache.me().unwrap();
    assert_eq!(me.id, id(ALICE));
    assert_eq!(me.display_name.as_deref(), Some("WS Alice"));
    assert_eq!(me.status.unwrap().presence, Some(Presence::Idle));
    // friend request, accept, unfriend, block, unblock: back to nothing.
    assert_eq!(cache.relationship(id(BOB)), RelationshipStatus::None);
    assert!(cache.relations().is_empty());
    let dm = cache.dm_channel(id(BOB)).unwrap();
    assert!(matches!(&*dm, Channel::DirectMessage(d) if d.active));
}

#[test]
fn relations_follow_each_relationship_event() {
    let cache = Cache::new();
    cache.update(&event(&fixture("sessions/ws_alice_session.json")[1]["data"]));
    let outgoing = fixture("events/ws_event_UserRelationship_outgoing.json");
    let update = cache.update(&event(&outgoing));
    assert_eq!(
        update,
        Update::Relationship {
            user: id(BOB),
            before: RelationshipStatus::None,
            after: RelationshipStatus::Outgoing
        }
    );
    assert_eq!(cache.relations().len(), 1);
    assert_eq!(cache.relationship(id(BOB)), RelationshipStatus::Outgoing);
}

#[test]
fn a_recorded_messaging_session_ends_where_the_server_did() {
    let cache = Cache::new();
    replay(&cache, "sessions/ws_messaging_session.json");
    let dm: ChannelId = id("01M860WMZR57WWSH0P75709DS2");
    let bob: UserId = id("01M860RPGVP6W0SGSWEVXG6PD4");
    // Closed by alice, then bob posted: the server reopens it without an event.
    let channel = cache.channel(dm).unwrap();
    assert!(matches!(&*channel, Channel::DirectMessage(d) if d.active));
    let messages = cache.messages(dm);
    assert!(
        messages.iter().all(|m| m.user.is_none()),
        "authors live in the user cache"
    );
    assert!(
        cache.message(dm, id("01M860Y2DKF7TED3M3M6K5Q81Q")).is_none(),
        "deleted"
    );
    let edited = cache.message(dm, id("01M860WQC1V2JHRA1MXK8ZTASJ")).unwrap();
    assert_eq!(edited.content.as_deref(), Some("hi alice, bob here (edited)"));
    assert!(edited.is_pinned());
    let bob_now = cache.user(bob).unwrap();
    assert_eq!(bob_now.status.unwrap().text.as_deref(), Some("typing in DMs"));
    assert!(!bob_now.online);
    assert_eq!(
        bob_now.relationship,
        RelationshipStatus::Friend,
        "messages do not overwrite it"
    );
}

fn ready_with(users: &Value) -> Event {
    event(&json!({"type": "Ready", "users": users, "channels": [], "voice_states": []}))
}

fn user(id: &str, relationship: &str) -> Value {
    json!({"_id": id, "username": format!("u{}", &id[20..]), "discriminator": "0001",
           "relationship": relationship, "online": true})
}

#[test]
fn user_update_clears_before_it_sets_and_reports_old_values() {
    let cache = Cache::new();
    let mut bob = user(BOB, "Friend");
    bob["status"] = json!({"text": "old", "presence": "Busy"});
    bob["display_name"] = json!("Old");
    cache.update(&ready_with(&json!([bob, user(ALICE, "User")])));
    let update = cache.update(&event(&json!({"type": "UserUpdate", "id": BOB,
        "data": {"status": {"text": "new"}, "display_name": "New"},
        "clear": ["StatusText", "StatusPresence", "DisplayName"], "event_id": null})));
    let Update::User(diff) = update else {
        panic!("{update:?}")
    };
    assert_eq!(diff.changes, UserChanges::STATUS | UserChanges::DISPLAY_NAME);
    assert_eq!(diff.before.display_name(), Some("Old"));
    assert_eq!(diff.before.status().unwrap().text.as_deref(), Some("old"));
    let bob = cache.user(id(BOB)).unwrap();
    assert_eq!(bob.display_name.as_deref(), Some("New"));
    assert_eq!(bob.status.unwrap().presence, None, "status is replaced whole");
}

#[test]
fn a_presence_change_reports_the_whole_old_status() {
    let cache = Cache::new();
    let mut bob = user(BOB, "Friend");
    bob["status"] = json!({"text": "old", "presence": "Busy"});
    cache.update(&ready_with(&json!([bob, user(ALICE, "User")])));
    let update = cache.update(&event(&json!({"type": "UserUpdate", "id": BOB,
        "data": {}, "clear": ["StatusPresence"], "event_id": null})));
    let Update::User(diff) = update else {
        panic!("{update:?}")
    };
    assert_eq!(diff.changes, UserChanges::STATUS);
    let old = diff.before.status().unwrap();
    assert_eq!(
        old.text.as_deref(),
        Some("old"),
        "the text did not change, and is still told"
    );
    assert_eq!(old.presence, Some(Presence::Busy));
}

#[test]
fn invisible_users_are_offline_and_internal_is_ignored() {
    let cache = Cache::new();
    cache.update(&ready_with(&json!([user(BOB, "Friend")])));
    let update = cache.update(&event(&json!({"type": "UserUpdate", "id": BOB,
        "data": {"status": {"presence": "Invisible"}}, "clear": ["Internal"], "event_id": null})));
    assert!(matches!(update, Update::User(_)));
    assert!(
        !cache
            .with_user(id(BOB), stoat_cache::CachedUser::is_online)
            .unwrap()
    );
    let nothing = cache.update(&event(
        &json!({"type": "UserUpdate", "id": BOB, "data": {}, "clear": ["Internal"], "event_id": null}),
    ));
    assert_eq!(nothing, Update::Nothing);
}

#[test]
fn profile_clears_drop_the_cached_profile() {
    let cache = Cache::new();
    cache.update(&ready_with(&json!([user(BOB, "Friend")])));
    cache.insert_profile(id(BOB), serde_json::from_value(json!({"content": "hi"})).unwrap());
    assert!(cache.profile(id(BOB)).is_some());
    let update = cache.update(&event(&json!({"type": "UserUpdate", "id": BOB, "data": {}, "clear": [FieldsUser::ProfileContent.as_str()], "event_id": null})));
    assert!(matches!(update, Update::User(d) if d.changes == UserChanges::PROFILE));
    assert!(cache.profile(id(BOB)).is_none());
}

#[test]
fn a_response_without_perspective_keeps_the_richer_cached_fields() {
    let cache = Cache::new();
    let mut me = user(ALICE, "User");
    me["status"] = json!({"text": "here"});
    me["relations"] = json!([{"_id": BOB, "status": "Friend"}]);
    cache.update(&ready_with(&json!([me])));
    // The change-username response: relationship None, offline, no status.
    let renamed = serde_json::from_value(
        json!({"_id": ALICE, "username": "alice2", "discriminator": "0002",
        "relationship": "None", "online": false}),
    )
    .unwrap();
    cache.insert_user(renamed, Source::NoPerspective);
    let me = cache.me().unwrap();
    assert_eq!(me.username.as_str(), "alice2");
    assert_eq!(me.relationship, RelationshipStatus::User);
    assert!(me.online);
    assert_eq!(me.status.unwrap().text.as_deref(), Some("here"));
    assert_eq!(me.relations.len(), 1);
}

#[test]
fn ready_replaces_everything_after_a_reconnect() {
    let cache = Cache::new();
    cache.update(&ready_with(&json!([user(BOB, "Friend"), user(ALICE, "User")])));
    cache.update(&event(&fixture("events/ws_event_ChannelCreate_dm.json")));
    assert_eq!(cache.stats().channels, 1);
    let update = cache.update(&ready_with(&json!([user(ALICE, "User")])));
    assert_eq!(
        update,
        Update::Ready {
            users: 1,
            channels: 0
        }
    );
    assert!(cache.user(id(BOB)).is_none());
    assert!(cache.dm_channel_id(id(BOB)).is_none());
}

#[test]
fn dms_are_indexed_by_the_other_user_and_forgotten_on_delete() {
    let cache = Cache::new();
    cache.update(&ready_with(&json!([user(ALICE, "User")])));
    let created = cache.update(&event(&fixture("events/ws_event_ChannelCreate_dm.json")));
    assert!(matches!(
        created,
        Update::Channel {
            before: None,
            after: Some(_),
            ..
        }
    ));
    let dm: ChannelId = id("01M860EKZQ3SASWW1BX7XT4HYG");
    assert_eq!(cache.dm_channel_id(id(BOB)), Some(dm));
    let closed = cache.update(&event(
        &json!({"type": "ChannelUpdate", "id": dm, "data": {"active": false}, "clear": []}),
    ));
    assert!(
        matches!(closed, Update::Channel { after: Some(c), .. } if matches!(&*c, Channel::DirectMessage(d) if !d.active))
    );
    cache.update(&event(&json!({"type": "ChannelDelete", "id": dm})));
    assert!(cache.dm_channel_id(id(BOB)).is_none());
    assert!(cache.channel(dm).is_none());
}

#[test]
fn saved_messages_are_the_dm_with_yourself() {
    let cache = Cache::new();
    cache.update(&ready_with(&json!([user(ALICE, "User")])));
    let saved = "01M860EKZQ3SASWW1BX7XT4HYH";
    cache.update(&event(
        &json!({"type": "ChannelCreate", "channel_type": "SavedMessages", "_id": saved, "user": ALICE}),
    ));
    assert_eq!(cache.dm_channel_id(id(ALICE)), Some(id(saved)));
}

#[test]
fn voice_states_follow_join_update_move_and_leave() {
    let cache = Cache::new();
    cache.update(&ready_with(&json!([user(ALICE, "User"), user(BOB, "Friend")])));
    let (dm, group) = ("01M860EKZQ3SASWW1BX7XT4HYG", "01M860EKZQ3SASWW1BX7XT4HYH");
    let state = json!({"id": BOB, "joined_at": "2026-11-24T05:27:57.123Z", "is_receiving": true,
                       "is_publishing": false, "screensharing": false, "camera": false});
    let join = cache.update(&event(
        &json!({"type": "VoiceChannelJoin", "id": dm, "state": state}),
    ));
    assert!(matches!(
        join,
        Update::Voice {
            before: None,
            after: Some(_),
            ..
        }
    ));
    let mic = cache.update(&event(&json!({"type": "UserVoiceStateUpdate", "id": BOB, "channel_id": dm, "data": {"is_publishing": true}})));
    assert!(
        matches!(mic, Update::Voice { before: Some(b), after: Some(a), .. } if !b.is_publishing && a.is_publishing)
    );
    assert!(cache.voice_state(id(dm), id(BOB)).unwrap().is_publishing);
    cache.update(&event(
        &json!({"type": "VoiceChannelMove", "user": BOB, "from": dm, "to": group, "state": state}),
    ));
    assert!(
        cache.channel_voice_state(id(dm)).is_none(),
        "an emptied call is dropped"
    );
    assert_eq!(cache.user_voice_state(id(BOB)).unwrap().0, id(group));
    cache.update(&event(
        &json!({"type": "VoiceChannelLeave", "id": group, "user": BOB}),
    ));
    assert!(cache.user_voice_state(id(BOB)).is_none());
    assert_eq!(cache.stats().voice_states, 0);
}

#[test]
fn moving_yourself_moves_your_state() {
    let cache = Cache::new();
    cache.update(&ready_with(&json!([user(ALICE, "User")])));
    let (a, b) = ("01M860EKZQ3SASWW1BX7XT4HYG", "01M860EKZQ3SASWW1BX7XT4HYH");
    let state = json!({"id": ALICE, "joined_at": "2026-11-24T05:27:57.123Z", "is_receiving": true,
                       "is_publishing": true, "screensharing": false, "camera": false});
    cache.update(&event(
        &json!({"type": "VoiceChannelJoin", "id": a, "state": state}),
    ));
    cache.update(&event(
        &json!({"type": "UserMoveVoiceChannel", "node": "n", "from": a, "to": b, "token": "t"}),
    ));
    let (channel, state) = cache.user_voice_state(id(ALICE)).unwrap();
    assert_eq!(channel, id(b));
    assert!(state.is_publishing);
}

#[test]
fn a_platform_wipe_removes_the_dm_messages_and_relationship() {
    let cache = Cache::new();
    let mut me = user(ALICE, "User");
    me["relations"] = json!([{"_id": BOB, "status": "Friend"}]);
    cache.update(&ready_with(&json!([me, user(BOB, "Friend")])));
    cache.update(&event(&fixture("events/ws_event_ChannelCreate_dm.json")));
    let dm = "01M860EKZQ3SASWW1BX7XT4HYG";
    cache.update(&event(&json!({"type": "Message", "_id": "01M860WPJRVDAGG1VDW0DPZ6SS", "channel": dm, "author": BOB, "content": "hi"})));
    assert_eq!(cache.messages(id(dm)).len(), 1);
    let wiped = cache.update(&event(
        &json!({"type": "UserPlatformWipe", "user_id": BOB, "flags": 4}),
    ));
    assert_eq!(wiped, Update::Wiped { user: id(BOB) });
    assert!(cache.dm_channel_id(id(BOB)).is_none());
    assert!(cache.messages(id(dm)).is_empty());
    assert!(cache.relations().is_empty());
    let bob = cache.user(id(BOB)).unwrap();
    assert!(bob.flags.is_banned() && !bob.online);
    assert_eq!(bob.relationship, RelationshipStatus::None);
}

#[test]
fn recent_messages_are_bounded_per_channel() {
    let cache = Cache::with_resources(Resources::all(), 3);
    let dm = "01M860EKZQ3SASWW1BX7XT4HYG";
    for i in 0..5u128 {
        let message_id = stoat_model::MessageId::from_u128((1 << 100) + i);
        cache.update(&event(
            &json!({"type": "Message", "_id": message_id, "channel": dm, "author": BOB}),
        ));
    }
    let kept: Vec<u128> = cache
        .messages(id(dm))
        .iter()
        .map(|m| m.id.get() - (1 << 100))
        .collect();
    assert_eq!(kept, [2, 3, 4]);
}

#[test]
fn switched_off_resources_are_not_kept() {
    let cache = Cache::with_resources(Resources::CHANNELS, 10);
    cache.update(&ready_with(&json!([user(ALICE, "User"), user(BOB, "Friend")])));
    assert_eq!(
        cache.me_id(),
        Some(id(ALICE)),
        "your id is known even without users"
    );
    assert!(cache.user(id(BOB)).is_none());
    cache.update(&event(&fixture("events/ws_event_ChannelCreate_dm.json")));
    assert!(cache.dm_channel_id(id(BOB)).is_some());
    cache.update(&event(&json!({"type": "Message", "_id": "01M860WPJRVDAGG1VDW0DPZ6SS", "channel": "01M860EKZQ3SASWW1BX7XT4HYG", "author": BOB})));
    assert_eq!(cache.stats().messages, 0);
}

#[test]
fn reactions_and_appended_embeds_change_cached_messages() {
    let cache = Cache::new();
    let dm = "01M860WMZR57WWSH0P75709DS2";
    let message = "01M860X1AR5RVR2G790PKTT30M";
    cache.update(&event(
        &json!({"type": "Message", "_id": message, "channel": dm, "author": BOB, "content": "x"}),
    ));
    cache.update(&event(&fixture("events/ws_event_MessageReact.json")));
    let cached = cache.message(id(dm), id(message)).unwrap();
    assert_eq!(cached.reactions.get("\u{1F44D}").map(Vec::len), Some(1));
    let unreact = cache.update(&event(&fixture("events/ws_event_MessageUnreact.json")));
    assert!(matches!(unreact, Update::Message { before: Some(_), .. }));
    assert!(cache.message(id(dm), id(message)).unwrap().reactions.is_empty());
    cache.update(&event(&json!({"type": "MessageAppend", "id": message, "channel": dm, "append": {"embeds": [{"type": "None"}]}})));
    assert_eq!(
        cache
            .message(id(dm), id(message))
            .unwrap()
            .embeds
            .as_ref()
            .map(Vec::len),
        Some(1)
    );
}

#[test]
fn group_members_join_and_leave() {
    let cache = Cache::new();
    cache.update(&ready_with(&json!([user(ALICE, "User")])));
    let group = "01M860EKZQ3SASWW1BX7XT4HYG";
    cache.update(&event(&json!({"type": "ChannelCreate", "channel_type": "Group", "_id": group, "name": "den", "owner": ALICE, "recipients": [ALICE]})));
    cache.update(&event(
        &json!({"type": "ChannelGroupJoin", "id": group, "user": BOB}),
    ));
    assert_eq!(
        cache.channel(id(group)).unwrap().recipients(),
        [id(ALICE), id(BOB)]
    );
    cache.update(&event(
        &json!({"type": "ChannelGroupLeave", "id": group, "user": BOB}),
    ));
    assert_eq!(cache.channel(id(group)).unwrap().recipients(), [id(ALICE)]);
}

#[test]
fn update_each_reports_every_message_of_a_bulk_deletion_and_both_sides_of_a_move() {
    let cache = Cache::new();
    cache.update(&ready_with(&json!([user(ALICE, "User"), user(BOB, "Friend")])));
    let (dm, group) = ("01M860EKZQ3SASWW1BX7XT4HYG", "01M860EKZQ3SASWW1BX7XT4HYH");
    let ids = ["01M860WPJRVDAGG1VDW0DPZ6SS", "01M860WPJRVDAGG1VDW0DPZ6ST"];
    for message in ids {
        cache.update(&event(
            &json!({"type": "Message", "_id": message, "channel": dm, "author": BOB, "content": message}),
        ));
    }
    // Two cached, one never seen: two removals, in order.
    let mut changes = Vec::new();
    let bulk = json!({"type": "BulkMessageDelete", "channel": dm, "ids": [ids[0], "01M860WPJRVDAGG1VDW0DPZ6SV", ids[1]]});
    cache.update_each(&event(&bulk), &mut |update| changes.push(update));
    let removed: Vec<_> = changes
        .iter()
        .map(|update| match update {
            Update::Message { id, before, .. } => {
                (id.to_string(), before.as_ref().and_then(|m| m.content.clone()))
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(removed, ids.map(|id| (id.to_owned(), Some(id.into()))));
    assert_eq!(cache.update(&event(&bulk)), Update::Nothing, "nothing left");

    let state = json!({"id": BOB, "joined_at": "2026-11-24T05:27:57.123Z", "is_receiving": true,
                       "is_publishing": false, "screensharing": false, "camera": false});
    cache.update(&event(
        &json!({"type": "VoiceChannelJoin", "id": dm, "state": state}),
    ));
    let mut changes = Vec::new();
    let moved = json!({"type": "VoiceChannelMove", "user": BOB, "from": dm, "to": group, "state": state});
    cache.update_each(&event(&moved), &mut |update| changes.push(update));
    assert!(
        matches!(
            &changes[..],
            [
                Update::Voice { channel: from, before: Some(_), after: None, .. },
                Update::Voice { channel: to, before: None, after: Some(_), .. },
            ] if from.to_string() == dm && to.to_string() == group
        ),
        "{changes:?}"
    );
}
