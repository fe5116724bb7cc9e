//! [`RemoteBook`]: the [`Book`] operations over HTTP to a running node.
//!
//! While `rapport serve` holds the store, the command line talks to it through this
//! client. Every problem the node answers with is turned back into the [`NodeError`]
//! the same call would have returned locally (validation with the same fields, not
//! found, no such item, ...), so the CLI prints the same words and exits with the same
//! code whichever way it reached the book.

use crate::discovery::{read_serve_info, ServeInfo};
use crate::problem::{node_error_of, Problem};
use crate::schema::{Health, ListItem, ListPage, Reindexed, RuleTestResult};
use rapport_doc::{AuditEntry, HistoryEntry};
use rapport_model::*;
use rapport_node::{Book, CustomerView, Explanation, Refresh, RuleInfo, TierLine, Written};
use rapport_node::{
    DemoCreated, DemoRequest, InviteRequest, Invited, NodeControl, NodeError, Paired, SyncOutcome, SyncStatus,
    WorkProgress,
};
use rapport_node::{ExportRequest, ImportReport, ImportRequest};
use rapport_node::{Invitation, PeerInfo};
use rapport_reports::{Report, ReportName, Window};
use rapport_rules::{Figures, Rule, TierModel, TierSettings, TierSummary};
use rapport_store::{Agenda, DoctorReport, Duplicates, Filter, Identity, ListRow, MergeOutcome, StoreError, Summary};
use rapport_sync::ProgressObserver;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// Rows fetched per request when a call needs a whole list.
const PAGE: usize = 10_000;

/// A book reached through a running node's HTTP API.
pub struct RemoteBook {
    base: String,
    token: String,
    agent: ureq::Agent,
}

/// Percent-encodes one path segment or query value.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn query(pairs: &[(&str, Option<String>)]) -> String {
    let parts: Vec<String> =
        pairs.iter().filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode(v)))).collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

#[derive(Serialize)]
struct WithReason<'a, T: Serialize> {
    #[serde(flatten)]
    body: &'a T,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[derive(Deserialize)]
struct TiersOut {
    items: Vec<TierLine>,
}

fn row_of(i: ListItem) -> Result<ListRow, NodeError> {
    let bad = |what: &str| NodeError::BadAnswer { url: String::new(), reason: format!("a list row with a bad {what}") };
    let date = |s: &str| parse_date("created", s).map_err(|_| bad("date"));
    Ok(ListRow {
        id: i.id.parse::<CustomerId>().map_err(|_| bad("id"))?,
        summary: Summary {
            created: date(&i.created)?,
            last_interaction: i.last_interaction.as_deref().map(date).transpose()?,
            number: i.number,
            name: i.name,
            kind: i.kind,
            industry: i.industry,
            stage: i.stage,
            owner: i.owner,
            source: i.source,
            archived: i.archived,
            priority: i.priority,
            contact: i.contact,
            phone: i.phone,
            tags: i.tags,
            rule_tags: i.rule_tags,
            tier: i.tier,
            open_items: Vec::new(),
            keys: Vec::new(),
        },
    })
}

