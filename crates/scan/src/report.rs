//! The discovery report: what `shuan scan` found, and its renderings (JSON per
//! `shared/eval/CONTRACT.md`, CSV, a terminal table). HTML lives in [`crate::html`].

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

use serde::Serialize;
use shuan_classify::{ColumnLabel, Engine};

#[derive(Debug, Serialize)]
pub struct Report {
    pub tables: Vec<TableReport>,
    pub findings: Vec<FindingReport>,
    /// Inputs that could not be read, with the reason; the others were scanned.
    pub errors: Vec<InputError>,
    pub summary: Summary,
    pub rule_pack: String,
}

#[derive(Debug, Serialize)]
pub struct TableReport {
    pub source: String,
    pub name: String,
    pub rows_scanned: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row_estimate: Option<u64>,
    /// The highest level among the columns (就高从严), `null` when nothing is sensitive.
    pub level: Option<String>,
    pub columns: Vec<ColumnReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ColumnReport {
    pub name: String,
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    pub entity: Option<String>,
    pub entity_zh: Option<String>,
    pub confidence: f64,
    pub category: Option<String>,
    pub category_zh: Option<String>,
    pub level: Option<String>,
    pub hit_rate: f64,
    pub sampled: usize,
    pub evidence: Option<Evidence>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Evidence {
    pub detector: String,
    pub matched: usize,
    pub sampled: usize,
    pub validated_rate: f64,
    pub hint: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct FindingReport {
    pub source: Arc<str>,
    pub line: u64,
    pub start: usize,
    pub end: usize,
    pub entity: Arc<str>,
    pub confidence: f64,
    pub level: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct InputError {
    pub source: String,
    pub message: String,
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub tables: usize,
    pub columns: usize,
    pub sensitive_columns: usize,
    pub text_files: usize,
    pub findings: usize,
    pub errors: usize,
    /// Columns and findings per level.
    pub by_level: BTreeMap<String, usize>,
    /// Columns and findings per entity.
    pub by_entity: BTreeMap<String, usize>,
}

impl ColumnReport {
    pub fn from_label(
        index: usize,
        label: ColumnLabel,
        comment: Option<String>,
        data_type: Option<String>,
        show_samples: bool,
    ) -> ColumnReport {
        let entity_zh = label.evidence.as_ref().map(|e| e.name_zh.clone());
        ColumnReport {
            name: label.name,
            index,
            comment,
            data_type,
            entity: label.entity,
            entity_zh,
            confidence: label.confidence,
            category: label.category,
            category_zh: label.category_zh,
            level: label.level,
            hit_rate: label.hit_rate,
            sampled: label.sampled,
            evidence: label.evidence.map(|e| Evidence {
                detector: e.detector,
                matched: e.matched,
                sampled: e.sampled,
                validated_rate: (e.validated * 1000.0).round() / 1000.0,
                hint: e.hint,
            }),
            samples: if show_samples {
                label.examples.iter().map(|v| mask(v)).collect()
            } else {
                Vec::new()
            },
        }
    }
}

/// Mask a value for display: keep about a quarter at each end, star the middle. Short values
/// keep only their first character.
pub fn mask(v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    let n = chars.len();
    let keep = if n <= 3 {
        (n.min(1), 0)
    } else {
        (n / 4, n / 4)
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i < keep.0 || i >= n - keep.1 {
                c
            } else {
                '*'
            }
        })
        .collect()
}

impl Report {
    pub fn finish(&mut self, engine: &Engine) {
        let mut s = Summary {
            tables: self.tables.len(),
            errors: self.errors.len(),
            findings: self.findings.len(),
            ..Default::default()
        };
        for t in &self.tables {
            s.columns += t.columns.len();
            for c in &t.columns {
                if let Some(e) = &c.entity {
                    s.sensitive_columns += 1;
                    *s.by_entity.entry(e.clone()).or_default() += 1;
                }
                if let Some(l) = &c.level {
                    *s.by_level.entry(l.clone()).or_default() += 1;
                }
            }
        }
        let mut text_files: Vec<&str> = self.findings.iter().map(|f| &*f.source).collect();
        text_files.dedup();
        s.text_files = text_files.len();
        // Millions of findings share a handful of entities: count by the shared string first.
        let mut per_entity: BTreeMap<&str, (usize, Option<&str>)> = BTreeMap::new();
        for f in &self.findings {
            per_entity
                .entry(&f.entity)
                .or_insert((0, f.level.as_deref()))
                .0 += 1;
        }
        for (entity, (n, level)) in per_entity {
            *s.by_entity.entry(entity.to_owned()).or_default() += n;
            if let Some(l) = level {
                *s.by_level.entry(l.to_owned()).or_default() += n;
            }
        }
        self.summary = s;
        self.rule_pack = engine.rules().id.clone();
    }

    /// The most sensitive level anywhere in the report.
    pub fn max_level_rank(&self, engine: &Engine) -> usize {
        self.summary
            .by_level
            .keys()
            .map(|l| engine.rules().level_rank(l))
            .max()
            .unwrap_or(0)
    }

    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }

    /// One row per column, then one per text finding.
    pub fn write_csv(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "source,table,column,entity,category,level,confidence,hit_rate,line,start,end"
        )?;
        for t in &self.tables {
            for c in &t.columns {
                writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},,,",
                    csv_field(&t.source),
                    csv_field(&t.name),
                    csv_field(&c.name),
                    c.entity.as_deref().unwrap_or(""),
                    c.category.as_deref().unwrap_or(""),
                    c.level.as_deref().unwrap_or(""),
                    c.confidence,
                    c.hit_rate
                )?;
            }
        }
        // Millions of findings: one reused row buffer, integers by itoa, and the few distinct
        // sources and confidences formatted once each (core::fmt per field cost ~2,000
        // instructions a row, a quarter of a whole text scan).
        let mut row = Vec::with_capacity(128);
        let mut numbers = itoa::Buffer::new();
        let mut source: Option<(&Arc<str>, Cow<str>)> = None;
        let mut confidences: Vec<(u64, String)> = Vec::new();
        for f in &self.findings {
            if source
                .as_ref()
                .is_none_or(|(s, _)| !Arc::ptr_eq(s, &f.source))
            {
                source = Some((&f.source, csv_field(&f.source)));
            }
            let bits = f.confidence.to_bits();
            let confidence = match confidences.iter().position(|(b, _)| *b == bits) {
                Some(i) => i,
                None => {
                    confidences.push((bits, f.confidence.to_string()));
                    confidences.len() - 1
                }
            };
            row.clear();
            row.extend_from_slice(source.as_ref().map_or("", |(_, s)| s).as_bytes());
            row.extend_from_slice(b",,,");
            row.extend_from_slice(f.entity.as_bytes());
            row.extend_from_slice(b",,");
            row.extend_from_slice(f.level.as_deref().unwrap_or("").as_bytes());
            row.push(b',');
            row.extend_from_slice(confidences[confidence].1.as_bytes());
            row.extend_from_slice(b",,");
            for (n, sep) in [
                (f.line, b','),
                (f.start as u64, b','),
                (f.end as u64, b'\n'),
            ] {
                row.extend_from_slice(numbers.format(n).as_bytes());
                row.push(sep);
            }
            out.write_all(&row)?;
        }
        Ok(())
    }

    /// A terminal summary: one block per table, sensitive columns only; text findings counted.
    pub fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        for t in &self.tables {
            let sensitive: Vec<&ColumnReport> =
                t.columns.iter().filter(|c| c.entity.is_some()).collect();
            writeln!(
                out,
                "{}  [{} rows, {}/{} columns sensitive, level {}]",
                t.source,
                t.rows_scanned,
                sensitive.len(),
                t.columns.len(),
                t.level.as_deref().unwrap_or("-")
            )?;
            for c in sensitive {
                write!(
                    out,
                    "  {:<24} {:<18} {:<20} {:<13} conf {:.2}  hit {:.2}",
                    c.name,
                    c.entity.as_deref().unwrap_or(""),
                    c.category.as_deref().unwrap_or(""),
                    c.level.as_deref().unwrap_or(""),
                    c.confidence,
                    c.hit_rate
                )?;
                if !c.samples.is_empty() {
                    write!(out, "  e.g. {}", c.samples.join(" | "))?;
                }
                writeln!(out)?;
            }
        }
        let mut per_file: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
        for f in &self.findings {
            *per_file
                .entry(&f.source)
                .or_default()
                .entry(&f.entity)
                .or_default() += 1;
        }
        for (file, counts) in per_file {
            let total: usize = counts.values().sum();
            let parts: Vec<String> = counts.iter().map(|(e, n)| format!("{e} {n}")).collect();
            writeln!(out, "{file}  [{total} findings: {}]", parts.join(", "))?;
        }
        for e in &self.errors {
            writeln!(out, "error: {}: {}", e.source, e.message)?;
        }
        let s = &self.summary;
        writeln!(
            out,
            "\n{} tables, {} of {} columns sensitive; {} findings in {} text files; {} unreadable inputs",
            s.tables, s.sensitive_columns, s.columns, s.findings, s.text_files, s.errors
        )
    }
}

