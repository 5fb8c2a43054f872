//! Reading and rewriting the cells that can carry a mark: plain decimals and dates.
//!
//! Every markable value is seen as an integer count of its smallest unit (cents for a
//! two-decimal amount, seconds for a time of day, days for a date). A mark sets that count's
//! parity within its pair {2j, 2j+1}, so the value moves by at most one unit and the pair
//! index j — the value's *stable part* — never changes: it keys the mark at trace time.

use crate::entity::days_in_month;
pub(crate) use crate::entity::{civil_from_days, days_from_civil};

/// Fraction digits beyond this are float noise from a spreadsheet, not precision.
const MAX_DECIMALS: u32 = 6;

/// A plain decimal: optional sign, digits, optional fraction; no exponent, no grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal {
    pub negative: bool,
    /// All digits as one integer (integer part and fraction).
    pub digits: u128,
    /// Fraction digits as written.
    pub scale: u32,
    /// Fraction digits without trailing zeros: the precision the value really has.
    pub significant_scale: u32,
}

impl Decimal {
    /// Parses a trimmed cell. Leading zeros (`007`) mean a code, not a number.
    pub(crate) fn parse(text: &str) -> Option<Decimal> {
        let bytes = text.as_bytes();
        let (negative, body) = match bytes.first()? {
            b'-' => (true, &bytes[1..]),
            b'+' => (false, &bytes[1..]),
            _ => (false, bytes),
        };
        let (integer, fraction) = match body.iter().position(|&byte| byte == b'.') {
            Some(dot) => (&body[..dot], Some(&body[dot + 1..])),
            None => (body, None),
        };
        if integer.is_empty()
            || integer.len() + fraction.map_or(0, <[u8]>::len) > 30
            || (integer.len() > 1 && integer[0] == b'0')
            || fraction.is_some_and(<[u8]>::is_empty)
        {
            return None;
        }
        let mut digits = 0u128;
        for &byte in integer.iter().chain(fraction.unwrap_or_default()) {
            if !byte.is_ascii_digit() {
                return None;
            }
            digits = digits * 10 + u128::from(byte - b'0');
        }
        let fraction = fraction.unwrap_or_default();
        let significant = fraction.iter().rposition(|&byte| byte != b'0');
        Some(Decimal {
            negative,
            digits,
            scale: fraction.len() as u32,
            significant_scale: significant.map_or(0, |last| last as u32 + 1),
        })
    }

    /// Whether the fraction is real precision rather than binary float noise.
    pub(crate) fn has_plausible_scale(&self) -> bool {
        self.significant_scale <= MAX_DECIMALS
    }

    /// The magnitude in units of `10^-decimals`, when the value has no finer precision.
    pub(crate) fn units(&self, decimals: u32) -> Option<u128> {
        if self.significant_scale > decimals {
            return None;
        }
        if self.scale >= decimals {
            Some(self.digits / 10u128.pow(self.scale - decimals))
        } else {
            self.digits.checked_mul(10u128.pow(decimals - self.scale))
        }
    }

    /// Text for a magnitude in units of `10^-decimals`, written with `width` fraction digits
    /// (at least `decimals`), keeping this value's sign.
    pub(crate) fn format(&self, units: u128, decimals: u32, width: u32) -> String {
        let width = width.max(decimals);
        let scaled = units * 10u128.pow(width - decimals);
        let divisor = 10u128.pow(width);
        let sign = if self.negative { "-" } else { "" };
        if width == 0 {
            format!("{sign}{scaled}")
        } else {
            let (integer, fraction) = (scaled / divisor, scaled % divisor);
            format!("{sign}{integer}.{fraction:0width$}", width = width as usize)
        }
    }
}

/// A date (`YYYY-MM-DD` or `YYYY/MM/DD`), optionally followed by ` HH:MM:SS` or `THH:MM:SS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateValue {
    /// Days since 1970-01-01.
    pub days: i64,
    /// Seconds since midnight, when a time with seconds follows the date.
    pub second_of_day: Option<u32>,
}

