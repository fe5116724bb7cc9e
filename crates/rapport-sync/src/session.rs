//! The node side of a sync session: push what changed here, pull what changed there.

use crate::progress::{Meter, ProgressObserver};
use crate::SyncError;
use crate::TeamView;
use rapport_doc::ChangeHash;
use rapport_model::CustomerId;
use rapport_store::{Adopted, Store, StoreError};
use rapport_wire::{decode, encode, DocChanges, DocHeads, DocResult, LogMark, Message};
use serde::{Deserialize, Serialize};

pub use rapport_wire::SETTINGS_ID;
/// Documents per push or fetch request.
const BATCH_DOCS: usize = 1000;
/// Bytes of Automerge data per push request (requests stay well under the frame limit).
const BATCH_BYTES: usize = 8 << 20;
/// Log entries asked for per `Changes` request.
const PAGE: u32 = 5000;
/// Pages of the peer's listing read ahead of the page being fetched: a 100,000-customer
/// join is counted whole before it starts, and the listing held stays at a few MB.
const LIST_AHEAD: usize = 24;

/// A page of the peer's listing, read ahead of its fetch.
struct Listed {
    docs: Vec<DocHeads>,
    gone: Vec<[u8; 16]>,
    cursor: u64,
    more: bool,
    /// Customers in it this node did not hold as listed, when it was read.
    counted: u64,
}

/// A request/response channel to a peer.
pub trait Transport: Send {
    /// Sends one request frame and returns the response frame.
    fn call(&mut self, request: &[u8]) -> Result<Vec<u8>, SyncError>;
    /// A stable name of the peer, used to key sync state (cursors, known heads).
    fn peer(&self) -> String;
    /// A second channel to the same peer that can carry a request while this one waits
    /// for its answer, or `None` when the peer answers one request at a time. A push keeps
    /// two batches in flight through it, so the peer checks one batch while it writes the
    /// other.
    fn concurrent(&self) -> Option<Box<dyn Transport>> {
        None
    }
    /// Whether the peer is the team's relay, which holds the roster: a sync with it starts
    /// by asking for it. A paired node is not.
    fn is_relay(&self) -> bool {
        false
    }
    /// The member a paired peer was paired as (`None` for the relay): under a roster, what
    /// is sent to and kept from it follows that member's rules.
    fn paired_member(&self) -> Option<String> {
        None
    }
}

/// Sync with a team relay over HTTP: `POST {url}/v1/sync` with a bearer token.
pub struct HttpTransport {
    url: String,
    token: String,
    agent: ureq::Agent,
    /// Why the trusted certificates could not be read (every call fails with it).
    roots_unreadable: Option<String>,
}

/// The most a certificate file is read: a whole system bundle is a few hundred KiB.
const MAX_CERT_FILE: u64 = 4 << 20;

/// The authorities a relay's TLS certificate must chain to: the public web PKI built into
/// the binary, or, when `SSL_CERT_FILE` names a PEM file (an organisation's own certificate
/// authority, or the system's bundle), the certificates in it instead, as curl and OpenSSL
/// read that variable.
fn relay_roots() -> Result<ureq::tls::RootCerts, String> {
    let Some(path) = std::env::var_os("SSL_CERT_FILE") else {
        return Ok(ureq::tls::RootCerts::WebPki);
    };
    let shown = std::path::Path::new(&path).display().to_string();
    let mut pem = Vec::new();
    std::fs::File::open(&path)
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_CERT_FILE + 1), &mut pem))
        .map_err(|e| format!("SSL_CERT_FILE={shown} cannot be read: {e}"))?;
    if pem.len() as u64 > MAX_CERT_FILE {
        return Err(format!("SSL_CERT_FILE={shown} is larger than {} MiB", MAX_CERT_FILE >> 20));
    }
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(format!("SSL_CERT_FILE={shown} is not a PEM certificate file: {e}")),
        }
    }
    if certs.is_empty() {
        return Err(format!("SSL_CERT_FILE={shown} holds no PEM certificate"));
    }
    Ok(ureq::tls::RootCerts::new_with_certs(&certs))
}

impl HttpTransport {
    /// A transport to the relay at `url` (e.g. `https://relay.example.com`).
    pub fn new(url: &str, token: &str) -> HttpTransport {
        let (roots, roots_unreadable) = match relay_roots() {
            Ok(roots) => (roots, None),
            Err(why) => (ureq::tls::RootCerts::WebPki, Some(why)),
        };
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(120)))
            .http_status_as_error(false)
            .tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
            .build();
        HttpTransport {
            url: url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            agent: config.into(),
            roots_unreadable,
        }
    }

    /// What a failed request means: a certificate this computer does not trust, or a relay
    /// out of reach.
    fn failed(&self, e: ureq::Error) -> SyncError {
        // The handshake runs inside the connection's reads and writes, so rustls's verdict
        // arrives wrapped in an I/O error.
        let tls = match &e {
            ureq::Error::Rustls(tls) => Some(tls),
            ureq::Error::Io(io) => io.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()),
            _ => None,
        };
        match tls {
            Some(rustls::Error::InvalidCertificate(why)) => {
                SyncError::Certificate { peer: self.url.clone(), reason: format!("{why:?}") }
            }
            _ => SyncError::Unreachable { peer: self.url.clone(), reason: e.to_string() },
        }
    }
}

/// Where the relay's log position seen at the end of the last sync is recorded.
const RELAY_MARK: &str = "relay_mark";

/// A log position as recorded: the era's 16 bytes, then the sequence (little-endian).
fn encode_mark(m: &LogMark) -> Vec<u8> {
    let mut out = m.era.to_vec();
    out.extend_from_slice(&m.seq.to_le_bytes());
    out
}

fn decode_mark(b: &[u8]) -> Option<LogMark> {
    let era: [u8; 16] = b.get(..16)?.try_into().ok()?;
    let seq: [u8; 8] = b.get(16..24)?.try_into().ok()?;
    Some(LogMark { era, seq: u64::from_le_bytes(seq) })
}

/// The key a relay's sync state and status line are kept under: `relay:URL`.
pub fn relay_key(url: &str) -> String {
    format!("relay:{}", url.trim_end_matches('/'))
}

/// How long a notice request may stay open before the node asks again: longer than the
/// relay keeps a stream (25 s), so a connection that died silently (a laptop waking on
/// another network) is given up within it. The HTTP client has no limit on a quiet read,
/// only on the whole request.
const NOTICE_WAIT: std::time::Duration = std::time::Duration::from_secs(35);

