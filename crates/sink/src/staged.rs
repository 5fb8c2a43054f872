//! Outputs written beside their target and moved into place only when complete.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::SinkError;

/// A temporary file in the output's folder; [`Staged::commit`] renames it to the output.
pub(crate) struct Staged {
    target: PathBuf,
    file: NamedTempFile,
}

impl Staged {
    pub(crate) fn create(target: &Path) -> Result<Self, SinkError> {
        let folder = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let file = tempfile::Builder::new()
            .prefix(".shuan-")
            .suffix(".part")
            .tempfile_in(folder)
            .map_err(|e| SinkError::new(target, format!("cannot create the output: {e}")))?;
        Ok(Staged {
            target: target.to_owned(),
            file,
        })
    }

    pub(crate) fn target(&self) -> &Path {
        &self.target
    }

    /// Where the bytes go until the commit (for writers that want a path, not a handle).
    pub(crate) fn temp_path(&self) -> &Path {
        self.file.path()
    }

    pub(crate) fn writer(&self) -> Result<BufWriter<std::fs::File>, SinkError> {
        let file = self
            .file
            .reopen()
            .map_err(|e| self.error(format!("cannot open the output: {e}")))?;
        Ok(BufWriter::with_capacity(256 << 10, file))
    }

    pub(crate) fn commit(self) -> Result<(), SinkError> {
        let target = self.target;
        self.file
            .as_file()
            .sync_all()
            .map_err(|e| SinkError::new(&target, format!("cannot write the output: {e}")))?;
        self.file.persist(&target).map_err(|e| {
            SinkError::new(
                &target,
                format!("cannot move the output into place: {}", e.error),
            )
        })?;
        Ok(())
    }

    pub(crate) fn error(&self, message: impl Into<String>) -> SinkError {
        SinkError::new(&self.target, message)
    }

    pub(crate) fn io_error(&self, error: io::Error) -> SinkError {
        self.error(format!("cannot write the output: {error}"))
    }
}

/// Flushes a buffered writer, naming the output on failure.
pub(crate) fn flush(staged: &Staged, writer: &mut impl Write) -> Result<(), SinkError> {
    writer.flush().map_err(|e| staged.io_error(e))
}
