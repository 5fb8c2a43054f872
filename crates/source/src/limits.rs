//! The limits that keep memory bounded whatever the input.
//!
//! Streaming readers hold at most one line (or record) at a time, so the only
//! way an input can make them grow without bound is a line that never ends: a
//! 1 GB single-line dump, or a binary file that slipped past sniffing.
//! [`LineCap`] stops that at the byte level, before any reader buffers it.

use std::io::{self, Read};

/// The longest line (or CSV record line, NDJSON record, JSON array element) read.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// The most that is held in memory for formats that need random access
/// (Parquet, XLSX) when they arrive as a stream, e.g. inside gzip.
pub const MAX_IN_MEMORY_BYTES: u64 = 256 << 20;

/// A reader that fails with [`io::ErrorKind::InvalidData`] once a line grows
/// past `max_line` bytes, and counts lines so the error can say where.
pub(crate) struct LineCap<R> {
    inner: R,
    max_line: usize,
    /// Bytes seen since the last `\n`.
    current_line_len: usize,
    /// 1-based number of the line being read.
    line_number: u64,
}

impl<R: Read> LineCap<R> {
    pub(crate) fn new(inner: R, max_line: usize) -> Self {
        LineCap {
            inner,
            max_line,
            current_line_len: 0,
            line_number: 1,
        }
    }
}

impl<R> LineCap<R> {
    /// Fails if the current line, grown by `more` bytes, is over the cap.
    fn check(&self, more: usize) -> io::Result<()> {
        if self.current_line_len + more <= self.max_line {
            return Ok(());
        }
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "line {} is longer than {} MiB; not scanned (a binary file or a dump on one line?)",
                self.line_number,
                self.max_line >> 20
            ),
        ))
    }
}

impl<R: Read> Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.current_line_len + n <= self.max_line {
            // No line can reach the cap within these bytes: count the line ends at SIMD
            // speed instead of stopping at each (a tenth of a text scan's reading).
            let bytes = &buf[..n];
            match memchr::memrchr(b'\n', bytes) {
                Some(last) => {
                    self.line_number += memchr::memchr_iter(b'\n', bytes).count() as u64;
                    self.current_line_len = n - last - 1;
                }
                None => self.current_line_len += n,
            }
            return Ok(n);
        }
        let mut line_start = 0;
        for newline in memchr::memchr_iter(b'\n', &buf[..n]) {
            self.check(newline - line_start)?;
            self.current_line_len = 0;
            self.line_number += 1;
            line_start = newline + 1;
        }
        self.check(n - line_start)?;
        self.current_line_len += n - line_start;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_line_is_an_error_naming_the_line() {
        let data = b"ok\nfine\nxxxxxxxxxxxxxxxxxxxx\n".to_vec();
        let mut reader = LineCap::new(&data[..], 10);
        let mut out = Vec::new();
        let error = reader.read_to_end(&mut out).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(error.to_string().contains("line 3"), "{error}");
    }

    /// A reader that hands out three bytes a read, so lines span reads.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(3);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_long_line_across_reads_is_caught_on_its_own_line() {
        let data = b"0123456789\nab\n\n0123456789x\n";
        let mut out = Vec::new();
        let error = LineCap::new(Trickle(data), 10)
            .read_to_end(&mut out)
            .unwrap_err();
        assert!(error.to_string().contains("line 4"), "{error}");
        let fits = b"0123456789\nab\n\n0123456789\n";
        out.clear();
        LineCap::new(Trickle(fits), 10)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, fits);
    }

    #[test]
    fn short_lines_pass_through() {
        let data = b"0123456789\n0123456789\n0123456789".to_vec();
        let mut out = Vec::new();
        LineCap::new(&data[..], 10).read_to_end(&mut out).unwrap();
        assert_eq!(out, data);
    }
}
