//! Every report checked against a small book whose numbers were worked out by hand.
//!
//! The book (as of 2024-06-30, so "3 months ago" is 2024-03-30, the 12 months are
//! 2023-07-01..2024-06-30, the last 6 months 2023-12-31..2024-06-30):
//!
//! | no | owner | source | ind | stage | created | deal | orders (≤ as-of) | follow-ups | tier |
//! | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
//! | C01 | Li | 展会 | C | won | 2024-01-10 | 2024-03-01 100,000 | 03-05 60,000; 05-10 40,000 | 01-15 M, 02-01 H, 02-20 | S |
//! | C02 | Li | 展会 | C | won | 2024-02-01 | 2024-03-15 50,000 | 04-01 30,000 | 02-05 H, 02-10, 03-01, 04-01 | B |
//! | C03 | Wang | 转介绍 | F | won | 2023-11-01 | 2024-01-10 200,000 | 01-15 150,000; 06-20 50,000 | 23-11-05, 23-12-01 H, 01-02, 06-01 | S |
//! | C04 | Wang | 线上广告 | I | intent | 2024-03-01 | - | - | 03-05 H, 06-25 M | C (churn rule tag, no signal) |
//! | C05 | Zhang | 展会 | C | potential | 2024-04-01 | - | - | 04-02 L | B |
//! | C06 | Zhang | 线上广告 | I | lost | 2024-01-05 | - | - | 01-06 H, 02-01 L | C (churn rule tag) |
//! | C07 | Li | 转介绍 | J | lost | 2024-02-10 | - | - | 02-11 L | C (churn rule tag) |
//! | C08 | Wang | 展会 | C | dormant | 2023-06-01 | - | - | 23-06-05 | C (churn rule tag) |
//! | C09 | Li | 转介绍 | F | lost | 2023-08-01 | 2023-09-15 80,000 | 23-09-20 80,000; 23-10-20 20,000 | 23-08-10 H, 23-09-01 | C (churn rule tag) |
//! | C10 | Zhang | (none) | (none) | intent | 2024-05-01 | - | - | 05-02 M; complaint scored 2 | C (churn tag by hand) |
//! | C11 | Li | 展会 | C | won, **archived** | 2024-01-01 | 2024-02-01 999,999 | 02-02 999,999 | - | - |
//! | C12 | Wang | 展会 | C | potential | **2024-07-05** (after as-of) | - | - | - | - |
//! | C13 | Zhang | 展会 | C | won | 2024-03-10 | 2024-04-10 30,000 | 04-12 10,000; 05-12 -2,000 (07-10 5,000 later) | 03-11 H | B |
//! | C14 | Li | 转介绍 | J | won | 2024-06-01 | **2024-08-01** 60,000 (after as-of) | - | 06-02 H | A |
//! | C15 | Wang | 线上广告 | I | won, no deal record | 2024-02-15 | - | - | - | B |
//!
//! In scope by default: 13 customers (C11 archived, C12 not yet created). Won as of the date
//! (deal on or before it, or stage won without a deal): C01, C02, C03, C09, C13, C15 = 6.

use rapport_model::{CustomerId, Date, IntentLevel, Kind, Money, ServiceKind, Stage};
use rapport_reports::*;
use rapport_rules::{day_of, DealFact, Facts, InteractionFact, OrderFact, ServiceFact, TierSummary, TAG_CHURN_RISK};

fn d(y: i32, m: u32, day: u32) -> Date {
    Date::from_ymd_opt(y, m, day).expect("valid date")
}

fn as_of() -> Date {
    d(2024, 6, 30)
}

const Y: i64 = 100; // fen per yuan

struct C {
    facts: Facts,
    rule_tags: Vec<String>,
    tier: Option<&'static str>,
}

#[allow(clippy::too_many_arguments)]
fn c(
    n: u8,
    name: &str,
    owner: &str,
    source: &str,
    industry: &str,
    stage: Stage,
    created: Date,
    deal: Option<(Date, i64)>,
    orders: &[(Date, i64)],
    follow_ups: &[(Date, Option<IntentLevel>)],
    tier: Option<&'static str>,
) -> C {
    let mut id = [0u8; 16];
    id[0] = n;
    C {
        facts: Facts {
            id: CustomerId(id),
            number: format!("C{n:02}"),
            name: name.to_string(),
            kind: Kind::Company,
            stage,
            industry: industry.to_string(),
            source: source.to_string(),
            owner: owner.to_string(),
            created: day_of(created),
            priority: false,
            archived: false,
            manual_tags: vec![],
            custom: vec![],
            deal: deal.map(|(day, yuan)| DealFact { day: day_of(day), amount: yuan * Y }),
            orders: orders
                .iter()
                .map(|(day, yuan)| OrderFact { day: day_of(*day), amount: yuan * Y, category: "设备".into() })
                .collect(),
            interactions: follow_ups
                .iter()
                .map(|(day, intent)| InteractionFact { day: day_of(*day), intent: *intent })
                .collect(),
            services: vec![],
        },
        rule_tags: vec![],
        tier,
    }
}

