//! Rule packs: data that maps entities to a category (分类) and a level (分级) for a sector,
//! and user-defined detectors.
//!
//! Packs are YAML. The built-in ones live in the repository's `rules/` folder and are
//! embedded in the binary; a user's file adds to (and overrides) the active pack.

use std::collections::HashMap;

use serde::Deserialize;

use crate::entity::{Entity, Evidence};

/// A level (分级) in the order of a pack: later is more sensitive.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LevelDef {
    pub id: String,
    pub zh: String,
    pub en: String,
}

/// Where an entity goes in a pack.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EntityRule {
    pub category: String,
    pub category_zh: String,
    pub level: String,
}

/// A detector a user defines as data.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DetectorDef {
    pub id: String,
    #[serde(default)]
    pub name_zh: Option<String>,
    /// Regular expression a whole cell must match (in text: any match).
    pub pattern: String,
    /// Name of a built-in validator run on each match (see [`validator_by_name`]).
    #[serde(default)]
    pub validator: Option<String>,
    /// Header or comment substrings that hint at this detector's entity.
    #[serde(default)]
    pub headers: Vec<String>,
    /// Words that must appear before a match on the same line for it to count in text.
    #[serde(default)]
    pub context: Vec<String>,
    pub category: String,
    pub category_zh: String,
    pub level: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PackFile {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name_zh: Option<String>,
    #[serde(default)]
    name_en: Option<String>,
    #[serde(default)]
    levels: Vec<LevelDef>,
    #[serde(default)]
    entities: HashMap<String, EntityRule>,
    #[serde(default)]
    detectors: Vec<DetectorDef>,
}

/// The active rules: one pack, possibly extended by user files.
#[derive(Debug, Clone)]
pub struct RulePack {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub levels: Vec<LevelDef>,
    pub entities: HashMap<String, EntityRule>,
    pub detectors: Vec<DetectorDef>,
}

/// Why a pack was rejected.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
}

const BUILTIN: &[(&str, &str)] = &[
    ("general", include_str!("../../../rules/general.yaml")),
    ("government", include_str!("../../../rules/government.yaml")),
];

/// Ids of the packs shipped in the binary.
pub fn builtin_ids() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(id, _)| *id)
}

impl RulePack {
    /// A pack shipped in the binary.
    pub fn builtin(id: &str) -> Result<RulePack, RuleError> {
        let (_, text) =
            BUILTIN
                .iter()
                .find(|(k, _)| *k == id)
                .ok_or_else(|| RuleError::Invalid {
                    origin: id.to_owned(),
                    message: format!(
                        "no such rule pack; built-in packs: {}",
                        builtin_ids().collect::<Vec<_>>().join(", ")
                    ),
                })?;
        let file = parse(id, text)?;
        let pack = RulePack {
            id: file.id.unwrap_or_else(|| id.to_owned()),
            name_zh: file.name_zh.unwrap_or_default(),
            name_en: file.name_en.unwrap_or_default(),
            levels: file.levels,
            entities: file.entities,
            detectors: file.detectors,
        };
        pack.check(id)?;
        Ok(pack)
    }

    /// Add a user's file (YAML text) on top: its levels, entity rules and detectors override
    /// or extend this pack's. `origin` names the file in errors.
    pub fn extend_from_yaml(&mut self, origin: &str, text: &str) -> Result<(), RuleError> {
        let file = parse(origin, text)?;
        for level in file.levels {
            if !self.levels.iter().any(|l| l.id == level.id) {
                self.levels.push(level);
            }
        }
        self.entities.extend(file.entities);
        for d in file.detectors {
            self.detectors.retain(|old| old.id != d.id);
            self.detectors.push(d);
        }
        self.check(origin)
    }

