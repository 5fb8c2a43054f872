//! Round trips: every table of the CLI's corpus read, written back unchanged, read again.

use std::path::{Path, PathBuf};

use shuan_source::{Input, Row, TableMeta, open_path};

use crate::{create_like, create_text_like};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli/tests/corpus")
}

fn read_tables(path: &Path) -> Vec<(TableMeta, Vec<Row>)> {
    open_path(path)
        .unwrap()
        .into_iter()
        .map(|input| {
            let Input::Table(mut table) = input else {
                panic!("{}: not a table", path.display())
            };
            let meta = table.meta().clone();
            let mut rows = Vec::new();
            while let Some(batch) = table.next_rows(100).unwrap() {
                rows.extend(batch);
            }
            (meta, rows)
        })
        .collect()
}

#[test]
fn corpus_tables_round_trip_in_their_format() {
    let out_dir = tempfile::tempdir().unwrap();
    let mut formats = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(corpus().join("tables")).unwrap() {
        let input = entry.unwrap().path();
        let file_name = input.file_name().unwrap().to_string_lossy().into_owned();
        formats.insert(file_name.split_once('.').unwrap().1.to_owned());
        let out = out_dir.path().join(&file_name);
        let tables = read_tables(&input);
        let mut writer: Option<Box<dyn crate::TableWriter>> = None;
        for (meta, rows) in &tables {
            match writer.as_mut() {
                None => writer = Some(create_like(&out, &input, meta).unwrap()),
                Some(writer) => writer.next_table(meta).unwrap(),
            }
            for row in rows {
                writer.as_mut().unwrap().write_row(row).unwrap();
            }
        }
        writer.unwrap().finish().unwrap();
        let again = read_tables(&out);
        assert_eq!(again.len(), tables.len(), "{file_name}");
        for ((meta, rows), (meta_again, rows_again)) in tables.iter().zip(&again) {
            let columns = |meta: &TableMeta| {
                meta.columns
                    .iter()
                    .map(|c| (c.name.clone(), c.data_type.clone()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(columns(meta), columns(meta_again), "{file_name}");
            assert_eq!(meta.name, meta_again.name, "{file_name}");
            assert_eq!(rows, rows_again, "{file_name}");
        }
        if file_name.ends_with(".csv") {
            assert_eq!(
                shuan_source::text_layout(&input).unwrap(),
                shuan_source::text_layout(&out).unwrap(),
                "{file_name}"
            );
        }
    }
    assert_eq!(
        formats.into_iter().collect::<Vec<_>>(),
        ["csv", "gbk.csv", "ndjson", "parquet", "xlsx"]
    );
}

/// A Parquet file with typed columns, written with the parquet crate directly.
fn typed_parquet(path: &Path) {
    use parquet::data_type::{BoolType, ByteArrayType, DoubleType, Int32Type, Int64Type};
    use parquet::file::writer::SerializedFileWriter;
    let schema = parquet::schema::parser::parse_message_type(
        "message m {
            required int64 phone;
            optional int32 born (DATE);
            optional double score;
            optional boolean vip;
            optional int64 seen (TIMESTAMP_MILLIS);
            optional binary name (UTF8);
        }",
    )
    .unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = SerializedFileWriter::new(file, schema.into(), Default::default()).unwrap();
    let mut group = writer.next_row_group().unwrap();
    let defined = [1i16, 0];
    let mut column = group.next_column().unwrap().unwrap();
    column
        .typed::<Int64Type>()
        .write_batch(&[13800138000, 13912345678], None, None)
        .unwrap();
    column.close().unwrap();
    let mut column = group.next_column().unwrap().unwrap();
    column
        .typed::<Int32Type>()
        .write_batch(&[7370], Some(&defined), None)
        .unwrap();
    column.close().unwrap();
    let mut column = group.next_column().unwrap().unwrap();
    column
        .typed::<DoubleType>()
        .write_batch(&[92.5], Some(&defined), None)
        .unwrap();
    column.close().unwrap();
    let mut column = group.next_column().unwrap().unwrap();
    column
        .typed::<BoolType>()
        .write_batch(&[true], Some(&defined), None)
        .unwrap();
    column.close().unwrap();
    let mut column = group.next_column().unwrap().unwrap();
    column
        .typed::<Int64Type>()
        .write_batch(&[1_700_000_000_123], Some(&defined), None)
        .unwrap();
    column.close().unwrap();
    let mut column = group.next_column().unwrap().unwrap();
    column
        .typed::<ByteArrayType>()
        .write_batch(&["张三".into()], Some(&defined), None)
        .unwrap();
    column.close().unwrap();
    group.close().unwrap();
    writer.close().unwrap();
}

#[test]
fn parquet_types_are_kept_cleared_types_become_text_unfit_values_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("typed.parquet");
    typed_parquet(&input);
    let (mut meta, rows) = read_tables(&input).remove(0);
    let out = dir.path().join("out.parquet");
    let mut writer = create_like(&out, &input, &meta).unwrap();
    for row in &rows {
        writer.write_row(row).unwrap();
    }
    writer.finish().unwrap();
    let (meta_again, rows_again) = read_tables(&out).remove(0);
    let types = |meta: &TableMeta| {
        meta.columns
            .iter()
            .map(|c| c.data_type.clone().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(types(&meta_again), types(&meta));
    assert_eq!(rows_again, rows);

    let mut row = rows[0].clone();
    row[0] = Some("138****8000".into());
    let mut writer = create_like(&out, &input, &meta).unwrap();
    assert!(writer.write_row(&row).is_err());
    drop(writer);

    meta.columns[0].data_type = None;
    let mut writer = create_like(&out, &input, &meta).unwrap();
    writer.write_row(&row).unwrap();
    writer.finish().unwrap();
    let (meta_again, rows_again) = read_tables(&out).remove(0);
    assert_eq!(
        meta_again.columns[0].data_type.as_deref(),
        Some("BYTE_ARRAY (UTF8)")
    );
    assert_eq!(rows_again[0][0].as_deref(), Some("138****8000"));
}

#[test]
fn an_abandoned_output_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus().join("tables/t001.csv");
    let (meta, rows) = read_tables(&input).remove(0);
    let out = dir.path().join("out.csv");
    let mut writer = create_like(&out, &input, &meta).unwrap();
    writer.write_row(&rows[0]).unwrap();
    drop(writer);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn gbk_text_stays_gbk() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("app.log");
    let (gbk, _, _) = encoding_rs::GBK.encode("姓名 张三 电话 13800138000\n");
    std::fs::write(&input, &gbk).unwrap();
    let out = dir.path().join("out.log");
    let mut writer = create_text_like(&out, &input).unwrap();
    writer.write_str("姓名 张* 电话 138****8000\n").unwrap();
    writer.finish().unwrap();
    let (expected, _, _) = encoding_rs::GBK.encode("姓名 张* 电话 138****8000\n");
    assert_eq!(std::fs::read(&out).unwrap(), expected.as_ref());
}
