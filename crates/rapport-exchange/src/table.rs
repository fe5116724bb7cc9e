//! Reading a customer sheet into a [`Table`]: CSV in UTF-8 (with or without BOM), UTF-16
//! (Excel's "Unicode text") or GB18030/GBK (what Chinese Excel writes), with the delimiter
//! sniffed; XLSX through calamine (the first sheet or the one named in [`ReadOptions`],
//! merged cells filled, dates as dates).
//!
//! Every cell is cleaned as it is read ([`clean_cell`]): zero-width and other format
//! characters removed, no-break and other odd spaces made plain, trimmed; so `甲公司` with
//! a pasted `U+200B` is `甲公司`.
//!
//! Sheets often carry a title row or a merged group title (`联系人信息` over
//! `姓名 | 电话 | 邮箱`) above the real headers, so the header row is the row among the first
//! twenty whose cells name the most known fields. Row numbers are those Excel shows
//! (the header row of a plain sheet is row 1), so a rejection report points at the line
//! the user will fix.

use crate::mapping::{Mapping, Target};
use crate::normalize::clean_cell;
use crate::ExchangeError;
use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;

/// How many rows from the top may hold titles before the header row.
const HEADER_SEARCH_ROWS: usize = 20;

/// What kind of file a table came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Format {
    /// Delimited text.
    Csv {
        /// The encoding it was decoded from: `UTF-8`, `UTF-8 with BOM`, `UTF-16LE`,
        /// `UTF-16BE` or `GB18030`.
        encoding: &'static str,
        /// The field delimiter found: `,`, `;` or tab.
        delimiter: u8,
    },
    /// An Excel workbook.
    Xlsx {
        /// The sheet that was read (the first, or the one [`ReadOptions::sheet`] names).
        sheet: String,
    },
}

/// One data row of a sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The row number the spreadsheet shows (1-based, counting title and header rows).
    pub row: u32,
    /// Cell texts by column; may be shorter than the headers (missing cells are empty).
    pub cells: Vec<String>,
}

/// A sheet: headers and data rows as text. XLSX dates become `YYYY-MM-DD` (or
/// `YYYY-MM-DD HH:MM:SS`), numbers their shortest decimal form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// Header texts, trimmed, one per column.
    pub headers: Vec<String>,
    /// Per column, the title of a merged group cell above the header, if any.
    pub groups: Vec<Option<String>>,
    /// The header's row number.
    pub header_row: u32,
    /// Data rows below the header; blank rows are left out.
    pub rows: Vec<Row>,
    /// Where the table came from.
    pub format: Format,
}

impl Table {
    /// The cell of `row` in column `col`, or `""`.
    pub fn cell<'a>(&self, row: &'a Row, col: usize) -> &'a str {
        row.cells.get(col).map(String::as_str).unwrap_or("")
    }

    /// The column's name for reports: the header, prefixed by its group title
    /// (`联系人信息/姓名`) when it sits under one.
    pub fn label(&self, col: usize) -> String {
        let h = self.headers.get(col).cloned().unwrap_or_default();
        match self.groups.get(col).and_then(|g| g.as_deref()) {
            Some(g) if !g.is_empty() && g != h => format!("{g}/{h}"),
            _ => h,
        }
    }
}

impl Format {
    /// Guesses the format from a file name (`.csv`, `.txt`, `.tsv` → CSV; `.xlsx`, `.xlsm` →
    /// XLSX).
    pub fn from_file_name(name: &str) -> Option<&'static str> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") {
            Some("xlsx")
        } else if lower.ends_with(".csv") || lower.ends_with(".txt") || lower.ends_with(".tsv") {
            Some("csv")
        } else if lower.ends_with(".xls") {
            Some("xls")
        } else {
            None
        }
    }
}

/// Reads a sheet with the built-in header spellings. `file_name` is only a hint: the
/// content decides (a zip is XLSX whatever its name).
pub fn read_table(bytes: &[u8], file_name: &str) -> Result<Table, ExchangeError> {
    read_table_with(bytes, file_name, &Mapping::builtin())
}

/// Choices for reading a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The workbook sheet to read, by name (exact, else ignoring case and surrounding
    /// spaces). `None` reads the first sheet. An unknown name is an error listing the
    /// sheets; naming a sheet of a CSV file is an error too.
    pub sheet: Option<String>,
}

/// Reads a sheet, finding the header row with `mapping` (so headers only a
/// `mapping.toml` knows still count).
pub fn read_table_with(bytes: &[u8], file_name: &str, mapping: &Mapping) -> Result<Table, ExchangeError> {
    read_table_in(bytes, file_name, mapping, &ReadOptions::default())
}

