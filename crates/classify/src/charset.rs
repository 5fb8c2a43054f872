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

/// Words that start with a Han character, found leftmost-longest a character at a time: a
/// bitmap says whether any word starts with the character, a table which bucket holds those
/// words. Thousands of words build in well under a millisecond, where an Aho-Corasick
/// automaton over them took ≈ 36 M instructions, and a search costs a few instructions per
/// character that starts no word.
pub struct HanWords {
    starts: HanSet,
    /// Per Han character (by [`han_slot`]): the index + 1 of its bucket.
    bucket_of: Box<[u16]>,
    buckets: Vec<Bucket>,
}

/// Words sharing a first character. A common first character (东, 新, 南) starts dozens of
/// division names, so they are grouped again by their second character.
#[derive(Default)]
struct Bucket {
    /// A bit per second character (see [`second_bit`]): most characters that start a word are
    /// followed by none of its second characters, told here without a search.
    second_bits: u64,
    /// The second characters, one per group (see [`char_key`]).
    seconds: Vec<u32>,
    /// Words of two characters or more by second character, longest first.
    groups: Vec<Vec<Box<str>>>,
    /// The word that is the first character alone, if any.
    single: Option<Box<str>>,
}

/// The UTF-8 bytes of the character at the start of `b` as a number, if `b` holds all of them.
fn char_key(b: &[u8]) -> Option<u32> {
    let len = utf8_len(*b.first()?);
    let mut key = [0; 4];
    key[..len].copy_from_slice(b.get(..len)?);
    Some(u32::from_le_bytes(key))
}

/// The bit of a second character's key in [`Bucket::second_bits`].
fn second_bit(key: u32) -> u64 {
    1 << (key.wrapping_mul(0x9E37_79B9) >> 26)
}

impl Bucket {
    fn add(&mut self, word: String) {
        let first = utf8_len(word.as_bytes()[0]);
        let Some(second) = char_key(&word.as_bytes()[first..]) else {
            self.single = Some(word.into());
            return;
        };
        let group = match self.seconds.iter().position(|&c| c == second) {
            Some(group) => group,
            None => {
                self.second_bits |= second_bit(second);
                self.seconds.push(second);
                self.groups.push(Vec::new());
                self.groups.len() - 1
            }
        };
        self.groups[group].push(word.into());
    }

    /// The longest word at the start of `b`, whose first character, `first` bytes long, is
    /// this bucket's.
    fn longest_at(&self, b: &[u8], first: usize) -> Option<&str> {
        let longer = char_key(&b[first..]).and_then(|second| {
            if self.second_bits & second_bit(second) == 0 {
                return None;
            }
            let group = self.seconds.iter().position(|&c| c == second)?;
            self.groups[group]
                .iter()
                .find(|w| starts_with_word(b, w.as_bytes()))
        });
        longer.or(self.single.as_ref()).map(|w| &**w)
    }
}

impl HanWords {
    /// # Panics
    /// If a word does not start with a Han character.
    pub fn new(words: impl IntoIterator<Item = String>) -> HanWords {
        let mut table = HanWords {
            starts: HanSet::new(""),
            bucket_of: vec![0; HAN_TABLE_LEN].into_boxed_slice(),
            buckets: Vec::new(),
        };
        for word in words {
            let first = word.chars().next();
            let Some(slot) = first.and_then(|c| han_slot(c as u32)) else {
                panic!("{word:?} does not start with a Han character");
            };
            table.starts.insert(first.expect("checked above"));
            if table.bucket_of[slot] == 0 {
                table.buckets.push(Bucket::default());
                table.bucket_of[slot] =
                    u16::try_from(table.buckets.len()).expect("< 65,536 buckets");
            }
            table.buckets[usize::from(table.bucket_of[slot]) - 1].add(word);
        }
        for bucket in &mut table.buckets {
            for group in &mut bucket.groups {
                group.sort_by_key(|w| std::cmp::Reverse(w.len()));
            }
        }
        table
    }

    /// Byte ranges of the words in `text`, leftmost first, the longest at each start, not
    /// overlapping.
    pub fn find_iter<'a>(&'a self, text: &'a str) -> impl Iterator<Item = (usize, usize)> + 'a {
        let b = text.as_bytes();
        let mut at = 0;
        std::iter::from_fn(move || {
            while at < b.len() {
                let (i, lead) = (at, b[at]);
                at += utf8_len(lead);
                if at - i != 3 {
                    continue;
                }
                let c = decode3(lead, b[i + 1], b[i + 2]);
                let Some(slot) = han_slot(c).filter(|_| self.starts.contains_scalar(c)) else {
                    continue;
                };
                let bucket = &self.buckets[usize::from(self.bucket_of[slot]) - 1];
                if let Some(word) = bucket.longest_at(&b[i..], 3) {
                    at = i + word.len();
                    return Some((i, at));
                }
            }
            None
        })
    }
}

/// Whether `hay` starts with the non-empty `word`, looking at its last byte first: words that
/// share a first character mostly differ there, so the full comparison (a call to memcmp)
/// runs for likely matches only.
#[inline]
pub fn starts_with_word(hay: &[u8], word: &[u8]) -> bool {
    let n = word.len();
    n <= hay.len() && hay[n - 1] == word[n - 1] && hay[..n] == *word
}

/// Length of the UTF-8 sequence a lead byte starts (scanners stand on lead bytes only).
#[inline]
pub fn utf8_len(lead: u8) -> usize {
    1 + usize::from(lead >= 0xC0) + usize::from(lead >= 0xE0) + usize::from(lead >= 0xF0)
}

/// The number of characters in valid UTF-8 `b`: its bytes less its continuation bytes
/// (`10xxxxxx`), eight at a time. `str::chars().count()` walks a byte at a time below 32
/// bytes, the length of most stretches between two findings.
pub fn count_chars(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut words = b.chunks_exact(8);
    let mut continuations = 0;
    for word in &mut words {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        // Bit 7 set and bit 6 clear, moved to bit 0 of each byte, summed by the multiply.
        let marks = (x & !(x << 1)) >> 7 & ONES;
        continuations += (marks.wrapping_mul(ONES) >> 56) as usize;
    }
    let tail = words.remainder();
    continuations += tail.iter().filter(|&&c| c & 0xC0 == 0x80).count();
    b.len() - continuations
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

    proptest::proptest! {
        /// The same matches as a leftmost-longest automaton, on words that share prefixes
        /// and suffixes and text made of their characters.
        #[test]
        fn words_match_like_an_automaton(
            words in proptest::collection::vec("[北京市南朝阳区东]{1,4}", 1..30),
            text in "[北京市南朝阳区东a1，😀]{0,60}",
        ) {
            let automaton = aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(&words)
                .unwrap();
            let expected: Vec<_> = automaton.find_iter(&text).map(|m| (m.start(), m.end())).collect();
            let table = HanWords::new(words);
            proptest::prop_assert_eq!(table.find_iter(&text).collect::<Vec<_>>(), expected);
        }
    }

    proptest::proptest! {
        #[test]
        fn counts_characters_like_std(text in "\\PC{0,80}") {
            proptest::prop_assert_eq!(count_chars(text.as_bytes()), text.chars().count());
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
