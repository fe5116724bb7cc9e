//! The import wizard: upload a sheet, map its headers (with a preview of the first rows),
//! a dry run, then the import, and the rejected rows to download. Every step calls the
//! same library import as `rapport import`, with the column choices written as the
//! `mapping.toml` text the command line takes.

use crate::customers::write;
use crate::error::WebError;
use crate::i18n::M;
use crate::layout::{csrf, page, Section};
use crate::session::Signed;
use crate::Web;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::html;
use rapport_exchange::{Field, Mapping};
use rapport_model::INDUSTRIES;
use rapport_node::{ImportReport, ImportRequest};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Largest sheet the wizard takes (a 100,000-row CSV is about 20 MiB).
pub const MAX_UPLOAD: usize = 64 << 20;
/// Uploads kept at once, across sessions; the oldest goes first.
const MAX_UPLOADS: usize = 8;
/// An upload is forgotten this long after it was made.
const UPLOAD_LIFETIME: Duration = Duration::from_secs(3600);
/// Rows shown in the preview.
const PREVIEW_ROWS: usize = 5;

/// A sheet uploaded and not yet imported, with the last report on it.
struct Upload {
    owner: [u8; 32],
    file_name: String,
    content: Vec<u8>,
    default_industry: Option<String>,
    made: Instant,
    last: Option<ImportReport>,
}

/// The uploads waiting in the wizard, by a random id.
#[derive(Default)]
pub struct Uploads(Mutex<HashMap<String, Upload>>);

impl Uploads {
    fn put(&self, up: Upload) -> Option<String> {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).ok()?;
        let id = hex::encode(b);
        let mut all = self.0.lock().ok()?;
        all.retain(|_, u| u.made.elapsed() < UPLOAD_LIFETIME);
        while all.len() >= MAX_UPLOADS {
            let oldest = all.iter().min_by_key(|(_, u)| u.made).map(|(k, _)| k.clone())?;
            all.remove(&oldest);
        }
        all.insert(id.clone(), up);
        Some(id)
    }

    /// Runs `f` on the session's upload `id`.
    fn with<T>(&self, signed: &Signed, id: &str, f: impl FnOnce(&mut Upload) -> T) -> Result<T, WebError> {
        let mut all = self.0.lock().map_err(|_| WebError::Failed("the upload list is unusable".into()))?;
        match all.get_mut(id) {
            Some(u) if u.owner == signed.key && u.made.elapsed() < UPLOAD_LIFETIME => Ok(f(u)),
            _ => Err(WebError::field("upload", "is gone (uploads are kept for an hour); upload the sheet again")),
        }
    }
}

fn industries(m: M) -> Vec<(String, String)> {
    let mut v = vec![(String::new(), m.t("import.no_default"))]
        .into_iter()
        .map(|(a, b)| (a, b.to_string()))
        .collect::<Vec<_>>();
    v.extend(INDUSTRIES.iter().map(|i| (i.code.to_string(), m.0.term(i.zh, i.en).to_string())));
    v
}

/// `GET /import`: the upload form.
pub(crate) async fn start(Extension(signed): Extension<Signed>) -> Response {
    let m = M(signed.lang);
    let action = format!("/import?csrf={}", signed.csrf);
    let content = html! {
        h1 { (m.t("import.title")) }
        p { (m.t("import.intro")) }
        form method="post" action=(action) enctype="multipart/form-data" class="form" {
            div class="field" {
                label for="file" { (m.t("import.file")) }
                input type="file" id="file" name="file" accept=".csv,.xlsx,.xls,text/csv" required;
            }
            div class="field" {
                label for="default_industry" { (m.t("import.default_industry")) }
                (crate::layout::select("default_industry", "", &industries(m), None))
            }
            div class="actions" { button type="submit" { (m.t("import.upload")) } }
        }
    };
    Html(page(&signed, Section::Import, "/import", m.t("import.title"), content).into_string()).into_response()
}

