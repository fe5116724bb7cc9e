//! What people and scripts send to create or change customer data, and how it is checked.
//!
//! Each input type deserialises from JSON with unknown fields refused, and `validate`
//! turns it into canonical values (phones canonical, codes upper-case, money exact)
//! or a [`ValidationError`] listing every failing field. The CLI and the HTTP API share
//! these types, so both refuse exactly the same input with the same words.

use crate::{
    check_stage_change, industry, validate_credit_code, validate_email, validate_phone, Address, Channel, Contact,
    Customer, CustomerId, Date, DateTime, Deal, FieldError, IntentLevel, ItemId, Kind, Money, Needs, NextAction, Order,
    Satisfaction, ServiceKind, ServiceRecord, Stage, Task, TaskDone, ValidationError, SCHEMA_VERSION, TO_FILL,
    TO_FILL_FIELDS,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Why a local edit cannot give `待补充` as a contract number.
pub(crate) const PLACEHOLDER_CONTRACT: &str =
    "`待补充` marks a contract number still to fill; give the real contract number";

fn required(errs: &mut Vec<FieldError>, field: &str, v: &str) -> String {
    let t = v.trim();
    if t.is_empty() {
        errs.push(FieldError::new(field, "is required"));
    }
    t.to_string()
}

fn opt_text(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn collect<T>(errs: &mut Vec<FieldError>, r: Result<T, FieldError>, field: &str) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(mut e) => {
            e.field = field.to_string();
            errs.push(e);
            None
        }
    }
}

/// Checks a contact's other phones: each valid, at most [`crate::MAX_OTHER_PHONES`];
/// duplicates and copies of the main phone are dropped.
pub(crate) fn other_phones(
    list: &[String],
    main: Option<&str>,
    field: &str,
    errs: &mut Vec<FieldError>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in list.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        if let Some(p) = collect(errs, validate_phone(p), field) {
            if main != Some(p.as_str()) && !out.contains(&p) {
                out.push(p);
            }
        }
    }
    if out.len() > crate::MAX_OTHER_PHONES {
        errs.push(FieldError::new(
            field,
            format!(
                "holds {} phones; a contact keeps at most {} besides its main one",
                out.len(),
                crate::MAX_OTHER_PHONES
            ),
        ));
    }
    out
}

/// A new contact person.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    /// Name (required).
    pub name: String,
    /// Position.
    #[serde(default)]
    pub position: Option<String>,
    /// Phone: mainland mobile, landline with area code or international.
    #[serde(default)]
    pub phone: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// WeChat id.
    #[serde(default)]
    pub wechat: Option<String>,
    /// Make this the primary contact.
    #[serde(default)]
    pub primary: bool,
    /// More phones (a landline beside the mobile), at most [`crate::MAX_OTHER_PHONES`].
    #[serde(default)]
    pub other_phones: Vec<String>,
}

impl NewContact {
    /// Checks the contact; `prefix` names where it sits (e.g. `contacts[0]`).
    pub fn validate_at(&self, prefix: &str, errs: &mut Vec<FieldError>) -> Contact {
        let f = |n: &str| if prefix.is_empty() { n.to_string() } else { format!("{prefix}.{n}") };
        let name = required(errs, &f("name"), &self.name);
        let phone = opt_text(&self.phone).and_then(|p| collect(errs, validate_phone(&p), &f("phone")));
        let email = opt_text(&self.email).and_then(|e| collect(errs, validate_email(&e), &f("email")));
        let other_phones = other_phones(&self.other_phones, phone.as_deref(), &f("other_phones"), errs);
        Contact {
            id: ItemId::random(),
            name,
            position: opt_text(&self.position),
            phone,
            email,
            wechat: opt_text(&self.wechat),
            primary: self.primary,
            other_phones,
        }
    }

    /// Checks the contact.
    pub fn validate(&self) -> Result<Contact, ValidationError> {
        let mut errs = Vec::new();
        let c = self.validate_at("", &mut errs);
        ValidationError::check(errs).map(|_| c)
    }
}

