//! Importing a team's spreadsheet into the book: read and plan it with `rapport-exchange`,
//! recognise rows the book already holds (by number, credit code or normalised name),
//! then write every new customer and every new contact in one transaction.
//!
//! An import is all or nothing: when any row is rejected nothing is written unless the
//! caller asked to skip rejected rows, and even then the accepted rows are written in one
//! transaction. Importing the same sheet twice creates nothing the second time: every row
//! matches the customer the first import created.

use crate::book::invalid;
use crate::import_update::Pending;
pub use crate::import_update::ValueConflict;
use rapport_exchange::{ExchangeError, Field, Fill, ImportOptions, Mapping, Moved, NotStored, ReadOptions, Skipped};
use rapport_model::{Customer, CustomerId, DateTime};
use rapport_store::{Actor, MatchedBy, RowKeys, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A sheet to import and how.
#[derive(Clone, Debug, Default)]
pub struct ImportRequest {
    /// File name as given (its extension is a hint; the content decides the format).
    pub file_name: String,
    /// The file's bytes.
    pub content: Vec<u8>,
    /// A `mapping.toml` text overriding the built-in header names.
    pub mapping: Option<String>,
    /// Industry for companies without one (otherwise such rows are rejected).
    pub default_industry: Option<String>,
    /// Only report what would happen.
    pub dry_run: bool,
    /// Write the accepted rows even when some rows are rejected.
    pub skip_rejected: bool,
    /// Where a row's value differs from the matching customer's, store the file's value
    /// (default: keep the stored one and report the conflict).
    pub update: bool,
    /// The workbook sheet to read (default: the first); an error for a CSV.
    pub sheet: Option<String>,
}

/// A customer an import created (or would create).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedRow {
    /// Sheet row.
    pub row: u32,
    /// Number given (empty in a dry run unless the sheet carries one).
    pub number: String,
    /// Name.
    pub name: String,
}

/// An owner named by a sheet who is not a member of the team, and the new customers they own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownOwner {
    /// The owner as the sheet names them.
    pub owner: String,
    /// Why they are not an owner here (not a member, or revoked).
    pub reason: String,
    /// The customers created with this owner (numbers empty in a dry run).
    pub customers: Vec<CreatedRow>,
}

/// A row that is a customer the book already holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchedRow {
    /// Sheet row.
    pub row: u32,
    /// The existing customer's number.
    pub number: String,
    /// Its name.
    pub name: String,
    /// How it was recognised.
    pub by: MatchedBy,
    /// Contacts from the row the customer did not have, added by the import.
    pub contacts_added: usize,
    /// Follow-ups from the row's follow-up columns the customer did not have, added.
    #[serde(default)]
    pub follow_ups_added: usize,
    /// Columns whose value the row filled in where the customer had none (or, with
    /// `update`, replaced), as headed in the file.
    #[serde(default)]
    pub fields_updated: Vec<String>,
}

/// A row folded into an earlier row of the same sheet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoldedRow {
    /// Sheet row.
    pub row: u32,
    /// The earlier row it joined.
    pub into_row: u32,
    /// What they share (credit code or normalised name).
    pub key: String,
    /// Values that differed from the earlier row (the earlier row's value is kept).
    pub conflicts: Vec<String>,
}

/// A refused value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedValue {
    /// Sheet row.
    pub row: u32,
    /// Column as headed in the file.
    pub column: String,
    /// The value.
    pub value: String,
    /// Why it was refused.
    pub reason: String,
}

/// What an import did, or would do in a dry run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// File name.
    pub file: String,
    /// Format read, e.g. `CSV (GB18030, ',')` or `XLSX (sheet 客户)`.
    pub format: String,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Whether anything was written.
    pub written: bool,
    /// Why nothing was written, when it was not and this is not a dry run.
    pub not_written_because: Option<String>,
    /// Data rows read.
    pub total_rows: usize,
    /// New customers.
    pub created: Vec<CreatedRow>,
    /// Rows that are existing customers and brought values or contacts they lacked.
    pub updated: Vec<MatchedRow>,
    /// Rows that are existing customers and brought nothing new.
    pub unchanged: Vec<MatchedRow>,
    /// Rows folded into earlier rows of the sheet.
    pub folded: Vec<FoldedRow>,
    /// Refused values; a row with any is not imported.
    pub rejected: Vec<RejectedValue>,
    /// Rows with at least one refused value.
    pub rejected_rows: usize,
    /// Values of rows matching existing customers that differ from the stored ones: kept
    /// as stored unless the import was asked to update (then `overwritten`).
    #[serde(default)]
    pub conflicts: Vec<ValueConflict>,
    /// Values filled in, by field and kind (`待补充`, `未知`, default, masked, dropped).
    pub filled: BTreeMap<String, usize>,
    /// Every non-empty cell not stored, with its row, column, value and why.
    #[serde(default)]
    pub not_stored: Vec<NotStored>,
    /// Cells stored in another field than their column names (an amount on a customer
    /// that is not won goes to the budget, a follow-up column becomes a follow-up).
    #[serde(default)]
    pub moved: Vec<Moved>,
    /// Totals and note rows (合计, 小计, 注：…), skipped: never customers.
    #[serde(default)]
    pub skipped: Vec<Skipped>,
    /// Owners of new customers who are not active members of the team (the node has a
    /// roster): the customers are created as the sheet says and listed here to reassign.
    #[serde(default)]
    pub unknown_owners: Vec<UnknownOwner>,
    /// Headers no mapping recognised (not imported).
    pub unknown_columns: Vec<String>,
    /// A mapping.toml to start from when some headers were not recognised.
    pub suggested_mapping: Option<String>,
    /// The rejected rows as a CSV to fix and import again (UTF-8 with BOM).
    pub rejections_csv: Option<String>,
}

