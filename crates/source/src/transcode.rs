//! Streaming conversion of a non-UTF-8 text input (GB18030/GBK, UTF-16) to UTF-8.
//!
//! Every reader downstream parses UTF-8 only, so an input is decoded exactly
//! once, in fixed-size blocks, here. Malformed input is an error rather than
//! replacement characters: a file that looked like GB18030 in its first bytes
//! and is not later is a wrong guess the user should hear about.

use encoding_rs::{DecoderResult, Encoding};
use std::io::{self, Read};

const BLOCK: usize = 64 << 10;

pub(crate) struct Utf8Transcoder<R> {
    inner: R,
    encoding: &'static Encoding,
    decoder: encoding_rs::Decoder,
    input: Box<[u8]>,
    input_start: usize,
    input_end: usize,
    input_done: bool,
    /// The decoder has been told the input ended; it must not be called again.
    finished: bool,
    output: Vec<u8>,
    output_start: usize,
    /// Bytes of input consumed, for the error message.
    consumed: u64,
}

impl<R: Read> Utf8Transcoder<R> {
    /// `inner` must start after any byte order mark.
    pub(crate) fn new(inner: R, encoding: &'static Encoding) -> Self {
        Utf8Transcoder {
            inner,
            encoding,
            decoder: encoding.new_decoder_without_bom_handling(),
            input: vec![0; BLOCK].into_boxed_slice(),
            input_start: 0,
            input_end: 0,
            input_done: false,
            finished: false,
            output: Vec::with_capacity(BLOCK * 2),
            output_start: 0,
            consumed: 0,
        }
    }

    /// Decodes the next block into `output`; leaves it empty only at the end.
    fn refill(&mut self) -> io::Result<()> {
        self.output.clear();
        self.output_start = 0;
        while self.output.is_empty() && !self.finished {
            if self.input_start == self.input_end && !self.input_done {
                self.input_start = 0;
                self.input_end = read_retrying(&mut self.inner, &mut self.input)?;
                self.input_done = self.input_end == 0;
            }
            if self.input_done && self.input_start == self.input_end {
                // Flush whatever an incomplete trailing sequence leaves.
                let mut tail = [0u8; 16];
                let (result, _, written) =
                    self.decoder
                        .decode_to_utf8_without_replacement(&[], &mut tail, true);
                self.finished = true;
                self.check(result)?;
                self.output.extend_from_slice(&tail[..written]);
                continue;
            }
            let pending = &self.input[self.input_start..self.input_end];
            let room = self
                .decoder
                .max_utf8_buffer_length_without_replacement(pending.len())
                .unwrap_or(BLOCK * 4);
            self.output.resize(room, 0);
            let (result, read, written) =
                self.decoder
                    .decode_to_utf8_without_replacement(pending, &mut self.output, false);
            self.input_start += read;
            self.consumed += read as u64;
            self.output.truncate(written);
            self.check(result)?;
        }
        Ok(())
    }

    fn check(&self, result: DecoderResult) -> io::Result<()> {
        match result {
            DecoderResult::Malformed(..) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "not valid {} near byte {}; the start of the file looked like {}, \
                     convert it to UTF-8 and scan again",
                    self.encoding.name(),
                    self.consumed,
                    self.encoding.name()
                ),
            )),
            DecoderResult::InputEmpty | DecoderResult::OutputFull => Ok(()),
        }
    }
}

impl<R: Read> Read for Utf8Transcoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.output_start == self.output.len() {
            self.refill()?;
        }
        let available = &self.output[self.output_start..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.output_start += n;
        Ok(n)
    }
}

/// `read`, retried on `Interrupted`.
pub(crate) fn read_retrying(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_becomes_utf8_across_block_boundaries() {
        let text = "姓名,电话\n张三,13800138000\n".repeat(10_000);
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        let mut out = String::new();
        Utf8Transcoder::new(&gbk[..], encoding_rs::GB18030)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
    }

    #[test]
    fn reading_past_the_end_keeps_returning_zero() {
        let mut transcoder = Utf8Transcoder::new(&b"\xd5\xc5"[..], encoding_rs::GB18030);
        let mut buf = [0u8; 8];
        assert_eq!(transcoder.read(&mut buf).unwrap(), 3);
        assert_eq!(transcoder.read(&mut buf).unwrap(), 0);
        assert_eq!(transcoder.read(&mut buf).unwrap(), 0);
    }

    #[test]
    fn malformed_input_is_an_error() {
        let bytes = b"abc\x81\x20def";
        let mut out = String::new();
        let error = Utf8Transcoder::new(&bytes[..], encoding_rs::GB18030)
            .read_to_string(&mut out)
            .unwrap_err();
        assert!(error.to_string().contains("gb18030"), "{error}");
    }
}
