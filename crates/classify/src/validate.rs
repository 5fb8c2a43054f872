//! Validators: checks that a candidate really is what its shape suggests.
//!
//! Each takes the candidate exactly as it stands (no trimming) and answers cheaply,
//! without allocation. A pattern alone says "looks like"; these say "is".

use crate::dict;

/// Strength of a validation: `Checked` passed a checksum or an exact structural test,
/// `Plausible` matched the structure but carries no check (a legacy ID, a county code
/// missing from today's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Validity {
    Plausible,
    Checked,
}

fn all_digits(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit)
}

fn digit(b: u8) -> u32 {
    u32::from(b - b'0')
}

/// Province-level codes (first two digits of a resident ID or division code).
pub fn is_province_code(code: &[u8]) -> bool {
    matches!(
        code,
        b"11"
            | b"12"
            | b"13"
            | b"14"
            | b"15"
            | b"21"
            | b"22"
            | b"23"
            | b"31"
            | b"32"
            | b"33"
            | b"34"
            | b"35"
            | b"36"
            | b"37"
            | b"41"
            | b"42"
            | b"43"
            | b"44"
            | b"45"
            | b"46"
            | b"50"
            | b"51"
            | b"52"
            | b"53"
            | b"54"
            | b"61"
            | b"62"
            | b"63"
            | b"64"
            | b"65"
            | b"71"
            | b"81"
            | b"82"
    )
}

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// A real calendar date; `year` bounds are the caller's.
pub fn is_real_date(year: u32, month: u32, day: u32) -> bool {
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

fn parse_num(s: &[u8]) -> u32 {
    s.iter().fold(0, |n, &b| n * 10 + digit(b))
}

/// The latest birth year a valid ID can carry. Fixed rather than read from the clock so
/// results are reproducible; raise it yearly.
pub const LATEST_BIRTH_YEAR: u32 = 2026;

/// Resident identity number (GB 11643): 18 characters with ISO 7064 MOD 11-2 check, or the
/// legacy 15-digit form. Province strict, date real; the county code is looked up but a code
/// missing from today's table only lowers the result to `Plausible` (abolished counties stay
/// on their holders' cards).
pub fn resident_id(s: &[u8]) -> Option<Validity> {
    match s.len() {
        18 => {
            let (body, check) = s.split_at(17);
            if !all_digits(body) || !is_province_code(&body[..2]) {
                return None;
            }
            let year = parse_num(&body[6..10]);
            if !(1900..=LATEST_BIRTH_YEAR).contains(&year)
                || !is_real_date(year, parse_num(&body[10..12]), parse_num(&body[12..14]))
            {
                return None;
            }
            const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
            let sum: u32 = body.iter().zip(WEIGHTS).map(|(&b, w)| digit(b) * w).sum();
            let expected = b"10X98765432"[(sum % 11) as usize];
            if check[0].to_ascii_uppercase() != expected {
                return None;
            }
            Some(region_validity(&body[..6]))
        }
        15 => {
            if !all_digits(s) || !is_province_code(&s[..2]) {
                return None;
            }
            // Legacy numbers were issued until 1999 to people born in the 1900s.
            let year = 1900 + parse_num(&s[6..8]);
            if !is_real_date(year, parse_num(&s[8..10]), parse_num(&s[10..12])) {
                return None;
            }
            Some(Validity::Plausible)
        }
        _ => None,
    }
}

fn region_validity(code: &[u8]) -> Validity {
    if dict::is_known_division(code) {
        Validity::Checked
    } else {
        Validity::Plausible
    }
}

const USCC_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn uscc_value(b: u8) -> Option<u32> {
    USCC_ALPHABET.iter().position(|&c| c == b).map(|p| p as u32)
}

/// Unified social credit code (GB 32100-2015): 18 characters over a 31-symbol alphabet,
/// mod-31 check, registration authority and kind in the first two, a real province in the
/// region part, and the embedded organisation code (GB 11714) with its own mod-11 check.
pub fn uscc(s: &[u8]) -> Option<Validity> {
    if s.len() != 18 || !b"123456789AGNY".contains(&s[0]) || !is_province_code(&s[2..4]) {
        return None;
    }
    if !all_digits(&s[2..8]) {
        return None;
    }
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let mut sum = 0;
    for (&b, w) in s[..17].iter().zip(WEIGHTS) {
        sum += uscc_value(b)? * w;
    }
    if USCC_ALPHABET[((31 - sum % 31) % 31) as usize] != s[17] {
        return None;
    }
    organisation_code(&s[8..17]).then(|| region_validity(&s[2..8]))
}

/// Organisation code (GB 11714): 8 characters and a mod-11 check character.
pub fn organisation_code(s: &[u8]) -> bool {
    const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let value = |b: u8| match b {
        b'0'..=b'9' => Some(digit(b)),
        b'A'..=b'Z' => Some(u32::from(b - b'A') + 10),
        _ => None,
    };
    if s.len() != 9 {
        return false;
    }
    let mut sum = 0;
    for (&b, w) in s[..8].iter().zip(WEIGHTS) {
        match value(b) {
            Some(v) => sum += v * w,
            None => return false,
        }
    }
    let expected = match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        c => b'0' + c as u8,
    };
    s[8] == expected
}

