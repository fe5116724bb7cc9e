//! The customer fields a sheet column can hold: the targets of an import mapping and the
//! columns of an export. One enum serves both, so the header an export writes is exactly
//! one that import recognises and a file round-trips.

use crate::ExchangeError;
use std::fmt;

/// A customer field as a spreadsheet column.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// 客户编号: the customer number (re-import of an export matches by it).
    Number,
    /// 客户名称.
    Name,
    /// 客户性质: company or person.
    Kind,
    /// 统一社会信用代码.
    CreditCode,
    /// 所属行业.
    Industry,
    /// 规模 (employee band).
    Size,
    /// 年营收 (revenue band).
    RevenueBand,
    /// 省份.
    Province,
    /// 城市.
    City,
    /// 区县.
    District,
    /// 详细地址.
    Street,
    /// 客户来源.
    Source,
    /// 客户阶段.
    Stage,
    /// 负责人.
    Owner,
    /// 创建日期 (import keeps it on the planned row; the node decides whether to use it).
    Created,
    /// 成交金额.
    DealAmount,
    /// 成交日期.
    DealDate,
    /// 合同编号.
    ContractNo,
    /// 流失原因.
    LostReason,
    /// 重点客户 (priority flag).
    Priority,
    /// 标签 (manual tags).
    Tags,
    /// 备注.
    Notes,
    /// 痛点.
    PainPoints,
    /// 采购时间.
    Timeline,
    /// 预算.
    Budget,
    /// 采购人.
    Purchaser,
    /// 技术评估人.
    Evaluator,
    /// 审批人.
    Approver,
    /// 联系人 (primary contact's name).
    ContactName,
    /// 职位.
    ContactPosition,
    /// 联系电话.
    ContactPhone,
    /// 邮箱.
    ContactEmail,
    /// 微信.
    ContactWechat,
    /// 录入人 (export only; ignored on import).
    EnteredBy,
    /// 最近跟进 (export only; ignored on import).
    LastInteraction,
    /// A team-defined field, written `custom:NAME`.
    Custom(String),
}

/// Every fixed field with its stable name, export header and the header spellings import
/// recognises (compared after [`header_key`] normalisation).
const FIELDS: &[(Field, &str, &str, &[&str])] = &[
    (Field::Number, "number", "客户编号", &["客户号", "customerno", "customernumber", "number"]),
    (
        Field::Name,
        "name",
        "客户名称",
        &[
            "公司名称",
            "名称",
            "客户名",
            "企业名称",
            "单位名称",
            "客户",
            "公司",
            "公司名",
            "客户全称",
            "公司全称",
            "name",
            "customer",
            "customername",
            "company",
            "companyname",
        ],
    ),
    (Field::Kind, "kind", "客户性质", &["客户种类", "企业个人", "主体类型", "kind", "customerkind", "type"]),
    (
        Field::CreditCode,
        "credit_code",
        "统一社会信用代码",
        &["信用代码", "社会信用代码", "统一信用代码", "税号", "纳税人识别号", "creditcode", "uscc", "taxid"],
    ),
    (Field::Industry, "industry", "所属行业", &["行业", "行业分类", "行业类别", "industry", "sector"]),
    (
        Field::Size,
        "size",
        "规模",
        &["人数", "员工人数", "企业规模", "人员规模", "公司规模", "size", "employees", "headcount"],
    ),
    (
        Field::RevenueBand,
        "revenue_band",
        "年营收",
        &["营收", "年营业额", "营业额", "营收规模", "revenue", "revenueband", "annualrevenue"],
    ),
    (Field::Province, "province", "省份", &["省", "所在省份", "所在省", "province"]),
    (Field::City, "city", "城市", &["市", "所在城市", "地市", "city"]),
    (Field::District, "district", "区县", &["区", "县", "所在区县", "district", "county"]),
    (
        Field::Street,
        "street",
        "详细地址",
        &["地址", "街道", "街道地址", "通讯地址", "办公地址", "公司地址", "street", "address"],
    ),
    (Field::Source, "source", "客户来源", &["来源", "来源渠道", "获客渠道", "渠道", "source", "leadsource"]),
    (
        Field::Stage,
        "stage",
        "客户阶段",
        &["客户类型", "阶段", "客户状态", "状态", "销售阶段", "stage", "status", "salesstage"],
    ),
    (
        Field::Owner,
        "owner",
        "负责人",
        &[
            "销售负责人",
            "客户负责人",
            "跟进人",
            "销售",
            "业务员",
            "归属人",
            "所属销售",
            "销售人员",
            "销售代表",
            "客户经理",
            "owner",
            "salesrep",
            "accountmanager",
        ],
    ),
    (
        Field::Created,
        "created",
        "创建日期",
        &["创建时间", "录入日期", "录入时间", "建档日期", "created", "createdat", "createddate", "dateadded"],
    ),
    (
        Field::DealAmount,
        "deal_amount",
        "成交金额",
        &["合同金额", "签约金额", "金额", "dealamount", "amount", "contractamount"],
    ),
    (
        Field::DealDate,
        "deal_date",
        "成交日期",
        &["签约日期", "成交时间", "合同日期", "dealdate", "closedate", "wondate"],
    ),
    (Field::ContractNo, "contract_no", "合同编号", &["合同号", "contractno", "contractnumber", "contract"]),
    (Field::LostReason, "lost_reason", "流失原因", &["丢单原因", "lostreason", "reasonlost", "churnreason"]),
    (
        Field::Priority,
        "priority",
        "重点客户",
        &["重点", "优先级", "高优先级", "是否重点", "是否重点客户", "priority", "highpriority"],
    ),
    (Field::Tags, "tags", "标签", &["客户标签", "tags", "tag", "labels"]),
    (Field::Notes, "notes", "备注", &["说明", "备注信息", "notes", "note", "remarks", "comment", "comments"]),
    (Field::PainPoints, "pain_points", "痛点", &["客户痛点", "需求痛点", "需求", "painpoints", "needs"]),
    (Field::Timeline, "timeline", "采购时间", &["采购周期", "采购计划", "timeline", "purchasetimeline"]),
    (Field::Budget, "budget", "预算", &["预算范围", "budget"]),
    (Field::Purchaser, "purchaser", "采购人", &["采购负责人", "purchaser", "buyer"]),
    (Field::Evaluator, "evaluator", "技术评估人", &["评估人", "技术负责人", "evaluator"]),
    (Field::Approver, "approver", "审批人", &["决策人", "approver", "decisionmaker"]),
    (
        Field::ContactName,
        "contact_name",
        "联系人",
        &["联系人姓名", "姓名", "联系人名称", "contact", "contactname", "contactperson"],
    ),
    (
        Field::ContactPosition,
        "contact_position",
        "职位",
        &["联系人职位", "职务", "岗位", "position", "title", "jobtitle", "contactposition"],
    ),
    (
        Field::ContactPhone,
        "contact_phone",
        "联系电话",
        &[
            "联系方式",
            "电话",
            "手机",
            "手机号",
            "手机号码",
            "联系人电话",
            "联系人手机",
            "电话号码",
            "座机",
            "phone",
            "mobile",
            "tel",
            "telephone",
            "contactphone",
            "phonenumber",
        ],
    ),
    (
        Field::ContactEmail,
        "contact_email",
        "邮箱",
        &["电子邮箱", "电子邮件", "邮件", "联系人邮箱", "email", "mail", "contactemail"],
    ),
    (Field::ContactWechat, "contact_wechat", "微信", &["微信号", "联系人微信", "wechat", "weixin", "wechatid"]),
    (Field::EnteredBy, "entered_by", "录入人", &["创建人", "enteredby"]),
    (Field::LastInteraction, "last_interaction", "最近跟进", &["最近跟进日期", "lastinteraction"]),
];

