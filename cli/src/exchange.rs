//! `rapport import` and `rapport export`: moving a team's spreadsheet in and the book out.
//! The work happens in the book (directly or through a running node); this module reads
//! and writes the files, draws the progress bar and prints the report.

use crate::args::{ExportArgs, ImportArgs};
use crate::context::input_error;
use crate::out;
use anyhow::{Context, Result};
use rapport_node::{Book, ExportFormat, ExportRequest, ImportReport, ImportRequest};
use rapport_store::Filter;
use std::io::Write;
use std::path::Path;

/// Writes a file the user asked for, readable by them alone (it holds their customers' data).
pub(crate) fn write_new_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)?.write_all(bytes)
}

/// `rapport import FILE`.
pub fn import(book: &dyn Book, a: &ImportArgs, json: bool) -> Result<()> {
    let content =
        std::fs::read(&a.file).map_err(|e| input_error("file", &format!("cannot read {}: {e}", a.file.display())))?;
    let mapping = match &a.mapping {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .map_err(|e| input_error("mapping", &format!("cannot read {}: {e}", p.display())))?,
        ),
        None => None,
    };
    let req = ImportRequest {
        file_name: a.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        content,
        mapping,
        default_industry: a.default_industry.clone(),
        dry_run: a.dry_run,
        skip_rejected: a.skip_rejected,
        update: a.update,
        sheet: a.sheet.clone(),
    };
    let bar = crate::progress::Counter::new(json, "importing");
    let report = book.import(&req, &mut |done, total| bar.observe(done, total));
    drop(bar);
    let report = report?;
    // Only the file asked for is written, in a dry run too: a dry run otherwise writes nothing.
    let rejects = match (&a.rejected, &report.rejections_csv) {
        (Some(path), Some(csv)) => {
            write_new_file(path, csv.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
            Some(path.as_path())
        }
        _ => None,
    };
    if json {
        out::json(&report)?;
    } else {
        print_report(&report, rejects);
    }
    match &report.not_written_because {
        Some(why) => Err(input_error("file", why)),
        None => Ok(()),
    }
}

/// A table of cells (row, column, value, what became of it), the first 50 of them.
fn print_cells<T>(title: &str, cells: &[T], row: impl Fn(&T) -> Vec<String>) {
    if cells.is_empty() {
        return;
    }
    println!("cells {title} ({}):", cells.len());
    let rows: Vec<Vec<String>> = cells.iter().take(50).map(row).collect();
    out::table(&["row", "column", "value", "why"], &rows);
    if cells.len() > 50 {
        println!("... and {} more (all of them in --json)", cells.len() - 50);
    }
}