fn exchange(e: ExchangeError) -> StoreError {
    let field = match &e {
        ExchangeError::Mapping { .. } => "mapping",
        ExchangeError::Options(_) => "default_industry",
        _ => "file",
    };
    invalid(field, e.to_string())
}

fn describe(f: &rapport_exchange::Format) -> String {
    match f {
        rapport_exchange::Format::Csv { encoding, delimiter } => {
            let d = if *delimiter == b'\t' { "tab".to_string() } else { format!("'{}'", *delimiter as char) };
            format!("CSV ({encoding}, {d})")
        }
        rapport_exchange::Format::Xlsx { sheet } => format!("XLSX (sheet {sheet})"),
    }
}

fn fill_name(f: Fill) -> &'static str {
    match f {
        Fill::ToFill => "待补充",
        Fill::Unknown => "未知",
        Fill::Default => "default",
        Fill::Masked => "masked (not imported)",
        Fill::Dropped => "dropped",
    }
}

/// Reads, plans, matches and (unless a dry run) writes an import. `progress` hears
/// (work done, work in all) while the sheet is checked and then stored.
pub fn import(
    store: &Store,
    req: &ImportRequest,
    by: &Actor,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportReport, StoreError> {
    let mapping = match &req.mapping {
        Some(text) => Mapping::from_toml(text).map_err(exchange)?,
        None => Mapping::builtin(),
    };
    let read = ReadOptions { sheet: req.sheet.clone() };
    let table = rapport_exchange::read_table_in(&req.content, &req.file_name, &mapping, &read).map_err(exchange)?;
    let options = ImportOptions { default_industry: req.default_industry.clone(), ..Default::default() };
    // One bar over both halves of the work: checking the rows, then storing them.
    let mut plan = rapport_exchange::plan_with_progress(&table, &mapping, &options, &mut |done, total| {
        progress(done as u64, 2 * total as u64)
    })
    .map_err(exchange)?;

    let mut report = ImportReport {
        file: req.file_name.clone(),
        format: describe(&table.format),
        dry_run: req.dry_run,
        total_rows: plan.total_rows,
        rejected_rows: plan.rejected_rows().len(),
        unknown_columns: plan.unknown_columns.clone(),
        not_stored: std::mem::take(&mut plan.not_stored),
        moved: std::mem::take(&mut plan.moved),
        skipped: std::mem::take(&mut plan.skipped),
        ..Default::default()
    };
    if !plan.unknown_columns.is_empty() {
        report.suggested_mapping = Some(rapport_exchange::suggested_toml(&table, &mapping));
    }
    report.rejected = plan
        .rejected
        .iter()
        .map(|r| RejectedValue {
            row: r.row,
            column: r.column.clone(),
            value: r.value.clone(),
            reason: r.reason.clone(),
        })
        .collect();
    if !plan.rejected.is_empty() {
        report.rejections_csv =
            Some(String::from_utf8_lossy(&rapport_exchange::write_rejections_csv(&table, &plan.rejected)).into_owned());
    }
    report.folded = plan
        .merged
        .iter()
        .map(|m| FoldedRow { row: m.row, into_row: m.into_row, key: m.key.clone(), conflicts: m.conflicts.clone() })
        .collect();

    // Column headers by field, for the report; then the sheet itself is no longer needed
    // (a large sheet's cells weigh as much as the customers built from them).
    let resolved = mapping.resolve(&table);
    let headers: HashMap<Field, String> =
        resolved.columns.iter().enumerate().filter_map(|(i, f)| f.clone().map(|f| (f, table.label(i)))).rev().collect();
    let labels = |f: &Field| headers.get(f).cloned().unwrap_or_else(|| f.header());
    drop(resolved);
    drop(table);

    let keys: Vec<RowKeys> = plan
        .rows
        .iter()
        .map(|r| {
            let k = r.match_keys();
            RowKeys {
                number: k.number.map(str::to_string),
                credit_code: k.credit_code.map(str::to_string),
                name: k.name.clone(),
            }
        })
        .collect();
    let matches = store.match_existing(&keys)?;
    drop(keys);
    let mut create: Vec<Customer> = Vec::new();
    // Sheet row and name of each customer in `create`.
    let mut created_rows: Vec<(u32, String)> = Vec::new();
    // Updates of existing customers, in the order first seen. Only customers a row changes
    // are kept: a re-imported sheet matches every customer and changes none.
    let mut pending: HashMap<CustomerId, Pending> = HashMap::new();
    let mut order: Vec<CustomerId> = Vec::new();
    let now: DateTime = by.now;
    // Each planned row is consumed as it is matched, so its customer is held once.
    for (r, found) in std::mem::take(&mut plan.rows).into_iter().zip(matches) {
        for f in &r.filled {
            *report.filled.entry(format!("{} {}", f.field.name(), fill_name(f.why))).or_default() += 1;
        }
        let found = match found {
            // A match on a customer merged away (by its name or credit code) is the survivor.
            Some((id, how)) => match store.get(id)? {
                Customer { merged_into: Some(into), .. } => Some((into, how, store.get(into)?)),
                c => Some((id, how, c)),
            },
            None => None,
        };
        // A name alone does not make the same customer when the row's number or credit
        // code says otherwise: the same company name recurs across cities.
        let found = found.filter(|(_, how, existing)| {
            *how != MatchedBy::Name
                || !(matches!((&r.number, &existing.number), (Some(a), b) if a != b)
                    || matches!((&r.new.credit_code, &existing.credit_code), (Some(a), Some(b)) if a != b))
        });
        match found {
            Some((id, how, existing)) => {
                let m = MatchedRow {
                    row: r.row,
                    number: existing.number.clone(),
                    name: existing.name.clone(),
                    by: how,
                    contacts_added: 0,
                    follow_ups_added: 0,
                    fields_updated: Vec::new(),
                };
                // A customer kept in `pending` stays there: its changes only grow.
                let (mut p, known) = match pending.remove(&id) {
                    Some(p) => (p, true),
                    None => (Pending::new(id, existing), false),
                };
                let took = p.take_row(&r, &labels, req.update, (&by.name, now), &mut report.conflicts)?;
                if p.changes() {
                    if !known {
                        order.push(id);
                    }
                    pending.insert(id, p);
                }
                let m = MatchedRow {
                    contacts_added: took.contacts_added,
                    follow_ups_added: took.follow_ups_added,
                    fields_updated: took.fields,
                    ..m
                };
                if m.contacts_added == 0 && m.follow_ups_added == 0 && m.fields_updated.is_empty() {
                    report.unchanged.push(m);
                } else {
                    report.updated.push(m);
                }
            }
            None => {
                let mut c = r.new.validate(&by.name, now).map_err(|e| {
                    invalid(&format!("row {}", r.row), format!("passed the sheet checks but not the book's: {e}"))
                })?;
                if let Some(d) = r.created {
                    c.created_at = d.and_hms_opt(0, 0, 0).unwrap_or(now);
                }
                c.number = r.number.unwrap_or_default();
                created_rows.push((r.row, c.name.clone()));
                create.push(c);
            }
        }
    }
    // Owners are members: a sheet's owner the roster knows is written as the roster spells
    // them; one it does not know is kept as the sheet says, and listed to reassign.
    let team = rapport_sync::TeamView::load(store)?;
    let mut unknown: Vec<(usize, String, String)> = Vec::new();
    if let Some(team) = &team {
        for (i, c) in create.iter_mut().enumerate() {
            match team.roster.owner(&c.owner) {
                Ok(m) => c.owner = m.name.clone(),
                Err(e) => unknown.push((i, c.owner.clone(), e.to_string())),
            }
        }
    }
    let owners_of = |rows: &[CreatedRow]| -> Vec<UnknownOwner> {
        let mut out: Vec<UnknownOwner> = Vec::new();
        for (i, owner, reason) in &unknown {
            let Some(row) = rows.get(*i).cloned() else { continue };
            match out.iter_mut().find(|u| &u.owner == owner) {
                Some(u) => u.customers.push(row),
                None => out.push(UnknownOwner { owner: owner.clone(), reason: reason.clone(), customers: vec![row] }),
            }
        }
        out
    };
    if req.dry_run {
        report.created = created_rows
            .into_iter()
            .zip(&create)
            .map(|((row, name), c)| CreatedRow { row, number: c.number.clone(), name })
            .collect();
        report.unknown_owners = owners_of(&report.created);
        return Ok(report);
    }
    if !plan.rejected.is_empty() && !req.skip_rejected {
        report.not_written_because = Some(format!(
            "{} row(s) rejected: an import is all or nothing; fix them (see the rejections CSV) or import with \
             --skip-rejected",
            report.rejected_rows
        ));
        report.created =
            created_rows.into_iter().map(|(row, name)| CreatedRow { row, number: String::new(), name }).collect();
        return Ok(report);
    }
    let what = format!("import of {}", req.file_name);
    let rows = plan.total_rows as u64;
    let updates = order.iter().filter_map(|id| pending.remove(id)).filter_map(Pending::into_update).collect();
    let numbers = store
        .import(create, updates, by, &what, &mut |done, total| progress(rows + done * rows / total.max(1), 2 * rows))?;
    report.created =
        created_rows.into_iter().zip(numbers).map(|((row, name), number)| CreatedRow { row, number, name }).collect();
    report.unknown_owners = owners_of(&report.created);
    report.written = true;
    Ok(report)
}