/// Byte offset of the seconds digits in `YYYY-MM-DD HH:MM:SS`.
pub(crate) const SECONDS_OFFSET: usize = 17;

impl DateValue {
    pub(crate) fn parse(text: &str) -> Option<DateValue> {
        let bytes = text.as_bytes();
        if bytes.len() < 10 {
            return None;
        }
        let separator = bytes[4];
        if !matches!(separator, b'-' | b'/') || bytes[7] != separator {
            return None;
        }
        let year = number(&bytes[0..4])?;
        let month = number(&bytes[5..7])?;
        let day = number(&bytes[8..10])?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(i64::from(year), month) {
            return None;
        }
        let days = days_from_civil(i64::from(year), month, day);
        let second_of_day = match &bytes[10..] {
            [] => None,
            [
                b' ' | b'T',
                hour_high,
                hour_low,
                b':',
                minute_high,
                minute_low,
                b':',
                second_high,
                second_low,
            ] => {
                let hour = number(&[*hour_high, *hour_low])?;
                let minute = number(&[*minute_high, *minute_low])?;
                let second = number(&[*second_high, *second_low])?;
                if hour > 23 || minute > 59 || second > 59 {
                    return None;
                }
                Some(hour * 3600 + minute * 60 + second)
            }
            _ => return None,
        };
        Some(DateValue {
            days,
            second_of_day,
        })
    }
}

/// `text` (a valid date) with its date part replaced by `days`, same separator, same rest.
pub(crate) fn with_days(text: &str, days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    let separator = char::from(text.as_bytes()[4]);
    format!(
        "{year:04}{separator}{month:02}{separator}{day:02}{}",
        &text[10..]
    )
}

/// `text` (a valid date-time) with its seconds replaced by `second`.
pub(crate) fn with_second(text: &str, second: u32) -> String {
    format!(
        "{}{second:02}{}",
        &text[..SECONDS_OFFSET],
        &text[SECONDS_OFFSET + 2..]
    )
}

fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, &byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + u32::from(byte - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_parse_scale_and_format() {
        let amount = Decimal::parse("-1234.50").unwrap();
        assert!(amount.negative);
        assert_eq!(
            (amount.digits, amount.scale, amount.significant_scale),
            (123_450, 2, 1)
        );
        assert_eq!(amount.units(2), Some(123_450));
        assert_eq!(amount.units(3), Some(1_234_500));
        assert_eq!(amount.units(0), None);
        assert_eq!(amount.format(123_451, 2, 2), "-1234.51");
        assert_eq!(Decimal::parse("12.5").unwrap().format(1251, 2, 1), "12.51");
        assert_eq!(Decimal::parse("17").unwrap().format(16, 0, 0), "16");
        for rejected in ["", "007", "1e5", "1,000", "1.", ".5", "--1", "12a"] {
            assert_eq!(Decimal::parse(rejected), None, "{rejected}");
        }
        assert!(
            !Decimal::parse("0.30000000000000004")
                .unwrap()
                .has_plausible_scale()
        );
    }

    #[test]
    fn dates_parse_and_rewrite() {
        let date = DateValue::parse("2024-02-29").unwrap();
        assert_eq!(date.second_of_day, None);
        assert_eq!(with_days("2024/02/29", date.days + 1), "2024/03/01");
        assert_eq!(DateValue::parse("1970-01-01").unwrap().days, 0);
        let time = DateValue::parse("2025-03-14 09:26:53").unwrap();
        assert_eq!(time.second_of_day, Some(9 * 3600 + 26 * 60 + 53));
        assert_eq!(
            with_second("2025-03-14T09:26:53", 52),
            "2025-03-14T09:26:52"
        );
        for rejected in [
            "2023-02-29",
            "2025-13-01",
            "2025-03-14 9:26:53",
            "2025-03-14 09:26",
        ] {
            assert_eq!(DateValue::parse(rejected), None, "{rejected}");
        }
        for days in [-800_000, -1, 0, 19_000, 60_000] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), days);
        }
    }
}
