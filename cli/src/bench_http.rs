//! `rapport bench-http`: load-tests a running node's API from this separate process.
//!
//! Uses plain HTTP/1.1 over keep-alive TCP connections (one request in flight per
//! connection) so the generator costs as little CPU as possible on the machine it shares
//! with the node. Measures `GET /v1/customers/{number}` (a hot set and uniformly over the
//! whole book), a filtered list page of 50, and `POST .../interactions` (each one a
//! durable redb commit), and reads the node's resident memory from /proc. Prints JSON.

use crate::args::BenchHttpArgs;
use anyhow::{anyhow, bail, Context, Result};
use rapport_api::discovery::read_serve_info;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub(crate) struct Conn {
    r: BufReader<tokio::net::tcp::OwnedReadHalf>,
    w: tokio::net::tcp::OwnedWriteHalf,
}

impl Conn {
    pub(crate) async fn open(addr: &str) -> Result<Conn> {
        let s = TcpStream::connect(addr).await.with_context(|| format!("connecting to {addr}"))?;
        s.set_nodelay(true)?;
        let (r, w) = s.into_split();
        Ok(Conn { r: BufReader::new(r), w })
    }

    /// Sends one request and reads the whole response; returns (status, body).
    pub(crate) async fn request(&mut self, req: &[u8]) -> Result<(u16, Vec<u8>)> {
        self.w.write_all(req).await?;
        let mut line = String::new();
        self.r.read_line(&mut line).await?;
        let status: u16 =
            line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| anyhow!("bad status line"))?;
        let mut len = 0usize;
        loop {
            line.clear();
            if self.r.read_line(&mut line).await? == 0 {
                bail!("connection closed");
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; len];
        self.r.read_exact(&mut body).await?;
        Ok((status, body))
    }
}

/// An open stream of server-sent events (the node's change feed, the web app's `/live`),
/// read line by line.
pub(crate) struct Feed {
    r: BufReader<tokio::net::tcp::OwnedReadHalf>,
    /// Held open: closing the writing half could end the stream.
    _w: tokio::net::tcp::OwnedWriteHalf,
    line: String,
}

impl Feed {
    /// Sends `request` to `addr` and reads past the response's headers.
    pub(crate) async fn open(addr: &str, request: &[u8]) -> Result<Feed> {
        let s = TcpStream::connect(addr).await.with_context(|| format!("connecting to {addr}"))?;
        let (r, mut w) = s.into_split();
        w.write_all(request).await?;
        let mut feed = Feed { r: BufReader::new(r), _w: w, line: String::new() };
        loop {
            feed.line.clear();
            if feed.r.read_line(&mut feed.line).await? == 0 {
                bail!("the stream closed before it began");
            }
            if feed.line == "\r\n" {
                return Ok(feed);
            }
        }
    }

    /// Reads until a line holding `text` arrives; fails after `within`.
    pub(crate) async fn until(&mut self, text: &str, within: Duration) -> Result<()> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            self.line.clear();
            match tokio::time::timeout_at(deadline, self.r.read_line(&mut self.line)).await {
                Ok(Ok(0)) => bail!("the stream closed"),
                Ok(Ok(_)) if self.line.contains(text) => return Ok(()),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Err(e.into()),
                Err(_) => bail!("nothing about {text} within {within:?}"),
            }
        }
    }
}

pub(crate) fn get(path: &str, token: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: node\r\nAuthorization: Bearer {token}\r\n\r\n").into_bytes()
}

