//! SM3 on 16 messages at once, one per 32-bit lane of an AVX-512 register.
//!
//! SM3 is a serial chain of 64 rounds per 64-byte block, so one message cannot use a wide
//! register; sixteen independent messages can. Verification has millions of independent
//! leaf hashes (and, a level at a time, node hashes), so it hashes them sixteen at a time
//! when the CPU has AVX-512F (checked at run time) and falls back to the `sm3` crate
//! otherwise. The output is byte-identical to [`HashAlgorithm::Sm3`]'s (tests compare them).
//!
//! Messages in one batch must have the same number of blocks; the leaf hasher groups entries
//! by block count, so entries of similar length (the usual audit record) go sixteen at a time
//! and odd ones out go through the scalar code.

use crate::hash::{Hash, HashAlgorithm};

/// Messages hashed together.
pub(crate) const LANES: usize = 16;
/// Entries of more blocks than this are hashed one at a time (no batching benefit worth the
/// bucket memory; such entries are rare in an audit log).
const MAX_BATCHED_BLOCKS: usize = 32;

/// Whether the 16-lane code can run on this CPU.
pub(crate) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static AVAILABLE: OnceLock<bool> = OnceLock::new();
        *AVAILABLE.get_or_init(|| std::arch::is_x86_feature_detected!("avx512f"))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Blocks of the padded message `0x00 || entry`.
fn leaf_blocks(entry_len: usize) -> usize {
    // 1 prefix byte, the 0x80 end marker and the 8-byte bit length.
    (entry_len + 1 + 9).div_ceil(64)
}

/// Writes block `block` of the padded message `0x00 || entry` (of `blocks` blocks) into
/// `out`, as the 16 big-endian words SM3 reads.
fn leaf_block_words(entry: &[u8], block: usize, blocks: usize, out: &mut [u32; 16]) {
    let start = block * 64;
    let message_len = entry.len() + 1;
    if start + 64 <= message_len {
        // No padding in this block: read the words straight from the entry (message byte p
        // is entry[p - 1]).
        let word = |p: usize| u32::from_be_bytes(entry[p - 1..p + 3].try_into().expect("4 bytes"));
        if start == 0 {
            out[0] = u32::from_be_bytes([0x00, entry[0], entry[1], entry[2]]);
            for (k, out) in out.iter_mut().enumerate().skip(1) {
                *out = word(4 * k);
            }
        } else {
            for (k, out) in out.iter_mut().enumerate() {
                *out = word(start + 4 * k);
            }
        }
        return;
    }
    let mut bytes = [0u8; 64];
    // Message byte p is 0x00 for p == 0 (already zero) and entry[p - 1] after.
    let low = start.max(1);
    let high = (start + 64).min(message_len);
    if low < high {
        bytes[low - start..high - start].copy_from_slice(&entry[low - 1..high - 1]);
    }
    if (start..start + 64).contains(&message_len) {
        bytes[message_len - start] = 0x80;
    }
    if block + 1 == blocks {
        bytes[56..].copy_from_slice(&((message_len as u64) * 8).to_be_bytes());
    }
    for (word, chunk) in out.iter_mut().zip(bytes.chunks_exact(4)) {
        *word = u32::from_be_bytes(chunk.try_into().expect("4 bytes"));
    }
}

/// The two blocks of the padded node message `0x01 || left || right` (65 bytes).
fn node_block_words(left: &Hash, right: &Hash, block: usize, out: &mut [u32; 16]) {
    let mut bytes = [0u8; 128];
    bytes[0] = 0x01;
    bytes[1..33].copy_from_slice(left);
    bytes[33..65].copy_from_slice(right);
    bytes[65] = 0x80;
    bytes[120..].copy_from_slice(&(65u64 * 8).to_be_bytes());
    let bytes = &bytes[block * 64..block * 64 + 64];
    for (word, chunk) in out.iter_mut().zip(bytes.chunks_exact(4)) {
        *word = u32::from_be_bytes(chunk.try_into().expect("4 bytes"));
    }
}

/// Hashes `LANES` messages of `blocks` blocks each; `words(lane, block, out)` writes a
/// block's words. Only called when [`available`] is true.
#[allow(clippy::needless_range_loop)] // a transposition reads best with indices
fn hash_lanes(
    blocks: usize,
    mut words: impl FnMut(usize, usize, &mut [u32; 16]),
    mut emit: impl FnMut(usize, Hash),
) {
    // Transposed: message word k of every lane.
    let mut transposed = [[0u32; LANES]; 16];
    let mut state = [[0u32; LANES]; 8];
    for (word, initial) in state.iter_mut().zip(INITIAL) {
        *word = [initial; LANES];
    }
    for block in 0..blocks {
        let mut lane_words = [0u32; 16];
        for lane in 0..LANES {
            words(lane, block, &mut lane_words);
            for (k, word) in lane_words.iter().enumerate() {
                transposed[k][lane] = *word;
            }
        }
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the caller checked that the CPU has AVX-512F.
        unsafe {
            avx512::compress(&mut state, &transposed)
        };
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("the 16-lane code is only used on x86_64");
    }
    for lane in 0..LANES {
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(4).zip(&state) {
            chunk.copy_from_slice(&word[lane].to_be_bytes());
        }
        emit(lane, out);
    }
}

