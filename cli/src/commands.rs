//! What each command does: parse flags into domain inputs, call the store, print.

use crate::args::*;
use crate::out::{self, opt};
use crate::InputError;
use anyhow::{Context, Result};
use rapport_doc::{ChangeMeta, CustomerDoc, SettingsDoc};
use rapport_model::*;
use rapport_store::{Filter, ListRow, Store, StoreError};
use std::path::{Path, PathBuf};

/// The data directory: `--data-dir`, else `$RAPPORT_DATA`, else the platform data dir.
pub fn data_dir(flag: &Option<PathBuf>) -> Result<PathBuf> {
    if let Some(d) = flag {
        return Ok(d.clone());
    }
    if let Some(d) = std::env::var_os("RAPPORT_DATA").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    dirs::data_dir()
        .map(|d| d.join("rapport"))
        .ok_or_else(|| InputError("no data directory: pass --data-dir or set RAPPORT_DATA".into()).into())
}

/// The store file inside a data directory.
pub fn store_path(dir: &Path) -> PathBuf {
    dir.join("book.redb")
}

/// Now, as the member's wall clock (`RAPPORT_NOW=YYYY-MM-DDTHH:MM:SS` pins it for tests).
pub fn now() -> DateTime {
    std::env::var("RAPPORT_NOW")
        .ok()
        .and_then(|t| parse_datetime("RAPPORT_NOW", &t).ok())
        .unwrap_or_else(|| chrono::Local::now().naive_local().with_nanosecond_zero())
}

trait NoNanos {
    fn with_nanosecond_zero(self) -> Self;
}
impl NoNanos for DateTime {
    fn with_nanosecond_zero(self) -> Self {
        chrono::Timelike::with_nanosecond(&self, 0).unwrap_or(self)
    }
}

/// Today's date.
pub fn today() -> Date {
    now().date()
}

fn open(dir: &Path) -> Result<Store> {
    Ok(Store::open(&store_path(dir))?)
}

fn input(e: FieldError) -> anyhow::Error {
    StoreError::Invalid(e.into()).into()
}

fn meta(store: &Store, why: Option<String>) -> ChangeMeta {
    ChangeMeta::new(&store.identity().member_name, now()).because(why)
}

fn require_reason(reason: &Option<String>, what: &str) -> Result<Option<String>> {
    match reason.as_deref().map(str::trim) {
        Some(r) if !r.is_empty() => Ok(Some(r.to_string())),
        _ => Err(input(FieldError::new("reason", format!("is required when changing {what} (--reason \"...\")")))),
    }
}

fn masking(reveal: bool) -> Masking {
    if reveal {
        Masking::Revealed
    } else {
        Masking::Masked
    }
}

