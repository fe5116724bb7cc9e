//! The write rules on the changes the issue names, judged by what they do to a customer.

use rapport_doc::AuditEntry;
use rapport_model::{Customer, Money, Stage};
use rapport_roles::*;

fn member(name: &str, role: Role, groups: &[&str], id: u8) -> Member {
    Member {
        id: Some(MemberId([id; 16])),
        name: name.into(),
        role,
        groups: groups.iter().map(|g| g.to_string()).collect(),
        active: true,
    }
}

struct Team {
    roster: Roster,
    rep: Member,
    other_rep: Member,
    cs: Member,
    boss: Member,
    admin: Member,
}

fn team() -> Team {
    let rep = member("Li Wei", Role::SalesRep, &["north"], 1);
    let other_rep = member("王小明", Role::SalesRep, &["north"], 2);
    let cs = member("Wang Fang", Role::CustomerService, &[], 3);
    let boss = member("Zhang Min", Role::Manager, &["north"], 4);
    let admin = member("Chen Jie", Role::Admin, &[], 5);
    let south = member("Zhao Lei", Role::SalesRep, &["south"], 6);
    Team {
        roster: Roster {
            team: "Acme".into(),
            members: vec![rep.clone(), other_rep.clone(), cs.clone(), boss.clone(), admin.clone(), south],
        },
        rep,
        other_rep,
        cs,
        boss,
        admin,
    }
}

fn customer(owner: &str) -> Customer {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default();
    let book = rapport_demo::DemoBook::new(3, today, &[owner]);
    let mut c = book.customer(1, &rapport_demo::DemoProfile::realistic());
    c.owner = owner.into();
    c.stage = Stage::Intent;
    c.deal = None;
    c.lost_reason = None;
    c.archived = false;
    c
}

fn refusal(r: Result<(), Refusal>) -> Refusal {
    r.expect_err("refused")
}

#[test]
fn a_sales_rep_edits_their_own_customers_only_and_cannot_archive_or_reassign() {
    let t = team();
    let before = customer("Li Wei");
    let mut after = before.clone();
    after.notes.push_str(" called back");
    after.interactions.push(
        before
            .interactions
            .first()
            .cloned()
            .map(|mut i| {
                i.id = rapport_model::ItemId("new-follow-up".into());
                i
            })
            .expect("a follow-up"),
    );
    assert_eq!(touched(Some(&before), &after), vec![Action::EditRecord, Action::AddFollowUp]);
    assert_eq!(check_customer(&t.roster, &t.rep, Some(&before), &after), Ok(()));
    let e = refusal(check_customer(&t.roster, &t.other_rep, Some(&before), &after));
    assert_eq!(e.action, Action::EditRecord);
    assert_eq!(e.to_string(), "your role (sales rep) cannot edit this customer's record");

    let mut archived = before.clone();
    archived.archived = true;
    let e = refusal(check_customer(&t.roster, &t.rep, Some(&before), &archived));
    assert_eq!(e.to_string(), "your role (sales rep) cannot archive or restore customers");

    let mut moved = before.clone();
    moved.owner = "王小明".into();
    assert_eq!(refusal(check_customer(&t.roster, &t.rep, Some(&before), &moved)).action, Action::Reassign);
    // Creating: only as the owner.
    assert_eq!(check_customer(&t.roster, &t.rep, None, &before), Ok(()));
    assert_eq!(refusal(check_customer(&t.roster, &t.rep, None, &moved)).action, Action::Create);
}

#[test]
fn customer_service_adds_service_everywhere_but_never_touches_the_deal_or_won_and_lost() {
    let t = team();
    let before = customer("Li Wei");
    let mut serviced = before.clone();
    let mut s = before.service_records.first().cloned().expect("a service record");
    s.id = rapport_model::ItemId("new-service".into());
    serviced.service_records.push(s);
    assert_eq!(check_customer(&t.roster, &t.cs, Some(&before), &serviced), Ok(()));

    let mut won = before.clone();
    won.stage = Stage::Won;
    won.deal = Some(rapport_model::Deal {
        amount: Money::parse("amount", "1000").expect("money"),
        date: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default(),
        contract_no: "HT-1".into(),
    });
    let e = refusal(check_customer(&t.roster, &t.cs, Some(&before), &won));
    assert_eq!(e.action, Action::MarkWonOrLost);
    let mut repriced = won.clone();
    if let Some(d) = repriced.deal.as_mut() {
        d.amount = Money::parse("amount", "2000").expect("money");
    }
    let e = refusal(check_customer(&t.roster, &t.cs, Some(&won), &repriced));
    assert_eq!(e.to_string(), "your role (customer service) cannot change deal amounts, dates or contract numbers");
    assert_eq!(check_customer(&t.roster, &t.rep, Some(&won), &repriced), Ok(()));
}

