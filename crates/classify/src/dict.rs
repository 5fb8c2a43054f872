//! Dictionaries the detectors look things up in: administrative divisions, the mobile
//! numbering plan, surnames, ethnic groups, and the words that name organisations and places.
//!
//! Built once on first use; lookups allocate nothing.

use std::sync::OnceLock;

use crate::charset::{self, HanSet, HanWords};

/// Code and name of every province, prefecture and county (MCA list as of 2025-12-31).
const DIVISIONS_TSV: &str = include_str!("../data/divisions.tsv");

struct Divisions {
    /// One bit per six-digit code: a lookup is one load from a 125 KB table, where a binary
    /// search over the 3,200 codes took a dozen branches the CPU could not predict.
    codes: Box<[u64]>,
    /// Names of divisions long enough to mean a place in text (two characters or more).
    names: HanWords,
}

fn divisions() -> &'static Divisions {
    static DIVISIONS: OnceLock<Divisions> = OnceLock::new();
    DIVISIONS.get_or_init(|| {
        let mut codes = vec![0u64; DIVISION_CODES / 64].into_boxed_slice();
        let mut names = Vec::new();
        for line in DIVISIONS_TSV.lines().filter(|l| !l.starts_with('#')) {
            let Some((code, name)) = line.split_once('\t') else {
                continue;
            };
            if let Ok(code) = code.parse::<usize>()
                && code < DIVISION_CODES
            {
                codes[code / 64] |= 1 << (code % 64);
            }
            if name.chars().count() >= 2 {
                names.push(name.to_owned());
                // "北京市" is also written "北京"; the short form of two-character-plus-suffix names.
                if let Some(short) = name
                    .strip_suffix(['省', '市'])
                    .filter(|s| s.chars().count() >= 2)
                {
                    names.push(short.to_owned());
                }
            }
        }
        Divisions {
            codes,
            names: HanWords::new(names),
        }
    })
}

/// Whether a six-digit code is a province, prefecture or county in today's table.
pub fn is_known_division(code: &[u8]) -> bool {
    code.iter().all(u8::is_ascii_digit) && {
        let n = code
            .iter()
            .fold(0usize, |n, &b| n.wrapping_mul(10) + usize::from(b - b'0'));
        n < DIVISION_CODES && divisions().codes[n / 64] & (1 << (n % 64)) != 0
    }
}

/// Six-digit codes: 0 to 999,999.
const DIVISION_CODES: usize = 1_000_000;

/// Byte ranges of division names (provinces, cities, counties) in `text`, leftmost-longest.
pub fn division_names(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    divisions().names.find_iter(text)
}

/// Mobile prefixes in the MIIT numbering plan (voice and data SIMs, 11 digits).
pub fn is_mobile_prefix(p: &[u8]) -> bool {
    matches!(
        p,
        [b'1', b'3', _]
            | [b'1', b'4', b'5' | b'6' | b'7' | b'8' | b'9']
            | [
                b'1',
                b'5',
                b'0' | b'1' | b'2' | b'3' | b'5' | b'6' | b'7' | b'8' | b'9'
            ]
            | [b'1', b'6', b'2' | b'5' | b'6' | b'7']
            | [
                b'1',
                b'7',
                b'0' | b'1' | b'2' | b'3' | b'5' | b'6' | b'7' | b'8'
            ]
            | [b'1', b'8', _]
            | [
                b'1',
                b'9',
                b'0' | b'1' | b'2' | b'3' | b'5' | b'6' | b'7' | b'8' | b'9'
            ]
    )
}

/// The commonest single-character surnames (covering well over 95% of the population).
const SURNAMES: &str = "王李张刘陈杨黄吴赵周徐孙马朱胡林郭何高罗郑梁谢宋唐许邓冯韩曹曾彭萧肖蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎闫薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严赖覃洪武莫孔汤向常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由郦钮宓蓬郗晃";

/// Compound surnames.
const COMPOUND_SURNAMES: [&str; 26] = [
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "澹台", "端木", "南宫", "独孤", "百里", "呼延", "钟离", "闻人", "万俟",
    "太史", "申屠",
];

static SURNAME_CHARS: HanSet = HanSet::new(SURNAMES);

