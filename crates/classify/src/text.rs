//! Text scanning: findings with line and character offsets in unstructured text (logs, dumps).
//!
//! One pass over each line's bytes cuts ASCII tokens (digits, letters and the connectors that
//! occur inside identifiers); validators run on those candidates only. Han-script entities
//! (names, organisations, addresses) are found from cue words and dictionaries in a second,
//! cheap pass that runs only on lines holding non-ASCII text. Weak shapes (passports, IMEI,
//! QQ numbers…) count only with a context word before them on the line.

use std::sync::OnceLock;

use crate::Engine;
use crate::charset::{self, HanSet, utf8_len};
use crate::dict::{self, is_han};
use crate::entity::Entity;
use crate::validate::{self, Validity};
use crate::value::PLATE_PROVINCES;

mod cues;

use cues::{Cue, CueTrail};

/// What a finding is: a built-in entity or a rule pack's detector (by index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Found {
    Builtin(Entity),
    Custom(usize),
}

/// One sensitive value in text.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// 1-based line number.
    pub line: u64,
    /// Offsets in Unicode scalar values within the line, end exclusive.
    pub start: usize,
    pub end: usize,
    /// Byte offsets within the line, for masking.
    pub byte_start: usize,
    pub byte_end: usize,
    pub found: Found,
    pub confidence: f64,
}

/// Scan `text` (whole lines, `\n`-separated; the first is line `first_line`), appending findings.
pub fn scan(engine: &Engine, text: &str, first_line: u64, out: &mut Vec<Finding>) {
    let mut scratch = Scratch::default();
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
    for (i, end) in ends.enumerate() {
        let line = &text[start..end];
        start = end + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        scan_line(engine, line, &mut scratch);
        resolve(line, first_line + i as u64, &mut scratch.spans, out);
    }
}

/// A candidate before overlaps are resolved: byte range, what, confidence.
type Span = (usize, usize, Found, f64);

/// Buffers reused from line to line.
#[derive(Default)]
struct Scratch {
    spans: Vec<Span>,
    /// Spans of the Han pass, kept apart while the shared loop runs so they follow the
    /// token spans, as the resolver's tie-breaking expects.
    han_spans: Vec<Span>,
    cues: CueTrail,
}

/// One loop over the line's characters does both passes: ASCII tokens go to the validators
/// as they are cut, and each Han character is looked up in the lexicon table.
fn scan_line(engine: &Engine, line: &str, scratch: &mut Scratch) {
    let Scratch {
        spans,
        han_spans,
        cues,
    } = scratch;
    spans.clear();
    han_spans.clear();
    cues.clear();
    let lex = lexicon();
    let mut han = HanPass::default();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c >= 0x80 {
            han.non_ascii = true;
            if c & 0xF0 == 0xE0 {
                if let Some(entry) = lex.entry(b, i) {
                    // Context words may overlap lexicon words ("卡" in "持卡人").
                    if entry & CUE_GROUP != 0 {
                        cues.note_han_words(b, i, usize::from((entry & CUE_GROUP) >> 8));
                    }
                    if i >= han.resume_at
                        && let Some((s, e, kind)) = lex.match_at(b, i, entry, han.resume_at)
                    {
                        han.on_match(line, s, e, kind, han_spans);
                    }
                }
                i += 3;
            } else {
                i += utf8_len(c);
            }
            continue;
        }
        if TOKEN_CLASS[usize::from(c)] & ALNUM == 0 {
            i += 1;
            continue;
        }
        let start = i;
        let mut seen = 0;
        // Most tokens are long runs of digits (IDs, phones, cards): eight at a time.
        while let Some(word) = b.get(i..i + 8)
            && all_digits8(u64::from_le_bytes(word.try_into().expect("eight bytes")))
        {
            seen = DIGIT;
            i += 8;
        }
        for &c in &b[i..] {
            let k = TOKEN_CLASS[usize::from(c)];
            if k == 0 {
                break;
            }
            seen |= k;
            i += 1;
        }
        // Connectors at the end belong to the sentence, not the identifier.
        let mut end = i;
        while TOKEN_CLASS[usize::from(b[end - 1])] & ALNUM == 0 {
            end -= 1;
        }
        if end < i {
            seen = classes(&b[start..end]);
        }
        classify_token(line, start, end, seen, cues, spans);
        cues.note_letters((seen >> LETTERS_SHIFT) as u32);
    }
    if han.non_ascii {
        han.finish(line, han_spans);
        spans.append(han_spans);
    }
    for (index, det) in engine.custom_detectors().iter().enumerate() {
        for (s, e) in det.find_in_line(line) {
            spans.push((s, e, Found::Custom(index), 0.8));
        }
    }
}