use IntentLevel::{High as H, Low as L, Medium as M};

fn book() -> Vec<C> {
    let churn = || vec![TAG_CHURN_RISK.to_string()];
    let mut v = vec![
        c(
            1,
            "Alpha 精密机械",
            "Li",
            "展会",
            "C",
            Stage::Won,
            d(2024, 1, 10),
            Some((d(2024, 3, 1), 100_000)),
            &[(d(2024, 3, 5), 60_000), (d(2024, 5, 10), 40_000)],
            &[(d(2024, 1, 15), Some(M)), (d(2024, 2, 1), Some(H)), (d(2024, 2, 20), None)],
            Some("S"),
        ),
        c(
            2,
            "Beta",
            "Li",
            "展会",
            "C",
            Stage::Won,
            d(2024, 2, 1),
            Some((d(2024, 3, 15), 50_000)),
            &[(d(2024, 4, 1), 30_000)],
            &[(d(2024, 2, 5), Some(H)), (d(2024, 2, 10), None), (d(2024, 3, 1), None), (d(2024, 4, 1), None)],
            Some("B"),
        ),
        c(
            3,
            "Gamma",
            "Wang",
            "转介绍",
            "F",
            Stage::Won,
            d(2023, 11, 1),
            Some((d(2024, 1, 10), 200_000)),
            &[(d(2024, 1, 15), 150_000), (d(2024, 6, 20), 50_000)],
            &[(d(2023, 11, 5), None), (d(2023, 12, 1), Some(H)), (d(2024, 1, 2), None), (d(2024, 6, 1), None)],
            Some("S"),
        ),
        c(
            4,
            "Delta",
            "Wang",
            "线上广告",
            "I",
            Stage::Intent,
            d(2024, 3, 1),
            None,
            &[],
            &[(d(2024, 3, 5), Some(H)), (d(2024, 6, 25), Some(M))],
            Some("C"),
        ),
        c(
            5,
            "Epsilon",
            "Zhang",
            "展会",
            "C",
            Stage::Potential,
            d(2024, 4, 1),
            None,
            &[],
            &[(d(2024, 4, 2), Some(L))],
            Some("B"),
        ),
        c(
            6,
            "Zeta <script>alert(1)</script>",
            "Zhang",
            "线上广告",
            "I",
            Stage::Lost,
            d(2024, 1, 5),
            None,
            &[],
            &[(d(2024, 1, 6), Some(H)), (d(2024, 2, 1), Some(L))],
            Some("C"),
        ),
        c(
            7,
            "=SUM(1,2)",
            "Li",
            "转介绍",
            "J",
            Stage::Lost,
            d(2024, 2, 10),
            None,
            &[],
            &[(d(2024, 2, 11), Some(L))],
            Some("C"),
        ),
        c(
            8,
            "Theta",
            "Wang",
            "展会",
            "C",
            Stage::Dormant,
            d(2023, 6, 1),
            None,
            &[],
            &[(d(2023, 6, 5), None)],
            Some("C"),
        ),
        c(
            9,
            "Iota",
            "Li",
            "转介绍",
            "F",
            Stage::Lost,
            d(2023, 8, 1),
            Some((d(2023, 9, 15), 80_000)),
            &[(d(2023, 9, 20), 80_000), (d(2023, 10, 20), 20_000)],
            &[(d(2023, 8, 10), Some(H)), (d(2023, 9, 1), None)],
            Some("C"),
        ),
        c(
            10,
            "Kappa, \"K\" Co.\nBranch",
            "Zhang",
            "",
            "",
            Stage::Intent,
            d(2024, 5, 1),
            None,
            &[],
            &[(d(2024, 5, 2), Some(M))],
            Some("C"),
        ),
        c(
            11,
            "Lambda archived",
            "Li",
            "展会",
            "C",
            Stage::Won,
            d(2024, 1, 1),
            Some((d(2024, 2, 1), 999_999)),
            &[(d(2024, 2, 2), 999_999)],
            &[],
            None,
        ),
        c(12, "Mu (future)", "Wang", "展会", "C", Stage::Potential, d(2024, 7, 5), None, &[], &[], None),
        c(
            13,
            "Nu",
            "Zhang",
            "展会",
            "C",
            Stage::Won,
            d(2024, 3, 10),
            Some((d(2024, 4, 10), 30_000)),
            &[(d(2024, 4, 12), 10_000), (d(2024, 5, 12), -2_000), (d(2024, 7, 10), 5_000)],
            &[(d(2024, 3, 11), Some(H))],
            Some("B"),
        ),
        c(
            14,
            "Xi",
            "Li",
            "转介绍",
            "J",
            Stage::Won,
            d(2024, 6, 1),
            Some((d(2024, 8, 1), 60_000)),
            &[],
            &[(d(2024, 6, 2), Some(H))],
            Some("A"),
        ),
        c(15, "Omicron", "Wang", "线上广告", "I", Stage::Won, d(2024, 2, 15), None, &[], &[], Some("B")),
    ];
    for i in [3, 5, 6, 7, 8] {
        v[i].rule_tags = churn(); // C04, C06, C07, C08, C09
    }
    v[9].facts.manual_tags = churn(); // C10, by hand
    v[9].facts.services =
        vec![ServiceFact { day: day_of(d(2024, 5, 10)), kind: ServiceKind::Complaint, satisfaction: Some(200) }];
    v[10].facts.archived = true; // C11
    v
}

