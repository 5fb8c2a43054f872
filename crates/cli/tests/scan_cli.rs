//! `shuan scan` as a user meets it: exit codes, unreadable inputs next to readable ones,
//! `--fail-on`, masked samples, rule files, and markup in scanned data kept inert in HTML.

mod common;

use common::shuan;
use std::path::Path;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

const PEOPLE: &str = "姓名,身份证号,手机号,备注\n王璐,13040620050530118X,15991655406,无\n李萍,612421197103236587,13800138000,ok\n";

#[test]
fn a_bad_file_is_named_and_the_others_are_still_scanned() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "people.csv", PEOPLE.as_bytes());
    write(dir.path(), "broken.parquet", b"PAR1 this is not parquet");
    write(dir.path(), "blob.bin", &[0u8, 159, 146, 150, 0, 1, 2, 3]);
    let out = shuan(&[
        "scan",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["tables"].as_array().unwrap().len(),
        1,
        "people.csv was scanned"
    );
    let errors = report["errors"].to_string();
    assert!(
        errors.contains("broken.parquet") && errors.contains("blob.bin"),
        "{errors}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.parquet"));
}

#[test]
fn labels_levels_and_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(dir.path(), "people.csv", PEOPLE.as_bytes());
    let out = shuan(&["scan", &csv, "--format", "json", "-q"]);
    assert_eq!(out.status.code(), Some(0), "findings are not failures");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let columns = &report["tables"][0]["columns"];
    assert_eq!(columns[0]["entity"], "person_name");
    assert_eq!(columns[1]["entity"], "cn_resident_id");
    assert_eq!(columns[1]["level"], "sensitive-pi");
    assert_eq!(columns[2]["entity"], "cn_mobile");
    assert!(columns[3]["entity"].is_null());
    assert_eq!(
        report["tables"][0]["level"], "sensitive-pi",
        "a table takes its highest level"
    );

    assert_eq!(
        shuan(&["scan", &csv, "-q", "--fail-on", "sensitive-pi"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        shuan(&["scan", &csv, "-q", "--fail-on", "important"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        shuan(&["scan", &csv, "-q", "--fail-on", "secret"])
            .status
            .code(),
        Some(2),
        "unknown level"
    );
    assert_eq!(shuan(&["scan", "-q"]).status.code(), Some(2), "usage error");
}

#[test]
fn values_are_never_in_clear_and_samples_are_masked() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(dir.path(), "people.csv", PEOPLE.as_bytes());
    for format in ["json", "table", "csv", "html"] {
        let out = shuan(&["scan", &csv, "--format", format, "-q"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text.contains("15991655406") && !text.contains("13040620050530118X"),
            "{format}: {text}"
        );
    }
    let out = shuan(&["scan", &csv, "--format", "json", "-q", "--show-samples"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("15*******06"), "{text}");
    assert!(!text.contains("15991655406"));
}

#[test]
fn markup_in_scanned_data_stays_inert_in_html() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "x.csv",
        "<script>alert(1)</script>,\"<img src=x onerror=alert(2)>\"\n15991655406,a\n13800138000,b\n".as_bytes(),
    );
    let out = shuan(&["scan", &csv, "--format", "html", "-q", "--show-samples"]);
    let html = String::from_utf8_lossy(&out.stdout);
    assert!(
        !html.contains("<script>alert") && !html.contains("<img src=x"),
        "{html}"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn a_rule_file_adds_a_detector_and_a_bad_one_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "staff.csv",
        b"gh,name\nEMP123456,a\nEMP654321,b\n",
    );
    let rules = write(
        dir.path(),
        "rules.yaml",
        "detectors:\n  - id: employee_no\n    pattern: 'EMP\\d{6}'\n    headers: [gh]\n    category: personal/employment\n    category_zh: 个人信息/工作信息\n    level: pi\n".as_bytes(),
    );
    let out = shuan(&["scan", &csv, "--rules", &rules, "--format", "json", "-q"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["tables"][0]["columns"][0]["entity"], "employee_no");

    let bad = write(
        dir.path(),
        "bad.yaml",
        b"detectors:\n  - id: x\n    patern: 'a'\n",
    );
    let out = shuan(&["scan", &csv, "--rules", &bad, "-q"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.yaml") && err.contains("line 3"), "{err}");
}
