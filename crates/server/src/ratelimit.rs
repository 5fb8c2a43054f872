//! In-memory rate limiting: one token bucket per key (a client address, a username, a session),
//! in a map of bounded size. Used for sign-in and the API; any other endpoint (a public form)
//! makes its own [`RateLimiter`] with its own [`Rate`] and keys.
//!
//! Memory stays bounded under a flood of new keys: at capacity, buckets that have refilled
//! completely are dropped first (forgetting them changes nothing), then the least recently
//! used eighth, so eviction is amortised rather than a full scan per request.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

/// How many requests a key may make: `burst` at once, refilled at `per_minute`.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    pub burst: u32,
    pub per_minute: u32,
}

impl Rate {
    fn seconds_per_token(self) -> f64 {
        60.0 / f64::from(self.per_minute.max(1))
    }
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

pub struct RateLimiter {
    rate: Rate,
    max_keys: usize,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// A refused request: how long until it would be admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds for a `Retry-After` header, never 0.
    pub fn seconds(self) -> u64 {
        (self.0.as_secs_f64().ceil() as u64).max(1)
    }
}

impl RateLimiter {
    /// A limiter holding at most `max_keys` buckets.
    pub fn new(rate: Rate, max_keys: usize) -> RateLimiter {
        RateLimiter {
            rate,
            max_keys: max_keys.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token from `key`'s bucket, or says when one will be there.
    pub fn check(&self, key: &str) -> Result<(), RetryAfter> {
        self.check_at(key, Instant::now())
    }

    /// [`check`](Self::check) at a given instant (tests drive the clock).
    pub fn check_at(&self, key: &str, now: Instant) -> Result<(), RetryAfter> {
        let key = bounded_key(key);
        let burst = f64::from(self.rate.burst.max(1));
        let per_token = self.rate.seconds_per_token();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        // Looked up by `&str` first, so a known key costs no allocation.
        if !buckets.contains_key(key) {
            if buckets.len() >= self.max_keys {
                self.evict(&mut buckets, now);
            }
            buckets.insert(
                key.to_owned(),
                Bucket {
                    tokens: burst,
                    updated: now,
                },
            );
        }
        let bucket = buckets.get_mut(key).expect("inserted above");
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed / per_token).min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(RetryAfter(Duration::from_secs_f64(
                (1.0 - bucket.tokens) * per_token,
            )))
        }
    }

    fn evict(&self, buckets: &mut HashMap<String, Bucket>, now: Instant) {
        let burst = f64::from(self.rate.burst.max(1));
        let per_token = self.rate.seconds_per_token();
        buckets.retain(|_, b| {
            b.tokens + now.saturating_duration_since(b.updated).as_secs_f64() / per_token < burst
        });
        if buckets.len() < self.max_keys {
            return;
        }
        let mut ages: Vec<Instant> = buckets.values().map(|b| b.updated).collect();
        let cut = (ages.len() / 8).max(1);
        let (_, oldest_kept, _) = ages.select_nth_unstable(cut - 1);
        let threshold = *oldest_kept;
        let mut removed = 0;
        buckets.retain(|_, b| {
            let drop = b.updated <= threshold && removed < cut;
            removed += usize::from(drop);
            !drop
        });
    }