/// Length in characters of the surname `name` starts with, if it starts with one.
pub fn surname_len(name: &str) -> Option<usize> {
    // Every compound surname is two three-byte characters: compare six bytes as one number
    // (a slice comparison per surname was a call to memcmp each).
    static FIRSTS: HanSet = HanSet::first_chars(&COMPOUND_SURNAMES);
    static KEYS: [u64; 26] = pair_keys(&COMPOUND_SURNAMES);
    if let Some(head) = name.as_bytes().first_chunk::<6>()
        && FIRSTS.contains_scalar(charset::decode3(head[0], head[1], head[2]))
        && KEYS.contains(&pair_key(head))
    {
        return Some(2);
    }
    name.chars()
        .next()
        .filter(|&c| SURNAME_CHARS.contains(c))
        .map(|_| 1)
}

/// CJK unified ideograph (the basic block and extension A).
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Characters that end a name when it is followed by more text ("张伟于2023年…", "李娜的订单").
pub fn ends_name(c: char) -> bool {
    static ENDS_NAME: HanSet = HanSet::new("于在的已是向从把被将和与及等了为对给到办提登使通");
    ENDS_NAME.contains(c)
}

/// A Chinese personal name: a surname and one or two given characters (two or three for a
/// compound surname), all Han. A single dot-separated form (少数民族 transliterations such as
/// 阿卜杜·热合曼) is accepted too.
pub fn is_person_name(s: &str) -> bool {
    // 0xC2 leads '·' and never occurs in Han text: a byte test before the split.
    if s.as_bytes().contains(&0xC2)
        && let Some((a, b)) = s.split_once('·')
    {
        let ok = |p: &str| (1..=6).contains(&p.chars().count()) && p.chars().all(is_han);
        return ok(a) && ok(b);
    }
    let n = charset::count_chars(s.as_bytes());
    let Some(surname) = surname_len(s) else {
        return false;
    };
    n > surname
        && n - surname <= 2
        && s.chars().all(is_han)
        && !s.ends_with(|c| NOUN_ENDINGS.contains(c))
        && !looks_like_word(s)
        && !is_ethnicity(s)
}

/// Last characters of field names and nouns ("车牌号", "金额", "单价") that given names avoid.
static NOUN_ENDINGS: HanSet = HanSet::new("号码址额量态注型类表单率价费数");

/// Common two-character words that start with a surname character and would otherwise pass
/// as names in a column of statuses or categories.
fn looks_like_word(s: &str) -> bool {
    const WORDS: [&str; 24] = [
        "正常", "成功", "明细", "和平", "高级", "平均", "全部", "安全", "文化", "信息", "金额",
        "方式", "时间", "常用", "公开", "国家", "海外", "城市", "程序", "华东", "华南", "华北",
        "东北", "西北",
    ];
    static KEYS: [u64; 24] = pair_keys(&WORDS);
    <&[u8; 6]>::try_from(s.as_bytes()).is_ok_and(|pair| KEYS.contains(&pair_key(pair)))
}

/// The six UTF-8 bytes of two three-byte characters as one number.
const fn pair_key(p: &[u8; 6]) -> u64 {
    u64::from_le_bytes([p[0], p[1], p[2], p[3], p[4], p[5], 0, 0])
}

/// [`pair_key`] of each word, all two three-byte characters (checked at compile time).
const fn pair_keys<const N: usize>(words: &[&str; N]) -> [u64; N] {
    let mut keys = [0; N];
    let mut i = 0;
    while i < N {
        let Some(pair) = words[i].as_bytes().first_chunk::<6>() else {
            panic!("a word of two three-byte characters");
        };
        assert!(words[i].len() == 6, "a word of two three-byte characters");
        keys[i] = pair_key(pair);
        i += 1;
    }
    keys
}

/// The 56 recognised ethnic groups.
const ETHNICITIES: [&str; 56] = [
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
];

