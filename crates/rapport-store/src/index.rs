//! What a customer contributes to the secondary indexes and to the list row, computed
//! from the customer alone so that a merge in any order yields the same entries.

use rapport_model::{normalize_name, normalize_text, Customer, Date};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Which index an entry belongs to. The byte is the first byte of every key in the
/// index table, so one redb multimap holds all of them in separate key ranges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum IndexKind {
    /// Normalised name (full-width folded, case, company suffix dropped).
    Name = b'n',
    /// Unified social credit code.
    CreditCode = b'c',
    /// Canonical phone of any contact.
    Phone = b'p',
    /// Industry code.
    Industry = b'i',
    /// Stage.
    Stage = b's',
    /// Owner.
    Owner = b'o',
    /// Source.
    Source = b'r',
    /// Manual tag.
    Tag = b't',
    /// Tag added by a rule (derived, not in the document).
    RuleTag = b'u',
    /// Composite tier S/A/B/C (derived).
    Tier = b'T',
    /// Date of the last follow-up (days since 1970, big-endian, sortable).
    LastInteraction = b'l',
    /// Creation date (days since 1970, big-endian).
    Created = b'd',
    /// Archived flag.
    Archived = b'a',
    /// A key field still to fill (`Customer::to_fill`), one entry per field.
    ToFill = b'f',
}

impl IndexKind {
    /// Every kind, for doctor and reindex.
    pub const ALL: [IndexKind; 14] = [
        IndexKind::Name,
        IndexKind::CreditCode,
        IndexKind::Phone,
        IndexKind::Industry,
        IndexKind::Stage,
        IndexKind::Owner,
        IndexKind::Source,
        IndexKind::Tag,
        IndexKind::RuleTag,
        IndexKind::Tier,
        IndexKind::LastInteraction,
        IndexKind::Created,
        IndexKind::Archived,
        IndexKind::ToFill,
    ];

    /// Human name.
    pub fn name(self) -> &'static str {
        match self {
            IndexKind::Name => "name",
            IndexKind::CreditCode => "credit_code",
            IndexKind::Phone => "phone",
            IndexKind::Industry => "industry",
            IndexKind::Stage => "stage",
            IndexKind::Owner => "owner",
            IndexKind::Source => "source",
            IndexKind::Tag => "tag",
            IndexKind::RuleTag => "rule_tag",
            IndexKind::Tier => "tier",
            IndexKind::LastInteraction => "last_interaction",
            IndexKind::Created => "created",
            IndexKind::Archived => "archived",
            IndexKind::ToFill => "to_fill",
        }
    }
}

/// One index key: kind byte followed by the value bytes.
pub type IndexKey = Vec<u8>;

/// Builds a key of `kind` for a text value.
pub fn text_key(kind: IndexKind, v: &str) -> IndexKey {
    let mut k = Vec::with_capacity(v.len() + 1);
    k.push(kind as u8);
    k.extend_from_slice(v.as_bytes());
    k
}

/// Builds a key of `kind` for a date, sortable.
pub fn date_key(kind: IndexKind, d: Date) -> IndexKey {
    let days = days(d);
    let mut k = vec![kind as u8];
    // Flip the sign bit so negative days sort before positive ones.
    k.extend_from_slice(&((days as u32) ^ 0x8000_0000).to_be_bytes());
    k
}

/// Days since 1970-01-01.
pub fn days(d: Date) -> i32 {
    d.signed_duration_since(Date::default()).num_days() as i32
}

/// What rules derived for a customer; kept out of the document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derived {
    /// Tags added by rules.
    pub rule_tags: Vec<String>,
    /// Composite tier letter.
    pub tier: Option<String>,
    /// Compact inputs for book-wide rule evaluation (opaque to the store).
    pub facts: Vec<u8>,
    /// A follow-up the tier cadence calls for: due date and why (shown on the agenda,
    /// assigned to the owner).
    pub follow_up: Option<(Date, String)>,
}