impl RemoteBook {
    /// A client for the node at `base` (e.g. `http://127.0.0.1:7878`) with `token`.
    pub fn new(base: &str, token: &str) -> RemoteBook {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(600)))
            .build()
            .into();
        RemoteBook { base: base.trim_end_matches('/').to_string(), token: token.to_string(), agent }
    }

    /// The node serving the data directory `dir`, from its `serve.json` and token file.
    pub fn connect(dir: &Path) -> Result<RemoteBook, NodeError> {
        let ServeInfo { url, .. } = read_serve_info(dir).map_err(|e| NodeError::NoNode(e.to_string()))?;
        let token = crate::auth::read_token(dir).map_err(|e| NodeError::NoNode(e.to_string()))?;
        Ok(RemoteBook::new(&url, &token))
    }

    /// The node's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A one-time link that signs a browser in to the node's web app.
    pub fn sign_in_link(&self) -> Result<String, NodeError> {
        let link: crate::node_api::SignInLink = self.call("POST", "/v1/sign-in", None)?;
        Ok(format!("{}{}", self.base, link.path))
    }

    /// `POST /v1/import` with the sheet.
    fn import_request(&self, req: &ImportRequest) -> Result<ImportReport, NodeError> {
        let q = query(&[
            ("file_name", Some(req.file_name.clone())),
            ("dry_run", Some(req.dry_run.to_string())),
            ("skip_rejected", Some(req.skip_rejected.to_string())),
            ("default_industry", req.default_industry.clone()),
            ("mapping", req.mapping.clone()),
            ("update", req.update.then(|| "true".to_string())),
            ("sheet", req.sheet.clone()),
        ]);
        let bytes = self.raw(&format!("/v1/import{q}"), Some(&req.content))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| NodeError::BadAnswer { url: self.base.clone(), reason: format!("the import's answer: {e}") })
    }

    /// Runs `call`, a request the node works on for a while, and until it answers polls the
    /// node's progress at `path`, telling `report` (the progress before the call, now)
    /// whenever it moved.
    fn observed<P: DeserializeOwned + PartialEq, R: Send>(
        &self,
        path: &str,
        call: impl FnOnce() -> R + Send,
        mut report: impl FnMut(Option<&P>, &P),
    ) -> R {
        let before: Option<P> = self.get(path).ok();
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            let request = s.spawn(|| {
                let r = call();
                done.store(true, std::sync::atomic::Ordering::SeqCst);
                r
            });
            let mut last: Option<P> = None;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
                if let Ok(now) = self.get::<P>(path) {
                    if Some(&now) != last.as_ref().or(before.as_ref()) {
                        report(before.as_ref(), &now);
                        last = Some(now);
                    }
                }
            }
            request.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    /// [`RemoteBook::observed`] for long work on the book: `progress` hears (done, in all)
    /// of the work the call started, not of an earlier one.
    fn work_observed<R: Send>(&self, call: impl FnOnce() -> R + Send, progress: &mut dyn FnMut(u64, u64)) -> R {
        self.observed("/v1/work/progress", call, |before: Option<&WorkProgress>, now: &WorkProgress| {
            if before.is_none_or(|b| b.run != now.run) {
                progress(now.done, now.total);
            }
        })
    }

    fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T, NodeError> {
        let url = format!("{}{path}", self.base);
        let auth = format!("Bearer {}", self.token);
        let result = match (method, body) {
            ("GET", _) => self.agent.get(&url).header("Authorization", &auth).call(),
            ("DELETE", _) => self.agent.delete(&url).header("Authorization", &auth).call(),
            ("POST", Some(b)) => self.agent.post(&url).header("Authorization", &auth).send_json(b),
            ("POST", None) => self.agent.post(&url).header("Authorization", &auth).send_empty(),
            ("PUT", Some(b)) => self.agent.put(&url).header("Authorization", &auth).send_json(b),
            ("PUT", None) => self.agent.put(&url).header("Authorization", &auth).send_empty(),
            ("PATCH", Some(b)) => self.agent.patch(&url).header("Authorization", &auth).send_json(b),
            (_, _) => self.agent.patch(&url).header("Authorization", &auth).send_empty(),
        };
        let bytes = self.answer(method, path, result)?;
        serde_json::from_slice(&bytes)
            .map_err(|e| NodeError::BadAnswer { url: self.base.clone(), reason: format!("{method} {path}: {e}") })
    }

    /// A request whose body and answer are bytes (import uploads as POST, export files as
    /// GET); a refusal still arrives as problem+json and becomes the same error as on a
    /// local book.
    fn raw(&self, path: &str, body: Option<&[u8]>) -> Result<Vec<u8>, NodeError> {
        let url = format!("{}{path}", self.base);
        let auth = format!("Bearer {}", self.token);
        match body {
            Some(b) => {
                let result = self
                    .agent
                    .post(&url)
                    .header("Authorization", &auth)
                    .header("Content-Type", "application/octet-stream")
                    .send(b);
                self.answer("POST", path, result)
            }
            None => self.answer("GET", path, self.agent.get(&url).header("Authorization", &auth).call()),
        }
    }

    /// The body of a successful answer; a refusal becomes the error the local node gives,
    /// and a node that cannot be reached or read is a [`NodeError`] of its own.
    fn answer(
        &self,
        method: &str,
        path: &str,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Vec<u8>, NodeError> {
        let unreachable = |e: ureq::Error| NodeError::Unreachable { url: self.base.clone(), reason: e.to_string() };
        let mut resp = result.map_err(unreachable)?;
        let status = resp.status();
        let bytes = resp.body_mut().with_config().limit(u64::MAX).read_to_vec().map_err(unreachable)?;
        if status.is_success() {
            return Ok(bytes);
        }
        match serde_json::from_slice::<Problem>(&bytes) {
            Ok(p) if status.as_u16() == 401 => Err(NodeError::Unreachable {
                url: self.base.clone(),
                reason: format!("the node refused the token in the data directory ({})", p.detail),
            }),
            Ok(p) => Err(node_error_of(&p)),
            Err(_) => Err(NodeError::BadAnswer {
                url: self.base.clone(),
                reason: format!(
                    "{method} {path} answered {status}: {}",
                    String::from_utf8_lossy(&bytes).chars().take(300).collect::<String>()
                ),
            }),
        }
    }

    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, NodeError> {
        self.call("GET", path, None)
    }

    fn send<T: DeserializeOwned, B: Serialize>(&self, method: &str, path: &str, body: &B) -> Result<T, NodeError> {
        let v = serde_json::to_value(body).map_err(|e| NodeError::BadAnswer {
            url: self.base.clone(),
            reason: format!("cannot encode the request: {e}"),
        })?;
        self.call(method, path, Some(&v))
    }

    fn customer_path(key: &str, rest: &str) -> String {
        format!("/v1/customers/{}{rest}", encode(key))
    }

    fn all_rows(&self, params: Vec<(&str, Option<String>)>) -> Result<Vec<ListRow>, NodeError> {
        let mut rows = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut p = params.clone();
            p.push(("limit", Some(PAGE.to_string())));
            p.push(("cursor", cursor.clone()));
            let page: ListPage = self.get(&format!("/v1/customers{}", query(&p)))?;
            for i in page.items {
                rows.push(row_of(i)?);
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(rows),
            }
        }
    }
}