/// An ethnic group as written in a record: "汉族", or the name without 族 when it is
/// unambiguous ("维吾尔", "蒙古").
pub fn is_ethnicity(s: &str) -> bool {
    static FIRST_CHARS: HanSet = HanSet::first_chars(&ETHNICITIES);
    if !s.chars().next().is_some_and(|c| FIRST_CHARS.contains(c)) {
        return false;
    }
    match s.strip_suffix('族') {
        Some(base) => ETHNICITIES.contains(&base),
        None => s.chars().count() >= 2 && ETHNICITIES.contains(&s) && s != "高山" && s != "保安",
    }
}

/// Gender as recorded.
pub fn is_gender(s: &str) -> bool {
    matches!(
        s,
        "男" | "女"
            | "男性"
            | "女性"
            | "M"
            | "F"
            | "m"
            | "f"
            | "Male"
            | "Female"
            | "male"
            | "female"
            | "MALE"
            | "FEMALE"
    )
}

/// Religions and beliefs (宗教信仰: sensitive personal information under PIPL art. 28).
pub const RELIGION_TERMS: [&str; 14] = [
    "佛教",
    "道教",
    "伊斯兰教",
    "基督教",
    "天主教",
    "东正教",
    "新教",
    "藏传佛教",
    "犹太教",
    "印度教",
    "穆斯林",
    "基督徒",
    "佛教徒",
    "无宗教信仰",
];

/// Health and medical terms (医疗健康: sensitive personal information).
pub const HEALTH_TERMS: [&str; 30] = [
    "高血压",
    "糖尿病",
    "冠心病",
    "艾滋病",
    "HIV阳性",
    "乙肝",
    "丙肝",
    "肺结核",
    "抑郁症",
    "精神分裂症",
    "癫痫",
    "恶性肿瘤",
    "肺癌",
    "胃癌",
    "肝癌",
    "乳腺癌",
    "白血病",
    "哮喘",
    "脑卒中",
    "心肌梗死",
    "阿尔茨海默病",
    "帕金森病",
    "梅毒",
    "淋病",
    "尿毒症",
    "肝硬化",
    "红斑狼疮",
    "过敏史",
    "既往病史",
    "残疾",
];

/// Whether a text mentions a health or medical term. The terms that start with a Han
/// character are looked up a character at a time (see [`HanWords`]), a few instructions for
/// a character that starts none, where an automaton step cost more; the one that starts with
/// ASCII ("HIV阳性") is searched for on its own.
pub fn mentions_health(s: &str) -> bool {
    static TERMS: OnceLock<(HanWords, Vec<&str>)> = OnceLock::new();
    let (han_led, ascii_led) = TERMS.get_or_init(|| {
        let (ascii, han): (Vec<&str>, Vec<&str>) = HEALTH_TERMS
            .iter()
            .partition(|t| t.as_bytes()[0].is_ascii());
        (HanWords::new(han.into_iter().map(String::from)), ascii)
    });
    han_led.find_iter(s).next().is_some() || ascii_led.iter().any(|t| s.contains(t))
}

/// Words that end an organisation's name, longest first so "股份有限公司" wins over "公司".
pub const ORG_SUFFIXES: [&str; 27] = [
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "分公司",
    "公司",
    "集团",
    "研究院",
    "研究所",
    "设计院",
    "事务所",
    "合作社",
    "银行",
    "医院",
    "卫生院",
    "大学",
    "学院",
    "中学",
    "小学",
    "幼儿园",
    "委员会",
    "基金会",
    "协会",
    "商会",
    "工作室",
    "俱乐部",
    "管理局",
    "中心",
];

/// The suffix `s` ends with, if any.
pub fn org_suffix(s: &str) -> Option<&'static str> {
    ORG_SUFFIXES.iter().copied().find(|suf| s.ends_with(suf))
}

/// An organisation name: Han characters (Latin letters, digits and brackets allowed inside)
/// ending with a recognised suffix, with at least two characters before the suffix.
pub fn is_org_name(s: &str) -> bool {
    let Some(suffix) = org_suffix(s) else {
        return false;
    };
    let head = &s[..s.len() - suffix.len()];
    head.chars().count() >= 2
        && s.chars().count() <= 60
        && head.chars().next().is_some_and(is_han)
        && head
            .chars()
            .all(|c| is_han(c) || c.is_ascii_alphanumeric() || "()（）·&".contains(c))
}

