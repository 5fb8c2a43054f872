//! Partial masking: hide the middle of a value, keeping what each entity's
//! convention keeps (mobile 3-4-4, id 6 + 4, card 6 + 4, the surname, the first
//! letter and domain of an email, the province-city-district of an address).

/// Two-character surnames, which keep both characters.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "独孤", "端木", "南宫", "西门", "司空", "呼延", "澹台", "公冶", "太史",
    "申屠", "闻人", "万俟", "钟离", "宗政", "濮阳", "淳于", "单于", "拓跋", "百里", "东郭", "第五",
];

/// Separators stay visible so the masked value keeps its shape.
fn is_separator(c: char) -> bool {
    // ASCII first: masking runs per character of every masked cell, and the Unicode
    // whitespace lookup dominated a 100 MB CSV pass.
    if c.is_ascii() {
        return c.is_ascii_punctuation() || matches!(c, ' ' | '\t' | '\n' | '\x0B' | '\x0C' | '\r');
    }
    c.is_whitespace() || matches!(c, '·' | '•' | '、' | '，')
}

/// Masks all significant characters except the first `keep_start` and last `keep_end`.
pub(crate) fn keep_ends(value: &str, keep_start: usize, keep_end: usize, mask: char) -> String {
    let significant = value.chars().filter(|&c| !is_separator(c)).count();
    let visible_end = significant.saturating_sub(keep_end);
    let mut index = 0;
    value
        .chars()
        .map(|c| {
            if is_separator(c) {
                return c;
            }
            let position = index;
            index += 1;
            if position < keep_start || position >= visible_end.max(keep_start) {
                c
            } else {
                mask
            }
        })
        .collect()
}

/// The per-entity default partial mask.
pub(crate) fn entity_default(value: &str, entity: Option<&str>, mask: char) -> String {
    match entity {
        Some("cn_mobile") => mobile(value, mask),
        Some("cn_resident_id" | "bank_card") => keep_ends(value, 6, 4, mask),
        Some("person_name") => person_name(value, mask),
        Some("email") => email(value, mask),
        Some("address") => address(value, mask),
        Some("date_of_birth") => keep_ends(value, 4, 0, mask),
        Some("cn_landline") => keep_ends(value, 3, 2, mask),
        _ => {
            let significant = value.chars().filter(|&c| !is_separator(c)).count();
            keep_ends(value, significant / 4, significant / 4, mask)
        }
    }
}

/// 3-4-4 on the national number; a leading +86 / 0086 stays visible.
fn mobile(value: &str, mask: char) -> String {
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    let country_code_digits = digits.saturating_sub(11);
    keep_ends(value, country_code_digits + 3, 4, mask)
}

fn person_name(value: &str, mask: char) -> String {
    let trimmed = value.trim();
    if trimmed.contains(' ') {
        // Latin order: given names first, the family name last and kept.
        let (given, family) = trimmed.rsplit_once(' ').unwrap_or(("", trimmed));
        let given = given
            .split(' ')
            .map(|name| keep_ends(name, 1, 0, mask))
            .collect::<Vec<_>>()
            .join(" ");
        return format!("{given} {family}");
    }
    let surname_chars = if COMPOUND_SURNAMES.iter().any(|s| trimmed.starts_with(s))
        && trimmed.chars().count() > 2
    {
        2
    } else {
        1
    };
    keep_ends(trimmed, surname_chars, 0, mask)
}

fn email(value: &str, mask: char) -> String {
    match value.rsplit_once('@') {
        Some((local, domain)) => {
            let mut chars = local.chars();
            let first = chars.next().map(String::from).unwrap_or_default();
            let hidden: String = chars.map(|_| mask).collect();
            format!("{first}{hidden}@{domain}")
        }
        None => keep_ends(value, 1, 0, mask),
    }
}

