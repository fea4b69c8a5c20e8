//! When to try again: exponential backoff with full jitter.
//!
//! Attempt 1 (the first connection, or the first retry after losing a
//! connection whose heartbeat was answered) goes at once. Attempt `n ≥ 2`
//! waits a uniformly random delay in
//! `[0, min(cap, base · 2^(n-2))]`: "full jitter" spreads a crowd of
//! clients that lost the same server, so they do not all come back in the
//! same millisecond.

use std::time::Duration;

/// The delay schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Backoff {
    pub(crate) base: Duration,
    pub(crate) cap: Duration,
}

impl Backoff {
    /// The largest delay attempt `attempt` may wait.
    pub(crate) fn ceiling(self, attempt: u32) -> Duration {
        if attempt <= 1 {
            return Duration::ZERO;
        }
        // 2^30 · base is beyond any sensible cap; stop doubling there.
        let doublings = (attempt - 2).min(30);
        self.base.saturating_mul(1 << doublings).min(self.cap)
    }

    /// The delay before attempt `attempt`, drawn from `jitter`.
    pub(crate) fn delay(self, attempt: u32, jitter: &mut Jitter) -> Duration {
        let ceiling = self.ceiling(attempt);
        if ceiling.is_zero() {
            return Duration::ZERO;
        }
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(jitter.below_or_at(nanos))
    }
}

/// A small xorshift64* generator: jitter only has to differ between
/// clients, not resist prediction, so no random-number crate is needed.
#[derive(Clone, Debug)]
pub(crate) struct Jitter(u64);

impl Jitter {
    /// A generator from `seed` (zero would stay zero; it is replaced).
    pub(crate) fn new(seed: u64) -> Self {
        Self(if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed })
    }

    /// Seeded from the clock and this process, so two clients started in
    /// the same instant on different machines or processes still differ.
    pub(crate) fn from_entropy() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        // Truncating the nanoseconds keeps their fast-moving low bits.
        #[allow(clippy::cast_possible_truncation, reason = "only the low bits matter")]
        let mixed = (nanos as u64) ^ (u64::from(std::process::id()) << 32);
        Self::new(mixed)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `[0, max]`.
    pub(crate) fn below_or_at(&mut self, max: u64) -> u64 {
        match max.checked_add(1) {
            Some(bound) => self.next() % bound,
            None => self.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEDULE: Backoff = Backoff {
        base: Duration::from_millis(500),
        cap: Duration::from_secs(30),
    };

    #[test]
    fn the_first_attempt_goes_at_once_and_ceilings_double_up_to_the_cap() {
        let ceilings: Vec<_> = (1..=10).map(|n| SCHEDULE.ceiling(n).as_millis()).collect();
        assert_eq!(
            ceilings,
            [0, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
        );
        assert_eq!(SCHEDULE.ceiling(u32::MAX), SCHEDULE.cap);
    }

    #[test]
    fn delays_stay_within_their_ceiling_and_spread_over_it() {
        let mut jitter = Jitter::new(42);
        for attempt in 1..=12 {
            let ceiling = SCHEDULE.ceiling(attempt);
            let delays: Vec<_> = (0..200).map(|_| SCHEDULE.delay(attempt, &mut jitter)).collect();
            assert!(delays.iter().all(|d| *d <= ceiling), "attempt {attempt}");
            if attempt >= 2 {
                // Full jitter: both halves of the range are used.
                assert!(delays.iter().any(|d| *d < ceiling / 2));
                assert!(delays.iter().any(|d| *d > ceiling / 2));
            }
        }
    }

    #[test]
    fn different_seeds_give_different_delays() {
        let (mut a, mut b) = (Jitter::new(1), Jitter::new(2));
        let a: Vec<_> = (0..8).map(|_| SCHEDULE.delay(5, &mut a)).collect();
        let b: Vec<_> = (0..8).map(|_| SCHEDULE.delay(5, &mut b)).collect();
        assert_ne!(a, b);
        assert_ne!(Jitter::new(0).next(), 0);
    }
}
