//! The closed vocabularies of a customer book: kinds, stages, channels, intent levels,
//! service kinds and industries. Each accepts its English name or the Chinese term users
//! type, and serialises to the stable English name.

use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! vocab {
    ($(#[$m:meta])* $name:ident, $field:literal, { $($(#[$vm:meta])* $var:ident = $en:literal / $zh:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $var),+ }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            /// The stable English name (also the serialised form).
            pub fn as_str(self) -> &'static str { match self { $($name::$var => $en),+ } }
            /// The Chinese term.
            pub fn zh(self) -> &'static str { match self { $($name::$var => $zh),+ } }
            /// Parses the English name or the Chinese term, naming the field on error.
            pub fn parse(text: &str) -> Result<$name, FieldError> {
                let t = text.trim();
                $( if t.eq_ignore_ascii_case($en) || t == $zh { return Ok($name::$var); } )+
                let known: Vec<&str> = vec![$($en),+];
                Err(FieldError::new($field, format!("`{}` is not one of: {}", t, known.join(", "))))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }

        impl std::str::FromStr for $name {
            type Err = FieldError;
            fn from_str(s: &str) -> Result<Self, Self::Err> { $name::parse(s) }
        }
    };
}

vocab!(
    /// Company (企业客户) or person (个人客户).
    Kind, "kind", { Company = "company" / "企业客户", Person = "person" / "个人客户" }
);

vocab!(
    /// Where a customer stands in the sales cycle.
    Stage, "stage", {
        Potential = "potential" / "潜在客户",
        Intent = "intent" / "意向客户",
        Won = "won" / "成交客户",
        Lost = "lost" / "流失客户",
        Dormant = "dormant" / "休眠客户",
    }
);

vocab!(
    /// How a follow-up happened.
    Channel, "channel", {
        Phone = "phone" / "电话",
        Visit = "visit" / "上门拜访",
        Email = "email" / "邮件",
        Meeting = "meeting" / "线上会议",
        Wechat = "wechat" / "微信",
    }
);

vocab!(
    /// The customer's buying intent as judged at a follow-up.
    IntentLevel, "intent", { Low = "low" / "低", Medium = "medium" / "中", High = "high" / "高" }
);

vocab!(
    /// What a service record was about.
    ServiceKind, "type", {
        Question = "question" / "售后咨询",
        Fault = "fault" / "技术故障",
        Complaint = "complaint" / "投诉",
    }
);

/// One industry of the national classification (GB/T 4754), with the three-letter prefix
/// used in customer numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Industry {
    /// Section letter, e.g. `C`.
    pub code: &'static str,
    /// Prefix of customer numbers, e.g. `MFG`.
    pub prefix: &'static str,
    /// English name.
    pub en: &'static str,
    /// Chinese name.
    pub zh: &'static str,
}

