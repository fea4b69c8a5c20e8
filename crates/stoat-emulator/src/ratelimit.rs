//! The server's rate limiter: fixed windows per bucket, resource and
//! identifier (spec 7).

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Which bucket a request falls in, its limit and its resource part.
pub(crate) fn classify(method: &str, segments: &[&str]) -> (&'static str, u32, String) {
    let segments = match segments {
        ["0.8", rest @ ..] => rest,
        other => other,
    };
    let resource = |i: usize| segments.get(i).map_or_else(String::new, |s| (*s).to_owned());
    match (method, segments) {
        ("PATCH", ["users", target, ..]) => ("user_edit", 2, (*target).to_owned()),
        (_, ["users", _, "default_avatar"]) => ("default_avatar", 255, String::new()),
        (_, ["users", ..]) => ("users", 20, String::new()),
        (_, ["bots", ..]) => ("bots", 10, String::new()),
        ("POST", ["channels", _, "messages", ..]) => ("messaging", 10, resource(1)),
        (_, ["channels", ..]) => ("channels", 15, resource(1)),
        (_, ["servers", ..]) => ("servers", 5, resource(1)),
        ("DELETE", ["auth", ..]) => ("auth_delete", 255, String::new()),
        (_, ["auth", ..]) => ("auth", 15, String::new()),
        (_, ["safety", "report"]) => ("safety_report", 3, "report".to_owned()),
        (_, ["safety", ..]) => ("safety", 15, String::new()),
        (_, ["swagger", ..]) => ("swagger", 100, String::new()),
        ("POST", ["autumn", tag]) => ("upload", 10, (*tag).to_owned()),
        _ => ("any", 20, String::new()),
    }
}

struct Window {
    started: Instant,
    used: u32,
}

/// Fixed windows keyed by (identifier, bucket, resource).
pub(crate) struct Limiter {
    enabled: bool,
    window: Duration,
    windows: Mutex<HashMap<u64, Window>>,
}

/// The outcome of one request against the limiter.
pub(crate) struct Verdict {
    pub(crate) allowed: bool,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) retry_after_ms: u64,
}

impl Limiter {
    /// A limiter that limits (`enabled`) or only lets everything through.
    pub(crate) fn with(enabled: bool, window: Duration) -> Self {
        Self {
            enabled,
            window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn check(&self, identifier: &str, bucket: &str, limit: u32, resource: &str) -> Verdict {
        // Limiting off: a server without the limiter sends no headers.
        if !self.enabled {
            return Verdict {
                allowed: true,
                headers: Vec::new(),
                retry_after_ms: 0,
            };
        }
        let mut hasher = DefaultHasher::new();
        (identifier, bucket, resource).hash(&mut hasher);
        let key = hasher.finish();
        let now = Instant::now();
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let window = windows.entry(key).or_insert(Window {
            started: now,
            used: 0,
        });
        if now.duration_since(window.started) >= self.window {
            *window = Window {
                started: now,
                used: 0,
            };
        }
        let reset_after = self.window.saturating_sub(now.duration_since(window.started));
        let reset_ms = u64::try_from(reset_after.as_millis()).unwrap_or(u64::MAX);
        let allowed = window.used < limit;
        if allowed {
            window.used += 1;
        }
        let remaining = limit - window.used.min(limit);
        Verdict {
            allowed,
            headers: vec![
                ("x-ratelimit-limit", limit.to_string()),
                ("x-ratelimit-bucket", key.to_string()),
                ("x-ratelimit-remaining", remaining.to_string()),
                ("x-ratelimit-reset-after", reset_ms.to_string()),
            ],
            retry_after_ms: reset_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_server_table() {
        assert_eq!(classify("PATCH", &["users", "@me", "username"]).0, "user_edit");
        assert_eq!(classify("PATCH", &["users", "@me"]).2, "@me");
        assert_eq!(classify("GET", &["users", "x", "default_avatar"]).1, 255);
        assert_eq!(classify("GET", &["0.8", "users", "@me"]).0, "users");
        assert_eq!(classify("POST", &["channels", "c", "messages"]).0, "messaging");
        assert_eq!(classify("GET", &["channels", "c", "messages"]).0, "channels");
        assert_eq!(classify("POST", &["safety", "report"]).1, 3);
        assert_eq!(classify("GET", &[""]).0, "any");
    }

    #[test]
    fn a_window_allows_its_limit_then_refuses() {
        let limiter = Limiter::with(true, Duration::from_secs(10));
        let remaining: Vec<String> = (0..3)
            .map(|_| limiter.check("me", "user_edit", 2, "@me").headers[2].1.clone())
            .collect();
        assert_eq!(remaining, ["1", "0", "0"]);
        assert!(!limiter.check("me", "user_edit", 2, "@me").allowed);
        assert!(limiter.check("me", "user_edit", 2, "01ABC").allowed, "per target");
    }
}
