//! Rendering typed values (Parquet, spreadsheets) as the text a person would write.
//!
//! The classifier matches text, so a number must look as it would in a CSV
//! export: an integer stored as a float is `13800138000`, not `13800138000.0`
//! or `1.3800138E10`; a date is `1990-05-12`.

/// Floats that hold an integer print without a fraction; others print shortest round-trip.
pub(crate) fn float(value: f64) -> String {
    // Below 2^53 every integer is exact, so printing it as an integer loses nothing.
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 9.007_199_254_740_992e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// `YYYY-MM-DD` for a count of days since 1970-01-01.
pub(crate) fn date(days_since_epoch: i64) -> String {
    let (year, month, day) = civil_from_days(days_since_epoch);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `YYYY-MM-DD HH:MM:SS[.fraction]` for a time since 1970-01-01T00:00:00 (UTC),
/// given as whole seconds and a fraction of `fraction_digits` digits.
pub(crate) fn date_time(seconds: i64, fraction: u32, fraction_digits: usize) -> String {
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    let (hour, minute, second) = (
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
    );
    let mut text = format!("{} {hour:02}:{minute:02}:{second:02}", date(days));
    if fraction != 0 {
        text.push_str(&format!(".{fraction:0fraction_digits$}"));
    }
    text
}

/// Splits a count of `per_second` units since the epoch for [`date_time`].
pub(crate) fn date_time_from_units(units: i64, per_second: i64, fraction_digits: usize) -> String {
    date_time(
        units.div_euclid(per_second),
        units.rem_euclid(per_second) as u32,
        fraction_digits,
    )
}

/// Howard Hinnant's `civil_from_days`: proleptic Gregorian (year, month, day).
fn civil_from_days(days_since_epoch: i64) -> (i64, u32, u32) {
    let z = days_since_epoch + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
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
    fn floats() {
        assert_eq!(float(13800138000.0), "13800138000");
        assert_eq!(float(-3.0), "-3");
        assert_eq!(float(66098.17), "66098.17");
        assert_eq!(float(1e300), format!("{}", 1e300));
        assert_eq!(float(f64::NAN), "NaN");
    }

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(-1), "1969-12-31");
        assert_eq!(date(11_016), "2000-02-29");
        assert_eq!(
            date_time_from_units(951_782_400_123, 1000, 3),
            "2000-02-29 00:00:00.123"
        );
        assert_eq!(date_time(-1, 0, 0), "1969-12-31 23:59:59");
        // Extremes do not panic.
        date_time_from_units(i64::MIN, 1_000_000, 6);
        date_time_from_units(i64::MAX, 1000, 3);
    }
}
