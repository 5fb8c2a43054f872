//! Masking operators on single values (and, for shuffle, on a column).

use serde::{Deserialize, Serialize};

use crate::date::CellDate;
use crate::error::{Error, Result};
use crate::fake;
use crate::fpe::{self, Alphabet};
use crate::key::to_hex;
use crate::partial;
use crate::provider::CryptoProvider;

/// How a value is protected. Deserialised from policies as
/// `{operator: partial_mask, keep_start: 3}` and the like.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "operator", rename_all = "snake_case", deny_unknown_fields)]
pub enum Operator {
    /// Leave the value as it is (a policy's way to exempt a column).
    Keep,
    /// Replace the whole value.
    Redact {
        #[serde(default = "default_replacement")]
        replacement: String,
    },
    /// Write a null (an empty string where the format has no null).
    Nullify,
    /// Hide the middle; without `keep_start`/`keep_end` the entity's convention applies.
    PartialMask {
        #[serde(default)]
        keep_start: Option<usize>,
        #[serde(default)]
        keep_end: Option<usize>,
        #[serde(default = "default_mask_char")]
        mask_char: char,
    },
    /// HMAC-SM3 in hex: the same value gives the same pseudonym under one key.
    KeyedHash {
        /// Hex characters kept, 8..=64; all 64 when absent.
        #[serde(default)]
        length: Option<usize>,
    },
    /// FF1 keeping format and validity; reversible with the key.
    Fpe {
        #[serde(default)]
        alphabet: Option<Alphabet>,
    },
    /// Coarser values: dates to month or year, ages to bands, coordinates to fewer
    /// decimals, addresses to their city.
    Generalize {
        #[serde(default)]
        date: DatePrecision,
        #[serde(default = "default_age_band")]
        age_band: u32,
        #[serde(default = "default_decimals")]
        decimals: usize,
    },
    /// Move dates by a keyed number of days in `-max_days..=max_days`, never 0.
    DateShift {
        #[serde(default = "default_max_days")]
        max_days: u32,
    },
    /// A realistic fake value of the same entity, the same for the same input.
    Substitute,
    /// Permute the column's values (see [`Operator::apply_column`]).
    Shuffle,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    #[default]
    Month,
    Year,
}

fn default_replacement() -> String {
    "***".into()
}

fn default_mask_char() -> char {
    '*'
}

fn default_age_band() -> u32 {
    10
}

fn default_decimals() -> usize {
    2
}

fn default_max_days() -> u32 {
    30
}

