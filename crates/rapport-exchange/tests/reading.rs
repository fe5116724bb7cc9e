//! Reading sheets the way a sales admin sees them in Excel: row numbers that match
//! whatever the line endings, invisible characters cleaned from cells, ambiguous numbers
//! refused, mapping suggestions that never take a person for the customer, sheets chosen
//! by name, and messages that quote the cell as typed. Every fixture is written here.

use rapport_exchange::{
    plan, read_table, read_table_in, suggest, ExchangeError, Field, Format, ImportOptions, ImportPlan, Mapping,
    ReadOptions, Table,
};

/// Reads and plans `bytes`, panicking with the error (a test fixture must read).
fn plan_of(bytes: &[u8], name: &str) -> (Table, ImportPlan) {
    let table = read_table(bytes, name).unwrap_or_else(|e| panic!("{name}: {e}"));
    let p = plan(&table, &Mapping::builtin(), &ImportOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    (table, p)
}

/// Writes an XLSX with one sheet per `(name, rows)`; `None` rows are left blank.
fn workbook(sheets: &[(&str, &[Option<&[&str]>])]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let sheet = wb.add_worksheet();
        let r = (|| -> Result<(), rust_xlsxwriter::XlsxError> {
            sheet.set_name(*name)?;
            for (r, cells) in rows.iter().enumerate() {
                for (c, text) in cells.iter().flat_map(|c| c.iter()).enumerate() {
                    if !text.is_empty() {
                        sheet.write_string(r as u32, c as u16, *text)?;
                    }
                }
            }
            Ok(())
        })();
        r.unwrap_or_else(|e| panic!("{e}"));
    }
    wb.save_to_buffer().unwrap_or_else(|e| panic!("{e}"))
}

/// A title row, the header, data rows with a blank line, a quoted cell over two lines
/// and bad values, as (sheet row, cells).
const ROWS: &[Option<&[&str]>] = &[
    Some(&["2024年客户名单", "", "", ""]),
    Some(&["客户名称", "所属行业", "客户来源", "联系电话"]),
    Some(&["甲公司", "C", "展会", "13800138000"]),
    Some(&["乙公司", "火星产业", "展会", "13900139000"]),
    None,
    Some(&["丙公司", "F", "展会", "12345"]),
    Some(&["丁公司", "I", "备注\n第二行", "13700137000"]),
    None,
    None,
    Some(&["戊公司", "宇宙开发", "展会", "13600136000"]),
];

fn csv_text(eol: &str) -> String {
    let mut out = String::new();
    for row in ROWS {
        if let Some(cells) = row {
            let cells: Vec<String> = cells
                .iter()
                .map(|c| if c.contains('\n') { format!("\"{}\"", c.replace('\n', eol)) } else { c.to_string() })
                .collect();
            out.push_str(&cells.join(","));
        }
        out.push_str(eol);
    }
    out
}

/// The row numbers a table and its plan report: data rows, planned rows, rejected rows.
fn numbers(bytes: &[u8], name: &str) -> (u32, Vec<u32>, Vec<u32>, Vec<u32>) {
    let (t, p) = plan_of(bytes, name);
    let data = t.rows.iter().map(|r| r.row).collect();
    let planned = p.rows.iter().map(|r| r.row).collect();
    let rejected = p.rejected.iter().map(|r| r.row).collect();
    (t.header_row, data, planned, rejected)
}

#[test]
fn crlf_lf_and_xlsx_give_the_row_numbers_excel_shows() {
    let want = (2, vec![3, 4, 6, 7, 10], vec![3, 7], vec![4, 6, 10]);
    assert_eq!(numbers(csv_text("\n").as_bytes(), "a.csv"), want, "LF");
    assert_eq!(numbers(csv_text("\r\n").as_bytes(), "a.csv"), want, "CRLF");
    assert_eq!(numbers(csv_text("\r").as_bytes(), "a.csv"), want, "CR");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(csv_text("\r\n").as_bytes());
    assert_eq!(numbers(&bom, "a.csv"), want, "CRLF with BOM");
    assert_eq!(numbers(&workbook(&[("客户", ROWS)]), "a.xlsx"), want, "XLSX");
    // Leading blank lines count too.
    let text = format!("\r\n\r\n{}", csv_text("\r\n"));
    let (header, data, ..) = numbers(text.as_bytes(), "a.csv");
    assert_eq!((header, data), (4, vec![5, 6, 8, 9, 12]));
}

