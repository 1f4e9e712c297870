//! The platform's "now": the system clock in production, a clock tests move forward by hand.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;
use tokio::sync::Notify;

/// Where "now" comes from for everything whose timing matters (payment expiry and back-off,
/// quote expiry, live reminders, chat notification delay, session and code expiry). Cloning
/// shares the clock: moving one copy moves them all.
#[derive(Clone, Debug)]
pub struct Clock {
    /// Milliseconds added to the system time; only a clock made by [`Clock::adjustable`] moves.
    offset_ms: Arc<AtomicI64>,
    adjustable: bool,
    /// Wakes the [`Clock::sleep`]s when the clock is moved.
    moved: Arc<Notify>,
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self {
            offset_ms: Arc::new(AtomicI64::new(0)),
            adjustable: false,
            moved: Arc::new(Notify::new()),
        }
    }

    /// A clock that runs with the system time and that [`Clock::advance`] moves forward (tests).
    pub fn adjustable() -> Self {
        Self {
            offset_ms: Arc::new(AtomicI64::new(0)),
            adjustable: true,
            moved: Arc::new(Notify::new()),
        }
    }

    /// How far this clock runs ahead of the system time (zero in production).
    pub fn offset(&self) -> time::Duration {
        time::Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }

    /// `now()` in unix seconds (session expiry is stored so).
    pub fn unix(&self) -> i64 {
        self.now().unix_timestamp()
    }

    /// `now()` in unix milliseconds (the shared rate limits store it so).
    pub fn unix_millis(&self) -> i64 {
        let since_epoch = self.now() - OffsetDateTime::UNIX_EPOCH;
        i64::try_from(since_epoch.whole_milliseconds()).unwrap_or(i64::MAX)
    }

    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.offset()
    }

    /// `now()` as stored in timestamp columns (see `db::timestamp`).
    pub fn timestamp(&self) -> String {
        crate::db::timestamp(self.now())
    }

    /// Moves an adjustable clock forward by `by`.
    ///
    /// # Panics
    /// On the system clock: production time is never moved.
    pub fn advance(&self, by: time::Duration) {
        assert!(self.adjustable, "the system clock cannot be moved");
        let ms = i64::try_from(by.whole_milliseconds()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
        self.moved.notify_waiters();
    }

    /// Waits until this clock has moved `by` forward: as `tokio::time::sleep` on the system
    /// clock; an adjustable clock moved past the deadline ends the wait at once.
    pub async fn sleep(&self, by: std::time::Duration) {
        let by = time::Duration::try_from(by).unwrap_or(time::Duration::weeks(5200));
        let deadline = self.now() + by;
        loop {
            let moved = self.moved.notified();
            tokio::pin!(moved);
            // Registered before reading the time, so a move in between is not lost.
            moved.as_mut().enable();
            let left = deadline - self.now();
            if !left.is_positive() {
                return;
            }
            tokio::select! {
                () = tokio::time::sleep(left.unsigned_abs()) => {}
                () = &mut moved => {}
            }
        }
    }
}

/// Rate-limit windows kept in memory (`web::rate_limit`) run on the platform clock too.
impl governor::clock::Clock for Clock {
    type Instant = governor::nanos::Nanos;

    fn now(&self) -> Self::Instant {
        let since_epoch = self.now() - OffsetDateTime::UNIX_EPOCH;
        u64::try_from(since_epoch.whole_nanoseconds())
            .unwrap_or(0)
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_adjustable_clock_moves_every_copy_forward() {
        let clock = Clock::adjustable();
        let copy = clock.clone();
        let before = copy.now();
        clock.advance(time::Duration::hours(2));
        let moved = copy.now() - before;
        assert!(moved >= time::Duration::hours(2), "{moved}");
        assert!(moved < time::Duration::hours(2) + time::Duration::minutes(1));
    }

    #[tokio::test]
    async fn moving_an_adjustable_clock_ends_its_sleeps() {
        let clock = Clock::adjustable();
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move { clock.sleep(std::time::Duration::from_secs(3600)).await })
        };
        tokio::task::yield_now().await;
        clock.advance(time::Duration::hours(1));
        tokio::time::timeout(std::time::Duration::from_secs(5), sleeper)
            .await
            .expect("the sleep ended")
            .expect("joined");
    }

    #[test]
    #[should_panic(expected = "cannot be moved")]
    fn the_system_clock_cannot_be_moved() {
        Clock::system().advance(time::Duration::seconds(1));
    }
}
