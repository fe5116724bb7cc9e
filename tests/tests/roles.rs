//! Roles enforced where the data moves (issue 14): an adversarial client that writes
//! Automerge changes directly and pushes them at a real relay, and members with different
//! roles on real nodes.

mod common;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use common::*;
use rapport_model::*;
use rapport_node::LocalBook;
use rapport_store::StoreError;
use rapport_sync::{
    ask_roster, decode, encode, DocChanges, DocHeads, DocResult, HttpTransport, Message, SyncError, Transport,
};

/// The team: an admin who creates the book, two sales reps and a manager in group north,
/// a sales rep in group south, and customer service.
struct Team {
    relay: Relay,
    tokens: std::collections::BTreeMap<&'static str, String>,
}

const MEMBERS: [(&str, &str, &str); 6] = [
    ("Chen Jie", "admin", ""),
    ("Li Wei", "sales-rep", "north"),
    ("王小明", "sales-rep", "north"),
    ("Zhang Min", "manager", "north"),
    ("Zhao Lei", "sales-rep", "south"),
    ("Wang Fang", "customer-service", ""),
];

fn team(dir: &std::path::Path) -> Team {
    let relay = Relay::start(&dir.join("relay"));
    relay.admin(&["team", "create", "east"]);
    let mut tokens = std::collections::BTreeMap::new();
    for (name, role, group) in MEMBERS {
        let mut args = vec!["member", "add", "east", name, "--role", role];
        if !group.is_empty() {
            args.extend(["--group", group]);
        }
        tokens.insert(name, relay.admin(&args));
    }
    Team { relay, tokens }
}

impl Team {
    fn transport(&self, member: &str) -> HttpTransport {
        HttpTransport::new(&self.relay.url, &self.tokens[member])
    }

    /// A raw client of `member`: tells the relay it writes as `id` (bound at the member's
    /// first contact) and returns the actor its changes carry.
    fn raw(&self, member: &str, id: u8) -> (HttpTransport, ActorId) {
        let mut t = self.transport(member);
        let (view, _, _) = ask_roster(&mut t, Some([id; 16]), [id; 8]).expect("roster");
        assert_eq!(view.you.id.map(|i| i.0), Some([id; 16]), "the relay binds the id the member writes as");
        let mut actor = vec![id; 16];
        actor.extend([id; 8]);
        (t, ActorId::from(actor))
    }
}

/// One change to `bytes` (a whole document) written by `actor`: the change bytes only.
fn change(bytes: &[u8], actor: &ActorId, edit: impl FnOnce(&mut AutoCommit)) -> Vec<u8> {
    let mut doc = AutoCommit::load(bytes).expect("load").with_actor(actor.clone());
    let heads = doc.get_heads();
    edit(&mut doc);
    doc.commit_with(CommitOptions::default().with_message("{\"by\":\"tool\",\"what\":\"edit\"}"));
    doc.save_after(&heads)
}

fn push(t: &mut HttpTransport, id: CustomerId, bytes: Vec<u8>) -> DocResult {
    let m = Message::Push { docs: vec![DocChanges { id: id.0, bytes }] };
    match decode(&t.call(&encode(&m)).expect("answered")).expect("frame") {
        Message::Pushed { results } => results.into_iter().next().expect("one result"),
        other => panic!("expected Pushed, got {other:?}"),
    }
}

fn refused(r: DocResult) -> String {
    match r {
        DocResult::Refused { reason, .. } => reason,
        DocResult::Stored(_) => panic!("the forbidden change was stored"),
    }
}

/// What `t` gets for `ids`: the documents the relay sends it.
fn fetch(t: &mut HttpTransport, ids: &[CustomerId]) -> Vec<DocChanges> {
    let docs = ids.iter().map(|id| DocHeads { id: id.0, heads: Vec::new() }).collect();
    match decode(&t.call(&encode(&Message::Fetch { docs })).expect("answered")).expect("frame") {
        Message::Docs { docs } => docs,
        other => panic!("expected Docs, got {other:?}"),
    }
}

