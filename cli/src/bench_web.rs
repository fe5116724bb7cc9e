//! `rapport bench-web`: measures the web app of a running node from this separate process:
//! every page's server time (p50/p95 over sequential requests on one keep-alive
//! connection), a search-as-you-type round trip as a person types prefixes of names, each
//! page's first load in bytes (the page, its stylesheet and its script), and how long a
//! change takes to reach an open page (a write through the API until `/live` announces it,
//! and until the page is fetched again). Prints JSON.

use crate::args::BenchWebArgs;
use crate::bench_http::{get, percentile, post, Conn, Feed};
use anyhow::{anyhow, bail, Context, Result};
use rapport_api::discovery::read_serve_info;
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// The path of a page's `i`-th request.
type PathOf<'a> = Box<dyn Fn(usize) -> String + 'a>;

/// A GET with the session cookie and the node's own Host.
fn page(path: &str, host: &str, cookie: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n\r\n").into_bytes()
}

/// Signs in with a one-time link; returns the session cookie.
fn sign_in(addr: &str, token: &str) -> Result<String> {
    let mut s = std::net::TcpStream::connect(addr)?;
    s.write_all(&post("/v1/sign-in", token, ""))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf)?;
    let text = String::from_utf8_lossy(&buf[..n]).to_string();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(body).context("the sign-in link")?;
    let path = v["path"].as_str().ok_or_else(|| anyhow!("no sign-in link: {text}"))?;
    let mut s = std::net::TcpStream::connect(addr)?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    out.lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
        .ok_or_else(|| anyhow!("the sign-in link set no cookie: {out}"))
}

fn ms_summary(what: &str, mut micros: Vec<u64>, bytes: usize) -> serde_json::Value {
    micros.sort_unstable();
    serde_json::json!({
        "what": what,
        "requests": micros.len(),
        "p50_ms": percentile(&micros, 0.50),
        "p95_ms": percentile(&micros, 0.95),
        "max_ms": percentile(&micros, 1.0),
        "bytes": bytes,
    })
}

