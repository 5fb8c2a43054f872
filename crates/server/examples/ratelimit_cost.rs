//! What one rate-limit check costs: `cargo run --release -p shuan-server --example
//! ratelimit_cost`. Checks spread over 10,000 keys (as many sessions), then a flood of new keys
//! into a full map (eviction), single-threaded.

use std::time::Instant;

use shuan_server::ratelimit::{Rate, RateLimiter};

fn main() {
    let rate = Rate {
        burst: 600,
        per_minute: 6000,
    };
    let limiter = RateLimiter::new(rate, 100_000);
    let keys: Vec<String> = (0..10_000).map(|i| format!("principal:{i:064}")).collect();
    let checks = 5_000_000;
    let start = Instant::now();
    let mut admitted = 0u64;
    for i in 0..checks {
        admitted += u64::from(limiter.check(&keys[i % keys.len()]).is_ok());
    }
    let per_check = start.elapsed().as_nanos() as f64 / checks as f64;
    println!("known keys: {per_check:.0} ns per check ({admitted} admitted of {checks})");

    let flood = 1_000_000;
    let full = RateLimiter::new(rate, 100_000);
    let start = Instant::now();
    for i in 0..flood {
        let _ = full.check(&format!("address:{i}"));
    }
    let per_check = start.elapsed().as_nanos() as f64 / flood as f64;
    println!(
        "new keys into a map bounded at 100,000: {per_check:.0} ns per check, {} keys held",
        full.len()
    );
}
