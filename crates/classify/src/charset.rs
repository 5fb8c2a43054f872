//! Sets of Han characters as bitmaps, built at compile time.
//!
//! The text scanner asks "is this character a surname, a plate province, an address word…"
//! for almost every character it passes. `str::contains(char)` answers by searching the string
//! and a hash set by hashing, tens to hundreds of instructions each; a bit test is a handful.

/// The CJK range the sets cover: extension A and the basic block (see [`crate::dict::is_han`]).
const FIRST: u32 = 0x3400;
const LEN: u32 = 0x9FFF - FIRST + 1;

/// A set of characters from U+3400..=U+9FFF.
pub struct HanSet([u64; LEN.div_ceil(64) as usize]);

impl HanSet {
    /// The characters of `chars`; anything outside the Han range fails the build.
    pub const fn new(chars: &str) -> HanSet {
        let b = chars.as_bytes();
        let mut bits = [0u64; LEN.div_ceil(64) as usize];
        let mut i = 0;
        while i < b.len() {
            assert!(
                b[i] & 0xF0 == 0xE0 && i + 2 < b.len(),
                "HanSet holds three-byte UTF-8 characters only"
            );
            let c = decode3(b[i], b[i + 1], b[i + 2]);
            assert!(
                c >= FIRST && c - FIRST < LEN,
                "HanSet holds Han characters only"
            );
            let slot = c - FIRST;
            bits[(slot / 64) as usize] |= 1 << (slot % 64);
            i += 3;
        }
        HanSet(bits)
    }

    /// The first characters of `words`, for a quick "no word starts here".
    pub const fn first_chars(words: &[&str]) -> HanSet {
        let mut set = HanSet([0; LEN.div_ceil(64) as usize]);
        let mut w = 0;
        while w < words.len() {
            let b = words[w].as_bytes();
            assert!(
                b.len() >= 3 && b[0] & 0xF0 == 0xE0,
                "words start with a Han character"
            );
            let slot = decode3(b[0], b[1], b[2]) - FIRST;
            set.0[(slot / 64) as usize] |= 1 << (slot % 64);
            w += 1;
        }
        set
    }

    #[inline]
    pub fn contains(&self, c: char) -> bool {
        self.contains_scalar(c as u32)
    }

    /// [`HanSet::contains`] for a scalar value fresh from [`decode3`].
    #[inline]
    pub fn contains_scalar(&self, c: u32) -> bool {
        let slot = c.wrapping_sub(FIRST);
        slot < LEN && self.0[(slot / 64) as usize] & (1 << (slot % 64)) != 0
    }

    /// Adds a Han character (for sets built at run time); anything else is ignored.
    pub fn insert(&mut self, c: char) {
        if let Some(slot) = han_slot(c as u32) {
            self.0[slot / 64] |= 1 << (slot % 64);
        }
    }
}

/// The scalar value of a three-byte UTF-8 sequence (the caller knows it is one).
#[inline]
pub const fn decode3(b0: u8, b1: u8, b2: u8) -> u32 {
    ((b0 as u32 & 0x0F) << 12) | ((b1 as u32 & 0x3F) << 6) | (b2 as u32 & 0x3F)
}

/// Index of a Han character in a table of [`HAN_TABLE_LEN`] entries, if it is one.
#[inline]
pub fn han_slot(c: u32) -> Option<usize> {
    let slot = c.wrapping_sub(FIRST);
    (slot < LEN).then_some(slot as usize)
}

/// Entries in a table indexed by [`han_slot`].
pub const HAN_TABLE_LEN: usize = LEN as usize;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_and_strangers() {
        const SET: HanSet = HanSet::new("京沪㐀鿿");
        for c in ['京', '沪', '\u{3400}', '\u{9FFF}'] {
            assert!(SET.contains(c), "{c}");
        }
        for c in ['津', 'a', '\u{33FF}', '\u{A000}', '😀'] {
            assert!(!SET.contains(c), "{c}");
        }
    }

    #[test]
    fn decodes_like_std() {
        for c in ['一', '京', '\u{3400}', '\u{9FFF}', '，'] {
            let mut buf = [0; 4];
            let b = c.encode_utf8(&mut buf).as_bytes();
            assert_eq!(decode3(b[0], b[1], b[2]), c as u32);
        }
    }
}
