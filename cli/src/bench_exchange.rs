//! Issue 6's figures for `rapport bench`: export (CSV and XLSX), dedupe, each report, and
//! importing the exported CSV into a fresh store, each run as the `rapport` command a user
//! would type, timed from outside with the child's peak memory.

use anyhow::{Context, Result};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Wall time (ms) and peak resident memory (KiB) of `rapport --data-dir DIR ARGS`.
fn measured(dir: &Path, args: &[&str]) -> Result<(f64, Option<u64>)> {
    let exe = std::env::current_exe().context("locating the rapport binary")?;
    let t = Instant::now();
    let mut child = Command::new(&exe)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running rapport {}", args.join(" ")))?;
    let peak = peak_of(&mut child);
    let out = child.wait_with_output()?;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    if !out.status.success() {
        anyhow::bail!("`rapport {}` failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    }
    Ok((ms, peak))
}

/// Samples the child's VmHWM until it exits (the kernel keeps the high-water mark, so the
/// last sample before exit is the peak).
fn peak_of(child: &mut std::process::Child) -> Option<u64> {
    let status = format!("/proc/{}/status", child.id());
    let mut peak = None;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status) {
            let hwm =
                s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok());
            if hwm.is_some() {
                peak = hwm;
            }
        }
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => return peak,
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
}

fn figure((ms, peak): (f64, Option<u64>)) -> serde_json::Value {
    serde_json::json!({ "ms": ms, "peak_rss_mib": peak.map(|k| k / 1024) })
}

/// Measures the issue-6 operations on the book in `dir`; works in `scratch`.
pub fn figures(dir: &Path, scratch: &Path) -> Result<serde_json::Value> {
    std::fs::create_dir_all(scratch)?;
    let csv = scratch.join("book.csv");
    let xlsx = scratch.join("book.xlsx");
    let (csv_s, xlsx_s) = (csv.to_string_lossy().into_owned(), xlsx.to_string_lossy().into_owned());
    let export_csv = measured(dir, &["--reveal", "export", "-o", &csv_s])?;
    let export_xlsx = measured(dir, &["--reveal", "export", "-o", &xlsx_s])?;
    let dedupe = measured(dir, &["--json", "dedupe"])?;
    let mut reports = serde_json::Map::new();
    for name in rapport_reports::ReportName::all() {
        reports.insert(name.as_str().into(), figure(measured(dir, &["--json", "report", name.as_str()])?));
    }
    reports.insert("all (HTML page)".into(), {
        let page = scratch.join("reports.html");
        figure(measured(dir, &["report", "all", "--html", &page.to_string_lossy()])?)
    });
    let fresh = scratch.join("fresh");
    if fresh.exists() {
        std::fs::remove_dir_all(&fresh)?;
    }
    measured(&fresh, &["init", "--name", "Importer"])?;
    let import = measured(&fresh, &["import", &csv_s])?;
    let reimport = measured(&fresh, &["import", &csv_s])?;
    Ok(serde_json::json!({
        "export_csv_revealed": figure(export_csv),
        "export_csv_bytes": std::fs::metadata(&csv)?.len(),
        "export_xlsx": figure(export_xlsx),
        "export_xlsx_bytes": std::fs::metadata(&xlsx)?.len(),
        "dedupe": figure(dedupe),
        "reports": reports,
        "import_csv_into_fresh_store": figure(import),
        "import_same_csv_again_creates_nothing": figure(reimport),
    }))
}
