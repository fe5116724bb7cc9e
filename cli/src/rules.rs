//! `rapport rules …` and `rapport tiers`: the team's tag rules and the tier views.

use crate::args::{RuleArgs, RulesCmd, TiersArgs};
use crate::context::{as_of_date, input_error};
use crate::out;
use anyhow::Result;
use rapport_node::Book;
use rapport_rules::{Rule, TierModel};

/// Runs a `rules` subcommand.
pub fn run(book: &dyn Book, cmd: RulesCmd, json: bool, reveal: bool) -> Result<()> {
    match cmd {
        RulesCmd::List => {
            let rules = book.rules()?;
            if json {
                return out::json(&rules);
            }
            let rows: Vec<Vec<String>> = rules
                .iter()
                .map(|r| {
                    vec![
                        r.rule.name.clone(),
                        r.rule.tag.clone(),
                        if r.rule.enabled { "on".into() } else { "off".into() },
                        r.rule.condition.clone(),
                        r.error.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            out::table(&["name", "tag", "", "when", "error"], &rows);
            Ok(())
        }
        RulesCmd::Add(RuleArgs { name, tag, condition, disabled }) => {
            let r = book.put_rule(&Rule { name: name.clone(), tag, condition, enabled: !disabled }, true)?;
            refreshed(json, &format!("rule {name} added"), &r)
        }
        RulesCmd::Edit { name, tag, condition, enabled } => {
            let mut rule = book
                .rules()?
                .into_iter()
                .find(|r| r.rule.name == name)
                .map(|r| r.rule)
                .ok_or_else(|| rapport_store::StoreError::NotFound(format!("rule {name}")))?;
            if tag.is_none() && condition.is_none() && enabled.is_none() {
                return Err(input_error("rule", "give --tag, --when or --enabled to change"));
            }
            if let Some(t) = tag {
                rule.tag = t;
            }
            if let Some(c) = condition {
                rule.condition = c;
            }
            if let Some(e) = enabled {
                rule.enabled = e;
            }
            let r = book.put_rule(&rule, false)?;
            refreshed(json, &format!("rule {name} changed"), &r)
        }
        RulesCmd::Remove { name } => {
            let r = book.remove_rule(&name)?;
            refreshed(json, &format!("rule {name} removed"), &r)
        }
        RulesCmd::Test { condition, name, as_of, limit } => {
            let as_of = as_of_date(&as_of)?;
            let draft =
                Rule { name: name.unwrap_or_else(|| "draft".into()), tag: "draft".into(), condition, enabled: true };
            let rows = book.test_rule(&draft, as_of)?;
            crate::context::print_rows(&rows, limit, json, reveal)
        }
        RulesCmd::Explain { customer, as_of } => {
            let e = book.explain(&customer, as_of_date(&as_of)?)?;
            if json {
                return out::json(&e);
            }
            println!("{}  {}  (as of {})", e.number, e.name, e.as_of);
            let rows: Vec<Vec<String>> = e
                .rules
                .iter()
                .map(|r| {
                    vec![
                        if r.matched { "yes".into() } else { "no".into() },
                        r.rule.clone(),
                        r.tag.clone(),
                        r.reasons.join("; "),
                    ]
                })
                .collect();
            out::table(&["match", "rule", "tag", "because"], &rows);
            println!("tier {}: {}", e.tier, e.tier_reason);
            Ok(())
        }
    }
}

fn refreshed(json: bool, what: &str, r: &rapport_node::Refresh) -> Result<()> {
    if json {
        out::json(&serde_json::json!({ "done": what, "refresh": r }))
    } else {
        println!("{what}; re-evaluated {} customers, {} changed", r.customers, r.changed);
        Ok(())
    }
}

/// `rapport tiers [summary]`.
pub fn tiers(book: &dyn Book, a: &TiersArgs, json: bool) -> Result<()> {
    let model: TierModel = a
        .model
        .parse()
        .map_err(|_| input_error("model", &format!("`{}` is not a model; use sabc, abc or rfm", a.model)))?;
    let as_of = as_of_date(&a.as_of)?;
    match a.view.as_deref() {
        Some("summary") => {
            let s = book.tiers_summary(model, as_of)?;
            if json {
                return out::json(&s);
            }
            let rows: Vec<Vec<String>> = s
                .rows
                .iter()
                .map(|r| {
                    vec![
                        r.tier.clone(),
                        r.customers.to_string(),
                        bp(r.customer_share_bp),
                        r.amount_12m.to_string(),
                        bp(r.revenue_share_bp),
                    ]
                })
                .collect();
            out::table(&["tier", "customers", "share", "amount 12m", "revenue share"], &rows);
            println!("{} customers, 12-month amount {} (as of {as_of})", s.customers, s.amount_12m);
            Ok(())
        }
        Some(other) => Err(input_error("view", &format!("`{other}` is not a view; use `summary` or nothing"))),
        None => {
            let mut lines = book.tiers(model, as_of)?;
            if let Some(t) = &a.tier {
                lines.retain(|l| l.tier.eq_ignore_ascii_case(t));
            }
            let total = lines.len();
            lines.truncate(a.limit.unwrap_or(usize::MAX));
            if json {
                return out::json(&serde_json::json!({ "total": total, "items": lines }));
            }
            let rows: Vec<Vec<String>> = lines
                .iter()
                .map(|l| {
                    vec![l.tier.clone(), l.number.clone(), l.name.clone(), l.amount_12m.to_string(), l.reason.clone()]
                })
                .collect();
            out::table(&["tier", "number", "name", "amount 12m", "why"], &rows);
            println!("{} of {total} customer(s); strategy per tier: rapport tiers summary", lines.len());
            Ok(())
        }
    }
}

fn bp(v: u32) -> String {
    format!("{}.{:02}%", v / 100, v % 100)
}
