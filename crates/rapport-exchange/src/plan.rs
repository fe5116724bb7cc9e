//! Planning an import: every row of a [`Table`] becomes either a validated [`NewCustomer`]
//! ([`PlannedRow`]) or one [`Rejection`] per bad value, and rows that describe the same
//! customer twice are collapsed ([`Merged`]). Nothing is stored here: the node matches the
//! planned rows against its book ([`PlannedRow::match_keys`]) and writes all or nothing.
//!
//! Missing values (decided here, documented in the crate docs):
//! * **required**: the customer name; a row without one is rejected. A company's
//!   industry is required too (the model has no "unknown" industry): without one the row is
//!   rejected unless [`ImportOptions::default_industry`] is set.
//! * **key** fields filled in and listed in [`PlannedRow::filled`]: source → `待补充`
//!   (to fill); kind → [`ImportOptions::default_kind`]; owner → left empty so the node uses
//!   the importing member; a person's industry → `O` (the model's default); a contact
//!   without a name but with a phone or email → name `待补充`.
//! * **minor** fields, marked `未知` (unknown) when their column exists but the cell is
//!   empty: size, revenue band, province, city. Other empty cells stay empty, and so do
//!   these on a row with a customer number (a re-imported export, where empty means empty).

use crate::field::header_key;
use crate::mapping::{Mapping, Resolved};
use crate::normalize::{
    is_placeholder, normalize_source, parse_amount, parse_credit_code, parse_date, parse_email, parse_industry,
    parse_kind, parse_phone, parse_stage, parse_yes_no,
};
use crate::{ExchangeError, Field, Row, Table};
use rapport_model::{
    normalize_name, Channel, Date, DateTime, Deal, Kind, NewContact, NewCustomer, NewInteraction, Stage,
};
use std::collections::{BTreeSet, HashMap};

/// The text that marks a key field to fill in later (the model's marker).
pub const TO_FILL: &str = rapport_model::TO_FILL;
/// The text that marks a minor field as unknown.
pub const UNKNOWN: &str = "未知";

/// Choices for values a sheet leaves out.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// Kind of rows without one (default company).
    pub default_kind: Kind,
    /// Industry for companies without one (section letter or name); `None` rejects them.
    pub default_industry: Option<String>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { default_kind: Kind::Company, default_industry: None }
    }
}

/// Why a value was filled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fill {
    /// A key field was missing and is marked `待补充`.
    ToFill,
    /// A minor field was empty and is marked `未知`.
    Unknown,
    /// A default was used (value says which).
    Default,
    /// The file held a masked value (`138****5678`, from an export without `--reveal`):
    /// it is not imported. The cell is also in [`ImportPlan::not_stored`], with its column.
    Masked,
    /// The value was dropped because the stage does not keep it (a deal date on a customer
    /// that is not won, a reason on one that is not lost). The cell is also in
    /// [`ImportPlan::not_stored`] with its reason; a deal amount is not dropped but kept as
    /// the budget ([`ImportPlan::moved`]).
    Dropped,
}

/// A value the plan filled in, defaulted or dropped for one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filled {
    /// Which field.
    pub field: Field,
    /// The value used (`待补充`, `未知`, the default) or the value dropped.
    pub value: String,
    /// Why.
    pub why: Fill,
}

/// A non-empty cell the import does not store, with why. Every such cell is listed:
/// nothing is dropped with only a count.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NotStored {
    /// Sheet row number.
    pub row: u32,
    /// The column as the file names it.
    pub column: String,
    /// The cell as written.
    pub value: String,
    /// Why it is not stored.
    pub reason: String,
}

/// A cell stored in another field than its column names (a deal amount on a customer
/// that is not won goes to the budget, say).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Moved {
    /// Sheet row number.
    pub row: u32,
    /// The column as the file names it.
    pub column: String,
    /// The cell as written.
    pub value: String,
    /// Where it is stored: a field name (`budget`, `custom:成交金额`, `interaction`).
    pub to: String,
    /// Why.
    pub reason: String,
}

/// A totals or note row (合计, 小计, 总计, 注：…, 说明…): skipped, never a customer.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skipped {
    /// Sheet row number.
    pub row: u32,
    /// The label that marks it (`合计`, `注：…` cut to 40 characters).
    pub label: String,
}

/// A row that will create (or, matched by the node, update) a customer.
#[derive(Clone, Debug)]
pub struct PlannedRow {
    /// Sheet row number.
    pub row: u32,
    /// The customer to create; `validate` accepts it.
    pub new: NewCustomer,
    /// Customer number from the file (an exported sheet being re-imported).
    pub number: Option<String>,
    /// Creation date from the file, if it had one.
    pub created: Option<Date>,
    /// Values filled in, defaulted, masked or dropped.
    pub filled: Vec<Filled>,
}

/// Keys to find the same customer already in the book, strongest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchKeys<'a> {
    /// Customer number, when the file has one.
    pub number: Option<&'a str>,
    /// Credit code (validated, upper-case).
    pub credit_code: Option<&'a str>,
    /// `normalize_name` of the name.
    pub name: String,
}

impl PlannedRow {
    /// Customer number, credit code and normalised name, for matching against the book.
    pub fn match_keys(&self) -> MatchKeys<'_> {
        MatchKeys {
            number: self.number.as_deref(),
            credit_code: self.new.credit_code.as_deref(),
            name: normalize_name(&self.new.name),
        }
    }
}

/// One refused value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Sheet row number.
    pub row: u32,
    /// The column as the file names it (`联系人信息/电话` under a group title), or the
    /// field's usual header when the file lacks the column.
    pub column: String,
    /// The cell as written.
    pub value: String,
    /// Why it was refused.
    pub reason: String,
}

/// A row collapsed into an earlier row of the same file (same credit code or name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merged {
    /// The later row.
    pub row: u32,
    /// The row it was merged into.
    pub into_row: u32,
    /// What matched: `credit code …` or `name …`.
    pub key: String,
    /// Whether its contact was added to the customer.
    pub contact_added: bool,
    /// Columns whose value differed from the earlier row; the earlier row's value is kept.
    pub conflicts: Vec<String>,
}

