//! Customers: the list (every filter of `rapport list`, search as you type, sorting,
//! paging), a customer's page, and the forms that add and change.

use crate::error::WebError;
use crate::i18n::{Lang, M};
use crate::layout::{self, csrf, field, page, select, text_input, Section};
use crate::session::Signed;
use crate::Web;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{html, Markup};
use rapport_model::{
    mask_email, mask_phone, Channel, Contact, Customer, FieldError, IntentLevel, Kind, ServiceKind, Stage,
    TaskCompletion, INDUSTRIES,
};
use rapport_node::{
    Action, ContactText, CustomerText, DateForms, FilterText, InteractionText, LocalBook, OrderText, ServiceText,
    TaskText,
};
use rapport_store::ListRow;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Rows on one page of the list.
pub const PAGE_ROWS: usize = 50;

/// Runs store work off the async threads.
pub(crate) async fn on_book<T: Send + 'static>(
    web: &Web,
    f: impl FnOnce(&LocalBook) -> Result<T, WebError> + Send + 'static,
) -> Result<T, WebError> {
    let node = web.node().clone();
    tokio::task::spawn_blocking(move || f(node.book()))
        .await
        .map_err(|e| WebError::Failed(format!("a worker failed: {e}")))?
}

/// Runs a write, then wakes the change feed and background sync (as the API does).
pub(crate) async fn write<T: Send + 'static>(
    web: &Web,
    f: impl FnOnce(&LocalBook) -> Result<T, WebError> + Send + 'static,
) -> Result<T, WebError> {
    let r = on_book(web, f).await;
    web.node().changed();
    r
}

pub(crate) use rapport_node::given;

fn stage_label(lang: Lang, code: &str) -> String {
    Stage::parse(code).map(|s| lang.term(s.zh(), s.as_str()).to_string()).unwrap_or_else(|_| code.to_string())
}

fn industry_label(lang: Lang, code: &str) -> String {
    INDUSTRIES
        .iter()
        .find(|i| i.code == code)
        .map(|i| lang.term(i.zh, i.en).to_string())
        .unwrap_or_else(|| code.to_string())
}

// ---------------------------------------------------------------------------------------
// The list.

/// The list's query: the filters of `rapport list`, the search text, sort and page.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct ListForm {
    q: Option<String>,
    industry: Option<String>,
    stage: Option<String>,
    source: Option<String>,
    owner: Option<String>,
    tag: Option<String>,
    tier: Option<String>,
    created_since: Option<String>,
    created_until: Option<String>,
    no_interaction_days: Option<String>,
    archived: Option<String>,
    to_fill: Option<String>,
    sort: Option<String>,
    cursor: Option<String>,
}

impl ListForm {
    fn filter_text(&self) -> Result<FilterText, WebError> {
        let days = match given(&self.no_interaction_days) {
            Some(d) => Some(
                d.parse::<u32>()
                    .map_err(|_| WebError::field("no_interaction_days", "is not a whole number of days"))?,
            ),
            None => None,
        };
        Ok(FilterText {
            industry: given(&self.industry),
            stage: given(&self.stage),
            source: given(&self.source),
            owner: given(&self.owner),
            tag: given(&self.tag),
            tier: given(&self.tier),
            created_since: given(&self.created_since),
            created_until: given(&self.created_until),
            no_interaction_days: days,
            archived: self.archived.is_some(),
            to_fill: self.to_fill.is_some(),
        })
    }

    /// The query string for the same list with another cursor.
    fn with_cursor(&self, cursor: Option<&str>) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("industry", &self.industry),
            ("stage", &self.stage),
            ("source", &self.source),
            ("owner", &self.owner),
            ("tag", &self.tag),
            ("tier", &self.tier),
            ("created_since", &self.created_since),
            ("created_until", &self.created_until),
            ("no_interaction_days", &self.no_interaction_days),
            ("archived", &self.archived),
            ("to_fill", &self.to_fill),
            ("sort", &self.sort),
        ] {
            if let Some(v) = given(v) {
                pairs.push((k, v));
            }
        }
        if let Some(c) = cursor {
            pairs.push(("cursor", c.to_string()));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }
}

/// One page of the list, or the refused filter values.
struct ListResult {
    rows: Vec<Arc<ListRow>>,
    total: usize,
    next: Option<String>,
    errors: Vec<FieldError>,
}

async fn list_result(web: &Web, form: &ListForm) -> Result<ListResult, WebError> {
    let text = match form.filter_text() {
        Ok(t) => t,
        Err(e) => return Ok(ListResult { rows: vec![], total: 0, next: None, errors: refused(&e) }),
    };
    let form = form.clone();
    let node = web.node().clone();
    on_book(web, move |book| {
        let today = book.now().date();
        let filter = match text.parse(today, DateForms::Typed) {
            Ok(f) => f,
            Err(e) => return Ok(ListResult { rows: vec![], total: 0, next: None, errors: refused(&e.into()) }),
        };
        let rows = node.views().list(book, &filter, given(&form.q).as_deref())?;
        let sort = given(&form.sort).unwrap_or_else(|| "number".into());
        match rapport_node::views::page(rows, &sort, PAGE_ROWS, given(&form.cursor).as_deref()) {
            Ok(p) => Ok(ListResult { rows: p.rows, total: p.total, next: p.next_cursor, errors: vec![] }),
            Err(e) => Ok(ListResult { rows: vec![], total: 0, next: None, errors: vec![e] }),
        }
    })
    .await
}