/// Names and texts pasted from web pages and chat apps, with the invisible characters
/// they carry, as (cell as written, cell as read).
const INVISIBLE: &[(&str, &str)] = &[
    ("\u{200B}甲公司", "甲公司"),
    ("甲公司\u{FEFF}", "甲公司"),
    ("甲\u{200D}公\u{2060}司", "甲公司"),
    ("\u{00A0}乙公司\u{00A0}", "乙公司"),
    ("Acme\u{00A0}Trading\u{3000}Co.", "Acme Trading Co."),
    ("\u{202A}丙公司\u{202C}", "丙公司"),
    ("丁\u{00AD}公司\u{2009}", "丁公司"),
];

#[test]
fn invisible_characters_are_removed_from_cells_as_they_are_read() {
    let mut csv = String::from("客户名称,所属行业,客户来源,联系人,备注\n");
    for (cell, _) in INVISIBLE {
        csv.push_str(&format!("{cell},C,展会,王\u{200B}芳\u{00A0},\"第一行\u{00A0}\r\n第二行\u{200B}\"\n"));
    }
    let rows: Vec<Option<Vec<&str>>> =
        std::iter::once(Some(vec!["客户名称", "所属行业", "客户来源", "联系人", "备注"]))
            .chain(INVISIBLE.iter().map(|(cell, _)| {
                Some(vec![*cell, "C", "展会", "王\u{200B}芳\u{00A0}", "第一行\u{00A0}\n第二行\u{200B}"])
            }))
            .collect();
    let rows: Vec<Option<&[&str]>> = rows.iter().map(|r| r.as_deref()).collect();
    let xlsx = workbook(&[("客户", &rows)]);
    for (bytes, name) in [(csv.as_bytes(), "a.csv"), (&xlsx[..], "a.xlsx")] {
        let (t, p) = plan_of(bytes, name);
        let names: Vec<&str> = t.rows.iter().map(|r| t.cell(r, 0)).collect();
        let want: Vec<&str> = INVISIBLE.iter().map(|(_, clean)| *clean).collect();
        assert_eq!(names, want, "{name}");
        for r in &t.rows {
            assert_eq!((t.cell(r, 3), t.cell(r, 4)), ("王芳", "第一行 \n第二行"), "{name}");
        }
        // The three spellings of 甲公司 are one customer, stored under the clean name.
        let stored: Vec<&str> = p.rows.iter().map(|r| r.new.name.as_str()).collect();
        assert_eq!(stored, vec!["甲公司", "乙公司", "Acme Trading Co.", "丙公司", "丁公司"], "{name}");
        assert_eq!(p.merged.iter().map(|m| (m.row, m.into_row)).collect::<Vec<_>>(), vec![(3, 2), (4, 2)], "{name}");
        assert!(p.rejected.is_empty(), "{name}: {:?}", p.rejected);
    }
}

#[test]
fn ambiguous_numbers_are_refused_with_the_reason() {
    let csv = "客户名称,所属行业,客户来源,客户阶段,成交金额,成交日期,合同编号\n\
               甲,C,展会,成交,\"12,80\",2024-03-01,HT-1\n\
               乙,C,展会,成交,\"1,2345\",2024-03-01,HT-2\n\
               丙,C,展会,成交,\"1,234.50\",2024-03-01,HT-3\n\
               丁,C,展会,成交,\"12,345,678\",2024-03-01,HT-4\n\
               戊,C,展会,成交,１２，８０,2024-03-01,HT-5\n";
    let (_, p) = plan_of(csv.as_bytes(), "a.csv");
    let amounts: Vec<(u32, i64)> =
        p.rows.iter().filter_map(|r| r.new.deal.as_ref().map(|d| (r.row, d.amount.fen()))).collect();
    assert_eq!(amounts, vec![(4, 123_450), (5, 1_234_567_800)]);
    let rejected: Vec<(u32, &str, &str)> =
        p.rejected.iter().map(|r| (r.row, r.column.as_str(), r.value.as_str())).collect();
    assert_eq!(rejected, vec![(2, "成交金额", "12,80"), (3, "成交金额", "1,2345"), (6, "成交金额", "１２，８０")]);
    let reason = &p.rejected[0].reason;
    assert!(reason.contains("`12,80` is ambiguous") && reason.contains("12.80") && reason.contains("1280"), "{reason}");
    assert!(p.rejected[1].reason.contains("groups of three digits"), "{}", p.rejected[1].reason);
}

