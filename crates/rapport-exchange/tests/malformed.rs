//! Files that are not customer sheets give a clear error and never a panic: empty files,
//! header-only sheets, binary garbage, undecodable text, truncated or fake workbooks.

use rapport_exchange::{plan, read_table, ExchangeError, ImportOptions, Mapping};

fn err(bytes: &[u8], name: &str) -> ExchangeError {
    match read_table(bytes, name) {
        Ok(t) => panic!("{name}: read {t:?}"),
        Err(e) => e,
    }
}

fn small_xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    let r = (|| -> Result<(), rust_xlsxwriter::XlsxError> {
        sheet.write_string(0, 0, "客户名称")?;
        sheet.write_string(0, 1, "所属行业")?;
        for row in 1..50u32 {
            sheet.write_string(row, 0, format!("公司{row}"))?;
            sheet.write_string(row, 1, "C")?;
        }
        Ok(())
    })();
    r.unwrap_or_else(|e| panic!("{e}"));
    wb.save_to_buffer().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn empty_and_header_only() {
    assert_eq!(err(b"", "a.csv"), ExchangeError::Empty);
    assert_eq!(err(b"  \r\n\n", "a.csv"), ExchangeError::Empty);
    assert_eq!(err(b"\xEF\xBB\xBF", "a.csv"), ExchangeError::Empty);
    assert_eq!(err("客户名称,所属行业\n".as_bytes(), "a.csv"), ExchangeError::NoRows { header_row: 1 });
    assert_eq!(err("标题\n\n客户名称,所属行业\n,,\n".as_bytes(), "a.csv"), ExchangeError::NoRows { header_row: 3 });
    let e = err(b"a,b\n1,2\n", "a.csv");
    assert!(matches!(&e, ExchangeError::NoHeader { first_row } if first_row == "a | b"), "{e}");
    assert!(e.to_string().contains("客户名称"));
    // An XLSX whose only sheet is empty, and one with headers only.
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet();
    let bytes = wb.save_to_buffer().unwrap_or_default();
    assert_eq!(err(&bytes, "a.xlsx"), ExchangeError::Empty);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let _ = wb.add_worksheet().write_string(0, 0, "客户名称");
    let bytes = wb.save_to_buffer().unwrap_or_default();
    assert_eq!(err(&bytes, "a.xlsx"), ExchangeError::NoRows { header_row: 1 });
}

#[test]
fn no_name_column_is_a_plan_error() {
    let t = read_table("所属行业,联系电话\nC,13800138000\n".as_bytes(), "a.csv").unwrap_or_else(|e| panic!("{e}"));
    let e = plan(&t, &Mapping::builtin(), &ImportOptions::default()).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("客户名称") && e.contains("所属行业, 联系电话"), "{e}");
}

#[test]
fn binary_and_undecodable_text() {
    let e = err(b"\x7FELF\x02\x01\x01\x00\x00\x00garbage", "a.csv");
    assert!(matches!(e, ExchangeError::Encoding(_)), "{e}");
    let e = err(&[0xFF, 0xFF, 0x80, 0x81, 0xFE, 0x30, 0xFF, b'\n'], "a.csv");
    assert!(matches!(e, ExchangeError::Encoding(_)), "{e}");
    assert!(e.to_string().contains("GBK"), "{e}");
    let e = err(b"\xEF\xBB\xBF\xFF\xFE", "a.csv");
    assert!(matches!(e, ExchangeError::Encoding(_)), "{e}");
    let ctl: Vec<u8> = (0..200u8).map(|i| if i % 3 == 0 { 0x01 } else { b'a' }).collect();
    assert!(matches!(err(&ctl, "a.csv"), ExchangeError::Encoding(_)));
}

#[test]
fn fake_and_truncated_workbooks() {
    let e = err(b"PK\x03\x04not really a zip", "a.xlsx");
    assert!(matches!(e, ExchangeError::Xlsx(_)), "{e}");
    let e = err("客户名称\n甲\n".as_bytes(), "renamed.xlsx");
    assert!(matches!(e, ExchangeError::Xlsx(_)), "{e}");
    let e = err(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0], "old.xls");
    assert!(matches!(e, ExchangeError::Unsupported(_)), "{e}");
    let whole = small_xlsx();
    assert!(read_table(&whole, "a.xlsx").is_ok());
    // Cut anywhere: an error (or, if the cut spares everything needed, a table), no panic.
    for cut in (4..whole.len()).step_by(97) {
        if let Err(e) = read_table(&whole[..cut], "a.xlsx") {
            assert!(!e.to_string().is_empty());
        }
    }
    // Corrupt bytes in the middle.
    for at in (100..whole.len()).step_by(211) {
        let mut b = whole.clone();
        for x in b.iter_mut().skip(at).take(16) {
            *x ^= 0x5A;
        }
        let _ = read_table(&b, "a.xlsx");
    }
}

#[test]
fn random_bytes_never_panic() {
    // A small deterministic generator: the same garbage on every run.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet: Vec<u8> = "客户名称,所属行业\n\"'=;\t13800138000 2024/3/1 万元".bytes().collect();
    for i in 0..400 {
        let len = (next() % 300) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                let r = next();
                if i % 2 == 0 {
                    r as u8
                } else {
                    alphabet[(r % alphabet.len() as u64) as usize]
                }
            })
            .collect();
        if let Ok(t) = read_table(&bytes, "x.csv") {
            let _ = plan(&t, &Mapping::builtin(), &ImportOptions::default());
        }
    }
}
