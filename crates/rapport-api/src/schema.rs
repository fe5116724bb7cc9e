//! Wire types of the API and the OpenAPI schemas of the domain types.
//!
//! Types the API owns (list pages, health, events, rule bodies) are used by the handlers
//! and derive their schema directly. The domain's input types live in crates that do not
//! depend on utoipa, so this module writes their schemas as JSON Schema (`*Input` types,
//! used only for the document), with every closed vocabulary taken from the list the
//! server parses with; tests check each against the real type's fields and against a
//! live server (nulls, arrays, unknown fields). Query, path and header values are small
//! typed wrappers ([`Day`], [`StageName`], [`PageSize`], ...) whose schemas state the
//! enums, dates and bounds the handlers enforce. [`complete`] adds the refusals every
//! operation shares. Large read models (customer record, figures, explanations, tier
//! summaries) are described as objects whose layout is documented in `docs/api.md`.

use rapport_store::ListRow;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::openapi::schema::{ObjectBuilder, Schema};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

macro_rules! object_schema {
    ($(#[doc = $doc:literal] $name:ident),* $(,)?) => {$(
        #[doc = $doc]
        pub struct $name;
        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new().description(Some($doc.trim())).into()
            }
        }
        impl ToSchema for $name {}
    )*};
}

object_schema!(
    /// The customer record: fields, contacts, follow-ups (`interactions`), `service_records`, `orders`, `tasks`, `manual_tags`, `custom`, `merged_into` (the surviving customer's id once merged, else null), `absorbed` (customers merged into this one) and `to_fill` (names of key fields still to fill, 待补充: `deal.amount`, `deal.date`, `deal.contract_no`, `source`; set by a legacy import, cleared by the edit that fills them). Money is a string of yuan (`"12800.00"`); dates `YYYY-MM-DD`; times `YYYY-MM-DDTHH:MM:SS`. Contact data is not masked.
    CustomerRecord,
    /// Derived figures as of a date: 12-month and lifetime amounts, order counts, repurchase rate (basis points), follow-up counts, complaints, satisfaction, days to win.
    FiguresObject,
    /// A customer's figures and every rule's verdict with reasons, and the composite tier with its reason.
    ExplanationObject,
    /// Counts, 12-month amounts and shares per tier under a model.
    TierSummaryObject,
    /// Likely duplicates: `total` pairs found, the most certain `limit` of them as `pairs` (each with `keep` and `merge` list rows, `score` 0-100 and `reasons`) and `crowded` keys shared by too many customers to list as pairs.
    DuplicatesObject,
    /// A report: `name`, `title`, `window`, `scope` (who is counted), `notes` (definitions), typed `figures` and the same as a display `table` (`headers`, `rows`). See docs/reports.md.
    ReportObject,
    /// An import: `file`, `format`, `dry_run`, `written` (false with `not_written_because` when rows were rejected), `total_rows`, `created` (row, number, name), `updated` and `unchanged` (rows matching existing customers: row, number, name, `by` number/credit_code/name, `contacts_added`, `follow_ups_added`, `fields_updated`), `conflicts` (row, column, file_value, stored_value, overwritten: values differing from the stored customer), `folded` (rows joined to earlier rows of the sheet), `rejected` (row, column, value, reason), `rejected_rows`, `filled` (counts of 待补充 / 未知 / defaults by field), `not_stored` (row, column, value, reason: every non-empty cell not stored), `moved` (row, column, value, to, reason: cells stored in another field), `skipped` (row, label: totals and note rows), `unknown_owners` (owner, reason, customers: new customers whose owner is not a member of the team, to reassign), `unknown_columns`, `suggested_mapping` (a mapping.toml) and `rejections_csv` (the rejected rows to fix and import again).
    ImportReportObject,
    /// A merge: the `survivor` record, the `absorbed_number` (now an alias) and `items_taken`.
    MergeOutcomeObject,
    /// Tier settings: grade thresholds, composite mapping, value formula, ABC shares, per-tier policies and cadences.
    TierSettingsObject,
    /// Two members changed a field at once: the field, the value shown, the losing values.
    ConflictObject,
);

/// `GET /v1/health`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`; `degraded` while the store cannot be written (the disk is full or failing),
    /// answered with status 503.
    pub status: String,
    /// Why the node is degraded, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Rapport version.
    pub version: String,
    /// The node's member and device.
    pub identity: IdentityOut,
    /// Latest change-feed sequence number.
    pub last_event: u64,
}

/// Who this node writes as.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct IdentityOut {
    /// Member name, as shown in history.
    pub member_name: String,
    /// Member id, 32 hex digits.
    pub member_id: String,
    /// Device id, 16 hex digits.
    pub device_id: String,
    /// Six-character code used in customer numbers minted here.
    pub device_code: String,
}

