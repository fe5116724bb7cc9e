//! The node runtime: one customer book with everything that keeps it in step with the
//! team.
//!
//! A [`Node`] owns the book (the store with its rules engine installed), the relay and
//! peer configuration, background sync, the change notification and the sync status.
//! `rapport serve` runs one; the HTTP API and the command line are faces of it. The work
//! after every sync or peer request (re-evaluate tags when team settings changed, record
//! the outcome, wake whoever follows changes) is [`Node::settle`] and nothing else.
//!
//! Background sync sleeps until a change is announced on the node's change notification
//! (every write through the node announces one), then syncs soon after, in batches; a
//! timer syncs on an interval otherwise and backs off while the network is away.

use crate::demo::{add_demo_data, team_refusal, DemoCreated, DemoRequest};
use crate::error::NodeError;
use crate::relay::{load_relay, parse_relay, save_relay, verify_relay, RelayConfig};
use crate::LocalBook;
use rapport_p2p::{Invitation, PeerInfo, StoreHandle, Ticket};
use rapport_store::Store;
use rapport_sync::status::{self, StatusLine};
use rapport_sync::{sync_once_with, Answered, HttpTransport, SyncProgress, SyncReport};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

/// Local changes are pushed this soon after they happen (so a burst goes in one sync).
const AFTER_CHANGE: Duration = Duration::from_millis(100);
/// Rounds in a row a node runs to pass on what arrived during the previous one.
const MAX_ONWARD_ROUNDS: u32 = 3;
/// Longest wait after repeated failures.
const MAX_BACKOFF: Duration = Duration::from_secs(600);
/// Longest one sync with a peer may take.
const PEER_SYNC_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest a pairing window stays open.
pub const MAX_PAIRING_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// One sync with the relay or a peer, as `rapport sync` reports it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SyncOutcome {
    /// `relay:URL`, or `peer NAME (ENDPOINT…)`.
    pub with: String,
    /// What the sync did, when it succeeded.
    pub report: Option<SyncReport>,
    /// Why it failed, when it failed.
    pub error: Option<String>,
    /// How long it took.
    pub seconds: f64,
}

/// The node's sync status: its relay and every relay and peer it synced with.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SyncStatus {
    /// The relay's URL, if one is set.
    pub relay: Option<String>,
    /// One line per relay or peer synced with.
    pub peers: Vec<StatusLine>,
}

/// What to pair with: the options of `rapport peer invite`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    /// Address to listen on for the teammate, when the node does not listen for peers yet.
    pub listen: String,
    /// Use iroh's public relays for NAT traversal.
    #[serde(default)]
    pub relays: bool,
    /// How long the ticket pairs (e.g. `1h`, `30m`).
    pub expires: String,
    /// Seconds the node listens for the teammate, when it does not listen for peers yet.
    pub wait: u64,
}

/// An invitation made: the ticket to hand over.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Invited {
    /// The ticket (`rapport peer add TICKET`).
    pub ticket: String,
    /// Addresses the teammate dials.
    pub addrs: Vec<String>,
    /// The invitation, to follow its state.
    pub invitation: Invitation,
}

/// A pairing done from a ticket, with the first sync.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Paired {
    /// The new peer.
    pub peer: PeerInfo,
    /// The first sync with it.
    pub sync: SyncReport,
    /// Seconds the first sync took.
    pub seconds: f64,
}

/// The running node.
pub struct Node {
    pub(crate) book: Arc<LocalBook>,
    pub(crate) dir: PathBuf,
    relay: RwLock<Option<RelayConfig>>,
    /// Bumped after every write through the node and every sync that wrote.
    changes: watch::Sender<u64>,
    /// Wakes background sync at once (the relay changed).
    wake: Notify,
    /// One sync at a time: a sync's cursors are per peer, and the store serialises writes.
    pub(crate) syncing: tokio::sync::Mutex<()>,
    /// The endpoint that serves peers, while the node listens for them.
    endpoint: Mutex<Option<iroh::Endpoint>>,
    /// Background sync and pairing windows, stopped with the node.
    tasks: Mutex<Vec<JoinHandle<()>>>,
    stop: watch::Sender<bool>,
    /// How far the sync under way has got (the last one's tally when none runs).
    progress: watch::Sender<SyncProgress>,
    /// The syncs under way, by status key (`relay:URL`, `peer:ID`), and how far each has
    /// got: what `GET /v1/sync` puts on each line.
    running: Mutex<std::collections::HashMap<String, SyncProgress>>,
    /// How far the long work a caller asked for has got (the last one's when none runs).
    work: watch::Sender<WorkProgress>,
    /// The read models every face serves lists and customers from.
    views: crate::views::Views,
    /// Browser sign-in links waiting to be used.
    sign_in: crate::signin::SignInCodes,
}

