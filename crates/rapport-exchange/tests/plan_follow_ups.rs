//! Follow-up columns (跟进记录, 跟进内容, 最近跟进 with a date) become follow-ups on the
//! customer, not custom fields (issue 12, point 2).

use rapport_exchange::{plan, read_table, ImportOptions, ImportPlan, Mapping};
use rapport_model::Channel;

fn plan_csv(csv: &str) -> ImportPlan {
    let table = read_table(csv.as_bytes(), "follow.csv").unwrap_or_else(|e| panic!("{e}"));
    plan(&table, &Mapping::builtin(), &ImportOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn follow_up_columns_become_follow_ups() {
    let p = plan_csv(
        "客户名称,所属行业,客户来源,跟进记录,最近跟进\n\
         甲公司,C,展会,上门拜访，客户有意向,2024-03-05\n\
         乙公司,C,展会,2024/4/1 微信沟通报价,\n\
         丙公司,C,展会,客户说下月再联系,\n\
         丁公司,C,展会,,2024-05-06\n\
         戊公司,C,展会,,\n",
    );
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    assert!(p.unknown_columns.is_empty(), "{:?}", p.unknown_columns);
    let now = rapport_model::parse_datetime("t", "2026-01-05 09:00").unwrap_or_else(|e| panic!("{e}"));
    let got: Vec<Vec<(String, Channel, String)>> = p
        .rows
        .iter()
        .map(|r| {
            let c = r.new.validate("王芳", now).unwrap_or_else(|e| panic!("{e}"));
            assert!(c.custom.is_empty(), "{:?}", c.custom);
            c.interactions.iter().map(|i| (i.at.to_string(), i.channel, i.summary.clone())).collect()
        })
        .collect();
    let one = |at: &str, ch: Channel, s: &str| vec![(at.to_string(), ch, s.to_string())];
    assert_eq!(
        got,
        vec![
            one("2024-03-05 00:00:00", Channel::Visit, "上门拜访，客户有意向"),
            one("2024-04-01 00:00:00", Channel::Wechat, "2024/4/1 微信沟通报价"),
            // No date anywhere: the import time; no channel named: phone, and the plan says so.
            one("2026-01-05 09:00:00", Channel::Phone, "客户说下月再联系"),
            one("2024-05-06 00:00:00", Channel::Phone, rapport_exchange::FOLLOW_UP_DATE_ONLY),
            vec![],
        ]
    );
    let moved: Vec<(u32, &str, &str)> = p.moved.iter().map(|m| (m.row, m.column.as_str(), m.to.as_str())).collect();
    assert_eq!(
        moved,
        vec![
            (2, "跟进记录", "interaction"),
            (2, "最近跟进", "interaction"),
            (3, "跟进记录", "interaction"),
            (4, "跟进记录", "interaction"),
            (5, "最近跟进", "interaction"),
        ]
    );
    assert!(p.moved[3].reason.contains("channel unknown, recorded as phone"), "{}", p.moved[3].reason);
    assert!(p.moved[3].reason.contains("dated at the import"), "{}", p.moved[3].reason);
}
