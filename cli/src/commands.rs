//! Which command runs, and the book commands: parse flags into domain inputs, call the
//! book, print. Node commands (sync, relay, peers, sample data, serving) live in their
//! own files; every file shares only `context`, `args` and `out`.

use crate::args::*;
use crate::context::{
    as_of_date, data_dir, default_settings, input_error, masking, open, print_rows, store_path, today,
};
use crate::out::{self, opt};
use anyhow::Result;
#[allow(unused_imports)]
use rapport_model::Date;
use rapport_model::*;
use rapport_node::{Book, ContactText, CustomerText, InteractionText, OrderText, ServiceText, TaskText, Written};
use rapport_store::{Filter, Store, StoreError};
use std::path::Path;

/// Makes the data directory of a store owner-only: it holds the book, the API token and
/// the node's address. Directories without a store are not touched.
fn private_data_dir(dir: &Path) -> Result<()> {
    if store_path(dir).exists() {
        rapport_store::make_data_dir_private(dir)?;
    }
    Ok(())
}

/// Runs one command.
pub fn run(cli: Cli) -> Result<()> {
    let dir = data_dir(&cli.data_dir)?;
    // Data directories created before they were private are tightened on first use.
    private_data_dir(&dir)?;
    let json = cli.json;
    let reveal = cli.reveal;
    match cli.command {
        Command::Init { name } => {
            let store = Store::init(&store_path(&dir), &name, default_settings()?, rapport_node::dictionary::train()?)?;
            private_data_dir(&dir)?;
            rapport_api::auth::write_new_token(&dir)?;
            let id = store.identity();
            if json {
                out::json(&*id)?;
            } else {
                println!(
                    "Created store {} for {} (device {}).",
                    store.path().display(),
                    id.member_name,
                    id.device_code
                );
            }
            Ok(())
        }
        Command::Demo { customers, seed, bench_shape } => crate::demo::demo(&dir, customers, seed, bench_shape, json),
        Command::Customer(c) => customer(&dir, *c, json, reveal),
        Command::List(a) => list(open(&dir)?.as_ref(), &a, json, reveal),
        Command::Search { text, archived } => search(open(&dir)?.as_ref(), &text, archived, json, reveal),
        Command::Contact(c) => contact(&dir, c, json),
        Command::Interaction(InteractionCmd::Add {
            customer,
            channel,
            summary,
            feedback,
            intent,
            next_action,
            next_due,
            assignee,
            at,
        }) => {
            let book = open(&dir)?;
            let new =
                InteractionText { channel, summary, feedback, intent, next_action, next_due, assignee, at }.parse()?;
            done(json, &book.add_interaction(&customer, &new)?, "follow-up recorded")
        }
        Command::Service(ServiceCmd::Add { customer, kind, summary, result, satisfaction, at }) => {
            let book = open(&dir)?;
            let new = ServiceText { kind, summary, result, satisfaction, at }.parse()?;
            done(json, &book.add_service(&customer, &new)?, "service record added")
        }
        Command::Order(OrderCmd::Add { customer, amount, category, product, date }) => {
            let book = open(&dir)?;
            let new = OrderText { amount, category, product, date }.parse()?;
            done(json, &book.add_order(&customer, &new)?, "order recorded")
        }
        Command::Task(TaskCmd::Add { customer, what, due, assignee }) => {
            let book = open(&dir)?;
            done(json, &book.add_task(&customer, &TaskText { what, assignee, due }.parse()?)?, "task added")
        }
        Command::Task(TaskCmd::Done { customer, task, result }) => {
            let book = open(&dir)?;
            done(json, &book.complete_task(&customer, &task, &TaskCompletion { result })?, "task done")
        }
        Command::Agenda { assignee, all, limit } => agenda(open(&dir)?.as_ref(), assignee, all, limit, json),
        Command::History { customer } => {
            let h = open(&dir)?.history(&customer)?;
            if json {
                return out::json(&h);
            }
            let rows: Vec<Vec<String>> =
                h.iter().map(|e| vec![e.at.clone(), e.author.clone(), e.what.clone(), opt(&e.why)]).collect();
            out::table(&["when", "who", "what", "why"], &rows);
            Ok(())
        }
        Command::Import(a) => crate::exchange::import(open(&dir)?.as_ref(), &a, json),
        Command::Export(a) => {
            let filter = parse_filter(&a.filter)?;
            crate::exchange::export(open(&dir)?.as_ref(), &a, filter, reveal, json)
        }
        Command::Audit => {
            let log = open(&dir)?.audit()?;
            if json {
                return out::json(&log);
            }
            let rows: Vec<Vec<String>> = log.iter().map(|e| vec![e.at.clone(), e.by.clone(), e.what.clone()]).collect();
            out::table(&["when", "who", "what"], &rows);
            Ok(())
        }
        Command::Report(a) => crate::report::run(open(&dir)?.as_ref(), &a, json),
        Command::Dedupe { limit } => dedupe(open(&dir)?.as_ref(), limit, json, reveal),
        Command::Merge { keep, merge, reason } => {
            let out = open(&dir)?.merge(&keep, &merge, reason)?;
            if json {
                return out::json(&out::masked(&out.survivor, masking(reveal)));
            }
            println!(
                "merged {} into {} {}: {} item(s) taken over; {} now resolves to {}",
                out.absorbed_number,
                out.survivor.number,
                out.survivor.name,
                out.items_taken,
                out.absorbed_number,
                out.survivor.number
            );
            Ok(())
        }
        Command::Doctor => {
            let bar = crate::progress::Counter::new(json, "checking");
            let r = open(&dir)?.doctor_with(&mut |done, total| bar.observe(done, total));
            drop(bar);
            let r = r?;
            if json {
                out::json(&r)?;
            } else {
                println!(
                    "checked {} customers and {} index entries: {} problem(s)",
                    r.customers,
                    r.index_entries,
                    r.problems.len()
                );
                for p in &r.problems {
                    println!("  {p}");
                }
            }
            if r.problems.is_empty() {
                Ok(())
            } else {
                Err(StoreError::Db(format!("{} index problem(s); run `rapport reindex`", r.problems.len())).into())
            }
        }
        Command::Reindex => {
            let bar = crate::progress::Counter::new(json, "reindexing");
            let n = open(&dir)?.reindex_with(&mut |done, total| bar.observe(done, total));
            drop(bar);
            let n = n?;
            if json {
                out::json(&serde_json::json!({ "reindexed": n }))
            } else {
                println!("reindexed {n} customers");
                Ok(())
            }
        }
        Command::Bench(a) => crate::bench::run(&a),
        Command::Relay(RelayCmd::Set { url, token }) => crate::sync::set_relay(&dir, &url, &token, json),
        Command::Join { url, token } => crate::team::join(&dir, &url, &token, json),
        Command::Team => crate::team::show(open(&dir)?.as_ref(), json),
        Command::Peer(cmd) => crate::peer::run(&dir, cmd, json),
        Command::Sync { view, customer, out, peers } => match (view.as_deref(), customer) {
            (None, _) => crate::sync::sync(&dir, peers, json),
            (Some("status"), None) => crate::sync::status(&dir, json),
            (Some("discard"), Some(c)) => crate::sync::discard(&dir, &c, out, json),
            (Some("discard"), None) => Err(input_error("customer", "`sync discard` needs the customer's number")),
            (Some(other), _) => {
                Err(input_error("view", &format!("`{other}` is not a view; use `status`, `discard NUMBER` or nothing")))
            }
        },
        Command::Rules(r) => crate::rules::run(open(&dir)?.as_ref(), r, json, reveal),
        Command::Tags(TagsCmd::Refresh) => {
            let r = open(&dir)?.refresh_tags()?;
            if json {
                out::json(&r)
            } else {
                println!(
                    "re-evaluated {} customers as of {}: {} changed ({} ms)",
                    r.customers, r.as_of, r.changed, r.millis
                );
                Ok(())
            }
        }
        Command::Tiers(a) => crate::rules::tiers(open(&dir)?.as_ref(), &a, json),
        Command::Serve(a) => crate::serve::serve(&dir, &a, json),
        Command::Open { print } => crate::serve::open(&dir, print, json),
        Command::Token(t) => crate::serve::token(&dir, t, json),
        Command::BenchHttp(a) => crate::bench_http::run(&dir, &a),
        Command::BenchWeb(a) => crate::bench_web::run(&dir, &a),
        Command::BenchLive(a) => crate::bench_live::run(&dir, &a),
    }
}