/// One customer in a list.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ListItem {
    /// Internal id (32 hex digits).
    pub id: String,
    /// Customer number.
    pub number: String,
    /// Name.
    pub name: String,
    /// company or person.
    pub kind: String,
    /// Industry code.
    pub industry: String,
    /// Stage.
    pub stage: String,
    /// Owner.
    pub owner: String,
    /// Source.
    pub source: String,
    /// Created date.
    pub created: String,
    /// Date of the latest follow-up.
    pub last_interaction: Option<String>,
    /// Archived.
    pub archived: bool,
    /// High priority.
    pub priority: bool,
    /// Primary contact name.
    pub contact: Option<String>,
    /// Primary contact phone (not masked).
    pub phone: Option<String>,
    /// Manual tags.
    pub tags: Vec<String>,
    /// Tags added by rules.
    pub rule_tags: Vec<String>,
    /// Composite tier S/A/B/C.
    pub tier: Option<String>,
}

impl ListItem {
    /// The wire form of a list row.
    pub fn of(r: &ListRow) -> ListItem {
        let s = &r.summary;
        ListItem {
            id: r.id.to_hex(),
            number: s.number.clone(),
            name: s.name.clone(),
            kind: s.kind.clone(),
            industry: s.industry.clone(),
            stage: s.stage.clone(),
            owner: s.owner.clone(),
            source: s.source.clone(),
            created: s.created.to_string(),
            last_interaction: s.last_interaction.map(|d| d.to_string()),
            archived: s.archived,
            priority: s.priority,
            contact: s.contact.clone(),
            phone: s.phone.clone(),
            tags: s.tags.clone(),
            rule_tags: s.rule_tags.clone(),
            tier: s.tier.clone(),
        }
    }
}

/// A page of customers.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ListPage {
    /// The customers on this page.
    pub items: Vec<ListItem>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// How many customers match in all.
    pub total: usize,
}

/// A page of tier lines.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TiersPage {
    /// How many customers match in all.
    pub total: usize,
    /// The first `limit` of them.
    pub items: Vec<TierLineOut>,
}

/// One customer with its tier.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TierLineOut {
    /// Customer number.
    pub number: String,
    /// Name.
    pub name: String,
    /// Tier label under the model.
    pub tier: String,
    /// Why.
    pub reason: String,
    /// 12-month amount (yuan, as a string).
    pub amount_12m: String,
    /// Strategy text of the composite tier.
    pub strategy: String,
    /// Customer value (yuan, as a string).
    pub customer_value: String,
}

/// `GET /v1/customers/{key}`: the record, derived tags and tier, conflicts and figures.
#[derive(ToSchema)]
pub struct CustomerDetail {
    /// The record.
    pub customer: CustomerRecord,
    /// Tags added by rules.
    pub rule_tags: Vec<String>,
    /// Composite tier.
    pub tier: Option<String>,
    /// Concurrent edits.
    pub conflicts: Vec<ConflictObject>,
    /// Figures as of `as_of` (default today).
    pub figures: FiguresObject,
}

/// The result of a write.
#[derive(ToSchema)]
pub struct WrittenOut {
    /// Customer number.
    pub customer: String,
    /// Customer id.
    pub id: String,
    /// Id of the item created, if any.
    pub item: Option<String>,
}

/// What a re-evaluation of the book did.
#[derive(ToSchema)]
pub struct RefreshOut {
    /// The as-of date.
    pub as_of: String,
    /// Customers evaluated.
    pub customers: usize,
    /// Customers whose rule tags, tier or follow-up changed.
    pub changed: usize,
    /// Milliseconds spent.
    pub millis: u64,
}

/// `GET /v1/agenda`: how many items the agenda holds and the first `limit` of them.
#[derive(ToSchema)]
pub struct AgendaPage {
    /// Items on the agenda in all.
    pub total: usize,
    /// The first `limit` of them: overdue first, then by due date.
    pub items: Vec<AgendaItemOut>,
}

/// One agenda entry.
#[derive(ToSchema)]
pub struct AgendaItemOut {
    /// `overdue`, `today` or `upcoming`.
    pub when: String,
    /// Due date.
    pub due: String,
    /// Assignee.
    pub assignee: String,
    /// What to do.
    pub what: String,
    /// Customer number.
    pub number: String,
    /// Customer name.
    pub customer: String,
}

/// One change in a customer's history.
#[derive(ToSchema)]
pub struct HistoryEntryOut {
    /// Change hash.
    pub hash: String,
    /// Automerge actor: member and device.
    pub actor: String,
    /// Member name.
    pub author: String,
    /// When, the author's clock.
    pub at: String,
    /// What changed.
    pub what: String,
    /// Stated reason.
    pub why: Option<String>,
}

