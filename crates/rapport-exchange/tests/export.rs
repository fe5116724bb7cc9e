//! Export round trips: customers → CSV or XLSX → read → plan gives the same customers
//! (all fields with reveal; masked contact fields skipped without). Also JSON Lines and
//! field lists.

use rapport_exchange::{
    plan, read_table, write_csv, write_jsonl, write_xlsx, Field, Fill, ImportOptions, ImportPlan, Mapping,
};
use rapport_model::{Address, Customer, Date, DateTime, Deal, Kind, Money, NewContact, NewCustomer, Stage};

fn at(y: i32, m: u32, d: u32) -> DateTime {
    Date::from_ymd_opt(y, m, d).unwrap_or_default().and_hms_opt(9, 30, 0).unwrap_or_default()
}

fn customers() -> Vec<Customer> {
    let won = NewCustomer {
        kind: Some(Kind::Company),
        name: "苏州恒瑞精密机械有限公司".into(),
        credit_code: Some("91350100M000100Y43".into()),
        industry: Some("C".into()),
        size: Some("100-500".into()),
        revenue_band: Some("5000万-1亿".into()),
        address: Address {
            province: Some("江苏".into()),
            city: Some("苏州".into()),
            district: Some("工业园区".into()),
            street: Some("星湖街 328 号".into()),
        },
        source: Some("trade_show".into()),
        stage: Some(Stage::Won),
        deal: Some(Deal {
            amount: Money(12_800_050),
            date: Date::from_ymd_opt(2024, 3, 1).unwrap_or_default(),
            contract_no: "HT-2024-001".into(),
        }),
        owner: Some("王芳".into()),
        notes: Some("=SUM(A1)\n第二行, 带逗号 \"引号\"".into()),
        priority: true,
        tags: ["大客户".to_string(), "展会2024".to_string()].into_iter().collect(),
        custom: [("平均客单价".to_string(), "1200".to_string())].into_iter().collect(),
        contacts: vec![
            NewContact {
                name: "王小明".into(),
                position: Some("采购经理".into()),
                phone: Some("13800138000".into()),
                email: Some("wang@hengrui.cn".into()),
                wechat: Some("wxm_2024".into()),
                primary: true,
                other_phones: Vec::new(),
            },
            NewContact { name: "李娜".into(), phone: Some("13700137000".into()), ..NewContact::default() },
        ],
        ..NewCustomer::default()
    };
    let mut needs = won.clone();
    needs.name = "Acme Trading Co., Ltd.".into();
    needs.credit_code = None;
    needs.stage = Some(Stage::Intent);
    needs.deal = None;
    needs.priority = false;
    needs.notes = None;
    needs.tags.clear();
    needs.custom.clear();
    needs.industry = Some("F".into());
    needs.source = Some("referral".into());
    needs.needs.pain_points = Some("交期长".into());
    needs.needs.timeline = Some("Q3".into());
    needs.needs.budget = Some("50万".into());
    needs.needs.decision_chain.purchaser = Some("Tom".into());
    needs.needs.decision_chain.evaluator = Some("Ann".into());
    needs.needs.decision_chain.approver = Some("CEO".into());
    needs.contacts = vec![NewContact {
        name: "Tom".into(),
        phone: Some("+442071234567".into()),
        email: Some("tom@acme.com".into()),
        ..NewContact::default()
    }];
    let person = NewCustomer {
        kind: Some(Kind::Person),
        name: "张三".into(),
        source: Some("待补充".into()),
        ..NewCustomer::default()
    };
    let lost = NewCustomer {
        kind: Some(Kind::Company),
        name: "-北京数据科技有限公司".into(),
        industry: Some("I".into()),
        source: Some("inbound".into()),
        stage: Some(Stage::Lost),
        lost_reason: Some("竞品价格更低".into()),
        contacts: vec![NewContact {
            name: "赵六".into(),
            phone: Some("010-12345678-801".into()),
            ..NewContact::default()
        }],
        ..NewCustomer::default()
    };
    [won, needs, person, lost]
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut c = n.validate("Li Wei", at(2024, 1, 10 + i as u32)).unwrap_or_else(|e| panic!("{e}"));
            c.number = format!("MFG-2024-K3Q7MX-{:03}", i + 1);
            c
        })
        .collect()
}

fn fields() -> Vec<Field> {
    let mut f = Field::defaults();
    f.push(Field::Custom("平均客单价".into()));
    f
}