/// A new customer.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    /// Company or person (required).
    pub kind: Option<Kind>,
    /// Name (required).
    pub name: String,
    /// Unified social credit code.
    #[serde(default)]
    pub credit_code: Option<String>,
    /// Industry: section letter, prefix or name (required for companies; `O` services
    /// is assumed for persons when absent).
    #[serde(default)]
    pub industry: Option<String>,
    /// Employee band.
    #[serde(default)]
    pub size: Option<String>,
    /// Revenue band.
    #[serde(default)]
    pub revenue_band: Option<String>,
    /// Address.
    #[serde(default)]
    pub address: Address,
    /// Source (required).
    #[serde(default)]
    pub source: Option<String>,
    /// Initial stage (default potential).
    #[serde(default)]
    pub stage: Option<Stage>,
    /// Deal, when created as won.
    #[serde(default)]
    pub deal: Option<Deal>,
    /// Reason, when created as lost.
    #[serde(default)]
    pub lost_reason: Option<String>,
    /// Owner (default: the member creating it).
    #[serde(default)]
    pub owner: Option<String>,
    /// Needs.
    #[serde(default)]
    pub needs: Needs,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// High-priority flag.
    #[serde(default)]
    pub priority: bool,
    /// Manual tags.
    #[serde(default)]
    pub tags: BTreeSet<String>,
    /// Custom fields.
    #[serde(default)]
    pub custom: BTreeMap<String, String>,
    /// Contacts.
    #[serde(default)]
    pub contacts: Vec<NewContact>,
    /// Key fields still to fill (see [`Customer::to_fill`]). Only an import of a legacy
    /// sheet sets it, never JSON input: a customer added by hand or through the API keeps
    /// requiring its deal.
    #[serde(skip)]
    pub to_fill: BTreeSet<String>,
    /// Follow-ups to record with the customer (an imported sheet's 跟进记录 column). Not
    /// JSON input: the API adds follow-ups through their own endpoint.
    #[serde(skip)]
    pub follow_ups: Vec<NewInteraction>,
}