impl Book for RemoteBook {
    fn identity(&self) -> Result<Identity, NodeError> {
        let h: Health = self.get("/v1/health")?;
        Ok(Identity {
            member_name: h.identity.member_name,
            member_id: h.identity.member_id,
            device_id: h.identity.device_id,
            device_code: h.identity.device_code,
            previous_devices: Vec::new(),
        })
    }
    fn add_customer(&self, new: &NewCustomer) -> Result<Customer, NodeError> {
        self.send("POST", "/v1/customers", new)
    }
    fn customer(&self, key: &str) -> Result<CustomerView, NodeError> {
        self.get(&Self::customer_path(key, ""))
    }
    fn patch_customer(&self, key: &str, patch: &CustomerPatch, why: Option<String>) -> Result<Written, NodeError> {
        self.send("PATCH", &Self::customer_path(key, ""), &WithReason { body: patch, reason: why })
    }
    fn set_archived(&self, key: &str, archived: bool, why: Option<String>) -> Result<Written, NodeError> {
        let what = if archived { "/archive" } else { "/restore" };
        self.send("POST", &Self::customer_path(key, what), &serde_json::json!({ "reason": why }))
    }
    fn list(&self, f: &Filter) -> Result<Vec<ListRow>, NodeError> {
        self.all_rows(filter_params(f))
    }
    fn import(&self, req: &ImportRequest, progress: &mut dyn FnMut(u64, u64)) -> Result<ImportReport, NodeError> {
        self.work_observed(|| self.import_request(req), progress)
    }
    fn export(&self, req: &ExportRequest) -> Result<Vec<u8>, NodeError> {
        let mut p = filter_params(&req.filter);
        p.push(("format", Some(req.format.as_str().to_string())));
        p.push(("fields", Some(req.fields.clone())));
        p.push(("reveal", Some(req.reveal.to_string())));
        p.push(("all_contacts", req.all_contacts.then(|| "true".to_string())));
        p.push(("limit", req.limit.map(|n| n.to_string())));
        self.raw(&format!("/v1/export{}", query(&p)), None)
    }
    fn export_with(&self, req: &ExportRequest, progress: &mut dyn FnMut(u64, u64)) -> Result<Vec<u8>, NodeError> {
        self.work_observed(|| self.export(req), progress)
    }
    fn doctor_with(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<DoctorReport, NodeError> {
        self.work_observed(|| self.doctor(), progress)
    }
    fn reindex_with(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<u64, NodeError> {
        self.work_observed(|| self.reindex(), progress)
    }
    fn audit(&self) -> Result<Vec<AuditEntry>, NodeError> {
        self.get("/v1/audit")
    }
    fn team(&self) -> Result<rapport_node::Team, NodeError> {
        self.get("/v1/team")
    }
    fn search(&self, q: &str, archived: bool) -> Result<Vec<ListRow>, NodeError> {
        if rapport_model::normalize_text(q).is_empty() {
            // The node treats an empty `q` as no search; the local book refuses it.
            return Err(StoreError::Invalid(FieldError::new("query", "is empty").into()).into());
        }
        self.all_rows(vec![("q", Some(q.to_string())), ("archived", archived.then(|| "true".to_string()))])
    }
    fn add_contact(&self, key: &str, new: &NewContact, why: Option<String>) -> Result<Written, NodeError> {
        self.send("POST", &Self::customer_path(key, "/contacts"), &WithReason { body: new, reason: why })
    }
    fn edit_contact(
        &self,
        key: &str,
        contact: &str,
        patch: &ContactPatch,
        why: Option<String>,
    ) -> Result<Written, NodeError> {
        let path = Self::customer_path(key, &format!("/contacts/{}", encode(contact)));
        self.send("PATCH", &path, &WithReason { body: patch, reason: why })
    }
    fn add_interaction(&self, key: &str, new: &NewInteraction) -> Result<Written, NodeError> {
        self.send("POST", &Self::customer_path(key, "/interactions"), new)
    }
    fn add_service(&self, key: &str, new: &NewServiceRecord) -> Result<Written, NodeError> {
        self.send("POST", &Self::customer_path(key, "/service-records"), new)
    }
    fn add_order(&self, key: &str, new: &NewOrder) -> Result<Written, NodeError> {
        self.send("POST", &Self::customer_path(key, "/orders"), new)
    }
    fn add_task(&self, key: &str, new: &NewTask) -> Result<Written, NodeError> {
        self.send("POST", &Self::customer_path(key, "/tasks"), new)
    }
    fn complete_task(&self, key: &str, task: &str, done: &TaskCompletion) -> Result<Written, NodeError> {
        self.send("POST", &Self::customer_path(key, &format!("/tasks/{}/done", encode(task))), done)
    }
    fn agenda(&self, today: Date, assignee: Option<&str>, limit: Option<usize>) -> Result<Agenda, NodeError> {
        self.get(&format!(
            "/v1/agenda{}",
            query(&[
                ("today", Some(today.to_string())),
                ("assignee", assignee.map(|a| a.to_string())),
                ("limit", limit.map(|n| n.to_string())),
            ])
        ))
    }
    fn history(&self, key: &str) -> Result<Vec<HistoryEntry>, NodeError> {
        self.get(&Self::customer_path(key, "/history"))
    }
    fn doctor(&self) -> Result<DoctorReport, NodeError> {
        self.get("/v1/doctor")
    }
    fn reports(&self, names: &[ReportName], window: &Window, model: TierModel) -> Result<Vec<Report>, NodeError> {
        let mut q = format!("as_of={}&model={}&archived={}", window.as_of, model_name(model), window.include_archived);
        if let Some(f) = window.from {
            q.push_str(&format!("&from={f}"));
        }
        if let Some(t) = window.to {
            q.push_str(&format!("&to={t}"));
        }
        if names == ReportName::all() {
            return self.get(&format!("/v1/reports?{q}"));
        }
        names.iter().map(|n| self.get(&format!("/v1/reports/{}?{q}", n.as_str()))).collect()
    }
    fn duplicates(&self, limit: Option<usize>) -> Result<Duplicates, NodeError> {
        self.get(&format!("/v1/duplicates{}", query(&[("limit", limit.map(|n| n.to_string()))])))
    }
    fn merge(&self, keep: &str, merge: &str, why: Option<String>) -> Result<MergeOutcome, NodeError> {
        let body = crate::schema::MergeBody { customer: merge.to_string(), reason: why };
        self.send("POST", &Self::customer_path(keep, "/merge"), &body)
    }
    fn reindex(&self) -> Result<u64, NodeError> {
        let r: Reindexed = self.call("POST", "/v1/reindex", None)?;
        Ok(r.reindexed)
    }
    fn figures(&self, key: &str, as_of: Date) -> Result<Figures, NodeError> {
        self.get(&Self::customer_path(key, &format!("/figures?as_of={as_of}")))
    }
    fn rules(&self) -> Result<Vec<RuleInfo>, NodeError> {
        self.get("/v1/rules")
    }
    fn put_rule(&self, rule: &Rule, create: bool) -> Result<Refresh, NodeError> {
        let body = serde_json::json!({
            "name": rule.name, "tag": rule.tag, "condition": rule.condition, "enabled": rule.enabled,
        });
        if create {
            self.send("POST", "/v1/rules", &body)
        } else {
            self.send("PUT", &format!("/v1/rules/{}", encode(&rule.name)), &body)
        }
    }
    fn remove_rule(&self, name: &str) -> Result<Refresh, NodeError> {
        self.call("DELETE", &format!("/v1/rules/{}", encode(name)), None)
    }
    fn test_rule(&self, draft: &Rule, as_of: Date) -> Result<Vec<ListRow>, NodeError> {
        let body = serde_json::json!({
            "condition": draft.condition, "name": draft.name, "tag": draft.tag, "as_of": as_of.to_string(),
        });
        let r: RuleTestResult = self.send("POST", "/v1/rules/test", &body)?;
        r.items.into_iter().map(row_of).collect()
    }
    fn explain(&self, key: &str, as_of: Date) -> Result<Explanation, NodeError> {
        self.get(&Self::customer_path(key, &format!("/explain?as_of={as_of}")))
    }
    fn refresh_tags(&self) -> Result<Refresh, NodeError> {
        self.call("POST", "/v1/tags/refresh", None)
    }
    fn tiers(&self, model: TierModel, as_of: Date) -> Result<Vec<TierLine>, NodeError> {
        let t: TiersOut = self.get(&format!("/v1/tiers?model={}&as_of={as_of}", model_name(model)))?;
        Ok(t.items)
    }
    fn tiers_summary(&self, model: TierModel, as_of: Date) -> Result<TierSummary, NodeError> {
        self.get(&format!("/v1/tiers/summary?model={}&as_of={as_of}", model_name(model)))
    }
    fn tier_settings(&self) -> Result<TierSettings, NodeError> {
        self.get("/v1/settings/tiers")
    }
    fn set_tier_settings(
        &self,
        values: &std::collections::BTreeMap<String, serde_json::Value>,
    ) -> Result<Refresh, NodeError> {
        self.send("PATCH", "/v1/settings/tiers", values)
    }
}

fn model_name(m: TierModel) -> &'static str {
    match m {
        TierModel::Sabc => "sabc",
        TierModel::Abc => "abc",
        TierModel::Rfm => "rfm",
    }
}

/// The query parameters of a list filter.
fn filter_params(f: &Filter) -> Vec<(&'static str, Option<String>)> {
    f.settings().into_iter().map(|(k, v)| (k, Some(v))).collect()
}

/// The node runtime's operations (sync, relay, peers, sample data) over HTTP to a
/// running node.
pub struct RemoteNode(RemoteBook);

impl RemoteNode {
    /// The node serving the data directory `dir`.
    pub fn connect(dir: &Path) -> Result<RemoteNode, NodeError> {
        RemoteBook::connect(dir).map(RemoteNode)
    }

