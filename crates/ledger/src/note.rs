//! Keys, signed notes and checkpoints in the C2SP formats.
//!
//! * Verifier key: `name+hex(keyid)+base64(type || public key)`; private key:
//!   `PRIVATE+KEY+name+hex(keyid)+base64(type || secret)` (the Go `sumdb/note` encodings).
//! * Key ID: the first 4 bytes of `SHA-256(name || 0x0A || type || public key)`.
//! * Types: Ed25519 is `0x01` as in C2SP; SM2 has no assigned byte, so it uses the `0xFF`
//!   escape followed by the ASCII label `shuan/sm2` (SM2 with SM3, the default ID
//!   `1234567812345678`, public key as 65-byte uncompressed SEC1).
//! * Checkpoint body (C2SP tlog-checkpoint): origin line, decimal tree size, base64 root hash.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::Signer as _;
use sha2::{Digest, Sha256};
use sm2::dsa::signature::Verifier as _;

use crate::error::Error;
use crate::hash::{Hash, to_hex};

const ED25519_TYPE: &[u8] = &[0x01];
const SM2_TYPE: &[u8] = b"\xffshuan/sm2";
/// The default distinguishing identifier of GB/T 35276 (SM2 signature usage).
const SM2_DISTINGUISHING_ID: &str = "1234567812345678";
const SIGNATURE_LINE_PREFIX: &str = "\u{2014} ";

/// The signature algorithm of a log's checkpoints. Recorded in the log header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// GB/T 32918 SM2 with SM3, the default.
    Sm2,
    /// Ed25519 (RFC 8032), the C2SP default, for interoperability.
    Ed25519,
}

impl SignatureAlgorithm {
    pub fn name(self) -> &'static str {
        match self {
            SignatureAlgorithm::Sm2 => "sm2",
            SignatureAlgorithm::Ed25519 => "ed25519",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "sm2" => Some(SignatureAlgorithm::Sm2),
            "ed25519" => Some(SignatureAlgorithm::Ed25519),
            _ => None,
        }
    }

    fn type_id(self) -> &'static [u8] {
        match self {
            SignatureAlgorithm::Sm2 => SM2_TYPE,
            SignatureAlgorithm::Ed25519 => ED25519_TYPE,
        }
    }
}

fn key_id(name: &str, type_and_public_key: &[u8]) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    hasher.update(type_and_public_key);
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// A key name must be non-empty and hold no whitespace or `+` (the key encodings split on `+`).
fn check_key_name(name: &str) -> Result<(), Error> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(Error::Key(format!(
            "key name {name:?} must be non-empty without spaces or '+'"
        )));
    }
    Ok(())
}

enum SecretKey {
    Sm2(Box<sm2::dsa::SigningKey>),
    Ed25519(Box<ed25519_dalek::SigningKey>),
}

/// A private key that signs checkpoints.
pub struct NoteSigner {
    name: String,
    secret: SecretKey,
    verifier: NoteVerifier,
}