/// Characters that make a place into an address: roads, numbers, buildings, villages
/// (单元, 小区, 社区 and the like all hold one of them or come with a 号).
static ADDRESS_CHARS: HanSet = HanSet::new("路街道号巷弄村镇乡栋幢室楼区厦园组胡里苑");

/// A postal address: at least one division name and one address word, mostly Han.
pub fn is_address(s: &str) -> bool {
    // The place comes first in a Chinese address; allow a short lead such as "中国".
    is_address_after_division(s)
        && division_names(s)
            .next()
            .is_some_and(|(start, _)| start <= 6)
}

/// [`is_address`] for text the caller knows to start with a division name: the length, an
/// address word, and only the characters addresses are written with.
pub fn is_address_after_division(s: &str) -> bool {
    // One walk: the count, an address word, and the characters (three walks cost ≈ 30
    // instructions a character).
    let (mut chars, mut worded) = (0, false);
    for c in s.chars() {
        let allowed = is_han(c)
            || c.is_ascii_alphanumeric()
            || matches!(c, '-' | '#' | '（' | '）' | '(' | ')' | '·' | '、' | ' ');
        chars += 1;
        if !allowed || chars > 120 {
            return false;
        }
        worded = worded || ADDRESS_CHARS.contains(c);
    }
    chars >= 6 && worded
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The same answer as an automaton over all the terms, in text made of terms, their
        /// pieces and other characters.
        #[test]
        fn health_terms_found_like_an_automaton(picks in proptest::collection::vec(0usize..1000, 0..12)) {
            let filler = ["HIV", "阳性", "肝", "病", "癌", "a", "，", "😀", "高血", "心肌"];
            let text: String = picks
                .iter()
                .map(|&p| if p % 3 == 0 { HEALTH_TERMS[p % HEALTH_TERMS.len()] } else { filler[p % filler.len()] })
                .collect();
            let automaton = aho_corasick::AhoCorasick::new(HEALTH_TERMS).unwrap();
            proptest::prop_assert_eq!(mentions_health(&text), automaton.is_match(&text), "{}", text);
        }
    }

    #[test]
    fn divisions_load() {
        assert!(is_known_division(b"110101"));
        assert!(is_known_division(b"441204"));
        assert!(!is_known_division(b"110199"));
        let names: Vec<_> = division_names("广东省肇庆市高要区活道镇").collect();
        assert_eq!(names.first(), Some(&(0, "广东省".len())));
    }

    #[test]
    fn names_and_groups() {
        assert!(is_person_name("王璐"));
        assert!(is_person_name("蓝红梅"));
        assert!(is_person_name("欧阳娜娜"));
        assert!(!is_person_name("汉族"));
        assert!(!is_person_name("已完成"));
        assert!(!is_person_name("王"));
        assert!(!is_person_name("王小明明"));
        assert!(!is_person_name("车牌号"));
        assert!(is_ethnicity("维吾尔族"));
        assert!(is_ethnicity("蒙古"));
        assert!(!is_ethnicity("汉堡"));
        assert!(is_gender("女"));
    }

    #[test]
    fn compound_surnames_dotted_names_and_common_words() {
        assert_eq!(surname_len("诸葛亮"), Some(2));
        assert_eq!(surname_len("澹台明"), Some(2));
        assert_eq!(surname_len("澹明"), None, "澹 alone is no common surname");
        assert!(is_person_name("司马光"));
        assert!(!is_person_name("司马"), "a surname alone");
        assert!(is_person_name("阿卜杜·热合曼"));
        assert!(!is_person_name("阿卜杜·"));
        assert!(!is_person_name("高级"), "a word that starts with a surname");
        assert!(is_person_name("高明"));
    }

    #[test]
    fn organisations_and_addresses() {
        assert!(is_org_name("华远软件传媒有限公司"));
        assert!(is_org_name("惠派国际公司传媒有限公司"));
        assert!(!is_org_name("有限公司"));
        assert!(is_address("广东省肇庆市高要区活道镇长江路244号22栋1009室"));
        assert!(is_address("杭州市西湖区文三路90号"));
        assert!(!is_address("谢谢工具这种包括发布"));
        assert!(is_mobile_prefix(b"138"));
        assert!(!is_mobile_prefix(b"120"));
    }
}