fn print_report(r: &ImportReport, rejects: Option<&Path>) {
    println!("{}: {}, {} data row(s)", r.file, r.format, r.total_rows);
    let verb = if r.written { "" } else { "would be " };
    println!(
        "{verb}created {}, {verb}updated {} (values or contacts they lacked), unchanged {}, folded into earlier rows {}, \
         rejected {} row(s)",
        r.created.len(),
        r.updated.len(),
        r.unchanged.len(),
        r.folded.len(),
        r.rejected_rows
    );
    if !r.filled.is_empty() {
        let parts: Vec<String> = r.filled.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
        println!("filled in: {}", parts.join(", "));
    }
    for m in r.updated.iter().chain(&r.unchanged).take(20) {
        let mut what = Vec::new();
        if !m.fields_updated.is_empty() {
            what.push(format!("{verb}updated: {}", m.fields_updated.join(", ")));
        }
        if m.contacts_added > 0 {
            what.push(format!("{} contact(s) {verb}added", m.contacts_added));
        }
        if m.follow_ups_added > 0 {
            what.push(format!("{} follow-up(s) {verb}added", m.follow_ups_added));
        }
        let what = if what.is_empty() { "unchanged".to_string() } else { what.join("; ") };
        println!(
            "  row {}: is {} {} (same {}): {what}",
            m.row,
            m.number,
            m.name,
            serde_json::to_value(m.by).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
        );
    }
    if !r.conflicts.is_empty() {
        let rows: Vec<Vec<String>> = r
            .conflicts
            .iter()
            .take(50)
            .map(|c| {
                let kept = if c.overwritten { "file" } else { "stored" };
                vec![c.row.to_string(), c.column.clone(), c.file_value.clone(), c.stored_value.clone(), kept.into()]
            })
            .collect();
        println!("values that differ from the stored customer:");
        out::table(&["row", "column", "file value", "stored value", "kept"], &rows);
        if r.conflicts.len() > 50 {
            println!("... and {} more", r.conflicts.len() - 50);
        }
        if !r.conflicts.iter().any(|c| c.overwritten) {
            println!("the stored values were kept; import with --update to store the file's values instead");
        }
    }
    for u in &r.unknown_owners {
        let rows: Vec<String> =
            u.customers
                .iter()
                .map(|c| {
                    if c.number.is_empty() {
                        format!("row {}", c.row)
                    } else {
                        format!("{} (row {})", c.number, c.row)
                    }
                })
                .collect();
        println!(
            "owner {}: {}; {} customer(s) to reassign (rapport customer edit NUMBER --owner MEMBER): {}",
            u.owner,
            u.reason,
            rows.len(),
            rows.join(", ")
        );
    }
    if !r.skipped.is_empty() {
        let rows: Vec<String> = r.skipped.iter().map(|s| format!("row {} ({})", s.row, s.label)).collect();
        println!("totals and note rows skipped ({}): {}", rows.len(), rows.join(", "));
    }
    print_cells("stored in another field", &r.moved, |m| {
        vec![m.row.to_string(), m.column.clone(), m.value.clone(), format!("{}: {}", m.to, m.reason)]
    });
    print_cells("not stored", &r.not_stored, |n| {
        vec![n.row.to_string(), n.column.clone(), n.value.clone(), n.reason.clone()]
    });
    for f in r.folded.iter().take(20) {
        let conflicts =
            if f.conflicts.is_empty() { String::new() } else { format!("; differing: {}", f.conflicts.join("; ")) };
        println!("  row {} joins row {} (same {}){conflicts}", f.row, f.into_row, f.key);
    }
    if !r.rejected.is_empty() {
        let rows: Vec<Vec<String>> = r
            .rejected
            .iter()
            .take(50)
            .map(|x| vec![x.row.to_string(), x.column.clone(), x.value.clone(), x.reason.clone()])
            .collect();
        out::table(&["row", "column", "value", "reason"], &rows);
        if r.rejected.len() > 50 {
            println!("... and {} more", r.rejected.len() - 50);
        }
        match rejects {
            Some(p) => println!("rejected rows written to {}: fix them there and import that file", p.display()),
            None => println!("to get the rejected rows as a CSV to fix and import again, add --rejected FILE"),
        }
    }
    if !r.unknown_columns.is_empty() {
        println!("columns not imported (not recognised): {}", r.unknown_columns.join(", "));
        if let Some(m) = &r.suggested_mapping {
            println!("a mapping to start from (save as mapping.toml, edit, pass --mapping mapping.toml):\n{m}");
        }
    }
    if r.dry_run {
        match rejects {
            Some(p) => {
                println!("dry run: nothing was written to the book (only the rejected rows, to {})", p.display())
            }
            None => println!("dry run: nothing was written"),
        }
    } else if r.written {
        println!("imported: {} customer(s) created", r.created.len());
    }
}

/// `rapport export`.
pub fn export(book: &dyn Book, a: &ExportArgs, filter: Filter, reveal: bool, json: bool) -> Result<()> {
    if a.fields.trim() == "help" {
        for f in rapport_exchange::Field::all() {
            println!("{:<20} {}", f.name(), f.header());
        }
        return Ok(());
    }
    // An output file's extension must name a format an export writes, whatever --format says.
    let named = match &a.output {
        Some(p) => ExportFormat::from_file_name(&p.to_string_lossy())?,
        None => None,
    };
    let format = match &a.format {
        Some(f) => ExportFormat::parse(f)?,
        None => named.unwrap_or(ExportFormat::Csv),
    };
    if format == ExportFormat::Xlsx && a.output.is_none() {
        return Err(input_error("output", "an XLSX export needs --output FILE.xlsx"));
    }
    let req = ExportRequest {
        filter,
        fields: a.fields.clone(),
        format,
        reveal,
        all_contacts: a.all_contacts,
        limit: a.filter.limit,
    };
    let bar = crate::progress::Counter::new(json, "exporting");
    let bytes = book.export_with(&req, &mut |done, total| bar.observe(done, total));
    drop(bar);
    let bytes = bytes?;
    match &a.output {
        Some(p) => {
            write_new_file(p, &bytes).with_context(|| format!("cannot write {}", p.display()))?;
            eprintln!("wrote {} ({} bytes)", p.display(), bytes.len());
        }
        None => std::io::stdout().write_all(&bytes)?,
    }
    Ok(())
}
