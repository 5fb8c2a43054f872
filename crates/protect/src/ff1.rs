//! FF1 format-preserving encryption (NIST SP 800-38G Rev. 1) over any 128-bit
//! block cipher behind [`CryptoProvider`].
//!
//! Numerals are `u8`, so the radix is 2..=256. Arithmetic is in `u128`: each half
//! may hold up to 2^96 values (b <= 12 bytes, so d <= 16 and one PRF block is
//! enough), e.g. 56 decimal digits or 36 base-36 symbols, far past any identifier.

use crate::error::{Error, Result};
use crate::provider::CryptoProvider;

/// SP 800-38G Rev. 1 requires radix^minlen >= 1,000,000.
pub const MIN_DOMAIN: u128 = 1_000_000;
const ROUNDS: u8 = 10;
const MAX_HALF_DOMAIN: u128 = 1 << 96;

/// FF1 keyed by a crypto provider, for one radix.
pub struct Ff1<'a> {
    crypto: &'a dyn CryptoProvider,
    radix: u32,
}

impl<'a> Ff1<'a> {
    pub fn new(crypto: &'a dyn CryptoProvider, radix: u32) -> Result<Self> {
        if !(2..=256).contains(&radix) {
            return Err(Error::Radix(radix));
        }
        Ok(Ff1 { crypto, radix })
    }

    pub fn radix(&self) -> u32 {
        self.radix
    }

    pub fn encrypt(&self, tweak: &[u8], numerals: &[u8]) -> Result<Vec<u8>> {
        self.cipher(tweak, numerals, Direction::Encrypt)
    }

    pub fn decrypt(&self, tweak: &[u8], numerals: &[u8]) -> Result<Vec<u8>> {
        self.cipher(tweak, numerals, Direction::Decrypt)
    }

    fn cipher(&self, tweak: &[u8], numerals: &[u8], direction: Direction) -> Result<Vec<u8>> {
        let n = numerals.len();
        let radix = u128::from(self.radix);
        if numerals.iter().any(|&numeral| u128::from(numeral) >= radix) {
            return Err(Error::Unsupported {
                operator: "fpe".into(),
                reason: format!("a numeral is not below the radix {radix}"),
            });
        }
        // An overflowing power is a domain far above the minimum.
        if n < 2 || power(radix, n as u32).is_some_and(|domain| domain < MIN_DOMAIN) {
            return Err(Error::DomainTooSmall {
                radix: self.radix,
                length: n,
            });
        }
        let u = n / 2;
        let v = n - u;
        let modulus_u = power(radix, u as u32).filter(|&m| m <= MAX_HALF_DOMAIN);
        let modulus_v = power(radix, v as u32).filter(|&m| m <= MAX_HALF_DOMAIN);
        let (Some(modulus_u), Some(modulus_v)) = (modulus_u, modulus_v) else {
            return Err(Error::InputTooLong {
                radix: self.radix,
                length: n,
            });
        };
        // ceil(v * log2(radix)) is the bit length of radix^v - 1.
        let bits = 128 - (modulus_v - 1).leading_zeros() as usize;
        let b = bits.div_ceil(8);
        let d = 4 * b.div_ceil(4) + 4;

        let mut p = [0u8; 16];
        p[..3].copy_from_slice(&[1, 2, 1]);
        p[3..6].copy_from_slice(&self.radix.to_be_bytes()[1..]);
        p[6] = 10;
        p[7] = (u % 256) as u8;
        p[8..12].copy_from_slice(&(n as u32).to_be_bytes());
        p[12..16].copy_from_slice(&(tweak.len() as u32).to_be_bytes());
        let mut encrypted_p = p;
        self.crypto.encrypt_block(&mut encrypted_p);

        let padding = (16 - (tweak.len() + b + 1) % 16) % 16;
        let mut q = Vec::with_capacity(tweak.len() + padding + 1 + b);
        q.extend_from_slice(tweak);
        q.resize(tweak.len() + padding, 0);
        let round_index = q.len();
        q.push(0);
        q.resize(round_index + 1 + b, 0);

        let mut a = number(&numerals[..u], radix);
        let mut b_half = number(&numerals[u..], radix);
        let rounds: Vec<u8> = match direction {
            Direction::Encrypt => (0..ROUNDS).collect(),
            Direction::Decrypt => (0..ROUNDS).rev().collect(),
        };
        for i in rounds {
            let m = if i % 2 == 0 { modulus_u } else { modulus_v };
            // Encryption feeds B into the PRF; decryption runs the rounds backwards,
            // where the same value sits in A.
            let fed = match direction {
                Direction::Encrypt => b_half,
                Direction::Decrypt => a,
            };
            q[round_index] = i;
            q[round_index + 1..].copy_from_slice(&fed.to_be_bytes()[16 - b..]);
            let r = self.prf(&encrypted_p, &q);
            let y = r[..d]
                .iter()
                .fold(0u128, |acc, &byte| acc << 8 | u128::from(byte))
                % m;
            match direction {
                Direction::Encrypt => {
                    let c = (a + y) % m;
                    a = b_half;
                    b_half = c;
                }
                Direction::Decrypt => {
                    let c = (b_half + m - y) % m;
                    b_half = a;
                    a = c;
                }
            }
        }
        let mut output = digits(a, radix, u);
        output.extend(digits(b_half, radix, v));
        Ok(output)
    }

