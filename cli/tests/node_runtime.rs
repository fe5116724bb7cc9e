//! The node runtime as real processes: with `rapport serve` running, the node commands
//! (relay set, sync, sync status, peer invite/add/list/invites, demo, doctor, reindex,
//! import, export) go through it; pairing runs inside the node while other commands are
//! answered; `demo` refuses a book that syncs with a team; `relay set` checks the URL and
//! token with the relay at once and explains a refusal in words. A real relay, real nodes,
//! all on loopback.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::*;

#[test]
fn every_node_command_works_through_a_running_node() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(tmp.path());
    let (ta, tb) = (relay.member("Li Wei"), relay.member("Wang Fang"));
    // C pairs with A directly; under roles a peer is a member of the team whose id the
    // relay has bound (its first sync), held to its role (docs/permissions.md).
    let tc = relay.member("Zhang Min");
    let (a, b, c) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("c"));
    ok(&a, &["init", "--name", "Li Wei"]);
    ok(&b, &["init", "--name", "Wang Fang"]);
    ok(&b, &["relay", "set", &relay.url, &tb]);
    ok(&c, &["init", "--name", "Zhang Min"]);
    let _node = serve(&a);
    assert_held(&a);

    // demo goes through the node while the book has no team yet.
    let demo: serde_json::Value =
        serde_json::from_str(&ok(&a, &["--json", "demo", "--customers", "12", "--seed", "5"])).expect("demo json");
    assert_eq!(demo["created"], 12);
    // relay set takes effect at once in the running node: no restart, and its background
    // sync pushes the book (the sync interval is an hour: only the relay change wakes it).
    assert!(ok(&a, &["relay", "set", &relay.url, &ta]).contains(&relay.url));
    eventually("B receives A's 12 customers without A running sync", || {
        ok(&b, &["sync"]);
        ok(&b, &["--json", "list"]).contains("\"total\": 12")
    });
    ok(&c, &["relay", "set", &relay.url, &tc]);
    ok(&c, &["sync"]);
    // sync and sync status through the node (A's roster now knows C's id).
    let synced: serde_json::Value = serde_json::from_str(&ok(&a, &["--json", "sync"])).expect("sync json");
    assert!(synced.get(format!("relay:{}", relay.url)).is_some(), "{synced}");
    let status: serde_json::Value = serde_json::from_str(&ok(&a, &["--json", "sync", "status"])).expect("status json");
    assert_eq!(status["relay"], relay.url.as_str());
    assert_eq!(status["peers"][0]["in_step"], true, "{status}");
    assert!(ok(&a, &["sync", "status"]).contains("in step       yes"));

    // Pairing runs inside the node: while `peer invite` waits, other commands work.
    let mut invite = command(&a, &["peer", "invite", "--listen", "127.0.0.1:0", "--wait", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("invite");
    let mut ticket = String::new();
    BufReader::new(invite.stdout.take().expect("stdout")).read_line(&mut ticket).expect("ticket line");
    let ticket = ticket.trim().to_string();
    assert!(!ticket.is_empty(), "peer invite printed a ticket");
    let invite = Proc(invite);
    assert!(ok(&a, &["--json", "list", "--limit", "1"]).contains("\"total\": 12"), "list during peer invite");
    assert!(ok(&a, &["peer", "invites"]).contains("open"), "peer invites during peer invite");
    // The teammate pairs; the inviting command hears of it and ends.
    let added = ok(&c, &["peer", "add", &ticket]);
    assert!(added.contains("paired with Li Wei"), "{added}");
    let mut invite = invite;
    let out = invite.0.wait_with_output_timeout();
    assert!(out.contains("paired with Zhang Min"), "peer invite reports the pairing: {out}");
    // peer list through the node, and C received the book over the peer link.
    assert!(ok(&a, &["peer", "list"]).contains("Zhang Min"));
    assert!(ok(&c, &["--json", "list"]).contains("\"total\": 12"));
    // peer add through a running node: C serves, A's book pairs from a ticket C makes.
    let peers: serde_json::Value = serde_json::from_str(&ok(&a, &["--json", "peer", "list"])).expect("peers json");
    assert_eq!(peers.as_array().map(Vec::len), Some(1));

    // Maintenance and exchange through the node.
    assert!(ok(&a, &["doctor"]).contains("0 problem(s)"));
    assert!(ok(&a, &["reindex"]).contains("reindexed 12 customers"));
    let sheet = tmp.path().join("sheet.csv");
    std::fs::write(&sheet, "客户名称,所属行业,客户来源\n杭州节点运行时软件有限公司,I,转介绍\n").expect("sheet");
    ok(&a, &["import", sheet.to_str().expect("utf-8 path")]);
    assert!(ok(&a, &["export", "--fields", "number,name"]).contains("杭州节点运行时软件有限公司"));
    // Sample data no longer goes in: the book now syncs with a team.
    let why = refused(&a, &["demo", "--customers", "3"]);
    assert!(why.contains("syncs with the relay"), "{why}");
    assert_held(&a);
}

/// `peer add` through a running node: the pairing and the first sync run inside it.
#[test]
fn peer_add_runs_inside_a_running_node() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (a, c) = (tmp.path().join("a"), tmp.path().join("c"));
    ok(&a, &["init", "--name", "Li Wei"]);
    ok(&c, &["demo", "--customers", "7", "--seed", "2"]);
    let (_invite, ticket) = invite(&c);
    let _node = serve(&a);
    let added = ok(&a, &["peer", "add", &ticket]);
    assert!(added.contains("received 7 new"), "{added}");
    assert!(ok(&a, &["--json", "list"]).contains("\"total\": 7"));
    assert_held(&a);
}

