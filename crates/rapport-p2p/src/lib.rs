//! Peer-to-peer sync between Rapport nodes over iroh.
//!
//! Each node has an iroh endpoint (its key is kept in the store, so the endpoint id is
//! stable) that accepts only the `rapport/sync/1` ALPN. `rapport peer invite` makes a
//! ticket: the endpoint id, its direct addresses and a one-time pairing secret. The other
//! member's node adds the ticket, connects, and presents the secret in its `Hello`; from
//! then on each node knows the other by endpoint id, and connections from any endpoint
//! that is not paired are refused.
//!
//! A pairing invitation expires ([`DEFAULT_INVITE_TTL`], at most [`MAX_INVITE_TTL`]), can
//! be cancelled ([`cancel_invitation`]) and works once. The node keeps only a hash of its
//! secret with its times and state ([`invitations`] lists them), never the secret; a dialer
//! presenting an expired, cancelled or used secret is told which. On a connection every request is one bidirectional
//! QUIC stream carrying one sync frame each way, so the sync session of `rapport-sync`
//! runs unchanged over it. Direct addresses work on a LAN or on loopback with no relay
//! and no discovery service (the tests run that way); iroh's relays for NAT traversal are
//! a configuration option (`relays`).

use iroh::endpoint::{presets, Connection};
use iroh::{Endpoint, EndpointAddr, EndpointId, RelayMode, SecretKey};
use rapport_store::Store;
use rapport_sync::{answer, decode, encode, Answered, Message, SyncError, Transport, MAX_FRAME};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The application protocol spoken on connections.
pub const ALPN: &[u8] = b"rapport/sync/1";
const KEY_SECRET: &str = "p2p.secret_key";
const KEY_PEERS: &str = "p2p.peers";
const KEY_INVITES: &str = "p2p.invites";

/// How long an invitation is valid unless said otherwise: a day.
pub const DEFAULT_INVITE_TTL: Duration = Duration::from_secs(24 * 3600);
/// The longest an invitation may be valid: 30 days.
pub const MAX_INVITE_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
/// How many invitations a node keeps: the open ones, and the recently used, cancelled or
/// expired ones it remembers to tell a dialer why a ticket no longer works.
pub const MAX_INVITES: usize = 64;
/// The longest member name kept with a used invitation (the name comes from the dialer).
const MAX_MEMBER_NAME: usize = 100;
/// How long a used, cancelled or expired invitation is remembered after it expired.
const REMEMBER_SECS: u64 = 7 * 24 * 3600;

/// Why peer-to-peer work failed.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    /// Network or endpoint failure.
    #[error("network: {0}")]
    Net(String),
    /// The ticket cannot be read.
    #[error("ticket: {0}")]
    Ticket(String),
    /// The other side refused us.
    #[error("refused by peer: {0}")]
    Refused(String),
    /// An invitation cannot be made or cancelled as asked.
    #[error("invitation: {0}")]
    Invitation(String),
    /// Local store failure.
    #[error(transparent)]
    Store(#[from] rapport_store::StoreError),
}

/// A paired peer.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PeerInfo {
    /// Endpoint id.
    pub id: String,
    /// Member name.
    pub name: String,
    /// Direct addresses last known.
    pub addrs: Vec<String>,
}

/// What `peer invite` prints.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Ticket {
    /// The inviting node's endpoint id.
    pub id: String,
    /// Its member name.
    pub name: String,
    /// Where to reach it.
    pub addrs: Vec<String>,
    /// One-time pairing secret.
    pub secret: [u8; 32],
}

impl Ticket {
    /// `rapport1` followed by the hex of the ticket's JSON.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!("rapport1{}", hex::encode(json))
    }

    /// Reads a ticket.
    pub fn decode(text: &str) -> Result<Ticket, PeerError> {
        let digits = text
            .trim()
            .strip_prefix("rapport1")
            .ok_or_else(|| PeerError::Ticket("does not start with `rapport1`".into()))?;
        if digits.len() % 2 != 0 || digits.len() > 8192 {
            return Err(PeerError::Ticket("has a wrong length".into()));
        }
        let bytes = hex::decode(digits).map_err(|_| PeerError::Ticket("is not hex".into()))?;
        serde_json::from_slice(&bytes).map_err(|e| PeerError::Ticket(e.to_string()))
    }
}

fn net(e: impl std::fmt::Display) -> PeerError {
    PeerError::Net(e.to_string())
}

