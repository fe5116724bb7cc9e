//! The API through a real server on 127.0.0.1 port 0, a real HTTP client and a real
//! redb store: every endpoint, authentication, every class of bad input (always a
//! problem+json 4xx, never a 500), concurrent patches, ETags and the change feed.

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::BufRead;
use std::time::Duration;

fn company(name: &str) -> String {
    json!({
        "kind": "company", "name": name, "industry": "C", "source": "trade_show",
        "contacts": [{"name": "王小明", "phone": "13812345678", "email": "wang@hengrui.cn"}]
    })
    .to_string()
}

#[test]
fn every_request_needs_the_token_and_a_refusal_reveals_nothing() {
    let node = start(3);
    for (headers, what) in [
        (vec![], "no header"),
        (vec![("authorization", "Bearer wrong-token")], "wrong token"),
        (vec![("authorization", "Basic dGVzdDp0ZXN0")], "wrong scheme"),
        (vec![("authorization", "Bearer ")], "empty token"),
        (vec![("authorization", &*format!("Bearer {TOKEN}x"))], "token with a suffix"),
    ] {
        for (method, path) in [
            ("GET", "/v1/health"),
            ("GET", "/v1/customers"),
            ("GET", "/v1/no/such/route"),
            ("DELETE", "/v1/health"),
            ("GET", "/v1/openapi.json"),
        ] {
            let r = node.raw(method, path, None, &headers, false);
            let p = problem(&r, 401, "unauthorized");
            assert_eq!(r.header("www-authenticate"), Some("Bearer realm=\"rapport\""), "{what}");
            assert!(!r.body.contains("Test Owner") && !r.body.contains("customers/"), "{what}: {}", r.body);
            assert_eq!(p.as_object().map(|o| o.len()), Some(4), "only type, title, status, detail: {p}");
        }
    }
    let r = node.raw("POST", "/v1/customers", Some(&company("X")), &[], true);
    problem(&r, 401, "unauthorized");
    // Nothing was written by the refused request.
    assert_eq!(node.get("/v1/customers?archived=true").json()["total"], 3);
    // The scheme is case-insensitive, as RFC 9110 says.
    let ok = node.raw("GET", "/v1/health", None, &[("authorization", &format!("bearer {TOKEN}"))], false);
    assert_eq!(ok.status, 200);
}