/// [`read_table_with`], with [`ReadOptions`] (which sheet of a workbook). When the first
/// sheet of a workbook has no header (an instructions sheet such as 填表说明) and no sheet
/// was named, the error lists the other sheets and says which have a header; it does not
/// pick one.
pub fn read_table_in(
    bytes: &[u8],
    file_name: &str,
    mapping: &Mapping,
    options: &ReadOptions,
) -> Result<Table, ExchangeError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) || bytes == b"\xEF\xBB\xBF" {
        return Err(ExchangeError::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes, mapping, options);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(ExchangeError::Unsupported(
            "this is a legacy .xls or password-protected workbook; save it as .xlsx (without a password) or CSV".into(),
        ));
    }
    match Format::from_file_name(file_name) {
        Some("xlsx") => {
            return Err(ExchangeError::Xlsx("the file is not a valid .xlsx workbook (truncated or renamed?)".into()))
        }
        Some("xls") => {
            return Err(ExchangeError::Unsupported("legacy .xls is not read; save it as .xlsx or CSV".into()))
        }
        _ => {}
    }
    if let Some(sheet) = &options.sheet {
        return Err(ExchangeError::Unsupported(format!(
            "a CSV file has no sheets to choose from (sheet `{}` was asked for); leave the sheet out, or give the .xlsx workbook",
            sheet.trim()
        )));
    }
    read_csv(bytes, mapping)
}

fn decode(bytes: &[u8]) -> Result<(String, &'static str), ExchangeError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest).map(|s| (s.to_string(), "UTF-8 with BOM")).map_err(|e| {
            ExchangeError::Encoding(format!("invalid UTF-8 after the BOM at byte {}", e.valid_up_to() + 3))
        });
    }
    for (bom, enc, name) in
        [(&b"\xFF\xFE"[..], encoding_rs::UTF_16LE, "UTF-16LE"), (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE, "UTF-16BE")]
    {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, bad) = enc.decode_without_bom_handling(rest);
            if bad {
                return Err(ExchangeError::Encoding(format!("invalid {name} text")));
            }
            return Ok((text.into_owned(), name));
        }
    }
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return Err(ExchangeError::Encoding("the file is binary, not CSV text (it holds NUL bytes)".into()));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), "UTF-8"));
    }
    match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok((text.into_owned(), "GB18030")),
        None => Err(ExchangeError::Encoding(
            "the file is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8 or .xlsx".into(),
        )),
    }
}

/// Picks the delimiter that occurs most outside quotes in the first lines.
fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    let mut lines = 0;
    for c in text.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => counts[0] += 1,
            ';' if !in_quotes => counts[1] += 1,
            '\t' if !in_quotes => counts[2] += 1,
            '\n' if !in_quotes => {
                lines += 1;
                if lines >= 10 {
                    break;
                }
            }
            _ => {}
        }
    }
    let delims = [b',', b';', b'\t'];
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    delims[best]
}

/// Undoes the `'` an export puts before `=`, `+`, `-` and `@` so Excel does not read the
/// cell as a formula.
fn unescape_formula(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if crate::export::formula_like(rest) => rest,
        _ => s,
    }
}

fn read_csv(bytes: &[u8], mapping: &Mapping) -> Result<Table, ExchangeError> {
    let (text, encoding) = decode(bytes)?;
    let total = text.chars().count().max(1);
    let controls = text.chars().filter(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')).count();
    if controls * 100 > total {
        return Err(ExchangeError::Encoding("the file is binary, not CSV text (it holds control characters)".into()));
    }
    let delimiter = sniff_delimiter(&text);
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut grid: Vec<(u32, Vec<String>)> = Vec::new();
    // Excel counts blank lines as rows but a quoted multi-line cell as one row. The csv
    // reader skips blank lines, and a record's position is where the previous one ended,
    // so the blank lines before a record are the line breaks right at its position.
    let bytes = text.as_bytes();
    let mut row = 0usize;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(row as u64 + 1, |p| p.line());
                return Err(ExchangeError::Csv { row: u32::try_from(line).unwrap_or(u32::MAX), reason: e.to_string() });
            }
        }
        row += 1 + record.position().map_or(0, |p| blank_lines_at(bytes, p.byte() as usize));
        let row = u32::try_from(row).unwrap_or(u32::MAX);
        let cells: Vec<String> = record.iter().map(|f| unescape_formula(&clean_cell(f)).to_string()).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        grid.push((row, cells));
    }
    let format = Format::Csv { encoding, delimiter };
    build_table(grid, Vec::new(), format, mapping)
}

