//! Watermark keys: one master key, and from it a key per recipient.
//!
//! Derivation (HMAC-SM3 under the master key, domain-separated labels):
//! - key id  = hex(HMAC(master, "shuan watermark v1 key id"))[..16], recorded in the registry
//!   so a trace knows which master key a recipient's copy was marked under;
//! - recipient key = HMAC(master, "shuan watermark v1 recipient\0" || recipient name)[..16],
//!   the SipHash key of every mark in that recipient's copies.

use crate::error::{Error, Result};
use crate::key::{SecretKey, to_hex};
use crate::provider::{Algorithm, CryptoProvider, SoftwareProvider};

use super::siphash::SipKey;

const KEY_ID_LABEL: &[u8] = b"shuan watermark v1 key id";
const RECIPIENT_LABEL: &[u8] = b"shuan watermark v1 recipient\0";

/// The master key that every recipient key derives from.
pub struct WatermarkKey {
    provider: Box<dyn CryptoProvider>,
    key_id: String,
}

impl WatermarkKey {
    /// A master key of 16, 24 or 32 bytes.
    pub fn new(master: &SecretKey) -> Result<Self> {
        let algorithm = match master.len() {
            16 => Algorithm::Sm4,
            24 => Algorithm::Aes192,
            32 => Algorithm::Aes256,
            other => {
                return Err(Error::Key(format!(
                    "a watermark master key has 16, 24 or 32 bytes (32, 48 or 64 hex digits), got {other} bytes"
                )));
            }
        };
        Ok(Self::with_provider(Box::new(SoftwareProvider::new(
            algorithm, master,
        )?)))
    }

    /// A master key held by another provider (an HSM), used only through `hmac_sm3`.
    pub fn with_provider(provider: Box<dyn CryptoProvider>) -> Self {
        let key_id = to_hex(&provider.hmac_sm3(KEY_ID_LABEL)[..8]);
        WatermarkKey { provider, key_id }
    }

    /// Public fingerprint of the master key (not secret: it reveals nothing of the key).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The key that marks (and traces) `recipient`'s copies.
    pub fn recipient(&self, recipient: &str) -> RecipientKey {
        let mut input = Vec::with_capacity(RECIPIENT_LABEL.len() + recipient.len());
        input.extend_from_slice(RECIPIENT_LABEL);
        input.extend_from_slice(recipient.as_bytes());
        let mut digest = self.provider.hmac_sm3(&input);
        let key = SipKey::from_bytes(digest[..16].try_into().expect("16 bytes"));
        zeroize::Zeroize::zeroize(&mut digest);
        RecipientKey { mark: key }
    }
}

impl std::fmt::Debug for WatermarkKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("WatermarkKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// One recipient's marking key. `Debug` never shows it.
#[derive(Clone)]
pub struct RecipientKey {
    pub(crate) mark: SipKey,
}

impl std::fmt::Debug for RecipientKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("RecipientKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_get_distinct_keys_and_key_ids_are_stable() {
        let master = WatermarkKey::new(&SecretKey::from_bytes(&[1; 16])).unwrap();
        let again = WatermarkKey::new(&SecretKey::from_bytes(&[1; 16])).unwrap();
        let other = WatermarkKey::new(&SecretKey::from_bytes(&[2; 16])).unwrap();
        assert_eq!(master.key_id(), again.key_id());
        assert_ne!(master.key_id(), other.key_id());
        assert_eq!(master.key_id().len(), 16);
        let probe = b"probe";
        assert_ne!(
            master.recipient("a").mark.hash(probe),
            master.recipient("b").mark.hash(probe)
        );
        assert_eq!(
            master.recipient("a").mark.hash(probe),
            again.recipient("a").mark.hash(probe)
        );
        assert!(WatermarkKey::new(&SecretKey::from_bytes(&[1; 20])).is_err());
    }
}