fn rows(book: &[C]) -> Vec<ReportRow<'_>> {
    book.iter().map(|c| ReportRow { facts: &c.facts, rule_tags: &c.rule_tags, tier: c.tier, to_fill: &[] }).collect()
}

fn run(name: ReportName, window: &Window) -> Report {
    let b = book();
    compute(name, &rows(&b), window, None).expect("valid window")
}

fn q1() -> Window {
    Window { from: Some(d(2024, 1, 1)), to: Some(d(2024, 3, 31)), as_of: as_of(), include_archived: false }
}

fn yuan(y: i64) -> Money {
    Money(y * Y)
}

/// (label, customers, share, won, conversion, won amount in yuan, won share)
type G<'a> = (&'a str, u32, Option<u32>, u32, Option<u32>, i64, Option<u32>);

fn groups(f: &MixFigures) -> Vec<G<'_>> {
    f.groups
        .iter()
        .map(|g| {
            (
                g.label.as_str(),
                g.customers,
                g.customer_share_bp,
                g.won,
                g.conversion_bp,
                g.won_amount.fen() / Y,
                g.won_amount_share_bp,
            )
        })
        .collect()
}

#[test]
fn source_mix() {
    let r = run(ReportName::Sources, &Window::as_of(as_of()));
    let ReportFigures::Sources(f) = &r.figures else { panic!("wrong figures") };
    // 13 in scope, 6 won, 100,000 + 50,000 + 30,000 (展会) + 200,000 + 80,000 (转介绍) = 460,000.
    assert_eq!((f.customers, f.won, f.won_amount), (13, 6, yuan(460_000)));
    // 6/13 = 46.153..% -> 4615 bp.
    assert_eq!(f.conversion_bp, Some(4615));
    assert_eq!(
        groups(f),
        vec![
            // 展会: C01 C02 C05 C08 C13; 5/13 = 38.46%; won C01 C02 C13 = 3/5 = 60%; 180,000/460,000 = 39.13%.
            ("展会", 5, Some(3846), 3, Some(6000), 180_000, Some(3913)),
            // 转介绍: C03 C07 C09 C14; 4/13 = 30.77%; won C03 C09 = 50%; 280,000/460,000 = 60.87%.
            ("转介绍", 4, Some(3077), 2, Some(5000), 280_000, Some(6087)),
            // 线上广告: C04 C06 C15; 3/13 = 23.08%; won C15 (no deal record: amount 0) = 33.33%.
            ("线上广告", 3, Some(2308), 1, Some(3333), 0, Some(0)),
            // C10 has no source: 1/13 = 7.69%.
            ("(none)", 1, Some(769), 0, Some(0), 0, Some(0)),
        ]
    );
    assert_eq!(f.groups[3].key, "");
    assert_eq!(r.table.headers[0], "source");
    assert_eq!(r.table.rows[0], ["展会", "5", "38.46%", "3", "60.00%", "180000.00", "39.13%"]);
    assert_eq!(r.table.rows[4], ["(total)", "13", "100.00%", "6", "46.15%", "460000.00", "100.00%"]);
    assert_eq!(r.scope, "13 customers created up to 2024-06-30 (archived left out), followed up to 2024-06-30");
}

#[test]
fn source_mix_of_the_q1_cohort() {
    let r = run(ReportName::Sources, &q1());
    let ReportFigures::Sources(f) = &r.figures else { panic!("wrong figures") };
    // Created in Q1: C01 C02 C04 C06 C07 C13 C15.
    assert_eq!((f.customers, f.won, f.won_amount), (7, 4, yuan(180_000)));
    assert_eq!(
        groups(f),
        vec![
            // 展会 C01 C02 C13 (3/7 = 42.86%), all won: 180,000 = 100%. Ahead of 线上广告 on won amount.
            ("展会", 3, Some(4286), 3, Some(10_000), 180_000, Some(10_000)),
            // 线上广告 C04 C06 C15, won C15 only.
            ("线上广告", 3, Some(4286), 1, Some(3333), 0, Some(0)),
            // 转介绍 C07: 1/7 = 14.29%.
            ("转介绍", 1, Some(1429), 0, Some(0), 0, Some(0)),
        ]
    );
    assert_eq!(r.scope, "7 customers created 2024-01-01 to 2024-03-31 (archived left out), followed up to 2024-06-30");
}