#[test]
fn every_endpoint_works() {
    let node = start(30);
    let h = node.get("/v1/health");
    assert_eq!(h.status, 200, "{}", h.body);
    assert_eq!(h.json()["identity"]["member_name"], "Test Owner");

    // Create.
    let c = node.call("POST", "/v1/customers", Some(&company("苏州恒瑞精密机械有限公司")));
    assert_eq!(c.status, 201, "{}", c.body);
    assert!(c.header("etag").is_some_and(|e| e.starts_with('"')));
    let created = c.json();
    let number = created["number"].as_str().expect("number").to_string();
    assert_eq!(c.header("location").map(str::to_string), Some(format!("/v1/customers/{number}")));
    assert_eq!(created["contacts"][0]["phone"], "13812345678", "the API does not mask");
    let id = created["id"].as_str().expect("id").to_string();

    // Read by number and by id.
    let one = node.get(&format!("/v1/customers/{number}"));
    assert_eq!(one.status, 200, "{}", one.body);
    let v = one.json();
    assert_eq!(v["customer"]["name"], "苏州恒瑞精密机械有限公司");
    assert!(v["figures"].is_object() && v["conflicts"].is_array() && v.get("rule_tags").is_some(), "{v}");
    let by_id = node.get(&format!("/v1/customers/{id}"));
    assert_eq!(by_id.json()["customer"]["number"], number.as_str());
    let lower = node.get(&format!("/v1/customers/{}", number.to_lowercase()));
    assert_eq!(lower.status, 200);

    // Patch (reason in the body, then in the header).
    let p = node.call(
        "PATCH",
        &format!("/v1/customers/{number}"),
        Some(r#"{"stage":"intent","reason":"asked for a quote"}"#),
    );
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(p.json()["customer"], number.as_str());
    let p = node.raw(
        "PATCH",
        &format!("/v1/customers/{number}"),
        Some(r#"{"stage":"potential"}"#),
        &[("authorization", &format!("Bearer {TOKEN}")), ("x-rapport-reason", "went quiet")],
        true,
    );
    assert_eq!(p.status, 200, "{}", p.body);
    let hist = node.get(&format!("/v1/customers/{number}/history")).json();
    let whys: Vec<&str> = hist.as_array().expect("history").iter().filter_map(|e| e["why"].as_str()).collect();
    assert!(whys.contains(&"asked for a quote") && whys.contains(&"went quiet"), "{hist}");

    // Tags.
    let t = node.call("PUT", &format!("/v1/customers/{number}/tags/%E9%87%8D%E7%82%B9"), None);
    assert_eq!(t.status, 200, "{}", t.body);
    let tags = node.get(&format!("/v1/customers/{number}")).json()["customer"]["manual_tags"].clone();
    assert_eq!(tags, json!(["重点"]));
    let t = node.call("DELETE", &format!("/v1/customers/{number}/tags/%E9%87%8D%E7%82%B9"), None);
    assert_eq!(t.status, 200, "{}", t.body);
    assert_eq!(node.get(&format!("/v1/customers/{number}")).json()["customer"]["manual_tags"], json!([]));

    // Contacts.
    let a = node.call(
        "POST",
        &format!("/v1/customers/{number}/contacts"),
        Some(r#"{"name":"李四","phone":"13900001111","reason":"new buyer"}"#),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    let contact = a.json()["item"].as_str().expect("contact id").to_string();
    let e = node.call(
        "PATCH",
        &format!("/v1/customers/{number}/contacts/{contact}"),
        Some(r#"{"position":"采购经理","reason":"promoted"}"#),
    );
    assert_eq!(e.status, 200, "{}", e.body);

    // Activity.
    let i = node.call(
        "POST",
        &format!("/v1/customers/{number}/interactions"),
        Some(r#"{"channel":"phone","summary":"电话沟通三季度采购量","intent":"high","next_action":"发送报价","next_due":"2026-03-05"}"#),
    );
    assert_eq!(i.status, 201, "{}", i.body);
    let s = node.call(
        "POST",
        &format!("/v1/customers/{number}/service-records"),
        Some(r#"{"type":"question","summary":"安装咨询","satisfaction":4.5}"#),
    );
    assert_eq!(s.status, 201, "{}", s.body);
    let o = node.call(
        "POST",
        &format!("/v1/customers/{number}/orders"),
        Some(r#"{"amount":"12.8万","category":"bearings","date":"2026-02-01"}"#),
    );
    assert_eq!(o.status, 201, "{}", o.body);
    let t = node.call(
        "POST",
        &format!("/v1/customers/{number}/tasks"),
        Some(r#"{"what":"寄样品","due":"2026-03-02","assignee":"Li Wei"}"#),
    );
    assert_eq!(t.status, 201, "{}", t.body);
    let task = t.json()["item"].as_str().expect("task id").to_string();
    let agenda = node.get("/v1/agenda?assignee=Li%20Wei").json();
    assert_eq!(agenda["total"].as_u64(), Some(agenda["items"].as_array().map_or(0, |i| i.len() as u64)), "{agenda}");
    let first = node.get("/v1/agenda?assignee=li%20wei&limit=1").json();
    assert_eq!(first["items"].as_array().map(Vec::len), Some(1), "{first}");
    assert_eq!(first["total"], agenda["total"], "a limit keeps the total: {first}");
    let typo = node.call("GET", "/v1/agenda?assignee=Li%20Wie", None);
    let p = problem(&typo, 422, "validation");
    assert_eq!(p["errors"][0]["field"], "assignee", "{p}");
    assert!(p["errors"][0]["reason"].as_str().is_some_and(|r| r.contains("Li Wie")), "{p}");
    assert!(
        agenda["items"].as_array().expect("agenda").iter().any(|a| a["what"] == "寄样品" && a["when"] == "today"),
        "{agenda}"
    );
    let d = node.call("POST", &format!("/v1/customers/{number}/tasks/{task}/done"), Some(r#"{"result":"sent"}"#));
    assert_eq!(d.status, 200, "{}", d.body);
    let d = node.call("POST", &format!("/v1/customers/{number}/tasks/{task}/done"), None);
    let p = problem(&d, 422, "validation");
    assert_eq!(p["errors"][0]["field"], "task");

    // Figures, explain.
    let f = node.get(&format!("/v1/customers/{number}/figures?as_of=2026-03-02")).json();
    assert_eq!(f["amount_12m"], "128000.00", "{f}");
    let x = node.get(&format!("/v1/customers/{number}/explain")).json();
    assert_eq!(x["number"], number.as_str());
    assert!(x["rules"].as_array().is_some_and(|r| !r.is_empty()), "{x}");

    // Archive and restore.
    let ar = node.call("POST", &format!("/v1/customers/{number}/archive"), Some(r#"{"reason":"duplicate"}"#));
    assert_eq!(ar.status, 200, "{}", ar.body);
    let listed = node.get("/v1/customers?limit=10000").json();
    assert!(!listed["items"].as_array().expect("items").iter().any(|i| i["number"] == number.as_str()));
    let re = node.call("POST", &format!("/v1/customers/{number}/restore"), None);
    assert_eq!(re.status, 200, "{}", re.body);

    // List: filters, search, sort, paging.
    let all = node.get("/v1/customers?limit=10000").json();
    let total = all["total"].as_u64().expect("total");
    assert_eq!(total, 31);
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = node.get(&format!("/v1/customers?limit=7&sort=-name{cursor}")).json();
        assert_eq!(page["total"], total);
        for i in page["items"].as_array().expect("items") {
            seen.push(i["name"].as_str().expect("name").to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len() as u64, total, "every customer exactly once");
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(seen, sorted, "descending by name");
    let c_only = node.get("/v1/customers?industry=C&limit=10000").json();
    assert!(c_only["items"].as_array().expect("items").iter().all(|i| i["industry"] == "C"));
    let found = node.get("/v1/customers?q=%E6%81%92%E7%91%9E").json();
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["items"][0]["number"], number.as_str());
    let by_phone = node.get("/v1/customers?q=13812345678&industry=C").json();
    assert_eq!(by_phone["total"], 1, "{by_phone}");
    let none = node.get("/v1/customers?q=13812345678&industry=F").json();
    assert_eq!(none["total"], 0);
    // The owner filter finds a member in any case and width, as the store's does.
    let exact = node.get("/v1/customers?owner=Li%20Wei&limit=10000").json();
    assert!(exact["total"].as_u64().is_some_and(|n| n > 0), "{exact}");
    for other in ["li%20wei", "LI%20%20WEI", "%EF%BD%8C%EF%BD%89%20wei"] {
        let r = node.get(&format!("/v1/customers?owner={other}&limit=10000")).json();
        assert_eq!(r["total"], exact["total"], "{other}");
    }
    for q in [
        "stage=won",
        "source=trade_show",
        "owner=Li%20Wei",
        "tier=A",
        "tag=%E6%BD%9C%E5%8A%9B%E5%AE%A2%E6%88%B7",
        "created_since=2025-01-01&created_until=2026-12-31",
        "no_interaction_days=30",
        "archived=true",
        "sort=created",
        "sort=-last_interaction",
        "sort=number",
    ] {
        let r = node.get(&format!("/v1/customers?{q}"));
        assert_eq!(r.status, 200, "{q}: {}", r.body);
    }

    // Rules.
    let rules = node.get("/v1/rules").json();
    assert!(rules.as_array().is_some_and(|r| !r.is_empty()));
    let tr = node.call("POST", "/v1/rules/test", Some(r#"{"condition":"amount_12m > 100000","limit":2}"#));
    assert_eq!(tr.status, 200, "{}", tr.body);
    let tr = tr.json();
    assert!(tr["total"].as_u64().expect("total") >= 1 && tr["items"].as_array().expect("items").len() <= 2);
    let cr = node.call(
        "POST",
        "/v1/rules",
        Some(r#"{"name":"big_order","tag":"大单客户","condition":"amount_12m > 100000"}"#),
    );
    assert_eq!(cr.status, 201, "{}", cr.body);
    let tagged = node.get(&format!("/v1/customers/{number}")).json();
    assert!(tagged["rule_tags"].as_array().expect("rule tags").iter().any(|t| t == "大单客户"), "{tagged}");
    let rr = node.call("PUT", "/v1/rules/big_order", Some(r#"{"tag":"大单客户","condition":"amount_12m > 200000"}"#));
    assert_eq!(rr.status, 200, "{}", rr.body);
    let untagged = node.get(&format!("/v1/customers/{number}")).json();
    assert!(!untagged["rule_tags"].as_array().expect("rule tags").iter().any(|t| t == "大单客户"), "{untagged}");
    let dr = node.call("DELETE", "/v1/rules/big_order", None);
    assert_eq!(dr.status, 200, "{}", dr.body);
    problem(&node.call("DELETE", "/v1/rules/big_order", None), 404, "not-found");
    let bad = node.call("POST", "/v1/rules", Some(r#"{"name":"x","tag":"t","condition":"amount_12m >"}"#));
    assert_eq!(problem(&bad, 422, "validation")["errors"][0]["field"], "condition");
    let rf = node.call("POST", "/v1/tags/refresh", None);
    assert_eq!(rf.status, 200, "{}", rf.body);

    // Tiers and settings.
    let tiers = node.get("/v1/tiers?model=abc&limit=5").json();
    assert!(tiers["total"].as_u64().expect("total") >= 5 && tiers["items"].as_array().expect("items").len() == 5);
    let only_s = node.get("/v1/tiers?tier=S").json();
    assert!(only_s["items"].as_array().expect("items").iter().all(|l| l["tier"] == "S"));
    let sum = node.get("/v1/tiers/summary?model=rfm&as_of=2026-03-01");
    assert_eq!(sum.status, 200, "{}", sum.body);
    let settings = node.get("/v1/settings/tiers");
    assert_eq!(settings.status, 200);
    let settings = settings.json();
    let key = settings.as_object().and_then(|o| o.keys().next().cloned()).expect("a setting");
    let patch = json!({ key.clone(): settings[&key] }).to_string();
    let ps = node.call("PATCH", "/v1/settings/tiers", Some(&patch));
    assert_eq!(ps.status, 200, "{}", ps.body);
    let bad = node.call("PATCH", "/v1/settings/tiers", Some(r#"{"no_such_setting":1}"#));
    assert_eq!(problem(&bad, 422, "validation")["errors"][0]["field"], "settings.no_such_setting");

    // Maintenance.
    let doc = node.get("/v1/doctor").json();
    assert_eq!(doc["problems"], json!([]), "{doc}");
    let ri = node.call("POST", "/v1/reindex", None);
    assert_eq!(ri.json()["reindexed"], 31);
    let api = node.get("/v1/openapi.json");
    assert_eq!(api.status, 200);
    assert!(api.json()["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")));
}

#[test]
fn duplicates_are_found_and_merged_through_the_api() {
    let node = start(0);
    let a = node.call("POST", "/v1/customers", Some(&company("苏州恒瑞精密机械有限公司"))).json();
    let b = node.call("POST", "/v1/customers", Some(&company("苏州恒瑞精密机械"))).json();
    let (an, bn) = (a["number"].as_str().expect("a"), b["number"].as_str().expect("b"));
    let i = json!({"channel": "visit", "summary": "plant tour"}).to_string();
    assert_eq!(node.call("POST", &format!("/v1/customers/{bn}/interactions"), Some(&i)).status, 201);
    let d = node.get("/v1/duplicates").json();
    let pairs = d["pairs"].as_array().expect("pairs");
    assert_eq!(pairs.len(), 1, "{d}");
    assert_eq!(pairs[0]["keep"]["number"], an);
    assert_eq!(pairs[0]["merge"]["number"], bn);
    assert_eq!(pairs[0]["score"], 85, "same phone and same normalised name: {d}");
    assert_eq!(d["total"], 1, "{d}");
    let c = node.call("POST", "/v1/customers", Some(&company("苏州恒瑞精密机械 有限公司"))).json();
    let limited = node.get("/v1/duplicates?limit=1").json();
    assert_eq!(limited["total"], 3, "three customers, three pairs: {limited}");
    assert_eq!(limited["pairs"].as_array().map(Vec::len), Some(1), "{limited}");
    for bad in ["0", "10001"] {
        let r = node.call("GET", &format!("/v1/duplicates?limit={bad}"), None);
        assert_eq!(problem(&r, 422, "validation")["errors"][0]["field"], "limit", "limit={bad}");
    }
    let cn = c["number"].as_str().expect("c");
    let body = json!({"customer": cn, "reason": "same company"}).to_string();
    assert_eq!(node.call("POST", &format!("/v1/customers/{an}/merge"), Some(&body)).status, 200);
    let body = json!({"customer": bn, "reason": "same company"}).to_string();
    let m = node.call("POST", &format!("/v1/customers/{an}/merge"), Some(&body));
    assert_eq!(m.status, 200, "{}", m.body);
    let m = m.json();
    assert_eq!(m["items_taken"], 2, "a contact and a follow-up: {m}");
    assert_eq!(m["survivor"]["interactions"].as_array().map(Vec::len), Some(1));
    // The absorbed number now reads the survivor.
    assert_eq!(node.get(&format!("/v1/customers/{bn}")).json()["customer"]["number"], an);
    assert_eq!(node.get("/v1/duplicates").json()["pairs"], json!([]));
    let again = node.call("POST", &format!("/v1/customers/{an}/merge"), Some(&json!({"customer": an}).to_string()));
    assert_eq!(problem(&again, 422, "validation")["errors"][0]["field"], "customers");
    let unknown = node.call("POST", &format!("/v1/customers/{an}/merge"), Some(r#"{"customer":"x","extra":1}"#));
    assert_eq!(unknown.status, 422, "{}", unknown.body);
}

#[test]
fn reports_are_served_as_json() {
    let node = start(30);
    let all = node.get("/v1/reports?as_of=2026-06-01");
    assert_eq!(all.status, 200, "{}", all.body);
    let all = all.json();
    let names: Vec<&str> = all.as_array().expect("reports").iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(
        names,
        ["sources", "industries", "funnel", "conversion", "owners", "churn-risk", "concentration", "tiers"]
    );
    let funnel = node.get("/v1/reports/funnel?as_of=2026-06-01").json();
    assert_eq!(funnel, all[2], "one report equals its place in the whole set");
    let alias = node.get("/v1/reports/%E6%BC%8F%E6%96%97?as_of=2026-06-01").json();
    assert_eq!(alias["name"], "funnel", "Chinese names are accepted: {alias}");
    problem(&node.get("/v1/reports/nope"), 422, "validation");
    problem(&node.get("/v1/reports/funnel?from=2026-05-01&to=2026-01-01"), 422, "validation");
    problem(&node.get("/v1/reports/funnel?from=yesterday"), 422, "validation");
    // Report pages are the web app's (with its session); the API serves none, and never
    // takes the token in a URL.
    assert_eq!(node.raw("GET", &format!("/reports/funnel?token={TOKEN}"), None, &[], false).status, 401);
    assert_eq!(node.raw("GET", &format!("/v1/reports/funnel?token={TOKEN}"), None, &[], false).status, 401);
}

#[test]
fn sheets_are_imported_and_customers_exported_through_the_api() {
    let node = start(0);
    let sheet = "客户名称,所属行业,客户来源,联系人,联系方式\n杭州云启软件有限公司,I,转介绍,李娜,13900139000\n广州南方贸易有限公司,F,展会,陈刚,13800138000\n";
    let auth = format!("Bearer {TOKEN}");
    let post = |q: &str, body: &str| {
        node.raw("POST", &format!("/v1/import?{q}"), Some(body), &[("authorization", &auth)], false)
    };
    let dry = post("file_name=a.csv&dry_run=true", sheet);
    assert_eq!(dry.status, 200, "{}", dry.body);
    let dry = dry.json();
    assert_eq!((dry["created"].as_array().map(Vec::len), &dry["written"]), (Some(2), &json!(false)), "{dry}");
    let done = post("file_name=a.csv", sheet).json();
    assert_eq!(done["written"], true, "{done}");
    assert_eq!(post("file_name=a.csv", sheet).json()["unchanged"].as_array().map(Vec::len), Some(2));
    problem(&post("file_name=a.csv&mapping=%5Bcolumns%5D%0A%22x%22%20%3D%20%22shoe_size%22", sheet), 422, "validation");
    problem(&post("file_name=a.csv", ""), 422, "validation");

    let csv = node.get("/v1/export?fields=number,name,contact_phone");
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(csv.header("content-type").is_some_and(|c| c.starts_with("text/csv")));
    assert_eq!(csv.body.lines().count(), 3, "{}", csv.body);
    assert!(csv.body.contains("139****9000"), "masked by default: {}", csv.body);
    assert!(node.get("/v1/audit").json().as_array().is_some_and(Vec::is_empty));
    let revealed = node.get("/v1/export?fields=name,contact_phone&reveal=true&industry=I");
    assert!(revealed.body.contains("13900139000") && !revealed.body.contains("广州"), "{}", revealed.body);
    let log = node.get("/v1/audit").json();
    assert_eq!(log.as_array().map(Vec::len), Some(1), "{log}");
    let jsonl = node.get("/v1/export?format=jsonl");
    assert_eq!(jsonl.body.lines().filter(|l| serde_json::from_str::<Value>(l).is_ok()).count(), 2);
    let xlsx = node.get("/v1/export?format=xlsx");
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.header("content-type").is_some_and(|c| c.contains("spreadsheetml")), "{:?}", xlsx.headers);
    problem(&node.get("/v1/export?format=pdf"), 422, "validation");
    problem(&node.get("/v1/export?fields=shoe_size"), 422, "validation");
    problem(&node.get("/v1/export?nope=1"), 400, "invalid-query");
}

/// POSTs a body over the limit on a raw connection: the node may answer 413 and close
/// before the upload ends, which an ordinary client reports as a reset while sending.
fn oversized(node: &Node, path: &str, body: &str) -> Reply {
    use std::io::{Read, Write};
    let addr = node.url.trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: node\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut w = s.try_clone().expect("clone");
    let payload = [head.as_bytes(), body.as_bytes()].concat();
    let writer = std::thread::spawn(move || {
        let _ = w.write_all(&payload);
    });
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let _ = writer.join();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Reply { status, headers, body: body.to_string() }
}

#[test]
fn bad_input_is_always_a_problem_4xx_never_a_500() {
    let node = start(2);
    let c = node.call("POST", "/v1/customers", Some(&company("Acme Bearings Co., Ltd."))).json();
    let number = c["number"].as_str().expect("number").to_string();
    let before = node.get(&format!("/v1/customers/{number}")).body;
    let auth = format!("Bearer {TOKEN}");

    // Malformed JSON.
    for body in ["{", "{\"kind\": company}", "not json", "{\"kind\":\"company\",}", "\u{0}"] {
        let r = node.call("POST", "/v1/customers", Some(body));
        let p = problem(&r, 400, "malformed-json");
        assert!(p["detail"].as_str().is_some_and(|d| d.contains("not valid JSON")), "{p}");
    }
    // Wrong types.
    for body in [
        r#"{"kind":"company","name":42}"#,
        r#"{"kind":"robot","name":"x"}"#,
        r#"{"kind":"company","name":["a"]}"#,
        "\"text\"",
        "null",
    ] {
        problem(&node.call("POST", "/v1/customers", Some(body)), 422, "invalid-body");
    }
    let r = node.call("PATCH", &format!("/v1/customers/{number}"), Some(r#"{"priority":"yes"}"#));
    problem(&r, 422, "invalid-body");
    let r = node.call("PATCH", &format!("/v1/customers/{number}"), Some(r#"{"reason":5,"name":"x"}"#));
    problem(&r, 422, "invalid-body");
    // Unknown fields.
    let r = node.call("POST", "/v1/customers", Some(r#"{"kind":"company","name":"x","colour":"red"}"#));
    let p = problem(&r, 422, "invalid-body");
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("colour")), "{p}");
    let r = node.call("PATCH", &format!("/v1/customers/{number}"), Some(r#"{"nmae":"typo"}"#));
    assert!(problem(&r, 422, "invalid-body")["detail"].as_str().is_some_and(|d| d.contains("nmae")));
    let r =
        node.call("POST", &format!("/v1/customers/{number}/orders"), Some(r#"{"amount":"5","category":"x","qty":1}"#));
    problem(&r, 422, "invalid-body");
    // Validation: every failing field with its reason.
    let r = node.call("POST", "/v1/customers", Some(r#"{"kind":"company","name":"","credit_code":"123"}"#));
    let p = problem(&r, 422, "validation");
    let fields: Vec<&str> =
        p["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    for f in ["name", "credit_code", "industry", "source"] {
        assert!(fields.contains(&f), "{f} missing from {p}");
    }
    assert!(p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .all(|e| e["reason"].as_str().is_some_and(|r| !r.is_empty())));
    let r = node.call("PATCH", &format!("/v1/customers/{number}"), Some(r#"{"stage":"won"}"#));
    problem(&r, 422, "validation");
    // Too large.
    let big = format!(r#"{{"kind":"company","name":"{}"}}"#, "x".repeat(2 << 20));
    let r = oversized(&node, "/v1/customers", &big);
    assert!(problem(&r, 413, "payload-too-large")["detail"].as_str().is_some_and(|d| d.contains("1048576")));
    let r = oversized(&node, &format!("/v1/customers/{number}/archive"), &big);
    problem(&r, 413, "payload-too-large");
    // Wrong content type.
    let r = node.raw(
        "POST",
        "/v1/customers",
        Some(&company("Y")),
        &[("authorization", &auth), ("content-type", "text/plain")],
        false,
    );
    problem(&r, 415, "unsupported-media-type");
    // Unknown routes and wrong methods.
    for path in ["/", "/v2/customers", "/v1/customer", "/v1/customers/x/y/z", "/v1/health/"] {
        problem(&node.get(path), 404, "no-such-route");
    }
    for (m, path) in [
        ("DELETE", "/v1/health"),
        ("PUT", "/v1/customers"),
        ("POST", &*format!("/v1/customers/{number}")),
        ("GET", "/v1/rules/test"),
    ] {
        let r = node.call(m, path, None);
        assert!(problem(&r, 405, "method-not-allowed")["detail"].as_str().is_some_and(|d| d.contains(m)));
    }
    // Bad query strings.
    for q in ["limit=abc", "limit=-1", "archived=maybe", "colour=red", "no_interaction_days=x"] {
        problem(&node.get(&format!("/v1/customers?{q}")), 400, "invalid-query");
    }
    for q in [
        "limit=0",
        "limit=10001",
        "sort=price",
        "cursor=zz",
        "stage=famous",
        "tier=Z",
        "created_since=yesterday",
        "industry=Q9",
    ] {
        problem(&node.get(&format!("/v1/customers?{q}")), 422, "validation");
    }
    problem(&node.get("/v1/tiers?model=xyz"), 422, "validation");
    problem(&node.get(&format!("/v1/customers/{number}/figures?as_of=tomorrow")), 422, "validation");
    problem(&node.get("/v1/events?after=x"), 400, "invalid-query");
    let r = node.raw("GET", "/v1/events", None, &[("authorization", &auth), ("last-event-id", "abc")], false);
    problem(&r, 400, "invalid-query");
    // Not found and no such item.
    let p = problem(&node.get("/v1/customers/MFG-2026-NOPE00-001"), 404, "not-found");
    assert_eq!(p["key"], "MFG-2026-NOPE00-001");
    problem(
        &node.call("POST", "/v1/customers/NOPE/interactions", Some(r#"{"channel":"phone","summary":"x"}"#)),
        404,
        "not-found",
    );
    let r = node.call("POST", &format!("/v1/customers/{number}/tasks/ffffffffffffffff/done"), None);
    let p = problem(&r, 404, "no-such-item");
    assert_eq!(p["item_kind"], "task");
    let r =
        node.call("PATCH", &format!("/v1/customers/{number}/contacts/nobody"), Some(r#"{"name":"x","reason":"r"}"#));
    problem(&r, 404, "no-such-item");
    // Nothing above changed the customer.
    assert_eq!(node.get(&format!("/v1/customers/{number}")).body, before);
}

#[test]
fn two_clients_patching_different_fields_concurrently_lose_nothing() {
    let node = start(0);
    let c = node.call("POST", "/v1/customers", Some(&company("Concurrent Co., Ltd."))).json();
    let number = c["number"].as_str().expect("number").to_string();
    std::thread::scope(|s| {
        for side in ["a", "b"] {
            let node = &node;
            let number = &number;
            s.spawn(move || {
                for i in 0..100 {
                    let body = if side == "a" {
                        json!({ "custom": { "a": i.to_string() }, "add_tags": [format!("a-{i}")] })
                    } else {
                        json!({ "needs": { "budget": format!("{i} wan") }, "add_tags": [format!("b-{i}")] })
                    };
                    let r = node.call("PATCH", &format!("/v1/customers/{number}"), Some(&body.to_string()));
                    assert_eq!(r.status, 200, "{side} {i}: {}", r.body);
                }
            });
        }
    });
    let v = node.get(&format!("/v1/customers/{number}")).json();
    let tags = v["customer"]["manual_tags"].as_array().expect("tags");
    assert_eq!(tags.len(), 200, "every tag of both clients is there");
    assert_eq!(v["customer"]["custom"]["a"], "99");
    assert_eq!(v["customer"]["needs"]["budget"], "99 wan");
    let history = node.get(&format!("/v1/customers/{number}/history")).json();
    assert_eq!(history.as_array().map(|h| h.len()), Some(201), "one change per patch plus the creation");
}

#[test]
fn etag_is_the_document_heads_and_if_none_match_gives_304() {
    let node = start(1);
    let c = node.call("POST", "/v1/customers", Some(&company("ETag Co., Ltd.")));
    let created_etag = c.header("etag").expect("etag").to_string();
    let number = c.json()["number"].as_str().expect("number").to_string();
    let path = format!("/v1/customers/{number}");
    let first = node.get(&path);
    let etag = first.header("etag").expect("etag").to_string();
    assert_eq!(etag, created_etag, "the create response and the read agree");
    let auth = format!("Bearer {TOKEN}");
    let r = node.raw("GET", &path, None, &[("authorization", &auth), ("if-none-match", &etag)], false);
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    let r = node.raw("GET", &path, None, &[("authorization", &auth), ("if-none-match", "W/\"other\", *")], false);
    assert_eq!(r.status, 304, "a weak list with * matches");
    let p = node.call("PATCH", &path, Some(r#"{"notes":"new notes"}"#));
    let new_etag = p.header("etag").expect("etag").to_string();
    assert_ne!(new_etag, etag);
    let r = node.raw("GET", &path, None, &[("authorization", &auth), ("if-none-match", &etag)], false);
    assert_eq!(r.status, 200, "changed since the old ETag");
    assert_eq!(r.header("etag"), Some(new_etag.as_str()));
    assert_eq!(r.json()["customer"]["notes"], "new notes");
    let r = node.raw("GET", &path, None, &[("authorization", &auth), ("if-none-match", &new_etag)], false);
    assert_eq!(r.status, 304);
}

/// Reads server-sent events from `path` until `n` change events arrived.
fn read_events(node: &Node, path: &str, last_event_id: Option<&str>, n: usize) -> Vec<Value> {
    let agent: ureq::Agent = ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(20))).build().into();
    let mut req = agent.get(format!("{}{path}", node.url)).header("authorization", format!("Bearer {TOKEN}"));
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id);
    }
    let resp = req.call().expect("event stream");
    assert_eq!(resp.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("text/event-stream"));
    let reader = std::io::BufReader::new(resp.into_body().into_reader());
    let mut out = Vec::new();
    let mut id = None;
    for line in reader.lines() {
        let line = line.expect("event line");
        if let Some(v) = line.strip_prefix("id:") {
            id = Some(v.trim().to_string());
        } else if let Some(d) = line.strip_prefix("data:") {
            let v: Value = serde_json::from_str(d.trim()).expect("event data is JSON");
            assert_eq!(Some(v["seq"].to_string()), id, "the event id is its sequence number");
            out.push(v);
            if out.len() == n {
                break;
            }
        }
    }
    out
}

#[test]
fn change_feed_streams_every_write_and_resumes_without_gaps_or_repeats() {
    let node = start(2);
    let start_seq = node.get("/v1/health").json()["last_event"].as_u64().expect("last event");
    let c = node.call("POST", "/v1/customers", Some(&company("Feed Co., Ltd."))).json();
    let number = c["number"].as_str().expect("number").to_string();
    std::thread::scope(|s| {
        let live = s.spawn(|| read_events(&node, "/v1/events", None, 5));
        // Give the stream time to subscribe, then write through several routes.
        std::thread::sleep(Duration::from_millis(500));
        for body in [r#"{"notes":"1"}"#, r#"{"notes":"2"}"#] {
            assert_eq!(node.call("PATCH", &format!("/v1/customers/{number}"), Some(body)).status, 200);
        }
        assert_eq!(
            node.call("POST", &format!("/v1/customers/{number}/orders"), Some(r#"{"amount":"100","category":"x"}"#))
                .status,
            201
        );
        assert_eq!(node.call("PUT", &format!("/v1/customers/{number}/tags/t"), None).status, 200);
        let other = node.call("POST", "/v1/customers", Some(&company("Feed Two Co., Ltd."))).json();
        let events = live.join().expect("reader");
        let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().expect("seq")).collect();
        let first = start_seq + 2;
        assert_eq!(seqs, (first..first + 5).collect::<Vec<_>>(), "every write, in order, once");
        assert!(events[..4].iter().all(|e| e["number"] == number.as_str()));
        assert_eq!(events[4]["number"], other["number"]);
        assert_eq!(events[4]["id"], other["id"]);
    });
    // Resume from a cursor: replays exactly what came after it.
    let all = read_events(&node, &format!("/v1/events?after={start_seq}"), None, 6);
    let seqs: Vec<u64> = all.iter().map(|e| e["seq"].as_u64().expect("seq")).collect();
    assert_eq!(seqs, (start_seq + 1..start_seq + 7).collect::<Vec<_>>());
    let resumed = read_events(&node, "/v1/events", Some(&(start_seq + 3).to_string()), 3);
    let seqs: Vec<u64> = resumed.iter().map(|e| e["seq"].as_u64().expect("seq")).collect();
    assert_eq!(seqs, vec![start_seq + 4, start_seq + 5, start_seq + 6], "Last-Event-ID resumes after it");
}

#[test]
fn cached_reads_never_serve_a_stale_customer() {
    let node = start(5);
    let list = node.get("/v1/customers").json();
    let number = list["items"][0]["number"].as_str().expect("number").to_string();
    let path = format!("/v1/customers/{number}");
    for i in 0..20 {
        let before = node.get(&path).json();
        assert_ne!(before["customer"]["notes"], format!("note {i}"));
        assert_eq!(node.call("PATCH", &path, Some(&json!({ "notes": format!("note {i}") }).to_string())).status, 200);
        assert_eq!(node.get(&path).json()["customer"]["notes"], format!("note {i}"), "read your write");
    }
    // Rule changes move derived tags: cached responses follow.
    let cr = node.call("POST", "/v1/rules", Some(r#"{"name":"everyone","tag":"全部","condition":"amount_12m >= 0"}"#));
    assert_eq!(cr.status, 201, "{}", cr.body);
    let v = node.get(&path).json();
    assert!(v["rule_tags"].as_array().expect("rule tags").iter().any(|t| t == "全部"), "{v}");
}