fn listed(t: &mut HttpTransport) -> (Vec<[u8; 16]>, Vec<[u8; 16]>) {
    match decode(&t.call(&encode(&Message::Changes { since: 0, limit: 10_000 })).expect("answered")).expect("frame") {
        Message::Changed { docs, gone, .. } => (docs.into_iter().map(|d| d.id).collect(), gone),
        other => panic!("expected Changed, got {other:?}"),
    }
}

fn text_obj(doc: &AutoCommit, key: &str) -> automerge::ObjId {
    match doc.get(ROOT, key) {
        Ok(Some((Value::Object(ObjType::Text), id))) => id,
        other => panic!("`{key}`: {other:?}"),
    }
}

fn map_obj(doc: &AutoCommit, key: &str) -> automerge::ObjId {
    match doc.get(ROOT, key) {
        Ok(Some((Value::Object(ObjType::Map), id))) => id,
        other => panic!("`{key}`: {other:?}"),
    }
}

fn customer_of(owner: &str, name: &str) -> NewCustomer {
    NewCustomer { owner: Some(owner.into()), ..company(name) }
}

/// The admin's node with the book: a customer of each rep, one won with a deal.
struct Book {
    admin: LocalBook,
    li: CustomerId,
    wang: CustomerId,
    zhao: CustomerId,
    won: CustomerId,
}

fn book(dir: &std::path::Path, t: &Team) -> Book {
    let admin = node(dir, "Chen Jie");
    sync(&admin, &t.relay.url, &t.tokens["Chen Jie"]);
    let li = admin.add_customer(&customer_of("Li Wei", "上海精密机械有限公司")).expect("add").id;
    let wang = admin.add_customer(&customer_of("王小明", "杭州五金制品有限公司")).expect("add").id;
    let zhao = admin.add_customer(&customer_of("Zhao Lei", "广州电子科技有限公司")).expect("add").id;
    let won = admin
        .add_customer(&NewCustomer {
            stage: Some(Stage::Won),
            deal: Some(Deal {
                amount: Money::parse("deal", "120000").expect("money"),
                date: at("2026-03-01 00:00").date(),
                contract_no: "HT-2026-001".into(),
            }),
            ..customer_of("Li Wei", "苏州纺织有限公司")
        })
        .expect("add won")
        .id;
    let r = sync(&admin, &t.relay.url, &t.tokens["Chen Jie"]);
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    assert_eq!(r.sent, 4);
    // The relay lists the device each member synced from, and when.
    let device = admin.store.identity().device_id.clone();
    let list = t.relay.admin(&["member", "list", "east"]);
    let line = list.lines().find(|l| l.starts_with("Chen Jie\t")).expect("the admin is listed");
    assert!(line.contains(&format!("{device} last synced 20")), "{line}");
    Book { admin, li, wang, zhao, won }
}

fn whole(b: &Book, id: CustomerId) -> Vec<u8> {
    b.admin.store.stored_bytes(id).expect("bytes").0
}

