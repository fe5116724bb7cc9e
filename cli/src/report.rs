//! `rapport report NAME`: book reports as a table, JSON, CSV or one HTML page with charts.
//! The figures come from the book (directly or through a running node); rendering is done
//! here, so the output is the same either way.

use crate::args::ReportArgs;
use crate::context::{as_of_date, input_error, now};
use anyhow::{Context, Result};
use rapport_node::parse_day;
use rapport_node::Book;
use rapport_reports::{render_csv, render_html, render_text, ReportName, Window};
use rapport_rules::TierModel;

/// Runs the command.
pub fn run(book: &dyn Book, a: &ReportArgs, json: bool) -> Result<()> {
    let names: Vec<ReportName> = if a.name.eq_ignore_ascii_case("all") {
        ReportName::all().to_vec()
    } else {
        vec![a.name.parse::<ReportName>().map_err(|e| input_error("name", &e.to_string()))?]
    };
    let model: TierModel = a
        .model
        .parse()
        .map_err(|_| input_error("model", &format!("`{}` is not a model; use sabc, abc or rfm", a.model)))?;
    let date = |field: &str, v: &Option<String>| -> Result<_> {
        v.as_deref().map(|d| parse_day(field, d).map_err(|e| input_error(field, &e.reason))).transpose()
    };
    let window = Window {
        from: date("from", &a.from)?,
        to: date("to", &a.to)?,
        as_of: as_of_date(&a.as_of)?,
        include_archived: a.archived,
    };
    let reports = book.reports(&names, &window, model)?;
    if let Some(path) = &a.html {
        let title = if names.len() == 1 { names[0].title() } else { "Rapport reports" };
        crate::exchange::write_new_file(path, render_html(&reports, title, now()).as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        if !json {
            println!("wrote {} ({} report(s)); open it in a browser", path.display(), reports.len());
        }
        return Ok(());
    }
    if json {
        return if reports.len() == 1 { crate::out::json(&reports[0]) } else { crate::out::json(&reports) };
    }
    for (i, r) in reports.iter().enumerate() {
        if a.csv {
            // One CSV per report; several are separated by a blank line.
            let csv = render_csv(r);
            let csv = if i > 0 { csv.trim_start_matches('\u{feff}') } else { csv.as_str() };
            print!("{}{csv}", if i > 0 { "\n" } else { "" });
        } else {
            print!("{}{}", if i > 0 { "\n" } else { "" }, render_text(r));
        }
    }
    Ok(())
}
