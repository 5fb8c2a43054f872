//! Dates as they appear in cells: parsed, moved and written back in the same style.

use crate::entity::{civil_from_days, days_from_civil, is_valid_date};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// `1990-03-07`, `1990/3/7`, `1990.03.07`: the separator and whether fields are padded.
    Separated { separator: char, padded: bool },
    /// `19900307`.
    Compact,
    /// `1990年3月7日`.
    Chinese { padded: bool },
}

/// A date at the start of a cell; anything after it (a time) is kept as `rest`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CellDate<'a> {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    style: Style,
    rest: &'a str,
}

impl<'a> CellDate<'a> {
    pub fn parse(value: &'a str) -> Option<Self> {
        let value = value.trim();
        let (date, rest) = match value.find([' ', 'T']) {
            Some(split) => value.split_at(split),
            None => (value, ""),
        };
        let (year, month, day, style) = if let Some(body) = date.strip_suffix('日') {
            let (year, rest) = body.split_once('年')?;
            let (month, day) = rest.split_once('月')?;
            let padded = month.len() == 2 && day.len() == 2;
            (year, month, day, Style::Chinese { padded })
        } else if date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) {
            (&date[..4], &date[4..6], &date[6..], Style::Compact)
        } else {
            let separator = date.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
            let mut parts = date.split(separator);
            let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() {
                return None;
            }
            let padded = month.len() == 2 && day.len() == 2;
            (year, month, day, Style::Separated { separator, padded })
        };
        if year.len() != 4 || month.is_empty() || month.len() > 2 || day.is_empty() || day.len() > 2
        {
            return None;
        }
        let (year, month, day) = (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
        is_valid_date(year, month, day).then_some(CellDate {
            year,
            month,
            day,
            style,
            rest,
        })
    }

    pub fn shifted(&self, days: i64) -> String {
        let (year, month, day) =
            civil_from_days(days_from_civil(self.year, self.month, self.day) + days);
        format!("{}{}", self.format(year, Some(month), Some(day)), self.rest)
    }

    /// The date cut to its month (`1990-03`) or its year (`1990`).
    pub fn truncated(&self, keep_month: bool) -> String {
        self.format(self.year, keep_month.then_some(self.month), None)
    }

    fn format(&self, year: i64, month: Option<u32>, day: Option<u32>) -> String {
        let pad = |field: u32, padded: bool| {
            if padded {
                format!("{field:02}")
            } else {
                field.to_string()
            }
        };
        match self.style {
            Style::Separated { separator, padded } => {
                let mut text = format!("{year:04}");
                for field in [month, day].into_iter().flatten() {
                    text.push(separator);
                    text.push_str(&pad(field, padded));
                }
                text
            }
            Style::Compact => {
                let mut text = format!("{year:04}");
                for field in [month, day].into_iter().flatten() {
                    text.push_str(&pad(field, true));
                }
                text
            }
            Style::Chinese { padded } => {
                let mut text = format!("{year:04}年");
                if let Some(month) = month {
                    text.push_str(&format!("{}月", pad(month, padded)));
                }
                if let Some(day) = day {
                    text.push_str(&format!("{}日", pad(day, padded)));
                }
                text
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_survive_a_shift() {
        let cases = [
            ("1990-03-07", 30, "1990-04-06"),
            ("1990/3/7", -7, "1990/2/28"),
            ("19900307", 1, "19900308"),
            ("1990年03月07日", 365, "1991年03月07日"),
            ("2024-02-28 12:30:00", 1, "2024-02-29 12:30:00"),
            ("2024-12-31T08:00", 1, "2025-01-01T08:00"),
        ];
        for (value, days, expected) in cases {
            assert_eq!(CellDate::parse(value).unwrap().shifted(days), expected);
        }
    }

    #[test]
    fn truncation_and_rejections() {
        let date = CellDate::parse("1990-03-07").unwrap();
        assert_eq!(date.truncated(true), "1990-03");
        assert_eq!(date.truncated(false), "1990");
        assert_eq!(
            CellDate::parse("1990年3月7日").unwrap().truncated(true),
            "1990年3月"
        );
        for value in [
            "1990-02-30",
            "hello",
            "12345678",
            "1990-1-2-3",
            "90-01-02",
            "",
        ] {
            assert!(CellDate::parse(value).is_none(), "{value}");
        }
    }
}