    /// The node's base URL.
    pub fn base(&self) -> &str {
        self.0.base()
    }
}

impl NodeControl for RemoteNode {
    fn sync(&self, peers: bool) -> Result<Vec<SyncOutcome>, NodeError> {
        self.0.send("POST", "/v1/sync", &crate::node_api::SyncRequest { peers })
    }

    /// The sync runs in the node; its progress is read from the node while it runs (the
    /// tally left by an earlier sync is not reported).
    fn sync_observed(&self, peers: bool, progress: ProgressObserver<'_>) -> Result<Vec<SyncOutcome>, NodeError> {
        self.0.observed("/v1/sync/progress", || self.sync(peers), |_, now: &rapport_sync::SyncProgress| progress(now))
    }

    fn sync_status(&self) -> Result<SyncStatus, NodeError> {
        let relay: crate::node_api::RelayOut = self.0.get("/v1/relay")?;
        let peers = self.0.get("/v1/sync")?;
        Ok(SyncStatus { relay: relay.relay, peers })
    }

    fn discard(&self, customer: &str, out: Option<std::path::PathBuf>) -> Result<rapport_node::Discarded, NodeError> {
        let body = crate::node_api::DiscardRequest {
            customer: customer.to_string(),
            out: out.map(|p| p.display().to_string()),
        };
        self.0.send("POST", "/v1/sync/discard", &body)
    }