fn refused(e: &WebError) -> Vec<FieldError> {
    e.fields().map(<[FieldError]>::to_vec).unwrap_or_else(|| vec![FieldError::new("", e.to_string())])
}

/// The refusal for field `name` (or one of its parts), in the page's language.
fn error_for(m: M, errors: &[FieldError], name: &str) -> Option<String> {
    errors.iter().find(|e| e.field == name || e.field.starts_with(&format!("{name}."))).map(|e| m.reason(&e.reason))
}

fn rows_table(m: M, form: &ListForm, r: &ListResult) -> Markup {
    let lang = m.0;
    html! {
        div id="rows" {
            p class="count" role="status" { (m.f("list.count", &[("n", &r.total.to_string())])) }
            @if !r.errors.is_empty() {
                ul class="errors" role="alert" {
                    @for e in &r.errors { li { strong { (e.field) } ": " (m.reason(&e.reason)) } }
                }
            }
            table class="list" {
                caption class="visually-hidden" { (m.t("list.caption")) }
                thead { tr {
                    th scope="col" { (m.t("field.number")) }
                    th scope="col" { (m.t("field.name")) }
                    th scope="col" { (m.t("field.industry")) }
                    th scope="col" { (m.t("field.stage")) }
                    th scope="col" { (m.t("field.owner")) }
                    th scope="col" { (m.t("field.tier")) }
                    th scope="col" { (m.t("field.tags")) }
                    th scope="col" { (m.t("field.last_interaction")) }
                } }
                tbody {
                    @for row in &r.rows {
                        @let s = &row.summary;
                        tr {
                            td { a href={ "/customers/" (s.number) } { (s.number) } }
                            td { (s.name) @if s.priority { " " span class="badge" { (m.t("field.priority")) } } }
                            td { (industry_label(lang, &s.industry)) }
                            td { (stage_label(lang, &s.stage)) }
                            td { (s.owner) }
                            td { (s.tier.as_deref().unwrap_or("")) }
                            td { (s.tags.iter().chain(&s.rule_tags).cloned().collect::<Vec<_>>().join(", ")) }
                            td { (s.last_interaction.map(|d| d.to_string()).unwrap_or_default()) }
                        }
                    }
                }
            }
            nav class="pager" aria-label=(m.t("list.pages")) {
                @if given(&form.cursor).is_some() {
                    a href={ "/customers?" (form.with_cursor(None)) } { (m.t("list.first")) }
                }
                @if let Some(next) = &r.next {
                    a href={ "/customers?" (form.with_cursor(Some(next))) } rel="next" { (m.t("list.next")) }
                }
            }
        }
    }
}

fn filter_form(m: M, form: &ListForm, errors: &[FieldError]) -> Markup {
    let lang = m.0;
    let e = |name: &str| error_for(m, errors, name);
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let mut industries = vec![(String::new(), m.t("list.any").to_string())];
    industries.extend(INDUSTRIES.iter().map(|i| (i.code.to_string(), lang.term(i.zh, i.en).to_string())));
    let mut stages = vec![(String::new(), m.t("list.any").to_string())];
    stages.extend(Stage::ALL.iter().map(|s| (s.as_str().to_string(), lang.term(s.zh(), s.as_str()).to_string())));
    let tiers: Vec<(String, String)> = [("", m.t("list.any")), ("S", "S"), ("A", "A"), ("B", "B"), ("C", "C")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let sorts: Vec<(String, String)> = [
        ("number", m.t("sort.number")),
        ("name", m.t("sort.name")),
        ("-created", m.t("sort.newest")),
        ("created", m.t("sort.oldest")),
        ("-last_interaction", m.t("sort.recent_contact")),
        ("last_interaction", m.t("sort.longest_silence")),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    html! {
        form method="get" action="/customers" id="filters" class="filters" role="search" {
            (field("q", m.t("list.search"), html! {
                input type="search" id="q" name="q" value=(v(&form.q)) autocomplete="off"
                    placeholder=(m.t("list.search_hint")) data-live-search="/customers/rows";
            }, None))
            (field("industry", m.t("field.industry"), select("industry", &v(&form.industry), &industries, e("industry").as_deref()), e("industry").as_deref()))
            (field("stage", m.t("field.stage"), select("stage", &v(&form.stage), &stages, e("stage").as_deref()), e("stage").as_deref()))
            (field("owner", m.t("field.owner"), text_input("owner", &v(&form.owner), e("owner").as_deref(), "text"), e("owner").as_deref()))
            (field("source", m.t("field.source"), text_input("source", &v(&form.source), e("source").as_deref(), "text"), e("source").as_deref()))
            (field("tier", m.t("field.tier"), select("tier", &v(&form.tier), &tiers, e("tier").as_deref()), e("tier").as_deref()))
            (field("tag", m.t("field.tag"), text_input("tag", &v(&form.tag), e("tag").as_deref(), "text"), e("tag").as_deref()))
            (field("created_since", m.t("field.created_since"), text_input("created_since", &v(&form.created_since), e("created_since").as_deref(), "date"), e("created_since").as_deref()))
            (field("created_until", m.t("field.created_until"), text_input("created_until", &v(&form.created_until), e("created_until").as_deref(), "date"), e("created_until").as_deref()))
            (field("no_interaction_days", m.t("field.no_interaction_days"), text_input("no_interaction_days", &v(&form.no_interaction_days), e("no_interaction_days").as_deref(), "number"), e("no_interaction_days").as_deref()))
            (field("sort", m.t("list.sort"), select("sort", &v(&form.sort), &sorts, None), None))
            div class="field check" {
                input type="checkbox" id="archived" name="archived" value="1" checked[form.archived.is_some()];
                label for="archived" { (m.t("field.archived")) }
            }
            div class="field check" {
                input type="checkbox" id="to_fill" name="to_fill" value="1" checked[form.to_fill.is_some()];
                label for="to_fill" { (m.t("field.to_fill")) }
            }
            div class="actions" { button type="submit" { (m.t("list.apply")) } }
        }
    }
}

/// `GET /customers` (and `/`): the filter form and the first page.
pub(crate) async fn list_page(
    State(web): State<Web>,
    Extension(signed): Extension<Signed>,
    Query(form): Query<ListForm>,
) -> Result<Response, WebError> {
    let m = M(signed.lang);
    let r = list_result(&web, &form).await?;
    let create = on_book(&web, may_create).await?;
    let content = html! {
        div class="title-row" {
            h1 { (m.t("list.title")) }
            @if create { a class="button" href="/customers/new" { (m.t("customer.new")) } }
        }
        (filter_form(m, &form, &r.errors))
        (rows_table(m, &form, &r))
    };
    let status = if r.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(page(&signed, Section::Customers, "/customers", m.t("list.title"), content).into_string()))
        .into_response())
}

