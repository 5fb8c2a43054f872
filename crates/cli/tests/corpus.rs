//! The discovery engine against the labelled corpus (`shared/eval/dev`, seed 20241120, copied
//! here so the test needs nothing outside the repository). Holds the floors: column
//! micro F1 >= 0.97, text span micro F1 >= 0.95, and no checksum entity on a value that fails
//! its checksum.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn corpus() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus"))
}

fn scan_json() -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_shuan"))
        .args(["scan", "--format", "json", "-q"])
        .arg(corpus().join("tables"))
        .arg(corpus().join("text"))
        .output()
        .expect("shuan runs");
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("report is JSON")
}

fn f1(tp: usize, fp: usize, fn_: usize) -> f64 {
    let p = if tp + fp == 0 {
        1.0
    } else {
        tp as f64 / (tp + fp) as f64
    };
    let r = if tp + fn_ == 0 {
        1.0
    } else {
        tp as f64 / (tp + fn_) as f64
    };
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

#[test]
fn corpus_floors_hold() {
    let labels: Value =
        serde_json::from_str(&std::fs::read_to_string(corpus().join("labels.json")).unwrap())
            .unwrap();
    let report = scan_json();

    let mut predicted: HashMap<(String, String), Option<String>> = HashMap::new();
    for t in report["tables"].as_array().unwrap() {
        let file = Path::new(t["source"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for c in t["columns"].as_array().unwrap() {
            predicted.insert(
                (file.clone(), c["name"].as_str().unwrap().to_owned()),
                c["entity"].as_str().map(str::to_owned),
            );
        }
    }
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    let mut errors = Vec::new();
    for t in labels["tables"].as_array().unwrap() {
        let file = t["file"].as_str().unwrap();
        for c in t["columns"].as_array().unwrap() {
            let name = c["name"].as_str().unwrap();
            let want = c["entity"].as_str().map(str::to_owned);
            let got = predicted
                .get(&(file.to_owned(), name.to_owned()))
                .cloned()
                .flatten();
            match (&want, &got) {
                (w, g) if w == g => tp += usize::from(w.is_some()),
                _ => {
                    fp += usize::from(got.is_some());
                    fn_ += usize::from(want.is_some());
                    errors.push(format!("{file}/{name}: want {want:?} got {got:?}"));
                }
            }
        }
    }
    let column_f1 = f1(tp, fp, fn_);
    assert!(column_f1 >= 0.97, "column F1 {column_f1:.4}: {errors:#?}");

    let span = |v: &Value| {
        (
            v["line"].as_u64().unwrap(),
            v["start"].as_u64().unwrap(),
            v["end"].as_u64().unwrap(),
            v["entity"].as_str().unwrap().to_owned(),
        )
    };
    let want: HashSet<_> = labels["text"]["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(span)
        .collect();
    let got: HashSet<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(span)
        .collect();
    let hits = want.intersection(&got).count();
    let text_f1 = f1(hits, got.len() - hits, want.len() - hits);
    assert!(text_f1 >= 0.95, "text span F1 {text_f1:.4}");
    println!("column F1 {column_f1:.4}, text span F1 {text_f1:.4}");
}

#[test]
fn no_failed_checksum_is_labelled_a_checksum_entity() {
    use shuan_classify::validate;
    let report = scan_json();
    let log = std::fs::read_to_string(corpus().join("text/app.log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    for f in report["findings"].as_array().unwrap() {
        let line = lines[f["line"].as_u64().unwrap() as usize - 1];
        let value: String = line
            .chars()
            .skip(f["start"].as_u64().unwrap() as usize)
            .take((f["end"].as_u64().unwrap() - f["start"].as_u64().unwrap()) as usize)
            .collect();
        let b = value.as_bytes();
        let ok = match f["entity"].as_str().unwrap() {
            "cn_resident_id" => validate::resident_id(b).is_some(),
            "cn_uscc" => validate::uscc(b).is_some(),
            "bank_card" => validate::bank_card(b).is_some(),
            "imei" => validate::imei(b),
            "vin" => validate::vin(b),
            _ => true,
        };
        assert!(ok, "{value} labelled {} fails its checksum", f["entity"]);
    }
}
