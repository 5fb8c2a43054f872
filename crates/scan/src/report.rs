//! The discovery report: what `shuan scan` found, and its renderings (JSON per
//! `shared/eval/CONTRACT.md`, CSV, a terminal table). HTML lives in [`crate::html`].

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

use rayon::prelude::*;
use serde::{Serialize, Serializer};
use shuan_classify::{ColumnLabel, Engine};

/// Text findings are formatted as CSV in blocks of this many rows (about 1 MB).
const CSV_BLOCK_ROWS: usize = 16 << 10;

#[derive(Debug, Serialize)]
pub struct Report {
    pub tables: Vec<TableReport>,
    pub findings: Findings,
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

/// One text finding as reported (a row of the `findings` array in the JSON contract).
#[derive(Debug, Serialize)]
pub struct FindingReport<'a> {
    pub source: &'a str,
    pub line: u64,
    pub start: u32,
    pub end: u32,
    pub entity: &'a str,
    pub confidence: f64,
    pub level: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<&'a str>,
}

/// What a kind of finding reports: its entity id and that entity's level.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingKind {
    pub entity: String,
    pub level: Option<String>,
}

/// One text finding, stored compactly: millions of them share a few sources and kinds, so a
/// row holds neither (its input holds the source, [`Findings`] the kinds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FindingRow {
    pub line: u64,
    pub confidence: f64,
    /// Unicode scalar values within the line, end exclusive; lines are capped far below 4 G.
    pub start: u32,
    pub end: u32,
    /// Index into [`Findings::kinds`].
    pub kind: u32,
}

impl FindingRow {
    fn place(&self) -> (u64, u32) {
        (self.line, self.start)
    }
}

/// The findings of one text input.
#[derive(Debug, Default)]
pub struct TextFindings {
    pub source: String,
    pub rows: Vec<FindingRow>,
    /// The masked matched text of each row when samples are shown, else empty.
    pub samples: Vec<String>,
}

impl TextFindings {
    /// Puts the rows in (line, start) order, keeping the order of equal places.
    fn sort_rows(&mut self) {
        if self.rows.is_sorted_by_key(FindingRow::place) {
            return;
        }
        let mut order: Vec<usize> = (0..self.rows.len()).collect();
        order.sort_by_key(|&i| self.rows[i].place());
        self.rows = order.iter().map(|&i| self.rows[i]).collect();
        if !self.samples.is_empty() {
            let mut samples: Vec<Option<String>> = std::mem::take(&mut self.samples)
                .into_iter()
                .map(Some)
                .collect();
            self.samples = order.iter().filter_map(|&i| samples[i].take()).collect();
        }
    }
}

/// Every text finding of a scan, ordered by source, then line, then start.
#[derive(Debug, Default)]
pub struct Findings {
    kinds: Vec<FindingKind>,
    /// The inputs with findings, one per source, in source order.
    inputs: Vec<TextFindings>,
    /// Findings per kind, for the summary.
    per_kind: Vec<usize>,
    len: usize,
}

impl Findings {
    /// Orders the inputs by source; the rows of each are then already in order, so no
    /// finding is compared with another (a global sort was a tenth of a text scan).
    pub fn new(kinds: Vec<FindingKind>, mut inputs: Vec<TextFindings>) -> Self {
        inputs.retain(|input| !input.rows.is_empty());
        inputs.sort_by(|a, b| a.source.cmp(&b.source));
        // One source scanned twice (named twice on the command line) reports as one.
        let mut merged: Vec<TextFindings> = Vec::with_capacity(inputs.len());
        for input in inputs {
            match merged.last_mut() {
                Some(last) if last.source == input.source => {
                    last.rows.extend_from_slice(&input.rows);
                    last.samples.extend(input.samples);
                }
                _ => merged.push(input),
            }
        }
        let mut per_kind = vec![0; kinds.len()];
        for input in &mut merged {
            input.sort_rows();
            for row in &input.rows {
                per_kind[row.kind as usize] += 1;
            }
        }
        Findings {
            len: merged.iter().map(|input| input.rows.len()).sum(),
            kinds,
            inputs: merged,
            per_kind,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = FindingReport<'_>> {
        self.sources().flat_map(|source| source.iter())
    }

    /// The findings of each source, in source order.
    pub fn sources(&self) -> impl Iterator<Item = SourceFindings<'_>> {
        self.inputs.iter().map(|input| SourceFindings {
            kinds: &self.kinds,
            input,
        })
    }

    /// How many findings of each kind there are (kinds with none left out).
    pub fn count_by_kind(&self) -> impl Iterator<Item = (&FindingKind, usize)> {
        self.kinds
            .iter()
            .zip(self.per_kind.iter().copied())
            .filter(|&(_, n)| n > 0)
    }
}

impl Serialize for Findings {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// The findings of one source.
pub struct SourceFindings<'a> {
    kinds: &'a [FindingKind],
    input: &'a TextFindings,
}