/// What an import would do.
#[derive(Clone, Debug, Default)]
pub struct ImportPlan {
    /// Customers to create, in sheet order.
    pub rows: Vec<PlannedRow>,
    /// Refused values; a row with any is not imported.
    pub rejected: Vec<Rejection>,
    /// Rows collapsed into earlier ones.
    pub merged: Vec<Merged>,
    /// Non-empty cells not stored, by row (of planned and merged rows; a rejected row is
    /// in `rejected`, a skipped one in `skipped`).
    pub not_stored: Vec<NotStored>,
    /// Cells stored in another field than their column names, by row.
    pub moved: Vec<Moved>,
    /// Totals and note rows skipped, by row.
    pub skipped: Vec<Skipped>,
    /// Headers no mapping recognised (not imported).
    pub unknown_columns: Vec<String>,
    /// Columns skipped because an earlier column feeds the same field (their non-empty
    /// cells are in `not_stored`). A second phone column is not skipped: its numbers are
    /// kept as the contact's other phones.
    pub repeated_columns: Vec<(String, Field)>,
    /// Data rows read.
    pub total_rows: usize,
}

impl ImportPlan {
    /// Row numbers with at least one rejection, ascending.
    pub fn rejected_rows(&self) -> BTreeSet<u32> {
        self.rejected.iter().map(|r| r.row).collect()
    }

    /// True when every row is planned or merged.
    pub fn is_clean(&self) -> bool {
        self.rejected.is_empty()
    }
}

/// Plans the import of `table`. Fails only when the sheet cannot be imported at all (no
/// name column); bad values become rejections.
pub fn plan(table: &Table, mapping: &Mapping, options: &ImportOptions) -> Result<ImportPlan, ExchangeError> {
    plan_with_progress(table, mapping, options, &mut |_, _| {})
}

/// [`plan`], calling `progress(done, total)` every 1,000 rows and at the end (for a
/// progress bar).
pub fn plan_with_progress(
    table: &Table,
    mapping: &Mapping,
    options: &ImportOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportPlan, ExchangeError> {
    let resolved = mapping.resolve(table);
    if resolved.column_of(&Field::Name).is_none() {
        return Err(ExchangeError::MissingColumn {
            field: Field::Name.header(),
            headers: table.headers.iter().filter(|h| !h.is_empty()).cloned().collect::<Vec<_>>().join(", "),
        });
    }
    if let Some(d) = &options.default_industry {
        if let Err(reason) = parse_industry(d) {
            return Err(ExchangeError::Options(format!("default industry: {reason}")));
        }
    }
    let ctx = Ctx::new(table, &resolved, options);
    let read_here: Vec<String> =
        [ctx.follow_text, ctx.follow_date].into_iter().flatten().map(|i| table.label(i)).collect();
    let mut out = ImportPlan {
        unknown_columns: resolved.unknown.iter().filter(|u| !read_here.contains(u)).cloned().collect(),
        // A second phone column is read (its numbers are kept), so it is not "repeated".
        repeated_columns: resolved.repeated.iter().filter(|(_, f)| *f != Field::ContactPhone).cloned().collect(),
        total_rows: table.rows.len(),
        ..ImportPlan::default()
    };
    let mut dedupe = Dedupe::default();
    let total = table.rows.len();
    for (i, row) in table.rows.iter().enumerate() {
        if let Some(label) = ctx.summary_row(row) {
            out.skipped.push(Skipped { row: row.row, label });
            continue;
        }
        match ctx.row(row) {
            Ok((p, mut notes)) => {
                out.not_stored.append(&mut notes.not_stored);
                out.moved.append(&mut notes.moved);
                dedupe.add(&ctx, p, &mut out)
            }
            Err(mut rej) => out.rejected.append(&mut rej),
        }
        if (i + 1) % 1000 == 0 {
            progress(i + 1, total);
        }
    }
    // A merge may have added a contact or filled a value: check those customers again so a
    // planned row can never fail when stored.
    for idx in dedupe.touched {
        let p = &out.rows[idx];
        if let Err(e) = p.new.validate("import", validation_time()) {
            for f in e.fields {
                let field = model_field(&f.field);
                out.rejected.push(Rejection {
                    row: p.row,
                    column: ctx.label(&field),
                    value: String::new(),
                    reason: f.reason,
                });
            }
        }
    }
    let bad: BTreeSet<u32> = out.rejected.iter().map(|r| r.row).collect();
    out.rows.retain(|p| !bad.contains(&p.row));
    // A row folded into a rejected one is not imported either: its notes go with it.
    let gone: BTreeSet<u32> =
        out.merged.iter().filter(|m| bad.contains(&m.into_row)).map(|m| m.row).chain(bad.iter().copied()).collect();
    out.not_stored.retain(|n| !gone.contains(&n.row));
    out.moved.retain(|n| !gone.contains(&n.row));
    out.rejected.sort_by_key(|r| r.row);
    out.not_stored.sort_by_key(|n| n.row);
    out.moved.sort_by_key(|n| n.row);
    progress(total, total);
    Ok(out)
}

fn validation_time() -> DateTime {
    Date::from_ymd_opt(2000, 1, 1).unwrap_or_default().and_time(chrono::NaiveTime::MIN)
}

/// The export field a model validation error names.
fn model_field(field: &str) -> Field {
    let last = field.rsplit('.').next().unwrap_or(field);
    if field.starts_with("contacts") {
        return match last {
            "phone" => Field::ContactPhone,
            "email" => Field::ContactEmail,
            _ => Field::ContactName,
        };
    }
    match field {
        "kind" => Field::Kind,
        "credit_code" => Field::CreditCode,
        "industry" => Field::Industry,
        "source" => Field::Source,
        "stage" => Field::Stage,
        "deal" | "deal.amount" => Field::DealAmount,
        "deal.contract_no" => Field::ContractNo,
        "lost_reason" => Field::LostReason,
        "tags" => Field::Tags,
        _ => Field::Name,
    }
}

/// Per-table state: which column feeds which field.
struct Ctx<'a> {
    table: &'a Table,
    cols: HashMap<Field, usize>,
    customs: Vec<(usize, String)>,
    amount_in_wan: bool,
    options: &'a ImportOptions,
    default_industry: Option<String>,
    /// Columns the mapping ignores but whose cells are customer data the import does not
    /// keep (录入人: the importing member is recorded instead), reported cell by cell.
    unkept: Vec<(usize, &'static str)>,
    /// Further phone columns (座机 or 电话 beside 手机): their numbers are kept too.
    extra_phones: Vec<usize>,
    /// The follow-up text column (跟进记录, 跟进内容…), read as a follow-up.
    follow_text: Option<usize>,
    /// The follow-up date column (最近跟进, 跟进日期…).
    follow_date: Option<usize>,
    /// Other columns repeating a field an earlier column feeds: their cells are reported.
    repeated: Vec<(usize, Field)>,
}

/// The errors of one row.
struct Errs<'a> {
    ctx: &'a Ctx<'a>,
    row: u32,
    list: Vec<Rejection>,
    fields: BTreeSet<Field>,
}