fn done(json: bool, w: &Written, what: &str) -> Result<()> {
    if json {
        out::json(w)
    } else {
        match &w.item {
            Some(item) => println!("{}: {what} ({item})", w.customer),
            None => println!("{}: {what}", w.customer),
        }
        Ok(())
    }
}

/// The customer options as the library reads them (one reading for `add` and `edit`).
fn customer_text(f: &CustomerFields, add_tags: Vec<String>, remove_tags: Vec<String>) -> CustomerText {
    CustomerText {
        kind: f.kind.clone(),
        name: f.name.clone(),
        credit_code: f.credit_code.clone(),
        industry: f.industry.clone(),
        size: f.size.clone(),
        revenue_band: f.revenue_band.clone(),
        source: f.source.clone(),
        stage: f.stage.clone(),
        deal_amount: f.deal_amount.clone(),
        deal_date: f.deal_date.clone(),
        contract_no: f.contract_no.clone(),
        lost_reason: f.lost_reason.clone(),
        owner: f.owner.clone(),
        province: f.province.clone(),
        city: f.city.clone(),
        district: f.district.clone(),
        street: f.street.clone(),
        pain_points: f.pain_points.clone(),
        timeline: f.timeline.clone(),
        budget: f.budget.clone(),
        notes: f.notes.clone(),
        priority: f.priority,
        custom: f.custom.clone(),
        add_tags,
        remove_tags,
    }
}

