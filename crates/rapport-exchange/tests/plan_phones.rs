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

#[test]
fn a_second_phone_column_is_kept() {
    let p = plan_csv(
        "客户名称,所属行业,客户来源,联系人,手机,座机\n\
         甲公司,C,展会,张三,13812345678,021-12345678\n\
         乙公司,C,展会,李四,,0571-8888888\n\
         丙公司,C,展会,王五,13912345678,\n\
         丁公司,C,展会,赵六,13712345678,021-123\n",
    );
    let phones: Vec<(Option<&str>, Vec<&str>)> = p
        .rows
        .iter()
        .map(|r| {
            let c = &r.new.contacts[0];
            (c.phone.as_deref(), c.other_phones.iter().map(String::as_str).collect())
        })
        .collect();
    assert_eq!(
        phones,
        vec![
            (Some("13812345678"), vec!["021-12345678"]),
            (Some("0571-8888888"), vec![]),
            (Some("13912345678"), vec![]),
        ]
    );
    assert!(p.repeated_columns.is_empty(), "{:?}", p.repeated_columns);
    // A bad number in the second column is refused naming that column.
    let cols: Vec<(u32, &str, &str)> =
        p.rejected.iter().map(|r| (r.row, r.column.as_str(), r.value.as_str())).collect();
    assert_eq!(cols, vec![(5, "座机", "021-123")]);
    // Every planned contact passes the model, other phones included.
    for r in &p.rows {
        let c = r.new.validate("t", chrono::NaiveDateTime::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.contacts[0].other_phones, r.new.contacts[0].other_phones);
    }
}

/// Name, phone, other phones, email, position.
type ContactView<'a> = (&'a str, Option<&'a str>, Vec<&'a str>, Option<&'a str>, Option<&'a str>);

#[test]
fn folded_rows_keep_the_same_contact_once_with_the_union_of_its_fields() {
    let p = plan_csv(
        "客户名称,所属行业,客户来源,联系人,职位,手机,座机,邮箱\n\
         甲公司,C,展会,张伟,,13812345678,,\n\
         甲公司,C,展会,张伟,经理,13812345678,021-12345678,zw@jia.cn\n\
         甲公司,C,展会,张伟,,,021-12345678,\n\
         甲公司,C,展会,李娜,,13912345678,,\n\
         甲公司,C,展会,张伟先生,总监,,,zw@jia.cn\n",
    );
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    assert_eq!(p.rows.len(), 1);
    let contacts: Vec<ContactView<'_>> = p.rows[0]
        .new
        .contacts
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.phone.as_deref(),
                c.other_phones.iter().map(String::as_str).collect(),
                c.email.as_deref(),
                c.position.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        contacts,
        vec![
            ("张伟", Some("13812345678"), vec!["021-12345678"], Some("zw@jia.cn"), Some("经理")),
            ("李娜", Some("13912345678"), vec![], None, None),
        ]
    );
    // Row 6 is the same contact by email but names and positions differ: reported, not lost silently.
    let lost: Vec<(u32, &str, &str)> =
        p.not_stored.iter().map(|n| (n.row, n.column.as_str(), n.value.as_str())).collect();
    assert_eq!(lost, vec![(6, "联系人", "张伟先生"), (6, "职位", "总监")]);
}

#[test]
fn a_cell_holding_two_contacts_is_split_or_refused() {
    let p = plan_csv(
        "客户名称,所属行业,客户来源,联系人,联系电话\n\
         甲公司,C,展会,张三 13812345678；李四 13912345678,\n\
         乙公司,C,展会,王五、赵六,13712345678/13612345678\n\
         丙公司,C,展会,\"钱七\n孙八\",\n\
         丁公司,C,展会,周九；吴十,13512345678\n\
         戊公司,C,展会,郑一 13412345678,\n",
    );
    let names = |i: usize| -> Vec<(String, Option<String>)> {
        p.rows[i].new.contacts.iter().map(|c| (c.name.clone(), c.phone.clone())).collect()
    };
    let s = |n: &str, ph: Option<&str>| (n.to_string(), ph.map(str::to_string));
    assert_eq!(names(0), vec![s("张三", Some("13812345678")), s("李四", Some("13912345678"))]);
    assert_eq!(names(1), vec![s("王五", Some("13712345678")), s("赵六", Some("13612345678"))]);
    assert_eq!(names(2), vec![s("钱七", None), s("孙八", None)]);
    assert_eq!(names(3), vec![s("郑一", Some("13412345678"))]);
    assert!(p.rows.iter().all(|r| r.new.contacts.iter().filter(|c| c.primary).count() == 1));
    // Two names and one number: whose is it? Refused, saying why.
    assert_eq!(p.rejected.len(), 1, "{:?}", p.rejected);
    let r = &p.rejected[0];
    assert_eq!((r.row, r.column.as_str(), r.value.as_str()), (5, "联系人", "周九；吴十"));
    assert!(r.reason.contains("2 contacts"), "{}", r.reason);
}
