//! The libraries embedded in the binary, as YAML in the CISO Assistant shape (the files are
//! in `crates/assess/libraries/`; edit them there).

use crate::library::Library;

/// `(ref_id, YAML)` of every bundled library, in the order the platform lists them.
pub const BUNDLED: [(&str, &str); 4] = [
    (
        "gbt-37988-2019-dsmm",
        include_str!("../libraries/gbt-37988-2019-dsmm.yaml"),
    ),
    (
        "tianjin-self-check",
        include_str!("../libraries/tianjin-self-check.yaml"),
    ),
    (
        "miit-compliance-2019",
        include_str!("../libraries/miit-compliance-2019.yaml"),
    ),
    (
        "gbt-43697-2024-self-check",
        include_str!("../libraries/gbt-43697-2024-self-check.yaml"),
    ),
];

/// Every bundled library, parsed. The files are part of the build and the tests parse each,
/// so a failure here is a build defect, not an input error.
pub fn bundled_libraries() -> Vec<Library> {
    BUNDLED
        .iter()
        .map(|(ref_id, yaml)| {
            Library::parse(yaml)
                .unwrap_or_else(|e| panic!("bundled library {ref_id} is invalid: {e}"))
        })
        .collect()
}