impl NewCustomer {
    /// Checks everything and builds the customer, without a number (the store mints it).
    pub fn validate(&self, author: &str, now: DateTime) -> Result<Customer, ValidationError> {
        let mut errs = Vec::new();
        let kind = match self.kind {
            Some(k) => k,
            None => {
                errs.push(FieldError::new("kind", "is required: company or person"));
                Kind::Company
            }
        };
        let name = required(&mut errs, "name", &self.name);
        if name.chars().count() > crate::MAX_NAME_CHARS {
            errs.push(FieldError::new("name", format!("is longer than {} characters", crate::MAX_NAME_CHARS)));
        }
        let credit_code =
            opt_text(&self.credit_code).and_then(|c| collect(&mut errs, validate_credit_code(&c), "credit_code"));
        let industry_code = match opt_text(&self.industry) {
            Some(i) => collect(&mut errs, industry(&i), "industry").map(|i| i.code.to_string()).unwrap_or_default(),
            None if kind == Kind::Person => "O".to_string(),
            None => {
                errs.push(FieldError::new("industry", "is required for a company (a section letter A-T, e.g. C)"));
                String::new()
            }
        };
        let source = match opt_text(&self.source) {
            Some(s) => s,
            None => {
                errs.push(FieldError::new(
                    "source",
                    "is required (e.g. trade_show, referral, online_ads, partner, inbound)",
                ));
                String::new()
            }
        };
        let stage = self.stage.unwrap_or(Stage::Potential);
        // A customer won and since lost (or gone dormant) keeps its deal: imports of a
        // team's history carry such customers.
        if self.deal.is_some() && !matches!(stage, Stage::Won | Stage::Lost | Stage::Dormant) {
            errs.push(FieldError::new(
                "deal",
                "can only be given for a customer created as won (or lost or dormant after winning)",
            ));
        }
        if self.lost_reason.as_deref().is_some_and(|r| !r.trim().is_empty()) && stage != Stage::Lost {
            errs.push(FieldError::new("lost_reason", "can only be given for a customer created as lost (stage lost)"));
        }
        for f in &self.to_fill {
            if !TO_FILL_FIELDS.contains(&f.as_str()) {
                errs.push(FieldError::new("to_fill", format!("`{f}` is not a field that can be marked to fill")));
            }
        }
        let flagged = |f: &str| self.to_fill.contains(f);
        if stage != Stage::Potential {
            if let Err(e) = check_stage_change(Stage::Potential, stage, self.deal.as_ref(), self.lost_reason.as_deref())
            {
                // What the import marked to fill is not missing: it is flagged.
                let deal_flagged = flagged("deal.amount") || flagged("deal.date");
                errs.extend(e.fields.into_iter().filter(|f| {
                    f.field != "stage"
                        && !(f.field == "deal" && deal_flagged && self.deal.is_none())
                        && !(f.field == "deal.contract_no" && flagged("deal.contract_no"))
                }));
            }
        }
        let contacts: Vec<Contact> = self
            .contacts
            .iter()
            .enumerate()
            .map(|(i, c)| c.validate_at(&format!("contacts[{i}]"), &mut errs))
            .collect();
        for t in &self.tags {
            if let Err(e) = crate::validate_tag(t) {
                errs.push(e);
            }
        }
        let mut interactions = Vec::with_capacity(self.follow_ups.len());
        for (i, f) in self.follow_ups.iter().enumerate() {
            match f.validate(author, now) {
                Ok(x) => interactions.push(x),
                Err(e) => errs.extend(e.fields.into_iter().map(|mut x| {
                    x.field = format!("interactions[{i}].{}", x.field);
                    x
                })),
            }
        }
        interactions.sort_by_key(|a| a.at);
        ValidationError::check(errs)?;
        let mut contacts = contacts;
        if !contacts.is_empty() && !contacts.iter().any(|c| c.primary) {
            contacts[0].primary = true;
        }
        Ok(Customer {
            id: CustomerId::random(),
            number: String::new(),
            schema: SCHEMA_VERSION,
            kind,
            name,
            credit_code,
            industry: industry_code,
            size: opt_text(&self.size),
            revenue_band: opt_text(&self.revenue_band),
            address: self.address.clone(),
            source,
            stage,
            deal: if matches!(stage, Stage::Won | Stage::Lost | Stage::Dormant) { self.deal.clone() } else { None },
            lost_reason: if stage == Stage::Lost { opt_text(&self.lost_reason) } else { None },
            owner: opt_text(&self.owner).unwrap_or_else(|| author.to_string()),
            entered_by: author.to_string(),
            created_at: now,
            needs: self.needs.clone(),
            notes: self.notes.clone().unwrap_or_default(),
            priority: self.priority,
            archived: false,
            manual_tags: self.tags.iter().map(|t| t.trim().to_string()).collect(),
            custom: self.custom.clone(),
            contacts,
            interactions,
            service_records: Vec::new(),
            orders: Vec::new(),
            tasks: Vec::new(),
            merged_into: None,
            absorbed: Vec::new(),
            to_fill: self.to_fill.clone(),
        })
    }
}

/// A change to a customer's own fields. Absent fields are left alone; for optional
/// fields an explicit `null` clears them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New kind.
    #[serde(default)]
    pub kind: Option<Kind>,
    /// New credit code (`null` clears).
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<Option<String>>,
    /// New industry.
    #[serde(default)]
    pub industry: Option<String>,
    /// New employee band (`null` clears).
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub size: Option<Option<String>>,
    /// New revenue band (`null` clears).
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub revenue_band: Option<Option<String>>,
    /// Address fields to set (`null` clears one).
    #[serde(default)]
    pub address: Option<AddressPatch>,
    /// New source.
    #[serde(default)]
    pub source: Option<String>,
    /// New stage; won needs `deal`, lost needs `lost_reason`.
    #[serde(default)]
    pub stage: Option<Stage>,
    /// The deal (with stage won).
    #[serde(default)]
    pub deal: Option<Deal>,
    /// Why lost (with stage lost).
    #[serde(default)]
    pub lost_reason: Option<String>,
    /// New owner.
    #[serde(default)]
    pub owner: Option<String>,
    /// Needs fields to set (`null` clears one).
    #[serde(default)]
    pub needs: Option<NeedsPatch>,
    /// Replaces the notes text (merged as a text diff, so concurrent edits to other parts
    /// of the notes survive).
    #[serde(default)]
    pub notes: Option<String>,
    /// High-priority flag.
    #[serde(default)]
    pub priority: Option<bool>,
    /// Custom fields to set (`null` removes one).
    #[serde(default)]
    pub custom: BTreeMap<String, Option<String>>,
    /// Manual tags to add.
    #[serde(default)]
    pub add_tags: BTreeSet<String>,
    /// Manual tags to remove.
    #[serde(default)]
    pub remove_tags: BTreeSet<String>,
}

