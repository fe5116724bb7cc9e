//! The web app in a real browser (headless Chromium over WebDriver) against a real node:
//! sign in, search, open a customer, add a follow-up, a validation error shown at its
//! field, an edit that needs a reason, a teammate's change (a second node syncing through
//! a real relay) appearing live, and no serious accessibility violation on any page
//! (axe-core). Screenshots go to `target/web-screenshots/`. The safety checks (foreign
//! Host, CSRF, expired sessions, tokens in URLs) run over plain HTTP.

mod browser;
mod common;

use browser::Browser;
use common::*;
use serde_json::json;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn serve_with(data: &Path, extra: &[&str]) -> (Proc, String) {
    let _ = std::fs::remove_file(data.join("serve.json"));
    let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--sync-interval", "3600"];
    args.extend_from_slice(extra);
    let node = Proc(command(data, &args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("serve"));
    let url = wait_json(&data.join("serve.json"), "url");
    (node, url)
}

fn sign_in_link(data: &Path) -> String {
    ok(data, &["open", "--print"]).trim().to_string()
}

fn add_customer(data: &Path, name: &str, phone: &str) -> String {
    let out = ok(
        data,
        &[
            "--json",
            "customer",
            "add",
            "--kind",
            "company",
            "--name",
            name,
            "--industry",
            "C",
            "--source",
            "referral",
            "--contact-name",
            "张伟",
            "--contact-phone",
            phone,
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("customer add --json");
    v["number"].as_str().expect("a number").to_string()
}

fn assert_accessible(b: &Browser, page: &str) {
    let v = b.accessibility_violations();
    assert!(v.is_empty(), "axe-core found serious accessibility violations on {page}: {v:#?}");
}

#[test]
fn main_flows_in_a_real_browser() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(tmp.path());
    let (ta, tb) = (relay.member("Li Wei"), relay.member("Wang Fang"));
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    ok(&a, &["init", "--name", "Li Wei"]);
    ok(&a, &["relay", "set", &relay.url, &ta]);
    let target = add_customer(&a, "苏州精工科技有限公司", "13812345678");
    for (i, name) in ["杭州远景贸易有限公司", "宁波海天塑机集团", "上海浦江物流有限公司"].iter().enumerate()
    {
        add_customer(&a, name, &format!("1390000000{i}"));
    }
    // A likely duplicate (the same phone as 宁波海天塑机集团's contact).
    let twin = add_customer(&a, "宁波海天塑机集团有限公司", "13900000001");
    ok(&a, &["sync"]);
    ok(&b, &["init", "--name", "Wang Fang"]);
    ok(&b, &["relay", "set", &relay.url, &tb]);
    ok(&b, &["sync"]);
    let (_node, url) = serve_with(&a, &[]);

    let browser = Browser::start();
    // Sign in with a one-time link: the list.
    browser.go(&sign_in_link(&a));
    browser.wait_for("the customer list", 10, |b| b.text("h1") == "客户");
    assert!(browser.text("#rows").contains("苏州精工科技有限公司"));
    browser.screenshot("customers");
    assert_accessible(&browser, "the customer list");

    // Search as you type narrows the rows without a reload.
    browser.run("window.__stay = 1;", json!([]));
    browser.find("#q").type_text("精工");
    browser.wait_for("search results", 10, |b| {
        let rows = b.text("#rows");
        rows.contains("苏州精工科技有限公司") && !rows.contains("杭州远景贸易有限公司")
    });
    assert_eq!(browser.run("return window.__stay;", json!([])), json!(1), "search reloaded the page");
    browser.screenshot("search");

    // Open the customer: masked contact, audited reveal.
    browser.find(&format!("a[href='/customers/{target}']")).click();
    browser.wait_for("the customer page", 10, |b| b.text("h1").contains("苏州精工科技有限公司"));
    let page = browser.text("main");
    assert!(!page.contains("13812345678") && page.contains("138"), "the phone is masked: {page}");
    browser.find("form.reveal button").click();
    browser.wait_for("the revealed contact", 10, |b| b.text(".contact.revealed").contains("13812345678"));
    browser.screenshot("customer");
    assert_accessible(&browser, "a customer's page");
    let audit = ok(&a, &["--json", "audit"]);
    assert!(audit.contains("contact data revealed") && audit.contains(&target), "{audit}");

    // Add a follow-up.
    browser.go(&format!("{url}/customers/{target}/follow-ups"));
    browser.find("#summary").type_text("电话沟通，客户希望下周看样品");
    browser.find("form.form button[type=submit]").click();
    browser.wait_for("the follow-up on the timeline", 10, |b| b.text("#timeline").contains("客户希望下周看样品"));

    // A validation error is shown at its field, and nothing is stored.
    browser.go(&format!("{url}/customers/{target}/orders"));
    browser.find("#amount").type_text("很多钱");
    browser.find("#category").type_text("设备");
    browser.find("form.form button[type=submit]").click();
    browser.wait_for("the amount's error", 10, |b| !b.text("[data-field=amount] .error").is_empty());
    assert!(browser.text("[data-field=amount] .error").contains("不是有效的金额"), "the refusal reads in Chinese");
    assert_eq!(
        browser.run("return document.getElementById('amount').getAttribute('aria-invalid');", json!([])),
        json!("true")
    );
    browser.screenshot("order-error");
    assert_accessible(&browser, "a form with an error");
    assert!(!ok(&a, &["--json", "customer", "show", &target]).contains("设备"), "a refused order is not stored");

    // An edit that changes the stage needs a reason; the error sits at the reason field.
    browser.go(&format!("{url}/customers/{target}/edit"));
    browser.run("document.getElementById('stage').value = 'intent';", json!([]));
    browser.find("form.form button[type=submit]").click();
    browser.wait_for("the reason's error", 10, |b| !b.text("[data-field=reason] .error").is_empty());
    browser.screenshot("edit-reason");
    browser.find("#reason").type_text("客户确认有采购计划");
    browser.find("form.form button[type=submit]").click();
    browser.wait_for("the saved edit", 10, |b| {
        b.text("h1").contains("苏州精工科技有限公司") && b.text("main").contains("客户确认有采购计划")
    });
    let shown = ok(&a, &["--json", "customer", "show", &target]);
    assert!(shown.contains("\"intent\""), "the stage changed: {shown}");

    // The import wizard: upload, columns with a preview, a dry run that writes nothing,
    // then the import, with the rejected row to download.
    let sheet = tmp.path().join("客户.csv");
    std::fs::write(
        &sheet,
        "客户名称,所属行业,客户来源,联系人,联系方式,内部编号\n\
         广州南方贸易有限公司,F,展会,陈刚,13800138000,X-1\n\
         杭州云启软件有限公司,I,转介绍,李娜,13900139000,X-2\n\
         无行业的公司,不存在的行业,展会,王五,13700137000,X-3\n",
    )
    .expect("write the sheet");
    let count = |data: &Path| ok(data, &["list", "--json"]).matches("\"number\"").count();
    let before = count(&a);
    browser.go(&format!("{url}/import"));
    browser.find("#file").type_text(sheet.to_str().expect("a UTF-8 path"));
    browser.find("form.form button[type=submit]").click();
    browser.wait_for("the column mapping", 10, |b| b.text("table.mapping").contains("广州南方贸易有限公司"));
    assert_eq!(
        browser.run("return document.getElementById('col_5').value;", json!([])),
        json!(""),
        "an unknown column is not imported"
    );
    browser.screenshot("import-columns");
    assert_accessible(&browser, "the import wizard");
    browser.find("button[value=check]").click();
    browser.wait_for("the dry run", 10, |b| b.text("#rejected") == "1" && b.text("#created") == "2");
    assert_eq!(count(&a), before, "a dry run writes nothing");
    browser.find("#skip_rejected").click();
    browser.find("button[value=run]").click();
    browser.wait_for("the import", 10, |b| b.text(".import-report h2") == "导入结果" && b.text("#created") == "2");
    assert_eq!(count(&a), before + 2, "the two good rows were imported");
    assert!(browser.text(".import-report").contains("下载被拒绝的行"));
    browser.screenshot("import-done");

    // Duplicates: merge the pair, with a reason; both numbers then name one customer.
    let before = count(&a);
    browser.go(&format!("{url}/dedupe"));
    browser.wait_for("the likely pair", 10, |b| b.text("main").contains("宁波海天塑机集团有限公司"));
    browser.screenshot("dedupe");
    assert_accessible(&browser, "duplicates");
    let pair: Vec<String> = ["a", "b"]
        .iter()
        .map(|n| {
            let v = browser
                .run(&format!("return document.querySelector('section.pair input[name={n}]').value;"), json!([]));
            v.as_str().unwrap_or_default().to_string()
        })
        .collect();
    assert!(pair.contains(&twin), "the pair is the twin and its original: {pair:?}");
    browser.find("#reason-0").type_text("同一家公司");
    browser.find("section.pair form button[type=submit]").click();
    browser.wait_for("the merged customer", 10, |b| b.text("h1").contains("宁波海天塑机集团"));
    assert_eq!(count(&a), before - 1, "the merged customer left the list");
    let number_of = |key: &str| {
        let v: serde_json::Value = serde_json::from_str(&ok(&a, &["--json", "customer", "show", key])).expect("json");
        v["customer"]["number"].as_str().or(v["number"].as_str()).unwrap_or_default().to_string()
    };
    assert_eq!(number_of(&pair[0]), number_of(&pair[1]), "both numbers name the survivor");
    assert!(
        ok(&a, &["history", &pair[0]]).contains("同一家公司") || ok(&a, &["history", &pair[1]]).contains("同一家公司")
    );

    // Won, with a deal; then only the deal date moves: the amount and contract stay.
    let set = |b: &Browser, id: &str, value: &str| {
        b.run("document.getElementById(arguments[0]).value = arguments[1];", json!([id, value]));
    };
    browser.go(&format!("{url}/customers/{target}/edit"));
    set(&browser, "stage", "won");
    set(&browser, "deal_amount", "128000");
    set(&browser, "deal_date", "2026-02-27");
    set(&browser, "contract_no", "HT-2026-018");
    set(&browser, "reason", "签约");
    browser.find("form.form button[type=submit]").click();
    browser.wait_for("the won customer", 10, |b| b.text("dl.record").contains("HT-2026-018"));
    browser.go(&format!("{url}/customers/{target}/edit"));
    set(&browser, "deal_date", "2026-02-28");
    browser.find("form.form button[type=submit]").click();
    browser.wait_for("the moved deal date", 10, |b| b.text("dl.record").contains("2026-02-28"));
    let deal: serde_json::Value =
        serde_json::from_str(&ok(&a, &["--json", "customer", "show", &target])).expect("customer show --json");
    assert_eq!(deal["customer"]["deal"]["contract_no"], "HT-2026-018", "{deal}");
    assert_eq!(deal["customer"]["deal"]["date"], "2026-02-28", "{deal}");
    assert!(browser.text("dl.record").contains("¥128,000.00"), "{}", browser.text("dl.record"));

    // A teammate's follow-up arrives by sync and shows up on the open page, no reload.
    browser.go(&format!("{url}/customers/{target}"));
    browser.find("#timeline");
    browser.run("window.__stay = 2;", json!([]));
    ok(&b, &["sync"]);
    ok(&b, &["interaction", "add", &target, "--channel", "visit", "--summary", "王芳上门拜访，确认报价"]);
    ok(&b, &["sync"]);
    ok(&a, &["sync"]);
    browser.wait_for("the teammate's follow-up, live", 10, |b| b.text("#timeline").contains("王芳上门拜访"));
    assert_eq!(browser.run("return window.__stay;", json!([])), json!(2), "the page was reloaded");
    browser.screenshot("live");

    // Two members change the source at once: the page shows both values, and one click
    // keeps one (a new write that supersedes both).
    // (B edits before it hears of A's edit: A's node syncs live, so B syncs only after both.)
    ok(&b, &["sync"]);
    ok(&b, &["customer", "edit", &target, "--source", "展会"]);
    ok(&a, &["customer", "edit", &target, "--source", "官网"]);
    ok(&b, &["sync"]);
    ok(&a, &["sync"]);
    browser.wait_for("the conflict, live", 10, |b| {
        b.text(".conflicts").contains("展会") && b.text(".conflicts").contains("官网")
    });
    browser.screenshot("conflict");
    assert_accessible(&browser, "a customer with a conflict");
    browser.run(
        "Array.from(document.querySelectorAll('.conflicts form')).find(function (f) { return f.value && f.value.value === '展会'; }).submit();",
        json!([]),
    );
    browser.wait_for("the conflict resolved", 10, |b| {
        b.text(".conflicts").is_empty() && b.text("dl.record").contains("展会")
    });
    let shown: serde_json::Value =
        serde_json::from_str(&ok(&a, &["--json", "customer", "show", &target])).expect("customer show --json");
    assert_eq!(shown["customer"]["source"], "展会", "{shown}");
    assert_eq!(shown["conflicts"], json!([]), "{shown}");

    // Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    browser.go(&format!("{url}/customers"));
    browser.find("main");
    browser.run("document.activeElement.blur();", json!([]));
    browser.find("body").type_text("\u{E004}");
    assert_eq!(browser.run("return document.activeElement.className;", json!([])), json!("skip"));

    // The other pages a rep uses each day: no serious accessibility violation, and the
    // English switch.
    for (path, name) in [
        ("/agenda", "agenda"),
        ("/reports", "reports"),
        ("/sync", "sync"),
        ("/team", "team"),
        ("/customers/new", "new-customer"),
    ] {
        browser.go(&format!("{url}{path}"));
        browser.find("main h1");
        browser.screenshot(name);
        assert_accessible(&browser, path);
    }
    // Reports over one owner's customers: Wang Fang owns none of this book.
    let kpi = |b: &Browser| b.run("return document.querySelector('#sources .kpi b').textContent;", json!([]));
    browser.go(&format!("{url}/reports/sources?owner=Li+Wei"));
    assert_ne!(kpi(&browser), json!("0"), "Li Wei's customers are counted");
    browser.go(&format!("{url}/reports/sources?owner=Wang+Fang"));
    assert_eq!(kpi(&browser), json!("0"), "the owner filter keeps other owners' customers out");

    browser.go(&format!("{url}/customers"));
    browser.run("var s = document.getElementById('lang'); s.value = 'en'; s.form.submit();", json!([]));
    browser.wait_for("English", 10, |b| b.text("h1") == "Customers");
    browser.screenshot("customers-en");
}

/// A raw request, so the Host header is exactly what the test says.
fn raw(addr: &str, request: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    s.write_all(request.as_bytes()).expect("send");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

fn status(resp: &str) -> u16 {
    resp.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

/// Signs in over HTTP; returns the session cookie and a page's CSRF token.
fn session(addr: &str, data: &Path) -> (String, String) {
    let link = sign_in_link(data);
    let path = link.split_once(addr).map(|(_, p)| p).expect("a link to this node");
    let r = raw(addr, &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"));
    assert_eq!(status(&r), 303, "{r}");
    let cookie = r
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string();
    let set = r.lines().find(|l| l.starts_with("set-cookie: ")).unwrap_or_default();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    let page =
        raw(addr, &format!("GET /customers HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"));
    assert_eq!(status(&page), 200, "{page}");
    let csrf = page
        .split("name=\"csrf\" content=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the page's CSRF token")
        .to_string();
    (cookie, csrf)
}

fn post(addr: &str, path: &str, cookie: &str, body: &str) -> String {
    raw(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

#[test]
fn the_web_app_refuses_foreign_hosts_forged_forms_ended_sessions_and_tokens_in_urls() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("a");
    ok(&data, &["init", "--name", "Li Wei"]);
    let number = add_customer(&data, "苏州精工科技有限公司", "13812345678");
    let (_node, url) = serve_with(&data, &["--session-idle", "2"]);
    let addr = url.trim_start_matches("http://").to_string();
    let (cookie, csrf) = session(&addr, &data);

    // Every answer carries the policy: no inline script, no referrer.
    let page = raw(
        &addr,
        &format!("GET /customers HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"),
    );
    let lower = page.to_lowercase();
    assert!(lower.contains("content-security-policy: default-src 'none'; script-src 'self';"), "{page}");
    assert!(!lower.contains("unsafe-inline") && lower.contains("referrer-policy: no-referrer"), "{page}");
    assert!(!page.contains("<script>") && !page.contains(" onclick="), "no inline script in pages");

    // DNS rebinding: the right port under another name is refused, signed in or not.
    for host in ["evil.example:80", &format!("attacker.example:{}", addr.rsplit(':').next().unwrap_or(""))] {
        let r = raw(
            &addr,
            &format!("GET /customers HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(status(&r), 421, "Host {host}: {r}");
    }

    // A form without its CSRF token, or with another's, changes nothing.
    let body = "channel=phone&summary=%E4%BC%AA%E9%80%A0";
    let before = ok(&data, &["--json", "customer", "show", &number]);
    let r = post(&addr, &format!("/customers/{number}/follow-ups"), &cookie, body);
    assert_eq!(status(&r), 403, "{r}");
    let r =
        post(&addr, &format!("/customers/{number}/follow-ups"), &cookie, &format!("{body}&csrf=0000{}", &csrf[4..]));
    assert_eq!(status(&r), 403, "{r}");
    assert_eq!(before, ok(&data, &["--json", "customer", "show", &number]), "a forged form changed the customer");
    // ...and with it, the write goes through (so the refusals above mean something).
    let r = post(&addr, &format!("/customers/{number}/follow-ups"), &cookie, &format!("{body}&csrf={csrf}"));
    assert_eq!(status(&r), 303, "{r}");

    // The API token in a query string signs nothing in, on report pages or anywhere.
    let token = ok(&data, &["token", "show"]).trim().to_string();
    for path in [format!("/reports/?token={token}"), format!("/customers?token={token}"), format!("/?token={token}")] {
        let r = raw(&addr, &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"));
        assert!(matches!(status(&r), 303 | 401), "{path} answered without a session: {r}");
        assert!(!r.contains("苏州精工科技有限公司"), "{path} showed the book");
    }
    // A sign-in link works once.
    let link = sign_in_link(&data);
    let path = link.split_once(addr.as_str()).map(|(_, p)| p.to_string()).unwrap_or_default();
    let first = raw(&addr, &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"));
    assert!(first.contains("set-cookie: rapport_session="), "{first}");
    let again = raw(&addr, &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"));
    assert!(!again.contains("set-cookie: rapport_session="), "a used link signed in again: {again}");

    // An idle session ends (this node: after 2 s), and signing out ends one at once.
    std::thread::sleep(Duration::from_millis(2500));
    let r = raw(
        &addr,
        &format!("GET /customers HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status(&r), 303, "an expired session was accepted: {r}");
    assert!(r.contains("location: /signed-out"), "{r}");
    let r = post(&addr, &format!("/customers/{number}/follow-ups"), &cookie, &format!("{body}&csrf={csrf}"));
    assert_eq!(status(&r), 401, "an expired session wrote: {r}");
    let (cookie, csrf) = session(&addr, &data);
    let r = post(&addr, "/signout", &cookie, &format!("csrf={csrf}"));
    assert_eq!(status(&r), 303, "{r}");
    let r = raw(
        &addr,
        &format!("GET /customers HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"),
    );
    assert!(r.contains("location: /signed-out"), "a signed-out session still works: {r}");
    let _ = Command::new("true").status();
}

/// A customer-service member (reads every customer, adds follow-ups, never orders or new
/// customers) sees no control for what the roster forbids, and the node refuses the
/// request anyway when it is sent by hand.
#[test]
fn forbidden_controls_are_hidden_and_refused_anyway() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(tmp.path());
    let admin = relay.member("Li Wei");
    let service = relay.admin(&["member", "add", "east", "Zhou Min", "--role", "service"]);
    let (a, s) = (tmp.path().join("a"), tmp.path().join("s"));
    ok(&a, &["join", &relay.url, &admin]);
    let number = add_customer(&a, "苏州精工科技有限公司", "13812345678");
    ok(&a, &["sync"]);
    ok(&s, &["join", &relay.url, &service]);
    let (_node, url) = serve_with(&s, &[]);
    let addr = url.trim_start_matches("http://").to_string();

    let browser = Browser::start();
    browser.go(&sign_in_link(&s));
    browser.wait_for("the customer list", 10, |b| b.text("#rows").contains("苏州精工科技有限公司"));
    assert!(!browser.text("main").contains("新建客户"), "customer service may not create customers");
    browser.go(&format!("{url}/customers/{number}"));
    browser.find("#timeline");
    let work = browser.text("main");
    assert!(work.contains("添加跟进") && work.contains("添加服务记录"), "allowed controls are shown: {work}");
    assert!(!work.contains("添加订单"), "customer service may not add orders: {work}");
    browser.screenshot("service-member-customer");
    drop(browser);

    // Sent by hand with a valid session and token, the order is refused and nothing stored.
    let (cookie, csrf) = session(&addr, &s);
    let before = ok(&s, &["--json", "customer", "show", &number]);
    let r = post(
        &addr,
        &format!("/customers/{number}/orders"),
        &cookie,
        &format!("amount=1000&category=%E8%AE%BE%E5%A4%87&csrf={csrf}"),
    );
    assert_eq!(status(&r), 403, "{r}");
    assert_eq!(before, ok(&s, &["--json", "customer", "show", &number]), "a forbidden order was stored");
    let r = post(
        &addr,
        &format!("/customers/{number}/follow-ups"),
        &cookie,
        &format!("channel=phone&summary=ok&csrf={csrf}"),
    );
    assert_eq!(status(&r), 303, "an allowed follow-up goes through: {r}");
}