/// `GET /customers/rows`: the rows alone, for search as you type.
pub(crate) async fn list_rows(
    State(web): State<Web>,
    Extension(signed): Extension<Signed>,
    Query(form): Query<ListForm>,
) -> Result<Response, WebError> {
    let r = list_result(&web, &form).await?;
    Ok(Html(rows_table(M(signed.lang), &form, &r).into_string()).into_response())
}

// ---------------------------------------------------------------------------------------
// A customer's page.

fn masked_contact(m: M, number: &str, c: &Contact, signed: &Signed) -> Markup {
    html! {
        li class="contact" id={ "contact-" (c.id.0) } {
            strong { (c.name) }
            @if let Some(p) = &c.position { " · " (p) }
            @if c.primary { " " span class="badge" { (m.t("contact.primary")) } }
            div class="masked" {
                @if let Some(p) = &c.phone { span { (mask_phone(p)) } " " }
                @if let Some(e) = &c.email { span { (mask_email(e)) } " " }
                @if c.wechat.is_some() { span { (m.t("contact.wechat")) " ••••" } }
            }
            form method="post" action={ "/customers/" (number) "/contacts/" (c.id.0) "/reveal" } class="inline reveal" {
                (csrf(signed))
                button type="submit" { (m.t("contact.reveal")) }
            }
        }
    }
}

/// The contact shown in full, after the reveal was written to the audit log.
fn revealed_contact(m: M, c: &Contact) -> Markup {
    html! {
        li class="contact revealed" id={ "contact-" (c.id.0) } {
            strong { (c.name) }
            @if let Some(p) = &c.position { " · " (p) }
            div {
                @if let Some(p) = &c.phone { span { (m.t("contact.phone")) ": " (p) } " " }
                @for p in &c.other_phones { span { (p) } " " }
                @if let Some(e) = &c.email { span { (m.t("contact.email")) ": " (e) } " " }
                @if let Some(w) = &c.wechat { span { (m.t("contact.wechat")) ": " (w) } }
            }
            p class="muted" { (m.t("contact.audited")) }
        }
    }
}

/// What this node's member may do to one customer: the controls a page shows. The store's
/// guard refuses the rest whatever a request asks (`rapport_node::Rights` is its rule).
#[derive(Clone, Copy, Default)]
struct Can {
    edit: bool,
    follow_up: bool,
    order: bool,
    service: bool,
    task: bool,
    complete: bool,
}

impl Can {
    fn of(book: &LocalBook, owner: &str) -> Result<Can, WebError> {
        let rights = rapport_node::Rights::load(&book.store)?;
        let may = |a: Action| rights.may(a, owner);
        Ok(Can {
            edit: may(Action::EditRecord),
            follow_up: may(Action::AddFollowUp),
            order: may(Action::AddOrder),
            service: may(Action::AddServiceRecord),
            task: may(Action::AddTask),
            complete: may(Action::CompleteTask),
        })
    }
}

/// Whether this node's member may create customers (owned by them).
pub(crate) fn may_create(book: &LocalBook) -> Result<bool, WebError> {
    let me = book.identity()?.member_name;
    Ok(rapport_node::may_here(&book.store, Action::Create, &me)?)
}

/// What a customer's page shows, read in one go.
struct Detail {
    view: rapport_node::CustomerView,
    explain: rapport_node::Explanation,
    history: Vec<rapport_doc::HistoryEntry>,
    can: Can,
}

async fn read_detail(web: &Web, key: String) -> Result<Detail, WebError> {
    on_book(web, move |book| {
        let view = book.customer(&key)?;
        let today = book.now().date();
        let explain = book.explain(&view.customer.number, today)?;
        let history = book.history(&view.customer.number)?;
        let can = Can::of(book, &view.customer.owner)?;
        Ok(Detail { view, explain, history, can })
    })
    .await
}