/// The node's network key, created on first use and kept in the store.
pub fn secret_key(store: &Store) -> Result<SecretKey, PeerError> {
    if let Some(b) = store.node_meta(KEY_SECRET)? {
        if let Ok(a) = <[u8; 32]>::try_from(b.as_slice()) {
            return Ok(SecretKey::from_bytes(&a));
        }
    }
    let key = SecretKey::generate();
    store.set_node_meta(KEY_SECRET, &key.to_bytes())?;
    Ok(key)
}

/// Binds the node's endpoint on `addr` with direct addresses only (`relays: false`: no
/// iroh relay, no discovery) or with iroh's public relays for NAT traversal.
pub async fn bind(store: &Store, addr: SocketAddr, relays: bool) -> Result<Endpoint, PeerError> {
    let key = secret_key(store)?;
    let mut b = Endpoint::builder(presets::Minimal).secret_key(key).alpns(vec![ALPN.to_vec()]);
    if relays {
        b = b.relay_mode(RelayMode::Default);
    } else {
        b = b.relay_mode(RelayMode::Disabled).clear_address_lookup();
    }
    let b = b.clear_ip_transports().bind_addr(addr).map_err(net)?;
    b.bind().await.map_err(net)
}

/// Paired peers.
pub fn peers(store: &Store) -> Result<Vec<PeerInfo>, PeerError> {
    Ok(store.node_meta(KEY_PEERS)?.and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default())
}

fn save_peer(store: &Store, p: PeerInfo) -> Result<(), PeerError> {
    let mut all = peers(store)?;
    all.retain(|x| x.id != p.id);
    all.push(p);
    all.sort_by(|a, b| a.name.cmp(&b.name));
    store.set_node_meta(KEY_PEERS, &serde_json::to_vec(&all).unwrap_or_default())?;
    Ok(())
}

/// Addresses a peer can dial: the interfaces iroh found, and the bound sockets unless
/// they are the unspecified address.
fn endpoint_addrs(ep: &Endpoint) -> Vec<String> {
    let mut out: Vec<String> = ep.addr().ip_addrs().map(|a| a.to_string()).collect();
    for s in ep.bound_sockets() {
        if !s.ip().is_unspecified() {
            out.push(s.to_string());
        } else if out.is_empty() {
            // Only the wildcard is known: this machine's loopback is the best guess.
            out.push(SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), s.port()).to_string());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Where an invitation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteState {
    /// Its ticket pairs a node, once, until it expires.
    Open,
    /// A node paired with it.
    Used,
    /// Cancelled before use.
    Cancelled,
    /// Not used before it expired.
    Expired,
}

impl InviteState {
    /// The word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            InviteState::Open => "open",
            InviteState::Used => "used",
            InviteState::Cancelled => "cancelled",
            InviteState::Expired => "expired",
        }
    }
}

/// An invitation as the node stores it: a hash of the secret, never the secret.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct InviteRecord {
    /// blake3 of the secret, hex.
    hash: String,
    /// Unix seconds.
    created: u64,
    /// Unix seconds; the secret is refused from then on.
    expires: u64,
    /// Open, used or cancelled (expiry is read from the clock).
    state: InviteState,
    /// The member who paired with it.
    used_by: Option<String>,
}

impl InviteRecord {
    /// The state as of `now`: an open invitation past its expiry is expired.
    fn state_at(&self, now: u64) -> InviteState {
        match self.state {
            InviteState::Open if now >= self.expires => InviteState::Expired,
            s => s,
        }
    }

    fn id(&self) -> String {
        self.hash.chars().take(INVITE_ID_LEN).collect()
    }

    fn listed(&self, now: u64) -> Invitation {
        Invitation {
            id: self.id(),
            state: self.state_at(now),
            created: timestamp(self.created),
            expires: timestamp(self.expires),
            used_by: self.used_by.clone(),
        }
    }
}

/// Hex digits of an invitation's id: the start of its secret's hash, enough to tell the
/// invitations of one node apart and too short to say anything about the secret.
const INVITE_ID_LEN: usize = 12;

/// A pairing invitation as `rapport peer invites` lists it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Invitation {
    /// Short id, for `rapport peer cancel ID`.
    pub id: String,
    /// Open, used, cancelled or expired.
    pub state: InviteState,
    /// When it was made, RFC 3339 UTC.
    pub created: String,
    /// When its secret stops working, RFC 3339 UTC.
    pub expires: String,
    /// The member who paired with it.
    pub used_by: Option<String>,
}

/// Unix seconds now (0 if the clock is before 1970).
fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn timestamp(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| format!("{secs} s after 1970"))
}

