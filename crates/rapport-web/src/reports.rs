//! `GET /reports` and `GET /reports/{name}`: the book's reports inside the app, over a date
//! window, signed in with the session (the API token never goes into a URL).

use crate::customers::{given, on_book};
use crate::error::WebError;
use crate::i18n::M;
use crate::layout::{field, page, select, text_input, Section};
use crate::session::Signed;
use crate::Web;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use maud::{html, PreEscaped};
use rapport_reports::{ReportName, Window};
use rapport_rules::TierModel;
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
pub(crate) struct ReportForm {
    from: Option<String>,
    to: Option<String>,
    as_of: Option<String>,
    archived: Option<String>,
    owner: Option<String>,
    group: Option<String>,
}

fn day(field: &str, v: &Option<String>) -> Result<Option<rapport_model::Date>, WebError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => Ok(Some(rapport_node::parse_day(field, d).map_err(|e| WebError::Invalid(vec![e]))?)),
        None => Ok(None),
    }
}

async fn reports_page(
    web: Web,
    signed: Signed,
    names: Vec<ReportName>,
    f: ReportForm,
    path: String,
) -> Result<Response, WebError> {
    let m = M(signed.lang);
    let window = (|| -> Result<(Option<_>, Option<_>, Option<_>), WebError> {
        Ok((day("from", &f.from)?, day("to", &f.to)?, day("as_of", &f.as_of)?))
    })();
    let (errors, sections) = match window {
        Err(e) => (e.fields().map(<[_]>::to_vec).unwrap_or_default(), String::new()),
        Ok((from, to, as_of)) => {
            let archived = f.archived.is_some();
            let (owner, group) = (given(&f.owner), given(&f.group));
            let asked = format!("{names:?} {from:?} {to:?} {as_of:?} {archived} {owner:?} {group:?}");
            let all_reports = names.len() > 1;
            let w2 = web.clone();
            let r = on_book(&web, move |book| {
                let state = w2.node().views().book_state(book)?;
                w2.0.reports.get_or(&asked, state, || {
                    let w = Window {
                        from,
                        to,
                        as_of: as_of.unwrap_or_else(|| book.now().date()),
                        include_archived: archived,
                    };
                    let owners = owners_of(book, owner.as_deref(), group.as_deref())?;
                    let mut reports = book.reports_of(&names, &w, TierModel::Sabc, owners.as_ref())?;
                    // A page shows at most the first 1,000 rows of a table (the CSV export
                    // has all); only those are kept.
                    for r in &mut reports {
                        let n = r.table.rows.len();
                        if n > rapport_reports::MAX_HTML_ROWS {
                            r.table.rows.truncate(rapport_reports::MAX_HTML_ROWS);
                            r.notes.insert(
                                0,
                                format!(
                                    "The first {} of {n} rows; `rapport report {} --csv` has all of them.",
                                    rapport_reports::MAX_HTML_ROWS,
                                    r.name.as_str()
                                ),
                            );
                        }
                    }
                    Ok(reports)
                })
            })
            .await;
            match r {
                Ok(reports) => (Vec::new(), sections(&reports, all_reports)),
                Err(e) => match e.fields() {
                    Some(errs) => (errs.to_vec(), String::new()),
                    None => return Err(e),
                },
            }
        }
    };
    let reworded = m.reasons(&errors);
    let err = |name: &str| reworded.iter().find(|e| e.field == name).map(|e| e.reason.as_str());
    let team = on_book(&web, |book| Ok(book.team()?)).await?;
    let mut group_names: Vec<String> = team.members.iter().flat_map(|t| t.groups.iter().cloned()).collect();
    group_names.sort();
    group_names.dedup();
    let mut groups = vec![(String::new(), m.t("list.any").to_string())];
    groups.extend(group_names.into_iter().map(|g| (g.clone(), g)));
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let content = html! {
        h1 { (m.t("reports.title")) }
        nav class="report-links" aria-label=(m.t("reports.which")) {
            a href="/reports" { (m.t("reports.all")) }
            @for n in ReportName::all() { " · " a href={ "/reports/" (n.as_str()) } { (n.title()) } }
        }
        form method="get" action=(path) class="filters" {
            (field("from", m.t("reports.from"), text_input("from", &v(&f.from), err("from"), "date"), err("from")))
            (field("to", m.t("reports.to"), text_input("to", &v(&f.to), err("to"), "date"), err("to")))
            (field("as_of", m.t("reports.as_of"), text_input("as_of", &v(&f.as_of), err("as_of"), "date"), err("as_of")))
            (field("owner", m.t("field.owner"), text_input("owner", &v(&f.owner), err("owner"), "text"), err("owner")))
            (field("group", m.t("reports.group"), select("group", &v(&f.group), &groups, err("group")), err("group")))
            div class="field check" {
                input type="checkbox" id="archived" name="archived" value="1" checked[f.archived.is_some()];
                label for="archived" { (m.t("field.archived")) }
            }
            div class="actions" { button type="submit" { (m.t("list.apply")) } }
        }
        div class="reports" { (PreEscaped(sections)) }
    };
    Ok(Html(page(&signed, Section::Reports, &path, m.t("reports.title"), content).into_string()).into_response())
}

