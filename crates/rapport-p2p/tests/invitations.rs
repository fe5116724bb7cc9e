//! Pairing invitations over real iroh endpoints on loopback: a valid ticket pairs once; an
//! expired, a cancelled, a used and a made-up one are refused with the reason told to the
//! dialer; the node keeps only a hash of each secret, never the secret.

use rapport_p2p::*;
use rapport_store::Store;
use std::sync::Arc;
use std::time::Duration;

fn store(dir: &std::path::Path, name: &str) -> Arc<Store> {
    let s = Store::init(
        &dir.join(format!("{name}.redb")),
        name,
        rapport_node::default_settings_doc().expect("settings"),
        Vec::new(),
    )
    .expect("init");
    Arc::new(s)
}

fn loopback() -> std::net::SocketAddr {
    "127.0.0.1:0".parse().expect("addr")
}

/// An inviting node serving peers, and the invitee's endpoint.
struct Pair {
    a: Arc<Store>,
    b: Arc<Store>,
    ep_a: iroh::Endpoint,
    ep_b: iroh::Endpoint,
    server: tokio::task::JoinHandle<()>,
}

async fn nodes(tmp: &std::path::Path) -> Pair {
    let a = store(tmp, "li");
    let b = store(tmp, "wang");
    let ep_a = bind(&a, loopback(), false).await.expect("bind a");
    let ep_b = bind(&b, loopback(), false).await.expect("bind b");
    let noop: Arc<dyn Fn(rapport_sync::Answered) + Send + Sync> = Arc::new(|_| {});
    let server = tokio::spawn(serve(ep_a.clone(), a.clone(), noop));
    Pair { a, b, ep_a, ep_b, server }
}

impl Pair {
    async fn close(self) {
        self.ep_b.close().await;
        self.ep_a.close().await;
        self.server.abort();
    }
}

/// Pairing is refused, the reason reaches the dialer, and neither side remembers a peer.
async fn assert_refused(p: &Pair, ticket: &Ticket, reason: &str) {
    let r = tokio::time::timeout(Duration::from_secs(30), pair(&p.b, &p.ep_b, ticket)).await.expect("in time");
    match r {
        Err(PeerError::Refused(detail)) => assert!(detail.contains(reason), "{detail}"),
        other => panic!("expected a refusal saying {reason:?}, got {other:?}"),
    }
    assert!(peers(&p.a).expect("peers").is_empty(), "the inviter paired nobody");
    assert!(peers(&p.b).expect("peers").is_empty(), "the invitee paired nobody");
}