fn hash_hex(secret: &[u8; 32]) -> String {
    blake3::hash(secret).to_hex().to_string()
}

/// Serialises every read-modify-write of the invitations: two dialers presenting the
/// same secret at once must not both pair. One process holds a store, so a process-wide
/// lock is enough.
static INVITES_LOCK: Mutex<()> = Mutex::new(());

fn load_invites(store: &Store) -> Result<Vec<InviteRecord>, PeerError> {
    // Unreadable or from before invitations expired (bare hashes): treated as none, so
    // such secrets are refused.
    Ok(store.node_meta(KEY_INVITES)?.and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default())
}

/// Stores the invitations, forgetting those expired for longer than they are remembered.
fn save_invites(store: &Store, mut all: Vec<InviteRecord>, now: u64) -> Result<(), PeerError> {
    all.retain(|r| r.expires.saturating_add(REMEMBER_SECS) > now);
    let bytes = serde_json::to_vec(&all).map_err(|e| PeerError::Invitation(e.to_string()))?;
    store.set_node_meta(KEY_INVITES, &bytes)?;
    Ok(())
}

/// Runs `f` on the stored invitations under the lock and stores what it leaves.
fn with_invites<T>(
    store: &Store,
    now: u64,
    f: impl FnOnce(&mut Vec<InviteRecord>) -> Result<T, PeerError>,
) -> Result<T, PeerError> {
    let _guard = INVITES_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let mut all = load_invites(store)?;
    let out = f(&mut all)?;
    save_invites(store, all, now)?;
    Ok(out)
}

/// Reads how long an invitation is valid: a number and a unit, `90s`, `30m`, `24h` or
/// `7d`; from one second to [`MAX_INVITE_TTL`].
pub fn parse_ttl(text: &str) -> Result<Duration, PeerError> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let bad = || PeerError::Invitation(format!("`{text}` is not a duration such as 90s, 30m, 24h or 7d"));
    let n: u64 = n.parse().map_err(|_| bad())?;
    let secs = match unit.trim() {
        "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        "d" => n.checked_mul(24 * 3600),
        _ => return Err(bad()),
    };
    let ttl = Duration::from_secs(secs.ok_or_else(bad)?);
    check_ttl(ttl)?;
    Ok(ttl)
}

fn check_ttl(ttl: Duration) -> Result<(), PeerError> {
    if ttl < Duration::from_secs(1) || ttl > MAX_INVITE_TTL {
        return Err(PeerError::Invitation(format!(
            "an invitation is valid from 1 second to {} days, not {} s",
            MAX_INVITE_TTL.as_secs() / (24 * 3600),
            ttl.as_secs()
        )));
    }
    Ok(())
}

/// Makes a pairing ticket for this endpoint, valid for [`DEFAULT_INVITE_TTL`].
pub fn invite(store: &Store, ep: &Endpoint) -> Result<Ticket, PeerError> {
    Ok(invite_for(store, ep, DEFAULT_INVITE_TTL)?.0)
}

/// Makes a pairing ticket for this endpoint whose secret works once, until `ttl` has
/// passed or the invitation is cancelled. Returns the ticket and the invitation as listed.
pub fn invite_for(store: &Store, ep: &Endpoint, ttl: Duration) -> Result<(Ticket, Invitation), PeerError> {
    check_ttl(ttl)?;
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| PeerError::Invitation(format!("no randomness for a secret: {e}")))?;
    let now = unix_now();
    let record = InviteRecord {
        hash: hash_hex(&secret),
        created: now,
        expires: now.saturating_add(ttl.as_secs()),
        state: InviteState::Open,
        used_by: None,
    };
    let listed = record.listed(now);
    with_invites(store, now, |all| {
        make_room(all, now)?;
        all.push(record);
        Ok(())
    })?;
    let ticket = Ticket {
        id: ep.id().to_string(),
        name: store.identity().member_name.clone(),
        addrs: endpoint_addrs(ep),
        secret,
    };
    Ok((ticket, listed))
}

/// Makes room for one more invitation: forgets the oldest that no longer work, and refuses
/// when [`MAX_INVITES`] are still open.
fn make_room(all: &mut Vec<InviteRecord>, now: u64) -> Result<(), PeerError> {
    while all.len() >= MAX_INVITES {
        let Some(i) = all.iter().position(|r| r.state_at(now) != InviteState::Open) else {
            return Err(PeerError::Invitation(format!(
                "{MAX_INVITES} invitations are open; cancel some (`rapport peer invites`, `rapport peer cancel ID`) first"
            )));
        };
        all.remove(i);
    }
    Ok(())
}

