//! A headless Chromium driven over WebDriver (chromedriver), for the web app's tests: the
//! few commands the tests use, spoken as JSON over HTTP. Chromium and chromedriver come
//! from the system packages (`.ci/run` installs them); a test that needs them fails with
//! that advice rather than skipping.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const DRIVER: &str = "/usr/bin/chromedriver";

/// A browser session; the browser and its driver stop when it is dropped.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
    _profile: tempfile::TempDir,
}

/// An element found on the page.
pub struct Element<'a> {
    browser: &'a Browser,
    id: String,
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().expect("addr").port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a fresh profile.
    pub fn start() -> Browser {
        assert!(
            Path::new(CHROMIUM).exists() && Path::new(DRIVER).exists(),
            "the web app's browser tests need Chromium and ChromeDriver: apt-get install chromium chromium-driver (.ci/run does)"
        );
        let port = free_port();
        let driver = Command::new(DRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while agent.get(&format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-quic", "--window-size=1300,1400",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        } } });
        let mut b = Browser { driver, base, session: String::new(), agent, _profile: profile };
        let v = b.call("POST", "/session", Some(caps));
        b.session = v["sessionId"].as_str().expect("a WebDriver session").to_string();
        b
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let mut resp = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, b) => self.agent.post(&url).send_json(b.unwrap_or_else(|| json!({}))),
        }
        .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let v: Value = resp.body_mut().read_json().unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        if let Some(err) = v["value"]["error"].as_str() {
            panic!("WebDriver {method} {path}: {err}: {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    /// Opens `url` and waits for the page to load.
    pub fn go(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    /// The page's URL.
    pub fn url(&self) -> String {
        self.call("GET", "/url", None).as_str().unwrap_or_default().to_string()
    }

    /// Runs `script` in the page and returns its value.
    pub fn run(&self, script: &str, args: Value) -> Value {
        self.call("POST", "/execute/sync", Some(json!({ "script": script, "args": args })))
    }

    /// Runs `script`, which calls `arguments[arguments.length - 1]` with its result.
    pub fn run_async(&self, script: &str) -> Value {
        self.call("POST", "/execute/async", Some(json!({ "script": script, "args": [] })))
    }

    /// The first element matching `css`, waiting up to 10 s for it.
    pub fn find(&self, css: &str) -> Element<'_> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = format!("{}/session/{}/element", self.base, self.session);
            let mut r = self
                .agent
                .post(&url)
                .send_json(json!({ "using": "css selector", "value": css }))
                .expect("find element");
            let v: Value = r.body_mut().read_json().expect("json");
            if let Some(id) = v["value"].as_object().and_then(|o| o.values().next()).and_then(|v| v.as_str()) {
                if v["value"]["error"].is_null() {
                    return Element { browser: self, id: id.to_string() };
                }
            }
            assert!(Instant::now() < deadline, "no element `{css}` on {}: {}", self.url(), self.text("body"));
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The visible text of the first element matching `css` (empty if none).
    pub fn text(&self, css: &str) -> String {
        self.run("var e = document.querySelector(arguments[0]); return e ? e.innerText : '';", json!([css]))
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits up to `secs` for `check` to hold, then fails with `what`.
    pub fn wait_for(&self, what: &str, secs: u64, mut check: impl FnMut(&Browser) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !check(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what} on {}: {}", self.url(), self.text("main"));
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Writes a screenshot of the page to `target/web-screenshots/NAME.png`.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let b64 = self.call("GET", "/screenshot", None);
        let png = decode_base64(b64.as_str().unwrap_or_default());
        let dir = Path::new(env!("CARGO_BIN_EXE_rapport"))
            .parent()
            .and_then(Path::parent)
            .map(|t| t.join("web-screenshots"))
            .expect("the target directory");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Serious and critical accessibility violations axe-core finds on the page (axe-core
    /// is vendored under `cli/tests/vendor`, see its README).
    pub fn accessibility_violations(&self) -> Vec<String> {
        let axe = include_str!("../vendor/axe.min.js");
        self.run(axe, json!([]));
        let v = self.run_async(
            "var done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then(function (r) {
               done(r.violations.filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })
                 .map(function (v) { return v.id + ' (' + v.impact + '): ' + v.help + ' — ' +
                   v.nodes.slice(0, 3).map(function (n) { return n.html; }).join(' | '); }));
             }).catch(function (e) { done(['axe failed: ' + e]); });",
        );
        v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
    }
}

impl Element<'_> {
    fn path(&self, rest: &str) -> String {
        format!("/element/{}{rest}", self.id)
    }

    /// Clicks it.
    pub fn click(&self) {
        self.browser.call("POST", &self.path("/click"), Some(json!({})));
    }

    /// Types `text` into it.
    pub fn type_text(&self, text: &str) {
        self.browser.call("POST", &self.path("/value"), Some(json!({ "text": text })));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.agent.delete(&format!("{}/session/{}", self.base, self.session)).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn decode_base64(s: &str) -> Vec<u8> {
    let table = |c: u8| -> Option<u8> {
        match c {
            b'A'..=b'Z' => Some(c - b'A'),
            b'a'..=b'z' => Some(c - b'a' + 26),
            b'0'..=b'9' => Some(c - b'0' + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter_map(table) {
        acc = (acc << 6) | u32::from(c);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}
