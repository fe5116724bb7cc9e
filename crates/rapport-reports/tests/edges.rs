//! Edge cases: an empty book, one customer, all revenue in one customer, a window that
//! excludes everything, hostile text. Nothing divides by zero or panics, and every
//! renderer copes.

use rapport_model::{CustomerId, Date, Kind, Money, Stage};
use rapport_reports::*;
use rapport_rules::{day_of, DealFact, Facts, OrderFact};

fn d(y: i32, m: u32, day: u32) -> Date {
    Date::from_ymd_opt(y, m, day).expect("valid date")
}

fn facts(n: u32, stage: Stage, orders: &[i64]) -> Facts {
    let mut id = [0u8; 16];
    id[..4].copy_from_slice(&n.to_be_bytes());
    Facts {
        id: CustomerId(id),
        number: format!("N{n:03}"),
        name: format!("客户{n}"),
        kind: Kind::Person,
        stage,
        industry: "C".into(),
        source: "展会".into(),
        owner: "Li".into(),
        created: day_of(d(2024, 1, 1)),
        priority: false,
        archived: false,
        manual_tags: vec![],
        custom: vec![],
        deal: (stage == Stage::Won).then(|| DealFact { day: day_of(d(2024, 2, 1)), amount: 100_000 }),
        orders: orders
            .iter()
            .map(|fen| OrderFact { day: day_of(d(2024, 3, 1)), amount: *fen, category: String::new() })
            .collect(),
        interactions: vec![],
        services: vec![],
    }
}

fn all(book: &[Facts], window: &Window) -> Vec<Report> {
    let rows: Vec<ReportRow<'_>> =
        book.iter().map(|f| ReportRow { facts: f, rule_tags: &[], tier: None, to_fill: &[] }).collect();
    let reports = compute_all(ReportName::all(), &rows, window, None).expect("valid window");
    // Every renderer copes with whatever came out.
    for r in &reports {
        assert!(render_csv(r).starts_with('\u{feff}'));
        assert!(render_text(r).starts_with(&r.title));
    }
    let page = render_html(&reports, "t", d(2024, 7, 1).and_hms_opt(0, 0, 0).expect("valid time"));
    assert!(page.ends_with("</html>\n"));
    reports
}

fn as_of() -> Window {
    Window::as_of(d(2024, 6, 30))
}

#[test]
fn empty_book() {
    let r = all(&[], &as_of());
    let ReportFigures::Sources(s) = &r[0].figures else { panic!() };
    assert_eq!((s.customers, s.won, s.conversion_bp, s.groups.len()), (0, 0, None, 0));
    // Only the total row, with — for the shares of nothing.
    assert_eq!(r[0].table.rows, vec![vec!["(total)", "0", "—", "0", "—", "0.00", "—"]]);
    let ReportFigures::Funnel(f) = &r[2].figures else { panic!() };
    assert!(f.steps.iter().all(|s| s.reached == 0 && s.conversion_bp.is_none() && s.drop_off_bp.is_none()));
    assert_eq!(f.overall_conversion_bp, None);
    let ReportFigures::Conversion(c) = &r[3].figures else { panic!() };
    assert_eq!((c.all.won, c.all.avg_days, c.all.median_follow_ups, c.all.min_days), (0, None, None, None));
    let ReportFigures::ChurnRisk(c) = &r[5].figures else { panic!() };
    assert_eq!((c.at_risk, c.at_risk_share_bp, c.amount_share_bp), (0, None, None));
    let ReportFigures::Concentration(c) = &r[6].figures else { panic!() };
    assert_eq!((c.buyers, c.top_count, c.top_share_bp, c.curve.len(), c.deciles.len()), (0, 0, None, 0, 10));
    assert!(c.deciles.iter().all(|d| d.customers == 0 && d.revenue_share_bp.is_none()));
    let ReportFigures::Tiers(t) = &r[7].figures else { panic!() };
    assert_eq!((t.customers, t.rows.len()), (0, 4));
    assert!(t.rows.iter().all(|r| r.customers == 0 && r.customer_share_bp == 0 && r.revenue_share_bp == 0));
    assert!(render_text(&r[5]).contains("(no rows)"));
}

#[test]
fn one_customer() {
    let r = all(&[facts(1, Stage::Won, &[123_456])], &as_of());
    let ReportFigures::Sources(s) = &r[0].figures else { panic!() };
    assert_eq!((s.customers, s.won, s.conversion_bp, s.won_amount), (1, 1, Some(10_000), Money(100_000)));
    assert_eq!(s.groups[0].customer_share_bp, Some(10_000));
    let ReportFigures::Funnel(f) = &r[2].figures else { panic!() };
    assert_eq!(f.steps.iter().map(|s| s.reached).collect::<Vec<_>>(), vec![1, 1, 1]);
    let ReportFigures::Conversion(c) = &r[3].figures else { panic!() };
    // Created 2024-01-01, no follow-ups, deal 2024-02-01: 0 follow-ups, 31 days.
    assert_eq!((c.all.won, c.all.avg_follow_ups, c.all.avg_days), (1, Some(Tenths(0)), Some(Tenths(310))));
    let ReportFigures::Concentration(c) = &r[6].figures else { panic!() };
    assert_eq!((c.buyers, c.top_count, c.top_share_bp), (1, 1, Some(10_000)));
    let curve: Vec<(u32, u32)> = c.curve.iter().map(|p| (p.customer_share_bp, p.revenue_share_bp)).collect();
    assert_eq!(curve, vec![(0, 0), (10_000, 10_000)]);
    assert_eq!(c.deciles[0].customers, 1);
    assert_eq!(c.deciles.iter().map(|d| d.customers).sum::<u32>(), 1);
}

