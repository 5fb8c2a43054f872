//! Policies: which operator protects which column, from YAML.
//!
//! ```yaml
//! levels:                      # the default for each level
//!   sensitive-pi: {operator: partial_mask}
//!   core: {operator: redact}
//! entities:                    # overrides the level
//!   cn_mobile: {operator: fpe}
//! columns:                     # overrides everything; names match case-insensitively
//!   备注: {operator: redact, replacement: "[removed]"}
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use crate::entity::{ENTITIES, is_known_entity};
use crate::error::{Error, Result};
use crate::operator::Operator;

const POLICY_VERSION: u32 = 1;

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default = "current_version")]
    version: u32,
    #[serde(default)]
    levels: BTreeMap<String, Operator>,
    #[serde(default)]
    entities: BTreeMap<EntityId, Operator>,
    #[serde(default)]
    columns: BTreeMap<String, Operator>,
}

fn current_version() -> u32 {
    POLICY_VERSION
}

/// An entity id checked against the catalogue while parsing, so the YAML error
/// carries the line of the unknown name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct EntityId(String);

impl<'de> Deserialize<'de> for EntityId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        if is_known_entity(&name) {
            Ok(EntityId(name))
        } else {
            Err(serde::de::Error::custom(format!(
                "unknown entity `{name}`, expected one of {}",
                ENTITIES.join(", ")
            )))
        }
    }
}

impl Policy {
    /// Parses a policy; an unknown entity, operator or field is an error naming
    /// its line and column.
    pub fn from_yaml(text: &str) -> Result<Self> {
        let policy: Policy =
            serde_yaml::from_str(text).map_err(|error| Error::Policy(error.to_string()))?;
        if policy.version != POLICY_VERSION {
            return Err(Error::Policy(format!(
                "version {} is not supported; this build reads version {POLICY_VERSION}",
                policy.version
            )));
        }
        Ok(policy)
    }

    /// The built-in policy used when none is given: partial masks for personal
    /// information, redaction for core data.
    pub fn builtin() -> Self {
        let partial_mask = Operator::PartialMask {
            keep_start: None,
            keep_end: None,
            mask_char: '*',
        };
        let levels = [
            (
                "core",
                Operator::Redact {
                    replacement: "***".into(),
                },
            ),
            ("important", partial_mask.clone()),
            ("sensitive-pi", partial_mask.clone()),
            ("pi", partial_mask),
        ]
        .into_iter()
        .map(|(level, operator)| (level.to_owned(), operator))
        .collect();
        Policy {
            version: POLICY_VERSION,
            levels,
            ..Policy::default()
        }
    }

    /// The operator for a column: by column name, else by entity, else by level.
    /// `None` leaves the column as it is.
    pub fn operator_for(
        &self,
        column_name: &str,
        entity: Option<&str>,
        level: Option<&str>,
    ) -> Option<&Operator> {
        let by_column = self
            .columns
            .iter()
            .find(|(name, _)| name.trim().eq_ignore_ascii_case(column_name.trim()))
            .map(|(_, operator)| operator);
        let by_entity = || {
            entity.and_then(|entity| {
                self.entities
                    .iter()
                    .find(|(id, _)| id.0 == entity)
                    .map(|(_, operator)| operator)
            })
        };
        let by_level = || level.and_then(|level| self.levels.get(level));
        by_column.or_else(by_entity).or_else(by_level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "\
version: 1
levels:
  sensitive-pi: {operator: partial_mask}
  core: {operator: redact}
entities:
  cn_mobile: {operator: fpe}
  person_name:
    operator: keyed_hash
    length: 16
columns:
  备注: {operator: redact, replacement: '[removed]'}
  Phone: {operator: keep}
";

    #[test]
    fn precedence_is_column_entity_level() {
        let policy = Policy::from_yaml(POLICY).unwrap();
        assert_eq!(
            policy.operator_for("phone", Some("cn_mobile"), Some("sensitive-pi")),
            Some(&Operator::Keep)
        );
        assert_eq!(
            policy.operator_for("mobile", Some("cn_mobile"), Some("sensitive-pi")),
            Some(&Operator::Fpe { alphabet: None })
        );
        assert_eq!(
            policy.operator_for("name", Some("person_name"), None),
            Some(&Operator::KeyedHash { length: Some(16) })
        );
        assert!(matches!(
            policy.operator_for("身份证", Some("cn_resident_id"), Some("sensitive-pi")),
            Some(Operator::PartialMask { .. })
        ));
        assert_eq!(
            policy.operator_for("备注", None, None),
            Some(&Operator::Redact {
                replacement: "[removed]".into()
            })
        );
        assert_eq!(policy.operator_for("amount", None, Some("general")), None);
    }

    #[test]
    fn unknown_entity_names_its_line() {
        let error = Policy::from_yaml(&POLICY.replace("  cn_mobile:", "  cn_mobil:")).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("unknown entity `cn_mobil`"), "{message}");
        assert!(message.contains("line 6"), "{message}");
    }

    #[test]
    fn unknown_operator_and_field_name_their_line() {
        let message =
            Policy::from_yaml(&POLICY.replace("operator: keyed_hash", "operator: scramble"))
                .unwrap_err()
                .to_string();
        assert!(
            message.contains("scramble") && message.contains("line 8"),
            "{message}"
        );
        let message = Policy::from_yaml(&POLICY.replace("length: 16", "lenght: 16"))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("lenght") && message.contains("line"),
            "{message}"
        );
        assert!(Policy::from_yaml("version: 2").is_err());
    }

    #[test]
    fn builtin_masks_personal_information() {
        let policy = Policy::builtin();
        assert!(
            policy
                .operator_for("x", None, Some("sensitive-pi"))
                .is_some()
        );
        assert!(policy.operator_for("x", None, Some("general")).is_none());
    }
}
