//! What each column is to the watermark, decided from content alone (headers get renamed and
//! columns reordered), and the per-row walk shared by embedding and tracing.
//!
//! Every markable cell is keyed by a *virtual key*, never by a primary key or a position:
//! - a decimal with a fraction or a date-time with seconds is keyed by its own stable part
//!   (the value with its last unit's parity removed), so the mark survives as long as the cell
//!   does, whatever other columns are dropped;
//! - an integer or a date (few distinct values: keyed by themselves they would repeat the same
//!   bit) is keyed by the row's *anchor*: among the row's identity values (resident ID, phone
//!   number, …; the columns that never change) the one with the smallest public hash, or when
//!   the table has none, among the stable parts above. Dropping a column moves the anchor only
//!   in the rows it anchored (rendezvous hashing), so the marks of the other rows still check.

use shuan_classify::entity::Evidence;
use shuan_classify::value::match_value;

use super::siphash::SipKey;
use super::values::{DateValue, Decimal, SECONDS_OFFSET, with_days, with_second};

/// Rows looked at to decide the columns' roles.
pub const SAMPLE_ROWS: usize = 2_000;
/// Share of non-empty values that must agree for a column to take a role.
const ROLE_AGREEMENT: f64 = 0.98;
/// Share of values an identity entity must match for its column to be a key column.
const KEY_AGREEMENT: f64 = 0.8;
/// Integers whose average length reaches this are identifiers (order numbers): never changed.
const IDENTIFIER_DIGITS: f64 = 6.0;
/// A number is marked only when one unit is at most 1% of it: |count| >= 100 units. Checked on
/// the stable part (count / 2 >= 50) so that marking never changes whether a cell qualifies.
const MIN_STABLE_UNITS: u128 = 50;

/// What a column is to the watermark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnRole {
    /// An identity entity (resident ID, phone, card, …): never changed; a candidate row key.
    Identity(&'static str),
    /// A decimal with this many fraction digits: its last digit carries a mark.
    Decimal(u32),
    /// An integer (quantity, count): moves by one when marked.
    Integer,
    /// A date with a time to the second: the second carries a mark.
    DateTime,
    /// A date without time: moves by one day when marked.
    Date,
    /// Text, identifiers, mixed content: never changed, never used.
    Untouched,
}

impl ColumnRole {
    /// Short description for reports.
    pub fn describe(&self) -> String {
        match self {
            ColumnRole::Identity(entity) => format!("{entity} (kept, key)"),
            ColumnRole::Decimal(decimals) => {
                format!("decimal, last of {decimals} fraction digit(s) ±1")
            }
            ColumnRole::Integer => "integer ±1 (values >= 100)".to_owned(),
            ColumnRole::DateTime => "date-time, seconds ±1".to_owned(),
            ColumnRole::Date => "date ±1 day".to_owned(),
            ColumnRole::Untouched => "kept".to_owned(),
        }
    }

    pub fn is_markable(&self) -> bool {
        matches!(
            self,
            ColumnRole::Decimal(_) | ColumnRole::Integer | ColumnRole::DateTime | ColumnRole::Date
        )
    }

    /// Content-class tag mixed into virtual keys, so columns of different kinds carry
    /// independent bits.
    fn tag(&self) -> &[u8] {
        match self {
            ColumnRole::Identity(entity) => entity.as_bytes(),
            ColumnRole::Decimal(decimals) => {
                const TAGS: [&[u8]; 7] = [b"n0", b"n1", b"n2", b"n3", b"n4", b"n5", b"n6"];
                TAGS[(*decimals as usize).min(6)]
            }
            ColumnRole::Integer => b"int",
            ColumnRole::DateTime => b"datetime",
            ColumnRole::Date => b"date",
            ColumnRole::Untouched => b"",
        }
    }

    fn is_self_keyed(&self) -> bool {
        matches!(self, ColumnRole::Decimal(_) | ColumnRole::DateTime)
    }
}