/// Runs one command.
pub fn run(cli: Cli) -> Result<()> {
    let dir = data_dir(&cli.data_dir)?;
    let json = cli.json;
    let reveal = cli.reveal;
    match cli.command {
        Command::Init { name } => {
            let store = Store::init(&store_path(&dir), &name, default_settings()?, crate::dictionary::train()?)?;
            let id = store.identity();
            if json {
                out::json(id)?;
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
        Command::Demo { customers, seed, bench_shape } => demo(&dir, customers, seed, bench_shape, json),
        Command::Customer(c) => customer(&dir, c, json, reveal),
        Command::List(a) => list(&open(&dir)?, &a, json, reveal),
        Command::Search { text, archived } => search(&open(&dir)?, &text, archived, json, reveal),
        Command::Contact(c) => contact(&dir, c, json, reveal),
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
            let store = open(&dir)?;
            let id = store.resolve(&customer)?;
            let who = store.identity().member_name.clone();
            let new = NewInteraction {
                at,
                channel: Some(Channel::parse(&channel).map_err(input)?),
                summary,
                feedback,
                intent: intent.map(|i| IntentLevel::parse(&i)).transpose().map_err(input)?,
                next_action,
                next_due,
                next_assignee: assignee,
            };
            let i = new.validate(&who, now())?;
            let m = meta(&store, None);
            let c = store.edit(id, Box::new(move |d: &mut CustomerDoc, _: &Customer| Ok(d.add_interaction(&i, m)?)))?;
            done(json, &c, "follow-up recorded")
        }
        Command::Service(ServiceCmd::Add { customer, kind, summary, result, satisfaction, at }) => {
            let store = open(&dir)?;
            let id = store.resolve(&customer)?;
            let new = NewServiceRecord {
                at,
                kind: Some(ServiceKind::parse(&kind).map_err(input)?),
                summary,
                result,
                satisfaction: satisfaction.map(serde_json_number::Score::Text),
            };
            let s = new.validate(now())?;
            let m = meta(&store, None);
            let c = store.edit(id, Box::new(move |d: &mut CustomerDoc, _: &Customer| Ok(d.add_service(&s, m)?)))?;
            done(json, &c, "service record added")
        }
        Command::Order(OrderCmd::Add { customer, amount, category, product, date }) => {
            let store = open(&dir)?;
            let id = store.resolve(&customer)?;
            let new =
                NewOrder { date, amount: Some(Money::parse("amount", &amount).map_err(input)?), category, product };
            let o = new.validate(today())?;
            let m = meta(&store, None);
            let c = store.edit(id, Box::new(move |d: &mut CustomerDoc, _: &Customer| Ok(d.add_order(&o, m)?)))?;
            done(json, &c, "order recorded")
        }
        Command::Task(TaskCmd::Add { customer, what, due, assignee }) => {
            let store = open(&dir)?;
            let id = store.resolve(&customer)?;
            let who = store.identity().member_name.clone();
            let t = NewTask { what, assignee, due }.validate(&who)?;
            let tid = t.id.clone();
            let m = meta(&store, None);
            let c = store.edit(id, Box::new(move |d: &mut CustomerDoc, _: &Customer| Ok(d.add_task(&t, m)?)))?;
            if json {
                out::json(&serde_json::json!({ "customer": c.number, "task": tid }))
            } else {
                println!("task {tid} added to {}", c.number);
                Ok(())
            }
        }
        Command::Task(TaskCmd::Done { customer, task, result }) => {
            let store = open(&dir)?;
            let id = store.resolve(&customer)?;
            let doneat = TaskCompletion { result }.at(now());
            let m = meta(&store, None);
            let c = store.edit(
                id,
                Box::new(move |d: &mut CustomerDoc, cur: &Customer| {
                    if cur.tasks.iter().any(|t| t.id.0 == task && t.done.is_some()) {
                        return Err(input_store(FieldError::new("task", format!("`{task}` is already done"))));
                    }
                    Ok(d.complete_task(&task, &doneat, m)?)
                }),
            )?;
            done(json, &c, "task done")
        }
        Command::Agenda { assignee } => {
            let store = open(&dir)?;
            let items = store.agenda(today(), assignee.as_deref())?;
            if json {
                return out::json(&items);
            }
            let rows: Vec<Vec<String>> = items
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
            Ok(())
        }
        Command::History { customer } => {
            let store = open(&dir)?;
            let id = store.resolve(&customer)?;
            let mut doc = store.load_doc(id)?;
            let h = doc.history();
            if json {
                return out::json(&h);
            }
            let rows: Vec<Vec<String>> =
                h.iter().map(|e| vec![e.at.clone(), e.author.clone(), e.what.clone(), opt(&e.why)]).collect();
            out::table(&["when", "who", "what", "why"], &rows);
            Ok(())
        }
        Command::Doctor => {
            let store = open(&dir)?;
            let r = store.doctor()?;
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
            let store = open(&dir)?;
            let n = store.reindex()?;
            if json {
                out::json(&serde_json::json!({ "reindexed": n }))
            } else {
                println!("reindexed {n} customers");
                Ok(())
            }
        }
        Command::Bench(a) => crate::bench::run(&a),
    }
}

fn input_store(e: FieldError) -> StoreError {
    StoreError::Invalid(e.into())
}

fn done(json: bool, c: &Customer, what: &str) -> Result<()> {
    if json {
        out::json(&serde_json::json!({ "customer": c.number, "id": c.id, "done": what }))
    } else {
        println!("{}: {what}", c.number);
        Ok(())
    }
}

/// The settings document every new store starts from.
pub fn default_settings() -> Result<SettingsDoc> {
    Ok(SettingsDoc::genesis(&[], &Default::default())?)
}

fn demo(dir: &Path, n: u64, seed: u64, bench_shape: bool, json: bool) -> Result<()> {
    let path = store_path(dir);
    let store = match Store::open(&path) {
        Ok(s) => s,
        Err(StoreError::NotInitialized(_)) => {
            Store::init(&path, "Demo Owner", default_settings()?, crate::dictionary::train()?)?
        }
        Err(e) => return Err(e.into()),
    };
    let start = std::time::Instant::now();
    let today = today();
    let members = ["Li Wei", "Wang Fang", "Zhang Min", "Chen Jie"];
    let book = rapport_demo::DemoBook::new(seed, today, &members);
    let profile = if bench_shape { rapport_demo::DemoProfile::bench() } else { rapport_demo::DemoProfile::realistic() };
    let offset = store.count()?;
    let customers: Vec<Customer> = (offset..offset + n).map(|i| book.customer(i, &profile)).collect();
    let numbers = store.create_many(customers, &store.identity().member_name.clone(), now())?;
    // A bulk load leaves free pages behind; give them back so the file is as small as it gets.
    let mut store = store;
    store.compact()?;
    let secs = start.elapsed().as_secs_f64();
    if json {
        out::json(&serde_json::json!({ "store": path, "created": numbers.len(), "seconds": secs }))
    } else {
        println!("Created {} sample customers in {}  ({secs:.1} s).", numbers.len(), path.display());
        println!("Try:  rapport list --stage intent --limit 10");
        println!("      rapport customer show {}", numbers.first().map(String::as_str).unwrap_or("NUMBER"));
        println!("      rapport agenda");
        Ok(())
    }
}

fn custom_pairs(items: &[String]) -> Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| input(FieldError::new("custom", format!("`{kv}` is not NAME=VALUE"))))
        })
        .collect()
}