/// How a cadence follow-up is labelled on the agenda. Display only: it is told apart from a
/// member's task (whose text may start the same way) by [`OpenItemKind::Cadence`].
pub const CADENCE_PREFIX: &str = "cadence: ";

/// How the next action of a follow-up is labelled on the agenda (display only).
pub const NEXT_ACTION_PREFIX: &str = "follow-up: ";

/// Where an open item on the agenda comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum OpenItemKind {
    /// An open task in the customer document.
    Task,
    /// The next action of the customer's latest follow-up, in the document.
    NextAction,
    /// A follow-up the tier cadence calls for: derived by the rules, not in the document,
    /// and replaced whenever the book is re-evaluated.
    Cadence,
}

/// One open item of a list row: something due for the agenda.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OpenItem {
    /// Due date.
    pub due: Date,
    /// Who is to do it.
    pub assignee: String,
    /// What to do, as the agenda shows it (labelled for next actions and cadence follow-ups).
    pub what: String,
    /// Where it comes from.
    pub kind: OpenItemKind,
}

impl OpenItem {
    fn cadence(due: Date, owner: &str, why: &str) -> OpenItem {
        OpenItem {
            due,
            assignee: owner.to_string(),
            what: format!("{CADENCE_PREFIX}{why}"),
            kind: OpenItemKind::Cadence,
        }
    }
}

/// Every index key of a customer (document part) plus derived tags and tier.
pub fn index_keys(c: &Customer, derived: &Derived) -> BTreeSet<IndexKey> {
    let mut keys = BTreeSet::new();
    keys.insert(text_key(IndexKind::Name, &normalize_name(&c.name)));
    if let Some(cc) = &c.credit_code {
        keys.insert(text_key(IndexKind::CreditCode, cc));
    }
    for ct in &c.contacts {
        for p in ct.phones() {
            keys.insert(text_key(IndexKind::Phone, p));
        }
    }
    keys.insert(text_key(IndexKind::Industry, &c.industry));
    keys.insert(text_key(IndexKind::Stage, c.stage.as_str()));
    keys.insert(text_key(IndexKind::Owner, &c.owner));
    keys.insert(text_key(IndexKind::Source, &c.source));
    for t in &c.manual_tags {
        keys.insert(text_key(IndexKind::Tag, t));
    }
    for t in &derived.rule_tags {
        keys.insert(text_key(IndexKind::RuleTag, t));
    }
    if let Some(t) = &derived.tier {
        keys.insert(text_key(IndexKind::Tier, t));
    }
    if let Some(d) = c.last_interaction() {
        keys.insert(date_key(IndexKind::LastInteraction, d));
    }
    keys.insert(date_key(IndexKind::Created, c.created_at.date()));
    if c.archived {
        keys.insert(vec![IndexKind::Archived as u8]);
    }
    for f in &c.to_fill {
        keys.insert(text_key(IndexKind::ToFill, f));
    }
    keys
}

/// The list row of a customer: what `list`, `search` and the agenda print without
/// loading the document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Customer number.
    pub number: String,
    /// Name as typed.
    pub name: String,
    /// company / person.
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
    pub created: Date,
    /// Last follow-up date.
    pub last_interaction: Option<Date>,
    /// Archived.
    pub archived: bool,
    /// Priority flag.
    pub priority: bool,
    /// Primary contact name.
    pub contact: Option<String>,
    /// Primary contact phone (canonical; masked when printed).
    pub phone: Option<String>,
    /// Manual tags.
    pub tags: Vec<String>,
    /// Rule tags.
    pub rule_tags: Vec<String>,
    /// Composite tier.
    pub tier: Option<String>,
    /// Open tasks, the latest next action and the cadence follow-up, for the agenda; sorted.
    pub open_items: Vec<OpenItem>,
    /// Every index key this customer has, to remove exactly these on the next write.
    pub keys: Vec<IndexKey>,
}

