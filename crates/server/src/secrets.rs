//! Secrets at rest: database-connection passwords are sealed with SM4-GCM under the
//! platform's master key (`master.key` in the data dir, mode 0600, or `SHUAN_MASTER_KEY`).
//! They are opened only to connect for a scan and are never rendered back.

use std::io::Write;
use std::path::Path;

use base64::Engine as _;
use shuan_protect::{Algorithm, CryptoProvider, NONCE_LEN, SecretKey, SoftwareProvider, TAG_LEN};

use crate::error::Error;

const FORMAT_PREFIX: &str = "sm4gcm1:";

pub struct SecretBox {
    provider: SoftwareProvider,
}

impl SecretBox {
    /// The key from `SHUAN_MASTER_KEY` (hex), else `data_dir/master.key`, created on first use.
    pub fn open_or_create(data_dir: &Path) -> Result<SecretBox, Error> {
        let key = if std::env::var_os("SHUAN_MASTER_KEY").is_some() {
            SecretKey::from_env("SHUAN_MASTER_KEY").map_err(|e| Error::Secret(e.to_string()))?
        } else {
            let path = data_dir.join("master.key");
            if !path.exists() {
                write_new_key(&path)?;
            }
            SecretKey::from_key_file(&path).map_err(|e| Error::Secret(e.to_string()))?
        };
        let provider = SoftwareProvider::new(Algorithm::Sm4, &key)
            .map_err(|e| Error::Secret(e.to_string()))?;
        Ok(SecretBox { provider })
    }

    /// Seals `plaintext`; `context` (e.g. the source's name) is bound as associated data so a
    /// sealed value cannot be moved to another record.
    pub fn seal(&self, plaintext: &str, context: &str) -> Result<String, Error> {
        let nonce = crate::random_bytes::<NONCE_LEN>();
        let mut buffer = plaintext.as_bytes().to_vec();
        let tag = self
            .provider
            .seal(&nonce, context.as_bytes(), &mut buffer)
            .map_err(|e| Error::Secret(e.to_string()))?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&buffer);
        sealed.extend_from_slice(&tag);
        Ok(format!(
            "{FORMAT_PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(sealed)
        ))
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<String, Error> {
        let corrupt = || Error::Secret("a stored secret is corrupt or under another key".into());
        let encoded = sealed.strip_prefix(FORMAT_PREFIX).ok_or_else(corrupt)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| corrupt())?;
        if bytes.len() < NONCE_LEN + TAG_LEN {
            return Err(corrupt());
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
        let mut buffer = ciphertext.to_vec();
        self.provider
            .open(
                nonce.try_into().map_err(|_| corrupt())?,
                context.as_bytes(),
                &mut buffer,
                tag.try_into().map_err(|_| corrupt())?,
            )
            .map_err(|_| corrupt())?;
        String::from_utf8(buffer).map_err(|_| corrupt())
    }
}

fn write_new_key(path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::OpenOptionsExt;
    let key: String = crate::random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    writeln!(file, "{key}")?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_passwords_open_only_in_their_context() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = SecretBox::open_or_create(dir.path()).unwrap();
        let sealed = secrets.seal("p@ss word", "source:crm").unwrap();
        assert!(!sealed.contains("p@ss"));
        assert_eq!(secrets.open(&sealed, "source:crm").unwrap(), "p@ss word");
        assert!(secrets.open(&sealed, "source:other").is_err());
        let reopened = SecretBox::open_or_create(dir.path()).unwrap();
        assert_eq!(reopened.open(&sealed, "source:crm").unwrap(), "p@ss word");
    }
}
