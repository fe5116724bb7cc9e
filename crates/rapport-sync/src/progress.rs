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
}

/// Observes sync progress. Called from the sync's worker threads, one report at a time.
pub type ProgressObserver<'a> = &'a (dyn Fn(&SyncProgress) + Sync);

/// The running tally of one sync, reported to its observer after every change.
pub(crate) struct Meter<'a> {
    state: Mutex<SyncProgress>,
    observer: ProgressObserver<'a>,
}

impl<'a> Meter<'a> {
    pub(crate) fn new(observer: ProgressObserver<'a>) -> Meter<'a> {
        Meter { state: Mutex::new(SyncProgress::default()), observer }
    }

    /// Applies `change` and reports the result. The observer runs under the lock, so
    /// reports arrive in the order the tally changed and never go backwards.
    pub(crate) fn update(&self, change: impl FnOnce(&mut SyncProgress)) {
        let mut g = match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        change(&mut g);
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
