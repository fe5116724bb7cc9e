//! Exports: customers as CSV, XLSX or JSON Lines with chosen [`Field`]s. Contact data
//! (the primary contact's phone, email and WeChat) is masked unless `reveal` is set.
//! Headers are the ones import recognises, so an export (revealed) imports back into the
//! same customers.

use crate::{ExchangeError, Field};
use rapport_model::{mask_email, mask_phone, Customer};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use std::borrow::{Borrow, Cow};
use std::io::Write;

/// Excel's last row (1,048,576) minus the header.
pub const XLSX_MAX_ROWS: u64 = 1_048_575;

/// `wxid_abc123` → `wx***`: WeChat ids are contact data like phones and emails.
pub fn mask_wechat(w: &str) -> String {
    let keep: String = w.chars().take(2.min(w.chars().count().saturating_sub(1)).max(1)).collect();
    format!("{keep}***")
}

/// Whether a cell, after any leading `'`, starts with a character Excel reads as the start
/// of a formula.
pub(crate) fn formula_like(s: &str) -> bool {
    s.trim_start_matches('\'').starts_with(['=', '+', '-', '@'])
}

/// Prefixes `'` to a CSV cell that Excel would run as a formula (`=1+1`, `+86…`, `@x`),
/// including one that already has leading `'`s, so the reader's unescaping (one `'` off)
/// gives back exactly the original.
pub fn escape_formula(s: &str) -> Cow<'_, str> {
    if formula_like(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

impl Field {
    /// The cell text of this field for a customer, as CSV and XLSX write it: stages and
    /// kinds in Chinese (`意向客户`), industry as its section letter, amounts as
    /// `128000.00`, dates `YYYY-MM-DD`, priority `是`/`否`, tags joined by `、`.
    pub fn value(&self, c: &Customer, reveal: bool) -> String {
        let contact = c.primary_contact();
        let cf = |f: fn(&rapport_model::Contact) -> Option<String>| contact.and_then(f).unwrap_or_default();
        match self {
            Field::Number => c.number.clone(),
            Field::Name => c.name.clone(),
            Field::Kind => c.kind.zh().to_string(),
            Field::CreditCode => opt(&c.credit_code),
            Field::Industry => c.industry.clone(),
            Field::Size => opt(&c.size),
            Field::RevenueBand => opt(&c.revenue_band),
            Field::Province => opt(&c.address.province),
            Field::City => opt(&c.address.city),
            Field::District => opt(&c.address.district),
            Field::Street => opt(&c.address.street),
            Field::Source => c.source.clone(),
            Field::Stage => c.stage.zh().to_string(),
            Field::Owner => c.owner.clone(),
            Field::Created => c.created_at.date().format("%Y-%m-%d").to_string(),
            Field::DealAmount => c.deal.as_ref().map(|d| d.amount.to_decimal()).unwrap_or_default(),
            Field::DealDate => c.deal.as_ref().map(|d| d.date.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            Field::ContractNo => c.deal.as_ref().map(|d| d.contract_no.clone()).unwrap_or_default(),
            Field::LostReason => opt(&c.lost_reason),
            Field::Priority => if c.priority { "是" } else { "否" }.to_string(),
            Field::Tags => c.manual_tags.iter().map(String::as_str).collect::<Vec<_>>().join("、"),
            Field::Notes => c.notes.clone(),
            Field::PainPoints => opt(&c.needs.pain_points),
            Field::Timeline => opt(&c.needs.timeline),
            Field::Budget => opt(&c.needs.budget),
            Field::Purchaser => opt(&c.needs.decision_chain.purchaser),
            Field::Evaluator => opt(&c.needs.decision_chain.evaluator),
            Field::Approver => opt(&c.needs.decision_chain.approver),
            Field::ContactName => cf(|k| Some(k.name.clone())),
            Field::ContactPosition => cf(|k| k.position.clone()),
            Field::ContactPhone => {
                let p = cf(|k| k.phone.clone());
                if reveal || p.is_empty() {
                    p
                } else {
                    mask_phone(&p)
                }
            }
            Field::ContactEmail => {
                let e = cf(|k| k.email.clone());
                if reveal || e.is_empty() {
                    e
                } else {
                    mask_email(&e)
                }
            }
            Field::ContactWechat => {
                let w = cf(|k| k.wechat.clone());
                if reveal || w.is_empty() {
                    w
                } else {
                    mask_wechat(&w)
                }
            }
            Field::EnteredBy => c.entered_by.clone(),
            Field::LastInteraction => {
                c.last_interaction().map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
            }
            Field::Custom(n) => c.custom.get(n).cloned().unwrap_or_default(),
        }
    }

    /// The JSON value of this field: like [`Field::value`] but with stable English names for
    /// kind and stage, `true`/`false` priority, tags as an array, `null` when empty.
    pub fn json_value(&self, c: &Customer, reveal: bool) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Field::Kind => Value::from(c.kind.as_str()),
            Field::Stage => Value::from(c.stage.as_str()),
            Field::Priority => Value::from(c.priority),
            Field::Tags => Value::from(c.manual_tags.iter().cloned().collect::<Vec<_>>()),
            f => {
                let v = f.value(c, reveal);
                if v.is_empty() {
                    Value::Null
                } else {
                    Value::from(v)
                }
            }
        }
    }
}