impl Errs<'_> {
    /// A refused value in a column other than the field's first one (a second phone column).
    fn push_at(&mut self, column: String, field: Field, value: &str, reason: impl Into<String>) {
        self.list.push(Rejection { row: self.row, column, value: value.to_string(), reason: reason.into() });
        self.fields.insert(field);
    }

    fn push(&mut self, field: Field, value: &str, reason: impl Into<String>) {
        self.list.push(Rejection {
            row: self.row,
            column: self.ctx.label(&field),
            value: value.to_string(),
            reason: reason.into(),
        });
        self.fields.insert(field);
    }
}

/// Headers (after [`header_key`]) of a follow-up text column.
const FOLLOW_UP_TEXT: [&str; 9] =
    ["跟进记录", "跟进内容", "跟进情况", "沟通记录", "拜访记录", "跟进备注", "沟通内容", "followup", "followups"];
/// Headers of a follow-up date column.
const FOLLOW_UP_DATE: [&str; 10] = [
    "最近跟进",
    "最近跟进日期",
    "最近跟进时间",
    "跟进日期",
    "跟进时间",
    "最后跟进",
    "最后跟进日期",
    "最后跟进时间",
    "lastinteraction",
    "lastfollowup",
];
/// Summary of a follow-up known only by its date.
pub const FOLLOW_UP_DATE_ONLY: &str = "跟进（表格导入，仅有日期）";

/// The channel a follow-up text names (电话, 拜访, 邮件, 会议, 微信), if any.
fn channel_in(text: &str) -> Option<Channel> {
    let t = text.to_lowercase();
    let words: [(&[&str], Channel); 5] = [
        (&["拜访", "上门", "面谈", "见面", "visit"], Channel::Visit),
        (&["微信", "wechat"], Channel::Wechat),
        (&["邮件", "email", "e-mail"], Channel::Email),
        (&["会议", "视频", "腾讯会议", "钉钉", "meeting", "zoom"], Channel::Meeting),
        (&["电话", "致电", "来电", "通话", "phone", "call"], Channel::Phone),
    ];
    words.iter().find(|(ws, _)| ws.iter().any(|w| t.contains(w))).map(|(_, c)| *c)
}

/// The first date written in a text (`2024-03-05`, `2024/3/5`, `2024年3月5日`), if any.
fn date_in(text: &str) -> Option<Date> {
    let chars: Vec<char> = text.chars().collect();
    for start in 0..chars.len() {
        if !chars[start].is_ascii_digit() || (start > 0 && chars[start - 1].is_ascii_digit()) {
            continue;
        }
        let mut end = start;
        while end < chars.len()
            && (chars[end].is_ascii_digit() || matches!(chars[end], '-' | '/' | '.' | '年' | '月' | '日'))
        {
            end += 1;
        }
        let candidate: String = chars[start..end].iter().collect();
        let candidate = candidate.trim_end_matches(['-', '/', '.']);
        if candidate.chars().filter(char::is_ascii_digit).count() >= 6 {
            if let Ok(d) = parse_date(candidate) {
                return Some(d);
            }
        }
    }
    None
}

/// What separates several contacts in one cell.
const CONTACT_SEPARATORS: [char; 6] = ['；', ';', '、', '/', '\n', '\r'];

/// `张三 13812345678` → (`张三`, `13812345678`); `张三` → (`张三`, none). The phone is a
/// run of digits (with `+ - ( )` and spaces) holding at least 7 digits.
fn name_and_phone(part: &str) -> (String, Option<String>) {
    let chars: Vec<char> = part.chars().collect();
    let phone_char = |c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | ' ');
    let mut best: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() || chars[i] == '+' {
            let mut j = i;
            while j < chars.len() && phone_char(chars[j]) {
                j += 1;
            }
            if chars[i..j].iter().filter(|c| c.is_ascii_digit()).count() >= 7 {
                best = Some((i, j));
                break;
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    match best {
        Some((a, b)) => {
            let name: String = chars[..a].iter().chain(&chars[b..]).collect();
            let name = name.trim().trim_matches([':', '：', ',', '，', ' ']).trim().to_string();
            (name, Some(chars[a..b].iter().collect::<String>().trim().to_string()))
        }
        None => (part.to_string(), None),
    }
}

/// Adds a phone to a contact: the main one when it has none, else another one.
fn add_phone(c: &mut NewContact, p: String) {
    match &c.phone {
        None => c.phone = Some(p),
        Some(main) if *main == p => {}
        Some(_) => {
            if !c.other_phones.contains(&p) {
                c.other_phones.push(p);
            }
        }
    }
}

fn masked(v: &str) -> bool {
    v.contains("***") || (v.contains('*') && v.chars().filter(|c| *c == '*').count() >= 3)
}

/// What one row does not store as its columns say.
#[derive(Default)]
struct RowNotes {
    not_stored: Vec<NotStored>,
    moved: Vec<Moved>,
    /// Masked contact values skipped, for [`Fill::Masked`].
    masked: Vec<(Field, String)>,
}

/// Words that make a row a totals row when they are its customer name.
const TOTAL_WORDS: [&str; 6] = ["合计", "小计", "总计", "总合计", "共计", "累计"];
/// Prefixes of a note row's name cell.
const NOTE_PREFIXES: [&str; 6] = ["注：", "注:", "说明", "备注：", "备注:", "填表说明"];

/// The label when `cell` marks a totals or note row (spaces inside ignored: `合 计`).
fn summary_label(cell: &str) -> Option<String> {
    let t: String = rapport_model::normalize_text(cell).chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return None;
    }
    let folded = crate::normalize::fold_width(&t);
    let is_total = TOTAL_WORDS.contains(&t.as_str())
        || TOTAL_WORDS.iter().any(|w| t.strip_suffix(['：', ':']).is_some_and(|x| x == *w));
    let is_note = NOTE_PREFIXES.iter().any(|p| t.starts_with(p) || folded.starts_with(p));
    (is_total || is_note).then(|| cell.trim().chars().take(40).collect())
}

/// A cell that only a totals row holds beside its label: a number (amount, count).
fn numeric_cell(cell: &str) -> bool {
    let t = crate::normalize::fold_width(cell);
    let t = t.trim().trim_start_matches(['￥', '¥']).trim_end_matches(['元', '万']);
    !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+' | '%'))
}