#[test]
fn industry_distribution() {
    let r = run(ReportName::Industries, &Window::as_of(as_of()));
    let ReportFigures::Industries(f) = &r.figures else { panic!("wrong figures") };
    assert_eq!((f.customers, f.won, f.won_amount), (13, 6, yuan(460_000)));
    assert_eq!(
        groups(f),
        vec![
            // C: C01 C02 C05 C08 C13, won 3 (180,000).
            ("C 制造业", 5, Some(3846), 3, Some(6000), 180_000, Some(3913)),
            // I: C04 C06 C15, won C15.
            ("I 信息传输、软件和信息技术服务业", 3, Some(2308), 1, Some(3333), 0, Some(0)),
            // F: C03 C09, both won (280,000); 2/13 = 15.38%. Ahead of J on won amount.
            ("F 批发和零售业", 2, Some(1538), 2, Some(10_000), 280_000, Some(6087)),
            // J: C07 C14 (C14's deal is after the as-of date: not won).
            ("J 金融业", 2, Some(1538), 0, Some(0), 0, Some(0)),
            ("(none)", 1, Some(769), 0, Some(0), 0, Some(0)),
        ]
    );
}

#[test]
fn stage_funnel() {
    let r = run(ReportName::Funnel, &Window::as_of(as_of()));
    let ReportFigures::Funnel(f) = &r.figures else { panic!("wrong figures") };
    assert_eq!(f.customers, 13);
    // Furthest step per customer: won C01 C02 C03 C09 C13 C15; intent C04 C10 C14 (stage) and
    // C06 (lost, a follow-up judged high); potential C05 (open), C07 (lost, low intent only),
    // C08 (dormant).
    let s = |i: usize| {
        let x = &f.steps[i];
        (
            x.stage,
            x.reached,
            x.reached_share_bp,
            x.advanced,
            x.conversion_bp,
            x.dropped_lost,
            x.dropped_dormant,
            x.drop_off_bp,
            x.open,
        )
    };
    // potential: 13 reached, 10 reached intent (76.92%), C07 lost + C08 dormant = 2/13 = 15.38%, C05 open.
    assert_eq!(s(0), (Stage::Potential, 13, Some(10_000), Some(10), Some(7692), 1, 1, Some(1538), 1));
    // intent: 10 reached (10/13 = 76.92%), 6 won (60%), C06 lost = 10%, C04 C10 C14 open.
    assert_eq!(s(1), (Stage::Intent, 10, Some(7692), Some(6), Some(6000), 1, 0, Some(1000), 3));
    // won: 6 (6/13 = 46.15%); C09 lost after winning = 1/6 = 16.67%; 5 still won.
    assert_eq!(s(2), (Stage::Won, 6, Some(4615), None, None, 1, 0, Some(1667), 5));
    assert_eq!(f.overall_conversion_bp, Some(4615));
    assert_eq!(f.intent_inferred, 1);
    assert_eq!(
        f.by_stage,
        vec![(Stage::Potential, 1), (Stage::Intent, 2), (Stage::Won, 6), (Stage::Lost, 3), (Stage::Dormant, 1)]
    );
    assert_eq!(r.table.rows[1], ["intent 意向客户", "10", "76.92%", "6", "60.00%", "1", "0", "10.00%", "3"]);
    assert_eq!(r.table.rows[2][3..5], ["—", "—"]);
}

#[test]
fn follow_ups_and_days_to_win() {
    let r = run(ReportName::Conversion, &Window::as_of(as_of()));
    let ReportFigures::Conversion(f) = &r.figures else { panic!("wrong figures") };
    // Won with a deal date, (follow-ups on or before the deal, days from first contact):
    // C01 (3, 2024-01-10 -> 03-01 = 51), C02 (3, 02-01 -> 03-15 = 43), C03 (3, 2023-11-01 ->
    // 2024-01-10 = 70), C09 (2, 2023-08-01 -> 09-15 = 45), C13 (1, 03-10 -> 04-10 = 31).
    // C15 is won without a deal record.
    assert_eq!((f.customers, f.won_without_deal), (13, 1));
    let w = |x: &WinSpeed| {
        (
            x.label.clone(),
            x.won,
            x.follow_ups_total,
            x.avg_follow_ups.map(|t| t.0),
            x.median_follow_ups.map(|t| t.0),
            x.days_total,
            x.avg_days.map(|t| t.0),
            x.median_days.map(|t| t.0),
            x.min_days,
            x.max_days,
        )
    };
    // 12 follow-ups / 5 = 2.4, median of 1,2,3,3,3 = 3; 240 days / 5 = 48, median of
    // 31,43,45,51,70 = 45.
    assert_eq!(w(&f.all), ("(all)".into(), 5, 12, Some(24), Some(30), 240, Some(480), Some(450), Some(31), Some(70)));
    // Li: C01 C02 C09: 8/3 = 2.67 -> 2.7, median 3; 139/3 = 46.33 -> 46.3, median 45.
    // Wang: C03 alone. Zhang: C13 alone.
    assert_eq!(
        f.by_owner.iter().map(w).collect::<Vec<_>>(),
        vec![
            ("Li".into(), 3, 8, Some(27), Some(30), 139, Some(463), Some(450), Some(43), Some(51)),
            ("Wang".into(), 1, 3, Some(30), Some(30), 70, Some(700), Some(700), Some(70), Some(70)),
            ("Zhang".into(), 1, 1, Some(10), Some(10), 31, Some(310), Some(310), Some(31), Some(31)),
        ]
    );
    // 展会: C01 C02 C13: 7/3 = 2.3, median 3; 125/3 = 41.7, median 43.
    // 转介绍: C03 C09: 5/2 = 2.5, median 2.5; 115/2 = 57.5, median 57.5.
    assert_eq!(
        f.by_source.iter().map(w).collect::<Vec<_>>(),
        vec![
            ("展会".into(), 3, 7, Some(23), Some(30), 125, Some(417), Some(430), Some(31), Some(51)),
            ("转介绍".into(), 2, 5, Some(25), Some(25), 115, Some(575), Some(575), Some(45), Some(70)),
        ]
    );
    assert_eq!(r.table.rows[0], ["all", "(all)", "5", "2.4", "3.0", "48.0", "45.0", "31", "70"]);
    assert_eq!(r.table.rows.len(), 1 + 3 + 2);
}

