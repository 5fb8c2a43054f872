//! The crypto provider: the only place that touches block ciphers, AEADs and MACs,
//! so a hardware security module can stand in for the software implementation.

use std::fmt;

use aes::{Aes128, Aes192, Aes256};
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{AesGcm, Nonce, Tag};
use hmac::{Hmac, Mac};
use sm3::Sm3;
use sm4::Sm4;
use sm4::cipher::{Array, BlockCipherEncrypt};

use crate::error::{Error, Result};
use crate::key::SecretKey;

/// Length of the AEAD authentication tag appended to every sealed chunk.
pub const TAG_LEN: usize = 16;
/// Length of an AEAD nonce.
pub const NONCE_LEN: usize = 12;

/// The 128-bit block cipher under FF1 and GCM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    /// SM4 (GB/T 32907), the default.
    Sm4,
    Aes128,
    Aes192,
    Aes256,
}

impl Algorithm {
    pub fn key_len(self) -> usize {
        match self {
            Algorithm::Sm4 | Algorithm::Aes128 => 16,
            Algorithm::Aes192 => 24,
            Algorithm::Aes256 => 32,
        }
    }

    /// Stable identifier written into encrypted file headers.
    pub fn id(self) -> u8 {
        match self {
            Algorithm::Sm4 => 1,
            Algorithm::Aes128 => 2,
            Algorithm::Aes192 => 3,
            Algorithm::Aes256 => 4,
        }
    }

    pub fn from_id(id: u8) -> Option<Self> {
        [
            Algorithm::Sm4,
            Algorithm::Aes128,
            Algorithm::Aes192,
            Algorithm::Aes256,
        ]
        .into_iter()
        .find(|algorithm| algorithm.id() == id)
    }

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sm4 => "sm4",
            Algorithm::Aes128 => "aes-128",
            Algorithm::Aes192 => "aes-192",
            Algorithm::Aes256 => "aes-256",
        }
    }
}

/// Cryptographic primitives bound to one key.
///
/// Implementations hold (or reference) the key; callers never see it again.
pub trait CryptoProvider: Send + Sync {
    fn algorithm(&self) -> Algorithm;

    /// Encrypts one block in place: the PRF under FF1.
    fn encrypt_block(&self, block: &mut [u8; 16]);

    /// Encrypts `buffer` in place and returns the tag (`<cipher>-GCM`).
    fn seal(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], buffer: &mut [u8])
    -> Result<[u8; TAG_LEN]>;

    /// Checks the tag (in constant time) and decrypts `buffer` in place.
    fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buffer: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<()>;

    /// HMAC-SM3 of `data` under the provider's key.
    fn hmac_sm3(&self, data: &[u8]) -> [u8; 32];
}

enum BlockCipher {
    Sm4(Box<Sm4>),
    Aes128(Box<Aes128>),
    Aes192(Box<Aes192>),
    Aes256(Box<Aes256>),
}

/// [`CryptoProvider`] in software over RustCrypto.
///
/// The HMAC key is the provider's key itself; keep file-encryption keys and
/// masking keys distinct (they have distinct key ids).
pub struct SoftwareProvider {
    algorithm: Algorithm,
    cipher: BlockCipher,
    mac: Hmac<Sm3>,
}

impl SoftwareProvider {
    pub fn new(algorithm: Algorithm, key: &SecretKey) -> Result<Self> {
        let bytes = key.expose();
        if bytes.len() != algorithm.key_len() {
            return Err(Error::Key(format!(
                "{} needs a {}-byte key, got {} bytes",
                algorithm.name(),
                algorithm.key_len(),
                bytes.len()
            )));
        }
        let wrong_length = |_| Error::Key("key length".into());
        let cipher = match algorithm {
            Algorithm::Sm4 => {
                BlockCipher::Sm4(Box::new(Sm4::new_from_slice(bytes).map_err(wrong_length)?))
            }
            Algorithm::Aes128 => BlockCipher::Aes128(Box::new(
                Aes128::new_from_slice(bytes).map_err(wrong_length)?,
            )),
            Algorithm::Aes192 => BlockCipher::Aes192(Box::new(
                Aes192::new_from_slice(bytes).map_err(wrong_length)?,
            )),
            Algorithm::Aes256 => BlockCipher::Aes256(Box::new(
                Aes256::new_from_slice(bytes).map_err(wrong_length)?,
            )),
        };
        let mac = <Hmac<Sm3> as KeyInit>::new_from_slice(bytes).map_err(wrong_length)?;
        Ok(SoftwareProvider {
            algorithm,
            cipher,
            mac,
        })
    }
}

