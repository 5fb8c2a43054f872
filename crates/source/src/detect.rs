//! Recognising an input from its first bytes and its name.
//!
//! Content decides first (magic numbers, then encoding), the extension second:
//! a `.csv` that is really gzip or a `.txt` that is really Parquet is read as
//! what it is. Among text formats the extension wins when it names one,
//! because a log line and a CSV row can look alike.

use encoding_rs::Encoding;

/// How many leading bytes are looked at to recognise an input.
pub(crate) const SNIFF_BYTES: usize = 64 << 10;

/// Container formats recognised by their magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Container {
    Gzip,
    Parquet,
    /// ZIP: XLSX, XLSB, ODS.
    Zip,
    /// OLE compound file: legacy XLS.
    Ole,
}

pub(crate) fn container(prefix: &[u8]) -> Option<Container> {
    if prefix.starts_with(&[0x1f, 0x8b]) {
        Some(Container::Gzip)
    } else if prefix.starts_with(b"PAR1") {
        Some(Container::Parquet)
    } else if prefix.starts_with(b"PK\x03\x04") {
        Some(Container::Zip)
    } else if prefix.starts_with(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) {
        Some(Container::Ole)
    } else {
        None
    }
}

/// A text encoding and the length of the byte order mark to skip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TextEncoding {
    pub encoding: &'static Encoding,
    pub bom_len: usize,
}

/// Detects the encoding of a text prefix: a BOM if there is one, else UTF-8 if the
/// prefix is valid UTF-8, else GB18030 (a superset of GBK and GB2312) if valid.
/// `complete` says the prefix is the whole input, so a sequence cut at its end is an error.
/// `None` means binary: NUL bytes, or bytes valid in neither UTF-8 nor GB18030.
pub(crate) fn text_encoding(prefix: &[u8], complete: bool) -> Option<TextEncoding> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(prefix) {
        return Some(TextEncoding { encoding, bom_len });
    }
    if memchr::memchr(0, prefix).is_some() {
        return None;
    }
    let candidates = [encoding_rs::UTF_8, encoding_rs::GB18030];
    candidates
        .into_iter()
        .find(|&encoding| decodes_cleanly(encoding, prefix, complete))
        .map(|encoding| TextEncoding {
            encoding,
            bom_len: 0,
        })
}

fn decodes_cleanly(encoding: &'static Encoding, prefix: &[u8], complete: bool) -> bool {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut scratch = vec![0u8; 16 << 10];
    let mut rest = prefix;
    loop {
        let (result, read, _) =
            decoder.decode_to_utf8_without_replacement(rest, &mut scratch, complete);
        rest = &rest[read..];
        match result {
            encoding_rs::DecoderResult::InputEmpty => return true,
            encoding_rs::DecoderResult::OutputFull => continue,
            encoding_rs::DecoderResult::Malformed(..) => return false,
        }
    }
}

/// Text formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextFormat {
    Delimited,
    Ndjson,
    JsonArray,
    Plain,
}

/// The lowercase extension of a file name (`data.CSV` -> `csv`), if any.
pub(crate) fn extension(file_name: &str) -> Option<String> {
    let (stem, extension) = file_name.rsplit_once('.')?;
    (!stem.is_empty()).then(|| extension.to_ascii_lowercase())
}

/// Decides a text format from the extension, else from the decoded prefix.
pub(crate) fn text_format(file_name: &str, text: &str) -> TextFormat {
    let first_char = text.trim_start().chars().next();
    match extension(file_name).as_deref() {
        Some("csv" | "tsv" | "psv" | "tab") => TextFormat::Delimited,
        Some("ndjson" | "jsonl") => TextFormat::Ndjson,
        Some("json") if first_char == Some('[') => TextFormat::JsonArray,
        Some("json") if first_line_is_object(text) => TextFormat::Ndjson,
        // A single pretty-printed document (a config, a report) is no table: scan its text.
        Some("json") => TextFormat::Plain,
        Some("txt" | "log" | "md" | "text" | "out") => TextFormat::Plain,
        _ if first_char == Some('[') => TextFormat::JsonArray,
        _ if first_char == Some('{') && first_line_is_object(text) => TextFormat::Ndjson,
        _ if sniff_delimiter(text).is_some() && text.lines().nth(1).is_some() => {
            TextFormat::Delimited
        }
        _ => TextFormat::Plain,
    }
}

