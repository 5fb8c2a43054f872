//! Context words: the words before a value on its line that make a weak shape count (a
//! passport number after "护照", a QQ number after "QQ") or a strong one into something else
//! (an 18-digit number after "订单" is an order number).
//!
//! The scanner passes every Han character of the line anyway, so it leaves a trail of the Han
//! context words it passes, found through the lexicon's table. A question ("a card word in the
//! 8 characters before byte 52?") reads that short list, then looks for the ASCII words in the
//! window only if the window has all the letters of one of them, which few windows have.
//! Searching every window with an automaton cost ≈ 330 instructions a question.

use std::sync::OnceLock;

use crate::charset::{self, starts_with_word};

/// A kind of context word, one bit each, so one occurrence can stand for several kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cue(u16);

impl Cue {
    /// Words right before a number that say it is an order, transaction or serial number.
    pub const NOT_PERSONAL: Cue = Cue(1);
    pub const ID: Cue = Cue(1 << 1);
    pub const CARD: Cue = Cue(1 << 2);
    pub const IMEI: Cue = Cue(1 << 3);
    pub const PASSPORT: Cue = Cue(1 << 4);
    pub const PERMIT: Cue = Cue(1 << 5);
    pub const QQ: Cue = Cue(1 << 6);
    pub const WECHAT: Cue = Cue(1 << 7);
    pub const POSTAL: Cue = Cue(1 << 8);
    pub const BIRTH: Cue = Cue(1 << 9);
    pub const IMSI: Cue = Cue(1 << 10);
    pub const ICCID: Cue = Cue(1 << 11);
}

/// The words of each kind; ASCII words match in any case, inside longer identifiers too.
pub const WORDS: [(Cue, &[&str]); 12] = [
    (
        Cue::NOT_PERSONAL,
        &[
            "订单",
            "单号",
            "流水",
            "交易号",
            "编号",
            "序列号",
            "工单",
            "批次",
            "order",
            "txn",
            "trade",
            "serial",
        ],
    ),
    (Cue::ID, &["身份证", "证件", "身份号", "idcard", "id_card"]),
    (Cue::CARD, &["卡", "card", "银行", "账户", "账号", "pan"]),
    (Cue::IMEI, &["imei", "设备", "串号", "终端"]),
    (Cue::PASSPORT, &["护照", "passport"]),
    (Cue::PERMIT, &["通行证", "permit"]),
    (Cue::QQ, &["qq"]),
    (Cue::WECHAT, &["微信", "wechat", "weixin"]),
    (Cue::POSTAL, &["邮编", "邮政编码", "zip", "postcode"]),
    (Cue::BIRTH, &["出生", "生日", "birth", "dob"]),
    (Cue::IMSI, &["imsi"]),
    (Cue::ICCID, &["iccid", "sim"]),
];

