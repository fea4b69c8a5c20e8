//! What the benchmarks share: the generated users and `UserUpdate` frames.
//! `stoat-cache`'s benches and tests include this file too (`#[path]`), so
//! that both crates measure the same corpus.
#![allow(dead_code, reason = "each including binary uses a part")]
#![allow(
    clippy::cast_possible_truncation,
    reason = "small values out of a random word"
)]

use serde_json::{Map, Value, json};

/// A deterministic xorshift generator.
pub(crate) struct Random(u64);

impl Random {
    pub(crate) fn new() -> Self {
        Self(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// True with probability `percent` / 100.
    pub(crate) fn percent(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub(crate) fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }

    /// A user id (26 characters of Crockford base 32).
    pub(crate) fn id(&mut self) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        let mut s = String::from("01M860");
        for _ in 0..20 {
            s.push(char::from(ALPHABET[(self.next() % 32) as usize]));
        }
        s
    }

    /// A file id as the file server issues them (42 characters).
    fn file_id(&mut self) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";
        (0..42)
            .map(|_| char::from(ALPHABET[(self.next() % 64) as usize]))
            .collect()
    }
}

/// Users in the shapes of the recorded fixtures, sparser than a busy
/// community's: a third with display names, a quarter with statuses, a
/// fifth with avatars, some badges and bots.
pub(crate) fn users(count: usize) -> Value {
    let mut random = Random::new();
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
            let r = random.next();
            let mut user = json!({
                "_id": random.id(),
                "username": format!("user{}_{}", i, r % 1000),
                "discriminator": format!("{:04}", r % 10_000),
                "relationship": relationships[(r >> 8) as usize % relationships.len()],
                "online": r & 1 == 0,
            });
            let map = user.as_object_mut().unwrap();
            if r.is_multiple_of(3) {
                map.insert("display_name".into(), json!(format!("Display {i}")));
            }
            if r.is_multiple_of(4) {
                let presence = presences[(r >> 16) as usize % presences.len()];
                map.insert("status".into(), json!({"text": "on the socket", "presence": presence}));
            }
            if r.is_multiple_of(5) {
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
            if r.is_multiple_of(7) {
                map.insert("badges".into(), json!(68));
            }
            if r.is_multiple_of(11) {
                map.insert("bot".into(), json!({"owner": random.id()}));
            }
            user
        })
        .collect();
    Value::Array(list)
}

const PRESENCES: [&str; 4] = ["Online", "Idle", "Focus", "Busy"];
const STATUS_TEXTS: [&str; 6] = [
    "on the socket",
    "brb",
    "shipping v2 today",
    "🎮 playing",
    "do not disturb, exams until friday",
    "away",
];
const PRONOUNS: [&str; 4] = ["they/them", "she/her", "he/him", "any"];

/// An avatar as the server writes it (key order included).
fn avatar(random: &mut Random) -> Value {
    let (filename, content_type) = [
        ("avatar.png", "image/png"),
        ("image.jpg", "image/jpeg"),
        ("IMG_20240512_181503.jpg", "image/jpeg"),
        ("pfp.gif", "image/gif"),
        ("me.webp", "image/webp"),
    ][(random.next() % 5) as usize];
    let side = [128, 256, 400, 512, 1024][(random.next() % 5) as usize];
    json!({
        "_id": random.file_id(), "tag": "avatars", "filename": filename,
        "metadata": {"type": "Image", "width": side, "height": side, "thumbhash": null,
            "animated": content_type == "image/gif"},
        "content_type": content_type, "size": 4_000 + random.next() % 900_000
    })
}

/// A status: a presence, and text on 60 % of them.
fn status(random: &mut Random) -> Value {
    let presence = random.pick(&PRESENCES);
    if random.percent(60) {
        json!({"text": random.pick(&STATUS_TEXTS), "presence": presence})
    } else {
        json!({"presence": presence})
    }
}

