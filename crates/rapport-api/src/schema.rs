//! Wire types of the API and the OpenAPI schemas of the domain types.
//!
//! Types the API owns (list pages, health, events, rule bodies) are used by the handlers
//! and derive their schema directly. The domain's input types live in crates that do not
//! depend on utoipa, so this module mirrors them field for field (`*Input` types, used
//! only for the document); a test checks every mirror against the real type's field list,
//! so the document cannot drift from what the server accepts. Large read models
//! (customer record, figures, explanations, tier summaries) are described as objects
//! whose layout is documented in `docs/api.md`.

use rapport_store::ListRow;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
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
    /// The customer record: fields, contacts, follow-ups (`interactions`), `service_records`, `orders`, `tasks`, `manual_tags`, `custom`, `merged_into` (the surviving customer's id once merged, else null) and `absorbed` (customers merged into this one). Money is a string of yuan (`"12800.00"`); dates `YYYY-MM-DD`; times `YYYY-MM-DDTHH:MM:SS`. Contact data is not masked.
    CustomerRecord,
    /// Derived figures as of a date: 12-month and lifetime amounts, order counts, repurchase rate (basis points), follow-up counts, complaints, satisfaction, days to win.
    FiguresObject,
    /// A customer's figures and every rule's verdict with reasons, and the composite tier with its reason.
    ExplanationObject,
    /// Counts, 12-month amounts and shares per tier under a model.
    TierSummaryObject,
    /// Likely duplicates: `pairs` (each with `keep` and `merge` list rows, `score` 0-100 and `reasons`) and `crowded` keys shared by too many customers to list as pairs.
    DuplicatesObject,
    /// A report: `name`, `title`, `window`, `scope` (who is counted), `notes` (definitions), typed `figures` and the same as a display `table` (`headers`, `rows`). See docs/reports.md.
    ReportObject,
    /// An import: `file`, `format`, `dry_run`, `written` (false with `not_written_because` when rows were rejected), `total_rows`, `created` (row, number, name), `updated` and `unchanged` (rows matching existing customers: row, number, name, `by` number/credit_code/name, `contacts_added`), `folded` (rows joined to earlier rows of the sheet), `rejected` (row, column, value, reason), `rejected_rows`, `filled` (counts of 待补充 / 未知 / defaults by field), `unknown_columns`, `suggested_mapping` (a mapping.toml) and `rejections_csv` (the rejected rows to fix and import again).
    ImportReportObject,
    /// A merge: the `survivor` record, the `absorbed_number` (now an alias) and `items_taken`.
    MergeOutcomeObject,
    /// Tier settings: grade thresholds, composite mapping, value formula, ABC shares, per-tier policies and cadences.
    TierSettingsObject,
    /// Settings to change: top-level fields of the tier settings with their new JSON values.
    TierSettingsPatch,
    /// Two members changed a field at once: the field, the value shown, the losing values.
    ConflictObject,
);

/// `GET /v1/health`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the node answers.
    pub status: String,
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
    #[schema(value_type = Object)]
    pub last_report: Option<serde_json::Value>,
    /// When the last sync failed and why, if it did since the last success.
    pub last_error: Option<Vec<String>>,
    /// Failures in a row (background sync backs off).
    pub failures: u32,
    /// Customers written here that this relay or peer does not hold yet.
    pub pending: usize,
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
    pub as_of: Option<String>,
    /// Return at most this many customers (`total` still counts all).
    #[serde(default)]
    pub limit: Option<usize>,
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

/// A new customer (mirror of `rapport_model::NewCustomer`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct NewCustomerInput {
    /// `company` or `person` (required).
    kind: String,
    /// Name (required).
    name: String,
    /// Unified social credit code (18 characters, check digit verified).
    credit_code: Option<String>,
    /// Industry section letter (GB/T 4754, e.g. `C`) or name; required for companies.
    industry: Option<String>,
    /// Employee band.
    size: Option<String>,
    /// Revenue band.
    revenue_band: Option<String>,
    /// `{province, city, district, street}`.
    address: Option<BTreeMap<String, String>>,
    /// Source (required): trade_show, referral, online_ads, partner, inbound, ...
    source: Option<String>,
    /// Stage: potential (default), intent, won, lost, dormant.
    stage: Option<String>,
    /// `{amount, date, contract_no}` when created as won.
    deal: Option<BTreeMap<String, String>>,
    /// Why lost, when created as lost.
    lost_reason: Option<String>,
    /// Owner (default: the node's member).
    owner: Option<String>,
    /// `{pain_points, timeline, budget, decision_chain: {purchaser, evaluator, approver}}`.
    needs: Option<BTreeMap<String, String>>,
    /// Notes.
    notes: Option<String>,
    /// High priority.
    priority: Option<bool>,
    /// Manual tags.
    tags: Option<Vec<String>>,
    /// Custom fields.
    custom: Option<BTreeMap<String, String>>,
    /// Contacts; the first is primary unless one says `primary: true`.
    contacts: Option<Vec<NewContactInput>>,
}