/// A word and the kinds (bits of [`Cue`]) it is a word of.
type Word = (&'static [u8], u16);

/// The words: Han words grouped by first character for the lexicon's table, ASCII words by
/// kind (by bit number), each with the letters it needs (see [`letters`]).
pub struct CueWords {
    han: Vec<(char, Vec<Word>)>,
    ascii: [Vec<(&'static [u8], u32)>; 16],
}

impl CueWords {
    /// The first characters of the Han words with their group's number (from 1), for the
    /// lexicon's table to hand back to [`CueTrail::note_han_words`].
    pub fn han_firsts(&self) -> impl Iterator<Item = (char, usize)> + '_ {
        self.han.iter().enumerate().map(|(i, &(c, _))| (c, i + 1))
    }
}

/// The set of ASCII letters (either case) in `t`, a bit each: a window can hold a word only
/// if it has all the word's letters, which rules out most windows before any comparison.
fn letters(t: &[u8]) -> u32 {
    t.iter()
        .fold(0, |seen, &c| seen | LETTER_BITS[usize::from(c)])
}

static LETTER_BITS: [u32; 256] = {
    let mut bits = [0; 256];
    let mut c = 0;
    while c < 256 {
        bits[c] = letter_bit(c as u8);
        c += 1;
    }
    bits
};

/// The bit of an ASCII letter (either case) in a set of letters; 0 for other bytes.
pub const fn letter_bit(c: u8) -> u32 {
    if c.is_ascii_alphabetic() {
        1 << (c.to_ascii_lowercase() - b'a')
    } else {
        0
    }
}

pub fn cue_words() -> &'static CueWords {
    static WORDS_BY_FIRST: OnceLock<CueWords> = OnceLock::new();
    WORDS_BY_FIRST.get_or_init(|| {
        let mut words = CueWords {
            han: Vec::new(),
            ascii: Default::default(),
        };
        for (cue, list) in WORDS {
            for &word in list {
                let first = word.chars().next().expect("no empty cue word");
                if first.is_ascii_lowercase() {
                    words.ascii[cue.0.trailing_zeros() as usize]
                        .push((word.as_bytes(), letters(word.as_bytes())));
                    continue;
                }
                assert!(
                    charset::han_slot(first as u32).is_some(),
                    "cue word {word} starts with neither a lower-case letter nor Han"
                );
                let bucket = match words.han.iter().position(|(c, _)| *c == first) {
                    Some(i) => &mut words.han[i].1,
                    None => {
                        words.han.push((first, Vec::new()));
                        &mut words.han.last_mut().expect("just pushed").1
                    }
                };
                match bucket.iter_mut().find(|(w, _)| *w == word.as_bytes()) {
                    Some((_, kinds)) => *kinds |= cue.0,
                    None => bucket.push((word.as_bytes(), cue.0)),
                }
            }
        }
        words
    })
}

/// The context words met so far on a line.
#[derive(Default)]
pub struct CueTrail {
    /// Occurrences: byte range and kinds.
    hits: Vec<(usize, usize, u16)>,
    /// The letters of the ASCII tokens so far (see [`letters`]): ASCII words lie in tokens,
    /// so a window can hold one only if these include all its letters.
    letters: u32,
}

impl CueTrail {
    pub fn clear(&mut self) {
        self.hits.clear();
        self.letters = 0;
    }

    /// Notes the letters of a token the scanner cut.
    pub fn note_letters(&mut self, letters: u32) {
        self.letters |= letters;
    }

    /// Notes the Han words of group `group` (see [`CueWords::han_firsts`]) starting at byte `i`.
    pub fn note_han_words(&mut self, b: &[u8], i: usize, group: usize) {
        for &(word, kinds) in &cue_words().han[group - 1].1 {
            if starts_with_word(&b[i..], word) {
                self.hits.push((i, i + word.len(), kinds));
            }
        }
    }

    /// Whether a word of kind `cue` lies within the `chars` characters before byte `at`.
    pub fn before(&self, line: &str, at: usize, chars: usize, cue: Cue) -> bool {
        let b = line.as_bytes();
        let han = self.hits.iter().any(|&(s, e, kinds)| {
            // A character is one to four bytes: count them only when the bytes do not tell.
            kinds & cue.0 != 0
                && e <= at
                && at - s <= 4 * chars
                && (at - s <= chars || charset::count_chars(&b[s..at]) <= chars)
        });
        let ascii = &cue_words().ascii[cue.0.trailing_zeros() as usize];
        han || (ascii.iter().any(|&(_, needs)| needs & !self.letters == 0) && {
            let (window, has) = window(b, at, chars);
            ascii_word_in(ascii, window, has)
        })
    }
}

/// The bytes of the `chars` characters before byte `at` (fewer at the start of the line), and
/// the set of letters in them (see [`letters`]), in one walk back.
fn window(b: &[u8], at: usize, chars: usize) -> (&[u8], u32) {
    let (mut start, mut seen, mut has) = (at, 0, 0);
    while start > 0 && seen < chars {
        start -= 1;
        let c = b[start];
        seen += usize::from(c & 0xC0 != 0x80);
        has |= LETTER_BITS[usize::from(c)];
    }
    (&b[start..at], has)
}

/// Whether one of `words` (lower case, with the letters each needs) occurs in `window`,
/// whose letters are `has`, in any case.
fn ascii_word_in(words: &[(&[u8], u32)], window: &[u8], has: u32) -> bool {
    words.iter().any(|&(word, needs)| {
        needs & !has == 0
            && word.len() <= window.len()
            // Words start with a lower-case letter: one byte rules out most places.
            && (0..=window.len() - word.len()).any(|p| {
                window[p] | 0x20 == word[0]
                    && window[p..p + word.len()].eq_ignore_ascii_case(word)
            })
    })
}