/// A ledger as sales admins keep it: a title merged over `title_cols` columns of row 1, a
/// merged group (`联系方式` over two columns), then the header and one customer.
fn ledger(title_cols: u16) -> Vec<u8> {
    let headers = [
        "客户名称",
        "所属行业",
        "客户来源",
        "跟进销售",
        "客户对接人",
        "手机",
        "邮箱",
        "录入人员",
        "平均客单价",
        "备注",
    ];
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    let f = rust_xlsxwriter::Format::new();
    let r = (|| -> Result<(), rust_xlsxwriter::XlsxError> {
        sheet.merge_range(0, 0, 0, title_cols - 1, "2024年客户台账（华东区）", &f)?;
        sheet.merge_range(1, 5, 1, 6, "联系方式", &f)?;
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string(2, c as u16, *h)?;
        }
        for (c, v) in
            ["甲公司", "C", "展会", "王芳", "李四", "13800138000", "a@b.cn", "张三", "100", ""].iter().enumerate()
        {
            sheet.write_string(3, c as u16, *v)?;
        }
        Ok(())
    })();
    r.unwrap_or_else(|e| panic!("{e}"));
    wb.save_to_buffer().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_merged_title_is_not_a_group_and_a_person_column_is_never_the_name() {
    for title_cols in [10, 9] {
        let t = read_table(&ledger(title_cols), "台账.xlsx").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.header_row, 3);
        let labels: Vec<String> = (0..t.headers.len()).map(|c| t.label(c)).collect();
        assert_eq!(
            labels,
            [
                "客户名称",
                "所属行业",
                "客户来源",
                "跟进销售",
                "客户对接人",
                "联系方式/手机",
                "联系方式/邮箱",
                "录入人员",
                "平均客单价",
                "备注"
            ],
            "title over {title_cols} columns"
        );
        let resolved = Mapping::builtin().resolve(&t);
        assert_eq!(resolved.column_of(&Field::Name), Some(0));
        let suggested: Vec<(String, Option<Field>)> =
            suggest(&t, &Mapping::builtin()).into_iter().map(|s| (s.header, s.field)).collect();
        assert!(suggested.contains(&("跟进销售".to_string(), Some(Field::Owner))), "{suggested:?}");
        assert!(suggested.iter().all(|(_, f)| f.as_ref() != Some(&Field::Name)), "{suggested:?}");
        assert!(suggested.iter().any(|(h, _)| h == "客户对接人"), "{suggested:?}");
        let toml = rapport_exchange::suggested_toml(&t, &Mapping::builtin());
        assert!(!toml.contains("\"name\"") && !toml.contains("台账"), "{toml}");
    }
}

#[test]
fn headers_naming_a_person_are_never_suggested_as_the_name() {
    let headers = [
        "公司名称",
        "客户对接人",
        "客户跟进销售员",
        "2024年客户台账/跟进人员",
        "客户联系人",
        "客户经理助理",
        "Customer Rep",
    ];
    let csv = format!("{}\n甲公司,a,b,c,d,e,f\n", headers.join(","));
    let t = read_table(csv.as_bytes(), "a.csv").unwrap_or_else(|e| panic!("{e}"));
    let s = suggest(&t, &Mapping::builtin());
    assert_eq!(s.len(), headers.len() - 1, "{s:?}");
    for s in &s {
        assert!(
            !matches!(s.field, Some(Field::Name | Field::Number | Field::CreditCode)),
            "{} suggested as {:?}",
            s.header,
            s.field
        );
    }
    // A header that does name the customer is still suggested as the name.
    let t = read_table("客户全名称,所属行业\n甲公司,C\n".as_bytes(), "a.csv").unwrap_or_else(|e| panic!("{e}"));
    let s = suggest(&t, &Mapping::builtin());
    assert_eq!(s.first().and_then(|s| s.field.clone()), Some(Field::Name), "{s:?}");
}

const INSTRUCTIONS: &[Option<&[&str]>] =
    &[Some(&["填表说明"]), Some(&["1. 客户名称必填"]), Some(&["2. 日期写成 2024-03-01"])];
const CUSTOMERS: &[Option<&[&str]>] =
    &[Some(&["客户名称", "所属行业", "客户来源"]), Some(&["甲公司", "C", "展会"]), Some(&["乙公司", "F", "展会"])];
const LEADS: &[Option<&[&str]>] = &[Some(&["公司名称", "行业"]), Some(&["丙公司", "I"])];
const DICTIONARY: &[Option<&[&str]>] = &[Some(&["代码", "含义"]), Some(&["C", "制造业"])];

fn read_sheet(bytes: &[u8], sheet: Option<&str>) -> Result<Table, ExchangeError> {
    let options = ReadOptions { sheet: sheet.map(str::to_string) };
    read_table_in(bytes, "客户.xlsx", &Mapping::builtin(), &options)
}

fn xlsx_error(e: Result<Table, ExchangeError>) -> String {
    match e {
        Err(ExchangeError::Xlsx(why)) => why,
        other => panic!("expected a workbook error, got {other:?}"),
    }
}