impl NoteSigner {
    /// Generates a new key from the operating system's random source.
    pub fn generate(name: &str, algorithm: SignatureAlgorithm) -> Result<Self, Error> {
        check_key_name(name)?;
        loop {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| Error::Key(format!("random source: {e}")))?;
            // A random 32-byte string is a valid SM2 scalar except with negligible probability.
            if let Ok(signer) = Self::from_secret(name, algorithm, &seed) {
                return Ok(signer);
            }
        }
    }

    fn from_secret(
        name: &str,
        algorithm: SignatureAlgorithm,
        secret: &[u8],
    ) -> Result<Self, Error> {
        let (secret, public_key) = match algorithm {
            SignatureAlgorithm::Sm2 => {
                let key = sm2::dsa::SigningKey::from_slice(SM2_DISTINGUISHING_ID, secret)
                    .map_err(|_| Error::Key("invalid SM2 secret key".into()))?;
                let public_key = key.verifying_key().to_sec1_bytes().to_vec();
                (SecretKey::Sm2(Box::new(key)), public_key)
            }
            SignatureAlgorithm::Ed25519 => {
                let bytes: [u8; 32] = secret
                    .try_into()
                    .map_err(|_| Error::Key("an Ed25519 secret key has 32 bytes".into()))?;
                let key = ed25519_dalek::SigningKey::from_bytes(&bytes);
                let public_key = key.verifying_key().to_bytes().to_vec();
                (SecretKey::Ed25519(Box::new(key)), public_key)
            }
        };
        let verifier = NoteVerifier::from_public_key(name, algorithm, &public_key)?;
        Ok(NoteSigner {
            name: name.to_owned(),
            secret,
            verifier,
        })
    }

    /// Parses `PRIVATE+KEY+name+hex(keyid)+base64(type || secret)`.
    pub fn from_text(text: &str) -> Result<Self, Error> {
        let rest = text
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| Error::Key("a private key starts with PRIVATE+KEY+".into()))?;
        let (name, id_hex, data) = split_key_text(rest)?;
        let (algorithm, secret) = split_type(&data)?;
        let signer = Self::from_secret(name, algorithm, secret)?;
        if to_hex(&signer.verifier.key_id) != id_hex {
            return Err(Error::Key(
                "the private key's ID does not match its key".into(),
            ));
        }
        Ok(signer)
    }

    /// The private key text; write it to a file only the owner can read.
    pub fn to_text(&self) -> String {
        let secret = match &self.secret {
            SecretKey::Sm2(key) => key.to_bytes().to_vec(),
            SecretKey::Ed25519(key) => key.to_bytes().to_vec(),
        };
        let mut data = self.verifier.algorithm.type_id().to_vec();
        data.extend_from_slice(&secret);
        format!(
            "PRIVATE+KEY+{}+{}+{}",
            self.name,
            to_hex(&self.verifier.key_id),
            BASE64.encode(data)
        )
    }

    pub fn verifier(&self) -> &NoteVerifier {
        &self.verifier
    }

    /// Signs a note text (which must end in a newline) and returns the whole signed note.
    pub fn sign_note(&self, text: &str) -> Result<String, Error> {
        check_note_text(text)?;
        let signature = match &self.secret {
            SecretKey::Sm2(key) => {
                let signature: sm2::dsa::Signature = key.sign(text.as_bytes());
                signature.to_bytes().to_vec()
            }
            SecretKey::Ed25519(key) => key.sign(text.as_bytes()).to_bytes().to_vec(),
        };
        let mut blob = self.verifier.key_id.to_vec();
        blob.extend_from_slice(&signature);
        Ok(format!(
            "{text}\n{SIGNATURE_LINE_PREFIX}{} {}\n",
            self.name,
            BASE64.encode(blob)
        ))
    }
}

fn split_key_text(text: &str) -> Result<(&str, &str, Vec<u8>), Error> {
    // Base64 uses '+' itself, so only the first two '+' separate fields.
    let mut fields = text.splitn(3, '+');
    let (Some(name), Some(id_hex), Some(data)) = (fields.next(), fields.next(), fields.next())
    else {
        return Err(Error::Key("a key has the form name+keyid+base64".into()));
    };
    check_key_name(name)?;
    let data = BASE64
        .decode(data)
        .map_err(|e| Error::Key(format!("key data is not base64: {e}")))?;
    Ok((name, id_hex, data))
}

fn split_type(data: &[u8]) -> Result<(SignatureAlgorithm, &[u8]), Error> {
    for algorithm in [SignatureAlgorithm::Sm2, SignatureAlgorithm::Ed25519] {
        if let Some(rest) = data.strip_prefix(algorithm.type_id()) {
            return Ok((algorithm, rest));
        }
    }
    Err(Error::Key(
        "unknown key type (expected Ed25519 0x01 or SM2 0xFF shuan/sm2)".into(),
    ))
}

fn check_note_text(text: &str) -> Result<(), Error> {
    if !text.ends_with('\n') || text.contains("\n\n") {
        return Err(Error::Note(
            "a note text ends in a newline and holds no blank line".into(),
        ));
    }
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(Error::Note(
            "a note holds no control characters but newline".into(),
        ));
    }
    Ok(())
}

#[derive(Clone)]
enum PublicKey {
    Sm2(Box<sm2::dsa::VerifyingKey>),
    Ed25519(ed25519_dalek::VerifyingKey),
}

/// A public key that verifies checkpoints.
#[derive(Clone)]
pub struct NoteVerifier {
    name: String,
    algorithm: SignatureAlgorithm,
    key_id: [u8; 4],
    public_key_bytes: Vec<u8>,
    public_key: PublicKey,
}