/// What a byte is inside an identifier-like run of ASCII (0 for bytes that end the run): its
/// class in the low byte and, for a letter, its bit of [`cues::letter_bit`] above, so cutting
/// the tokens also tells the context words which letters the line has so far.
const DIGIT: u64 = 1;
const LETTER: u64 = 2;
const AT: u64 = 4;
const COLON: u64 = 8;
const DOT: u64 = 16;
const DASH: u64 = 32;
/// `_`, `%` and `+`: inside identifiers, but saying nothing about their shape.
const JOIN: u64 = 64;
const ALNUM: u64 = DIGIT | LETTER;
const LETTERS_SHIFT: u32 = 8;

static TOKEN_CLASS: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = (cues::letter_bit(c) as u64) << LETTERS_SHIFT
            | match c {
                b'0'..=b'9' => DIGIT,
                b'a'..=b'z' | b'A'..=b'Z' => LETTER,
                b'@' => AT,
                b':' => COLON,
                b'.' => DOT,
                b'-' => DASH,
                b'_' | b'%' | b'+' => JOIN,
                _ => 0,
            };
        b += 1;
    }
    t
};

/// Whether all eight bytes of `x` are ASCII digits: no byte below `'0'` (subtracting 0x30
/// borrows) and none above `'9'` (adding 0x46 reaches 0x80).
#[inline]
fn all_digits8(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let below = x.wrapping_sub(0x30 * ONES);
    let above = x.wrapping_add(0x46 * ONES);
    (below | above | x) & (0x80 * ONES) == 0
}

/// The union of the classes of `t`'s bytes.
fn classes(t: &[u8]) -> u64 {
    t.iter()
        .fold(0, |seen, &c| seen | TOKEN_CLASS[usize::from(c)])
}

fn count(t: &[u8], byte: u8) -> usize {
    t.iter().filter(|&&c| c == byte).count()
}

fn push(spans: &mut Vec<Span>, s: usize, e: usize, entity: Entity, confidence: f64) {
    spans.push((s, e, Found::Builtin(entity), confidence));
}

/// One token at `s..e`; `seen` is the union of its byte classes.
fn classify_token(
    line: &str,
    s: usize,
    e: usize,
    seen: u64,
    cues: &CueTrail,
    spans: &mut Vec<Span>,
) {
    let t = &line.as_bytes()[s..e];
    let cue = |cue: Cue| cues.before(line, s, 12, cue);
    let letters = seen & LETTER != 0;
    let (at, colon, dot, dash) = (
        seen & AT != 0,
        seen & COLON != 0,
        seen & DOT != 0,
        seen & DASH != 0,
    );
    if at {
        if validate::email(t) {
            push(spans, s, e, Entity::Email, 0.95);
        }
        return;
    }
    if colon {
        if validate::mac_address(t) {
            push(spans, s, e, Entity::MacAddress, 0.9);
        } else if validate::ipv6(t) {
            push(spans, s, e, Entity::Ipv6, 0.9);
        } else if let Some(p) = t.iter().position(|&c| c == b':') {
            // An IPv4 address with a port.
            if validate::ipv4(&t[..p]) {
                push(spans, s, s + p, Entity::Ipv4, 0.85);
            }
        }
        return;
    }
    if dot && !letters && !dash {
        match count(t, b'.') {
            3 if validate::ipv4(t) => push(spans, s, e, Entity::Ipv4, 0.85),
            1 => gps_from(line, s, e, spans),
            _ => {}
        }
        return;
    }
    if dash && !letters {
        if validate::landline(t) {
            push(spans, s, e, Entity::Landline, 0.85);
        } else if validate::mobile(t) {
            push(spans, s, e, Entity::Mobile, 0.9);
        } else if count(t, b'-') == 2 && validate::birth_date(&line[s..e]) && cue(Cue::BIRTH) {
            push(spans, s, e, Entity::DateOfBirth, 0.8);
        }
        return;
    }
    if dash || dot {
        return;
    }
    if !letters {
        classify_digits(line, s, e, cues, spans);
        return;
    }
    // Letters and digits.
    if let Some(province) = line[..s]
        .chars()
        .next_back()
        .filter(|&c| PLATE_PROVINCES.contains(c))
        && validate::plate_tail(t)
    {
        push(spans, s - province.len_utf8(), e, Entity::LicensePlate, 0.9);
        return;
    }
    match t.len() {
        18 if matches!(t[17], b'X' | b'x') && t[..17].iter().all(u8::is_ascii_digit) => {
            classify_digits(line, s, e, cues, spans)
        }
        18 => {
            if validate::uscc(t).is_some() {
                push(spans, s, e, Entity::Uscc, 0.95);
            }
        }
        17 => {
            if validate::vin(t) {
                push(spans, s, e, Entity::Vin, 0.9);
            }
        }
        8..=10 if validate::passport(t) && cue(Cue::PASSPORT) => {
            push(spans, s, e, Entity::Passport, 0.85)
        }
        8..=10 if validate::hk_macao_permit(t) && cue(Cue::PERMIT) => {
            push(spans, s, e, Entity::HkMacaoPermit, 0.8)
        }
        _ => {
            if validate::wechat_id(t) && cue(Cue::WECHAT) {
                push(spans, s, e, Entity::Wechat, 0.75);
            }
        }
    }
}