/// `doctor`: every index checked against the documents.
#[derive(ToSchema)]
pub struct DoctorOut {
    /// Customers checked.
    pub customers: u64,
    /// Index entries checked.
    pub index_entries: u64,
    /// Every inconsistency, in words.
    pub problems: Vec<String>,
}

/// `GET /v1/sync`: one relay or paired peer and how syncing with it went.
#[derive(ToSchema)]
pub struct SyncLineOut {
    /// `relay:URL` or `peer:ENDPOINT-ID`.
    pub peer: String,
    /// When the last sync succeeded (node clock), if ever.
    pub last_success: Option<String>,
    /// What the last successful sync did: documents sent and received, bytes, conflicts.
    #[schema(value_type = Option<Object>)]
    pub last_report: Option<serde_json::Value>,
    /// When the last sync failed and why, if it did since the last success.
    pub last_error: Option<Vec<String>>,
    /// Failures in a row (background sync backs off).
    pub failures: u32,
    /// Customers written here that this relay or peer does not hold yet.
    pub pending: usize,
    /// Documents not exchanged with this relay or peer, and why; each is tried again at
    /// every sync until it goes through. While one is listed, this node is not in step.
    pub refused: Vec<RefusalOut>,
    /// The last sync succeeded, nothing is pending and nothing is refused.
    pub in_step: bool,
    /// While a sync with this relay or peer runs: how far it has got (documents and bytes
    /// both ways, milliseconds spent and an estimate of those left). Absent otherwise.
    pub progress: Option<crate::node_api::SyncProgressOut>,
    /// When a sync last found the relay restored from a backup (it no longer held what this
    /// node saw there) and sent back what it lacked (node clock). Absent if never.
    pub relay_restored_at: Option<String>,
}

/// A document a sync did not exchange.
#[derive(ToSchema)]
pub struct RefusalOut {
    /// The customer's id (32 hex digits), or `settings` for the team settings document.
    pub customer: String,
    /// `sent`: the peer refused it; `received`: this node refused it (or the peer would not
    /// send it).
    #[schema(inline)]
    pub direction: RefusalDirection,
    /// Why, naming the rule (a limit, a field set once, a value, the schema).
    pub reason: String,
}

/// Which way a refused document was going.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum RefusalDirection {
    /// From this node; the peer refused it.
    Sent,
    /// From the peer; this node refused it.
    Received,
}

/// `reindex`: how many customers were re-indexed.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Reindexed {
    /// Customers re-indexed.
    pub reindexed: u64,
}

/// A tag rule as listed.
#[derive(ToSchema)]
pub struct RuleInfoOut {
    /// Stable name.
    pub name: String,
    /// Tag it adds.
    pub tag: String,
    /// Condition in the rule language.
    pub condition: String,
    /// Whether it runs.
    pub enabled: bool,
    /// Why it does not compile, if it does not.
    pub error: Option<String>,
}

/// A rule to create (`POST /v1/rules`) or replace (`PUT /v1/rules/{name}`, where `name`
/// may be left out).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleBody {
    /// Stable name (required to create).
    #[serde(default)]
    pub name: Option<String>,
    /// Tag it adds.
    pub tag: String,
    /// Condition in the rule language (docs/rules.md).
    pub condition: String,
    /// Whether it runs (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A draft rule to try without saving it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRuleBody {
    /// Condition to try.
    pub condition: String,
    /// Name of the rule it would replace (to test an edit in place).
    #[serde(default)]
    pub name: Option<String>,
    /// Tag it would add (default `draft`).
    #[serde(default)]
    pub tag: Option<String>,
    /// Evaluate as of this date, `YYYY-MM-DD` (default today).
    #[serde(default)]
    pub as_of: Option<Day>,
    /// Return at most this many customers (`total` still counts all).
    #[serde(default)]
    pub limit: Option<Count>,
}

/// Customers a draft rule would tag.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RuleTestResult {
    /// How many customers the rule would tag.
    pub total: usize,
    /// The first `limit` of them.
    pub items: Vec<ListItem>,
}

/// An optional reason for a change (archive, restore).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
}

/// One entry of the team's audit log.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryOut {
    /// When (`YYYY-MM-DDTHH:MM:SS`, the author's clock).
    pub at: String,
    /// Member.
    pub by: String,
    /// What was done.
    pub what: String,
}