/// Where a notice stream starts and what to do at once.
pub struct NoticeResume {
    /// The id of the last event of this member's previous stream from this relay: the
    /// relay then sends a notice at once if anything the member may read changed since.
    pub from: Option<u64>,
    /// Whether to call `on_notice` as soon as the stream is open: on a first stream (no
    /// `from`), or when this node has changes the relay has not been sent.
    pub wake_at_once: bool,
}

/// Follows the relay's notice stream (`GET {url}/v1/notices`) until the relay ends it, the
/// connection breaks or `stopped` says so, calling `on_notice` at each notice. A notice
/// carries no data: what changed is asked for with an ordinary sync. Returns the id of the
/// last event seen (none from a relay that sends no ids), to resume from next time.
pub fn follow_notices(
    url: &str,
    token: &str,
    resume: NoticeResume,
    on_notice: &mut dyn FnMut(),
    stopped: &dyn Fn() -> bool,
) -> Result<Option<u64>, SyncError> {
    let peer = url.trim_end_matches('/').to_string();
    let roots = relay_roots().map_err(|reason| SyncError::Unreachable { peer: peer.clone(), reason })?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(NOTICE_WAIT))
        .http_status_as_error(false)
        .tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
        .build()
        .into();
    let unreachable = |e: &dyn std::fmt::Display| SyncError::Unreachable { peer: peer.clone(), reason: e.to_string() };
    let mut request = agent
        .get(&format!("{peer}/v1/notices"))
        .header("Authorization", &format!("Bearer {token}"))
        .header("Accept", "text/event-stream");
    if let Some(from) = resume.from {
        request = request.header("Last-Event-ID", &from.to_string());
    }
    let mut resp = request.call().map_err(|e| unreachable(&e))?;
    let status = resp.status().as_u16();
    if status == 401 || status == 403 {
        return Err(SyncError::Unauthorized(format!("HTTP {status} on the notice stream")));
    }
    if status != 200 {
        return Err(SyncError::Peer { code: format!("http_{status}"), detail: "no notice stream".into() });
    }
    if resume.wake_at_once {
        on_notice();
    }
    let mut last = resume.from;
    let mut reader = std::io::BufReader::new(resp.body_mut().with_config().limit(u64::MAX).reader());
    let mut line = Vec::new();
    loop {
        if stopped() {
            return Ok(last);
        }
        line.clear();
        // A line of a notice stream is a few bytes; one longer than this is not from a
        // relay, and is not held in memory while it grows.
        let read = std::io::BufRead::read_until(
            &mut std::io::Read::take(&mut reader, NOTICE_LINE_MAX as u64),
            b'\n',
            &mut line,
        );
        match read {
            // The stream's time is up, the connection broke, or the line is too long: the
            // caller asks again.
            Ok(0) | Err(_) => return Ok(last),
            Ok(_) if !line.ends_with(b"\n") => return Ok(last),
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        if text == "event: changed" {
            on_notice();
        } else if let Some(id) = text.strip_prefix("id:").and_then(|v| v.trim().parse().ok()) {
            last = Some(id);
        }
    }
}

/// The longest line a notice stream may send.
const NOTICE_LINE_MAX: usize = 1024;

impl Transport for HttpTransport {
    fn call(&mut self, request: &[u8]) -> Result<Vec<u8>, SyncError> {
        if let Some(why) = &self.roots_unreadable {
            return Err(SyncError::Unreachable { peer: self.url.clone(), reason: why.clone() });
        }
        let unreachable =
            |e: &dyn std::fmt::Display| SyncError::Unreachable { peer: self.url.clone(), reason: e.to_string() };
        let mut resp = self
            .agent
            .post(&format!("{}/v1/sync", self.url))
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Content-Type", "application/x-rapport-sync")
            .send(request)
            .map_err(|e| self.failed(e))?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(crate::MAX_FRAME as u64 + 16)
            .read_to_vec()
            .map_err(|e| unreachable(&e))?;
        if status == 401 || status == 403 {
            return Err(match decode(&body) {
                Ok(Message::Error { code, detail }) if code == "revoked" => SyncError::Revoked(detail),
                Ok(Message::Error { detail, .. }) => SyncError::Unauthorized(detail),
                _ => SyncError::Unauthorized(format!("HTTP {status}")),
            });
        }
        if !(200..300).contains(&status) && decode(&body).is_err() {
            return Err(SyncError::Peer {
                code: format!("http_{status}"),
                detail: String::from_utf8_lossy(&body).chars().take(300).collect(),
            });
        }
        Ok(body)
    }

    fn peer(&self) -> String {
        relay_key(&self.url)
    }

    fn is_relay(&self) -> bool {
        true
    }

    fn concurrent(&self) -> Option<Box<dyn Transport>> {
        // The agent's pool is shared: the second handle opens its own connection.
        Some(Box::new(HttpTransport {
            url: self.url.clone(),
            token: self.token.clone(),
            agent: self.agent.clone(),
            roots_unreadable: self.roots_unreadable.clone(),
        }))
    }
}

/// Which way a refused document was going.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Sent from here; the peer refused it.
    Sent,
    /// Received from the peer; this node refused it (or the peer would not send it).
    Received,
}

/// A document a sync did not exchange, and why.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Refusal {
    /// The customer's id, or `settings` for the team settings document.
    pub customer: String,
    /// Which way it was going.
    pub direction: Direction,
    /// Why it was refused.
    pub reason: String,
}

/// How refusals of the team settings document are named.
pub const SETTINGS_NAME: &str = "settings";

impl Refusal {
    fn new(id: [u8; 16], direction: Direction, reason: impl Into<String>) -> Refusal {
        let customer = if id == SETTINGS_ID { SETTINGS_NAME.to_string() } else { CustomerId(id).to_hex() };
        Refusal { customer, direction, reason: reason.into() }
    }

    /// The customer, when the refused document is a customer's.
    pub fn customer_id(&self) -> Option<CustomerId> {
        self.customer.parse().ok()
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let way = match self.direction {
            Direction::Sent => "sent, refused by the peer",
            Direction::Received => "received, refused here",
        };
        let what = if self.customer == SETTINGS_NAME {
            "team settings".to_string()
        } else {
            format!("customer {}", self.customer)
        };
        write!(f, "{what} ({way}): {}", self.reason)
    }
}