/// Invitations this node remembers, newest first: open ones, and used, cancelled or
/// expired ones for a week after they expired.
pub fn invitations(store: &Store) -> Result<Vec<Invitation>, PeerError> {
    let now = unix_now();
    let mut all: Vec<InviteRecord> = load_invites(store)?;
    all.retain(|r| r.expires.saturating_add(REMEMBER_SECS) > now);
    all.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.hash.cmp(&b.hash)));
    Ok(all.iter().map(|r| r.listed(now)).collect())
}

/// Cancels the open invitation `id` (as listed); its secret is refused from now on.
pub fn cancel_invitation(store: &Store, id: &str) -> Result<Invitation, PeerError> {
    let now = unix_now();
    let id = id.trim().to_ascii_lowercase();
    with_invites(store, now, |all| {
        let matching: Vec<usize> = (0..all.len()).filter(|i| !id.is_empty() && all[*i].hash.starts_with(&id)).collect();
        let i = match matching.as_slice() {
            [i] => *i,
            [] => {
                return Err(PeerError::Invitation(format!("no invitation `{id}`; `rapport peer invites` lists them")))
            }
            _ => return Err(PeerError::Invitation(format!("`{id}` names several invitations; give more of its id"))),
        };
        match all[i].state_at(now) {
            InviteState::Open => {
                all[i].state = InviteState::Cancelled;
                Ok(all[i].listed(now))
            }
            other => Err(PeerError::Invitation(format!("invitation {} is already {}", all[i].id(), other.as_str()))),
        }
    })
}

/// Why a pairing secret was refused; the text goes back to the dialer.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Refusal {
    Expired(u64),
    Cancelled,
    Used,
    Unknown,
}

impl Refusal {
    fn code(&self) -> &'static str {
        match self {
            Refusal::Expired(_) => "invitation_expired",
            Refusal::Cancelled => "invitation_cancelled",
            Refusal::Used => "invitation_used",
            Refusal::Unknown => "unauthorized",
        }
    }

    fn detail(&self) -> String {
        let again = "ask for a new ticket (`rapport peer invite`)";
        match self {
            Refusal::Expired(at) => format!("this pairing invitation expired at {}; {again}", timestamp(*at)),
            Refusal::Cancelled => format!("this pairing invitation was cancelled; {again}"),
            Refusal::Used => format!("this pairing invitation was already used; {again}"),
            Refusal::Unknown => {
                "not a paired peer of this team, and the pairing secret matches no invitation of this node".into()
            }
        }
    }
}

/// Uses the invitation whose secret is `secret` for `member`, if it is open.
fn redeem(store: &Store, secret: &[u8; 32], member: &str) -> Result<Result<(), Refusal>, PeerError> {
    let now = unix_now();
    let hash = hash_hex(secret);
    with_invites(store, now, |all| {
        let Some(r) = all.iter_mut().find(|r| r.hash == hash) else { return Ok(Err(Refusal::Unknown)) };
        Ok(match r.state_at(now) {
            InviteState::Open => {
                r.state = InviteState::Used;
                r.used_by = Some(member.chars().take(MAX_MEMBER_NAME).collect());
                Ok(())
            }
            InviteState::Expired => Err(Refusal::Expired(r.expires)),
            InviteState::Cancelled => Err(Refusal::Cancelled),
            InviteState::Used => Err(Refusal::Used),
        })
    })
}

async fn request(conn: &Connection, m: &Message) -> Result<Vec<u8>, PeerError> {
    let (mut send, mut recv) = conn.open_bi().await.map_err(net)?;
    send.write_all(&encode(m)).await.map_err(net)?;
    send.finish().map_err(net)?;
    recv.read_to_end(MAX_FRAME + 16).await.map_err(net)
}

