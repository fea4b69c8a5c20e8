//! Voice states: who is in a call and what they are sending.

use bitflags::bitflags;
use serde::{Deserialize, Serialize};

use crate::id::{ChannelId, UserId};
use crate::secret::Secret;
use crate::timestamp::Timestamp;

/// One participant of a call.
///
/// On join the server sets `is_receiving` and clears everything else.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "mirrors the wire object field for field"
)]
pub struct UserVoiceState {
    /// The participant.
    pub id: UserId,
    /// When they joined.
    pub joined_at: Timestamp,
    /// Whether they receive audio.
    pub is_receiving: bool,
    /// Whether their microphone track is published.
    pub is_publishing: bool,
    /// Whether they share their screen.
    pub screensharing: bool,
    /// Whether their camera is on.
    pub camera: bool,
}

/// A change to a [`UserVoiceState`]; absent means unchanged.
///
/// Track events carry a single flag and no `id`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartialUserVoiceState {
    /// The participant, when the server says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<UserId>,
    /// New join time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined_at: Option<Timestamp>,
    /// New receiving state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_receiving: Option<bool>,
    /// New microphone state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_publishing: Option<bool>,
    /// New screen-share state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screensharing: Option<bool>,
    /// New camera state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera: Option<bool>,
}

bitflags! {
    /// Which parts of a voice state an update changed.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct VoiceStateChanges: u8 {
        /// `joined_at`.
        const JOINED_AT = 1;
        /// `is_receiving`.
        const RECEIVING = 1 << 1;
        /// `is_publishing`.
        const PUBLISHING = 1 << 2;
        /// `screensharing`.
        const SCREENSHARING = 1 << 3;
        /// `camera`.
        const CAMERA = 1 << 4;
    }
}

impl UserVoiceState {
    /// Applies a partial state and returns what changed. The `id` of the
    /// partial is not applied: a state never changes owner.
    pub fn apply_update(&mut self, data: &PartialUserVoiceState) -> VoiceStateChanges {
        let mut changes = VoiceStateChanges::empty();
        let mut set = |flag, slot: &mut bool, value: Option<bool>| {
            if let Some(value) = value
                && *slot != value
            {
                *slot = value;
                changes.insert(flag);
            }
        };
        set(
            VoiceStateChanges::RECEIVING,
            &mut self.is_receiving,
            data.is_receiving,
        );
        set(
            VoiceStateChanges::PUBLISHING,
            &mut self.is_publishing,
            data.is_publishing,
        );
        set(
            VoiceStateChanges::SCREENSHARING,
            &mut self.screensharing,
            data.screensharing,
        );
        set(VoiceStateChanges::CAMERA, &mut self.camera, data.camera);
        if let Some(joined_at) = data.joined_at
            && joined_at != self.joined_at
        {
            self.joined_at = joined_at;
            changes.insert(VoiceStateChanges::JOINED_AT);
        }
        changes
    }
}

/// Everyone in one channel's call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelVoiceState {
    /// The channel.
    pub id: ChannelId,
    /// Its participants.
    pub participants: Vec<UserVoiceState>,
}

/// What `POST /channels/{id}/join_call` answers: everything a LiveKit client
/// needs to join the room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinCallResponse {
    /// LiveKit access token (a JWT; secret).
    pub token: Secret,
    /// LiveKit server URL.
    pub url: Box<str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_state_changes_only_what_it_names() {
        let mut state = UserVoiceState {
            id: UserId::SYSTEM,
            joined_at: Timestamp::from_millis(0),
            is_receiving: true,
            is_publishing: false,
            screensharing: false,
            camera: false,
        };
        let data: PartialUserVoiceState =
            serde_json::from_str(r#"{"is_publishing":true,"camera":false}"#).unwrap();
        assert_eq!(state.apply_update(&data), VoiceStateChanges::PUBLISHING);
        assert!(state.is_publishing && state.is_receiving && !state.camera);
    }

    #[test]
    fn the_voice_token_is_not_printed() {
        let r: JoinCallResponse = serde_json::from_str(r#"{"token":"jwt.secret","url":"wss://lk"}"#).unwrap();
        assert!(!format!("{r:?}").contains("jwt.secret"));
    }
}