/// What a sync did.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SyncReport {
    /// Customers whose changes were sent.
    pub sent: usize,
    /// Customers received that were new here.
    pub received_new: usize,
    /// Customers that received changes.
    pub received_merged: usize,
    /// Documents not exchanged, and why: refused by the peer, or refused here. Each is
    /// tried again by every later sync with the same peer until it goes through.
    pub refused: Vec<Refusal>,
    /// Received customers that now show concurrent edits to one field.
    pub conflicts: usize,
    /// Pairs merged into each other on two nodes at once, repaired here (one kept).
    #[serde(default)]
    pub merges_repaired: usize,
    /// Request bytes sent.
    pub bytes_sent: u64,
    /// Response bytes received.
    pub bytes_received: u64,
    /// Whether the team settings (rules, tiers) changed: tags must be re-evaluated.
    pub settings_changed: bool,
    /// Customers removed here because this member may no longer read them (reassigned
    /// away, or a role or group changed).
    #[serde(default)]
    pub removed: usize,
    /// Whether the relay's roster differed from the one this node held.
    #[serde(default)]
    pub roster_changed: bool,
    /// Set when this store turned out to be a restored or copied one (the peer holds
    /// changes this device made that the store does not): it took a new device id and
    /// sent its unsent changes again under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_renewed: Option<rapport_store::Recovered>,
    /// Set when the relay no longer held what this node saw there at its last sync (it was
    /// restored from a backup): this node listed the relay's whole log and sent back what
    /// the relay lacked.
    #[serde(default)]
    pub relay_restored: bool,
}

struct Session<'a> {
    store: &'a Store,
    /// With a relay that holds a roster: this node's member id. Only what it wrote is
    /// pushed (the relay refuses anything else); others' changes wait for their authors.
    author: Option<[u8; 16]>,
    /// With a paired peer under a roster: its member's rules.
    rules: Option<crate::PeerRules>,
    transport: &'a mut dyn Transport,
    peer: String,
    report: SyncReport,
    meter: &'a Meter<'a>,
}

/// Change hashes as the wire carries them.
pub(crate) fn hashes(h: &[ChangeHash]) -> Vec<[u8; 32]> {
    h.iter().map(|c| c.0).collect()
}

fn change_hashes(h: &[[u8; 32]]) -> Vec<ChangeHash> {
    h.iter().map(|c| ChangeHash(*c)).collect()
}