/// The default industry list (sections A-T of GB/T 4754-2017).
pub const INDUSTRIES: &[Industry] = &[
    Industry { code: "A", prefix: "AGR", en: "agriculture", zh: "农、林、牧、渔业" },
    Industry { code: "B", prefix: "MIN", en: "mining", zh: "采矿业" },
    Industry { code: "C", prefix: "MFG", en: "manufacturing", zh: "制造业" },
    Industry { code: "D", prefix: "UTL", en: "utilities", zh: "电力、热力、燃气及水生产和供应业" },
    Industry { code: "E", prefix: "CON", en: "construction", zh: "建筑业" },
    Industry { code: "F", prefix: "TRD", en: "wholesale and retail", zh: "批发和零售业" },
    Industry { code: "G", prefix: "LOG", en: "transport and logistics", zh: "交通运输、仓储和邮政业" },
    Industry { code: "H", prefix: "HOS", en: "hospitality", zh: "住宿和餐饮业" },
    Industry {
        code: "I", prefix: "ITS", en: "information technology", zh: "信息传输、软件和信息技术服务业"
    },
    Industry { code: "J", prefix: "FIN", en: "finance", zh: "金融业" },
    Industry { code: "K", prefix: "EST", en: "real estate", zh: "房地产业" },
    Industry { code: "L", prefix: "BIZ", en: "business services", zh: "租赁和商务服务业" },
    Industry { code: "M", prefix: "RND", en: "research and technical services", zh: "科学研究和技术服务业" },
    Industry {
        code: "N", prefix: "ENV", en: "environment and public facilities", zh: "水利、环境和公共设施管理业"
    },
    Industry { code: "O", prefix: "SVC", en: "household services", zh: "居民服务、修理和其他服务业" },
    Industry { code: "P", prefix: "EDU", en: "education", zh: "教育" },
    Industry { code: "Q", prefix: "HLT", en: "health and social work", zh: "卫生和社会工作" },
    Industry { code: "R", prefix: "ENT", en: "culture, sports and entertainment", zh: "文化、体育和娱乐业" },
    Industry {
        code: "S", prefix: "PUB", en: "public administration", zh: "公共管理、社会保障和社会组织"
    },
    Industry { code: "T", prefix: "INT", en: "international organisations", zh: "国际组织" },
];

/// Looks an industry up by section letter, prefix, English or Chinese name.
pub fn industry(text: &str) -> Result<&'static Industry, FieldError> {
    let t = text.trim();
    INDUSTRIES
        .iter()
        .find(|i| {
            t.eq_ignore_ascii_case(i.code)
                || t.eq_ignore_ascii_case(i.prefix)
                || t.eq_ignore_ascii_case(i.en)
                || t == i.zh
        })
        .ok_or_else(|| {
            FieldError::new(
                "industry",
                format!("`{t}` is not a known industry; use a section letter A-T (e.g. C for manufacturing, F for wholesale and retail, I for IT, J for finance)"),
            )
        })
}

impl Stage {
    /// Stages a customer may move to from this one. Moves that skip the sales cycle
    /// backwards (won back to potential) are refused; a lost or dormant customer may be
    /// re-engaged.
    pub fn allowed_next(self) -> &'static [Stage] {
        use Stage::*;
        match self {
            Potential => &[Intent, Won, Lost, Dormant],
            Intent => &[Potential, Won, Lost, Dormant],
            Won => &[Lost, Dormant],
            Lost => &[Potential, Intent, Won],
            Dormant => &[Potential, Intent, Won, Lost],
        }
    }
}

/// The usual customer sources (the list is configurable: any text is a source) with their
/// Chinese labels, as reports and the web app show them.
pub const SOURCES: &[(&str, &str)] = &[
    ("trade_show", "展会"),
    ("referral", "转介绍"),
    ("online_ads", "线上广告"),
    ("partner", "合作伙伴"),
    ("inbound", "主动咨询"),
    ("website", "官网"),
    ("cold_call", "电话营销"),
];

/// The Chinese label of a usual source (`referral` → `转介绍`; any case, `-` or space for
/// `_`); `None` for any other text, which is shown as it is.
pub fn source_zh(source: &str) -> Option<&'static str> {
    let key = source.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    SOURCES.iter().find(|(en, _)| *en == key).map(|(_, zh)| *zh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_english_and_chinese() {
        assert_eq!(Stage::parse("意向客户"), Ok(Stage::Intent));
        assert_eq!(Stage::parse("WON"), Ok(Stage::Won));
        assert_eq!(Channel::parse("微信"), Ok(Channel::Wechat));
        let e = Stage::parse("maybe").unwrap_err();
        assert_eq!(e.field, "stage");
        assert!(e.reason.contains("potential, intent, won, lost, dormant"));
        assert_eq!(industry("制造业").map(|i| i.code), Ok("C"));
        assert_eq!(industry("mfg").map(|i| i.code), Ok("C"));
        assert!(industry("Z").is_err());
    }
}