impl Summary {
    /// Builds the row for a customer.
    pub fn of(c: &Customer, derived: &Derived) -> Summary {
        let primary = c.primary_contact();
        let mut open_items = document_items(c);
        if let Some((due, why)) = &derived.follow_up {
            open_items.push(OpenItem::cadence(*due, &c.owner, why));
        }
        open_items.sort();
        Summary {
            number: c.number.clone(),
            name: c.name.clone(),
            kind: c.kind.as_str().to_string(),
            industry: c.industry.clone(),
            stage: c.stage.as_str().to_string(),
            owner: c.owner.clone(),
            source: c.source.clone(),
            created: c.created_at.date(),
            last_interaction: c.last_interaction(),
            archived: c.archived,
            priority: c.priority,
            contact: primary.map(|p| p.name.clone()),
            phone: primary.and_then(|p| p.phone.clone()),
            tags: c.manual_tags.iter().cloned().collect(),
            rule_tags: derived.rule_tags.clone(),
            tier: derived.tier.clone(),
            open_items,
            keys: index_keys(c, derived).into_iter().collect(),
        }
    }
}

impl Summary {
    /// Replaces the derived parts (rule tags, tier, cadence follow-up) of a list row,
    /// keeping its index keys in step. Returns whether anything changed.
    pub fn set_derived(
        &mut self,
        rule_tags: Vec<String>,
        tier: Option<String>,
        follow_up: Option<(Date, String)>,
    ) -> bool {
        let cadence = follow_up.map(|(d, why)| OpenItem::cadence(d, &self.owner, &why));
        let old_cadence = self.open_items.iter().find(|i| i.kind == OpenItemKind::Cadence);
        if self.rule_tags == rule_tags && self.tier == tier && old_cadence == cadence.as_ref() {
            return false;
        }
        self.keys
            .retain(|k| !matches!(k.first(), Some(b) if *b == IndexKind::RuleTag as u8 || *b == IndexKind::Tier as u8));
        self.keys.extend(rule_tags.iter().map(|t| text_key(IndexKind::RuleTag, t)));
        self.keys.extend(tier.iter().map(|t| text_key(IndexKind::Tier, t)));
        self.keys.sort();
        self.keys.dedup();
        self.open_items.retain(|i| i.kind != OpenItemKind::Cadence);
        self.open_items.extend(cadence);
        self.open_items.sort();
        self.rule_tags = rule_tags;
        self.tier = tier;
        true
    }
}

/// The open items a customer document holds: open tasks, and the next action of the latest
/// follow-up (later follow-ups supersede earlier ones' next actions).
pub(crate) fn document_items(c: &Customer) -> Vec<OpenItem> {
    let tasks = c.tasks.iter().filter(|t| t.done.is_none()).map(|t| OpenItem {
        due: t.due,
        assignee: t.assignee.clone(),
        what: t.what.clone(),
        kind: OpenItemKind::Task,
    });
    let next = c.interactions.last().and_then(|i| i.next_action.as_ref()).map(|n| OpenItem {
        due: n.due,
        assignee: n.assignee.clone(),
        what: format!("{NEXT_ACTION_PREFIX}{}", n.what),
        kind: OpenItemKind::NextAction,
    });
    tasks.chain(next).collect()
}

/// The text `search` scans: normalised names of the customer and its contacts, and
/// contact phones and emails, separated by a byte that cannot be typed.
pub fn search_text(c: &Customer) -> String {
    let mut s = normalize_text(&c.name);
    s.push('\u{1}');
    s.push_str(&c.number.to_lowercase());
    for ct in &c.contacts {
        s.push('\u{1}');
        s.push_str(&normalize_text(&ct.name));
        for p in ct.phones() {
            s.push('\u{1}');
            s.push_str(p);
        }
        if let Some(e) = &ct.email {
            s.push('\u{1}');
            s.push_str(&e.to_lowercase());
        }
    }
    s
}