    fn set_relay(&self, url: &str, token: &str) -> Result<String, NodeError> {
        let body = crate::node_api::RelayIn { url: url.to_string(), token: token.to_string() };
        let out: crate::node_api::RelayOut = self.0.send("PUT", "/v1/relay", &body)?;
        Ok(out.relay.unwrap_or_default())
    }

    fn invite(&self, req: &InviteRequest) -> Result<Invited, NodeError> {
        self.0.send("POST", "/v1/peers/invitations", req)
    }

    fn invitations(&self) -> Result<Vec<Invitation>, NodeError> {
        self.0.get("/v1/peers/invitations")
    }

    fn cancel_invitation(&self, id: &str) -> Result<Invitation, NodeError> {
        self.0.call("DELETE", &format!("/v1/peers/invitations/{}", encode(id)), None)
    }

    fn add_peer(&self, ticket: &str) -> Result<Paired, NodeError> {
        self.0.send("POST", "/v1/peers", &crate::node_api::PairIn { ticket: ticket.to_string() })
    }

    fn peers(&self) -> Result<Vec<PeerInfo>, NodeError> {
        self.0.get("/v1/peers")
    }

    fn demo(&self, req: &DemoRequest) -> Result<DemoCreated, NodeError> {
        self.0.send("POST", "/v1/demo", req)
    }

    fn demo_observed(&self, req: &DemoRequest, progress: &mut dyn FnMut(u64, u64)) -> Result<DemoCreated, NodeError> {
        self.0.work_observed(|| self.demo(req), progress)
    }
}
