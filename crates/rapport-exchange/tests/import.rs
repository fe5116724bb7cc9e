//! Import of messy sheets written by the tests themselves: the same CSV in UTF-8, UTF-8
//! with BOM, GBK and as tab-separated text, and an XLSX with merged header cells, a merged
//! customer name over two contact rows and Excel dates. Counts and reasons are exact.

use rapport_exchange::{
    plan, read_table, write_rejections_csv, ExchangeError, Field, Fill, Format, ImportOptions, ImportPlan, Mapping,
    Merged, TO_FILL, UNKNOWN,
};
use rapport_model::{Date, Kind, Money, Stage};

const HEADERS: [&str; 19] = [
    "序号",
    "客户名称*",
    "客户性质",
    "统一社会信用代码",
    "所属行业",
    "客户来源",
    "客户阶段",
    "负责人",
    "成交金额",
    "成交日期",
    "合同编号",
    "流失原因",
    "联系人",
    "联系方式",
    "邮箱",
    "规模",
    "省份",
    "备注",
    "颜色",
];

/// Data rows by sheet row number; `None` is a blank line.
fn rows() -> Vec<(u32, Option<[&'static str; 19]>)> {
    let e = "";
    vec![
        (
            3,
            Some([
                "1",
                "苏州恒瑞精密机械有限公司",
                "企业",
                "91350100M000100Y43",
                "制造业",
                "展会",
                "成交客户",
                "王芳",
                "12.5万",
                "2024/3/1",
                "HT-2024-001",
                e,
                "王小明",
                "+86 138-0013-8000",
                "wang@hengrui.cn",
                "100-500",
                "江苏",
                "重点客户",
                "红",
            ]),
        ),
        (
            4,
            Some([
                "2",
                "Acme Trading Co., Ltd.",
                "company",
                e,
                "F",
                "referral",
                "意向",
                " Li Wei ",
                e,
                e,
                e,
                e,
                "Tom",
                "021-12345678",
                "Tom@ACME.com",
                e,
                e,
                "note, with comma\nsecond line",
                e,
            ]),
        ),
        (5, Some(["3", "张三", "个人", e, e, "转介绍", "潜在客户", e, e, e, e, e, e, "13900139000", e, e, e, e, e])),
        (6, None),
        (
            7,
            Some([
                "4",
                "北京数据科技有限公司",
                e,
                e,
                "I 信息技术",
                e,
                "流失客户",
                "赵六",
                e,
                e,
                e,
                "竞品价格更低",
                e,
                e,
                e,
                e,
                e,
                e,
                e,
            ]),
        ),
        (
            8,
            Some([
                "5",
                "苏州恒瑞精密机械有限公司",
                "企业",
                "91350100M000100Y43",
                "制造业",
                "展会",
                "成交客户",
                "王芳",
                "125,000",
                "2024-03-01",
                "HT-2024-001",
                e,
                "李娜",
                "13700137000",
                e,
                e,
                e,
                e,
                e,
            ]),
        ),
        (
            9,
            Some([
                "6",
                "坏信用代码公司",
                "企业",
                "91350100M000100Y44",
                "C",
                "展会",
                e,
                e,
                e,
                e,
                e,
                e,
                e,
                e,
                e,
                e,
                e,
                e,
                e,
            ]),
        ),
        (10, Some(["7", "坏电话公司", "企业", e, "C", "展会", e, e, e, e, e, e, "钱七", "1380013800", e, e, e, e, e])),
        (11, Some(["8", "坏邮箱公司", e, e, "C", "展会", e, e, e, e, e, e, "孙八", e, "wang@", e, e, e, e])),
        (12, Some(["9", "未知行业公司", e, e, "宇宙开发", "展会", e, e, e, e, e, e, e, e, e, e, e, e, e])),
        (
            13,
            Some([
                "10",
                "坏日期公司",
                e,
                e,
                "C",
                "展会",
                "成交客户",
                e,
                "5000",
                "昨天",
                "HT-9",
                e,
                e,
                e,
                e,
                e,
                e,
                e,
                e,
            ]),
        ),
        (
            14,
            Some([
                "11",
                "负金额公司",
                e,
                e,
                "C",
                "展会",
                "成交客户",
                e,
                "-5",
                "2024-03-01",
                "HT-10",
                e,
                e,
                e,
                e,
                e,
                e,
                e,
                e,
            ]),
        ),
        (
            15,
            Some([
                "12",
                "乱金额公司",
                e,
                e,
                "C",
                "展会",
                "成交客户",
                e,
                "abc",
                "2024-03-01",
                "HT-11",
                e,
                e,
                e,
                e,
                e,
                e,
                e,
                e,
            ]),
        ),
        (
            16,
            Some([
                "13",
                "无金额成交公司",
                e,
                e,
                "C",
                "展会",
                "成交客户",
                e,
                e,
                "2024-03-01",
                "HT-12",
                e,
                e,
                e,
                e,
                e,
                e,
                e,
                e,
            ]),
        ),
        (17, Some(["14", "无原因流失公司", e, e, "C", "展会", "流失客户", e, e, e, e, e, e, e, e, e, e, e, e])),
        (18, Some(["15", e, "企业", e, "C", "展会", e, e, e, e, e, e, e, e, e, e, e, e, e])),
        (
            19,
            Some(["16", "两处错误公司", e, e, "C", "展会", e, e, e, e, e, e, "周九", "12345", "a b@c.com", e, e, e, e]),
        ),
        (20, Some(["17", "无行业公司", "企业", e, e, "展会", e, e, e, e, e, e, e, e, e, e, e, e, e])),
        (21, Some(["18", "坏阶段公司", e, e, "C", "展会", "maybe", e, e, e, e, e, e, e, e, e, e, e, e])),
        (22, Some(["19", "坏性质公司", "robot", e, "C", "展会", e, e, e, e, e, e, e, e, e, e, e, e, e])),
    ]
}

/// The expected rejections: (row, column, value, part of the reason).
const REJECTED: &[(u32, &str, &str, &str)] = &[
    (9, "统一社会信用代码", "91350100M000100Y44", "should be `3`"),
    (10, "联系方式", "1380013800", "has 10 digits"),
    (11, "邮箱", "wang@", "needs a domain"),
    (12, "所属行业", "宇宙开发", "is not a known industry"),
    (13, "成交日期", "昨天", "is not a date"),
    (14, "成交金额", "-5", "is negative"),
    (15, "成交金额", "abc", "is not an amount"),
    (17, "流失原因", "", "is required for a lost customer"),
    (18, "客户名称*", "", "is required"),
    (19, "联系方式", "12345", "has 5 digits"),
    (19, "邮箱", "a b@c.com", "not allowed before `@`"),
    (20, "所属行业", "", "is required for a company"),
    (21, "客户阶段", "maybe", "is not a stage"),
    (22, "客户性质", "robot", "is not a kind"),
];

fn quote(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\t']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

fn sheet_text(sep: &str) -> String {
    let mut out = format!("2024年客户名单{}\n", sep.repeat(3));
    out.push_str(&HEADERS.iter().map(|h| quote(h)).collect::<Vec<_>>().join(sep));
    out.push('\n');
    for (_, cells) in rows() {
        if let Some(cells) = cells {
            out.push_str(&cells.iter().map(|c| quote(c)).collect::<Vec<_>>().join(sep));
        }
        out.push('\n');
    }
    out
}

fn d(y: i32, m: u32, day: u32) -> Date {
    Date::from_ymd_opt(y, m, day).unwrap_or_default()
}

fn plan_of(bytes: &[u8], name: &str) -> (rapport_exchange::Table, ImportPlan) {
    let table = match read_table(bytes, name) {
        Ok(t) => t,
        Err(e) => panic!("{name}: {e}"),
    };
    match plan(&table, &Mapping::builtin(), &ImportOptions::default()) {
        Ok(p) => (table, p),
        Err(e) => panic!("{name}: {e}"),
    }
}

fn check_messy_plan(p: &ImportPlan) {
    assert_eq!(p.total_rows, 19);
    let planned: Vec<u32> = p.rows.iter().map(|r| r.row).collect();
    assert_eq!(planned, vec![3, 4, 5, 7, 16]);
    assert_eq!(
        p.merged,
        vec![Merged {
            row: 8,
            into_row: 3,
            key: "credit code 91350100M000100Y43".into(),
            contact_added: true,
            conflicts: vec![]
        }]
    );
    assert_eq!(p.unknown_columns, vec!["颜色".to_string()]);
    assert_eq!(p.rejected.len(), REJECTED.len(), "{:#?}", p.rejected);
    for (got, want) in p.rejected.iter().zip(REJECTED) {
        assert_eq!((got.row, got.column.as_str(), got.value.as_str()), (want.0, want.1, want.2), "{got:?}");
        assert!(got.reason.contains(want.3), "row {}: {}", got.row, got.reason);
    }
    assert_eq!(p.rejected_rows().len(), 13);

    let hengrui = &p.rows[0].new;
    assert_eq!(hengrui.kind, Some(Kind::Company));
    assert_eq!(hengrui.industry.as_deref(), Some("C"));
    assert_eq!(hengrui.source.as_deref(), Some("trade_show"));
    assert_eq!(hengrui.stage, Some(Stage::Won));
    let deal = hengrui.deal.clone().unwrap_or_else(|| panic!("no deal"));
    assert_eq!((deal.amount, deal.date, deal.contract_no.as_str()), (Money(12_500_000), d(2024, 3, 1), "HT-2024-001"));
    let contacts: Vec<(&str, Option<&str>, bool)> =
        hengrui.contacts.iter().map(|c| (c.name.as_str(), c.phone.as_deref(), c.primary)).collect();
    assert_eq!(contacts, vec![("王小明", Some("13800138000"), true), ("李娜", Some("13700137000"), false)]);
    assert_eq!(hengrui.contacts[0].email.as_deref(), Some("wang@hengrui.cn"));
    assert_eq!(p.rows[0].match_keys().credit_code, Some("91350100M000100Y43"));
    assert_eq!(p.rows[0].match_keys().name, "苏州恒瑞精密机械");

    let acme = &p.rows[1];
    assert_eq!(acme.new.owner.as_deref(), Some("Li Wei"));
    assert_eq!(acme.new.stage, Some(Stage::Intent));
    assert_eq!(acme.new.notes.as_deref(), Some("note, with comma\nsecond line"));
    assert_eq!(acme.new.contacts[0].email.as_deref(), Some("Tom@acme.com"));
    assert_eq!(acme.new.size.as_deref(), Some(UNKNOWN));
    assert_eq!(acme.match_keys().name, "acmetrading");

    let person = &p.rows[2];
    assert_eq!(person.new.kind, Some(Kind::Person));
    assert_eq!(person.new.industry, None);
    assert_eq!(person.new.contacts[0].name, TO_FILL);
    let filled: Vec<(Field, &str, Fill)> =
        person.filled.iter().map(|f| (f.field.clone(), f.value.as_str(), f.why)).collect();
    assert_eq!(
        filled,
        vec![
            (Field::Industry, "O", Fill::Default),
            (Field::Size, UNKNOWN, Fill::Unknown),
            (Field::Province, UNKNOWN, Fill::Unknown),
            (Field::Owner, "(importing member)", Fill::Default),
            (Field::ContactName, TO_FILL, Fill::ToFill),
        ]
    );

    let lost = &p.rows[3];
    assert_eq!(lost.new.kind, Some(Kind::Company));
    assert_eq!(lost.new.source.as_deref(), Some(TO_FILL));
    assert_eq!(lost.new.lost_reason.as_deref(), Some("竞品价格更低"));
    assert!(lost.filled.iter().any(|f| f.field == Field::Source && f.why == Fill::ToFill));
    assert!(lost.filled.iter().any(|f| f.field == Field::Kind && f.why == Fill::Default));

    // A won row without its amount (a legacy sheet) goes in, flagged: no deal record, the
    // contract number kept as a custom field until the deal is filled in.
    let legacy = &p.rows[4];
    assert_eq!(legacy.new.stage, Some(Stage::Won));
    assert_eq!(legacy.new.deal, None);
    assert_eq!(legacy.new.to_fill.iter().map(String::as_str).collect::<Vec<_>>(), vec!["deal.amount"]);
    assert_eq!(legacy.new.custom.get("合同编号").map(String::as_str), Some("HT-12"));
    assert!(legacy.filled.iter().any(|f| f.field == Field::DealAmount && f.why == Fill::ToFill));
    let moved: Vec<(u32, &str, &str, &str)> =
        p.moved.iter().map(|m| (m.row, m.column.as_str(), m.value.as_str(), m.to.as_str())).collect();
    assert!(moved.contains(&(16, "合同编号", "HT-12", "custom:合同编号")), "{moved:?}");

    for r in &p.rows {
        let c = r.new.validate("tester", d(2024, 1, 1).and_time(chrono::NaiveTime::MIN));
        assert!(c.is_ok(), "row {}: {c:?}", r.row);
    }
}

#[test]
fn messy_utf8_csv() {
    let (table, p) = plan_of(sheet_text(",").as_bytes(), "客户.csv");
    assert_eq!(table.format, Format::Csv { encoding: "UTF-8", delimiter: b',' });
    assert_eq!(table.header_row, 2);
    check_messy_plan(&p);
}

#[test]
fn messy_csv_with_bom() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(sheet_text(",").as_bytes());
    let (table, p) = plan_of(&bytes, "客户.csv");
    assert_eq!(table.format, Format::Csv { encoding: "UTF-8 with BOM", delimiter: b',' });
    check_messy_plan(&p);
}

#[test]
fn messy_gbk_csv() {
    let text = sheet_text(",");
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err());
    let (table, p) = plan_of(&bytes, "客户.csv");
    assert_eq!(table.format, Format::Csv { encoding: "GB18030", delimiter: b',' });
    check_messy_plan(&p);
}

