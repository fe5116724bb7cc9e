//! Making a device's changes again under a new actor.
//!
//! Automerge identifies a change by its actor and that actor's sequence number. A store
//! restored from a backup (or copied to a second machine) writes as the same actor as the
//! copy that went on without it, so its next edits reuse sequence numbers whose changes
//! already exist elsewhere: every relay and peer refuses them ("duplicate seq"), forever.
//! The store then takes a new device id and rebuilds each affected document from the heads
//! the peer holds, making each of the old actor's later changes again, with the same
//! author, time and message, as the new actor. What each change did is read back with
//! `diff` (between its dependencies and itself) and applied to the rebuilt document.

use crate::schema::NUMBER;
use crate::{CustomerDoc, DocError};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ChangeHash, ObjId, ObjType, Patch, PatchAction, Prop, ReadDoc, Value, ROOT};
use std::collections::HashMap;

/// What rebuilding a document did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reauthored {
    /// Changes made again as the new actor.
    pub remade: usize,
    /// Changes by others that built on the old actor's unsent changes: left out here (their
    /// authors hold them, and send them again).
    pub left_out: usize,
}

impl CustomerDoc {
    /// A copy rebuilt from `since` (heads a peer holds; empty: from nothing), with every
    /// later change by `old` made again as `new`, and the others applied as they are. With
    /// `number`, a rebuilt document that `old` created gets that number instead (its first
    /// number may have been minted again elsewhere).
    pub fn reauthored(
        &mut self,
        since: &[ChangeHash],
        old: &ActorId,
        new: ActorId,
        number: Option<&str>,
    ) -> Result<(CustomerDoc, Reauthored), DocError> {
        let mut base = if since.is_empty() { AutoCommit::new() } else { self.doc.fork_at(since)? };
        base.set_actor(new);
        let mut objects: HashMap<ObjId, ObjId> = HashMap::new();
        let mut done = Reauthored::default();
        let changes: Vec<automerge::Change> = self.doc.get_changes(since).into_iter().cloned().collect();
        for change in changes {
            if change.actor_id() == old {
                let patches = self.doc.diff(change.deps(), &[change.hash()]);
                for p in patches {
                    apply(&mut base, &mut objects, p, number)?;
                }
                let mut opts = CommitOptions::default().with_time(change.timestamp());
                if let Some(m) = change.message() {
                    opts = opts.with_message(m.clone());
                }
                base.commit_with(opts);
                done.remade += 1;
            } else if change.deps().iter().all(|d| base.get_change_by_hash(d).is_some()) {
                base.apply_changes([change])?;
            } else {
                done.left_out += 1;
            }
        }
        Ok((CustomerDoc { doc: base }, done))
    }
}

/// Applies one patch read from the source document to the rebuilt one. Objects the source
/// created in a remade change have new ids here, recorded in `objects`.
fn apply(
    base: &mut AutoCommit,
    objects: &mut HashMap<ObjId, ObjId>,
    p: Patch,
    number: Option<&str>,
) -> Result<(), DocError> {
    let obj = objects.get(&p.obj).cloned().unwrap_or(p.obj);
    match p.action {
        PatchAction::PutMap { key, value: (value, id), .. } => match value {
            Value::Object(kind) => {
                let made = base.put_object(&obj, key.as_str(), kind)?;
                objects.insert(id, made);
            }
            Value::Scalar(s) => match number {
                Some(n) if obj == ROOT && key == NUMBER => base.put(&obj, key.as_str(), n)?,
                _ => base.put(&obj, key.as_str(), s.into_owned())?,
            },
        },
        PatchAction::DeleteMap { key } => base.delete(&obj, key.as_str())?,
        PatchAction::SpliceText { index, value, .. } => base.splice_text(&obj, index, 0, &value.make_string())?,
        PatchAction::DeleteSeq { index, length } => match base.object_type(&obj)? {
            ObjType::Text => base.splice_text(&obj, index, length as isize, "")?,
            _ => base.splice(&obj, index, length as isize, std::iter::empty::<automerge::ScalarValue>())?,
        },
        PatchAction::Insert { index, values } => {
            for (i, (value, id, _)) in values.iter().enumerate() {
                match value {
                    Value::Object(kind) => {
                        let made = base.insert_object(&obj, index + i, *kind)?;
                        objects.insert(id.clone(), made);
                    }
                    Value::Scalar(s) => base.insert(&obj, index + i, s.clone().into_owned())?,
                }
            }
        }
        PatchAction::PutSeq { index, value: (value, id), .. } => match value {
            Value::Object(kind) => {
                let made = base.put_object(&obj, index, kind)?;
                objects.insert(id, made);
            }
            Value::Scalar(s) => base.put(&obj, index, s.into_owned())?,
        },
        PatchAction::Increment { prop, value } => match prop {
            Prop::Map(k) => base.increment(&obj, k.as_str(), value)?,
            Prop::Seq(i) => base.increment(&obj, i, value)?,
        },
        // Conflicts are how the source shows concurrent values; marks are not used here.
        PatchAction::Conflict { .. } | PatchAction::Mark { .. } => {}
    }
    Ok(())
}
