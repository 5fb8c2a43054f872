//! Chunked authenticated file encryption (`<cipher>-GCM`, SM4 by default).
//!
//! Layout: header, then chunks. Header = magic `SHUAN-ENC`, version (1 byte),
//! algorithm id (1), key id length (1) and key id (UTF-8), chunk size (u32 BE),
//! base nonce (12 random bytes). Each chunk is `chunk size` bytes of plaintext
//! (the last one 0..=chunk size) sealed to ciphertext || 16-byte tag with
//! nonce = base nonce XOR chunk index and AAD = header || chunk index (u64 BE) ||
//! last-chunk flag. So an altered header, an altered, swapped or dropped chunk and
//! a file cut at a chunk boundary each fail at a named chunk.

use std::io::{self, Read, Write};

use crate::error::{Error, Result};
use crate::key::SecretKey;
use crate::provider::{Algorithm, CryptoProvider, NONCE_LEN, SoftwareProvider, TAG_LEN};

pub const MAGIC: &[u8; 9] = b"SHUAN-ENC";
pub const FORMAT_VERSION: u8 = 1;
pub const DEFAULT_CHUNK_SIZE: u32 = 64 * 1024;
/// Bounds the memory a hostile header can make the reader allocate.
const MAX_CHUNK_SIZE: u32 = 16 * 1024 * 1024;

/// The clear header of an encrypted file: enough to pick the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileHeader {
    pub algorithm: Algorithm,
    pub key_id: String,
    pub chunk_size: u32,
    base_nonce: [u8; NONCE_LEN],
}

impl FileHeader {
    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(MAGIC.len() + 3 + self.key_id.len() + 4 + NONCE_LEN);
        bytes.extend_from_slice(MAGIC);
        bytes.push(FORMAT_VERSION);
        bytes.push(self.algorithm.id());
        bytes.push(self.key_id.len() as u8);
        bytes.extend_from_slice(self.key_id.as_bytes());
        bytes.extend_from_slice(&self.chunk_size.to_be_bytes());
        bytes.extend_from_slice(&self.base_nonce);
        bytes
    }

    /// Reads and checks the header at the start of an encrypted stream.
    pub fn read(reader: &mut impl Read) -> Result<Self> {
        let header_error = |reason: &str| Error::Header(reason.to_owned());
        let mut fixed = [0u8; 12];
        reader
            .read_exact(&mut fixed)
            .map_err(|_| header_error("the file is shorter than a header"))?;
        if &fixed[..9] != MAGIC {
            return Err(header_error(
                "not a Shu'an encrypted file (no SHUAN-ENC magic)",
            ));
        }
        if fixed[9] != FORMAT_VERSION {
            return Err(Error::Header(format!(
                "format version {} is not supported; this build reads version {FORMAT_VERSION}",
                fixed[9]
            )));
        }
        let algorithm = Algorithm::from_id(fixed[10])
            .ok_or_else(|| Error::Header(format!("unknown algorithm id {}", fixed[10])))?;
        let mut key_id = vec![0u8; usize::from(fixed[11])];
        let mut chunk_size = [0u8; 4];
        let mut base_nonce = [0u8; NONCE_LEN];
        reader
            .read_exact(&mut key_id)
            .and_then(|()| reader.read_exact(&mut chunk_size))
            .and_then(|()| reader.read_exact(&mut base_nonce))
            .map_err(|_| header_error("the header is cut short"))?;
        let key_id = String::from_utf8(key_id).map_err(|_| header_error("key id is not UTF-8"))?;
        let chunk_size = u32::from_be_bytes(chunk_size);
        if chunk_size == 0 || chunk_size > MAX_CHUNK_SIZE {
            return Err(Error::Header(format!(
                "chunk size {chunk_size} is out of range"
            )));
        }
        Ok(FileHeader {
            algorithm,
            key_id,
            chunk_size,
            base_nonce,
        })
    }

    fn nonce(&self, index: u64) -> [u8; NONCE_LEN] {
        let mut nonce = self.base_nonce;
        for (byte, counter) in nonce[NONCE_LEN - 8..].iter_mut().zip(index.to_be_bytes()) {
            *byte ^= counter;
        }
        nonce
    }

    fn aad(header_bytes: &[u8], index: u64, last: bool) -> Vec<u8> {
        let mut aad = Vec::with_capacity(header_bytes.len() + 9);
        aad.extend_from_slice(header_bytes);
        aad.extend_from_slice(&index.to_be_bytes());
        aad.push(u8::from(last));
        aad
    }
}