#[test]
fn messy_tab_and_semicolon_separated() {
    for sep in ["\t", ";"] {
        let (table, p) = plan_of(sheet_text(sep).as_bytes(), "客户.txt");
        assert!(matches!(table.format, Format::Csv { delimiter, .. } if delimiter == sep.as_bytes()[0]));
        check_messy_plan(&p);
    }
    // Excel's "Unicode text": UTF-16LE with BOM, tab-separated.
    let mut bytes = vec![0xFF, 0xFE];
    for u in sheet_text("\t").encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let (table, p) = plan_of(&bytes, "客户.txt");
    assert_eq!(table.format, Format::Csv { encoding: "UTF-16LE", delimiter: b'\t' });
    check_messy_plan(&p);
}

#[test]
fn rejection_report_can_be_fixed_and_reimported() {
    let (table, p) = plan_of(sheet_text(",").as_bytes(), "客户.csv");
    let report = write_rejections_csv(&table, &p.rejected);
    assert!(report.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8_lossy(&report).to_string();
    assert!(text.contains(",row,column,reason"), "{text}");
    assert!(text.contains("19,联系方式; 邮箱,"), "{text}");
    // Read back: 13 rejected rows, the same rejections (row numbers of the report itself).
    let (t2, p2) = plan_of(&report, "rejected.csv");
    assert_eq!(t2.rows.len(), 13);
    assert_eq!(p2.rejected.len(), REJECTED.len());
    assert!(p2.unknown_columns == vec!["颜色".to_string()], "{:?}", p2.unknown_columns);
    // Fix the credit code and the stage, import again: those two rows now plan.
    let fixed = text.replace("91350100M000100Y44", "91350100M000100Y43").replace(",maybe,", ",意向客户,");
    let (_, p3) = plan_of(fixed.as_bytes(), "rejected.csv");
    assert_eq!(p3.rows.len(), 2);
    assert_eq!(p3.rejected.len(), REJECTED.len() - 2);
    assert_eq!(p3.rows[0].new.name, "坏信用代码公司");
}

#[test]
fn the_same_name_with_different_codes_or_numbers_is_two_customers() {
    let csv = "客户名称,统一社会信用代码,所属行业,客户来源,联系人\n\
               明达机械有限公司,91350100M000100Y43,C,展会,甲\n\
               明达机械,,C,展会,乙\n\
               明达机械有限公司,91110000600037341L,C,展会,丙\n\
               明达机械有限公司,,F,展会,甲\n";
    let (_, p) = plan_of(csv.as_bytes(), "a.csv");
    // Row 4 names another legal entity (its own credit code): a second customer.
    assert_eq!(p.rows.iter().map(|r| r.row).collect::<Vec<_>>(), vec![2, 4]);
    assert_eq!(p.rows[0].new.contacts.len(), 2);
    assert_eq!(p.merged.len(), 2);
    assert_eq!(p.merged[0].key, "name 明达机械");
    assert_eq!(p.merged[1].conflicts, vec!["所属行业".to_string()]);
    assert!(!p.merged[1].contact_added);
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);

    // Rows of an export carry their numbers: two numbers are two customers, whatever the name.
    let export = "客户编号,客户名称,所属行业,客户来源\n\
                  MFG-2026-K3Q7MX-001,明达机械有限公司,C,展会\n\
                  MFG-2026-K3Q7MX-002,明达机械有限公司,C,展会\n";
    let (_, p) = plan_of(export.as_bytes(), "b.csv");
    assert_eq!(p.rows.len(), 2);
    assert!(p.merged.is_empty());
}

