//! The registry of recipients: who received a marked copy, under which master key, when.
//!
//! It holds no secret (recipient keys are re-derived from the master key at trace time), so it
//! can live beside the data; losing it loses only the list of names to try.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

use super::values::civil_from_days;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryEntry {
    pub recipient: String,
    /// [`super::WatermarkKey::key_id`] of the master key the copy was marked under.
    pub key_id: String,
    /// When the recipient was first registered (RFC 3339, UTC).
    pub created: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registry {
    pub recipients: Vec<RegistryEntry>,
}

impl Registry {
    /// Reads a registry; a missing file is an empty registry.
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| {
                Error::Watermark(format!(
                    "registry {}: not a watermark registry ({error}); fix or move the file",
                    path.display()
                ))
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Registry::default()),
            Err(error) => Err(Error::Watermark(format!(
                "registry {}: cannot read: {error}",
                path.display()
            ))),
        }
    }

    /// Writes the registry through a temporary file and a rename, so a crash never leaves
    /// half a registry behind.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).expect("registry serialises");
        let temporary = path.with_extension("json.tmp");
        let cannot = |error: std::io::Error| {
            Error::Watermark(format!(
                "registry {}: cannot write: {error}",
                path.display()
            ))
        };
        std::fs::write(&temporary, text + "\n").map_err(cannot)?;
        std::fs::rename(&temporary, path).map_err(cannot)
    }

    /// [`Registry::record`] with the current time as `created`.
    pub fn record_now(&mut self, recipient: &str, key_id: &str) -> bool {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs() as i64);
        let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
        let second_of_day = seconds.rem_euclid(86_400);
        let created = format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        );
        self.record(recipient, key_id, &created)
    }

    /// Adds a recipient unless it is already registered under this key; tells whether it was new.
    pub fn record(&mut self, recipient: &str, key_id: &str, created: &str) -> bool {
        if self
            .recipients
            .iter()
            .any(|entry| entry.recipient == recipient && entry.key_id == key_id)
        {
            return false;
        }
        self.recipients.push(RegistryEntry {
            recipient: recipient.to_owned(),
            key_id: key_id.to_owned(),
            created: created.to_owned(),
        });
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_round_trips_and_ignores_repeats() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("watermarks.json");
        let mut registry = Registry::load(&path).unwrap();
        assert!(registry.record("acme", "00ff", "2026-11-26T08:00:00Z"));
        assert!(!registry.record("acme", "00ff", "2026-11-26T09:00:00Z"));
        registry.save(&path).unwrap();
        assert_eq!(Registry::load(&path).unwrap(), registry);
        std::fs::write(&path, "not json").unwrap();
        assert!(Registry::load(&path).is_err());
    }
}
