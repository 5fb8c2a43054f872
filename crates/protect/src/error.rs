use thiserror::Error;

/// Everything that can go wrong while protecting a value, a column or a file.
///
/// No variant ever carries key material; variants that carry a value carry only
/// its length or its entity, because the value itself is sensitive.
#[derive(Debug, Error)]
pub enum Error {
    #[error("key: {0}")]
    Key(String),

    #[error(
        "FPE domain too small: {radix}^{length} < 1000000; FF1 needs at least a million values"
    )]
    DomainTooSmall { radix: u32, length: usize },

    #[error(
        "FPE input too long: {length} symbols of radix {radix} exceed this FF1's 96-bit half limit"
    )]
    InputTooLong { radix: u32, length: usize },

    #[error("FPE radix {0} is outside 2..=256")]
    Radix(u32),

    #[error("value is not a valid {entity}: {reason}")]
    InvalidValue { entity: String, reason: String },

    #[error("operator `{operator}` cannot be applied here: {reason}")]
    Unsupported { operator: String, reason: String },

    #[error("policy: {0}")]
    Policy(String),

    #[error("encrypted file header: {0}")]
    Header(String),

    #[error(
        "chunk {index} failed authentication: the file was altered, reordered or encrypted with another key"
    )]
    ChunkAuthentication { index: u64 },

    #[error(
        "file is truncated: it ends after {chunks} complete chunk(s); the chunks after them are missing"
    )]
    Truncated { chunks: u64 },

    #[error("watermark: {0}")]
    Watermark(String),

    #[error("AEAD operation failed")]
    Aead,

    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid(entity: &str, reason: impl Into<String>) -> Self {
        Error::InvalidValue {
            entity: entity.to_owned(),
            reason: reason.into(),
        }
    }
}