fn listed(s: &Store, id: &str) -> Invitation {
    invitations(s).expect("list").into_iter().find(|i| i.id == id).expect("listed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_ticket_is_refused_with_the_reason() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = nodes(tmp.path()).await;
    let (ticket, inv) = invite_for(&p.a, &p.ep_a, Duration::from_secs(1)).expect("invite");
    assert_eq!(inv.state, InviteState::Open);
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(listed(&p.a, &inv.id).state, InviteState::Expired);
    assert_refused(&p, &ticket, "expired").await;
    assert_refused(&p, &ticket, &format!("expired at {}", inv.expires)).await;
    p.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_ticket_is_refused_with_the_reason() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = nodes(tmp.path()).await;
    let (ticket, inv) = invite_for(&p.a, &p.ep_a, DEFAULT_INVITE_TTL).expect("invite");
    let cancelled = cancel_invitation(&p.a, &inv.id).expect("cancel");
    assert_eq!(cancelled.state, InviteState::Cancelled);
    assert_refused(&p, &ticket, "was cancelled").await;
    // Cancelling twice, or an unknown id, says so.
    let again = cancel_invitation(&p.a, &inv.id).expect_err("already cancelled");
    assert!(again.to_string().contains("already cancelled"), "{again}");
    let unknown = cancel_invitation(&p.a, "0123456789ab").expect_err("unknown");
    assert!(unknown.to_string().contains("no invitation `0123456789ab`"), "{unknown}");
    // Other invitations are untouched.
    let (other, _) = invite_for(&p.a, &p.ep_a, DEFAULT_INVITE_TTL).expect("invite");
    let peer = pair(&p.b, &p.ep_b, &other).await.expect("the other ticket pairs");
    assert_eq!(peer.name, "li");
    p.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_ticket_pairs_once_and_its_secret_is_never_stored() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = nodes(tmp.path()).await;
    let (ticket, inv) = invite_for(&p.a, &p.ep_a, DEFAULT_INVITE_TTL).expect("invite");
    // Valid for a day by default.
    let made = chrono::DateTime::parse_from_rfc3339(&inv.created).expect("created");
    let ends = chrono::DateTime::parse_from_rfc3339(&inv.expires).expect("expires");
    assert_eq!((ends - made).num_seconds(), 24 * 3600);
    let ticket = Ticket::decode(&ticket.encode()).expect("ticket text");

    // Neither the raw secret nor its hex is anywhere in the store file.
    let file = std::fs::read(p.a.path()).expect("read store");
    let hex: String = ticket.secret.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!file.windows(32).any(|w| w == ticket.secret), "the raw secret is in book.redb");
    assert!(!file.windows(64).any(|w| w == hex.as_bytes()), "the secret's hex is in book.redb");

    let peer = pair(&p.b, &p.ep_b, &ticket).await.expect("pair");
    assert_eq!(peer.name, "li");
    assert!(peers(&p.a).expect("peers").iter().any(|x| x.id == p.ep_b.id().to_string()));
    let used = listed(&p.a, &inv.id);
    assert_eq!((used.state, used.used_by.as_deref()), (InviteState::Used, Some("wang")));
    let e = cancel_invitation(&p.a, &inv.id).expect_err("a used invitation cannot be cancelled");
    assert!(e.to_string().contains("already used"), "{e}");

    // A third node presenting the used secret is told it was used; a made-up one is refused.
    let c = store(tmp.path(), "zhang");
    let ep_c = bind(&c, loopback(), false).await.expect("bind c");
    match pair(&c, &ep_c, &ticket).await {
        Err(PeerError::Refused(d)) => assert!(d.contains("already used"), "{d}"),
        other => panic!("a used secret must be refused: {other:?}"),
    }
    let forged = Ticket { secret: [7; 32], ..ticket.clone() };
    match pair(&c, &ep_c, &forged).await {
        Err(PeerError::Refused(d)) => assert!(d.contains("matches no invitation"), "{d}"),
        other => panic!("a made-up secret must be refused: {other:?}"),
    }
    assert!(peers(&c).expect("peers").is_empty());
    ep_c.close().await;
    p.close().await;
}

#[test]
fn validity_and_the_number_of_open_invitations_are_bounded() {
    assert_eq!(parse_ttl("24h").expect("24h"), Duration::from_secs(86_400));
    assert_eq!(parse_ttl("90s").expect("90s"), Duration::from_secs(90));
    assert_eq!(parse_ttl("30m").expect("30m"), Duration::from_secs(1_800));
    assert_eq!(parse_ttl("7d").expect("7d"), Duration::from_secs(7 * 86_400));
    assert_eq!(parse_ttl("30d").expect("30d"), MAX_INVITE_TTL);
    for bad in ["", "0s", "31d", "24", "h", "-1h", "1.5h", "24 hours", "99999999999999999999d", "1w"] {
        assert!(parse_ttl(bad).is_err(), "{bad:?} must be refused");
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt");
    rt.block_on(async {
        let tmp = tempfile::tempdir().expect("tmp");
        let a = store(tmp.path(), "li");
        let ep = bind(&a, loopback(), false).await.expect("bind");
        assert!(invite_for(&a, &ep, Duration::ZERO).is_err());
        assert!(invite_for(&a, &ep, MAX_INVITE_TTL + Duration::from_secs(1)).is_err());
        let mut ids = Vec::new();
        for _ in 0..MAX_INVITES {
            ids.push(invite_for(&a, &ep, DEFAULT_INVITE_TTL).expect("invite").1.id);
        }
        let full = invite_for(&a, &ep, DEFAULT_INVITE_TTL).expect_err("too many open");
        assert!(full.to_string().contains("cancel some"), "{full}");
        // A cancelled one makes room.
        cancel_invitation(&a, &ids[0]).expect("cancel");
        invite_for(&a, &ep, DEFAULT_INVITE_TTL).expect("room again");
        assert_eq!(invitations(&a).expect("list").len(), MAX_INVITES);
        ep.close().await;
    });
}