fn address(value: &str, mask: char) -> String {
    let kept = county_end(value).unwrap_or(0);
    value
        .chars()
        .enumerate()
        .map(|(index, c)| {
            if index < kept || c.is_whitespace() {
                c
            } else {
                mask
            }
        })
        .collect()
}

const MUNICIPALITIES: &[&str] = &["北京市", "上海市", "天津市", "重庆市"];
const PROVINCE_SUFFIXES: &[&str] = &["特别行政区", "自治区", "省"];
const PREFECTURE_SUFFIXES: &[&str] = &["地区", "市", "州", "盟"];
const COUNTY_SUFFIXES: &[&str] = &["区", "县", "市", "旗"];
/// Longest name searched for a unit ("积石山保安族东乡族撒拉族自治县" is an outlier).
const UNIT_WINDOW: usize = 10;

/// Char index just after the first suffix of `suffixes` within the window from `start`.
fn unit_end(chars: &[char], start: usize, suffixes: &[&str]) -> Option<usize> {
    let end = (start + UNIT_WINDOW).min(chars.len());
    (start + 1..=end).find(|&stop| {
        let candidate: String = chars[start..stop].iter().collect();
        suffixes.iter().any(|suffix| candidate.ends_with(suffix))
    })
}

/// Char index after the province and prefecture (the city part of an address).
pub(crate) fn city_end(value: &str) -> Option<usize> {
    let chars: Vec<char> = value.chars().collect();
    if let Some(municipality) = MUNICIPALITIES.iter().find(|m| value.starts_with(*m)) {
        return Some(municipality.chars().count());
    }
    let province = unit_end(&chars, 0, PROVINCE_SUFFIXES).unwrap_or(0);
    unit_end(&chars, province, PREFECTURE_SUFFIXES)
}

/// Char index after the first county-level unit (区/县/市/旗 after the city).
pub(crate) fn county_end(value: &str) -> Option<usize> {
    let chars: Vec<char> = value.chars().collect();
    let city = city_end(value)?;
    Some(unit_end(&chars, city, COUNTY_SUFFIXES).unwrap_or(city))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_defaults() {
        let cases = [
            ("cn_mobile", "13800138000", "138****8000"),
            ("cn_mobile", "+86 138 0013 8000", "+86 138 **** 8000"),
            ("cn_resident_id", "11010519491231002X", "110105********002X"),
            ("bank_card", "6222021234567890128", "622202*********0128"),
            ("person_name", "张三", "张*"),
            ("person_name", "欧阳娜娜", "欧阳**"),
            ("person_name", "欧阳", "欧*"),
            ("person_name", "John Smith", "J*** Smith"),
            ("email", "zhangsan@example.com", "z*******@example.com"),
            ("address", "北京市朝阳区建国路88号", "北京市朝阳区******"),
            (
                "address",
                "广东省深圳市南山区科技园南区1栋",
                "广东省深圳市南山区*******",
            ),
            (
                "address",
                "新疆维吾尔自治区乌鲁木齐市天山区解放路",
                "新疆维吾尔自治区乌鲁木齐市天山区***",
            ),
            (
                "address",
                "四川省阿坝藏族羌族自治州汶川县威州镇",
                "四川省阿坝藏族羌族自治州汶川县***",
            ),
            ("address", "深圳市南山区粤海街道", "深圳市南山区****"),
            ("date_of_birth", "1990-03-07", "1990-**-**"),
        ];
        for (entity, value, expected) in cases {
            assert_eq!(
                entity_default(value, Some(entity), '*'),
                expected,
                "{entity}"
            );
        }
    }

    #[test]
    fn explicit_ends_and_short_values() {
        assert_eq!(keep_ends("abcdef", 1, 1, '#'), "a####f");
        assert_eq!(keep_ends("ab", 3, 3, '*'), "ab");
        assert_eq!(entity_default("", Some("email"), '*'), "");
        assert_eq!(entity_default("无地址", Some("address"), '*'), "***");
    }
}