#[test]
fn a_sheet_is_chosen_by_name_and_an_instructions_sheet_first_lists_the_others() {
    let wb = workbook(&[("填表说明", INSTRUCTIONS), ("客户名单", CUSTOMERS), ("线索", LEADS), ("字典", DICTIONARY)]);
    for name in ["客户名单", " 客户名单 "] {
        let t = read_sheet(&wb, Some(name)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.format, Format::Xlsx { sheet: "客户名单".into() });
        assert_eq!(t.rows.iter().map(|r| t.cell(r, 0)).collect::<Vec<_>>(), ["甲公司", "乙公司"]);
    }
    let t = read_sheet(&wb, Some("线索")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((t.header_row, t.rows.len()), (1, 1));
    // An unknown name lists the sheets.
    let why = xlsx_error(read_sheet(&wb, Some("客户")));
    assert!(why.contains("no sheet named `客户`") && why.contains("`填表说明`, `客户名单`, `线索`, `字典`"), "{why}");
    // Without a name, the instructions sheet has no header: the error lists the others
    // and names the two that have one, without picking either.
    let why = xlsx_error(read_sheet(&wb, None));
    assert!(why.contains("first sheet `填表说明` has no header row"), "{why}");
    assert!(why.contains("the other sheets are: `客户名单`, `线索`, `字典`"), "{why}");
    assert!(why.contains("these have one: `客户名单`, `线索`"), "{why}");
    // With exactly one other sheet holding a header, the error says which.
    let wb = workbook(&[("填表说明", INSTRUCTIONS), ("字典", DICTIONARY), ("客户名单", CUSTOMERS)]);
    let why = xlsx_error(read_sheet(&wb, None));
    assert!(why.contains("sheet `客户名单` has one: choose it with --sheet 客户名单"), "{why}");
    // An empty first sheet is treated the same way.
    let wb = workbook(&[("Sheet1", &[]), ("客户名单", CUSTOMERS)]);
    let why = xlsx_error(read_sheet(&wb, None));
    assert!(why.contains("first sheet `Sheet1` is empty") && why.contains("`客户名单` has one"), "{why}");
    // A single sheet without a header keeps the plain error; a CSV has no sheets.
    let wb = workbook(&[("填表说明", INSTRUCTIONS)]);
    assert!(matches!(read_sheet(&wb, None), Err(ExchangeError::NoHeader { .. })));
    let csv = read_table_in(b"a,b\n", "a.csv", &Mapping::builtin(), &ReadOptions { sheet: Some("x".into()) });
    assert!(matches!(&csv, Err(ExchangeError::Unsupported(why)) if why.contains("CSV file has no sheets")), "{csv:?}");
}

#[test]
fn messages_quote_the_cell_as_typed_cut_to_sixty_characters() {
    let long = "很长的行业描述".repeat(20);
    let csv = format!(
        "客户名称,所属行业,客户来源,联系电话,成交日期\n\
         甲,C,展会,1.38123E+10,\n\
         乙,C,展会,1380013800.0,\n\
         丙,{long},展会,13812345678.0,\n\
         丁,C,展会,13900139000,２０２４－１３－０１\n"
    );
    let (_, p) = plan_of(csv.as_bytes(), "a.csv");
    let reasons: Vec<(u32, &str, &str)> =
        p.rejected.iter().map(|r| (r.row, r.column.as_str(), r.reason.as_str())).collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    let (row, col, why) = reasons[0];
    assert_eq!((row, col), (2, "联系电话"));
    assert!(why.starts_with("`1.38123E+10` is in scientific notation"), "{why}");
    let (row, _, why) = reasons[1];
    assert_eq!(row, 3);
    assert!(why.starts_with("`1380013800.0` has 10 digits"), "{why}");
    let (row, col, why) = reasons[2];
    assert_eq!((row, col), (4, "所属行业"));
    let cut: String = long.chars().take(60).collect();
    assert!(why.starts_with(&format!("`{cut}…` is not a known industry")), "{why}");
    assert_eq!(p.rejected[2].value, long, "the rejection keeps the whole cell");
    let (row, _, why) = reasons[3];
    assert_eq!(row, 5);
    assert!(why.starts_with("`２０２４－１３－０１` is not a real calendar day"), "{why}");
    // A number cell written out as a decimal is the number it shows.
    assert_eq!(p.rows.len(), 0);
    let ok = plan_of("客户名称,所属行业,客户来源,联系电话\n丙,C,展会,13812345678.0\n".as_bytes(), "a.csv").1;
    assert_eq!(ok.rows[0].new.contacts[0].phone.as_deref(), Some("13812345678"));
}