/// Encrypts `reader` to `writer` with a software provider; returns the chunk count.
pub fn encrypt_stream(
    reader: impl Read,
    writer: impl Write,
    key: &SecretKey,
    key_id: &str,
    algorithm: Algorithm,
) -> Result<u64> {
    let crypto = SoftwareProvider::new(algorithm, key)?;
    encrypt_with(reader, writer, &crypto, key_id, DEFAULT_CHUNK_SIZE)
}

/// Encrypts with any provider and chunk size; returns the number of chunks.
pub fn encrypt_with(
    mut reader: impl Read,
    mut writer: impl Write,
    crypto: &dyn CryptoProvider,
    key_id: &str,
    chunk_size: u32,
) -> Result<u64> {
    if key_id.len() > usize::from(u8::MAX) {
        return Err(Error::Key("key id is longer than 255 bytes".into()));
    }
    if chunk_size == 0 || chunk_size > MAX_CHUNK_SIZE {
        return Err(Error::Header(format!(
            "chunk size {chunk_size} is out of range"
        )));
    }
    let mut base_nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut base_nonce)
        .map_err(|error| Error::Key(format!("no randomness for the nonce: {error}")))?;
    let header = FileHeader {
        algorithm: crypto.algorithm(),
        key_id: key_id.to_owned(),
        chunk_size,
        base_nonce,
    };
    let header_bytes = header.to_bytes();
    writer.write_all(&header_bytes)?;

    let chunk_len = chunk_size as usize;
    let mut current = vec![0u8; chunk_len];
    let mut current_len = read_up_to(&mut reader, &mut current)?;
    let mut next = vec![0u8; chunk_len];
    let mut index = 0u64;
    loop {
        // A full chunk is the last one only if nothing follows it.
        let next_len = if current_len == chunk_len {
            read_up_to(&mut reader, &mut next)?
        } else {
            0
        };
        let last = next_len == 0;
        let aad = FileHeader::aad(&header_bytes, index, last);
        let tag = crypto.seal(&header.nonce(index), &aad, &mut current[..current_len])?;
        writer.write_all(&current[..current_len])?;
        writer.write_all(&tag)?;
        index += 1;
        if last {
            writer.flush()?;
            return Ok(index);
        }
        std::mem::swap(&mut current, &mut next);
        current_len = next_len;
    }
}

/// Decrypts a stream encrypted by [`encrypt_stream`] with the given key.
///
/// Plaintext is written chunk by chunk as each is verified, so on an error the
/// writer holds a verified prefix: write to a temporary file and rename on success.
pub fn decrypt_stream(
    mut reader: impl Read,
    writer: impl Write,
    key: &SecretKey,
) -> Result<FileHeader> {
    let header = FileHeader::read(&mut reader)?;
    let crypto = SoftwareProvider::new(header.algorithm, key)?;
    decrypt_with(&header, reader, writer, &crypto)?;
    Ok(header)
}

