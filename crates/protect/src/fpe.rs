//! Format-preserving encryption of whole values, per entity, keeping validity:
//! a resident id keeps its region, decade and gender and gets a real date and a
//! correct check digit; a bank card keeps its BIN and passes Luhn; a mobile keeps
//! its real prefix. Separators (spaces, dashes) stay where they were.

use serde::{Deserialize, Serialize};

use crate::entity::{
    civil_from_days, days_from_civil, is_valid_date, luhn_check_digit, resident_id_check,
};
use crate::error::{Error, Result};
use crate::ff1::{Ff1, MIN_DOMAIN};
use crate::provider::CryptoProvider;

/// The symbols a generic FPE rewrites; every other character stays in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Alphabet {
    /// `0-9`.
    Digits,
    /// `0-9a-z`, case-insensitive; the output takes the input's case (upper when
    /// it has upper-case letters and no lower-case ones), so letter case is the
    /// one thing a round trip may not restore.
    Alphanumeric,
    /// `0-9a-f`, case-insensitive like `Alphanumeric`.
    Hex,
}

impl Alphabet {
    fn radix(self) -> u32 {
        match self {
            Alphabet::Digits => 10,
            Alphabet::Alphanumeric => 36,
            Alphabet::Hex => 16,
        }
    }

    fn numeral(self, symbol: char) -> Option<u8> {
        let value = symbol.to_ascii_lowercase().to_digit(36)?;
        (value < self.radix()).then_some(value as u8)
    }

    fn symbol(numeral: u8, upper: bool) -> char {
        let symbol = char::from_digit(u32::from(numeral), 36).unwrap_or('0');
        if upper {
            symbol.to_ascii_uppercase()
        } else {
            symbol
        }
    }

    /// The alphabet a generic FPE uses for an entity when the policy names none.
    pub fn default_for(entity: Option<&str>) -> Self {
        match entity {
            Some("mac_address") => Alphabet::Hex,
            Some("vin" | "cn_license_plate" | "cn_uscc" | "email") => Alphabet::Alphanumeric,
            _ => Alphabet::Digits,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Encrypt,
    Decrypt,
}

/// Encrypts `value` keeping its entity's format and validity.
///
/// `alphabet` only matters for entities without a dedicated scheme.
pub fn encrypt(
    crypto: &dyn CryptoProvider,
    value: &str,
    entity: Option<&str>,
    alphabet: Option<Alphabet>,
) -> Result<String> {
    transform(crypto, value, entity, alphabet, Direction::Encrypt)
}

/// Reverses [`encrypt`] given the same key, entity and alphabet.
pub fn decrypt(
    crypto: &dyn CryptoProvider,
    value: &str,
    entity: Option<&str>,
    alphabet: Option<Alphabet>,
) -> Result<String> {
    transform(crypto, value, entity, alphabet, Direction::Decrypt)
}

fn transform(
    crypto: &dyn CryptoProvider,
    value: &str,
    entity: Option<&str>,
    alphabet: Option<Alphabet>,
    direction: Direction,
) -> Result<String> {
    match entity {
        Some("cn_resident_id") => resident_id(crypto, value, direction),
        Some("bank_card") => luhn_number(crypto, value, "bank_card", 6, 13..=19, direction),
        Some("imei") => luhn_number(crypto, value, "imei", 8, 15..=15, direction),
        Some("cn_mobile") => mobile(crypto, value, direction),
        Some("ipv4") => ipv4(crypto, value, direction),
        Some("email") => email(crypto, value, direction),
        Some("person_name" | "address" | "org_name" | "ethnicity" | "gender") => {
            Err(Error::Unsupported {
                operator: "fpe".into(),
                reason: format!(
                    "{} has no format to preserve; use substitute or keyed_hash",
                    entity.unwrap_or_default()
                ),
            })
        }
        _ => {
            let alphabet = alphabet.unwrap_or(Alphabet::default_for(entity));
            let tweak = entity.unwrap_or("generic").as_bytes();
            generic(crypto, value, alphabet, tweak, direction)
        }
    }
}

fn run(ff1: &Ff1<'_>, tweak: &[u8], numerals: &[u8], direction: Direction) -> Result<Vec<u8>> {
    match direction {
        Direction::Encrypt => ff1.encrypt(tweak, numerals),
        Direction::Decrypt => ff1.decrypt(tweak, numerals),
    }
}

/// Rewrites the alphabet's symbols of `value` with FF1, leaving other characters.
fn generic(
    crypto: &dyn CryptoProvider,
    value: &str,
    alphabet: Alphabet,
    tweak: &[u8],
    direction: Direction,
) -> Result<String> {
    let numerals: Vec<u8> = value.chars().filter_map(|c| alphabet.numeral(c)).collect();
    let upper = value.chars().any(|c| c.is_ascii_uppercase())
        && !value.chars().any(|c| c.is_ascii_lowercase());
    let ff1 = Ff1::new(crypto, alphabet.radix())?;
    let mut output = run(&ff1, tweak, &numerals, direction)?.into_iter();
    Ok(value
        .chars()
        .map(|c| match alphabet.numeral(c) {
            Some(_) => Alphabet::symbol(output.next().unwrap_or(0), upper),
            None => c,
        })
        .collect())
}

/// Puts `digits` (ASCII) back into the digit positions of `value`.
fn replace_digits(value: &str, digits: &[u8]) -> String {
    let mut replacement = digits.iter();
    value
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                replacement.next().map_or(c, |&digit| char::from(digit))
            } else {
                c
            }
        })
        .collect()
}

