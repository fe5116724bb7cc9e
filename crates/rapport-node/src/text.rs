//! Reading what a person or a script types into a list filter or a customer patch.
//!
//! The command line's options (`rapport list --stage 意向`, `rapport customer edit
//! --deal-date 2026/3/1`) and the HTTP API's query parameters (`GET /v1/customers?stage=won`,
//! `GET /v1/export?...`) are read here, by one function each, so both refuse the same values
//! with the same words and select the same customers. Every bad value is reported at once,
//! each naming its field. This module reads text only: it never opens a store, and never
//! decides which customers match (that is [`rapport_store::Matcher`]). The web app's forms
//! are read here too ([`CustomerText::new_customer`], [`InteractionText`], [`OrderText`],
//! [`ServiceText`], [`TaskText`]), so a form and a command refuse the same values.

use crate::{canonical_day, parse_day};
use rapport_model::{
    industry, parse_date, Address, AddressPatch, Channel, CustomerPatch, Date, Deal, FieldError, IntentLevel, Kind,
    Money, Needs, NeedsPatch, NewContact, NewCustomer, NewInteraction, NewOrder, NewServiceRecord, NewTask,
    ServiceKind, Stage, ValidationError,
};
use rapport_store::{Filter, StoreError};

/// The forms a date may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateForms {
    /// As people type them: `2026-01-31`, `2026/1/31`, `2026年1月31日`, ... ([`parse_day`]).
    Typed,
    /// `YYYY-MM-DD` only, the `format: date` the API's document promises.
    Strict,
}

impl DateForms {
    fn read(self, field: &str, text: &str) -> Result<Date, FieldError> {
        match self {
            DateForms::Typed => parse_day(field, text),
            DateForms::Strict => parse_date(field, text),
        }
    }
}

/// A list filter as typed, field by field (the names are the API's query parameters).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterText {
    /// Industry: section letter, number prefix, English or Chinese name.
    pub industry: Option<String>,
    /// Stage, English (any ASCII case) or the Chinese term.
    pub stage: Option<String>,
    /// Source, as stored.
    pub source: Option<String>,
    /// Owner, in any case and width.
    pub owner: Option<String>,
    /// Manual or rule tag.
    pub tag: Option<String>,
    /// Composite tier S, A, B or C (any ASCII case).
    pub tier: Option<String>,
    /// Created on or after this day.
    pub created_since: Option<String>,
    /// Created on or before this day.
    pub created_until: Option<String>,
    /// No follow-up in the last N days.
    pub no_interaction_days: Option<u32>,
    /// Include archived customers.
    pub archived: bool,
    /// Only customers with key fields still to fill.
    pub to_fill: bool,
}

impl FilterText {
    /// The filter this text asks for; `no_interaction_days` counts back from `today`.
    /// Every refused value is reported, each naming its field and what to write instead.
    pub fn parse(&self, today: Date, dates: DateForms) -> Result<Filter, StoreError> {
        let mut errs: Vec<FieldError> = Vec::new();
        let e = &mut errs;
        let industry = self.industry.as_deref().and_then(|i| kept(e, industry(i).map(|i| i.code.to_string())));
        let stage = self.stage.as_deref().and_then(|s| kept(e, Stage::parse(s)));
        let tier = self.tier.as_deref().and_then(|t| kept(e, parse_tier(t)));
        let created_since = self.created_since.as_deref().and_then(|d| kept(e, dates.read("created_since", d)));
        let created_until = self.created_until.as_deref().and_then(|d| kept(e, dates.read("created_until", d)));
        let no_interaction_days = self.no_interaction_days.and_then(|n| kept(e, Filter::no_interaction(n, today)));
        ValidationError::check(errs).map_err(StoreError::Invalid)?;
        Ok(Filter {
            industry,
            stage,
            source: self.source.clone(),
            owner: self.owner.clone(),
            tag: self.tag.clone(),
            tier,
            created_since,
            created_until,
            no_interaction_days,
            include_archived: self.archived,
            to_fill: self.to_fill,
        })
    }
}

