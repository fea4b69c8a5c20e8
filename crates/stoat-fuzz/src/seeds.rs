//! The seed corpus: the recorded and constructed fixtures, cut into what
//! each target reads, plus the kept inputs in `corpus/<target>/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use stoat_model::event::{Event, Format};

/// Seed inputs of one target.
pub type Seeds = Vec<Vec<u8>>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every JSON document in a fixtures folder.
fn documents(folder: &str) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(root().join("fixtures").join(folder)) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    paths
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
        .collect()
}

/// Event payloads: single events, and the `data` of every session frame.
fn events() -> Vec<Value> {
    let mut events = documents("events");
    for session in documents("sessions") {
        for frame in session.as_array().into_iter().flatten() {
            events.push(frame.get("data").cloned().unwrap_or_else(|| frame.clone()));
        }
    }
    events.retain(|e| e.get("type").is_some());
    events
}

/// Every string value, for the string parsers.
fn strings(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::String(text) if text.len() <= 64 => {
            out.insert(text.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The seeds of `target` (see [`crate::TARGETS`]).
pub fn seeds(target: &str) -> Seeds {
    let mut seeds: Seeds = match target {
        "event_json" => events()
            .iter()
            .flat_map(|e| {
                [
                    serde_json::to_vec(e).unwrap_or_default(),
                    serde_json::to_vec_pretty(e).unwrap_or_default(),
                ]
            })
            .collect(),
        "event_msgpack" => events()
            .iter()
            .filter_map(|e| Event::decode(Format::Json, &serde_json::to_vec(e).ok()?).ok())
            .map(|e| e.encode(Format::MsgPack))
            .collect(),
        "rest_body" => {
            let mut bodies: Seeds = documents("rest")
                .iter()
                .flat_map(|exchange| {
                    let body = exchange
                        .get("body")
                        .filter(|b| !b.is_null())
                        .map(|b| serde_json::to_vec(b).unwrap_or_default());
                    let raw = exchange
                        .get("raw_body")
                        .and_then(Value::as_str)
                        .map(|r| r.as_bytes().to_vec());
                    body.into_iter().chain(raw)
                })
                .collect();
            bodies.extend(
                documents("constructed")
                    .iter()
                    .map(|d| serde_json::to_vec(d).unwrap_or_default()),
            );
            bodies
        }
        "parsed_strings" => {
            let mut found = BTreeSet::new();
            for folder in ["rest", "events", "constructed"] {
                for document in documents(folder) {
                    strings(&document, &mut found);
                }
            }
            found.into_iter().map(String::into_bytes).collect()
        }
        _ => Vec::new(),
    };
    // Inputs kept from earlier runs (crashes fixed, interesting cases).
    if let Ok(entries) = std::fs::read_dir(root().join("crates/stoat-fuzz/corpus").join(target)) {
        let mut kept: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        kept.sort();
        seeds.extend(kept.iter().filter_map(|p| std::fs::read(p).ok()));
    }
    seeds.sort();
    seeds.dedup();
    seeds
}
