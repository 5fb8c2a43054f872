//! Text written back in the input's encoding.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use encoding_rs::{CoderResult, Encoder, Encoding};

use crate::SinkError;
use crate::staged::{Staged, flush};

/// A `Write` that takes UTF-8 and writes `encoding`. UTF-16 inputs are written as UTF-8
/// (encoding_rs encodes to UTF-8 only for them); every other encoding the readers detect
/// (UTF-8, GB18030 which covers GBK) round-trips.
pub(crate) struct Encoded<W: Write> {
    inner: W,
    encoder: Option<Encoder>,
    /// Bytes of a character cut by the caller's buffer boundary, kept for the next write.
    pending: Vec<u8>,
    scratch: Vec<u8>,
}

impl<W: Write> Encoded<W> {
    pub(crate) fn new(mut inner: W, encoding: &'static Encoding, bom: bool) -> io::Result<Self> {
        let encoding = encoding.output_encoding();
        if bom && encoding == encoding_rs::UTF_8 {
            inner.write_all(b"\xef\xbb\xbf")?;
        }
        Ok(Encoded {
            inner,
            encoder: (encoding != encoding_rs::UTF_8).then(|| encoding.new_encoder()),
            pending: Vec::new(),
            scratch: vec![0; 64 << 10],
        })
    }

    fn encode(&mut self, text: &str, last: bool) -> io::Result<()> {
        let Some(encoder) = self.encoder.as_mut() else {
            return self.inner.write_all(text.as_bytes());
        };
        let mut rest = text;
        loop {
            let (result, read, written, _) =
                encoder.encode_from_utf8(rest, &mut self.scratch, last);
            self.inner.write_all(&self.scratch[..written])?;
            rest = &rest[read..];
            if result == CoderResult::InputEmpty {
                return Ok(());
            }
        }
    }

    /// Encodes what is left and gives back the inner writer.
    pub(crate) fn into_inner(mut self) -> io::Result<W> {
        if !self.pending.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "output ends inside a UTF-8 character",
            ));
        }
        self.encode("", true)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for Encoded<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.encoder.is_none() {
            return self.inner.write(buf);
        }
        self.pending.extend_from_slice(buf);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(text) => text.len(),
            Err(error) if error.error_len().is_none() => error.valid_up_to(),
            Err(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "text to write is not UTF-8",
                ));
            }
        };
        let pending = std::mem::take(&mut self.pending);
        let text = std::str::from_utf8(&pending[..valid]).expect("checked above");
        self.encode(text, false)?;
        self.pending.extend_from_slice(&pending[valid..]);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Text lines going to an output in the encoding of the input they were read from.
pub struct TextWriter {
    staged: Staged,
    out: Encoded<BufWriter<File>>,
}

/// Creates `out` for text read from `input_path`: same encoding (and BOM) as the input.
pub fn create_text_like(out: &Path, input_path: &Path) -> Result<TextWriter, SinkError> {
    let layout = shuan_source::text_layout(input_path)
        .map_err(|e| SinkError::new(input_path, e.to_string()))?;
    let staged = Staged::create(out)?;
    let out = Encoded::new(staged.writer()?, layout.encoding, layout.bom)
        .map_err(|e| staged.io_error(e))?;
    Ok(TextWriter { staged, out })
}

impl TextWriter {
    /// Writes text as it is (include the `\n`s).
    pub fn write_str(&mut self, text: &str) -> Result<(), SinkError> {
        self.out
            .write_all(text.as_bytes())
            .map_err(|e| self.staged.io_error(e))
    }

    /// Flushes and moves the output into place.
    pub fn finish(self) -> Result<(), SinkError> {
        let mut inner = self.out.into_inner().map_err(|e| self.staged.io_error(e))?;
        flush(&self.staged, &mut inner)?;
        drop(inner);
        self.staged.commit()
    }
}