/// The value read, or `None` with its refusal added to `errs`.
fn kept<T>(errs: &mut Vec<FieldError>, read: Result<T, FieldError>) -> Option<T> {
    read.map_err(|e| errs.push(e)).ok()
}

/// A tier letter, as the rules engine names tiers.
fn parse_tier(t: &str) -> Result<String, FieldError> {
    rapport_rules::Tier::parse(t)
        .map(|t| t.as_str().to_string())
        .ok_or_else(|| FieldError::new("tier", format!("`{t}` is not a tier; use S, A, B or C")))
}

/// A customer's fields as typed (`rapport customer add` and `edit` options). Every field is
/// optional: on an edit, only the given ones change, and an empty text clears a field that
/// may be empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomerText {
    /// company or person.
    pub kind: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Unified social credit code.
    pub credit_code: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Size.
    pub size: Option<String>,
    /// Revenue band.
    pub revenue_band: Option<String>,
    /// Source.
    pub source: Option<String>,
    /// Stage.
    pub stage: Option<String>,
    /// Deal amount in yuan.
    pub deal_amount: Option<String>,
    /// Deal date.
    pub deal_date: Option<String>,
    /// Contract number.
    pub contract_no: Option<String>,
    /// Why the customer was lost.
    pub lost_reason: Option<String>,
    /// Owner.
    pub owner: Option<String>,
    /// Province.
    pub province: Option<String>,
    /// City.
    pub city: Option<String>,
    /// District.
    pub district: Option<String>,
    /// Street.
    pub street: Option<String>,
    /// Pain points.
    pub pain_points: Option<String>,
    /// Timeline.
    pub timeline: Option<String>,
    /// Budget.
    pub budget: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// High-priority flag.
    pub priority: Option<bool>,
    /// Custom fields as `NAME=VALUE`.
    pub custom: Vec<String>,
    /// Manual tags to add.
    pub add_tags: Vec<String>,
    /// Manual tags to remove.
    pub remove_tags: Vec<String>,
}

/// Some(text), or Some(None) (clear) for an empty text: for fields an edit may empty.
fn clearable(v: &Option<String>) -> Option<Option<String>> {
    v.clone().map(|s| Some(s).filter(|s| !s.trim().is_empty()))
}

impl CustomerText {
    /// Whether any part of the deal is given.
    pub fn has_deal_part(&self) -> bool {
        self.deal_amount.is_some() || self.deal_date.is_some() || self.contract_no.is_some()
    }

    /// The kind given, if any.
    pub fn kind(&self) -> Result<Option<Kind>, FieldError> {
        self.kind.as_deref().map(Kind::parse).transpose()
    }

    /// The stage given, if any.
    pub fn stage(&self) -> Result<Option<Stage>, FieldError> {
        self.stage.as_deref().map(Stage::parse).transpose()
    }

