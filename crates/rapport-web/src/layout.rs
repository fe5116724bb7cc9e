//! The frame of every page: the navigation, the language switch, signing out, and the
//! CSRF token every form carries.

use crate::i18n::M;
use crate::session::Signed;
use maud::{html, Markup, DOCTYPE};

/// Which part of the app a page belongs to (marked in the navigation).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Customers,
    Agenda,
    Reports,
    Import,
    Dedupe,
    Sync,
    Team,
}

/// The hidden field with the session's CSRF token; every `<form method="post">` has one.
pub fn csrf(signed: &Signed) -> Markup {
    html! { input type="hidden" name="csrf" value=(signed.csrf); }
}

/// A whole page: `title`, the section it belongs to, and its content. `path` is where the
/// language switch returns to.
pub fn page(signed: &Signed, section: Section, path: &str, title: &str, content: Markup) -> Markup {
    let m = M(signed.lang);
    let nav = [
        (Section::Customers, "/customers", m.t("nav.customers")),
        (Section::Agenda, "/agenda", m.t("nav.agenda")),
        (Section::Reports, "/reports", m.t("nav.reports")),
        (Section::Import, "/import", m.t("nav.import")),
        (Section::Dedupe, "/dedupe", m.t("nav.dedupe")),
        (Section::Sync, "/sync", m.t("nav.sync")),
        (Section::Team, "/team", m.t("nav.team")),
    ];
    html! {
        (DOCTYPE)
        html lang=(signed.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="csrf" content=(signed.csrf);
                title { (title) " · Rapport" }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body {
                a class="skip" href="#main" { (m.t("nav.skip")) }
                header class="top" {
                    span class="brand" { "Rapport" }
                    nav aria-label=(m.t("nav.label")) {
                        ul {
                            @for (s, href, label) in nav {
                                li { a href=(href) aria-current=[(s == section).then_some("page")] { (label) } }
                            }
                        }
                    }
                    form method="post" action="/lang" class="inline" {
                        (csrf(signed))
                        input type="hidden" name="back" value=(path);
                        label for="lang" class="visually-hidden" { (m.t("nav.language")) }
                        select id="lang" name="lang" data-autosubmit {
                            option value="zh" selected[signed.lang == crate::Lang::Zh] { "中文" }
                            option value="en" selected[signed.lang == crate::Lang::En] { "English" }
                        }
                        noscript { button type="submit" { (m.t("nav.switch")) } }
                    }
                    form method="post" action="/signout" class="inline" {
                        (csrf(signed))
                        button type="submit" { (m.t("nav.signout")) }
                    }
                }
                div id="live-status" class="live-status" role="status" aria-live="polite" data-updated=(m.t("live.updated")) {}
                main id="main" tabindex="-1" { (content) }
            }
        }
    }
}

/// A form field: label, control, and the refusal for it if any (tied to the control by
/// `aria-describedby` and shown beside it).
pub fn field(id: &str, label: &str, control: Markup, error: Option<&str>) -> Markup {
    let err_id = format!("{id}-error");
    html! {
        div class=(if error.is_some() { "field invalid" } else { "field" }) data-field=(id) {
            label for=(id) { (label) }
            (control)
            @if let Some(e) = error {
                p class="error" id=(err_id) role="alert" { (e) }
            }
        }
    }
}

/// A text input named `name` with `value`, marked invalid and described by its error.
pub fn text_input(name: &str, value: &str, error: Option<&str>, kind: &str) -> Markup {
    let described = error.map(|_| format!("{name}-error"));
    html! {
        input type=(kind) id=(name) name=(name) value=(value)
            aria-invalid=[error.map(|_| "true")] aria-describedby=[described];
    }
}

/// A `<select>` of `options` (value, label) with `value` selected.
pub fn select(name: &str, value: &str, options: &[(String, String)], error: Option<&str>) -> Markup {
    let described = error.map(|_| format!("{name}-error"));
    html! {
        select id=(name) name=(name) aria-invalid=[error.map(|_| "true")] aria-describedby=[described] {
            @for (v, label) in options {
                option value=(v) selected[v == value] { (label) }
            }
        }
    }
}

/// Money as the report cards show it: `¥1,234,567.89`.
pub fn money(m: &rapport_model::Money) -> String {
    m.to_string()
}