/// How many blank lines start at byte `at`, where the csv reader says a record begins.
/// `\r\n`, `\n` and a lone `\r` each end one line. The reader stops a record at the `\r`
/// of a `\r\n`, so a `\n` right after a `\r` still ends the previous record's line, not
/// a blank one (counting it reported Excel row r as 2r-1 in Windows files).
fn blank_lines_at(bytes: &[u8], at: usize) -> usize {
    let Some(run) = bytes.get(at..) else { return 0 };
    let run = &run[..run.iter().position(|c| !matches!(c, b'\r' | b'\n')).unwrap_or(run.len())];
    let run = match run.first() {
        Some(b'\n') if at > 0 && bytes.get(at - 1) == Some(&b'\r') => &run[1..],
        _ => run,
    };
    let lone_newlines = run.iter().enumerate().filter(|(i, c)| **c == b'\n' && (*i == 0 || run[i - 1] != b'\r'));
    run.iter().filter(|c| **c == b'\r').count() + lone_newlines.count()
}

/// Renders a number the way Excel shows it: integers without `.0`, at most 9 decimals
/// (so binary noise like 0.30000000000000004 reads 0.3).
fn number_text(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let s = format!("{v:.9}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => clean_cell(s).into_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}")
            }
        }
        Data::DateTime(dt) => number_text(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e}"),
    }
}

/// A sheet's cells as text by sheet row number (blank rows left out), merged areas filled,
/// and the merged areas themselves.
type Grid = (Vec<(u32, Vec<String>)>, Vec<Span>);

fn read_xlsx(bytes: &[u8], mapping: &Mapping, options: &ReadOptions) -> Result<Table, ExchangeError> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let names = wb.sheet_names();
    if names.is_empty() {
        return Err(ExchangeError::Xlsx("the workbook has no sheets".into()));
    }
    if let Some(wanted) = &options.sheet {
        let sheet = chosen_sheet(&names, wanted)?;
        let (grid, spans) = sheet_grid(&mut wb, &sheet)?;
        return build_table(grid, spans, Format::Xlsx { sheet }, mapping);
    }
    let sheet = names[0].clone();
    let (grid, spans) = sheet_grid(&mut wb, &sheet)?;
    match build_table(grid, spans, Format::Xlsx { sheet: sheet.clone() }, mapping) {
        Err(e @ (ExchangeError::NoHeader { .. } | ExchangeError::Empty)) if names.len() > 1 => {
            Err(first_sheet_without_header(&mut wb, &names, mapping, &e))
        }
        other => other,
    }
}

fn unreadable(e: calamine::XlsxError) -> ExchangeError {
    ExchangeError::Xlsx(format!("the workbook cannot be read: {e}"))
}

