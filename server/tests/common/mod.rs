//! Shared pieces of the relay's tests: the real `rapport-relay` binary, started on
//! 127.0.0.1 port 0 with a temporary data directory, its admin commands, raw HTTP
//! requests, and its memory as the kernel reports it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_rapport-relay");

/// Runs `rapport-relay --data DIR ARGS`.
pub fn relay_cmd(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN).arg("--data").arg(dir).args(args).output().expect("run rapport-relay")
}

/// Runs an admin command that must succeed; returns its stdout, trimmed.
pub fn admin_ok(dir: &Path, args: &[&str]) -> String {
    let out = relay_cmd(dir, args);
    assert!(out.status.success(), "rapport-relay {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A running relay process, killed and reaped when dropped.
pub struct RunningRelay {
    pub child: Child,
    pub dir: PathBuf,
    /// Member listener, `host:port`.
    pub addr: String,
    /// Admin listener, `host:port`.
    pub admin: String,
}

impl RunningRelay {
    /// `rapport-relay --data DIR serve --listen 127.0.0.1:0 EXTRA`, once it listens.
    pub fn start(dir: &Path, extra: &[&str]) -> RunningRelay {
        let _ = std::fs::remove_file(dir.join("relay.json"));
        let child = Command::new(BIN)
            .arg("--data")
            .arg(dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve");
        let mut relay = RunningRelay { child, dir: dir.to_path_buf(), addr: String::new(), admin: String::new() };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(v) = std::fs::read_to_string(dir.join("relay.json"))
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            {
                if let (Some(a), Some(b)) = (v["addr"].as_str(), v["admin"].as_str()) {
                    relay.addr = a.to_string();
                    relay.admin = b.to_string();
                    return relay;
                }
            }
            if let Ok(Some(status)) = relay.child.try_wait() {
                panic!("relay exited at start: {status}");
            }
            assert!(Instant::now() < deadline, "relay did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory now and at its peak so far, in KiB (`VmRSS`, `VmHWM`).
    pub fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("proc status");
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .expect("memory field")
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// SIGTERM, then waits (at most `limit`) for the process to end.
    pub fn stop(&mut self, limit: Duration) -> ExitStatus {
        let _ = Command::new("kill").arg("-TERM").arg(self.pid().to_string()).status();
        let deadline = Instant::now() + limit;
        loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                return s;
            }
            assert!(Instant::now() < deadline, "the relay did not stop within {limit:?} of SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RunningRelay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// `POST /v1/sync` with `authorization` as the whole header value; status and body.
pub fn sync_post(addr: &str, authorization: Option<&str>, body: &[u8]) -> (u16, Vec<u8>) {
    let mut req = agent().post(&format!("http://{addr}/v1/sync"));
    if let Some(a) = authorization {
        req = req.header("Authorization", a);
    }
    match req.send(body) {
        Ok(mut r) => (r.status().as_u16(), r.body_mut().read_to_vec().unwrap_or_default()),
        Err(e) => panic!("sync request to {addr}: {e}"),
    }
}

/// A real sync request (`Changes` from the start) with a member token: its status.
pub fn sync_status(addr: &str, token: &str) -> u16 {
    let frame = rapport_wire::encode(&rapport_wire::Message::Changes { since: 0, limit: 10 });
    sync_post(addr, Some(&format!("Bearer {token}")), &frame).0
}

/// `GET http://addr/path`: status and body.
pub fn get(addr: &str, path: &str) -> (u16, String) {
    match agent().get(&format!("http://{addr}{path}")).call() {
        Ok(mut r) => (r.status().as_u16(), r.body_mut().read_to_string().unwrap_or_default()),
        Err(e) => panic!("GET {path} on {addr}: {e}"),
    }
}

/// Opens a connection and sends a sync request's head declaring `len` body bytes.
pub fn sync_head(addr: &str, authorization: Option<&str>, len: usize) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    let auth = authorization.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
    let head = format!("POST /v1/sync HTTP/1.1\r\nHost: relay\r\n{auth}Content-Length: {len}\r\n\r\n");
    s.write_all(head.as_bytes()).expect("send head");
    s
}

/// Reads an HTTP status line from `s` (at most `limit` to wait); `None` if the connection
/// closed or nothing came.
pub fn read_status(s: &mut TcpStream, limit: Duration) -> Option<u16> {
    s.set_read_timeout(Some(limit)).expect("timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    while !got.windows(2).any(|w| w == b"\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&got);
    line.strip_prefix("HTTP/1.1 ").and_then(|r| r.get(..3)).and_then(|c| c.parse().ok())
}

/// Whether the peer closed `s` (EOF or reset) within `limit`; data still arriving is read
/// and dropped.
pub fn closed_within(s: &mut TcpStream, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 8192];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        s.set_read_timeout(Some(left)).expect("timeout");
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return false
            }
            Err(_) => return true,
        }
    }
}