fn reimport(bytes: &[u8], name: &str) -> ImportPlan {
    let t = read_table(bytes, name).unwrap_or_else(|e| panic!("{e}"));
    plan(&t, &Mapping::builtin(), &ImportOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Rebuilds the customer a planned row would create, with the original's ids and times,
/// keeping only the primary contact (exports carry one contact).
fn rebuilt(p: &rapport_exchange::PlannedRow, orig: &Customer) -> (Customer, Customer) {
    let mut c = p.new.validate(&orig.entered_by, orig.created_at).unwrap_or_else(|e| panic!("{e}"));
    c.id = orig.id;
    c.number = p.number.clone().unwrap_or_default();
    let mut want = orig.clone();
    want.contacts.truncate(1);
    for (a, b) in c.contacts.iter_mut().zip(&want.contacts) {
        a.id = b.id.clone();
    }
    (c, want)
}

fn check_revealed(plan: &ImportPlan, orig: &[Customer]) {
    assert!(plan.rejected.is_empty(), "{:?}", plan.rejected);
    assert!(plan.unknown_columns.is_empty(), "{:?}", plan.unknown_columns);
    assert_eq!(plan.rows.len(), orig.len());
    for (p, o) in plan.rows.iter().zip(orig) {
        let (got, want) = rebuilt(p, o);
        assert_eq!(got, want);
        assert_eq!(p.created, Some(o.created_at.date()));
        assert!(p.filled.iter().all(|f| f.why != Fill::Unknown), "{:?}", p.filled);
    }
}

#[test]
fn csv_round_trip_revealed() {
    let orig = customers();
    let mut out = Vec::new();
    let n = write_csv(&mut out, &fields(), &orig, true).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n, 4);
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with('\u{feff}'));
    // Formula-like cells are defused for Excel and restored on import.
    assert!(text.contains("\"'=SUM(A1)\n"), "{text}");
    assert!(text.contains(",'+442071234567,"), "{text}");
    check_revealed(&reimport(&out, "export.csv"), &orig);
}

#[test]
fn xlsx_round_trip_revealed() {
    let orig = customers();
    let mut out = std::io::Cursor::new(Vec::new());
    let n = write_xlsx(&mut out, &fields(), &orig, true).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n, 4);
    check_revealed(&reimport(out.get_ref(), "export.xlsx"), &orig);
}

#[test]
fn masked_round_trip_skips_contact_data() {
    let orig = customers();
    for (bytes, name) in [
        {
            let mut out = Vec::new();
            write_csv(&mut out, &fields(), &orig, false).unwrap_or_else(|e| panic!("{e}"));
            (out, "export.csv")
        },
        {
            let mut out = std::io::Cursor::new(Vec::new());
            write_xlsx(&mut out, &fields(), &orig, false).unwrap_or_else(|e| panic!("{e}"));
            (out.into_inner(), "export.xlsx")
        },
    ] {
        let text = String::from_utf8_lossy(&bytes);
        if name.ends_with(".csv") {
            assert!(text.contains("138****8000") && text.contains("wa***@hengrui.cn") && text.contains("wx***"));
            assert!(!text.contains("13800138000") && !text.contains("wxm_2024"));
        }
        let plan = reimport(&bytes, name);
        assert!(plan.rejected.is_empty(), "{:?}", plan.rejected);
        assert_eq!(plan.rows.len(), 4);
        for (p, o) in plan.rows.iter().zip(&orig) {
            let (mut got, mut want) = rebuilt(p, o);
            for c in got.contacts.iter_mut().chain(want.contacts.iter_mut()) {
                c.phone = None;
                c.email = None;
                c.wechat = None;
            }
            assert_eq!(got, want);
            let masked: Vec<String> = plan
                .not_stored
                .iter()
                .filter(|n| n.row == p.row && n.reason.contains("masked"))
                .map(|n| n.column.clone())
                .collect();
            let primary = o.primary_contact();
            let expected = [
                (Field::ContactPhone, primary.and_then(|c| c.phone.as_ref())),
                (Field::ContactEmail, primary.and_then(|c| c.email.as_ref())),
                (Field::ContactWechat, primary.and_then(|c| c.wechat.as_ref())),
            ];
            let want_masked: Vec<String> =
                expected.iter().filter(|(_, v)| v.is_some()).map(|(f, _)| f.header()).collect();
            assert_eq!(masked, want_masked, "{}", o.name);
        }
    }
}

#[test]
fn jsonl_and_field_lists() {
    let orig = customers();
    let fields = Field::parse_list("number,name,stage,kind,deal_amount,priority,tags,contact_phone,custom:平均客单价")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    assert_eq!(write_jsonl(&mut out, &fields, &orig, false).ok(), Some(4));
    let text = String::from_utf8_lossy(&out);
    let lines: Vec<serde_json::Value> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert_eq!(lines.len(), 4);
    let first = &lines[0];
    assert_eq!(first["number"], "MFG-2024-K3Q7MX-001");
    assert_eq!(first["stage"], "won");
    assert_eq!(first["kind"], "company");
    assert_eq!(first["deal_amount"], "128000.50");
    assert_eq!(first["priority"], true);
    assert_eq!(first["tags"], serde_json::json!(["大客户", "展会2024"]));
    assert_eq!(first["contact_phone"], "138****8000");
    assert_eq!(first["custom:平均客单价"], "1200");
    assert_eq!(lines[2]["deal_amount"], serde_json::Value::Null);
    let e = Field::parse_list("name,colour").err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("`colour`") && e.contains("contact_phone"), "{e}");
    // Export-only fields are written but ignored on import.
    let mut out = Vec::new();
    let f = vec![Field::Name, Field::Industry, Field::Source, Field::EnteredBy, Field::LastInteraction];
    write_csv(&mut out, &f, &orig, false).unwrap_or_else(|e| panic!("{e}"));
    let p = reimport(&out, "e.csv");
    assert!(p.rejected.is_empty() && p.unknown_columns.is_empty(), "{p:?}");
    assert_eq!(p.rows.len(), 4);
}