#[test]
fn demo_is_refused_on_a_synced_store_and_accepted_on_a_fresh_one() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(tmp.path());
    let fresh = tmp.path().join("fresh");
    let created = ok(&fresh, &["demo", "--customers", "3"]);
    assert!(created.contains("Created 3 sample customers"), "{created}");

    let real = tmp.path().join("real");
    ok(&real, &["init", "--name", "Li Wei"]);
    ok(&real, &["relay", "set", &relay.url, &relay.member("Li Wei")]);
    ok(&real, &["sync"]);
    let why = refused(&real, &["demo", "--customers", "3"]);
    assert!(why.contains("syncs with the relay") && why.contains("--data-dir"), "{why}");
    // Without its relay file, the book has still synced with a team.
    std::fs::remove_file(real.join("relay.json")).expect("remove relay.json");
    let why = refused(&real, &["demo", "--customers", "3"]);
    assert!(why.contains("has synced with a team"), "{why}");
    // The same refusal through a running node, and nothing was added.
    let _node = serve(&real);
    let why = refused(&real, &["--json", "demo", "--customers", "3"]);
    assert!(why.contains("has synced with a team"), "{why}");
    assert!(ok(&real, &["--json", "list"]).contains("\"total\": 0"));
}

#[test]
fn serve_demo_keeps_its_sample_book_away_from_teams() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(tmp.path());
    let token = relay.member("demo");
    // A real book is not served as a demo.
    let real = tmp.path().join("real");
    ok(&real, &["init", "--name", "Li Wei"]);
    let why = refused(&real, &["serve", "--demo", "--listen", "127.0.0.1:0"]);
    assert!(why.contains("real book"), "{why}");
    // serve --demo makes a sample book of its own, which never gets a relay or peers.
    let demo = tmp.path().join("demo");
    let node = Proc(
        command(&demo, &["serve", "--demo", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve --demo"),
    );
    wait_json(&demo.join("serve.json"), "url");
    assert!(ok(&demo, &["--json", "list", "--limit", "1"]).contains("\"total\": 500"));
    let why = refused(&demo, &["relay", "set", &relay.url, &token]);
    assert!(why.contains("sample book"), "{why}");
    drop(node);
    let why = refused(&demo, &["relay", "set", &relay.url, &token]);
    assert!(why.contains("sample book"), "{why}");
    assert!(!demo.join("relay.json").exists());
}

#[test]
fn relay_set_explains_a_wrong_token_and_an_http_https_mix_up() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(tmp.path());
    let token = relay.member("li");
    let data = tmp.path().join("a");
    ok(&data, &["init", "--name", "Li Wei"]);
    let https = relay.url.replacen("http://", "https://", 1);
    let check = |data: &Path| {
        let why = refused(data, &["relay", "set", &relay.url, "this-token-was-never-issued-0000"]);
        assert!(why.contains("does not accept this token"), "{why}");
        let why = refused(data, &["relay", "set", &https, &token]);
        assert!(why.contains("answers plain HTTP, not https") && why.contains(&relay.url), "{why}");
        assert!(!why.to_lowercase().contains("alert") && !why.contains("InvalidContentType"), "{why}");
        let closed = "http://127.0.0.1:9";
        let why = refused(data, &["relay", "set", closed, &token]);
        assert!(why.contains("cannot reach the relay"), "{why}");
        assert!(!data.join("relay.json").exists(), "a relay that was refused is not kept");
    };
    check(&data);
    let _node = serve(&data);
    check(&data);
    ok(&data, &["relay", "set", &relay.url, &token]);
    assert!(data.join("relay.json").exists());
}

