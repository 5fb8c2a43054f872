//! Entity knowledge the protection needs: the canonical ids, check digits,
//! calendar arithmetic and small tables of real prefixes.

/// Canonical entity ids (shared/eval/CONTRACT.md), kept here until the classifier
/// exposes its catalogue.
pub const ENTITIES: &[&str] = &[
    "cn_resident_id",
    "cn_mobile",
    "cn_landline",
    "email",
    "bank_card",
    "cn_uscc",
    "cn_passport",
    "cn_license_plate",
    "vin",
    "ipv4",
    "ipv6",
    "mac_address",
    "imei",
    "person_name",
    "address",
    "date_of_birth",
    "gps_coordinate",
    "ethnicity",
    "gender",
    "org_name",
];

pub fn is_known_entity(entity: &str) -> bool {
    ENTITIES.contains(&entity)
}

/// Real 3-digit mobile prefixes of the three carriers and the MVNO ranges.
pub(crate) const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "145", "147", "149",
    "150", "151", "152", "153", "155", "156", "157", "158", "159", "162", "165", "166", "167",
    "170", "171", "172", "173", "175", "176", "177", "178", "180", "181", "182", "183", "184",
    "185", "186", "187", "188", "189", "190", "191", "192", "193", "195", "196", "197", "198",
    "199",
];

/// Check character of an 18-digit resident id (GB 11643, ISO 7064 MOD 11-2).
pub(crate) fn resident_id_check(body: &[u8; 17]) -> u8 {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(&digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    b"10X98765432"[(sum % 11) as usize]
}

/// Luhn check digit for `digits` (ASCII), which do not include the check digit.
pub(crate) fn luhn_check_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(index, &digit)| {
            let value = u32::from(digit - b'0');
            if index % 2 == 0 {
                let doubled = value * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                value
            }
        })
        .sum();
    b'0' + ((10 - sum % 10) % 10) as u8
}

pub(crate) fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub(crate) fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

pub fn is_valid_date(year: i64, month: u32, day: u32) -> bool {
    (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits() {
        assert_eq!(resident_id_check(b"11010519491231002"), b'X');
        assert_eq!(resident_id_check(b"44030519900307123"), b'6');
        assert_eq!(luhn_check_digit(b"7992739871"), b'3');
        assert_eq!(luhn_check_digit(b"622202123456789012"), b'8');
    }

    #[test]
    fn calendar_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for days in -80_000..80_000 {
            let (year, month, day) = civil_from_days(days);
            assert!(is_valid_date(year, month, day));
            assert_eq!(days_from_civil(year, month, day), days);
        }
        assert!(!is_valid_date(1900, 2, 29));
        assert!(is_valid_date(2000, 2, 29));
    }
}
