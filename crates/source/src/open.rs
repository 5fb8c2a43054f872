//! Turning a file or a byte stream into [`Input`]s.
//!
//! The first [`SNIFF_BYTES`] are read once and looked at (magic number, then
//! encoding, then format); the stream then continues from the same prefix, so
//! nothing is read twice and nothing is read whole unless the format needs
//! random access (Parquet, spreadsheets arriving inside gzip).

use crate::delimited::DelimitedTable;
use crate::detect::{self, Container, SNIFF_BYTES, TextFormat};
use crate::limits::{LineCap, MAX_IN_MEMORY_BYTES, MAX_LINE_BYTES};
use crate::transcode::{Utf8Transcoder, read_retrying};
use crate::{Input, SourceError, json, parquet_table, spreadsheet, text};
use std::fs::File;
use std::io::{self, BufReader, Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// Gzip inside gzip is followed this deep, no deeper (a `.tar.gz.gz` is plausible, a quine is not).
const MAX_GZIP_DEPTH: u8 = 2;

/// Opens one file: a table per sheet for spreadsheets, one table for other
/// structured formats, one text input for anything else that is text.
/// `source` in the result is the path as given.
pub fn open_path(path: &Path) -> Result<Vec<Input>, SourceError> {
    let source = path.display().to_string();
    let file_name = path
        .file_name()
        .map_or_else(|| source.clone(), |n| n.to_string_lossy().into_owned());
    let io_error = |e| SourceError::io(&source, e);
    let mut file = File::open(path).map_err(io_error)?;
    if file.metadata().map_err(io_error)?.is_dir() {
        return Err(SourceError::input(
            &source,
            "is a directory; walk it to scan the files inside",
        ));
    }
    let (prefix, complete) = read_prefix(&mut file).map_err(io_error)?;
    // Files with random access are read in place rather than through memory.
    match detect::container(&prefix) {
        Some(Container::Parquet) => Ok(vec![parquet_table::open(
            &source,
            &table_name(&file_name),
            file,
        )?]),
        Some(kind @ (Container::Zip | Container::Ole)) => {
            spreadsheet::open(&source, &file_name, kind, BufReader::new(file))
        }
        _ => open_sniffed(&source, &file_name, prefix, complete, Box::new(file), 0),
    }
}

/// Opens a byte stream as [`open_path`] opens a file; `file_name` (the last path
/// component, e.g. `t001.csv.gz`) helps decide the format and names the table.
pub fn open_stream(
    source: &str,
    file_name: &str,
    mut input: impl Read + Send + 'static,
) -> Result<Vec<Input>, SourceError> {
    let (prefix, complete) = read_prefix(&mut input).map_err(|e| SourceError::io(source, e))?;
    open_sniffed(source, file_name, prefix, complete, Box::new(input), 0)
}

fn open_sniffed(
    source: &str,
    file_name: &str,
    prefix: Vec<u8>,
    complete: bool,
    rest: Box<dyn Read + Send>,
    gzip_depth: u8,
) -> Result<Vec<Input>, SourceError> {
    let container = detect::container(&prefix);
    let whole: Box<dyn Read + Send> = Box::new(Cursor::new(prefix.clone()).chain(rest));
    match container {
        Some(Container::Gzip) => {
            if gzip_depth >= MAX_GZIP_DEPTH {
                return Err(SourceError::input(
                    source,
                    "gzip nested too deep; not scanned",
                ));
            }
            let inner_name = file_name
                .strip_suffix(".gz")
                .or_else(|| file_name.strip_suffix(".gzip"))
                .unwrap_or(file_name);
            let mut inner = GzipStream(flate2::read::MultiGzDecoder::new(whole));
            let (prefix, complete) =
                read_prefix(&mut inner).map_err(|e| SourceError::io(source, e))?;
            open_sniffed(
                source,
                inner_name,
                prefix,
                complete,
                Box::new(inner),
                gzip_depth + 1,
            )
        }
        Some(Container::Parquet) => {
            let bytes = read_bounded(source, whole, "Parquet")?;
            Ok(vec![parquet_table::open(
                source,
                &table_name(file_name),
                bytes::Bytes::from(bytes),
            )?])
        }
        Some(kind @ (Container::Zip | Container::Ole)) => {
            let bytes = read_bounded(source, whole, "a spreadsheet")?;
            spreadsheet::open(source, file_name, kind, Cursor::new(bytes))
        }
        None => {
            if let Some(format) = binary_format_by_extension(file_name) {
                return Err(SourceError::input(
                    source,
                    format!(
                        "not a {format} file (its first bytes are wrong); corrupt or misnamed, not scanned"
                    ),
                ));
            }
            let stream = TextStream::from_prefix(source, file_name, prefix, complete, whole)?;
            let name = table_name(file_name);
            let input = match detect::text_format(file_name, &stream.prefix_text) {
                TextFormat::Delimited => {
                    Input::Table(Box::new(DelimitedTable::new(source, &name, stream)?))
                }
                TextFormat::Ndjson => {
                    Input::Table(Box::new(json::ndjson_table(source, &name, stream)?))
                }
                TextFormat::JsonArray => {
                    Input::Table(Box::new(json::array_table(source, &name, stream)?))
                }
                TextFormat::Plain => {
                    Input::Text(Box::new(text::LineChunks::new(source, stream.utf8)))
                }
            };
            Ok(vec![input])
        }
    }
}

fn binary_format_by_extension(file_name: &str) -> Option<&'static str> {
    match detect::extension(file_name)?.as_str() {
        "parquet" => Some("Parquet"),
        "xlsx" | "xlsm" | "xlsb" | "ods" => Some("spreadsheet (ZIP)"),
        "xls" => Some("XLS"),
        "gz" | "gzip" => Some("gzip"),
        _ => None,
    }
}

