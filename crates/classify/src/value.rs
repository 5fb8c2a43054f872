//! Whole-value matching: which entities a single cell *is* (not merely contains).
//!
//! One pass over the bytes tells the value's shape; only the validators that shape allows
//! run, so a cell costs a few dozen nanoseconds.

use crate::charset::HanSet;
use crate::dict;
use crate::entity::{Entity, EntitySet};
use crate::validate::{self, Validity};

/// The entities a value matched, and the subset whose validation was a real check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ValueMatch {
    pub matched: EntitySet,
    pub checked: EntitySet,
}

impl ValueMatch {
    fn add(&mut self, e: Entity, validity: Validity) {
        self.matched.insert(e);
        if validity == Validity::Checked {
            self.checked.insert(e);
        }
    }
    fn add_if(&mut self, e: Entity, ok: bool) {
        if ok {
            self.add(e, Validity::Checked);
        }
    }
}

/// Values people type for "unknown" or "none": they neither support nor refute a label.
pub fn is_placeholder(v: &str) -> bool {
    matches!(
        v,
        "-" | "--"
            | "—"
            | "/"
            | "无"
            | "空"
            | "未知"
            | "暂无"
            | "不详"
            | "N/A"
            | "n/a"
            | "NA"
            | "NULL"
            | "null"
            | "None"
            | "none"
            | "nil"
            | "?"
            | "0"
    )
}

#[derive(Debug, PartialEq)]
struct Shape {
    digits: usize,
    upper: usize,
    lower: usize,
    ascii_other: usize,
    non_ascii: usize,
    at: bool,
    colon: usize,
    dot: usize,
    dash: usize,
    comma: usize,
    space: usize,
}

/// The counters of [`Shape`] are summed as 9-bit fields of two words, one table look-up and
/// one add per byte for each: no branch per byte, where a `match` mispredicted at every
/// change of character kind. A value is at most 256 bytes, so no field overflows.
const FIELD_BITS: u32 = 9;

/// A count of one in field `i` of a packed sum.
const fn one(i: u32) -> u64 {
    1 << (FIELD_BITS * i)
}

/// Fields of the first word: digits, upper, lower, non-ASCII bytes, other ASCII, colons, dots;
/// of the second: dashes, commas, spaces, `@`.
static SHAPE_SUMS: [[u64; 256]; 2] = {
    let mut t = [[0; 256]; 2];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[0][c] = match b {
            b'0'..=b'9' => one(0),
            b'A'..=b'Z' => one(1),
            b'a'..=b'z' => one(2),
            0x80.. => one(3),
            b':' => one(4) | one(5),
            b'.' => one(4) | one(6),
            _ => one(4),
        };
        t[1][c] = match b {
            b'-' => one(0),
            b',' => one(1),
            b' ' => one(2),
            b'@' => one(3),
            _ => 0,
        };
        c += 1;
    }
    t
};

fn shape(b: &[u8]) -> Shape {
    debug_assert!(b.len() < 1 << FIELD_BITS, "values are capped at 256 bytes");
    let (mut first, mut second) = (0u64, 0u64);
    for &c in b {
        first += SHAPE_SUMS[0][usize::from(c)];
        second += SHAPE_SUMS[1][usize::from(c)];
    }
    let field = |sum: u64, i: u32| ((sum >> (FIELD_BITS * i)) & ((1 << FIELD_BITS) - 1)) as usize;
    Shape {
        digits: field(first, 0),
        upper: field(first, 1),
        lower: field(first, 2),
        non_ascii: field(first, 3),
        ascii_other: field(first, 4),
        colon: field(first, 5),
        dot: field(first, 6),
        dash: field(second, 0),
        comma: field(second, 1),
        space: field(second, 2),
        at: field(second, 3) > 0,
    }
}

