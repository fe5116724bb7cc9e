//! First imports of legacy sheets go through (issue 12, point 3) and no value is dropped
//! without a word (point 2): won rows without deal date or contract number are flagged
//! 待补充, totals and note rows are skipped and counted, amounts on rows that are not won
//! become the budget, and every cell not stored is listed with row, column, value, reason.

use rapport_exchange::{plan, read_table, Field, Fill, ImportOptions, ImportPlan, Mapping, TO_FILL};
use rapport_model::{Money, Stage};

fn plan_csv(csv: &str) -> ImportPlan {
    let table = read_table(csv.as_bytes(), "legacy.csv").unwrap_or_else(|e| panic!("{e}"));
    plan(&table, &Mapping::builtin(), &ImportOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn flags(p: &ImportPlan, i: usize) -> Vec<&str> {
    p.rows[i].new.to_fill.iter().map(String::as_str).collect()
}

#[test]
fn won_rows_without_deal_date_or_contract_are_flagged_not_rejected() {
    let p = plan_csv(
        "客户名称,所属行业,客户来源,客户阶段,成交金额,成交日期,合同编号\n\
         甲公司,C,展会,成交客户,50000,2023-05-01,\n\
         乙公司,C,展会,成交客户,80000,,HT-7\n\
         丙公司,C,,成交客户,,,\n\
         丁公司,C,展会,成交客户,90000,2023-01-02,HT-1\n",
    );
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    assert_eq!(p.rows.len(), 4);

    // Amount and date known: the deal is recorded, its contract number reads 待补充.
    let a = &p.rows[0].new;
    assert_eq!(a.stage, Some(Stage::Won));
    let deal = a.deal.clone().unwrap_or_else(|| panic!("deal"));
    assert_eq!((deal.amount, deal.contract_no.as_str()), (Money::yuan(50_000), TO_FILL));
    assert_eq!(flags(&p, 0), vec!["deal.contract_no"]);

    // No date: no deal record; the amount waits as a custom field, the row says where.
    let b = &p.rows[1].new;
    assert_eq!(b.deal, None);
    assert_eq!(flags(&p, 1), vec!["deal.date"]);
    assert_eq!(b.custom.get("成交金额").map(String::as_str), Some("80000"));
    assert_eq!(b.custom.get("合同编号").map(String::as_str), Some("HT-7"));
    let moved: Vec<(u32, &str, &str)> = p.moved.iter().map(|m| (m.row, m.column.as_str(), m.to.as_str())).collect();
    assert_eq!(moved, vec![(3, "成交金额", "custom:成交金额"), (3, "合同编号", "custom:合同编号")]);

    // Nothing but the stage: every deal field flagged, and the missing source too.
    assert_eq!(flags(&p, 2), vec!["deal.amount", "deal.contract_no", "deal.date", "source"]);
    let marked: Vec<Field> =
        p.rows[2].filled.iter().filter(|f| f.why == Fill::ToFill).map(|f| f.field.clone()).collect();
    assert_eq!(marked, vec![Field::Source, Field::DealAmount, Field::DealDate, Field::ContractNo]);

    // A complete row is not flagged.
    assert!(flags(&p, 3).is_empty());

    // Every planned customer is one the model accepts, flag included.
    for r in &p.rows {
        let c = r.new.validate("tester", chrono::NaiveDateTime::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.to_fill, r.new.to_fill);
    }
}

#[test]
fn a_bad_deal_value_on_a_won_row_is_still_refused() {
    let p = plan_csv("客户名称,所属行业,客户来源,客户阶段,成交金额,成交日期\n甲公司,C,展会,成交客户,abc,昨天\n");
    let cols: Vec<&str> = p.rejected.iter().map(|r| r.column.as_str()).collect();
    assert_eq!(cols, vec!["成交金额", "成交日期"]);
    assert!(p.rows.is_empty());
}

#[test]
fn totals_and_note_rows_are_skipped_and_counted() {
    let p = plan_csv(
        "客户名称,所属行业,客户来源,成交金额\n\
         甲公司,C,展会,100\n\
         合计,,,100\n\
         小 计,,,\n\
         总计：,,,100\n\
         注：金额单位为元,,,\n\
         说明:本表每月更新,,,\n\
         ,,,200\n\
         ,合计,,300\n",
    );
    // A row of bare numbers without a label is no totals row: it has no name.
    assert!(p.rejected.iter().all(|r| r.row == 8), "{:?}", p.rejected);
    let skipped: Vec<(u32, &str)> = p.skipped.iter().map(|s| (s.row, s.label.as_str())).collect();
    assert_eq!(
        skipped,
        vec![(3, "合计"), (4, "小 计"), (5, "总计："), (6, "注：金额单位为元"), (7, "说明:本表每月更新"), (9, "合计")]
    );
    assert_eq!(p.rows.iter().map(|r| r.new.name.as_str()).collect::<Vec<_>>(), vec!["甲公司"]);

    // With a default industry a totals row still never becomes a customer.
    let table =
        read_table("客户名称,客户来源\n甲公司,展会\n合计,\n".as_bytes(), "t.csv").unwrap_or_else(|e| panic!("{e}"));
    let options = ImportOptions { default_industry: Some("C".into()), ..ImportOptions::default() };
    let p = plan(&table, &Mapping::builtin(), &options).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.rows.len(), 1);
    assert_eq!(p.skipped.len(), 1);
    assert!(p.is_clean());
}

#[test]
fn amounts_on_rows_that_are_not_won_become_the_budget() {
    let p = plan_csv(
        "客户名称,所属行业,客户来源,客户阶段,成交金额,成交日期,合同编号,预算\n\
         甲公司,C,展会,意向客户,12万,,,\n\
         乙公司,C,展会,潜在客户,30000,2024-01-01,HT-1,\n\
         丙公司,C,展会,意向客户,5000,,,2-3万\n",
    );
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    assert_eq!(p.rows[0].new.needs.budget.as_deref(), Some("12万"));
    assert_eq!(p.rows[1].new.needs.budget.as_deref(), Some("30000"));
    assert_eq!(p.rows[2].new.needs.budget.as_deref(), Some("2-3万"));
    let moved: Vec<(u32, &str, &str)> = p.moved.iter().map(|m| (m.row, m.value.as_str(), m.to.as_str())).collect();
    assert_eq!(moved, vec![(2, "12万", "budget"), (3, "30000", "budget")]);
    // What has no place is listed cell by cell, never as a count.
    let dropped: Vec<(u32, &str, &str)> =
        p.not_stored.iter().map(|n| (n.row, n.column.as_str(), n.value.as_str())).collect();
    assert_eq!(dropped, vec![(3, "成交日期", "2024-01-01"), (3, "合同编号", "HT-1"), (4, "成交金额", "5000")]);
    assert!(p.not_stored.iter().all(|n| n.reason.contains("won customer")), "{:?}", p.not_stored);
}

#[test]
fn every_cell_not_stored_is_listed_with_its_reason() {
    let p = plan_csv(
        "客户名称,所属行业,客户来源,客户阶段,流失原因,联系人,联系电话,录入人\n\
         甲公司,C,展会,意向客户,价格高,张三,138****5678,王芳\n",
    );
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    let got: Vec<(u32, &str, &str)> =
        p.not_stored.iter().map(|n| (n.row, n.column.as_str(), n.value.as_str())).collect();
    assert_eq!(got, vec![(2, "流失原因", "价格高"), (2, "联系电话", "138****5678"), (2, "录入人", "王芳")]);
    assert!(p.not_stored[0].reason.contains("lost customer"));
    assert!(p.not_stored[1].reason.contains("masked"));
    // The per-field markers stay too (the node counts them), each cell also listed above.
    let marked: Vec<(Field, Fill)> = p.rows[0]
        .filled
        .iter()
        .filter(|f| matches!(f.why, Fill::Dropped | Fill::Masked))
        .map(|f| (f.field.clone(), f.why))
        .collect();
    assert_eq!(marked, vec![(Field::LostReason, Fill::Dropped), (Field::ContactPhone, Fill::Masked)]);
}