fn record(m: M, c: &Customer) -> Markup {
    let lang = m.0;
    let row = |label: &str, value: String| {
        html! { @if !value.is_empty() { dt { (label) } dd { (value) } } }
    };
    let addr = [&c.address.province, &c.address.city, &c.address.district, &c.address.street]
        .iter()
        .filter_map(|v| v.as_deref())
        .collect::<Vec<_>>()
        .join(" ");
    html! {
        dl class="record" {
            (row(m.t("field.kind"), lang.term(c.kind.zh(), c.kind.as_str()).to_string()))
            (row(m.t("field.industry"), industry_label(lang, &c.industry)))
            (row(m.t("field.stage"), lang.term(c.stage.zh(), c.stage.as_str()).to_string()))
            (row(m.t("field.owner"), c.owner.clone()))
            (row(m.t("field.source"), match (lang, rapport_model::source_zh(&c.source)) {
                (Lang::Zh, Some(zh)) => zh.to_string(),
                _ => c.source.clone(),
            }))
            (row(m.t("field.credit_code"), c.credit_code.clone().unwrap_or_default()))
            (row(m.t("field.size"), c.size.clone().unwrap_or_default()))
            (row(m.t("field.revenue_band"), c.revenue_band.clone().unwrap_or_default()))
            (row(m.t("field.address"), addr))
            @if let Some(d) = &c.deal {
                (row(m.t("field.deal_amount"), layout::money(&d.amount)))
                (row(m.t("field.deal_date"), d.date.to_string()))
                (row(m.t("field.contract_no"), d.contract_no.clone()))
            }
            (row(m.t("field.lost_reason"), c.lost_reason.clone().unwrap_or_default()))
            (row(m.t("field.pain_points"), c.needs.pain_points.clone().unwrap_or_default()))
            (row(m.t("field.timeline"), c.needs.timeline.clone().unwrap_or_default()))
            (row(m.t("field.budget"), c.needs.budget.clone().unwrap_or_default()))
            (row(m.t("field.notes"), c.notes.clone()))
            (row(m.t("field.tags"), c.manual_tags.iter().cloned().collect::<Vec<_>>().join(", ")))
            @for (k, v) in &c.custom { (row(k, v.clone())) }
            (row(m.t("field.to_fill"), c.to_fill.iter().cloned().collect::<Vec<_>>().join(", ")))
        }
    }
}