/// Header spellings that are never customer data: the extra columns of a rejection
/// report, and row counters.
pub(crate) const IGNORED_HEADERS: &[&str] = &["row", "column", "reason", "序号", "行号"];

/// Words that make a header name a person (a salesperson, an employee, a contact), in
/// [`header_key`] form. Such a column is never the customer's name, whatever else its
/// header says (`跟进销售`, `客户对接人`, `2024年客户台账/录入人`).
const PERSON_WORDS: &[&str] = &[
    "销售",
    "负责人",
    "跟进人",
    "业务员",
    "录入人",
    "联系人",
    "对接人",
    "经理",
    "创建人",
    "归属人",
    "采购人",
    "审批人",
    "评估人",
    "决策人",
    "法人",
    "代表人",
    "专员",
    "客服",
    "员工",
    "sales",
    "owner",
    "manager",
    "rep",
    "agent",
    "staff",
    "employee",
    "contact",
    "person",
    "enteredby",
    "createdby",
];

/// Whether a header (in [`header_key`] form) names a person rather than the customer.
pub(crate) fn names_a_person(key: &str) -> bool {
    PERSON_WORDS.iter().any(|w| key.contains(w))
}

/// Normalises a header for comparison: full-width folded, lower-case, without spaces,
/// `_`, `-`, `*`, `/`, colons and bracketed remarks (`成交金额（元）` → `成交金额`,
/// `Customer Name` → `customername`, `客户名称*` → `客户名称`).
pub fn header_key(h: &str) -> String {
    let t = rapport_model::normalize_text(&crate::normalize::fold_width(h));
    let mut out = String::with_capacity(t.len());
    let mut depth = 0u32;
    for c in t.chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            ' ' | '_' | '-' | '*' | '/' | ':' | '：' | '.' | '、' => {}
            _ => out.push(c),
        }
    }
    out
}

impl Field {
    /// Every fixed field (no custom ones), in export order.
    pub fn all() -> impl Iterator<Item = Field> {
        FIELDS.iter().map(|(f, ..)| f.clone())
    }

    /// The default export set: every field import reads back (no export-only fields).
    pub fn defaults() -> Vec<Field> {
        Field::all().filter(Field::importable).collect()
    }