    /// Buckets currently held.
    pub fn len(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Longest key kept, in bytes. Keys often come from the client (a typed username), and the
/// map's memory is bounded only if each key is: longer keys are cut (at a character
/// boundary), which at worst makes two long keys share a bucket.
pub const MAX_KEY_BYTES: usize = 128;

fn bounded_key(key: &str) -> &str {
    if key.len() <= MAX_KEY_BYTES {
        return key;
    }
    let mut end = MAX_KEY_BYTES;
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    &key[..end]
}

/// The key for a client address: IPv4 whole, IPv6 by its /64 (one host usually holds a whole
/// /64, so per-address keys would let it rotate freely).
pub fn address_key(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: Rate = Rate {
        burst: 3,
        per_minute: 6,
    };

    #[test]
    fn a_burst_then_one_token_per_interval() {
        let limiter = RateLimiter::new(RATE, 100);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at("1.2.3.4", start).is_ok());
        }
        let refused = limiter.check_at("1.2.3.4", start).unwrap_err();
        assert_eq!(refused.0, Duration::from_secs(10));
        assert_eq!(refused.seconds(), 10);
        // Other keys are not affected.
        assert!(limiter.check_at("5.6.7.8", start).is_ok());
        // 6 a minute: one token every 10 s.
        let later = start + Duration::from_secs(4);
        assert_eq!(limiter.check_at("1.2.3.4", later).unwrap_err().seconds(), 6);
        let refilled = start + Duration::from_secs(10);
        assert!(limiter.check_at("1.2.3.4", refilled).is_ok());
        assert!(limiter.check_at("1.2.3.4", refilled).is_err());
        // Never more than the burst, however long the pause.
        let much_later = start + Duration::from_secs(3600);
        for _ in 0..3 {
            assert!(limiter.check_at("1.2.3.4", much_later).is_ok());
        }
        assert!(limiter.check_at("1.2.3.4", much_later).is_err());
    }

    #[test]
    fn memory_stays_bounded_and_active_keys_survive_a_flood() {
        let limiter = RateLimiter::new(RATE, 64);
        let start = Instant::now();
        for _ in 0..3 {
            limiter.check_at("attacked-user", start).unwrap();
        }
        for i in 0..10_000u32 {
            let at = start + Duration::from_millis(u64::from(i));
            let _ = limiter.check_at(&format!("flood-{i}"), at);
            // The attacked key keeps being touched, so it is never the least recently used.
            if i % 8 == 0 {
                assert!(limiter.check_at("attacked-user", at).is_err(), "i = {i}");
            }
            assert!(limiter.len() <= 64);
        }
    }

    #[test]
    fn full_buckets_are_evicted_first() {
        let limiter = RateLimiter::new(RATE, 2);
        let start = Instant::now();
        limiter.check_at("idle", start).unwrap();
        for _ in 0..3 {
            limiter
                .check_at("busy", start + Duration::from_secs(15))
                .unwrap();
        }
        // "idle" has refilled by now; it goes, "busy" (empty) stays.
        limiter
            .check_at("new", start + Duration::from_secs(20))
            .unwrap();
        assert!(
            limiter
                .check_at("busy", start + Duration::from_secs(20))
                .is_err()
        );
        assert_eq!(limiter.len(), 2);
    }

    #[test]
    fn long_keys_are_cut_so_memory_stays_bounded() {
        let limiter = RateLimiter::new(RATE, 10);
        let start = Instant::now();
        let long = "名".repeat(100_000);
        for _ in 0..3 {
            limiter.check_at(&long, start).unwrap();
        }
        // Only the first 128 bytes (42 whole characters) were kept: a key with the same
        // start shares the bucket.
        let same_start = format!("{}x", "名".repeat(50));
        assert!(limiter.check_at(&same_start, start).is_err());
        let held = limiter.buckets.lock().unwrap();
        assert!(held.keys().all(|k| k.len() <= MAX_KEY_BYTES));
    }

    #[test]
    fn addresses_key_ipv6_by_prefix() {
        assert_eq!(address_key("192.0.2.7".parse().unwrap()), "192.0.2.7");
        assert_eq!(
            address_key("2001:db8:1:2:aaaa::1".parse().unwrap()),
            address_key("2001:db8:1:2:bbbb::9".parse().unwrap())
        );
        assert_ne!(
            address_key("2001:db8:1:2::1".parse().unwrap()),
            address_key("2001:db8:1:3::1".parse().unwrap())
        );
        assert_eq!(
            address_key("::ffff:192.0.2.7".parse().unwrap()),
            "192.0.2.7"
        );
    }
}