impl Session<'_> {
    fn call(&mut self, m: &Message) -> Result<Message, SyncError> {
        let req = encode(m);
        self.report.bytes_sent += req.len() as u64;
        let resp = self.transport.call(&req)?;
        self.report.bytes_received += resp.len() as u64;
        self.meter.bytes(req.len(), resp.len());
        match decode(&resp)? {
            Message::Error { code, detail } => Err(SyncError::Peer { code, detail }),
            other => Ok(other),
        }
    }

    /// Sends, in batches, every customer written here since the last push. Batches are
    /// built here while the previous one is in flight on another thread, so reading the
    /// log and documents overlaps with the peer's work; each acknowledged batch is recorded
    /// (the heads the peer now holds, and the cursor once a log page is fully sent) in
    /// order, so an interruption never records progress that was not made.
    fn push(&mut self) -> Result<(), SyncError> {
        let store = self.store;
        let peer = self.peer.clone();
        let start = store.sync_cursor(&peer, "pushed")?;
        let transport = &mut *self.transport;
        let meter = self.meter;
        // (documents, the cursor to record once this batch is acknowledged)
        let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<DocChanges>, u64)>(1);
        std::thread::scope(|scope| -> Result<(), SyncError> {
            let sender = scope.spawn(move || -> Result<PushTally, SyncError> {
                let mut tally = PushTally::new(meter);
                match transport.concurrent() {
                    Some(second) => send_two_at_a_time(store, &peer, transport, second, rx, &mut tally)?,
                    None => {
                        for (docs, cursor) in rx {
                            send_batch(store, &peer, transport, docs, cursor, &mut tally)?;
                        }
                    }
                }
                Ok(tally)
            });
            let built = build_batches(store, &self.peer, start, &tx, meter, self.author, self.rules.as_ref());
            drop(tx);
            let tally = sender
                .join()
                .map_err(|_| SyncError::Peer { code: "internal".into(), detail: "push thread failed".into() })?;
            let (tally, unreadable) = match (tally, built) {
                (Ok(t), Ok(u)) => (t, u),
                // The sender stopped first (its error is the cause), or building failed.
                (Err(e), _) | (Ok(_), Err(e)) => return Err(e),
            };
            self.report.sent += tally.sent;
            self.report.refused.extend(tally.refused);
            self.report.refused.extend(unreadable);
            self.report.bytes_sent += tally.bytes_sent;
            self.report.bytes_received += tally.bytes_received;
            Ok(())
        })
    }

    /// Fetches every customer written on the peer since the last pull, and `refetch` (the
    /// customers refused here last time) again.
    ///
    /// The peer's listing is read up to [`LIST_AHEAD`] pages ahead of the page being
    /// fetched, so the progress counts a join's documents before their download starts.
    fn pull(&mut self, refetch: &[CustomerId]) -> Result<(), SyncError> {
        let mut refetch = refetch.to_vec();
        let mut ahead = std::collections::VecDeque::new();
        // Where the listing goes on from; `None` once the peer said nothing more follows.
        let mut next = Some(self.store.sync_cursor(&self.peer, "pulled")?);
        loop {
            while ahead.len() < LIST_AHEAD {
                let Some(since) = next else { break };
                let page = self.list(since)?;
                next = page.more.then_some(page.cursor);
                ahead.push_back(page);
            }
            let Some(Listed { docs, gone, cursor, more, counted }) = ahead.pop_front() else {
                return Ok(());
            };
            if !gone.is_empty() {
                let gone: Vec<CustomerId> = gone.into_iter().map(CustomerId).collect();
                self.remove_settled(&gone)?;
            }
            let mut wanted = Vec::new();
            let mut settled = Vec::new();
            let mut adopted = Vec::new();
            let mut listed = Vec::with_capacity(docs.len());
            for d in docs {
                if d.id == SETTINGS_ID {
                    self.pull_settings(&d)?;
                } else {
                    listed.push(d);
                }
            }
            let ids: Vec<CustomerId> = listed.iter().map(|d| CustomerId(d.id)).collect();
            let versions = self.store.heads_with_peer(&self.peer, &ids)?;
            // What the peer listed, recorded as what it holds once adopted.
            let mut theirs = std::collections::HashMap::new();
            for ((d, id), (ours, _)) in listed.into_iter().zip(ids).zip(versions) {
                if hashes(&ours) == d.heads {
                    settled.push((id, ours));
                } else {
                    wanted.push(DocHeads { id: d.id, heads: hashes(&ours) });
                    theirs.insert(id, change_hashes(&d.heads));
                }
            }
            let theirs = &theirs;
            // Counted when listed; a document written here since may need nothing now.
            let listed_wanted = wanted.len() as u64;
            for id in std::mem::take(&mut refetch) {
                if !wanted.iter().any(|w| w.id == id.0) {
                    wanted.push(DocHeads { id: id.0, heads: hashes(&self.store.heads_of(id)?) });
                }
            }
            let meter = self.meter;
            let refetched = wanted.len() as u64 - listed_wanted;
            meter.update(|p| {
                p.to_receive += refetched + listed_wanted.saturating_sub(counted);
                p.received += counted.saturating_sub(listed_wanted);
            });
            // Three stages run at once: fetching batch n+2, decoding and checking batch n+1
            // on every core, and writing batch n (indexes, one transaction), so the peer's
            // work, the network, Automerge and the disk overlap.
            let batches: Vec<Vec<DocHeads>> = wanted.chunks(BATCH_DOCS).map(<[DocHeads]>::to_vec).collect();
            let store = self.store;
            let transport = &mut *self.transport;
            let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<DocChanges>, SyncError>>(1);
            let (sent, received, unsent) =
                std::thread::scope(|scope| -> Result<(u64, u64, Vec<CustomerId>), SyncError> {
                    let fetcher = scope.spawn(move || {
                        let (mut sent, mut received) = (0u64, 0u64);
                        let mut unsent = Vec::new();
                        // A response carries what fits one frame; the rest is asked for again.
                        // A document the peer listed but does not send when it is first in line
                        // is one it will not send (over the limits there): reported, skipped.
                        'batches: for mut pending in batches {
                            while let Some(first) = pending.first().map(|w| w.id) {
                                let req = encode(&Message::Fetch { docs: pending.clone() });
                                sent += req.len() as u64;
                                let r = transport.call(&req).and_then(|resp| {
                                    received += resp.len() as u64;
                                    meter.bytes(req.len(), resp.len());
                                    match decode(&resp)? {
                                        Message::Docs { docs } => Ok(docs),
                                        Message::Error { code, detail } => Err(SyncError::Peer { code, detail }),
                                        _ => Err(SyncError::Peer {
                                            code: "protocol".into(),
                                            detail: "expected Docs".into(),
                                        }),
                                    }
                                });
                                let docs = match r {
                                    Ok(docs) => docs,
                                    Err(e) => {
                                        let _ = tx.send(Err(e));
                                        break 'batches;
                                    }
                                };
                                let asked: std::collections::HashSet<[u8; 16]> = pending.iter().map(|w| w.id).collect();
                                let docs: Vec<DocChanges> =
                                    docs.into_iter().filter(|d| asked.contains(&d.id)).collect();
                                if docs.is_empty() {
                                    unsent.push(CustomerId(first));
                                    meter.update(|p| p.received = (p.received + 1).min(p.to_receive));
                                    pending.remove(0);
                                    continue;
                                }
                                let got: std::collections::HashSet<[u8; 16]> = docs.iter().map(|d| d.id).collect();
                                pending.retain(|w| !got.contains(&w.id));
                                if tx.send(Ok(docs)).is_err() {
                                    break 'batches;
                                }
                            }
                        }
                        (sent, received, unsent)
                    });
                    let (ptx, prx) = std::sync::mpsc::sync_channel::<Result<_, SyncError>>(1);
                    let rules = self.rules.as_ref();
                    let preparer = scope.spawn(move || {
                        for docs in rx {
                            let prepared = docs.and_then(|docs| {
                                // Under a roster, what a paired peer sends is held to its rules.
                                let mut refused = Vec::new();
                                let items: Vec<(CustomerId, Vec<u8>)> = docs
                                    .into_iter()
                                    .filter(|d| {
                                        match rules.map(|r| r.check_customer(store, CustomerId(d.id), &d.bytes)) {
                                            Some(Err(reason)) => {
                                                refused.push(Refusal::new(d.id, Direction::Received, reason));
                                                false
                                            }
                                            _ => true,
                                        }
                                    })
                                    .map(|d| (CustomerId(d.id), d.bytes))
                                    .collect();
                                let ids: Vec<CustomerId> = items.iter().map(|(id, _)| *id).collect();
                                Ok((ids, store.prepare_adoption(items)?, refused))
                            });
                            let failed = prepared.is_err();
                            if ptx.send(prepared).is_err() || failed {
                                break;
                            }
                        }
                    });
                    let mut outcome = Ok(());
                    for prepared in prx {
                        let (ids, prepared, refused) = match prepared {
                            Ok(p) => p,
                            Err(e) => {
                                outcome = Err(e);
                                break;
                            }
                        };
                        meter.update(|p| p.received = (p.received + refused.len() as u64).min(p.to_receive));
                        self.report.refused.extend(refused);
                        let results = match store.commit_adoption(prepared, Some((&self.peer, theirs))) {
                            Ok(r) => r,
                            Err(e) => {
                                outcome = Err(e.into());
                                break;
                            }
                        };
                        let taken = ids.len() as u64;
                        meter.update(|p| p.received = (p.received + taken).min(p.to_receive));
                        // The adoption recorded the peer as holding what this node now holds.
                        for (id, r) in ids.into_iter().zip(results) {
                            match r {
                                Ok((outcome, _)) => {
                                    match outcome {
                                        Adopted::New => self.report.received_new += 1,
                                        Adopted::Merged => {
                                            self.report.received_merged += 1;
                                            if store
                                                .load_doc(id)
                                                .and_then(|d| Ok(d.conflicts()?))
                                                .is_ok_and(|c| !c.is_empty())
                                            {
                                                self.report.conflicts += 1;
                                            }
                                        }
                                        Adopted::Unchanged => {}
                                    }
                                    adopted.push(id);
                                }
                                Err(e) => {
                                    self.report.refused.push(Refusal::new(id.0, Direction::Received, e.to_string()))
                                }
                            }
                        }
                    }
                    preparer.join().map_err(|_| SyncError::Peer {
                        code: "internal".into(),
                        detail: "adopt thread failed".into(),
                    })?;
                    let counts = fetcher.join().map_err(|_| SyncError::Peer {
                        code: "internal".into(),
                        detail: "fetch thread failed".into(),
                    })?;
                    outcome.map(|_| counts)
                })?;
            self.report.bytes_sent += sent;
            self.report.bytes_received += received;
            for id in unsent {
                self.report.refused.push(Refusal::new(
                    id.0,
                    Direction::Received,
                    "the peer holds it but does not send it (over the document limits there)",
                ));
            }
            // The peer holds what we hold of the customers listed with our heads, so the next
            // push does not echo them back (adopted ones were recorded as they were adopted).
            self.store.record_sync(&self.peer, "pulled", cursor, &settled)?;
            // Only now: a repair recorded as held by the peer would never be pushed.
            let listed: Vec<CustomerId> = settled.iter().map(|(id, _)| *id).chain(adopted).collect();
            self.report.merges_repaired += self.store.repair_opposite_merges_among(&listed)?;
            if !more {
                return Ok(());
            }
        }
    }

    /// One page of the peer's listing after `since`, with the customers in it that this
    /// node does not hold as listed counted as work to receive.
    fn list(&mut self, since: u64) -> Result<Listed, SyncError> {
        let Message::Changed { docs, gone, cursor, more } = self.call(&Message::Changes { since, limit: PAGE })? else {
            return Err(SyncError::Peer { code: "protocol".into(), detail: "expected Changed".into() });
        };
        let customers: Vec<&DocHeads> = docs.iter().filter(|d| d.id != SETTINGS_ID).collect();
        let ids: Vec<CustomerId> = customers.iter().map(|d| CustomerId(d.id)).collect();
        let versions = self.store.heads_with_peer(&self.peer, &ids)?;
        let counted = customers.iter().zip(versions).filter(|(d, (ours, _))| hashes(ours) != d.heads).count() as u64;
        self.meter.listed(counted, more);
        Ok(Listed { docs, gone, cursor, more, counted })
    }

    fn pull_settings(&mut self, remote: &DocHeads) -> Result<(), SyncError> {
        let mut doc = self.store.settings_doc()?;
        if hashes(&doc.heads()) == remote.heads {
            return Ok(());
        }
        let Message::Docs { docs } =
            self.call(&Message::Fetch { docs: vec![DocHeads { id: SETTINGS_ID, heads: hashes(&doc.heads()) }] })?
        else {
            return Err(SyncError::Peer { code: "protocol".into(), detail: "expected Docs".into() });
        };
        for d in docs.into_iter().filter(|d| d.id == SETTINGS_ID) {
            if let Some(Err(reason)) = self.rules.as_ref().map(|r| r.check_settings(self.store, &d.bytes)) {
                self.report.refused.push(Refusal::new(SETTINGS_ID, Direction::Received, reason));
                continue;
            }
            let before = doc.heads();
            // Changes after our heads, or the whole document: both apply incrementally.
            let checked = doc.with_untrusted(&d.bytes).and_then(|mut trial| {
                rapport_rules::TeamSettings::read(&mut trial)?;
                Ok(trial)
            });
            doc = match checked {
                Ok(trial) => trial,
                Err(e) => {
                    self.report.refused.push(Refusal::new(SETTINGS_ID, Direction::Received, e.to_string()));
                    continue;
                }
            };
            if doc.heads() != before {
                self.store.save_settings_doc(&mut doc)?;
                self.report.settings_changed = true;
            }
        }
        Ok(())
    }

    fn push_settings(&mut self) -> Result<(), SyncError> {
        let mut doc = self.store.settings_doc()?;
        let heads = doc.heads();
        let settings_key = CustomerId(SETTINGS_ID);
        if self.store.peer_heads(&self.peer, settings_key)? == heads {
            return Ok(());
        }
        let bytes = match self.author {
            Some(member) => {
                let known = self.store.peer_heads(&self.peer, settings_key)?;
                let genesis = rapport_rules::default_settings_heads();
                match rapport_doc::own_changes_after(doc.automerge(), &known, &member, genesis) {
                    Some((own, waiting)) => {
                        if waiting > 0 {
                            self.report.refused.push(Refusal::new(
                                SETTINGS_ID,
                                Direction::Sent,
                                waiting_reason(waiting),
                            ));
                        }
                        if own.is_empty() {
                            return Ok(());
                        }
                        // Only what this member wrote: the rest goes with its authors' syncs.
                        own
                    }
                    None => doc.save(),
                }
            }
            None => doc.save(),
        };
        let Message::Pushed { results } =
            self.call(&Message::Push { docs: vec![DocChanges { id: SETTINGS_ID, bytes }] })?
        else {
            return Err(SyncError::Peer { code: "protocol".into(), detail: "expected Pushed".into() });
        };
        match results.into_iter().next() {
            Some(DocResult::Stored(h)) => {
                let cursor = self.store.sync_cursor(&self.peer, "pushed")?;
                self.store.record_sync(&self.peer, "pushed", cursor, &[(settings_key, change_hashes(&h.heads))])?;
            }
            // Not recorded as held by the peer, so the next sync sends it again.
            Some(DocResult::Refused { reason, .. }) => {
                self.report.refused.push(Refusal::new(SETTINGS_ID, Direction::Sent, reason));
            }
            None => {}
        }
        Ok(())
    }

    /// Sends again the customers the peer refused last time (their log entries are behind
    /// the push cursor): a refusal stays listed until the document goes through.
    fn push_refused(&mut self, ids: &[CustomerId]) -> Result<(), SyncError> {
        let cursor = self.store.sync_cursor(&self.peer, "pushed")?;
        let versions = self.store.heads_with_peer(&self.peer, ids)?;
        let mut docs = Vec::new();
        for (id, (ours, known)) in ids.iter().zip(versions) {
            if ours.is_empty() || ours == known || !crate::answer::sendable(self.store, self.rules.as_ref(), *id)? {
                continue;
            }
            let (changes, _, waiting) =
                self.store.changes_after_by(*id, &known, self.author.as_ref().map(|a| a.as_slice()))?;
            if waiting > 0 {
                self.report.refused.push(Refusal::new(id.0, Direction::Sent, waiting_reason(waiting)));
            }
            if !changes.is_empty() {
                docs.push(DocChanges { id: id.0, bytes: changes });
            }
        }
        self.meter.update(|p| p.to_send += docs.len() as u64);
        let mut tally = PushTally::new(self.meter);
        for batch in docs.chunks(BATCH_DOCS) {
            send_batch(self.store, &self.peer, &mut *self.transport, batch.to_vec(), cursor, &mut tally)?;
        }
        self.report.sent += tally.sent;
        self.report.refused.extend(tally.refused);
        self.report.bytes_sent += tally.bytes_sent;
        self.report.bytes_received += tally.bytes_received;
        Ok(())
    }
}