fn ascii_digits(value: &str) -> Vec<u8> {
    value.bytes().filter(u8::is_ascii_digit).collect()
}

fn to_numerals(digits: &[u8]) -> Vec<u8> {
    digits.iter().map(|digit| digit - b'0').collect()
}

fn to_ascii(numerals: &[u8]) -> Vec<u8> {
    numerals.iter().map(|numeral| numeral + b'0').collect()
}

/// Keeps the first `kept` digits (BIN, TAC), encrypts the digits between them and
/// the Luhn check digit, and recomputes the check digit.
fn luhn_number(
    crypto: &dyn CryptoProvider,
    value: &str,
    entity: &str,
    kept: usize,
    lengths: std::ops::RangeInclusive<usize>,
    direction: Direction,
) -> Result<String> {
    let mut digits = ascii_digits(value);
    if !lengths.contains(&digits.len()) {
        return Err(Error::invalid(entity, format!("needs {lengths:?} digits")));
    }
    let check_position = digits.len() - 1;
    if luhn_check_digit(&digits[..check_position]) != digits[check_position] {
        return Err(Error::invalid(entity, "Luhn check digit does not match"));
    }
    let mut tweak = entity.as_bytes().to_vec();
    tweak.extend_from_slice(&digits[..kept]);
    let ff1 = Ff1::new(crypto, 10)?;
    let middle = run(
        &ff1,
        &tweak,
        &to_numerals(&digits[kept..check_position]),
        direction,
    )?;
    digits[kept..check_position].copy_from_slice(&to_ascii(&middle));
    digits[check_position] = luhn_check_digit(&digits[..check_position]);
    Ok(replace_digits(value, &digits))
}

/// Keeps an optional country code and the 3-digit prefix, encrypts the last 8 digits.
fn mobile(crypto: &dyn CryptoProvider, value: &str, direction: Direction) -> Result<String> {
    let mut digits = ascii_digits(value);
    let national_start = digits.len().saturating_sub(11);
    let country_code = &digits[..national_start];
    if !matches!(country_code, b"" | b"86" | b"0086")
        || digits.len() < 11
        || digits[national_start] != b'1'
    {
        return Err(Error::invalid(
            "cn_mobile",
            "needs 11 digits starting with 1, optionally after 86",
        ));
    }
    let subscriber_start = national_start + 3;
    let mut tweak = b"cn_mobile".to_vec();
    tweak.extend_from_slice(&digits[national_start..subscriber_start]);
    let ff1 = Ff1::new(crypto, 10)?;
    let subscriber = run(
        &ff1,
        &tweak,
        &to_numerals(&digits[subscriber_start..]),
        direction,
    )?;
    digits[subscriber_start..].copy_from_slice(&to_ascii(&subscriber));
    Ok(replace_digits(value, &digits))
}

