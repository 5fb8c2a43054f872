//! Expanding the paths a user gives into the files to scan.
//!
//! The order is deterministic (each directory's entries sorted by name) so two
//! scans of the same tree report in the same order. Hidden entries (name
//! starting with `.`) inside directories are skipped, as ripgrep does, while a
//! path given explicitly is always taken. Symbolic links are followed, but a
//! directory already entered (by its canonical path) is not entered again, so
//! link loops end.

use crate::SourceError;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The files under `paths`, recursively; an unreadable path or directory is an
/// error item and the walk goes on with the rest.
pub fn walk(paths: &[PathBuf]) -> impl Iterator<Item = Result<PathBuf, SourceError>> {
    let mut walker = Walker {
        visited_dirs: HashSet::new(),
        out: Vec::new(),
    };
    for path in paths {
        walker.visit(path);
    }
    walker.out.into_iter()
}

struct Walker {
    visited_dirs: HashSet<PathBuf>,
    out: Vec<Result<PathBuf, SourceError>>,
}

impl Walker {
    fn visit(&mut self, path: &Path) {
        let error = |e| SourceError::io(path.display().to_string(), e);
        // `metadata` follows links: a link to a file is a file.
        match std::fs::metadata(path) {
            Err(e) => self.out.push(Err(error(e))),
            Ok(meta) if meta.is_dir() => {
                match path.canonicalize() {
                    Ok(canonical) => {
                        if !self.visited_dirs.insert(canonical) {
                            return;
                        }
                    }
                    Err(e) => return self.out.push(Err(error(e))),
                }
                let entries = match std::fs::read_dir(path) {
                    Ok(entries) => entries,
                    Err(e) => return self.out.push(Err(error(e))),
                };
                let mut children = Vec::new();
                for entry in entries {
                    match entry {
                        Ok(entry) if !entry.file_name().to_string_lossy().starts_with('.') => {
                            children.push(entry.path())
                        }
                        Ok(_) => {}
                        Err(e) => self.out.push(Err(error(e))),
                    }
                }
                children.sort();
                for child in children {
                    self.visit(&child);
                }
            }
            Ok(meta) if meta.is_file() => self.out.push(Ok(path.to_owned())),
            // Sockets, FIFOs and devices: reading them could block or never end.
            Ok(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_recursive_skipping_hidden_and_loops() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/inner")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        for file in [
            "b/inner/z.csv",
            "b/a.log",
            "c.txt",
            ".git/config",
            "b/.hidden",
        ] {
            std::fs::write(root.join(file), "x").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(root, root.join("b/loop")).unwrap();
        let found: Vec<PathBuf> = walk(&[root.to_owned()]).map(Result::unwrap).collect();
        let relative: Vec<_> = found
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_owned())
            .collect();
        assert_eq!(
            relative,
            [
                PathBuf::from("b/a.log"),
                "b/inner/z.csv".into(),
                "c.txt".into()
            ]
        );
    }

    #[test]
    fn missing_path_is_an_error_naming_it() {
        let results: Vec<_> = walk(&[PathBuf::from("/no/such/shuan/path")]).collect();
        assert_eq!(results.len(), 1);
        let error = results.into_iter().next().unwrap().unwrap_err();
        assert_eq!(error.source_name(), "/no/such/shuan/path");
    }
}