/// Why a document's changes were not sent yet.
fn waiting_reason(waiting: usize) -> String {
    format!(
        "{waiting} change(s) made here build on changes by another member that the relay does not hold yet \
         (received from a paired peer); they go once that member syncs with the relay"
    )
}

/// What the push thread sent and heard back.
struct PushTally<'a> {
    sent: usize,
    refused: Vec<Refusal>,
    bytes_sent: u64,
    bytes_received: u64,
    meter: &'a Meter<'a>,
}

impl<'a> PushTally<'a> {
    fn new(meter: &'a Meter<'a>) -> PushTally<'a> {
        PushTally { sent: 0, refused: Vec::new(), bytes_sent: 0, bytes_received: 0, meter }
    }
}

/// Reads the log after `start` and hands batches of changes to the push thread; stops
/// quietly when that thread has stopped (its error is reported by it). A customer whose
/// stored document cannot be read here is not sent, and is returned as refused: one bad
/// document never stops the push of the others.
fn build_batches(
    store: &Store,
    peer: &str,
    start: u64,
    tx: &std::sync::mpsc::SyncSender<(Vec<DocChanges>, u64)>,
    meter: &Meter<'_>,
    author: Option<[u8; 16]>,
    rules: Option<&crate::PeerRules>,
) -> Result<Vec<Refusal>, SyncError> {
    let mut unreadable = Vec::new();
    let mut cursor = start;
    let mut recorded = start;
    // Counted first, so an upload has its total (and an estimate of the time left) from
    // the start; corrected to what was queued at the end (documents that needed nothing).
    let estimate = crate::status::unsent_after(store, peer, start)? as u64;
    let mut base = 0;
    meter.update(|p| {
        base = p.to_send;
        p.to_send += estimate;
    });
    let mut queued = 0;
    let mut queue = |n: usize, settle: bool| {
        queued += n as u64;
        meter.update(|p| p.to_send = if settle { base + queued } else { p.to_send.max(base + queued) });
    };
    loop {
        let (ids, last) = store.changed_since(cursor, BATCH_DOCS)?;
        if last == cursor {
            queue(0, true);
            if cursor != recorded {
                let _ = tx.send((Vec::new(), cursor));
            }
            return Ok(unreadable);
        }
        let mut docs = Vec::new();
        let mut bytes = 0;
        let versions = store.heads_with_peer(peer, &ids)?;
        for (id, (ours, known)) in ids.into_iter().zip(versions) {
            // Most entries after a pull are documents that came from the peer: skip
            // them without loading the document.
            if ours == known || !crate::answer::sendable(store, rules, id)? {
                continue;
            }
            let (changes, heads, waiting) =
                match store.changes_after_by(id, &known, author.as_ref().map(|a| a.as_slice())) {
                    Ok(found) => found,
                    Err(StoreError::Unwritable(why)) => return Err(StoreError::Unwritable(why).into()),
                    Err(e) => {
                        unreadable.push(Refusal::new(id.0, Direction::Sent, format!("not sent: unreadable here: {e}")));
                        continue;
                    }
                };
            if waiting > 0 {
                // Listed like a refusal, so every sync tries it again and `sync status`
                // shows it, rather than the cursor moving on past unsent work.
                unreadable.push(Refusal::new(id.0, Direction::Sent, waiting_reason(waiting)));
            }
            if heads == known || changes.is_empty() {
                continue;
            }
            bytes += changes.len();
            docs.push(DocChanges { id: id.0, bytes: changes });
            if bytes > BATCH_BYTES {
                // Not the end of this log page: the cursor stays where it was.
                queue(docs.len(), false);
                if tx.send((std::mem::take(&mut docs), cursor)).is_err() {
                    return Ok(unreadable);
                }
                recorded = cursor;
                bytes = 0;
            }
        }
        cursor = last;
        // A page with nothing to send (documents that came from the peer) is recorded
        // with the next batch sent, or at the end, rather than in a transaction of its own.
        if !docs.is_empty() {
            queue(docs.len(), false);
            if tx.send((docs, cursor)).is_err() {
                return Ok(unreadable);
            }
            recorded = cursor;
        }
    }
}