impl<'a> Ctx<'a> {
    /// The label of a totals or note row: its name cell is 合计/小计/总计 or starts with
    /// 注：/说明, or its only non-empty cells are such a label and numbers.
    fn summary_row(&self, row: &Row) -> Option<String> {
        if let Some(label) = self.get(row, &Field::Name).and_then(summary_label) {
            return Some(label);
        }
        let cells: Vec<&str> = row.cells.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect();
        let labels: Vec<String> = cells.iter().filter_map(|c| summary_label(c)).collect();
        let rest_numeric = cells.iter().all(|c| summary_label(c).is_some() || numeric_cell(c));
        (labels.len() == 1 && rest_numeric).then(|| labels[0].clone())
    }

    /// The row's contacts, `None` when it has no contact data. Refused values go to `errs`.
    fn contacts(&self, row: &Row, errs: &mut Errs<'_>, notes: &mut RowNotes) -> Option<Vec<NewContact>> {
        let mut contact = NewContact { primary: true, ..NewContact::default() };
        let mut any = false;
        for field in [Field::ContactPhone, Field::ContactEmail, Field::ContactWechat] {
            let Some(v) = self.value(row, &field) else { continue };
            if masked(v) {
                self.not_stored(notes, row.row, &field, v, "is masked (an export without --reveal): not imported");
                notes.masked.push((field.clone(), v.to_string()));
                continue;
            }
            // A "联系方式" column often holds an email here and there.
            let target =
                if field == Field::ContactPhone && v.contains('@') && self.value(row, &Field::ContactEmail).is_none() {
                    Field::ContactEmail
                } else {
                    field.clone()
                };
            // Several contacts in the name cell: the phone cell may hold their numbers.
            if target == Field::ContactPhone && self.name_cell_parts(row).len() > 1 {
                any = true;
                continue;
            }
            let parsed = match target {
                Field::ContactPhone => parse_phone(v),
                Field::ContactEmail => parse_email(v),
                _ => Ok(v.to_string()),
            };
            match parsed {
                Ok(p) => {
                    any = true;
                    match target {
                        Field::ContactPhone => contact.phone = Some(p),
                        Field::ContactEmail => contact.email = Some(p),
                        _ => contact.wechat = Some(p),
                    }
                }
                Err(why) => errs.push(field, v, why),
            }
        }
        // Further phone columns: 手机 and 座机 are both kept; an empty 手机 leaves the
        // landline as the phone.
        for i in &self.extra_phones {
            let v = self.table.cell(row, *i).trim();
            if is_placeholder(v) {
                continue;
            }
            if masked(v) {
                self.not_stored_cell(notes, row, *i, v, "is masked (an export without --reveal): not imported");
                continue;
            }
            match parse_phone(v) {
                Ok(p) => {
                    any = true;
                    add_phone(&mut contact, p);
                }
                Err(why) => errs.push_at(self.table.label(*i), Field::ContactPhone, v, why),
            }
        }
        contact.position = self.text(row, &Field::ContactPosition);
        let parts = self.name_cell_parts(row);
        if parts.len() > 1 {
            return self.several_contacts(row, &parts, contact, errs).map(Some).unwrap_or(Some(Vec::new()));
        }
        let name_cell = self.value(row, &Field::ContactName);
        any |= name_cell.is_some();
        if !any {
            return None;
        }
        // `张三 13812345678` in the name cell: the number is the contact's phone.
        let (name, own_phone) = match parts.first() {
            Some((n, Some(p))) => (n.clone(), Some(p.clone())),
            _ => (name_cell.map(str::to_string).unwrap_or_default(), None),
        };
        if let Some(p) = own_phone {
            match parse_phone(&p) {
                Ok(p) => add_phone(&mut contact, p),
                Err(why) => errs.push(Field::ContactName, name_cell.unwrap_or(""), why),
            }
        }
        contact.name = if name.is_empty() { TO_FILL.to_string() } else { name };
        Some(vec![contact])
    }

    /// The contact name cell split at `；;、/` and line breaks, each part as (name,
    /// phone written beside it). One part for an ordinary cell; none for an empty one.
    fn name_cell_parts(&self, row: &Row) -> Vec<(String, Option<String>)> {
        let Some(cell) = self.value(row, &Field::ContactName) else { return Vec::new() };
        cell.split(CONTACT_SEPARATORS).map(str::trim).filter(|p| !p.is_empty()).map(name_and_phone).collect()
    }

