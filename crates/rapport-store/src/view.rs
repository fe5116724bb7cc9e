//! The customer as read from its document, stored behind the whole document (see
//! `codec.rs`), so reading a customer needs no Automerge load.
//!
//! The view holds what depends only on the document: the record and its conflicts, in
//! postcard (half the bytes of JSON, so half the compression work on every full save, and
//! decoded in ~10 µs). What depends on rules or on the date (rule tags, tier, figures) is
//! not in it; a reader takes rule tags and tier from the list row, written in the same
//! transaction as the document, and computes figures. A view is only current while no
//! change chunk has been appended after the full save; the reader checks that and
//! otherwise loads the document.

use crate::index::Summary;
use crate::tables::*;
use crate::write::chunk_count;
use crate::{decode_heads, Store, StoreError};
use rapport_doc::{ChangeHash, Conflict, CustomerDoc};
use rapport_model::{Customer, CustomerId};
use redb::ReadableTable;

/// Layout version of the view. A change to the fields of `Customer` (postcard has no
/// field names) must bump it; views of other versions are ignored and the document is
/// loaded instead, until `reindex` or the next full save rewrites them.
const VIEW_VERSION: u8 = 3;

/// Serializes the view of a customer: `[version][postcard (customer, conflicts)]`.
pub(crate) fn encode(c: &Customer, conflicts: &[Conflict]) -> Result<Vec<u8>, StoreError> {
    postcard::to_extend(&(c, conflicts), vec![VIEW_VERSION]).map_err(StoreError::from)
}

/// Decodes a view written by this build's layout; `None` for any other.
fn decode(view: &[u8]) -> Option<(Customer, Vec<Conflict>)> {
    match view.split_first() {
        Some((&VIEW_VERSION, body)) => postcard::from_bytes(body).ok(),
        _ => None,
    }
}

/// The view of a row when it is current: the row has no change chunks after its full
/// save, and the save carries a view of this build's layout. `None` otherwise (the reader
/// loads the document).
pub(crate) fn current_view(
    codec: &crate::DocCodec,
    docs: &impl ReadableTable<Row, &'static [u8]>,
    chunks: &impl ReadableTable<(Row, u32), &'static [u8]>,
    row: Row,
) -> Result<Option<(Customer, Vec<Conflict>)>, StoreError> {
    if chunk_count(chunks, row)? > 0 {
        return Ok(None);
    }
    match docs.get(row)? {
        Some(full) => Ok(codec.unpack_view(full.value())?.as_deref().and_then(decode)),
        None => Ok(None),
    }
}

/// A whole document's Automerge bytes and its view. `c` is what the document reads as.
fn document_and_view(doc: &mut CustomerDoc, c: &Customer) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
    let conflicts = doc.conflicts_quick()?;
    Ok((doc.save_plain(), encode(c, &conflicts)?))
}

/// Packs a whole document with its view. `c` is what the document reads as.
pub(crate) fn pack_full(codec: &crate::DocCodec, doc: &mut CustomerDoc, c: &Customer) -> Result<Vec<u8>, StoreError> {
    let (automerge, view) = document_and_view(doc, c)?;
    codec.pack_with_view(&automerge, &view)
}

/// The plain bytes a whole document is packed from, for training the store's dictionary.
pub fn packing_sample(doc: &mut CustomerDoc) -> Result<Vec<u8>, StoreError> {
    let c = doc.read()?;
    let (automerge, view) = document_and_view(doc, &c)?;
    Ok(crate::DocCodec::framed(&automerge, &view))
}

/// A customer as its stored view says, with the rest of what a read shows.
pub struct StoredView {
    /// The record, as the document reads.
    pub customer: Customer,
    /// Its conflicts, as the document shows them.
    pub conflicts: Vec<Conflict>,
    /// Document heads.
    pub heads: Vec<ChangeHash>,
    /// List row (rule tags, tier, number).
    pub summary: Summary,
}

