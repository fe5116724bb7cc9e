//! A rule cannot crash a node: the 4 KB deeply nested conditions that once overflowed the
//! parser's stack and aborted the process are refused by every endpoint that parses a rule,
//! with a problem+json naming the position, and the node keeps answering.

mod common;

use common::*;
use rapport_rules::{MAX_CONDITION_CHARS, MAX_NESTING};
use serde_json::json;

/// Conditions nested as deep as fits in about 4 KB, and one too long, with the column of
/// the error each must name (all on line 1).
fn bombs() -> Vec<(&'static str, String, usize)> {
    let past = MAX_NESTING + 1;
    vec![
        ("parentheses", format!("{}priority{}", "(".repeat(1_990), ")".repeat(1_990)), past),
        ("full-width parentheses", format!("{}priority{}", "（".repeat(660), "）".repeat(660)), past),
        ("not", format!("{}priority", "not ".repeat(995)), 4 * MAX_NESTING + 1),
        ("not and parentheses", format!("{}priority{}", "not (".repeat(660), ")".repeat(660)), 5 * MAX_NESTING / 2 + 1),
        ("and chain", vec!["priority"; 310].join(" and "), MAX_CONDITION_CHARS + 1),
    ]
}

fn assert_refused(r: &Reply, what: &str, column: usize) {
    let p = problem(r, 422, "validation");
    let field = &p["errors"][0];
    assert_eq!(field["field"], "condition", "{what}: {p}");
    let reason = field["reason"].as_str().unwrap_or_default();
    assert!(reason.contains(&format!("line 1, column {column}:")), "{what}: the position is named: {reason}");
}

fn assert_alive(node: &Node, after: &str) {
    let h = node.get("/v1/health");
    assert_eq!(h.status, 200, "the node answers after {after}: {}", h.body);
}

#[test]
fn deeply_nested_and_over_long_rules_are_refused_by_every_endpoint_and_the_node_survives() {
    let node = start(5);
    let rules_before = node.get("/v1/rules").json();
    for (what, condition, column) in bombs() {
        let body = json!({ "name": "bomb", "tag": "炸弹", "condition": condition }).to_string();
        assert!(body.len() <= 4_200, "{what}: a body of about 4 KB, not {}", body.len());

        let r = node.call("POST", "/v1/rules/test", Some(&body));
        assert_refused(&r, &format!("POST /v1/rules/test, {what}"), column);
        assert_alive(&node, &format!("POST /v1/rules/test, {what}"));

        let r = node.call("POST", "/v1/rules", Some(&body));
        assert_refused(&r, &format!("POST /v1/rules, {what}"), column);
        assert_alive(&node, &format!("POST /v1/rules, {what}"));

        let put = json!({ "tag": "炸弹", "condition": condition }).to_string();
        let r = node.call("PUT", "/v1/rules/active", Some(&put));
        assert_refused(&r, &format!("PUT /v1/rules/active, {what}"), column);
        assert_alive(&node, &format!("PUT /v1/rules/active, {what}"));
    }
    // Nothing was stored, and the book still evaluates.
    assert_eq!(node.get("/v1/rules").json(), rules_before);
    let refresh = node.call("POST", "/v1/tags/refresh", None);
    assert_eq!(refresh.status, 200, "{}", refresh.body);
    assert_eq!(node.get("/v1/customers").json()["total"], 5);
}

#[test]
fn a_rule_at_the_bounds_is_accepted() {
    let node = start(3);
    let deep = format!("{}priority{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
    let body = json!({ "name": "deep", "tag": "深", "condition": deep }).to_string();
    let r = node.call("POST", "/v1/rules/test", Some(&body));
    assert_eq!(r.status, 200, "{}", r.body);
    let r = node.call("POST", "/v1/rules", Some(&body));
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(node.get("/v1/rules").body.contains("\"deep\""));
}
