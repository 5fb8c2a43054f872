//! Helpers shared by the CLI's integration tests: run the built `shuan`, insist on success.
// Each test file uses its own subset of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The labelled corpus bundled with the tests.
pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Run `shuan` with `args`, without keys from the caller's environment.
pub fn shuan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shuan"))
        .args(args)
        .env_remove("SHUAN_MASK_KEY")
        .env_remove("SHUAN_WATERMARK_KEY")
        .output()
        .expect("shuan runs")
}

/// The output of a run that must have succeeded.
pub fn ok(output: Output) -> Output {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A path as a command-line argument.
pub fn arg(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}
