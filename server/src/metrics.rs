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
    /// `Mark` requests (every sync ends with one).
    pub mark: AtomicU64,
    /// `Mark` requests whose position this relay no longer holds: a member's node that
    /// synced past what it holds (restored from a backup), and sends back what it lacks.
    pub marks_not_held: AtomicU64,
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
    /// Connections accepted.
    pub connections_opened: AtomicU64,
    /// Connections open now.
    pub connections_open: AtomicU64,
    /// Connections refused over the total or per-address limit.
    pub connections_refused: AtomicU64,
    /// Connections closed because their request headers did not arrive in time.
    pub connections_timed_out: AtomicU64,
    /// Requests refused because their body did not arrive within the body timeout.
    pub bodies_timed_out: AtomicU64,
    /// Requests refused because the memory budget for request bodies stayed full.
    pub bodies_over_budget: AtomicU64,
    /// Notice streams open now (`GET /v1/notices`).
    pub notice_streams: AtomicU64,
    /// Notices sent.
    pub notices_sent: AtomicU64,
}

/// Counts a notice stream as open until dropped.
pub struct OpenStream(pub std::sync::Arc<Metrics>);

impl OpenStream {
    /// Counts a new stream.
    pub fn new(m: std::sync::Arc<Metrics>) -> OpenStream {
        Metrics::add(&m.notice_streams, 1);
        OpenStream(m)
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.notice_streams.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Counts a connection as open until dropped.
pub struct OpenConnection<'a>(&'a Metrics);

impl Drop for OpenConnection<'_> {
    fn drop(&mut self) {
        self.0.connections_open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// Adds to a counter.
    pub fn add(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts a new connection, open until the returned guard is dropped.
    pub fn connection_opened(&self) -> OpenConnection<'_> {
        Metrics::add(&self.connections_opened, 1);
        Metrics::add(&self.connections_open, 1);
        OpenConnection(self)
    }

    /// The text exposition. Per-team document counts (`teams`) are only given on the admin
    /// listener: team ids are not for members or the internet to enumerate.
    pub fn render(&self, teams: Option<&[(String, u64)]>) -> String {
        let mut s = String::new();
        let c = |v: &AtomicU64| v.load(Ordering::Relaxed);
        s.push_str(
            "# HELP rapport_relay_requests_total Sync requests by kind.\n# TYPE rapport_relay_requests_total counter\n",
        );
        for (k, v) in [("push", &self.push), ("changes", &self.changes), ("fetch", &self.fetch), ("mark", &self.mark)] {
            s.push_str(&format!("rapport_relay_requests_total{{kind=\"{k}\"}} {}\n", c(v)));
        }
        s.push_str(&format!("# HELP rapport_relay_unauthorized_total Requests refused for their token.\n# TYPE rapport_relay_unauthorized_total counter\nrapport_relay_unauthorized_total {}\n", c(&self.unauthorized)));
        s.push_str(&format!("# HELP rapport_relay_bad_requests_total Malformed, oversized or wrong-version requests.\n# TYPE rapport_relay_bad_requests_total counter\nrapport_relay_bad_requests_total {}\n", c(&self.bad_requests)));
        s.push_str(&format!("# HELP rapport_relay_docs_stored_total Documents stored or merged.\n# TYPE rapport_relay_docs_stored_total counter\nrapport_relay_docs_stored_total {}\n", c(&self.docs_stored)));
        s.push_str(&format!("# HELP rapport_relay_docs_refused_total Pushed documents refused.\n# TYPE rapport_relay_docs_refused_total counter\nrapport_relay_docs_refused_total {}\n", c(&self.docs_refused)));
        s.push_str(&format!("# HELP rapport_relay_bytes_in_total Request bytes.\n# TYPE rapport_relay_bytes_in_total counter\nrapport_relay_bytes_in_total {}\n", c(&self.bytes_in)));
        s.push_str(&format!("# HELP rapport_relay_bytes_out_total Response bytes.\n# TYPE rapport_relay_bytes_out_total counter\nrapport_relay_bytes_out_total {}\n", c(&self.bytes_out)));
        for (name, help, kind, v) in [
            ("connections_opened_total", "Connections accepted.", "counter", &self.connections_opened),
            ("connections_open", "Connections open now.", "gauge", &self.connections_open),
            ("notice_streams", "Notice streams open now.", "gauge", &self.notice_streams),
            ("notices_sent_total", "Notices sent on notice streams.", "counter", &self.notices_sent),
            (
                "marks_not_held_total",
                "Syncs that found this relay no longer holds what the member saw (restored from a backup).",
                "counter",
                &self.marks_not_held,
            ),
            (
                "connections_refused_total",
                "Connections refused over the total or per-address limit.",
                "counter",
                &self.connections_refused,
            ),
            (
                "connections_timed_out_total",
                "Connections closed because their request headers did not arrive in time.",
                "counter",
                &self.connections_timed_out,
            ),
            (
                "bodies_timed_out_total",
                "Requests refused because their body did not arrive in time.",
                "counter",
                &self.bodies_timed_out,
            ),
            (
                "bodies_over_budget_total",
                "Requests refused because the memory budget for bodies stayed full.",
                "counter",
                &self.bodies_over_budget,
            ),
        ] {
            s.push_str(&format!(
                "# HELP rapport_relay_{name} {help}\n# TYPE rapport_relay_{name} {kind}\nrapport_relay_{name} {}\n",
                c(v)
            ));
        }
        let Some(teams) = teams else { return s };
        s.push_str(
            "# HELP rapport_relay_team_documents Documents held per team.\n# TYPE rapport_relay_team_documents gauge\n",
        );
        for (team, n) in teams {
            s.push_str(&format!("rapport_relay_team_documents{{team=\"{}\"}} {n}\n", label_value(team)));
        }
        s
    }
}

/// A label value as the Prometheus text format requires: backslash, double quote and line
/// feed escaped, so no value can end its line early or forge another sample.
fn label_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_escape_backslash_quote_and_line_feed() {
        assert_eq!(label_value(r#"a\b"#), r#"a\\b"#);
        assert_eq!(label_value(r#"say "hi""#), r#"say \"hi\""#);
        assert_eq!(label_value("two\nlines"), r#"two\nlines"#);
        assert_eq!(label_value("销售一部"), "销售一部");
    }

    #[test]
    fn a_team_name_cannot_forge_a_sample() {
        let forged = "x\"} 1\nrapport_relay_docs_stored_total 999\nrapport_relay_team_documents{team=\"y".to_string();
        let text = Metrics::default().render(Some(&[(forged, 3)]));
        let samples: Vec<&str> = text.lines().filter(|l| l.starts_with("rapport_relay_team_documents")).collect();
        assert_eq!(samples.len(), 1, "{text}");
        assert!(samples[0].ends_with("\"} 3"), "{}", samples[0]);
        assert!(!text.contains("\nrapport_relay_docs_stored_total 999"), "{text}");
    }
}
