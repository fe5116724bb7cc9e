//! The API keeps its own contract: what `docs/api/openapi.json` allows, the server takes,
//! and what it refuses, the server refuses with the status `docs/api.md` promises. Each
//! test started as an attack a property-based run (Schemathesis) found, against a real
//! server on 127.0.0.1 port 0.

mod common;

use common::*;
use serde_json::{json, Value};

fn company(name: &str) -> String {
    json!({
        "kind": "company", "name": name, "industry": "C", "source": "trade_show",
        "contacts": [{"name": "王小明", "phone": "13812345678", "email": "wang@hengrui.cn"}]
    })
    .to_string()
}

fn new_customer(node: &Node) -> String {
    let c = node.call("POST", "/v1/customers", Some(&company("Contract Co., Ltd.")));
    assert_eq!(c.status, 201, "{}", c.body);
    c.json()["number"].as_str().expect("number").to_string()
}

fn doc() -> Value {
    serde_json::from_str(&rapport_api::openapi_text()).expect("the document is JSON")
}

/// The schema of query parameter `name` of `GET path`.
fn query_param(d: &Value, path: &str, name: &str) -> Value {
    d["paths"][path]["get"]["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == name && p["in"] == "query")
        .map(|p| p["schema"].clone())
        .unwrap_or_else(|| panic!("GET {path} has no query parameter {name}"))
}

#[test]
fn a_day_count_past_the_calendar_is_a_422_naming_the_parameter_and_its_bound() {
    let node = start(5);
    for path in ["/v1/customers", "/v1/export"] {
        for days in ["100000000", "36501", "4294967295"] {
            let r = node.get(&format!("{path}?no_interaction_days={days}"));
            let p = problem(&r, 422, "validation");
            assert_eq!(p["errors"][0]["field"], "no_interaction_days", "{path} {days}: {p}");
            assert!(p["errors"][0]["reason"].as_str().is_some_and(|r| r.contains("36500")), "{path}: {p}");
        }
        // The bound itself is served, even counted back from the calendar's first years.
        for q in ["no_interaction_days=36500", "no_interaction_days=36500&today=0001-01-01"] {
            let r = node.get(&format!("{path}?{q}"));
            assert_eq!(r.status, 200, "{path}?{q}: {}", r.body);
        }
        // The document states the bound, so a generated client never sends more.
        let s = query_param(&doc(), path, "no_interaction_days");
        assert_eq!((&s["minimum"], &s["maximum"]), (&json!(0), &json!(36500)), "{path}: {s}");
    }
}

#[test]
fn an_array_is_never_taken_for_an_object_at_any_depth() {
    let node = start(0);
    let number = new_customer(&node);
    let path = format!("/v1/customers/{number}");
    let before = node.get(&path).body;
    for (method, route, body) in [
        ("POST", format!("{path}/archive"), r#"["why"]"#.to_string()),
        ("POST", format!("{path}/archive"), r#""why""#.to_string()),
        ("POST", format!("{path}/restore"), r#"["why"]"#.to_string()),
        ("POST", "/v1/customers".to_string(), r#"["company","Array Co"]"#.to_string()),
        ("PATCH", path.clone(), r#"["Renamed Co"]"#.to_string()),
        ("POST", format!("{path}/interactions"), r#"["2026-03-01 10:00","phone","called"]"#.to_string()),
        ("POST", format!("{path}/orders"), r#"[null,"100","bearings"]"#.to_string()),
        ("POST", format!("{path}/tasks"), r#"["call back",null,"2026-03-05"]"#.to_string()),
        ("POST", format!("{path}/merge"), r#"["MFG-2026-XXXXXX-002"]"#.to_string()),
        ("POST", "/v1/rules".to_string(), r#"["r","t","amount_12m > 0"]"#.to_string()),
        // Nested: a contact, a deal and an address given as arrays of their fields.
        (
            "POST",
            "/v1/customers".to_string(),
            json!({"kind": "company", "name": "Nested Co", "industry": "C", "source": "s", "contacts": [["李四"]]})
                .to_string(),
        ),
        ("POST", format!("{path}/contacts"), r#"{"name":"李四","reason":["new"]}"#.to_string()),
        (
            "PATCH",
            path.clone(),
            json!({"stage": "won", "deal": ["1000", "2026-03-01", "HT-1"], "reason": "signed"}).to_string(),
        ),
        ("PATCH", path.clone(), json!({"address": ["江苏", "苏州"]}).to_string()),
    ] {
        let r = node.call(method, &route, Some(&body));
        let p = problem(&r, 422, "invalid-body");
        let detail = p["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("object") || detail.contains("string"), "{method} {route} {body}: {p}");
    }
    // The nested refusal names where.
    let r = node.call(
        "POST",
        "/v1/customers",
        Some(
            &json!({"kind": "company", "name": "Nested Co", "industry": "C", "source": "s", "contacts": [{"name": "a"}, ["b"]]})
                .to_string(),
        ),
    );
    assert!(problem(&r, 422, "invalid-body")["detail"].as_str().is_some_and(|d| d.contains("contacts[1]")));
    // Nothing was archived, renamed or added.
    assert_eq!(node.get(&path).body, before);
    assert_eq!(node.get("/v1/customers?archived=true").json()["total"], 1);
}

#[test]
fn valid_json_of_the_wrong_shape_is_422_and_only_bytes_that_are_not_json_are_400() {
    let node = start(0);
    let number = new_customer(&node);
    let huge = format!(r#"{{"condition":"amount_12m > 1","limit":1{}}}"#, "0".repeat(400));
    for (route, body) in [
        // Numbers beyond any float, which the grammar allows.
        ("/v1/rules/test".to_string(), r#"{"condition":"amount_12m > 1","limit":1e400}"#.to_string()),
        ("/v1/rules/test".to_string(), huge),
        (format!("/v1/customers/{number}/service-records"), r#"{"type":"fault","summary":"x","satisfaction":-1e999}"#.to_string()),
        // An unpaired surrogate escape, which the grammar allows and no text can hold.
        (format!("/v1/customers/{number}/interactions"), r#"{"channel":"phone","summary":"\ud800"}"#.to_string()),
        // A key twice.
        ("/v1/customers".to_string(), r#"{"kind":"company","name":"A","name":"B"}"#.to_string()),
        (format!("/v1/customers/{number}/archive"), r#"{"reason":"a","reason":"b"}"#.to_string()),
        // Top-level values that are not objects.
        ("/v1/rules/test".to_string(), "42".to_string()),
        ("/v1/rules/test".to_string(), "true".to_string()),
    ] {
        let r = node.call("POST", &route, Some(&body));
        problem(&r, 422, "invalid-body");
    }
    for (route, body) in [
        ("/v1/rules/test", r#"{"condition":"amount_12m > 1","limit":}"#),
        ("/v1/rules/test", r#"{"condition":"amount_12m > 1"} x"#),
        ("/v1/rules/test", r#"{"condition":'x'}"#),
        ("/v1/rules/test", "NaN"),
    ] {
        problem(&node.call("POST", route, Some(body)), 400, "malformed-json");
    }
    // An optional body that is there is JSON like any other.
    let auth = format!("Bearer {TOKEN}");
    let r = node.raw(
        "POST",
        &format!("/v1/customers/{number}/archive"),
        Some(r#"{"reason":"x"}"#),
        &[("authorization", &auth), ("content-type", "text/plain")],
        false,
    );
    problem(&r, 415, "unsupported-media-type");
    assert_eq!(node.get(&format!("/v1/customers/{number}")).json()["customer"]["archived"], false);
}

/// Whether a property schema (after `$ref`) allows `null`.
fn allows_null(d: &Value, s: &Value) -> bool {
    if let Some(r) = s["$ref"].as_str() {
        return allows_null(d, d.pointer(r.trim_start_matches('#')).unwrap_or(&Value::Null));
    }
    let in_type = match &s["type"] {
        Value::String(t) => t == "null",
        Value::Array(ts) => ts.iter().any(|t| t == "null"),
        _ => false,
    };
    let in_branches = ["oneOf", "anyOf"].iter().any(|k| s[k].as_array().is_some_and(|b| b.iter().any(|x| allows_null(d, x))));
    let in_enum = s["enum"].as_array().is_some_and(|e| e.contains(&Value::Null));
    in_type || in_branches || in_enum || s.as_object().is_some_and(|o| o.is_empty())
}

#[test]
fn null_is_taken_exactly_where_the_document_allows_it() {
    let node = start(0);
    let number = new_customer(&node);
    let contact = node.get(&format!("/v1/customers/{number}")).json()["customer"]["contacts"][0]["id"]
        .as_str()
        .expect("contact id")
        .to_string();
    let task = node.call("POST", &format!("/v1/customers/{number}/tasks"), Some(r#"{"what":"x","due":"2026-03-05"}"#));
    let task = task.json()["item"].as_str().expect("task id").to_string();
    let c = format!("/v1/customers/{number}");
    // A body each operation takes, by schema.
    let cases: Vec<(&str, String, &str, Value)> = vec![
        ("POST", "/v1/customers".into(), "NewCustomerInput", serde_json::from_str(&company("Null Co")).expect("json")),
        ("PATCH", c.clone(), "CustomerPatchInput", json!({"notes": "n"})),
        ("POST", format!("{c}/contacts"), "NewContactInput", json!({"name": "赵六"})),
        ("PATCH", format!("{c}/contacts/{contact}"), "ContactPatchInput", json!({"position": "经理", "reason": "r"})),
        ("POST", format!("{c}/interactions"), "NewInteractionInput", json!({"channel": "phone", "summary": "s"})),
        ("POST", format!("{c}/service-records"), "NewServiceRecordInput", json!({"type": "fault", "summary": "s"})),
        ("POST", format!("{c}/orders"), "NewOrderInput", json!({"amount": "100", "category": "c"})),
        ("POST", format!("{c}/tasks"), "NewTaskInput", json!({"what": "w", "due": "2026-03-05"})),
        ("POST", format!("{c}/tasks/{task}/done"), "TaskCompletionInput", json!({"result": "r"})),
        ("POST", format!("{c}/archive"), "ReasonBody", json!({"reason": "r"})),
        ("POST", "/v1/rules/test".into(), "TestRuleBody", json!({"condition": "amount_12m > 1"})),
        ("POST", "/v1/rules".into(), "RuleBody", json!({"name": "n", "tag": "t", "condition": "amount_12m > 1"})),
    ];
    let d = doc();
    let mut checked = 0;
    for (method, route, schema, base) in cases {
        let s = &d["components"]["schemas"][schema];
        let props = s["properties"].as_object().unwrap_or_else(|| panic!("{schema} has no properties"));
        for (field, ps) in props {
            let mut body = base.clone();
            body[field.as_str()] = Value::Null;
            let r = node.call(method, &route, Some(&body.to_string()));
            if allows_null(&d, ps) {
                // Taken as the field left out: never refused for its shape.
                assert!(r.status < 400 || r.json()["type"] != "https://rapport.dev/problems/invalid-body",
                    "{schema}.{field} allows null, but {method} {route} refused it: {}", r.body);
            } else {
                assert_eq!(r.status, 422, "{schema}.{field} does not allow null, but {method} {route} took it: {}", r.body);
            }
            checked += 1;
        }
    }
    assert!(checked > 60, "{checked} fields checked");
}
