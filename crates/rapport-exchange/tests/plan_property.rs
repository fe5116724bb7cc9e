//! Over generated sheets: every data row is planned, folded, rejected or skipped; every
//! non-empty cell of a planned or folded row is stored where its column says, moved to
//! another field, or listed as not stored (issue 12: no value dropped without a word).

use proptest::prelude::*;
use rapport_exchange::{plan, read_table, ImportOptions, Mapping};
use std::collections::BTreeSet;

const HEADERS: [&str; 10] =
    ["客户名称", "所属行业", "客户阶段", "成交金额", "成交日期", "合同编号", "流失原因", "联系人", "手机", "座机"];

fn cell(col: usize) -> BoxedStrategy<String> {
    let pool: &[&str] = match col {
        0 => &["甲公司", "乙公司", "甲公司有限公司", "合计", "注：单位元", "丙\u{200B}公司", ""],
        1 => &["C", "制造业", "", "宇宙"],
        2 => &["成交客户", "意向客户", "流失客户", "", "maybe"],
        3 => &["50000", "12.5万", "", "abc", "0"],
        4 => &["2024-03-01", "", "昨天"],
        5 => &["HT-1", "", "HT-2"],
        6 => &["价格高", ""],
        7 => &["张三", "李四", "张三 13812345678；李四 13912345678", "", "王五、赵六"],
        8 => &["13812345678", "", "138****5678", "12345", "400-800-1234"],
        _ => &["021-12345678", "", "87654321", "021-123"],
    };
    proptest::sample::select(pool.to_vec()).prop_map(str::to_string).boxed()
}

fn sheet() -> impl Strategy<Value = Vec<Vec<String>>> {
    let row = (0..HEADERS.len()).map(cell).collect::<Vec<_>>();
    proptest::collection::vec(row, 1..12)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
    #[test]
    fn every_cell_is_stored_moved_reported_or_in_a_refused_or_skipped_row(rows in sheet()) {
        let mut csv = HEADERS.join(",");
        for r in &rows {
            csv.push('\n');
            csv.push_str(&r.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(","));
        }
        csv.push('\n');
        let Ok(table) = read_table(csv.as_bytes(), "gen.csv") else { return Ok(()) };
        let p = plan(&table, &Mapping::builtin(), &ImportOptions::default()).expect("a name column");
        let planned: BTreeSet<u32> = p.rows.iter().map(|r| r.row).collect();
        let merged: BTreeSet<u32> = p.merged.iter().map(|m| m.row).collect();
        let rejected = p.rejected_rows();
        let skipped: BTreeSet<u32> = p.skipped.iter().map(|s| s.row).collect();
        for r in &table.rows {
            let n = [&planned, &merged, &rejected, &skipped].iter().filter(|s| s.contains(&r.row)).count();
            // A folded row whose first row was refused is in neither list of rows.
            let folded_into_refused = p.merged.iter().any(|m| m.row == r.row && rejected.contains(&m.into_row));
            prop_assert!(n == 1 || (n == 0 && folded_into_refused) || r.cells.iter().all(|c| c.trim().is_empty()),
                "row {} accounted {n} times", r.row);
        }
        for pr in &p.rows {
            prop_assert!(pr.new.validate("t", chrono::NaiveDateTime::default()).is_ok(), "row {}", pr.row);
        }
        // Cells of the deal and lost-reason columns on kept rows: stored, moved or reported.
        let kept: BTreeSet<u32> = planned.union(&merged).copied().collect();
        for r in table.rows.iter().filter(|r| kept.contains(&r.row)) {
            let first = p.rows.iter().find(|x| x.row == r.row)
                .or_else(|| p.merged.iter().find(|m| m.row == r.row).and_then(|m| p.rows.iter().find(|x| x.row == m.into_row)));
            let Some(first) = first else { continue };
            for (col, name) in [(3usize, "成交金额"), (4, "成交日期"), (5, "合同编号"), (6, "流失原因")] {
                let v = table.cell(r, col).trim();
                if v.is_empty() {
                    continue;
                }
                let reported = p.not_stored.iter().any(|x| x.row == r.row && x.column == name)
                    || p.moved.iter().any(|x| x.row == r.row && x.column == name);
                let c = &first.new;
                let stored = match col {
                    3 | 4 => c.deal.is_some() || c.needs.budget.is_some(),
                    5 => c.deal.as_ref().is_some_and(|d| d.contract_no == v) || c.custom.values().any(|x| x == v),
                    _ => c.lost_reason.as_deref() == Some(v),
                };
                // A folded row's value that equals the first row's is stored there.
                prop_assert!(reported || stored || merged.contains(&r.row), "row {} {name}={v} vanished: {:?}", r.row, c);
            }
        }
    }
}