/// The team's roster as this node last received it from the relay.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TeamOut {
    /// Team name; null while this node has no roster (no relay yet, or a relay from before
    /// roles): every edit is then allowed here.
    pub name: Option<String>,
    /// This node's member.
    pub you: Option<TeamMemberOut>,
    /// Every member, revoked ones included, by name.
    pub members: Vec<TeamMemberOut>,
    /// Set when the relay removed this member from the team, with its words.
    pub revoked: Option<String>,
}

/// A member of the team.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TeamMemberOut {
    /// Name.
    pub name: String,
    /// Role: `sales rep`, `customer service`, `manager` or `admin`.
    pub role: String,
    /// Groups.
    pub groups: Vec<String>,
    /// False once revoked.
    pub active: bool,
}

/// Which customer to merge into the one in the path, and why.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// Number or id of the customer to merge away (its number becomes an alias).
    pub customer: String,
    /// Why (recorded in both customers' history).
    #[serde(default)]
    pub reason: Option<String>,
}

/// One change-feed event (the `data` of a server-sent event whose `id` is `seq`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ChangeEvent {
    /// Sequence number; resume after it with `?after=SEQ` or `Last-Event-ID`.
    pub seq: u64,
    /// Customer id.
    pub id: String,
    /// Customer number.
    pub number: String,
}

// ---------------------------------------------------------------------------------------
// Input bodies. The domain's input types live in crates without utoipa, so their schemas
// are written here as JSON Schema, with every closed vocabulary taken from the same list
// the server parses with. Tests check each schema's properties against the real type's
// fields, and that null, arrays and unknown fields are taken exactly where it says.

/// A schema written as JSON Schema. A test (`every_written_schema_survives_the_round_trip`)
/// checks each one converts without losing a keyword.
pub fn json_schema(v: Value) -> RefOr<Schema> {
    serde_json::from_value(v).unwrap_or_else(|_| RefOr::T(Schema::Object(Default::default())))
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// A property that may also be `null` (taken as left out).
fn or_null(mut v: Value) -> Value {
    if let Some(r) = v.get("$ref").cloned() {
        return json!({ "oneOf": [{ "$ref": r }, { "type": "null" }] });
    }
    if let Some(Value::Array(branches)) = v.get_mut("anyOf") {
        branches.push(json!({ "type": "null" }));
        return v;
    }
    match v.get("type").cloned() {
        Some(Value::String(t)) => v["type"] = json!([t, "null"]),
        Some(Value::Array(mut ts)) => {
            ts.push(json!("null"));
            v["type"] = Value::Array(ts);
        }
        _ => {}
    }
    if let Some(Value::Array(e)) = v.get_mut("enum") {
        e.push(Value::Null);
    }
    v
}

fn described(mut v: Value, description: &str) -> Value {
    v["description"] = json!(description);
    v
}

/// Text that must hold something besides spaces (the server trims it).
fn required_text() -> Value {
    json!({ "type": "string", "pattern": "\\S" })
}

/// Free text.
fn text() -> Value {
    json!({ "type": "string" })
}

/// A `YYYY-MM-DD` date.
pub fn date() -> Value {
    json!({ "type": "string", "format": "date" })
}

/// Empty or only spaces: an optional value left out.
fn blank() -> Value {
    json!({ "type": "string", "pattern": "^\\s*$" })
}

/// An optional date in a body: empty (or only spaces) means left out.
fn date_or_blank() -> Value {
    json!({ "anyOf": [date(), blank()] })
}

/// An optional time in a body: `YYYY-MM-DD HH:MM[:SS]` (or `T` between), a bare date
/// (midnight), or empty for now.
fn time_or_blank() -> Value {
    json!({
        "type": "string",
        "pattern": "^\\s*([0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?)?\\s*$"
    })
}

/// A tag: not blank, without the characters that separate tags in sheets.
fn tag() -> Value {
    let seps: String = rapport_model::TAG_SEPARATORS.iter().collect();
    json!({ "type": "string", "pattern": format!("^[^{seps}]*[^\\s{seps}][^{seps}]*$") })
}

/// An amount of yuan: a whole number, or a decimal string (`"12800"`, `"12800.50"`,
/// `"¥12800"`, `"1.5万"`).
fn money() -> Value {
    // The largest whole number of yuan that fits in fen.
    let max = i64::MAX / 100;
    json!({
        "type": ["string", "integer"],
        "minimum": -max,
        "maximum": max,
        "pattern": "^(¥|￥)?-?([0-9]{1,12}(\\.[0-9]{1,2})?(元)?|[0-9]{1,8}(\\.[0-9]{1,6})?万(元)?)$"
    })
}

/// Every spelling `rapport_model::industry` accepts: section letter, number prefix,
/// English and Chinese name.
pub fn industry_values() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in rapport_model::INDUSTRIES {
        for v in [i.code, i.prefix, i.en, i.zh] {
            if !out.iter().any(|o| o == v) {
                out.push(v.to_string());
            }
        }
    }
    out
}

