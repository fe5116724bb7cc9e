//! Proves crash safety of the store (issue 2, "Crash safety"): a child process adding
//! customers in a loop is killed with SIGKILL at pseudo-random points, at least 20 times;
//! after every kill the store opens, `rapport doctor` exits 0 and reports no problem, and
//! every customer whose add was acknowledged on the writer's stdout is present with the
//! acknowledged name (and shows with `customer show`).
//!
//! The writer is a shell loop running the real `rapport` binary on a real redb file; the
//! whole process group is killed, so a kill can land anywhere in a `rapport` process,
//! including inside its write transaction. The kill delays come from a fixed-seed LCG
//! (printed; override with `RAPPORT_CRASH_SEED`), so a failing run can be replayed.

#![cfg(unix)]

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_rapport");
const NOW: &str = "2026-03-02T10:00:00";
/// Kills (at least 20 are required).
const ROUNDS: u32 = 24;
const DEFAULT_SEED: u64 = 0x2026_0302_5eed;

/// A 64-bit linear congruential generator (Knuth's MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// The writer: `sh` in its own process group, looping `rapport customer add`. Dropping it
/// kills the whole group, so no process outlives the test even when an assertion fails.
struct Writer {
    child: Child,
    /// Set once the shell is reaped; its pid (and so the group id) may then be reused.
    reaped: bool,
}

impl Writer {
    fn spawn(data: &Path, round: u32) -> Writer {
        // Each successful add prints `NUMBER  NAME` on one line; that line is the acknowledgement.
        let script = r#"i=0
while :; do
  i=$((i+1))
  "$RAPPORT" --data-dir "$DATA" customer add --kind company --name "崩溃测试 Crash $ROUND-$i 有限公司" \
    --industry C --source referral --contact-name "王芳" --contact-phone 13812345678 --tag crash || exit 3
done"#;
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .env("RAPPORT", BIN)
            .env("DATA", data)
            .env("ROUND", round.to_string())
            .env("RAPPORT_NOW", NOW)
            .env_remove("RAPPORT_DATA")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .expect("spawn the writer shell");
        Writer { child, reaped: false }
    }

    fn kill_group(&self) {
        if self.reaped {
            return;
        }
        let pgid = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) with a negative pid signals the process group we created; it
        // touches no memory of ours.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }

    /// Kills the group and returns everything written to stdout and stderr before the kill.
    fn kill_and_collect(mut self) -> (String, String) {
        self.kill_group();
        let mut out = String::new();
        let mut err = String::new();
        // Every process holding the pipes is dead, so both reads end at EOF.
        if let Some(mut o) = self.child.stdout.take() {
            o.read_to_string(&mut out).expect("read writer stdout");
        }
        if let Some(mut e) = self.child.stderr.take() {
            e.read_to_string(&mut err).expect("read writer stderr");
        }
        let status = self.child.wait().expect("reap the writer");
        self.reaped = true;
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(libc::SIGKILL),
            "writer ended by itself: {status:?}; stderr: {err}"
        );
        (out, err)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.kill_group();
        if !self.reaped {
            let _ = self.child.wait();
        }
    }
}

/// Runs `rapport` and fails the test if it does not finish within 30 s (it is killed then).
fn rapport(data: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("RAPPORT_NOW", NOW)
        .env_remove("RAPPORT_DATA")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rapport");
    // Drain the pipes on threads so a large output cannot block the child.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll rapport") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`rapport {}` hung for 30 s", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Output { status, stdout: out.join().expect("stdout reader"), stderr: err.join().expect("stderr reader") }
}

fn ok_json(data: &Path, args: &[&str]) -> Value {
    let o = rapport(data, args);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "`rapport {}` failed ({:?}): {}{}",
        args.join(" "),
        o.status,
        out,
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("`rapport {}` printed invalid JSON ({e}): {out}", args.join(" ")))
}

/// Complete lines `NUMBER  NAME` of the writer's stdout; a line cut off by the kill
/// (no trailing newline) is not an acknowledgement.
fn acknowledged(stdout: &str) -> Vec<(String, String)> {
    let complete = match stdout.rfind('\n') {
        Some(i) => &stdout[..=i],
        None => "",
    };
    complete
        .lines()
        .map(|l| {
            let (number, name) = l.split_once("  ").unwrap_or_else(|| panic!("unexpected writer output line: {l:?}"));
            assert!(!number.is_empty() && !number.contains(char::is_whitespace), "unexpected customer number in {l:?}");
            (number.to_string(), name.trim().to_string())
        })
        .collect()
}

