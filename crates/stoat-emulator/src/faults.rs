//! Faults a test can inject into the emulator.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use stoat_model::UserId;

use crate::reply::Reply;

/// A REST fault: the next `count` requests whose path starts with `prefix`
/// get `kind` instead of their answer.
#[derive(Clone, Debug)]
struct RestFault {
    prefix: String,
    kind: RestFaultKind,
    count: usize,
}

/// What a faulty REST answer looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RestFaultKind {
    /// A 500 with the server's `InternalError` body.
    InternalError,
    /// A 502 from a proxy, with an HTML page.
    BadGateway,
    /// An HTML 401 page, as when `Accept` does not prefer JSON.
    HtmlUnauthorized,
    /// A 503 from a proxy, in plain text.
    ServiceUnavailable,
    /// The route's real answer, waited for this long first (a slow server).
    Slow(Duration),
    /// The route's real answer cut in half, with a `Content-Length` that
    /// matches the half: a complete HTTP response holding broken JSON.
    Truncated,
    /// The route's real answer announced whole, then the connection closed
    /// after half of it (a connection lost mid-response).
    DroppedMidResponse,
}

/// What an armed REST fault does to one request.
pub(crate) enum RestFaultAction {
    /// Answer this instead of running the route.
    Replace(Reply),
    /// Wait, then answer normally.
    Delay(Duration),
    /// Run the route, then cut its answer in half.
    Truncate,
    /// Run the route, then drop the connection halfway through its body.
    Drop,
}

/// The faults currently armed, and what clients sent.
#[derive(Default)]
pub(crate) struct Faults {
    rest: Mutex<Vec<RestFault>>,
    silent_pings: AtomicBool,
    event_delay: Mutex<Duration>,
    refused_upgrades: AtomicUsize,
    /// How many of each user's next events are sent twice.
    duplicated: Mutex<HashMap<UserId, usize>>,
    received: Mutex<HashMap<UserId, u64>>,
    /// Raw and flood frames written to each user: (frames, bytes).
    sent: Mutex<HashMap<UserId, (u64, u64)>>,
}

impl Faults {
    pub(crate) fn silence_pings(&self, silent: bool) {
        self.silent_pings.store(silent, Ordering::SeqCst);
    }

    pub(crate) fn pings_silenced(&self) -> bool {
        self.silent_pings.load(Ordering::SeqCst)
    }

    pub(crate) fn delay_events(&self, delay: Duration) {
        *self
            .event_delay
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = delay;
    }

    pub(crate) fn event_delay(&self) -> Duration {
        *self
            .event_delay
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn refuse_upgrades(&self, count: usize) {
        self.refused_upgrades.store(count, Ordering::SeqCst);
    }

    pub(crate) fn duplicate_events(&self, user: UserId, count: usize) {
        self.duplicated
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(user, count);
    }

    /// Whether this event to `user` is to be sent twice (and uses one up).
    pub(crate) fn take_duplicate(&self, user: UserId) -> bool {
        let mut duplicated = self
            .duplicated
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match duplicated.get_mut(&user) {
            Some(left) if *left > 0 => {
                *left -= 1;
                true
            }
            _ => false,
        }
    }

    /// Whether this upgrade is to be refused (and uses one refusal up).
    pub(crate) fn take_refusal(&self) -> bool {
        self.refused_upgrades
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    pub(crate) fn count_received(&self, user: Option<UserId>) {
        let key = user.unwrap_or(UserId::SYSTEM);
        *self
            .received
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(key)
            .or_default() += 1;
    }

    pub(crate) fn received(&self, user: UserId) -> u64 {
        self.received
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&user)
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn count_sent(&self, user: UserId, bytes: usize) {
        let mut sent = self
            .sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = sent.entry(user).or_default();
        entry.0 += 1;
        entry.1 += bytes as u64;
    }

    pub(crate) fn sent(&self, user: UserId) -> (u64, u64) {
        self.sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&user)
            .copied()
            .unwrap_or_default()
    }

    pub(crate) fn arm_rest(&self, prefix: &str, kind: RestFaultKind, count: usize) {
        self.rest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(RestFault {
                prefix: prefix.to_owned(),
                kind,
                count,
            });
    }

    /// The fault armed for this path, if any (and uses it up).
    pub(crate) fn rest_fault(&self, path: &str) -> Option<RestFaultAction> {
        let mut faults = self
            .rest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let at = faults
            .iter()
            .position(|f| path.starts_with(&f.prefix) && f.count > 0)?;
        faults[at].count -= 1;
        let kind = faults[at].kind;
        faults.retain(|f| f.count > 0);
        Some(match kind {
            RestFaultKind::InternalError => {
                RestFaultAction::Replace(Reply::error(stoat_model::ApiErrorKind::InternalError))
            }
            RestFaultKind::BadGateway => RestFaultAction::Replace(Reply::html(
                502,
                "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
            )),
            RestFaultKind::HtmlUnauthorized => RestFaultAction::Replace(Reply::catcher(401, false)),
            RestFaultKind::ServiceUnavailable => RestFaultAction::Replace(Reply::text(
                503,
                "upstream connect error or disconnect/reset before headers",
            )),
            RestFaultKind::Slow(delay) => RestFaultAction::Delay(delay),
            RestFaultKind::Truncated => RestFaultAction::Truncate,
            RestFaultKind::DroppedMidResponse => RestFaultAction::Drop,
        })
    }
}