/// Luhn (ISO/IEC 7812) over ASCII digits.
pub fn luhn(s: &[u8]) -> bool {
    if !all_digits(s) {
        return false;
    }
    let sum: u32 = s
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &b)| {
            let d = digit(b);
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Bank card (PAN): 16-19 digits, Luhn, and an issuer prefix of a real scheme. UnionPay (62)
/// is `Checked`; other schemes are `Plausible` since random numbers reach them more easily.
pub fn bank_card(s: &[u8]) -> Option<Validity> {
    if !(16..=19).contains(&s.len()) || !luhn(s) {
        return None;
    }
    let two = parse_num(&s[..2]);
    let four = parse_num(&s[..4]);
    match s[0] {
        b'6' if two == 62 => Some(Validity::Checked),
        b'4' => Some(Validity::Plausible), // Visa
        b'5' => Some(Validity::Plausible), // Mastercard, Maestro
        b'2' if (2221..=2720).contains(&four) => Some(Validity::Plausible),
        b'3' if two == 35 => Some(Validity::Plausible), // JCB
        b'6' if four == 6011 || two == 65 => Some(Validity::Plausible), // Discover
        _ => None,
    }
}

/// IMEI: 15 digits with a Luhn check digit and a real reporting-body prefix.
pub fn imei(s: &[u8]) -> bool {
    s.len() == 15 && luhn(s) && !s.starts_with(b"00")
}

/// Vehicle identification number (ISO 3779): 17 characters without I, O, Q and the
/// position-9 check digit (North American scheme, which Chinese VINs also carry).
pub fn vin(s: &[u8]) -> bool {
    if s.len() != 17 {
        return false;
    }
    const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    let mut sum = 0;
    let mut letters = 0;
    for (&b, w) in s.iter().zip(WEIGHTS) {
        let v = match b {
            b'0'..=b'9' => digit(b),
            b'A'..=b'H' => u32::from(b - b'A') + 1,
            b'J'..=b'N' => u32::from(b - b'J') + 1,
            b'P' => 7,
            b'R' => 9,
            b'S'..=b'Z' => u32::from(b - b'S') + 2,
            _ => return false,
        };
        letters += usize::from(b.is_ascii_uppercase());
        sum += v * w;
    }
    // All-digit strings of length 17 are ids of other kinds far more often than VINs.
    let expected = match sum % 11 {
        10 => b'X',
        c => b'0' + c as u8,
    };
    letters > 0 && s[8] == expected
}

/// Mainland mobile number: 11 digits, with a prefix in the numbering plan. Accepts a leading
/// `+86`/`86`/`0086` and single spaces or dashes in the 3-4-4 places.
pub fn mobile(s: &[u8]) -> bool {
    let mut digits = [0u8; 11];
    let Some(n) = normalise_mobile(s, &mut digits) else {
        return false;
    };
    n == 11 && dict::is_mobile_prefix(&digits[..3])
}

fn normalise_mobile(s: &[u8], out: &mut [u8; 11]) -> Option<usize> {
    let s = s
        .strip_prefix(b"+86")
        .or_else(|| s.strip_prefix(b"0086"))
        .map(|rest| {
            rest.strip_prefix(b" ")
                .or_else(|| rest.strip_prefix(b"-"))
                .unwrap_or(rest)
        })
        .unwrap_or(s);
    let s = if s.len() == 13 && s.starts_with(b"86") {
        &s[2..]
    } else {
        s
    };
    let mut n = 0;
    let mut sep = None;
    for (i, &b) in s.iter().enumerate() {
        if b.is_ascii_digit() {
            *out.get_mut(n)? = b;
            n += 1;
        } else if (b == b' ' || b == b'-')
            && (n == 3 || n == 7)
            && i > 0
            && s[i - 1].is_ascii_digit()
        {
            // Separators only in the 3-4-4 places, and the same one throughout.
            if *sep.get_or_insert(b) != b {
                return None;
            }
        } else {
            return None;
        }
    }
    Some(n)
}

/// Landline: area code (010, 02x, or 0 + 3 digits with a real first digit) and a local number
/// of 7-8 digits starting 2-9, separated by `-` or a space, or in parentheses; optional
/// extension after `-` or `转`.
pub fn landline(s: &[u8]) -> bool {
    let s = s
        .strip_prefix(b"+86-")
        .or_else(|| s.strip_prefix(b"+86 "))
        .unwrap_or(s);
    let (area, rest) = if let Some(inner) = s.strip_prefix(b"(") {
        match inner.iter().position(|&b| b == b')') {
            Some(p) => (
                &inner[..p],
                inner[p + 1..].strip_prefix(b" ").unwrap_or(&inner[p + 1..]),
            ),
            None => return false,
        }
    } else {
        match s.iter().position(|&b| b == b'-' || b == b' ') {
            Some(p) => (&s[..p], &s[p + 1..]),
            None => return false,
        }
    };
    let area_ok = all_digits(area)
        && area[0] == b'0'
        && match area.len() {
            3 => area[1] == b'1' || area[1] == b'2',
            4 => (b'3'..=b'9').contains(&area[1]),
            _ => false,
        };
    if !area_ok {
        return false;
    }
    let local = match rest.iter().position(|&b| b == b'-') {
        Some(p) if all_digits(&rest[p + 1..]) && rest.len() - p - 1 <= 6 => &rest[..p],
        _ => rest,
    };
    all_digits(local) && (7..=8).contains(&local.len()) && local[0] >= b'2'
}

/// E-mail address: a sane local part and a domain of at least two labels with an alphabetic TLD.
pub fn email(s: &[u8]) -> bool {
    let Some(at) = memchr::memchr(b'@', s) else {
        return false;
    };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    if local.is_empty() || local.len() > 64 || domain.len() < 4 || domain.len() > 253 {
        return false;
    }
    let local_ok = local
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b))
        && local[0] != b'.'
        && local[local.len() - 1] != b'.';
    if !local_ok {
        return false;
    }
    let mut labels = 0;
    let mut last = &domain[..0];
    for label in domain.split(|&b| b == b'.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && label
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
            && label[0] != b'-'
            && label[label.len() - 1] != b'-';
        if !ok {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && last.len() >= 2 && last.iter().all(u8::is_ascii_alphabetic)
}

/// Dotted-quad IPv4, no leading zeros. Version numbers look the same, so callers weigh context.
pub fn ipv4(s: &[u8]) -> bool {
    let mut parts = 0;
    for part in s.split(|&b| b == b'.') {
        parts += 1;
        if parts > 4 || part.is_empty() || part.len() > 3 || !all_digits(part) {
            return false;
        }
        if (part.len() > 1 && part[0] == b'0') || parse_num(part) > 255 {
            return false;
        }
    }
    parts == 4
}

/// IPv6 in any textual form the standard library accepts, with at least two colons.
pub fn ipv6(s: &[u8]) -> bool {
    // One walk tells the shape: the colons, whether two touch ("::"), a dot, and whether
    // every group is one to four hex digits.
    let (mut colons, mut compressed, mut dot, mut groups_ok, mut group) =
        (0, false, false, true, 0);
    for (i, &b) in s.iter().enumerate() {
        if b == b':' {
            colons += 1;
            compressed |= i > 0 && s[i - 1] == b':';
            groups_ok &= (1..=4).contains(&group);
            group = 0;
        } else {
            dot |= b == b'.';
            groups_ok &= b.is_ascii_hexdigit();
            group += 1;
        }
    }
    groups_ok &= (1..=4).contains(&group);
    // Eight groups, or fewer with "::", or six with an IPv4 tail: anything else (a time such
    // as 13:54:36, common in logs) cannot parse. The full form, the commonest, is checked
    // here whole; the parser, which costs a few hundred instructions a try, sees the rest.
    if colons == 7 && !compressed {
        return groups_ok;
    }
    let shaped = compressed || (colons == 6 && dot);
    // "::" (the unspecified address) is the shortest form the parser takes.
    (2..=45).contains(&s.len())
        && shaped
        && std::str::from_utf8(s).is_ok_and(|t| t.parse::<std::net::Ipv6Addr>().is_ok())
}

/// MAC address: six hex pairs separated by one of `:` or `-` throughout, or Cisco dotted form.
pub fn mac_address(s: &[u8]) -> bool {
    match s.len() {
        17 => {
            let sep = s[2];
            (sep == b':' || sep == b'-')
                && s.chunks(3).all(|g| {
                    g[0].is_ascii_hexdigit()
                        && g[1].is_ascii_hexdigit()
                        && (g.len() == 2 || g[2] == sep)
                })
        }
        14 => s
            .chunks(5)
            .all(|g| g[..4].iter().all(u8::is_ascii_hexdigit) && (g.len() == 4 || g[4] == b'.')),
        _ => false,
    }
}

/// Chinese ordinary passport: E + 8 digits, E + letter (not I/O) + 7 digits, or the older
/// G / D / S / P series + 7-8 digits.
pub fn passport(s: &[u8]) -> bool {
    match s {
        [b'E', rest @ ..] if rest.len() == 8 && all_digits(rest) => true,
        [b'E', l, rest @ ..]
            if l.is_ascii_uppercase()
                && !b"IO".contains(l)
                && rest.len() == 7
                && all_digits(rest) =>
        {
            true
        }
        [b'G' | b'D' | b'S' | b'P', rest @ ..]
            if (rest.len() == 8 || rest.len() == 7) && all_digits(rest) =>
        {
            true
        }
        _ => false,
    }
}

/// Mainland licence plate after its province character: a city letter and five characters
/// (or six for new-energy plates, D/F in the first or last place). No I or O.
pub fn plate_tail(s: &[u8]) -> bool {
    let plate_char =
        |b: &u8| (b.is_ascii_uppercase() && *b != b'I' && *b != b'O') || b.is_ascii_digit();
    let Some((&city, rest)) = s.split_first() else {
        return false;
    };
    if !city.is_ascii_uppercase() || city == b'I' || city == b'O' || !rest.iter().all(plate_char) {
        return false;
    }
    match rest.len() {
        5 => true,
        6 => matches!(rest[0], b'D' | b'F') || matches!(rest[5], b'D' | b'F'),
        _ => false,
    }
}

/// `lat,lng` (or `lng,lat` when the first part exceeds 90) in decimal degrees, each with at
/// least four decimals: coarser values are rarely positions of people.
pub fn gps_pair(s: &[u8]) -> bool {
    let Some(comma) = memchr::memchr(b',', s) else {
        return false;
    };
    let (a, b) = (&s[..comma], &s[comma + 1..]);
    let b = b.strip_prefix(b" ").unwrap_or(b);
    let (Some(x), Some(y)) = (degrees(a), degrees(b)) else {
        return false;
    };
    (x.within(90) && y.within(180)) || (x.within(180) && y.within(90))
}

/// The size of a decimal angle, kept exact: compared with whole-degree limits, it needs no
/// floating-point parse (which cost more than the rest of the check).
struct Degrees {
    whole: u32,
    fraction_is_zero: bool,
}

impl Degrees {
    /// Whether the angle's absolute value is at most `limit` degrees.
    fn within(&self, limit: u32) -> bool {
        self.whole < limit || (self.whole == limit && self.fraction_is_zero)
    }
}

fn degrees(s: &[u8]) -> Option<Degrees> {
    let digits = s.strip_prefix(b"-").unwrap_or(s);
    let dot = memchr::memchr(b'.', digits)?;
    let (int, frac) = (&digits[..dot], &digits[dot + 1..]);
    if !(1..=3).contains(&int.len())
        || frac.len() < 4
        || frac.len() > 10
        || !all_digits(int)
        || !all_digits(frac)
    {
        return None;
    }
    Some(Degrees {
        whole: parse_num(int),
        fraction_is_zero: frac.iter().all(|&b| b == b'0'),
    })
}

/// A date of birth: `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYYMMDD` or `YYYY年M月D日`, real, and in the
/// span of living people's births.
pub fn birth_date(s: &str) -> bool {
    parse_date(s)
        .is_some_and(|(y, m, d)| (1900..=LATEST_BIRTH_YEAR).contains(&y) && is_real_date(y, m, d))
}

fn parse_date(s: &str) -> Option<(u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() == 8 && all_digits(b) {
        return Some((parse_num(&b[..4]), parse_num(&b[4..6]), parse_num(&b[6..8])));
    }
    let mut parts = s
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|p| !p.is_empty());
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || y.len() != 4
        || !(1..=2).contains(&m.len())
        || !(1..=2).contains(&d.len())
    {
        return None;
    }
    let num = |p: &str| all_digits(p.as_bytes()).then(|| parse_num(p.as_bytes()));
    Some((num(y)?, num(m)?, num(d)?))
}