fn customer(dir: &Path, cmd: CustomerCmd, json: bool, reveal: bool) -> Result<()> {
    match cmd {
        CustomerCmd::Add {
            fields: f,
            tags,
            contact_name,
            contact_position,
            contact_phone,
            contact_email,
            contact_wechat,
        } => {
            let book = open(dir)?;
            let contact = ContactText {
                name: contact_name,
                position: contact_position,
                phone: contact_phone,
                email: contact_email,
                wechat: contact_wechat,
            };
            let new = customer_text(&f, Vec::new(), Vec::new()).new_customer(tags, &contact)?;
            let c = book.add_customer(&new)?;
            if json {
                out::json(&out::masked(&c, masking(reveal)))
            } else {
                println!("{}  {}", c.number, c.name);
                Ok(())
            }
        }
        CustomerCmd::Show { customer, as_of } => {
            let book = open(dir)?;
            let as_of = as_of_date(&as_of)?;
            let view = book.customer(&customer)?;
            let figures = book.figures(&customer, as_of)?;
            let shown = out::masked(&view.customer, masking(reveal));
            if json {
                return out::json(&serde_json::json!({
                    "customer": shown,
                    "rule_tags": view.rule_tags,
                    "tier": view.tier,
                    "conflicts": view.conflicts,
                    "figures": figures,
                }));
            }
            show(&shown, &view.rule_tags, &view.tier, &view.conflicts);
            print_figures(&figures, as_of);
            Ok(())
        }
        CustomerCmd::Edit { customer, fields: f, add_tags, remove_tags, reason } => {
            let book = open(dir)?;
            // Deal parts not given keep the stored deal's, unless the stage changes (a new
            // deal is then given whole); the store checks the deal as patched.
            let text = customer_text(&f, add_tags, remove_tags);
            let current_deal =
                if text.has_deal_part() && f.stage.is_none() { book.customer(&customer)?.customer.deal } else { None };
            let patch = text.patch(current_deal.as_ref())?;
            done(json, &book.patch_customer(&customer, &patch, reason)?, "updated")
        }
        CustomerCmd::List(a) => list(open(dir)?.as_ref(), &a, json, reveal),
        CustomerCmd::Search { text, archived } => search(open(dir)?.as_ref(), &text, archived, json, reveal),
        CustomerCmd::Archive { customer, restore, reason } => {
            let w = open(dir)?.set_archived(&customer, !restore, reason)?;
            done(json, &w, if restore { "restored" } else { "archived" })
        }
        CustomerCmd::Conflicts { customer } => {
            let conflicts = open(dir)?.customer(&customer)?.conflicts;
            if json {
                return out::json(&conflicts);
            }
            if conflicts.is_empty() {
                println!("no conflicting edits");
            }
            let rows: Vec<Vec<String>> =
                conflicts.iter().map(|c| vec![c.field.clone(), c.value.clone(), c.losing.join(" | ")]).collect();
            out::table(&["field", "shown", "also written"], &rows);
            Ok(())
        }
    }
}

