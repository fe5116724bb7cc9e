//! The customer record and everything that hangs off it.
//!
//! These are read models: what a customer document says after every merge. Lists are
//! ordered deterministically (by time, then id) so two nodes print the same thing.

use crate::{Channel, CustomerId, Date, DateTime, IntentLevel, ItemId, Kind, Money, Satisfaction, ServiceKind, Stage};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Version of the customer document layout; documents record it in their `schema` field.
pub const SCHEMA_VERSION: u64 = 1;

/// A customer (客户档案) with all its activity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// Permanent internal id.
    pub id: CustomerId,
    /// Human-readable number, e.g. `MFG-2026-K3Q7MX-001`.
    pub number: String,
    /// Document layout version.
    pub schema: u64,
    /// Company or person.
    pub kind: Kind,
    /// Full legal name (company) or person's name.
    pub name: String,
    /// Unified social credit code, upper-case, check digit verified.
    pub credit_code: Option<String>,
    /// Industry section letter (GB/T 4754), e.g. `C`.
    pub industry: String,
    /// Employee band, e.g. `100-500`.
    pub size: Option<String>,
    /// Annual revenue band.
    pub revenue_band: Option<String>,
    /// Postal address.
    pub address: Address,
    /// Where the customer came from (展会, 转介绍, ...).
    pub source: String,
    /// Sales stage.
    pub stage: Stage,
    /// The deal, once won.
    pub deal: Option<Deal>,
    /// Why the customer was lost.
    pub lost_reason: Option<String>,
    /// Member responsible (负责人).
    pub owner: String,
    /// Member who entered the record.
    pub entered_by: String,
    /// When it was entered.
    pub created_at: DateTime,
    /// Needs: pain points, timeline, budget, decision chain.
    pub needs: Needs,
    /// Free-text notes; merged character by character.
    pub notes: String,
    /// "High priority" flag.
    pub priority: bool,
    /// Archived customers are kept (and keep their number) but hidden from lists.
    pub archived: bool,
    /// Tags added by people, kept apart from rule tags.
    pub manual_tags: BTreeSet<String>,
    /// Team-defined fields.
    pub custom: BTreeMap<String, String>,
    /// Contacts, primary first.
    pub contacts: Vec<Contact>,
    /// Follow-ups, oldest first.
    pub interactions: Vec<Interaction>,
    /// Service records, oldest first.
    pub service_records: Vec<ServiceRecord>,
    /// Orders, oldest first.
    pub orders: Vec<Order>,
    /// Tasks, by due date.
    pub tasks: Vec<Task>,
    /// Set once this customer was merged into another: it is then archived, and its
    /// number resolves to the surviving customer.
    // Always serialized (no `skip_serializing_if`): the store keeps customers in postcard,
    // which cannot skip fields. `default` still reads JSON written without them.
    #[serde(default)]
    pub merged_into: Option<CustomerId>,
    /// Customers merged into this one, by id.
    #[serde(default)]
    pub absorbed: Vec<Absorbed>,
    /// Key fields still to fill (待补充), by name from [`TO_FILL_FIELDS`]: set by an
    /// import of a legacy sheet (a won customer without deal date or contract number),
    /// cleared field by field by the local edit that fills it. Empty on every customer
    /// created by hand, and on every document written before the field existed.
    #[serde(default)]
    pub to_fill: BTreeSet<String>,
}

/// The text shown in a key field that is still to fill (domain section 7).
pub const TO_FILL: &str = "待补充";

/// The fields [`Customer::to_fill`] may name.
///
/// * `deal.amount`, `deal.date`: the customer is won without a deal record (the deal needs
///   both); the reports count it as won without a deal.
/// * `deal.contract_no`: the deal's contract number reads `待补充`.
/// * `source`: the source reads `待补充`.
pub const TO_FILL_FIELDS: [&str; 4] = ["deal.amount", "deal.date", "deal.contract_no", "source"];

/// The deal fields of [`TO_FILL_FIELDS`]: setting the deal fills all three.
pub const TO_FILL_DEAL: [&str; 3] = ["deal.amount", "deal.date", "deal.contract_no"];

/// A customer merged into another: enough to find it again and to print where it went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absorbed {
    /// Internal id of the absorbed customer.
    pub id: CustomerId,
    /// Its number, which keeps resolving to the survivor.
    pub number: String,
    /// Its name at the time of the merge.
    pub name: String,
    /// Its notes, kept here rather than spliced into the survivor's notes so that the same
    /// merge made on two nodes does not duplicate them.
    #[serde(default)]
    pub notes: String,
}

