//! What the benchmarks share: a real `rapport-relay` process on loopback.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn relay_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let dir = exe.parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
    dir.join("rapport-relay")
}

pub struct Relay {
    child: Child,
    dir: PathBuf,
    pub url: String,
}

impl Relay {
    pub fn start(dir: &Path) -> Result<Relay, String> {
        let child = Command::new(relay_bin())
            .arg("--data")
            .arg(dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting {}: {e} (cargo build --release -p rapport-relay)", relay_bin().display()))?;
        let mut r = Relay { child, dir: dir.to_path_buf(), url: String::new() };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(a) = std::fs::read_to_string(dir.join("relay.json"))
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .and_then(|v| v["addr"].as_str().map(str::to_string))
            {
                r.url = format!("http://{a}");
                return Ok(r);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err("relay did not start".into())
    }

    pub fn admin(&self, args: &[&str]) -> Result<String, String> {
        let out =
            Command::new(relay_bin()).arg("--data").arg(&self.dir).args(args).output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// The relay's `rapport_relay_notice_streams` gauge.
    pub fn notice_streams(&self) -> u64 {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        agent
            .get(&format!("{}/metrics", self.url))
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_to_string().ok())
            .and_then(|t| t.lines().find_map(|l| l.strip_prefix("rapport_relay_notice_streams ")?.trim().parse().ok()))
            .unwrap_or(0)
    }

    pub fn rss_mib(&self, field: &str) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with(field))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<f64>().ok())
            })
            .map(|kib| kib / 1024.0)
            .unwrap_or(0.0)
    }
}

impl Relay {
    /// The relay's peak resident memory so far.
    pub fn peak_rss_mib(&self) -> f64 {
        self.rss_mib("VmHWM:")
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
