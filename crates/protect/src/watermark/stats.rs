//! The detection statistic: an exact one-sided binomial test, in log space.
//!
//! Under the null hypothesis (the table was not marked with this recipient's key) each
//! checked mark matches with probability 1/2, independently (marks are deduplicated by
//! virtual key, so repeated rows count once). The false-positive probability of `k` matches
//! out of `n` is P(X >= k) for X ~ Binomial(n, 1/2), computed as a logarithm so that values
//! far below 1e-300 are still exact to several digits.

use std::f64::consts::{LN_2, LN_10};

/// log10 of P(X >= matched) for X ~ Binomial(checked, 1/2).
pub fn binomial_tail_log10(matched: u64, checked: u64) -> f64 {
    if matched == 0 {
        return 0.0;
    }
    if matched > checked {
        return f64::NEG_INFINITY;
    }
    if 2 * matched <= checked {
        // The tail holds at least half the mass: 1 - P(X <= matched - 1), and by symmetry
        // P(X <= matched - 1) = P(X >= checked - matched + 1), a short upper tail.
        let lower = upper_tail_ln(checked - matched + 1, checked).exp();
        return (1.0 - lower).max(f64::MIN_POSITIVE).log10();
    }
    upper_tail_ln(matched, checked) / LN_10
}

/// ln P(X >= k) for k > n/2: the first term C(n,k)/2^n times a series of decreasing ratios.
fn upper_tail_ln(k: u64, n: u64) -> f64 {
    let mut sum = 1.0f64;
    let mut term = 1.0f64;
    for i in k..n {
        term *= (n - i) as f64 / (i + 1) as f64;
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    ln_choose(n, k) + sum.ln() - n as f64 * LN_2
}

fn ln_choose(n: u64, k: u64) -> f64 {
    ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k)
}

fn ln_factorial(n: u64) -> f64 {
    if n < 64 {
        return (2..=n).map(|i| (i as f64).ln()).sum();
    }
    // Stirling's series; at n >= 64 the omitted term is below 1e-19.
    let n = n as f64;
    n * n.ln() - n + 0.5 * (2.0 * std::f64::consts::PI * n).ln() + 1.0 / (12.0 * n)
        - 1.0 / (360.0 * n.powi(3))
        + 1.0 / (1260.0 * n.powi(5))
}

/// A probability given as log10, written for people: `3e-14`, `2e-412`, `0.02`, `1`.
pub fn format_probability(log10: f64) -> String {
    if log10 >= -2.0 {
        let value = 10f64.powf(log10);
        return if value >= 0.995 {
            "1".to_owned()
        } else {
            format!("{value:.2}")
        };
    }
    if log10 == f64::NEG_INFINITY {
        return "0".to_owned();
    }
    let mut exponent = log10.floor();
    let mut mantissa = 10f64.powf(log10 - exponent).round();
    if mantissa >= 10.0 {
        mantissa = 1.0;
        exponent += 1.0;
    }
    format!("{mantissa}e{exponent}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact_tail(k: u64, n: u64) -> f64 {
        let mut choose = 1.0f64;
        let mut total = 0.0;
        for i in 0..=n {
            if i >= k {
                total += choose;
            }
            choose = choose * (n - i) as f64 / (i + 1) as f64;
        }
        total / 2f64.powi(n as i32)
    }

    #[test]
    fn matches_direct_summation() {
        for (k, n) in [
            (15, 20),
            (10, 20),
            (3, 20),
            (1, 1),
            (60, 100),
            (90, 100),
            (70, 70),
        ] {
            let expected = exact_tail(k, n).log10();
            let got = binomial_tail_log10(k, n);
            assert!(
                (got - expected).abs() < 1e-9,
                "{k}/{n}: {got} vs {expected}"
            );
        }
        assert_eq!(binomial_tail_log10(0, 10), 0.0);
        assert!((binomial_tail_log10(100, 100) + 100.0 * 2f64.log10()).abs() < 1e-12);
    }

    #[test]
    fn reaches_far_below_double_precision() {
        // 2000 of 2000: exactly 2^-2000.
        let expected = -2000.0 * 2f64.log10();
        assert!((binomial_tail_log10(2000, 2000) - expected).abs() < 1e-9);
        assert!(binomial_tail_log10(1800, 2000) < -300.0);
    }

    #[test]
    fn probabilities_read_well() {
        assert_eq!(format_probability((3e-14f64).log10()), "3e-14");
        assert_eq!(format_probability(-411.7), "2e-412");
        assert_eq!(format_probability(0.0), "1");
        assert_eq!(format_probability((0.02f64).log10()), "0.02");
    }
}