/// Province / city / district / street.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// 省
    pub province: Option<String>,
    /// 市
    pub city: Option<String>,
    /// 区
    pub district: Option<String>,
    /// Street and number.
    pub street: Option<String>,
}

/// Needs (需求).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Needs {
    /// Pain points.
    pub pain_points: Option<String>,
    /// Purchase timeline.
    pub timeline: Option<String>,
    /// Budget range.
    pub budget: Option<String>,
    /// Who buys, evaluates and approves (may be left out of input).
    #[serde(default)]
    pub decision_chain: DecisionChain,
}

/// The customer's decision chain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionChain {
    /// Purchaser.
    pub purchaser: Option<String>,
    /// Technical evaluator.
    pub evaluator: Option<String>,
    /// Approver.
    pub approver: Option<String>,
}

/// The deal that made a customer won.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deal {
    /// Deal amount.
    pub amount: Money,
    /// Deal date.
    pub date: Date,
    /// Contract number.
    pub contract_no: String,
}

/// A contact person (联系人).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Item id.
    pub id: ItemId,
    /// Name.
    pub name: String,
    /// Position (职位).
    pub position: Option<String>,
    /// Canonical phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// WeChat id.
    pub wechat: Option<String>,
    /// The primary contact.
    pub primary: bool,
    /// More phones (a landline beside the mobile, say), canonical, at most
    /// [`MAX_OTHER_PHONES`], none equal to `phone`. Masked, indexed and matched like `phone`.
    #[serde(default)]
    pub other_phones: Vec<String>,
}

/// Most phones a contact keeps besides its main one.
pub const MAX_OTHER_PHONES: usize = 5;

impl Contact {
    /// The main phone, then the others.
    pub fn phones(&self) -> impl Iterator<Item = &str> {
        self.phone.iter().chain(&self.other_phones).map(String::as_str)
    }
}

/// A follow-up (跟进记录).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interaction {
    /// Item id.
    pub id: ItemId,
    /// When it happened.
    pub at: DateTime,
    /// How.
    pub channel: Channel,
    /// What was discussed.
    pub summary: String,
    /// Customer feedback or change of need.
    pub feedback: Option<String>,
    /// Intent level judged at this follow-up.
    pub intent: Option<IntentLevel>,
    /// Member who recorded it.
    pub author: String,
    /// Next step agreed.
    pub next_action: Option<NextAction>,
}

/// The next step after a follow-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextAction {
    /// What to do.
    pub what: String,
    /// By when.
    pub due: Date,
    /// Who does it.
    pub assignee: String,
}

/// A service record (服务记录).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRecord {
    /// Item id.
    pub id: ItemId,
    /// When.
    pub at: DateTime,
    /// Question, fault or complaint.
    pub kind: ServiceKind,
    /// What the customer reported.
    pub summary: String,
    /// How it was resolved.
    pub result: Option<String>,
    /// Satisfaction 1-5.
    pub satisfaction: Option<Satisfaction>,
}

/// An order (交易).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Item id.
    pub id: ItemId,
    /// Order date.
    pub date: Date,
    /// Amount in exact yuan.
    pub amount: Money,
    /// Product category.
    pub category: String,
    /// Product.
    pub product: Option<String>,
}

/// A task (待办).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Item id.
    pub id: ItemId,
    /// What to do.
    pub what: String,
    /// Who.
    pub assignee: String,
    /// Due date.
    pub due: Date,
    /// Set once done.
    pub done: Option<TaskDone>,
}

/// Completion of a task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskDone {
    /// When it was marked done.
    pub at: DateTime,
    /// Outcome.
    pub result: Option<String>,
}

impl Customer {
    /// The primary contact, or the first one.
    pub fn primary_contact(&self) -> Option<&Contact> {
        self.contacts.iter().find(|c| c.primary).or(self.contacts.first())
    }

    /// Date of the latest follow-up, if any.
    pub fn last_interaction(&self) -> Option<Date> {
        self.interactions.iter().map(|i| i.at.date()).max()
    }

    /// Finds a contact by item id or by name.
    pub fn find_contact(&self, key: &str) -> Option<&Contact> {
        self.contacts.iter().find(|c| c.id.0 == key).or_else(|| self.contacts.iter().find(|c| c.name == key))
    }
}