/// Address fields to change.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressPatch {
    /// 省
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub province: Option<Option<String>>,
    /// 市
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub city: Option<Option<String>>,
    /// 区
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub district: Option<Option<String>>,
    /// Street.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub street: Option<Option<String>>,
}

/// Needs fields to change.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeedsPatch {
    /// Pain points.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub pain_points: Option<Option<String>>,
    /// Timeline.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Option<String>>,
    /// Budget.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub budget: Option<Option<String>>,
    /// Purchaser.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub purchaser: Option<Option<String>>,
    /// Evaluator.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub evaluator: Option<Option<String>>,
    /// Approver.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub approver: Option<Option<String>>,
}

mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    pub fn serialize<S: Serializer>(v: &Option<Option<String>>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

impl CustomerPatch {
    /// True when the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.kind.is_none()
            && self.credit_code.is_none()
            && self.industry.is_none()
            && self.size.is_none()
            && self.revenue_band.is_none()
            && self.address.is_none()
            && self.source.is_none()
            && self.stage.is_none()
            && self.deal.is_none()
            && self.lost_reason.is_none()
            && self.owner.is_none()
            && self.needs.is_none()
            && self.notes.is_none()
            && self.priority.is_none()
            && self.custom.is_empty()
            && self.add_tags.is_empty()
            && self.remove_tags.is_empty()
    }

    /// Whether this patch needs a stated reason (stage changes do).
    pub fn needs_reason(&self, current: &Customer) -> bool {
        self.stage.is_some_and(|s| s != current.stage)
    }

    /// Checks the patch against the current record and returns it canonicalised
    /// (industry as a code, credit code upper-case).
    pub fn validate(&self, current: &Customer) -> Result<CustomerPatch, ValidationError> {
        let mut errs = Vec::new();
        let mut out = self.clone();
        if let Some(n) = &self.name {
            let n = required(&mut errs, "name", n);
            if n.chars().count() > crate::MAX_NAME_CHARS {
                errs.push(FieldError::new("name", format!("is longer than {} characters", crate::MAX_NAME_CHARS)));
            }
            out.name = Some(n);
        }
        if let Some(Some(c)) = &self.credit_code {
            let c = c.trim();
            out.credit_code =
                Some(if c.is_empty() { None } else { collect(&mut errs, validate_credit_code(c), "credit_code") });
        }
        if let Some(i) = &self.industry {
            out.industry = collect(&mut errs, industry(i), "industry").map(|i| i.code.to_string());
        }
        if let Some(s) = &self.source {
            out.source = Some(required(&mut errs, "source", s));
        }
        if let Some(o) = &self.owner {
            out.owner = Some(required(&mut errs, "owner", o));
        }
        if let Some(stage) = self.stage {
            let deal = self.deal.as_ref().or(current.deal.as_ref().filter(|_| stage == current.stage));
            if let Err(e) = check_stage_change(current.stage, stage, deal, self.lost_reason.as_deref()) {
                errs.extend(e.fields);
            }
        } else if self.deal.is_some() && current.stage != Stage::Won {
            errs.push(FieldError::new("deal", "can only be set together with stage won, or on a won customer"));
        } else if self.lost_reason.is_some() && current.stage != Stage::Lost {
            errs.push(FieldError::new(
                "lost_reason",
                "can only be set together with stage lost, or on a lost customer",
            ));
        }
        // With a stage change, check_stage_change above already checked the deal.
        if let (Some(d), None) = (&self.deal, self.stage) {
            if d.amount.fen() <= 0 {
                errs.push(FieldError::new("deal.amount", "must be more than zero"));
            }
            if d.contract_no.trim().is_empty() {
                errs.push(FieldError::new("deal.contract_no", "is required"));
            }
            if d.contract_no.trim() == TO_FILL {
                errs.push(FieldError::new("deal.contract_no", PLACEHOLDER_CONTRACT));
            }
        }
        for (k, _) in self.custom.iter() {
            if k.trim().is_empty() {
                errs.push(FieldError::new("custom", "a custom field needs a name"));
            }
        }
        // A tag already stored with a separator (from before this rule) can still be removed.
        for t in &self.add_tags {
            if let Err(e) = crate::validate_tag(t) {
                errs.push(e);
            }
        }
        for t in &self.remove_tags {
            if t.trim().is_empty() {
                errs.push(FieldError::new("tags", "a tag cannot be empty"));
            }
        }
        if self.is_empty() {
            errs.push(FieldError::new("patch", "changes nothing; give at least one field"));
        }
        ValidationError::check(errs).map(|_| out)
    }
}