#[test]
fn owner_performance() {
    let r = run(ReportName::Owners, &Window::as_of(as_of()));
    let ReportFigures::Owners(f) = &r.figures else { panic!("wrong figures") };
    let o = |x: &OwnerRow| {
        let g = &x.group;
        (
            g.label.clone(),
            g.customers,
            g.won,
            g.conversion_bp,
            g.won_amount.fen() / Y,
            g.won_amount_share_bp,
            x.deals_closed,
            x.closed_amount.fen() / Y,
        )
    };
    assert_eq!(
        f.owners.iter().map(o).collect::<Vec<_>>(),
        vec![
            // Li: C01 C02 C07 C09 C14; won C01 C02 C09 = 60%; 230,000 = 50% of 460,000.
            ("Li".into(), 5, 3, Some(6000), 230_000, Some(5000), 3, 230_000),
            // Wang: C03 C04 C08 C15; won C03 C15 = 50%; 200,000 = 43.48%.
            ("Wang".into(), 4, 2, Some(5000), 200_000, Some(4348), 1, 200_000),
            // Zhang: C05 C06 C10 C13; won C13 = 25%; 30,000 = 6.52%.
            ("Zhang".into(), 4, 1, Some(2500), 30_000, Some(652), 1, 30_000),
        ]
    );
    // C14's deal (2024-08-01) is after the as-of date and C11 is archived: neither closed.
    assert_eq!(
        (f.customers, f.won, f.won_amount, f.deals_closed, f.closed_amount),
        (13, 6, yuan(460_000), 5, yuan(460_000))
    );
}

#[test]
fn owner_performance_in_q1() {
    let r = run(ReportName::Owners, &q1());
    let ReportFigures::Owners(f) = &r.figures else { panic!("wrong figures") };
    let o = |x: &OwnerRow| {
        (
            x.group.label.clone(),
            x.group.customers,
            x.group.won,
            x.group.won_amount.fen() / Y,
            x.deals_closed,
            x.closed_amount.fen() / Y,
        )
    };
    // Cohort: Li C01 C02 C07 (won 2, 150,000); Zhang C06 C13 (won C13, 30,000); Wang C04 C15
    // (won C15, no amount). Deals dated in Q1: C01 and C02 (Li, 150,000), C03 (Wang, 200,000,
    // created in 2023); C13's deal is on 04-10.
    assert_eq!(
        f.owners.iter().map(o).collect::<Vec<_>>(),
        vec![
            ("Li".into(), 3, 2, 150_000, 2, 150_000),
            ("Zhang".into(), 2, 1, 30_000, 0, 0),
            ("Wang".into(), 2, 1, 0, 1, 200_000),
        ]
    );
    assert_eq!(
        (f.customers, f.won, f.won_amount, f.deals_closed, f.closed_amount),
        (7, 4, yuan(180_000), 3, yuan(350_000))
    );
}