fn show(c: &Customer, rule_tags: &[String], tier: &Option<String>, conflicts: &[rapport_doc::Conflict]) {
    let ind =
        industry(&c.industry).map(|i| format!("{} {} ({})", i.code, i.en, i.zh)).unwrap_or_else(|_| c.industry.clone());
    println!("{}  {}{}", c.number, c.name, if c.archived { "  [archived]" } else { "" });
    println!("  kind        {} ({})", c.kind, c.kind.zh());
    println!("  stage       {} ({})", c.stage, c.stage.zh());
    if let Some(d) = &c.deal {
        println!("  deal        {} on {}, contract {}", d.amount, d.date, d.contract_no);
    }
    if let Some(r) = &c.lost_reason {
        println!("  lost        {r}");
    }
    println!("  industry    {ind}");
    println!("  source      {}", c.source);
    println!("  owner       {}  (entered by {} at {})", c.owner, c.entered_by, c.created_at);
    if let Some(cc) = &c.credit_code {
        println!("  credit code {cc}");
    }
    let a = &c.address;
    let addr: Vec<&str> = [&a.province, &a.city, &a.district, &a.street].iter().filter_map(|x| x.as_deref()).collect();
    if !addr.is_empty() {
        println!("  address     {}", addr.join(" "));
    }
    if let Some(t) = tier {
        println!("  tier        {t}");
    }
    let mut tags: Vec<String> = c.manual_tags.iter().cloned().collect();
    tags.extend(rule_tags.iter().map(|t| format!("{t} (rule)")));
    if !tags.is_empty() {
        println!("  tags        {}", tags.join(", "));
    }
    if c.priority {
        println!("  priority    HIGH");
    }
    for (k, v) in &c.custom {
        println!("  {k:<11} {v}");
    }
    if !c.notes.is_empty() {
        println!("  notes       {}", c.notes.replace('\n', "\n              "));
    }
    if !c.contacts.is_empty() {
        println!("\nContacts");
        let rows: Vec<Vec<String>> = c
            .contacts
            .iter()
            .map(|x| {
                vec![
                    if x.primary { "*".into() } else { String::new() },
                    x.name.clone(),
                    opt(&x.position),
                    opt(&x.phone),
                    opt(&x.email),
                    opt(&x.wechat),
                    x.id.0.clone(),
                ]
            })
            .collect();
        out::table(&["", "name", "position", "phone", "email", "wechat", "id"], &rows);
    }
    if !c.interactions.is_empty() {
        println!("\nFollow-ups");
        let rows: Vec<Vec<String>> = c
            .interactions
            .iter()
            .map(|i| {
                vec![
                    i.at.format("%Y-%m-%d %H:%M").to_string(),
                    i.channel.to_string(),
                    opt(&i.intent),
                    i.author.clone(),
                    i.summary.clone(),
                    i.next_action
                        .as_ref()
                        .map(|n| format!("{} by {} ({})", n.what, n.due, n.assignee))
                        .unwrap_or_default(),
                ]
            })
            .collect();
        out::table(&["when", "channel", "intent", "by", "summary", "next"], &rows);
    }
    if !c.orders.is_empty() {
        println!("\nOrders");
        let rows: Vec<Vec<String>> = c
            .orders
            .iter()
            .map(|o| vec![o.date.to_string(), o.amount.to_string(), o.category.clone(), opt(&o.product)])
            .collect();
        out::table(&["date", "amount", "category", "product"], &rows);
    }
    if !c.service_records.is_empty() {
        println!("\nService");
        let rows: Vec<Vec<String>> = c
            .service_records
            .iter()
            .map(|r| {
                vec![
                    r.at.format("%Y-%m-%d").to_string(),
                    r.kind.to_string(),
                    r.summary.clone(),
                    opt(&r.result),
                    opt(&r.satisfaction),
                ]
            })
            .collect();
        out::table(&["date", "type", "summary", "result", "satisfaction"], &rows);
    }
    if !c.tasks.is_empty() {
        println!("\nTasks");
        let rows: Vec<Vec<String>> = c
            .tasks
            .iter()
            .map(|t| {
                vec![
                    t.due.to_string(),
                    t.assignee.clone(),
                    t.what.clone(),
                    t.done.as_ref().map(|d| format!("done {}", d.at.date())).unwrap_or_else(|| "open".into()),
                    t.id.0.clone(),
                ]
            })
            .collect();
        out::table(&["due", "assignee", "what", "status", "id"], &rows);
    }
    if !conflicts.is_empty() {
        println!("\nConcurrent edits (shown value | also written)");
        for x in conflicts {
            println!("  {}: {} | {}", x.field, x.value, x.losing.join(" | "));
        }
    }
}