/// A change to a contact; absent fields are left alone, `null` clears.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Position.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub position: Option<Option<String>>,
    /// Phone.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub phone: Option<Option<String>>,
    /// Email.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub email: Option<Option<String>>,
    /// WeChat.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub wechat: Option<Option<String>>,
    /// Make primary.
    #[serde(default)]
    pub primary: Option<bool>,
}

impl ContactPatch {
    /// Checks and canonicalises the patch.
    pub fn validate(&self) -> Result<ContactPatch, ValidationError> {
        let mut errs = Vec::new();
        let mut out = self.clone();
        if let Some(n) = &self.name {
            out.name = Some(required(&mut errs, "name", n));
        }
        if let Some(Some(p)) = &self.phone {
            out.phone = Some(if p.trim().is_empty() { None } else { collect(&mut errs, validate_phone(p), "phone") });
        }
        if let Some(Some(e)) = &self.email {
            out.email = Some(if e.trim().is_empty() { None } else { collect(&mut errs, validate_email(e), "email") });
        }
        if self.name.is_none()
            && self.position.is_none()
            && self.phone.is_none()
            && self.email.is_none()
            && self.wechat.is_none()
            && self.primary.is_none()
        {
            errs.push(FieldError::new("patch", "changes nothing; give at least one field"));
        }
        ValidationError::check(errs).map(|_| out)
    }
}

/// A new follow-up.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInteraction {
    /// When (`YYYY-MM-DD HH:MM`; default now).
    #[serde(default)]
    pub at: Option<String>,
    /// Channel (required).
    pub channel: Option<Channel>,
    /// Summary (required).
    pub summary: String,
    /// Customer feedback / change of need.
    #[serde(default)]
    pub feedback: Option<String>,
    /// Intent level.
    #[serde(default)]
    pub intent: Option<IntentLevel>,
    /// Next action.
    #[serde(default)]
    pub next_action: Option<String>,
    /// Due date of the next action (`YYYY-MM-DD`).
    #[serde(default)]
    pub next_due: Option<String>,
    /// Assignee of the next action (default: author).
    #[serde(default)]
    pub next_assignee: Option<String>,
}

impl NewInteraction {
    /// Checks the follow-up.
    pub fn validate(&self, author: &str, now: DateTime) -> Result<crate::Interaction, ValidationError> {
        let mut errs = Vec::new();
        let at = match opt_text(&self.at) {
            Some(t) => collect(&mut errs, crate::parse_datetime("at", &t), "at").unwrap_or(now),
            None => now,
        };
        let channel = self.channel.unwrap_or_else(|| {
            errs.push(FieldError::new("channel", "is required: phone, visit, email, meeting or wechat"));
            Channel::Phone
        });
        let summary = required(&mut errs, "summary", &self.summary);
        let next_action = match (opt_text(&self.next_action), opt_text(&self.next_due)) {
            (Some(what), Some(due)) => collect(&mut errs, crate::parse_date("next_due", &due), "next_due").map(|due| {
                NextAction { what, due, assignee: opt_text(&self.next_assignee).unwrap_or_else(|| author.to_string()) }
            }),
            (Some(_), None) => {
                errs.push(FieldError::new("next_due", "is required when a next action is given"));
                None
            }
            (None, Some(_)) => {
                errs.push(FieldError::new("next_action", "is required when a due date is given"));
                None
            }
            (None, None) => None,
        };
        ValidationError::check(errs)?;
        Ok(crate::Interaction {
            id: ItemId::random(),
            at,
            channel,
            summary,
            feedback: opt_text(&self.feedback),
            intent: self.intent,
            author: author.to_string(),
            next_action,
        })
    }
}