/// Connects to a peer and says hello (with a pairing secret on the first connection).
pub async fn connect(
    store: &Store,
    ep: &Endpoint,
    peer: &PeerInfo,
    pairing: Option<[u8; 32]>,
) -> Result<Connection, PeerError> {
    let id = EndpointId::from_str(&peer.id).map_err(|e| PeerError::Ticket(format!("endpoint id: {e}")))?;
    let mut addr = EndpointAddr::new(id);
    for a in &peer.addrs {
        if let Ok(sa) = a.parse::<SocketAddr>() {
            addr = addr.with_ip_addr(sa);
        }
    }
    // Under a roster, a peer is a member of the team (its rules are checked on every sync).
    rapport_sync::PeerRules::for_peer(store, &peer.name).map_err(PeerError::Refused)?;
    let conn = ep.connect(addr, ALPN).await.map_err(net)?;
    let hello = Message::Hello { pairing, addrs: endpoint_addrs(ep), name: store.identity().member_name.clone() };
    match decode(&request(&conn, &hello).await?) {
        Ok(Message::Welcome) => Ok(conn),
        Ok(Message::Error { detail, .. }) => Err(PeerError::Refused(detail)),
        Ok(_) => Err(PeerError::Refused("unexpected answer to hello".into())),
        Err(e) => Err(PeerError::Refused(e.to_string())),
    }
}

/// Pairs with the node that made `ticket`: it is remembered as a peer on both sides.
pub async fn pair(store: &Store, ep: &Endpoint, ticket: &Ticket) -> Result<PeerInfo, PeerError> {
    let peer = PeerInfo { id: ticket.id.clone(), name: ticket.name.clone(), addrs: ticket.addrs.clone() };
    let conn = connect(store, ep, &peer, Some(ticket.secret)).await?;
    conn.close(0u32.into(), b"paired");
    save_peer(store, peer.clone())?;
    Ok(peer)
}

/// A sync transport over an open connection; calls block, so use it from a blocking
/// thread (e.g. `tokio::task::spawn_blocking`).
pub struct IrohTransport {
    conn: Connection,
    rt: tokio::runtime::Handle,
    peer: String,
    /// The member the pairing bound the peer to.
    member: String,
}

impl IrohTransport {
    /// Wraps a connection to `peer`.
    pub fn new(conn: Connection, rt: tokio::runtime::Handle, peer: &PeerInfo) -> IrohTransport {
        IrohTransport { conn, rt, peer: format!("peer:{}", peer.id), member: peer.name.clone() }
    }
}

impl Transport for IrohTransport {
    fn call(&mut self, req: &[u8]) -> Result<Vec<u8>, SyncError> {
        let conn = self.conn.clone();
        let req = req.to_vec();
        self.rt
            .block_on(async move {
                let (mut send, mut recv) = conn.open_bi().await.map_err(|e| e.to_string())?;
                send.write_all(&req).await.map_err(|e| e.to_string())?;
                send.finish().map_err(|e| e.to_string())?;
                recv.read_to_end(MAX_FRAME + 16).await.map_err(|e| e.to_string())
            })
            .map_err(|reason| SyncError::Unreachable { peer: self.peer.clone(), reason })
    }

    fn peer(&self) -> String {
        self.peer.clone()
    }

    fn paired_member(&self) -> Option<String> {
        Some(self.member.clone())
    }

    /// The same connection: each request opens its own stream, and the peer answers two
    /// of a connection's requests at once.
    fn concurrent(&self) -> Option<Box<dyn Transport>> {
        Some(Box::new(IrohTransport {
            conn: self.conn.clone(),
            rt: self.rt.clone(),
            peer: self.peer.clone(),
            member: self.member.clone(),
        }))
    }
}

/// Anything that holds the node's store (the store itself, or the node's book).
pub trait StoreHandle: Send + Sync + 'static {
    /// The store.
    fn store(&self) -> &Store;
}

impl StoreHandle for Store {
    fn store(&self) -> &Store {
        self
    }
}

/// Accepts paired peers (and peers presenting a valid pairing secret) until the endpoint
/// closes, answering their sync requests from `store`. `changed` is called after requests
/// that wrote something (e.g. to re-evaluate tags when settings changed).
pub async fn serve<H: StoreHandle>(ep: Endpoint, store: Arc<H>, changed: Arc<dyn Fn(Answered) + Send + Sync>) {
    while let Some(incoming) = ep.accept().await {
        let store = store.clone();
        let changed = changed.clone();
        tokio::spawn(async move {
            let conn = match incoming.accept() {
                Ok(a) => match a.await {
                    Ok(c) => c,
                    Err(e) => {
                        eprintln!("p2p: handshake failed: {e}");
                        return;
                    }
                },
                Err(e) => {
                    eprintln!("p2p: refused a connection: {e}");
                    return;
                }
            };
            if let Err(why) = serve_connection(&conn, &store, &changed).await {
                eprintln!("p2p: dropped connection from {}: {why}", conn.remote_id().fmt_short());
                conn.close(1u32.into(), why.as_bytes());
            }
        });
    }
}

