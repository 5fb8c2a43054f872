//! Every file format, written here and read back through `open_path`, plus the
//! inputs that must fail cleanly (naming the file) instead of panicking or
//! eating memory.

use shuan_source::{
    Input, Row, SourceError, TableMeta, TextChunk, csv_table, open_path, open_stream,
};
use std::io::Write;
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn read_all_rows(input: Input) -> Result<(TableMeta, Vec<Row>), SourceError> {
    let Input::Table(mut table) = input else {
        panic!("expected a table, got {input:?}")
    };
    let mut rows = Vec::new();
    while let Some(batch) = table.next_rows(3)? {
        assert!(!batch.is_empty() && batch.len() <= 3);
        rows.extend(batch);
    }
    Ok((table.meta().clone(), rows))
}

fn only_table(path: &Path) -> (TableMeta, Vec<Row>) {
    let mut inputs = open_path(path).unwrap();
    assert_eq!(inputs.len(), 1, "{inputs:?}");
    read_all_rows(inputs.remove(0)).unwrap()
}

fn read_all_chunks(input: Input) -> Result<Vec<TextChunk>, SourceError> {
    let Input::Text(mut text) = input else {
        panic!("expected text, got {input:?}")
    };
    let mut chunks = Vec::new();
    while let Some(chunk) = text.next_chunk()? {
        chunks.push(chunk);
    }
    Ok(chunks)
}

fn column_names(meta: &TableMeta) -> Vec<&str> {
    meta.columns.iter().map(|c| c.name.as_str()).collect()
}

fn cells(values: &[Option<&str>]) -> Row {
    values.iter().map(|v| v.map(str::to_owned)).collect()
}

/// The first error met opening and reading every input of `path`.
fn first_error(path: &Path) -> SourceError {
    let inputs = match open_path(path) {
        Ok(inputs) => inputs,
        Err(error) => return error,
    };
    for input in inputs {
        let result = match input {
            Input::Table(_) => read_all_rows(input).map(drop),
            Input::Text(_) => read_all_chunks(input).map(drop),
        };
        if let Err(error) = result {
            return error;
        }
    }
    panic!("{} read without error", path.display());
}

fn assert_error_names_file(path: &Path, expected: &str) {
    let error = first_error(path);
    let message = error.to_string();
    assert_eq!(error.source_name(), path.display().to_string());
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(
        message.contains(expected),
        "expected {expected:?} in {message:?}"
    );
}

#[test]
fn csv_with_bom_quotes_and_ragged_rows() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\u{feff}姓名,手机号,备注\r\n张三,13800138000,\"含,逗号\n和换行\"\r\n李四,13900139000\r\n王五,1,2,extra\r\n";
    let path = write(dir.path(), "people.csv", text);
    let (meta, rows) = only_table(&path);
    assert_eq!(meta.name, "people");
    assert_eq!(meta.source, path.display().to_string());
    assert_eq!(column_names(&meta), ["姓名", "手机号", "备注"]);
    assert_eq!(
        rows,
        [
            cells(&[Some("张三"), Some("13800138000"), Some("含,逗号\n和换行")]),
            cells(&[Some("李四"), Some("13900139000"), None]),
            cells(&[Some("王五"), Some("1"), Some("2")]),
        ]
    );
}

#[test]
fn gbk_csv_is_detected_without_being_told() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        "姓名,民族,地址\n张三,汉族,北京市西城区新华街956号\n李四,维吾尔族,福建省三明市宁化县\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&gbk).is_err(),
        "the fixture must not be UTF-8"
    );
    let path = write(dir.path(), "t008.gbk.csv", &gbk);
    let (meta, rows) = only_table(&path);
    assert_eq!(meta.name, "t008");
    assert_eq!(column_names(&meta), ["姓名", "民族", "地址"]);
    assert_eq!(
        rows[1],
        cells(&[Some("李四"), Some("维吾尔族"), Some("福建省三明市宁化县")])
    );
}

#[test]
fn large_gbk_csv_streams_across_decoder_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("编号|姓名\n");
    for i in 0..50_000 {
        text.push_str(&format!("{i}|张三丰{i}\n"));
    }
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let path = write(dir.path(), "big.csv", &gbk);
    let (meta, rows) = only_table(&path);
    assert_eq!(column_names(&meta), ["编号", "姓名"]);
    assert_eq!(rows.len(), 50_000);
    assert_eq!(rows[49_999], cells(&[Some("49999"), Some("张三丰49999")]));
}