/// Match one trimmed, non-empty cell against every built-in entity.
pub fn match_value(v: &str) -> ValueMatch {
    let b = v.as_bytes();
    let mut m = ValueMatch::default();
    if b.is_empty() || b.len() > 256 {
        return m;
    }
    let s = shape(b);
    if s.non_ascii > 0 {
        match_han(v, &s, &mut m);
        return m;
    }
    if s.at {
        m.add_if(Entity::Email, validate::email(b));
        return m;
    }
    let alnum = s.digits + s.upper + s.lower;
    if s.ascii_other == 0 {
        if s.digits == b.len() {
            match_digits(v, &mut m);
        } else {
            match_alnum(v, &s, &mut m);
        }
        return m;
    }
    if s.colon >= 2 && s.ascii_other == s.colon + s.dot {
        m.add_if(Entity::Ipv6, validate::ipv6(b));
    }
    if b.len() == 17 || b.len() == 14 {
        m.add_if(Entity::MacAddress, validate::mac_address(b));
    }
    if s.dot == 3 && s.ascii_other == 3 && s.digits == alnum {
        m.add_if(Entity::Ipv4, validate::ipv4(b));
    }
    if s.comma == 1 && s.dot >= 2 {
        m.add_if(Entity::GpsCoordinate, validate::gps_pair(b));
    }
    if s.digits == alnum
        && s.digits >= 7
        && (s.dash > 0 || s.space > 0 || b[0] == b'(' || b[0] == b'+')
    {
        m.add_if(Entity::Mobile, validate::mobile(b));
        m.add_if(Entity::Landline, validate::landline(b));
    }
    if s.digits >= 6 && s.digits == alnum && (s.dash == 2 || s.dot == 2 || b.len() == 8) {
        m.add_if(Entity::DateOfBirth, validate::birth_date(v));
    }
    if b.len() == 10 && b[8] == b'(' {
        m.add_if(Entity::TaiwanPermit, validate::taiwan_permit(b));
    }
    m
}

fn match_digits(v: &str, m: &mut ValueMatch) {
    let b = v.as_bytes();
    match b.len() {
        6 => m.add_if(Entity::PostalCode, validate::postal_code(b)),
        8 => {
            m.add_if(Entity::DateOfBirth, validate::birth_date(v));
            m.add_if(Entity::TaiwanPermit, true);
        }
        11 => m.add_if(Entity::Mobile, validate::mobile(b)),
        13 => m.add_if(Entity::Mobile, validate::mobile(b)),
        15 => {
            m.add_if(Entity::Imei, validate::imei(b));
            m.add_if(Entity::Imsi, validate::imsi(b));
            if let Some(v) = validate::resident_id(b) {
                m.add(Entity::ResidentId, v);
            }
        }
        18 => {
            if let Some(v) = validate::resident_id(b) {
                m.add(Entity::ResidentId, v);
            }
            m.add_if(
                Entity::HmtResidencePermit,
                validate::hmt_residence_permit(b),
            );
        }
        _ => {}
    }
    if (16..=19).contains(&b.len()) {
        if let Some(v) = validate::bank_card(b) {
            m.add(Entity::BankCard, v);
        }
        m.add_if(Entity::Iccid, validate::iccid(b));
    }
    if (5..=11).contains(&b.len()) {
        m.add_if(Entity::Qq, validate::qq(b));
    }
}

fn match_alnum(v: &str, s: &Shape, m: &mut ValueMatch) {
    let b = v.as_bytes();
    match b.len() {
        18 => {
            if let Some(v) = validate::resident_id(b) {
                m.add(Entity::ResidentId, v);
            }
            if let Some(v) = validate::uscc(b) {
                m.add(Entity::Uscc, v);
            }
            m.add_if(
                Entity::HmtResidencePermit,
                validate::hmt_residence_permit(b),
            );
        }
        17 => m.add_if(Entity::Vin, validate::vin(b)),
        8 | 9 => {
            m.add_if(Entity::Passport, validate::passport(b));
            m.add_if(Entity::HkMacaoPermit, validate::hk_macao_permit(b));
        }
        _ => {}
    }
    if s.lower + s.upper > 0 && s.digits > 0 && b.len() == 20 {
        m.add_if(Entity::Iccid, validate::iccid(b));
    }
    m.add_if(Entity::Wechat, validate::wechat_id(b));
    m.add_if(Entity::Gender, dict::is_gender(v));
}