async fn reply(send: &mut iroh::endpoint::SendStream, m: &Message) -> Result<(), String> {
    send.write_all(&encode(m)).await.map_err(|e| e.to_string())?;
    send.finish().map_err(|e| e.to_string())
}

/// Sends a refusal and waits (briefly) until the dialer has read it: the connection is
/// closed right after, which would otherwise discard the reason on the way.
async fn refuse(send: &mut iroh::endpoint::SendStream, code: &str, detail: &str) {
    let m = Message::Error { code: code.into(), detail: detail.into() };
    if reply(send, &m).await.is_ok() {
        let _ = tokio::time::timeout(Duration::from_secs(5), send.stopped()).await;
    }
}

async fn serve_connection<H: StoreHandle>(
    conn: &Connection,
    holder: &Arc<H>,
    changed: &Arc<dyn Fn(Answered) + Send + Sync>,
) -> Result<(), String> {
    let store = holder.store();
    let remote = conn.remote_id().to_string();
    // The first stream must be a Hello from a paired peer or one with a pairing secret.
    let (mut send, mut recv) = conn.accept_bi().await.map_err(|e| e.to_string())?;
    let first = recv.read_to_end(MAX_FRAME + 16).await.map_err(|e| e.to_string())?;
    let Ok(Message::Hello { pairing, addrs, name }) = decode(&first) else {
        refuse(&mut send, "bad_request", "expected hello").await;
        return Err("first request was not a hello".into());
    };
    let known = peers(store).map_err(|e| e.to_string())?.into_iter().any(|p| p.id == remote);
    let invitation = match pairing {
        Some(secret) => redeem(store, &secret, &name).map_err(|e| e.to_string())?,
        None => Err(Refusal::Unknown),
    };
    // A paired peer is known by its id, whatever secret it presents.
    if let (false, Err(refusal)) = (known, invitation) {
        let detail = refusal.detail();
        refuse(&mut send, refusal.code(), &detail).await;
        return Err(detail);
    }
    // A paired endpoint stays the member it was paired as, whatever name it gives later.
    let name = match peers(store).map_err(|e| e.to_string())?.into_iter().find(|p| p.id == remote) {
        Some(p) => p.name,
        None => name,
    };
    // Under a roster the peer is a member of the team, held to its rules on every request.
    let rules = match rapport_sync::PeerRules::for_peer(store, &name) {
        Ok(r) => r.map(Arc::new),
        Err(why) => {
            refuse(&mut send, "forbidden", &why).await;
            return Err(why);
        }
    };
    save_peer(store, PeerInfo { id: remote.clone(), name, addrs }).map_err(|e| e.to_string())?;
    reply(&mut send, &Message::Welcome).await?;
    // Up to IN_FLIGHT requests are answered at once: a pusher keeps two batches in flight
    // (`IrohTransport::concurrent`), so one batch is checked while the other is written.
    // The first failing request drops the connection (and the other with it).
    let mut running = tokio::task::JoinSet::new();
    loop {
        if running.len() >= IN_FLIGHT {
            if let Some(done) = running.join_next().await {
                done.map_err(|e| e.to_string())??;
            }
            continue;
        }
        tokio::select! {
            accepted = conn.accept_bi() => match accepted {
                Ok((send, recv)) => {
                    running.spawn(answer_request(send, recv, holder.clone(), rules.clone(), changed.clone()));
                }
                Err(_) => break,
            },
            Some(done) = running.join_next() => done.map_err(|e| e.to_string())??,
        }
    }
    while let Some(done) = running.join_next().await {
        done.map_err(|e| e.to_string())??;
    }
    Ok(())
}

/// Requests of one connection answered at once.
const IN_FLIGHT: usize = 2;

/// Reads one request from a paired peer, answers it from the store, and replies.
async fn answer_request<H: StoreHandle>(
    mut send: iroh::endpoint::SendStream,
    mut recv: iroh::endpoint::RecvStream,
    holder: Arc<H>,
    rules: Option<Arc<rapport_sync::PeerRules>>,
    changed: Arc<dyn Fn(Answered) + Send + Sync>,
) -> Result<(), String> {
    let bytes = recv.read_to_end(MAX_FRAME + 16).await.map_err(|e| format!("reading a request: {e}"))?;
    let msg = decode(&bytes).map_err(|e| format!("bad message: {e}"))?;
    let (m, done) = tokio::task::spawn_blocking(move || answer(holder.store(), msg, rules.as_deref()))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    if done.stored > 0 || done.settings_changed {
        changed(done);
    }
    reply(&mut send, &m).await
}