fn enum_of<I: IntoIterator<Item = S>, S: Into<String>>(values: I) -> Value {
    json!({ "type": "string", "enum": values.into_iter().map(Into::into).collect::<Vec<String>>() })
}

/// An industry as a body or query value.
pub fn industry() -> Value {
    enum_of(industry_values())
}

/// A vocabulary value in a body: the English name, as serialized.
macro_rules! vocab_schema {
    ($t:ty) => {
        enum_of(<$t>::ALL.iter().map(|v| v.as_str()))
    };
}

/// A stage in a query: English name or Chinese term.
pub fn stage_name() -> Value {
    enum_of(rapport_model::Stage::ALL.iter().flat_map(|s| [s.as_str(), s.zh()]))
}

fn address() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "description": "An address; every part optional.",
        "properties": {
            "province": described(or_null(text()), "省"),
            "city": described(or_null(text()), "市"),
            "district": described(or_null(text()), "区"),
            "street": described(or_null(text()), "Street and number.")
        }
    })
}

fn needs() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "description": "Needs (需求); every part optional.",
        "properties": {
            "pain_points": or_null(text()),
            "timeline": or_null(text()),
            "budget": or_null(text()),
            "decision_chain": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "purchaser": or_null(text()),
                    "evaluator": or_null(text()),
                    "approver": or_null(text())
                }
            }
        }
    })
}

fn deal() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "description": "The deal that made the customer won.",
        "required": ["amount", "date", "contract_no"],
        "properties": {
            "amount": described(money(), "Deal amount in yuan (more than zero)."),
            "date": described(date(), "Deal date."),
            "contract_no": described(required_text(), "Contract number.")
        }
    })
}