/// Users shaped like an active server's members: 45 % with an avatar,
/// 55 % with a status (60 % of them with text), 35 % with a display name,
/// 10 % with pronouns, 5 % with badges, 8 % bots; the first is your own
/// user, related to everyone whose relationship is not `None`.
pub(crate) fn rich_users(count: usize) -> Value {
    const NAMES: [&str; 8] = [
        "alex",
        "sam",
        "nightowl",
        "pixel",
        "kiwi",
        "the_real_jo",
        "m",
        "orbit",
    ];
    let mut random = Random::new();
    let mut relations = Vec::new();
    let mut list: Vec<Value> = (0..count)
        .map(|i| {
            let id = random.id();
            let relationship = match random.next() % 100 {
                _ if i == 0 => "User",
                0..15 => "Friend",
                15..18 => "Incoming",
                18..21 => "Outgoing",
                21..22 => "Blocked",
                _ => "None",
            };
            if !matches!(relationship, "None" | "User") {
                relations.push(json!({"_id": id, "status": relationship}));
            }
            let mut user = Map::new();
            user.insert("_id".into(), json!(id));
            user.insert("username".into(), json!(format!("{}{}", random.pick(&NAMES), i)));
            user.insert(
                "discriminator".into(),
                json!(format!("{:04}", random.next() % 10_000)),
            );
            if random.percent(35) {
                user.insert(
                    "display_name".into(),
                    json!(format!("{} {}", random.pick(&NAMES), i % 100)),
                );
            }
            if random.percent(10) {
                user.insert("pronouns".into(), json!(random.pick(&PRONOUNS)));
            }
            if random.percent(45) {
                user.insert("avatar".into(), avatar(&mut random));
            }
            if random.percent(5) {
                user.insert("badges".into(), json!(1 << (random.next() % 10)));
            }
            if random.percent(55) {
                user.insert("status".into(), status(&mut random));
            }
            if random.percent(8) {
                user.insert("bot".into(), json!({"owner": random.id()}));
            }
            user.insert("relationship".into(), json!(relationship));
            user.insert("online".into(), json!(random.percent(40)));
            Value::Object(user)
        })
        .collect();
    if let Some(Value::Object(me)) = list.first_mut() {
        me.insert("relations".into(), Value::Array(relations));
    }
    Value::Array(list)
}

/// `count` `UserUpdate` frames about the users `ids`, compact and `type`
/// first as the server writes them: half online toggles, a fifth statuses,
/// a tenth display names, a tenth avatars set (a third of them with the
/// old one cleared in the same event), a tenth clears.
pub(crate) fn user_updates(ids: &[String], count: usize) -> Vec<Vec<u8>> {
    let mut random = Random::new();
    (0..count)
        .map(|_| {
            let id = &ids[(random.next() % ids.len() as u64) as usize];
            let (data, clear) = match random.next() % 10 {
                0..5 => (json!({"online": random.percent(50)}), json!([])),
                5 | 6 => (json!({"status": status(&mut random)}), json!([])),
                7 => (
                    json!({"display_name": format!("renamed {}", random.next() % 1000)}),
                    json!([]),
                ),
                8 if random.percent(33) => (json!({"avatar": avatar(&mut random)}), json!(["Avatar"])),
                8 => (json!({"avatar": avatar(&mut random)}), json!([])),
                _ => (
                    json!({}),
                    json!([random.pick(&["StatusText", "DisplayName", "Avatar", "StatusPresence"])]),
                ),
            };
            // Re-encoded through `PartialUser` for the server's key order;
            // the envelope is written by hand to keep `type` first.
            let data: stoat_model::PartialUser = serde_json::from_value(data).unwrap();
            let data = serde_json::to_string(&data).unwrap();
            format!(r#"{{"type":"UserUpdate","id":"{id}","data":{data},"clear":{clear},"event_id":null}}"#)
                .into_bytes()
        })
        .collect()
}
