//! Plain renderings of a report's table: CSV for spreadsheets and aligned text for the
//! terminal.

use crate::Report;
use unicode_width::UnicodeWidthStr;

/// The report's table as CSV: UTF-8 with a byte-order mark (so Excel reads Chinese text
/// correctly), CRLF line ends, a heading row, then one row per table row (RFC 4180).
///
/// Fields holding a comma, a double quote, CR or LF are quoted, with quotes doubled. A text
/// cell starting with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'`, so a spreadsheet
/// shows a customer name such as `=HYPERLINK(...)` as text instead of running it; numeric
/// columns (amounts may be negative) are left as they are.
pub fn render_csv(report: &Report) -> String {
    let t = &report.table;
    let mut out = String::from("\u{feff}");
    let line = |out: &mut String, cells: &[String], numeric: &[bool]| {
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let is_numeric = numeric.get(i).copied().unwrap_or(false);
            out.push_str(&csv_field(c, is_numeric));
        }
        out.push_str("\r\n");
    };
    line(&mut out, &t.headers, &[]);
    for row in &t.rows {
        line(&mut out, row, &t.numeric);
    }
    out
}

fn csv_field(cell: &str, numeric: bool) -> String {
    let guarded;
    let mut text = cell;
    if !numeric && text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        guarded = format!("'{text}");
        text = &guarded;
    }
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The report for a terminal: title, scope, the table with columns aligned by display
/// width (a Chinese character takes two columns; numbers are right-aligned), then the notes.
/// Line breaks and tabs inside cells are shown as spaces so a row stays one line.
pub fn render_text(report: &Report) -> String {
    let t = &report.table;
    let clean = |s: &str| s.replace(['\r', '\n', '\t'], " ");
    let headers: Vec<String> = t.headers.iter().map(|h| clean(h)).collect();
    let rows: Vec<Vec<String>> = t.rows.iter().map(|r| r.iter().map(|c| clean(c)).collect()).collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if i >= widths.len() {
                widths.push(0);
            }
            widths[i] = widths[i].max(c.width());
        }
    }
    let mut out = String::new();
    out.push_str(&report.title);
    out.push('\n');
    out.push_str(&report.scope);
    out.push_str("\n\n");
    let line = |out: &mut String, cells: &[String]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            let pad = widths.get(i).copied().unwrap_or(0).saturating_sub(c.width());
            if t.numeric.get(i).copied().unwrap_or(false) {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            } else {
                s.push_str(c);
                s.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(&mut out, &headers);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(&mut out, &rule);
    for r in &rows {
        line(&mut out, r);
    }
    if rows.is_empty() {
        out.push_str("(no rows)\n");
    }
    if !report.notes.is_empty() {
        out.push('\n');
        for n in &report.notes {
            out.push_str("* ");
            out.push_str(n);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_guarded() {
        assert_eq!(csv_field("plain", false), "plain");
        assert_eq!(csv_field("a,b", false), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\"", false), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines", false), "\"two\nlines\"");
        assert_eq!(csv_field("=1+2", false), "'=1+2");
        assert_eq!(csv_field("-5.00", true), "-5.00");
        assert_eq!(csv_field("-x,y", false), "\"'-x,y\"");
    }
}
