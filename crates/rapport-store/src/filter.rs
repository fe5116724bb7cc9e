//! List filters and the one decision of whether a list row passes one.
//!
//! The store's indexes only pre-select: [`Store::list`](crate::Store::list) narrows the
//! book with them, then every candidate goes through [`Matcher::matches`]. The node's
//! in-memory list model and exports decide with the same [`Matcher`], so a list, a page of
//! the API and an export of the same filter hold the same customers. The property test
//! `crates/rapport-node/tests/filter_paths.rs` checks the index path, the list model and a
//! plain scan agree on random books and filters.

use crate::index::{IndexKind, Summary};
use rapport_model::{member_key, Date, FieldError, Stage};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// A combination of list filters; every set field must match.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Filter {
    /// Industry code.
    pub industry: Option<String>,
    /// Stage.
    pub stage: Option<Stage>,
    /// Source.
    pub source: Option<String>,
    /// Owner.
    pub owner: Option<String>,
    /// Manual or rule tag.
    pub tag: Option<String>,
    /// Composite tier S/A/B/C.
    pub tier: Option<String>,
    /// Created on or after.
    pub created_since: Option<Date>,
    /// Created on or before.
    pub created_until: Option<Date>,
    /// No follow-up in the last N days before `today` (or never).
    pub no_interaction_days: Option<(u32, Date)>,
    /// Include archived customers.
    pub include_archived: bool,
    /// Only customers with a key field still to fill (待补充, `Customer::to_fill`).
    #[serde(default)]
    pub to_fill: bool,
}

impl Filter {
    /// The filters that are set, by the names the API's query parameters use (`today` is
    /// the date `no_interaction_days` counts back from): for query strings and for saying
    /// in words which customers an operation covered.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        let all = [
            ("industry", self.industry.clone()),
            ("stage", self.stage.map(|s| s.as_str().to_string())),
            ("source", self.source.clone()),
            ("owner", self.owner.clone()),
            ("tag", self.tag.clone()),
            ("tier", self.tier.clone()),
            ("created_since", self.created_since.map(|d| d.to_string())),
            ("created_until", self.created_until.map(|d| d.to_string())),
            ("no_interaction_days", self.no_interaction_days.map(|(n, _)| n.to_string())),
            ("today", self.no_interaction_days.map(|(_, t)| t.to_string())),
            ("archived", self.include_archived.then(|| "true".to_string())),
            ("to_fill", self.to_fill.then(|| "true".to_string())),
        ];
        all.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect()
    }

    /// Most days `no_interaction_days` may count back: a hundred years reaches before any
    /// follow-up a book holds, and a bound keeps the count inside the calendar.
    pub const MAX_NO_INTERACTION_DAYS: u32 = 36_500;

    /// The `no_interaction_days` filter counted back from `today`; a count over
    /// [`Filter::MAX_NO_INTERACTION_DAYS`] is refused, naming the field and the bound.
    pub fn no_interaction(days: u32, today: Date) -> Result<(u32, Date), FieldError> {
        if days > Self::MAX_NO_INTERACTION_DAYS {
            return Err(FieldError::new(
                "no_interaction_days",
                format!("must be between 0 and {} (days)", Self::MAX_NO_INTERACTION_DAYS),
            ));
        }
        Ok((days, today))
    }

    /// The last day a follow-up may fall on for a customer to pass `no_interaction_days`
    /// (saturating at the calendar's first day, so no count can overflow).
    pub fn no_interaction_cutoff(&self) -> Option<Date> {
        self.no_interaction_days
            .map(|(n, today)| today.checked_sub_days(chrono::Days::new(u64::from(n))).unwrap_or(Date::MIN))
    }
}

/// A text field of a list row that a filter compares for equality.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TextField {
    Industry,
    Stage,
    Source,
    /// Compared as member keys ([`member_key`]): `li wei` is `Li Wei`.
    Owner,
    Tier,
}

/// The value of `field` in a row, as filters compare it.
fn text_of(s: &Summary, field: TextField) -> Option<Cow<'_, str>> {
    match field {
        TextField::Industry => Some(Cow::Borrowed(&s.industry)),
        TextField::Stage => Some(Cow::Borrowed(&s.stage)),
        TextField::Source => Some(Cow::Borrowed(&s.source)),
        TextField::Owner => Some(Cow::Owned(member_key(&s.owner))),
        TextField::Tier => s.tier.as_deref().map(Cow::Borrowed),
    }
}

/// Whether a row has a key field still to fill: its index keys say so (the list row keeps
/// every index key of its customer).
fn has_to_fill(s: &Summary) -> bool {
    s.keys.iter().any(|k| k.first() == Some(&(IndexKind::ToFill as u8)))
}

fn text_hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// What a list filter tests of a row, kept beside each row of an in-memory list: a filter
/// then scans one contiguous table instead of dereferencing every heap row (at 100,000
/// customers, a cache miss or more per row was most of a filtered page's time). Text fields
/// are hashes; a matching hash is confirmed on the row itself. Built by [`Probe::of`] from
/// the whole row, so the row kept beside it may drop its index keys.
#[derive(Clone, Copy, Debug)]
pub struct Probe {
    industry: u64,
    stage: u64,
    source: u64,
    owner: u64,
    tier: u64,
    created: Date,
    last_interaction: Option<Date>,
    archived: bool,
    to_fill: bool,
}

