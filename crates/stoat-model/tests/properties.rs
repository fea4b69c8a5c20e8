//! Property tests: ids, timestamps and discriminators parse what they print;
//! the update logic agrees with a plain reference written from the spec.

mod common;

use common::*;
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use stoat_model::{
    Discriminator, FieldsUser, PartialUserVoiceState, Timestamp, User, UserChanges, UserId, UserVoiceState,
};

/// The spec's rules for `UserUpdate` (protocol notes 6.6.1), applied to the
/// user's JSON: clears first, then every key of `data` replaces the old
/// value; an emptied status disappears. Returns the new JSON and whether a
/// profile clear was seen.
fn reference_update(user: &Value, data: &Value, clear: &[FieldsUser]) -> (Value, bool) {
    let mut user = user.as_object().unwrap().clone();
    let mut profile = false;
    let drop_status_key = |user: &mut Map<String, Value>, key: &str| {
        if let Some(Value::Object(status)) = user.get_mut("status") {
            status.remove(key);
            if status.is_empty() {
                user.remove("status");
            }
        }
    };
    for field in clear {
        match field.as_str() {
            "Avatar" => drop(user.remove("avatar")),
            "DisplayName" => drop(user.remove("display_name")),
            "Pronouns" => drop(user.remove("pronouns")),
            "StatusText" => drop_status_key(&mut user, "text"),
            "StatusPresence" => drop_status_key(&mut user, "presence"),
            "ProfileContent" | "ProfileBackground" => profile = true,
            _ => {}
        }
    }
    for (key, value) in data.as_object().unwrap() {
        let empty = match value {
            Value::Object(m) => m.is_empty() && key == "status",
            Value::Array(a) => a.is_empty() && key == "relations",
            Value::Number(n) => n.as_u64() == Some(0) && (key == "badges" || key == "flags"),
            Value::Bool(false) => key == "privileged",
            _ => false,
        };
        if empty {
            user.remove(key);
        } else {
            user.insert(key.clone(), value.clone());
        }
    }
    (Value::Object(user), profile)
}

fn field() -> impl Strategy<Value = FieldsUser> {
    prop_oneof![
        known(FieldsUser::KNOWN),
        Just(FieldsUser::Unknown("Future".into()))
    ]
}

proptest! {
    #[test]
    fn ids_print_and_parse_back_and_sort_like_their_text(a in any::<u128>(), b in any::<u128>()) {
        let (a, b) = (UserId::from_u128(a), UserId::from_u128(b));
        prop_assert_eq!(a.to_string().parse::<UserId>().unwrap(), a);
        prop_assert_eq!(a.cmp(&b), a.to_string().cmp(&b.to_string()));
        prop_assert_eq!(a.timestamp_ms(), u64::try_from(a.get() >> 80).unwrap());
    }

    #[test]
    fn any_string_parses_or_fails_cleanly(text in "\\PC{0,30}") {
        if let Ok(id) = text.parse::<UserId>() {
            prop_assert_eq!(id.to_string(), text);
        }
    }

    #[test]
    fn timestamps_and_discriminators_round_trip(ms in 0i64..253_402_300_799_999, d in 0u16..10_000) {
        let t = Timestamp::from_millis(ms);
        prop_assert_eq!(t.to_string().parse::<Timestamp>().unwrap(), t);
        let d = Discriminator::new(d).unwrap();
        prop_assert_eq!(d.to_string().parse::<Discriminator>().unwrap(), d);
    }

    #[test]
    fn the_update_between_two_users_turns_one_into_the_other(old in user(), new in user()) {
        // What an update cannot carry: another id, relationship or
        // relations (reported apart), the loss of bot information, an
        // empty status (absent on the wire).
        let mut new = new;
        new.id = old.id;
        new.relationship = old.relationship.clone();
        new.relations = old.relations.clone();
        prop_assume!(!(old.bot.is_some() && new.bot.is_none()));
        prop_assume!(new.status.as_ref().is_none_or(|s| !s.is_empty()));
        prop_assume!(old.status.as_ref().is_none_or(|s| !s.is_empty()));
        let (data, clear) = old.update_to(&new);
        let mut applied = old.clone();
        let changes = applied.apply_update(&data, &clear);
        prop_assert_eq!(&applied, &new);
        prop_assert_eq!(changes.is_empty(), old == new);
    }

    #[test]
    fn user_updates_follow_the_reference(user in user(), data in partial_user(), clear in vec(field(), 0..4)) {
        let before = serde_json::to_value(&user).unwrap();
        let (expected, profile) =
            reference_update(&before, &serde_json::to_value(&data).unwrap(), &clear);
        let mut updated = user.clone();
        let changes = updated.apply_update(&data, &clear);
        let after = serde_json::to_value(&updated).unwrap();
        prop_assert_eq!(&after, &expected);

        // The reported changes are exactly the keys whose value changed.
        let changed = |key: &str| before.get(key) != after.get(key);
        let pairs = [
            (UserChanges::USERNAME, "username"), (UserChanges::DISCRIMINATOR, "discriminator"),
            (UserChanges::DISPLAY_NAME, "display_name"), (UserChanges::PRONOUNS, "pronouns"),
            (UserChanges::AVATAR, "avatar"), (UserChanges::RELATIONS, "relations"),
            (UserChanges::BADGES, "badges"), (UserChanges::STATUS, "status"), (UserChanges::FLAGS, "flags"),
            (UserChanges::PRIVILEGED, "privileged"), (UserChanges::BOT, "bot"),
            (UserChanges::RELATIONSHIP, "relationship"), (UserChanges::ONLINE, "online"),
        ];
        for (flag, key) in pairs {
            prop_assert_eq!(changes.contains(flag), changed(key), "{}", key);
        }
        prop_assert_eq!(changes.contains(UserChanges::PROFILE), profile);
        // What an update may change (for users not at hand) covers what it did.
        let touched = UserChanges::touched_by(&data, &clear);
        prop_assert!(touched.contains(changes), "{:?} outside {:?}", changes, touched);
    }

    #[test]
    fn voice_updates_change_only_what_they_name(state in voice_state(), flags in any::<[Option<bool>; 4]>()) {
        let [is_receiving, is_publishing, screensharing, camera] = flags;
        let data = PartialUserVoiceState { id: None, joined_at: None, is_receiving, is_publishing, screensharing, camera };
        let mut updated = state.clone();
        let changes = updated.apply_update(&data);
        let expected = UserVoiceState {
            is_receiving: is_receiving.unwrap_or(state.is_receiving),
            is_publishing: is_publishing.unwrap_or(state.is_publishing),
            screensharing: screensharing.unwrap_or(state.screensharing),
            camera: camera.unwrap_or(state.camera),
            ..state.clone()
        };
        prop_assert_eq!(&updated, &expected);
        prop_assert_eq!(changes.is_empty(), updated == state);
    }
}

