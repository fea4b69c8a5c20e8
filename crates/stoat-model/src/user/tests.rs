use serde_json::json;

use super::*;

fn bob() -> User {
    serde_json::from_value(json!({
        "_id": "01M860BWPTBVM98D71JYP906BF", "username": "bob", "discriminator": "0001",
        "display_name": "Bob", "status": {"text": "hi", "presence": "Busy"},
        "relationship": "Friend", "online": true
    }))
    .unwrap()
}

#[test]
fn null_and_absent_mean_the_same() {
    let user: User = serde_json::from_value(json!({
        "_id": "01M860BWPTBVM98D71JYP906BF", "username": "bob", "discriminator": "0001",
        "display_name": null, "relations": null, "badges": null, "flags": null,
        "privileged": null, "bot": null, "status": null, "relationship": "None", "online": false
    }))
    .unwrap();
    assert_eq!(user, User::new(user.id, "bob", Discriminator::new(1).unwrap()));
}

#[test]
fn unknown_relationship_and_fields_are_kept_or_ignored() {
    let user: User = serde_json::from_value(json!({
        "_id": "01M860BWPTBVM98D71JYP906BF", "username": "bob", "discriminator": "0001",
        "relationship": "Soulmate", "online": false, "future_field": [1, 2]
    }))
    .unwrap();
    assert_eq!(user.relationship, RelationshipStatus::Unknown("Soulmate".into()));
    assert_eq!(serde_json::to_value(&user).unwrap()["relationship"], "Soulmate");
}

#[test]
fn clears_apply_before_data() {
    let mut user = bob();
    let data = PartialUser {
        status: Some(UserStatus {
            text: Some("new".into()),
            presence: None,
        }),
        ..Default::default()
    };
    let changes = user.apply_update(&data, &[FieldsUser::StatusText, FieldsUser::StatusPresence]);
    assert_eq!(changes, UserChanges::STATUS);
    assert_eq!(
        user.status,
        Some(UserStatus {
            text: Some("new".into()),
            presence: None
        })
    );
}

#[test]
fn clearing_the_whole_status_leaves_none_and_internal_is_ignored() {
    let mut user = bob();
    let changes = user.apply_update(
        &PartialUser::default(),
        &[
            FieldsUser::StatusText,
            FieldsUser::StatusPresence,
            FieldsUser::Internal,
        ],
    );
    assert_eq!(changes, UserChanges::STATUS);
    assert_eq!(user.status, None);
}

#[test]
fn profile_clears_are_reported_and_equal_values_are_not() {
    let mut user = bob();
    let data = PartialUser {
        online: Some(true),
        display_name: Some("Bob".into()),
        ..Default::default()
    };
    let changes = user.apply_update(&data, &[FieldsUser::ProfileBackground]);
    assert_eq!(changes, UserChanges::PROFILE);
}

#[test]
fn invisible_counts_as_offline() {
    let mut user = bob();
    assert!(user.is_online());
    user.status = Some(UserStatus {
        text: None,
        presence: Some(Presence::Invisible),
    });
    assert!(!user.is_online());
}

#[test]
fn default_avatar_follows_the_last_character() {
    let cases = [
        ('0', 2),
        ('S', 2),
        ('T', 3),
        ('B', 4),
        ('V', 5),
        ('W', 6),
        ('X', 7),
        ('Y', 1),
        ('R', 1),
    ];
    for (last, number) in cases {
        let target = format!("01M860BWPTBVM98D71JYP906B{last}");
        assert_eq!(DefaultAvatar::for_target(&target).number(), number, "{target}");
    }
    let user = bob();
    assert_eq!(
        user.display_avatar_url("https://api.example/", "https://cdn.example"),
        "https://api.example/users/01M860BWPTBVM98D71JYP906BF/default_avatar"
    );
}

#[test]
fn partial_user_uses_id_not_underscore_id() {
    let partial: PartialUser =
        serde_json::from_value(json!({"id": "01M860BWPTBVM98D71JYP906BF", "online": true})).unwrap();
    assert!(partial.id.is_some());
    assert_eq!(
        serde_json::to_value(&partial).unwrap(),
        json!({"id": "01M860BWPTBVM98D71JYP906BF", "online": true})
    );
}