/// Whether the first non-blank line is a whole JSON object, as in NDJSON.
fn first_line_is_object(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| {
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(l).is_ok()
        })
}

const DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// The delimiter that splits the first lines of `text` into the same number of
/// fields, more than one. Ties go to the delimiter giving more fields, then to
/// the order of [`DELIMITERS`].
pub(crate) fn sniff_delimiter(text: &str) -> Option<u8> {
    let mut lines: Vec<&str> = text.lines().take(21).collect();
    // The last line of a prefix may be cut short; judge it only when it is all there is.
    if lines.len() > 1 && !text.ends_with('\n') {
        lines.pop();
    }
    lines.truncate(20);
    let mut best: Option<(usize, usize, u8)> = None; // (consistent lines, fields, delimiter)
    for delimiter in DELIMITERS {
        let counts: Vec<usize> = lines
            .iter()
            .map(|line| count_unquoted(line, delimiter))
            .collect();
        let Some(&header_count) = counts.first() else {
            continue;
        };
        if header_count == 0 {
            continue;
        }
        let consistent = counts.iter().filter(|&&c| c == header_count).count();
        let candidate = (consistent, header_count, delimiter);
        if best.is_none_or(|(c, n, _)| (consistent, header_count) > (c, n)) {
            best = Some(candidate);
        }
    }
    // A delimiter that splits under half the lines the same way is chance, not structure.
    best.filter(|&(consistent, _, _)| consistent * 2 > lines.len())
        .map(|(_, _, d)| d)
}

/// Occurrences of `delimiter` outside double quotes.
fn count_unquoted(line: &str, delimiter: u8) -> usize {
    let mut quoted = false;
    let mut count = 0;
    for &byte in line.as_bytes() {
        if byte == b'"' {
            quoted = !quoted;
        } else if byte == delimiter && !quoted {
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        let utf8 = text_encoding("姓名,电话".as_bytes(), true).unwrap();
        assert_eq!(utf8.encoding, encoding_rs::UTF_8);
        let with_bom = text_encoding("\u{feff}姓名".as_bytes(), true).unwrap();
        assert_eq!(
            (with_bom.encoding, with_bom.bom_len),
            (encoding_rs::UTF_8, 3)
        );
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,电话,民族");
        assert_eq!(
            text_encoding(&gbk, true).unwrap().encoding,
            encoding_rs::GB18030
        );
        assert_eq!(text_encoding(b"a\0b", true), None);
        assert_eq!(text_encoding(b"\xff\xff\xff\xff\x80", true), None);
    }

    #[test]
    fn utf8_cut_at_prefix_end_is_still_utf8() {
        let text = "姓名".as_bytes();
        let cut = &text[..4];
        assert_eq!(
            text_encoding(cut, false).unwrap().encoding,
            encoding_rs::UTF_8
        );
    }

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), Some(b','));
        assert_eq!(sniff_delimiter("a\tb\tc\n1\t2,5\t3\n"), Some(b'\t'));
        assert_eq!(sniff_delimiter("a;b\n\"1;x\";2\n"), Some(b';'));
        assert_eq!(sniff_delimiter("a|b|c\n1|2|3\n4|5|6"), Some(b'|'));
        assert_eq!(sniff_delimiter("just words\nand more words\n"), None);
    }

    #[test]
    fn formats() {
        assert_eq!(text_format("t.gbk.csv", "a;b\n"), TextFormat::Delimited);
        assert_eq!(text_format("x.json", " [{}]"), TextFormat::JsonArray);
        assert_eq!(text_format("x.json", "{}\n{}"), TextFormat::Ndjson);
        assert_eq!(
            text_format("labels.json", "{\n \"tables\": []\n}\n"),
            TextFormat::Plain
        );
        assert_eq!(text_format("app.log", "a,b\n1,2\n"), TextFormat::Plain);
        assert_eq!(text_format("export", "a,b\n1,2\n"), TextFormat::Delimited);
        assert_eq!(
            text_format("README", "Hello, world.\nBye.\n"),
            TextFormat::Plain
        );
    }
}
