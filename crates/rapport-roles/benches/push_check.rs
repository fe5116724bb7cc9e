//! What checking one pushed change costs the relay, per document, on bench-shaped customers
//! (3 contacts, 10 follow-ups, 5 orders, 2 service records) held by the relay, each
//! receiving one change (a follow-up added by a sales rep who owns it): the stages the
//! relay adds for roles, over what it did before (load the held copy, merge the change,
//! read the result under the schema). Times are CPU time of this thread, the best of five
//! runs. Prints one JSON object. `cargo bench -p rapport-roles --bench push_check [-- N]`.

use rapport_doc::{changes_since, ActorId, ChangeMeta, CustomerDoc};
use rapport_model::{Channel, NewInteraction};
use rapport_roles::{check_authorship, check_customer, Member, MemberId, Role, Roster};
use std::hint::black_box;
use std::time::Instant;

fn thread_cpu_seconds(start: Instant) -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()))
        .map_or_else(|| start.elapsed().as_secs_f64(), |ns| ns as f64 / 1e9)
}

/// CPU microseconds per document of `f` over `n` documents, the best of five runs; `f` runs
/// `reps` times per run, so stages far shorter than a scheduler tick are still seen.
fn micros_per_doc(n: usize, reps: usize, mut f: impl FnMut()) -> f64 {
    let origin = Instant::now();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = thread_cpu_seconds(origin);
        for _ in 0..reps {
            f();
        }
        best = best.min((thread_cpu_seconds(origin) - t) * 1e6 / (n * reps) as f64);
    }
    best
}

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(2000);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default();
    let book = rapport_demo::DemoBook::new(7, today, &["Li Wei"]);
    let admin = ActorId::from(vec![1u8; 24]);
    let rep = Member {
        id: Some(MemberId([2; 16])),
        name: "Li Wei".into(),
        role: Role::SalesRep,
        groups: vec![],
        active: true,
    };
    let roster = Roster { team: "east".into(), members: vec![rep.clone()] };
    let mut rep_actor = vec![2u8; 16];
    rep_actor.extend([9u8; 8]);
    let rep_actor = ActorId::from(rep_actor);
    // The relay's held copies, and one change to each written by the rep.
    let mut held = Vec::with_capacity(n);
    let mut pushed = Vec::with_capacity(n);
    for i in 0..n as u64 {
        let mut c = book.customer(i, &rapport_demo::DemoProfile::bench());
        c.number = format!("MFG-2026-BENCH0-{i:03}");
        c.owner = "Li Wei".into();
        let Ok(mut d) = CustomerDoc::create(&c, admin.clone(), ChangeMeta::new("Chen Jie", c.created_at)) else {
            continue;
        };
        let bytes = d.save_plain();
        let heads = d.heads();
        let mut e = d.fork();
        e.set_actor(rep_actor.clone());
        let f = NewInteraction { channel: Some(Channel::Phone), summary: "电话回访".into(), ..Default::default() };
        let Ok(i) = f.validate("Li Wei", c.created_at) else { continue };
        if e.add_interaction(&i, ChangeMeta::new("Li Wei", c.created_at)).is_err() {
            continue;
        }
        pushed.push((e.save_after(&heads), heads));
        held.push(bytes);
    }
    let n = held.len();
    let load = |b: &[u8]| CustomerDoc::load(b).ok();
    let read_before_us = micros_per_doc(n, 1, || {
        for b in &held {
            if let Some(d) = load(b) {
                black_box(d.read().is_ok());
            }
        }
    });
    let load_us = micros_per_doc(n, 1, || {
        for b in &held {
            black_box(load(b).is_some());
        }
    });
    let read_before_us = read_before_us - load_us;
    let mut merged: Vec<CustomerDoc> = held
        .iter()
        .zip(&pushed)
        .filter_map(|(b, (change, _))| load(b).and_then(|d| d.merged_untrusted(change).ok()))
        .collect();
    let changes_us = micros_per_doc(n, 50, || {
        for (d, (_, heads)) in merged.iter_mut().zip(&pushed) {
            black_box(changes_since(d.automerge(), heads).len());
        }
    });
    let authored: Vec<_> = merged.iter_mut().zip(&pushed).map(|(d, (_, h))| changes_since(d.automerge(), h)).collect();
    let authorship_us = micros_per_doc(n, 50, || {
        for a in &authored {
            black_box(check_authorship(&rep, a, &[]).is_ok());
        }
    });
    let befores: Vec<_> = held.iter().filter_map(|b| load(b).and_then(|d| d.read().ok())).collect();
    let afters: Vec<_> = merged.iter().filter_map(|d| d.read().ok()).collect();
    let rules_us = micros_per_doc(n, 50, || {
        for (b, a) in befores.iter().zip(&afters) {
            black_box(check_customer(&roster, &rep, Some(b), a).is_ok());
        }
    });
    let ok = befores.iter().zip(&afters).all(|(b, a)| check_customer(&roster, &rep, Some(b), a).is_ok());
    let total = read_before_us + changes_us + authorship_us + rules_us;
    println!(
        "{}",
        serde_json::json!({
            "documents": n,
            "all_allowed": ok,
            "us_per_pushed_change": {
                "load_held_copy (paid before roles too)": load_us,
                "read_held_copy_before": read_before_us,
                "list_new_changes": changes_us,
                "authorship": authorship_us,
                "write_rules": rules_us,
                "total_added_by_roles": total,
            }
        })
    );
}