/// Sends one batch (when not empty) and records, in one transaction, the heads the peer
/// acknowledged and `cursor`.
fn send_batch(
    store: &Store,
    peer: &str,
    transport: &mut dyn Transport,
    docs: Vec<DocChanges>,
    cursor: u64,
    tally: &mut PushTally<'_>,
) -> Result<(), SyncError> {
    if docs.is_empty() {
        store.record_sync(peer, "pushed", cursor, &[])?;
        return Ok(());
    }
    let answer = exchange(transport, docs)?;
    record(store, peer, cursor, answer, tally)
}

/// Sends batches over two channels to the peer, each carrying one while the other waits,
/// and records the answers in the order the batches were built, so an interruption never
/// records a cursor past a batch that was not acknowledged. (A batch the peer stored but
/// whose answer was lost is sent again next time, and the peer finds nothing new in it.)
fn send_two_at_a_time(
    store: &Store,
    peer: &str,
    first: &mut dyn Transport,
    mut second: Box<dyn Transport>,
    batches: std::sync::mpsc::Receiver<(Vec<DocChanges>, u64)>,
    tally: &mut PushTally<'_>,
) -> Result<(), SyncError> {
    let lost = || SyncError::Peer { code: "internal".into(), detail: "push thread failed".into() };
    std::thread::scope(|s| {
        let mut lanes = Vec::with_capacity(2);
        for transport in [first, &mut *second] {
            let (to_lane, requests) = std::sync::mpsc::sync_channel::<Vec<DocChanges>>(1);
            let (answers, from_lane) = std::sync::mpsc::sync_channel::<Result<PushAnswer, SyncError>>(1);
            s.spawn(move || {
                for docs in requests {
                    if answers.send(exchange(transport, docs)).is_err() {
                        break;
                    }
                }
            });
            lanes.push((to_lane, from_lane));
        }
        // (lane, cursor to record) of the batches in flight, oldest first.
        let mut in_flight = std::collections::VecDeque::with_capacity(2);
        let settle = |lane: usize, cursor: u64, tally: &mut PushTally<'_>| -> Result<(), SyncError> {
            let answer = lanes[lane].1.recv().map_err(|_| lost())??;
            record(store, peer, cursor, answer, tally)
        };
        let mut next = 0;
        for (docs, cursor) in batches {
            if docs.is_empty() {
                // A cursor with nothing to send: recorded after every batch before it.
                while let Some((lane, c)) = in_flight.pop_front() {
                    settle(lane, c, tally)?;
                }
                store.record_sync(peer, "pushed", cursor, &[])?;
                continue;
            }
            if in_flight.len() == 2 {
                if let Some((lane, c)) = in_flight.pop_front() {
                    settle(lane, c, tally)?;
                }
            }
            lanes[next].0.send(docs).map_err(|_| lost())?;
            in_flight.push_back((next, cursor));
            next = 1 - next;
        }
        while let Some((lane, c)) = in_flight.pop_front() {
            settle(lane, c, tally)?;
        }
        Ok(())
    })
}