/// A text input decoded to UTF-8, with its first bytes decoded for sniffing.
pub(crate) struct TextStream {
    /// The name the format is judged by (inside gzip: without `.gz`).
    pub file_name: String,
    /// The decoded prefix (possibly ending in a cut character): for sniffing only.
    pub prefix_text: String,
    /// The whole input as UTF-8, BOM removed, lines capped at [`MAX_LINE_BYTES`].
    pub utf8: Box<dyn Read + Send>,
}

impl TextStream {
    pub(crate) fn sniff(
        source: &str,
        file_name: &str,
        mut input: Box<dyn Read + Send>,
    ) -> Result<Self, SourceError> {
        let (prefix, complete) = read_prefix(&mut input).map_err(|e| SourceError::io(source, e))?;
        let whole = Box::new(Cursor::new(prefix.clone()).chain(input));
        Self::from_prefix(source, file_name, prefix, complete, whole)
    }

    /// `whole` is the entire input, prefix included.
    fn from_prefix(
        source: &str,
        file_name: &str,
        prefix: Vec<u8>,
        complete: bool,
        mut whole: Box<dyn Read + Send>,
    ) -> Result<Self, SourceError> {
        let encoding = detect::text_encoding(&prefix, complete).ok_or_else(|| {
            SourceError::input(
                source,
                "binary file (or text in an encoding other than UTF-8, UTF-16 or GB18030), not scanned",
            )
        })?;
        let bom = encoding.bom_len;
        let (prefix_text, _) = encoding
            .encoding
            .decode_without_bom_handling(&prefix[bom..]);
        io::copy(&mut (&mut whole).take(bom as u64), &mut io::sink())
            .map_err(|e| SourceError::io(source, e))?;
        let utf8: Box<dyn Read + Send> = if encoding.encoding == encoding_rs::UTF_8 {
            whole
        } else {
            Box::new(Utf8Transcoder::new(whole, encoding.encoding))
        };
        Ok(TextStream {
            file_name: file_name.to_owned(),
            prefix_text: prefix_text.into_owned(),
            utf8: Box::new(LineCap::new(utf8, MAX_LINE_BYTES)),
        })
    }
}

/// Reads up to [`SNIFF_BYTES`]; `true` when that was the whole input.
fn read_prefix(input: &mut impl Read) -> io::Result<(Vec<u8>, bool)> {
    let mut prefix = vec![0u8; SNIFF_BYTES];
    let mut filled = 0;
    while filled < prefix.len() {
        let n = read_retrying(input, &mut prefix[filled..])?;
        if n == 0 {
            prefix.truncate(filled);
            return Ok((prefix, true));
        }
        filled += n;
    }
    Ok((prefix, false))
}

/// Reads a whole stream that a format needs random access to, up to [`MAX_IN_MEMORY_BYTES`].
fn read_bounded(source: &str, input: impl Read, format: &str) -> Result<Vec<u8>, SourceError> {
    let mut bytes = Vec::new();
    input
        .take(MAX_IN_MEMORY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| SourceError::io(source, e))?;
    if bytes.len() as u64 > MAX_IN_MEMORY_BYTES {
        return Err(SourceError::input(
            source,
            format!(
                "{format} inside a compressed stream is over {} MiB; decompress it and scan the file",
                MAX_IN_MEMORY_BYTES >> 20
            ),
        ));
    }
    Ok(bytes)
}

/// A gzip decoder whose errors say they come from the gzip layer.
struct GzipStream<R>(flate2::read::MultiGzDecoder<R>);

impl<R: Read> Read for GzipStream<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("gzip data truncated or corrupt ({e}); not scanned past here"),
            )
        })
    }
}

/// The last component of a path written as a string.
pub(crate) fn file_name(source: &str) -> &str {
    Path::new(source)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(source)
}

/// The table name of a file: its name before the first dot (`t008.gbk.csv` -> `t008`),
/// so encodings and compression in the name do not leak into it.
pub(crate) fn table_name(file_name: &str) -> String {
    match file_name.split('.').next() {
        Some(stem) if !stem.is_empty() => stem.to_owned(),
        _ => file_name.to_owned(),
    }
}

/// Runs a call into a third-party decoder (Parquet, spreadsheets), turning a panic
/// on malformed input into an error: this crate promises no panic on any input,
/// and those decoders are large enough that we cannot promise it for them.
pub(crate) fn without_panics<T>(
    source: &str,
    what: &str,
    call: impl FnOnce() -> Result<T, SourceError>,
) -> Result<T, SourceError> {
    catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|_| {
        Err(SourceError::input(
            source,
            format!("{what} failed on malformed data; the file is corrupt, not scanned"),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names() {
        assert_eq!(table_name("t008.gbk.csv"), "t008");
        assert_eq!(table_name("t001.csv.gz"), "t001");
        assert_eq!(table_name("noext"), "noext");
        assert_eq!(table_name(".hidden.csv"), ".hidden.csv");
        assert_eq!(file_name("a/b/c.csv"), "c.csv");
    }
}