fn deal_from(f: &CustomerFields) -> Result<Option<Deal>> {
    if f.deal_amount.is_none() && f.deal_date.is_none() && f.contract_no.is_none() {
        return Ok(None);
    }
    let mut errs = Vec::new();
    let amount = match &f.deal_amount {
        Some(a) => Money::parse("deal.amount", a).map_err(|e| errs.push(e)).ok(),
        None => {
            errs.push(FieldError::new("deal.amount", "is required for a won customer (--deal-amount)"));
            None
        }
    };
    let date = match &f.deal_date {
        Some(d) => parse_date("deal.date", d).map_err(|e| errs.push(e)).ok(),
        None => {
            errs.push(FieldError::new("deal.date", "is required for a won customer (--deal-date)"));
            None
        }
    };
    let contract_no = f.contract_no.clone().unwrap_or_default();
    ValidationError::check(errs).map_err(StoreError::Invalid)?;
    Ok(match (amount, date) {
        (Some(amount), Some(date)) => Some(Deal { amount, date, contract_no }),
        _ => None,
    })
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
            let store = open(dir)?;
            let contacts = match contact_name {
                Some(name) => vec![NewContact {
                    name,
                    position: contact_position,
                    phone: contact_phone,
                    email: contact_email,
                    wechat: contact_wechat,
                    primary: true,
                }],
                None if contact_phone.is_some() || contact_email.is_some() => {
                    return Err(input(FieldError::new(
                        "contact_name",
                        "is required when a contact phone or email is given",
                    )))
                }
                None => Vec::new(),
            };
            let new = NewCustomer {
                kind: f.kind.as_deref().map(Kind::parse).transpose().map_err(input)?,
                name: f.name.clone().unwrap_or_default(),
                credit_code: f.credit_code.clone(),
                industry: f.industry.clone(),
                size: f.size.clone(),
                revenue_band: f.revenue_band.clone(),
                address: Address {
                    province: f.province.clone(),
                    city: f.city.clone(),
                    district: f.district.clone(),
                    street: f.street.clone(),
                },
                source: f.source.clone(),
                stage: f.stage.as_deref().map(Stage::parse).transpose().map_err(input)?,
                deal: deal_from(&f)?,
                lost_reason: f.lost_reason.clone(),
                owner: f.owner.clone(),
                needs: Needs {
                    pain_points: f.pain_points.clone(),
                    timeline: f.timeline.clone(),
                    budget: f.budget.clone(),
                    ..Default::default()
                },
                notes: f.notes.clone(),
                priority: f.priority.unwrap_or(false),
                tags: tags.into_iter().collect(),
                custom: custom_pairs(&f.custom)?.into_iter().collect(),
                contacts,
            };
            let who = store.identity().member_name.clone();
            let c = new.validate(&who, now())?;
            let c = store.create(c, meta(&store, None))?;
            if json {
                out::json(&out::masked(&c, masking(reveal)))
            } else {
                println!("{}  {}", c.number, c.name);
                Ok(())
            }
        }
        CustomerCmd::Show { customer } => {
            let store = open(dir)?;
            let id = store.resolve(&customer)?;
            let doc = store.load_doc(id)?;
            let c = doc.read()?;
            let conflicts = doc.conflicts()?;
            let summary = store.summary(id)?;
            let shown = out::masked(&c, masking(reveal));
            if json {
                return out::json(&serde_json::json!({
                    "customer": shown,
                    "rule_tags": summary.rule_tags,
                    "tier": summary.tier,
                    "conflicts": conflicts,
                }));
            }
            show(&shown, &summary, &conflicts);
            Ok(())
        }
        CustomerCmd::Edit { customer, fields: f, add_tags, remove_tags, reason } => {
            let store = open(dir)?;
            let id = store.resolve(&customer)?;
            let patch = CustomerPatch {
                name: f.name.clone(),
                kind: f.kind.as_deref().map(Kind::parse).transpose().map_err(input)?,
                credit_code: f.credit_code.clone().map(|c| Some(c).filter(|c| !c.trim().is_empty())),
                industry: f.industry.clone(),
                size: f.size.clone().map(|s| Some(s).filter(|s| !s.trim().is_empty())),
                revenue_band: f.revenue_band.clone().map(|s| Some(s).filter(|s| !s.trim().is_empty())),
                address: if f.province.is_some() || f.city.is_some() || f.district.is_some() || f.street.is_some() {
                    let o = |v: &Option<String>| v.clone().map(|s| Some(s).filter(|s| !s.trim().is_empty()));
                    Some(AddressPatch {
                        province: o(&f.province),
                        city: o(&f.city),
                        district: o(&f.district),
                        street: o(&f.street),
                    })
                } else {
                    None
                },
                source: f.source.clone(),
                stage: f.stage.as_deref().map(Stage::parse).transpose().map_err(input)?,
                deal: deal_from(&f)?,
                lost_reason: f.lost_reason.clone(),
                owner: f.owner.clone(),
                needs: if f.pain_points.is_some() || f.timeline.is_some() || f.budget.is_some() {
                    let o = |v: &Option<String>| v.clone().map(|s| Some(s).filter(|s| !s.trim().is_empty()));
                    Some(NeedsPatch {
                        pain_points: o(&f.pain_points),
                        timeline: o(&f.timeline),
                        budget: o(&f.budget),
                        ..Default::default()
                    })
                } else {
                    None
                },
                notes: f.notes.clone(),
                priority: f.priority,
                custom: custom_pairs(&f.custom)?
                    .into_iter()
                    .map(|(k, v)| (k, Some(v).filter(|v| !v.is_empty())))
                    .collect(),
                add_tags: add_tags.into_iter().collect(),
                remove_tags: remove_tags.into_iter().collect(),
            };
            let who = meta(&store, reason.clone());
            let c = store.edit(
                id,
                Box::new(move |d: &mut CustomerDoc, cur: &Customer| {
                    let p = patch.validate(cur)?;
                    if p.needs_reason(cur) && who.why.is_none() {
                        return Err(input_store(FieldError::new(
                            "reason",
                            "is required when changing the stage (--reason \"...\")",
                        )));
                    }
                    Ok(d.apply_patch(&p, who)?)
                }),
            )?;
            done(json, &c, "updated")
        }
        CustomerCmd::List(a) => list(&open(dir)?, &a, json, reveal),
        CustomerCmd::Search { text, archived } => search(&open(dir)?, &text, archived, json, reveal),
        CustomerCmd::Archive { customer, restore, reason } => {
            let store = open(dir)?;
            let id = store.resolve(&customer)?;
            let m = meta(&store, reason);
            let c = store.edit(
                id,
                Box::new(move |d: &mut CustomerDoc, cur: &Customer| {
                    if cur.archived != restore {
                        let what = if restore { "is not archived" } else { "is already archived" };
                        return Err(input_store(FieldError::new(
                            "archived",
                            format!("customer {} {what}", cur.number),
                        )));
                    }
                    Ok(d.set_archived(!restore, m)?)
                }),
            )?;
            done(json, &c, if restore { "restored" } else { "archived" })
        }
        CustomerCmd::Conflicts { customer } => {
            let store = open(dir)?;
            let id = store.resolve(&customer)?;
            let conflicts = store.load_doc(id)?.conflicts()?;
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

fn show(c: &Customer, s: &rapport_store::Summary, conflicts: &[rapport_doc::Conflict]) {
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
    if let Some(t) = &s.tier {
        println!("  tier        {t}");
    }
    let mut tags: Vec<String> = c.manual_tags.iter().cloned().collect();
    tags.extend(s.rule_tags.iter().map(|t| format!("{t} (rule)")));
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

fn parse_filter(a: &ListArgs) -> Result<Filter> {
    let mut errs = Vec::new();
    let f = Filter {
        industry: a
            .industry
            .as_deref()
            .and_then(|i| industry(i).map(|i| i.code.to_string()).map_err(|e| errs.push(e)).ok()),
        stage: a.stage.as_deref().and_then(|s| Stage::parse(s).map_err(|e| errs.push(e)).ok()),
        source: a.source.clone(),
        owner: a.owner.clone(),
        tag: a.tag.clone(),
        tier: None,
        created_since: a
            .created_since
            .as_deref()
            .and_then(|d| parse_date("created_since", d).map_err(|e| errs.push(e)).ok()),
        created_until: a
            .created_until
            .as_deref()
            .and_then(|d| parse_date("created_until", d).map_err(|e| errs.push(e)).ok()),
        no_interaction_days: a.no_interaction_days.map(|n| (n, today())),
        include_archived: a.archived,
    };
    ValidationError::check(errs).map_err(StoreError::Invalid)?;
    Ok(f)
}

fn print_rows(rows: &[ListRow], limit: Option<usize>, json: bool, reveal: bool) -> Result<()> {
    let m = masking(reveal);
    let shown: Vec<&ListRow> = rows.iter().take(limit.unwrap_or(usize::MAX)).collect();
    if json {
        let items: Vec<serde_json::Value> = shown
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id, "number": r.summary.number, "name": r.summary.name, "kind": r.summary.kind,
                    "industry": r.summary.industry, "stage": r.summary.stage, "owner": r.summary.owner,
                    "source": r.summary.source, "created": r.summary.created, "last_interaction": r.summary.last_interaction,
                    "archived": r.summary.archived, "contact": r.summary.contact,
                    "phone": r.summary.phone.as_deref().map(|p| m.phone(p)),
                    "tags": r.summary.tags, "rule_tags": r.summary.rule_tags, "tier": r.summary.tier,
                })
            })
            .collect();
        return out::json(&serde_json::json!({ "total": rows.len(), "items": items }));
    }
    let table: Vec<Vec<String>> = shown
        .iter()
        .map(|r| {
            let s = &r.summary;
            vec![
                s.number.clone(),
                s.name.clone(),
                s.industry.clone(),
                s.stage.clone(),
                s.owner.clone(),
                opt(&s.last_interaction),
                s.contact.clone().unwrap_or_default(),
                s.phone.as_deref().map(|p| m.phone(p)).unwrap_or_default(),
            ]
        })
        .collect();
    out::table(&["number", "name", "ind", "stage", "owner", "last contact", "contact", "phone"], &table);
    println!("{} of {} customer(s)", shown.len(), rows.len());
    Ok(())
}