fn io(e: std::io::Error) -> ExchangeError {
    ExchangeError::Io(e.to_string())
}

/// Writes a CSV (UTF-8 with BOM so Excel shows Chinese correctly; cells Excel would read
/// as formulas are prefixed with `'`). Returns the number of customers written.
pub fn write_csv<W, I>(out: W, fields: &[Field], customers: I, reveal: bool) -> Result<u64, ExchangeError>
where
    W: Write,
    I: IntoIterator,
    I::Item: Borrow<Customer>,
{
    let mut out = out;
    out.write_all(b"\xEF\xBB\xBF").map_err(io)?;
    let mut w = csv::WriterBuilder::new().from_writer(out);
    let csv_err = |e: csv::Error| ExchangeError::Io(e.to_string());
    w.write_record(fields.iter().map(Field::header)).map_err(csv_err)?;
    let mut n = 0;
    let mut rec = csv::StringRecord::new();
    for c in customers {
        let c = c.borrow();
        rec.clear();
        for f in fields {
            rec.push_field(&escape_formula(&f.value(c, reveal)));
        }
        w.write_record(&rec).map_err(csv_err)?;
        n += 1;
    }
    w.flush().map_err(io)?;
    Ok(n)
}

/// Writes JSON Lines: one object per customer, keys are the field names
/// (`{"number": ..., "name": ..., "stage": "won", ...}`).
pub fn write_jsonl<W, I>(out: W, fields: &[Field], customers: I, reveal: bool) -> Result<u64, ExchangeError>
where
    W: Write,
    I: IntoIterator,
    I::Item: Borrow<Customer>,
{
    let mut out = std::io::BufWriter::new(out);
    let mut n = 0;
    for c in customers {
        let c = c.borrow();
        let obj: serde_json::Map<String, serde_json::Value> =
            fields.iter().map(|f| (f.name(), f.json_value(c, reveal))).collect();
        serde_json::to_writer(&mut out, &obj).map_err(|e| ExchangeError::Io(e.to_string()))?;
        out.write_all(b"\n").map_err(io)?;
        n += 1;
    }
    out.flush().map_err(io)?;
    Ok(n)
}

/// Amounts up to this many fen are written as numbers (exact in a double with two
/// decimals); larger ones as text so no digit is lost.
const EXACT_NUMBER_FEN: i64 = 10_000_000_000_000;

/// Writes an XLSX workbook (one sheet `客户`, header row frozen, dates as Excel dates,
/// amounts as numbers). Rows are streamed to a temporary file (rust_xlsxwriter's constant
/// memory mode), so 100,000 customers need little memory. Returns the number written.
pub fn write_xlsx<W, I>(out: W, fields: &[Field], customers: I, reveal: bool) -> Result<u64, ExchangeError>
where
    W: Write + Send,
    I: IntoIterator,
    I::Item: Borrow<Customer>,
{
    let xerr = |e: rust_xlsxwriter::XlsxError| ExchangeError::Write(e.to_string());
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    let money_fmt = Format::new().set_num_format("#,##0.00");
    let sheet = wb.add_worksheet_with_constant_memory().map_err(xerr)?;
    sheet.set_name("客户").map_err(xerr)?;
    for (i, f) in fields.iter().enumerate() {
        let col = u16::try_from(i).map_err(|_| ExchangeError::Write("too many columns".into()))?;
        let width = match f {
            Field::Name | Field::Street | Field::Notes => 30.0,
            Field::CreditCode | Field::Number => 22.0,
            _ => 14.0,
        };
        sheet.set_column_width(col, width).map_err(xerr)?;
        sheet.write_string_with_format(0, col, f.header(), &bold).map_err(xerr)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xerr)?;
    let mut n: u64 = 0;
    for c in customers {
        let c = c.borrow();
        if n >= XLSX_MAX_ROWS {
            return Err(ExchangeError::Write(format!(
                "XLSX holds at most {XLSX_MAX_ROWS} rows; export fewer customers or use CSV"
            )));
        }
        let row = (n + 1) as u32;
        for (i, f) in fields.iter().enumerate() {
            let col = i as u16;
            let date = match f {
                Field::Created => Some(c.created_at.date()),
                Field::DealDate => c.deal.as_ref().map(|d| d.date),
                _ => None,
            };
            if let Some(d) = date {
                use chrono::Datelike;
                let dt = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).map_err(xerr)?;
                sheet.write_datetime_with_format(row, col, &dt, &date_fmt).map_err(xerr)?;
                continue;
            }
            if let (Field::DealAmount, Some(d)) = (f, c.deal.as_ref()) {
                if d.amount.fen().abs() < EXACT_NUMBER_FEN {
                    // fen / 100 as a double is the nearest double to the decimal, and the
                    // reader prints at most 9 decimals, so the text comes back exact.
                    sheet
                        .write_number_with_format(row, col, d.amount.fen() as f64 / 100.0, &money_fmt)
                        .map_err(xerr)?;
                    continue;
                }
            }
            let v = f.value(c, reveal);
            if !v.is_empty() {
                sheet.write_string(row, col, v).map_err(xerr)?;
            }
        }
        n += 1;
    }
    wb.save_to_writer(out).map_err(xerr)?;
    Ok(n)
}
