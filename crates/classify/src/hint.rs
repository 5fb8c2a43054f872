//! Header and comment hints: what a column's name (Chinese, English or pinyin initials) or its
//! database comment says it holds.

use crate::entity::Entity;

/// What a header suggests: an entity, or that the column is a known non-sensitive kind
/// (order numbers, amounts, timestamps…), which raises the bar for weak value matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    Entity(Entity),
    NotSensitive,
}

/// The hint and the keyword that gave it (reported as evidence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HintMatch {
    pub hint: Hint,
    pub keyword: &'static str,
}

use Entity::*;

/// Chinese keywords, matched as substrings; the longest match wins ("IP地址" over "地址").
const ZH: &[(&str, Option<Entity>)] = &[
    ("身份证", Some(ResidentId)),
    ("公民身份号码", Some(ResidentId)),
    ("身份号码", Some(ResidentId)),
    ("证件号", Some(ResidentId)),
    ("手机", Some(Mobile)),
    ("移动电话", Some(Mobile)),
    ("联系电话", Some(Mobile)),
    ("联系方式", Some(Mobile)),
    ("电话号码", Some(Mobile)),
    ("固定电话", Some(Landline)),
    ("座机", Some(Landline)),
    ("固话", Some(Landline)),
    ("办公电话", Some(Landline)),
    ("传真", Some(Landline)),
    ("邮箱", Some(Email)),
    ("电子邮件", Some(Email)),
    ("邮件地址", Some(Email)),
    ("银行卡", Some(BankCard)),
    ("卡号", Some(BankCard)),
    ("银行账号", Some(BankCard)),
    ("信用代码", Some(Uscc)),
    ("护照", Some(Passport)),
    ("车牌", Some(LicensePlate)),
    ("号牌", Some(LicensePlate)),
    ("车架号", Some(Vin)),
    ("车辆识别", Some(Vin)),
    ("IP地址", Some(Ipv4)),
    ("IPV4", Some(Ipv4)),
    ("IPV6", Some(Ipv6)),
    ("MAC", Some(MacAddress)),
    ("物理地址", Some(MacAddress)),
    ("IMEI", Some(Imei)),
    ("设备号", Some(Imei)),
    ("设备识别码", Some(Imei)),
    ("IMSI", Some(Imsi)),
    ("ICCID", Some(Iccid)),
    ("姓名", Some(PersonName)),
    ("名字", Some(PersonName)),
    ("联系人", Some(PersonName)),
    ("收件人", Some(PersonName)),
    ("持卡人", Some(PersonName)),
    ("户主", Some(PersonName)),
    ("法定代表人", Some(PersonName)),
    ("地址", Some(Address)),
    ("住址", Some(Address)),
    ("住所", Some(Address)),
    ("户籍地", Some(Address)),
    ("居住地", Some(Address)),
    ("出生日期", Some(DateOfBirth)),
    ("出生年月", Some(DateOfBirth)),
    ("生日", Some(DateOfBirth)),
    ("经纬度", Some(GpsCoordinate)),
    ("坐标", Some(GpsCoordinate)),
    ("定位", Some(GpsCoordinate)),
    ("民族", Some(Ethnicity)),
    ("性别", Some(Gender)),
    ("单位名称", Some(OrgName)),
    ("公司名称", Some(OrgName)),
    ("企业名称", Some(OrgName)),
    ("工作单位", Some(OrgName)),
    ("机构名称", Some(OrgName)),
    ("宗教", Some(Religion)),
    ("信仰", Some(Religion)),
    ("病史", Some(Health)),
    ("诊断", Some(Health)),
    ("病历", Some(Health)),
    ("健康状况", Some(Health)),
    ("社保", Some(SocialSecurity)),
    ("社会保障", Some(SocialSecurity)),
    ("港澳通行证", Some(HkMacaoPermit)),
    ("台胞证", Some(TaiwanPermit)),
    ("居住证", Some(HmtResidencePermit)),
    ("QQ", Some(Qq)),
    ("微信", Some(Wechat)),
    ("邮编", Some(PostalCode)),
    ("邮政编码", Some(PostalCode)),
    ("订单", None),
    ("流水号", None),
    ("金额", None),
    ("价格", None),
    ("时间", None),
    ("校验", None),
    ("状态", None),
    ("备注", None),
    ("数量", None),
    ("编号", None),
    ("编码", None),
    ("记录ID", None),
];