fn classify_digits(line: &str, s: usize, e: usize, cues: &CueTrail, spans: &mut Vec<Span>) {
    let t = &line.as_bytes()[s..e];
    let cue = |cue: Cue| cues.before(line, s, 8, cue);
    let resident = if t.len() == 18 {
        validate::resident_id(t)
    } else {
        None
    };
    match t.len() {
        11 if validate::mobile(t) => {
            // "+86 138…" and "+86-138…": the country code belongs to the number.
            let lead = [&b"+86 "[..], b"+86-", b"+86"]
                .into_iter()
                .find(|p| line.as_bytes()[..s].ends_with(p));
            push(
                spans,
                s - lead.map_or(0, <[u8]>::len),
                e,
                Entity::Mobile,
                0.9,
            );
        }
        18 if validate::hmt_residence_permit(t) => {
            push(spans, s, e, Entity::HmtResidencePermit, 0.9)
        }
        18 if resident.is_some() && (!cue(Cue::NOT_PERSONAL) || cue(Cue::ID)) => {
            let checked = resident == Some(Validity::Checked);
            push(
                spans,
                s,
                e,
                Entity::ResidentId,
                if checked { 0.97 } else { 0.85 },
            );
        }
        15 => {
            if validate::imei(t) && cue(Cue::IMEI) {
                push(spans, s, e, Entity::Imei, 0.9);
            } else if validate::imsi(t) && cue(Cue::IMSI) {
                push(spans, s, e, Entity::Imsi, 0.85);
            } else if validate::resident_id(t).is_some() && cue(Cue::ID) {
                push(spans, s, e, Entity::ResidentId, 0.8);
            }
        }
        16..=20 => {
            if validate::iccid(t) && cue(Cue::ICCID) {
                push(spans, s, e, Entity::Iccid, 0.85);
            } else if let Some(v) = validate::bank_card(t) {
                let ok = match v {
                    Validity::Checked => !cue(Cue::NOT_PERSONAL),
                    Validity::Plausible => cue(Cue::CARD),
                };
                if ok {
                    push(
                        spans,
                        s,
                        e,
                        Entity::BankCard,
                        if v == Validity::Checked { 0.9 } else { 0.75 },
                    );
                }
            }
        }
        3 if dict::is_mobile_prefix(t) => {
            // "138 0013 8000": the 3-4-4 spaced form, with "+86 " when present.
            let b = line.as_bytes();
            let end = s + 13;
            if b.len() >= end
                && validate::mobile(&b[s..end])
                && b.get(end).is_none_or(|c| !c.is_ascii_digit())
            {
                let lead = if b[..s].ends_with(b"+86 ") { 4 } else { 0 };
                push(spans, s - lead, end, Entity::Mobile, 0.85);
            }
        }
        6 if validate::postal_code(t) && cue(Cue::POSTAL) => {
            push(spans, s, e, Entity::PostalCode, 0.75)
        }
        8 if validate::birth_date(&line[s..e]) && cue(Cue::BIRTH) => {
            push(spans, s, e, Entity::DateOfBirth, 0.75)
        }
        _ => {}
    }
    if (5..=11).contains(&t.len())
        && validate::qq(t)
        && cue(Cue::QQ)
        && !spans.iter().any(|sp| sp.0 <= s && sp.1 >= e)
    {
        push(spans, s, e, Entity::Qq, 0.75);
    }
}

