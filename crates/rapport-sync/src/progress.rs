//! How far a sync has got, told to an observer as it goes: libraries never draw, the
//! command line turns these reports into progress bars.

use serde::Serialize;
use std::sync::Mutex;

/// Where a sync stands: customer documents and bytes, each way. Every field only grows
/// during a sync; the totals grow as the work is discovered (documents queued to send,
/// documents the peer lists), and the last report of a sync has `sent == to_send` and
/// `received == to_receive`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SyncProgress {
    /// Customer documents queued to send so far.
    pub to_send: u64,
    /// Of them, documents the peer has answered for (stored or refused).
    pub sent: u64,
    /// Customer documents to fetch from the peer, as far as listed so far.
    pub to_receive: u64,
    /// Of them, documents taken in here (adopted, refused, or not sent by the peer).
    pub received: u64,
    /// Request bytes sent.
    pub bytes_sent: u64,
    /// Response bytes received.
    pub bytes_received: u64,
    /// Milliseconds since the sync began.
    #[serde(default)]
    pub elapsed_ms: u64,
    /// An estimate of the milliseconds left, from the documents done so far and the time
    /// they took (0 at the end; `None` before the first document is done).
    #[serde(default)]
    pub eta_ms: Option<u64>,
}

impl SyncProgress {
    /// Recomputes the time fields `elapsed` after the sync began.
    fn timed(&mut self, elapsed: std::time::Duration) {
        self.elapsed_ms = elapsed.as_millis() as u64;
        let done = self.sent + self.received;
        let left = self.to_send.saturating_sub(self.sent) + self.to_receive.saturating_sub(self.received);
        self.eta_ms = match (done, left) {
            (_, 0) => Some(0),
            (0, _) => None,
            (d, l) => {
                Some(((u128::from(self.elapsed_ms) * u128::from(l)) / u128::from(d)).min(u128::from(u64::MAX)) as u64)
            }
        };
    }
}

/// Observes sync progress. Called from the sync's worker threads, one report at a time.
pub type ProgressObserver<'a> = &'a (dyn Fn(&SyncProgress) + Sync);

/// The running tally of one sync, reported to its observer after every change.
pub(crate) struct Meter<'a> {
    state: Mutex<SyncProgress>,
    observer: ProgressObserver<'a>,
    started: std::time::Instant,
}

impl<'a> Meter<'a> {
    pub(crate) fn new(observer: ProgressObserver<'a>) -> Meter<'a> {
        Meter { state: Mutex::new(SyncProgress::default()), observer, started: std::time::Instant::now() }
    }

    /// Applies `change` and reports the result. The observer runs under the lock, so
    /// reports arrive in the order the tally changed and never go backwards.
    pub(crate) fn update(&self, change: impl FnOnce(&mut SyncProgress)) {
        let mut g = match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        change(&mut g);
        g.timed(self.started.elapsed());
        (self.observer)(&g);
    }

    /// Counts one request and its response.
    pub(crate) fn bytes(&self, sent: usize, received: usize) {
        self.update(|p| {
            p.bytes_sent += sent as u64;
            p.bytes_received += received as u64;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_follows_the_pace_so_far() {
        let mut p = SyncProgress { to_receive: 100, ..Default::default() };
        p.timed(std::time::Duration::from_secs(1));
        assert_eq!(p.eta_ms, None, "nothing done yet: no estimate");
        p.received = 25;
        p.timed(std::time::Duration::from_secs(1));
        assert_eq!((p.elapsed_ms, p.eta_ms), (1000, Some(3000)));
        p.received = 100;
        p.timed(std::time::Duration::from_secs(4));
        assert_eq!(p.eta_ms, Some(0));
    }
}