/// Decrypts the chunks after `header` (read with [`FileHeader::read`], which lets
/// the caller choose the key by `header.key_id`); returns the number of chunks.
pub fn decrypt_with(
    header: &FileHeader,
    mut reader: impl Read,
    mut writer: impl Write,
    crypto: &dyn CryptoProvider,
) -> Result<u64> {
    if crypto.algorithm() != header.algorithm {
        return Err(Error::Header(format!(
            "the file is encrypted with {}, the key is for {}",
            header.algorithm.name(),
            crypto.algorithm().name()
        )));
    }
    let header_bytes = header.to_bytes();
    let record_len = header.chunk_size as usize + TAG_LEN;
    let mut current = vec![0u8; record_len];
    let mut current_len = read_up_to(&mut reader, &mut current)?;
    let mut next = vec![0u8; record_len];
    let mut index = 0u64;
    loop {
        if current_len < TAG_LEN {
            return Err(Error::Truncated { chunks: index });
        }
        let next_len = if current_len == record_len {
            read_up_to(&mut reader, &mut next)?
        } else {
            0
        };
        let last = next_len == 0;
        let (body, tag) = current[..current_len].split_at_mut(current_len - TAG_LEN);
        let tag: [u8; TAG_LEN] = (&*tag).try_into().map_err(|_| Error::Aead)?;
        let nonce = header.nonce(index);
        let aad = FileHeader::aad(&header_bytes, index, last);
        if crypto.open(&nonce, &aad, body, &tag).is_err() {
            // A chunk that verifies as "not last" at the end of the file means the
            // chunks after it were cut off.
            let cut_after = last
                && crypto
                    .open(
                        &nonce,
                        &FileHeader::aad(&header_bytes, index, false),
                        body,
                        &tag,
                    )
                    .is_ok();
            return Err(if cut_after {
                Error::Truncated { chunks: index + 1 }
            } else {
                Error::ChunkAuthentication { index }
            });
        }
        writer.write_all(body)?;
        index += 1;
        if last {
            writer.flush()?;
            return Ok(index);
        }
        std::mem::swap(&mut current, &mut next);
        current_len = next_len;
    }
}