/// Long work the node runs for a caller (checking indexes, reindexing, exporting,
/// importing, adding sample data): which, and how far it has got, so that a command line
/// beside the node can draw the bar it would draw on its own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkProgress {
    /// Counts the pieces of work the node has started; a new number is a new piece.
    pub run: u64,
    /// What the work is, as its bar is labelled (`checking`, `reindexing`, ...).
    pub task: String,
    /// Items done so far.
    pub done: u64,
    /// Items in all, as far as known.
    pub total: u64,
}

/// The node's book as the peer-to-peer server sees it.
struct PeerFacing(Arc<Node>);

impl StoreHandle for PeerFacing {
    fn store(&self) -> &Store {
        &self.0.book.store
    }
}

fn backoff(failures: u32, interval: Duration) -> Duration {
    if failures == 0 {
        return interval;
    }
    (Duration::from_secs(5) * 2u32.saturating_pow(failures.min(8))).min(MAX_BACKOFF)
}

/// How long the node waits before asking for the relay's notice stream again after
/// `failures` failed asks in a row: 1 s, 2 s, 4 s, 8 s, then every 15 s. The stream coming
/// back is what wakes the node's sync after the relay was away (its timer backs off to ten
/// minutes meanwhile), so this cap is how late live sync resumes: at 60 s, an edit made while
/// the relay was away for 38 s had not reached the other node 20 s after its return (7 s
/// now; `cli/tests/background_sync.rs`). An ask costs a refused connection while the relay
/// is down, a few bytes while it is up.
fn notice_backoff(failures: u32) -> Duration {
    (Duration::from_millis(500) * 2u32.saturating_pow(failures.min(5))).min(Duration::from_secs(15))
}

fn parse_addr(field: &str, text: &str) -> Result<SocketAddr, NodeError> {
    text.parse().map_err(|_| NodeError::input(field, format!("`{text}` is not an address such as 0.0.0.0:7879")))
}

/// Pairing and invitation errors the user fixes (exit 2) keep the field they are about.
fn invitation_error(field: &str, e: rapport_p2p::PeerError) -> NodeError {
    match e {
        rapport_p2p::PeerError::Invitation(why) => NodeError::input(field, why),
        other => other.into(),
    }
}

/// A peer's name as sync results show it.
fn peer_label(p: &PeerInfo) -> String {
    format!("peer {} ({})", p.name, p.id.chars().take(10).collect::<String>())
}

impl Node {
    /// A node over `book`, whose data directory `dir` holds its relay configuration.
    pub fn new(book: Arc<LocalBook>, dir: &Path) -> Result<Arc<Node>, NodeError> {
        let relay = load_relay(dir)?;
        let (changes, _) = watch::channel(0);
        let (stop, _) = watch::channel(false);
        let (progress, _) = watch::channel(SyncProgress::default());
        let (work, _) = watch::channel(WorkProgress::default());
        Ok(Arc::new(Node {
            book,
            dir: dir.to_path_buf(),
            relay: RwLock::new(relay),
            changes,
            wake: Notify::new(),
            syncing: tokio::sync::Mutex::new(()),
            endpoint: Mutex::new(None),
            tasks: Mutex::new(Vec::new()),
            stop,
            progress,
            running: Mutex::new(std::collections::HashMap::new()),
            work,
            views: crate::views::Views::default(),
            sign_in: crate::signin::SignInCodes::default(),
        }))
    }

    /// The book.
    pub fn book(&self) -> &Arc<LocalBook> {
        &self.book
    }

    /// The read models (list rows, cached customer responses) the API and the web app
    /// share.
    pub fn views(&self) -> &crate::views::Views {
        &self.views
    }

