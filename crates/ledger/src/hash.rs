//! Hash algorithms and the RFC 6962 leaf/node hashing rules.

use sha2::{Digest, Sha256};
use sm3::Sm3;

/// Every supported hash has a 32-byte output, so one fixed-size type serves both.
pub type Hash = [u8; 32];

/// Domain-separation prefix of a leaf hash (RFC 6962 §2.1), so a leaf can never pose as a node.
const LEAF_PREFIX: u8 = 0x00;
/// Domain-separation prefix of an interior node hash (RFC 6962 §2.1).
const NODE_PREFIX: u8 = 0x01;

/// The hash the Merkle tree is built with. Recorded in the log header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// GB/T 32905 SM3, the default.
    Sm3,
    /// SHA-256, for interoperability with RFC 6962 tooling.
    Sha256,
}

impl HashAlgorithm {
    /// The name used in headers, bundles and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sm3 => "sm3",
            HashAlgorithm::Sha256 => "sha256",
        }
    }

    /// Parses a name written by [`HashAlgorithm::name`] (case-insensitive, `sha-256` accepted).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "sm3" => Some(HashAlgorithm::Sm3),
            "sha256" | "sha-256" => Some(HashAlgorithm::Sha256),
            _ => None,
        }
    }

    fn digest(self, prefix: Option<u8>, parts: &[&[u8]]) -> Hash {
        fn run<D: Digest>(prefix: Option<u8>, parts: &[&[u8]]) -> Hash {
            let mut hasher = D::new();
            if let Some(prefix) = prefix {
                hasher.update([prefix]);
            }
            for part in parts {
                hasher.update(part);
            }
            let mut out = [0u8; 32];
            out.copy_from_slice(&hasher.finalize());
            out
        }
        match self {
            HashAlgorithm::Sm3 => run::<Sm3>(prefix, parts),
            HashAlgorithm::Sha256 => run::<Sha256>(prefix, parts),
        }
    }

    /// The root of the empty tree: the hash of the empty string (RFC 6962 §2.1).
    pub fn empty_root(self) -> Hash {
        self.digest(None, &[])
    }

    /// `H(0x00 || entry)`.
    pub fn leaf_hash(self, entry: &[u8]) -> Hash {
        self.digest(Some(LEAF_PREFIX), &[entry])
    }

    /// `H(0x01 || left || right)`.
    pub fn node_hash(self, left: &Hash, right: &Hash) -> Hash {
        self.digest(Some(NODE_PREFIX), &[left, right])
    }

    /// Leaf hashes of many entries: `out[i] = H(0x00 || entries[i])`. SM3 hashes sixteen
    /// entries at once where the CPU allows it (see `sm3x16`).
    pub(crate) fn leaf_hashes(self, entries: &[&[u8]], out: &mut [Hash]) {
        match self {
            HashAlgorithm::Sm3 => crate::sm3x16::leaf_hashes(entries, out),
            HashAlgorithm::Sha256 => {
                for (entry, hash) in entries.iter().zip(out.iter_mut()) {
                    *hash = self.leaf_hash(entry);
                }
            }
        }
    }

    /// One tree level up: `parents[i] = H(0x01 || children[2i] || children[2i+1])`.
    pub(crate) fn node_level(self, children: &[Hash], parents: &mut [Hash]) {
        match self {
            HashAlgorithm::Sm3 => crate::sm3x16::node_hashes(children, parents),
            HashAlgorithm::Sha256 => {
                for (parent, pair) in parents.iter_mut().zip(children.chunks_exact(2)) {
                    *parent = self.node_hash(&pair[0], &pair[1]);
                }
            }
        }
    }
}

/// Lower-case hex, for reports and JSON.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 0x0f)] as char);
    }
    out
}

/// Parses hex written by [`to_hex`] (either case).
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| {
            let high = char::from(pair[0]).to_digit(16)?;
            let low = char::from(pair[1]).to_digit(16)?;
            Some((high * 16 + low) as u8)
        })
        .collect()
}

/// Parses a 32-byte hash written in hex.
pub fn hash_from_hex(text: &str) -> Option<Hash> {
    from_hex(text)?.try_into().ok()
}