/// Decides every column's role from a sample of rows (the first [`SAMPLE_ROWS`] are used).
pub fn classify_columns(width: usize, rows: &[Vec<Option<String>>]) -> Vec<ColumnRole> {
    let rows = &rows[..rows.len().min(SAMPLE_ROWS)];
    (0..width)
        .map(|column| {
            let values: Vec<&str> = rows
                .iter()
                .filter_map(|row| row.get(column)?.as_deref())
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .collect();
            classify_column(&values)
        })
        .collect()
}

fn classify_column(values: &[&str]) -> ColumnRole {
    if values.is_empty() {
        return ColumnRole::Untouched;
    }
    let total = values.len() as f64;
    let mut identity_counts: Vec<(&'static str, usize)> = Vec::new();
    for value in values {
        for entity in match_value(value).matched.iter() {
            if entity.evidence() != Evidence::Strong {
                continue;
            }
            match identity_counts
                .iter_mut()
                .find(|(id, _)| *id == entity.id())
            {
                Some((_, count)) => *count += 1,
                None => identity_counts.push((entity.id(), 1)),
            }
        }
    }
    if let Some(&(entity, count)) = identity_counts.iter().max_by_key(|(_, count)| *count)
        && count as f64 >= KEY_AGREEMENT * total
    {
        return ColumnRole::Identity(entity);
    }

    let decimals: Vec<Decimal> = values.iter().filter_map(|v| Decimal::parse(v)).collect();
    if decimals.len() as f64 >= ROLE_AGREEMENT * total {
        return classify_numbers(&decimals);
    }
    let dates: Vec<DateValue> = values.iter().filter_map(|v| DateValue::parse(v)).collect();
    if dates.len() as f64 >= ROLE_AGREEMENT * total {
        let with_seconds = dates.iter().filter(|d| d.second_of_day.is_some()).count();
        if with_seconds as f64 >= ROLE_AGREEMENT * dates.len() as f64 {
            return ColumnRole::DateTime;
        }
        if with_seconds == 0 {
            return ColumnRole::Date;
        }
    }
    ColumnRole::Untouched
}

fn classify_numbers(numbers: &[Decimal]) -> ColumnRole {
    // The precision the column really has: the least number of fraction digits that covers
    // 95% of the values. Trailing zeros lost in a spreadsheet round trip (12.50 -> 12.5) lower
    // a few values' precision but not the column's; one stray long value does not raise it.
    let plausible: Vec<u32> = numbers
        .iter()
        .filter(|number| number.has_plausible_scale())
        .map(|number| number.significant_scale)
        .collect();
    let mut counts = [0usize; 7];
    for &scale in &plausible {
        counts[scale as usize] += 1;
    }
    let needed = (0.95 * plausible.len() as f64).ceil() as usize;
    let mut covered = 0;
    let decimals = (0..7u32)
        .find(|&scale| {
            covered += counts[scale as usize];
            covered >= needed
        })
        .unwrap_or(6);
    if decimals > 0 {
        return ColumnRole::Decimal(decimals);
    }
    let digits: usize = numbers
        .iter()
        .map(|number| {
            number
                .digits
                .checked_ilog10()
                .map_or(1, |log| log as usize + 1)
        })
        .sum();
    if digits as f64 / numbers.len() as f64 >= IDENTIFIER_DIGITS {
        ColumnRole::Untouched
    } else {
        ColumnRole::Integer
    }
}

/// A markable cell as read: a signed count of its smallest unit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CellCount {
    pub column: usize,
    pub count: i128,
}

impl CellCount {
    pub fn parity(&self) -> bool {
        self.count.rem_euclid(2) == 1
    }

    fn stable(&self) -> i128 {
        self.count.div_euclid(2)
    }
}

/// The roles of a table's columns and the per-row walk over its marks.
#[derive(Debug, Clone)]
pub struct Layout {
    roles: Vec<ColumnRole>,
    /// Scratch reused across rows (embedding runs at tens of MB/s: no allocation per cell).
    counts: Vec<CellCount>,
    candidate: Vec<u8>,
    anchor: Vec<u8>,
    virtual_key: Vec<u8>,
}

