//! What the benchmarks of `stoat-model` share: the generated users.

use serde_json::{Value, json};

/// A deterministic generator of real-shaped users: the shapes and value
/// sizes of the recorded fixtures (plain users, display names, statuses,
/// avatars with image metadata, badges, bots).
pub(crate) fn users(count: usize) -> Value {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut seed = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let id = |next: &mut dyn FnMut() -> u64| -> String {
        let mut s = String::from("01M860");
        for _ in 0..20 {
            s.push(char::from(ALPHABET[(next() % 32) as usize]));
        }
        s
    };
    let presences = ["Online", "Idle", "Focus", "Busy"];
    let relationships = [
        "Friend",
        "None",
        "Incoming",
        "Outgoing",
        "Blocked",
        "BlockedOther",
    ];
    let list = (0..count)
        .map(|i| {
            let r = next();
            let mut user = json!({
                "_id": id(&mut next),
                "username": format!("user{}_{}", i, r % 1000),
                "discriminator": format!("{:04}", r % 10_000),
                "relationship": relationships[(r >> 8) as usize % relationships.len()],
                "online": r & 1 == 0,
            });
            let map = user.as_object_mut().unwrap();
            if r % 3 == 0 {
                map.insert("display_name".into(), json!(format!("Display {i}")));
            }
            if r % 4 == 0 {
                let presence = presences[(r >> 16) as usize % presences.len()];
                map.insert("status".into(), json!({"text": "on the socket", "presence": presence}));
            }
            if r % 5 == 0 {
                map.insert(
                    "avatar".into(),
                    json!({
                        "_id": "pN5jK_LvUyQYhmzp55C54Xi58l66sNdt38PCvoCsvM", "tag": "avatars",
                        "filename": "avatar.png",
                        "metadata": {"type": "Image", "width": 256, "height": 256, "thumbhash": null, "animated": false},
                        "content_type": "image/png", "size": 48_213
                    }),
                );
            }
            if r % 7 == 0 {
                map.insert("badges".into(), json!(68));
            }
            if r % 11 == 0 {
                map.insert("bot".into(), json!({"owner": id(&mut next)}));
            }
            user
        })
        .collect();
    Value::Array(list)
}
