//! The write rules: what a change did, and whether its author's role allows it.
//!
//! A change is judged by its effect on the read model (the customer before and after),
//! never by the Automerge operations it carries: two tools can write the same edit with
//! different operations, and a forbidden edit must be refused whichever wrote it.

use crate::{may, Action, Member, MemberId, Role, Roster};
use rapport_doc::{AuditEntry, Authored, ChangeHash, DocError, RuleRecord, SettingsDoc};
use rapport_model::{member_key, Customer, Stage};
use std::collections::BTreeMap;

/// A change the author's role does not allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The rule that refused it.
    pub action: Action,
    /// The author's role.
    pub role: Role,
    /// More about this refusal (a new owner who is not a member, an audit entry written
    /// as someone else).
    pub detail: Option<String>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.detail {
            Some(d) => write!(f, "{d}"),
            None => write!(f, "your role ({}) cannot {}", self.role, self.action.refused()),
        }
    }
}

impl std::error::Error for Refusal {}

fn refused(author: &Member, action: Action) -> Refusal {
    Refusal { action, role: author.role, detail: None }
}

/// What a change to a customer did, as the matrix's actions: `before` is `None` for a new
/// customer. Sorted, each action once.
pub fn touched(before: Option<&Customer>, after: &Customer) -> Vec<Action> {
    let mut out = Vec::new();
    let Some(b) = before else {
        out.push(Action::Create);
        if after.merged_into.is_some() || !after.absorbed.is_empty() {
            out.push(Action::Merge);
        }
        return out;
    };
    let a = after;
    let record = b.name != a.name
        || b.kind != a.kind
        || b.credit_code != a.credit_code
        || b.industry != a.industry
        || b.size != a.size
        || b.revenue_band != a.revenue_band
        || b.address != a.address
        || b.source != a.source
        || b.needs != a.needs
        || b.notes != a.notes
        || b.priority != a.priority
        || b.manual_tags != a.manual_tags
        || b.custom != a.custom
        || b.to_fill != a.to_fill
        // Set once (the document checks refuse a change); counted here so that a check
        // that ever let one through would still need the right to edit the record.
        || b.number != a.number
        || b.entered_by != a.entered_by
        || b.created_at != a.created_at
        || (b.owner != a.owner && member_key(&b.owner) == member_key(&a.owner));
    if record {
        out.push(Action::EditRecord);
    }
    if b.stage != a.stage {
        let decisive = |s: Stage| matches!(s, Stage::Won | Stage::Lost);
        out.push(if decisive(b.stage) || decisive(a.stage) { Action::MarkWonOrLost } else { Action::ChangeStage });
    }
    if b.lost_reason != a.lost_reason {
        out.push(Action::MarkWonOrLost);
    }
    if b.deal != a.deal {
        out.push(Action::ChangeDeal);
    }
    if b.contacts != a.contacts {
        out.push(Action::EditContacts);
    }
    items(&b.interactions, &a.interactions, |i| &i.id, Action::AddFollowUp, &mut out);
    items(&b.service_records, &a.service_records, |s| &s.id, Action::AddServiceRecord, &mut out);
    items(&b.orders, &a.orders, |o| &o.id, Action::AddOrder, &mut out);
    // Tasks: marking one done is its own action.
    let old: BTreeMap<_, _> = b.tasks.iter().map(|t| (&t.id, t)).collect();
    for t in &a.tasks {
        match old.get(&t.id) {
            None => out.push(Action::AddTask),
            Some(o) if *o == t => {}
            Some(o)
                if o.done.is_none()
                    && t.done.is_some()
                    && o.what == t.what
                    && o.assignee == t.assignee
                    && o.due == t.due =>
            {
                out.push(Action::CompleteTask)
            }
            Some(_) => out.push(Action::EditActivity),
        }
    }
    if b.tasks.len() > a.tasks.len() || b.tasks.iter().any(|t| !a.tasks.iter().any(|x| x.id == t.id)) {
        out.push(Action::EditActivity);
    }
    if member_key(&b.owner) != member_key(&a.owner) {
        out.push(Action::Reassign);
    }
    if b.archived != a.archived {
        out.push(Action::Archive);
    }
    if b.merged_into != a.merged_into || b.absorbed != a.absorbed {
        out.push(Action::Merge);
    }
    out.sort();
    out.dedup();
    out
}

/// Activity items: new ones are `added`, changed or removed ones `EditActivity`.
fn items<T: PartialEq, K: Ord>(before: &[T], after: &[T], id: impl Fn(&T) -> &K, added: Action, out: &mut Vec<Action>) {
    let old: BTreeMap<&K, &T> = before.iter().map(|t| (id(t), t)).collect();
    let new: BTreeMap<&K, &T> = after.iter().map(|t| (id(t), t)).collect();
    if after.iter().any(|t| !old.contains_key(id(t))) {
        out.push(added);
    }
    if old.iter().any(|(k, t)| new.get(k) != Some(t)) {
        out.push(Action::EditActivity);
    }
}

/// Whether `author` may make the change that turned `before` (`None`: a new customer)
/// into `after`. Every action the change touched is checked against the customer's owner
/// before and after; a reassignment also needs the new owner to be an active member.
pub fn check_customer(
    roster: &Roster,
    author: &Member,
    before: Option<&Customer>,
    after: &Customer,
) -> Result<(), Refusal> {
    for action in touched(before, after) {
        let owners: Vec<&str> = match (action, before) {
            (Action::Create, _) | (_, None) => vec![after.owner.as_str()],
            (_, Some(b)) => vec![b.owner.as_str(), after.owner.as_str()],
        };
        if !owners.iter().all(|o| may(roster, author, action, o)) {
            return Err(refused(author, action));
        }
        if action == Action::Reassign {
            roster.owner(&after.owner).map_err(|e| Refusal {
                action,
                role: author.role,
                detail: Some(format!("the new owner: {e}")),
            })?;
        }
    }
    Ok(())
}