/// The peer's answer to one pushed batch, one result per document.
struct PushAnswer {
    results: Vec<DocResult>,
    bytes_sent: u64,
    bytes_received: u64,
}

/// Pushes one batch and returns the peer's answer.
fn exchange(transport: &mut dyn Transport, docs: Vec<DocChanges>) -> Result<PushAnswer, SyncError> {
    let n = docs.len();
    let req = encode(&Message::Push { docs });
    let resp = transport.call(&req)?;
    let results = match decode(&resp)? {
        Message::Pushed { results } => results,
        Message::Error { code, detail } => return Err(SyncError::Peer { code, detail }),
        _ => return Err(SyncError::Peer { code: "protocol".into(), detail: "expected Pushed".into() }),
    };
    if results.len() != n {
        return Err(SyncError::Peer {
            code: "protocol".into(),
            detail: format!("{} results for {n} documents", results.len()),
        });
    }
    Ok(PushAnswer { results, bytes_sent: req.len() as u64, bytes_received: resp.len() as u64 })
}

/// Records, in one transaction, the heads the peer acknowledged and `cursor`.
fn record(
    store: &Store,
    peer: &str,
    cursor: u64,
    answer: PushAnswer,
    tally: &mut PushTally<'_>,
) -> Result<(), SyncError> {
    tally.bytes_sent += answer.bytes_sent;
    tally.bytes_received += answer.bytes_received;
    let answered = answer.results.len() as u64;
    tally.meter.update(|p| {
        p.sent += answered;
        p.bytes_sent += answer.bytes_sent;
        p.bytes_received += answer.bytes_received;
    });
    let mut known = Vec::new();
    for r in answer.results {
        match r {
            DocResult::Stored(h) => {
                tally.sent += 1;
                known.push((CustomerId(h.id), change_hashes(&h.heads)));
            }
            DocResult::Refused { id, reason } => tally.refused.push(Refusal::new(id, Direction::Sent, reason)),
        }
    }
    store.record_sync(peer, "pushed", cursor, &known)?;
    Ok(())
}

/// One full sync with a peer: settings and customers written here are pushed, then
/// everything written there is pulled. Safe to interrupt at any point and run again.
pub fn sync_once(store: &Store, transport: &mut dyn Transport) -> Result<SyncReport, SyncError> {
    sync_once_with(store, transport, &|_| {})
}

/// [`sync_once`], telling `progress` how far it has got (documents and bytes each way)
/// after every batch and request.
pub fn sync_once_with(
    store: &Store,
    transport: &mut dyn Transport,
    progress: ProgressObserver<'_>,
) -> Result<SyncReport, SyncError> {
    let peer = transport.peer();
    // Documents refused last time are tried again; what is still refused is reported again.
    let before = crate::status::load(store)?.remove(&peer).map(|s| s.refused).unwrap_or_default();
    let meter = Meter::new(progress);
    let mut s =
        Session { store, transport, peer, report: SyncReport::default(), meter: &meter, author: None, rules: None };
    if s.transport.is_relay() {
        s.team()?;
    }
    if let Some(member) = s.transport.paired_member() {
        s.rules = crate::PeerRules::for_peer(store, &member)
            .map_err(|detail| SyncError::Peer { code: "forbidden".into(), detail })?;
        s.author = s.rules.as_ref().and_then(crate::PeerRules::own_id);
    }
    s.round(&before)?;
    if s.restored() {
        let recovered = store.recover_device(&s.peer)?;
        let refused = std::mem::take(&mut s.report.refused);
        s.report.device_renewed = Some(recovered);
        s.round(&refused)?;
    }
    if s.transport.is_relay() {
        s.check_relay_log()?;
    }
    // Taking in or removing many customers rewrites much of the file; give the freed pages
    // back. Sending writes only what the peer now holds (a small entry per customer).
    let r = &s.report;
    store.after_bulk((r.received_new + r.received_merged + r.removed) as u64);
    Ok(s.report)
}