/// `GET /customers/{key}`.
pub(crate) async fn detail(
    State(web): State<Web>,
    Extension(signed): Extension<Signed>,
    Path(key): Path<String>,
) -> Result<Response, WebError> {
    let m = M(signed.lang);
    let lang = m.0;
    let d = read_detail(&web, key).await?;
    let c = &d.view.customer;
    let number = c.number.clone();
    let mut timeline: Vec<&rapport_model::Interaction> = c.interactions.iter().collect();
    timeline.sort_by_key(|i| std::cmp::Reverse(i.at));
    let content = html! {
        div class="title-row" data-customer=(c.id.to_hex()) {
            h1 { (c.name) " " small class="muted" { (c.number) } }
            @if d.can.edit { a class="button" href={ "/customers/" (number) "/edit" } { (m.t("customer.edit")) } }
        }
        @if c.archived { p class="notice" { (m.t("customer.archived")) } }
        @if !d.view.conflicts.is_empty() && d.can.edit {
            section class="conflicts" aria-labelledby="conflicts-h" {
                h2 id="conflicts-h" { (m.t("conflict.title")) }
                p { (m.t("conflict.explain")) }
                @for cf in &d.view.conflicts {
                    div class="conflict" {
                        h3 { (cf.field) }
                        @for value in std::iter::once(&cf.value).chain(&cf.losing) {
                            form method="post" action={ "/customers/" (number) "/resolve" } class="inline" {
                                (csrf(&signed))
                                input type="hidden" name="field" value=(cf.field);
                                input type="hidden" name="value" value=(value);
                                button type="submit" { (m.t("conflict.keep")) " “" (value) "”" }
                            }
                        }
                    }
                }
            }
        }
        div class="columns" {
            section aria-labelledby="record-h" {
                h2 id="record-h" { (m.t("customer.record")) }
                (record(m, c))
                h2 { (m.t("customer.contacts")) }
                ul class="contacts" { @for ct in &c.contacts { (masked_contact(m, &number, ct, &signed)) } }
            }
            section aria-labelledby="figures-h" {
                h2 id="figures-h" { (m.t("customer.figures")) }
                p { strong { (m.t("field.tier")) ": " } (d.explain.tier) " — " span class="muted" { (d.explain.tier_reason) } }
                @if !d.view.rule_tags.is_empty() {
                    p { strong { (m.t("customer.rule_tags")) ": " } (d.view.rule_tags.join(", ")) }
                }
                dl class="record" {
                    dt { (m.t("figures.revenue_12m")) } dd { (layout::money(&d.explain.figures.amount_12m)) }
                    dt { (m.t("figures.orders_12m")) } dd { (d.explain.figures.orders_12m) }
                    dt { (m.t("figures.days_since_contact")) } dd { (d.explain.figures.days_since_last_interaction.map(|n| n.to_string()).unwrap_or_else(|| "—".into())) }
                }
                details {
                    summary { (m.t("customer.why")) }
                    ul class="explain" {
                        @for r in &d.explain.rules {
                            li class=(if r.matched { "matched" } else { "" }) {
                                strong { (r.tag) } " (" (r.rule) "): "
                                (if r.matched { m.t("explain.matched") } else { m.t("explain.not_matched") })
                                " — " (r.reasons.join("; "))
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="work-h" {
            h2 id="work-h" { (m.t("customer.work")) }
            p class="actions" {
                @if d.can.follow_up { a class="button" href={ "/customers/" (number) "/follow-ups" } { (m.t("followup.add")) } }
                @if d.can.order { a class="button" href={ "/customers/" (number) "/orders" } { (m.t("order.add")) } }
                @if d.can.service { a class="button" href={ "/customers/" (number) "/service-records" } { (m.t("service.add")) } }
                @if d.can.task { a class="button" href={ "/customers/" (number) "/tasks" } { (m.t("task.add")) } }
            }
        }
        section aria-labelledby="timeline-h" id="timeline" {
            h2 id="timeline-h" { (m.t("customer.timeline")) }
            ol class="timeline" {
                @for i in &timeline {
                    li {
                        time { (i.at.to_string()) } " · " (lang.term(i.channel.zh(), i.channel.as_str())) " · " (i.author)
                        p { (i.summary) }
                        @if let Some(f) = &i.feedback { p class="muted" { (m.t("followup.feedback")) ": " (f) } }
                        @if let Some(n) = &i.next_action { p class="muted" { (m.t("followup.next")) ": " (n.what) " (" (n.due) ", " (n.assignee) ")" } }
                    }
                }
            }
        }
        div class="columns" {
            section aria-labelledby="tasks-h" {
                h2 id="tasks-h" { (m.t("customer.tasks")) }
                ul class="items" {
                    @for t in &c.tasks {
                        li {
                            (t.what) " · " (t.due) " · " (t.assignee)
                            @if let Some(done) = &t.done { " · " (m.t("task.done")) " " (done.at.to_string()) }
                            @else if d.can.complete {
                                form method="post" action={ "/customers/" (number) "/tasks/" (t.id.0) "/done" } class="inline" {
                                    (csrf(&signed))
                                    button type="submit" { (m.t("task.complete")) }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="orders-h" {
                h2 id="orders-h" { (m.t("customer.orders")) }
                ul class="items" {
                    @for o in &c.orders { li { (o.date) " · " (layout::money(&o.amount)) " · " (o.category) @if let Some(p) = &o.product { " · " (p) } } }
                }
                h2 { (m.t("customer.service")) }
                ul class="items" {
                    @for s in &c.service_records { li { (s.at.to_string()) " · " (lang.term(s.kind.zh(), s.kind.as_str())) " · " (s.summary) @if let Some(r) = &s.result { " → " (r) } } }
                }
            }
        }
        section aria-labelledby="history-h" {
            h2 id="history-h" { (m.t("customer.history")) }
            table class="list" {
                thead { tr { th scope="col" { (m.t("history.when")) } th scope="col" { (m.t("history.who")) } th scope="col" { (m.t("history.what")) } th scope="col" { (m.t("history.why")) } } }
                tbody { @for h in d.history.iter().rev().take(100) { tr { td { (h.at) } td { (h.author) } td { (h.what) } td { (h.why.clone().unwrap_or_default()) } } } }
            }
        }
    };
    let path = format!("/customers/{number}");
    Ok(Html(page(&signed, Section::Customers, &path, &c.name, content).into_string()).into_response())
}

/// `POST /customers/{key}/contacts/{contact}/reveal`: the contact in full, audited. The
/// script swaps it into the page; without the script, a page shows it.
pub(crate) async fn reveal(
    State(web): State<Web>,
    Extension(signed): Extension<Signed>,
    Path((key, contact)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let m = M(signed.lang);
    let c = write(&web, move |book| Ok(book.reveal_contact(&key, &contact)?)).await?;
    Ok(Html(revealed_contact(m, &c).into_string()).into_response())
}

// ---------------------------------------------------------------------------------------
// Forms.

/// A submitted form: every field as text (a form sends what it has; empty is no value).
type Fields = BTreeMap<String, String>;

fn get(f: &Fields, k: &str) -> Option<String> {
    f.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// A form page: `title`, its fields (name, label, kind, value) and where it posts.
#[allow(clippy::too_many_arguments)]
fn form_page(
    signed: &Signed,
    title: &str,
    action: &str,
    back: &str,
    controls: Markup,
    errors: &[FieldError],
    status: StatusCode,
) -> Response {
    let m = M(signed.lang);
    let unplaced: Vec<&FieldError> = errors.iter().filter(|e| e.field.is_empty()).collect();

    let content = html! {
        h1 { (title) }
        @if !errors.is_empty() {
            p class="error" role="alert" { (m.t("form.fix")) }
            @for e in unplaced { p class="error" { (m.reason(&e.reason)) } }
        }
        form method="post" action=(action) class="form" novalidate {
            (csrf(signed))
            (controls)
            div class="actions" {
                button type="submit" { (m.t("form.save")) }
                a href=(back) { (m.t("form.cancel")) }
            }
        }
    };
    (status, Html(page(signed, Section::Customers, action, title, content).into_string())).into_response()
}

/// A labelled control for field `name` of a form, with its refusal beside it.
fn input(m: M, f: &Fields, errors: &[FieldError], name: &str, label: &'static str, kind: &str) -> Markup {
    let value = f.get(name).cloned().unwrap_or_default();
    let err = error_for(m, errors, &error_field(name));
    let err = err.as_deref();
    let control = if kind == "textarea" {
        let described = err.map(|_| format!("{name}-error"));
        html! { textarea id=(name) name=(name) rows="3" aria-invalid=[err.map(|_| "true")] aria-describedby=[described] { (value) } }
    } else {
        text_input(name, &value, err, kind)
    };
    field(name, m.t(label), control, err)
}

/// The field a refusal names for a form control (`deal_amount` → `deal.amount`).
fn error_field(name: &str) -> String {
    match name {
        "deal_amount" => "deal.amount".into(),
        "deal_date" => "deal.date".into(),
        "contract_no" => "deal.contract_no".into(),
        other => other.to_string(),
    }
}

fn choice(
    m: M,
    f: &Fields,
    errors: &[FieldError],
    name: &str,
    label: &'static str,
    options: Vec<(String, String)>,
) -> Markup {
    let value = f.get(name).cloned().unwrap_or_default();
    let err = error_for(m, errors, name);
    field(name, m.t(label), select(name, &value, &options, err.as_deref()), err.as_deref())
}

fn vocab<T: Copy>(
    lang: Lang,
    all: &[T],
    en: fn(T) -> &'static str,
    zh: fn(T) -> &'static str,
    blank: Option<&str>,
) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = blank.map(|b| (String::new(), b.to_string())).into_iter().collect();
    v.extend(all.iter().map(|x| (en(*x).to_string(), lang.term(zh(*x), en(*x)).to_string())));
    v
}

fn customer_controls(m: M, f: &Fields, errors: &[FieldError], editing: bool) -> Markup {
    let lang = m.0;
    let mut industries = vec![(String::new(), m.t("form.choose").to_string())];
    industries.extend(INDUSTRIES.iter().map(|i| (i.code.to_string(), lang.term(i.zh, i.en).to_string())));
    html! {
        fieldset {
            legend { (m.t("customer.record")) }
            (choice(m, f, errors, "kind", "field.kind", vocab(lang, Kind::ALL, Kind::as_str, Kind::zh, None)))
            (input(m, f, errors, "name", "field.name", "text"))
            (choice(m, f, errors, "industry", "field.industry", industries))
            (input(m, f, errors, "source", "field.source", "text"))
            (input(m, f, errors, "owner", "field.owner", "text"))
            (input(m, f, errors, "credit_code", "field.credit_code", "text"))
            (input(m, f, errors, "size", "field.size", "text"))
            (input(m, f, errors, "revenue_band", "field.revenue_band", "text"))
            (input(m, f, errors, "province", "field.province", "text"))
            (input(m, f, errors, "city", "field.city", "text"))
            (input(m, f, errors, "district", "field.district", "text"))
            (input(m, f, errors, "street", "field.street", "text"))
        }
        fieldset {
            legend { (m.t("customer.deal")) }
            (choice(m, f, errors, "stage", "field.stage", vocab(lang, Stage::ALL, Stage::as_str, Stage::zh, None)))
            (input(m, f, errors, "deal_amount", "field.deal_amount", "text"))
            (input(m, f, errors, "deal_date", "field.deal_date", "date"))
            (input(m, f, errors, "contract_no", "field.contract_no", "text"))
            (input(m, f, errors, "lost_reason", "field.lost_reason", "text"))
        }
        fieldset {
            legend { (m.t("customer.needs")) }
            (input(m, f, errors, "pain_points", "field.pain_points", "textarea"))
            (input(m, f, errors, "timeline", "field.timeline", "text"))
            (input(m, f, errors, "budget", "field.budget", "text"))
            (input(m, f, errors, "notes", "field.notes", "textarea"))
        }
        @if !editing {
            fieldset {
                legend { (m.t("customer.first_contact")) }
                (input(m, f, errors, "contact_name", "field.contact_name", "text"))
                (input(m, f, errors, "contact_position", "field.contact_position", "text"))
                (input(m, f, errors, "contact_phone", "field.contact_phone", "tel"))
                (input(m, f, errors, "contact_email", "field.contact_email", "email"))
            }
        }
        @if editing {
            fieldset {
                legend { (m.t("form.reason_legend")) }
                (input(m, f, errors, "reason", "field.reason", "text"))
                p class="hint" id="reason-hint" { (m.t("form.reason_hint")) }
            }
        }
    }
}

fn customer_text(f: &Fields) -> CustomerText {
    CustomerText {
        kind: get(f, "kind"),
        name: get(f, "name"),
        credit_code: f.get("credit_code").cloned(),
        industry: get(f, "industry"),
        size: f.get("size").cloned(),
        revenue_band: f.get("revenue_band").cloned(),
        source: get(f, "source"),
        stage: get(f, "stage"),
        deal_amount: get(f, "deal_amount"),
        deal_date: get(f, "deal_date"),
        contract_no: get(f, "contract_no"),
        lost_reason: get(f, "lost_reason"),
        owner: get(f, "owner"),
        province: f.get("province").cloned(),
        city: f.get("city").cloned(),
        district: f.get("district").cloned(),
        street: f.get("street").cloned(),
        pain_points: f.get("pain_points").cloned(),
        timeline: f.get("timeline").cloned(),
        budget: f.get("budget").cloned(),
        notes: f.get("notes").cloned(),
        ..Default::default()
    }
}

/// `GET /customers/new`.
pub(crate) async fn new_form(Extension(signed): Extension<Signed>) -> Response {
    let m = M(signed.lang);
    let f: Fields = [("kind".to_string(), "company".to_string()), ("stage".to_string(), "potential".to_string())]
        .into_iter()
        .collect();
    form_page(
        &signed,
        m.t("customer.new"),
        "/customers/new",
        "/customers",
        customer_controls(m, &f, &[], false),
        &[],
        StatusCode::OK,
    )
}

/// `POST /customers/new`.
pub(crate) async fn create(
    State(web): State<Web>,
    Extension(signed): Extension<Signed>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    let m = M(signed.lang);
    let text = customer_text(&f);
    let contact = ContactText {
        name: get(&f, "contact_name"),
        position: get(&f, "contact_position"),
        phone: get(&f, "contact_phone"),
        email: get(&f, "contact_email"),
        wechat: None,
    };
    let r = write(&web, move |book| {
        let new = text.new_customer(Vec::new(), &contact)?;
        Ok(book.add_customer(&new)?)
    })
    .await;
    match r {
        Ok(c) => Ok(Redirect::to(&format!("/customers/{}", c.number)).into_response()),
        Err(e) => match e.fields() {
            Some(errors) => Ok(form_page(
                &signed,
                m.t("customer.new"),
                "/customers/new",
                "/customers",
                customer_controls(m, &f, errors, false),
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )),
            None => Err(e),
        },
    }
}

/// The form fields of a stored customer, as the edit form shows them.
fn fields_of(c: &Customer) -> Fields {
    let mut f = Fields::new();
    let mut put = |k: &str, v: Option<String>| {
        f.insert(k.to_string(), v.unwrap_or_default());
    };
    put("kind", Some(c.kind.as_str().into()));
    put("name", Some(c.name.clone()));
    put("industry", Some(c.industry.clone()));
    put("source", Some(c.source.clone()));
    put("owner", Some(c.owner.clone()));
    put("credit_code", c.credit_code.clone());
    put("size", c.size.clone());
    put("revenue_band", c.revenue_band.clone());
    put("province", c.address.province.clone());
    put("city", c.address.city.clone());
    put("district", c.address.district.clone());
    put("street", c.address.street.clone());
    put("stage", Some(c.stage.as_str().into()));
    put("deal_amount", c.deal.as_ref().map(|d| d.amount.to_decimal()));
    put("deal_date", c.deal.as_ref().map(|d| d.date.to_string()));
    put("contract_no", c.deal.as_ref().map(|d| d.contract_no.clone()));
    put("lost_reason", c.lost_reason.clone());
    put("pain_points", c.needs.pain_points.clone());
    put("timeline", c.needs.timeline.clone());
    put("budget", c.needs.budget.clone());
    put("notes", Some(c.notes.clone()));
    f
}

/// Only what the person changed: fields equal to the stored ones are left out, so saving
/// a form that moves one deal field changes that field alone.
fn changed(stored: &Fields, sent: &Fields) -> Fields {
    sent.iter()
        .filter(|(k, _)| k.as_str() != "csrf" && k.as_str() != "reason")
        .filter(|(k, v)| stored.get(k.as_str()).map(|s| s.trim()) != Some(v.trim()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `GET /customers/{key}/edit`.
pub(crate) async fn edit_form(
    State(web): State<Web>,
    Extension(signed): Extension<Signed>,
    Path(key): Path<String>,
) -> Result<Response, WebError> {
    let m = M(signed.lang);
    let view = on_book(&web, move |book| Ok(book.customer(&key)?)).await?;
    let c = &view.customer;
    let action = format!("/customers/{}/edit", c.number);
    let back = format!("/customers/{}", c.number);
    let title = m.f("customer.edit_title", &[("name", &c.name)]);
    Ok(form_page(&signed, &title, &action, &back, customer_controls(m, &fields_of(c), &[], true), &[], StatusCode::OK))
}

/// `POST /customers/{key}/edit`.
pub(crate) async fn edit(
    State(web): State<Web>,
    Extension(signed): Extension<Signed>,
    Path(key): Path<String>,
    Form(sent): Form<Fields>,
) -> Result<Response, WebError> {
    let m = M(signed.lang);
    let sent2 = sent.clone();
    let r = write(&web, move |book| {
        let view = book.customer(&key)?;
        let c = view.customer;
        let delta = changed(&fields_of(&c), &sent2);
        let patch = customer_text(&delta).patch(c.deal.as_ref())?;
        book.patch_customer(&c.number, &patch, get(&sent2, "reason"))?;
        Ok(c)
    })
    .await;
    match r {
        Ok(c) => Ok(Redirect::to(&format!("/customers/{}", c.number)).into_response()),
        Err(e) => match e.fields() {
            Some(errors) => {
                let errors = errors.to_vec();
                let key2 = sent.get("name").cloned().unwrap_or_default();
                let title = m.f("customer.edit_title", &[("name", &key2)]);
                Ok(form_page(
                    &signed,
                    &title,
                    "",
                    "/customers",
                    customer_controls(m, &sent, &errors, true),
                    &errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ))
            }
            None => Err(e),
        },
    }
}

#[derive(Deserialize)]
pub(crate) struct Resolve {
    field: String,
    value: String,
}

/// `POST /customers/{key}/resolve`: keeps one of a conflict's values (written as a new
/// edit, which supersedes every concurrent one).
pub(crate) async fn resolve(
    State(web): State<Web>,
    Path(key): Path<String>,
    Form(r): Form<Resolve>,
) -> Result<Response, WebError> {
    let number = write(&web, move |book| {
        let mut f = Fields::new();
        f.insert(r.field.clone(), r.value.clone());
        let known = [
            "name",
            "source",
            "owner",
            "credit_code",
            "size",
            "revenue_band",
            "province",
            "city",
            "district",
            "street",
            "lost_reason",
            "pain_points",
            "timeline",
            "budget",
            "notes",
            "industry",
        ];
        let field = r.field.rsplit('.').next().unwrap_or(&r.field).to_string();
        if !known.contains(&field.as_str()) {
            return Err(WebError::field("field", "cannot be chosen here; edit the customer instead"));
        }
        let mut f2 = Fields::new();
        f2.insert(field, r.value);
        let view = book.customer(&key)?;
        let patch = customer_text(&f2).patch(view.customer.deal.as_ref())?;
        // A new write of the chosen value supersedes every concurrent one.
        book.patch_customer(&view.customer.number, &patch, Some("conflict resolved".into()))?;
        drop(f);
        Ok(view.customer.number)
    })
    .await?;
    Ok(Redirect::to(&format!("/customers/{number}")).into_response())
}

fn item_page(
    signed: &Signed,
    key: &str,
    kind: Item,
    f: &Fields,
    errors: &[FieldError],
    status: StatusCode,
) -> Response {
    let m = M(signed.lang);
    let lang = m.0;
    let (title, path, controls) = match kind {
        Item::FollowUp => (
            m.t("followup.add"),
            "follow-ups",
            html! {
                (choice(m, f, errors, "channel", "field.channel", vocab(lang, Channel::ALL, Channel::as_str, Channel::zh, None)))
                (input(m, f, errors, "summary", "field.summary", "textarea"))
                (input(m, f, errors, "feedback", "field.feedback", "textarea"))
                (choice(m, f, errors, "intent", "field.intent", vocab(lang, IntentLevel::ALL, IntentLevel::as_str, IntentLevel::zh, Some(m.t("form.none")))))
                (input(m, f, errors, "next_action", "field.next_action", "text"))
                (input(m, f, errors, "next_due", "field.next_due", "date"))
                (input(m, f, errors, "assignee", "field.assignee", "text"))
            },
        ),
        Item::Order => (
            m.t("order.add"),
            "orders",
            html! {
                (input(m, f, errors, "amount", "field.amount", "text"))
                (input(m, f, errors, "category", "field.category", "text"))
                (input(m, f, errors, "product", "field.product", "text"))
                (input(m, f, errors, "date", "field.date", "date"))
            },
        ),
        Item::Service => (
            m.t("service.add"),
            "service-records",
            html! {
                (choice(m, f, errors, "kind", "field.service_kind", vocab(lang, ServiceKind::ALL, ServiceKind::as_str, ServiceKind::zh, None)))
                (input(m, f, errors, "summary", "field.summary", "textarea"))
                (input(m, f, errors, "result", "field.result", "text"))
                (input(m, f, errors, "satisfaction", "field.satisfaction", "number"))
            },
        ),
        Item::Task => (
            m.t("task.add"),
            "tasks",
            html! {
                (input(m, f, errors, "what", "field.what", "text"))
                (input(m, f, errors, "due", "field.due", "date"))
                (input(m, f, errors, "assignee", "field.assignee", "text"))
            },
        ),
    };
    let action = format!("/customers/{key}/{path}");
    let back = format!("/customers/{key}");
    form_page(signed, title, &action, &back, controls, errors, status)
}

#[derive(Clone, Copy)]
enum Item {
    FollowUp,
    Order,
    Service,
    Task,
}

async fn add_item(web: Web, signed: Signed, key: String, kind: Item, f: Fields) -> Result<Response, WebError> {
    let (k, f2) = (key.clone(), f.clone());
    let r = write(&web, move |book| {
        let g = |n: &str| f2.get(n).cloned().unwrap_or_default();
        let w = match kind {
            Item::FollowUp => {
                let t = InteractionText {
                    channel: g("channel"),
                    summary: g("summary"),
                    feedback: get(&f2, "feedback"),
                    intent: get(&f2, "intent"),
                    next_action: get(&f2, "next_action"),
                    next_due: get(&f2, "next_due"),
                    assignee: get(&f2, "assignee"),
                    at: None,
                };
                book.add_interaction(&k, &t.parse()?)?
            }
            Item::Order => {
                let t = OrderText {
                    amount: g("amount"),
                    category: g("category"),
                    product: get(&f2, "product"),
                    date: get(&f2, "date"),
                };
                book.add_order(&k, &t.parse()?)?
            }
            Item::Service => {
                let t = ServiceText {
                    kind: g("kind"),
                    summary: g("summary"),
                    result: get(&f2, "result"),
                    satisfaction: get(&f2, "satisfaction"),
                    at: None,
                };
                book.add_service(&k, &t.parse()?)?
            }
            Item::Task => {
                let t = TaskText { what: g("what"), due: g("due"), assignee: get(&f2, "assignee") };
                book.add_task(&k, &t.parse()?)?
            }
        };
        Ok(w)
    })
    .await;
    match r {
        Ok(w) => Ok(Redirect::to(&format!("/customers/{}#timeline", w.customer)).into_response()),
        Err(e) => match e.fields() {
            Some(errors) => Ok(item_page(&signed, &key, kind, &f, errors, StatusCode::UNPROCESSABLE_ENTITY)),
            None => Err(e),
        },
    }
}

macro_rules! item_routes {
    ($form:ident, $add:ident, $kind:expr) => {
        pub(crate) async fn $form(Extension(signed): Extension<Signed>, Path(key): Path<String>) -> Response {
            item_page(&signed, &key, $kind, &Fields::new(), &[], StatusCode::OK)
        }
        pub(crate) async fn $add(
            State(web): State<Web>,
            Extension(signed): Extension<Signed>,
            Path(key): Path<String>,
            Form(f): Form<Fields>,
        ) -> Result<Response, WebError> {
            add_item(web, signed, key, $kind, f).await
        }
    };
}

item_routes!(follow_up_form, add_follow_up, Item::FollowUp);
item_routes!(order_form, add_order, Item::Order);
item_routes!(service_form, add_service, Item::Service);
item_routes!(task_form, add_task, Item::Task);

/// `POST /customers/{key}/tasks/{task}/done`.
pub(crate) async fn complete_task(
    State(web): State<Web>,
    Path((key, task)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let w = write(&web, move |book| Ok(book.complete_task(&key, &task, &TaskCompletion { result: None })?)).await?;
    Ok(Redirect::to(&format!("/customers/{}", w.customer)).into_response())
}