    /// Sign-in links for the web app.
    pub fn sign_in_codes(&self) -> &crate::signin::SignInCodes {
        &self.sign_in
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Announces that the book changed: the change feed and background sync wake.
    pub fn changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Follows the change notification.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Follows the progress of the sync under way (documents and bytes, both directions).
    pub fn sync_progress(&self) -> watch::Receiver<SyncProgress> {
        self.progress.subscribe()
    }

    /// How far the long work last started through [`Node::track_work`] has got.
    pub fn work_progress(&self) -> WorkProgress {
        self.work.borrow().clone()
    }

    /// Starts a new piece of long work labelled `task`; the returned observer (items done,
    /// items in all) is what the work reports to.
    pub fn track_work(&self, task: &str) -> impl FnMut(u64, u64) + Send + '_ {
        let mut run = 0;
        self.work.send_modify(|w| {
            run = w.run.wrapping_add(1);
            *w = WorkProgress { run, task: task.to_string(), done: 0, total: 0 };
        });
        move |done, total| {
            self.work.send_if_modified(|w| {
                // Another caller's work started since: this one no longer owns the report.
                let ours = w.run == run && (w.done, w.total) != (done, total);
                if ours {
                    (w.done, w.total) = (done, total);
                }
                ours
            });
        }
    }

    /// What every sync with `peer` (a status key) reports its progress to.
    fn report_progress(&self, peer: &str, p: &SyncProgress) {
        self.progress.send_replace(*p);
        if let Ok(mut running) = self.running.lock() {
            running.insert(peer.to_string(), *p);
        }
    }

    /// Runs one sync with `peer` (a status key), its progress on that peer's status line
    /// while it runs, and settles afterwards.
    fn sync_with(&self, peer: &str, transport: &mut dyn rapport_sync::Transport) -> Result<SyncReport, NodeError> {
        let result = sync_once_with(&self.book.store, transport, &|p| self.report_progress(peer, p));
        // The status is recorded before the progress leaves the line: in between, a status
        // read found neither, and a first sync read as "never synced".
        let settled = self.after_sync(peer, &result);
        if let Ok(mut running) = self.running.lock() {
            running.remove(peer);
        }
        settled?;
        Ok(result?)
    }