impl Operator {
    pub fn name(&self) -> &'static str {
        match self {
            Operator::Keep => "keep",
            Operator::Redact { .. } => "redact",
            Operator::Nullify => "nullify",
            Operator::PartialMask { .. } => "partial_mask",
            Operator::KeyedHash { .. } => "keyed_hash",
            Operator::Fpe { .. } => "fpe",
            Operator::Generalize { .. } => "generalize",
            Operator::DateShift { .. } => "date_shift",
            Operator::Substitute => "substitute",
            Operator::Shuffle => "shuffle",
        }
    }

    /// Whether [`Operator::unmask`] can give the original back.
    pub fn is_reversible(&self) -> bool {
        matches!(self, Operator::Fpe { .. } | Operator::Keep)
    }

    /// Whether the output is a null; typed formats (Parquet, XLSX) write a null cell.
    pub fn yields_null(&self) -> bool {
        matches!(self, Operator::Nullify)
    }

    /// Whether the operator works on whole columns only.
    pub fn is_column_level(&self) -> bool {
        matches!(self, Operator::Shuffle)
    }

    /// Protects one value. Empty values stay empty: there is nothing to hide.
    pub fn apply(
        &self,
        crypto: &dyn CryptoProvider,
        value: &str,
        entity: Option<&str>,
    ) -> Result<String> {
        self.apply_in_record(crypto, value, entity, None)
    }

    /// Like [`Operator::apply`]; `record_key` (e.g. a patient id) makes a date
    /// shift the same for every date of one record, keeping intervals between them.
    pub fn apply_in_record(
        &self,
        crypto: &dyn CryptoProvider,
        value: &str,
        entity: Option<&str>,
        record_key: Option<&str>,
    ) -> Result<String> {
        if value.trim().is_empty() {
            return Ok(value.to_owned());
        }
        match self {
            Operator::Keep => Ok(value.to_owned()),
            Operator::Redact { replacement } => Ok(replacement.clone()),
            Operator::Nullify => Ok(String::new()),
            Operator::PartialMask {
                keep_start,
                keep_end,
                mask_char,
            } => Ok(match (keep_start, keep_end) {
                (None, None) => partial::entity_default(value, entity, *mask_char),
                (start, end) => {
                    partial::keep_ends(value, start.unwrap_or(0), end.unwrap_or(0), *mask_char)
                }
            }),
            Operator::KeyedHash { length } => {
                let length = length.unwrap_or(64);
                if !(8..=64).contains(&length) {
                    return Err(self.unsupported("length must be 8..=64 hex characters"));
                }
                let mut hex = to_hex(&crypto.hmac_sm3(value.as_bytes()));
                hex.truncate(length);
                Ok(hex)
            }
            Operator::Fpe { alphabet } => fpe::encrypt(crypto, value, entity, *alphabet),
            Operator::Generalize {
                date,
                age_band,
                decimals,
            } => self.generalize(value, entity, *date, *age_band, *decimals),
            Operator::DateShift { max_days } => {
                let date = CellDate::parse(value)
                    .ok_or_else(|| self.unsupported("the value is not a date"))?;
                if *max_days == 0 {
                    return Err(self.unsupported("max_days must be at least 1"));
                }
                let shift_key = record_key.unwrap_or(value);
                let mut random = fake::Seeded::new(crypto, "date_shift", &[shift_key]);
                let magnitude = 1 + random.below(u64::from(*max_days)) as i64;
                let sign = if random.below(2) == 0 { -1 } else { 1 };
                Ok(date.shifted(sign * magnitude))
            }
            Operator::Substitute => Ok(fake::substitute(crypto, value, entity)),
            Operator::Shuffle => {
                Err(self.unsupported("shuffle permutes a whole column: call apply_column"))
            }
        }
    }

    /// Protects a column. Shuffle permutes it with a permutation seeded by the key
    /// and `column_name`; every other operator applies value by value.
    pub fn apply_column(
        &self,
        crypto: &dyn CryptoProvider,
        column_name: &str,
        values: &[String],
        entity: Option<&str>,
    ) -> Result<Vec<String>> {
        match self {
            Operator::Shuffle => Ok(fake::shuffle(crypto, values, column_name)),
            _ => values
                .iter()
                .map(|value| self.apply(crypto, value, entity))
                .collect(),
        }
    }

    /// Gives back the original of a value this operator protected, for the holder
    /// of the key. Only reversible operators can.
    pub fn unmask(
        &self,
        crypto: &dyn CryptoProvider,
        value: &str,
        entity: Option<&str>,
    ) -> Result<String> {
        match self {
            Operator::Keep => Ok(value.to_owned()),
            Operator::Fpe { .. } if value.trim().is_empty() => Ok(value.to_owned()),
            Operator::Fpe { alphabet } => fpe::decrypt(crypto, value, entity, *alphabet),
            _ => Err(self.unsupported("it is not reversible")),
        }
    }

    fn generalize(
        &self,
        value: &str,
        entity: Option<&str>,
        date_precision: DatePrecision,
        age_band: u32,
        decimals: usize,
    ) -> Result<String> {
        if entity == Some("address") {
            let city_end = partial::city_end(value)
                .ok_or_else(|| self.unsupported("no province or city found in the address"))?;
            return Ok(value.chars().take(city_end).collect());
        }
        if entity == Some("gps_coordinate") || value.contains(',') {
            return coordinates(value, decimals)
                .ok_or_else(|| self.unsupported("the value is not a coordinate pair"));
        }
        if let Some(date) = CellDate::parse(value) {
            return Ok(date.truncated(date_precision == DatePrecision::Month));
        }
        if let Ok(age) = value.trim().parse::<u32>() {
            if age_band == 0 {
                return Err(self.unsupported("age_band must be at least 1"));
            }
            let low = age - age % age_band;
            return Ok(format!("{low}-{}", low + age_band - 1));
        }
        Err(self.unsupported("the value is not an address, coordinate, date or age"))
    }

    fn unsupported(&self, reason: &str) -> Error {
        Error::Unsupported {
            operator: self.name().into(),
            reason: reason.into(),
        }
    }
}

