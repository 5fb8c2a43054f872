//! Robustness of the watermark on generated tables: each attack alone and combined.

use super::*;
use crate::SecretKey;

type Table = Vec<Vec<Option<String>>>;

const HEADER: [&str; 7] = [
    "id",
    "phone",
    "name",
    "amount",
    "date",
    "created_at",
    "quantity",
];

/// splitmix64: a small deterministic generator so that every run sees the same tables.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for index in (1..items.len()).rev() {
            items.swap(index, self.below(index as u64 + 1) as usize);
        }
    }
}

fn resident_id(random: &mut Random) -> String {
    let region = random.pick(&["110101", "310104", "440305", "330106", "510107", "420102"]);
    let (year, month, day) = super::values::civil_from_days(-7_000 + random.below(19_000) as i64);
    let body = format!(
        "{region}{year:04}{month:02}{day:02}{:03}",
        random.below(1000)
    );
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    format!("{body}{}", char::from(b"10X98765432"[(sum % 11) as usize]))
}

fn generate(rows: usize, seed: u64) -> Table {
    let mut random = Random(seed);
    let surnames = [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
    ];
    let given = [
        "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
    ];
    (0..rows)
        .map(|_| {
            let date_days = 19_700 + random.below(730) as i64;
            let (year, month, day) = super::values::civil_from_days(date_days);
            let (c_year, c_month, c_day) =
                super::values::civil_from_days(19_000 + random.below(1000) as i64);
            let second_of_day = random.below(86_400);
            [
                resident_id(&mut random),
                format!(
                    "{}{:08}",
                    random.pick(&["138", "139", "150", "186", "177", "135"]),
                    random.below(100_000_000)
                ),
                format!(
                    "{}{}{}",
                    random.pick(&surnames),
                    random.pick(&given),
                    if random.below(2) == 0 {
                        *random.pick(&given)
                    } else {
                        ""
                    }
                ),
                format!("{}.{:02}", 1 + random.below(99_999), random.below(100)),
                format!("{year:04}-{month:02}-{day:02}"),
                format!(
                    "{c_year:04}-{c_month:02}-{c_day:02} {:02}:{:02}:{:02}",
                    second_of_day / 3600,
                    second_of_day / 60 % 60,
                    second_of_day % 60
                ),
                (1 + random.below(999)).to_string(),
            ]
            .into_iter()
            .map(Some)
            .collect()
        })
        .collect()
}

fn master() -> WatermarkKey {
    WatermarkKey::new(&SecretKey::from_hex("000102030405060708090a0b0c0d0e0f").unwrap()).unwrap()
}

fn recipients(count: usize) -> Vec<String> {
    (0..count)
        .map(|index| format!("recipient-{index:04}"))
        .collect()
}

fn marked_copy(rows: usize, recipient: &str) -> (Table, Table) {
    let original = generate(rows, 42);
    let mut copy = original.clone();
    embed_table(master().recipient(recipient), &mut copy);
    (original, copy)
}

/// Traces `leaked` (with header row) against `names` and returns the trace.
fn trace_table(leaked: &Table, names: &[String]) -> Trace {
    let observations = observe_table(&leaked[1..]);
    let master = master();
    let keys: Vec<RecipientKey> = names.iter().map(|name| master.recipient(name)).collect();
    trace(
        &observations,
        names.iter().map(String::as_str).zip(keys.iter()),
    )
}

fn assert_attributed(leaked: &Table, names: &[String], expected: &str) {
    let result = trace_table(leaked, names);
    let best = &result.ranked[0];
    match &result.verdict {
        Verdict::Attributed {
            recipient,
            log10_false_positive,
        } => {
            assert_eq!(recipient, expected);
            assert!(*log10_false_positive <= -9.0);
        }
        Verdict::NotAttributable => panic!(
            "not attributed: best {} {}/{} p=1e{:.1} from {} rows",
            best.recipient,
            best.score.matched,
            best.score.checked,
            best.log10_p_value,
            leaked.len() - 1
        ),
    }
}

fn with_header(mut rows: Table) -> Table {
    rows.insert(
        0,
        HEADER.iter().map(|name| Some(name.to_string())).collect(),
    );
    rows
}