/// The top-level sections of the tier settings, as `GET /v1/settings/tiers` names them.
pub fn tier_setting_sections() -> Vec<String> {
    match serde_json::to_value(rapport_rules::TierSettings::default()) {
        Ok(Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Patch fields: `null` clears the value.
fn clearing(v: Value, description: &str) -> Value {
    described(or_null(v), &format!("{description} (`null` or empty clears)"))
}

macro_rules! written_schema {
    ($(#[doc = $doc:literal] $name:ident => $body:expr),* $(,)?) => {$(
        #[doc = $doc]
        pub struct $name;
        impl $name {
            /// The schema as JSON.
            pub fn json() -> Value {
                let mut v: Value = $body;
                v["description"] = json!($doc.trim());
                v
            }
        }
        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                json_schema(Self::json())
            }
        }
        impl ToSchema for $name {}
    )*
        /// Every schema written as JSON, by name (for the round-trip test).
        pub fn written_schemas() -> Vec<(&'static str, Value)> {
            vec![$((stringify!($name), $name::json())),*]
        }
    };
}

written_schema!(
    /// A new customer (`rapport_model::NewCustomer`). `kind`, `name` and `source` are required, and `industry` for a company; the first contact is primary unless one says `primary: true`.
    NewCustomerInput => json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["kind", "name", "source"],
        "properties": {
            "kind": described(vocab_schema!(rapport_model::Kind), "Company or person."),
            "name": described(required_text(), "Name, up to 200 characters."),
            "credit_code": described(or_null(text()), "Unified social credit code (18 characters, check digit verified)."),
            "industry": described(or_null(json!({"anyOf": [industry(), blank()]})),
                "Industry: section letter (GB/T 4754, e.g. `C`), number prefix, English or Chinese name, in any ASCII case; required for a company (a person without one is `O`)."),
            "size": described(or_null(text()), "Employee band."),
            "revenue_band": described(or_null(text()), "Revenue band."),
            "address": address(),
            "source": described(required_text(), "Source: trade_show, referral, online_ads, partner, inbound, ..."),
            "stage": described(or_null(vocab_schema!(rapport_model::Stage)), "Stage (default potential); won needs `deal`, lost needs `lost_reason`."),
            "deal": or_null(deal()),
            "lost_reason": described(or_null(text()), "Why lost, when created as lost."),
            "owner": described(or_null(text()), "Owner (default: the node's member)."),
            "needs": needs(),
            "notes": described(or_null(text()), "Notes."),
            "priority": described(json!({"type": "boolean"}), "High priority."),
            "tags": described(json!({"type": "array", "items": tag()}), "Manual tags."),
            "custom": described(json!({"type": "object", "additionalProperties": text()}), "Custom fields."),
            "contacts": described(json!({"type": "array", "items": schema_ref("NewContactInput")}), "Contacts.")
        }
    }),
    /// A customer patch (`rapport_model::CustomerPatch`, plus `reason`). Absent fields are left alone, and so are fields sent as `null`, except where `null` clears. At least one field must change something.
    CustomerPatchInput => json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "name": described(or_null(required_text()), "Name."),
            "kind": or_null(vocab_schema!(rapport_model::Kind)),
            "credit_code": clearing(text(), "Credit code"),
            "industry": described(or_null(industry()), "Industry (as when creating)."),
            "size": clearing(text(), "Employee band"),
            "revenue_band": clearing(text(), "Revenue band"),
            "address": described(or_null(json!({
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "province": or_null(text()),
                    "city": or_null(text()),
                    "district": or_null(text()),
                    "street": or_null(text())
                }
            })), "Address parts to set (`null` clears one)."),
            "source": described(or_null(required_text()), "Source."),
            "stage": described(or_null(vocab_schema!(rapport_model::Stage)), "Stage; won needs `deal`, lost needs `lost_reason`; a change needs `reason`."),
            "deal": or_null(deal()),
            "lost_reason": described(or_null(text()), "Why lost (with stage lost)."),
            "owner": described(or_null(required_text()), "Owner."),
            "needs": described(or_null(json!({
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "pain_points": or_null(text()),
                    "timeline": or_null(text()),
                    "budget": or_null(text()),
                    "purchaser": or_null(text()),
                    "evaluator": or_null(text()),
                    "approver": or_null(text())
                }
            })), "Needs parts to set (`null` clears one)."),
            "notes": described(or_null(text()), "Replaces the notes (merged as a text diff)."),
            "priority": described(or_null(json!({"type": "boolean"})), "High priority."),
            "custom": described(json!({
                "type": "object",
                "propertyNames": required_text(),
                "additionalProperties": or_null(text())
            }), "Custom fields to set (`null` removes one)."),
            "add_tags": described(json!({"type": "array", "items": tag()}), "Manual tags to add."),
            "remove_tags": described(json!({"type": "array", "items": required_text()}), "Manual tags to remove."),
            "reason": described(or_null(text()), "Why (required for a stage change); or header `X-Rapport-Reason`.")
        }
    }),
    /// A new contact (`rapport_model::NewContact`, plus `reason` when added to an existing customer).
    NewContactInput => json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["name"],
        "properties": {
            "name": described(required_text(), "Name."),
            "position": described(or_null(text()), "Position."),
            "phone": described(or_null(text()), "Phone: mainland mobile, landline (with area code, or a 7-8 digit local number), 400/800 service number, or international."),
            "email": described(or_null(text()), "Email."),
            "wechat": described(or_null(text()), "WeChat id."),
            "primary": described(json!({"type": "boolean"}), "Make primary."),
            "other_phones": described(json!({"type": "array", "items": {"type": "string"}, "maxItems": 5}), "More phones (a landline beside the mobile), each validated like `phone`; at most 5.")
        }
    }),
    /// A contact patch (`rapport_model::ContactPatch`, plus `reason`, which is required: contact-data changes are explained).
    ContactPatchInput => json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "name": described(or_null(required_text()), "Name."),
            "position": clearing(text(), "Position"),
            "phone": clearing(text(), "Phone"),
            "email": clearing(text(), "Email"),
            "wechat": clearing(text(), "WeChat id"),
            "primary": described(or_null(json!({"type": "boolean"})), "Make primary."),
            "reason": described(or_null(text()), "Why the contact data changed (required); or header `X-Rapport-Reason`.")
        }
    }),
    /// A follow-up (`rapport_model::NewInteraction`).
    NewInteractionInput => json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["channel", "summary"],
        "properties": {
            "at": described(or_null(time_or_blank()), "When, `YYYY-MM-DD HH:MM` (default now)."),
            "channel": described(vocab_schema!(rapport_model::Channel), "How."),
            "summary": described(required_text(), "What was discussed."),
            "feedback": described(or_null(text()), "Customer feedback or change of need."),
            "intent": described(or_null(vocab_schema!(rapport_model::IntentLevel)), "Buying intent."),
            "next_action": described(or_null(text()), "Next action (needs `next_due`)."),
            "next_due": described(or_null(date_or_blank()), "Due date of the next action (needs `next_action`)."),
            "next_assignee": described(or_null(text()), "Assignee of the next action (default: the node's member).")
        }
    }),
    /// A service record (`rapport_model::NewServiceRecord`).
    NewServiceRecordInput => json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["type", "summary"],
        "properties": {
            "at": described(or_null(time_or_blank()), "When (default now)."),
            "type": described(vocab_schema!(rapport_model::ServiceKind), "What it was about."),
            "summary": described(required_text(), "What was reported."),
            "result": described(or_null(text()), "How it was resolved."),
            "satisfaction": described(json!({
                "type": ["number", "string", "null"],
                "minimum": 1,
                "maximum": 5,
                "pattern": "^\\s*[0-9]{1,3}(\\.[0-9]{1,2})?\\s*$"
            }), "Satisfaction from 1 to 5, at most two decimals, as a number or a string.")
        }
    }),
    /// An order (`rapport_model::NewOrder`).
    NewOrderInput => json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["amount", "category"],
        "properties": {
            "date": described(or_null(date_or_blank()), "Order date (default today)."),
            "amount": described(money(), "Amount in yuan, more than zero: a whole number, or a string such as `\"12800\"`, `\"12800.50\"`, `\"1.5万\"`."),
            "category": described(required_text(), "Product category."),
            "product": described(or_null(text()), "Product.")
        }
    }),
    /// A task (`rapport_model::NewTask`).
    NewTaskInput => json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["what", "due"],
        "properties": {
            "what": described(required_text(), "What to do."),
            "assignee": described(or_null(text()), "Assignee (default: the node's member)."),
            "due": described(date(), "Due date.")
        }
    }),
    /// Tier settings to change: top-level sections of `GET /v1/settings/tiers`, each replaced whole by the value given; the result must pass the settings' own checks.
    TierSettingsPatch => json!({
        "type": "object",
        "additionalProperties": false,
        "properties": tier_setting_sections()
            .into_iter()
            .map(|k| (k, json!({ "type": "object" })))
            .collect::<serde_json::Map<String, Value>>()
    }),
    /// The bytes of a file (a sheet to import, an exported workbook).
    FileBytes => json!({ "type": "string", "format": "binary" }),
    /// Marks a task done (`rapport_model::TaskCompletion`); the body may be left out.
    TaskCompletionInput => json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "result": described(or_null(text()), "Outcome.")
        }
    }),
);