/// `POST /import` (multipart): keeps the sheet and shows its columns.
pub(crate) async fn upload(
    State(web): State<Web>,
    Extension(signed): Extension<Signed>,
    mut parts: Multipart,
) -> Result<Response, WebError> {
    let (mut file_name, mut content, mut default_industry) = (String::new(), Vec::new(), None);
    while let Some(part) = parts.next_field().await.map_err(|e| WebError::field("file", &e.body_text()))? {
        match part.name() {
            Some("file") => {
                file_name = part.file_name().unwrap_or("upload").to_string();
                content = part.bytes().await.map_err(|e| WebError::field("file", &e.body_text()))?.to_vec();
            }
            Some("default_industry") => {
                let v = part.text().await.map_err(|e| WebError::field("default_industry", &e.body_text()))?;
                default_industry = Some(v.trim().to_string()).filter(|v| !v.is_empty());
            }
            _ => {}
        }
    }
    if content.is_empty() {
        return Err(WebError::field("file", "is empty or missing; choose a CSV or XLSX file"));
    }
    let up = Upload { owner: signed.key, file_name, content, default_industry, made: Instant::now(), last: None };
    let id = web.0.uploads.put(up).ok_or_else(|| WebError::Failed("the upload could not be kept".into()))?;
    Ok(Redirect::to(&format!("/import/{id}")).into_response())
}

/// The sheet's headers, the field each maps to by default, and the first rows.
struct Preview {
    headers: Vec<String>,
    fields: Vec<Option<Field>>,
    rows: Vec<Vec<String>>,
    total: usize,
}

fn preview(file_name: &str, content: &[u8]) -> Result<Preview, WebError> {
    let table =
        rapport_exchange::read_table(content, file_name).map_err(|e| WebError::field("file", &e.to_string()))?;
    let resolved = Mapping::builtin().resolve(&table);
    let rows = table.rows.iter().take(PREVIEW_ROWS).map(|r| r.cells.clone()).collect();
    Ok(Preview { headers: table.headers.clone(), fields: resolved.columns, rows, total: table.rows.len() })
}

fn field_options(m: M) -> Vec<(String, String)> {
    let mut v = vec![("".to_string(), m.t("import.ignore").to_string())];
    v.extend(Field::all().filter(Field::importable).map(|f| (f.name(), format!("{} ({})", f.header(), f.name()))));
    v
}

fn mapping_page(
    signed: &Signed,
    id: &str,
    p: &Preview,
    chosen: Option<&BTreeMap<String, String>>,
    report: Option<&ImportReport>,
) -> Response {
    let m = M(signed.lang);
    let options = field_options(m);
    let content = html! {
        h1 { (m.t("import.title")) }
        p { (m.f("import.rows", &[("n", &p.total.to_string())])) }
        form method="post" action={ "/import/" (id) } class="form wide" {
            (csrf(signed))
            table class="list mapping" {
                caption { (m.t("import.mapping")) }
                thead { tr {
                    th scope="col" { (m.t("import.column")) }
                    th scope="col" { (m.t("import.field")) }
                    @for i in 0..p.rows.len() { th scope="col" { (m.f("import.row", &[("n", &(i + 1).to_string())])) } }
                } }
                tbody {
                    @for (i, h) in p.headers.iter().enumerate() {
                        @let name = format!("col_{i}");
                        @let default = p.fields.get(i).cloned().flatten().map(|f| f.name()).unwrap_or_default();
                        @let value = chosen.and_then(|c| c.get(&name).cloned()).unwrap_or(default);
                        tr {
                            th scope="row" { label for=(name) { (h) } }
                            td { (crate::layout::select(&name, &value, &options, None)) }
                            @for r in &p.rows { td { (r.get(i).cloned().unwrap_or_default()) } }
                        }
                    }
                }
            }
            @let was = |k: &str| chosen.is_some_and(|c| c.contains_key(k));
            div class="field check" { input type="checkbox" id="skip_rejected" name="skip_rejected" value="1" checked[was("skip_rejected")]; label for="skip_rejected" { (m.t("import.skip_rejected")) } }
            div class="field check" { input type="checkbox" id="update" name="update" value="1" checked[was("update")]; label for="update" { (m.t("import.update")) } }
            div class="actions" {
                button type="submit" name="step" value="check" { (m.t("import.dry_run")) }
                button type="submit" name="step" value="run" { (m.t("import.run")) }
            }
        }
        @if let Some(r) = report { (report_view(m, id, r)) }
    };
    let path = format!("/import/{id}");
    (StatusCode::OK, Html(page(signed, Section::Import, &path, m.t("import.title"), content).into_string()))
        .into_response()
}

