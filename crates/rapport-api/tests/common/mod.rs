//! A real node for tests: a redb store in a temporary directory, the API served by
//! `rapport_api::serve` on 127.0.0.1 port 0 in a background runtime, and a blocking
//! HTTP client.

#![allow(dead_code)]

use rapport_node::{Clock, LocalBook};
use rapport_store::Store;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub const TOKEN: &str = "test-token-0123456789abcdef";
pub const NOW: &str = "2026-03-02T10:00:00";

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A response: status, headers (lower-case names) and body text.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|s| s.as_str())
    }
}

pub struct Node {
    pub url: String,
    /// The book the server serves, for reading it beside the API.
    pub book: Arc<LocalBook>,
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    agent: ureq::Agent,
}

pub fn now() -> rapport_model::DateTime {
    rapport_model::parse_datetime("now", NOW).expect("valid NOW")
}

/// Starts a node over a store with `demo` sample customers.
pub fn start(demo: u64) -> Node {
    start_with(demo, |_| {})
}

/// Starts a node over a store with `demo` sample customers and whatever `prepare` writes.
pub fn start_with(demo: u64, prepare: impl FnOnce(&LocalBook)) -> Node {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::init(
        &dir.path().join("book.redb"),
        "Test Owner",
        rapport_node::default_settings_doc().expect("settings"),
        Vec::new(),
    )
    .expect("init store");
    let (book, _) = LocalBook::open(store, Clock::Fixed(now())).expect("open book");
    if demo > 0 {
        let gen = rapport_demo::DemoBook::new(42, now().date(), &["Li Wei", "Wang Fang", "Zhang Min", "Chen Jie"]);
        let profile = rapport_demo::DemoProfile::realistic();
        let customers = (0..demo).map(|i| gen.customer(i, &profile)).collect();
        book.store.create_many(customers, "Test Owner", now()).expect("demo customers");
    }
    prepare(&book);
    let book = Arc::new(book);
    let served = book.clone();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let node_dir = dir.path().to_path_buf();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            addr_tx.send(listener.local_addr().expect("addr")).expect("send addr");
            let node = rapport_node::Node::new(served, &node_dir).expect("node");
            let router = rapport_api::router(node, TOKEN);
            rapport_api::serve(listener, router, async move {
                let _ = stop_rx.await;
            })
            .await
            .expect("serve");
        });
    });
    let addr = addr_rx.recv_timeout(Duration::from_secs(10)).expect("server address");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        // A connection per request: the server may close one after refusing a request
        // whose body it did not read, and a pooled connection picked up just before that
        // close is noticed fails with "peer disconnected" (a test race, not an answer).
        .max_idle_connections(0)
        .build()
        .into();
    Node { url: format!("http://{addr}"), book, dir, stop: Some(stop_tx), thread: Some(thread), agent }
}

impl Node {
    /// Sends a request with the test token.
    pub fn call(&self, method: &str, path: &str, body: Option<&str>) -> Reply {
        self.raw(method, path, body, &[("authorization", &format!("Bearer {TOKEN}"))], true)
    }

    pub fn get(&self, path: &str) -> Reply {
        self.call("GET", path, None)
    }

    /// Sends a request with exactly these headers (plus a JSON content type when
    /// `json_type` and there is a body).
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
        json_type: bool,
    ) -> Reply {
        let mut b = ureq::http::Request::builder().method(method).uri(format!("{}{path}", self.url));
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        if body.is_some() && json_type {
            b = b.header("content-type", "application/json");
        }
        let resp = match body {
            Some(text) => self.agent.run(b.body(text.as_bytes().to_vec()).expect("request")),
            None => self.agent.run(b.body(()).expect("request")),
        };
        let mut resp = resp.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = resp.body_mut().with_config().limit(u64::MAX).read_to_string().unwrap_or_default();
        Reply { status, headers, body }
    }

    /// Stops the server and waits for it.
    pub fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Asserts a problem+json response with this status and type slug; returns its body.
pub fn problem(r: &Reply, status: u16, slug: &str) -> serde_json::Value {
    assert_eq!(r.status, status, "expected {status} {slug}, got {}: {}", r.status, r.body);
    assert_eq!(r.header("content-type"), Some("application/problem+json"), "{}", r.body);
    let p = r.json();
    assert_eq!(p["type"], format!("https://rapport.dev/problems/{slug}"), "{p}");
    assert_eq!(p["status"], status, "{p}");
    assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
    assert!(p["detail"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
    p
}
