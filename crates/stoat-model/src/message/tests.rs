use serde_json::json;

use super::*;

const ID: &str = "01M860BWPTBVM98D71JYP906BF";

#[test]
fn both_bulk_shapes_decode_by_their_first_byte() {
    let message = json!({"_id": ID, "channel": ID, "author": ID, "content": "hi"});
    let plain: BulkMessageResponse = serde_json::from_value(json!([message])).unwrap();
    assert_eq!(plain.messages().len(), 1);
    assert!(plain.users().is_empty());
    let with_users: BulkMessageResponse =
        serde_json::from_value(json!({"messages": [message], "users": []})).unwrap();
    assert!(matches!(with_users, BulkMessageResponse::WithUsers(_)));
    assert_eq!(
        serde_json::to_value(&with_users).unwrap(),
        json!({"messages": [message], "users": []})
    );
}

#[test]
fn unknown_system_and_embed_kinds_are_kept() {
    let raw = json!({
        "_id": ID, "channel": ID, "author": "00000000000000000000000000",
        "system": {"type": "poll_closed", "id": "x"},
        "embeds": [{"type": "Hologram", "depth": 3}, {"type": "None"}]
    });
    let message: Message = serde_json::from_value(raw.clone()).unwrap();
    assert!(message.is_system());
    assert!(matches!(message.system, Some(SystemMessage::Other(_))));
    assert_eq!(serde_json::to_value(&message).unwrap(), raw);
}

#[test]
fn flags_are_bits_and_unknown_bits_survive() {
    let message: Message =
        serde_json::from_value(json!({"_id": ID, "channel": ID, "author": ID, "flags": 2 | 64})).unwrap();
    assert!(message.flags.contains(MessageFlags::SUPPRESS_NOTIFICATIONS));
    assert_eq!(serde_json::to_value(&message).unwrap()["flags"], 66);
}

#[test]
fn an_update_sets_pinned_and_a_clear_removes_it() {
    let mut message: Message =
        serde_json::from_value(json!({"_id": ID, "channel": ID, "author": ID})).unwrap();
    message.apply_update(
        &PartialMessage {
            pinned: Some(true),
            ..Default::default()
        },
        &[],
    );
    assert!(message.is_pinned());
    message.apply_update(&PartialMessage::default(), &[FieldsMessage::Pinned]);
    assert!(!message.is_pinned());
}