#[test]
fn killed_writers_never_lose_acknowledged_customers_or_corrupt_the_store() {
    let started = Instant::now();
    let seed = std::env::var("RAPPORT_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_SEED);
    println!("crash safety: seed {seed} (set RAPPORT_CRASH_SEED to replay), {ROUNDS} kills");
    let mut rng = Lcg(seed);
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path().join("data");
    let init = rapport(&data, &["init", "--name", "Li Wei"]);
    assert!(init.status.success(), "init: {}", String::from_utf8_lossy(&init.stderr));

    // number -> acknowledged name, over all rounds.
    let mut acked: BTreeMap<String, String> = BTreeMap::new();
    let mut unacked_present = 0usize;
    for round in 1..=ROUNDS {
        let delay = rng.between(30, 400);
        let writer = Writer::spawn(&data, round);
        std::thread::sleep(Duration::from_millis(delay));
        let (out, err) = writer.kill_and_collect();
        assert!(!err.contains("error"), "round {round}: the writer failed before the kill: {err}");
        let new = acknowledged(&out);
        for (number, name) in &new {
            assert!(
                acked.insert(number.clone(), name.clone()).is_none(),
                "round {round}: number {number} acknowledged twice"
            );
        }

        // The store opens and its indexes agree with the documents.
        let doctor = rapport(&data, &["--json", "doctor"]);
        let report: Value = serde_json::from_slice(&doctor.stdout).unwrap_or(Value::Null);
        assert!(
            doctor.status.success() && report["problems"] == Value::Array(vec![]),
            "round {round} (seed {seed}, kill after {delay} ms): doctor failed ({:?}): {}{}",
            doctor.status,
            String::from_utf8_lossy(&doctor.stdout),
            String::from_utf8_lossy(&doctor.stderr)
        );

        // Every acknowledged customer is present, once, with its name.
        let list = ok_json(&data, &["--json", "list", "--archived"]);
        let items = list["items"].as_array().expect("list items");
        assert_eq!(list["total"].as_u64(), Some(items.len() as u64));
        assert_eq!(report["customers"].as_u64(), Some(items.len() as u64), "doctor and list disagree on the count");
        let mut present: BTreeMap<String, String> = BTreeMap::new();
        for i in items {
            let number = i["number"].as_str().expect("number").to_string();
            let name = i["name"].as_str().expect("name").to_string();
            assert!(present.insert(number.clone(), name).is_none(), "round {round}: number {number} listed twice");
        }
        for (number, name) in &acked {
            assert_eq!(
                present.get(number),
                Some(name),
                "round {round} (seed {seed}, kill after {delay} ms): acknowledged customer {number} missing"
            );
        }
        let missing_names: BTreeSet<&String> = present.values().filter(|n| !n.starts_with("崩溃测试 Crash ")).collect();
        assert!(missing_names.is_empty(), "unexpected customers: {missing_names:?}");
        unacked_present = present.len() - acked.len();

        // The newest acknowledged customer's document loads in full.
        if let Some((number, _)) = new.last() {
            let shown = ok_json(&data, &["--json", "customer", "show", number]);
            assert_eq!(shown["customer"]["number"].as_str(), Some(number.as_str()));
            assert_eq!(shown["customer"]["contacts"][0]["name"], "王芳");
        }
        println!(
            "round {round:>2}: killed after {delay:>3} ms, {:>2} acknowledged, {} in store",
            new.len(),
            present.len()
        );
    }

    // A rebuild from the documents finds exactly the same book.
    let reindexed = ok_json(&data, &["--json", "reindex"]);
    assert_eq!(reindexed["reindexed"].as_u64(), Some((acked.len() + unacked_present) as u64));
    assert_eq!(ok_json(&data, &["--json", "doctor"])["problems"], Value::Array(vec![]));
    assert!(acked.len() >= ROUNDS as usize, "too few acknowledged adds ({}) to mean anything", acked.len());
    println!(
        "crash safety: {ROUNDS} kills, {} acknowledged adds all present, {unacked_present} committed but unacknowledged, {:.1} s",
        acked.len(),
        started.elapsed().as_secs_f64()
    );
}
