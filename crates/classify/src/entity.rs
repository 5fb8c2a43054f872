//! The catalogue of built-in entities: what each is called and how much a bare value says.

/// How much a value's shape alone proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// A checksum or a precise structure: values alone decide a column.
    Strong,
    /// Shapes other data share (dates, short Han strings, dotted quads): values decide only when
    /// nearly all match; a header hint lowers the bar.
    Weak,
    /// Shapes too common to mean anything alone (QQ numbers, postal codes): only with a header
    /// hint or context words.
    ContextOnly,
}

macro_rules! entities {
    ($($variant:ident = $id:literal, $zh:literal, $en:literal, $evidence:ident;)*) => {
        /// A built-in kind of sensitive value. User detectors from rule packs add more by id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Entity { $($variant),* }

        impl Entity {
            /// Every built-in entity, in priority order: earlier ones win ties.
            pub const ALL: &'static [Entity] = &[$(Entity::$variant),*];

            /// Canonical id, as in reports and rule packs.
            pub fn id(self) -> &'static str {
                match self { $(Entity::$variant => $id),* }
            }
            pub fn name_zh(self) -> &'static str {
                match self { $(Entity::$variant => $zh),* }
            }
            pub fn name_en(self) -> &'static str {
                match self { $(Entity::$variant => $en),* }
            }
            pub fn evidence(self) -> Evidence {
                match self { $(Entity::$variant => Evidence::$evidence),* }
            }
            pub fn from_id(id: &str) -> Option<Entity> {
                match id { $($id => Some(Entity::$variant),)* _ => None }
            }
        }
    };
}

entities! {
    ResidentId = "cn_resident_id", "居民身份证号", "resident ID number", Strong;
    Uscc = "cn_uscc", "统一社会信用代码", "unified social credit code", Strong;
    BankCard = "bank_card", "银行卡号", "bank card number", Strong;
    Imei = "imei", "IMEI", "IMEI", Strong;
    Vin = "vin", "车辆识别代号", "VIN", Strong;
    Mobile = "cn_mobile", "手机号码", "mobile number", Strong;
    Landline = "cn_landline", "固定电话", "landline number", Strong;
    Email = "email", "电子邮箱", "e-mail address", Strong;
    Ipv6 = "ipv6", "IPv6地址", "IPv6 address", Strong;
    MacAddress = "mac_address", "MAC地址", "MAC address", Strong;
    GpsCoordinate = "gps_coordinate", "经纬度", "GPS coordinates", Strong;
    LicensePlate = "cn_license_plate", "车牌号", "licence plate", Strong;
    Passport = "cn_passport", "护照号码", "passport number", Strong;
    HmtResidencePermit = "cn_hmt_residence_permit", "港澳台居民居住证", "HK/Macao/Taiwan residence permit", Strong;
    Imsi = "imsi", "IMSI", "IMSI", Strong;
    Iccid = "iccid", "ICCID", "ICCID", Strong;
    Ipv4 = "ipv4", "IPv4地址", "IPv4 address", Weak;
    DateOfBirth = "date_of_birth", "出生日期", "date of birth", Weak;
    Ethnicity = "ethnicity", "民族", "ethnicity", Weak;
    Gender = "gender", "性别", "gender", Weak;
    PersonName = "person_name", "姓名", "person name", Weak;
    OrgName = "org_name", "单位名称", "organisation name", Weak;
    Address = "address", "地址", "address", Weak;
    Religion = "religion", "宗教信仰", "religion", Weak;
    Health = "health", "健康医疗", "health information", Weak;
    HkMacaoPermit = "cn_hk_macao_permit", "往来港澳通行证", "HK/Macao travel permit", ContextOnly;
    TaiwanPermit = "cn_taiwan_permit", "台湾居民来往大陆通行证", "Taiwan travel permit", ContextOnly;
    SocialSecurity = "cn_social_security_no", "社会保障号码", "social security number", ContextOnly;
    Qq = "qq", "QQ号", "QQ number", ContextOnly;
    Wechat = "wechat_id", "微信号", "WeChat id", ContextOnly;
    PostalCode = "postal_code", "邮政编码", "postal code", ContextOnly;
}

/// Number of built-in entities (sizes the per-column counters).
pub const COUNT: usize = Entity::ALL.len();

impl Entity {
    /// Position in [`Entity::ALL`]; also the bit in an [`EntitySet`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A small set of built-in entities, as a bit mask.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EntitySet(u64);

impl EntitySet {
    pub fn insert(&mut self, e: Entity) {
        self.0 |= 1 << e.index();
    }
    pub fn contains(self, e: Entity) -> bool {
        self.0 & (1 << e.index()) != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The members in priority order (lowest bit first), visiting set bits only.
    pub fn iter(self) -> impl Iterator<Item = Entity> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let index = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                Entity::ALL[index]
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_fit_the_mask() {
        const { assert!(COUNT <= 64) };
        for &e in Entity::ALL {
            assert_eq!(Entity::from_id(e.id()), Some(e));
            assert_eq!(Entity::ALL[e.index()], e);
        }
    }
}
