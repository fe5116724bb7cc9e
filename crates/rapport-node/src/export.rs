//! Exporting the customers a list filter selects as CSV, XLSX or JSON Lines. Contact data
//! is masked unless revealed, and every revealing export is written to the team's audit
//! log (which syncs like the rules) before the file is produced.

use crate::book::invalid;
use rapport_exchange::Field;
use rapport_model::{Customer, CustomerId};
use rapport_store::{Filter, Store, StoreError};
use serde::{Deserialize, Serialize};

/// File format of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// CSV, UTF-8 with BOM (Excel opens it).
    Csv,
    /// An Excel workbook.
    Xlsx,
    /// One JSON object per line.
    Jsonl,
}

impl ExportFormat {
    /// Parses `csv`, `xlsx` or `jsonl` (also `json`).
    pub fn parse(s: &str) -> Result<ExportFormat, StoreError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(ExportFormat::Csv),
            "xlsx" | "excel" => Ok(ExportFormat::Xlsx),
            "jsonl" | "json" | "ndjson" => Ok(ExportFormat::Jsonl),
            other => Err(invalid("format", format!("`{other}` is not an export format; use csv, xlsx or jsonl"))),
        }
    }

    /// The name used on the command line and in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Jsonl => "jsonl",
        }
    }

    /// The format a file name's extension names (`.csv`, `.xlsx`, `.jsonl`, `.json`); an
    /// extension that names none (`x.xls`, `x.txt`) is refused rather than silently written
    /// as CSV. `None` for a name without an extension.
    pub fn from_file_name(name: &str) -> Result<Option<ExportFormat>, StoreError> {
        let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let Some((_, ext)) = file.rsplit_once('.') else { return Ok(None) };
        match ext.to_ascii_lowercase().as_str() {
            "csv" => Ok(Some(ExportFormat::Csv)),
            "xlsx" => Ok(Some(ExportFormat::Xlsx)),
            "jsonl" | "json" | "ndjson" => Ok(Some(ExportFormat::Jsonl)),
            "xls" => Err(invalid(
                "output",
                format!("`{file}`: legacy .xls cannot be written; use .xlsx (Excel opens it), .csv or .jsonl"),
            )),
            _ => Err(invalid(
                "output",
                format!("`{file}` has an extension no export writes; use .csv, .xlsx, .jsonl or .json"),
            )),
        }
    }

    /// The HTTP content type.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ExportFormat::Jsonl => "application/x-ndjson",
        }
    }
}

/// What to export.
#[derive(Clone, Debug)]
pub struct ExportRequest {
    /// Which customers (any `list` filter).
    pub filter: Filter,
    /// Field names, comma-separated (empty: every field import reads back).
    pub fields: String,
    /// File format.
    pub format: ExportFormat,
    /// Show contact data unmasked (recorded in the audit log).
    pub reveal: bool,
    /// One row per contact, each repeating the customer's fields, instead of one row with
    /// the primary contact: import folds the rows back into one customer.
    pub all_contacts: bool,
    /// At most this many customers (the first by number), all of them when `None`.
    pub limit: Option<usize>,
}

/// Parses a field list; empty means every field import reads back.
pub fn parse_fields(list: &str) -> Result<Vec<Field>, StoreError> {
    if list.trim().is_empty() {
        return Ok(Field::defaults());
    }
    Field::parse_list(list).map_err(|e| invalid("fields", e.to_string()))
}

/// A filter in words for the audit log, e.g. `industry=C stage=intent` or `all`.
pub fn describe_filter(f: &Filter) -> String {
    let parts: Vec<String> = f.settings().into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    if parts.is_empty() {
        "all".into()
    } else {
        parts.join(" ")
    }
}

/// Reads every selected customer, on every core; without the activity lists unless
/// `activity`.
fn load_all(store: &Store, ids: &[CustomerId], activity: bool) -> Result<Vec<Customer>, StoreError> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
    let per = ids.len().div_ceil(threads).max(1);
    let parts: Vec<Result<Vec<Customer>, StoreError>> = std::thread::scope(|s| {
        let handles: Vec<_> = ids
            .chunks(per)
            .map(|part| {
                s.spawn(move || {
                    part.iter().map(|id| if activity { store.get(*id) } else { store.get_record(*id) }).collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(StoreError::Db("an export worker panicked".into()))))
            .collect()
    });
    let mut out = Vec::with_capacity(ids.len());
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

/// The rows of one customer: itself (its primary contact in the contact columns), then,
/// with `all_contacts`, a copy for each other contact, carrying that contact alone.
fn rows_of(c: Customer, all_contacts: bool) -> Vec<Customer> {
    if !all_contacts || c.contacts.len() < 2 {
        return vec![c];
    }
    let primary = c.primary_contact().map(|p| p.id.clone());
    let others: Vec<Customer> = c
        .contacts
        .iter()
        .filter(|k| Some(&k.id) != primary.as_ref())
        .map(|k| Customer { contacts: vec![rapport_model::Contact { primary: true, ..k.clone() }], ..c.clone() })
        .collect();
    let mut rows = vec![c];
    rows.extend(others);
    rows
}

/// Produces the export file's bytes (with `fields`, already parsed from the request) and how
/// many rows it holds; `progress` hears (customers read, customers to export) after each slice.
pub fn export(
    store: &Store,
    req: &ExportRequest,
    fields: &[Field],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(Vec<u8>, u64), StoreError> {
    let ids: Vec<CustomerId> =
        store.list(&req.filter)?.into_iter().take(req.limit.unwrap_or(usize::MAX)).map(|r| r.id).collect();
    let total = ids.len() as u64;
    let mut read = 0u64;
    // Only the last-follow-up column reads the activity lists.
    let activity = fields.contains(&Field::LastInteraction);
    // Customers are read a slice at a time (each slice on every core) and written as they
    // come, so an export of the whole book never holds the whole book in memory.
    const SLICE: usize = 2000;
    let mut failed: Option<StoreError> = None;
    let customers = ids
        .chunks(SLICE)
        .map_while(|slice| match load_all(store, slice, activity) {
            Ok(v) => {
                read += slice.len() as u64;
                progress(read, total);
                Some(v)
            }
            Err(e) => {
                failed = Some(e);
                None
            }
        })
        .flatten()
        .flat_map(|c| rows_of(c, req.all_contacts));
    let mut out = Vec::new();
    let written = match req.format {
        ExportFormat::Csv => rapport_exchange::write_csv(&mut out, fields, customers, req.reveal),
        ExportFormat::Jsonl => rapport_exchange::write_jsonl(&mut out, fields, customers, req.reveal),
        ExportFormat::Xlsx => {
            rapport_exchange::write_xlsx(std::io::Cursor::new(&mut out), fields, customers, req.reveal)
        }
    };
    if let Some(e) = failed {
        return Err(e);
    }
    let n = written.map_err(|e| invalid("export", e.to_string()))?;
    Ok((out, n))
}