fn csv_field(s: &str) -> Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_hides_the_middle() {
        assert_eq!(mask("13800138000"), "13*******00");
        assert_eq!(mask("王璐"), "王*");
        assert_eq!(mask("男"), "男");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }

    fn finding(source: &Arc<str>, line: u64, confidence: f64) -> FindingReport {
        FindingReport {
            source: source.clone(),
            line,
            start: 3,
            end: 14,
            entity: "mobile_phone".into(),
            confidence,
            level: Some("sensitive-pi".into()),
            sample: None,
        }
    }

    #[test]
    fn csv_rows_for_findings_quote_sources_and_keep_every_field() {
        let plain: Arc<str> = "a.log".into();
        let comma: Arc<str> = "x,\"y\".log".into();
        let report = Report {
            tables: Vec::new(),
            findings: vec![
                finding(&plain, 1, 0.95),
                finding(&plain, 2, 1.0),
                finding(&comma, 7, 0.95),
            ],
            errors: Vec::new(),
            summary: Default::default(),
            rule_pack: String::new(),
        };
        let mut out = Vec::new();
        report.write_csv(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "source,table,column,entity,category,level,confidence,hit_rate,line,start,end\n\
             a.log,,,mobile_phone,,sensitive-pi,0.95,,1,3,14\n\
             a.log,,,mobile_phone,,sensitive-pi,1,,2,3,14\n\
             \"x,\"\"y\"\".log\",,,mobile_phone,,sensitive-pi,0.95,,7,3,14\n"
        );
    }
}
