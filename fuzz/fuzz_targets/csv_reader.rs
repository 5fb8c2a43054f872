//! Any bytes through the CSV reader (encoding and delimiter sniffing, GB18030
//! transcoding, the line cap, record decoding): it must return rows or an error,
//! never panic, and every row must be as wide as the header.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut table) = shuan_source::csv_table("fuzz.csv", std::io::Cursor::new(data.to_vec())) else {
        return;
    };
    let width = table.meta().columns.len();
    while let Ok(Some(rows)) = table.next_rows(64) {
        assert!(rows.iter().all(|row| row.len() == width));
    }
});