    /// Several contacts named in one cell: each gets the number written beside it, or the
    /// phone cell's numbers in the same order. Anything that cannot be paired for sure is
    /// refused, naming the cell.
    fn several_contacts(
        &self,
        row: &Row,
        parts: &[(String, Option<String>)],
        shared: NewContact,
        errs: &mut Errs<'_>,
    ) -> Option<Vec<NewContact>> {
        let cell = self.value(row, &Field::ContactName).unwrap_or("");
        let n = parts.len();
        let phone_cell = self.value(row, &Field::ContactPhone).filter(|v| !masked(v) && !v.contains('@'));
        let column_numbers: Vec<&str> = phone_cell
            .map(|v| v.split(CONTACT_SEPARATORS).map(str::trim).filter(|p| !p.is_empty()).collect())
            .unwrap_or_default();
        let refuse = |errs: &mut Errs<'_>, why: String| {
            errs.push(Field::ContactName, cell, why);
            None
        };
        if !column_numbers.is_empty() && column_numbers.len() != n {
            return refuse(
                errs,
                format!(
                    "holds {n} contacts but the phone cell {} number(s): put each contact on its own row, or write \
                     `张三 138…；李四 139…`",
                    column_numbers.len()
                ),
            );
        }
        if parts.iter().any(|(_, p)| p.is_some()) && !column_numbers.is_empty() {
            return refuse(errs, format!("holds {n} contacts with numbers and the phone cell more numbers: keep one"));
        }
        if shared.email.is_some() || shared.wechat.is_some() || shared.position.is_some() || shared.phone.is_some() {
            return refuse(
                errs,
                format!(
                    "holds {n} contacts, and the email, WeChat or position on the row could be either's: put each \
                         contact on its own row"
                ),
            );
        }
        if parts.iter().any(|(name, _)| name.is_empty()) {
            return refuse(errs, format!("holds {n} parts and one has no name"));
        }
        let mut out = Vec::with_capacity(n);
        for (i, (name, own)) in parts.iter().enumerate() {
            let number = own.as_deref().or(column_numbers.get(i).copied());
            let mut c = NewContact { name: name.clone(), primary: i == 0, ..NewContact::default() };
            if let Some(v) = number {
                match parse_phone(v) {
                    Ok(p) => c.phone = Some(p),
                    Err(why) => {
                        errs.push(Field::ContactPhone, v, why);
                        continue;
                    }
                }
            }
            out.push(c);
        }
        Some(out)
    }

    /// The row's follow-up columns as one follow-up: dated by the date column, else by a
    /// date in the text, else the import time; the channel named in the text, else phone
    /// (电话, the usual follow-up of a sales sheet; the row says it was assumed).
    fn follow_up(&self, row: &Row, new: &mut NewCustomer, notes: &mut RowNotes) {
        let cell = |i: Option<usize>| i.map(|i| (i, self.table.cell(row, i).trim())).filter(|(_, v)| !v.is_empty());
        let text = cell(self.follow_text);
        let date_cell = cell(self.follow_date);
        let column_date = date_cell.and_then(|(_, v)| parse_date(v).ok());
        // A date column holding words is a follow-up text too.
        let worded_date = date_cell.filter(|_| column_date.is_none());
        let summary = match (text, worded_date) {
            (Some((_, t)), Some((_, w))) => format!("{w}\n{t}"),
            (Some((_, t)), None) | (None, Some((_, t))) => t.to_string(),
            (None, None) if column_date.is_some() => FOLLOW_UP_DATE_ONLY.to_string(),
            (None, None) => return,
        };
        let date = column_date.or_else(|| date_in(&summary));
        let channel = channel_in(&summary);
        let when = match date {
            Some(d) => format!("dated {d}"),
            None => "dated at the import (no date in the row)".to_string(),
        };
        let how = match channel {
            Some(c) => format!("channel {} from the text", c.as_str()),
            None => "channel unknown, recorded as phone (电话)".to_string(),
        };
        for (i, v) in [text, date_cell].into_iter().flatten() {
            notes.moved.push(Moved {
                row: row.row,
                column: self.table.label(i),
                value: v.to_string(),
                to: "interaction".into(),
                reason: format!("imported as a follow-up (跟进记录), {when}, {how}"),
            });
        }
        new.follow_ups.push(NewInteraction {
            at: date.map(|d| d.format("%Y-%m-%d").to_string()),
            channel: Some(channel.unwrap_or(Channel::Phone)),
            summary,
            ..NewInteraction::default()
        });
    }

    fn not_stored(&self, notes: &mut RowNotes, row: u32, field: &Field, value: &str, reason: impl Into<String>) {
        notes.not_stored.push(NotStored {
            row,
            column: self.label(field),
            value: value.to_string(),
            reason: reason.into(),
        });
    }

    /// Lists the cell of column `i` as not stored, named as the file heads that column.
    fn not_stored_cell(&self, notes: &mut RowNotes, row: &Row, i: usize, value: &str, reason: impl Into<String>) {
        notes.not_stored.push(NotStored {
            row: row.row,
            column: self.table.label(i),
            value: value.to_string(),
            reason: reason.into(),
        });
    }

    fn new(table: &'a Table, resolved: &Resolved, options: &'a ImportOptions) -> Ctx<'a> {
        let mut cols = HashMap::new();
        let mut customs = Vec::new();
        for (i, f) in resolved.columns.iter().enumerate() {
            match f {
                Some(Field::Custom(n)) => customs.push((i, n.clone())),
                Some(f) => {
                    cols.entry(f.clone()).or_insert(i);
                }
                None => {}
            }
        }
        let amount_in_wan = cols
            .get(&Field::DealAmount)
            .is_some_and(|i| header_key(&table.headers[*i]).contains('万') || table.headers[*i].contains('万'));
        let default_industry =
            options.default_industry.as_deref().and_then(|d| parse_industry(d).ok()).map(|i| i.code.to_string());
        let unkept = table
            .headers
            .iter()
            .enumerate()
            .filter(|(i, _)| resolved.columns.get(*i).is_none_or(Option::is_none))
            .filter_map(|(i, h)| match Field::from_header(h) {
                Some(Field::EnteredBy) => Some((i, "the importing member is recorded as entered by")),
                _ => None,
            })
            .collect();
        let mut extra_phones = Vec::new();
        let mut repeated = Vec::new();
        for (label, field) in &resolved.repeated {
            let unused = (0..table.headers.len())
                .find(|i| resolved.columns.get(*i).is_some_and(Option::is_none) && table.label(*i) == *label);
            match (unused, field) {
                (Some(i), Field::ContactPhone) => extra_phones.push(i),
                (Some(i), f) => repeated.push((i, f.clone())),
                (None, _) => {}
            }
        }
        let free = |i: &usize| resolved.columns.get(*i).is_some_and(Option::is_none);
        let find = |names: &[&str]| {
            (0..table.headers.len()).filter(free).find(|i| names.contains(&header_key(&table.headers[*i]).as_str()))
        };
        let follow_text = find(&FOLLOW_UP_TEXT);
        let follow_date = find(&FOLLOW_UP_DATE);
        Ctx {
            table,
            cols,
            customs,
            amount_in_wan,
            options,
            default_industry,
            unkept,
            extra_phones,
            repeated,
            follow_text,
            follow_date,
        }
    }

    fn label(&self, field: &Field) -> String {
        match self.cols.get(field) {
            Some(i) => self.table.label(*i),
            None => field.header(),
        }
    }

    /// The trimmed cell of `field`, `None` when the sheet has no such column.
    fn get<'r>(&self, row: &'r Row, field: &Field) -> Option<&'r str> {
        self.cols.get(field).map(|i| self.table.cell(row, *i).trim())
    }

    /// The cell when it holds a real value (not empty, not a placeholder like `无`).
    fn value<'r>(&self, row: &'r Row, field: &Field) -> Option<&'r str> {
        self.get(row, field).filter(|v| !is_placeholder(v))
    }

    fn text(&self, row: &Row, field: &Field) -> Option<String> {
        self.get(row, field).filter(|v| !v.is_empty()).map(str::to_string)
    }

    fn row(&self, row: &Row) -> Result<(PlannedRow, RowNotes), Vec<Rejection>> {
        let mut errs = Errs { ctx: self, row: row.row, list: Vec::new(), fields: BTreeSet::new() };
        let mut notes = RowNotes::default();
        let mut to_fill = BTreeSet::new();
        let mut filled = Vec::new();
        let mut fill = |field: Field, value: &str, why: Fill| filled.push(Filled { field, value: value.into(), why });
        let mut new = NewCustomer::default();

        let name = self.get(row, &Field::Name).unwrap_or("");
        if name.is_empty() {
            errs.push(Field::Name, name, "is required: every customer needs a name");
        }
        new.name = name.to_string();

        let kind = match self.value(row, &Field::Kind) {
            Some(v) => parse_kind(v).unwrap_or_else(|why| {
                errs.push(Field::Kind, v, why);
                self.options.default_kind
            }),
            None => {
                fill(Field::Kind, self.options.default_kind.as_str(), Fill::Default);
                self.options.default_kind
            }
        };
        new.kind = Some(kind);

        if let Some(v) = self.value(row, &Field::CreditCode) {
            match parse_credit_code(v) {
                Ok(c) => new.credit_code = Some(c),
                Err(why) => errs.push(Field::CreditCode, v, why),
            }
        }

        match self.value(row, &Field::Industry) {
            Some(v) => match parse_industry(v) {
                Ok(i) => new.industry = Some(i.code.to_string()),
                Err(why) => errs.push(Field::Industry, v, why),
            },
            None if kind == Kind::Person => fill(Field::Industry, "O", Fill::Default),
            None => match &self.default_industry {
                Some(code) => {
                    new.industry = Some(code.clone());
                    fill(Field::Industry, code, Fill::Default);
                }
                None => errs.push(
                    Field::Industry,
                    self.get(row, &Field::Industry).unwrap_or(""),
                    "is required for a company: fill it in (e.g. C 制造业) or import with a default industry",
                ),
            },
        }

        // A row carrying a customer number comes from an export, where an empty cell means
        // an empty field, not an unknown one.
        let exported = self.text(row, &Field::Number).is_some();
        let minor = |field: Field, fill: &mut dyn FnMut(Field, &str, Fill)| -> Option<String> {
            match self.get(row, &field) {
                Some("") if exported => None,
                Some("") => {
                    fill(field, UNKNOWN, Fill::Unknown);
                    Some(UNKNOWN.to_string())
                }
                Some(v) => Some(v.to_string()),
                None => None,
            }
        };
        new.size = minor(Field::Size, &mut fill);
        new.revenue_band = minor(Field::RevenueBand, &mut fill);
        new.address.province = minor(Field::Province, &mut fill);
        new.address.city = minor(Field::City, &mut fill);
        new.address.district = self.text(row, &Field::District);
        new.address.street = self.text(row, &Field::Street);

        new.source = Some(match self.get(row, &Field::Source).filter(|v| !v.is_empty()) {
            Some(v) => normalize_source(v),
            None => {
                fill(Field::Source, TO_FILL, Fill::ToFill);
                to_fill.insert("source".to_string());
                TO_FILL.to_string()
            }
        });

        let stage = match self.value(row, &Field::Stage) {
            Some(v) => match parse_stage(v) {
                Ok(s) => Some(s),
                Err(why) => {
                    errs.push(Field::Stage, v, why);
                    None
                }
            },
            None => None,
        };
        new.stage = stage;

        new.owner = self.text(row, &Field::Owner);
        if new.owner.is_none() {
            fill(Field::Owner, "(importing member)", Fill::Default);
        }

        let created = match self.value(row, &Field::Created) {
            Some(v) => parse_date(v).map_err(|why| errs.push(Field::Created, v, why)).ok(),
            None => None,
        };

        // Deal: the deal of a won customer (and of a lost or dormant one that was won).
        let amount_cell = self.value(row, &Field::DealAmount);
        let amount = amount_cell.and_then(|v| match parse_amount(v, self.amount_in_wan) {
            Ok(m) if m.fen() > 0 => Some(m),
            Ok(_) if stage != Some(Stage::Won) => None,
            Ok(_) => {
                errs.push(Field::DealAmount, v, "must be more than zero");
                None
            }
            Err(why) => {
                errs.push(Field::DealAmount, v, why);
                None
            }
        });
        let date_cell = self.value(row, &Field::DealDate);
        let date = date_cell.and_then(|v| parse_date(v).map_err(|why| errs.push(Field::DealDate, v, why)).ok());
        let contract = self.value(row, &Field::ContractNo);
        let deal_cells =
            [(Field::DealAmount, amount_cell), (Field::DealDate, date_cell), (Field::ContractNo, contract)];
        if stage == Some(Stage::Won) {
            // Legacy sheets rarely carry every deal field: a missing one is marked to fill
            // (待补充) and the customer flagged, rather than the row refused.
            for (field, name, cell) in [
                (Field::DealAmount, "deal.amount", amount_cell),
                (Field::DealDate, "deal.date", date_cell),
                (Field::ContractNo, "deal.contract_no", contract),
            ] {
                if cell.is_none() {
                    fill(field, TO_FILL, Fill::ToFill);
                    to_fill.insert(name.to_string());
                }
            }
            match (amount, date) {
                (Some(amount), Some(date)) => {
                    let contract_no = contract.unwrap_or(TO_FILL).to_string();
                    new.deal = Some(Deal { amount, date, contract_no });
                }
                // No deal record without amount and date: what the row has is kept as
                // custom fields until the deal is filled in (found by the property test).
                _ => {
                    for (field, cell) in deal_cells.clone() {
                        let Some(v) = cell.filter(|_| !errs.fields.contains(&field)) else { continue };
                        let key = field.header();
                        new.custom.insert(key.clone(), v.to_string());
                        notes.moved.push(Moved {
                            row: row.row,
                            column: self.label(&field),
                            value: v.to_string(),
                            to: format!("custom:{key}"),
                            reason: "the deal is recorded once its amount and date are both known (待补充)".into(),
                        });
                    }
                }
            }
        } else if let (Some(Stage::Lost | Stage::Dormant), Some(amount), Some(date), Some(c)) =
            (stage, amount, date, contract)
        {
            // Won once, lost or dormant since: the deal is history worth keeping.
            new.deal = Some(Deal { amount, date, contract_no: c.to_string() });
        } else {
            let why = format!(
                "a deal is kept only for a won customer (成交客户){}",
                if matches!(stage, Some(Stage::Lost | Stage::Dormant)) {
                    ", or a lost or dormant one with amount, date and contract number"
                } else {
                    ""
                }
            );
            for (f, v) in deal_cells {
                let Some(v) = v.filter(|_| !errs.fields.contains(&f)) else { continue };
                // An amount on a customer not (yet) won is what the customer may spend.
                if f == Field::DealAmount && self.value(row, &Field::Budget).is_none() {
                    new.needs.budget = Some(v.to_string());
                    notes.moved.push(Moved {
                        row: row.row,
                        column: self.label(&f),
                        value: v.to_string(),
                        to: Field::Budget.name(),
                        reason: format!("{why}; the amount is kept as the budget (预算)"),
                    });
                    continue;
                }
                fill(f.clone(), v, Fill::Dropped);
                self.not_stored(&mut notes, row.row, &f, v, why.clone());
            }
        }
        new.to_fill = to_fill;

        let reason = self.value(row, &Field::LostReason);
        if stage == Some(Stage::Lost) {
            match reason {
                Some(r) => new.lost_reason = Some(r.to_string()),
                None => errs.push(
                    Field::LostReason,
                    self.get(row, &Field::LostReason).unwrap_or(""),
                    "is required for a lost customer (流失客户), e.g. 竞品价格更低",
                ),
            }
        } else if let Some(r) = reason {
            fill(Field::LostReason, r, Fill::Dropped);
            self.not_stored(
                &mut notes,
                row.row,
                &Field::LostReason,
                r,
                "a lost reason is kept only for a lost customer",
            );
        }

        if let Some(v) = self.get(row, &Field::Priority) {
            match parse_yes_no(v) {
                Ok(b) => new.priority = b,
                Err(why) => errs.push(Field::Priority, v, why),
            }
        }
        if let Some(v) = self.get(row, &Field::Tags) {
            new.tags = v
                .split(rapport_model::TAG_SEPARATORS)
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect();
        }
        new.notes = self.text(row, &Field::Notes);
        new.needs.pain_points = self.text(row, &Field::PainPoints);
        new.needs.timeline = self.text(row, &Field::Timeline);
        if let Some(b) = self.text(row, &Field::Budget) {
            new.needs.budget = Some(b);
        }
        new.needs.decision_chain.purchaser = self.text(row, &Field::Purchaser);
        new.needs.decision_chain.evaluator = self.text(row, &Field::Evaluator);
        new.needs.decision_chain.approver = self.text(row, &Field::Approver);
        for (i, n) in &self.customs {
            let v = self.table.cell(row, *i).trim();
            if !v.is_empty() {
                new.custom.insert(n.clone(), v.to_string());
            }
        }

        // The contacts on this row: usually one; a name cell may hold several
        // (`张三 138…；李四 139…`).
        let contacts = self.contacts(row, &mut errs, &mut notes);
        for (field, v) in std::mem::take(&mut notes.masked) {
            fill(field, &v, Fill::Masked);
        }
        match contacts {
            Some(mut contacts) => {
                if contacts.iter().any(|c| c.name == TO_FILL) {
                    fill(Field::ContactName, TO_FILL, Fill::ToFill);
                }
                new.contacts.append(&mut contacts);
            }
            None => {
                if let Some(v) = self.text(row, &Field::ContactPosition) {
                    self.not_stored(
                        &mut notes,
                        row.row,
                        &Field::ContactPosition,
                        &v,
                        "a position without a contact name, phone or email has no contact to go to",
                    );
                }
            }
        }
        for (i, field) in &self.repeated {
            let v = self.table.cell(row, *i).trim();
            if !v.is_empty() {
                let reason = format!("column {} already feeds {}", self.label(field), field.name());
                self.not_stored_cell(&mut notes, row, *i, v, reason);
            }
        }

        self.follow_up(row, &mut new, &mut notes);

        let number = self.text(row, &Field::Number);

        // The model's own checks; a value already refused above is not reported twice.
        if let Err(e) = new.validate("import", validation_time()) {
            for f in e.fields {
                let field = model_field(&f.field);
                if errs.fields.contains(&field)
                    || (matches!(field, Field::DealAmount | Field::ContractNo)
                        && errs.fields.contains(&Field::DealDate))
                {
                    continue;
                }
                let value = self.get(row, &field).unwrap_or("").to_string();
                errs.push(field, &value, f.reason);
            }
        }
        for (i, why) in &self.unkept {
            let v = self.table.cell(row, *i).trim();
            if !v.is_empty() {
                self.not_stored_cell(&mut notes, row, *i, v, *why);
            }
        }
        if errs.list.is_empty() {
            Ok((PlannedRow { row: row.row, new, number, created, filled }, notes))
        } else {
            Err(errs.list)
        }
    }
}

