//! `rapport bench-live --to DIR`: how long an edit on the node serving this data directory
//! takes to be visible on the node serving `DIR` (both running, syncing through a relay or
//! peer link). Each edit is a follow-up posted through the first node's API; the clock stops
//! when the second node's change feed (`GET /v1/events`) announces that customer. Prints
//! JSON: p50, p90, p99 and max over the edits.

use crate::args::BenchLiveArgs;
use crate::bench_http::{get, percentile, post, Conn, Feed};
use anyhow::{bail, Context, Result};
use rapport_api::discovery::read_serve_info;
use std::path::Path;
use std::time::{Duration, Instant};

/// Runs the measurement between the node of `dir` and the node of `a.to`.
pub fn run(dir: &Path, a: &BenchLiveArgs) -> Result<()> {
    let from = read_serve_info(dir).context("no running node for this data directory (start `rapport serve`)")?;
    let to = read_serve_info(&a.to).with_context(|| format!("no running node for {}", a.to.display()))?;
    let (from_token, to_token) = (rapport_api::auth::read_token(dir)?, rapport_api::auth::read_token(&a.to)?);
    let number = a.customer.clone();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = rt.block_on(async {
        let mut feed =
            Feed::open(&to.address, &get("/v1/events", &to_token)).await.context("the second node's change feed")?;
        let mut api = Conn::open(&from.address).await?;
        let mut lat = Vec::with_capacity(a.edits);
        for i in 0..a.edits {
            let body = format!(r#"{{"channel":"phone","summary":"live bench {i}"}}"#);
            let t = Instant::now();
            let (status, _) =
                api.request(&post(&format!("/v1/customers/{number}/interactions"), &from_token, &body)).await?;
            if status != 201 {
                bail!("the edit answered {status}");
            }
            feed.until(&number, Duration::from_secs(30))
                .await
                .with_context(|| format!("edit {i} on the second node's change feed"))?;
            lat.push(t.elapsed().as_micros() as u64);
            // Edits a person makes, not a burst: the next one after a pause.
            tokio::time::sleep(Duration::from_millis(a.pause_ms)).await;
        }
        lat.sort_unstable();
        anyhow::Ok(serde_json::json!({
            "what": "edit on one serving node until the other's change feed announces it",
            "edits": lat.len(),
            "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            "p50_ms": percentile(&lat, 0.50),
            "p90_ms": percentile(&lat, 0.90),
            "p99_ms": percentile(&lat, 0.99),
            "max_ms": percentile(&lat, 1.0),
        }))
    })?;
    crate::out::json(&report)
}