/// A customer patch (mirror of `rapport_model::CustomerPatch`, plus `reason`). Absent
/// fields are left alone; `null` clears an optional field.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CustomerPatchInput {
    /// Name.
    name: Option<String>,
    /// `company` or `person`.
    kind: Option<String>,
    /// Credit code (`null` clears).
    credit_code: Option<String>,
    /// Industry.
    industry: Option<String>,
    /// Employee band (`null` clears).
    size: Option<String>,
    /// Revenue band (`null` clears).
    revenue_band: Option<String>,
    /// Address fields to set (`null` clears one).
    address: Option<BTreeMap<String, String>>,
    /// Source.
    source: Option<String>,
    /// Stage; won needs `deal`, lost needs `lost_reason`; a change needs `reason`.
    stage: Option<String>,
    /// `{amount, date, contract_no}` (with stage won).
    deal: Option<BTreeMap<String, String>>,
    /// Why lost (with stage lost).
    lost_reason: Option<String>,
    /// Owner.
    owner: Option<String>,
    /// Needs fields to set (`null` clears one): pain_points, timeline, budget, purchaser, evaluator, approver.
    needs: Option<BTreeMap<String, String>>,
    /// Replaces the notes (merged as a text diff).
    notes: Option<String>,
    /// High priority.
    priority: Option<bool>,
    /// Custom fields to set (`null` removes one).
    custom: Option<BTreeMap<String, String>>,
    /// Manual tags to add.
    add_tags: Option<Vec<String>>,
    /// Manual tags to remove.
    remove_tags: Option<Vec<String>>,
    /// Why (required for stage changes); or header `X-Rapport-Reason`.
    reason: Option<String>,
}

/// A new contact (mirror of `rapport_model::NewContact`, plus `reason` when adding one
/// to an existing customer).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct NewContactInput {
    /// Name (required).
    name: String,
    /// Position.
    position: Option<String>,
    /// Phone: mainland mobile, landline with area code, or international.
    phone: Option<String>,
    /// Email.
    email: Option<String>,
    /// WeChat id.
    wechat: Option<String>,
    /// Make primary.
    primary: Option<bool>,
}

/// A contact patch (mirror of `rapport_model::ContactPatch`, plus `reason`, which is
/// required: contact-data changes are explained).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ContactPatchInput {
    /// Name.
    name: Option<String>,
    /// Position (`null` clears).
    position: Option<String>,
    /// Phone (`null` clears).
    phone: Option<String>,
    /// Email (`null` clears).
    email: Option<String>,
    /// WeChat (`null` clears).
    wechat: Option<String>,
    /// Make primary.
    primary: Option<bool>,
    /// Why the contact data changed (required); or header `X-Rapport-Reason`.
    reason: Option<String>,
}

/// A follow-up (mirror of `rapport_model::NewInteraction`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct NewInteractionInput {
    /// When, `YYYY-MM-DD HH:MM` (default now).
    at: Option<String>,
    /// phone, visit, email, meeting or wechat (required).
    channel: String,
    /// What was discussed (required).
    summary: String,
    /// Customer feedback or change of need.
    feedback: Option<String>,
    /// high, medium or low.
    intent: Option<String>,
    /// Next action.
    next_action: Option<String>,
    /// Due date of the next action, `YYYY-MM-DD`.
    next_due: Option<String>,
    /// Assignee of the next action (default: the node's member).
    next_assignee: Option<String>,
}

/// A service record (mirror of `rapport_model::NewServiceRecord`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct NewServiceRecordInput {
    /// When (default now).
    at: Option<String>,
    /// question, fault or complaint (required).
    #[schema(rename = "type")]
    kind: String,
    /// What was reported (required).
    summary: String,
    /// How it was resolved.
    result: Option<String>,
    /// Satisfaction 1-5, number or string.
    satisfaction: Option<String>,
}

/// An order (mirror of `rapport_model::NewOrder`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct NewOrderInput {
    /// Order date `YYYY-MM-DD` (default today).
    date: Option<String>,
    /// Amount in yuan: `"12800"`, `"12,800.50"`, `"1.5万"` (required).
    amount: String,
    /// Product category (required).
    category: String,
    /// Product.
    product: Option<String>,
}

/// A task (mirror of `rapport_model::NewTask`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct NewTaskInput {
    /// What to do (required).
    what: String,
    /// Assignee (default: the node's member).
    assignee: Option<String>,
    /// Due date `YYYY-MM-DD` (required).
    due: String,
}

/// Marks a task done (mirror of `rapport_model::TaskCompletion`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TaskCompletionInput {
    /// Outcome.
    result: Option<String>,
}