/// A new service record.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewServiceRecord {
    /// When (default now).
    #[serde(default)]
    pub at: Option<String>,
    /// question, fault or complaint (required).
    #[serde(rename = "type")]
    pub kind: Option<ServiceKind>,
    /// What was reported (required).
    pub summary: String,
    /// Result.
    #[serde(default)]
    pub result: Option<String>,
    /// Satisfaction 1-5 as text or number.
    #[serde(default)]
    pub satisfaction: Option<serde_json_number::Score>,
}

/// Accepts a satisfaction score written as a JSON number or string.
pub mod serde_json_number {
    use serde::Deserialize;
    /// A score as the caller wrote it.
    #[derive(Clone, Debug, serde::Serialize, Deserialize)]
    #[serde(untagged)]
    pub enum Score {
        /// `4.5`
        Number(f64),
        /// `"4.5"`
        Text(String),
    }
    impl Score {
        /// The text form, for exact parsing (a JSON number is printed back with its shortest
        /// representation, so 4.5 stays "4.5").
        pub fn text(&self) -> String {
            match self {
                Score::Number(n) => n.to_string(),
                Score::Text(t) => t.clone(),
            }
        }
    }
}

impl NewServiceRecord {
    /// Checks the record.
    pub fn validate(&self, now: DateTime) -> Result<ServiceRecord, ValidationError> {
        let mut errs = Vec::new();
        let at = match opt_text(&self.at) {
            Some(t) => collect(&mut errs, crate::parse_datetime("at", &t), "at").unwrap_or(now),
            None => now,
        };
        let kind = self.kind.unwrap_or_else(|| {
            errs.push(FieldError::new("type", "is required: question, fault or complaint"));
            ServiceKind::Question
        });
        let summary = required(&mut errs, "summary", &self.summary);
        let satisfaction =
            self.satisfaction.as_ref().and_then(|s| collect(&mut errs, Satisfaction::parse(&s.text()), "satisfaction"));
        ValidationError::check(errs)?;
        Ok(ServiceRecord { id: ItemId::random(), at, kind, summary, result: opt_text(&self.result), satisfaction })
    }
}

/// A new order.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    /// Order date `YYYY-MM-DD` (default today).
    #[serde(default)]
    pub date: Option<String>,
    /// Amount in yuan, as a string (`"12,800.50"`) or whole number (required).
    pub amount: Option<Money>,
    /// Product category (required).
    pub category: String,
    /// Product.
    #[serde(default)]
    pub product: Option<String>,
}

impl NewOrder {
    /// Checks the order.
    pub fn validate(&self, today: Date) -> Result<Order, ValidationError> {
        let mut errs = Vec::new();
        let date = match opt_text(&self.date) {
            Some(t) => collect(&mut errs, crate::parse_date("date", &t), "date").unwrap_or(today),
            None => today,
        };
        let amount = match self.amount {
            Some(a) if a.fen() > 0 => a,
            Some(_) => {
                errs.push(FieldError::new("amount", "must be more than zero"));
                Money::ZERO
            }
            None => {
                errs.push(FieldError::new("amount", "is required"));
                Money::ZERO
            }
        };
        let category = required(&mut errs, "category", &self.category);
        ValidationError::check(errs)?;
        Ok(Order { id: ItemId::random(), date, amount, category, product: opt_text(&self.product) })
    }
}

/// A new task.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    /// What (required).
    pub what: String,
    /// Assignee (default: the author).
    #[serde(default)]
    pub assignee: Option<String>,
    /// Due date `YYYY-MM-DD` (required).
    pub due: String,
}

impl NewTask {
    /// Checks the task.
    pub fn validate(&self, author: &str) -> Result<Task, ValidationError> {
        let mut errs = Vec::new();
        let what = required(&mut errs, "what", &self.what);
        let due = collect(&mut errs, crate::parse_date("due", &self.due), "due");
        ValidationError::check(errs)?;
        Ok(Task {
            id: ItemId::random(),
            what,
            assignee: opt_text(&self.assignee).unwrap_or_else(|| author.to_string()),
            due: due.unwrap_or_default(),
            done: None,
        })
    }
}

/// Marks a task done.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskCompletion {
    /// Outcome.
    #[serde(default)]
    pub result: Option<String>,
}

impl TaskCompletion {
    /// The completion record.
    pub fn at(&self, now: DateTime) -> TaskDone {
        TaskDone { at: now, result: opt_text(&self.result) }
    }
}