// Attacks. Each takes a table whose first row is the header.

fn keep_rows(table: Table, share: f64, random: &mut Random) -> Table {
    let mut rows = table.into_iter();
    let mut kept = vec![rows.next().unwrap()];
    kept.extend(rows.filter(|_| (random.below(1_000_000) as f64) < share * 1_000_000.0));
    kept
}

fn drop_columns(table: Table, dropped: &[&str]) -> Table {
    let keep: Vec<usize> = (0..table[0].len())
        .filter(|&column| !dropped.contains(&table[0][column].as_deref().unwrap()))
        .collect();
    table
        .into_iter()
        .map(|row| keep.iter().map(|&column| row[column].clone()).collect())
        .collect()
}

fn reorder(mut table: Table, random: &mut Random) -> Table {
    let mut order: Vec<usize> = (0..table[0].len()).collect();
    random.shuffle(&mut order);
    random.shuffle(&mut table[1..]);
    table
        .into_iter()
        .map(|row| order.iter().map(|&column| row[column].clone()).collect())
        .collect()
}

fn rename_header(mut table: Table) -> Table {
    for (index, name) in table[0].iter_mut().enumerate() {
        *name = Some(format!("字段{index}"));
    }
    table
}

/// Changes 20% of the cells of every markable column by one unit of the last digit, the
/// smallest change (it flips the parity of every mark it hits).
fn alter_values(mut table: Table, random: &mut Random) -> Table {
    let roles = classify_columns(table[0].len(), &table[1..]);
    for row in &mut table[1..] {
        for (column, role) in roles.iter().enumerate() {
            if !role.is_markable() || random.below(5) != 0 {
                continue;
            }
            let Some(text) = row[column].clone() else {
                continue;
            };
            let up = random.below(2) == 0;
            row[column] = Some(match role {
                ColumnRole::Decimal(_) | ColumnRole::Integer => {
                    let decimal = super::values::Decimal::parse(&text).unwrap();
                    let units = decimal.digits;
                    let moved = if up {
                        units + 1
                    } else {
                        units.saturating_sub(1)
                    };
                    decimal.format(moved, decimal.scale, decimal.scale)
                }
                ColumnRole::DateTime => {
                    let second: u32 = text[17..19].parse().unwrap();
                    let moved = if up {
                        (second + 1) % 60
                    } else {
                        (second + 59) % 60
                    };
                    super::values::with_second(&text, moved)
                }
                ColumnRole::Date => {
                    let days = super::values::DateValue::parse(&text).unwrap().days;
                    super::values::with_days(&text, if up { days + 1 } else { days - 1 })
                }
                _ => unreachable!("only markable columns are altered"),
            });
        }
    }
    table
}

/// Writes CSV the way a spreadsheet exports it (every field quoted, trailing fraction zeros
/// dropped, dates with slashes) and reads it back.
fn spreadsheet_csv_round_trip(table: Table) -> Table {
    let mut text = String::new();
    for row in &table {
        let fields: Vec<String> = row
            .iter()
            .map(|cell| {
                let mut value = cell.clone().unwrap_or_default();
                if super::values::Decimal::parse(&value).is_some() && value.contains('.') {
                    value = value.trim_end_matches('0').trim_end_matches('.').to_owned();
                }
                if super::values::DateValue::parse(&value).is_some() {
                    value = value.replacen('-', "/", 2);
                }
                format!("\"{}\"", value.replace('"', "\"\""))
            })
            .collect();
        text.push_str(&fields.join(","));
        text.push_str("\r\n");
    }
    parse_csv(&text)
}

/// A minimal CSV reader for the writer above (quoted fields, CRLF).
fn parse_csv(text: &str) -> Table {
    text.split("\r\n")
        .filter(|line| !line.is_empty())
        .map(|line| {
            line.strip_prefix('"')
                .and_then(|line| line.strip_suffix('"'))
                .unwrap()
                .split("\",\"")
                .map(|field| Some(field.replace("\"\"", "\"")))
                .collect()
        })
        .collect()
}