pub(crate) fn post(path: &str, token: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: node\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

pub(crate) fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

fn summary(name: &str, mut micros: Vec<u64>, elapsed: Duration, conns: usize, errors: usize) -> serde_json::Value {
    micros.sort_unstable();
    serde_json::json!({
        "what": name,
        "connections": conns,
        "requests": micros.len(),
        "errors": errors,
        "seconds": (elapsed.as_secs_f64() * 100.0).round() / 100.0,
        "req_per_s": (micros.len() as f64 / elapsed.as_secs_f64()).round(),
        "p50_ms": percentile(&micros, 0.50),
        "p90_ms": percentile(&micros, 0.90),
        "p99_ms": percentile(&micros, 0.99),
        "max_ms": percentile(&micros, 1.0),
    })
}

/// Runs `conns` connections for `dur`, each sending requests made by `make(i)`.
async fn load(
    addr: &str,
    conns: usize,
    dur: Duration,
    make: Arc<dyn Fn(usize) -> Vec<u8> + Send + Sync>,
) -> Result<(Vec<u64>, Duration, usize)> {
    let start = Instant::now();
    let deadline = start + dur;
    let mut tasks = Vec::new();
    for c in 0..conns {
        let addr = addr.to_string();
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(&addr).await?;
            let mut lat = Vec::new();
            let mut errors = 0;
            let mut i = c * 7919;
            while Instant::now() < deadline {
                let req = make(i);
                i += 1;
                let t = Instant::now();
                let (status, _) = conn.request(&req).await?;
                lat.push(t.elapsed().as_micros() as u64);
                if status >= 400 {
                    errors += 1;
                }
            }
            anyhow::Ok((lat, errors))
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await??;
        all.extend(lat);
        errors += e;
    }
    Ok((all, start.elapsed(), errors))
}

fn rss_kib(pid: u32) -> (Option<u64>, Option<u64>) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Runs the benchmark against the node serving `dir`.
pub fn run(dir: &Path, a: &BenchHttpArgs) -> Result<()> {
    let info = read_serve_info(dir).context("no running node for this data directory (start `rapport serve`)")?;
    let token = rapport_api::auth::read_token(dir)?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = rt.block_on(async {
        let addr = info.address.clone();
        let mut c = Conn::open(&addr).await?;
        // Every customer number, a page at a time.
        let mut numbers: Vec<String> = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(cur) => format!("/v1/customers?limit=10000&cursor={cur}"),
                None => "/v1/customers?limit=10000".to_string(),
            };
            let (status, body) = c.request(&get(&path, &token)).await?;
            if status != 200 {
                bail!("listing customers failed with {status}: {}", String::from_utf8_lossy(&body));
            }
            let page: serde_json::Value = serde_json::from_slice(&body)?;
            for i in page["items"].as_array().into_iter().flatten() {
                numbers.push(i["number"].as_str().unwrap_or_default().to_string());
            }
            match page["next_cursor"].as_str() {
                Some(n) => cursor = Some(n.to_string()),
                None => break,
            }
        }
        if numbers.is_empty() {
            bail!("the book is empty");
        }
        let n = numbers.len();
        let (rss_start, _) = rss_kib(info.pid);
        let numbers = Arc::new(numbers);
        let dur = Duration::from_secs(a.seconds);
        let mut results = Vec::new();

        // Hot set: warm it once, then measure.
        let hot = a.hot.min(n).max(1);
        let step = (n / hot).max(1);
        for k in 0..hot {
            c.request(&get(&format!("/v1/customers/{}", numbers[(k * step) % n]), &token)).await?;
        }
        let (nums, tok) = (numbers.clone(), token.clone());
        let (lat, el, err) = load(
            &addr,
            a.connections,
            dur,
            Arc::new(move |i| get(&format!("/v1/customers/{}", nums[((i % hot) * step) % n]), &tok)),
        )
        .await?;
        results.push(summary(
            &format!("GET /v1/customers/{{number}}, {hot} hot customers"),
            lat,
            el,
            a.connections,
            err,
        ));

        // Uniform over the whole book (mostly cache misses on a large book).
        let (nums, tok) = (numbers.clone(), token.clone());
        let (lat, el, err) = load(
            &addr,
            a.connections,
            dur,
            Arc::new(move |i| {
                let k = (i.wrapping_mul(2_654_435_761)) % n;
                get(&format!("/v1/customers/{}", nums[k]), &tok)
            }),
        )
        .await?;
        results.push(summary(
            &format!("GET /v1/customers/{{number}}, uniform over all {n} customers"),
            lat,
            el,
            a.connections,
            err,
        ));

        // A filtered list page of 50, one connection.
        let tok = token.clone();
        let (lat, el, err) = load(
            &addr,
            1,
            Duration::from_secs(a.seconds.min(5)),
            Arc::new(move |_| get("/v1/customers?industry=C&stage=won&limit=50", &tok)),
        )
        .await?;
        results.push(summary("GET /v1/customers?industry=C&stage=won&limit=50", lat, el, 1, err));
        let tok = token.clone();
        let (lat, el, err) = load(
            &addr,
            1,
            Duration::from_secs(a.seconds.min(5)),
            Arc::new(move |_| get("/v1/customers?stage=intent&sort=-last_interaction&limit=50", &tok)),
        )
        .await?;
        results.push(summary("GET /v1/customers?stage=intent&sort=-last_interaction&limit=50", lat, el, 1, err));

        // Durable writes: follow-ups, one connection, then 8 at once.
        for conns in [1usize, 8] {
            let per = a.writes.div_ceil(conns);
            let start = Instant::now();
            let mut tasks = Vec::new();
            for w in 0..conns {
                let (addr, nums, tok) = (addr.clone(), numbers.clone(), token.clone());
                tasks.push(tokio::spawn(async move {
                    let mut conn = Conn::open(&addr).await?;
                    let mut lat = Vec::new();
                    let mut errors = 0;
                    for i in 0..per {
                        let number = &nums[(w * 104_729 + i * 7_919) % n];
                        let body =
                            format!(r#"{{"channel":"phone","summary":"bench follow-up {w}-{i}","intent":"medium"}}"#);
                        let req = post(&format!("/v1/customers/{number}/interactions"), &tok, &body);
                        let t = Instant::now();
                        let (status, _) = conn.request(&req).await?;
                        lat.push(t.elapsed().as_micros() as u64);
                        if status != 201 {
                            errors += 1;
                        }
                    }
                    anyhow::Ok((lat, errors))
                }));
            }
            let mut all = Vec::new();
            let mut errors = 0;
            for t in tasks {
                let (l, e) = t.await??;
                all.extend(l);
                errors += e;
            }
            results.push(summary(
                "POST /v1/customers/{number}/interactions (durable commit each)",
                all,
                start.elapsed(),
                conns,
                errors,
            ));
        }
        let (rss_end, hwm) = rss_kib(info.pid);
        anyhow::Ok(serde_json::json!({
            "node": info.url,
            "customers": n,
            "cores": std::thread::available_parallelism().map(|c| c.get()).unwrap_or(1),
            "durability": "redb Durability::Immediate per write (fsync before the answer)",
            "results": results,
            "node_rss_mib_at_start": rss_start.map(|k| k / 1024),
            "node_rss_mib_at_end": rss_end.map(|k| k / 1024),
            "node_peak_rss_mib": hwm.map(|k| k / 1024),
        }))
    })?;
    crate::out::json(&report)
}
