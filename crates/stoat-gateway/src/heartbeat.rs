//! The client's pings: when to send one, and when a missing `Pong` means
//! the connection is dead. Pure bookkeeping over instants; the driver owns
//! the timer.

use std::time::Duration;

use stoat_model::event::PingData;
use tokio::time::Instant;

/// What the heartbeat asks for at a given instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Due {
    /// Nothing until this instant.
    Wait(Instant),
    /// Send a `Ping` with this number now.
    Ping(u64),
    /// The `Pong` did not come within the timeout: the connection is dead.
    Dead,
}

/// One connection's ping state. A new connection gets a new one.
#[derive(Debug)]
pub(crate) struct Heartbeat {
    interval: Duration,
    timeout: Duration,
    next_ping: Instant,
    next_number: u64,
    /// The unanswered ping: its number and when it left.
    outstanding: Option<(u64, Instant)>,
}

impl Heartbeat {
    /// The first ping goes one interval after `now`.
    pub(crate) fn new(now: Instant, interval: Duration, timeout: Duration) -> Self {
        Self {
            interval,
            timeout,
            next_ping: later(now, interval),
            next_number: 1,
            outstanding: None,
        }
    }

    /// When the driver must call [`due`](Self::due) next.
    pub(crate) fn wakeup(&self) -> Instant {
        match self.outstanding {
            // Only one ping is ever in flight: its deadline comes first.
            Some((_, sent)) => later(sent, self.timeout),
            None => self.next_ping,
        }
    }

    /// What to do at `now`. A `Ping` it returns counts as sent.
    pub(crate) fn due(&mut self, now: Instant) -> Due {
        if let Some((_, sent)) = self.outstanding {
            let deadline = later(sent, self.timeout);
            return if now >= deadline {
                Due::Dead
            } else {
                Due::Wait(deadline)
            };
        }
        if now < self.next_ping {
            return Due::Wait(self.next_ping);
        }
        let number = self.next_number;
        self.next_number += 1;
        self.outstanding = Some((number, now));
        self.next_ping = later(now, self.interval);
        Due::Ping(number)
    }

    /// A `Pong` arrived: the round-trip time if it answers the ping in
    /// flight; `None` for a stale or foreign one.
    pub(crate) fn pong(&mut self, data: &PingData, now: Instant) -> Option<Duration> {
        match (self.outstanding, data) {
            (Some((number, sent)), PingData::Number(echoed)) if number == *echoed => {
                self.outstanding = None;
                Some(now.saturating_duration_since(sent))
            }
            _ => None,
        }
    }

    /// How long a `Pong` is waited for.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// `at + by`, or about thirty years on when that would overflow (a
/// `Duration::MAX` interval or timeout means "never").
fn later(at: Instant, by: Duration) -> Instant {
    const NEVER: Duration = Duration::from_secs(30 * 365 * 24 * 60 * 60);
    at.checked_add(by.min(NEVER)).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERVAL: Duration = Duration::from_secs(20);
    const TIMEOUT: Duration = Duration::from_secs(10);

    #[tokio::test(start_paused = true)]
    async fn pings_every_interval_with_increasing_numbers_and_measures_latency() {
        let start = Instant::now();
        let mut heartbeat = Heartbeat::new(start, INTERVAL, TIMEOUT);
        assert_eq!(heartbeat.due(start), Due::Wait(start + INTERVAL));
        for expected in 1..=3 {
            tokio::time::sleep_until(heartbeat.wakeup()).await;
            assert_eq!(heartbeat.due(Instant::now()), Due::Ping(expected));
            tokio::time::advance(Duration::from_millis(35)).await;
            let latency = heartbeat.pong(&PingData::Number(expected), Instant::now());
            assert_eq!(latency, Some(Duration::from_millis(35)));
        }
        // Three intervals passed; the pongs did not shift the schedule.
        assert_eq!(heartbeat.wakeup(), start + 4 * INTERVAL);
    }

    #[tokio::test(start_paused = true)]
    async fn a_missing_pong_is_dead_at_the_deadline_not_before() {
        let mut heartbeat = Heartbeat::new(Instant::now(), INTERVAL, TIMEOUT);
        tokio::time::sleep_until(heartbeat.wakeup()).await;
        assert_eq!(heartbeat.due(Instant::now()), Due::Ping(1));
        let deadline = Instant::now() + TIMEOUT;
        assert_eq!(heartbeat.wakeup(), deadline);
        tokio::time::advance(TIMEOUT.saturating_sub(Duration::from_millis(1))).await;
        assert_eq!(heartbeat.due(Instant::now()), Due::Wait(deadline));
        tokio::time::sleep_until(heartbeat.wakeup()).await;
        assert_eq!(heartbeat.due(Instant::now()), Due::Dead);
    }

    #[tokio::test(start_paused = true)]
    async fn an_endless_interval_or_timeout_means_never_and_does_not_overflow() {
        let now = Instant::now();
        let mut heartbeat = Heartbeat::new(now, Duration::MAX, Duration::MAX);
        assert!(heartbeat.wakeup() > now + Duration::from_secs(365 * 24 * 60 * 60));
        assert!(matches!(heartbeat.due(now), Due::Wait(_)));
        let mut heartbeat = Heartbeat::new(now, Duration::ZERO, Duration::MAX);
        assert_eq!(heartbeat.due(now), Due::Ping(1));
        assert!(matches!(heartbeat.due(now), Due::Wait(_)));
    }

    #[tokio::test(start_paused = true)]
    async fn stale_and_foreign_pongs_do_not_count() {
        let mut heartbeat = Heartbeat::new(Instant::now(), INTERVAL, TIMEOUT);
        tokio::time::advance(INTERVAL).await;
        assert_eq!(heartbeat.due(Instant::now()), Due::Ping(1));
        assert_eq!(heartbeat.pong(&PingData::Number(7), Instant::now()), None);
        assert_eq!(heartbeat.pong(&PingData::Bytes(vec![1]), Instant::now()), None);
        tokio::time::advance(TIMEOUT).await;
        assert_eq!(heartbeat.due(Instant::now()), Due::Dead);
    }

    #[tokio::test(start_paused = true)]
    async fn no_second_ping_while_one_is_in_flight() {
        // A timeout longer than the interval: the next ping waits for the pong.
        let mut heartbeat = Heartbeat::new(Instant::now(), TIMEOUT, INTERVAL);
        tokio::time::advance(TIMEOUT).await;
        assert_eq!(heartbeat.due(Instant::now()), Due::Ping(1));
        tokio::time::advance(TIMEOUT).await;
        assert!(matches!(heartbeat.due(Instant::now()), Due::Wait(_)));
        assert!(heartbeat.pong(&PingData::Number(1), Instant::now()).is_some());
        assert_eq!(heartbeat.due(Instant::now()), Due::Ping(2));
    }
}
