//! Plain text and logs, handed out in chunks of whole lines.
//!
//! Chunks are about [`CHUNK_BYTES`] so the classifier can spread them over
//! threads while each stays large enough to amortise the per-chunk cost. A
//! chunk always ends at a line end, so no finding is cut in two.

use crate::transcode::read_retrying;
use crate::{SourceError, TextChunk, TextReader};
use std::io::Read;

/// The size a chunk is filled to before it is cut at its last line end.
pub(crate) const CHUNK_BYTES: usize = 1 << 20;

/// How much is asked of the stream at a time.
const READ_BYTES: usize = 64 << 10;

pub(crate) struct LineChunks {
    source: String,
    utf8: Box<dyn Read + Send>,
    /// Bytes read but not yet handed out: a partial last line.
    pending: Vec<u8>,
    next_line: u64,
    at_end: bool,
}

impl LineChunks {
    /// `utf8` must be UTF-8 with lines capped in length (see [`crate::open::TextStream`]).
    pub(crate) fn new(source: &str, utf8: Box<dyn Read + Send>) -> Self {
        LineChunks {
            source: source.to_owned(),
            utf8,
            pending: Vec::with_capacity(CHUNK_BYTES + READ_BYTES),
            next_line: 1,
            at_end: false,
        }
    }

    /// Appends up to [`READ_BYTES`] more to `pending`.
    fn read_more(&mut self) -> Result<(), SourceError> {
        let start = self.pending.len();
        self.pending.resize(start + READ_BYTES, 0);
        let read = read_retrying(&mut self.utf8, &mut self.pending[start..]);
        let n = *read.as_ref().unwrap_or(&0);
        self.pending.truncate(start + n);
        self.at_end = n == 0;
        read.map(drop).map_err(|e| SourceError::io(&self.source, e))
    }

    /// The error for a chunk that is not UTF-8, naming the line of the first bad byte.
    fn invalid_utf8(&self, first_line: u64, lines: &[u8]) -> SourceError {
        let valid_up_to =
            std::str::from_utf8(lines).map_or_else(|e| e.valid_up_to(), |_| lines.len());
        let line = first_line + memchr::memchr_iter(b'\n', &lines[..valid_up_to]).count() as u64;
        SourceError::input(
            &self.source,
            format!(
                "line {line}: not valid UTF-8 though the start of the file was; convert the file to one encoding"
            ),
        )
    }
}

impl TextReader for LineChunks {
    fn source(&self) -> &str {
        &self.source
    }

    fn next_chunk(&mut self) -> Result<Option<TextChunk>, SourceError> {
        let cut = loop {
            if self.at_end {
                break self.pending.len();
            }
            if self.pending.len() >= CHUNK_BYTES {
                // A line longer than a chunk makes the chunk grow; the stream caps line length.
                if let Some(last_newline) = memchr::memrchr(b'\n', &self.pending) {
                    break last_newline + 1;
                }
            }
            self.read_more()?;
        };
        if cut == 0 {
            return Ok(None);
        }
        // The partial last line starts the next chunk's buffer, sized for a whole chunk so
        // filling it does not reallocate and copy as it grows.
        let mut rest = Vec::with_capacity(CHUNK_BYTES + READ_BYTES);
        rest.extend_from_slice(&self.pending[cut..]);
        self.pending.truncate(cut);
        let mut lines = std::mem::replace(&mut self.pending, rest);
        let first_line = self.next_line;
        self.next_line += memchr::memchr_iter(b'\n', &lines).count() as u64;
        if lines.last() == Some(&b'\n') {
            lines.pop();
        }
        let text = match simdutf8::basic::from_utf8(&lines) {
            // SAFETY: `simdutf8` has just checked that `lines` is UTF-8.
            Ok(_) => unsafe { String::from_utf8_unchecked(lines) },
            // The fast check says only whether; std's says where, for the line number.
            Err(_) => return Err(self.invalid_utf8(first_line, &lines)),
        };
        Ok(Some(TextChunk { first_line, text }))
    }
}
