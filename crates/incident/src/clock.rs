//! Time in Asia/Shanghai, through a [`Clock`] that tests control.

use std::sync::Mutex;

use chrono::{DateTime, Duration, FixedOffset, Utc};

/// Asia/Shanghai: UTC+8 all year (China has had no daylight saving time since 1991), so a
/// fixed offset is exact and needs no time zone database.
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

/// Where "now" comes from. The platform uses [`SystemClock`]; tests use [`TestClock`].
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<FixedOffset>;
}

/// The operating system's clock, in Shanghai time.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<FixedOffset> {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        DateTime::<Utc>::from_timestamp(since_epoch.as_secs() as i64, since_epoch.subsec_nanos())
            .unwrap_or_default()
            .with_timezone(&shanghai())
    }
}

/// A clock that stands still until it is set or advanced.
#[derive(Debug)]
pub struct TestClock {
    now: Mutex<DateTime<FixedOffset>>,
}

impl TestClock {
    pub fn new(start: DateTime<FixedOffset>) -> TestClock {
        TestClock {
            now: Mutex::new(start),
        }
    }

    /// A clock at the given Shanghai wall time, e.g. `at(2026, 3, 1, 9, 0)`.
    pub fn at(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> TestClock {
        TestClock::new(shanghai_time(year, month, day, hour, minute))
    }

    pub fn set(&self, now: DateTime<FixedOffset>) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = now;
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<FixedOffset> {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A Shanghai wall time. Panics on a date that does not exist (a test's typo).
pub fn shanghai_time(
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
) -> DateTime<FixedOffset> {
    use chrono::TimeZone as _;
    shanghai()
        .with_ymd_and_hms(year, month, day, hour, minute, 0)
        .single()
        .expect("a valid Shanghai wall time")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_reads_in_shanghai_time() {
        let now = SystemClock.now();
        assert_eq!(now.offset().local_minus_utc(), 8 * 3600);
        assert!(now.timestamp() > 1_700_000_000);
    }

    #[test]
    fn test_clock_moves_only_when_told() {
        let clock = TestClock::at(2026, 3, 1, 23, 30);
        assert_eq!(clock.now(), clock.now());
        clock.advance(Duration::minutes(45));
        // Across midnight in Shanghai time, which is still 2026-03-01 in UTC.
        assert_eq!(clock.now().to_rfc3339(), "2026-03-02T00:15:00+08:00");
        assert_eq!(clock.now().naive_utc().to_string(), "2026-03-01 16:15:00");
        clock.set(shanghai_time(2026, 1, 1, 0, 0));
        assert_eq!(clock.now().to_rfc3339(), "2026-01-01T00:00:00+08:00");
    }
}