/// `31.230416,121.473701` to `31.23,121.47` (or a single coordinate).
fn coordinates(value: &str, decimals: usize) -> Option<String> {
    let parts: Vec<f64> = value
        .split(',')
        .map(|part| part.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .ok()?;
    if parts.is_empty() || parts.len() > 2 || parts.iter().any(|part| !part.is_finite()) {
        return None;
    }
    Some(
        parts
            .iter()
            .map(|part| format!("{part:.decimals$}"))
            .collect::<Vec<_>>()
            .join(","),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::SecretKey;
    use crate::provider::{Algorithm, SoftwareProvider};

    fn provider() -> SoftwareProvider {
        SoftwareProvider::new(Algorithm::Sm4, &SecretKey::from_bytes(&[5; 16])).unwrap()
    }

    fn generalize() -> Operator {
        Operator::Generalize {
            date: DatePrecision::Month,
            age_band: 10,
            decimals: 2,
        }
    }

    #[test]
    fn simple_operators() {
        let crypto = provider();
        let redact = Operator::Redact {
            replacement: "***".into(),
        };
        assert_eq!(redact.apply(&crypto, "13800138000", None).unwrap(), "***");
        assert_eq!(Operator::Nullify.apply(&crypto, "x", None).unwrap(), "");
        assert!(Operator::Nullify.yields_null());
        let mask = Operator::PartialMask {
            keep_start: None,
            keep_end: None,
            mask_char: '*',
        };
        assert_eq!(
            mask.apply(&crypto, "13800138000", Some("cn_mobile"))
                .unwrap(),
            "138****8000"
        );
        assert_eq!(mask.apply(&crypto, "", Some("cn_mobile")).unwrap(), "");
    }

    #[test]
    fn keyed_hash_is_stable_and_truncated() {
        let crypto = provider();
        let hash = Operator::KeyedHash { length: Some(16) };
        let first = hash.apply(&crypto, "13800138000", None).unwrap();
        assert_eq!(first.len(), 16);
        assert_eq!(first, hash.apply(&crypto, "13800138000", None).unwrap());
        assert_ne!(first, hash.apply(&crypto, "13800138001", None).unwrap());
        assert!(
            Operator::KeyedHash { length: Some(4) }
                .apply(&crypto, "x", None)
                .is_err()
        );
    }

    #[test]
    fn generalisation() {
        let crypto = provider();
        let cases = [
            ("1990-03-07", None, "1990-03"),
            ("37", None, "30-39"),
            (
                "31.230416,121.473701",
                Some("gps_coordinate"),
                "31.23,121.47",
            ),
            ("广东省深圳市南山区科技园", Some("address"), "广东省深圳市"),
            ("北京市朝阳区建国路88号", Some("address"), "北京市"),
        ];
        for (value, entity, expected) in cases {
            assert_eq!(
                generalize().apply(&crypto, value, entity).unwrap(),
                expected
            );
        }
        assert!(generalize().apply(&crypto, "hello", None).is_err());
    }

    #[test]
    fn date_shift_per_value_and_per_record() {
        let crypto = provider();
        let shift = Operator::DateShift { max_days: 30 };
        let shifted = shift.apply(&crypto, "2024-01-15", None).unwrap();
        assert_ne!(shifted, "2024-01-15");
        assert_eq!(shifted, shift.apply(&crypto, "2024-01-15", None).unwrap());
        let admitted = shift
            .apply_in_record(&crypto, "2024-01-15", None, Some("patient-7"))
            .unwrap();
        let discharged = shift
            .apply_in_record(&crypto, "2024-01-20", None, Some("patient-7"))
            .unwrap();
        let day = |text: &str| {
            let date = CellDate::parse(text).unwrap();
            crate::entity::days_from_civil(date.year, date.month, date.day)
        };
        assert_eq!(day(&discharged) - day(&admitted), 5);
        assert!((day(&admitted) - day("2024-01-15")).abs() <= 30);
    }

    #[test]
    fn fpe_unmasks_and_others_refuse() {
        let crypto = provider();
        let fpe = Operator::Fpe { alphabet: None };
        let masked = fpe
            .apply(&crypto, "6222021234567890128", Some("bank_card"))
            .unwrap();
        assert_eq!(
            fpe.unmask(&crypto, &masked, Some("bank_card")).unwrap(),
            "6222021234567890128"
        );
        assert!(Operator::Substitute.unmask(&crypto, "x", None).is_err());
        assert!(Operator::Shuffle.apply(&crypto, "x", None).is_err());
        let column = vec!["a".to_owned(), "b".to_owned(), "c".to_owned()];
        let shuffled = Operator::Shuffle
            .apply_column(&crypto, "c", &column, None)
            .unwrap();
        assert_eq!(shuffled.len(), 3);
    }
}