impl Session<'_> {
    /// Asks the relay for the roster: writes as the member it names from now on, keeps the
    /// roster for the write rules and `rapport team`, and when this member's read scope
    /// changed, removes what it may no longer read and lists the relay's log again from
    /// the start (which brings what it may now read). A revoked member's store loses the
    /// team's data.
    fn team(&mut self) -> Result<(), SyncError> {
        let me = self.store.identity();
        let member = hex::decode(&me.member_id).ok().and_then(|b| <[u8; 16]>::try_from(b.as_slice()).ok());
        let device = hex::decode(&me.device_id).ok().and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok());
        let (view, sent, received) = match crate::ask_roster(&mut *self.transport, member, device.unwrap_or_default()) {
            Err(SyncError::Revoked(why)) => {
                self.forget_team(&why)?;
                return Err(SyncError::Revoked(why));
            }
            other => other?,
        };
        self.report.bytes_sent += sent;
        self.report.bytes_received += received;
        self.meter.bytes(sent as usize, received as usize);
        let Some(id) = view.you.id else {
            return Err(SyncError::Peer { code: "roster".into(), detail: "the relay gave this member no id".into() });
        };
        self.store.take_member(&view.you.name, &id.to_hex())?;
        self.author = Some(id.0);
        let before = TeamView::load(self.store)?;
        if before.as_ref() == Some(&view) {
            return Ok(());
        }
        let scope_changed = before.as_ref().is_none_or(|b| b.scope_key() != view.scope_key());
        if scope_changed {
            let outside = self.store.owned_by(|owner| !view.may_read(owner))?;
            self.remove_settled(&outside)?;
            // A node that held no roster held the whole book: nothing can be missing.
            if before.is_some() {
                self.store.record_sync(&self.peer, "pulled", 0, &[])?;
            }
        }
        view.save(self.store)?;
        self.report.roster_changed = true;
        Ok(())
    }

    /// Removes customers that left this member's read scope, except those holding changes
    /// made here that the relay does not hold: those stay until they go through or are
    /// discarded (`rapport sync discard`), and the relay's refusal of them is reported.
    fn remove_settled(&mut self, ids: &[CustomerId]) -> Result<(), SyncError> {
        let versions = self.store.heads_with_peer(&self.peer, ids)?;
        let settled: Vec<CustomerId> =
            ids.iter().zip(versions).filter(|(_, (ours, known))| ours == known).map(|(id, _)| *id).collect();
        self.report.removed += self.store.remove_customers(&settled)?;
        Ok(())
    }

    /// The relay removed this member from the team: every customer goes, the settings go
    /// back to the defaults (the audit log holds names), and the store remembers why.
    fn forget_team(&mut self, why: &str) -> Result<(), SyncError> {
        let all = self.store.owned_by(|_| true)?;
        self.report.removed += self.store.remove_customers(&all)?;
        let mut settings = rapport_rules::default_settings_doc().map_err(rapport_store::StoreError::from)?;
        self.store.save_settings_doc(&mut settings)?;
        let mut view = TeamView::load(self.store)?.unwrap_or_else(|| TeamView {
            roster: rapport_roles::Roster::default(),
            you: rapport_roles::Member {
                id: None,
                name: self.store.identity().member_name.clone(),
                role: rapport_roles::Role::SalesRep,
                groups: Vec::new(),
                active: false,
            },
            revoked: None,
        });
        view.you.active = false;
        view.revoked = Some(why.to_string());
        view.save(self.store)?;
        Ok(())
    }

    /// One push and pull, trying again the documents in `refused`.
    fn round(&mut self, refused: &[Refusal]) -> Result<(), SyncError> {
        let again = |way: Direction| -> Vec<CustomerId> {
            refused.iter().filter(|r| r.direction == way).filter_map(Refusal::customer_id).collect()
        };
        self.push_settings()?;
        self.push()?;
        self.push_refused(&again(Direction::Sent))?;
        self.pull(&again(Direction::Received))?;
        // Walk the push cursor over what the pull just wrote (nothing is sent for it), so
        // `sync status` shows no pending work and the next sync starts from here.
        self.push()?;
        let mut seen = std::collections::BTreeSet::new();
        self.report.refused.retain(|r| seen.insert((r.customer.clone(), r.direction == Direction::Sent)));
        Ok(())
    }

    /// Asks the relay whether it still holds the log position this node recorded at the end
    /// of its last sync, and records where the log stands now. A relay restored from a
    /// backup older than that position does not: what it took after the backup is gone,
    /// though this node's cursors and the heads it recorded as held there say otherwise, so
    /// nothing would ever be sent again and the relay's new log entries below the pull
    /// cursor would never be pulled. Then everything recorded about the relay is forgotten,
    /// its whole log is listed (recording what it does hold), and one more round sends back
    /// what it lacks. A relay from before log positions answers `bad_request`: no check.
    fn check_relay_log(&mut self) -> Result<(), SyncError> {
        let seen = self.store.sync_value(&self.peer, RELAY_MARK)?.and_then(|b| decode_mark(&b));
        let Some((mut now, held)) = self.ask_mark(seen)? else { return Ok(()) };
        if !held {
            self.store.forget_peer_holdings(&self.peer)?;
            self.report.relay_restored = true;
            self.pull(&[])?;
            self.round(&[])?;
            let Some((after, _)) = self.ask_mark(None)? else { return Ok(()) };
            now = after;
        }
        self.store.record_sync_value(&self.peer, RELAY_MARK, &encode_mark(&now))?;
        Ok(())
    }

    /// The relay's `Mark` answer; `None` from a relay that does not know the request.
    fn ask_mark(&mut self, seen: Option<LogMark>) -> Result<Option<(LogMark, bool)>, SyncError> {
        match self.call(&Message::Mark { seen }) {
            Ok(Message::Marked { now, held }) => Ok(Some((now, held))),
            Ok(_) => Err(SyncError::Peer { code: "protocol".into(), detail: "expected Marked".into() }),
            Err(SyncError::Peer { code, .. }) if code == "bad_request" => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether a refusal says the peer holds what this device wrote and this store does not:
    /// a change with one of this device's sequence numbers and other contents, or a customer
    /// number this device minted held by another customer. A store restored from a backup
    /// (or copied) produces both with its first edits and customers.
    fn restored(&self) -> bool {
        let me = self.store.identity();
        let actor = me.actor().to_hex_string();
        let code = format!("-{}-", me.device_code);
        self.report.refused.iter().any(|r| {
            (r.reason.contains("duplicate seq") && r.reason.contains(&actor))
                || (r.reason.contains("is already held by customer") && r.reason.contains(&code))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// A hostile relay whose notice stream sends one endless line: the node gives the
    /// stream up after a kilobyte instead of holding the line in memory while it grows
    /// (it read all of it before).
    #[test]
    fn an_endless_line_on_the_notice_stream_is_given_up_at_once() -> Result<(), Box<dyn std::error::Error>> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}", listener.local_addr()?);
        let relay = std::thread::spawn(move || -> usize {
            let Ok((mut s, _)) = listener.accept() else { return 0 };
            let mut head = [0u8; 4096];
            let _ = s.read(&mut head);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nid: 7\n");
            let chunk = vec![b'x'; 64 * 1024];
            let mut sent = 0;
            // Up to 256 MiB, never a newline, until the node hangs up.
            while sent < 256 << 20 && s.write_all(&chunk).is_ok() {
                sent += chunk.len();
            }
            sent
        });
        let start = std::time::Instant::now();
        let resume = NoticeResume { from: None, wake_at_once: false };
        let last = follow_notices(&url, "token", resume, &mut || {}, &|| false)?;
        assert!(start.elapsed() < std::time::Duration::from_secs(5), "took {:?}", start.elapsed());
        assert_eq!(last, Some(7), "the lines before it still count");
        let sent = relay.join().map_err(|_| "relay thread")?;
        assert!(sent < 64 << 20, "the node read {sent} bytes of one line");
        Ok(())
    }
}
