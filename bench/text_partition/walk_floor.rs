//! The floor under text scanning: the scanner's byte walk with no detection at all. ASCII
//! identifier runs are cut as `scan_line` cuts them (eight digits at a time), and each
//! three-byte character costs one bitmap test, as the lexicon's "does any word involve this
//! character" test does, over a bitmap with about as many characters as the lexicon and the
//! context words. No validator, no lexicon word, no finding, no output.
//!
//! Built and run by `bench/text_partition.sh`: `walk_floor FILE` prints the counts on stdout
//! and `scanned in S s` on stderr, like the `scan_text` example.

use std::time::Instant;

/// 1 digit, 2 letter, 4 a connector inside identifiers, 0 a byte that ends a run.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = match b as u8 {
            b'0'..=b'9' => 1,
            b'a'..=b'z' | b'A'..=b'Z' => 2,
            b'@' | b':' | b'.' | b'-' | b'_' | b'%' | b'+' => 4,
            _ => 0,
        };
        b += 1;
    }
    t
};

const HAN_FIRST: u32 = 0x4E00;
const HAN_LEN: u32 = 20992;

fn all_digits8(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    (x.wrapping_sub(0x30 * ONES) | x.wrapping_add(0x46 * ONES) | x) & (0x80 * ONES) == 0
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: walk_floor FILE");
    let text = std::fs::read_to_string(path).expect("a readable UTF-8 file");
    // A fixed pseudo-random set of 900 characters.
    let mut bits = vec![0u64; (HAN_LEN / 64) as usize + 1];
    let mut x: u32 = 12345;
    for _ in 0..900 {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let slot = (x >> 8) % HAN_LEN;
        bits[(slot / 64) as usize] |= 1 << (slot % 64);
    }
    let started = Instant::now();
    let (mut lines, mut tokens, mut token_bytes, mut involved) = (0u64, 0u64, 0u64, 0u64);
    for line in text.split('\n') {
        lines += 1;
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c >= 0x80 {
                if c & 0xF0 == 0xE0 {
                    let scalar = (u32::from(c) & 0x0F) << 12
                        | (u32::from(b[i + 1]) & 0x3F) << 6
                        | (u32::from(b[i + 2]) & 0x3F);
                    let slot = scalar.wrapping_sub(HAN_FIRST);
                    if slot < HAN_LEN && bits[(slot / 64) as usize] & (1 << (slot % 64)) != 0 {
                        involved += 1;
                    }
                    i += 3;
                } else {
                    i += 1
                        + usize::from(c >= 0xC0)
                        + usize::from(c >= 0xE0)
                        + usize::from(c >= 0xF0);
                }
                continue;
            }
            if CLASS[usize::from(c)] & 3 == 0 {
                i += 1;
                continue;
            }
            let start = i;
            let mut seen = 0u8;
            while let Some(word) = b.get(i..i + 8) {
                if !all_digits8(u64::from_le_bytes(word.try_into().expect("eight bytes"))) {
                    break;
                }
                seen = 1;
                i += 8;
            }
            for &c in &b[i..] {
                let k = CLASS[usize::from(c)];
                if k == 0 {
                    break;
                }
                seen |= k;
                i += 1;
            }
            tokens += 1;
            token_bytes += (i - start) as u64 + u64::from(seen & 1);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("{lines} lines, {tokens} tokens, {token_bytes} token bytes, {involved} involved");
    eprintln!(
        "scanned in {seconds:.3} s: {:.1} MB/s",
        text.len() as f64 / seconds / 1e6
    );
}