/// English phrases over the header's lower-case tokens (split on `_`, `-`, space, camel case),
/// matched as whole token sequences; the longest wins ("office_phone" over "phone").
const EN: &[(&str, Option<Entity>)] = &[
    ("id card", Some(ResidentId)),
    ("idcard", Some(ResidentId)),
    ("idcard no", Some(ResidentId)),
    ("id number", Some(ResidentId)),
    ("id no", Some(ResidentId)),
    ("identity", Some(ResidentId)),
    ("citizen id", Some(ResidentId)),
    ("national id", Some(ResidentId)),
    ("mobile", Some(Mobile)),
    ("phone", Some(Mobile)),
    ("cellphone", Some(Mobile)),
    ("cell", Some(Mobile)),
    ("msisdn", Some(Mobile)),
    ("tel", Some(Landline)),
    ("telephone", Some(Landline)),
    ("office phone", Some(Landline)),
    ("landline", Some(Landline)),
    ("fax", Some(Landline)),
    ("email", Some(Email)),
    ("e mail", Some(Email)),
    ("mail", Some(Email)),
    ("mail addr", Some(Email)),
    ("bank card", Some(BankCard)),
    ("card no", Some(BankCard)),
    ("card number", Some(BankCard)),
    ("bank account", Some(BankCard)),
    ("pan", Some(BankCard)),
    ("credit code", Some(Uscc)),
    ("uscc", Some(Uscc)),
    ("passport", Some(Passport)),
    ("plate", Some(LicensePlate)),
    ("license plate", Some(LicensePlate)),
    ("vin", Some(Vin)),
    ("frame no", Some(Vin)),
    ("ip", Some(Ipv4)),
    ("ipv4", Some(Ipv4)),
    ("ipv6", Some(Ipv6)),
    ("ip6", Some(Ipv6)),
    ("addr6", Some(Ipv6)),
    ("mac", Some(MacAddress)),
    ("imei", Some(Imei)),
    ("imsi", Some(Imsi)),
    ("iccid", Some(Iccid)),
    ("name", Some(PersonName)),
    ("real name", Some(PersonName)),
    ("full name", Some(PersonName)),
    ("contact", Some(PersonName)),
    ("address", Some(Address)),
    ("addr", Some(Address)),
    ("birthday", Some(DateOfBirth)),
    ("birth", Some(DateOfBirth)),
    ("birthdate", Some(DateOfBirth)),
    ("dob", Some(DateOfBirth)),
    ("location", Some(GpsCoordinate)),
    ("lat lng", Some(GpsCoordinate)),
    ("latlng", Some(GpsCoordinate)),
    ("lnglat", Some(GpsCoordinate)),
    ("gps", Some(GpsCoordinate)),
    ("coordinate", Some(GpsCoordinate)),
    ("coordinates", Some(GpsCoordinate)),
    ("nation", Some(Ethnicity)),
    ("ethnic", Some(Ethnicity)),
    ("ethnicity", Some(Ethnicity)),
    ("gender", Some(Gender)),
    ("sex", Some(Gender)),
    ("company", Some(OrgName)),
    ("org name", Some(OrgName)),
    ("organization", Some(OrgName)),
    ("organisation", Some(OrgName)),
    ("employer", Some(OrgName)),
    ("religion", Some(Religion)),
    ("diagnosis", Some(Health)),
    ("ssn", Some(SocialSecurity)),
    ("social security", Some(SocialSecurity)),
    ("qq", Some(Qq)),
    ("wechat", Some(Wechat)),
    ("weixin", Some(Wechat)),
    ("postcode", Some(PostalCode)),
    ("zip", Some(PostalCode)),
    ("postal code", Some(PostalCode)),
    ("order", None),
    ("order no", None),
    ("txn", None),
    ("trade no", None),
    ("serial no", None),
    ("amount", None),
    ("price", None),
    ("created at", None),
    ("update time", None),
    ("uuid", None),
    ("row id", None),
    ("checksum", None),
    ("hash", None),
    ("md5", None),
    ("status", None),
    ("state", None),
    ("remark", None),
    ("memo", None),
    ("note", None),
    ("quantity", None),
    ("count", None),
    ("sku", None),
    ("product code", None),
    ("user name", None),
    ("username", None),
    ("product name", None),
    ("file name", None),
    ("table name", None),
];

/// Pinyin initials as used for column names in Chinese systems, matched as a whole token.
const PINYIN: &[(&str, Option<Entity>)] = &[
    ("sfzh", Some(ResidentId)),
    ("sfzhm", Some(ResidentId)),
    ("gmsfhm", Some(ResidentId)),
    ("zjhm", Some(ResidentId)),
    ("sjh", Some(Mobile)),
    ("sjhm", Some(Mobile)),
    ("lxdh", Some(Mobile)),
    ("yddh", Some(Mobile)),
    ("gddh", Some(Landline)),
    ("bgdh", Some(Landline)),
    ("yx", Some(Email)),
    ("dzyx", Some(Email)),
    ("yhkh", Some(BankCard)),
    ("yhzh", Some(BankCard)),
    ("tyshxydm", Some(Uscc)),
    ("xydm", Some(Uscc)),
    ("hzhm", Some(Passport)),
    ("hzh", Some(Passport)),
    ("cph", Some(LicensePlate)),
    ("cphm", Some(LicensePlate)),
    ("cjh", Some(Vin)),
    ("clsbdh", Some(Vin)),
    ("ipdz", Some(Ipv4)),
    ("ipv6dz", Some(Ipv6)),
    ("macdz", Some(MacAddress)),
    ("sbh", Some(Imei)),
    ("xm", Some(PersonName)),
    ("lxr", Some(PersonName)),
    ("jtzz", Some(Address)),
    ("zz", Some(Address)),
    ("dz", Some(Address)),
    ("hjdz", Some(Address)),
    ("lxdz", Some(Address)),
    ("jzdz", Some(Address)),
    ("csrq", Some(DateOfBirth)),
    ("jwd", Some(GpsCoordinate)),
    ("mz", Some(Ethnicity)),
    ("xb", Some(Gender)),
    ("dwmc", Some(OrgName)),
    ("gsmc", Some(OrgName)),
    ("qymc", Some(OrgName)),
    ("yzbm", Some(PostalCode)),
    ("ddh", None),
    ("jylsh", None),
    ("je", None),
    ("cjsj", None),
    ("gxsj", None),
    ("jlid", None),
    ("jyz", None),
    ("zt", None),
    ("bz", None),
    ("sl", None),
    ("zhbh", None),
    ("cpbm", None),
];