/// `names` quoted and joined for a message: `` `填表说明`, `客户` ``.
fn sheet_list(names: &[String]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// The sheet `wanted` names: exactly, else ignoring case and surrounding spaces.
fn chosen_sheet(names: &[String], wanted: &str) -> Result<String, ExchangeError> {
    let w = wanted.trim();
    names
        .iter()
        .find(|n| n.as_str() == wanted)
        .or_else(|| names.iter().find(|n| n.trim().to_lowercase() == w.to_lowercase()))
        .cloned()
        .ok_or_else(|| {
            ExchangeError::Xlsx(format!("there is no sheet named `{w}`; the sheets are: {}", sheet_list(names)))
        })
}

/// The error for a first sheet without a header (often a 填表说明 instructions sheet):
/// it names the other sheets, and those that have a header. It does not pick one: the
/// user says which with the sheet option.
fn first_sheet_without_header(
    wb: &mut Xlsx<Cursor<&[u8]>>,
    names: &[String],
    mapping: &Mapping,
    why: &ExchangeError,
) -> ExchangeError {
    let others = &names[1..];
    let with_header: Vec<String> = others
        .iter()
        .filter(|n| sheet_grid(wb, n).is_ok_and(|(grid, _)| header_index(&grid, mapping).is_some()))
        .cloned()
        .collect();
    let what = match why {
        ExchangeError::Empty => "is empty".to_string(),
        _ => "has no header row (none of its first 20 rows names a known column such as 客户名称 or name)".to_string(),
    };
    let hint = match with_header.as_slice() {
        [] => "none of them has a header row either; add one or a mapping".to_string(),
        [one] => format!("sheet `{one}` has one: choose it with --sheet {one}"),
        many => format!("these have one: {}; choose one with --sheet NAME", sheet_list(many)),
    };
    ExchangeError::Xlsx(format!(
        "the first sheet `{}` {what}; the other sheets are: {}; {hint}",
        names[0],
        sheet_list(others)
    ))
}

/// Reads one sheet into text rows, filling merged areas.
fn sheet_grid(wb: &mut Xlsx<Cursor<&[u8]>>, sheet: &str) -> Result<Grid, ExchangeError> {
    let range = wb.worksheet_range(sheet).map_err(unreadable)?;
    // A sheet without merged cells, or an unreadable merge list, is read as is.
    let merges = wb.merge_cells_by_sheet_name(sheet).unwrap_or_default();
    let Some((r0, c0)) = range.start() else {
        return Ok((Vec::new(), Vec::new()));
    };
    let mut grid: Vec<(u32, Vec<String>)> =
        range.rows().enumerate().map(|(i, cells)| (r0 + i as u32 + 1, cells.iter().map(cell_text).collect())).collect();
    // Every cell of a merged area shows the top-left value (a customer name merged down
    // over its contacts' rows belongs to each of them).
    let mut spans = Vec::new();
    for m in &merges {
        let (Some(rs), Some(cs)) = (m.start.0.checked_sub(r0), m.start.1.checked_sub(c0)) else { continue };
        let (re, ce) = (m.end.0.saturating_sub(r0), m.end.1.saturating_sub(c0));
        let (rs, cs, re, ce) = (rs as usize, cs as usize, re as usize, ce as usize);
        let value = grid.get(rs).and_then(|(_, r)| r.get(cs)).cloned().unwrap_or_default();
        for (_, cells) in grid.iter_mut().take(re + 1).skip(rs) {
            for c in cells.iter_mut().take(ce + 1).skip(cs) {
                if c.is_empty() {
                    c.clone_from(&value);
                }
            }
        }
        spans.push(Span { bottom: r0 + re as u32 + 1, left: cs, right: ce, title: value });
    }
    grid.retain(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    Ok((grid, spans))
}

/// A merged area: its last sheet row, columns `left..=right` (0-based, relative to
/// the first used column), and the text it shows.
struct Span {
    bottom: u32,
    left: usize,
    right: usize,
    title: String,
}

impl Span {
    /// Whether the area spans (nearly) every named header column: all of them, all but one
    /// of eight or more, or nine in ten. A group (`联系人信息` over three columns) is
    /// narrower; a title merged over the sheet is off by a column at most.
    fn is_title(&self, named: &[usize]) -> bool {
        let n = named.len();
        let covered = named.iter().filter(|c| (self.left..=self.right).contains(c)).count();
        covered == n || (n >= 8 && covered + 1 >= n) || covered * 10 >= n * 9
    }
}

/// The header row's index in `grid`: the row among the first twenty naming the most
/// known fields (the first of equals), if any names one.
fn header_index(grid: &[(u32, Vec<String>)], mapping: &Mapping) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, (_, cells)) in grid.iter().enumerate().take(HEADER_SEARCH_ROWS) {
        let known = cells.iter().filter(|c| matches!(mapping.target(c, None), Target::Field(_))).count();
        if known > 0 && best.is_none_or(|(_, k)| known > k) {
            best = Some((i, known));
        }
    }
    best.map(|(i, _)| i)
}

/// Finds the header row, attaches group titles and keeps the data rows.
fn build_table(
    grid: Vec<(u32, Vec<String>)>,
    spans: Vec<Span>,
    format: Format,
    mapping: &Mapping,
) -> Result<Table, ExchangeError> {
    if grid.is_empty() {
        return Err(ExchangeError::Empty);
    }
    let Some(hi) = header_index(&grid, mapping) else {
        let first: Vec<&str> = grid[0].1.iter().map(String::as_str).filter(|c| !c.trim().is_empty()).take(8).collect();
        return Err(ExchangeError::NoHeader { first_row: first.join(" | ") });
    };
    let header_row = grid[hi].0;
    let width = grid.iter().map(|(_, c)| c.len()).max().unwrap_or(0);
    let mut headers: Vec<String> = grid[hi].1.iter().map(|h| h.trim().to_string()).collect();
    headers.resize(width, String::new());
    // Group titles: a merged area above the header row spanning several columns, but not
    // (nearly) all of them: that is the sheet's title (`2024年客户台账（华东区）`).
    let mut groups: Vec<Option<String>> = vec![None; width];
    let named: Vec<usize> = (0..width).filter(|c| !headers[*c].is_empty()).collect();
    for s in &spans {
        if s.bottom < header_row && s.right > s.left && !s.title.trim().is_empty() && !s.is_title(&named) {
            for g in groups.iter_mut().take(s.right + 1).skip(s.left) {
                *g = Some(s.title.trim().to_string());
            }
        }
    }
    let rows: Vec<Row> = grid.into_iter().skip(hi + 1).map(|(row, cells)| Row { row, cells }).collect();
    if rows.is_empty() {
        return Err(ExchangeError::NoRows { header_row });
    }
    Ok(Table { headers, groups, header_row, rows, format })
}