impl Layout {
    pub fn new(roles: Vec<ColumnRole>) -> Self {
        Layout {
            roles,
            counts: Vec::new(),
            candidate: Vec::new(),
            anchor: Vec::new(),
            virtual_key: Vec::new(),
        }
    }

    pub fn from_sample(width: usize, rows: &[Vec<Option<String>>]) -> Self {
        Layout::new(classify_columns(width, rows))
    }

    pub fn roles(&self) -> &[ColumnRole] {
        &self.roles
    }

    /// Calls `visit(cell, virtual key)` for every cell of `row` that can carry a mark.
    pub(crate) fn for_each_mark(
        &mut self,
        row: &[Option<String>],
        mut visit: impl FnMut(CellCount, &[u8]),
    ) {
        self.counts.clear();
        for (column, role) in self.roles.iter().enumerate() {
            if let Some(count) = role_count(*role, cell(row, column)) {
                self.counts.push(CellCount { column, count });
            }
        }
        if self.counts.is_empty() {
            return;
        }
        self.find_anchor(row);
        for cell in &self.counts {
            let role = self.roles[cell.column];
            self.virtual_key.clear();
            if role.is_self_keyed() {
                push_stable_key(&mut self.virtual_key, role, cell.stable());
            } else if self.anchor.is_empty() {
                continue;
            } else {
                self.virtual_key.extend_from_slice(&self.anchor);
                self.virtual_key.push(0xff);
                self.virtual_key.extend_from_slice(role.tag());
            }
            visit(*cell, &self.virtual_key);
        }
    }

    /// Sets `anchor` to the row's candidate key with the smallest public hash, identity values
    /// before stable parts (empty if none).
    fn find_anchor(&mut self, row: &[Option<String>]) {
        self.anchor.clear();
        let mut lowest = (u8::MAX, u64::MAX);
        for (column, role) in self.roles.iter().enumerate() {
            self.candidate.clear();
            let tier = match role {
                ColumnRole::Identity(_) => {
                    let Some(value) = cell(row, column) else {
                        continue;
                    };
                    self.candidate.extend_from_slice(role.tag());
                    self.candidate.push(0);
                    let start = self.candidate.len();
                    self.candidate.extend(
                        value
                            .bytes()
                            .filter(|byte| !matches!(byte, b' ' | b'-'))
                            .map(|byte| byte.to_ascii_uppercase()),
                    );
                    if self.candidate.len() == start {
                        continue;
                    }
                    0
                }
                _ if role.is_self_keyed() => {
                    let Some(cell) = self.counts.iter().find(|cell| cell.column == column) else {
                        continue;
                    };
                    push_stable_key(&mut self.candidate, *role, cell.stable());
                    1
                }
                _ => continue,
            };
            let weight = (tier, SipKey::PUBLIC.hash(&self.candidate));
            if weight < lowest {
                lowest = weight;
                std::mem::swap(&mut self.anchor, &mut self.candidate);
            }
        }
    }

    /// Rewrites `row`'s cell so that its count becomes `count` (same pair, other parity).
    pub(crate) fn rewrite(&self, row: &[Option<String>], cell: CellCount) -> Option<String> {
        let text = row.get(cell.column)?.as_deref()?.trim();
        let flipped = cell.count ^ 1;
        Some(match self.roles[cell.column] {
            ColumnRole::Decimal(decimals) => {
                let decimal = Decimal::parse(text)?;
                decimal.format(flipped.unsigned_abs(), decimals, decimal.scale)
            }
            ColumnRole::Integer => Decimal::parse(text)?.format(flipped.unsigned_abs(), 0, 0),
            ColumnRole::DateTime => {
                let second = text[SECONDS_OFFSET..SECONDS_OFFSET + 2]
                    .parse::<u32>()
                    .ok()?;
                with_second(text, second ^ 1)
            }
            ColumnRole::Date => with_days(text, i64::try_from(flipped).ok()?),
            ColumnRole::Identity(_) | ColumnRole::Untouched => return None,
        })
    }
}