/// Encrypts the 4 octets as 4 numerals of radix 256.
fn ipv4(crypto: &dyn CryptoProvider, value: &str, direction: Direction) -> Result<String> {
    let octets: Vec<u8> = value
        .trim()
        .split('.')
        .map(|part| part.parse::<u8>())
        .collect::<Result<_, _>>()
        .map_err(|_| Error::invalid("ipv4", "needs four numbers 0-255"))?;
    if octets.len() != 4 {
        return Err(Error::invalid("ipv4", "needs four numbers 0-255"));
    }
    let ff1 = Ff1::new(crypto, 256)?;
    let output = run(&ff1, b"ipv4", &octets, direction)?;
    Ok(output
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join("."))
}

/// Encrypts the local part, keeping the domain so mail routing statistics hold.
fn email(crypto: &dyn CryptoProvider, value: &str, direction: Direction) -> Result<String> {
    let (local, domain) = value
        .rsplit_once('@')
        .ok_or_else(|| Error::invalid("email", "no @"))?;
    let mut tweak = b"email@".to_vec();
    tweak.extend_from_slice(domain.to_ascii_lowercase().as_bytes());
    let local = generic(crypto, local, Alphabet::Alphanumeric, &tweak, direction)?;
    Ok(format!("{local}@{domain}"))
}

/// FF1 over bits needs 2^20 >= 10^6.
const MIN_BINARY_LENGTH: u32 = 20;

/// Resident id: region (6 digits) kept, birth date and sequence encrypted together
/// within the birth decade, gender parity (last sequence digit) kept, check digit
/// recomputed.
///
/// Index = day-in-decade * 500 + sequence / 2 lies in a domain of about 1.83
/// million (>= 10^6). FF1 runs over its 21-bit binary form, and cycle walking
/// brings results past the domain back into it (about 1.15 rounds of FF1 on average).
fn resident_id(crypto: &dyn CryptoProvider, value: &str, direction: Direction) -> Result<String> {
    let invalid = |reason: &str| Error::invalid("cn_resident_id", reason);
    let bytes = value.trim().as_bytes();
    if bytes.len() != 18
        || !bytes[..17].iter().all(u8::is_ascii_digit)
        || !(bytes[17].is_ascii_digit() || bytes[17] == b'X' || bytes[17] == b'x')
    {
        return Err(invalid("needs 17 digits and a check digit or X"));
    }
    let body: &[u8; 17] = bytes[..17].try_into().map_err(|_| invalid("length"))?;
    if resident_id_check(body) != bytes[17].to_ascii_uppercase() {
        return Err(invalid("check digit does not match"));
    }
    let number = |range: std::ops::Range<usize>| {
        body[range]
            .iter()
            .fold(0u32, |acc, &digit| acc * 10 + u32::from(digit - b'0'))
    };
    let (year, month, day) = (i64::from(number(6..10)), number(10..12), number(12..14));
    if !is_valid_date(year, month, day) {
        return Err(invalid("birth date is not a real date"));
    }
    let sequence = number(14..17);
    let decade = year - year % 10;
    let decade_start = days_from_civil(decade, 1, 1);
    let decade_days = (days_from_civil(decade + 10, 1, 1) - decade_start) as u128;
    let domain = decade_days * 500;
    let index =
        (days_from_civil(year, month, day) - decade_start) as u128 * 500 + u128::from(sequence / 2);

    let mut tweak = b"cn_resident_id".to_vec();
    tweak.extend_from_slice(&body[..6]);
    tweak.extend_from_slice(decade.to_string().as_bytes());
    let permuted = cycle_walk(crypto, &tweak, index, domain, direction)?;

    let (new_year, new_month, new_day) = civil_from_days(decade_start + (permuted / 500) as i64);
    let new_sequence = (permuted % 500) as u32 * 2 + sequence % 2;
    let mut new_body = [0u8; 17];
    new_body[..6].copy_from_slice(&body[..6]);
    let date_and_sequence = format!("{new_year:04}{new_month:02}{new_day:02}{new_sequence:03}");
    new_body[6..].copy_from_slice(date_and_sequence.as_bytes());
    let mut output = String::from_utf8_lossy(&new_body).into_owned();
    output.push(char::from(resident_id_check(&new_body)));
    Ok(output)
}