#[test]
fn churn_risk_list() {
    // The window does not apply to the churn-risk list.
    for window in [Window::as_of(as_of()), q1()] {
        let r = run(ReportName::ChurnRisk, &window);
        let ReportFigures::ChurnRisk(f) = &r.figures else { panic!("wrong figures") };
        // Tagged: C04 C06 C07 C08 C09 by rule, C10 by hand: 6 of 13 = 46.15%.
        assert_eq!((f.customers, f.at_risk, f.at_risk_share_bp), (13, 6, Some(4615)));
        // 12-month amounts: C01 100,000 + C02 30,000 + C03 200,000 + C09 100,000 + C13 8,000
        // (10,000 - 2,000; the July order is later) = 438,000; at risk C09's 100,000 = 22.83%.
        assert_eq!((f.amount_12m, f.amount_12m_at_risk, f.amount_share_bp), (yuan(438_000), yuan(100_000), Some(2283)));
        let rows: Vec<(&str, i64, i32, Vec<String>)> = f
            .rows
            .iter()
            .map(|r| (r.number.as_str(), r.amount_12m.fen() / Y, r.days_since_last_contact, r.signals.clone()))
            .collect();
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            rows,
            vec![
                // Largest amount first: C09, last contact 2023-09-01 = 303 days; orders 0 in the
                // last 6 months against 2 before.
                (
                    "C09",
                    100_000,
                    303,
                    s(&[
                        "no contact for 303 days (since 2023-09-01)",
                        "orders falling: 0 in the last 6 months, 2 in the 6 before"
                    ])
                ),
                // Then longest without contact: C08 2023-06-05 = 391 days, C06 02-01 = 150,
                // C07 02-11 = 140, C10 05-02 = 59 (complaint scored 2), C04 06-25 = 5.
                ("C08", 0, 391, s(&["no contact for 391 days (since 2023-06-05)"])),
                ("C06", 0, 150, s(&["no contact for 150 days (since 2024-02-01)"])),
                ("C07", 0, 140, s(&["no contact for 140 days (since 2024-02-11)"])),
                ("C10", 0, 59, s(&["average satisfaction 2 < 3", "tagged by hand"])),
                ("C04", 0, 5, s(&["tagged by rule"])),
            ]
        );
        let c10 = &f.rows[4];
        assert_eq!((c10.complaints, c10.avg_satisfaction.map(|s| s.hundredths())), (1, Some(200)));
        assert_eq!(c10.tier.as_deref(), Some("C"));
        assert_eq!(r.scope, "13 customers on 2024-06-30 (archived left out); --from/--to do not apply");
    }
}

#[test]
fn revenue_concentration() {
    let r = run(ReportName::Concentration, &Window::as_of(as_of()));
    let ReportFigures::Concentration(f) = &r.figures else { panic!("wrong figures") };
    // Buyers: C03 200,000; C01 100,000; C09 100,000; C02 30,000; C13 8,000 = 438,000.
    // Top 20% of 5 buyers = ceil(5/5) = 1: C03, 200,000/438,000 = 45.66%.
    assert_eq!((f.customers, f.buyers, f.revenue), (13, 5, yuan(438_000)));
    assert_eq!((f.top_count, f.top_revenue, f.top_share_bp), (1, yuan(200_000), Some(4566)));
    // Cumulative: 200, 300, 400, 430, 438 thousand of 438 = 45.66%, 68.49%, 91.32%, 98.17%, 100%.
    let curve: Vec<(u32, u32)> = f.curve.iter().map(|p| (p.customer_share_bp, p.revenue_share_bp)).collect();
    assert_eq!(curve, vec![(0, 0), (2000, 4566), (4000, 6849), (6000, 9132), (8000, 9817), (10_000, 10_000)]);
    // Deciles of 5 buyers: decile d holds ranks ceil((d-1)*5/10)+1 ..= ceil(d*5/10), so
    // deciles 1, 3, 5, 7, 9 hold one buyer each.
    let dec: Vec<(u32, i64, Option<u32>, Option<u32>)> = f
        .deciles
        .iter()
        .map(|d| (d.customers, d.revenue.fen() / Y, d.revenue_share_bp, d.cumulative_share_bp))
        .collect();
    assert_eq!(
        dec,
        vec![
            (1, 200_000, Some(4566), Some(4566)),
            (0, 0, Some(0), Some(4566)),
            (1, 100_000, Some(2283), Some(6849)),
            (0, 0, Some(0), Some(6849)),
            (1, 100_000, Some(2283), Some(9132)),
            (0, 0, Some(0), Some(9132)),
            (1, 30_000, Some(685), Some(9817)),
            (0, 0, Some(0), Some(9817)),
            (1, 8_000, Some(183), Some(10_000)),
            (0, 0, Some(0), Some(10_000)),
        ]
    );
    // C01 and C09 tie at 100,000: the number decides the order, not the sums.
    let top: Vec<(u32, &str)> = f.top.iter().map(|t| (t.rank, t.number.as_str())).collect();
    assert_eq!(top, vec![(1, "C03"), (2, "C01"), (3, "C09"), (4, "C02"), (5, "C13")]);
    assert_eq!(r.table.rows[0], ["0–10%", "1", "200000.00", "45.66%", "45.66%"]);
}

#[test]
fn revenue_concentration_in_q1_counts_order_dates() {
    let r = run(ReportName::Concentration, &q1());
    let ReportFigures::Concentration(f) = &r.figures else { panic!("wrong figures") };
    // Orders dated in Q1: C03 150,000 (01-15; C03 was created in 2023) and C01 60,000 (03-05).
    // Top ceil(2/5) = 1 buyer: 150,000 / 210,000 = 71.43%.
    assert_eq!((f.buyers, f.revenue, f.top_count, f.top_share_bp), (2, yuan(210_000), 1, Some(7143)));
}