/// Fills `buffer` unless the stream ends first; returns the bytes read.
fn read_up_to(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SMALL_CHUNK: u32 = 64;

    fn key() -> SecretKey {
        SecretKey::from_bytes(&[3; 16])
    }

    fn encrypt_small(plaintext: &[u8]) -> Vec<u8> {
        let crypto = SoftwareProvider::new(Algorithm::Sm4, &key()).unwrap();
        let mut encrypted = Vec::new();
        encrypt_with(
            plaintext,
            &mut encrypted,
            &crypto,
            "masking-2024",
            SMALL_CHUNK,
        )
        .unwrap();
        encrypted
    }

    fn decrypt(encrypted: &[u8]) -> Result<Vec<u8>> {
        let mut plaintext = Vec::new();
        decrypt_stream(encrypted, &mut plaintext, &key())?;
        Ok(plaintext)
    }

    fn header_len() -> usize {
        MAGIC.len() + 3 + "masking-2024".len() + 4 + NONCE_LEN
    }

    #[test]
    fn round_trip_at_chunk_edges() {
        let chunk = SMALL_CHUNK as usize;
        for size in [0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk, 10 * chunk + 7] {
            let plaintext: Vec<u8> = (0..size).map(|n| n as u8).collect();
            let encrypted = encrypt_small(&plaintext);
            let chunks = size.div_ceil(chunk).max(1);
            assert_eq!(
                encrypted.len(),
                header_len() + size + chunks * TAG_LEN,
                "size {size}"
            );
            assert_eq!(decrypt(&encrypted).unwrap(), plaintext, "size {size}");
        }
    }

    #[test]
    fn default_chunks_and_aes_round_trip() {
        let plaintext = vec![0x5a; DEFAULT_CHUNK_SIZE as usize * 2 + 5];
        for algorithm in [Algorithm::Sm4, Algorithm::Aes256] {
            let key = SecretKey::from_bytes(&vec![1; algorithm.key_len()]);
            let mut encrypted = Vec::new();
            let chunks =
                encrypt_stream(&plaintext[..], &mut encrypted, &key, "k1", algorithm).unwrap();
            assert_eq!(chunks, 3);
            let mut decrypted = Vec::new();
            let header = decrypt_stream(&encrypted[..], &mut decrypted, &key).unwrap();
            assert_eq!(
                (header.algorithm, header.key_id.as_str()),
                (algorithm, "k1")
            );
            assert_eq!(decrypted, plaintext);
        }
    }

    #[test]
    fn flipped_bits_fail_at_their_chunk() {
        let chunk = SMALL_CHUNK as usize;
        let record = chunk + TAG_LEN;
        let encrypted = encrypt_small(&vec![7u8; 3 * chunk + 10]);
        let header = header_len();
        let cases = [
            (header - 1, 0),              // base nonce
            (MAGIC.len() + 3, 0),         // key id
            (header, 0),                  // first chunk body
            (header + record - 1, 0),     // first chunk tag
            (header + record + 5, 1),     // second chunk
            (header + 3 * record + 2, 3), // last, short chunk
            (encrypted.len() - 1, 3),     // last tag
        ];
        for (position, chunk_index) in cases {
            let mut altered = encrypted.clone();
            altered[position] ^= 0x01;
            match decrypt(&altered) {
                Err(Error::ChunkAuthentication { index }) => {
                    assert_eq!(index, chunk_index, "byte {position}")
                }
                other => panic!("byte {position}: {other:?}"),
            }
        }
        for position in [0, MAGIC.len(), MAGIC.len() + 1] {
            let mut altered = encrypted.clone();
            altered[position] ^= 0x01;
            assert!(
                matches!(decrypt(&altered), Err(Error::Header(_))),
                "byte {position}"
            );
        }
    }

    #[test]
    fn truncation_and_reordering_are_detected() {
        let chunk = SMALL_CHUNK as usize;
        let record = chunk + TAG_LEN;
        let encrypted = encrypt_small(&vec![9u8; 3 * chunk + 10]);
        let header = header_len();
        for kept in 1..=3 {
            let cut = &encrypted[..header + kept * record];
            assert!(
                matches!(decrypt(cut), Err(Error::Truncated { chunks }) if chunks == kept as u64)
            );
        }
        assert!(matches!(
            decrypt(&encrypted[..header]),
            Err(Error::Truncated { chunks: 0 })
        ));
        assert!(matches!(
            decrypt(&encrypted[..header + 5]),
            Err(Error::Truncated { chunks: 0 })
        ));
        assert!(matches!(
            decrypt(&encrypted[..header - 1]),
            Err(Error::Header(_))
        ));

        let mut swapped = encrypted.clone();
        let (first, second) = (
            header..header + record,
            header + record..header + 2 * record,
        );
        swapped[first.clone()].copy_from_slice(&encrypted[second.clone()]);
        swapped[second].copy_from_slice(&encrypted[first]);
        assert!(matches!(
            decrypt(&swapped),
            Err(Error::ChunkAuthentication { index: 0 })
        ));
    }

    #[test]
    fn wrong_key_fails_at_the_first_chunk() {
        let encrypted = encrypt_small(b"secret");
        let mut plaintext = Vec::new();
        let error = decrypt_stream(
            &encrypted[..],
            &mut plaintext,
            &SecretKey::from_bytes(&[4; 16]),
        );
        assert!(matches!(
            error,
            Err(Error::ChunkAuthentication { index: 0 })
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_flipped_bit_fails(
            plaintext in proptest::collection::vec(any::<u8>(), 0..300),
            position in any::<prop::sample::Index>(),
            bit in 0u8..8,
        ) {
            let encrypted = encrypt_small(&plaintext);
            prop_assert_eq!(decrypt(&encrypted).unwrap(), plaintext);
            let mut altered = encrypted.clone();
            altered[position.index(encrypted.len())] ^= 1 << bit;
            prop_assert!(decrypt(&altered).is_err());
        }
    }
}
