//! Finding likely duplicate customers from the match indexes: the same unified social
//! credit code, the same contact phone, or the same normalised name (full-width folded,
//! spaces and company suffixes such as 有限公司 or Co., Ltd. dropped).
//!
//! The indexes already hold those keys, one entry per customer, so finding every pair
//! costs one scan of three key ranges, not a comparison of every customer with every
//! other.

use crate::index::{IndexKind, Summary};
use crate::tables::*;
use crate::{ListRow, Store, StoreError};
use rapport_model::mask_phone;
use redb::{ReadableMultimapTable, ReadableTable};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Above this many customers sharing one key (a switchboard number, a placeholder name),
/// the key says little about any one pair; it is reported once instead of as pairs.
pub const CROWDED: usize = 20;

/// Score of each kind of evidence, out of 100; each further kind on the same pair adds
/// [`EXTRA_EVIDENCE`], up to 100.
const CREDIT_SCORE: u32 = 95;
const PHONE_SCORE: u32 = 75;
const NAME_SCORE: u32 = 65;
const EXTRA_EVIDENCE: u32 = 10;

/// Two customers that are probably the same.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DuplicatePair {
    /// The one to keep: entered first.
    pub keep: ListRow,
    /// The one to merge into it.
    pub merge: ListRow,
    /// 0-100: how sure.
    pub score: u32,
    /// Each piece of evidence, e.g. `same credit code 91350100M000100Y43`.
    pub reasons: Vec<String>,
}

/// A key shared by too many customers to list as pairs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CrowdedKey {
    /// `credit_code`, `phone` or `name`.
    pub kind: String,
    /// The shared value (phones masked).
    pub value: String,
    /// How many customers share it.
    pub customers: usize,
}

/// What `dedupe` found.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Duplicates {
    /// Likely duplicate pairs found in all.
    #[serde(default)]
    pub total: usize,
    /// Likely duplicate pairs, most certain first (the first `limit` of them when limited).
    pub pairs: Vec<DuplicatePair>,
    /// Keys shared by more than [`CROWDED`] customers.
    pub crowded: Vec<CrowdedKey>,
}

impl Duplicates {
    /// The most certain `limit` pairs (all without a limit); `total` still counts all.
    pub fn first(mut self, limit: Option<usize>) -> Duplicates {
        self.pairs.truncate(limit.unwrap_or(usize::MAX));
        self
    }
}

impl Store {
    /// Likely duplicates among customers that are not archived, with a score and reasons.
    pub fn duplicates(&self) -> Result<Duplicates, StoreError> {
        let txn = self.db().begin_read()?;
        let index = txn.open_multimap_table(INDEX)?;
        let mut archived = BTreeSet::new();
        for v in index.get([IndexKind::Archived as u8].as_slice())? {
            archived.insert(v?.value());
        }
        let mut evidence: BTreeMap<(Row, Row), Vec<(u32, String)>> = BTreeMap::new();
        let mut crowded = Vec::new();
        for (kind, score) in
            [(IndexKind::CreditCode, CREDIT_SCORE), (IndexKind::Phone, PHONE_SCORE), (IndexKind::Name, NAME_SCORE)]
        {
            let lo = [kind as u8];
            let hi = [kind as u8 + 1];
            for e in index.range(lo.as_slice()..hi.as_slice())? {
                let (key, vals) = e?;
                if vals.len() < 2 {
                    continue;
                }
                let mut rows = Vec::new();
                for v in vals {
                    let r = v?.value();
                    if !archived.contains(&r) {
                        rows.push(r);
                    }
                }
                if rows.len() < 2 {
                    continue;
                }
                let value = String::from_utf8_lossy(key.value().get(1..).unwrap_or_default()).into_owned();
                if value.is_empty() {
                    continue;
                }
                let shown = if kind == IndexKind::Phone { mask_phone(&value) } else { value.clone() };
                if rows.len() > CROWDED {
                    crowded.push(CrowdedKey { kind: kind.name().into(), value: shown, customers: rows.len() });
                    continue;
                }
                let reason = match kind {
                    IndexKind::CreditCode => format!("same credit code {value}"),
                    IndexKind::Phone => format!("same phone {shown}"),
                    _ => format!("same normalised name `{value}`"),
                };
                for (i, a) in rows.iter().enumerate() {
                    for b in &rows[i + 1..] {
                        evidence.entry((*a.min(b), *a.max(b))).or_default().push((score, reason.clone()));
                    }
                }
            }
        }
        let summaries = txn.open_table(SUMMARY)?;
        let ids = txn.open_table(IDS)?;
        let row_of = |r: Row| -> Result<Option<ListRow>, StoreError> {
            match (summaries.get(r)?, id_at(&ids, r)?) {
                (Some(v), Some(id)) => Ok(Some(ListRow { id, summary: postcard::from_bytes::<Summary>(v.value())? })),
                _ => Ok(None),
            }
        };
        let mut pairs = Vec::with_capacity(evidence.len());
        for ((a, b), mut found) in evidence {
            let (Some(a), Some(b)) = (row_of(a)?, row_of(b)?) else { continue };
            found.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| x.1.cmp(&y.1)));
            let best = found.first().map(|f| f.0).unwrap_or(0);
            let score = (best + EXTRA_EVIDENCE * (found.len() as u32).saturating_sub(1)).min(100);
            let older = (a.summary.created, &a.summary.number) <= (b.summary.created, &b.summary.number);
            let (keep, merge) = if older { (a, b) } else { (b, a) };
            pairs.push(DuplicatePair { keep, merge, score, reasons: found.into_iter().map(|f| f.1).collect() });
        }
        pairs.sort_by(|x, y| {
            y.score
                .cmp(&x.score)
                .then_with(|| x.keep.summary.number.cmp(&y.keep.summary.number))
                .then_with(|| x.merge.summary.number.cmp(&y.merge.summary.number))
        });
        crowded.sort_by(|x, y| y.customers.cmp(&x.customers).then_with(|| x.value.cmp(&y.value)));
        Ok(Duplicates { total: pairs.len(), pairs, crowded })
    }
}
