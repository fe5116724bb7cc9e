//! The API's list and export select the customers the store's filter selects: the list
//! model decides with the same function as the store's index path, so no filter the store
//! honours is ignored by a page of `GET /v1/customers`.

mod common;

use common::{start_with, Node};
use rapport_model::{Kind, NewCustomer, Stage};
use rapport_node::LocalBook;
use rapport_store::Filter;

/// A legacy won customer imported without its deal: flagged 待补充.
fn legacy(name: &str) -> NewCustomer {
    NewCustomer {
        kind: Some(Kind::Company),
        name: name.into(),
        industry: Some("C".into()),
        source: Some("展会".into()),
        stage: Some(Stage::Won),
        to_fill: ["deal.amount", "deal.date", "deal.contract_no"].iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

fn plain(name: &str) -> NewCustomer {
    NewCustomer {
        kind: Some(Kind::Company),
        name: name.into(),
        industry: Some("C".into()),
        source: Some("referral".into()),
        ..Default::default()
    }
}

fn book_with_flagged(book: &LocalBook) {
    let by = book.actor();
    for n in ["老客户机械有限公司", "老客户贸易有限公司"] {
        book.store.add_customer(&legacy(n), &by).expect("flagged");
    }
    for n in ["新客户机械有限公司", "新客户贸易有限公司", "客户三号"] {
        book.store.add_customer(&plain(n), &by).expect("plain");
    }
}

fn numbers_of(node: &Node, query: &str) -> Vec<String> {
    let r = node.get(&format!("/v1/customers?{query}"));
    assert_eq!(r.status, 200, "{query}: {}", r.body);
    let mut n: Vec<String> =
        r.json()["items"].as_array().expect("items").iter().map(|i| i["number"].as_str().expect("n").into()).collect();
    n.sort();
    n
}

fn store_numbers(node: &Node, f: &Filter) -> Vec<String> {
    node.book.store.list(f).expect("list").into_iter().map(|r| r.summary.number).collect()
}

#[test]
fn a_page_of_customers_to_fill_holds_exactly_the_flagged_customers() {
    let node = start_with(0, book_with_flagged);
    let flagged = store_numbers(&node, &Filter { to_fill: true, ..Default::default() });
    assert_eq!(flagged.len(), 2, "the store lists the two flagged customers");
    assert_eq!(numbers_of(&node, "to_fill=true"), flagged, "the list model");
    // With a text search the rows come from the search, then the same decision.
    assert_eq!(numbers_of(&node, "to_fill=true&q=%E5%AE%A2%E6%88%B7"), flagged, "search for 客户");
    let mut won = store_numbers(&node, &Filter { stage: Some(Stage::Won), to_fill: true, ..Default::default() });
    won.sort();
    assert_eq!(numbers_of(&node, "to_fill=true&stage=won"), won);
    // An export of the same filter holds the same customers.
    let r = node.get("/v1/export?to_fill=true&format=jsonl");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body.lines().count(), flagged.len(), "{}", r.body);
}

/// The command line's options and the API's query parameters are read by one function
/// (`FilterText::parse`): for every query below, the API selects exactly the customers the
/// command line's reading of the same text selects, or refuses the same fields.
#[test]
fn the_api_reads_filter_parameters_as_the_command_line_reads_its_options() {
    use rapport_node::{DateForms, FilterText};
    use rapport_store::StoreError;
    let node = start_with(60, book_with_flagged);
    let today = common::now().date();
    let t = |f: fn(&mut FilterText)| {
        let mut text = FilterText::default();
        f(&mut text);
        text
    };
    let cases: Vec<(&str, FilterText)> = vec![
        ("stage=won", t(|x| x.stage = Some("won".into()))),
        ("stage=%E6%84%8F%E5%90%91", t(|x| x.stage = Some("意向".into()))),
        (
            "industry=manufacturing&owner=li%20wei",
            t(|x| {
                x.industry = Some("manufacturing".into());
                x.owner = Some("li wei".into());
            }),
        ),
        (
            "tier=a&archived=true",
            t(|x| {
                x.tier = Some("a".into());
                x.archived = true;
            }),
        ),
        (
            "created_since=2025-06-01&created_until=2026-02-01",
            t(|x| {
                x.created_since = Some("2025-06-01".into());
                x.created_until = Some("2026-02-01".into());
            }),
        ),
        (
            "no_interaction_days=30&to_fill=true",
            t(|x| {
                x.no_interaction_days = Some(30);
                x.to_fill = true;
            }),
        ),
        ("no_interaction_days=30", t(|x| x.no_interaction_days = Some(30))),
        (
            "source=referral&tag=%E6%B5%81%E5%A4%B1%E9%A3%8E%E9%99%A9%E5%AE%A2%E6%88%B7",
            t(|x| {
                x.source = Some("referral".into());
                x.tag = Some("流失风险客户".into());
            }),
        ),
        (
            "stage=nope&tier=Z",
            t(|x| {
                x.stage = Some("nope".into());
                x.tier = Some("Z".into());
            }),
        ),
        (
            "created_since=2026-13-01&industry=XYZ",
            t(|x| {
                x.created_since = Some("2026-13-01".into());
                x.industry = Some("XYZ".into());
            }),
        ),
    ];
    let mut selected_some = false;
    for (query, text) in cases {
        let r = node.get(&format!("/v1/customers?limit=10000&{query}"));
        match text.parse(today, DateForms::Typed) {
            Ok(f) => {
                assert_eq!(r.status, 200, "{query}: {}", r.body);
                let mut want = store_numbers(&node, &f);
                want.sort();
                selected_some |= !want.is_empty();
                assert_eq!(numbers_of(&node, &format!("limit=10000&{query}")), want, "{query}");
            }
            Err(StoreError::Invalid(v)) => {
                let p = common::problem(&r, 422, "validation");
                let fields: Vec<&str> =
                    p["errors"].as_array().expect("errors").iter().map(|e| e["field"].as_str().expect("f")).collect();
                let want: Vec<&str> = v.fields.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, want, "{query}");
            }
            Err(e) => panic!("{query}: {e}"),
        }
    }
    assert!(selected_some, "the cases select customers, not only empty lists");
}