#[test]
fn delimiters_are_sniffed() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("semi.csv", "a;b;c\n1;2,5;3\n4;5;6\n"),
        ("tab.tsv", "a\tb\tc\n1\t2,5\t3\n4\t5\t6\n"),
        ("tab_in_csv.csv", "a\tb\tc\n1\t2,5\t3\n4\t5\t6\n"),
        ("pipe.csv", "a|b|c\n1|2,5|3\n4|5|6\n"),
        ("comma", "a,b,c\n1,\"2,5\",3\n4,5,6\n"),
    ] {
        let path = write(dir.path(), name, text);
        let (meta, rows) = only_table(&path);
        assert_eq!(column_names(&meta), ["a", "b", "c"], "{name}");
        assert_eq!(
            rows[0],
            cells(&[Some("1"), Some("2,5"), Some("3")]),
            "{name}"
        );
    }
}

#[test]
fn ndjson_union_of_keys_nested_and_nulls() {
    let dir = tempfile::tempdir().unwrap();
    let text = concat!(
        "{\"name\": \"张三\", \"age\": 30, \"tags\": [\"a\", 1]}\n",
        "\n",
        "{\"phone\": \"13800138000\", \"name\": null, \"vip\": true, \"addr\": {\"city\": \"北京\"}}\r\n",
    );
    let path = write(dir.path(), "users.ndjson", text);
    let (meta, rows) = only_table(&path);
    assert_eq!(meta.name, "users");
    assert_eq!(
        column_names(&meta),
        ["name", "age", "tags", "phone", "vip", "addr"]
    );
    assert_eq!(
        rows,
        [
            cells(&[
                Some("张三"),
                Some("30"),
                Some(r#"["a",1]"#),
                None,
                None,
                None
            ]),
            cells(&[
                None,
                None,
                None,
                Some("13800138000"),
                Some("true"),
                Some(r#"{"city":"北京"}"#)
            ]),
        ]
    );
}

#[test]
fn json_array_of_objects() {
    let dir = tempfile::tempdir().unwrap();
    let text = "[\n  {\"id\": 1, \"email\": \"a@example.com\"},\n  {\"id\": 2, \"email\": \"b@example.com\", \"x\": 1.5}\n]\n";
    let path = write(dir.path(), "export.json", text);
    let (meta, rows) = only_table(&path);
    assert_eq!(column_names(&meta), ["id", "email", "x"]);
    assert_eq!(
        rows[1],
        cells(&[Some("2"), Some("b@example.com"), Some("1.5")])
    );
}

#[test]
fn parquet_round_trip_over_row_groups() {
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
    use parquet::file::writer::SerializedFileWriter;
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t002.parquet");
    let schema = parquet::schema::parser::parse_message_type(
        "message t { optional binary xm (UTF8); required int64 sjh; optional double amount; optional int32 csrq (DATE); }",
    )
    .unwrap();
    let mut writer = SerializedFileWriter::new(
        std::fs::File::create(&path).unwrap(),
        Arc::new(schema),
        Default::default(),
    )
    .unwrap();
    for group in 0..2i64 {
        let mut row_group = writer.next_row_group().unwrap();
        let mut column = row_group.next_column().unwrap().unwrap();
        let names = [ByteArray::from("张三"), ByteArray::from("李四")];
        column
            .typed::<ByteArrayType>()
            .write_batch(&names, Some(&[1, 1, 0]), None)
            .unwrap();
        column.close().unwrap();
        let mut column = row_group.next_column().unwrap().unwrap();
        let phones = [13800138000 + group, 13900139000, 13700137000];
        column
            .typed::<Int64Type>()
            .write_batch(&phones, None, None)
            .unwrap();
        column.close().unwrap();
        let mut column = row_group.next_column().unwrap().unwrap();
        column
            .typed::<DoubleType>()
            .write_batch(&[12.5, 3.0], Some(&[1, 0, 1]), None)
            .unwrap();
        column.close().unwrap();
        let mut column = row_group.next_column().unwrap().unwrap();
        column
            .typed::<Int32Type>()
            .write_batch(&[7_435, 0, -1], Some(&[1, 1, 1]), None)
            .unwrap();
        column.close().unwrap();
        row_group.close().unwrap();
    }
    writer.close().unwrap();

    let (meta, rows) = only_table(&path);
    assert_eq!(meta.name, "t002");
    assert_eq!(meta.row_estimate, Some(6));
    assert_eq!(column_names(&meta), ["xm", "sjh", "amount", "csrq"]);
    assert_eq!(
        meta.columns[0].data_type.as_deref(),
        Some("BYTE_ARRAY (UTF8)")
    );
    assert_eq!(rows.len(), 6);
    assert_eq!(
        rows[0],
        cells(&[
            Some("张三"),
            Some("13800138000"),
            Some("12.5"),
            Some("1990-05-11")
        ])
    );
    assert_eq!(
        rows[2],
        cells(&[None, Some("13700137000"), Some("3"), Some("1969-12-31")])
    );
    assert_eq!(rows[3][1].as_deref(), Some("13800138001"));
}

#[test]
fn xlsx_fixtures_have_header_and_rendered_cells() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let (meta, rows) = only_table(&fixtures.join("t000.xlsx"));
    assert_eq!(meta.name, "t000");
    assert_eq!(
        column_names(&meta),
        [
            "addr6",
            "固定电话",
            "xb",
            "金额",
            "imei",
            "创建时间",
            "jtzz"
        ]
    );
    assert_eq!(rows.len(), 400);
    // IMEIs are 15-digit integers: never `.0` or an exponent.
    let imei = rows.iter().find_map(|r| r[4].clone()).unwrap();
    assert!(imei.bytes().all(|b| b.is_ascii_digit()), "{imei}");
    let (meta, rows) = only_table(&fixtures.join("t003.xlsx"));
    assert_eq!(
        column_names(&meta),
        ["tyshxydm", "col_2", "customer_name", "IPv6地址"]
    );
    assert_eq!(rows.len(), 400);
}

#[test]
fn text_chunks_are_whole_lines_numbered_from_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 1..=60_000 {
        text.push_str(&format!(
            "2024-05-09 07:23:03 INFO user {i} 手机 13800138000 logged in\n"
        ));
    }
    let path = write(dir.path(), "app.log", &text);
    let mut inputs = open_path(&path).unwrap();
    let chunks = read_all_chunks(inputs.remove(0)).unwrap();
    assert!(chunks.len() > 1, "a multi-MiB log gives several chunks");
    let mut expected_line = 1;
    for chunk in &chunks {
        assert_eq!(chunk.first_line, expected_line);
        let first = chunk.text.lines().next().unwrap();
        assert!(first.contains(&format!("user {expected_line} ")), "{first}");
        expected_line += chunk.text.split('\n').count() as u64;
    }
    assert_eq!(expected_line, 60_001);
    let rejoined: String = chunks.iter().map(|c| format!("{}\n", c.text)).collect();
    assert_eq!(rejoined, text);
}