/// Mainland postal code: six digits with a real province-zone first digit. Only with context.
pub fn postal_code(s: &[u8]) -> bool {
    s.len() == 6 && all_digits(s) && s[0] != b'0' && s[0] != b'9'
}

/// IMSI: 15 digits starting with China's MCC 460 and a known MNC.
pub fn imsi(s: &[u8]) -> bool {
    s.len() == 15
        && all_digits(s)
        && s.starts_with(b"460")
        && matches!(
            &s[3..5],
            b"00"
                | b"01"
                | b"02"
                | b"03"
                | b"04"
                | b"05"
                | b"06"
                | b"07"
                | b"08"
                | b"09"
                | b"11"
                | b"15"
                | b"20"
        )
}

/// ICCID: 19-20 digits starting 8986 (telecom, China), Luhn over the first 19 when 20 long
/// is not guaranteed by every issuer, so the prefix and length carry the weight.
pub fn iccid(s: &[u8]) -> bool {
    (19..=20).contains(&s.len())
        && s.starts_with(b"8986")
        && s[4..].iter().all(|b| b.is_ascii_alphanumeric())
}

/// Mainland travel permit for Hong Kong and Macao (往来港澳通行证): C + letter/digit + 7 digits,
/// or the older W + 8 digits. Only with context or a hint: the shape is short.
pub fn hk_macao_permit(s: &[u8]) -> bool {
    match s {
        [b'C', x, rest @ ..] => {
            (x.is_ascii_digit() || x.is_ascii_uppercase()) && rest.len() == 7 && all_digits(rest)
        }
        [b'W', rest @ ..] => rest.len() == 8 && all_digits(rest),
        _ => false,
    }
}

