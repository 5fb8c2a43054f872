//! SipHash-2-4 (Aumasson and Bernstein, 2012): the per-cell pseudo-random function.
//!
//! HMAC-SM3 costs about 2 µs per call here (two SM3 compressions plus the state copy), which
//! at three marked columns a row would cap embedding near 10 MB/s. SipHash is a PRF built for
//! short inputs at a few dozen nanoseconds; its 128-bit key is derived with HMAC-SM3 from the
//! master key and the recipient (see `keys`), so secrecy still rests on the master key.

use zeroize::Zeroize;

/// A 128-bit SipHash key, zeroized on drop.
#[derive(Clone)]
pub(crate) struct SipKey {
    k0: u64,
    k1: u64,
}

impl SipKey {
    pub(crate) fn from_bytes(bytes: &[u8; 16]) -> Self {
        let (low, high) = bytes.split_at(8);
        SipKey {
            k0: u64::from_le_bytes(low.try_into().expect("8 bytes")),
            k1: u64::from_le_bytes(high.try_into().expect("8 bytes")),
        }
    }

    /// The all-zero key: for spreading values evenly where no secret is needed.
    pub(crate) const PUBLIC: SipKey = SipKey { k0: 0, k1: 0 };

    pub(crate) fn hash(&self, data: &[u8]) -> u64 {
        let mut state = [
            self.k0 ^ 0x736f_6d65_7073_6575,
            self.k1 ^ 0x646f_7261_6e64_6f6d,
            self.k0 ^ 0x6c79_6765_6e65_7261,
            self.k1 ^ 0x7465_6462_7974_6573,
        ];
        let mut words = data.chunks_exact(8);
        for word in &mut words {
            let word = u64::from_le_bytes(word.try_into().expect("8 bytes"));
            state[3] ^= word;
            round(&mut state);
            round(&mut state);
            state[0] ^= word;
        }
        let mut last = (data.len() as u64) << 56;
        for (index, &byte) in words.remainder().iter().enumerate() {
            last |= u64::from(byte) << (8 * index);
        }
        state[3] ^= last;
        round(&mut state);
        round(&mut state);
        state[0] ^= last;
        state[2] ^= 0xff;
        for _ in 0..4 {
            round(&mut state);
        }
        state[0] ^ state[1] ^ state[2] ^ state[3]
    }
}

impl Drop for SipKey {
    fn drop(&mut self) {
        self.k0.zeroize();
        self.k1.zeroize();
    }
}

#[inline(always)]
fn round(v: &mut [u64; 4]) {
    v[0] = v[0].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(13) ^ v[0];
    v[0] = v[0].rotate_left(32);
    v[2] = v[2].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(16) ^ v[2];
    v[0] = v[0].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(21) ^ v[0];
    v[2] = v[2].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(17) ^ v[2];
    v[2] = v[2].rotate_left(32);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vectors from the SipHash paper's reference implementation (key 00..0f, message 00..n-1).
    #[test]
    fn reference_vectors() {
        let key: [u8; 16] = std::array::from_fn(|index| index as u8);
        let key = SipKey::from_bytes(&key);
        let message: Vec<u8> = (0..15).collect();
        assert_eq!(key.hash(&[]), 0x726f_db47_dd0e_0e31);
        assert_eq!(key.hash(&message), 0xa129_ca61_49be_45e5);
    }
}
