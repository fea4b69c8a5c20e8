//! The badge and flag bitfields of a user.

use bitflags::bitflags;

use crate::macros::integer_flags_serde;

bitflags! {
    /// Badges shown on a profile (`badges`, u32 on the wire).
    ///
    /// Bits this version does not name are kept, so they survive a round trip.
    ///
    /// ```
    /// use stoat_model::UserBadges;
    ///
    /// let badges: UserBadges = serde_json::from_str("68")?;
    /// assert!(badges.is_supporter() && badges.is_active_supporter());
    /// let with_future_bit = UserBadges::from_bits_retain(1 << 20 | 1);
    /// assert_eq!(serde_json::to_string(&with_future_bit)?, "1048577");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
    pub struct UserBadges: u32 {
        /// Stoat developer.
        const DEVELOPER = 1;
        /// Helped translate Stoat.
        const TRANSLATOR = 1 << 1;
        /// Supported Stoat with money.
        const SUPPORTER = 1 << 2;
        /// Responsibly disclosed a security issue.
        const RESPONSIBLE_DISCLOSURE = 1 << 3;
        /// Stoat founder.
        const FOUNDER = 1 << 4;
        /// Platform moderator.
        const PLATFORM_MODERATION = 1 << 5;
        /// Currently supports Stoat with money.
        const ACTIVE_SUPPORTER = 1 << 6;
        /// 🦊🦝
        const PAW = 1 << 7;
        /// One of the first users (computed by the server from the id).
        const EARLY_ADOPTER = 1 << 8;
        /// Reserved joke badge 1.
        const RESERVED_RELEVANT_JOKE_BADGE_1 = 1 << 9;
        /// Reserved joke badge 2.
        const RESERVED_RELEVANT_JOKE_BADGE_2 = 1 << 10;
    }
}
integer_flags_serde!(UserBadges);

bitflags! {
    /// Account state flags (`flags`, u32 in `User`, i32 elsewhere).
    ///
    /// Bits this version does not name are kept.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
    pub struct UserFlags: u32 {
        /// Suspended from the platform.
        const SUSPENDED_UNTIL = 1;
        /// Deleted their account.
        const DELETED = 1 << 1;
        /// Banned from the platform.
        const BANNED = 1 << 2;
        /// Marked as spam and removed.
        const SPAM = 1 << 3;
    }
}
integer_flags_serde!(UserFlags);

/// Named predicates, as stoat.py has them.
macro_rules! predicates {
    ($ty:ident { $( $(#[$doc:meta])* $name:ident => $flag:ident, )* }) => {
        impl $ty {
            $( $(#[$doc])* pub const fn $name(self) -> bool { self.contains(Self::$flag) } )*
        }
    };
}

predicates!(UserBadges {
    /// Has the developer badge.
    is_developer => DEVELOPER,
    /// Has the translator badge.
    is_translator => TRANSLATOR,
    /// Has the supporter badge.
    is_supporter => SUPPORTER,
    /// Has the responsible-disclosure badge.
    is_responsible_disclosure => RESPONSIBLE_DISCLOSURE,
    /// Has the founder badge.
    is_founder => FOUNDER,
    /// Has the platform-moderation badge.
    is_platform_moderator => PLATFORM_MODERATION,
    /// Has the active-supporter badge.
    is_active_supporter => ACTIVE_SUPPORTER,
    /// Has the paw badge.
    is_paw => PAW,
    /// Has the early-adopter badge.
    is_early_adopter => EARLY_ADOPTER,
    /// Has the first reserved joke badge.
    is_relevant_joke_1 => RESERVED_RELEVANT_JOKE_BADGE_1,
    /// Has the second reserved joke badge.
    is_relevant_joke_2 => RESERVED_RELEVANT_JOKE_BADGE_2,
});

predicates!(UserFlags {
    /// The account is suspended.
    is_suspended => SUSPENDED_UNTIL,
    /// The account was deleted.
    is_deleted => DELETED,
    /// The account was banned.
    is_banned => BANNED,
    /// The account was removed as spam.
    is_spammer => SPAM,
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_bits_survive_and_negative_i32_is_read_as_bits() {
        let flags: UserFlags = serde_json::from_str("4294967295").unwrap();
        assert!(flags.is_banned() && flags.is_spammer());
        assert_eq!(serde_json::to_string(&flags).unwrap(), "4294967295");
        let same: UserFlags = serde_json::from_str("-1").unwrap();
        assert_eq!(same, flags);
        assert!(serde_json::from_str::<UserFlags>("8589934592").is_err());
    }
}