impl fmt::Debug for SoftwareProvider {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SoftwareProvider")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

fn gcm<C>(cipher: &C) -> AesGcm<&C, U12>
where
    C: BlockCipherEncrypt<BlockSize = aes_gcm::aead::consts::U16>,
{
    AesGcm::from(cipher)
}

impl CryptoProvider for SoftwareProvider {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    fn encrypt_block(&self, block: &mut [u8; 16]) {
        let block: &mut Array<u8, _> = block.into();
        match &self.cipher {
            BlockCipher::Sm4(cipher) => cipher.encrypt_block(block),
            BlockCipher::Aes128(cipher) => cipher.encrypt_block(block),
            BlockCipher::Aes192(cipher) => cipher.encrypt_block(block),
            BlockCipher::Aes256(cipher) => cipher.encrypt_block(block),
        }
    }

    fn seal(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buffer: &mut [u8],
    ) -> Result<[u8; TAG_LEN]> {
        let nonce = Nonce::<U12>::from(*nonce);
        let tag = match &self.cipher {
            BlockCipher::Sm4(cipher) => {
                gcm(cipher.as_ref()).encrypt_inout_detached(&nonce, aad, buffer.into())
            }
            BlockCipher::Aes128(cipher) => {
                gcm(cipher.as_ref()).encrypt_inout_detached(&nonce, aad, buffer.into())
            }
            BlockCipher::Aes192(cipher) => {
                gcm(cipher.as_ref()).encrypt_inout_detached(&nonce, aad, buffer.into())
            }
            BlockCipher::Aes256(cipher) => {
                gcm(cipher.as_ref()).encrypt_inout_detached(&nonce, aad, buffer.into())
            }
        }
        .map_err(|_| Error::Aead)?;
        Ok(tag.into())
    }

    fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buffer: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<()> {
        let nonce = Nonce::<U12>::from(*nonce);
        let tag = Tag::from(*tag);
        match &self.cipher {
            BlockCipher::Sm4(cipher) => {
                gcm(cipher.as_ref()).decrypt_inout_detached(&nonce, aad, buffer.into(), &tag)
            }
            BlockCipher::Aes128(cipher) => {
                gcm(cipher.as_ref()).decrypt_inout_detached(&nonce, aad, buffer.into(), &tag)
            }
            BlockCipher::Aes192(cipher) => {
                gcm(cipher.as_ref()).decrypt_inout_detached(&nonce, aad, buffer.into(), &tag)
            }
            BlockCipher::Aes256(cipher) => {
                gcm(cipher.as_ref()).decrypt_inout_detached(&nonce, aad, buffer.into(), &tag)
            }
        }
        .map_err(|_| Error::Aead)
    }

    fn hmac_sm3(&self, data: &[u8]) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}

/// SM3 digest (GB/T 32905).
pub fn sm3_digest(data: &[u8]) -> [u8; 32] {
    use sm3::Digest;
    Sm3::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::to_hex;

    #[test]
    fn sm4_gbt_32907_sample() {
        let key = SecretKey::from_hex("0123456789abcdeffedcba9876543210").unwrap();
        let provider = SoftwareProvider::new(Algorithm::Sm4, &key).unwrap();
        let mut block: [u8; 16] = key.expose().try_into().unwrap();
        provider.encrypt_block(&mut block);
        assert_eq!(to_hex(&block), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn sm3_gbt_32905_samples() {
        assert_eq!(
            to_hex(&sm3_digest(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        assert_eq!(
            to_hex(&sm3_digest("abcd".repeat(16).as_bytes())),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
    }

    #[test]
    fn hmac_sm3_matches_the_rfc_2104_construction() {
        let key = SecretKey::from_hex("0123456789abcdeffedcba9876543210").unwrap();
        let provider = SoftwareProvider::new(Algorithm::Sm4, &key).unwrap();
        let mut inner = [0x36u8; 64];
        let mut outer = [0x5cu8; 64];
        for (index, byte) in key.expose().iter().enumerate() {
            inner[index] ^= byte;
            outer[index] ^= byte;
        }
        let inner_digest = sm3_digest(&[&inner[..], b"message"].concat());
        let expected = sm3_digest(&[&outer[..], &inner_digest[..]].concat());
        assert_eq!(provider.hmac_sm3(b"message"), expected);
    }

    #[test]
    fn seal_open_round_trip_and_tamper_detection() {
        for algorithm in [Algorithm::Sm4, Algorithm::Aes128, Algorithm::Aes256] {
            let key = SecretKey::generate(algorithm.key_len()).unwrap();
            let provider = SoftwareProvider::new(algorithm, &key).unwrap();
            let nonce = [7u8; NONCE_LEN];
            let mut buffer = b"chunk of data".to_vec();
            let tag = provider.seal(&nonce, b"aad", &mut buffer).unwrap();
            assert_ne!(buffer, b"chunk of data");
            let mut altered = buffer.clone();
            altered[0] ^= 1;
            assert!(provider.open(&nonce, b"aad", &mut altered, &tag).is_err());
            provider.open(&nonce, b"aad", &mut buffer, &tag).unwrap();
            assert_eq!(buffer, b"chunk of data");
        }
    }

    #[test]
    fn wrong_key_length_is_rejected() {
        let key = SecretKey::from_bytes(&[0; 16]);
        assert!(SoftwareProvider::new(Algorithm::Aes256, &key).is_err());
    }
}
