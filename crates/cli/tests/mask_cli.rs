//! `shuan mask | unmask | encrypt | decrypt | keygen` end to end on the bundled corpus
//! (CSV, GBK CSV, NDJSON, Parquet, XLSX, a log file and an SQLite database).

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use common::{arg, corpus, ok, shuan};
use serde_json::Value;
use shuan_source::{Input, Row, TableMeta};

fn scan(target: &str) -> Value {
    let output = ok(shuan(&["scan", "--format", "json", "-q", target]));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Every table of a file: (file name, table name) -> (meta, rows).
fn read_tables(file: &Path) -> Vec<(TableMeta, Vec<Row>)> {
    shuan_source::open_path(file)
        .unwrap()
        .into_iter()
        .filter_map(|input| match input {
            Input::Table(mut table) => {
                let meta = table.meta().clone();
                let mut rows = Vec::new();
                while let Some(batch) = table.next_rows(1000).unwrap() {
                    rows.extend(batch);
                }
                Some((meta, rows))
            }
            Input::Text(_) => None,
        })
        .collect()
}

/// (file name, table name, column name) -> entity, for every labelled column of a report.
fn labels(report: &Value) -> BTreeMap<(String, String, String), String> {
    let mut labels = BTreeMap::new();
    for table in report["tables"].as_array().unwrap() {
        let file = Path::new(table["source"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for column in table["columns"].as_array().unwrap() {
            if let Some(entity) = column["entity"].as_str() {
                labels.insert(
                    (
                        file.clone(),
                        table["name"].as_str().unwrap().to_owned(),
                        column["name"].as_str().unwrap().to_owned(),
                    ),
                    entity.to_owned(),
                );
            }
        }
    }
    labels
}

const FPE_ENTITIES: [&str; 3] = ["cn_resident_id", "bank_card", "cn_mobile"];
/// General-level entities the policy leaves alone.
const KEPT_ENTITIES: [&str; 2] = ["org_name", "cn_uscc"];

/// Cells that stand for "no value"; no operator needs to hide them.
const PLACEHOLDERS: [&str; 8] = ["无", "未知", "不详", "暂无", "N/A", "null", "-", "--"];

const POLICY: &str = "\
version: 1
levels:
  core: {operator: redact}
  important: {operator: partial_mask}
  sensitive-pi: {operator: partial_mask}
  pi: {operator: partial_mask}
entities:
  cn_resident_id: {operator: fpe}
  bank_card: {operator: fpe}
  cn_mobile: {operator: fpe}
  email: {operator: keyed_hash, length: 16}
";

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        let setup = Setup {
            dir: tempfile::tempdir().unwrap(),
        };
        ok(shuan(&["keygen", arg(&setup.key())]));
        std::fs::write(setup.policy(), POLICY).unwrap();
        setup
    }
    fn key(&self) -> PathBuf {
        self.dir.path().join("mask.key")
    }
    fn policy(&self) -> PathBuf {
        self.dir.path().join("policy.yaml")
    }
    fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

#[test]
fn masked_corpus_keeps_its_shape_hides_every_value_and_unmasks() {
    let setup = Setup::new();
    let tables = corpus().join("tables");
    let masked = setup.join("masked");
    ok(shuan(&[
        "mask",
        arg(&tables),
        arg(&masked),
        "--policy",
        arg(&setup.policy()),
        "--key-file",
        arg(&setup.key()),
        "-q",
    ]));

    let before = labels(&scan(arg(&tables)));
    let after = labels(&scan(arg(&masked)));
    let mut formats = HashSet::new();
    let mut fpe_values = 0;
    for entry in std::fs::read_dir(&tables).unwrap() {
        let input = entry.unwrap().path();
        let file = input.file_name().unwrap().to_string_lossy().into_owned();
        formats.insert(file.split_once('.').unwrap().1.to_owned());
        let output = masked.join(&file);
        if file.ends_with(".csv") {
            assert_eq!(
                shuan_source::text_layout(&input).unwrap(),
                shuan_source::text_layout(&output).unwrap(),
                "{file}: encoding and delimiter kept"
            );
        }
        let original = read_tables(&input);
        let protected = read_tables(&output);
        assert_eq!(original.len(), protected.len(), "{file}");
        for ((meta, rows), (meta_out, rows_out)) in original.iter().zip(&protected) {
            let shape = |meta: &TableMeta| {
                meta.columns
                    .iter()
                    .map(|c| (c.name.clone(), c.data_type.clone()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(shape(meta), shape(meta_out), "{file}: columns and types");
            assert_eq!(rows.len(), rows_out.len(), "{file}: rows");
            for (index, column) in meta.columns.iter().enumerate() {
                let key = (file.clone(), meta.name.clone(), column.name.clone());
                let Some(entity) = before.get(&key) else {
                    continue;
                };
                if KEPT_ENTITIES.contains(&entity.as_str()) {
                    continue;
                }
                for (row, row_out) in rows.iter().zip(rows_out) {
                    let (Some(value), Some(masked_value)) = (&row[index], &row_out[index]) else {
                        continue;
                    };
                    if value.chars().count() >= 2 && !PLACEHOLDERS.contains(&value.as_str()) {
                        assert!(
                            !masked_value.contains(value.as_str()),
                            "{file} {}: a clear {entity} value was written",
                            column.name
                        );
                    }
                }
                if FPE_ENTITIES.contains(&entity.as_str()) {
                    fpe_values += rows_out.len();
                    assert_eq!(
                        after.get(&key),
                        Some(entity),
                        "{file} {}: FPE output still validates as {entity}",
                        column.name
                    );
                } else if let Some(found) = after.get(&key) {
                    assert!(
                        KEPT_ENTITIES.contains(&found.as_str()),
                        "{file} {}: scan still finds {found} after masking",
                        column.name
                    );
                }
            }
        }
    }
    assert!(fpe_values > 100, "the corpus has FPE columns");
    for format in ["csv", "gbk.csv", "ndjson", "parquet", "xlsx"] {
        assert!(formats.contains(format), "corpus covers {format}");
    }

    // Unmask with the original scan's labels: FPE columns come back exactly.
    let report = setup.join("report.json");
    std::fs::write(&report, serde_json::to_vec(&scan(arg(&tables))).unwrap()).unwrap();
    let unmasked = setup.join("unmasked");
    ok(shuan(&[
        "unmask",
        arg(&masked),
        arg(&unmasked),
        "--policy",
        arg(&setup.policy()),
        "--key-file",
        arg(&setup.key()),
        "--report",
        arg(&report),
        "-q",
    ]));
    let mut restored = 0;
    for ((file, table, column), entity) in &before {
        if !FPE_ENTITIES.contains(&entity.as_str()) {
            continue;
        }
        let original = read_tables(&tables.join(file));
        let back = read_tables(&unmasked.join(file));
        let (meta, rows) = original.iter().find(|(m, _)| &m.name == table).unwrap();
        let (_, rows_back) = back.iter().find(|(m, _)| &m.name == table).unwrap();
        let index = meta.columns.iter().position(|c| &c.name == column).unwrap();
        for (row, row_back) in rows.iter().zip(rows_back) {
            // A value FPE refused (a wrong check digit, a placeholder) was redacted.
            if matches!(row_back[index].as_deref(), Some("***") | None) {
                continue;
            }
            assert_eq!(row[index], row_back[index], "{file} {column}");
            restored += 1;
        }
    }
    assert!(restored > 100, "restored {restored} values");
}

#[test]
fn masked_text_has_no_clear_personal_information() {
    let setup = Setup::new();
    let input = corpus().join("text/app.log");
    let output = setup.join("app.log");
    ok(shuan(&["mask", arg(&input), arg(&output), "-q"]));
    let before = scan(arg(&input));
    let after = scan(arg(&output));
    let original = std::fs::read_to_string(&input).unwrap();
    let original: Vec<&str> = original.lines().collect();
    let masked = std::fs::read_to_string(&output).unwrap();
    let masked: Vec<&str> = masked.lines().collect();
    let mut hidden = 0;
    for finding in before["findings"].as_array().unwrap() {
        if finding["level"].as_str() == Some("general") {
            continue;
        }
        let line = finding["line"].as_u64().unwrap() as usize - 1;
        let (start, end) = (
            finding["start"].as_u64().unwrap() as usize,
            finding["end"].as_u64().unwrap() as usize,
        );
        let value: String = original[line]
            .chars()
            .skip(start)
            .take(end - start)
            .collect();
        assert!(
            !masked[line].contains(&value),
            "line {}: a clear {} was written",
            line + 1,
            finding["entity"]
        );
        hidden += 1;
    }
    assert!(hidden > 10);
    // What is still found is general, or an address cut to its district by partial_mask.
    for finding in after["findings"].as_array().unwrap() {
        assert!(
            finding["level"].as_str() == Some("general") || finding["entity"] == "address",
            "{finding}"
        );
    }
    let lines = |p: &Path| std::fs::read_to_string(p).unwrap().lines().count();
    assert_eq!(lines(&input), lines(&output));
}

#[test]
fn database_tables_are_masked_into_csv_files_and_another_database() {
    let setup = Setup::new();
    let source_db = setup.join("source.db");
    let sink = shuan_sink::DbSink::connect(&format!("sqlite://{}", arg(&source_db))).unwrap();
    let (meta, rows) = read_tables(&corpus().join("tables/t001.csv")).remove(0);
    let mut writer = sink.create_table(&meta).unwrap();
    for row in &rows {
        writer.write_row(row).unwrap();
    }
    writer.finish().unwrap();
    drop(sink);

    let folder = setup.join("csv");
    ok(shuan(&[
        "mask",
        arg(&source_db),
        "--to",
        arg(&folder),
        "-q",
    ]));
    let (_, masked_rows) = read_tables(&folder.join("t001.csv")).remove(0);
    assert_eq!(masked_rows.len(), rows.len());
    let id_column = meta.columns.iter().position(|c| c.name == "col_6").unwrap();
    assert!(rows.iter().zip(&masked_rows).all(|(a, b)| {
        a[id_column]
            .as_deref()
            .is_none_or(|v| v.is_empty() || PLACEHOLDERS.contains(&v))
            || a[id_column] != b[id_column]
    }));

    let copy = setup.join("copy.db");
    let copy_url = format!("sqlite://{}", arg(&copy));
    ok(shuan(&["mask", arg(&source_db), "--to", &copy_url, "-q"]));
    let report = scan(arg(&copy));
    let table = &report["tables"][0];
    assert_eq!(table["name"], "t001");
    let found: Vec<&str> = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["entity"].as_str())
        .filter(|e| !KEPT_ENTITIES.contains(e))
        .collect();
    assert!(found.is_empty(), "{found:?}");
    // The destination table exists now: it is never overwritten.
    assert_eq!(
        shuan(&["mask", arg(&source_db), "--to", &copy_url, "-q"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn encrypt_decrypt_round_trip_and_tamper_detection() {
    let setup = Setup::new();
    let input = corpus().join("tables/t008.gbk.csv");
    let sealed = setup.join("t008.enc");
    let opened = setup.join("t008.csv");
    ok(shuan(&[
        "encrypt",
        arg(&input),
        arg(&sealed),
        "--key-file",
        arg(&setup.key()),
        "--key-id",
        "ops-2026",
    ]));
    let sealed_bytes = std::fs::read(&sealed).unwrap();
    assert!(sealed_bytes.starts_with(b"SHUAN-ENC"));
    ok(shuan(&[
        "decrypt",
        arg(&sealed),
        arg(&opened),
        "--key-file",
        arg(&setup.key()),
    ]));
    assert_eq!(
        std::fs::read(&opened).unwrap(),
        std::fs::read(&input).unwrap()
    );

    let mut tampered = sealed_bytes.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 1;
    std::fs::write(&sealed, &tampered).unwrap();
    let refused = setup.join("refused.csv");
    let output = shuan(&[
        "decrypt",
        arg(&sealed),
        arg(&refused),
        "--key-file",
        arg(&setup.key()),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("chunk 0 failed authentication"),
        "{message}"
    );
    assert!(!refused.exists(), "no partial clear text is left");
    let key_hex = std::fs::read_to_string(setup.key()).unwrap();
    assert!(!message.contains(key_hex.trim()));

    std::fs::write(&sealed, &sealed_bytes[..sealed_bytes.len() - 20]).unwrap();
    let output = shuan(&[
        "decrypt",
        arg(&sealed),
        arg(&refused),
        "--key-file",
        arg(&setup.key()),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!refused.exists());
}

#[test]
fn keygen_writes_an_owner_only_key_once() {
    let setup = Setup::new();
    let key = std::fs::read_to_string(setup.key()).unwrap();
    assert_eq!(key.trim().len(), 32);
    assert!(key.trim().bytes().all(|b| b.is_ascii_hexdigit()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(setup.key()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(
        shuan(&["keygen", arg(&setup.key())]).status.code(),
        Some(2),
        "an existing key is never overwritten"
    );
}

#[test]
fn policy_errors_name_their_line_and_keyed_operators_need_a_key() {
    let setup = Setup::new();
    let bad = setup.join("bad.yaml");
    std::fs::write(
        &bad,
        POLICY.replace("operator: keyed_hash", "operator: scramble"),
    )
    .unwrap();
    let input = corpus().join("tables/t001.csv");
    let output = shuan(&[
        "mask",
        arg(&input),
        arg(&setup.join("out.csv")),
        "--policy",
        arg(&bad),
        "--key-file",
        arg(&setup.key()),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("scramble") && message.contains("line 11"),
        "{message}"
    );

    let output = shuan(&[
        "mask",
        arg(&input),
        arg(&setup.join("out.csv")),
        "--policy",
        arg(&setup.policy()),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("needs a key"), "{message}");
    assert!(!setup.join("out.csv").exists());
}

/// A Parquet file whose mobile numbers are INT64, as some warehouses store them.
fn int64_mobiles(path: &Path) {
    use parquet::data_type::{ByteArrayType, Int64Type};
    use parquet::file::writer::SerializedFileWriter;
    let schema = parquet::schema::parser::parse_message_type(
        "message m { required int64 mobile; required binary name (UTF8); }",
    )
    .unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = SerializedFileWriter::new(file, schema.into(), Default::default()).unwrap();
    let mut group = writer.next_row_group().unwrap();
    let mobiles: Vec<i64> = (0..200).map(|i| 13_800_138_000 + i * 7_919).collect();
    let names: Vec<parquet::data_type::ByteArray> = (0..200)
        .map(|i| {
            format!("张{}", ["伟", "芳", "娜", "敏", "静"][i % 5])
                .as_str()
                .into()
        })
        .collect();
    let mut column = group.next_column().unwrap().unwrap();
    column
        .typed::<Int64Type>()
        .write_batch(&mobiles, None, None)
        .unwrap();
    column.close().unwrap();
    let mut column = group.next_column().unwrap().unwrap();
    column
        .typed::<ByteArrayType>()
        .write_batch(&names, None, None)
        .unwrap();
    column.close().unwrap();
    group.close().unwrap();
    writer.close().unwrap();
}

#[test]
fn parquet_integers_stay_integers_when_the_operator_keeps_the_type() {
    let setup = Setup::new();
    let input = setup.join("mobiles.parquet");
    int64_mobiles(&input);
    let (_, original) = read_tables(&input).remove(0);

    let fpe = setup.join("fpe.parquet");
    ok(shuan(&[
        "mask",
        arg(&input),
        arg(&fpe),
        "--policy",
        arg(&setup.policy()),
        "--key-file",
        arg(&setup.key()),
        "-q",
    ]));
    let (meta, rows) = read_tables(&fpe).remove(0);
    assert_eq!(meta.columns[0].data_type.as_deref(), Some("INT64"));
    assert_eq!(rows.len(), original.len());
    for (row, before) in rows.iter().zip(&original) {
        let (masked, clear) = (row[0].as_deref().unwrap(), before[0].as_deref().unwrap());
        assert_ne!(masked, clear);
        assert_eq!(masked.len(), 11);
        assert_eq!(masked[..3], clear[..3], "FPE keeps the mobile prefix");
    }
    assert_eq!(
        labels(&scan(arg(&fpe))).values().next().map(String::as_str),
        Some("cn_mobile")
    );

    let partial = setup.join("partial.parquet");
    ok(shuan(&["mask", arg(&input), arg(&partial), "-q"]));
    let (meta, rows) = read_tables(&partial).remove(0);
    assert_eq!(
        meta.columns[0].data_type.as_deref(),
        Some("BYTE_ARRAY (UTF8)")
    );
    assert_eq!(rows[0][0].as_deref(), Some("138****8000"));
}