impl<'a> SourceFindings<'a> {
    pub fn source(&self) -> &'a str {
        &self.input.source
    }

    pub fn len(&self) -> usize {
        self.input.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.input.rows.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = FindingReport<'a>> + use<'a> {
        let (kinds, input) = (self.kinds, self.input);
        input.rows.iter().enumerate().map(move |(i, row)| {
            let kind = &kinds[row.kind as usize];
            FindingReport {
                source: &input.source,
                line: row.line,
                start: row.start,
                end: row.end,
                entity: &kind.entity,
                confidence: row.confidence,
                level: kind.level.as_deref(),
                sample: input.samples.get(i).map(String::as_str),
            }
        })
    }

    /// Findings per entity id.
    pub fn count_by_entity(&self) -> BTreeMap<&'a str, usize> {
        let mut per_kind = vec![0usize; self.kinds.len()];
        for row in &self.input.rows {
            per_kind[row.kind as usize] += 1;
        }
        let mut counts = BTreeMap::new();
        for (kind, n) in self.kinds.iter().zip(per_kind).filter(|&(_, n)| n > 0) {
            *counts.entry(kind.entity.as_str()).or_default() += n;
        }
        counts
    }
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
        s.text_files = self.findings.sources().count();
        for (kind, n) in self.findings.count_by_kind() {
            *s.by_entity.entry(kind.entity.clone()).or_default() += n;
            if let Some(l) = &kind.level {
                *s.by_level.entry(l.clone()).or_default() += n;
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
        // Millions of findings: blocks of rows formatted on all cores, a few blocks at a
        // time so memory stays bounded, and written out in order.
        let kinds: Vec<String> = self
            .findings
            .kinds
            .iter()
            .map(|k| format!(",,,{},,{},", k.entity, k.level.as_deref().unwrap_or("")))
            .collect();
        let wave = CSV_BLOCK_ROWS * 2 * rayon::current_num_threads();
        for input in &self.findings.inputs {
            let source = csv_field(&input.source);
            for rows in input.rows.chunks(wave) {
                let blocks: Vec<Vec<u8>> = rows
                    .par_chunks(CSV_BLOCK_ROWS)
                    .map(|block| csv_rows(&source, &kinds, block))
                    .collect();
                for block in blocks {
                    out.write_all(&block)?;
                }
            }
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
        for file in self.findings.sources() {
            let counts = file.count_by_entity();
            let parts: Vec<String> = counts.iter().map(|(e, n)| format!("{e} {n}")).collect();
            writeln!(
                out,
                "{}  [{} findings: {}]",
                file.source(),
                file.len(),
                parts.join(", ")
            )?;
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

/// The CSV rows of text findings of one source (`source` already quoted), integers by itoa,
/// and what rows of one kind and confidence share up to the line number (source, entity,
/// level, confidence; `kinds` holds the middle part) formatted once and copied in one piece:
/// core::fmt per field cost ~2,000 instructions a row, a quarter of a whole text scan.
fn csv_rows(source: &str, kinds: &[String], rows: &[FindingRow]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.len() * 64);
    let mut numbers = itoa::Buffer::new();
    // Per kind: (confidence bits, the row's start), a confidence or two each.
    let mut heads: Vec<Vec<(u64, Vec<u8>)>> = vec![Vec::new(); kinds.len()];
    for f in rows {
        let (kind, bits) = (f.kind as usize, f.confidence.to_bits());
        let of_kind = &mut heads[kind];
        let head = match of_kind.iter().position(|(b, _)| *b == bits) {
            Some(i) => i,
            None => {
                let head = format!("{source}{}{},,", kinds[kind], f.confidence);
                of_kind.push((bits, head.into_bytes()));
                of_kind.len() - 1
            }
        };
        out.extend_from_slice(&of_kind[head].1);
        for (n, sep) in [
            (f.line, b','),
            (u64::from(f.start), b','),
            (u64::from(f.end), b'\n'),
        ] {
            out.extend_from_slice(numbers.format(n).as_bytes());
            out.push(sep);
        }
    }
    out
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

    fn row(line: u64, start: u32, kind: u32, confidence: f64) -> FindingRow {
        FindingRow {
            line,
            confidence,
            start,
            end: start + 11,
            kind,
        }
    }

    fn input(source: &str, rows: Vec<FindingRow>) -> TextFindings {
        TextFindings {
            source: source.to_owned(),
            rows,
            samples: Vec::new(),
        }
    }

    fn kinds() -> Vec<FindingKind> {
        vec![
            FindingKind {
                entity: "mobile_phone".into(),
                level: Some("sensitive-pi".into()),
            },
            FindingKind {
                entity: "ipv4".into(),
                level: None,
            },
        ]
    }

    fn report(findings: Findings) -> Report {
        Report {
            tables: Vec::new(),
            findings,
            errors: Vec::new(),
            summary: Default::default(),
            rule_pack: String::new(),
        }
    }

    #[test]
    fn csv_rows_for_findings_quote_sources_and_keep_every_field() {
        let findings = Findings::new(
            kinds(),
            vec![
                input("x,\"y\".log", vec![row(7, 3, 0, 0.95)]),
                input("a.log", vec![row(1, 3, 0, 0.95), row(2, 3, 1, 1.0)]),
            ],
        );
        let mut out = Vec::new();
        report(findings).write_csv(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "source,table,column,entity,category,level,confidence,hit_rate,line,start,end\n\
             a.log,,,mobile_phone,,sensitive-pi,0.95,,1,3,14\n\
             a.log,,,ipv4,,,1,,2,3,14\n\
             \"x,\"\"y\"\".log\",,,mobile_phone,,sensitive-pi,0.95,,7,3,14\n"
        );
    }

    /// More rows than one block (formatted apart, on several threads) come out in order,
    /// each the same as one formatted on its own.
    #[test]
    fn csv_rows_stay_in_order_across_blocks() {
        let n = 3 * CSV_BLOCK_ROWS as u64 + 17;
        let rows = (1..=n)
            .map(|line| {
                row(
                    line,
                    (line % 7) as u32,
                    (line % 2) as u32,
                    [0.9, 0.75][line as usize % 3 / 2],
                )
            })
            .collect();
        let mut out = Vec::new();
        report(Findings::new(kinds(), vec![input("big.log", rows)]))
            .write_csv(&mut out)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines().skip(1);
        for line in 1..=n {
            let (start, kinds) = (line % 7, ["mobile_phone,,sensitive-pi", "ipv4,,"]);
            let confidence = [0.9, 0.75][line as usize % 3 / 2];
            let expected = format!(
                "big.log,,,{},{confidence},,{line},{start},{}",
                kinds[line as usize % 2],
                start + 11
            );
            assert_eq!(lines.next(), Some(expected.as_str()));
        }
        assert_eq!(lines.next(), None);
    }

    #[test]
    fn findings_are_ordered_by_source_line_and_start_and_sources_named_twice_merge() {
        let findings = Findings::new(
            kinds(),
            vec![
                input("b.log", vec![row(1, 0, 0, 1.0), row(4, 2, 0, 1.0)]),
                input("a/x.log", vec![row(5, 0, 1, 1.0)]),
                input("a.log", vec![row(3, 9, 0, 1.0), row(3, 1, 1, 1.0)]),
                input("empty.log", Vec::new()),
                input("b.log", vec![row(2, 0, 1, 1.0), row(4, 1, 1, 1.0)]),
            ],
        );
        let places: Vec<(&str, u64, u32)> = findings
            .iter()
            .map(|f| (f.source, f.line, f.start))
            .collect();
        assert_eq!(
            places,
            [
                ("a.log", 3, 1),
                ("a.log", 3, 9),
                ("a/x.log", 5, 0),
                ("b.log", 1, 0),
                ("b.log", 2, 0),
                ("b.log", 4, 1),
                ("b.log", 4, 2),
            ]
        );
        assert_eq!(findings.len(), 7);
        let mut report = report(findings);
        report.finish(&Engine::builtin("general").unwrap());
        assert_eq!(report.summary.text_files, 3);
        assert_eq!(report.summary.findings, 7);
        assert_eq!(report.summary.by_entity["mobile_phone"], 3);
        assert_eq!(report.summary.by_entity["ipv4"], 4);
        assert_eq!(report.summary.by_level["sensitive-pi"], 3);
        assert_eq!(report.summary.by_level.len(), 1);
    }

    #[test]
    fn compact_findings_serialise_in_the_contract_shape() {
        let mut with_samples = input("a.log", vec![row(9, 1, 1, 0.9), row(2, 3, 0, 1.0)]);
        with_samples.samples = vec!["10.*.*.1".into(), "13*******00".into()];
        let findings = Findings::new(
            kinds(),
            vec![with_samples, input("b.log", vec![row(1, 0, 1, 0.5)])],
        );
        assert_eq!(
            serde_json::to_value(&findings).unwrap(),
            serde_json::json!([
                {"source": "a.log", "line": 2, "start": 3, "end": 14, "entity": "mobile_phone",
                 "confidence": 1.0, "level": "sensitive-pi", "sample": "13*******00"},
                {"source": "a.log", "line": 9, "start": 1, "end": 12, "entity": "ipv4",
                 "confidence": 0.9, "level": null, "sample": "10.*.*.1"},
                {"source": "b.log", "line": 1, "start": 0, "end": 11, "entity": "ipv4",
                 "confidence": 0.5, "level": null},
            ])
        );
        // Field order is part of the shape people diff.
        let text = serde_json::to_string(&findings).unwrap();
        assert!(text.starts_with(r#"[{"source":"a.log","line":2,"start":3,"end":14,"entity":"mobile_phone","confidence":1.0,"level":"sensitive-pi","sample":"13*******00"}"#), "{text}");
    }
}
