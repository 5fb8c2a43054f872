//! `shuan watermark embed | trace` end to end: CSV in, marked copies out, leaks traced after
//! a spreadsheet round trip (CSV -> XLSX typed as Excel types it -> CSV) and a GBK re-encoding.

mod common;

use std::path::Path;

use common::{arg, ok, shuan};
use serde_json::Value;
use shuan_source::{Input, Row};

const KEY: &str = "00112233445566778899aabbccddeeff";

/// A CSV of 3,000 orders: mobile, name, amount, created_at, quantity.
fn write_orders(path: &Path) {
    let mut state = 7u64;
    let mut next = move |bound: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % bound
    };
    let names = ["王伟", "李芳", "张娜", "刘敏", "陈静", "杨丽"];
    let mut csv = String::from("手机号,姓名,金额,下单时间,数量\n");
    for _ in 0..3_000 {
        let second = next(86_400);
        csv.push_str(&format!(
            "139{:08},{},{}.{:02},2025-{:02}-{:02} {:02}:{:02}:{:02},{}\n",
            next(100_000_000),
            names[next(6) as usize],
            1 + next(99_999),
            next(100),
            1 + next(12),
            1 + next(28),
            second / 3600,
            second / 60 % 60,
            second % 60,
            1 + next(999)
        ));
    }
    std::fs::write(path, csv).unwrap();
}

fn trace(leaked: &Path, key: &Path, registry: &Path) -> Value {
    let output = ok(shuan(&[
        "watermark",
        "trace",
        arg(leaked),
        "--key-file",
        arg(key),
        "--registry",
        arg(registry),
        "--format",
        "json",
    ]));
    serde_json::from_slice::<Value>(&output.stdout).unwrap()[0].clone()
}

fn rows_of(path: &Path) -> Vec<Row> {
    let Some(Input::Table(mut reader)) = shuan_source::open_path(path).unwrap().into_iter().next()
    else {
        panic!("{} is not a table", path.display())
    };
    let mut rows = Vec::new();
    while let Some(batch) = reader.next_rows(1_000).unwrap() {
        rows.extend(batch);
    }
    rows
}

/// What a spreadsheet makes of a CSV: numbers and date-times become typed cells.
fn write_xlsx_as_excel_would(rows: &[Row], header: &[&str], path: &Path) {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let date_time = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (column, name) in header.iter().enumerate() {
        sheet.write_string(0, column as u16, *name).unwrap();
    }
    for (index, row) in rows.iter().enumerate() {
        let line = index as u32 + 1;
        for (column, cell) in row.iter().enumerate() {
            let value = cell.as_deref().unwrap_or_default();
            let column = column as u16;
            if let Ok(number) = value.parse::<f64>() {
                sheet.write_number(line, column, number).unwrap();
            } else if let Ok(when) = rust_xlsxwriter::ExcelDateTime::parse_from_str(value) {
                sheet
                    .write_datetime_with_format(line, column, &when, &date_time)
                    .unwrap();
            } else {
                sheet.write_string(line, column, value).unwrap();
            }
        }
    }
    workbook.save(path).unwrap();
}

#[test]
fn watermark_embed_then_trace_through_xlsx_and_gbk() {
    let directory = tempfile::tempdir().unwrap();
    let at = |name: &str| directory.path().join(name);
    let (key, registry, orders) = (at("wm.key"), at("watermarks.json"), at("orders.csv"));
    std::fs::write(&key, KEY).unwrap();
    write_orders(&orders);
    for recipient in ["acme", "bolt", "cedar"] {
        ok(shuan(&[
            "watermark",
            "embed",
            arg(&orders),
            arg(&at(&format!("{recipient}.csv"))),
            "--recipient",
            recipient,
            "--key-file",
            arg(&key),
            "--registry",
            arg(&registry),
        ]));
    }
    let registered: Value = serde_json::from_slice(&std::fs::read(&registry).unwrap()).unwrap();
    assert_eq!(registered["recipients"].as_array().unwrap().len(), 3);

    let result = trace(&at("bolt.csv"), &key, &registry);
    assert_eq!(result["attributed_to"], "bolt", "{result:#}");
    let result = trace(&orders, &key, &registry);
    assert_eq!(result["attributed_to"], Value::Null, "{result:#}");
    assert_eq!(result["verdict"], "no recipient attributable");

    // 1,000 rows of cedar's copy opened in a spreadsheet, saved as XLSX, exported as CSV.
    let rows = rows_of(&at("cedar.csv"));
    let header = ["phone", "name", "amount", "created", "quantity"];
    write_xlsx_as_excel_would(&rows[1_000..2_000], &header, &at("leak.xlsx"));
    let result = trace(&at("leak.xlsx"), &key, &registry);
    assert_eq!(result["attributed_to"], "cedar", "{result:#}");
    let exported = rows_of(&at("leak.xlsx"));
    // Date-times come back to the second from Excel's fractional days, so their marks survive.
    for (before, after) in rows[1_000..2_000].iter().zip(&exported) {
        assert_eq!(before[3], after[3]);
    }
    let mut csv = header.join(",") + "\n";
    for row in &exported {
        let cells: Vec<&str> = row
            .iter()
            .map(|c| c.as_deref().unwrap_or_default())
            .collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
    std::fs::write(at("leak-gbk.csv"), &gbk).unwrap();
    let result = trace(&at("leak-gbk.csv"), &key, &registry);
    assert_eq!(result["attributed_to"], "cedar", "{result:#}");
    let probability: f64 = result["false_positive_probability"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(probability <= 1e-9);
}

#[test]
fn watermark_trace_without_key_is_a_usage_error() {
    let output = shuan(&["watermark", "trace", "missing.csv"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("SHUAN_WATERMARK_KEY"));
}