/// `GET /reports`: every report.
pub(crate) async fn all(
    State(web): State<Web>,
    Extension(signed): Extension<Signed>,
    Query(f): Query<ReportForm>,
) -> Result<Response, WebError> {
    reports_page(web, signed, ReportName::all().to_vec(), f, "/reports".into()).await
}

/// `GET /reports/{name}`: one report.
pub(crate) async fn one(
    State(web): State<Web>,
    Extension(signed): Extension<Signed>,
    Path(name): Path<String>,
    Query(f): Query<ReportForm>,
) -> Result<Response, WebError> {
    let n: ReportName =
        name.parse().map_err(|e: rapport_reports::ReportError| WebError::field("name", &e.to_string()))?;
    reports_page(web, signed, vec![n], f, format!("/reports/{}", n.as_str())).await
}

/// The owners a report covers: one member, the members of a group (from the roster this
/// node holds), both (those of the group named so), or everyone (`None`).
fn owners_of(
    book: &rapport_node::LocalBook,
    owner: Option<&str>,
    group: Option<&str>,
) -> Result<Option<std::collections::BTreeSet<String>>, WebError> {
    let mut set: Option<std::collections::BTreeSet<String>> = owner.map(|o| [o.to_string()].into_iter().collect());
    if let Some(g) = group {
        let team = book.team()?;
        let members: std::collections::BTreeSet<String> =
            team.members.iter().filter(|t| t.groups.iter().any(|x| x == g)).map(|t| t.name.clone()).collect();
        if members.is_empty() {
            return Err(WebError::field("group", "has no members in the roster this node holds"));
        }
        set = Some(match set {
            Some(o) => {
                let keys: std::collections::BTreeSet<String> =
                    members.iter().map(|n| rapport_model::member_key(n)).collect();
                o.into_iter().filter(|n| keys.contains(&rapport_model::member_key(n))).collect()
            }
            None => members,
        });
    }
    Ok(set)
}

/// Rows of each table on the page of every report; a report's own page shows them all.
const ROWS_ON_THE_ALL_PAGE: usize = 20;

/// The reports' sections; on the page of every report, long tables keep their top rows and
/// say where the rest are.
fn sections(reports: &[rapport_reports::Report], all_reports: bool) -> String {
    if !all_reports {
        return rapport_reports::render_sections(reports);
    }
    let short: Vec<rapport_reports::Report> = reports
        .iter()
        .cloned()
        .map(|mut r| {
            let n = r.table.rows.len();
            if n > ROWS_ON_THE_ALL_PAGE {
                r.table.rows.truncate(ROWS_ON_THE_ALL_PAGE);
                r.notes.insert(
                    0,
                    format!(
                        "The first {ROWS_ON_THE_ALL_PAGE} of {n} rows; all of them are on /reports/{}.",
                        r.name.as_str()
                    ),
                );
            }
            r
        })
        .collect();
    rapport_reports::render_sections(&short)
}