/// Finds rows of the same customer within one file.
#[derive(Default)]
struct Dedupe {
    by_code: HashMap<String, usize>,
    by_name: HashMap<String, usize>,
    touched: BTreeSet<usize>,
}

/// The same person: a phone in common (main or other), the same email, or, with neither
/// on either side, the same name.
fn same_contact(a: &NewContact, b: &NewContact) -> bool {
    let phones = |c: &NewContact| c.phone.iter().chain(&c.other_phones).cloned().collect::<Vec<_>>();
    let (pa, pb) = (phones(a), phones(b));
    let email = |c: &NewContact| c.email.as_ref().map(|e| e.to_lowercase());
    if pa.iter().any(|p| pb.contains(p)) || (email(a).is_some() && email(a) == email(b)) {
        return true;
    }
    let bare = |c: &NewContact| c.phone.is_none() && c.other_phones.is_empty() && c.email.is_none();
    bare(a) && bare(b) && a.name == b.name
}

/// Folds `b` into `a`, the same person: empty fields filled, phones joined. Returns the
/// values of `b` that differ from `a`'s and are not kept, as (field, value).
fn union_contact(a: &mut NewContact, b: &NewContact) -> Vec<(Field, String)> {
    let mut lost = Vec::new();
    if a.name == TO_FILL && b.name != TO_FILL {
        a.name.clone_from(&b.name);
    } else if b.name != TO_FILL && b.name != a.name {
        lost.push((Field::ContactName, b.name.clone()));
    }
    for (field, mine, theirs) in [
        (Field::ContactPosition, &mut a.position, &b.position),
        (Field::ContactEmail, &mut a.email, &b.email),
        (Field::ContactWechat, &mut a.wechat, &b.wechat),
    ] {
        match (mine.as_deref(), theirs.as_deref()) {
            (None, Some(_)) => mine.clone_from(theirs),
            (Some(x), Some(y)) if !x.eq_ignore_ascii_case(y) => lost.push((field, y.to_string())),
            _ => {}
        }
    }
    for p in b.phone.iter().chain(&b.other_phones) {
        add_phone(a, p.clone());
    }
    lost
}

