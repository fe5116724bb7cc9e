//! Peer-to-peer sync between Rapport nodes over iroh.
//!
//! Each node has an iroh endpoint (its key is kept in the store, so the endpoint id is
//! stable) that accepts only the `rapport/sync/1` ALPN. `rapport peer invite` makes a
//! ticket: the endpoint id, its direct addresses and a one-time pairing secret. The other
//! member's node adds the ticket, connects, and presents the secret in its `Hello`; from
//! then on each node knows the other by endpoint id, and connections from any endpoint
//! that is not paired are refused. On a connection every request is one bidirectional
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
use std::sync::Arc;

/// The application protocol spoken on connections.
pub const ALPN: &[u8] = b"rapport/sync/1";
const KEY_SECRET: &str = "p2p.secret_key";
const KEY_PEERS: &str = "p2p.peers";
const KEY_INVITES: &str = "p2p.invites";

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
        format!("rapport1{}", json.iter().map(|b| format!("{b:02x}")).collect::<String>())
    }

    /// Reads a ticket.
    pub fn decode(text: &str) -> Result<Ticket, PeerError> {
        let hex = text
            .trim()
            .strip_prefix("rapport1")
            .ok_or_else(|| PeerError::Ticket("does not start with `rapport1`".into()))?;
        if hex.len() % 2 != 0 || hex.len() > 8192 {
            return Err(PeerError::Ticket("has a wrong length".into()));
        }
        let bytes: Result<Vec<u8>, _> =
            (0..hex.len() / 2).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)).collect();
        let bytes = bytes.map_err(|_| PeerError::Ticket("is not hex".into()))?;
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

/// Makes a pairing ticket for this endpoint; the secret works once.
pub fn invite(store: &Store, ep: &Endpoint) -> Result<Ticket, PeerError> {
    let mut secret = [0u8; 32];
    let seed = format!("{}{:?}{}", ep.id(), std::time::SystemTime::now(), std::process::id());
    secret.copy_from_slice(blake3::hash(&[seed.as_bytes(), &secret_key(store)?.to_bytes()].concat()).as_bytes());
    let mut invites: Vec<[u8; 32]> =
        store.node_meta(KEY_INVITES)?.and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    invites.push(*blake3::hash(&secret).as_bytes());
    store.set_node_meta(KEY_INVITES, &serde_json::to_vec(&invites).unwrap_or_default())?;
    Ok(Ticket {
        id: ep.id().to_string(),
        name: store.identity().member_name.clone(),
        addrs: endpoint_addrs(ep),
        secret,
    })
}

fn take_invite(store: &Store, secret: &[u8; 32]) -> Result<bool, PeerError> {
    let mut invites: Vec<[u8; 32]> =
        store.node_meta(KEY_INVITES)?.and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    let h = *blake3::hash(secret).as_bytes();
    let before = invites.len();
    invites.retain(|x| *x != h);
    if invites.len() == before {
        return Ok(false);
    }
    store.set_node_meta(KEY_INVITES, &serde_json::to_vec(&invites).unwrap_or_default())?;
    Ok(true)
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
}

impl IrohTransport {
    /// Wraps a connection to `peer`.
    pub fn new(conn: Connection, rt: tokio::runtime::Handle, peer: &PeerInfo) -> IrohTransport {
        IrohTransport { conn, rt, peer: format!("peer:{}", peer.id) }
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
        let _ = reply(&mut send, &Message::Error { code: "bad_request".into(), detail: "expected hello".into() }).await;
        return Err("first request was not a hello".into());
    };
    let known = peers(store).map_err(|e| e.to_string())?.into_iter().any(|p| p.id == remote);
    let paired_now = match pairing {
        Some(secret) => take_invite(store, &secret).map_err(|e| e.to_string())?,
        None => false,
    };
    if !known && !paired_now {
        let _ = reply(
            &mut send,
            &Message::Error { code: "unauthorized".into(), detail: "not a paired peer of this team".into() },
        )
        .await;
        return Err("not a paired peer".into());
    }
    save_peer(store, PeerInfo { id: remote.clone(), name, addrs }).map_err(|e| e.to_string())?;
    reply(&mut send, &Message::Welcome).await?;
    loop {
        let (mut send, mut recv) = match conn.accept_bi().await {
            Ok(s) => s,
            Err(_) => return Ok(()),
        };
        let bytes = recv.read_to_end(MAX_FRAME + 16).await.map_err(|e| format!("reading a request: {e}"))?;
        let msg = decode(&bytes).map_err(|e| format!("bad message: {e}"))?;
        let h = holder.clone();
        let (m, done) = tokio::task::spawn_blocking(move || answer(h.store(), msg))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        if done.stored > 0 || done.settings_changed {
            changed(done);
        }
        reply(&mut send, &m).await?;
    }
}