    /// The custom fields, `NAME=VALUE` each (names and values trimmed).
    pub fn custom(&self) -> Result<Vec<(String, String)>, FieldError> {
        self.custom
            .iter()
            .map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                    .ok_or_else(|| FieldError::new("custom", format!("`{kv}` is not NAME=VALUE")))
            })
            .collect()
    }

    /// The deal the text gives (`None` when no part is given). On an edit, `current` is the
    /// customer's deal: the parts not given keep their stored values, so `--deal-date` alone
    /// moves the date of a won deal.
    pub fn deal(&self, current: Option<&Deal>) -> Result<Option<Deal>, Vec<FieldError>> {
        if !self.has_deal_part() {
            return Ok(None);
        }
        let mut errs = Vec::new();
        let amount = match &self.deal_amount {
            Some(a) => Money::parse("deal.amount", a).map_err(|e| errs.push(e)).ok(),
            None if current.is_some() => current.map(|d| d.amount),
            None => {
                errs.push(FieldError::new("deal.amount", "is required for a won customer (--deal-amount)"));
                None
            }
        };
        let date = match &self.deal_date {
            Some(d) => parse_day("deal.date", d).map_err(|e| errs.push(e)).ok(),
            None if current.is_some() => current.map(|d| d.date),
            None => {
                errs.push(FieldError::new("deal.date", "is required for a won customer (--deal-date)"));
                None
            }
        };
        let contract_no =
            self.contract_no.clone().or_else(|| current.map(|d| d.contract_no.clone())).unwrap_or_default();
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(match (amount, date) {
            (Some(amount), Some(date)) => Some(Deal { amount, date, contract_no }),
            _ => None,
        })
    }

    /// The patch this text asks for. `current_deal` is the customer's deal, for an edit that
    /// gives only part of it (see [`CustomerText::deal`]). Every refused value is reported.
    pub fn patch(&self, current_deal: Option<&Deal>) -> Result<CustomerPatch, StoreError> {
        let mut errs: Vec<FieldError> = Vec::new();
        let kind = kept(&mut errs, self.kind()).flatten();
        let stage = kept(&mut errs, self.stage()).flatten();
        let deal = self.deal(current_deal).map_err(|e| errs.extend(e)).ok().flatten();
        let custom = kept(&mut errs, self.custom()).unwrap_or_default();
        ValidationError::check(errs).map_err(StoreError::Invalid)?;
        let address =
            [&self.province, &self.city, &self.district, &self.street].iter().any(|v| v.is_some()).then(|| {
                AddressPatch {
                    province: clearable(&self.province),
                    city: clearable(&self.city),
                    district: clearable(&self.district),
                    street: clearable(&self.street),
                }
            });
        let needs = [&self.pain_points, &self.timeline, &self.budget].iter().any(|v| v.is_some()).then(|| NeedsPatch {
            pain_points: clearable(&self.pain_points),
            timeline: clearable(&self.timeline),
            budget: clearable(&self.budget),
            ..Default::default()
        });
        Ok(CustomerPatch {
            name: self.name.clone(),
            kind,
            credit_code: clearable(&self.credit_code),
            industry: self.industry.clone(),
            size: clearable(&self.size),
            revenue_band: clearable(&self.revenue_band),
            address,
            source: self.source.clone(),
            stage,
            deal,
            lost_reason: self.lost_reason.clone(),
            owner: self.owner.clone(),
            needs,
            notes: self.notes.clone(),
            priority: self.priority,
            custom: custom.into_iter().map(|(k, v)| (k, Some(v).filter(|v| !v.is_empty()))).collect(),
            add_tags: self.add_tags.iter().cloned().collect(),
            remove_tags: self.remove_tags.iter().cloned().collect(),
        })
    }
}

/// A new customer's first contact, as typed.
#[derive(Clone, Debug, Default)]
pub struct ContactText {
    /// Name (required when a phone or email is given).
    pub name: Option<String>,
    /// Position.
    pub position: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// WeChat id.
    pub wechat: Option<String>,
}

