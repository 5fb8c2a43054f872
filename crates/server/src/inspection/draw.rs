//! The "double random" draw (双随机): which operators are inspected and which inspectors go,
//! drawn from a recorded seed so anyone holding the seed and the candidate lists can redo the
//! draw and get the same result.
//!
//! The generator is SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
//! generators", OOPSLA 2014; the reference C is Vigna's `splitmix64.c`): a 64-bit state
//! advanced by the golden-ratio constant and mixed by two multiply-xorshift rounds. It is a
//! few lines with published outputs, so the draw does not depend on a library's choice of
//! generator staying the same across versions. It is not a cryptographic generator: the seed
//! itself comes from the operating system's generator when the regulator gives none, and is
//! shown to everyone who may see the inspection.
//!
//! The draw: candidates are sorted by id (so the order they were fetched in does not matter),
//! then a partial Fisher–Yates shuffle picks `n` of them; each index is drawn without modulo
//! bias (values above the largest multiple of the range are redrawn).

/// SplitMix64's state.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..bound` (`bound` > 0), by rejection: no modulo bias.
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "an empty range has no element to draw");
        // The largest multiple of `bound` that fits; values at or above it are redrawn.
        let zone = u64::MAX - (u64::MAX % bound + 1) % bound;
        loop {
            let value = self.next_u64();
            if value <= zone {
                return value % bound;
            }
        }
    }
}

/// Draws `n` of `candidates` (all of them when there are fewer) with `rng`: the candidates
/// sorted by id, then the first `n` places of a Fisher–Yates shuffle, in drawing order.
pub fn draw(rng: &mut SplitMix64, candidates: &[i64], n: usize) -> Vec<i64> {
    let mut pool = candidates.to_vec();
    pool.sort_unstable();
    pool.dedup();
    let n = n.min(pool.len());
    for i in 0..n {
        let j = i + rng.below((pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    pool.truncate(n);
    pool
}

/// Draws `n` operators: with `key_first`, from the key operators (重点企业) first and from
/// the others only for the places left; otherwise from all of them alike. One generator
/// runs through both pools, so the seed decides the whole draw.
pub fn draw_operators(
    rng: &mut SplitMix64,
    key_operators: &[i64],
    others: &[i64],
    n: usize,
    key_first: bool,
) -> Vec<i64> {
    if !key_first {
        let all: Vec<i64> = key_operators.iter().chain(others).copied().collect();
        return draw(rng, &all, n);
    }
    let mut chosen = draw(rng, key_operators, n);
    let left = n - chosen.len();
    chosen.extend(draw(rng, others, left));
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_gives_the_reference_outputs() {
        // Vigna's splitmix64.c seeded with 0 and with 1234567.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn the_same_seed_and_candidates_give_the_same_draw_in_any_order() {
        let candidates: Vec<i64> = (1..=40).collect();
        let mut shuffled = candidates.clone();
        shuffled.reverse();
        let first = draw(&mut SplitMix64::new(42), &candidates, 5);
        let again = draw(&mut SplitMix64::new(42), &shuffled, 5);
        assert_eq!(first, again);
        assert_eq!(first.len(), 5);
        let mut distinct = first.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 5, "no candidate is drawn twice");
        assert_ne!(first, draw(&mut SplitMix64::new(43), &candidates, 5));
    }

    #[test]
    fn asking_for_more_than_there_are_takes_everyone() {
        let drawn = draw(&mut SplitMix64::new(7), &[3, 1, 2], 10);
        let mut sorted = drawn.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![1, 2, 3]);
        assert!(draw(&mut SplitMix64::new(7), &[], 3).is_empty());
    }

    #[test]
    fn key_operators_come_first_when_asked() {
        let key = [10, 11];
        let others = [1, 2, 3, 4, 5, 6];
        let drawn = draw_operators(&mut SplitMix64::new(9), &key, &others, 3, true);
        assert_eq!(drawn.len(), 3);
        let mut head = drawn[..2].to_vec();
        head.sort_unstable();
        assert_eq!(head, vec![10, 11]);
        assert!(others.contains(&drawn[2]));
    }

    #[test]
    fn every_candidate_is_drawn_about_equally_often() {
        // 6 candidates, one drawn per seed, 60,000 seeds: each expected 10,000 times; a
        // biased index draw would be off by far more than the 500 allowed here.
        let mut counts = [0u32; 6];
        for seed in 0..60_000u64 {
            let drawn = draw(&mut SplitMix64::new(seed), &[1, 2, 3, 4, 5, 6], 1);
            counts[(drawn[0] - 1) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_500..=10_500).contains(&c)),
            "{counts:?}"
        );
    }
}
