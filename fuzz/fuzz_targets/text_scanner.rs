//! Any bytes through the discovery engine's text scanner and column profiler (the `general`
//! pack): lossily decoded to UTF-8, and also as the raw `&str` when the bytes are valid UTF-8.
//! It must never panic, and every finding must lie inside its line: `start <= end`,
//! `byte_start <= byte_end <= line length`, byte offsets on char boundaries, and the character
//! offsets must agree with the byte offsets.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use shuan_classify::Engine;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builtin("general").unwrap())
}

fn check(engine: &Engine, text: &str) {
    let mut findings = Vec::new();
    engine.scan_text(text, 1, &mut findings);
    for f in &findings {
        assert!(f.line >= 1, "line numbers are 1-based: {f:?}");
        // The scanner strips one trailing '\r' per line before scanning.
        let raw = text
            .split('\n')
            .nth((f.line - 1) as usize)
            .unwrap_or_else(|| panic!("finding past the last line: {f:?}"));
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        assert!(f.start <= f.end, "start > end: {f:?}");
        assert!(f.byte_start <= f.byte_end, "byte_start > byte_end: {f:?}");
        assert!(f.byte_end <= line.len(), "byte_end past line ({}): {f:?}", line.len());
        assert!(line.is_char_boundary(f.byte_start), "byte_start off a char boundary: {f:?}");
        assert!(line.is_char_boundary(f.byte_end), "byte_end off a char boundary: {f:?}");
        assert_eq!(line[..f.byte_start].chars().count(), f.start, "start disagrees: {f:?}");
        assert_eq!(line[..f.byte_end].chars().count(), f.end, "end disagrees: {f:?}");
        assert!(f.confidence.is_finite(), "confidence not finite: {f:?}");
        let _ = engine.found_id(f.found);
    }

    let mut profile = engine.profile("col", None, Some(1000));
    for line in text.lines() {
        profile.observe(engine, Some(line));
    }
    let _ = profile.label(engine);
}

fuzz_target!(|data: &[u8]| {
    let engine = engine();
    match std::str::from_utf8(data) {
        Ok(text) => check(engine, text),
        Err(_) => check(engine, &String::from_utf8_lossy(data)),
    }
});