/// Empty text is no value: a form sends every field, filled or not.
pub fn given(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl CustomerText {
    /// The new customer this text describes, with `tags` and a first contact: what
    /// `rapport customer add` and the web app's form create. Every refused value is reported.
    pub fn new_customer(&self, tags: Vec<String>, contact: &ContactText) -> Result<NewCustomer, StoreError> {
        let mut errs: Vec<FieldError> = Vec::new();
        let kind = kept(&mut errs, self.kind()).flatten();
        let stage = kept(&mut errs, self.stage()).flatten();
        let deal = self.deal(None).map_err(|e| errs.extend(e)).ok().flatten();
        let custom = kept(&mut errs, self.custom()).unwrap_or_default();
        let contacts = match given(&contact.name) {
            Some(name) => vec![NewContact {
                name,
                position: given(&contact.position),
                phone: given(&contact.phone),
                email: given(&contact.email),
                wechat: given(&contact.wechat),
                primary: true,
                other_phones: Vec::new(),
            }],
            None if given(&contact.phone).is_some() || given(&contact.email).is_some() => {
                errs.push(FieldError::new("contact_name", "is required when a contact phone or email is given"));
                Vec::new()
            }
            None => Vec::new(),
        };
        ValidationError::check(errs).map_err(StoreError::Invalid)?;
        Ok(NewCustomer {
            kind,
            name: self.name.clone().unwrap_or_default(),
            credit_code: given(&self.credit_code),
            industry: given(&self.industry),
            size: given(&self.size),
            revenue_band: given(&self.revenue_band),
            address: Address {
                province: given(&self.province),
                city: given(&self.city),
                district: given(&self.district),
                street: given(&self.street),
            },
            source: given(&self.source),
            stage,
            deal,
            lost_reason: given(&self.lost_reason),
            owner: given(&self.owner),
            needs: Needs {
                pain_points: given(&self.pain_points),
                timeline: given(&self.timeline),
                budget: given(&self.budget),
                ..Default::default()
            },
            notes: self.notes.clone(),
            priority: self.priority.unwrap_or(false),
            tags: tags.into_iter().collect(),
            custom: custom.into_iter().collect(),
            contacts,
            ..NewCustomer::default()
        })
    }
}

/// A follow-up, as typed.
#[derive(Clone, Debug, Default)]
pub struct InteractionText {
    /// phone, visit, wechat, email, meeting, other (or the Chinese term).
    pub channel: String,
    /// What was said.
    pub summary: String,
    /// The customer's feedback.
    pub feedback: Option<String>,
    /// Intent level after the follow-up.
    pub intent: Option<String>,
    /// The next step.
    pub next_action: Option<String>,
    /// When the next step is due.
    pub next_due: Option<String>,
    /// Who takes the next step.
    pub assignee: Option<String>,
    /// When it happened (default now).
    pub at: Option<String>,
}

impl InteractionText {
    /// The follow-up to record; every refused value is reported.
    pub fn parse(&self) -> Result<NewInteraction, StoreError> {
        let mut errs = Vec::new();
        let channel = kept(&mut errs, Channel::parse(self.channel.trim()));
        let intent = kept(&mut errs, given(&self.intent).map(|i| IntentLevel::parse(&i)).transpose()).flatten();
        let next_due =
            kept(&mut errs, given(&self.next_due).map(|d| canonical_day("next_due", &d)).transpose()).flatten();
        ValidationError::check(errs).map_err(StoreError::Invalid)?;
        Ok(NewInteraction {
            at: given(&self.at),
            channel,
            summary: self.summary.clone(),
            feedback: given(&self.feedback),
            intent,
            next_action: given(&self.next_action),
            next_due,
            next_assignee: given(&self.assignee),
        })
    }
}

/// An order, as typed.
#[derive(Clone, Debug, Default)]
pub struct OrderText {
    /// Amount in yuan (`12,800.50`, `1.2万`).
    pub amount: String,
    /// Product category.
    pub category: String,
    /// Product.
    pub product: Option<String>,
    /// Order date (default today).
    pub date: Option<String>,
}

impl OrderText {
    /// The order to record; every refused value is reported.
    pub fn parse(&self) -> Result<NewOrder, StoreError> {
        let mut errs = Vec::new();
        let amount = kept(&mut errs, Money::parse("amount", &self.amount));
        let date = kept(&mut errs, given(&self.date).map(|d| canonical_day("date", &d)).transpose()).flatten();
        ValidationError::check(errs).map_err(StoreError::Invalid)?;
        Ok(NewOrder { date, amount, category: self.category.trim().to_string(), product: given(&self.product) })
    }
}

/// A service record, as typed.
#[derive(Clone, Debug, Default)]
pub struct ServiceText {
    /// install, repair, complaint, consultation, visit (or the Chinese term).
    pub kind: String,
    /// What was done.
    pub summary: String,
    /// The outcome.
    pub result: Option<String>,
    /// Satisfaction 1-5.
    pub satisfaction: Option<String>,
    /// When (default now).
    pub at: Option<String>,
}

impl ServiceText {
    /// The service record to add; every refused value is reported.
    pub fn parse(&self) -> Result<NewServiceRecord, StoreError> {
        let mut errs = Vec::new();
        let kind = kept(&mut errs, ServiceKind::parse(self.kind.trim()));
        ValidationError::check(errs).map_err(StoreError::Invalid)?;
        Ok(NewServiceRecord {
            at: given(&self.at),
            kind,
            summary: self.summary.clone(),
            result: given(&self.result),
            satisfaction: given(&self.satisfaction).map(rapport_model::serde_json_number::Score::Text),
        })
    }
}

/// A task, as typed.
#[derive(Clone, Debug, Default)]
pub struct TaskText {
    /// What to do.
    pub what: String,
    /// When it is due.
    pub due: String,
    /// Who does it (default: this node's member).
    pub assignee: Option<String>,
}

impl TaskText {
    /// The task to add.
    pub fn parse(&self) -> Result<NewTask, StoreError> {
        let due =
            canonical_day("due", &self.due).map_err(|e| StoreError::Invalid(ValidationError { fields: vec![e] }))?;
        Ok(NewTask { what: self.what.clone(), assignee: given(&self.assignee), due })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Date {
        parse_date("d", s).unwrap_or_default()
    }

    #[test]
    fn every_bad_filter_value_is_named_at_once() {
        let t = FilterText {
            industry: Some("XYZ".into()),
            stage: Some("nope".into()),
            tier: Some("Z".into()),
            created_since: Some("2026/13/01".into()),
            no_interaction_days: Some(Filter::MAX_NO_INTERACTION_DAYS + 1),
            ..Default::default()
        };
        let Err(StoreError::Invalid(v)) = t.parse(day("2026-03-02"), DateForms::Typed) else { panic!("refused") };
        let fields: Vec<&str> = v.fields.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["industry", "stage", "tier", "created_since", "no_interaction_days"]);
    }

    #[test]
    fn typed_dates_are_the_commands_and_strict_dates_the_apis() {
        let t = FilterText { created_since: Some("2026/1/31".into()), ..Default::default() };
        let typed = t.parse(day("2026-03-02"), DateForms::Typed).map(|f| f.created_since).ok().flatten();
        assert_eq!(typed, Some(day("2026-01-31")));
        assert!(t.parse(day("2026-03-02"), DateForms::Strict).is_err());
    }

    #[test]
    fn a_patch_reports_every_bad_value_and_keeps_the_stored_deal_parts() {
        let bad = CustomerText {
            kind: Some("robot".into()),
            stage: Some("nope".into()),
            deal_amount: Some("lots".into()),
            custom: vec!["no equals".into()],
            ..Default::default()
        };
        let Err(StoreError::Invalid(v)) = bad.patch(None) else { panic!("refused") };
        let fields: Vec<&str> = v.fields.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "stage", "deal.amount", "deal.date", "custom"]);

        let stored = Deal { amount: Money::yuan(5), date: day("2026-01-01"), contract_no: "HT-1".into() };
        let moved =
            CustomerText { deal_date: Some("2026年2月1日".into()), city: Some(" ".into()), ..Default::default() };
        let p = moved.patch(Some(&stored)).unwrap_or_default();
        assert_eq!(p.deal, Some(Deal { date: day("2026-02-01"), ..stored }));
        assert_eq!(p.address.map(|a| a.city), Some(Some(None)), "an empty text clears");
    }
}