/// Leaf hashes `SM3(0x00 || entry)` of `entries` into `out` (same length).
pub(crate) fn leaf_hashes(entries: &[&[u8]], out: &mut [Hash]) {
    assert_eq!(entries.len(), out.len());
    if !available() {
        for (entry, hash) in entries.iter().zip(out.iter_mut()) {
            *hash = HashAlgorithm::Sm3.leaf_hash(entry);
        }
        return;
    }
    // Entry indices waiting for a full batch, by block count.
    let mut waiting = [[0u32; LANES]; MAX_BATCHED_BLOCKS + 1];
    let mut waiting_len = [0usize; MAX_BATCHED_BLOCKS + 1];
    for (index, entry) in entries.iter().enumerate() {
        let blocks = leaf_blocks(entry.len());
        if blocks > MAX_BATCHED_BLOCKS {
            out[index] = HashAlgorithm::Sm3.leaf_hash(entry);
            continue;
        }
        waiting[blocks][waiting_len[blocks]] = index as u32;
        waiting_len[blocks] += 1;
        if waiting_len[blocks] == LANES {
            let batch = waiting[blocks];
            hash_lanes(
                blocks,
                |lane, block, words| {
                    leaf_block_words(entries[batch[lane] as usize], block, blocks, words)
                },
                |lane, hash| out[batch[lane] as usize] = hash,
            );
            waiting_len[blocks] = 0;
        }
    }
    for (batch, len) in waiting.iter().zip(waiting_len) {
        for &index in &batch[..len] {
            out[index as usize] = HashAlgorithm::Sm3.leaf_hash(entries[index as usize]);
        }
    }
}

/// One tree level up: `parents[i] = SM3(0x01 || children[2i] || children[2i+1])`.
/// `children` has an even length; `parents` half of it.
pub(crate) fn node_hashes(children: &[Hash], parents: &mut [Hash]) {
    assert_eq!(children.len(), parents.len() * 2);
    let batched = if available() {
        parents.len() / LANES * LANES
    } else {
        0
    };
    for (group, parents) in parents[..batched].chunks_exact_mut(LANES).enumerate() {
        let children = &children[group * 2 * LANES..(group + 1) * 2 * LANES];
        hash_lanes(
            2,
            |lane, block, words| {
                node_block_words(&children[2 * lane], &children[2 * lane + 1], block, words)
            },
            |lane, hash| parents[lane] = hash,
        );
    }
    for (i, parent) in parents.iter_mut().enumerate().skip(batched) {
        *parent = HashAlgorithm::Sm3.node_hash(&children[2 * i], &children[2 * i + 1]);
    }
}