#[test]
fn mapping_file_and_default_industry() {
    let csv = "抬头,跟进销售,均价,内部\n甲公司,王芳,120,x\n";
    let table = read_table(csv.as_bytes(), "a.csv");
    // Without a mapping no header is known.
    assert!(matches!(table, Err(ExchangeError::NoHeader { .. })), "{table:?}");
    let m = Mapping::from_toml("ignore = [\"内部\"]\n[columns]\n\"抬头\" = \"name\"\n\"跟进销售\" = \"owner\"\n\"均价\" = \"custom:平均客单价\"\n");
    let m = m.unwrap_or_else(|e| panic!("{e}"));
    let table = rapport_exchange::read_table_with(csv.as_bytes(), "a.csv", &m).unwrap_or_else(|e| panic!("{e}"));
    let opts = ImportOptions { default_industry: Some("制造业".into()), ..ImportOptions::default() };
    let p = plan(&table, &m, &opts).unwrap_or_else(|e| panic!("{e}"));
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    assert!(p.unknown_columns.is_empty());
    let r = &p.rows[0];
    assert_eq!(r.new.owner.as_deref(), Some("王芳"));
    assert_eq!(r.new.industry.as_deref(), Some("C"));
    assert_eq!(r.new.custom.get("平均客单价").map(String::as_str), Some("120"));
    assert!(r.filled.iter().any(|f| f.field == Field::Industry && f.why == Fill::Default));
    // A bad default industry is an options error.
    let bad = ImportOptions { default_industry: Some("宇宙".into()), ..ImportOptions::default() };
    assert!(matches!(plan(&table, &m, &bad), Err(ExchangeError::Options(_))));
}