fn list(store: &Store, a: &ListArgs, json: bool, reveal: bool) -> Result<()> {
    let f = parse_filter(a)?;
    let rows = store.list(&f)?;
    print_rows(&rows, a.limit, json, reveal)
}

fn search(store: &Store, text: &str, archived: bool, json: bool, reveal: bool) -> Result<()> {
    let rows = store.search(text, archived)?;
    print_rows(&rows, None, json, reveal)
}

fn contact(dir: &Path, cmd: ContactCmd, json: bool, _reveal: bool) -> Result<()> {
    let store = open(dir)?;
    match cmd {
        ContactCmd::Add { customer, name, position, phone, email, wechat, primary, reason } => {
            let id = store.resolve(&customer)?;
            let c = NewContact { name, position, phone, email, wechat, primary }.validate()?;
            let m = meta(&store, reason);
            let c = store.edit(id, Box::new(move |d: &mut CustomerDoc, _: &Customer| Ok(d.add_contact(&c, m)?)))?;
            done(json, &c, "contact added")
        }
        ContactCmd::Edit { customer, contact, name, position, phone, email, wechat, primary, reason } => {
            let id = store.resolve(&customer)?;
            let o = |v: Option<String>| v.map(|s| Some(s).filter(|s| !s.trim().is_empty()));
            let patch = ContactPatch {
                name,
                position: o(position),
                phone: o(phone),
                email: o(email),
                wechat: o(wechat),
                primary: primary.then_some(true),
            }
            .validate()?;
            let why = require_reason(&reason, "contact data")?;
            let m = meta(&store, why);
            let c = store
                .edit(
                    id,
                    Box::new(move |d: &mut CustomerDoc, cur: &Customer| {
                        let ct = cur.find_contact(&contact).ok_or_else(|| {
                            StoreError::Doc(rapport_doc::DocError::NoSuchItem { kind: "contact", id: contact.clone() })
                        })?;
                        Ok(d.edit_contact(&ct.id.0.clone(), &patch, m)?)
                    }),
                )
                .context("contact not changed")?;
            done(json, &c, "contact updated")
        }
    }
}