fn match_han(v: &str, s: &Shape, m: &mut ValueMatch) {
    // Plates: a province character then ASCII.
    if let Some(first) = v.chars().next() {
        let rest = &v[first.len_utf8()..];
        if PLATE_PROVINCES.contains(first) && rest.is_ascii() {
            m.add_if(Entity::LicensePlate, validate::plate_tail(rest.as_bytes()));
            return;
        }
    }
    if s.digits > 0 && s.digits + s.dash + s.non_ascii == v.len() {
        m.add_if(Entity::DateOfBirth, validate::birth_date(v));
    }
    m.add_if(Entity::Gender, dict::is_gender(v));
    m.add_if(Entity::Ethnicity, dict::is_ethnicity(v));
    m.add_if(Entity::PersonName, dict::is_person_name(v));
    m.add_if(Entity::OrgName, dict::is_org_name(v));
    m.add_if(Entity::Address, dict::is_address(v));
    m.add_if(Entity::Religion, crate::dict::RELIGION_TERMS.contains(&v));
    m.add_if(
        Entity::Health,
        v.chars().count() <= 40 && dict::mentions_health(v),
    );
}

/// One-character province abbreviations that start a mainland licence plate.
pub static PLATE_PROVINCES: HanSet =
    HanSet::new("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼");

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The packed sums count what a byte-by-byte tally counts, up to the longest value.
        #[test]
        fn shape_counts_like_a_tally(b in proptest::collection::vec(
            proptest::prop_oneof![proptest::num::u8::ANY, proptest::sample::select(b"09AZaz@:.-, ".to_vec())],
            0..=256,
        )) {
            let count = |f: fn(&u8) -> bool| b.iter().filter(|c| f(c)).count();
            let expected = Shape {
                digits: count(u8::is_ascii_digit),
                upper: count(u8::is_ascii_uppercase),
                lower: count(u8::is_ascii_lowercase),
                non_ascii: count(|c| *c >= 0x80),
                ascii_other: count(|c| c.is_ascii() && !c.is_ascii_alphanumeric()),
                at: b.contains(&b'@'),
                colon: count(|c| *c == b':'),
                dot: count(|c| *c == b'.'),
                dash: count(|c| *c == b'-'),
                comma: count(|c| *c == b','),
                space: count(|c| *c == b' '),
            };
            proptest::prop_assert_eq!(shape(&b), expected);
        }
    }

    fn is(v: &str, e: Entity) -> bool {
        match_value(v).matched.contains(e)
    }

    #[test]
    fn shapes_dispatch_to_the_right_validators() {
        assert!(is("13040620050530118X", Entity::ResidentId));
        assert!(is("15991655406", Entity::Mobile));
        assert!(is("0571-3528510", Entity::Landline));
        assert!(is("caina@example.com", Entity::Email));
        assert!(is("8fc7:1e8c:db7e:423:1865:e81e:6982:71fc", Entity::Ipv6));
        assert!(is("7a:23:99:28:76:e2", Entity::MacAddress));
        assert!(is("35.286042,94.105632", Entity::GpsCoordinate));
        assert!(is("京NV8QNJ", Entity::LicensePlate));
        assert!(is("LHGXWBXJ3SK9Y737U", Entity::Vin));
        assert!(is("E12345678", Entity::Passport));
        assert!(is("1975-03-02", Entity::DateOfBirth));
        assert!(is("汉族", Entity::Ethnicity));
        assert!(is("男", Entity::Gender));
        assert!(is("王璐", Entity::PersonName));
        assert!(is("佳禾科技有限公司", Entity::OrgName));
        assert!(is(
            "广东省肇庆市高要区活道镇长江路244号22栋1009室",
            Entity::Address
        ));
        assert!(is("192.168.10.1", Entity::Ipv4));
    }

    #[test]
    fn hard_negatives_match_nothing_strong() {
        for v in [
            "2023-02-10 13:54:36",
            "7349612e-db8e-44b2-9cdd-2bb7fa8039fc",
            "92854.79",
            "TYD-428697",
            "已完成",
        ] {
            let m = match_value(v).matched;
            assert!(
                m.iter()
                    .all(|e| e.evidence() != crate::entity::Evidence::Strong),
                "{v}: {m:?}"
            );
        }
        assert!(!is("10012345678", Entity::Mobile));
    }
}