/// Fills `a` from `b` when `a` is empty or a placeholder; a different real value is a
/// conflict (the earlier row wins).
fn fill_from(a: &mut Option<String>, b: &Option<String>, label: String, conflicts: &mut Vec<String>) {
    match (a.as_deref(), b.as_deref()) {
        (_, None) => {}
        (_, Some(TO_FILL | UNKNOWN)) => {}
        (None | Some(TO_FILL | UNKNOWN), Some(_)) => a.clone_from(b),
        (Some(x), Some(y)) if x != y => conflicts.push(label),
        _ => {}
    }
}

impl Dedupe {
    fn add(&mut self, ctx: &Ctx<'_>, p: PlannedRow, out: &mut ImportPlan) {
        let name_key = normalize_name(&p.new.name);
        let code = p.new.credit_code.clone();
        // Rows carrying different customer numbers (an export) are different customers,
        // and so are rows with the same name but different credit codes (the code names
        // the legal entity; the same name recurs across cities).
        let compatible = |i: usize, by_name: bool| {
            let f = &out.rows[i];
            let numbers_differ = matches!((&f.number, &p.number), (Some(a), Some(b)) if a != b);
            let codes_differ = matches!((&f.new.credit_code, &code), (Some(a), Some(b)) if a != b);
            !(numbers_differ || (by_name && codes_differ))
        };
        let hit = code
            .as_ref()
            .and_then(|c| {
                self.by_code.get(c).filter(|i| compatible(**i, false)).map(|i| (*i, format!("credit code {c}")))
            })
            .or_else(|| {
                self.by_name
                    .get(&name_key)
                    .filter(|i| compatible(**i, true))
                    .map(|i| (*i, format!("name {}", p.new.name)))
            });
        let Some((idx, key)) = hit else {
            let idx = out.rows.len();
            if let Some(c) = code {
                self.by_code.entry(c).or_insert(idx);
            }
            self.by_name.entry(name_key).or_insert(idx);
            out.rows.push(p);
            return;
        };
        let first = &mut out.rows[idx];
        let mut conflicts = Vec::new();
        let (a, b) = (&mut first.new, &p.new);
        if a.kind != b.kind {
            conflicts.push(ctx.label(&Field::Kind));
        }
        if a.industry != b.industry && b.industry.is_some() {
            conflicts.push(ctx.label(&Field::Industry));
        }
        if a.stage != b.stage && b.stage.is_some() {
            conflicts.push(ctx.label(&Field::Stage));
        }
        let had_code = a.credit_code.is_some();
        fill_from(&mut a.credit_code, &b.credit_code, ctx.label(&Field::CreditCode), &mut conflicts);
        if !had_code {
            if let Some(c) = &a.credit_code {
                self.by_code.insert(c.clone(), idx);
            }
        }
        fill_from(&mut a.size, &b.size, ctx.label(&Field::Size), &mut conflicts);
        fill_from(&mut a.revenue_band, &b.revenue_band, ctx.label(&Field::RevenueBand), &mut conflicts);
        fill_from(&mut a.address.province, &b.address.province, ctx.label(&Field::Province), &mut conflicts);
        fill_from(&mut a.address.city, &b.address.city, ctx.label(&Field::City), &mut conflicts);
        fill_from(&mut a.address.district, &b.address.district, ctx.label(&Field::District), &mut conflicts);
        fill_from(&mut a.address.street, &b.address.street, ctx.label(&Field::Street), &mut conflicts);
        fill_from(&mut a.source, &b.source, ctx.label(&Field::Source), &mut conflicts);
        fill_from(&mut a.owner, &b.owner, ctx.label(&Field::Owner), &mut conflicts);
        fill_from(&mut a.notes, &b.notes, ctx.label(&Field::Notes), &mut conflicts);
        a.tags.extend(b.tags.iter().cloned());
        for f in &b.follow_ups {
            if !a.follow_ups.iter().any(|x| x.at == f.at && x.summary == f.summary) {
                a.follow_ups.push(f.clone());
            }
        }
        for (k, v) in &b.custom {
            a.custom.entry(k.clone()).or_insert_with(|| v.clone());
        }
        let mut contact_added = false;
        let mut lost = Vec::new();
        for c in &b.contacts {
            match a.contacts.iter_mut().find(|x| same_contact(x, c)) {
                Some(x) => lost.extend(union_contact(x, c)),
                None => {
                    a.contacts.push(NewContact { primary: false, ..c.clone() });
                    contact_added = true;
                }
            }
        }
        for (field, value) in lost {
            out.not_stored.push(NotStored {
                row: p.row,
                column: ctx.label(&field),
                value,
                reason: format!(
                    "the same contact (same phone or email) on row {} has another value, which is kept",
                    first.row
                ),
            });
        }
        // Filled markers of values the later row supplied are no longer true.
        first.filled.retain(|f| match f.field {
            Field::Source => first.new.source.as_deref() == Some(TO_FILL),
            Field::Owner => first.new.owner.is_none(),
            Field::Size => first.new.size.as_deref() == Some(UNKNOWN),
            Field::RevenueBand => first.new.revenue_band.as_deref() == Some(UNKNOWN),
            Field::Province => first.new.address.province.as_deref() == Some(UNKNOWN),
            Field::City => first.new.address.city.as_deref() == Some(UNKNOWN),
            _ => true,
        });
        self.touched.insert(idx);
        out.merged.push(Merged { row: p.row, into_row: first.row, key, contact_added, conflicts });
    }
}