fn report_view(m: M, id: &str, r: &ImportReport) -> maud::Markup {
    html! {
        section class="import-report" aria-labelledby="report-h" role="status" {
            h2 id="report-h" { (if r.dry_run { m.t("import.dry_run_result") } else { m.t("import.result") }) }
            @if let Some(why) = &r.not_written_because { p class="error" { (why) } }
            dl class="record" {
                dt { (m.t("import.total")) } dd { (r.total_rows) }
                dt { (if r.written { m.t("import.created") } else { m.t("import.would_create") }) } dd id="created" { (r.created.len()) }
                dt { (m.t("import.updated")) } dd { (r.updated.len()) }
                dt { (m.t("import.unchanged")) } dd { (r.unchanged.len()) }
                dt { (m.t("import.rejected")) } dd id="rejected" { (r.rejected_rows) }
            }
            @if !r.rejected.is_empty() {
                table class="list" {
                    caption { (m.t("import.rejected_values")) }
                    thead { tr { th scope="col" { (m.t("import.row_no")) } th scope="col" { (m.t("import.column")) } th scope="col" { (m.t("import.value")) } th scope="col" { (m.t("import.why")) } } }
                    tbody { @for v in r.rejected.iter().take(100) { tr { td { (v.row) } td { (v.column) } td { (v.value) } td { (v.reason) } } } }
                }
                @if r.rejections_csv.is_some() { p { a href={ "/import/" (id) "/rejected.csv" } download { (m.t("import.download_rejected")) } } }
            }
            @if r.written { p { a href="/customers?sort=-created" { (m.t("import.see_customers")) } } }
        }
    }
}

/// `GET /import/{id}`: map the columns.
pub(crate) async fn columns(
    State(web): State<Web>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (name, content) = web.0.uploads.with(&signed, &id, |u| (u.file_name.clone(), u.content.clone()))?;
    let p = tokio::task::spawn_blocking(move || preview(&name, &content))
        .await
        .map_err(|e| WebError::Failed(format!("a worker failed: {e}")))??;
    Ok(mapping_page(&signed, &id, &p, None, None))
}

/// The `mapping.toml` text for the columns chosen: each header to its field, the rest
/// ignored.
fn mapping_toml(headers: &[String], chosen: &BTreeMap<String, String>) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', " "));
    let mut ignore = Vec::new();
    let mut columns = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        match chosen.get(&format!("col_{i}")).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            Some(field) => columns.push(format!("{} = {}", q(h), q(field))),
            None => ignore.push(q(h)),
        }
    }
    format!("ignore = [{}]\n\n[columns]\n{}\n", ignore.join(", "), columns.join("\n"))
}

/// `POST /import/{id}`: a dry run (`step=check`) or the import (`step=run`).
pub(crate) async fn run(
    State(web): State<Web>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    Form(chosen): Form<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let (name, content, industry) =
        web.0.uploads.with(&signed, &id, |u| (u.file_name.clone(), u.content.clone(), u.default_industry.clone()))?;
    let (n2, c2) = (name.clone(), content.clone());
    let p = tokio::task::spawn_blocking(move || preview(&n2, &c2))
        .await
        .map_err(|e| WebError::Failed(format!("a worker failed: {e}")))??;
    let req = ImportRequest {
        file_name: name,
        content,
        mapping: Some(mapping_toml(&p.headers, &chosen)),
        default_industry: industry,
        dry_run: chosen.get("step").map(String::as_str) != Some("run"),
        skip_rejected: chosen.contains_key("skip_rejected"),
        update: chosen.contains_key("update"),
        sheet: None,
    };
    let node = web.node().clone();
    let report = write(&web, move |book| {
        let mut progress = node.track_work("importing");
        Ok(book.import(&req, &mut progress)?)
    })
    .await?;
    let page = mapping_page(&signed, &id, &p, Some(&chosen), Some(&report));
    web.0.uploads.with(&signed, &id, |u| u.last = Some(report))?;
    Ok(page)
}

/// `GET /import/{id}/rejected.csv`: the rows the last run refused, to fix and import again.
pub(crate) async fn rejected(
    State(web): State<Web>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let csv = web.0.uploads.with(&signed, &id, |u| u.last.as_ref().and_then(|r| r.rejections_csv.clone()))?;
    let csv =
        csv.ok_or_else(|| WebError::field("upload", "has no rejected rows; run a dry run or the import first"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"rejected.csv\""),
        ],
        csv,
    )
        .into_response())
}
