//! The on-disk framing of `entries.log`: a text header, then records
//! `u32 LE length || u32 LE CRC-32(length bytes || payload) || payload`.
//!
//! The checksum is not a security measure (the signed tree is); it tells a torn or damaged
//! record from a whole one, so a crash's half-written tail is found and dropped.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::hash::HashAlgorithm;
use crate::note::SignatureAlgorithm;

/// Bytes of a record's length and checksum fields.
pub const RECORD_HEADER_LEN: u64 = 8;
/// The largest entry accepted; a larger length field marks a damaged record.
pub const MAX_ENTRY_LEN: usize = 16 << 20;
const MAGIC_LINE: &str = "shuan-ledger v1\n";

/// The log's identity and algorithms, stored at the start of `entries.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The checkpoint origin line and the signing key's name.
    pub origin: String,
    pub hash: HashAlgorithm,
    pub signature: SignatureAlgorithm,
}

#[derive(Serialize, Deserialize)]
struct HeaderJson {
    origin: String,
    hash: String,
    signature: String,
}

impl Header {
    /// The header bytes: the magic line and one JSON line.
    pub fn encode(&self) -> Vec<u8> {
        let json = serde_json::to_string(&HeaderJson {
            origin: self.origin.clone(),
            hash: self.hash.name().into(),
            signature: self.signature.name().into(),
        })
        .expect("a header always serializes");
        format!("{MAGIC_LINE}{json}\n").into_bytes()
    }

    /// Reads the header; returns it with its length in bytes (where the first record starts).
    pub fn read(path: &Path) -> Result<(Header, u64), Error> {
        let file = File::open(path).map_err(Error::io(path))?;
        let mut prefix = Vec::new();
        file.take(4096)
            .read_to_end(&mut prefix)
            .map_err(Error::io(path))?;
        let bad = |reason: &str| Error::format(path, format!("not a ledger log: {reason}"));
        let rest = prefix
            .strip_prefix(MAGIC_LINE.as_bytes())
            .ok_or_else(|| bad("missing the 'shuan-ledger v1' line"))?;
        let line_len = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| bad("unterminated header line"))?;
        let json: HeaderJson = serde_json::from_slice(&rest[..line_len])
            .map_err(|e| bad(&format!("header line: {e}")))?;
        let header = Header {
            hash: HashAlgorithm::from_name(&json.hash)
                .ok_or_else(|| bad(&format!("unknown hash algorithm {:?}", json.hash)))?,
            signature: SignatureAlgorithm::from_name(&json.signature)
                .ok_or_else(|| bad(&format!("unknown signature algorithm {:?}", json.signature)))?,
            origin: json.origin,
        };
        Ok((header, (MAGIC_LINE.len() + line_len + 1) as u64))
    }
}

/// Appends one framed record to `out`.
pub fn encode_record(payload: &[u8], out: &mut Vec<u8>) {
    let len = (payload.len() as u32).to_le_bytes();
    let mut crc = crc32fast::Hasher::new();
    crc.update(&len);
    crc.update(payload);
    out.extend_from_slice(&len);
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    out.extend_from_slice(payload);
}

/// One record read back.
pub struct Record {
    /// Offset of the record's first byte.
    pub offset: u64,
    /// Offset just past the record.
    pub end: u64,
    pub payload: Vec<u8>,
    pub checksum_ok: bool,
}

/// Why reading stopped before the end of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    pub offset: u64,
    pub reason: String,
}

/// Sequential reader of records from an offset to the end of the file.
pub struct RecordReader {
    reader: BufReader<File>,
    offset: u64,
    file_len: u64,
}

impl RecordReader {
    pub fn new(path: &Path, offset: u64) -> Result<Self, Error> {
        let mut file = File::open(path).map_err(Error::io(path))?;
        let file_len = file.metadata().map_err(Error::io(path))?.len();
        file.seek(SeekFrom::Start(offset))
            .map_err(Error::io(path))?;
        Ok(RecordReader {
            reader: BufReader::with_capacity(1 << 20, file),
            offset,
            file_len,
        })
    }

    /// The next record; `Ok(None)` at a clean end of file, `Err(damage)` when the framing
    /// cannot be followed (short header, impossible length, short payload). A checksum
    /// mismatch is returned as a record with `checksum_ok == false`, since its length may
    /// still be right.
    pub fn next_record(&mut self) -> Result<Option<Record>, Damage> {
        let offset = self.offset;
        let remaining = self.file_len - offset;
        if remaining == 0 {
            return Ok(None);
        }
        let damage = |reason: String| Damage { offset, reason };
        let mut header = [0u8; RECORD_HEADER_LEN as usize];
        if remaining >= RECORD_HEADER_LEN {
            self.reader
                .read_exact(&mut header)
                .map_err(|e| damage(format!("read error: {e}")))?;
        }
        let (len, stored_crc) = check_frame(offset, remaining, &header)?;
        let mut payload = vec![0u8; len];
        self.reader
            .read_exact(&mut payload)
            .map_err(|e| damage(format!("read error: {e}")))?;
        let end = offset + RECORD_HEADER_LEN + len as u64;
        self.offset = end;
        Ok(Some(Record {
            offset,
            end,
            checksum_ok: record_crc(&payload) == stored_crc,
            payload,
        }))
    }
}

/// Checks the framing of the record at `offset`, with `remaining` bytes from there to the end
/// of the file and `header` its first 8 bytes (ignored when `remaining < 8`): the payload
/// length and the stored checksum, or why the framing cannot be followed.
pub(crate) fn check_frame(
    offset: u64,
    remaining: u64,
    header: &[u8; RECORD_HEADER_LEN as usize],
) -> Result<(usize, u32), Damage> {
    let damage = |reason: String| Damage { offset, reason };
    if remaining < RECORD_HEADER_LEN {
        return Err(damage(format!(
            "{remaining} stray bytes, too short for a record header"
        )));
    }
    let len = u32::from_le_bytes(header[..4].try_into().expect("4 bytes")) as usize;
    let stored_crc = u32::from_le_bytes(header[4..].try_into().expect("4 bytes"));
    if len > MAX_ENTRY_LEN {
        return Err(damage(format!(
            "length field {len} exceeds the {MAX_ENTRY_LEN}-byte limit"
        )));
    }
    if remaining - RECORD_HEADER_LEN < len as u64 {
        return Err(damage(format!(
            "record of {len} bytes runs past the end of the file ({} bytes left)",
            remaining - RECORD_HEADER_LEN
        )));
    }
    Ok((len, stored_crc))
}

/// The checksum stored in a record: CRC-32 of the length field and the payload.
pub(crate) fn record_crc(payload: &[u8]) -> u32 {
    let mut crc = crc32fast::Hasher::new();
    crc.update(&(payload.len() as u32).to_le_bytes());
    crc.update(payload);
    crc.finalize()
}