impl Probe {
    /// The probe of a whole list row (index keys included).
    pub fn of(s: &Summary) -> Probe {
        Probe {
            industry: text_hash(&s.industry),
            stage: text_hash(&s.stage),
            source: text_hash(&s.source),
            owner: text_hash(&member_key(&s.owner)),
            tier: s.tier.as_deref().map(text_hash).unwrap_or(0),
            created: s.created,
            last_interaction: s.last_interaction,
            archived: s.archived,
            to_fill: has_to_fill(s),
        }
    }

    fn hash(&self, field: TextField) -> u64 {
        match field {
            TextField::Industry => self.industry,
            TextField::Stage => self.stage,
            TextField::Source => self.source,
            TextField::Owner => self.owner,
            TextField::Tier => self.tier,
        }
    }
}

/// A list row as a filter reads it: from the row itself, or from a [`Probe`] first.
trait FilterRow {
    fn archived(&self) -> bool;
    fn created(&self) -> Date;
    fn last_interaction(&self) -> Option<Date>;
    fn to_fill(&self) -> bool;
    /// Whether the row's `field` is `want` (whose [`text_hash`] is `hash`).
    fn text_is(&self, field: TextField, want: &str, hash: u64) -> bool;
    fn has_tag(&self, tag: &str) -> bool;
}

impl FilterRow for Summary {
    fn archived(&self) -> bool {
        self.archived
    }
    fn created(&self) -> Date {
        self.created
    }
    fn last_interaction(&self) -> Option<Date> {
        self.last_interaction
    }
    fn to_fill(&self) -> bool {
        has_to_fill(self)
    }
    fn text_is(&self, field: TextField, want: &str, _: u64) -> bool {
        text_of(self, field).as_deref() == Some(want)
    }
    fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag) || self.rule_tags.iter().any(|t| t == tag)
    }
}

/// A row with its probe: the probe answers, the row confirms a matching hash.
struct Probed<'a>(&'a Probe, &'a Summary);

impl FilterRow for Probed<'_> {
    fn archived(&self) -> bool {
        self.0.archived
    }
    fn created(&self) -> Date {
        self.0.created
    }
    fn last_interaction(&self) -> Option<Date> {
        self.0.last_interaction
    }
    fn to_fill(&self) -> bool {
        self.0.to_fill
    }
    fn text_is(&self, field: TextField, want: &str, hash: u64) -> bool {
        self.0.hash(field) == hash && self.1.text_is(field, want, hash)
    }
    fn has_tag(&self, tag: &str) -> bool {
        self.1.has_tag(tag)
    }
}

/// A filter prepared for many rows: its text values hashed and the owner's member key
/// computed once.
#[derive(Debug)]
pub struct Matcher<'f> {
    f: &'f Filter,
    /// Each set text filter with the value compared and its hash.
    texts: Vec<(TextField, Cow<'f, str>, u64)>,
    no_interaction_since: Option<Date>,
}

impl<'f> Matcher<'f> {
    /// Prepares `f`.
    pub fn of(f: &'f Filter) -> Matcher<'f> {
        let wanted: [(TextField, Option<Cow<'f, str>>); 5] = [
            (TextField::Stage, f.stage.map(|s| Cow::Borrowed(s.as_str()))),
            (TextField::Industry, f.industry.as_deref().map(Cow::Borrowed)),
            (TextField::Source, f.source.as_deref().map(Cow::Borrowed)),
            (TextField::Owner, f.owner.as_deref().map(|o| Cow::Owned(member_key(o)))),
            (TextField::Tier, f.tier.as_deref().map(Cow::Borrowed)),
        ];
        let texts = wanted
            .into_iter()
            .filter_map(|(field, v)| v.map(|v| (field, v)))
            .map(|(field, v)| {
                let h = text_hash(&v);
                (field, v, h)
            })
            .collect();
        Matcher { f, texts, no_interaction_since: f.no_interaction_cutoff() }
    }

    /// Whether a whole list row passes every filter.
    pub fn matches(&self, row: &Summary) -> bool {
        self.decide(row)
    }

    /// Whether a row passes, read from its probe first; the row is read only to confirm a
    /// text field whose hash matched, and for tags.
    pub fn matches_probed(&self, probe: &Probe, row: &Summary) -> bool {
        self.decide(&Probed(probe, row))
    }

    /// The one decision: every set filter must pass.
    fn decide(&self, r: &impl FilterRow) -> bool {
        let f = self.f;
        (f.include_archived || !r.archived())
            && (!f.to_fill || r.to_fill())
            && self.texts.iter().all(|(field, want, hash)| r.text_is(*field, want, *hash))
            && f.created_since.is_none_or(|d| r.created() >= d)
            && f.created_until.is_none_or(|d| r.created() <= d)
            && self.no_interaction_since.is_none_or(|since| r.last_interaction().is_none_or(|d| d <= since))
            && f.tag.as_deref().is_none_or(|t| r.has_tag(t))
    }
}

impl Filter {
    /// Whether one list row passes every filter (see [`Matcher`] for many rows).
    pub fn matches(&self, row: &Summary) -> bool {
        Matcher::of(self).matches(row)
    }
}
