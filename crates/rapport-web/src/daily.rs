//! Daily work beside the customer list: the agenda, sync status and the team.

use crate::customers::on_book;
use crate::error::WebError;
use crate::i18n::M;
use crate::layout::{page, Section};
use crate::session::Signed;
use crate::Web;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use maud::html;
use rapport_store::AgendaWhen;
use serde::Deserialize;

/// Agenda items on one page.
const AGENDA_PAGE: usize = 50;

#[derive(Deserialize, Default)]
pub(crate) struct AgendaQuery {
    /// `all` for the whole team's; default: this node's member's.
    who: Option<String>,
    /// Items to skip (paging).
    from: Option<usize>,
}

/// `GET /agenda`: overdue, today and the next 7 days; mine unless asked for all.
pub(crate) async fn agenda(
    State(web): State<Web>,
    Extension(signed): Extension<Signed>,
    Query(q): Query<AgendaQuery>,
) -> Result<Response, WebError> {
    let m = M(signed.lang);
    let all = q.who.as_deref() == Some("all");
    let from = q.from.unwrap_or(0).min(1_000_000);
    let node = web.node().clone();
    let (agenda, me) = on_book(&web, move |book| {
        let me = book.identity()?.member_name;
        let who = (!all).then(|| me.clone());
        Ok((node.views().agenda(book, book.now().date(), who.as_deref(), Some(from + AGENDA_PAGE))?, me))
    })
    .await?;
    let items: Vec<_> = agenda.items.iter().skip(from).collect();
    let group = |w: AgendaWhen| match w {
        AgendaWhen::Overdue => m.t("agenda.overdue"),
        AgendaWhen::Today => m.t("agenda.today"),
        AgendaWhen::Upcoming => m.t("agenda.upcoming"),
    };
    let who = if all { "all" } else { "me" };
    let content = html! {
        h1 { (m.t("agenda.title")) }
        p {
            @if all { a href="/agenda" { (m.f("agenda.mine", &[("name", &me)])) } }
            @else { a href="/agenda?who=all" { (m.t("agenda.everyone")) } }
        }
        p class="count" { (m.f("list.count", &[("n", &agenda.total.to_string())])) }
        table class="list" {
            thead { tr {
                th scope="col" { (m.t("agenda.when")) } th scope="col" { (m.t("field.due")) }
                th scope="col" { (m.t("field.what")) } th scope="col" { (m.t("field.assignee")) }
                th scope="col" { (m.t("field.name")) }
            } }
            tbody { @for i in &items { tr class=(format!("{:?}", i.when).to_lowercase()) {
                td { (group(i.when)) } td { (i.due) } td { (i.what) } td { (i.assignee) }
                td { a href={ "/customers/" (i.number) } { (i.customer) } }
            } } }
        }
        nav class="pager" aria-label=(m.t("list.pages")) {
            @if from > 0 { a href={ "/agenda?who=" (who) "&from=" (from.saturating_sub(AGENDA_PAGE)) } { (m.t("list.previous")) } }
            @if agenda.total > from + AGENDA_PAGE { a href={ "/agenda?who=" (who) "&from=" (from + AGENDA_PAGE) } rel="next" { (m.t("list.next")) } }
        }
    };
    Ok(Html(page(&signed, Section::Agenda, "/agenda", m.t("agenda.title"), content).into_string()).into_response())
}

/// `GET /sync`: the relay, each peer, the last sync, pending and refused customers.
pub(crate) async fn sync_status(
    State(web): State<Web>,
    Extension(signed): Extension<Signed>,
) -> Result<Response, WebError> {
    let m = M(signed.lang);
    let node = web.node().clone();
    let status = tokio::task::spawn_blocking(move || node.sync_status())
        .await
        .map_err(|e| WebError::Failed(format!("a worker failed: {e}")))??;
    let content = html! {
        h1 { (m.t("sync.title")) }
        p { strong { (m.t("sync.relay")) ": " } (status.relay.clone().unwrap_or_else(|| m.t("sync.no_relay").to_string())) }
        @if status.peers.is_empty() { p { (m.t("sync.never")) } }
        @for line in &status.peers {
            section class="sync-line" {
                h2 { (line.peer) }
                dl class="record" {
                    dt { (m.t("sync.in_step")) } dd { (if line.in_step { m.t("sync.yes") } else { m.t("sync.no") }) }
                    dt { (m.t("sync.last_success")) } dd { (line.status.last_success.clone().unwrap_or_else(|| "—".into())) }
                    dt { (m.t("sync.pending")) } dd { (line.pending) }
                    @if let Some(p) = &line.progress {
                        dt { (m.t("sync.now")) }
                        dd {
                            (m.f("sync.now_figures", &[("sent", &p.sent.to_string()), ("to_send", &p.to_send.to_string()), ("received", &p.received.to_string()), ("to_receive", &p.to_receive.to_string())]))
                            @if let Some(ms) = p.eta_ms.filter(|ms| *ms > 0) { " (~" (ms.div_ceil(1000)) " s)" }
                        }
                    }
                    dt { (m.t("sync.refused")) } dd { (line.status.refused.len()) }
                    @if let Some((at, why)) = &line.status.last_error { dt { (m.t("sync.last_error")) } dd class="error" { (at) ": " (why) } }
                    @if let Some(at) = &line.status.relay_restored_at { dt { (m.t("sync.relay_restored")) } dd { (at) ": " (m.t("sync.relay_restored_detail")) } }
                }
                @if !line.status.refused.is_empty() {
                    h3 { (m.t("sync.refused_list")) }
                    ul { @for r in &line.status.refused { li { (r.to_string()) } } }
                }
            }
        }
    };
    Ok(Html(page(&signed, Section::Sync, "/sync", m.t("sync.title"), content).into_string()).into_response())
}

/// `GET /team`: the roster as this node last received it.
pub(crate) async fn team(State(web): State<Web>, Extension(signed): Extension<Signed>) -> Result<Response, WebError> {
    let m = M(signed.lang);
    let team = on_book(&web, |book| Ok(book.team()?)).await?;
    let content = html! {
        h1 { (m.t("team.title")) }
        @if let Some(name) = &team.name { p { strong { (m.t("team.name")) ": " } (name) } }
        @if let Some(you) = &team.you { p { strong { (m.t("team.you")) ": " } (you.name) " (" (you.role) ")" } }
        @if let Some(r) = &team.revoked { p class="error" role="alert" { (r) } }
        @if team.members.is_empty() { p { (m.t("team.none")) } }
        @else {
            table class="list" {
                thead { tr { th scope="col" { (m.t("team.member")) } th scope="col" { (m.t("team.role")) } th scope="col" { (m.t("team.groups")) } th scope="col" { (m.t("team.active")) } } }
                tbody { @for t in &team.members { tr { td { (t.name) } td { (t.role) } td { (t.groups.join(", ")) } td { (if t.active { m.t("sync.yes") } else { m.t("sync.no") }) } } } }
            }
        }
    };
    Ok(Html(page(&signed, Section::Team, "/team", m.t("team.title"), content).into_string()).into_response())
}