#[test]
fn amounts_in_wan_column() {
    let csv = "客户名称,所属行业,客户来源,客户阶段,成交金额（万元）,成交日期,合同编号\n甲,C,展会,成交,12.5,2024年3月1日,HT-1\n乙,C,展会,成交,30000元,20240301,HT-2\n";
    let (_, p) = plan_of(csv.as_bytes(), "a.csv");
    let amounts: Vec<i64> = p.rows.iter().filter_map(|r| r.new.deal.as_ref().map(|d| d.amount.fen())).collect();
    assert_eq!(amounts, vec![12_500_000, 3_000_000]);
}

/// Writes the XLSX fixture: a merged title band over grouped headers, numbers and dates.
fn xlsx_fixture() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook};
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    let f = XFormat::new();
    let date = XFormat::new().set_num_format("yyyy/m/d");
    let r = (|| -> Result<(), rust_xlsxwriter::XlsxError> {
        for (col, h) in [(0u16, "客户名称"), (1, "所属行业"), (8, "客户阶段"), (9, "客户来源")] {
            sheet.merge_range(0, col, 1, col, h, &f)?;
        }
        sheet.merge_range(0, 2, 0, 4, "联系人信息", &f)?;
        sheet.merge_range(0, 5, 0, 7, "成交信息", &f)?;
        for (col, h) in [(2u16, "姓名"), (3, "电话"), (4, "邮箱"), (5, "金额"), (6, "日期"), (7, "合同编号")]
        {
            sheet.write_string(1, col, h)?;
        }
        // Row 3: a won customer, phone as a number cell, an Excel date cell.
        sheet.write_string(2, 0, "苏州恒瑞精密机械有限公司")?;
        sheet.write_string(2, 1, "C")?;
        sheet.write_string(2, 2, "王小明")?;
        sheet.write_number(2, 3, 13_800_138_000.0)?;
        sheet.write_string(2, 4, "wang@hengrui.cn")?;
        sheet.write_number(2, 5, 128_000.5)?;
        sheet.write_datetime_with_format(2, 6, &ExcelDateTime::from_ymd(2024, 3, 1)?, &date)?;
        sheet.write_string(2, 7, "HT-1")?;
        sheet.write_string(2, 8, "成交客户")?;
        sheet.write_string(2, 9, "展会")?;
        // Row 4: intent, landline as text.
        sheet.write_string(3, 0, "上海明达精密机械有限公司")?;
        sheet.write_string(3, 1, "制造业")?;
        sheet.write_string(3, 2, "李四")?;
        sheet.write_string(3, 3, "021-12345678")?;
        sheet.write_string(3, 8, "意向客户")?;
        sheet.write_string(3, 9, "转介绍")?;
        // Row 5: a won customer whose date is a bare serial number.
        sheet.write_string(4, 0, "宏远贸易有限公司")?;
        sheet.write_string(4, 1, "F")?;
        sheet.write_number(4, 5, 50_000.0)?;
        sheet.write_number(4, 6, 45_352.0)?;
        sheet.write_string(4, 7, "HT-2")?;
        sheet.write_string(4, 8, "成交客户")?;
        sheet.write_string(4, 9, "展会")?;
        // Row 6: an impossible date.
        sheet.write_string(5, 0, "坏日期有限公司")?;
        sheet.write_string(5, 1, "C")?;
        sheet.write_number(5, 5, 1000.0)?;
        sheet.write_string(5, 6, "2024-02-30")?;
        sheet.write_string(5, 7, "HT-3")?;
        sheet.write_string(5, 8, "成交客户")?;
        sheet.write_string(5, 9, "展会")?;
        // Rows 7-8: one customer name merged over its two contacts.
        sheet.merge_range(6, 0, 7, 0, "东方物流有限公司", &f)?;
        for (row, name, phone) in [(6u32, "张三", "13900139000"), (7, "李五", "13700137000")] {
            sheet.write_string(row, 1, "G")?;
            sheet.write_string(row, 2, name)?;
            sheet.write_string(row, 3, phone)?;
            sheet.write_string(row, 8, "潜在客户")?;
            sheet.write_string(row, 9, "展会")?;
        }
        Ok(())
    })();
    r.unwrap_or_else(|e| panic!("{e}"));
    wb.save_to_buffer().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn xlsx_with_merged_headers_and_dates() {
    let bytes = xlsx_fixture();
    let (table, p) = plan_of(&bytes, "客户.xlsx");
    assert!(matches!(table.format, Format::Xlsx { .. }));
    assert_eq!(table.header_row, 2);
    assert_eq!(table.label(2), "联系人信息/姓名");
    assert_eq!(table.label(0), "客户名称");
    assert_eq!(p.total_rows, 6);
    assert_eq!(p.rows.iter().map(|r| r.row).collect::<Vec<_>>(), vec![3, 4, 5, 7]);
    assert_eq!(p.rejected.len(), 1, "{:?}", p.rejected);
    let rej = &p.rejected[0];
    assert_eq!((rej.row, rej.column.as_str(), rej.value.as_str()), (6, "成交信息/日期", "2024-02-30"));
    assert!(rej.reason.contains("not a real calendar day"));
    assert_eq!(p.merged.len(), 1);
    assert_eq!((p.merged[0].row, p.merged[0].into_row, p.merged[0].contact_added), (8, 7, true));

    let hengrui = &p.rows[0].new;
    assert_eq!(hengrui.contacts[0].name, "王小明");
    assert_eq!(hengrui.contacts[0].phone.as_deref(), Some("13800138000"));
    let deal = hengrui.deal.clone().unwrap_or_else(|| panic!("no deal"));
    assert_eq!((deal.amount, deal.date), (Money(12_800_050), d(2024, 3, 1)));
    assert_eq!(p.rows[1].new.contacts[0].phone.as_deref(), Some("021-12345678"));
    assert_eq!(p.rows[1].new.industry.as_deref(), Some("C"));
    let serial = p.rows[2].new.deal.clone().unwrap_or_else(|| panic!("no deal"));
    assert_eq!((serial.amount, serial.date), (Money(5_000_000), d(2024, 3, 1)));
    let names: Vec<&str> = p.rows[3].new.contacts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["张三", "李五"]);
}

#[test]
fn email_in_the_phone_column() {
    let csv = "客户名称,所属行业,客户来源,联系人,联系方式\n甲,C,展会,王,wang@jia.cn\n乙,C,展会,李,wang@\n";
    let (_, p) = plan_of(csv.as_bytes(), "a.csv");
    assert_eq!(p.rows.len(), 1);
    assert_eq!(p.rows[0].new.contacts[0].email.as_deref(), Some("wang@jia.cn"));
    assert_eq!(p.rows[0].new.contacts[0].phone, None);
    assert_eq!((p.rejected[0].row, p.rejected[0].column.as_str()), (3, "联系方式"));
}