/// Runs the benchmark against the node serving `dir`.
pub fn run(dir: &Path, a: &BenchWebArgs) -> Result<()> {
    let info = read_serve_info(dir).context("no running node for this data directory (start `rapport serve`)")?;
    let token = rapport_api::auth::read_token(dir)?;
    let addr = info.address.clone();
    let cookie = sign_in(&addr, &token)?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = rt.block_on(async {
        let mut api = Conn::open(&addr).await?;
        let (status, body) = api.request(&get("/v1/customers?limit=10000", &token)).await?;
        if status != 200 {
            bail!("listing customers failed with {status}");
        }
        let listed: serde_json::Value = serde_json::from_slice(&body)?;
        let rows: Vec<(String, String)> = listed["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| (i["number"].as_str().unwrap_or_default().into(), i["name"].as_str().unwrap_or_default().into()))
            .collect();
        let total = listed["total"].as_u64().unwrap_or(0);
        if rows.is_empty() {
            bail!("the book is empty");
        }
        let mut web = Conn::open(&addr).await?;
        let mut results = Vec::new();
        let (_, css) = web.request(&page("/static/app.css", &addr, &cookie)).await?;
        let (_, js) = web.request(&page("/static/app.js", &addr, &cookie)).await?;
        let assets = css.len() + js.len();
        let pick = |i: usize| &rows[(i.wrapping_mul(2_654_435_761)) % rows.len()];
        let pages: Vec<(String, PathOf<'_>)> = vec![
            ("customer list, first page".into(), Box::new(|_| "/customers".to_string())),
            ("customer list, industry C and won".into(), Box::new(|_| "/customers?industry=C&stage=won".to_string())),
            (
                "customer list, intent by last follow-up".into(),
                Box::new(|_| "/customers?stage=intent&sort=-last_interaction".to_string()),
            ),
            ("customer page (uniform over the book)".into(), Box::new(|i| format!("/customers/{}", pick(i).0))),
            ("customer edit form".into(), Box::new(|i| format!("/customers/{}/edit", pick(i).0))),
            ("follow-up form".into(), Box::new(|i| format!("/customers/{}/follow-ups", pick(i).0))),
            ("new customer form".into(), Box::new(|_| "/customers/new".to_string())),
            ("agenda, mine".into(), Box::new(|_| "/agenda".to_string())),
            ("agenda, everyone".into(), Box::new(|_| "/agenda?who=all".to_string())),
            ("sync status".into(), Box::new(|_| "/sync".to_string())),
            ("team".into(), Box::new(|_| "/team".to_string())),
            ("import, upload form".into(), Box::new(|_| "/import".to_string())),
            ("duplicates".into(), Box::new(|_| "/dedupe".to_string())),
            ("one report (funnel)".into(), Box::new(|_| "/reports/funnel".to_string())),
            ("every report".into(), Box::new(|_| "/reports".to_string())),
        ];
        let mut largest_first_load = 0usize;
        for (what, path) in &pages {
            let n =
                if what.contains("report") || what.contains("duplicates") { a.requests.min(10) } else { a.requests };
            // One request first to warm what the node keeps (as a person's first visit
            // of the day would have), then the measured ones.
            let (status, body) = web.request(&page(&path(0), &addr, &cookie)).await?;
            if status != 200 {
                bail!("{what} ({}) answered {status}", path(0));
            }
            let mut lat = Vec::new();
            let mut bytes = body.len();
            for i in 1..=n {
                let t = Instant::now();
                let (status, body) = web.request(&page(&path(i), &addr, &cookie)).await?;
                lat.push(t.elapsed().as_micros() as u64);
                if status != 200 {
                    bail!("{what} ({}) answered {status}", path(i));
                }
                bytes = bytes.max(body.len());
            }
            largest_first_load = largest_first_load.max(bytes + assets);
            results.push(ms_summary(what, lat, bytes + assets));
        }

        // Search as you type: the first one to three characters of names, as typed.
        let mut lat = Vec::new();
        for i in 0..a.requests {
            let name = &pick(i * 13).1;
            for k in 1..=3usize {
                let prefix: String = name.chars().take(k).collect();
                let q: String = url_encode(&prefix);
                let t = Instant::now();
                let (status, _) = web.request(&page(&format!("/customers/rows?q={q}"), &addr, &cookie)).await?;
                lat.push(t.elapsed().as_micros() as u64);
                if status != 200 {
                    bail!("search answered {status}");
                }
            }
        }
        results.push(ms_summary("search as you type (rows for 1-3 typed characters of a name)", lat, 0));

        // A change reaching an open page: a follow-up written through the API, until
        // `/live` announces it, and until the customer's page is fetched again.
        let mut feed = Feed::open(&addr, &page("/live", &addr, &cookie)).await.context("/live")?;
        let (mut announced, mut shown) = (Vec::new(), Vec::new());
        for i in 0..a.requests.min(50) {
            let number = &pick(i * 31).0;
            let body = format!(r#"{{"channel":"phone","summary":"live bench {i}"}}"#);
            let t = Instant::now();
            let (status, _) =
                api.request(&post(&format!("/v1/customers/{number}/interactions"), &token, &body)).await?;
            if status != 201 {
                bail!("the write answered {status}");
            }
            feed.until(number, Duration::from_secs(10)).await.context("/live")?;
            announced.push(t.elapsed().as_micros() as u64);
            web.request(&page(&format!("/customers/{number}"), &addr, &cookie)).await?;
            shown.push(t.elapsed().as_micros() as u64);
        }
        results.push(ms_summary("a change until /live announces it", announced, 0));
        results.push(ms_summary("a change until the open page has fetched it again", shown, 0));
        anyhow::Ok(serde_json::json!({
            "customers": total,
            "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            "assets_bytes": assets,
            "largest_first_load_bytes": largest_first_load,
            "results": results,
        }))
    })?;
    crate::out::json(&report)
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