/// Page size of `GET /v1/customers`.
pub const MAX_PAGE: usize = 10_000;

/// Sort keys of `GET /v1/customers` (each also with `-` first for descending).
pub const SORT_KEYS: [&str; 4] = rapport_node::views::SORT_KEYS;

/// Tier models (`rapport_rules::TierModel`), any ASCII case.
pub const TIER_MODELS: [&str; 3] = ["sabc", "abc", "rfm"];

/// Export formats (`rapport_node::ExportFormat`), any ASCII case.
pub const EXPORT_FORMATS: [&str; 6] = ["csv", "xlsx", "excel", "jsonl", "json", "ndjson"];

fn bounded(min: u64, max: u64) -> Value {
    json!({ "type": "integer", "minimum": min, "maximum": max })
}

macro_rules! value_types {
    ($(#[doc = $doc:literal] $name:ident($inner:ty as $target:ty) => $body:expr),* $(,)?) => {$(
        #[doc = $doc]
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);
        impl $name {
            /// The schema as JSON.
            pub fn json() -> Value {
                let mut v: Value = $body;
                v["description"] = json!($doc.trim());
                v
            }
        }
        impl std::ops::Deref for $name {
            type Target = $target;
            fn deref(&self) -> &$target {
                &self.0
            }
        }
        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                json_schema(Self::json())
            }
        }
        impl ToSchema for $name {}
    )*
        /// Every value type's schema as JSON, by name (for the round-trip test).
        pub fn value_schemas() -> Vec<(&'static str, Value)> {
            vec![$((stringify!($name), $name::json())),*]
        }
    };
}

// Single values of queries, paths and headers, each with the schema of what the server
// accepts, built from the same lists and bounds it parses with.
value_types!(
    /// A date, `YYYY-MM-DD`.
    Day(String as str) => date(),
    /// An industry: section letter (GB/T 4754), number prefix, English or Chinese name; any ASCII case.
    IndustryName(String as str) => industry(),
    /// A stage: English name (any ASCII case) or Chinese term.
    StageName(String as str) => stage_name(),
    /// A composite tier, any ASCII case.
    TierName(String as str) => enum_of(rapport_rules::Tier::ALL.iter().map(|t| t.as_str())),
    /// A tier model: composite S/A/B/C, classic ABC or RFM; any ASCII case.
    TierModelName(String as str) => enum_of(TIER_MODELS),
    /// A sort key, `-` first for descending.
    SortKey(String as str) => enum_of(SORT_KEYS.iter().flat_map(|k| [k.to_string(), format!("-{k}")])),
    /// An export format; any ASCII case.
    ExportFormatName(String as str) => enum_of(EXPORT_FORMATS),
    /// A report: stable name or alias; any ASCII case, `_` for `-`.
    ReportAlias(String as str) => enum_of(
        rapport_reports::ReportName::all().iter().flat_map(|n| std::iter::once(n.as_str()).chain(n.aliases().iter().copied())),
    ),
    /// Days counted back, at most 36500.
    DayCount(u32 as u32) => bounded(0, u64::from(rapport_store::Filter::MAX_NO_INTERACTION_DAYS)),
    /// A page size, 1 to 10000.
    PageSize(usize as usize) => bounded(1, MAX_PAGE as u64),
    /// A count of customers to return.
    Count(u32 as u32) => bounded(0, u64::from(u32::MAX)),
    /// A change-feed sequence number.
    Sequence(u64 as u64) => bounded(0, u64::MAX),
    /// A change-feed sequence number, as text.
    SequenceText(String as str) => json!({ "type": "string", "pattern": "^[0-9]{1,19}$" }),
);

