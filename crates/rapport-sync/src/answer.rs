//! The answering side of the sync protocol on a node, for peer-to-peer sync: the same
//! requests the relay answers, served from the node's own store and change log.

use crate::session::{hashes, SETTINGS_ID};
use crate::PeerRules;
use rapport_doc::ChangeHash;
use rapport_model::CustomerId;
use rapport_store::{Store, StoreError};
use rapport_wire::{DocChanges, DocHeads, DocResult, Message};

/// Most documents answered in one `Changed` or `Docs` message.
const MAX_DOCS: usize = 10_000;

/// What answering a request did to this node.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Answered {
    /// The team settings changed: re-evaluate tags and tiers.
    pub settings_changed: bool,
    /// Customers stored or merged.
    pub stored: usize,
}

/// Answers one request from a peer. Requests that are not requests, or that ask for too
/// much, get an `Error` message; nothing is written for them. Under a roster, `rules` are
/// the paired member's: only customers they may read are listed and sent, and a pushed
/// document is kept only if it passes [`PeerRules`]' checks.
pub fn answer(store: &Store, request: Message, rules: Option<&PeerRules>) -> Result<(Message, Answered), StoreError> {
    let mut done = Answered::default();
    let reply = match request {
        Message::Push { docs } => {
            if docs.len() > MAX_DOCS {
                return Ok((
                    Message::Error {
                        code: "bad_request".into(),
                        detail: format!("push of {} documents; at most {MAX_DOCS}", docs.len()),
                    },
                    done,
                ));
            }
            let mut results = Vec::with_capacity(docs.len());
            let mut customers = Vec::new();
            let mut order = Vec::new();
            for (i, d) in docs.into_iter().enumerate() {
                let refusal = rules.and_then(|r| match d.id == SETTINGS_ID {
                    true => r.check_settings(store, &d.bytes).err(),
                    false => r.check_customer(store, CustomerId(d.id), &d.bytes).err(),
                });
                if let Some(reason) = refusal {
                    results.push((i, DocResult::Refused { id: d.id, reason }));
                } else if d.id == SETTINGS_ID {
                    results.push((i, push_settings(store, &d, &mut done)?));
                } else {
                    order.push((i, d.id));
                    customers.push((CustomerId(d.id), d.bytes));
                }
            }
            let pushed: Vec<CustomerId> = order.iter().map(|(_, id)| CustomerId(*id)).collect();
            for ((i, id), r) in order.into_iter().zip(store.adopt_batch(customers)?) {
                let res = match r {
                    Ok(_) => {
                        done.stored += 1;
                        DocResult::Stored(DocHeads { id, heads: hashes(&store.heads_of(CustomerId(id))?) })
                    }
                    Err(e) => DocResult::Refused { id, reason: e.to_string() },
                };
                results.push((i, res));
            }
            results.sort_by_key(|(i, _)| *i);
            let reply = Message::Pushed { results: results.into_iter().map(|(_, r)| r).collect() };
            // After the reply's heads are taken: the pusher must not count a repair as
            // something it holds, so the repair reaches it by its next pull.
            store.repair_opposite_merges_among(&pushed)?;
            reply
        }
        Message::Changes { since, limit } => {
            let limit = (limit as usize).clamp(1, MAX_DOCS);
            let (ids, cursor) = store.changed_since(since, limit)?;
            let more = store.changed_since(cursor, 1)?.1 > cursor;
            let mut docs = Vec::with_capacity(ids.len() + 1);
            // The settings document rides along with every page; it is one entry.
            docs.push(DocHeads { id: SETTINGS_ID, heads: hashes(&store.settings_doc()?.heads()) });
            for id in ids {
                if !sendable(store, rules, id)? {
                    continue;
                }
                docs.push(DocHeads { id: id.0, heads: hashes(&store.heads_of(id)?) });
            }
            Message::Changed { docs, gone: Vec::new(), cursor, more }
        }
        Message::Fetch { docs } => {
            if docs.len() > MAX_DOCS {
                return Ok((
                    Message::Error {
                        code: "bad_request".into(),
                        detail: format!("fetch of {} documents; at most {MAX_DOCS}", docs.len()),
                    },
                    done,
                ));
            }
            // In order, as many as fit one response: the peer asks again for the rest.
            let mut out = Vec::with_capacity(docs.len());
            let mut used = 0;
            for w in docs {
                if w.id != SETTINGS_ID && !sendable(store, rules, CustomerId(w.id))? {
                    continue;
                }
                let heads: Vec<ChangeHash> = w.heads.iter().map(|h| ChangeHash(*h)).collect();
                let bytes = if w.id == SETTINGS_ID {
                    let mut s = store.settings_doc()?;
                    let known: Vec<ChangeHash> =
                        heads.into_iter().filter(|h| s.automerge().get_change_by_hash(h).is_some()).collect();
                    if known.is_empty() {
                        s.save()
                    } else {
                        s.automerge().save_after(&known)
                    }
                } else {
                    match store.changes_after(CustomerId(w.id), &heads) {
                        Ok((bytes, _)) => bytes,
                        Err(StoreError::NotFound(_)) => continue,
                        Err(e) => return Err(e),
                    }
                };
                if !crate::fits(used, bytes.len()) {
                    break;
                }
                used += bytes.len();
                out.push(DocChanges { id: w.id, bytes });
            }
            Message::Docs { docs: out }
        }
        Message::Pushed { .. }
        | Message::Changed { .. }
        | Message::Docs { .. }
        | Message::Error { .. }
        | Message::Hello { .. }
        | Message::Welcome
        // The roster is the relay's: a paired node does not hold one to give.
        | Message::Roster { .. }
        | Message::Team { .. }
        // So is the log: a peer answers from its own store, not a relay's log.
        | Message::Mark { .. }
        | Message::Marked { .. } => {
            Message::Error { code: "bad_request".into(), detail: "not a request this peer answers".into() }
        }
    };
    Ok((reply, done))
}

/// Whether the peer may receive customer `id` (always without a roster; never a customer
/// this node does not hold).
pub(crate) fn sendable(store: &Store, rules: Option<&PeerRules>, id: CustomerId) -> Result<bool, StoreError> {
    let Some(rules) = rules else { return Ok(true) };
    match store.summary(id) {
        Ok(s) => Ok(rules.may_send(&s.owner)),
        Err(StoreError::NotFound(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

fn push_settings(store: &Store, d: &DocChanges, done: &mut Answered) -> Result<DocResult, StoreError> {
    let mut doc = store.settings_doc()?;
    let before = doc.heads();
    let checked = doc.with_untrusted(&d.bytes).and_then(|mut trial| {
        rapport_rules::TeamSettings::read(&mut trial)?;
        Ok(trial)
    });
    doc = match checked {
        Ok(trial) => trial,
        Err(e) => return Ok(DocResult::Refused { id: d.id, reason: format!("team settings: {e}") }),
    };
    if doc.heads() != before {
        store.save_settings_doc(&mut doc)?;
        done.settings_changed = true;
    }
    Ok(DocResult::Stored(DocHeads { id: d.id, heads: hashes(&doc.heads()) }))
}