/// Lower-case tokens of an ASCII header: split on non-alphanumerics and camel-case humps.
fn tokens(header: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in header.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            cur.push(c.to_ascii_lowercase());
        } else {
            prev_lower = false;
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The hint one text (a header or a comment) gives, if any.
pub fn hint_for(text: &str) -> Option<HintMatch> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    // Chinese keywords only for headers that hold Chinese: "MAC" inside "machine" means nothing.
    let upper = text.to_ascii_uppercase();
    let zh = ZH
        .iter()
        .filter(|_| !text.is_ascii())
        .filter(|(k, _)| upper.contains(k))
        .max_by_key(|(k, _)| k.len())
        .map(|&(keyword, e)| (keyword, e));
    if let Some((keyword, entity)) = zh {
        return Some(HintMatch {
            hint: entity.map_or(Hint::NotSensitive, Hint::Entity),
            keyword,
        });
    }
    let toks = tokens(text);
    let mut best: Option<(&'static str, Option<Entity>, usize)> = None;
    for &(phrase, entity) in EN {
        let words: Vec<&str> = phrase.split(' ').collect();
        let found = toks.windows(words.len()).any(|w| w.iter().zip(&words).all(|(a, b)| a == b))
            // "idcard_no" and "idcardno" alike: also try the tokens glued together.
            || (words.len() == 1 && toks.len() > 1 && toks.concat() == phrase);
        if found && best.is_none_or(|(_, _, n)| words.len() > n) {
            best = Some((phrase, entity, words.len()));
        }
    }
    if let Some((keyword, entity, _)) = best {
        return Some(HintMatch {
            hint: entity.map_or(Hint::NotSensitive, Hint::Entity),
            keyword,
        });
    }
    PINYIN
        .iter()
        .find(|(k, _)| toks.iter().any(|t| t == k))
        .map(|&(keyword, e)| HintMatch {
            hint: e.map_or(Hint::NotSensitive, Hint::Entity),
            keyword,
        })
}

/// The hint for a column: its comment first (the strongest statement in Chinese databases,
/// whose column names are often opaque pinyin), then its name.
pub fn column_hint(name: &str, comment: Option<&str>) -> Option<HintMatch> {
    comment.and_then(hint_for).or_else(|| hint_for(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(h: &str) -> Option<Hint> {
        hint_for(h).map(|m| m.hint)
    }

    #[test]
    fn headers_in_three_languages() {
        assert_eq!(entity("身份证号"), Some(Hint::Entity(ResidentId)));
        assert_eq!(entity("IP地址"), Some(Hint::Entity(Ipv4)));
        assert_eq!(entity("家庭住址"), Some(Hint::Entity(Address)));
        assert_eq!(entity("idcard_no"), Some(Hint::Entity(ResidentId)));
        assert_eq!(entity("office_phone"), Some(Hint::Entity(Landline)));
        assert_eq!(entity("phone"), Some(Hint::Entity(Mobile)));
        assert_eq!(entity("customerName"), Some(Hint::Entity(PersonName)));
        assert_eq!(entity("org_name"), Some(Hint::Entity(OrgName)));
        assert_eq!(entity("sfzh"), Some(Hint::Entity(ResidentId)));
        assert_eq!(entity("ipv6dz"), Some(Hint::Entity(Ipv6)));
        assert_eq!(entity("order_no"), Some(Hint::NotSensitive));
        assert_eq!(entity("col_3"), None);
    }

    #[test]
    fn comment_wins_over_name() {
        assert_eq!(
            column_hint("gmsfhm", Some("联系电话")).map(|m| m.hint),
            Some(Hint::Entity(Mobile))
        );
        assert_eq!(
            column_hint("gmsfhm", None).map(|m| m.hint),
            Some(Hint::Entity(ResidentId))
        );
    }
}
