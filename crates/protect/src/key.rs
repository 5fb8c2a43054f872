//! Key material: held in zeroizing memory, never printed.

use std::fmt;
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Symmetric key bytes. Zeroized on drop; `Debug` shows only the length.
#[derive(Clone)]
pub struct SecretKey(Zeroizing<Vec<u8>>);

impl SecretKey {
    pub fn from_bytes(bytes: &[u8]) -> Self {
        SecretKey(Zeroizing::new(bytes.to_vec()))
    }

    /// Parses hex, ignoring surrounding whitespace (key files often end in a newline).
    pub fn from_hex(hex: &str) -> Result<Self> {
        let hex = hex.trim();
        if !hex.len().is_multiple_of(2) {
            return Err(Error::Key("hex key has an odd number of digits".into()));
        }
        let mut bytes = Zeroizing::new(Vec::with_capacity(hex.len() / 2));
        for pair in hex.as_bytes().chunks_exact(2) {
            let high = hex_digit(pair[0]);
            let low = hex_digit(pair[1]);
            match (high, low) {
                (Some(high), Some(low)) => bytes.push(high << 4 | low),
                _ => return Err(Error::Key("key is not hex".into())),
            }
        }
        Ok(SecretKey(bytes))
    }

    /// Reads a key file holding the key in hex.
    pub fn from_key_file(path: &Path) -> Result<Self> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|error| {
            Error::Key(format!("cannot read key file {}: {error}", path.display()))
        })?);
        SecretKey::from_hex(&text)
            .map_err(|error| Error::Key(format!("key file {}: {error}", path.display())))
    }

    /// Reads a hex key from an environment variable.
    pub fn from_env(variable: &str) -> Result<Self> {
        let text = Zeroizing::new(std::env::var(variable).map_err(|_| {
            Error::Key(format!(
                "environment variable {variable} is not set or not UTF-8"
            ))
        })?);
        SecretKey::from_hex(&text)
            .map_err(|error| Error::Key(format!("environment variable {variable}: {error}")))
    }

    /// Fresh random key of `length` bytes from the operating system.
    pub fn generate(length: usize) -> Result<Self> {
        let mut bytes = Zeroizing::new(vec![0u8; length]);
        getrandom::fill(&mut bytes)
            .map_err(|error| Error::Key(format!("no randomness: {error}")))?;
        Ok(SecretKey(bytes))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "SecretKey(<{} bytes redacted>)", self.0.len())
    }
}

fn hex_digit(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        hex.push(DIGITS[usize::from(byte >> 4)] as char);
        hex.push(DIGITS[usize::from(byte & 0x0f)] as char);
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_key_bytes() {
        let key = SecretKey::from_hex("00112233445566778899aabbccddeeff").unwrap();
        let shown = format!("{key:?}");
        assert_eq!(shown, "SecretKey(<16 bytes redacted>)");
    }

    #[test]
    fn hex_round_trip_and_rejections() {
        let key = SecretKey::from_hex(" 0aFf\n").unwrap();
        assert_eq!(key.expose(), &[0x0a, 0xff]);
        assert_eq!(to_hex(key.expose()), "0aff");
        assert!(SecretKey::from_hex("abc").is_err());
        assert!(SecretKey::from_hex("zz").is_err());
    }

    #[test]
    fn key_file_is_read_as_hex() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("key.hex");
        std::fs::write(&path, "0123456789abcdeffedcba9876543210\n").unwrap();
        assert_eq!(SecretKey::from_key_file(&path).unwrap().len(), 16);
    }
}