fn print_figures(f: &rapport_rules::Figures, as_of: Date) {
    println!("\nFigures as of {as_of}");
    let opt_money = |m: &Option<Money>| m.map(|m| m.to_string()).unwrap_or_else(|| "-".into());
    println!("  amount 12 months {}   lifetime {}", f.amount_12m, f.amount_total);
    println!(
        "  orders {}   average {}   repeat purchases {}   repurchase rate {}",
        f.order_count,
        opt_money(&f.avg_order),
        f.repeat_purchases,
        pct(Some(f.repurchase_rate_bp))
    );
    println!("  last order {}   trend {:?}", opt(&f.last_order), f.order_trend);
    if !f.top_categories.is_empty() {
        let cats: Vec<String> = f.top_categories.iter().map(|c| format!("{} {}", c.category, c.amount)).collect();
        println!("  top categories {}", cats.join(", "));
    }
    println!(
        "  follow-ups 30 days {}   90 days {}   days since last {}",
        f.interactions_30d,
        f.interactions_90d,
        opt(&f.days_since_last_interaction)
    );
    println!(
        "  complaints {} ({})   average satisfaction {}",
        f.complaints,
        pct(Some(f.complaint_rate_bp)),
        opt(&f.avg_satisfaction)
    );
    if f.won {
        println!("  follow-ups until won {}   days to win {}", opt(&f.follow_ups_to_won), opt(&f.days_to_won));
    }
}

fn pct(bp: Option<u32>) -> String {
    match bp {
        Some(b) => format!("{}.{:02}%", b / 100, b % 100),
        None => "-".into(),
    }
}

/// The filter `list` and `export` options ask for, read by the library's one reading of
/// filter text (the API's query parameters are read by the same function).
fn parse_filter(a: &ListArgs) -> Result<Filter> {
    let text = rapport_node::FilterText {
        industry: a.industry.clone(),
        stage: a.stage.clone(),
        source: a.source.clone(),
        owner: a.owner.clone(),
        tag: a.tag.clone(),
        tier: a.tier.clone(),
        created_since: a.created_since.clone(),
        created_until: a.created_until.clone(),
        no_interaction_days: a.no_interaction_days,
        archived: a.archived,
        to_fill: a.to_fill,
    };
    Ok(text.parse(today(), rapport_node::DateForms::Typed)?)
}

