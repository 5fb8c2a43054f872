//! Protection of sensitive values: masking operators, FF1 format-preserving
//! encryption that keeps entity validity, policies, and chunked SM4-GCM file
//! encryption, and watermarks that trace a leaked table to its recipient ([`watermark`]).
//! File-format independent: callers hand in values, rows, columns or streams.

mod date;
mod entity;
mod error;
mod fake;
mod ff1;
mod fpe;
mod key;
mod operator;
mod partial;
mod policy;
mod provider;
mod stream;
pub mod watermark;

pub use entity::{ENTITIES, is_known_entity};
/// The proleptic Gregorian calendar the date operators use, for callers that turn dates
/// into days (the platform's deadlines).
pub use entity::{days_from_civil, is_valid_date};
pub use error::{Error, Result};
pub use ff1::{Ff1, MIN_DOMAIN};
pub use fpe::Alphabet;
pub use key::SecretKey;
pub use operator::{DatePrecision, Operator};
pub use policy::Policy;
pub use provider::{Algorithm, CryptoProvider, NONCE_LEN, SoftwareProvider, TAG_LEN, sm3_digest};
pub use stream::{
    DEFAULT_CHUNK_SIZE, FORMAT_VERSION, FileHeader, MAGIC, decrypt_stream, decrypt_with,
    encrypt_stream, encrypt_with,
};