impl std::fmt::Debug for NoteVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl NoteVerifier {
    fn from_public_key(
        name: &str,
        algorithm: SignatureAlgorithm,
        public_key_bytes: &[u8],
    ) -> Result<Self, Error> {
        check_key_name(name)?;
        let public_key = match algorithm {
            SignatureAlgorithm::Sm2 => PublicKey::Sm2(Box::new(
                sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DISTINGUISHING_ID, public_key_bytes)
                    .map_err(|_| Error::Key("invalid SM2 public key".into()))?,
            )),
            SignatureAlgorithm::Ed25519 => {
                let bytes: [u8; 32] = public_key_bytes
                    .try_into()
                    .map_err(|_| Error::Key("an Ed25519 public key has 32 bytes".into()))?;
                PublicKey::Ed25519(
                    ed25519_dalek::VerifyingKey::from_bytes(&bytes)
                        .map_err(|_| Error::Key("invalid Ed25519 public key".into()))?,
                )
            }
        };
        let mut typed = algorithm.type_id().to_vec();
        typed.extend_from_slice(public_key_bytes);
        Ok(NoteVerifier {
            name: name.to_owned(),
            algorithm,
            key_id: key_id(name, &typed),
            public_key_bytes: public_key_bytes.to_vec(),
            public_key,
        })
    }

    /// Parses `name+hex(keyid)+base64(type || public key)`.
    pub fn from_text(text: &str) -> Result<Self, Error> {
        let (name, id_hex, data) = split_key_text(text.trim())?;
        let (algorithm, public_key) = split_type(&data)?;
        let verifier = Self::from_public_key(name, algorithm, public_key)?;
        if to_hex(&verifier.key_id) != id_hex.to_ascii_lowercase() {
            return Err(Error::Key(format!(
                "key ID {id_hex} does not match the key (expected {})",
                to_hex(&verifier.key_id)
            )));
        }
        Ok(verifier)
    }

    pub fn to_text(&self) -> String {
        let mut data = self.algorithm.type_id().to_vec();
        data.extend_from_slice(&self.public_key_bytes);
        format!(
            "{}+{}+{}",
            self.name,
            to_hex(&self.key_id),
            BASE64.encode(data)
        )
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    pub fn key_id_hex(&self) -> String {
        to_hex(&self.key_id)
    }

    /// Opens a signed note: returns its text when a signature line of this key verifies.
    /// Lines of other keys are ignored, as C2SP requires.
    pub fn open_note<'a>(&self, note: &'a str) -> Result<&'a str, Error> {
        let split = note
            .rfind("\n\n")
            .ok_or_else(|| Error::Note("no blank line before the signatures".into()))?;
        let text = &note[..=split];
        check_note_text(text)?;
        let signatures = &note[split + 2..];
        if !signatures.ends_with('\n') {
            return Err(Error::Note("the last signature line has no newline".into()));
        }
        for line in signatures.lines() {
            let Some(rest) = line.strip_prefix(SIGNATURE_LINE_PREFIX) else {
                return Err(Error::Note(format!("malformed signature line {line:?}")));
            };
            let Some((name, encoded)) = rest.split_once(' ') else {
                return Err(Error::Note(format!("malformed signature line {line:?}")));
            };
            let blob = BASE64
                .decode(encoded)
                .map_err(|_| Error::Note(format!("signature of {name} is not base64")))?;
            if name != self.name || blob.len() < 4 || blob[..4] != self.key_id {
                continue;
            }
            return if self.verify_signature(text.as_bytes(), &blob[4..]) {
                Ok(text)
            } else {
                Err(Error::Note(format!(
                    "the signature of {name} (key {}) does not verify",
                    self.key_id_hex()
                )))
            };
        }
        Err(Error::Note(format!(
            "no signature by {} (key {})",
            self.name,
            self.key_id_hex()
        )))
    }

    fn verify_signature(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.public_key {
            PublicKey::Sm2(key) => sm2::dsa::Signature::from_slice(signature)
                .is_ok_and(|signature| key.verify(message, &signature).is_ok()),
            PublicKey::Ed25519(key) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|signature| key.verify_strict(message, &signature).is_ok()),
        }
    }
}

/// A signed tree head: origin, size and root, with the signed note it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// The whole signed note, as stored and exported.
    pub note: String,
}

/// The checkpoint body: `origin\nsize\nbase64(root)\n`.
pub fn checkpoint_text(origin: &str, size: u64, root: &Hash) -> String {
    format!("{origin}\n{size}\n{}\n", BASE64.encode(root))
}

impl Checkpoint {
    /// Signs a checkpoint.
    pub fn sign(signer: &NoteSigner, origin: &str, size: u64, root: Hash) -> Result<Self, Error> {
        let note = signer.sign_note(&checkpoint_text(origin, size, &root))?;
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            note,
        })
    }

    /// Verifies the note's signature with `verifier` and parses its body.
    pub fn open(note: &str, verifier: &NoteVerifier) -> Result<Self, Error> {
        let text = verifier.open_note(note)?;
        let mut lines = text.lines();
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(Error::Note(
                "a checkpoint has an origin, a size and a root hash line".into(),
            ));
        };
        let size = size
            .parse()
            .map_err(|_| Error::Note(format!("tree size {size:?} is not a number")))?;
        let root: Hash = BASE64
            .decode(root)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| Error::Note("root hash is not 32 bytes of base64".into()))?;
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            note: note.to_owned(),
        })
    }
}