/// A permutation of `0..domain` from FF1 over the smallest binary domain that holds
/// it (and has the million values FF1 requires).
fn cycle_walk(
    crypto: &dyn CryptoProvider,
    tweak: &[u8],
    index: u128,
    domain: u128,
    direction: Direction,
) -> Result<u128> {
    debug_assert!(domain >= MIN_DOMAIN && index < domain);
    let bits = (128 - (domain - 1).leading_zeros()).max(MIN_BINARY_LENGTH) as usize;
    let ff1 = Ff1::new(crypto, 2)?;
    let mut current = index;
    loop {
        let numerals: Vec<u8> = (0..bits)
            .rev()
            .map(|bit| ((current >> bit) & 1) as u8)
            .collect();
        let output = run(&ff1, tweak, &numerals, direction)?;
        current = output
            .iter()
            .fold(0u128, |acc, &bit| acc << 1 | u128::from(bit));
        if current < domain {
            return Ok(current);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::MOBILE_PREFIXES;
    use crate::key::SecretKey;
    use crate::provider::{Algorithm, SoftwareProvider};
    use proptest::prelude::*;

    fn provider() -> SoftwareProvider {
        SoftwareProvider::new(Algorithm::Sm4, &SecretKey::from_bytes(&[42; 16])).unwrap()
    }

    fn resident_id_with_check(body: &str) -> String {
        let check = resident_id_check(body.as_bytes().try_into().unwrap());
        format!("{body}{}", char::from(check))
    }

    fn card_with_check(body: &str) -> String {
        format!("{body}{}", char::from(luhn_check_digit(body.as_bytes())))
    }

    #[test]
    fn resident_id_keeps_region_decade_gender_and_validity() {
        let crypto = provider();
        let original = resident_id_with_check("11010519491231002");
        let masked = encrypt(&crypto, &original, Some("cn_resident_id"), None).unwrap();
        assert_ne!(masked, original);
        assert_eq!(&masked[..6], "110105");
        assert_eq!(&masked[6..9], "194");
        assert_eq!((masked.as_bytes()[16] - b'0') % 2, 0);
        let body: &[u8; 17] = masked.as_bytes()[..17].try_into().unwrap();
        assert_eq!(resident_id_check(body), masked.as_bytes()[17]);
        assert_eq!(
            decrypt(&crypto, &masked, Some("cn_resident_id"), None).unwrap(),
            original
        );
    }

    #[test]
    fn invalid_inputs_are_errors_not_panics() {
        let crypto = provider();
        for (value, entity) in [
            ("110105194912310021", "cn_resident_id"),
            ("11010519491332002X", "cn_resident_id"),
            ("1234", "cn_resident_id"),
            ("6222021234567890123", "bank_card"),
            ("12345", "bank_card"),
            ("2380013800", "cn_mobile"),
            ("1.2.3", "ipv4"),
            ("300.1.1.1", "ipv4"),
            ("no-at-sign", "email"),
            ("a@example.com", "email"),
            ("12345", "cn_landline"),
            ("张三", "person_name"),
        ] {
            assert!(
                encrypt(&crypto, value, Some(entity), None).is_err(),
                "{entity} {value}"
            );
        }
    }

    #[test]
    fn separators_and_country_codes_stay() {
        let crypto = provider();
        let masked = encrypt(&crypto, "+86 138-0013-8000", Some("cn_mobile"), None).unwrap();
        assert!(masked.starts_with("+86 138-"));
        assert_eq!(masked.len(), "+86 138-0013-8000".len());
        assert_eq!(
            decrypt(&crypto, &masked, Some("cn_mobile"), None).unwrap(),
            "+86 138-0013-8000"
        );
    }

    #[test]
    fn generic_alphabets() {
        let crypto = provider();
        let passport = encrypt(&crypto, "E12345678", Some("cn_passport"), None).unwrap();
        assert!(passport.starts_with('E') && passport[1..].bytes().all(|b| b.is_ascii_digit()));
        let mac = encrypt(&crypto, "00:1A:2B:3C:4D:5E", Some("mac_address"), None).unwrap();
        assert_eq!(mac.matches(':').count(), 5);
        assert!(
            mac.chars()
                .all(|c| c == ':' || c.is_ascii_digit() || ('A'..='F').contains(&c))
        );
        let email = encrypt(&crypto, "zhangsan@example.com", Some("email"), None).unwrap();
        assert!(email.ends_with("@example.com"));
        assert_eq!(
            decrypt(&crypto, &email, Some("email"), None).unwrap(),
            "zhangsan@example.com"
        );
        let ip = encrypt(&crypto, "192.168.1.10", Some("ipv4"), None).unwrap();
        assert_eq!(
            decrypt(&crypto, &ip, Some("ipv4"), None).unwrap(),
            "192.168.1.10"
        );
    }

    proptest! {
        #[test]
        fn resident_ids_round_trip_and_stay_valid(
            region in prop::sample::select(vec!["110101", "310104", "440305", "510107"]),
            days in days_from_civil(1930, 1, 1)..days_from_civil(2020, 1, 1),
            sequence in 0u32..1000,
        ) {
            let crypto = provider();
            let (year, month, day) = civil_from_days(days);
            let original = resident_id_with_check(&format!("{region}{year:04}{month:02}{day:02}{sequence:03}"));
            let masked = encrypt(&crypto, &original, Some("cn_resident_id"), None).unwrap();
            let body: &[u8; 17] = masked.as_bytes()[..17].try_into().unwrap();
            prop_assert_eq!(resident_id_check(body), masked.as_bytes()[17]);
            prop_assert_eq!(&masked[..6], region);
            let number = |range: std::ops::Range<usize>| masked[range].parse::<u32>().unwrap();
            prop_assert!(is_valid_date(i64::from(number(6..10)), number(10..12), number(12..14)));
            prop_assert_eq!(number(6..10) / 10, year as u32 / 10);
            prop_assert_eq!(number(14..17) % 2, sequence % 2);
            prop_assert_eq!(decrypt(&crypto, &masked, Some("cn_resident_id"), None).unwrap(), original);
        }

        #[test]
        fn bank_cards_keep_bin_and_luhn(
            bin in prop::sample::select(vec!["622202", "621700", "622848", "436742"]),
            middle in "[0-9]{6,12}",
        ) {
            let crypto = provider();
            let original = card_with_check(&format!("{bin}{middle}"));
            let masked = encrypt(&crypto, &original, Some("bank_card"), None).unwrap();
            prop_assert_eq!(masked.len(), original.len());
            prop_assert_eq!(&masked[..6], bin);
            let check = luhn_check_digit(&masked.as_bytes()[..masked.len() - 1]);
            prop_assert_eq!(check, *masked.as_bytes().last().unwrap());
            prop_assert_eq!(decrypt(&crypto, &masked, Some("bank_card"), None).unwrap(), original);
        }

        #[test]
        fn mobiles_keep_a_real_prefix(
            prefix in prop::sample::select(MOBILE_PREFIXES.to_vec()),
            subscriber in "[0-9]{8}",
        ) {
            let crypto = provider();
            let original = format!("{prefix}{subscriber}");
            let masked = encrypt(&crypto, &original, Some("cn_mobile"), None).unwrap();
            prop_assert_eq!(masked.len(), 11);
            prop_assert_eq!(&masked[..3], prefix);
            prop_assert!(masked.bytes().all(|b| b.is_ascii_digit()));
            prop_assert_eq!(decrypt(&crypto, &masked, Some("cn_mobile"), None).unwrap(), original);
        }

        #[test]
        fn generic_digits_round_trip(value in "[0-9]{6,30}") {
            let crypto = provider();
            let masked = encrypt(&crypto, &value, None, None).unwrap();
            prop_assert!(masked.bytes().all(|b| b.is_ascii_digit()));
            prop_assert_eq!(decrypt(&crypto, &masked, None, None).unwrap(), value);
        }
    }
}