// ---------------------------------------------------------------------------------------
// What every operation shares: the refusals the extractors and the authentication layer
// answer with, documented once and referenced by each operation they apply to.

/// Shared responses: name, status and description.
const SHARED_RESPONSES: [(&str, &str, &str); 7] = [
    ("Unauthorized", "401", "Missing or wrong bearer token (`unauthorized`); the body says nothing about the book"),
    (
        "BadRequest",
        "400",
        "The request cannot be read: a query parameter of the wrong type or unknown (`invalid-query`), or a body \
         that is not JSON (`malformed-json`)",
    ),
    ("PayloadTooLarge", "413", "The body is over the limit (`payload-too-large`)"),
    (
        "UnsupportedMediaType",
        "415",
        "A JSON body sent without `Content-Type: application/json` (`unsupported-media-type`)",
    ),
    (
        "Unprocessable",
        "422",
        "JSON of the wrong shape (`invalid-body`: a wrong type, an unknown or duplicate field, an array where an \
         object belongs), or a value that breaks a rule (`validation`: `errors` names every failing field)",
    ),
    ("NotFound", "404", "No customer with that number or id (`not-found`), or no such item on it (`no-such-item`)"),
    ("Invalid", "422", "A parameter's value breaks a rule (`validation`: `errors` names every failing field and why)"),
];

fn problem_response(status: &str, description: &str) -> Option<utoipa::openapi::Response> {
    let mut v = json!({
        "description": description,
        "content": { crate::problem::PROBLEM_JSON: { "schema": { "$ref": "#/components/schemas/Problem" } } }
    });
    if status == "401" {
        v["headers"] = json!({
            "WWW-Authenticate": { "description": "`Bearer realm=\"rapport\"`", "schema": { "type": "string" } }
        });
    }
    serde_json::from_value(v).ok()
}

/// Adds to every operation the refusals it can meet, as references to shared responses:
/// 401 everywhere; 400 where there are parameters or a JSON body; 413 and 422 where there
/// is a body, 415 where it is JSON; 422 where there are query parameters; 404 where the
/// path names a customer.
pub fn complete(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, status, description) in SHARED_RESPONSES {
        if let Some(r) = problem_response(status, description) {
            components.responses.insert(name.to_string(), RefOr::T(r));
        }
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for op in ops.into_iter().flatten() {
            let has_param = |within: ParameterIn| {
                op.parameters.iter().flatten().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == within))
            };
            let has_query = has_param(ParameterIn::Query);
            let has_params = has_query || has_param(ParameterIn::Path);
            let json_body = match &op.request_body {
                Some(RefOr::T(b)) => b.content.contains_key("application/json"),
                _ => false,
            };
            let other_body = op.request_body.is_some() && !json_body;
            add(op, "401", "Unauthorized");
            if has_params || json_body {
                add(op, "400", "BadRequest");
            }
            if json_body || other_body {
                add(op, "413", "PayloadTooLarge");
                // Replaces an operation's own 422, which names only the rules it checks.
                op.responses.responses.remove("422");
                add(op, "422", "Unprocessable");
            }
            if json_body {
                add(op, "415", "UnsupportedMediaType");
            }
            if has_query {
                add(op, "422", "Invalid");
            }
            if path.starts_with("/v1/customers/{key}") {
                add(op, "404", "NotFound");
            }
        }
    }
}

fn add(op: &mut utoipa::openapi::path::Operation, status: &str, name: &str) {
    op.responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| RefOr::Ref(utoipa::openapi::Ref::from_response_name(name)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_schema_survives_the_round_trip() {
        for (name, v) in written_schemas().into_iter().chain(value_schemas()) {
            let back = serde_json::to_value(json_schema(v.clone())).unwrap_or_default();
            assert_eq!(back, v, "{name}: utoipa dropped or changed a keyword");
        }
    }
}