#[test]
fn unknown_extension_text_is_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "notes.md",
        "联系人：张三，电话 13800138000。\n第二行\n",
    );
    let chunks = read_all_chunks(open_path(&path).unwrap().remove(0)).unwrap();
    assert_eq!(
        chunks,
        [TextChunk {
            first_line: 1,
            text: "联系人：张三，电话 13800138000。\n第二行".into()
        }]
    );
}

#[test]
fn gzip_inner_format_comes_from_inner_name_or_content() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "t001.csv.gz", gzip(b"a,b\n1,2\n"));
    let (meta, rows) = only_table(&path);
    assert_eq!(
        (meta.name.as_str(), column_names(&meta)),
        ("t001", vec!["a", "b"])
    );
    assert_eq!(rows, [cells(&[Some("1"), Some("2")])]);

    let path = write(
        dir.path(),
        "app.log.gz",
        gzip("第一行\n第二行\n".as_bytes()),
    );
    let chunks = read_all_chunks(open_path(&path).unwrap().remove(0)).unwrap();
    assert_eq!(chunks[0].text, "第一行\n第二行");

    let (gbk, _, _) = encoding_rs::GBK.encode("{\"姓名\": \"张三\"}\n");
    let path = write(dir.path(), "mislabelled.dat", gzip(&gbk));
    let (meta, _) = only_table(&path);
    assert_eq!(column_names(&meta), ["姓名"]);
}

