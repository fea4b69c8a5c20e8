//! Choosing which events to decode.

use std::ops::{BitOr, BitOrAssign};

use super::EventKind;

/// A set of [`EventKind`]s. Frames of other kinds are dropped after their
/// tag is read, before any decoding.
///
/// ```
/// use stoat_model::event::{EventFlags, EventKind};
///
/// let wanted = EventFlags::of(EventKind::UserUpdate) | EventKind::UserRelationship;
/// assert!(wanted.contains_kind(EventKind::UserRelationship));
/// assert!(!wanted.contains_kind(EventKind::Message));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventFlags(u64);

impl EventFlags {
    /// Every kind, unknown ones included.
    pub const fn all() -> Self {
        Self(u64::MAX)
    }

    /// No kind.
    pub const fn empty() -> Self {
        Self(0)
    }

    /// Just one kind.
    pub const fn of(kind: EventKind) -> Self {
        Self(kind.bit())
    }

    /// What a connection cannot work without: authentication, `Ready`,
    /// pongs, errors and logout.
    pub const fn connection() -> Self {
        Self(
            EventKind::Authenticated.bit()
                | EventKind::Ready.bit()
                | EventKind::Pong.bit()
                | EventKind::Error.bit()
                | EventKind::Logout.bit(),
        )
    }

    /// This set plus `kind`.
    #[must_use]
    pub const fn with(self, kind: EventKind) -> Self {
        Self(self.0 | kind.bit())
    }

    /// This set without `kind`.
    #[must_use]
    pub const fn without(self, kind: EventKind) -> Self {
        Self(self.0 & !kind.bit())
    }

    /// Whether `kind` is in the set.
    pub const fn contains_kind(self, kind: EventKind) -> bool {
        self.0 & kind.bit() != 0
    }
}

impl Default for EventFlags {
    fn default() -> Self {
        Self::all()
    }
}

impl BitOr for EventFlags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl BitOr<EventKind> for EventFlags {
    type Output = Self;
    fn bitor(self, rhs: EventKind) -> Self {
        self.with(rhs)
    }
}

impl BitOrAssign<EventKind> for EventFlags {
    fn bitor_assign(&mut self, rhs: EventKind) {
        *self = self.with(rhs);
    }
}

impl FromIterator<EventKind> for EventFlags {
    fn from_iter<I: IntoIterator<Item = EventKind>>(iter: I) -> Self {
        iter.into_iter().fold(Self::empty(), Self::with)
    }
}
