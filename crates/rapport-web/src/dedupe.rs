//! Duplicates and merging: the likely pairs `rapport dedupe` finds, each with a merge that
//! keeps either side, with a reason.

use crate::customers::{on_book, write};
use crate::error::WebError;
use crate::i18n::M;
use crate::layout::{csrf, page, Section};
use crate::session::Signed;
use crate::Web;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::html;
use serde::Deserialize;

/// Pairs shown at once (the most certain first).
const PAIRS_SHOWN: usize = 50;

/// `GET /dedupe`.
pub(crate) async fn pairs(State(web): State<Web>, Extension(signed): Extension<Signed>) -> Result<Response, WebError> {
    let m = M(signed.lang);
    let w2 = web.clone();
    let d = on_book(&web, move |book| {
        let state = w2.node().views().book_state(book)?;
        w2.0.duplicates.get_or("pairs", state, || Ok::<_, WebError>(book.duplicates(Some(PAIRS_SHOWN))?))
    })
    .await?;
    // Merging is for managers and admins; others see the pairs to report them.
    let owners: Vec<String> = d.pairs.iter().map(|p| p.keep.summary.owner.clone()).collect();
    let can_merge = on_book(&web, move |book| {
        let rights = rapport_node::Rights::load(&book.store)?;
        Ok::<_, WebError>(owners.iter().map(|o| rights.may(rapport_node::Action::Merge, o)).collect::<Vec<bool>>())
    })
    .await?;
    let content = html! {
        h1 { (m.t("dedupe.title")) }
        p class="count" { (m.f("dedupe.count", &[("n", &d.total.to_string()), ("shown", &d.pairs.len().to_string())])) }
        @if d.pairs.is_empty() { p { (m.t("dedupe.none")) } }
        @for (i, p) in d.pairs.iter().enumerate() {
            section class="pair" aria-labelledby={ "pair-" (i) } {
                h2 id={ "pair-" (i) } { (p.keep.summary.name) " / " (p.merge.summary.name) }
                p class="muted" { (p.reasons.join("; ")) }
                @if can_merge.get(i).copied().unwrap_or(false) {
                form method="post" action="/dedupe/merge" class="form" {
                    (csrf(&signed))
                    fieldset {
                        legend { (m.t("dedupe.keep")) }
                        @for (j, side) in [&p.keep, &p.merge].iter().enumerate() {
                            @let id = format!("keep-{i}-{j}");
                            div class="field check" {
                                input type="radio" id=(id) name="keep" value=(side.summary.number) checked[j == 0];
                                label for=(id) { a href={ "/customers/" (side.summary.number) } { (side.summary.number) } " " (side.summary.name) " · " (side.summary.owner) }
                            }
                        }
                    }
                    input type="hidden" name="a" value=(p.keep.summary.number);
                    input type="hidden" name="b" value=(p.merge.summary.number);
                    div class="field" {
                        label for={ "reason-" (i) } { (m.t("field.reason")) }
                        input type="text" id={ "reason-" (i) } name="reason";
                    }
                    div class="actions" { button type="submit" { (m.t("dedupe.merge")) } }
                }
                }
            }
        }
    };
    Ok(Html(page(&signed, Section::Dedupe, "/dedupe", m.t("dedupe.title"), content).into_string()).into_response())
}

#[derive(Deserialize)]
pub(crate) struct MergeForm {
    keep: String,
    a: String,
    b: String,
    reason: Option<String>,
}

/// `POST /dedupe/merge`: the other of the pair goes into the one kept.
pub(crate) async fn merge(State(web): State<Web>, Form(f): Form<MergeForm>) -> Result<Response, WebError> {
    let other = if f.keep == f.a {
        f.b.clone()
    } else if f.keep == f.b {
        f.a.clone()
    } else {
        return Err(WebError::field("keep", "is neither customer of the pair"));
    };
    let why = f.reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    let keep = f.keep.clone();
    let out = write(&web, move |book| Ok(book.merge(&keep, &other, why)?)).await?;
    Ok(Redirect::to(&format!("/customers/{}", out.survivor.number)).into_response())
}