    /// The relay the node syncs with.
    pub fn relay(&self) -> Option<RelayConfig> {
        self.relay.read().map(|r| r.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    /// The work after anything that may have written into the book from outside (a sync,
    /// a peer's request): re-evaluate tags when team settings changed, then announce it.
    pub fn settle(&self, settings_changed: bool) -> Result<(), NodeError> {
        let refreshed = if settings_changed { self.book.refresh_tags().map(|_| ()) } else { Ok(()) };
        self.changed();
        Ok(refreshed?)
    }

    fn stamp(&self) -> String {
        self.book.now().format("%Y-%m-%d %H:%M:%S").to_string()
    }

    /// Settles after a sync with `peer` (a status key) and records how it went.
    fn after_sync(&self, peer: &str, result: &Result<SyncReport, rapport_sync::SyncError>) -> Result<(), NodeError> {
        let at = self.stamp();
        // The roster may have changed (a role, a revocation): edits from now on follow it.
        crate::team::install_guard(&self.book.store)?;
        match result {
            Ok(report) => {
                self.settle(report.settings_changed)?;
                status::record_success(&self.book.store, peer, report, &at)?;
            }
            Err(e) => {
                status::record_error(&self.book.store, peer, &e.to_string(), &at)?;
                self.changed();
            }
        }
        Ok(())
    }

    /// One sync with the relay (blocking; call from a blocking thread).
    fn sync_relay_blocking(&self, cfg: &RelayConfig) -> Result<SyncReport, NodeError> {
        let mut transport = HttpTransport::new(&cfg.url, &cfg.token);
        let peer = rapport_sync::Transport::peer(&transport);
        self.sync_with(&peer, &mut transport)
    }

    async fn sync_relay(self: &Arc<Self>, cfg: RelayConfig) -> SyncOutcome {
        let started = Instant::now();
        let node = self.clone();
        let with = format!("relay:{}", cfg.url);
        let r = tokio::task::spawn_blocking(move || node.sync_relay_blocking(&cfg))
            .await
            .unwrap_or_else(|e| Err(NodeError::Relay(format!("the sync stopped unexpectedly: {e}"))));
        outcome(with, r, started)
    }

    /// One sync with a paired peer over an open endpoint.
    async fn sync_peer(self: &Arc<Self>, ep: &iroh::Endpoint, peer: PeerInfo) -> Result<SyncReport, NodeError> {
        let conn = rapport_p2p::connect(&self.book.store, ep, &peer, None).await?;
        let rt = tokio::runtime::Handle::current();
        let node = self.clone();
        let key = format!("peer:{}", peer.id);
        tokio::task::spawn_blocking(move || {
            let mut transport = rapport_p2p::IrohTransport::new(conn, rt, &peer);
            node.sync_with(&key, &mut transport)
        })
        .await
        .map_err(|e| NodeError::Relay(format!("the sync stopped unexpectedly: {e}")))?
    }

    /// The endpoint to reach peers with: the serving one, or a short-lived one.
    async fn peer_endpoint(&self) -> Result<(iroh::Endpoint, bool), NodeError> {
        if let Some(ep) = self.serving_endpoint() {
            return Ok((ep, false));
        }
        let ep = rapport_p2p::bind(&self.book.store, parse_addr("listen", "0.0.0.0:0")?, false).await?;
        Ok((ep, true))
    }

    fn serving_endpoint(&self) -> Option<iroh::Endpoint> {
        self.endpoint.lock().ok().and_then(|e| e.clone())
    }

    async fn sync_peers(self: &Arc<Self>) -> Result<Vec<SyncOutcome>, NodeError> {
        let all = rapport_p2p::peers(&self.book.store)?;
        if all.is_empty() {
            return Ok(Vec::new());
        }
        let (ep, temporary) = self.peer_endpoint().await?;
        let mut out = Vec::new();
        for p in all {
            let started = Instant::now();
            let with = peer_label(&p);
            let r = tokio::time::timeout(PEER_SYNC_TIMEOUT, self.sync_peer(&ep, p))
                .await
                .unwrap_or_else(|_| Err(NodeError::Relay("timed out".into())));
            out.push(outcome(with, r, started));
        }
        if temporary {
            ep.close().await;
        }
        Ok(out)
    }

    /// Syncs now with the relay (if one is set) and, with `peers`, every paired peer.
    pub async fn sync_now(self: &Arc<Self>, peers: bool) -> Result<Vec<SyncOutcome>, NodeError> {
        let relay = self.relay();
        if relay.is_none() && !peers {
            return Err(NodeError::input(
                "relay",
                "no relay configured; run `rapport relay set URL TOKEN`, or sync with paired peers: `rapport sync --peers`",
            ));
        }
        let _one = self.syncing.lock().await;
        let mut out = Vec::new();
        if let Some(cfg) = relay {
            out.push(self.sync_relay(cfg).await);
        }
        if peers {
            out.extend(self.sync_peers().await?);
        }
        Ok(out)
    }

    /// The relay and the status of every relay and peer synced with, with the progress of
    /// a sync under way on its line (a relay or peer syncing for the first time gets a
    /// line as soon as its sync starts).
    pub fn sync_status(&self) -> Result<SyncStatus, NodeError> {
        // Progress first, then the recorded lines: a sync that ends in between has recorded
        // its status before its progress went (see `sync_with`), so its line is in one or
        // the other.
        let running = self.running.lock().map(|r| r.clone()).unwrap_or_default();
        let mut peers = status::lines(&self.book.store)?;
        for (peer, progress) in running {
            match peers.iter_mut().find(|l| l.peer == peer) {
                Some(line) => line.progress = Some(progress),
                None => peers.push(StatusLine::starting(peer, progress)),
            }
        }
        Ok(SyncStatus { relay: self.relay().map(|r| r.url), peers })
    }

    /// Checks `url` and `token` against the relay, keeps them, and syncs with it from now
    /// on (at once, in a running node).
    pub async fn set_relay(self: &Arc<Self>, url: &str, token: &str) -> Result<RelayConfig, NodeError> {
        let cfg = parse_relay(url, token)?;
        if let Some(why) = team_refusal(&self.book)? {
            return Err(NodeError::Refused(why));
        }
        let checked = cfg.clone();
        tokio::task::spawn_blocking(move || verify_relay(&checked))
            .await
            .map_err(|e| NodeError::Relay(format!("the check stopped unexpectedly: {e}")))??;
        save_relay(&self.dir, &cfg)?;
        match self.relay.write() {
            Ok(mut r) => *r = Some(cfg.clone()),
            Err(p) => *p.into_inner() = Some(cfg.clone()),
        }
        self.wake.notify_one();
        Ok(cfg)
    }

    /// Paired peers.
    pub fn peers(&self) -> Result<Vec<PeerInfo>, NodeError> {
        Ok(rapport_p2p::peers(&self.book.store)?)
    }

    /// Pairing invitations, open and past.
    pub fn invitations(&self) -> Result<Vec<Invitation>, NodeError> {
        Ok(rapport_p2p::invitations(&self.book.store)?)
    }

    /// Cancels an open invitation: its ticket no longer pairs.
    pub fn cancel_invitation(&self, id: &str) -> Result<Invitation, NodeError> {
        rapport_p2p::cancel_invitation(&self.book.store, id).map_err(|e| invitation_error("id", e))
    }

    /// Makes a pairing ticket. A node that listens for peers pairs on its endpoint;
    /// otherwise it listens on `req.listen` for `req.wait` seconds. Either way the
    /// pairing runs inside the node, beside every other request.
    pub async fn invite(self: &Arc<Self>, req: &InviteRequest) -> Result<Invited, NodeError> {
        if let Some(why) = team_refusal(&self.book)? {
            return Err(NodeError::Refused(why));
        }
        let ttl = rapport_p2p::parse_ttl(&req.expires).map_err(|e| invitation_error("expires", e))?;
        let window = Duration::from_secs(req.wait);
        if window > MAX_PAIRING_WINDOW {
            return Err(NodeError::input("wait", format!("is over {} s", MAX_PAIRING_WINDOW.as_secs())));
        }
        let ep = match self.serving_endpoint() {
            Some(ep) => ep,
            None => {
                let addr = parse_addr("listen", &req.listen)?;
                let ep = rapport_p2p::bind(&self.book.store, addr, req.relays).await?;
                self.open_pairing_window(ep.clone(), window);
                ep
            }
        };
        let (ticket, invitation) =
            rapport_p2p::invite_for(&self.book.store, &ep, ttl).map_err(|e| invitation_error("expires", e))?;
        Ok(Invited { ticket: ticket.encode(), addrs: ticket.addrs.clone(), invitation })
    }

    /// Serves peers on `ep` for `window`, then closes it.
    fn open_pairing_window(self: &Arc<Self>, ep: iroh::Endpoint, window: Duration) {
        let node = self.clone();
        let mut stopped = self.stop.subscribe();
        let task = tokio::spawn(async move {
            let server =
                tokio::spawn(rapport_p2p::serve(ep.clone(), Arc::new(PeerFacing(node.clone())), node.on_answer()));
            tokio::select! {
                _ = tokio::time::sleep(window) => {}
                _ = stopped.wait_for(|s| *s) => {}
            }
            server.abort();
            ep.close().await;
        });
        self.keep(task);
    }

    fn keep(&self, task: JoinHandle<()>) {
        if let Ok(mut tasks) = self.tasks.lock() {
            tasks.retain(|t| !t.is_finished());
            tasks.push(task);
        }
    }

    /// Pairs with the node that made `ticket`, then syncs with it once.
    pub async fn add_peer(self: &Arc<Self>, ticket: &str) -> Result<Paired, NodeError> {
        let ticket = Ticket::decode(ticket).map_err(|e| NodeError::input("ticket", e.to_string()))?;
        if let Some(why) = team_refusal(&self.book)? {
            return Err(NodeError::Refused(why));
        }
        let (ep, temporary) = self.peer_endpoint().await?;
        let started = Instant::now();
        let paired = async {
            let peer = rapport_p2p::pair(&self.book.store, &ep, &ticket).await?;
            let _one = self.syncing.lock().await;
            let r = tokio::time::timeout(PEER_SYNC_TIMEOUT, self.sync_peer(&ep, peer.clone()))
                .await
                .unwrap_or_else(|_| Err(NodeError::Relay("timed out".into())));
            match r {
                Ok(sync) => Ok(Paired { peer, sync, seconds: started.elapsed().as_secs_f64() }),
                Err(e) => Err(NodeError::Relay(format!("paired with {}, but the first sync failed: {e}", peer.name))),
            }
        }
        .await;
        if temporary {
            ep.close().await;
        }
        paired
    }

    /// Adds sample customers (refused on a store that syncs with a team).
    pub fn demo(&self, req: &DemoRequest, progress: &mut dyn FnMut(u64, u64)) -> Result<DemoCreated, NodeError> {
        let created = add_demo_data(&self.book, &self.dir, req, progress);
        self.changed();
        created
    }

    /// What to do after a peer's request wrote here.
    fn on_answer(self: &Arc<Self>) -> Arc<dyn Fn(Answered) + Send + Sync> {
        let node = self.clone();
        Arc::new(move |done: Answered| {
            if let Err(e) = node.settle(done.settings_changed) {
                eprintln!("p2p: re-evaluating tags after a settings change failed: {e}");
            }
        })
    }

    /// Starts background sync with the relay and paired peers and, with `p2p_listen`, an
    /// endpoint that serves paired peers. Stopped by [`Node::stop`].
    pub async fn start(self: &Arc<Self>, p2p_listen: Option<&str>, interval: Duration) -> Result<(), NodeError> {
        if let Some(addr) = p2p_listen {
            let addr = parse_addr("p2p_listen", addr)?;
            let ep = rapport_p2p::bind(&self.book.store, addr, false).await?;
            eprintln!("peer-to-peer: listening on {:?} as {}", ep.bound_sockets(), ep.id());
            let server =
                tokio::spawn(rapport_p2p::serve(ep.clone(), Arc::new(PeerFacing(self.clone())), self.on_answer()));
            self.keep(server);
            if let Ok(mut e) = self.endpoint.lock() {
                *e = Some(ep);
            }
        }
        let node = self.clone();
        let task = tokio::spawn(async move { node.background(interval.max(Duration::from_secs(1))).await });
        self.keep(task);
        let node = self.clone();
        // A thread of its own: the stream is a blocking read that may last a minute.
        std::thread::Builder::new()
            .name("relay-notices".into())
            .spawn(move || node.follow_relay_notices())
            .map_err(|e| NodeError::Relay(format!("cannot start following the relay's notices: {e}")))?;
        Ok(())
    }

    /// Follows the relay's notice stream for as long as the node runs: each notice wakes
    /// background sync at once. Without a relay, or while the stream cannot be had (an
    /// older relay, the network away), it asks again with back-off, and the timer keeps
    /// syncing meanwhile.
    ///
    /// Each stream resumes from the last event of the one before (the relay says at once
    /// whether anything changed in between), so the relay ending a stream every 25 s costs
    /// no sync. The node syncs as a stream opens only when it has nothing to resume from
    /// (its first stream, another relay or member), holds changes the relay has not been
    /// sent (edits made while the relay was away) or its last sync with the relay failed
    /// (its status line would say so until the timer, backed off to minutes, came round).
    fn follow_relay_notices(self: Arc<Self>) {
        let mut failures = 0u32;
        // The relay and token the last event id is from, and the id.
        let mut resume: Option<((String, String), u64)> = None;
        loop {
            if *self.stop.borrow() {
                return;
            }
            let Some(cfg) = self.relay() else {
                std::thread::sleep(Duration::from_secs(2));
                continue;
            };
            let with = (cfg.url.clone(), cfg.token.clone());
            let from = resume.as_ref().filter(|(w, _)| *w == with).map(|(_, id)| *id);
            let start = rapport_sync::NoticeResume { from, wake_at_once: from.is_none() || self.relay_wants_sync() };
            let wake = &mut || self.wake.notify_one();
            let stopped = &|| *self.stop.borrow();
            match rapport_sync::follow_notices(&cfg.url, &cfg.token, start, wake, stopped) {
                Ok(last) => {
                    failures = 0;
                    resume = last.map(|id| (with, id));
                }
                Err(_) => {
                    failures = failures.saturating_add(1);
                    std::thread::sleep(notice_backoff(failures));
                }
            }
        }
    }

    /// Whether there is anyone to sync with.
    fn has_partners(&self) -> bool {
        self.relay().is_some() || self.serving_endpoint().is_some()
    }

    /// Syncs with everyone once; true when nothing failed.
    async fn sync_round(self: &Arc<Self>) -> bool {
        let peers = self.serving_endpoint().is_some();
        match self.sync_now(peers).await {
            Ok(results) => {
                for r in &results {
                    if let Some(e) = &r.error {
                        eprintln!("background sync with {} failed: {e}", r.with);
                    }
                    if r.report.as_ref().is_some_and(|rep| rep.relay_restored) {
                        eprintln!(
                            "background sync with {}: the relay no longer held what it had taken from this team before \
                             (was it restored from a backup?); sent back what it lacked",
                            r.with
                        );
                    }
                }
                // Peers come and go; only the relay's failures slow the node down.
                !results.iter().any(|r| r.with.starts_with("relay:") && r.error.is_some())
            }
            Err(e) => {
                eprintln!("background sync failed: {e}");
                false
            }
        }
    }

    async fn background(self: Arc<Self>, interval: Duration) {
        let mut changes = self.subscribe();
        let mut stopped = self.stop.subscribe();
        let mut failures = 0u32;
        let mut last_seen = u64::MAX;
        let mut again = 0u32;
        let mut next = tokio::time::Instant::now();
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(next) => {}
                r = changes.changed() => {
                    if r.is_err() {
                        return;
                    }
                    let seq = self.book.store.last_event_seq().unwrap_or(last_seen);
                    if seq != last_seen && failures == 0 {
                        next = next.min(tokio::time::Instant::now() + AFTER_CHANGE);
                    }
                    continue;
                }
                _ = self.wake.notified() => {
                    failures = 0;
                    next = tokio::time::Instant::now();
                    continue;
                }
                _ = stopped.wait_for(|s| *s) => return,
            }
            if self.has_partners() {
                failures = if self.sync_round().await { 0 } else { failures.saturating_add(1) };
            }
            // Our own sync writes events too; only changes after it count as new.
            changes.borrow_and_update();
            last_seen = self.book.store.last_event_seq().unwrap_or(last_seen);
            // What reached this node during the round and is not on the relay yet (pulled
            // from a peer after the relay's turn, or pushed here by a peer meanwhile) goes
            // on at once, not at the next interval. Bounded: a document the relay keeps
            // refusing is not pending (the push cursor walks past it), but a round that
            // keeps finding more waits for the timer after a few.
            let onward = failures == 0 && again < MAX_ONWARD_ROUNDS && self.relay_behind();
            again = if onward { again + 1 } else { 0 };
            let wait = if onward { AFTER_CHANGE } else { backoff(failures, interval) };
            next = tokio::time::Instant::now() + wait;
        }
    }