/// Taiwan residents' travel permit (台胞证): 8 digits, or the 10-character old form.
pub fn taiwan_permit(s: &[u8]) -> bool {
    (s.len() == 8 && all_digits(s)) || (s.len() == 10 && all_digits(&s[..8]) && s[8] == b'(')
}

/// Residence permit for HK/Macao/Taiwan residents (港澳台居民居住证): an 18-character
/// resident-ID-shaped number with region 810000, 820000 or 830000.
pub fn hmt_residence_permit(s: &[u8]) -> bool {
    s.len() == 18 && matches!(&s[..6], b"810000" | b"820000" | b"830000") && resident_id_checksum(s)
}

fn resident_id_checksum(s: &[u8]) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    all_digits(&s[..17]) && {
        let sum: u32 = s[..17]
            .iter()
            .zip(WEIGHTS)
            .map(|(&b, w)| digit(b) * w)
            .sum();
        b"10X98765432"[(sum % 11) as usize] == s[17].to_ascii_uppercase()
    }
}

/// QQ number: 5-11 digits, not starting with 0. Only with a hint or context.
pub fn qq(s: &[u8]) -> bool {
    (5..=11).contains(&s.len()) && all_digits(s) && s[0] != b'0'
}

/// WeChat id: 6-20 characters, a letter first, then letters, digits, `_` or `-`. Only with a
/// hint or context.
pub fn wechat_id(s: &[u8]) -> bool {
    (6..=20).contains(&s.len())
        && s[0].is_ascii_alphabetic()
        && s.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The same answer as the standard library's parser, on strings made of the
        /// characters of addresses (full, compressed, with an IPv4 tail, and broken).
        #[test]
        fn ipv6_like_std(t in "([0-9a-fA-F]{0,5}:){0,8}[0-9a-fA-F.]{0,8}|[0-9a-fA-F:.g]{0,40}") {
            let std = t.parse::<std::net::Ipv6Addr>().is_ok() && t.matches(':').count() >= 2;
            proptest::prop_assert_eq!(ipv6(t.as_bytes()), std, "{}", t);
        }

        /// The same answer as comparing parsed floating-point degrees, near the limits too.
        #[test]
        fn gps_pair_like_floats(t in "-?(0|9[0-9]|1[78][0-9]|[0-9]{1,4})[.](0{0,11}|[0-9]{3,11}), ?-?(0|9[0-9]|1[78][0-9]|[0-9]{1,4})[.](0{0,11}|[0-9]{3,11})") {
            let floats = t.split_once(',').and_then(|(a, b)| {
                let parse = |p: &str| {
                    let digits = p.trim_start_matches('-');
                    let (int, frac) = digits.split_once('.')?;
                    ((1..=3).contains(&int.len()) && (4..=10).contains(&frac.len()))
                        .then(|| p.parse::<f64>().ok())?
                        .map(f64::abs)
                };
                Some((parse(a)?, parse(b.strip_prefix(' ').unwrap_or(b))?))
            });
            let expected = floats.is_some_and(|(x, y)| (x <= 90.0 && y <= 180.0) || (x <= 180.0 && y <= 90.0));
            proptest::prop_assert_eq!(gps_pair(t.as_bytes()), expected, "{}", t);
        }
    }

    #[test]
    fn resident_ids() {
        assert_eq!(resident_id(b"11010519491231002X"), Some(Validity::Checked));
        assert_eq!(resident_id(b"11010519491231002x"), Some(Validity::Checked));
        assert_eq!(
            resident_id(b"110105194912310021"),
            None,
            "wrong check digit"
        );
        assert_eq!(resident_id(b"110105194902300026"), None, "30 February");
        assert_eq!(resident_id(b"990105194912310021"), None, "no province 99");
        // A real checksum over a county code that is not in today's table.
        let body = b"11019919491231002";
        let mut id = body.to_vec();
        const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = body
            .iter()
            .zip(W)
            .map(|(&b, w)| u32::from(b - b'0') * w)
            .sum();
        id.push(b"10X98765432"[(sum % 11) as usize]);
        assert_eq!(resident_id(&id), Some(Validity::Plausible));
        assert_eq!(
            resident_id(b"110105491231002"),
            Some(Validity::Plausible),
            "legacy 15-digit"
        );
        assert_eq!(resident_id(b"110105491331002"), None, "month 13");
    }

    #[test]
    fn uscc_and_org_code() {
        assert!(uscc(b"91350100M000100Y43").is_some());
        assert!(uscc(b"91350100M000100Y44").is_none());
        assert!(organisation_code(b"M000100Y4"));
        assert!(!organisation_code(b"M000100Y5"));
    }

    #[test]
    fn cards_and_devices() {
        assert_eq!(
            bank_card(b"6222021234567890123"),
            if luhn(b"6222021234567890123") {
                Some(Validity::Checked)
            } else {
                None
            }
        );
        assert_eq!(bank_card(b"4111111111111111"), Some(Validity::Plausible));
        assert_eq!(bank_card(b"4111111111111112"), None);
        assert_eq!(
            bank_card(b"9111111111111116"),
            None,
            "no scheme starts with 9"
        );
        assert!(imei(b"490154203237518"));
        assert!(!imei(b"490154203237519"));
        assert!(vin(b"1M8GDM9AXKP042788"));
        assert!(!vin(b"1M8GDM9A1KP042788"));
        assert!(!vin(b"12345678901234567"));
    }

    #[test]
    fn phones() {
        assert!(mobile(b"13800138000"));
        assert!(mobile(b"+86 138 0013 8000"));
        assert!(mobile(b"+8613800138000"));
        assert!(mobile(b"138-0013-8000"));
        assert!(!mobile(b"138-0013 8000"), "mixed separators");
        assert!(!mobile(b"10012345678"), "no such prefix");
        assert!(!mobile(b"1380013800"));
        assert!(landline(b"010-62345678"));
        assert!(landline(b"0571-3528510"));
        assert!(landline(b"(0755) 86001234"));
        assert!(landline(b"021-61234567-803"));
        assert!(!landline(b"0571-1528510"), "local numbers start 2-9");
        assert!(!landline(b"123-45678901"));
    }

    #[test]
    fn network_ids() {
        assert!(email(b"caina@example.com"));
        assert!(!email(b"caina@example"));
        assert!(!email(b".a@b.cn"));
        assert!(ipv4(b"192.168.1.20"));
        assert!(!ipv4(b"192.168.01.20"));
        assert!(!ipv4(b"1.2.3"));
        assert!(!ipv4(b"256.1.1.1"));
        assert!(ipv6(b"8fc7:1e8c:db7e:423:1865:e81e:6982:71fc"));
        assert!(ipv6(b"fe80::1"));
        assert!(!ipv6(b"7a:23:99:28:76:e2"));
        assert!(ipv6(b"0:0:0:0:0:ffff:1.2.3.4"));
        assert!(ipv6(b"::1"));
        assert!(!ipv6(b"13:54:36"));
        assert!(mac_address(b"7a:23:99:28:76:e2"));
        assert!(mac_address(b"7A-23-99-28-76-E2"));
        assert!(!mac_address(b"7a:23:99-28:76:e2"));
    }

    #[test]
    fn documents_and_places() {
        assert!(passport(b"E12345678"));
        assert!(passport(b"EA1234567"));
        assert!(!passport(b"EI1234567"));
        assert!(plate_tail(b"A12345"));
        assert!(plate_tail(b"AD12345"));
        assert!(!plate_tail(b"A1234"));
        assert!(!plate_tail(b"AO2345"));
        assert!(gps_pair(b"31.230416,121.473701"));
        assert!(!gps_pair(b"31.2,121.4"));
        assert!(!gps_pair(b"95.230416,181.473701"));
        assert!(birth_date("1990-02-28"));
        assert!(birth_date("1990年2月8日"));
        assert!(!birth_date("1990-02-30"));
        assert!(!birth_date("1890-02-03"));
    }
}
