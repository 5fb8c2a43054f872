//! Shu'an discovery engine: find personal information, sensitive personal information and
//! important data, and label it with an entity, a category and a level, saying why.
//!
//! - [`charset`]: compile-time bitmaps of Han characters for the scanning loops.
//! - [`validate`]: checksums and structural checks (resident ID, USCC, Luhn, VIN, …).
//! - [`value`]: which entities a whole cell is; [`column`]: a column's label from a sample.
//! - [`text`]: findings with line and character offsets in free text.
//! - [`hint`]: what headers and comments say; [`rules`]: rule packs (分类分级).
//!
//! Architecture invariant: pure. No I/O, no threads, no clock: the same input gives the same
//! labels, so results are reproducible and the crate runs anywhere (including a fuzzer).

pub mod charset;
pub mod column;
pub mod dict;
pub mod entity;
pub mod hint;
pub mod rules;
pub mod text;
pub mod validate;
pub mod value;

pub use column::{ColumnLabel, ColumnProfile, DEFAULT_SAMPLE, LabelEvidence};
pub use entity::{Entity, Evidence};
pub use rules::{RuleError, RulePack};
pub use text::{Finding, Found};

/// A user detector from a rule pack, compiled.
#[derive(Debug, Clone)]
pub struct CustomDetector {
    pub def: rules::DetectorDef,
    pub evidence: Evidence,
    whole: regex::Regex,
    anywhere: regex::Regex,
    validator: Option<fn(&[u8]) -> bool>,
}

impl CustomDetector {
    fn new(def: rules::DetectorDef) -> Result<CustomDetector, RuleError> {
        let invalid = |e: regex::Error| RuleError::Invalid {
            origin: def.id.clone(),
            message: e.to_string(),
        };
        let whole = regex::Regex::new(&format!("^(?:{})$", def.pattern)).map_err(invalid)?;
        let anywhere = regex::Regex::new(&def.pattern).map_err(invalid)?;
        let validator = def.validator.as_deref().and_then(rules::validator_by_name);
        Ok(CustomDetector {
            evidence: rules::detector_evidence(&def),
            def,
            whole,
            anywhere,
            validator,
        })
    }

    fn valid(&self, s: &str) -> bool {
        self.validator.is_none_or(|v| v(s.as_bytes()))
    }

    /// Whether a whole cell is this detector's entity.
    pub fn matches_whole(&self, v: &str) -> bool {
        self.whole.is_match(v) && self.valid(v)
    }

    /// Whether a column's name (or comment) hints at this detector.
    pub fn hinted_by(&self, header: &str) -> bool {
        self.def.headers.iter().any(|h| header.contains(h.as_str()))
    }

    /// Byte ranges of matches in a line, honouring the detector's context words.
    pub fn find_in_line<'a>(&'a self, line: &'a str) -> impl Iterator<Item = (usize, usize)> + 'a {
        self.anywhere
            .find_iter(line)
            .filter(|m| self.valid(m.as_str()))
            .filter(|m| {
                self.def.context.is_empty()
                    || self
                        .def
                        .context
                        .iter()
                        .any(|c| line[..m.start()].contains(c.as_str()))
            })
            .map(|m| (m.start(), m.end()))
    }
}

/// The engine: a rule pack and its compiled detectors. Cheap to share across threads.
#[derive(Debug, Clone)]
pub struct Engine {
    rules: RulePack,
    custom: Vec<CustomDetector>,
}

impl Engine {
    /// An engine over a rule pack (built in, possibly extended by the user's files).
    pub fn new(rules: RulePack) -> Result<Engine, RuleError> {
        let custom = rules
            .detectors
            .iter()
            .cloned()
            .map(CustomDetector::new)
            .collect::<Result<_, _>>()?;
        Ok(Engine { rules, custom })
    }

    /// An engine over a built-in pack (`general`, `government`).
    pub fn builtin(pack: &str) -> Result<Engine, RuleError> {
        Engine::new(RulePack::builtin(pack)?)
    }

    pub fn rules(&self) -> &RulePack {
        &self.rules
    }

    pub fn custom_detectors(&self) -> &[CustomDetector] {
        &self.custom
    }

    /// The id a text finding reports.
    pub fn found_id(&self, found: Found) -> &str {
        match found {
            Found::Builtin(e) => e.id(),
            Found::Custom(i) => &self.custom[i].def.id,
        }
    }

    /// Scan text (whole lines; the first is `first_line`), appending findings to `out`.
    pub fn scan_text(&self, text: &str, first_line: u64, out: &mut Vec<Finding>) {
        text::scan(self, text, first_line, out);
    }

    /// A fresh profile for a column.
    pub fn profile(
        &self,
        name: &str,
        comment: Option<&str>,
        limit: Option<usize>,
    ) -> ColumnProfile {
        ColumnProfile::new(self, name, comment, limit)
    }
}
