//! Realistic fake values of the same entity, chosen by a keyed seed so the same
//! input always becomes the same fake (joins across tables still line up).

use crate::date::CellDate;
use crate::entity::{
    MOBILE_PREFIXES, civil_from_days, days_from_civil, luhn_check_digit, resident_id_check,
};
use crate::provider::CryptoProvider;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "欧阳",
    "司马",
];
const GIVEN_NAME_CHARS: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
    "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "文", "辉", "建", "宇", "欣", "怡", "浩", "然",
];
const LATIN_GIVEN_NAMES: &[&str] = &[
    "Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie",
];
const LATIN_FAMILY_NAMES: &[&str] = &[
    "Lee", "Chen", "Wong", "Smith", "Brown", "Garcia", "Martin", "Walker",
];
/// Real county codes with the province and city they belong to.
const REGIONS: &[(&str, &str, &str, &str)] = &[
    ("110101", "北京市", "", "东城区"),
    ("110105", "北京市", "", "朝阳区"),
    ("310104", "上海市", "", "徐汇区"),
    ("440305", "广东省", "深圳市", "南山区"),
    ("440106", "广东省", "广州市", "天河区"),
    ("330106", "浙江省", "杭州市", "西湖区"),
    ("320102", "江苏省", "南京市", "玄武区"),
    ("510107", "四川省", "成都市", "武侯区"),
    ("420111", "湖北省", "武汉市", "洪山区"),
    ("610113", "陕西省", "西安市", "雁塔区"),
];
const ROADS: &[&str] = &[
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "和平路",
    "新华路",
    "朝阳路",
    "胜利路",
    "文化路",
    "长江路",
    "黄河路",
    "青年路",
];
/// Issuer identification numbers of large Chinese banks.
const BINS: &[&str] = &[
    "622202", "621700", "622848", "621661", "622588", "622262", "621483",
];
const EMAIL_WORDS: &[&str] = &[
    "wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "sun", "lin",
];
/// Reserved for documentation (RFC 2606), so a fake address never reaches a person.
const EMAIL_DOMAINS: &[&str] = &["example.com", "example.cn", "example.org", "example.net"];
const ETHNICITIES: &[&str] = &[
    "汉族",
    "回族",
    "满族",
    "壮族",
    "维吾尔族",
    "苗族",
    "彝族",
    "土家族",
    "藏族",
    "蒙古族",
];
const ORG_WORDS: &[&str] = &[
    "华信", "东方", "远景", "鼎盛", "恒通", "新元", "瑞丰", "博达",
];
const ORG_KINDS: &[&str] = &[
    "科技有限公司",
    "贸易有限公司",
    "信息技术有限公司",
    "实业有限公司",
];

/// Deterministic random numbers from a keyed seed (splitmix64; these are fake
/// values, not secrets, so statistical quality is all that is needed).
pub(crate) struct Seeded(u64);