    fn check(&self, origin: &str) -> Result<(), RuleError> {
        let invalid = |message: String| RuleError::Invalid {
            origin: origin.to_owned(),
            message,
        };
        let known_level = |l: &str| self.levels.iter().any(|d| d.id == l);
        for (id, rule) in &self.entities {
            if Entity::from_id(id).is_none() && !self.detectors.iter().any(|d| &d.id == id) {
                return Err(invalid(format!(
                    "entity `{id}` is neither built in nor defined by a detector"
                )));
            }
            if !known_level(&rule.level) {
                return Err(invalid(format!(
                    "entity `{id}` has unknown level `{}`",
                    rule.level
                )));
            }
        }
        for d in &self.detectors {
            if !known_level(&d.level) {
                return Err(invalid(format!(
                    "detector `{}` has unknown level `{}`",
                    d.id, d.level
                )));
            }
            if let Some(v) = &d.validator
                && validator_by_name(v).is_none()
            {
                return Err(invalid(format!(
                    "detector `{}` names unknown validator `{v}`",
                    d.id
                )));
            }
            regex::Regex::new(&d.pattern)
                .map_err(|e| invalid(format!("detector `{}`: bad pattern: {e}", d.id)))?;
        }
        Ok(())
    }

    /// Category and level for an entity id, if the pack places it.
    pub fn rule(&self, entity: &str) -> Option<(&str, &str, &str)> {
        if let Some(r) = self.entities.get(entity) {
            return Some((&r.category, &r.category_zh, &r.level));
        }
        self.detectors.iter().find(|d| d.id == entity).map(|d| {
            (
                d.category.as_str(),
                d.category_zh.as_str(),
                d.level.as_str(),
            )
        })
    }

    /// Rank of a level (higher is more sensitive); unknown levels rank lowest.
    pub fn level_rank(&self, level: &str) -> usize {
        self.levels
            .iter()
            .position(|l| l.id == level)
            .map_or(0, |p| p + 1)
    }

    /// The level definition for an id.
    pub fn level(&self, id: &str) -> Option<&LevelDef> {
        self.levels.iter().find(|l| l.id == id)
    }
}

fn parse(origin: &str, text: &str) -> Result<PackFile, RuleError> {
    serde_yaml::from_str(text).map_err(|e| RuleError::Invalid {
        origin: origin.to_owned(),
        message: match e.location() {
            Some(loc) => format!("line {}: {e}", loc.line()),
            None => e.to_string(),
        },
    })
}

/// A built-in validator that a user detector may name.
pub fn validator_by_name(name: &str) -> Option<fn(&[u8]) -> bool> {
    use crate::validate as v;
    Some(match name {
        "luhn" => v::luhn,
        "resident_id" => |s| v::resident_id(s).is_some(),
        "uscc" => |s| v::uscc(s).is_some(),
        "organisation_code" => v::organisation_code,
        "bank_card" => |s| v::bank_card(s).is_some(),
        "imei" => v::imei,
        "vin" => v::vin,
        "mobile" => v::mobile,
        "landline" => v::landline,
        "email" => v::email,
        "ipv4" => v::ipv4,
        "ipv6" => v::ipv6,
        "mac_address" => v::mac_address,
        _ => return None,
    })
}

/// Evidence class of a user detector: one with a validator stands on values alone.
pub fn detector_evidence(d: &DetectorDef) -> Evidence {
    if d.validator.is_some() {
        Evidence::Strong
    } else {
        Evidence::Weak
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_packs_place_every_builtin_entity() {
        for id in builtin_ids() {
            let pack = RulePack::builtin(id).unwrap();
            for e in Entity::ALL {
                assert!(pack.rule(e.id()).is_some(), "pack {id} misses {}", e.id());
            }
        }
    }

    #[test]
    fn user_rules_extend_and_errors_name_the_line() {
        let mut pack = RulePack::builtin("general").unwrap();
        let yaml = "detectors:\n  - id: employee_no\n    pattern: 'EMP\\d{6}'\n    headers: [工号]\n    category: personal/employment\n    category_zh: 个人信息/工作信息\n    level: pi\n";
        pack.extend_from_yaml("mine.yaml", yaml).unwrap();
        assert_eq!(pack.rule("employee_no").map(|r| r.2), Some("pi"));

        let bad =
            "entities:\n  cn_mobile:\n    category: x\n    category_zh: y\n    level: secret\n";
        let err = pack
            .clone()
            .extend_from_yaml("bad.yaml", bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("bad.yaml") && err.contains("secret"), "{err}");

        let typo = "entities:\n  cn_mobile:\n    categroy: x\n";
        let err = pack
            .extend_from_yaml("typo.yaml", typo)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
    }
}