#[test]
fn tier_summary_from_rows_and_as_given() {
    let r = run(ReportName::Tiers, &Window::as_of(as_of()));
    let ReportFigures::Tiers(t) = &r.figures else { panic!("wrong figures") };
    // S: C01 C03 (100,000 + 200,000); A: C14; B: C02 C05 C13 C15 (30,000 + 8,000);
    // C: C04 C06 C07 C08 C09 C10 (C09's 100,000). Of 13 customers and 438,000.
    let rows: Vec<(&str, u32, u32, i64, u32)> = t
        .rows
        .iter()
        .map(|r| (r.tier.as_str(), r.customers, r.customer_share_bp, r.amount_12m.fen() / Y, r.revenue_share_bp))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("S", 2, 1538, 300_000, 6849),
            ("A", 1, 769, 0, 0),
            ("B", 4, 3077, 38_000, 868),
            ("C", 6, 4615, 100_000, 2283),
        ]
    );
    assert_eq!((t.customers, t.amount_12m), (13, yuan(438_000)));

    // A summary from the node is rendered as it is.
    let given = TierSummary { rows: t.rows[..2].to_vec(), ..t.clone() };
    let b = book();
    let r2 = compute(ReportName::Tiers, &rows_of(&b), &Window::as_of(as_of()), Some(&given)).unwrap();
    assert_eq!(r2.figures, ReportFigures::Tiers(given));
    assert_eq!(
        r2.table.rows,
        vec![vec!["S", "2", "15.38%", "300000.00", "68.49%"], vec!["A", "1", "7.69%", "0.00", "0.00%"]]
    );
}

fn rows_of(b: &[C]) -> Vec<ReportRow<'_>> {
    rows(b)
}

#[test]
fn archived_customers_count_when_asked() {
    let w = Window { include_archived: true, ..Window::as_of(as_of()) };
    let r = run(ReportName::Sources, &w);
    let ReportFigures::Sources(f) = &r.figures else { panic!("wrong figures") };
    // C11 joins: 14 customers, 7 won, 460,000 + 999,999.
    assert_eq!((f.customers, f.won, f.won_amount), (14, 7, yuan(1_459_999)));
    assert!(r.scope.contains("archived included"));
}

#[test]
fn compute_all_equals_one_by_one() {
    let b = book();
    let rs = rows(&b);
    for w in [Window::as_of(as_of()), q1()] {
        let all = compute_all(ReportName::all(), &rs, &w, None).unwrap();
        assert_eq!(all.len(), 8);
        for (r, n) in all.iter().zip(ReportName::all()) {
            assert_eq!(r, &compute(*n, &rs, &w, None).unwrap());
        }
    }
}

#[test]
fn a_window_that_ends_before_it_starts_is_refused() {
    let b = book();
    let w = Window { from: Some(d(2024, 3, 1)), to: Some(d(2024, 2, 1)), ..Window::as_of(as_of()) };
    assert!(matches!(compute(ReportName::Funnel, &rows(&b), &w, None), Err(ReportError::BadWindow { .. })));
    assert!(compute_all(ReportName::all(), &rows(&b), &w, None).is_err());
}

fn generated() -> rapport_model::DateTime {
    d(2024, 7, 1).and_hms_opt(9, 30, 0).expect("valid time")
}

