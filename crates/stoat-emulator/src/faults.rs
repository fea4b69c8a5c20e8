//! Faults a test can inject into the emulator.

use std::sync::Mutex;

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
}

/// The faults currently armed.
#[derive(Default)]
pub(crate) struct Faults {
    rest: Mutex<Vec<RestFault>>,
}

impl Faults {
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

    /// The faulty answer for this path, if one is armed (and uses it up).
    pub(crate) fn rest_fault(&self, path: &str) -> Option<Reply> {
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
            RestFaultKind::InternalError => Reply::error(stoat_model::ApiErrorKind::InternalError),
            RestFaultKind::BadGateway => {
                let mut reply = Reply::catcher(500, false);
                reply.status = 502;
                reply
            }
            RestFaultKind::HtmlUnauthorized => Reply::catcher(401, false),
        })
    }
}