#[test]
fn all_revenue_in_one_customer() {
    // One buyer of ¥1,000,000; one whose refund cancels its order (net 0) and one whose net is
    // negative are not buyers; seven never ordered.
    let mut book = vec![
        facts(1, Stage::Won, &[100_000_000]),
        facts(2, Stage::Won, &[5_000, -5_000]),
        facts(3, Stage::Intent, &[-50]),
    ];
    book.extend((4..=10).map(|n| facts(n, Stage::Potential, &[])));
    let r = all(&book, &as_of());
    let ReportFigures::Concentration(c) = &r[6].figures else { panic!() };
    assert_eq!((c.customers, c.buyers, c.revenue, c.top_share_bp), (10, 1, Money(100_000_000), Some(10_000)));

    // Ten buyers, one with ¥1,000,000 and nine with a fen each: the top 2 (ceil(10/5)) hold
    // 100,000,001 of 100,000,009 fen = 99.99999% -> 100.00% after rounding.
    let mut book = vec![facts(1, Stage::Won, &[100_000_000])];
    book.extend((2..=10).map(|n| facts(n, Stage::Potential, &[1])));
    let r = all(&book, &as_of());
    let ReportFigures::Concentration(c) = &r[6].figures else { panic!() };
    assert_eq!((c.buyers, c.top_count, c.top_revenue, c.top_share_bp), (10, 2, Money(100_000_001), Some(10_000)));
    assert_eq!(c.deciles.iter().map(|d| d.customers).collect::<Vec<_>>(), vec![1; 10]);
}

#[test]
fn a_window_that_excludes_everything() {
    let book: Vec<Facts> = (1..=5).map(|n| facts(n, Stage::Won, &[10_000])).collect();
    let w = Window { from: Some(d(2030, 1, 1)), to: Some(d(2030, 12, 31)), ..as_of() };
    let r = all(&book, &w);
    for i in [0, 1] {
        let (ReportFigures::Sources(m) | ReportFigures::Industries(m)) = &r[i].figures else { panic!() };
        assert_eq!((m.customers, m.conversion_bp), (0, None));
    }
    let ReportFigures::Owners(o) = &r[4].figures else { panic!() };
    assert_eq!((o.customers, o.deals_closed, o.owners.len()), (0, 0, 0));
    let ReportFigures::Concentration(c) = &r[6].figures else { panic!() };
    assert_eq!((c.customers, c.buyers, c.top_share_bp), (5, 0, None));
    // State reports ignore the window.
    let ReportFigures::Tiers(t) = &r[7].figures else { panic!() };
    assert_eq!(t.customers, 5);

    // An as-of date before anyone was created empties every report.
    let r = all(&book, &Window::as_of(d(2023, 12, 31)));
    let ReportFigures::Tiers(t) = &r[7].figures else { panic!() };
    assert_eq!(t.customers, 0);
}

#[test]
fn extreme_values_do_not_overflow() {
    let mut a = facts(1, Stage::Won, &[i64::MAX, i64::MAX]);
    a.deal = Some(DealFact { day: i32::MIN, amount: i64::MAX });
    a.created = i32::MIN;
    let mut b = facts(2, Stage::Won, &[i64::MIN]);
    b.deal = Some(DealFact { day: day_of(d(2024, 2, 1)), amount: i64::MAX });
    let r = all(&[a, b], &as_of());
    let ReportFigures::Sources(s) = &r[0].figures else { panic!() };
    assert_eq!(s.won_amount, Money(i64::MAX)); // clamped, not wrapped
    let ReportFigures::Concentration(c) = &r[6].figures else { panic!() };
    assert_eq!((c.buyers, c.revenue), (1, Money(i64::MAX)));
}

#[test]
fn the_funnel_counts_customers_with_fields_to_fill() {
    let book = [facts(1, Stage::Won, &[]), facts(2, Stage::Won, &[]), facts(3, Stage::Intent, &[])];
    let legacy = vec!["deal.contract_no".to_string(), "deal.date".to_string()];
    let source = vec!["source".to_string()];
    let flags: [&[String]; 3] = [&legacy, &[], &source];
    let rows: Vec<ReportRow<'_>> = book
        .iter()
        .zip(flags)
        .map(|(f, to_fill)| ReportRow { facts: f, rule_tags: &[], tier: None, to_fill })
        .collect();
    let r = compute(ReportName::Funnel, &rows, &as_of(), None).expect("funnel");
    let ReportFigures::Funnel(f) = &r.figures else { panic!("{:?}", r.figures) };
    assert_eq!(f.to_fill, 2);
    assert_eq!(
        f.to_fill_by_field,
        vec![("deal.contract_no".to_string(), 1), ("deal.date".to_string(), 1), ("source".to_string(), 1)]
    );
    assert!(
        r.notes.iter().any(|n| n.contains("2 customers of the cohort have key fields still to fill")),
        "{:?}",
        r.notes
    );
}
