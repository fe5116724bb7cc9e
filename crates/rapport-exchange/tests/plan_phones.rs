//! Phones in imported sheets (issue 12, points 2 and 3): landlines and service numbers are
//! accepted in their canonical forms, and a second phone column (手机 and 座机/电话) is kept.

use rapport_exchange::{plan, read_table, ImportOptions, ImportPlan, Mapping};

fn plan_csv(csv: &str) -> ImportPlan {
    let table = read_table(csv.as_bytes(), "phones.csv").unwrap_or_else(|e| panic!("{e}"));
    plan(&table, &Mapping::builtin(), &ImportOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn landlines_and_service_numbers_are_accepted() {
    let p = plan_csv(
        "客户名称,所属行业,客户来源,联系人,联系电话\n\
         甲公司,C,展会,张三,400-800-1234\n\
         乙公司,C,展会,李四,8001234567\n\
         丙公司,C,展会,王五,87654321\n\
         丁公司,C,展会,赵六,0571-8888888\n\
         戊公司,C,展会,钱七,010-12345678转123\n",
    );
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    let phones: Vec<&str> = p.rows.iter().filter_map(|r| r.new.contacts[0].phone.as_deref()).collect();
    assert_eq!(phones, vec!["400-800-1234", "800-123-4567", "87654321", "0571-8888888", "010-12345678-123"]);
}