/// The relay's heads of every customer, as the admin (who reads all) sees them.
fn relay_heads(t: &Team) -> Vec<DocHeads> {
    let mut admin = t.transport("Chen Jie");
    match decode(&admin.call(&encode(&Message::Changes { since: 0, limit: 10_000 })).expect("answered")).expect("frame")
    {
        Message::Changed { mut docs, .. } => {
            docs.sort_by_key(|d| d.id);
            docs
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_adversarial_client_is_refused_everything_its_role_forbids_and_nothing_changes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let t = team(tmp.path());
    let b = book(tmp.path(), &t);
    let before = relay_heads(&t);

    // A sales rep editing a customer they do not own.
    let (mut li, li_actor) = t.raw("Li Wei", 0xA1);
    let edit = change(&whole(&b, b.zhao), &li_actor, |d| {
        let notes = text_obj(d, "notes");
        d.splice_text(&notes, 0, 0, "mine now").expect("splice");
    });
    let why = refused(push(&mut li, b.zhao, edit));
    assert!(why.contains("your role (sales rep) cannot edit this customer's record"), "{why}");

    // A deal change by customer service.
    let (mut cs, cs_actor) = t.raw("Wang Fang", 0xC5);
    let edit = change(&whole(&b, b.won), &cs_actor, |d| {
        let deal = map_obj(d, "deal");
        d.put(&deal, "amount_fen", ScalarValue::Int(1)).expect("put");
    });
    let why = refused(push(&mut cs, b.won, edit));
    assert!(why.contains("your role (customer service) cannot change deal amounts"), "{why}");
    // Customer service may add a service record everywhere: the same client, an allowed edit.
    let allowed = change(&whole(&b, b.zhao), &cs_actor, |d| {
        let custom = map_obj(d, "custom");
        d.put(&custom, "回访", "已回访").expect("put");
    });
    assert!(matches!(push(&mut cs, b.zhao, allowed), DocResult::Stored(_)), "customer service edits a record");

    // Archiving by a sales rep, of their own customer.
    let edit = change(&whole(&b, b.li), &li_actor, |d| {
        d.put(ROOT, "archived", true).expect("put");
    });
    let why = refused(push(&mut li, b.li, edit));
    assert!(why.contains("cannot archive or restore customers"), "{why}");

    // A change carrying another member's actor (王小明's id), on Li Wei's own customer.
    let (_wang_t, wang_actor) = t.raw("王小明", 0xB2);
    let forged = change(&whole(&b, b.li), &wang_actor, |d| {
        let notes = text_obj(d, "notes");
        d.splice_text(&notes, 0, 0, "forged").expect("splice");
    });
    let why = refused(push(&mut li, b.li, forged));
    assert!(why.contains("written as another member"), "{why}");

    // A rules change by a manager (not an admin).
    let (mut boss, boss_actor) = t.raw("Zhang Min", 0xD4);
    let settings = b.admin.store.settings_doc().expect("settings").save();
    let rules = change(&settings, &boss_actor, |d| {
        let rules = map_obj(d, "rules");
        let r = d.put_object(&rules, "boss-rule", ObjType::Map).expect("rule");
        d.put(&r, "tag", "VIP").expect("put");
        d.put(&r, "when", "amount_total > 1").expect("put");
        d.put(&r, "enabled", true).expect("put");
        d.put(&r, "position", 99i64).expect("put");
    });
    let m = Message::Push { docs: vec![DocChanges { id: rapport_sync::SETTINGS_ID, bytes: rules }] };
    let r = match decode(&boss.call(&encode(&m)).expect("answered")).expect("frame") {
        Message::Pushed { results } => results.into_iter().next().expect("result"),
        other => panic!("{other:?}"),
    };
    let why = refused(r);
    assert!(why.contains("your role (manager) cannot change tag rules"), "{why}");

    // Fetching a document outside the member's scope by its id returns nothing, and the
    // log lists only the member's own customers.
    assert!(fetch(&mut li, &[b.zhao, b.wang]).is_empty(), "a rep fetches no one else's customer");
    assert_eq!(fetch(&mut li, &[b.li]).len(), 1);
    let (mine, gone) = listed(&mut li);
    let mut want = vec![rapport_sync::SETTINGS_ID, b.li.0, b.won.0];
    want.sort();
    let mut mine = mine;
    mine.sort();
    assert_eq!((mine, gone), (want, vec![]));
    assert!(fetch(&mut boss, &[b.zhao]).is_empty(), "the south group's customer is not the north manager's");
    assert_eq!(fetch(&mut boss, &[b.li, b.wang]).len(), 2);

    // Nothing refused was stored: only customer service's allowed edit changed a document.
    let after = relay_heads(&t);
    for (x, y) in before.iter().zip(&after) {
        assert_eq!(x.id, y.id);
        if x.id == b.zhao.0 {
            assert_ne!(x.heads, y.heads, "the allowed edit went through");
        } else {
            assert_eq!(x.heads, y.heads, "a refused push changed {:?}", x.id);
        }
    }
    // And the other members are unaffected: the admin syncs, receives the one allowed edit.
    let r = sync(&b.admin, &t.relay.url, &t.tokens["Chen Jie"]);
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    assert_eq!(r.received_merged, 1);
    assert!(b.admin.customer(&b.zhao.to_hex()).expect("zhao").customer.custom.contains_key("回访"));
}

#[test]
fn members_with_different_roles_end_with_their_read_scope_and_agree_on_what_they_share() {
    let tmp = tempfile::tempdir().expect("tmp");
    let t = team(tmp.path());
    let b = book(tmp.path(), &t);
    let rep = node(tmp.path(), "li-node");
    let cs = node(tmp.path(), "cs-node");
    let boss = node(tmp.path(), "boss-node");
    for (n, who) in [(&rep, "Li Wei"), (&cs, "Wang Fang"), (&boss, "Zhang Min")] {
        let r = sync(n, &t.relay.url, &t.tokens[who]);
        assert!(r.refused.is_empty(), "{who}: {:?}", r.refused);
        assert_eq!(n.store.identity().member_name, who, "the node writes as the token's member");
    }
    let ids = |n: &LocalBook| {
        let mut v: Vec<CustomerId> = n.store.owned_by(|_| true).expect("ids");
        v.sort();
        v
    };
    let sorted = |mut v: Vec<CustomerId>| {
        v.sort();
        v
    };
    assert_eq!(ids(&rep), sorted(vec![b.li, b.won]), "a rep holds their own customers");
    assert_eq!(ids(&boss), sorted(vec![b.li, b.won, b.wang]), "the manager holds the north group's");
    assert_eq!(ids(&cs), sorted(vec![b.li, b.won, b.wang, b.zhao]), "customer service holds every customer");
    for id in ids(&rep) {
        let h = b.admin.store.heads_of(id).expect("heads");
        for n in [&rep, &cs, &boss] {
            assert_eq!(n.store.heads_of(id).expect("heads"), h, "every holder agrees");
        }
    }

    // The node refuses forbidden edits before they are made, naming the rule.
    let archive = rep.set_archived(&b.li.to_hex(), true, Some("done".into()));
    match archive {
        Err(StoreError::Forbidden(why)) => assert_eq!(why, "your role (sales rep) cannot archive or restore customers"),
        other => panic!("archived by a rep: {other:?}"),
    }
    let deal = CustomerPatch {
        deal: Some(Deal {
            amount: Money::parse("deal", "1").expect("money"),
            date: at("2026-03-01 00:00").date(),
            contract_no: "HT-X".into(),
        }),
        ..Default::default()
    };
    assert!(
        matches!(cs.patch_customer(&b.won.to_hex(), &deal, None), Err(StoreError::Forbidden(w)) if w.contains("deal"))
    );
    let south = CustomerPatch { owner: Some("Zhao Lei".into()), ..Default::default() };
    assert!(matches!(boss.patch_customer(&b.li.to_hex(), &south, None), Err(StoreError::Forbidden(_))));
    let nobody = CustomerPatch { owner: Some("Nobody".into()), ..Default::default() };
    match b.admin.patch_customer(&b.li.to_hex(), &nobody, None) {
        Err(StoreError::Invalid(v)) => {
            assert!(v.to_string().contains("owner") && v.to_string().contains("not a member"))
        }
        other => panic!("{other:?}"),
    }
    // Allowed edits go through and reach the others.
    let note = NewInteraction { summary: "回访".into(), channel: Some(Channel::Phone), ..Default::default() };
    cs.add_interaction(&b.zhao.to_hex(), &note).expect("customer service adds a follow-up");
    let within = CustomerPatch { owner: Some("王小明".into()), ..Default::default() };
    boss.patch_customer(&b.li.to_hex(), &within, None).expect("the manager reassigns within the group");
    for (n, who) in [(&cs, "Wang Fang"), (&boss, "Zhang Min")] {
        let r = sync(n, &t.relay.url, &t.tokens[who]);
        assert!(r.refused.is_empty(), "{who}: {:?}", r.refused);
    }
    // The rep's customer went to 王小明: it leaves the rep's node.
    let r = sync(&rep, &t.relay.url, &t.tokens["Li Wei"]);
    assert_eq!(r.removed, 1, "{r:?}");
    assert_eq!(ids(&rep), vec![b.won]);
    assert!(matches!(rep.customer(&b.li.to_hex()), Err(StoreError::NotFound(_))));
    assert!(rep.list(&rapport_store::Filter::default()).expect("list").iter().all(|r| r.id != b.li));
}

#[test]
fn revoking_a_member_reassigns_their_customers_and_wipes_their_device() {
    let tmp = tempfile::tempdir().expect("tmp");
    let t = team(tmp.path());
    let b = book(tmp.path(), &t);
    let wang = node(tmp.path(), "wang-node");
    let li = node(tmp.path(), "li-node");
    sync(&wang, &t.relay.url, &t.tokens["王小明"]);
    sync(&li, &t.relay.url, &t.tokens["Li Wei"]);
    assert_eq!(wang.store.owned_by(|_| true).expect("ids"), vec![b.wang]);
    let out = t.relay.admin(&["member", "revoke", "east", "王小明", "--reassign-to", "Li Wei"]);
    assert!(out.contains("1 customer(s) reassigned to Li Wei"), "{out}");
    // The revoked token is refused, and the device removes the team's data.
    let e = rapport_sync::sync_once(&wang.store, &mut t.transport("王小明")).expect_err("revoked");
    assert!(matches!(&e, SyncError::Revoked(why) if why.contains("王小明")), "{e}");
    assert!(wang.store.owned_by(|_| true).expect("ids").is_empty(), "the revoked device holds no customer");
    let team = rapport_node::Team::of(&wang.store).expect("team");
    assert!(team.revoked.is_some());
    // The new owner receives the customer at their next sync.
    let r = sync(&li, &t.relay.url, &t.tokens["Li Wei"]);
    assert_eq!(r.received_new, 1, "{r:?}");
    assert_eq!(li.customer(&b.wang.to_hex()).expect("reassigned").customer.owner, "Li Wei");
}

#[test]
fn a_change_refused_after_a_role_change_is_reported_then_discarded_with_its_export() {
    let tmp = tempfile::tempdir().expect("tmp");
    let t = team(tmp.path());
    let b = book(tmp.path(), &t);
    let cs = node(tmp.path(), "cs-node");
    sync(&cs, &t.relay.url, &t.tokens["Wang Fang"]);
    // Offline, customer service edits Zhao Lei's customer; meanwhile the admin makes them a
    // sales rep (who may not edit others' customers).
    let patch = CustomerPatch { notes: Some("客户要求下周回电".into()), ..Default::default() };
    cs.patch_customer(&b.zhao.to_hex(), &patch, None).expect("allowed while customer service");
    t.relay.admin(&["member", "set-role", "east", "Wang Fang", "--role", "sales-rep"]);
    // The next sync runs in a node, as `rapport sync` runs it.
    let dir = tmp.path().join("cs-data");
    std::fs::create_dir_all(&dir).expect("dir");
    let out = dir.join("discarded.json");
    drop(cs);
    let store = rapport_store::Store::open(&tmp.path().join("cs-node.redb")).expect("open");
    let relay = rapport_node::RelayConfig { url: t.relay.url.clone(), token: t.tokens["Wang Fang"].clone() };
    rapport_node::save_relay(&dir, &relay).expect("relay");
    let (book, _) = LocalBook::open(store, rapport_node::Clock::Fixed(at("2026-03-03 09:00"))).expect("book");
    let book = std::sync::Arc::new(book);
    let node = rapport_node::Node::new(book.clone(), &dir).expect("node");
    let ctl = rapport_node::LocalNode::new(node).expect("local node");
    use rapport_node::NodeControl;
    let outcome = ctl.sync(false).expect("sync").remove(0);
    let r = outcome.report.expect("synced");
    let refusal = r.refused.iter().find(|x| x.customer == b.zhao.to_hex()).expect("the edit is refused, not lost");
    assert!(refusal.reason.contains("sales rep"), "{}", refusal.reason);
    assert!(book.customer(&b.zhao.to_hex()).is_ok(), "kept while its changes are not sent");
    // Out of scope now, except the one holding unsent changes.
    assert_eq!(book.store.owned_by(|_| true).expect("ids"), vec![b.zhao]);
    let st = ctl.sync_status().expect("status");
    assert!(st.peers.iter().any(|l| l.status.refused.iter().any(|x| x.customer == b.zhao.to_hex())));
    // Discard, as `rapport sync discard NUMBER --out FILE` does.
    let d = ctl.discard(&b.zhao.to_hex(), Some(out.clone())).expect("discard");
    assert!(!d.reset, "the relay sends a sales rep no one else's customer: removed here");
    assert!(d.changes >= 1);
    let written = std::fs::read_to_string(&out).expect("file");
    assert!(written.contains("客户要求下周回电"), "the discarded change is in the file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).expect("meta").permissions().mode() & 0o777, 0o600);
    }
    let st = ctl.sync_status().expect("status");
    assert!(st.peers.iter().all(|l| l.status.refused.is_empty()), "nothing is listed as stuck any more");
}

/// Peer to peer under roles: a sales rep pairs with the admin; the admin's node lists and
/// sends the rep only the rep's customers, refuses a forbidden change from the rep's
/// (tampered) node naming the rule, refuses a third member's change the rep carries, and
/// keeps the rep's allowed edit.
#[test]
fn paired_nodes_hold_each_other_to_the_roster() {
    let tmp = tempfile::tempdir().expect("tmp");
    let t = team(tmp.path());
    let Book { admin, li, zhao, won, .. } = book(tmp.path(), &t);
    let rep = node(tmp.path(), "li-node");
    sync(&rep, &t.relay.url, &t.tokens["Li Wei"]);
    // The admin's node learns the id Li Wei writes as from the roster at its next sync.
    sync(&admin, &t.relay.url, &t.tokens["Chen Jie"]);
    struct Held(LocalBook);
    impl rapport_p2p::StoreHandle for Held {
        fn store(&self) -> &rapport_store::Store {
            &self.0.store
        }
    }
    let admin = std::sync::Arc::new(Held(admin));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let loopback: std::net::SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let (ep_admin, ep_rep) = rt.block_on(async {
        (
            rapport_p2p::bind(&admin.0.store, loopback, false).await.expect("bind"),
            rapport_p2p::bind(&rep.store, loopback, false).await.expect("bind"),
        )
    });
    let noop: std::sync::Arc<dyn Fn(rapport_sync::Answered) + Send + Sync> = std::sync::Arc::new(|_| {});
    let server = rt.spawn(rapport_p2p::serve(ep_admin.clone(), admin.clone(), noop));
    let ticket = rapport_p2p::invite(&admin.0.store, &ep_admin).expect("invite");
    let peer = rt.block_on(rapport_p2p::pair(&rep.store, &ep_rep, &ticket)).expect("a rep pairs with an admin");
    let direct = || {
        let conn = rt.block_on(rapport_p2p::connect(&rep.store, &ep_rep, &peer, None)).expect("connect");
        rapport_sync::sync_once(&rep.store, &mut rapport_p2p::IrohTransport::new(conn, rt.handle().clone(), &peer))
            .expect("direct sync")
    };
    let r = direct();
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    let mut held: Vec<CustomerId> = rep.store.owned_by(|_| true).expect("ids");
    held.sort();
    let mut mine = vec![li, won];
    mine.sort();
    assert_eq!(held, mine, "the admin's node sends a rep only the rep's customers");

    // A tampered node (its own checks removed) archives; the admin's node refuses it.
    rep.store.set_guard(std::sync::Arc::new(rapport_store::Unguarded));
    let before = admin.0.store.heads_of(li).expect("heads");
    rep.set_archived(&li.to_hex(), true, Some("mine".into())).expect("archived locally");
    let r = direct();
    let refusal = r.refused.iter().find(|x| x.customer == li.to_hex()).expect("refused by the admin's node");
    assert!(refusal.reason.contains("cannot archive or restore customers"), "{}", refusal.reason);
    assert_eq!(admin.0.store.heads_of(li).expect("heads"), before, "nothing of it was kept");

    // An allowed edit goes through.
    let f = NewInteraction { summary: "电话回访".into(), channel: Some(Channel::Phone), ..Default::default() };
    rep.add_interaction(&won.to_hex(), &f).expect("follow-up");
    let r = direct();
    assert!(!r.refused.iter().any(|x| x.customer == won.to_hex()), "{:?}", r.refused);
    assert_eq!(admin.0.store.heads_of(won).expect("heads"), rep.store.heads_of(won).expect("heads"));

    // Asked directly, as the admin's node answers the rep: nothing outside the rep's scope,
    // and no change by a third member.
    let rules = rapport_sync::PeerRules::for_peer(&admin.0.store, "Li Wei").expect("rules").expect("a roster");
    let (answer, _) = rapport_sync::answer(
        &admin.0.store,
        Message::Fetch { docs: vec![DocHeads { id: zhao.0, heads: Vec::new() }] },
        Some(&rules),
    )
    .expect("answered");
    assert!(matches!(answer, Message::Docs { ref docs } if docs.is_empty()), "{answer:?}");
    let third = ActorId::from([[0x77u8; 16].as_slice(), &[1u8; 8]].concat());
    let bytes = admin.0.store.stored_bytes(won).expect("bytes").0;
    let forged = change(&bytes, &third, |d| {
        let custom = map_obj(d, "custom");
        d.put(&custom, "x", "y").expect("put");
    });
    let (answer, _) = rapport_sync::answer(
        &admin.0.store,
        Message::Push { docs: vec![DocChanges { id: won.0, bytes: forged }] },
        Some(&rules),
    )
    .expect("answered");
    let Message::Pushed { results } = answer else { panic!("{answer:?}") };
    assert!(refused(results.into_iter().next().expect("result")).contains("third member"));
    // A rules change by the rep (written as the rep: the authorship holds, the role does not).
    let rep_actor = rep.store.identity().actor();
    let settings = admin.0.store.settings_doc().expect("settings").save();
    let rules_change = change(&settings, &rep_actor, |d| {
        let rules = map_obj(d, "rules");
        let r = d.put_object(&rules, "rep-rule", ObjType::Map).expect("rule");
        d.put(&r, "tag", "VIP").expect("put");
        d.put(&r, "when", "amount_total > 1").expect("put");
        d.put(&r, "enabled", true).expect("put");
        d.put(&r, "position", 99i64).expect("put");
    });
    let (answer, _) = rapport_sync::answer(
        &admin.0.store,
        Message::Push { docs: vec![DocChanges { id: rapport_sync::SETTINGS_ID, bytes: rules_change }] },
        Some(&rules),
    )
    .expect("answered");
    let Message::Pushed { results } = answer else { panic!("{answer:?}") };
    let why = refused(results.into_iter().next().expect("result"));
    assert!(why.contains("your role (sales rep) cannot change tag rules"), "{why}");
    server.abort();
}