#[test]
fn the_reference_itself_applies_clear_before_data() {
    // Guards the reference: remove + set in one update keeps the new value.
    let user = json!({"status": {"text": "old", "presence": "Busy"}});
    let data = json!({"status": {"text": "new"}});
    let (after, _) = reference_update(
        &user,
        &data,
        &[FieldsUser::StatusText, FieldsUser::StatusPresence],
    );
    assert_eq!(after, json!({"status": {"text": "new"}}));
    let user_value: User = serde_json::from_value(json!({
        "_id": "01M860BWPTBVM98D71JYP906BF", "username": "a", "discriminator": "0001",
        "relationship": "None", "online": false
    }))
    .unwrap();
    assert!(!user_value.is_online());
}

/// Small edits that keep or break a JSON document in the ways real input
/// does: white space, escapes, unknown fields, `null`s, bad bytes, cuts,
/// and keys that only look like known ones (the fast path recognises keys
/// by their first bytes).
fn mutate(text: &str, kind: u8, at: usize) -> String {
    let at = (0..=at.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let (head, tail) = text.split_at(at);
    match kind % 13 {
        0 => format!("{head} \n\t{tail}"),
        1 => format!("{head}\\u0041{tail}"),
        2 => text.replacen("\"online\"", "\"future\":[1,{\"x\":null}],\"online\"", 1),
        3 => text.replacen("\"relationship\":\"", "\"relationship\":null,\"x\":\"", 1),
        4 => head.to_owned(),
        5 => format!("{head}\u{1}{tail}"),
        6 => text.replacen("\"username\"", "\"username\":\"dup\",\"username\"", 1),
        8 => text.replacen("\"username\"", "\"usernam\"", 1),
        9 => text.replacen("\"online\"", "\"online_\"", 1),
        10 => text.replacen("\"_id\"", "\"id\"", 1),
        11 => text.replacen("\"discriminator\":\"", "\"discriminator\":null,\"x\":\"", 1),
        // White space to `u8::is_ascii_whitespace`, not to JSON.
        12 => format!("{head}\u{c}{tail}"),
        _ => format!("{head}é{tail}"),
    }
}

proptest! {
    #[test]
    fn the_fast_user_path_agrees_with_serde(users in vec(user(), 0..4), kind in any::<u8>(), at in any::<usize>(), edit in any::<bool>()) {
        let text = serde_json::to_string(&users).unwrap();
        let text = if edit { mutate(&text, kind, at % (text.len() + 1)) } else { text };
        let fast = stoat_model::decode::users(text.as_bytes());
        let slow = serde_json::from_str::<Vec<User>>(&text);
        match (&fast, &slow) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            _ => prop_assert!(false, "fast {:?} vs serde {:?} on {}", fast.as_ref().map(Vec::len), slow.as_ref().map(Vec::len), text),
        }
        if let [one] = users.as_slice() {
            let single = serde_json::to_string(one).unwrap();
            prop_assert_eq!(stoat_model::decode::user(single.as_bytes()).unwrap(), one.clone());
        }
    }
}

