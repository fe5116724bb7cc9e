//! Counters the relay exposes at `/metrics` in the Prometheus text format.

use std::sync::atomic::{AtomicU64, Ordering};

/// Relay counters.
#[derive(Default)]
pub struct Metrics {
    /// Sync requests handled, by message kind.
    pub push: AtomicU64,
    /// `Changes` requests.
    pub changes: AtomicU64,
    /// `Fetch` requests.
    pub fetch: AtomicU64,
    /// Requests refused for a missing, wrong or revoked token.
    pub unauthorized: AtomicU64,
    /// Requests refused as malformed, oversized or of an unknown version.
    pub bad_requests: AtomicU64,
    /// Documents stored or merged.
    pub docs_stored: AtomicU64,
    /// Documents refused in pushes.
    pub docs_refused: AtomicU64,
    /// Request bytes received.
    pub bytes_in: AtomicU64,
    /// Response bytes sent.
    pub bytes_out: AtomicU64,
}

impl Metrics {
    /// Adds to a counter.
    pub fn add(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }

    /// The text exposition, with per-team document counts appended by the caller.
    pub fn render(&self, teams: &[(String, u64)]) -> String {
        let mut s = String::new();
        let c = |v: &AtomicU64| v.load(Ordering::Relaxed);
        s.push_str(
            "# HELP rapport_relay_requests_total Sync requests by kind.\n# TYPE rapport_relay_requests_total counter\n",
        );
        for (k, v) in [("push", &self.push), ("changes", &self.changes), ("fetch", &self.fetch)] {
            s.push_str(&format!("rapport_relay_requests_total{{kind=\"{k}\"}} {}\n", c(v)));
        }
        s.push_str(&format!("# HELP rapport_relay_unauthorized_total Requests refused for their token.\n# TYPE rapport_relay_unauthorized_total counter\nrapport_relay_unauthorized_total {}\n", c(&self.unauthorized)));
        s.push_str(&format!("# HELP rapport_relay_bad_requests_total Malformed, oversized or wrong-version requests.\n# TYPE rapport_relay_bad_requests_total counter\nrapport_relay_bad_requests_total {}\n", c(&self.bad_requests)));
        s.push_str(&format!("# HELP rapport_relay_docs_stored_total Documents stored or merged.\n# TYPE rapport_relay_docs_stored_total counter\nrapport_relay_docs_stored_total {}\n", c(&self.docs_stored)));
        s.push_str(&format!("# HELP rapport_relay_docs_refused_total Pushed documents refused.\n# TYPE rapport_relay_docs_refused_total counter\nrapport_relay_docs_refused_total {}\n", c(&self.docs_refused)));
        s.push_str(&format!("# HELP rapport_relay_bytes_in_total Request bytes.\n# TYPE rapport_relay_bytes_in_total counter\nrapport_relay_bytes_in_total {}\n", c(&self.bytes_in)));
        s.push_str(&format!("# HELP rapport_relay_bytes_out_total Response bytes.\n# TYPE rapport_relay_bytes_out_total counter\nrapport_relay_bytes_out_total {}\n", c(&self.bytes_out)));
        s.push_str(
            "# HELP rapport_relay_team_documents Documents held per team.\n# TYPE rapport_relay_team_documents gauge\n",
        );
        for (team, n) in teams {
            let team = team.replace('\\', "\\\\").replace('"', "\\\"");
            s.push_str(&format!("rapport_relay_team_documents{{team=\"{team}\"}} {n}\n"));
        }
        s
    }
}
