//! Tests of the demo generator: determinism, validity against the model's validators,
//! exact bench counts, a rough realism check, and an ignored speed measurement.

use chrono::{Datelike, NaiveDate, TimeDelta, Timelike, Weekday};
use rapport_demo::{credit_check_char, DemoBook, DemoProfile};
use rapport_model::{
    check_stage_change, industry, validate_credit_code, validate_email, validate_phone, Customer, Kind, ServiceKind,
    Stage,
};
use std::collections::{BTreeMap, BTreeSet, HashSet};

const MEMBERS: &[&str] = &["li.na", "wang.wei", "chen.jie", "emily"];
const SOURCES: &[&str] = &["trade_show", "referral", "online_ads", "partner", "inbound"];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).expect("valid date")
}

fn book(seed: u64) -> DemoBook {
    DemoBook::new(seed, today(), MEMBERS)
}

fn yuan(fen: i64) -> i64 {
    fen / 100
}

fn total_12m(c: &Customer, today: NaiveDate) -> i64 {
    let from = today - TimeDelta::days(365);
    c.orders.iter().filter(|o| o.date > from).map(|o| o.amount.fen()).sum()
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn deterministic_and_independent_of_other_indices() {
    let p = DemoProfile::realistic();
    let a = book(7);
    let b = book(7);
    // Generate in a different order: customer 5 must not depend on 0-4.
    let c5_first = b.customer(5, &p);
    for i in 0..10 {
        assert_eq!(a.customer(i, &p), b.customer(i, &p), "customer {i}");
    }
    assert_eq!(a.customer(5, &p), c5_first);
    assert_ne!(a.customer(0, &p), a.customer(1, &p));
    assert_ne!(a.customer(0, &p).id, a.customer(1, &p).id);
    assert_ne!(book(8).customer(0, &p).id, a.customer(0, &p).id);
    // The id depends only on (seed, i), not on today or the profile.
    let later = DemoBook::new(7, today() + TimeDelta::days(30), &["x"]);
    assert_eq!(later.customer(3, &DemoProfile::bench()).id, a.customer(3, &p).id);
    let ids: HashSet<_> = a.customers(0..5000, &p).map(|c| c.id).collect();
    assert_eq!(ids.len(), 5000);
}

fn check_customer(c: &Customer, today: NaiveDate) {
    let ctx = format!("{} ({:?})", c.name, c.stage);
    assert!(c.number.is_empty(), "{ctx}");
    assert!(!c.name.trim().is_empty(), "{ctx}");
    assert!(MEMBERS.contains(&c.owner.as_str()), "{ctx}");
    assert_eq!(c.entered_by, c.owner, "{ctx}");
    assert!(industry(&c.industry).is_ok(), "{ctx}: industry {}", c.industry);
    assert!(SOURCES.contains(&c.source.as_str()), "{ctx}: source {}", c.source);
    if let Some(code) = &c.credit_code {
        assert_eq!(validate_credit_code(code).as_deref(), Ok(code.as_str()), "{ctx}");
        assert_eq!(c.kind, Kind::Company, "{ctx}");
    }
    assert!(c.address.province.is_some() && c.address.city.is_some() && c.address.district.is_some(), "{ctx}");

    // Contacts.
    assert!(!c.contacts.is_empty(), "{ctx}");
    assert!(c.contacts[0].primary, "{ctx}");
    assert_eq!(c.contacts.iter().filter(|k| k.primary).count(), 1, "{ctx}");
    for k in &c.contacts {
        if let Some(p) = &k.phone {
            assert_eq!(validate_phone(p).as_deref(), Ok(p.as_str()), "{ctx}: phone");
        }
        if let Some(e) = &k.email {
            assert_eq!(validate_email(e).as_deref(), Ok(e.as_str()), "{ctx}: email");
        }
        if let Some(w) = &k.wechat {
            assert!(w.len() >= 6 && w.len() <= 24, "{ctx}: wechat {w}");
        }
    }

    // Ids unique within the customer, 16 hex digits.
    let mut ids = HashSet::new();
    let all_ids = c
        .contacts
        .iter()
        .map(|x| &x.id)
        .chain(c.interactions.iter().map(|x| &x.id))
        .chain(c.orders.iter().map(|x| &x.id))
        .chain(c.service_records.iter().map(|x| &x.id))
        .chain(c.tasks.iter().map(|x| &x.id));
    for id in all_ids {
        assert!(id.0.len() == 16 && id.0.bytes().all(|b| b.is_ascii_hexdigit()), "{ctx}: id {id}");
        assert!(ids.insert(id.0.clone()), "{ctx}: duplicate id");
    }

    // Time line.
    let two_years_ago = today - TimeDelta::days(731);
    assert!(c.created_at.date() >= two_years_ago, "{ctx}: created {}", c.created_at);
    assert!(c.created_at.date() < today, "{ctx}");
    assert!(c.interactions.windows(2).all(|w| w[0].at <= w[1].at), "{ctx}: interactions sorted");
    for x in &c.interactions {
        assert!(x.at > c.created_at, "{ctx}: interaction {} before created {}", x.at, c.created_at);
        assert!(x.at.date() < today, "{ctx}");
        assert!((9..18).contains(&x.at.hour()), "{ctx}: at {}", x.at);
        assert!(!matches!(x.at.weekday(), Weekday::Sat | Weekday::Sun), "{ctx}: weekend {}", x.at);
        assert!(!x.summary.is_empty() && !x.summary.contains('{'), "{ctx}: {}", x.summary);
        assert!(MEMBERS.contains(&x.author.as_str()), "{ctx}");
        if let Some(n) = &x.next_action {
            assert!(n.due > x.at.date(), "{ctx}");
            assert!(MEMBERS.contains(&n.assignee.as_str()), "{ctx}");
        }
    }
    assert!(c.orders.windows(2).all(|w| w[0].date <= w[1].date), "{ctx}: orders sorted");
    for o in &c.orders {
        assert!(o.amount.fen() > 0, "{ctx}");
        assert!(o.date >= c.created_at.date() && o.date < today, "{ctx}: order {}", o.date);
        assert!(!o.category.is_empty(), "{ctx}");
    }
    for s in &c.service_records {
        assert!(s.at > c.created_at && s.at.date() < today, "{ctx}");
        assert!((9..18).contains(&s.at.hour()), "{ctx}");
        if let Some(sat) = s.satisfaction {
            assert!((100..=500).contains(&sat.hundredths()), "{ctx}");
        }
        if let Some(first) = c.orders.first() {
            assert!(s.at.date() >= first.date, "{ctx}: service before first order");
        }
    }
    assert!(c.service_records.windows(2).all(|w| w[0].at <= w[1].at), "{ctx}");
    assert!(c.tasks.windows(2).all(|w| w[0].due <= w[1].due), "{ctx}");
    for t in &c.tasks {
        assert!(!t.what.contains('{'), "{ctx}");
        if let Some(d) = &t.done {
            assert!(d.at > c.created_at && d.at.date() < today, "{ctx}: task done {}", d.at);
        }
    }

    // Stage consistency.
    for from in [Stage::Intent, Stage::Potential] {
        let r = check_stage_change(from, c.stage, c.deal.as_ref(), c.lost_reason.as_deref());
        assert!(r.is_ok(), "{ctx}: {r:?}");
    }
    assert_eq!(c.deal.is_some(), !c.orders.is_empty(), "{ctx}: deal iff orders");
    if let (Some(d), Some(first)) = (&c.deal, c.orders.first()) {
        assert_eq!(d.amount, first.amount, "{ctx}");
        assert_eq!(d.date, first.date, "{ctx}");
        let parts: Vec<&str> = d.contract_no.split('-').collect();
        assert_eq!(parts.len(), 3, "{ctx}: {}", d.contract_no);
        assert_eq!(parts[0], "HT");
        assert_eq!(parts[1], d.date.year().to_string());
        assert!(parts[2].len() == 4 && parts[2].bytes().all(|b| b.is_ascii_digit()));
        let before = c.interactions.iter().filter(|x| x.at.date() <= d.date).count();
        if c.stage == Stage::Won {
            assert!(c.interactions.is_empty() || before > 0, "{ctx}: won without a follow-up before the deal");
        }
    }
    match c.stage {
        Stage::Won => assert!(c.deal.is_some() && !c.orders.is_empty(), "{ctx}"),
        Stage::Potential | Stage::Intent => assert!(c.orders.is_empty() && c.deal.is_none(), "{ctx}"),
        Stage::Lost => {
            assert!(c.lost_reason.as_deref().is_some_and(|r| !r.is_empty()), "{ctx}");
            // Nothing happens after the follow-up where the customer was lost.
            if let Some(lost_at) = c.interactions.last().map(|x| x.at) {
                assert!(c.orders.iter().all(|o| o.date < lost_at.date()), "{ctx}: order after loss");
                assert!(c.service_records.iter().all(|s| s.at < lost_at), "{ctx}: service after loss");
                assert!(c.interactions.iter().rev().skip(1).all(|x| x.at < lost_at), "{ctx}");
            }
        }
        Stage::Dormant => {
            let last = c.last_interaction().unwrap_or(two_years_ago);
            assert!(last < today - TimeDelta::days(180), "{ctx}: dormant but followed up on {last}");
        }
    }
    if c.stage != Stage::Lost {
        assert!(c.lost_reason.is_none(), "{ctx}");
    }
}

#[test]
fn generated_customers_pass_the_model_validators() {
    let b = book(2026);
    for p in [DemoProfile::realistic(), DemoProfile::bench()] {
        for c in b.customers(0..2000, &p) {
            check_customer(&c, b.today());
        }
    }
}

#[test]
fn bench_profile_counts_are_exact() {
    let b = book(99);
    let p = DemoProfile::bench();
    for c in b.customers(0..1000, &p) {
        assert_eq!(c.contacts.len(), 3);
        assert_eq!(c.interactions.len(), 10);
        assert_eq!(c.orders.len(), 5);
        assert_eq!(c.service_records.len(), 2);
        assert_eq!(c.tasks.len(), 1);
        assert!(matches!(c.stage, Stage::Won | Stage::Lost | Stage::Dormant), "{:?}", c.stage);
    }
    // A custom exact profile without orders never produces won customers.
    let none = DemoProfile { orders: 0, service_records: 0, ..DemoProfile::bench() };
    for c in b.customers(0..300, &none) {
        assert!(c.orders.is_empty() && c.stage != Stage::Won);
        assert_eq!(c.interactions.len(), 10);
        check_customer(&c, b.today());
    }
}

#[test]
fn credit_check_char_matches_the_model() {
    assert_eq!(credit_check_char("91350100M000100Y4"), Some('3'));
    assert_eq!(credit_check_char("91110000600037341"), Some('L'));
    assert_eq!(credit_check_char("short"), None);
    assert_eq!(credit_check_char("9135010OM000100Y4"), None);
}

#[test]
fn distribution_looks_like_a_real_book() {
    let b = book(1);
    let p = DemoProfile::realistic();
    let n = 5000;
    let customers: Vec<Customer> = b.customers(0..n, &p).collect();
    let persons = customers.iter().filter(|c| c.kind == Kind::Person).count();
    assert!((n as usize / 20..n as usize * 3 / 20).contains(&persons), "persons {persons}");
    let companies: Vec<&Customer> = customers.iter().filter(|c| c.kind == Kind::Company).collect();
    let zh = companies.iter().filter(|c| has_cjk(&c.name)).count();
    let en = companies.len() - zh;
    assert!(zh > companies.len() / 2 && en > companies.len() / 10, "zh {zh} en {en}");
    let with_code = companies.iter().filter(|c| c.credit_code.is_some()).count();
    assert!((companies.len() * 6 / 10..companies.len() * 8 / 10).contains(&with_code), "credit codes {with_code}");

    let mut industries: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &customers {
        *industries.entry(c.industry.as_str()).or_default() += 1;
    }
    assert!(industries.len() >= 10, "{industries:?}");
    let top = industries.iter().max_by_key(|(_, v)| **v).map(|(k, _)| *k);
    assert_eq!(top, Some("C"));

    let stages: BTreeSet<Stage> = customers.iter().map(|c| c.stage).collect();
    assert_eq!(stages.len(), 5);
    let sources: BTreeSet<&str> = customers.iter().map(|c| c.source.as_str()).collect();
    assert_eq!(sources.len(), 5);

    let high_value = customers.iter().filter(|c| total_12m(c, b.today()) > 50_000_000).count();
    let some_orders = customers.iter().filter(|c| total_12m(c, b.today()) > 0).count();
    assert!(high_value > n as usize / 50, "high value {high_value}");
    assert!(high_value < some_orders / 3, "high value {high_value} of {some_orders}");
    let max = customers.iter().map(|c| total_12m(c, b.today())).max().unwrap_or(0);
    assert!(yuan(max) < 50_000_000, "max 12-month total {}", yuan(max));

    let contacts: Vec<&str> = customers.iter().flat_map(|c| c.contacts.iter().map(|k| k.name.as_str())).collect();
    assert!(contacts.iter().any(|n| has_cjk(n)) && contacts.iter().any(|n| !has_cjk(n)));
    let summaries: Vec<&str> =
        customers.iter().flat_map(|c| c.interactions.iter().map(|x| x.summary.as_str())).collect();
    let zh_summaries = summaries.iter().filter(|s| has_cjk(s)).count();
    assert!(zh_summaries > summaries.len() / 2 && zh_summaries < summaries.len(), "{zh_summaries}");

    let sats: Vec<u16> = customers
        .iter()
        .flat_map(|c| c.service_records.iter().filter_map(|s| s.satisfaction))
        .map(|s| s.hundredths())
        .collect();
    assert!(sats.iter().any(|s| s % 100 != 0) && sats.iter().any(|s| s % 100 == 0));
    assert!(customers.iter().any(|c| c.service_records.iter().any(|s| s.kind == ServiceKind::Complaint)));

    let t = b.today();
    let tasks: Vec<_> = customers.iter().flat_map(|c| c.tasks.iter()).collect();
    assert!(tasks.iter().any(|x| x.done.is_some()));
    assert!(tasks.iter().any(|x| x.done.is_none() && x.due < t), "overdue");
    assert!(tasks.iter().any(|x| x.done.is_none() && x.due >= t && x.due <= t + TimeDelta::days(7)), "next 7 days");

    assert!(customers.iter().any(|c| c.manual_tags.contains("VIP")));
    assert!(customers.iter().any(|c| c.manual_tags.iter().any(|t| t.starts_with("展会"))));
    assert!(customers.iter().any(|c| c.custom.contains_key("average_basket")));
    assert!(customers.iter().any(|c| c.custom.contains_key("learner_age_band")));
    assert!(customers.iter().any(|c| c.orders.iter().any(|o| o.amount.fen() % 100 != 0)), "amounts with fen");
    let counts: BTreeSet<usize> = customers.iter().map(|c| c.interactions.len()).collect();
    assert!(counts.len() > 10, "varied interaction counts");
}

/// Run with `cargo test -p rapport-demo --release -- --ignored --nocapture speed`.
#[test]
#[ignore]
fn speed_100k() {
    let b = book(3);
    for (label, p) in [("realistic", DemoProfile::realistic()), ("bench", DemoProfile::bench())] {
        let start = std::time::Instant::now();
        let mut items = 0usize;
        for c in b.customers(0..100_000, &p) {
            items += c.contacts.len() + c.interactions.len() + c.orders.len() + c.service_records.len() + c.tasks.len();
        }
        let dt = start.elapsed();
        println!("{label}: 100,000 customers ({items} items) in {:.3} s", dt.as_secs_f64());
        assert!(dt.as_secs_f64() < 2.0, "{label} took {dt:?}");
    }
}

#[test]
fn odd_inputs_do_not_panic() {
    for day in [NaiveDate::MIN, NaiveDate::MAX, NaiveDate::from_ymd_opt(2000, 2, 29).expect("valid date")] {
        let b = DemoBook::new(u64::MAX, day, &[]);
        for c in b.customers(0..50, &DemoProfile::realistic()) {
            assert_eq!(c.owner, "demo");
        }
        let zero = DemoProfile { contacts: 0, interactions: 0, orders: 0, service_records: 0, tasks: 0, exact: true };
        for c in b.customers(u64::MAX - 5..u64::MAX, &zero) {
            assert!(c.contacts.is_empty() && c.interactions.is_empty() && c.orders.is_empty());
        }
    }
    assert_eq!(DemoBook::new(1, today(), &["  ", "li.na "]).members(), ["li.na".to_string()]);
}