impl Store {
    /// A customer's stored view, or `None` when it has none that is current (changes were
    /// appended since the last full save, or the value predates views): the caller then
    /// loads the document. All parts are read in one transaction, so they agree.
    pub fn stored_view(&self, id: CustomerId) -> Result<Option<StoredView>, StoreError> {
        let txn = self.db().begin_read()?;
        let row = row_of(&txn.open_table(ROWS)?, id)?.ok_or_else(|| StoreError::NotFound(id.to_hex()))?;
        let (docs, chunks) = (txn.open_table(DOCS)?, txn.open_table(CHUNKS)?);
        let Some((customer, conflicts)) = current_view(self.codec(), &docs, &chunks, row)? else { return Ok(None) };
        let summary = match txn.open_table(SUMMARY)?.get(row)? {
            Some(v) => postcard::from_bytes(v.value())?,
            None => return Ok(None),
        };
        let heads = txn.open_table(HEADS)?.get(row)?.map(|v| decode_heads(v.value())).unwrap_or_default();
        Ok(Some(StoredView { customer, conflicts, heads, summary }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A customer with every field set, in JSON (which names fields, so it survives a
    /// change of layout that postcard would not).
    fn everything() -> Customer {
        let json = serde_json::json!({
            "id": "00112233445566778899aabbccddeeff", "number": "MFG-2026-K3Q7MX-007", "schema": 1,
            "kind": "company", "name": "苏州恒瑞精密机械有限公司", "credit_code": "91320500MA1XXXXX0X",
            "industry": "C", "size": "100-499", "revenue_band": "1000万-5000万",
            "address": {"province": "江苏省", "city": "苏州市", "district": "工业园区", "street": "星湖街328号"},
            "source": "trade_show", "stage": "won",
            "deal": {"amount": "128000.50", "date": "2026-02-01", "contract_no": "HT-2026-001"},
            "lost_reason": "价格", "owner": "Li Wei", "entered_by": "Wang Fang",
            "created_at": "2026-01-05T09:00:00",
            "needs": {"pain_points": "交期", "timeline": "Q2", "budget": "50万",
                      "decision_chain": {"purchaser": "王", "evaluator": "李", "approver": "张"}},
            "notes": "重点客户", "priority": true, "archived": false,
            "manual_tags": ["VIP", "展会"], "custom": {"渠道经理": "赵六"},
            "contacts": [{"id": "1684c0e466fd064c", "name": "钟佳海", "position": "采购", "phone": "13812345678",
                          "email": "z@h.cn", "wechat": "zh", "primary": true}],
            "interactions": [{"id": "b87d301f4dd6ea33", "at": "2026-01-22T09:19:00", "channel": "wechat",
                              "summary": "初步沟通", "feedback": "需求扩大", "intent": "high", "author": "Li Wei",
                              "next_action": {"what": "报价", "due": "2026-01-28", "assignee": "Li Wei"}}],
            "service_records": [{"id": "5c2a9e0d11aa22bb", "at": "2026-03-02T10:00:00", "kind": "complaint",
                                 "summary": "交期延误", "result": "已补发", "satisfaction": "4.5"}],
            "orders": [{"id": "9f00aa11bb22cc33", "date": "2026-02-10", "amount": "64000.25",
                        "category": "设备", "product": "CNC-5"}],
            "tasks": [{"id": "0a0b0c0d0e0f1011", "what": "回访", "assignee": "Wang Fang", "due": "2026-03-10",
                       "done": {"at": "2026-03-09T15:00:00", "result": "满意"}}],
            "merged_into": "ffeeddccbbaa99887766554433221100",
            "absorbed": [{"id": "0102030405060708090a0b0c0d0e0f10", "number": "MFG-2026-K3Q7MX-001",
                          "name": "恒瑞精密", "notes": "旧档"}]
        });
        serde_json::from_value(json).expect("reference customer")
    }

    fn fnv(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
    }

    #[test]
    fn a_view_decodes_to_the_customer_it_was_made_from() {
        let c = everything();
        let conflicts =
            vec![Conflict { field: "owner".into(), value: "Li Wei".into(), losing: vec!["Wang Fang".into()] }];
        let bytes = encode(&c, &conflicts).expect("encode");
        assert_eq!(decode(&bytes), Some((c, conflicts)));
        assert_eq!(decode(&[VIEW_VERSION + 1, 0]), None, "another layout is ignored");
        assert_eq!(decode(&bytes[..bytes.len() / 2]), None, "a cut view is ignored");
        assert_eq!(decode(&[]), None);
    }

    #[test]
    fn doctor_finds_a_stale_view_and_reindex_rewrites_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let settings = rapport_doc::SettingsDoc::genesis(&[], &Default::default()).expect("settings");
        let store = Store::init(&dir.path().join("book.redb"), "Li Wei", settings, Vec::new()).expect("init");
        let mut c = everything();
        (c.number, c.merged_into, c.absorbed) = (String::new(), None, Vec::new());
        // The reference customer's code is a placeholder; a stored customer's must be valid.
        c.credit_code = Some("91350100M000100Y43".into());
        let at = c.created_at;
        let c = store.create(c, rapport_doc::ChangeMeta::new("Li Wei", at)).expect("create");
        assert!(store.doctor().expect("doctor").problems.is_empty());

        // A view that says something the document does not.
        let txn = store.db().begin_write().expect("txn");
        {
            let row = row_of(&txn.open_table(ROWS).expect("rows"), c.id).expect("row").expect("stored");
            let mut doc = store.load_doc(c.id).expect("doc");
            let mut stale = c.clone();
            stale.name = "别的名字".into();
            let value = store.codec().pack_with_view(&doc.save_plain(), &encode(&stale, &[]).expect("view"));
            txn.open_table(DOCS).expect("docs").insert(row, value.expect("pack").as_slice()).expect("insert");
        }
        txn.commit().expect("commit");
        let problems = store.doctor().expect("doctor").problems;
        assert_eq!(problems, vec![format!("{}: stored view is stale", c.number)]);

        store.reindex().expect("reindex");
        assert!(store.doctor().expect("doctor").problems.is_empty());
        let view = store.stored_view(c.id).expect("read").expect("a view");
        assert_eq!(view.customer, store.get(c.id).expect("customer"));
    }

    /// Postcard has no field names: a view written before a change to `Customer` (or any
    /// type in it, including the order of enum variants) would be misread after it. This
    /// pins the layout; when it fails, bump `VIEW_VERSION` and update the figures here.
    #[test]
    fn the_view_layout_is_pinned_to_its_version() {
        let bytes = encode(&everything(), &[]).expect("encode");
        assert_eq!(
            (VIEW_VERSION, bytes.len(), fnv(&bytes)),
            (3, 836, 15_232_986_608_946_478_736),
            "the layout of Customer changed"
        );
    }
}