fn cell(row: &[Option<String>], column: usize) -> Option<&str> {
    let value = row.get(column)?.as_deref()?.trim();
    (!value.is_empty()).then_some(value)
}

/// The cell's count of smallest units, when it can carry a mark.
fn role_count(role: ColumnRole, text: Option<&str>) -> Option<i128> {
    let text = text?;
    let count = match role {
        ColumnRole::Decimal(decimals) => signed(Decimal::parse(text)?, decimals)?,
        ColumnRole::Integer => signed(Decimal::parse(text)?, 0)?,
        ColumnRole::DateTime => {
            let date = DateValue::parse(text)?;
            i128::from(date.days) * 86_400 + i128::from(date.second_of_day?)
        }
        ColumnRole::Date => {
            let date = DateValue::parse(text)?;
            if date.second_of_day.is_some() {
                return None;
            }
            i128::from(date.days)
        }
        ColumnRole::Identity(_) | ColumnRole::Untouched => return None,
    };
    Some(count)
}

fn signed(decimal: Decimal, decimals: u32) -> Option<i128> {
    let units = i128::try_from(decimal.units(decimals)?).ok()?;
    let count = if decimal.negative { -units } else { units };
    // Decided on the pair {2j, 2j+1}, not the value, so both members agree.
    let stable = count.div_euclid(2);
    let pairs_from_zero = if stable >= 0 { stable } else { -stable - 1 };
    (pairs_from_zero.unsigned_abs() >= MIN_STABLE_UNITS).then_some(count)
}

fn push_stable_key(out: &mut Vec<u8>, role: ColumnRole, stable: i128) {
    out.extend_from_slice(role.tag());
    out.push(0);
    out.extend_from_slice(&stable.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(values: &[&str]) -> ColumnRole {
        classify_column(values)
    }

    #[test]
    fn roles_come_from_content() {
        assert_eq!(
            column(&["13800138000", "13912345678", "15011112222"]),
            ColumnRole::Identity("cn_mobile")
        );
        assert_eq!(column(&["12.50", "3.25", "100.01"]), ColumnRole::Decimal(2));
        assert_eq!(column(&["12.5", "3.25", "100"]), ColumnRole::Decimal(2));
        assert_eq!(column(&["17", "250", "3"]), ColumnRole::Integer);
        assert_eq!(column(&["20251234", "20259876"]), ColumnRole::Untouched);
        assert_eq!(column(&["007", "012"]), ColumnRole::Untouched);
        assert_eq!(
            column(&["2025-01-02 03:04:05", "2025-01-02 13:04:59"]),
            ColumnRole::DateTime
        );
        assert_eq!(column(&["2025-01-02", "2025/01/03"]), ColumnRole::Date);
        assert_eq!(column(&["张三", "李四"]), ColumnRole::Untouched);
    }

    #[test]
    fn rewriting_moves_one_unit_within_the_pair() {
        let layout = Layout::new(vec![
            ColumnRole::Decimal(2),
            ColumnRole::Integer,
            ColumnRole::DateTime,
            ColumnRole::Date,
        ]);
        let row: Vec<Option<String>> = ["-1234.5", "101", "2025-03-14 09:26:59", "2024-02-29"]
            .map(|value| Some(value.to_owned()))
            .to_vec();
        let counts: Vec<CellCount> = (0..4)
            .map(|column| CellCount {
                column,
                count: role_count(layout.roles[column], cell(&row, column)).unwrap(),
            })
            .collect();
        let rewritten: Vec<String> = counts
            .iter()
            .map(|&count| layout.rewrite(&row, count).unwrap())
            .collect();
        assert_eq!(
            rewritten,
            ["-1234.49", "100", "2025-03-14 09:26:58", "2024-03-01"]
        );
    }
}