/// The frame decoded by serde_json straight into its payload struct, the
/// path `Event::decode` takes when its fast path declines.
fn serde_only(text: &str) -> Result<stoat_model::event::Event, serde_json::Error> {
    use serde::de::Error;
    use stoat_model::event::*;
    let tag: Value = serde_json::from_str::<Value>(text)?
        .get("type")
        .cloned()
        .unwrap_or_default();
    let tag = tag.as_str().ok_or_else(|| serde_json::Error::custom("no type"))?;
    Ok(match tag {
        "Ready" => Event::Ready(serde_json::from_str(text)?),
        "UserUpdate" => Event::UserUpdate(serde_json::from_str(text)?),
        "UserRelationship" => Event::UserRelationship(serde_json::from_str(text)?),
        "ChannelStartTyping" => Event::ChannelStartTyping(serde_json::from_str(text)?),
        "ChannelStopTyping" => Event::ChannelStopTyping(serde_json::from_str(text)?),
        "UserVoiceStateUpdate" => Event::UserVoiceStateUpdate(serde_json::from_str(text)?),
        _ => Event::Unknown(serde_json::from_str(text)?),
    })
}

fn hot_event() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::to_value;
    prop_oneof![
        (id::<()>(), partial_user(), vec(field(), 0..3), any::<bool>()).prop_map(|(id, data, clear, null)| {
            let mut event = json!({"type": "UserUpdate", "id": id, "data": data, "clear": clear, "event_id": null});
            if null {
                event["clear"] = Value::Null;
            }
            event
        }),
        (id::<()>(), user()).prop_map(|(id, user)| json!({"type": "UserRelationship", "id": id, "user": user})),
        (vec(user(), 0..4), id::<()>(), any::<[bool; 3]>()).prop_map(|(users, dm, [null, settings, unknown])| {
            let mut ready = json!({
                "type": "Ready", "users": users, "servers": [], "members": [], "emojis": [],
                "channels": [{"channel_type": "DirectMessage", "_id": dm, "active": true, "recipients": [dm, dm]}],
                "voice_states": [{"id": dm, "participants": []}], "channel_unreads": [], "policy_changes": null,
            });
            if null {
                ready["users"] = Value::Null;
            }
            if settings {
                ready["user_settings"] = json!({"theme": [1_700_000_000_000_i64, "{}"]});
            }
            if unknown {
                ready["channels"][0]["channel_type"] = json!("TextChannel");
            }
            ready
        }),
        (id::<()>(), id::<()>(), any::<bool>()).prop_map(|(channel, user, start)| {
            let kind = if start { "ChannelStartTyping" } else { "ChannelStopTyping" };
            json!({"type": kind, "id": channel, "user": user})
        }),
        (id::<()>(), id::<()>(), any::<[Option<bool>; 4]>()).prop_map(|(user, channel, [r, p, s, c])| {
            let data = PartialUserVoiceState { id: None, joined_at: None, is_receiving: r, is_publishing: p, screensharing: s, camera: c };
            json!({"type": "UserVoiceStateUpdate", "id": user, "channel_id": channel, "data": to_value(data).unwrap()})
        }),
    ]
}

proptest! {
    #[test]
    fn the_fast_event_path_agrees_with_serde(event in hot_event(), kind in any::<u8>(), at in any::<usize>(), edit in any::<bool>()) {
        use stoat_model::event::{Event, Format};
        // Server order: `type` first, which `json!` does not keep; write it by hand.
        let mut fields = event.as_object().unwrap().clone();
        let tag = fields.remove("type").unwrap();
        let rest = serde_json::to_string(&fields).unwrap();
        let text = format!("{{\"type\":{tag},{}", &rest[1..]);
        let text = if edit { mutate(&text, kind, at % (text.len() + 1)) } else { text };
        let fast = Event::decode(Format::Json, text.as_bytes());
        let slow = serde_only(&text);
        match (&fast, &slow) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false, "fast {:?} vs serde {:?} on {}", fast.is_ok(), slow.is_ok(), text),
        }
    }
}