/// `lat,lng` where the first number's token ends at `e`.
fn gps_from(line: &str, s: usize, e: usize, spans: &mut Vec<Span>) {
    let b = line.as_bytes();
    let mut j = e;
    if b.get(j) != Some(&b',') {
        return;
    }
    j += 1;
    if b.get(j) == Some(&b' ') {
        j += 1;
    }
    let second_start = j;
    if b.get(j) == Some(&b'-') {
        j += 1;
    }
    while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
        j += 1;
    }
    if j > second_start && validate::gps_pair(&b[s..j]) {
        let start = if s > 0 && b[s - 1] == b'-' { s - 1 } else { s };
        push(spans, start, j, Entity::GpsCoordinate, 0.85);
    }
}

/// Kinds of Han lexicon entries.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Lex {
    NameCue,
    OrgSuffix,
    Religion,
    Health,
    /// A character that ends a division name (市, 区…): with a street word, maybe an address.
    Place,
    /// A character of a street address (路, 号, 室…).
    Street,
}

/// The Han lexicon, matched leftmost-longest like an Aho-Corasick automaton but a character
/// at a time: one table lookup tells whether any word starts with the character, so the
/// common case (no word here) costs a few instructions, not an automaton step per byte.
struct Lexicon {
    /// The characters with an entry in `han`: a 3.4 KB bitmap that stays in the L1 cache,
    /// where the 55 KB table does not (its loads were the scanner's costliest stall).
    involved: HanSet,
    /// Per Han character (by [`charset::han_slot`]): [`PLACE`] or [`STREET`] for a
    /// one-character word, and in [`BUCKET`] the index + 1 of the longer words whose first
    /// Han character it is.
    han: Box<[u16]>,
    /// Words by first Han character: the ASCII before it ("HIV" of "HIV阳性", often empty),
    /// the word, its kind; longest ASCII lead first, then longest word.
    buckets: Vec<Vec<(usize, &'static str, Lex)>>,
}

const PLACE: u16 = 1 << 15;
const STREET: u16 = 1 << 14;
/// The number (from 1) of the group of context words that start with the character (see
/// [`cues`]), in six bits.
const CUE_GROUP: u16 = 0x3F << 8;
const BUCKET: u16 = 0xFF;

impl Lexicon {
    fn new(words: &[(&'static str, Lex)]) -> Lexicon {
        let mut lex = Lexicon {
            involved: HanSet::new(""),
            han: vec![0; charset::HAN_TABLE_LEN].into_boxed_slice(),
            buckets: Vec::new(),
        };
        for &(word, kind) in words {
            let lead = word.find(|c: char| !c.is_ascii()).unwrap_or(word.len());
            let key = word[lead..].chars().next();
            let Some(slot) = key.and_then(|c| charset::han_slot(c as u32)) else {
                panic!("lexicon word {word} has no Han character after its ASCII");
            };
            lex.involved
                .insert(key.expect("a Han character has a slot"));
            let entry = &mut lex.han[slot];
            if word.chars().count() == 1 {
                *entry |= match kind {
                    Lex::Place => PLACE,
                    Lex::Street => STREET,
                    _ => panic!("only places and streets are one-character words: {word}"),
                };
                continue;
            }
            if *entry & BUCKET == 0 {
                lex.buckets.push(Vec::new());
                let bucket = u16::try_from(lex.buckets.len())
                    .ok()
                    .filter(|&n| n <= BUCKET);
                *entry |= bucket.expect("fewer buckets than BUCKET");
            }
            lex.buckets[usize::from(*entry & BUCKET) - 1].push((lead, word, kind));
        }
        for bucket in &mut lex.buckets {
            // Leftmost first, then longest; stable, so of two equal words the first listed
            // wins, as in an automaton.
            bucket.sort_by_key(|&(lead, word, _)| std::cmp::Reverse((lead, word.len())));
        }
        for (first, group) in cues::cue_words().han_firsts() {
            lex.involved.insert(first);
            let slot = charset::han_slot(first as u32).expect("cue words start with Han");
            let group = u16::try_from(group << 8)
                .ok()
                .filter(|g| g & !CUE_GROUP == 0);
            lex.han[slot] |= group.expect("at most 63 groups of Han context words");
        }
        lex
    }

    /// The table entry of the three-byte character at `i`, if any word involves it.
    #[inline]
    fn entry(&self, b: &[u8], i: usize) -> Option<u16> {
        let c = charset::decode3(b[i], b[i + 1], b[i + 2]);
        if !self.involved.contains_scalar(c) {
            return None;
        }
        charset::han_slot(c).map(|slot| self.han[slot])
    }

    /// The leftmost-longest word at the character at `i` (or at the ASCII lead before it),
    /// starting no earlier than `resume_at`.
    fn match_at(
        &self,
        b: &[u8],
        i: usize,
        entry: u16,
        resume_at: usize,
    ) -> Option<(usize, usize, Lex)> {
        if entry & BUCKET != 0 {
            let words = &self.buckets[usize::from(entry & BUCKET) - 1];
            let found = words.iter().find(|&&(lead, word, _)| {
                i >= resume_at + lead && charset::starts_with_word(&b[i - lead..], word.as_bytes())
            });
            if let Some(&(lead, word, kind)) = found {
                return Some((i - lead, i - lead + word.len(), kind));
            }
        }
        if entry & PLACE != 0 {
            Some((i, i + 3, Lex::Place))
        } else if entry & STREET != 0 {
            Some((i, i + 3, Lex::Street))
        } else {
            None
        }
    }
}

/// Words after which a personal name follows.
const NAME_CUES: &[&str] = &[
    "姓名",
    "用户",
    "客户",
    "收件人",
    "寄件人",
    "收货人",
    "联系人",
    "申请人",
    "持卡人",
    "患者",
    "员工",
    "户主",
    "法定代表人",
    "负责人",
    "经办人",
    "乘客",
    "旅客",
    "学生",
    "投诉人",
    "举报人",
    "当事人",
    "被保险人",
    "投保人",
];

fn lexicon_words() -> Vec<(&'static str, Lex)> {
    let mut words = Vec::new();
    let mut add = |list: &[&'static str], kind: Lex| {
        words.extend(list.iter().map(|&w| (w, kind)));
    };
    add(NAME_CUES, Lex::NameCue);
    add(&dict::ORG_SUFFIXES, Lex::OrgSuffix);
    add(&dict::RELIGION_TERMS, Lex::Religion);
    add(&dict::HEALTH_TERMS, Lex::Health);
    add(&["省", "市", "区", "县", "州", "旗", "盟"], Lex::Place);
    add(
        &[
            "路", "街", "道", "村", "镇", "乡", "室", "栋", "弄", "巷", "号", "组", "苑",
        ],
        Lex::Street,
    );
    words
}

fn lexicon() -> &'static Lexicon {
    static LEX: OnceLock<Lexicon> = OnceLock::new();
    LEX.get_or_init(|| Lexicon::new(&lexicon_words()))
}

/// The Han side of [`scan_line`]: lexicon matches in line order, and what they add up to.
#[derive(Default)]
struct HanPass {
    non_ascii: bool,
    /// Lexicon matches do not overlap: the next starts here or later.
    resume_at: usize,
    /// An organisation suffix waiting to see whether a later one in the same run of Han
    /// characters extends the name ("国际公司传媒有限公司").
    org: Option<(usize, usize)>,
    place: bool,
    street: bool,
}

impl HanPass {
    fn on_match(&mut self, line: &str, start: usize, end: usize, kind: Lex, spans: &mut Vec<Span>) {
        self.resume_at = end;
        match kind {
            Lex::NameCue => {
                if let Some((s, e)) = name_after(line, end) {
                    push(spans, s, e, Entity::PersonName, 0.8);
                }
            }
            Lex::OrgSuffix => {
                self.org = match self.org {
                    Some((s, e)) if line[e..start].chars().all(is_han) => Some((s, end)),
                    pending => {
                        push_org(line, pending, spans);
                        Some((start, end))
                    }
                }
            }
            Lex::Religion => push(spans, start, end, Entity::Religion, 0.7),
            Lex::Health => push(spans, start, end, Entity::Health, 0.7),
            Lex::Place => self.place = true,
            Lex::Street => self.street = true,
        }
    }