    /// Whether import reads this field (export-only fields are not).
    pub fn importable(&self) -> bool {
        !matches!(self, Field::EnteredBy | Field::LastInteraction)
    }

    fn entry(&self) -> Option<&'static (Field, &'static str, &'static str, &'static [&'static str])> {
        FIELDS.iter().find(|(f, ..)| f == self)
    }

    /// The stable name used in `--fields`, `mapping.toml` and JSON Lines keys.
    pub fn name(&self) -> String {
        match self {
            Field::Custom(n) => format!("custom:{n}"),
            f => f.entry().map(|e| e.1).unwrap_or_default().to_string(),
        }
    }

    /// The column header an export writes (Chinese, as the team's sheets have it); import
    /// recognises it.
    pub fn header(&self) -> String {
        match self {
            Field::Custom(n) => format!("custom:{n}"),
            f => f.entry().map(|e| e.2).unwrap_or_default().to_string(),
        }
    }

    /// Parses a field name (`deal_amount`, `custom:平均客单价`); the error lists valid names.
    pub fn parse(name: &str) -> Result<Field, ExchangeError> {
        let t = name.trim();
        if let Some(rest) = t.strip_prefix("custom:").or_else(|| t.strip_prefix("自定义:")) {
            if !rest.trim().is_empty() {
                return Ok(Field::Custom(rest.trim().to_string()));
            }
        }
        FIELDS.iter().find(|(_, n, ..)| n.eq_ignore_ascii_case(t)).map(|(f, ..)| f.clone()).ok_or_else(|| {
            ExchangeError::UnknownField { name: t.to_string(), valid: FIELDS.iter().map(|(_, n, ..)| *n).collect() }
        })
    }

    /// Parses a `--fields a,b,c` list.
    pub fn parse_list(list: &str) -> Result<Vec<Field>, ExchangeError> {
        list.split(',').filter(|s| !s.trim().is_empty()).map(Field::parse).collect()
    }

    /// The field a header names by the built-in spellings, if any (`custom:NAME` included).
    pub fn from_header(header: &str) -> Option<Field> {
        let t = header.trim();
        for prefix in ["custom:", "custom：", "自定义:", "自定义："] {
            if let Some(rest) = t.strip_prefix(prefix) {
                return (!rest.trim().is_empty()).then(|| Field::Custom(rest.trim().to_string()));
            }
        }
        let key = header_key(t);
        if key.is_empty() {
            return None;
        }
        FIELDS
            .iter()
            .find(|(_, name, header, syn)| {
                header_key(header) == key || name.replace('_', "") == key || syn.iter().any(|s| header_key(s) == key)
            })
            .map(|(f, ..)| f.clone())
    }

    /// Every spelling of this field, normalised (for suggestions).
    pub(crate) fn spellings() -> impl Iterator<Item = (Field, String)> {
        FIELDS.iter().flat_map(|(f, name, header, syn)| {
            std::iter::once(header_key(header))
                .chain(std::iter::once(name.replace('_', "")))
                .chain(syn.iter().map(|s| header_key(s)))
                .map(move |k| (f.clone(), k))
        })
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_english_and_chinese() {
        for (h, f) in [
            ("客户名称", Field::Name),
            ("客户名称*", Field::Name),
            ("Customer Name", Field::Name),
            ("公司名称", Field::Name),
            ("所属行业", Field::Industry),
            ("行业", Field::Industry),
            ("联系人", Field::ContactName),
            ("联系方式", Field::ContactPhone),
            ("手机号码", Field::ContactPhone),
            ("E-mail", Field::ContactEmail),
            ("客户来源", Field::Source),
            ("客户类型", Field::Stage),
            ("负责人", Field::Owner),
            ("客户经理", Field::Owner),
            ("销售代表", Field::Owner),
            ("成交金额（元）", Field::DealAmount),
            ("成交日期", Field::DealDate),
            ("合同编号", Field::ContractNo),
            ("流失原因", Field::LostReason),
            ("统一社会信用代码", Field::CreditCode),
            ("省份", Field::Province),
            ("区/县", Field::District),
            ("企业/个人", Field::Kind),
            ("deal_amount", Field::DealAmount),
            ("custom:平均客单价", Field::Custom("平均客单价".into())),
            ("ＷｅＣｈａｔ", Field::ContactWechat),
        ] {
            assert_eq!(Field::from_header(h), Some(f), "{h}");
        }
        assert_eq!(Field::from_header("颜色"), None);
        assert_eq!(Field::from_header(""), None);
    }

    #[test]
    fn every_export_header_is_recognised_and_names_parse() {
        for f in Field::all() {
            assert_eq!(Field::from_header(&f.header()), Some(f.clone()), "{f}");
            assert_eq!(Field::parse(&f.name()).ok(), Some(f.clone()));
        }
        match Field::parse("colour") {
            Err(ExchangeError::UnknownField { name, valid }) => {
                assert_eq!(name, "colour");
                assert!(valid.contains(&"deal_amount"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(Field::parse_list("name, stage,custom:x").ok().map(|v| v.len()), Some(3));
    }
}