/// SM3's initial value (GB/T 32905 §4.1).
const INITIAL: [u32; 8] = [
    0x7380_166f,
    0x4914_b2b9,
    0x1724_42d7,
    0xda8a_0600,
    0xa96f_30bc,
    0x1631_38aa,
    0xe38d_ee4d,
    0xb0fb_0e4e,
];

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::LANES;

    /// `T_j <<< (j mod 32)`, the round constants as the compression function adds them.
    const ROUND_CONSTANTS: [u32; 64] = {
        let mut constants = [0u32; 64];
        let mut j = 0;
        while j < 64 {
            let t: u32 = if j < 16 { 0x79cc_4519 } else { 0x7a87_9d8a };
            constants[j] = t.rotate_left((j % 32) as u32);
            j += 1;
        }
        constants
    };

    /// `x ^ y ^ z`
    const XOR3: i32 = 0x96;
    /// `(x & y) | (x & z) | (y & z)`
    const MAJORITY: i32 = 0xe8;
    /// `(x & y) | (!x & z)`
    const CHOOSE: i32 = 0xca;

    #[inline]
    #[target_feature(enable = "avx512f")]
    fn p0(x: __m512i) -> __m512i {
        _mm512_ternarylogic_epi32::<XOR3>(x, _mm512_rol_epi32::<9>(x), _mm512_rol_epi32::<17>(x))
    }

    #[inline]
    #[target_feature(enable = "avx512f")]
    fn p1(x: __m512i) -> __m512i {
        _mm512_ternarylogic_epi32::<XOR3>(x, _mm512_rol_epi32::<15>(x), _mm512_rol_epi32::<23>(x))
    }

    /// One SM3 compression of a block per lane (GB/T 32905 §5.3).
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn compress(state: &mut [[u32; LANES]; 8], block: &[[u32; LANES]; 16]) {
        let load = |words: &[u32; LANES]| {
            // SAFETY: an array of 16 u32 is 64 readable bytes; unaligned load.
            unsafe { _mm512_loadu_si512(words.as_ptr().cast()) }
        };
        let mut w = [_mm512_setzero_si512(); 68];
        for (word, words) in w.iter_mut().zip(block) {
            *word = load(words);
        }
        for j in 16..68 {
            let x = _mm512_ternarylogic_epi32::<XOR3>(
                w[j - 16],
                w[j - 9],
                _mm512_rol_epi32::<15>(w[j - 3]),
            );
            w[j] = _mm512_ternarylogic_epi32::<XOR3>(
                p1(x),
                _mm512_rol_epi32::<7>(w[j - 13]),
                w[j - 6],
            );
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = [
            load(&state[0]),
            load(&state[1]),
            load(&state[2]),
            load(&state[3]),
            load(&state[4]),
            load(&state[5]),
            load(&state[6]),
            load(&state[7]),
        ];
        let initial = [a, b, c, d, e, f, g, h];
        macro_rules! round {
            ($j:expr, $ff:expr, $gg:expr) => {{
                let j: usize = $j;
                let a12 = _mm512_rol_epi32::<12>(a);
                let ss1 = _mm512_rol_epi32::<7>(_mm512_add_epi32(
                    _mm512_add_epi32(a12, e),
                    _mm512_set1_epi32(ROUND_CONSTANTS[j] as i32),
                ));
                let ss2 = _mm512_xor_si512(ss1, a12);
                let tt1 = _mm512_add_epi32(
                    _mm512_add_epi32(_mm512_ternarylogic_epi32::<$ff>(a, b, c), d),
                    _mm512_add_epi32(ss2, _mm512_xor_si512(w[j], w[j + 4])),
                );
                let tt2 = _mm512_add_epi32(
                    _mm512_add_epi32(_mm512_ternarylogic_epi32::<$gg>(e, f, g), h),
                    _mm512_add_epi32(ss1, w[j]),
                );
                d = c;
                c = _mm512_rol_epi32::<9>(b);
                b = a;
                a = tt1;
                h = g;
                g = _mm512_rol_epi32::<19>(f);
                f = e;
                e = p0(tt2);
            }};
        }
        for j in 0..16 {
            round!(j, XOR3, XOR3);
        }
        for j in 16..64 {
            round!(j, MAJORITY, CHOOSE);
        }
        for ((word, new), old) in state.iter_mut().zip([a, b, c, d, e, f, g, h]).zip(initial) {
            // SAFETY: as for the loads.
            unsafe { _mm512_storeu_si512(word.as_mut_ptr().cast(), _mm512_xor_si512(new, old)) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn leaf_hashes_match_the_scalar_code_for_every_length_to_300_bytes() {
        // 16 entries of every length, so every block count gets full batches, plus leftovers.
        let entries: Vec<Vec<u8>> = (0..300usize)
            .flat_map(|len| (0..17u8).map(move |seed| vec![seed.wrapping_mul(31) ^ len as u8; len]))
            .chain([vec![7u8; 64 * MAX_BATCHED_BLOCKS + 100]])
            .collect();
        let borrowed: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
        let mut out = vec![[0u8; 32]; entries.len()];
        leaf_hashes(&borrowed, &mut out);
        for (entry, hash) in entries.iter().zip(&out) {
            assert_eq!(
                *hash,
                HashAlgorithm::Sm3.leaf_hash(entry),
                "length {}",
                entry.len()
            );
        }
    }

    #[test]
    fn node_hashes_match_the_scalar_code() {
        let children: Vec<Hash> = (0..2 * 37u32)
            .map(|i| HashAlgorithm::Sm3.leaf_hash(&i.to_le_bytes()))
            .collect();
        let mut parents = vec![[0u8; 32]; 37];
        node_hashes(&children, &mut parents);
        for (i, parent) in parents.iter().enumerate() {
            assert_eq!(
                *parent,
                HashAlgorithm::Sm3.node_hash(&children[2 * i], &children[2 * i + 1])
            );
        }
    }

    proptest! {
        #[test]
        fn random_entries_hash_as_the_scalar_code(
            entries in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..400), 0..80)
        ) {
            let borrowed: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
            let mut out = vec![[0u8; 32]; entries.len()];
            leaf_hashes(&borrowed, &mut out);
            for (entry, hash) in entries.iter().zip(&out) {
                prop_assert_eq!(*hash, HashAlgorithm::Sm3.leaf_hash(entry));
            }
        }
    }
}