fn list(book: &dyn Book, a: &ListArgs, json: bool, reveal: bool) -> Result<()> {
    let f = parse_filter(a)?;
    let rows = book.list(&f)?;
    print_rows(&rows, a.limit, json, reveal)
}

fn search(book: &dyn Book, text: &str, archived: bool, json: bool, reveal: bool) -> Result<()> {
    let rows = book.search(text, archived)?;
    print_rows(&rows, None, json, reveal)
}

fn contact(dir: &Path, cmd: ContactCmd, json: bool) -> Result<()> {
    let book = open(dir)?;
    match cmd {
        ContactCmd::Add { customer, name, position, phone, email, wechat, primary, reason } => {
            let new = NewContact { name, position, phone, email, wechat, primary, other_phones: Vec::new() };
            done(json, &book.add_contact(&customer, &new, reason)?, "contact added")
        }
        ContactCmd::Edit { customer, contact, name, position, phone, email, wechat, primary, reason } => {
            let o = |v: Option<String>| v.map(|s| Some(s).filter(|s| !s.trim().is_empty()));
            let patch = ContactPatch {
                name,
                position: o(position),
                phone: o(phone),
                email: o(email),
                wechat: o(wechat),
                primary: primary.then_some(true),
            };
            done(json, &book.edit_contact(&customer, &contact, &patch, reason)?, "contact updated")
        }
    }
}

/// The agenda of `assignee`, of everyone with `all`, else of this node's member.
fn agenda(book: &dyn Book, assignee: Option<String>, all: bool, limit: Option<usize>, json: bool) -> Result<()> {
    let whose = match (assignee, all) {
        (_, true) => None,
        (Some(a), false) => Some(a),
        (None, false) => Some(book.identity()?.member_name),
    };
    let agenda = book.agenda(today(), whose.as_deref(), limit)?;
    if json {
        return out::json(&agenda);
    }
    let rows: Vec<Vec<String>> = agenda
        .items
        .iter()
        .map(|i| {
            vec![
                format!("{:?}", i.when).to_lowercase(),
                i.due.to_string(),
                i.assignee.clone(),
                i.number.clone(),
                i.customer.clone(),
                i.what.clone(),
            ]
        })
        .collect();
    out::table(&["when", "due", "assignee", "customer", "name", "what"], &rows);
    match whose {
        Some(name) => {
            println!("{} of {} item(s) for {name}; `--all` shows everyone's", agenda.items.len(), agenda.total)
        }
        None => println!("{} of {} item(s)", agenda.items.len(), agenda.total),
    }
    Ok(())
}

fn dedupe(book: &dyn Book, limit: Option<usize>, json: bool, reveal: bool) -> Result<()> {
    let mut found = book.duplicates(limit)?;
    let m = masking(reveal);
    for p in &mut found.pairs {
        for row in [&mut p.keep, &mut p.merge] {
            row.summary.phone = row.summary.phone.as_deref().map(|x| m.phone(x));
        }
    }
    if json {
        return out::json(&found);
    }
    let rows: Vec<Vec<String>> = found
        .pairs
        .iter()
        .map(|p| {
            vec![
                p.score.to_string(),
                p.keep.summary.number.clone(),
                p.keep.summary.name.clone(),
                p.merge.summary.number.clone(),
                p.merge.summary.name.clone(),
                p.reasons.join("; "),
            ]
        })
        .collect();
    out::table(&["score", "keep", "name", "merge", "name", "why"], &rows);
    println!(
        "{} of {} likely duplicate pair(s); join one with `rapport merge KEEP MERGE`",
        found.pairs.len(),
        found.total
    );
    for c in &found.crowded {
        println!("note: {} customers share {} {} (not listed as pairs)", c.customers, c.kind, c.value);
    }
    Ok(())
}