/// A TLS-only front for `upstream` (as a reverse proxy puts in front of a relay), with a
/// certificate for 127.0.0.1 from an authority of the test's own. Returns the proxy's
/// address and the authority's certificate (PEM).
fn tls_proxy(upstream: &str) -> (String, String) {
    let ca_key = rcgen::KeyPair::generate().expect("a key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Rapport test authority");
    let ca = ca_params.self_signed(&ca_key).expect("the authority's certificate");
    let leaf_key = rcgen::KeyPair::generate().expect("a key");
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("params")
        .signed_by(&leaf_key, &rcgen::Issuer::from_params(&ca_params, &ca_key))
        .expect("the relay's certificate");
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let config =
        rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![leaf.der().clone()], key)
            .expect("the server's certificate");
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("addr").to_string();
    let upstream = upstream.trim_start_matches("http://").to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, upstream) = (acceptor.clone(), upstream.clone());
                tokio::spawn(async move {
                    // Plain HTTP on this port fails the handshake and is dropped, as a TLS
                    // proxy does.
                    let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                    let Ok(mut relay) = tokio::net::TcpStream::connect(&upstream).await else { return };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut relay).await;
                });
            }
        });
    });
    (addr, ca.pem())
}

/// A relay reachable over TLS only: `http://` is explained as the scheme mix-up, a
/// certificate from an authority this computer does not know is named with what to do,
/// and with `SSL_CERT_FILE` naming the team's authority two members sync over TLS.
#[test]
fn a_relay_behind_tls_only_is_explained_and_synced_with() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(tmp.path());
    let (li, wang) = (relay.member("li"), relay.member("wang"));
    let (addr, authority) = tls_proxy(&relay.url);
    let ca = tmp.path().join("team-ca.pem");
    std::fs::write(&ca, authority).expect("write the authority");
    let (http, https) = (format!("http://{addr}"), format!("https://{addr}"));
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    ok(&a, &["init", "--name", "Li Wei"]);

    let why = refused(&a, &["relay", "set", &http, &li]);
    assert!(why.contains("answers HTTPS, not http") && why.contains(&https), "{why}");
    let why = refused(&a, &["relay", "set", &https, &li]);
    assert!(why.contains("does not trust") && why.contains("UnknownIssuer") && why.contains("SSL_CERT_FILE"), "{why}");
    let not_pem = tmp.path().join("not-a-certificate.pem");
    std::fs::write(&not_pem, "this is no certificate").expect("write");
    let o = command(&a, &["relay", "set", &https, &li]).env("SSL_CERT_FILE", &not_pem).output().expect("run");
    let why = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{why}");
    assert!(why.contains("SSL_CERT_FILE") && why.contains("holds no PEM certificate"), "{why}");
    assert!(!a.join("relay.json").exists(), "a relay that was refused is not kept");

    // Trusting the team's own authority, both members sync through the TLS front.
    let trusted = |data: &Path, args: &[&str]| {
        let o = command(data, args).env("SSL_CERT_FILE", &ca).output().expect("run rapport");
        assert!(o.status.success(), "rapport {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    trusted(&a, &["relay", "set", &https, &li]);
    add_customer(&a, "苏州精工科技有限公司");
    trusted(&a, &["sync"]);
    ok(&b, &["init", "--name", "Wang Fang"]);
    trusted(&b, &["relay", "set", &https, &wang]);
    trusted(&b, &["sync"]);
    assert!(ok(&b, &["list"]).contains("苏州精工科技有限公司"), "the customer came through the TLS front");
}

trait WaitOut {
    fn wait_with_output_timeout(&mut self) -> String;
}

impl WaitOut for Child {
    /// Standard error of a child that must end within 30 s.
    fn wait_with_output_timeout(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.try_wait().expect("wait") {
                let mut err = String::new();
                if let Some(mut e) = self.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                assert!(status.success(), "exited with {status}: {err}");
                return err;
            }
            assert!(Instant::now() < deadline, "did not end within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// `rapport join` creates the store as the token's member (name, id and role from the
/// relay), `rapport team` shows the roster, owners must be members, a sales rep's
/// forbidden edit is refused naming the rule (exit 2, locally and through a running node),
/// and a store of another team is refused.
#[test]
fn join_takes_the_member_from_the_relay_and_roles_hold_on_the_command_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(tmp.path());
    let chen = relay.member("Chen Jie");
    let li = relay.admin(&["member", "add", "east", "Li Wei", "--role", "sales-rep", "--group", "华东 一组"]);
    let admin = tmp.path().join("admin");
    let joined = ok(&admin, &["join", &relay.url, &chen]);
    assert!(joined.contains("joined team east as Chen Jie (admin)"), "{joined}");
    let add = |owner: &'static str, name: &'static str| {
        [
            "customer",
            "add",
            "--kind",
            "company",
            "--name",
            name,
            "--industry",
            "C",
            "--source",
            "referral",
            "--owner",
            owner,
        ]
    };
    ok(&admin, &add("li wei", "上海精密机械有限公司"));
    ok(&admin, &add("Chen Jie", "杭州五金制品有限公司"));
    let err = refused(&admin, &add("Nobody", "广州电子科技有限公司"));
    assert!(err.contains("owner") && err.contains("`Nobody` is not a member of the team"), "{err}");
    // An import keeps a sheet's unknown owner as written and lists the customer to reassign.
    let sheet = tmp.path().join("owners.csv");
    std::fs::write(&sheet, "客户名称,所属行业,客户来源,负责人\n深圳新材料有限公司,C,转介绍,Nobody\n").expect("sheet");
    let imported = ok(&admin, &["import", sheet.to_str().expect("path")]);
    assert!(
        imported.contains("owner Nobody: `Nobody` is not a member of the team")
            && imported.contains("1 customer(s) to reassign"),
        "{imported}"
    );
    ok(&admin, &["sync"]);

    let rep = tmp.path().join("rep");
    let joined = ok(&rep, &["join", &relay.url, &li]);
    assert!(joined.contains("as Li Wei (sales rep)"), "{joined}");
    let team = ok(&rep, &["team"]);
    assert!(
        team.contains("you: Li Wei (sales rep)") && team.contains("Chen Jie") && team.contains("华东 一组"),
        "{team}"
    );
    let list: serde_json::Value = serde_json::from_str(&ok(&rep, &["--json", "list"])).expect("list");
    assert_eq!(list["total"], 1, "a sales rep holds their own customers only: {list}");
    let number = list["items"][0]["number"].as_str().expect("number").to_string();
    assert_eq!(list["items"][0]["owner"], "Li Wei", "the owner as the roster spells it");
    let err = refused(&rep, &["customer", "archive", &number, "--reason", "done"]);
    assert!(err.contains("your role (sales rep) cannot archive or restore customers"), "{err}");
    // The same refusal through a running node (403 problem+json, read back by the CLI).
    {
        let _node = serve(&rep);
        let err = refused(&rep, &["customer", "archive", &number, "--reason", "done"]);
        assert!(err.contains("your role (sales rep) cannot archive or restore customers"), "{err}");
        assert!(ok(&rep, &["--json", "team"]).contains("\"sales rep\""));
    }
    // A store of another team is refused.
    relay.admin(&["team", "create", "west"]);
    let bob = relay.admin(&["member", "add", "west", "Bob", "--role", "admin"]);
    let err = refused(&rep, &["join", &relay.url, &bob]);
    assert!(err.contains("holds the book of team east"), "{err}");
}
