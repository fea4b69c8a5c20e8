//! When to try again, for both transports: exponential backoff with full
//! jitter, drawn from one small random source.
//!
//! Retry `n` (1-based) waits a uniformly random delay in
//! `[0, min(cap, base · 2^(n-1))]`. "Full jitter" spreads a crowd of clients
//! that lost the same server, so they do not all come back in the same
//! millisecond; it is the one schedule of the REST retries and the events
//! reconnects.

use std::time::Duration;

/// The delay schedule: `base` for the first retry, doubled for each later
/// one, never more than `cap`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The largest delay of the first retry.
    pub base: Duration,
    /// The largest delay of any retry.
    pub cap: Duration,
}

impl Backoff {
    /// A schedule from `base` up to `cap`.
    pub const fn new(base: Duration, cap: Duration) -> Self {
        Self { base, cap }
    }

    /// The largest delay retry `retry` (1-based) may wait; zero for retry 0.
    ///
    /// ```
    /// use std::time::Duration;
    /// use stoat_model::backoff::Backoff;
    ///
    /// let schedule = Backoff::new(Duration::from_millis(500), Duration::from_secs(2));
    /// let ms: Vec<_> = (0..5).map(|n| schedule.ceiling(n).as_millis()).collect();
    /// assert_eq!(ms, [0, 500, 1000, 2000, 2000]);
    /// ```
    pub fn ceiling(self, retry: u32) -> Duration {
        if retry == 0 {
            return Duration::ZERO;
        }
        // 2^30 · base is beyond any sensible cap; stop doubling there.
        let doublings = (retry - 1).min(30);
        self.base.saturating_mul(1 << doublings).min(self.cap)
    }

    /// The delay before retry `retry`, drawn from `jitter`.
    pub fn delay(self, retry: u32, jitter: &mut Jitter) -> Duration {
        let ceiling = self.ceiling(retry);
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
pub struct Jitter(u64);

impl Jitter {
    /// A generator from `seed`, for reproducible delays (zero would stay
    /// zero; it is replaced).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed })
    }

    /// A generator seeded by [`random`], so two clients started in the same
    /// instant still differ.
    pub fn from_entropy() -> Self {
        Self::new(random())
    }

    /// The next raw value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `[0, max]`.
    pub fn below_or_at(&mut self, max: u64) -> u64 {
        match max.checked_add(1) {
            Some(bound) => self.next_u64() % bound,
            None => self.next_u64(),
        }
    }
}

/// A random number for jitter, multipart boundaries and the like (nothing
/// secret depends on it): the standard library's hasher, keyed randomly per
/// process and per call, over the current instant.
pub fn random() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(std::time::Instant::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEDULE: Backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));

    #[test]
    fn retry_zero_waits_nothing_and_ceilings_double_up_to_the_cap() {
        let ceilings: Vec<_> = (0..10).map(|n| SCHEDULE.ceiling(n).as_millis()).collect();
        assert_eq!(
            ceilings,
            [0, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
        );
        assert_eq!(SCHEDULE.ceiling(u32::MAX), SCHEDULE.cap);
    }

    #[test]
    fn delays_stay_within_their_ceiling_and_spread_over_it() {
        let mut jitter = Jitter::new(42);
        for retry in 0..=12 {
            let ceiling = SCHEDULE.ceiling(retry);
            let delays: Vec<_> = (0..200).map(|_| SCHEDULE.delay(retry, &mut jitter)).collect();
            assert!(delays.iter().all(|d| *d <= ceiling), "retry {retry}");
            if retry >= 1 {
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
        assert_ne!(Jitter::new(0).next_u64(), 0);
        assert_ne!(random(), random(), "keyed anew on every call");
    }
}