#[test]
fn a_manager_reassigns_within_the_group_to_members_only() {
    let t = team();
    let before = customer("Li Wei");
    let mut moved = before.clone();
    moved.owner = "王小明".into();
    assert_eq!(check_customer(&t.roster, &t.boss, Some(&before), &moved), Ok(()));
    let mut south = before.clone();
    south.owner = "Zhao Lei".into();
    assert_eq!(refusal(check_customer(&t.roster, &t.boss, Some(&before), &south)).action, Action::Reassign);
    assert_eq!(check_customer(&t.roster, &t.admin, Some(&before), &south), Ok(()));
    let mut nobody = before.clone();
    nobody.owner = "Nobody".into();
    let e = refusal(check_customer(&t.roster, &t.admin, Some(&before), &nobody));
    assert!(e.to_string().contains("`Nobody` is not a member"), "{e}");
    // A customer of another group is not the manager's to edit.
    let mut edited = south.clone();
    edited.notes.push('!');
    assert!(check_customer(&t.roster, &t.boss, Some(&south), &edited).is_err());
}

#[test]
fn completing_a_task_is_not_editing_it() {
    let t = team();
    let mut before = customer("Li Wei");
    let task = rapport_model::Task {
        id: rapport_model::ItemId("t1".into()),
        what: "send the quote".into(),
        assignee: "Li Wei".into(),
        due: chrono::NaiveDate::from_ymd_opt(2026, 12, 9).unwrap_or_default(),
        done: None,
    };
    before.tasks = vec![task.clone()];
    let mut done = before.clone();
    done.tasks[0].done = Some(rapport_model::TaskDone { at: before.created_at, result: Some("sent".into()) });
    assert_eq!(touched(Some(&before), &done), vec![Action::CompleteTask]);
    let mut changed = before.clone();
    changed.tasks[0].what = "send two quotes".into();
    assert_eq!(touched(Some(&before), &changed), vec![Action::EditActivity]);
    let mut removed = before.clone();
    removed.tasks.clear();
    assert_eq!(touched(Some(&before), &removed), vec![Action::EditActivity]);
    assert_eq!(refusal(check_customer(&t.roster, &t.cs, Some(&before), &removed)).action, Action::EditActivity);
}

#[test]
fn settings_need_an_admin_and_the_audit_log_only_grows_by_the_authors_own_entries() {
    let t = team();
    let entry =
        |by: &str, what: &str| AuditEntry { at: "2026-12-07T10:00:00".into(), by: by.into(), what: what.into() };
    let before = SettingsView { audit: vec![entry("Chen Jie", "export revealed 3 contacts")], ..Default::default() };
    let mut rules = before.clone();
    rules.rules.push(rapport_doc::RuleRecord {
        name: "vip".into(),
        tag: "VIP".into(),
        when: "total_amount > 100000".into(),
        enabled: true,
        position: 1,
    });
    assert_eq!(refusal(check_settings(&t.roster, &t.boss, &before, &rules)).action, Action::ChangeRules);
    assert_eq!(check_settings(&t.roster, &t.admin, &before, &rules), Ok(()));
    let mut tiers = before.clone();
    tiers.tiers.insert("abc.a_share".into(), "0.7".into());
    assert_eq!(refusal(check_settings(&t.roster, &t.rep, &before, &tiers)).action, Action::ChangeTiers);

    let mut appended = before.clone();
    appended.audit.push(entry("Li Wei", "export revealed 1 contact"));
    assert_eq!(check_settings(&t.roster, &t.rep, &before, &appended), Ok(()));
    let e = refusal(check_settings(&t.roster, &t.rep, &before, &{
        let mut a = before.clone();
        a.audit.push(entry("Chen Jie", "forged"));
        a
    }));
    assert!(e.to_string().contains("written as its author (Li Wei)"), "{e}");
    let mut removed = before.clone();
    removed.audit.clear();
    assert_eq!(refusal(check_settings(&t.roster, &t.admin, &before, &removed)).action, Action::ChangeAudit);
    let mut changed = before.clone();
    changed.audit[0].what = "nothing happened".into();
    assert_eq!(refusal(check_settings(&t.roster, &t.admin, &before, &changed)).action, Action::ChangeAudit);
}

#[test]
fn a_revoked_member_may_do_nothing() {
    let mut t = team();
    t.admin.active = false;
    let before = customer("Li Wei");
    let mut after = before.clone();
    after.notes.push('x');
    assert!(check_customer(&t.roster, &t.admin, Some(&before), &after).is_err());
}