#[test]
fn streams_open_like_files() {
    let inputs = open_stream(
        "stdin",
        "data.ndjson",
        std::io::Cursor::new(b"{\"a\": 1}\n".to_vec()),
    )
    .unwrap();
    let (meta, rows) = read_all_rows(inputs.into_iter().next().unwrap()).unwrap();
    assert_eq!(
        (meta.source.as_str(), meta.name.as_str()),
        ("stdin", "data")
    );
    assert_eq!(rows, [cells(&[Some("1")])]);
}

#[test]
fn binary_file_is_not_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "image.bin",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0",
    );
    assert_error_names_file(&path, "binary file");
    let path = write(dir.path(), "data.csv", b"a,b\n\x01\x02\x00\x03\n");
    assert_error_names_file(&path, "binary file");
}

#[test]
fn truncated_gzip_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let whole = gzip(&b"a,b\n1,2\n".repeat(10_000));
    let path = write(dir.path(), "cut.csv.gz", &whole[..whole.len() / 2]);
    assert_error_names_file(&path, "gzip");
    let path = write(dir.path(), "fake.gz", b"not gzip at all");
    assert_error_names_file(&path, "not a gzip file");
}

#[test]
fn corrupt_parquet_and_spreadsheets_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "broken.parquet",
        b"PAR1 this is not really parquet PAR1",
    );
    assert_error_names_file(&path, "Parquet");
    let path = write(dir.path(), "renamed.parquet", b"id,name\n1,x\n");
    assert_error_names_file(&path, "not a Parquet file");
    let path = write(dir.path(), "broken.xlsx", b"PK\x03\x04 truncated zip");
    assert_error_names_file(&path, "spreadsheet");
    let xlsx =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/t003.xlsx"))
            .unwrap();
    let path = write(dir.path(), "half.xlsx", &xlsx[..xlsx.len() / 2]);
    assert_error_names_file(&path, "spreadsheet");
}

#[test]
fn huge_line_is_an_error_not_unbounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let line = vec![b'7'; shuan_source::MAX_LINE_BYTES + 1];
    let mut text = b"first line\n".to_vec();
    text.extend_from_slice(&line);
    let path = write(dir.path(), "dump.log", &text);
    assert_error_names_file(&path, "line 2 is longer than 16 MiB");
    let mut csv = b"a,b\n".to_vec();
    csv.extend_from_slice(&line);
    let path = write(dir.path(), "dump.csv", &csv);
    assert_error_names_file(&path, "longer than 16 MiB");
    let mut ndjson = b"{\"a\": 1}\n".to_vec();
    ndjson.extend_from_slice(&line);
    let path = write(dir.path(), "dump.ndjson", &ndjson);
    assert_error_names_file(&path, "longer than 16 MiB");
}

#[test]
fn encoding_change_after_the_sniffed_prefix_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = "a,b\n".repeat(40_000).into_bytes();
    bytes.extend_from_slice(b"\xff\xfe,x\n");
    let path = write(dir.path(), "mixed.csv", &bytes);
    assert_error_names_file(&path, "line 40001: not valid UTF-8");
    let path = write(dir.path(), "mixed.log", &bytes);
    assert_error_names_file(&path, "line 40001: not valid UTF-8");
}

#[test]
fn csv_reader_survives_arbitrary_bytes() {
    // A cheap stand-in for the fuzz target: pseudo-random bytes biased to CSV syntax.
    let alphabet = b",;|\t\"\n\r\0a\xe5\xbc\xa0\xff";
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..2_000 {
        let len = (state % 200) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                alphabet[(state % alphabet.len() as u64) as usize]
            })
            .collect();
        if let Ok(mut table) = csv_table("fuzz.csv", std::io::Cursor::new(bytes)) {
            let width = table.meta().columns.len();
            while let Ok(Some(rows)) = table.next_rows(7) {
                assert!(rows.iter().all(|r| r.len() == width));
            }
        }
    }
}
