//! [`Facts`]: the compact per-customer input of rules and tiers.
//!
//! A [`Customer`] carries contacts, notes, needs and tasks that no rule looks at. `Facts`
//! keeps only what rules and tiers read, with small integer types (dates as days since
//! 1970-01-01, money as fen), so a whole book of them fits in memory and can be cached as
//! bytes next to the customer documents. [`Facts::encode`] and [`Facts::decode`] use
//! postcard behind a one-byte layout version.

use crate::RulesError;
use rapport_model::{Customer, CustomerId, Date, IntentLevel, Kind, ServiceKind, Stage};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date as days since 1970-01-01 (negative before).
pub type Day = i32;

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const EPOCH_FROM_CE: i32 = 719_163;

/// Layout version written as the first byte of [`Facts::encode`].
pub const FACTS_VERSION: u8 = 1;

/// The day number of a date.
pub fn day_of(date: Date) -> Day {
    chrono::Datelike::num_days_from_ce(&date) - EPOCH_FROM_CE
}

/// The date of a day number; out-of-range days clamp to chrono's limits.
pub fn date_of(day: Day) -> Date {
    Date::from_num_days_from_ce_opt(day.saturating_add(EPOCH_FROM_CE)).unwrap_or(if day < 0 {
        Date::MIN
    } else {
        Date::MAX
    })
}

/// What rules and tiers know about one customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// Permanent internal id (16 raw bytes in the binary form).
    #[serde(with = "id_bytes")]
    pub id: CustomerId,
    /// Customer number, e.g. `MFG-2024-001`.
    pub number: String,
    /// Customer name.
    pub name: String,
    /// Company or person.
    pub kind: Kind,
    /// Current sales stage.
    pub stage: Stage,
    /// Industry code, e.g. `C`.
    pub industry: String,
    /// Source (展会, 转介绍, ...).
    pub source: String,
    /// Owner (负责人).
    pub owner: String,
    /// Day the record was created.
    pub created: Day,
    /// "High priority" flag.
    pub priority: bool,
    /// Archived flag.
    pub archived: bool,
    /// Manual tags, sorted.
    pub manual_tags: Vec<String>,
    /// Custom fields, sorted by name.
    pub custom: Vec<(String, String)>,
    /// The deal, if any.
    pub deal: Option<DealFact>,
    /// Orders, by day, then amount, then category.
    pub orders: Vec<OrderFact>,
    /// Follow-ups, by time.
    pub interactions: Vec<InteractionFact>,
    /// Service records, by time.
    pub services: Vec<ServiceFact>,
}

/// The deal that made a customer won.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealFact {
    /// Deal date.
    pub day: Day,
    /// Deal amount in fen.
    pub amount: i64,
}

/// One order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFact {
    /// Order date.
    pub day: Day,
    /// Amount in fen.
    pub amount: i64,
    /// Product category.
    pub category: String,
}

/// One follow-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionFact {
    /// Day of the follow-up.
    pub day: Day,
    /// Intent level judged at it, if any.
    pub intent: Option<IntentLevel>,
}

/// One service record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceFact {
    /// Day of the record.
    pub day: Day,
    /// Question, fault or complaint.
    pub kind: ServiceKind,
    /// Satisfaction in hundredths (100..=500), if scored.
    pub satisfaction: Option<u16>,
}

impl Facts {
    /// Extracts the facts of a customer. Lists are put in a deterministic order (orders by
    /// day, amount, category; follow-ups and service records by time, then item id) so the
    /// same customer gives the same bytes on every node.
    pub fn from_customer(c: &Customer) -> Facts {
        let mut orders: Vec<OrderFact> = c
            .orders
            .iter()
            .map(|o| OrderFact { day: day_of(o.date), amount: o.amount.fen(), category: o.category.clone() })
            .collect();
        orders.sort_by(|a, b| (a.day, a.amount, &a.category).cmp(&(b.day, b.amount, &b.category)));
        let mut interactions: Vec<_> = c.interactions.iter().collect();
        interactions.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        let mut services: Vec<_> = c.service_records.iter().collect();
        services.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        Facts {
            id: c.id,
            number: c.number.clone(),
            name: c.name.clone(),
            kind: c.kind,
            stage: c.stage,
            industry: c.industry.clone(),
            source: c.source.clone(),
            owner: c.owner.clone(),
            created: day_of(c.created_at.date()),
            priority: c.priority,
            archived: c.archived,
            manual_tags: c.manual_tags.iter().cloned().collect(),
            custom: c.custom.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            deal: c.deal.as_ref().map(|d| DealFact { day: day_of(d.date), amount: d.amount.fen() }),
            orders,
            interactions: interactions
                .into_iter()
                .map(|i| InteractionFact { day: day_of(i.at.date()), intent: i.intent })
                .collect(),
            services: services
                .into_iter()
                .map(|s| ServiceFact {
                    day: day_of(s.at.date()),
                    kind: s.kind,
                    satisfaction: s.satisfaction.map(|x| x.hundredths()),
                })
                .collect(),
        }
    }

    /// The compact binary form: one version byte, then postcard.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![FACTS_VERSION];
        // Serialising plain structs into a Vec cannot fail; an empty body would be refused by
        // `decode`, never silently misread.
        if let Ok(body) = postcard::to_allocvec(self) {
            out.extend_from_slice(&body);
        }
        out
    }

    /// Reads [`Facts::encode`] output. Refuses another layout version, truncated input and
    /// trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<Facts, RulesError> {
        let (version, body) = bytes.split_first().ok_or_else(|| RulesError::Decode("no bytes".into()))?;
        if *version != FACTS_VERSION {
            return Err(RulesError::Decode(format!(
                "layout version {version}, this build reads {FACTS_VERSION}; re-extract the facts from the customer"
            )));
        }
        let (facts, rest) = postcard::take_from_bytes::<Facts>(body).map_err(|e| RulesError::Decode(e.to_string()))?;
        if !rest.is_empty() {
            return Err(RulesError::Decode(format!("{} trailing bytes", rest.len())));
        }
        Ok(facts)
    }

    /// Day of first contact: the earlier of the created date and the first follow-up.
    pub fn first_contact(&self) -> Day {
        self.interactions.iter().map(|i| i.day).min().map_or(self.created, |d| d.min(self.created))
    }

    /// Value of a custom field.
    pub fn custom_field(&self, name: &str) -> Option<&str> {
        self.custom.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Serialises a [`CustomerId`] as 16 raw bytes in binary formats and as hex in text ones.
mod id_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(id: &CustomerId, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            id.serialize(s)
        } else {
            id.0.serialize(s)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<CustomerId, D::Error> {
        if d.is_human_readable() {
            CustomerId::deserialize(d)
        } else {
            <[u8; 16]>::deserialize(d).map(CustomerId)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip() {
        let d = Date::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(day_of(Date::from_ymd_opt(1970, 1, 1).unwrap()), 0);
        assert_eq!(date_of(day_of(d)), d);
        assert_eq!(date_of(i32::MAX), Date::MAX);
        assert_eq!(date_of(i32::MIN), Date::MIN);
    }

    #[test]
    fn decode_refuses_garbage() {
        assert!(Facts::decode(&[]).is_err());
        assert!(Facts::decode(&[9, 1, 2]).is_err());
        assert!(Facts::decode(&[FACTS_VERSION, 1, 2]).is_err());
    }
}