#[test]
fn the_html_page_is_self_contained_and_escapes_user_text() {
    let b = book();
    let all = compute_all(ReportName::all(), &rows(&b), &Window::as_of(as_of()), None).unwrap();
    let page = render_html(&all, "Book <report> & co", generated());
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.ends_with("</html>\n"));
    // The customer named `Zeta <script>alert(1)</script>` is on the churn-risk list.
    assert!(page.contains("Zeta &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.to_lowercase().contains("<script"));
    assert!(page.contains("<title>Book &lt;report&gt; &amp; co</title>"));
    assert!(page.contains("Kappa, &quot;K&quot; Co.\nBranch"));
    // Nothing is fetched: no links, sources, imports or remote URLs besides the SVG namespace.
    for banned in ["<link", " src=", "@import", "url(", "https://", "<iframe", "javascript:"] {
        assert!(!page.contains(banned), "{banned}");
    }
    assert_eq!(page.matches("http://").count(), page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count());
    // One section per report, each with a chart; a navigation bar between them.
    for n in ReportName::all() {
        assert!(page.contains(&format!("<section id=\"{}\">", n.as_str())), "{n}");
        assert!(page.contains(&format!("<a href=\"#{}\">", n.as_str())), "{n}");
    }
    assert!(page.matches("<svg").count() >= 8);
    assert!(page.contains("<polyline class=\"curve\""));
    assert!(page.contains("45.66%"));
    assert_eq!(page.matches("<svg").count(), page.matches("</svg>").count());
    assert_eq!(page.matches("<table>").count(), page.matches("</table>").count());

    // Amount columns read as the cards do, not as the CSV's plain decimals.
    let churn = render_sections(&all[5..6]);
    assert!(churn.contains("12-month amount (¥)") && churn.contains(">¥0.00<"), "{churn}");
    assert!(!churn.contains(">0.00<"), "a plain decimal in an amount column");

    // The page for one report has no navigation.
    let one = render_html(&all[2..3], "Funnel", generated());
    assert!(one.contains("<section id=\"funnel\">") && !one.contains("<nav>"));
    assert!(one.contains("Generated 2024-07-01 09:30 · as of 2024-06-30"));
    assert_eq!(one.matches("<section").count(), 1);
}

#[test]
fn csv_quotes_commas_quotes_and_newlines() {
    let r = run(ReportName::ChurnRisk, &Window::as_of(as_of()));
    let csv = render_csv(&r);
    assert!(csv.starts_with('\u{feff}'));
    let mut lines = csv.trim_start_matches('\u{feff}').split("\r\n");
    assert_eq!(
        lines.next(),
        Some(
            "number,name,owner,stage,tier,12-month amount (¥),last contact,days since contact,orders 6m / prev 6m,\
             avg satisfaction,complaints,signals"
        )
    );
    assert!(csv.contains(
        "C10,\"Kappa, \"\"K\"\" Co.\nBranch\",Zhang,intent 意向客户,C,0.00,2024-05-02,59,0 / 0,2,1,\
         average satisfaction 2 < 3; tagged by hand\r\n"
    ));
    // A name that a spreadsheet would run as a formula is kept as text.
    assert!(csv.contains("C07,\"'=SUM(1,2)\",Li,"));
    assert!(csv.contains("C09,Iota,Li,lost 流失客户,C,100000.00,2023-09-01,303,0 / 2,—,0,"));
    assert!(csv.ends_with("\r\n"));
    // Header plus 6 rows; the quoted newline stays inside its field.
    assert_eq!(csv.matches("\r\n").count(), 7);
}

#[test]
fn text_aligns_columns_by_display_width() {
    use unicode_width::UnicodeWidthStr;
    let r = run(ReportName::Industries, &Window::as_of(as_of()));
    let text = render_text(&r);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Industry distribution (行业分布)");
    // Header, rule and 6 rows: the last column is right-aligned, so all end at one width.
    let table = &lines[3..3 + 8];
    let w = table[0].width();
    assert!(table.iter().all(|l| l.width() == w), "{text}");
    assert!(table[2].starts_with("C 制造业  "));
    assert!(text.contains("\n* One row per industry"));
    // Line breaks in names never break a row.
    let churn = render_text(&run(ReportName::ChurnRisk, &Window::as_of(as_of())));
    assert!(churn.contains("Kappa, \"K\" Co. Branch"));
}

#[test]
fn reports_serialise_to_json() {
    let b = book();
    let all = compute_all(ReportName::all(), &rows(&b), &Window::as_of(as_of()), None).unwrap();
    let v = serde_json::to_value(&all).unwrap();
    assert_eq!(v[0]["name"], "sources");
    assert_eq!(v[0]["figures"]["report"], "sources");
    assert_eq!(v[0]["figures"]["data"]["won_amount"], "460000.00");
    assert_eq!(v[3]["figures"]["data"]["all"]["avg_follow_ups"], "2.4");
    assert_eq!(v[4]["figures"]["data"]["owners"][0]["key"], "Li");
    assert_eq!(v[5]["name"], "churn-risk");
    assert_eq!(v[5]["figures"]["report"], "churn-risk");
    // Every name round-trips through serde as its command-line spelling.
    for n in ReportName::all() {
        assert_eq!(serde_json::to_value(n).unwrap(), n.as_str());
        assert_eq!(serde_json::from_value::<ReportName>(serde_json::json!(n.as_str())).unwrap(), *n);
    }
    assert_eq!(v[6]["figures"]["data"]["top_share_bp"], 4566);
    assert_eq!(v[0]["window"]["as_of"], "2024-06-30");
    // The API client reads reports back: every report survives the round trip.
    let back: Vec<Report> = serde_json::from_value(v).unwrap();
    assert_eq!(back, all);
}

#[test]
fn long_tables_show_their_top_rows_and_the_rest_on_request() {
    let rows: Vec<Vec<String>> = (0..45).map(|i| vec![format!("C{i:02}"), format!("{i}.50")]).collect();
    let t = Table { headers: vec!["number".into(), "revenue (¥)".into()], numeric: vec![false, true], rows };
    let mut r = run(ReportName::Concentration, &Window::as_of(as_of()));
    r.table = t;
    let html = render_sections(std::slice::from_ref(&r));
    let (top, rest) = html.split_once("<details class=\"more\">").expect("a show-all part");
    assert!(top.contains("C19") && !top.contains("C20"), "the first 20 rows come first");
    assert!(rest.contains("Show all 45 rows") && rest.contains("C44"), "{rest}");
    assert!(top.contains(">¥1.50<") && rest.contains(">¥44.50<"));
}

#[test]
fn usual_sources_carry_their_chinese_label() {
    assert_eq!(rapport_model::source_zh("referral"), Some("转介绍"));
    assert_eq!(rapport_model::source_zh("Trade show"), Some("展会"));
    assert_eq!(rapport_model::source_zh("某个渠道"), None);
}
