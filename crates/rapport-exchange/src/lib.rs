//! Spreadsheet exchange: turns a team's CSV or XLSX customer sheet into validated
//! customer input with a row-level rejection report, and writes exports.
//!
//! The crate is pure: no store, no network, no terminal. The node stores what a plan
//! says, the CLI prints it.
//!
//! # Import
//!
//! ```text
//! bytes ──read_table──▶ Table ──plan(mapping, options)──▶ ImportPlan ──▶ node: match + store
//!                                                           └─▶ write_rejections_csv
//! ```
//!
//! 1. [`read_table`] (or [`read_table_with`] and a [`Mapping`], or [`read_table_in`] and
//!    [`ReadOptions`]) reads a CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM, GBK/GB18030;
//!    comma, semicolon or tab) or an XLSX (the first sheet, or the one
//!    [`ReadOptions::sheet`] names; a first sheet without a header is an error listing the
//!    other sheets and those with a header; merged cells filled; date cells as
//!    `YYYY-MM-DD`). The header row is the row among
//!    the first twenty naming the most known fields, so title rows and merged group titles
//!    above it are skipped; a group title is kept per column ([`Table::groups`]), but a
//!    cell merged over (nearly) the whole header width is the sheet's title, not a group. Row
//!    numbers are the ones Excel shows, whatever the line endings (`\r\n`, `\n`, `\r`).
//!    Every cell is cleaned as it is read ([`normalize::clean_cell`]): zero-width, BOM and
//!    other format characters removed, no-break and other spaces made plain, trimmed.
//! 2. [`Mapping`] maps headers to [`Field`]s: built-in English and Chinese spellings
//!    (客户名称/公司名称, 所属行业/行业, 联系人, 联系方式/电话/手机, 邮箱, 微信, 客户来源,
//!    客户类型/阶段, 负责人, 成交金额, 成交日期, 合同编号, 流失原因, 统一社会信用代码,
//!    省份/城市/区县/详细地址, 规模/人数, 备注, 标签, ... see [`Field::from_header`]),
//!    overridable by a `mapping.toml`:
//!
//!    ```toml
//!    ignore = ["序号", "内部备注"]      # must come before [columns]
//!    [columns]
//!    "客户全称" = "name"
//!    "跟进销售" = "owner"
//!    "平均客单价" = "custom:平均客单价"
//!    ```
//!
//!    [`suggest`] / [`suggested_toml`] propose fields for unknown headers (substring or edit
//!    distance), for the CLI to print; a header naming a person (销售, 负责人, 对接人,
//!    联系人...) is never proposed as the customer's name, number or credit code.
//! 3. [`plan`] normalises and validates every row (see [`normalize`]): dates in the common
//!    forms and Excel serials → `YYYY-MM-DD`; amounts with thousands separators (a comma
//!    only between groups of three digits: `12,80` or `1,2345` is refused as ambiguous),
//!    `万`, `元`, `￥`, full-width digits → exact [`rapport_model::Money`] (an amount column whose header
//!    says 万元 reads bare numbers as 万); industries → section letters; phones →
//!    canonical. Every planned row passes `NewCustomer::validate`; a row with bad values
//!    yields one [`Rejection`] per value (row, column as in the file, value, reason) and is
//!    not planned. Rows of the same customer (same credit code, or same `normalize_name`
//!    unless their credit codes or customer numbers differ) collapse into the first: their contacts are added, empty values filled, differing
//!    values reported in [`Merged::conflicts`].
//!
//!    **Legacy won rows.** A won row without deal amount, date or contract number is
//!    planned with those fields named in `NewCustomer::to_fill` (`deal.amount`,
//!    `deal.date`, `deal.contract_no`; a missing source adds `source`) and [`Fill::ToFill`]
//!    markers. With amount and date the deal is kept and a missing contract number reads
//!    `待补充`; otherwise the customer is won without a deal record and the row's deal
//!    values are kept as custom fields (`成交金额`, `成交日期`, `合同编号`), listed in
//!    [`ImportPlan::moved`].
//!
//!    **Totals and notes.** Rows named `合计`/`小计`/`总计` or starting `注：`/`说明` (or
//!    holding only such a label and numbers) are skipped, listed in [`ImportPlan::skipped`].
//!
//!    **Nothing dropped without a word.** [`ImportPlan::not_stored`] lists every non-empty
//!    cell not stored (row, column, value, reason); [`ImportPlan::moved`] every cell stored
//!    in another field than its column: a deal amount on a customer not won → the budget,
//!    follow-up columns (跟进记录, 最近跟进…) → a follow-up (`NewCustomer::follow_ups`; date
//!    from the date column, the text, or the import time; channel from the text, else
//!    phone). A second phone column (座机 beside 手机) feeds `NewContact::other_phones`; a
//!    contact cell naming several people is split (or refused when their numbers cannot be
//!    paired); folded rows keep the same contact (a phone or email in common) once.
//!
//!    **Missing values.** Required: the name (row rejected), and a company's industry
//!    (rejected unless [`ImportOptions::default_industry`]; the model has no "unknown"
//!    industry). Key fields filled and listed in [`PlannedRow::filled`]: source → `待补充`,
//!    kind → [`ImportOptions::default_kind`] (company), owner → empty (the node uses the
//!    importing member), a person's industry → `O`, a contact without a name → `待补充`.
//!    Minor fields → `未知` when the sheet has the column but the cell is empty: size,
//!    revenue band, province, city (not on rows with a customer number: a re-imported
//!    export means empty by an empty cell). Masked contact values (`138****8000`, from an export
//!    without reveal) are skipped ([`Fill::Masked`]); a deal date or contract number on a
//!    customer that is not won (other than a lost or dormant customer that was won before)
//!    and a lost reason on one that is not lost are dropped ([`Fill::Dropped`]); each such
//!    cell is also in [`ImportPlan::not_stored`].
//!
//!    A won row's deal amount, when given, must be more than zero; lost rows need a reason.
//! 4. The node matches each [`PlannedRow::match_keys`] (number, credit code, normalised
//!    name) against its book so a re-import creates nothing new, then stores all rows or
//!    none. [`write_rejections_csv`] gives the rejected rows back as a CSV (UTF-8 with BOM,
//!    original columns plus `row`, `column`, `reason`) that can be fixed and re-imported.
//!
//! # Export
//!
//! [`Field::parse_list`] reads `--fields a,b,c` (unknown names are an error listing the
//! valid ones); [`Field::defaults`] is every field import reads back. [`write_csv`],
//! [`write_xlsx`] (constant memory) and [`write_jsonl`] take any iterator of customers; the
//! primary contact's phone, email and WeChat are masked unless `reveal`. [`Field::header`]
//! is a header import recognises, so export → import round-trips (only the primary contact
//! is exported; tags must not contain `、`, `,` or `;`).
//!
//! # Errors
//!
//! Whole-file problems are [`ExchangeError`]s (empty file, binary, undecodable text,
//! truncated workbook, no header row, header only, no name column); nothing in this crate
//! panics on file content.

