//! Progress bars on standard error for long work (sync, import, export, doctor, reindex,
//! demo). The libraries report progress through callbacks; this is where it is drawn, and
//! only when standard error is a terminal and the output is not `--json`: scripts and
//! logs get the result alone.

use indicatif::{HumanBytes, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rapport_sync::SyncProgress;
use std::io::IsTerminal;

/// Whether bars are drawn: standard error is a terminal and the output is not JSON.
pub fn drawn(json: bool) -> bool {
    !json && std::io::stderr().is_terminal()
}

fn styled(bar: ProgressBar, template: &str, label: &str) -> ProgressBar {
    // The templates are constants; a bad one falls back to indicatif's plain bar.
    bar.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()));
    bar.set_prefix(label.to_string());
    bar
}

fn new_bar(json: bool) -> ProgressBar {
    if drawn(json) {
        ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    }
}

/// A bar counting customers: `  checking [#####-----] 4000/10000 customers (3s)`.
pub struct Counter {
    bar: ProgressBar,
}

impl Counter {
    /// A bar labelled `label` (hidden unless [`drawn`]).
    pub fn new(json: bool, label: &str) -> Counter {
        let template = "{prefix:>10} [{bar:30}] {pos}/{len} customers ({elapsed})";
        Counter { bar: styled(new_bar(json), template, label) }
    }

    /// What the library calls with (done, total).
    pub fn observe(&self, done: u64, total: u64) {
        self.bar.set_length(total);
        self.bar.set_position(done);
    }
}

impl Drop for Counter {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// Two bars for a sync: documents and bytes sent, documents and bytes received.
pub struct SyncBars {
    _all: MultiProgress,
    send: ProgressBar,
    receive: ProgressBar,
}

impl SyncBars {
    /// Bars for a sync with `peer` (hidden unless [`drawn`]).
    pub fn new(json: bool) -> SyncBars {
        let all = MultiProgress::with_draw_target(if drawn(json) {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        let template = "{prefix:>10} [{bar:30}] {pos}/{len} documents, {msg}";
        let send = styled(all.add(ProgressBar::new(0)), template, "sending");
        let receive = styled(all.add(ProgressBar::new(0)), template, "receiving");
        SyncBars { _all: all, send, receive }
    }

    /// What the sync calls after each step.
    pub fn observe(&self, p: &SyncProgress) {
        self.send.set_length(p.to_send);
        self.send.set_position(p.sent);
        self.send.set_message(format!("{} sent", HumanBytes(p.bytes_sent)));
        self.receive.set_length(p.to_receive);
        self.receive.set_position(p.received);
        self.receive.set_message(format!("{} received{}", HumanBytes(p.bytes_received), time_left(p)));
    }
}

/// ", about 8 seconds left" while a sync has an estimate; nothing before it has one or
/// once it is done.
pub fn time_left(p: &SyncProgress) -> String {
    match p.eta_ms {
        Some(ms) if ms > 0 => {
            format!(", about {} left", indicatif::HumanDuration(std::time::Duration::from_millis(ms)))
        }
        _ => String::new(),
    }
}

impl Drop for SyncBars {
    fn drop(&mut self) {
        self.send.finish_and_clear();
        self.receive.finish_and_clear();
    }
}