    fn finish(&mut self, line: &str, spans: &mut Vec<Span>) {
        push_org(line, self.org.take(), spans);
        quoted_names(line, spans);
        // Both a division suffix and a street word: only then is the division dictionary
        // worth it.
        if self.place && self.street {
            addresses(line, spans);
        }
    }
}

/// A name right after a cue: optional punctuation, then Han characters up to a character that
/// ends names or four characters.
fn name_after(line: &str, cue_end: usize) -> Option<(usize, usize)> {
    let rest = &line[cue_end..];
    let skipped = rest.len()
        - rest
            .trim_start_matches(['：', ':', '=', ' ', '"', '\'', '“', '‘'])
            .len();
    let start = cue_end + skipped;
    let mut end = start;
    for (n, c) in line[start..].chars().enumerate() {
        if !is_han(c) || (n >= 2 && dict::ends_name(c)) || n == 4 {
            break;
        }
        end += c.len_utf8();
    }
    dict::is_person_name(&line[start..end]).then_some((start, end))
}

/// Names in quotes: `'张三'`, `"李四"`, `“王五”`.
fn quoted_names(line: &str, spans: &mut Vec<Span>) {
    // 0xE2 leads the curly quotes (and other punctuation, sorted out below).
    for i in memchr::memchr3_iter(b'\'', b'"', 0xE2, line.as_bytes()) {
        let c = line[i..]
            .chars()
            .next()
            .expect("memchr stops at a character's first byte");
        let close = match c {
            '\'' => '\'',
            '"' => '"',
            '“' => '”',
            '‘' => '’',
            _ => continue,
        };
        let start = i + c.len_utf8();
        // A name starts with a Han character (lead byte 0xE3-0xE9): most quotes hold keys
        // and values of JSON or SQL, not worth looking for the closing quote of.
        if !line
            .as_bytes()
            .get(start)
            .is_some_and(|b| (0xE3..=0xE9).contains(b))
        {
            continue;
        }
        let Some(len) = line[start..].find(close) else {
            continue;
        };
        let inner = &line[start..start + len];
        if (2..=4).contains(&inner.chars().count()) && dict::is_person_name(inner) {
            push(spans, start, start + len, Entity::PersonName, 0.75);
        }
    }
}

/// Words before an organisation's name that are not part of it.
const STRONG_ORG_SUFFIXES: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "分公司",
    "集团",
    "研究院",
    "研究所",
    "事务所",
    "合作社",
    "委员会",
    "基金会",
];

const ORG_LEADS: &[&str] = &[
    "企业",
    "单位",
    "名称",
    "由",
    "向",
    "与",
    "和",
    "经",
    "据",
    "客户",
    "委托",
    "供应商",
    "合作方",
];

fn push_org(line: &str, suffix: Option<(usize, usize)>, spans: &mut Vec<Span>) {
    if let Some((s, e)) = suffix.and_then(|(s, e)| org_ending_at(line, s, e)) {
        push(spans, s, e, Entity::OrgName, 0.8);
    }
}

/// The organisation whose name ends with the suffix at `suffix_start..end`, if any.
fn org_ending_at(line: &str, suffix_start: usize, end: usize) -> Option<(usize, usize)> {
    let head = &line[..suffix_start];
    let mut start = suffix_start;
    for c in head.chars().rev() {
        if !(is_han(c) || c.is_ascii_alphanumeric()) {
            break;
        }
        start -= c.len_utf8();
    }
    let mut name = &line[start..end];
    let lead = ORG_LEADS
        .iter()
        .find(|l| name.starts_with(*l) && name.len() > l.len());
    if let Some(lead) = lead {
        name = &name[lead.len()..];
    }
    start = end - name.len();
    // "公司", "大学" and the like end many phrases that are no organisation: trust them only
    // after a cue word or with a place name in front.
    let strong = || dict::org_suffix(name).is_some_and(|suf| STRONG_ORG_SUFFIXES.contains(&suf));
    let placed = || {
        dict::division_names(name)
            .next()
            .is_some_and(|(s, _)| s == 0)
    };
    (dict::is_org_name(name) && (lead.is_some() || strong() || placed())).then_some((start, end))
}

/// Characters after which an address may start though they are Han ("家住", "位于").
const ADDRESS_LEAD: &str = "住址在于至往到：";

fn addresses(line: &str, spans: &mut Vec<Span>) {
    let mut covered = 0;
    for (s, _) in dict::division_names(line) {
        if s < covered {
            continue;
        }
        let prev = line[..s].chars().next_back();
        if prev.is_some_and(|c| is_han(c) && !ADDRESS_LEAD.contains(c)) {
            continue;
        }
        let end = s + line[s..]
            .char_indices()
            .find(|&(_, c)| {
                !(is_han(c)
                    || c.is_ascii_alphanumeric()
                    || matches!(c, '-' | '#' | '（' | '）' | '(' | ')' | '·'))
            })
            .map_or(line.len() - s, |(i, _)| i);
        if dict::is_address_after_division(&line[s..end]) {
            push(spans, s, end, Entity::Address, 0.8);
            covered = end;
        }
    }
}

/// Sort, drop overlaps (the longer span wins), convert to character offsets.
fn resolve(line: &str, line_no: u64, spans: &mut [Span], out: &mut Vec<Finding>) {
    spans.sort_by(|a, b| a.0.cmp(&b.0).then((b.1 - b.0).cmp(&(a.1 - a.0))));
    let (mut byte_pos, mut char_pos, mut kept_end) = (0, 0, 0);
    let mut chars_to = |to: usize| {
        char_pos += charset::count_chars(&line.as_bytes()[byte_pos..to]);
        byte_pos = to;
        char_pos
    };
    let mut i = 0;
    while i < spans.len() {
        let (s, e, found, confidence) = spans[i];
        i += 1;
        if s < kept_end {
            continue;
        }
        // A longer span starting inside this one wins over it (an address over its digits).
        if spans[i..]
            .iter()
            .take_while(|o| o.0 < e)
            .any(|o| o.1 - o.0 > e - s)
        {
            continue;
        }
        kept_end = e;
        let start = chars_to(s);
        let end = chars_to(e);
        out.push(Finding {
            line: line_no,
            start,
            end,
            byte_start: s,
            byte_end: e,
            found,
            confidence,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::AhoCorasick;
    use proptest::prelude::*;

    /// Every lexicon match in `line`, walked as [`scan_line`] walks it.
    fn lexicon_matches(line: &str) -> Vec<(usize, usize, Lex)> {
        let (lex, b) = (lexicon(), line.as_bytes());
        let (mut out, mut resume_at) = (Vec::new(), 0);
        for (i, c) in line.char_indices() {
            if c.len_utf8() == 3
                && i >= resume_at
                && let Some(entry) = lex.entry(b, i)
                && let Some(m) = lex.match_at(b, i, entry, resume_at)
            {
                resume_at = m.1;
                out.push(m);
            }
        }
        out
    }

    proptest! {
        /// The character table finds exactly what a leftmost-longest automaton over the same
        /// words finds, in text made of lexicon words, their pieces and other characters.
        #[test]
        fn lexicon_table_matches_an_automaton(picks in proptest::collection::vec(0usize..1000, 0..40)) {
            let words = lexicon_words();
            let filler = ["H", "IV", "阳", "性", "1", "，", "张", "有限", "教", "😀", "é"];
            let line: String = picks
                .iter()
                .map(|&p| {
                    let (w, _) = words[p % words.len()];
                    if p % 3 == 0 { filler[p % filler.len()] } else { w }
                })
                .collect();
            let automaton = AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(words.iter().map(|w| w.0))
                .unwrap();
            let expected: Vec<_> = automaton
                .find_iter(&line)
                .map(|m| (m.start(), m.end(), words[m.pattern().as_usize()].1))
                .collect();
            prop_assert_eq!(lexicon_matches(&line), expected, "{}", line);
        }

        #[test]
        fn eight_digits_at_once(bytes in proptest::array::uniform8(prop_oneof![b'0'..=b'9', any::<u8>()])) {
            let x = u64::from_le_bytes(bytes);
            prop_assert_eq!(all_digits8(x), bytes.iter().all(u8::is_ascii_digit));
        }

        /// Context words are found before every position exactly where an automaton over the
        /// window of characters before it finds them: Han words overlapping lexicon words,
        /// ASCII words in any case inside longer identifiers, words cut by the window's edge.
        #[test]
        fn context_words_match_an_automaton(picks in proptest::collection::vec(0usize..1000, 0..24)) {
            let words: Vec<&str> = cues::WORDS.iter().flat_map(|(_, list)| list.iter().copied()).collect();
            let filler = ["持卡人", "身份证件", "IdCard", "Sim", "PassPort", "订单号", "1", "x_", "，", "😀", "é", " "];
            let line: String = picks
                .iter()
                .map(|&p| match p % 4 {
                    0 => filler[p % filler.len()].to_owned(),
                    1 => words[p % words.len()].to_ascii_uppercase(),
                    _ => words[p % words.len()].to_owned(),
                })
                .collect();
            let engine = Engine::builtin("general").unwrap();
            let mut scratch = Scratch::default();
            scan_line(&engine, &line, &mut scratch);
            for (cue, list) in cues::WORDS {
                let automaton = AhoCorasick::builder().ascii_case_insensitive(true).build(list).unwrap();
                for at in (0..=line.len()).filter(|&at| line.is_char_boundary(at)) {
                    for chars in [8, 12] {
                        let window = &line[..at];
                        let start = window.char_indices().rev().nth(chars - 1).map_or(0, |(i, _)| i);
                        prop_assert_eq!(
                            scratch.cues.before(&line, at, chars, cue),
                            automaton.is_match(&window[start..]),
                            "{:?} at {} within {}", cue, at, chars
                        );
                    }
                }
            }
        }

        /// Whatever the text, every finding lies inside its line, on character boundaries,
        /// with character offsets that agree with the byte offsets.
        #[test]
        fn findings_lie_inside_their_lines(
            text in "([0-9]{1,19}|[a-zA-Z]{1,9}|[-.:@_+%]|[\r\n '\"“”‘’，：]|\\PC|[京沪省市区路号有限公司姓名收件人HIV阳性])*"
        ) {
            let engine = Engine::builtin("general").unwrap();
            let mut out = Vec::new();
            scan(&engine, &text, 1, &mut out);
            let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
            for f in &out {
                let line = lines[(f.line - 1) as usize];
                prop_assert!(f.byte_start < f.byte_end && f.byte_end <= line.len(), "{:?}", f);
                prop_assert!(line.is_char_boundary(f.byte_start) && line.is_char_boundary(f.byte_end));
                prop_assert_eq!(line[..f.byte_start].chars().count(), f.start);
                prop_assert_eq!(line[..f.byte_end].chars().count(), f.end);
            }
        }
    }

    fn found(text: &str) -> Vec<(String, &'static str)> {
        let engine = Engine::builtin("general").unwrap();
        let mut out = Vec::new();
        scan(&engine, text, 1, &mut out);
        out.iter()
            .map(|f| {
                let line = text.lines().nth((f.line - 1) as usize).unwrap();
                let s: String = line.chars().skip(f.start).take(f.end - f.start).collect();
                let Found::Builtin(e) = f.found else { panic!() };
                (s, e.id())
            })
            .collect()
    }

    #[test]
    fn corpus_line_shapes() {
        assert_eq!(
            found("客户姓名：王璐，身份证号码：13040620050530118X，联系电话：15991655406"),
            [
                ("王璐".into(), "person_name"),
                ("13040620050530118X".into(), "cn_resident_id"),
                ("15991655406".into(), "cn_mobile")
            ]
        );
        assert_eq!(
            found("INSERT INTO t_user VALUES ('吴桂英','612421197103236587','caina@example.com');"),
            [
                ("吴桂英".into(), "person_name"),
                ("612421197103236587".into(), "cn_resident_id"),
                ("caina@example.com".into(), "email")
            ]
        );
        assert_eq!(
            found(
                "订单350421202203318104已发货，收件地址：广东省肇庆市高要区活道镇长江路244号22栋1009室，收件人蓝红梅"
            ),
            [
                (
                    "广东省肇庆市高要区活道镇长江路244号22栋1009室".into(),
                    "address"
                ),
                ("蓝红梅".into(), "person_name")
            ]
        );
        assert_eq!(
            found(
                "企业惠派国际公司传媒有限公司（统一社会信用代码53210102A2MH14DA77）提交了备案材料"
            )
            .first(),
            Some(&("惠派国际公司传媒有限公司".into(), "org_name"))
        );
        assert_eq!(
            found(
                "车辆京NV8QNJ（车架号LHGXWBXJ3SK9Y737U）于2023-02-10 13:54:36位于35.286042,94.105632"
            ),
            [
                ("京NV8QNJ".into(), "cn_license_plate"),
                ("LHGXWBXJ3SK9Y737U".into(), "vin"),
                ("35.286042,94.105632".into(), "gps_coordinate")
            ]
        );
        assert_eq!(
            found(
                "设备IMEI 996292386688385 MAC 7a:23:99:28:76:e2 上报心跳，流水号8095890992906605"
            ),
            [
                ("996292386688385".into(), "imei"),
                ("7a:23:99:28:76:e2".into(), "mac_address")
            ]
        );
        assert_eq!(
            found("用户张伟于2023-01-01登录，手机号+86 138 0013 8000").first(),
            Some(&("张伟".into(), "person_name"))
        );
    }

    #[test]
    fn weak_shapes_need_context() {
        assert!(found("错误码 E12345678 已记录").is_empty());
        assert_eq!(
            found("护照号E12345678的旅客"),
            [("E12345678".into(), "cn_passport")]
        );
        assert!(found("构建号 996292386688385").is_empty());
    }

    #[test]
    fn offsets_count_characters() {
        let engine = Engine::builtin("general").unwrap();
        let mut out = Vec::new();
        scan(&engine, "第一行\n手机13800138000", 7, &mut out);
        assert_eq!((out[0].line, out[0].start, out[0].end), (8, 2, 13));
        assert_eq!((out[0].byte_start, out[0].byte_end), (6, 17));
    }
}