mod export;
mod field;
mod mapping;
pub mod normalize;
mod plan;
mod table;

pub use export::{escape_formula, mask_wechat, write_csv, write_jsonl, write_xlsx, XLSX_MAX_ROWS};
pub use field::{header_key, Field};
pub use mapping::{suggest, suggested_toml, Mapping, Resolved, Suggestion, Target};
pub use plan::{
    plan, plan_with_progress, write_rejections_csv, Fill, Filled, ImportOptions, ImportPlan, MatchKeys, Merged, Moved,
    NotStored, PlannedRow, Rejection, Skipped, FOLLOW_UP_DATE_ONLY, TO_FILL, UNKNOWN,
};
pub use table::{read_table, read_table_in, read_table_with, Format, ReadOptions, Row, Table};

/// Why a file could not be read, a mapping not used, or an export not written. Bad
/// values in rows are not errors: they are [`Rejection`]s in the plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExchangeError {
    /// The file holds nothing.
    #[error("the file is empty")]
    Empty,
    /// The sheet has a header row and no data below it.
    #[error("the sheet has a header (row {header_row}) but no data rows")]
    NoRows {
        /// The header's row number.
        header_row: u32,
    },
    /// No row near the top names a known column.
    #[error("no header row found: none of the first 20 rows names a known column such as 客户名称 or name (first row: {first_row}); add a header row or a mapping")]
    NoHeader {
        /// The first row's cells, for the message.
        first_row: String,
    },
    /// A field the import cannot do without has no column.
    #[error("no column holds {field} (the customer name); the headers are: {headers}. Rename a column or map it in mapping.toml")]
    MissingColumn {
        /// The field's header.
        field: String,
        /// The file's headers.
        headers: String,
    },
    /// The text could not be decoded, or is not text.
    #[error("cannot read the file as text: {0}")]
    Encoding(String),
    /// A CSV syntax problem.
    #[error("CSV row {row}: {reason}")]
    Csv {
        /// Line where it happened.
        row: u32,
        /// What went wrong.
        reason: String,
    },
    /// An unreadable workbook.
    #[error("cannot read the workbook: {0}")]
    Xlsx(String),
    /// A format this crate does not read.
    #[error("{0}")]
    Unsupported(String),
    /// A bad `mapping.toml` entry.
    #[error("mapping{}: {reason}", if header.is_empty() { String::new() } else { format!(" for `{header}`") })]
    Mapping {
        /// The header concerned (empty for a syntax error).
        header: String,
        /// What is wrong.
        reason: String,
    },
    /// An unknown field name (`--fields`, mapping).
    #[error("unknown field `{name}`; valid fields: {}, custom:NAME", valid.join(", "))]
    UnknownField {
        /// The name given.
        name: String,
        /// The valid names.
        valid: Vec<&'static str>,
    },
    /// Bad import options.
    #[error("import options: {0}")]
    Options(String),
    /// Writing an export failed.
    #[error("cannot write the export: {0}")]
    Write(String),
    /// An I/O error while writing.
    #[error("I/O error: {0}")]
    Io(String),
}