impl Seeded {
    pub fn new(crypto: &dyn CryptoProvider, purpose: &str, parts: &[&str]) -> Self {
        let mut message = purpose.as_bytes().to_vec();
        for part in parts {
            message.push(0);
            message.extend_from_slice(part.as_bytes());
        }
        let digest = crypto.hmac_sm3(&message);
        let mut seed = [0u8; 8];
        seed.copy_from_slice(&digest[..8]);
        Seeded(u64::from_be_bytes(seed))
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn pick<'t>(&mut self, items: &[&'t str]) -> &'t str {
        items[self.below(items.len() as u64) as usize]
    }

    fn digits(&mut self, count: usize) -> String {
        (0..count)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

pub(crate) fn substitute(crypto: &dyn CryptoProvider, value: &str, entity: Option<&str>) -> String {
    let entity_name = entity.unwrap_or("");
    let mut random = Seeded::new(crypto, "substitute", &[entity_name, value]);
    match entity_name {
        "person_name" if value.trim().contains(' ') || value.is_ascii() => format!(
            "{} {}",
            random.pick(LATIN_GIVEN_NAMES),
            random.pick(LATIN_FAMILY_NAMES)
        ),
        "person_name" => {
            let mut name = random.pick(SURNAMES).to_owned();
            for _ in 0..1 + random.below(2) {
                name.push_str(random.pick(GIVEN_NAME_CHARS));
            }
            name
        }
        "cn_mobile" => format!("{}{}", random.pick(MOBILE_PREFIXES), random.digits(8)),
        "cn_resident_id" => {
            let region = REGIONS[random.below(REGIONS.len() as u64) as usize].0;
            let birth = birth_date(&mut random);
            let body = format!("{region}{birth}{}", random.digits(3));
            let body_bytes: &[u8; 17] = body.as_bytes().try_into().unwrap_or(&[b'0'; 17]);
            format!("{body}{}", char::from(resident_id_check(body_bytes)))
        }
        "bank_card" => {
            let bin = random.pick(BINS).to_owned();
            luhn_number(&mut random, bin, value, 16)
        }
        "imei" => luhn_number(&mut random, String::new(), value, 15),
        "email" => format!(
            "{}{}@{}",
            random.pick(EMAIL_WORDS),
            random.digits(3),
            random.pick(EMAIL_DOMAINS)
        ),
        "address" => {
            let (_, province, city, district) =
                REGIONS[random.below(REGIONS.len() as u64) as usize];
            format!(
                "{province}{city}{district}{}{}号",
                random.pick(ROADS),
                1 + random.below(300)
            )
        }
        "date_of_birth" => match CellDate::parse(value) {
            Some(date) => {
                let birth = days_from_civil(1950, 1, 1) + random.below(20_000) as i64;
                date.shifted(birth - days_from_civil(date.year, date.month, date.day))
            }
            None => birth_date(&mut random),
        },
        "ethnicity" => random.pick(ETHNICITIES).to_owned(),
        "gender" if value.trim() == "男" || value.trim() == "女" => {
            random.pick(&["男", "女"]).to_owned()
        }
        "org_name" => format!("{}{}", random.pick(ORG_WORDS), random.pick(ORG_KINDS)),
        "ipv4" => format!(
            "{}.{}.{}.{}",
            1 + random.below(223),
            random.below(256),
            random.below(256),
            1 + random.below(254)
        ),
        _ => same_shape(&mut random, value),
    }
}

/// A Luhn-valid number with `prefix`, as long as the value's digits (or `default_len`).
fn luhn_number(random: &mut Seeded, prefix: String, value: &str, default_len: usize) -> String {
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    let length = if (13..=19).contains(&digits) {
        digits
    } else {
        default_len
    };
    let mut body = prefix;
    let remaining = length - 1 - body.len();
    body.push_str(&random.digits(remaining));
    let check = luhn_check_digit(body.as_bytes());
    body.push(char::from(check));
    body
}

fn birth_date(random: &mut Seeded) -> String {
    let (year, month, day) =
        civil_from_days(days_from_civil(1950, 1, 1) + random.below(20_000) as i64);
    format!("{year:04}{month:02}{day:02}")
}

/// Digits become random digits, letters random letters of the same case, other
/// characters stay: the fallback for entities without a list of fakes.
fn same_shape(random: &mut Seeded, value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                char::from(b'0' + random.below(10) as u8)
            } else if c.is_ascii_lowercase() {
                char::from(b'a' + random.below(26) as u8)
            } else if c.is_ascii_uppercase() {
                char::from(b'A' + random.below(26) as u8)
            } else {
                c
            }
        })
        .collect()
}

/// A seeded Fisher-Yates permutation of a column.
pub(crate) fn shuffle(crypto: &dyn CryptoProvider, values: &[String], seed: &str) -> Vec<String> {
    let mut random = Seeded::new(crypto, "shuffle", &[seed]);
    let mut shuffled = values.to_vec();
    for index in (1..shuffled.len()).rev() {
        let other = random.below(index as u64 + 1) as usize;
        shuffled.swap(index, other);
    }
    shuffled
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::SecretKey;
    use crate::provider::{Algorithm, SoftwareProvider};

    fn provider(byte: u8) -> SoftwareProvider {
        SoftwareProvider::new(Algorithm::Sm4, &SecretKey::from_bytes(&[byte; 16])).unwrap()
    }

    #[test]
    fn fakes_are_deterministic_keyed_and_valid() {
        let crypto = provider(1);
        let name = substitute(&crypto, "张三", Some("person_name"));
        assert_eq!(name, substitute(&crypto, "张三", Some("person_name")));
        let other_key = (0..8)
            .map(|byte| substitute(&provider(byte + 2), "张三", Some("person_name")))
            .collect::<Vec<_>>();
        assert!(other_key.iter().any(|fake| *fake != name));

        let id = substitute(&crypto, "11010519491231002X", Some("cn_resident_id"));
        let body: &[u8; 17] = id.as_bytes()[..17].try_into().unwrap();
        assert_eq!(resident_id_check(body), id.as_bytes()[17]);

        let card = substitute(&crypto, "6222021234567890128", Some("bank_card"));
        assert_eq!(card.len(), 19);
        assert_eq!(
            luhn_check_digit(&card.as_bytes()[..18]),
            card.as_bytes()[18]
        );

        let mobile = substitute(&crypto, "13800138000", Some("cn_mobile"));
        assert!(MOBILE_PREFIXES.contains(&&mobile[..3]) && mobile.len() == 11);

        let email = substitute(&crypto, "someone@corp.cn", Some("email"));
        assert!(email.contains("@example."));

        assert_eq!(substitute(&crypto, "AB-12", None).len(), 5);
        let birthday = substitute(&crypto, "1990/03/07", Some("date_of_birth"));
        assert!(CellDate::parse(&birthday).is_some() && birthday.contains('/'));
    }

    #[test]
    fn shuffle_is_a_seeded_permutation() {
        let crypto = provider(1);
        let column: Vec<String> = (0..50).map(|n| n.to_string()).collect();
        let shuffled = shuffle(&crypto, &column, "phone");
        assert_eq!(shuffled, shuffle(&crypto, &column, "phone"));
        assert_ne!(shuffled, column);
        let mut sorted = shuffled.clone();
        sorted.sort_by_key(|n| n.parse::<u32>().unwrap());
        assert_eq!(sorted, column);
    }
}
