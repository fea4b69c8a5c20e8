//! Differential tests against the official backend's model crate
//! (`revolt-models` 0.16.2): for every type both crates have, a generated
//! value encoded by one decodes in the other to the same JSON, both ways.
//!
//! Responses must match exactly. For request bodies, `revolt-models` writes
//! unset fields as `null` and an empty `remove` as `[]` where this crate
//! omits them (the server reads both as "unset"), so those are compared as
//! the server reads them: without `null` keys and without an empty `remove`.

mod common;

use common::*;
use proptest::collection::vec;
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use stoat_model::request::{EditUser, JoinCall, SendFriendRequest, SendMessage};
use stoat_model::{
    BotInformation, Channel, ChannelVoiceState, FieldsUser, File, FlagResponse, JoinCallResponse, Message,
    Mutuals, PartialUser, PartialUserVoiceState, Relationship, User, UserFlags, UserProfile, UserStatus,
    UserVoiceState,
};

use revolt_models::v0 as revolt;

#[derive(Clone, Copy)]
enum Nulls {
    Exact,
    Ignored,
}

fn strip_nulls(value: Value) -> Value {
    let unset =
        |key: &str, value: &Value| value.is_null() || (key == "remove" && value == &Value::Array(vec![]));
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, v)| !unset(k, v))
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

/// ours → JSON → theirs → JSON must be the JSON we wrote; theirs → JSON →
/// ours → JSON likewise.
fn both_ways<Ours, Theirs>(ours: &Ours, nulls: Nulls) -> Result<(), TestCaseError>
where
    Ours: Serialize + DeserializeOwned,
    Theirs: Serialize + DeserializeOwned,
{
    let normal = |v: Value| match nulls {
        Nulls::Exact => v,
        Nulls::Ignored => strip_nulls(v),
    };
    let written = serde_json::to_value(ours).unwrap();
    let theirs: Theirs = serde_json::from_value(written.clone())
        .map_err(|e| TestCaseError::fail(format!("revolt-models refused {written}: {e}")))?;
    let theirs_json = serde_json::to_value(&theirs).unwrap();
    prop_assert_eq!(normal(theirs_json.clone()), normal(written.clone()));
    let back: Ours = serde_json::from_value(theirs_json.clone())
        .map_err(|e| TestCaseError::fail(format!("stoat-model refused {theirs_json}: {e}")))?;
    prop_assert_eq!(normal(serde_json::to_value(&back).unwrap()), normal(written));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn users(user in user()) {
        both_ways::<User, revolt::User>(&user, Nulls::Exact)?;
    }

    #[test]
    fn partial_users(partial in partial_user()) {
        both_ways::<PartialUser, revolt::PartialUser>(&partial, Nulls::Exact)?;
    }

    #[test]
    fn files(file in file()) {
        both_ways::<File, revolt::File>(&file, Nulls::Exact)?;
    }

    #[test]
    fn profiles(content in proptest::option::of(boxed()), background in proptest::option::of(file().prop_map(Box::new))) {
        both_ways::<UserProfile, revolt::UserProfile>(&UserProfile { content, background }, Nulls::Exact)?;
    }

    #[test]
    fn small_user_types(
        relationship in relationship(),
        status in status(),
        mutuals in (vec(id(), 0..3), vec(id(), 0..3), vec(id(), 0..3)),
        flags in any::<i32>(),
        owner in id(),
        field in known(FieldsUser::KNOWN),
    ) {
        both_ways::<Relationship, revolt::Relationship>(&relationship, Nulls::Exact)?;
        both_ways::<UserStatus, revolt::UserStatus>(&status, Nulls::Exact)?;
        let (users, servers, channels) = mutuals;
        both_ways::<Mutuals, revolt::MutualResponse>(&Mutuals { users, servers, channels }, Nulls::Exact)?;
        let flags = FlagResponse { flags: UserFlags::from_bits_retain(flags.unsigned_abs() >> 1) };
        both_ways::<FlagResponse, revolt::FlagResponse>(&flags, Nulls::Exact)?;
        both_ways::<BotInformation, revolt::BotInformation>(&BotInformation { owner }, Nulls::Exact)?;
        both_ways::<FieldsUser, revolt::FieldsUser>(&field, Nulls::Exact)?;
    }

    #[test]
    fn voice_states(state in voice_state(), channel in id(), more in vec(voice_state(), 0..3), flags in any::<[Option<bool>; 4]>()) {
        both_ways::<UserVoiceState, revolt::UserVoiceState>(&state, Nulls::Exact)?;
        let mut participants = more;
        participants.push(state);
        both_ways::<ChannelVoiceState, revolt::ChannelVoiceState>(&ChannelVoiceState { id: channel, participants }, Nulls::Exact)?;
        let [is_receiving, is_publishing, screensharing, camera] = flags;
        let partial = PartialUserVoiceState { id: None, joined_at: None, is_receiving, is_publishing, screensharing, camera };
        both_ways::<PartialUserVoiceState, revolt::PartialUserVoiceState>(&partial, Nulls::Exact)?;
    }

    #[test]
    fn channels(channel in channel()) {
        both_ways::<Channel, revolt::Channel>(&channel, Nulls::Exact)?;
    }

    #[test]
    fn messages(message in message()) {
        both_ways::<Message, revolt::Message>(&message, Nulls::Exact)?;
    }

    #[test]
    fn request_bodies(edit in edit_user(), send in send_message(), name in text(), d in discriminator(), recipients in proptest::option::of(vec(id(), 0..3))) {
        both_ways::<EditUser, revolt::DataEditUser>(&edit, Nulls::Ignored)?;
        both_ways::<SendMessage, revolt::DataMessageSend>(&send, Nulls::Ignored)?;
        both_ways::<SendFriendRequest, revolt::DataSendFriendRequest>(&SendFriendRequest::new(&name, d), Nulls::Ignored)?;
        let join = JoinCall { node: Some(name), force_disconnect: Some(true), recipients };
        both_ways::<JoinCall, revolt::DataJoinCall>(&join, Nulls::Ignored)?;
        both_ways::<JoinCall, revolt::DataJoinCall>(&JoinCall::default(), Nulls::Ignored)?;
    }

    #[test]
    fn join_call_response(token in text(), url in text()) {
        let response = JoinCallResponse { token: token.into(), url: url.into() };
        both_ways::<JoinCallResponse, revolt::CreateVoiceUserResponse>(&response, Nulls::Exact)?;
    }
}
