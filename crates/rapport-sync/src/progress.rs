//! How far a sync has got, told to an observer as it goes: libraries never draw, the
//! command line turns these reports into progress bars.

use serde::Serialize;
use std::sync::Mutex;

/// Where a sync stands: customer documents and bytes, each way. The totals are counted
/// before the work starts where that is cheap (what this node has to send; what the peer
/// lists, read ahead a bounded number of pages) and corrected as it goes
/// (a document that needed nothing after all); the last report of a sync has
/// `sent == to_send` and `received == to_receive`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SyncProgress {
    /// Customer documents to send.
    pub to_send: u64,
    /// Of them, documents the peer has answered for (stored or refused).
    pub sent: u64,
    /// Customer documents to fetch from the peer, as far as listed so far (see `eta_ms`).
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
    /// they took (0 at the end). `None` before the first document is done, and while the
    /// peer's listing of what changed there is not read to its end: the documents still
    /// unlisted would make any figure a guess.
    #[serde(default)]
    pub eta_ms: Option<u64>,
}

impl SyncProgress {
    /// Recomputes the time fields `elapsed` after the sync began; `unlisted` says the
    /// peer has more changes to list than the totals hold.
    fn timed(&mut self, elapsed: std::time::Duration, unlisted: bool) {
        self.elapsed_ms = elapsed.as_millis() as u64;
        let done = self.sent + self.received;
        let left = self.to_send.saturating_sub(self.sent) + self.to_receive.saturating_sub(self.received);
        self.eta_ms = match (done, left) {
            _ if unlisted => None,
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
    /// The tally, and whether the peer has listed more than it holds.
    state: Mutex<(SyncProgress, bool)>,
    observer: ProgressObserver<'a>,
    started: std::time::Instant,
}

impl<'a> Meter<'a> {
    pub(crate) fn new(observer: ProgressObserver<'a>) -> Meter<'a> {
        Meter { state: Mutex::new((SyncProgress::default(), false)), observer, started: std::time::Instant::now() }
    }

    /// Applies `change` and reports the result. The observer runs under the lock, so
    /// reports arrive in the order the tally changed.
    pub(crate) fn update(&self, change: impl FnOnce(&mut SyncProgress)) {
        self.change(|p, _| change(p));
    }

    /// Counts `n` more documents to receive, listed by the peer; `more` says whether its
    /// listing goes on beyond them (no estimate of the time left until it does not).
    pub(crate) fn listed(&self, n: u64, more: bool) {
        self.change(|p, unlisted| {
            p.to_receive += n;
            *unlisted = more;
        });
    }

    fn change(&self, change: impl FnOnce(&mut SyncProgress, &mut bool)) {
        let mut g = match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let (progress, unlisted) = &mut *g;
        change(progress, unlisted);
        progress.timed(self.started.elapsed(), *unlisted);
        (self.observer)(progress);
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
        p.timed(std::time::Duration::from_secs(1), false);
        assert_eq!(p.eta_ms, None, "nothing done yet: no estimate");
        p.received = 25;
        p.timed(std::time::Duration::from_secs(1), false);
        assert_eq!((p.elapsed_ms, p.eta_ms), (1000, Some(3000)));
        p.timed(std::time::Duration::from_secs(1), true);
        assert_eq!(p.eta_ms, None, "the peer lists more: no estimate");
        p.received = 100;
        p.timed(std::time::Duration::from_secs(4), false);
        assert_eq!(p.eta_ms, Some(0));
    }

    #[test]
    fn no_estimate_while_the_peer_lists_more() {
        let seen = Mutex::new(Vec::new());
        let observe = |p: &SyncProgress| seen.lock().map(|mut s| s.push(*p)).unwrap_or(());
        let meter = Meter::new(&observe);
        meter.listed(10, true);
        meter.update(|p| p.received = 5);
        meter.listed(10, false);
        meter.update(|p| p.received = 6);
        let seen = seen.into_inner().unwrap_or_default();
        let etas: Vec<bool> = seen.iter().map(|p| p.eta_ms.is_some()).collect();
        assert_eq!(etas, [false, false, true, true], "{seen:?}");
        assert_eq!(seen.last().map(|p| p.to_receive), Some(20));
    }
}
