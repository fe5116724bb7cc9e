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

/// A schema with its `$ref` followed.
fn resolved<'a>(d: &'a Value, s: &'a Value) -> &'a Value {
    match s["$ref"].as_str() {
        Some(r) => d.pointer(r.trim_start_matches('#')).unwrap_or_else(|| panic!("{r} does not resolve")),
        None => s,
    }
}

/// The schema of query parameter `name` of `GET path`.
fn query_param(d: &Value, path: &str, name: &str) -> Value {
    let s = d["paths"][path]["get"]["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == name && p["in"] == "query")
        .map(|p| &p["schema"])
        .unwrap_or_else(|| panic!("GET {path} has no query parameter {name}"));
    resolved(d, s).clone()
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
        (
            format!("/v1/customers/{number}/service-records"),
            r#"{"type":"fault","summary":"x","satisfaction":-1e999}"#.to_string(),
        ),
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
    // An optional body that is there is JSON like any other: only spaces is not JSON
    // (found by Schemathesis: `\r` archived a customer).
    for blank in ["\r", " ", "\n\n"] {
        problem(&node.call("POST", &format!("/v1/customers/{number}/archive"), Some(blank)), 400, "malformed-json");
        problem(&node.call("POST", "/v1/rules/test", Some(blank)), 400, "malformed-json");
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
    if s.get("$ref").is_some() {
        return allows_null(d, resolved(d, s));
    }
    let in_type = match &s["type"] {
        Value::String(t) => t == "null",
        Value::Array(ts) => ts.iter().any(|t| t == "null"),
        _ => false,
    };
    let in_branches =
        ["oneOf", "anyOf"].iter().any(|k| s[k].as_array().is_some_and(|b| b.iter().any(|x| allows_null(d, x))));
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
                assert!(
                    r.status < 400 || r.json()["type"] != "https://rapport.dev/problems/invalid-body",
                    "{schema}.{field} allows null, but {method} {route} refused it: {}",
                    r.body
                );
            } else {
                assert_eq!(
                    r.status, 422,
                    "{schema}.{field} does not allow null, but {method} {route} took it: {}",
                    r.body
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 60, "{checked} fields checked");
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// Every documented operation: method, path template, operation.
fn operations(d: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in d["paths"].as_object().expect("paths") {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                out.push((m.to_string(), path.clone(), op.clone()));
            }
        }
    }
    out
}

/// A path with its parameters filled in with values that exist.
fn concrete(path: &str, number: &str, contact: &str, task: &str) -> String {
    path.replace("{key}", number)
        .replace("{tag}", "t")
        .replace("{contact}", contact)
        .replace("{task}", task)
        .replace("{name}", if path.starts_with("/v1/rules/") { "no_such_rule" } else { "funnel" })
}

fn documented(op: &Value) -> Vec<u16> {
    op["responses"].as_object().expect("responses").keys().filter_map(|k| k.parse().ok()).collect()
}

fn json_body(op: &Value) -> bool {
    op["requestBody"]["content"].get("application/json").is_some()
}

#[test]
fn every_refusal_the_server_answers_with_is_documented_for_its_operation() {
    let node = start(3);
    let number = new_customer(&node);
    let c = node.get(&format!("/v1/customers/{number}")).json();
    let contact = c["customer"]["contacts"][0]["id"].as_str().expect("contact").to_string();
    let t = node.call("POST", &format!("/v1/customers/{number}/tasks"), Some(r#"{"what":"x","due":"2026-03-05"}"#));
    let task = t.json()["item"].as_str().expect("task").to_string();
    let d = doc();
    let auth = format!("Bearer {TOKEN}");
    let mut probed = 0;
    for (method, path, op) in operations(&d) {
        if path == "/v1/events" {
            continue; // an endless stream; its refusals are probed below
        }
        let target = concrete(&path, &number, &contact, &task);
        let m = method.to_uppercase();
        let statuses = documented(&op);
        let mut check = |what: &str, r: Reply| {
            assert!(
                statuses.contains(&r.status),
                "{m} {path} ({what}) answered {} but documents only {statuses:?}: {}",
                r.status,
                r.body
            );
            probed += 1;
        };
        // No token.
        check("no token", node.raw(&m, &target, None, &[], false));
        // An unknown query parameter.
        let sep = if target.contains('?') { '&' } else { '?' };
        check(
            "unknown parameter",
            node.raw(&m, &format!("{target}{sep}zz_unknown=1"), None, &[("authorization", &auth)], false),
        );
        if json_body(&op) {
            check("no body", node.raw(&m, &target, None, &[("authorization", &auth)], false));
            check(
                "text/plain body",
                node.raw(&m, &target, Some("{}"), &[("authorization", &auth), ("content-type", "text/plain")], false),
            );
            check("not JSON", node.call(&m, &target, Some("\u{0}")));
            check("an array", node.call(&m, &target, Some("[1]")));
            check("an unknown field", node.call(&m, &target, Some(r#"{"zz_unknown":1}"#)));
        }
        // Every query parameter with a value of the wrong type or out of range.
        for p in op["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "query") {
            let name = p["name"].as_str().expect("name");
            for bad in ["%00", "-1", "not-a-value", "99999999999999999999999"] {
                check(&format!("{name}={bad}"), node.call(&m, &format!("{target}{sep}{name}={bad}"), None));
            }
        }
    }
    for (headers, what) in [(vec![("last-event-id", "x")], "bad Last-Event-ID"), (vec![], "no token")] {
        let mut h = headers.clone();
        if what != "no token" {
            h.push(("authorization", &auth));
        }
        let r = node.raw("GET", "/v1/events?after=x", None, &h, false);
        let statuses = documented(&d["paths"]["/v1/events"]["get"]);
        assert!(statuses.contains(&r.status), "GET /v1/events ({what}) answered {}: {statuses:?}", r.status);
    }
    assert!(probed > 300, "{probed} refusals probed");
}

#[test]
fn every_operation_documents_the_refusals_every_request_can_meet() {
    let d = doc();
    for (method, path, op) in operations(&d) {
        let statuses = documented(&op);
        assert!(statuses.contains(&401), "{method} {path} does not document 401: {statuses:?}");
        let has_params = op["parameters"].as_array().is_some_and(|p| p.iter().any(|p| p["in"] != "header"));
        if has_params || json_body(&op) {
            assert!(statuses.contains(&400), "{method} {path} does not document 400: {statuses:?}");
        }
        if json_body(&op) {
            for s in [413, 415, 422] {
                assert!(statuses.contains(&s), "{method} {path} does not document {s}: {statuses:?}");
            }
        }
    }
}

#[test]
fn exports_are_served_with_the_content_types_the_document_names() {
    let node = start(3);
    let d = doc();
    let content = d["paths"]["/v1/export"]["get"]["responses"]["200"]["content"].as_object().expect("content");
    let mut seen = std::collections::BTreeSet::new();
    for format in ["csv", "xlsx", "jsonl", "excel", "json", "ndjson", "CSV"] {
        let r = node.get(&format!("/v1/export?format={format}"));
        assert_eq!(r.status, 200, "{format}: {}", r.body);
        let ct = r.header("content-type").expect("content type");
        assert!(content.contains_key(ct), "format {format} is served as {ct}, which the document does not name");
        seen.insert(ct.to_string());
    }
    assert_eq!(seen.len(), content.len(), "every documented type is served: {seen:?}");
    assert!(!content.contains_key("application/octet-stream"));
}

/// Query and path parameters whose schema closes the set of values.
fn closed_parameters(d: &Value) -> Vec<(String, String, String, String, Value)> {
    let mut out = Vec::new();
    for (method, path, op) in operations(d) {
        for p in op["parameters"].as_array().into_iter().flatten() {
            let s = resolved(d, &p["schema"]).clone();
            let name = p["name"].as_str().expect("name").to_string();
            out.push((method.clone(), path.clone(), name, p["in"].as_str().unwrap_or("").to_string(), s));
        }
    }
    out
}

#[test]
fn every_value_the_document_offers_is_taken_and_every_bound_is_the_servers() {
    let node = start(5);
    let number = new_customer(&node);
    let d = doc();
    let mut checked = 0;
    for (method, path, name, location, s) in closed_parameters(&d) {
        if method != "get" || path == "/v1/events" {
            continue;
        }
        let with = |value: &str| {
            let v = rapport_api::client::encode(value);
            if location == "path" {
                concrete(&path.replace(&format!("{{{name}}}"), &v), &number, "c", "t")
            } else {
                format!("{}?{name}={v}", concrete(&path, &number, "c", "t"))
            }
        };
        for v in s["enum"].as_array().into_iter().flatten() {
            let v = v.as_str().expect("string enum");
            let r = node.get(&with(v));
            assert_eq!(r.status, 200, "GET {path} {name}={v} is in the document but refused: {}", r.body);
            checked += 1;
        }
        if s["format"] == "date" {
            for v in ["2026-03-02", "0001-01-01", "9999-12-31"] {
                let r = node.get(&with(v));
                assert_eq!(r.status, 200, "GET {path} {name}={v}: {}", r.body);
            }
            for v in ["2026-3-2", "tomorrow", "2026-02-30", ""] {
                let r = node.get(&with(v));
                assert!(matches!(r.status, 400 | 422), "GET {path} {name}={v:?} is not a date, yet: {}", r.body);
            }
            checked += 1;
        }
        if let (Some(min), Some(max)) = (s["minimum"].as_u64(), s["maximum"].as_u64()) {
            for v in [min, max] {
                let r = node.get(&with(&v.to_string()));
                assert_eq!(r.status, 200, "GET {path} {name}={v} is a bound of the document: {}", r.body);
            }
            for v in
                [min.checked_sub(1).map(|v| v.to_string()).unwrap_or("-1".into()), (u128::from(max) + 1).to_string()]
            {
                let r = node.get(&with(&v));
                assert!(matches!(r.status, 400 | 422), "GET {path} {name}={v} is past a bound, yet: {}", r.body);
            }
            checked += 1;
        }
    }
    assert!(checked > 150, "{checked} values checked");
    // The closed sets the issue names are there.
    let schema = |path: &str, name: &str| query_param(&d, path, name);
    for (path, name) in [
        ("/v1/customers", "industry"),
        ("/v1/customers", "stage"),
        ("/v1/customers", "sort"),
        ("/v1/customers", "tier"),
        ("/v1/export", "format"),
        ("/v1/tiers", "model"),
    ] {
        assert!(schema(path, name)["enum"].is_array(), "{path} {name}");
    }
    assert_eq!(
        (schema("/v1/customers", "limit")["minimum"].clone(), schema("/v1/customers", "limit")["maximum"].clone()),
        (json!(1), json!(10000))
    );
    assert_eq!(schema("/v1/customers", "created_since")["format"], "date");
    let kinds = &d["components"]["schemas"]["NewCustomerInput"]["properties"]["kind"]["enum"];
    assert_eq!(kinds, &json!(["company", "person"]));
    let channels = &d["components"]["schemas"]["NewInteractionInput"]["properties"]["channel"]["enum"];
    assert_eq!(channels, &json!(["phone", "visit", "email", "meeting", "wechat"]));
    let reports = resolved(&d, &d["paths"]["/v1/reports/{name}"]["get"]["parameters"][0]["schema"]).clone();
    assert!(reports["enum"].as_array().is_some_and(|e| e.contains(&json!("churn-risk")) && e.contains(&json!("漏斗"))));
}

#[test]
fn the_change_feed_is_documented_as_a_stream_of_text_whose_events_carry_change_events() {
    let d = doc();
    let ok = &d["paths"]["/v1/events"]["get"]["responses"]["200"]["content"];
    let stream = ok["text/event-stream"]["schema"].clone();
    // A 3.1 reader validates the body against the schema: the body is text, not one object.
    assert_eq!(stream["type"], "string", "{stream}");
    assert!(stream.get("$ref").is_none() && stream.get("properties").is_none(), "{stream}");
    assert_eq!(ok.as_object().map(|o| o.len()), Some(1));
    let event = &d["components"]["schemas"]["ChangeEvent"];
    assert_eq!(event["required"], json!(["seq", "id", "number"]));
    // The data of a real event has exactly those fields.
    let node = start(1);
    let agent: ureq::Agent =
        ureq::Agent::config_builder().timeout_global(Some(std::time::Duration::from_secs(20))).build().into();
    let resp = agent
        .get(format!("{}/v1/events?after=0", node.url))
        .header("authorization", format!("Bearer {TOKEN}"))
        .call()
        .expect("stream");
    use std::io::BufRead;
    let line = std::io::BufReader::new(resp.into_body().into_reader())
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("data:").map(|d| d.trim().to_string()))
        .expect("an event");
    let data: Value = serde_json::from_str(&line).expect("event data is JSON");
    let keys: Vec<&String> = data.as_object().expect("object").keys().collect();
    let props: Vec<&String> = event["properties"].as_object().expect("properties").keys().collect();
    assert_eq!(keys, props);
}

#[test]
fn bodies_a_property_based_run_found_refused_or_taken_wrongly_are_answered_as_documented() {
    let node = start(0);
    let number = new_customer(&node);
    let c = format!("/v1/customers/{number}");
    // Needs without a decision chain (the document makes every part optional).
    let r = node.call(
        "POST",
        "/v1/customers",
        Some(&json!({"kind": "person", "name": "王五", "source": "referral", "needs": {"budget": "10万"}}).to_string()),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["needs"]["budget"], "10万");
    // Unknown fields inside the address or the needs are refused like anywhere else, not
    // silently dropped.
    for body in [
        json!({"kind": "person", "name": "赵六", "source": "s", "address": {"city": "苏州", "planet": "Mars"}}),
        json!({"kind": "person", "name": "赵六", "source": "s", "needs": {"budget": "1", "decision_chain": {"ceo": "x"}}}),
    ] {
        let p = problem(&node.call("POST", "/v1/customers", Some(&body.to_string())), 422, "invalid-body");
        assert!(p["detail"].as_str().is_some_and(|d| d.contains("planet") || d.contains("ceo")), "{p}");
    }
    // An integer written with a zero fraction is an integer.
    let r = node.call("POST", &format!("{c}/orders"), Some(r#"{"amount": 10148.0, "category": "bearings"}"#));
    assert_eq!(r.status, 201, "{}", r.body);
    let r = node.call("POST", "/v1/rules/test", Some(r#"{"condition": "amount_12m > 1", "limit": 2e0}"#));
    assert_eq!(r.status, 200, "{}", r.body);
    let r = node.call("POST", &format!("{c}/orders"), Some(r#"{"amount": 1.5, "category": "bearings"}"#));
    problem(&r, 422, "invalid-body");
    // An optional body sent as null is no body.
    let r = node.call("POST", &format!("{c}/archive"), Some("null"));
    assert_eq!(r.status, 200, "{}", r.body);
    let r = node.call("POST", &format!("{c}/restore"), Some(" null "));
    assert_eq!(r.status, 200, "{}", r.body);
    // No route takes the token in the query.
    let r = node.get(&format!("/v1/reports/funnel?token={TOKEN}"));
    problem(&r, 400, "invalid-query");
    let d = doc();
    assert!(d["components"]["securitySchemes"]["query_token"].is_null(), "no token in URLs");
    assert!(d["paths"]["/reports/{name}"].is_null(), "report pages are the web app's");
    // Tier settings name their sections, and nothing else is taken.
    let settings = node.get("/v1/settings/tiers").json();
    let sections: Vec<&String> = settings.as_object().expect("settings").keys().collect();
    let documented: Vec<&String> =
        d["components"]["schemas"]["TierSettingsPatch"]["properties"].as_object().expect("properties").keys().collect();
    assert_eq!(sections, documented);
}

#[test]
fn a_satisfaction_past_what_a_score_holds_is_a_422_not_a_panic() {
    let node = start(0);
    let number = new_customer(&node);
    // Found by Schemathesis (seed 5): "925" overflowed the score's hundredths.
    for score in [json!("925"), json!(" 925 "), json!(999.99), json!(656)] {
        let body = json!({"type": "fault", "summary": "s", "satisfaction": score}).to_string();
        let r = node.call("POST", &format!("/v1/customers/{number}/service-records"), Some(&body));
        let p = problem(&r, 422, "validation");
        assert_eq!(p["errors"][0]["field"], "satisfaction", "{score}: {p}");
    }
}

#[test]
fn an_amount_too_large_for_any_ledger_is_refused_not_a_panic() {
    let node = start(0);
    let number = new_customer(&node);
    // 39 digits parse as an i128 and overflowed it once scaled to fen.
    for amount in ["170141183460469231731687303715884105727", "17014118346046923173168730371588410万"] {
        let body = json!({"amount": amount, "category": "x"}).to_string();
        let r = node.call("POST", &format!("/v1/customers/{number}/orders"), Some(&body));
        let p = problem(&r, 422, "invalid-body");
        assert!(p["detail"].as_str().is_some_and(|d| d.contains("too large")), "{amount}: {p}");
    }
    let r = node.call(
        "POST",
        &format!("/v1/customers/{number}/orders"),
        Some(r#"{"amount": "92233720368547758.07", "category": "x"}"#),
    );
    assert_eq!(r.status, 201, "the largest amount a ledger holds: {}", r.body);
}

#[test]
fn a_reason_in_the_header_is_read_as_utf8_not_dropped() {
    let node = start(0);
    let number = new_customer(&node);
    let auth = format!("Bearer {TOKEN}");
    let r = node.raw(
        "POST",
        &format!("/v1/customers/{number}/archive"),
        None,
        &[("authorization", &auth), ("x-rapport-reason", "重复客户")],
        false,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let history = node.get(&format!("/v1/customers/{number}/history")).json();
    assert!(history.as_array().expect("history").iter().any(|e| e["why"] == "重复客户"), "{history}");
    // A stage change explained only in the header.
    let r = node.raw(
        "PATCH",
        &format!("/v1/customers/{number}"),
        Some(r#"{"stage":"intent"}"#),
        &[("authorization", &auth), ("x-rapport-reason", "客户询价")],
        true,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let d = doc();
    let header = d["paths"]["/v1/customers/{key}/archive"]["post"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["in"] == "header")
        .cloned()
        .unwrap_or_default();
    assert_eq!((&header["name"], &header["schema"]["type"]), (&json!("X-Rapport-Reason"), &json!("string")));
}