/// What the write rules read of the settings document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsView {
    /// Tag rules.
    pub rules: Vec<RuleRecord>,
    /// Tier settings.
    pub tiers: BTreeMap<String, String>,
    /// The audit log.
    pub audit: Vec<AuditEntry>,
}

impl SettingsView {
    /// Reads a settings document (which must read back under the schema).
    pub fn read(doc: &SettingsDoc) -> Result<SettingsView, DocError> {
        Ok(SettingsView { rules: doc.rules()?, tiers: doc.settings()?, audit: doc.audit()? })
    }
}

fn audit_key(e: &AuditEntry) -> (&str, &str, &str) {
    (&e.at, &e.by, &e.what)
}

/// Whether `author` may make the change that turned the settings `before` into `after`:
/// rules and tiers need their actions; the audit log only grows, by entries written as
/// the author.
pub fn check_settings(
    roster: &Roster,
    author: &Member,
    before: &SettingsView,
    after: &SettingsView,
) -> Result<(), Refusal> {
    if before.rules != after.rules && !may(roster, author, Action::ChangeRules, "") {
        return Err(refused(author, Action::ChangeRules));
    }
    if before.tiers != after.tiers && !may(roster, author, Action::ChangeTiers, "") {
        return Err(refused(author, Action::ChangeTiers));
    }
    // Every entry before is still there (as many times), and what is new is the author's.
    let mut remaining: Vec<(&str, &str, &str)> = after.audit.iter().map(audit_key).collect();
    remaining.sort();
    for e in &before.audit {
        let k = audit_key(e);
        match remaining.binary_search(&k) {
            Ok(i) => {
                remaining.remove(i);
            }
            Err(_) => return Err(refused(author, Action::ChangeAudit)),
        }
    }
    if !remaining.is_empty() {
        if !may(roster, author, Action::AppendAudit, "") {
            return Err(refused(author, Action::AppendAudit));
        }
        if let Some((_, by, _)) = remaining.iter().find(|(_, by, _)| !author.is_named(by)) {
            return Err(Refusal {
                action: Action::AppendAudit,
                role: author.role,
                detail: Some(format!("an audit entry must be written as its author ({}), not as `{by}`", author.name)),
            });
        }
    }
    Ok(())
}

/// Whether every change in `changes` was written by `member` (its actor's first 16 bytes
/// are the member's id), or is one of `known` (the settings document's genesis, which every
/// node writes identically). The relay checks each push with it, a node each peer's.
pub fn check_authorship(member: &Member, changes: &[Authored], known: &[ChangeHash]) -> Result<(), String> {
    let Some(id) = member.id else {
        return Err(format!(
            "{} has no member id yet: sync with a current rapport first (it asks the relay for the roster)",
            member.name
        ));
    };
    match foreign_change(changes, &[id], known) {
        None => Ok(()),
        Some(c) => Err(format!(
            "a change written as another member (actor {}): each member pushes only changes they wrote",
            hex::encode(&c.actor)
        )),
    }
}

/// The first change in `changes` that none of `members` wrote (by the member id in its
/// actor) and that is not one of `known`: the authorship rule the relay applies to a
/// member's push (one member) and a node to a peer link (its two members).
pub fn foreign_change<'a>(changes: &'a [Authored], members: &[MemberId], known: &[ChangeHash]) -> Option<&'a Authored> {
    changes
        .iter()
        .find(|c| !known.contains(&c.hash) && !MemberId::of_actor(&c.actor).is_some_and(|m| members.contains(&m)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(member: u8, device: u8, n: u8) -> Authored {
        let mut actor = vec![member; 16];
        actor.extend([device; 8]);
        Authored { actor, hash: ChangeHash([n; 32]) }
    }

    #[test]
    fn a_change_is_foreign_unless_one_of_the_members_wrote_it_or_it_is_known() {
        let (li, wang) = (MemberId([1; 16]), MemberId([2; 16]));
        let changes = [change(1, 7, 1), change(1, 8, 2), change(2, 9, 3), change(3, 9, 4)];
        // A member's push: any of their devices, nobody else.
        assert_eq!(foreign_change(&changes[..2], &[li], &[]), None);
        assert_eq!(foreign_change(&changes, &[li], &[]).map(|c| c.hash), Some(ChangeHash([3; 32])));
        // A peer link: either of its two members; a third member's change only when known.
        assert_eq!(foreign_change(&changes, &[li, wang], &[]).map(|c| c.hash), Some(ChangeHash([4; 32])));
        assert_eq!(foreign_change(&changes, &[li, wang], &[ChangeHash([4; 32])]), None);
        // An actor too short to hold a member id is nobody's.
        let short = [Authored { actor: vec![1; 4], hash: ChangeHash([5; 32]) }];
        assert!(foreign_change(&short, &[li], &[]).is_some());
        // The relay's wording names the actor.
        let member =
            Member { id: Some(li), name: "Li Wei".into(), role: Role::SalesRep, groups: Vec::new(), active: true };
        let refused = check_authorship(&member, &changes, &[]).expect_err("wang's change");
        assert!(refused.contains(&hex::encode(&changes[2].actor)), "{refused}");
    }
}