fn gbk_round_trip(table: Table) -> Table {
    let text: Vec<String> = table
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| cell.clone().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    let text = text.join("\n");
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    let (decoded, _, malformed) = encoding_rs::GBK.decode(&bytes);
    assert!(!malformed);
    decoded
        .lines()
        .map(|line| {
            line.split(',')
                .map(|field| Some(field.to_owned()))
                .collect()
        })
        .collect()
}

#[test]
fn watermark_keeps_identities_and_moves_values_within_tolerance() {
    let (original, copy) = marked_copy(2_000, "acme");
    let mut changed = 0;
    for (before, after) in original.iter().zip(&copy) {
        for column in [0, 1, 2] {
            assert_eq!(before[column], after[column], "{}", HEADER[column]);
        }
        for column in [3, 6] {
            let (before, after) = (
                before[column].as_deref().unwrap(),
                after[column].as_deref().unwrap(),
            );
            let before: f64 = before.parse().unwrap();
            let after: f64 = after.parse().unwrap();
            let unit = if column == 3 { 0.01 } else { 1.0 };
            assert!((before - after).abs() <= unit * 1.000_001);
            assert!((before - after).abs() <= before.abs() * 0.01 + 1e-9);
        }
        changed += before.iter().zip(after).filter(|(a, b)| a != b).count();
    }
    // About a quarter of the markable cells change (half selected, half of those flipped).
    assert!((1_000..3_000).contains(&changed), "{changed} cells changed");
}

#[test]
fn watermark_traces_each_attack_alone() {
    let names = recipients(20);
    let (_, copy) = marked_copy(5_000, &names[7]);
    let copy = with_header(copy);
    let mut random = Random(7);
    let sample = |random: &mut Random| {
        let mut leaked = keep_rows(copy.clone(), 0.2, random);
        leaked.truncate(1_001);
        leaked
    };

    assert_attributed(
        &keep_rows(copy.clone(), 0.1, &mut random),
        &names,
        &names[7],
    );
    for dropped in [
        ["id", "phone", "name"],
        ["amount", "created_at", "phone"],
        ["id", "name", "created_at"],
    ] {
        assert_attributed(
            &drop_columns(sample(&mut random), &dropped),
            &names,
            &names[7],
        );
    }
    assert_attributed(
        &reorder(sample(&mut random), &mut random),
        &names,
        &names[7],
    );
    assert_attributed(
        &spreadsheet_csv_round_trip(sample(&mut random)),
        &names,
        &names[7],
    );
    assert_attributed(&gbk_round_trip(sample(&mut random)), &names, &names[7]);
    assert_attributed(
        &alter_values(sample(&mut random), &mut random),
        &names,
        &names[7],
    );
    assert_attributed(&rename_header(sample(&mut random)), &names, &names[7]);
}

#[test]
fn watermark_traces_all_attacks_combined_from_1000_rows() {
    let names = recipients(20);
    let (_, copy) = marked_copy(10_000, &names[3]);
    let copy = with_header(copy);
    for (seed, dropped) in [
        (1, ["id", "phone", "name"]),
        (2, ["amount", "created_at", "phone"]),
        (3, ["name", "date", "created_at"]),
    ] {
        let mut random = Random(seed);
        let mut leaked = keep_rows(copy.clone(), 0.1, &mut random);
        leaked.truncate(1_001);
        let leaked = drop_columns(leaked, &dropped);
        let leaked = alter_values(leaked, &mut random);
        let leaked = reorder(leaked, &mut random);
        let leaked = rename_header(leaked);
        let leaked = gbk_round_trip(spreadsheet_csv_round_trip(leaked));
        assert_attributed(&leaked, &names, &names[3]);
    }
}

#[test]
fn watermark_never_attributes_unmarked_data_or_a_copy_to_someone_else() {
    let names = recipients(50);
    let original = with_header(generate(2_000, 42));
    let result = trace_table(&original, &names);
    assert_eq!(result.verdict, Verdict::NotAttributable);

    let outsider = "not-registered";
    let (_, copy) = marked_copy(2_000, outsider);
    let result = trace_table(&with_header(copy), &names);
    assert_eq!(result.verdict, Verdict::NotAttributable);
    assert!(result.ranked[0].log10_p_value > -6.0);
}