    /// CBC-MAC with a zero IV over P || Q, starting from the precomputed CIPH(P).
    fn prf(&self, encrypted_p: &[u8; 16], q: &[u8]) -> [u8; 16] {
        let mut state = *encrypted_p;
        for block in q.chunks_exact(16) {
            for (byte, input) in state.iter_mut().zip(block) {
                *byte ^= input;
            }
            self.crypto.encrypt_block(&mut state);
        }
        state
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Encrypt,
    Decrypt,
}

fn power(base: u128, exponent: u32) -> Option<u128> {
    base.checked_pow(exponent)
}

fn number(numerals: &[u8], radix: u128) -> u128 {
    numerals
        .iter()
        .fold(0u128, |acc, &numeral| acc * radix + u128::from(numeral))
}

fn digits(mut value: u128, radix: u128, length: usize) -> Vec<u8> {
    let mut output = vec![0u8; length];
    for slot in output.iter_mut().rev() {
        *slot = (value % radix) as u8;
        value /= radix;
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::SecretKey;
    use crate::provider::{Algorithm, SoftwareProvider};
    use proptest::prelude::*;

    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    const KEY_128: &str = "2B7E151628AED2A6ABF7158809CF4F3C";
    const KEY_192: &str = "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F";
    const KEY_256: &str = "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94";
    const TWEAK_10: &str = "39383736353433323130";
    const TWEAK_36: &str = "3737373770717273373737";

    fn to_numerals(text: &str) -> Vec<u8> {
        text.bytes()
            .map(|symbol| ALPHABET.iter().position(|&a| a == symbol).unwrap() as u8)
            .collect()
    }

    fn to_text(numerals: &[u8]) -> String {
        numerals
            .iter()
            .map(|&n| ALPHABET[n as usize] as char)
            .collect()
    }

    /// NIST SP 800-38G FF1 samples 1-9 (csrc.nist.gov, "FF1samples.pdf").
    #[test]
    fn nist_samples() {
        let samples = [
            (
                Algorithm::Aes128,
                KEY_128,
                "",
                10,
                "0123456789",
                "2433477484",
            ),
            (
                Algorithm::Aes128,
                KEY_128,
                TWEAK_10,
                10,
                "0123456789",
                "6124200773",
            ),
            (
                Algorithm::Aes128,
                KEY_128,
                TWEAK_36,
                36,
                "0123456789abcdefghi",
                "a9tv40mll9kdu509eum",
            ),
            (
                Algorithm::Aes192,
                KEY_192,
                "",
                10,
                "0123456789",
                "2830668132",
            ),
            (
                Algorithm::Aes192,
                KEY_192,
                TWEAK_10,
                10,
                "0123456789",
                "2496655549",
            ),
            (
                Algorithm::Aes192,
                KEY_192,
                TWEAK_36,
                36,
                "0123456789abcdefghi",
                "xbj3kv35jrawxv32ysr",
            ),
            (
                Algorithm::Aes256,
                KEY_256,
                "",
                10,
                "0123456789",
                "6657667009",
            ),
            (
                Algorithm::Aes256,
                KEY_256,
                TWEAK_10,
                10,
                "0123456789",
                "1001623463",
            ),
            (
                Algorithm::Aes256,
                KEY_256,
                TWEAK_36,
                36,
                "0123456789abcdefghi",
                "xs8a0azh2avyalyzuwd",
            ),
        ];
        for (number, (algorithm, key, tweak, radix, plaintext, ciphertext)) in
            samples.into_iter().enumerate()
        {
            let key = SecretKey::from_hex(key).unwrap();
            let provider = SoftwareProvider::new(algorithm, &key).unwrap();
            let ff1 = Ff1::new(&provider, radix).unwrap();
            let tweak = SecretKey::from_hex(tweak).unwrap();
            let encrypted = ff1
                .encrypt(tweak.expose(), &to_numerals(plaintext))
                .unwrap();
            assert_eq!(to_text(&encrypted), ciphertext, "sample {}", number + 1);
            let decrypted = ff1.decrypt(tweak.expose(), &encrypted).unwrap();
            assert_eq!(to_text(&decrypted), plaintext, "sample {}", number + 1);
        }
    }

    #[test]
    fn domain_below_a_million_is_rejected() {
        let provider =
            SoftwareProvider::new(Algorithm::Sm4, &SecretKey::from_bytes(&[1; 16])).unwrap();
        let decimal = Ff1::new(&provider, 10).unwrap();
        assert!(matches!(
            decimal.encrypt(b"", &[1, 2, 3, 4, 5]),
            Err(Error::DomainTooSmall { .. })
        ));
        assert!(decimal.encrypt(b"", &[1, 2, 3, 4, 5, 6]).is_ok());
        let base36 = Ff1::new(&provider, 36).unwrap();
        assert!(base36.encrypt(b"", &[1, 2, 3]).is_err());
        assert!(base36.encrypt(b"", &[1, 2, 3, 4]).is_ok());
        assert!(Ff1::new(&provider, 1).is_err());
        assert!(decimal.encrypt(b"", &[10, 0, 0, 0, 0, 0]).is_err());
        assert!(matches!(
            decimal.encrypt(b"", &[0; 60]),
            Err(Error::InputTooLong { .. })
        ));
    }

    proptest! {
        #[test]
        fn round_trips_over_sm4(
            radix in 2u32..=62,
            seed in proptest::collection::vec(any::<u8>(), 2..40),
            tweak in proptest::collection::vec(any::<u8>(), 0..20),
        ) {
            let provider = SoftwareProvider::new(Algorithm::Sm4, &SecretKey::from_bytes(&[9; 16])).unwrap();
            let ff1 = Ff1::new(&provider, radix).unwrap();
            let numerals: Vec<u8> = seed.iter().map(|&byte| (u32::from(byte) % radix) as u8).collect();
            let encrypted = match ff1.encrypt(&tweak, &numerals) {
                Err(Error::DomainTooSmall { .. } | Error::InputTooLong { .. }) => return Ok(()),
                result => result.unwrap(),
            };
            prop_assert_eq!(encrypted.len(), numerals.len());
            prop_assert!(encrypted.iter().all(|&n| u32::from(n) < radix));
            prop_assert_eq!(ff1.decrypt(&tweak, &encrypted).unwrap(), numerals);
        }
    }
}