/// Writes the rejected rows as a CSV the user can fix and import again: UTF-8 with BOM
/// (so Excel opens it correctly), the file's own columns with the original values, then
/// `row` (the row number in the original file), `column` and `reason` (one entry per
/// refused value, joined by `; `). Import ignores those three columns.
pub fn write_rejections_csv(table: &Table, rejections: &[Rejection]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new().flexible(true).from_writer(&mut out);
        let width = table.headers.len();
        let mut header: Vec<String> = (0..width).map(|i| table.label(i)).collect();
        header.extend(["row".to_string(), "column".to_string(), "reason".to_string()]);
        // Writing to a Vec cannot fail; errors are ignored rather than unwrapped.
        let _ = w.write_record(&header);
        let by_row: HashMap<u32, &Row> = table.rows.iter().map(|r| (r.row, r)).collect();
        let mut sorted: Vec<&Rejection> = rejections.iter().collect();
        sorted.sort_by_key(|r| r.row);
        let rejections = sorted;
        let mut i = 0;
        while i < rejections.len() {
            let row = rejections[i].row;
            let mut j = i;
            while j < rejections.len() && rejections[j].row == row {
                j += 1;
            }
            let group = &rejections[i..j];
            let mut rec: Vec<String> = (0..width)
                .map(|c| {
                    by_row
                        .get(&row)
                        .map(|r| crate::export::escape_formula(table.cell(r, c)).into_owned())
                        .unwrap_or_default()
                })
                .collect();
            rec.push(row.to_string());
            let mut cols: Vec<&str> = Vec::new();
            for r in group {
                if !cols.contains(&r.column.as_str()) {
                    cols.push(&r.column);
                }
            }
            rec.push(cols.join("; "));
            rec.push(group.iter().map(|r| format!("{}: {}", r.column, r.reason)).collect::<Vec<_>>().join("; "));
            for cell in rec.iter_mut().skip(width) {
                *cell = crate::export::escape_formula(cell).into_owned();
            }
            let _ = w.write_record(&rec);
            i = j;
        }
        let _ = w.flush();
    }
    out
}
