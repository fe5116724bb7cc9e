//! Prints a few demo customers in a readable form, and a summary of a larger book.
//!
//! `cargo run -p rapport-demo --example sample -- [count] [seed]`

use rapport_demo::{DemoBook, DemoProfile};
use rapport_model::{Customer, Stage};
use std::collections::BTreeMap;

fn show(c: &Customer) {
    println!("== {} [{} {} {}] owner {} source {}", c.name, c.kind, c.industry, c.stage, c.owner, c.source);
    println!(
        "   id {}  created {}  credit {:?}  size {:?}  revenue {:?}",
        c.id, c.created_at, c.credit_code, c.size, c.revenue_band
    );
    println!(
        "   address {:?} {:?} {:?} {:?}",
        c.address.province, c.address.city, c.address.district, c.address.street
    );
    println!("   needs {:?}", c.needs);
    if !c.notes.is_empty() {
        println!("   notes {}", c.notes);
    }
    println!("   tags {:?} custom {:?} priority {}", c.manual_tags, c.custom, c.priority);
    if let Some(d) = &c.deal {
        println!("   deal {} on {} contract {}", d.amount, d.date, d.contract_no);
    }
    if let Some(r) = &c.lost_reason {
        println!("   lost: {r}");
    }
    for k in &c.contacts {
        println!(
            "   contact {}{} {:?} {:?} {:?} {:?}",
            if k.primary { "*" } else { "" },
            k.name,
            k.position,
            k.phone,
            k.email,
            k.wechat
        );
    }
    for x in &c.interactions {
        let next =
            x.next_action.as_ref().map(|n| format!(" -> {} by {} ({})", n.what, n.due, n.assignee)).unwrap_or_default();
        println!(
            "   {} {:7} {} | {:?} | {:?} [{}]{next}",
            x.at,
            x.channel.as_str(),
            x.summary,
            x.feedback,
            x.intent.map(|i| i.as_str()),
            x.author
        );
    }
    for o in &c.orders {
        println!("   order {} {} {} {:?}", o.date, o.amount, o.category, o.product);
    }
    for s in &c.service_records {
        println!(
            "   service {} {} {} -> {:?} sat {:?}",
            s.at,
            s.kind,
            s.summary,
            s.result,
            s.satisfaction.map(|s| s.to_string())
        );
    }
    for t in &c.tasks {
        println!("   task due {} {} ({}) done {:?}", t.due, t.what, t.assignee, t.done);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    let seed: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(42);
    let today = chrono::Local::now().date_naive();
    let book = DemoBook::new(seed, today, &["li.na", "wang.wei", "chen.jie"]);
    let p = DemoProfile::realistic();
    for c in book.customers(0..count, &p) {
        show(&c);
    }
    let n = 10_000u64;
    let year_ago = today - chrono::TimeDelta::days(365);
    let mut stages: BTreeMap<Stage, usize> = BTreeMap::new();
    let mut industries: BTreeMap<String, usize> = BTreeMap::new();
    let (mut over_500k, mut over_100k, mut with_orders) = (0, 0, 0);
    for c in book.customers(0..n, &p) {
        *stages.entry(c.stage).or_default() += 1;
        *industries.entry(c.industry.clone()).or_default() += 1;
        let t: i64 = c.orders.iter().filter(|o| o.date > year_ago).map(|o| o.amount.fen()).sum();
        with_orders += usize::from(t > 0);
        over_100k += usize::from(t > 10_000_000);
        over_500k += usize::from(t > 50_000_000);
    }
    println!("\n{n} customers: stages {stages:?}");
    println!("industries {industries:?}");
    println!("12-month totals: {with_orders} with orders, {over_100k} > 100,000 yuan, {over_500k} > 500,000 yuan");
}
