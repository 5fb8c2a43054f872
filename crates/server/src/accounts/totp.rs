//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 6 digits, 30-second
//! steps, accepted one step either side of now for clock drift. SHA1 is what authenticator
//! apps implement; HMAC-SHA1 is not weakened by SHA1's collision attacks.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Seconds per time step.
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Bytes of a new secret (160 bits, RFC 4226's recommendation).
pub const SECRET_BYTES: usize = 20;

/// The HOTP value of `counter` under `secret`, `digits` long (RFC 4226 §5.3).
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac =
        <Hmac<Sha1> as KeyInit>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    // Dynamic truncation: the low nibble of the last byte picks four bytes.
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let truncated = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    truncated % 10u32.pow(digits)
}

/// The time step a Unix time falls in.
pub fn step_at(unix_seconds: i64) -> u64 {
    u64::try_from(unix_seconds.div_euclid(STEP_SECONDS)).unwrap_or(0)
}

/// The code for a Unix time, zero-padded.
pub fn code_at(secret: &[u8], unix_seconds: i64) -> String {
    format_code(hotp(secret, step_at(unix_seconds), DIGITS))
}

fn format_code(value: u32) -> String {
    format!("{value:0width$}", width = DIGITS as usize)
}

/// The step `code` is valid for, among now and one step either side, that is later than
/// `last_used_step` (a step once used cannot be replayed); `None` if there is none.
pub fn verify(secret: &[u8], code: &str, unix_seconds: i64, last_used_step: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(unix_seconds);
    // Every candidate is compared (no early exit), each in constant time.
    let mut found = None;
    for step in [now.saturating_sub(1), now, now + 1] {
        let expected = format_code(hotp(secret, step, DIGITS));
        if crate::auth::same_secret(&expected, code) && step > last_used_step && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// RFC 4648 base32 without padding, as authenticator apps take secrets.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The `otpauth://` URI an authenticator app imports (Google Authenticator's key URI format).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let mut uri = url::Url::parse("otpauth://totp/").expect("a constant URL");
    uri.path_segments_mut()
        .expect("otpauth URLs have a path")
        .push(&format!("{issuer}:{account}"));
    uri.query_pairs_mut()
        .append_pair("secret", &base32(secret))
        .append_pair("issuer", issuer)
        .append_pair("algorithm", "SHA1")
        .append_pair("digits", &DIGITS.to_string())
        .append_pair("period", &STEP_SECONDS.to_string());
    uri.into()
}

/// `text` as a QR code in SVG markup, four modules of quiet zone around it. The markup is
/// built from the module grid alone (no text of the input appears in it), so a page may
/// include it unescaped; it is an element, not an image, so the CSP needs no change.
pub fn qr_svg(text: &str) -> Option<String> {
    let qr = qrcodegen::QrCode::encode_text(text, qrcodegen::QrCodeEcc::Medium).ok()?;
    let size = qr.size();
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                path += &format!("M{},{}h1v1h-1z", x + 4, y + 4);
            }
        }
    }
    let side = size + 8;
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" width=\"220\" height=\"220\" role=\"img\" aria-label=\"QR\" shape-rendering=\"crispEdges\"><rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, the SHA1 rows: the 20-byte ASCII secret, 8-digit codes.
    #[test]
    fn rfc6238_sha1_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, expected) in [
            (59, 94287082),
            (1_111_111_109, 7081804),
            (1_111_111_111, 14050471),
            (1_234_567_890, 89005924),
            (2_000_000_000, 69279037),
            (20_000_000_000, 65353130),
        ] {
            assert_eq!(hotp(secret, step_at(time), 8), expected, "T = {time}");
        }
        // The 6-digit code is the same value's last six digits.
        assert_eq!(code_at(secret, 1_111_111_109), "081804");
    }

    /// RFC 4226 Appendix D: HOTP values for counters 0..9.
    #[test]
    fn rfc4226_hotp_test_vectors() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, value) in expected.into_iter().enumerate() {
            assert_eq!(hotp(b"12345678901234567890", counter as u64, 6), value);
        }
    }

    #[test]
    fn codes_are_accepted_one_step_either_side_and_never_twice() {
        let secret = b"12345678901234567890";
        let now = 1_700_000_015;
        let step = step_at(now);
        let previous = code_at(secret, now - STEP_SECONDS);
        let next = code_at(secret, now + STEP_SECONDS);
        assert_eq!(verify(secret, &previous, now, 0), Some(step - 1));
        assert_eq!(verify(secret, &next, now, 0), Some(step + 1));
        assert_eq!(
            verify(secret, &code_at(secret, now - 2 * STEP_SECONDS), now, 0),
            None
        );
        assert_eq!(
            verify(secret, &code_at(secret, now + 2 * STEP_SECONDS), now, 0),
            None
        );
        // Replay: the step already used, or an older one, is refused.
        let current = code_at(secret, now);
        assert_eq!(verify(secret, &current, now, step), None);
        assert_eq!(verify(secret, &previous, now, step - 1), None);
        assert_eq!(verify(secret, &next, now, step), Some(step + 1));
        // Not six digits: refused before any comparison.
        for malformed in ["", "12345", "1234567", "12345a", "１２３４５６"] {
            assert_eq!(verify(secret, malformed, now, 0), None);
        }
        assert_eq!(verify(b"another secret", &current, now, 0), None);
    }

    #[test]
    fn qr_codes_are_svg_of_the_module_grid_only() {
        let uri = otpauth_uri("Shuan", "officer_a", b"12345678901234567890");
        let svg = qr_svg(&uri).unwrap();
        let qr = qrcodegen::QrCode::encode_text(&uri, qrcodegen::QrCodeEcc::Medium).unwrap();
        let side = qr.size() + 8;
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert!(svg.contains(&format!("viewBox=\"0 0 {side} {side}\"")));
        // One square per dark module; the top-left finder's corner is dark.
        let dark = (0..qr.size())
            .flat_map(|y| (0..qr.size()).map(move |x| (x, y)))
            .filter(|&(x, y)| qr.get_module(x, y))
            .count();
        assert_eq!(svg.matches('z').count(), dark);
        assert!(svg.contains("M4,4h1v1h-1z"));
        assert!(!svg.contains("officer_a") && !svg.contains("GEZDGNBV"));
    }

    #[test]
    fn base32_matches_rfc4648() {
        for (input, expected) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(input.as_bytes()), expected);
        }
    }

    #[test]
    fn otpauth_uri_names_issuer_account_and_parameters() {
        let uri = otpauth_uri("Shuan", "li an", b"12345678901234567890");
        assert_eq!(
            uri,
            "otpauth://totp/Shuan:li%20an?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Shuan&algorithm=SHA1&digits=6&period=30"
        );
    }
}