    /// Whether a new notice stream should start with a sync: this node holds changes the
    /// relay has not been sent, or its last sync with the relay failed (or cannot be told).
    fn relay_wants_sync(&self) -> bool {
        let Some(cfg) = self.relay() else { return false };
        let key = rapport_sync::relay_key(&cfg.url);
        let failing = status::load(&self.book.store).map_or(true, |all| all.get(&key).is_some_and(|s| s.failures > 0));
        failing || self.relay_behind()
    }

    /// Whether this node holds changes the relay has not been sent.
    fn relay_behind(&self) -> bool {
        let Some(cfg) = self.relay() else { return false };
        status::pending(&self.book.store, &rapport_sync::relay_key(&cfg.url)).is_ok_and(|n| n > 0)
    }

    /// Stops background sync and pairing windows and closes the peer endpoint.
    pub async fn stop(&self) {
        let _ = self.stop.send(true);
        let tasks = self.tasks.lock().map(|mut t| std::mem::take(&mut *t)).unwrap_or_default();
        for t in tasks {
            t.abort();
        }
        let ep = self.endpoint.lock().ok().and_then(|mut e| e.take());
        if let Some(ep) = ep {
            ep.close().await;
        }
    }
}

fn outcome(with: String, r: Result<SyncReport, NodeError>, started: Instant) -> SyncOutcome {
    let seconds = started.elapsed().as_secs_f64();
    match r {
        Ok(report) => SyncOutcome { with, report: Some(report), error: None, seconds },
        Err(e) => SyncOutcome { with, report: None, error: Some(e.to_string()), seconds },
    }
}
