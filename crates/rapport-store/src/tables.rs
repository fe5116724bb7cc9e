//! The redb tables of a store. Customer ids are stored as big-endian `u128` keys.

use redb::{MultimapTableDefinition, TableDefinition, WriteTransaction};

/// Store metadata: identity, format version, number sequence.
pub const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// Customer id -> local row number. Customers are stored under row numbers allocated in
/// increasing order, so bulk loads append to the B-trees and pages fill up (random 128-bit
/// keys left redb's 4 KiB leaves about half empty: 1.1 KB of waste per document).
pub const ROWS: TableDefinition<u128, u64> = TableDefinition::new("rows");
/// Row -> customer id.
pub const IDS: TableDefinition<u64, u128> = TableDefinition::new("ids");
/// Full saved document per row (packed by `DocCodec`).
pub const DOCS: TableDefinition<u64, &[u8]> = TableDefinition::new("docs");
/// Incremental change chunks appended after the full save: (row, chunk number).
pub const CHUNKS: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("doc_chunks");
/// List row per customer (postcard-encoded `Summary`).
pub const SUMMARY: TableDefinition<u64, &[u8]> = TableDefinition::new("summary");
/// Current document heads per customer (32-byte hashes), so sync and ETags compare
/// versions without loading documents.
pub const HEADS: TableDefinition<u64, &[u8]> = TableDefinition::new("heads");
/// Search text per customer.
pub const SEARCH: TableDefinition<u64, &str> = TableDefinition::new("search");
/// Rule inputs per customer (opaque bytes from the deriver).
pub const FACTS: TableDefinition<u64, &[u8]> = TableDefinition::new("facts");
/// Customer number (and merged-away aliases) to row.
pub const NUMBERS: TableDefinition<&str, u64> = TableDefinition::new("numbers");
/// All secondary indexes: kind byte + value -> rows.
pub const INDEX: MultimapTableDefinition<&[u8], u64> = MultimapTableDefinition::new("index");
/// The settings document.
pub const SETTINGS: TableDefinition<&str, &[u8]> = TableDefinition::new("settings");
/// Change feed: sequence -> id of the customer written.
pub const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");

pub const META_IDENTITY: &str = "identity";
pub const META_FORMAT: &str = "format";
pub const META_SEQ: &str = "number_seq";
pub const META_DICT: &str = "doc_dictionary";
pub const META_NEXT_ROW: &str = "next_row";
pub const META_DERIVED: &str = "derived_state";
/// Written to prove the disk takes writes again after it failed.
pub const META_PROBE: &str = "disk_probe";
pub const SETTINGS_KEY: &str = "team";
pub const FORMAT_VERSION: u32 = 1;

/// Creates every table so read transactions never meet a missing one.
pub fn create_tables(txn: &WriteTransaction) -> Result<(), redb::TableError> {
    txn.open_table(META)?;
    txn.open_table(ROWS)?;
    txn.open_table(IDS)?;
    txn.open_table(DOCS)?;
    txn.open_table(CHUNKS)?;
    txn.open_table(SUMMARY)?;
    txn.open_table(SEARCH)?;
    txn.open_table(HEADS)?;
    txn.open_table(FACTS)?;
    txn.open_table(NUMBERS)?;
    txn.open_multimap_table(INDEX)?;
    txn.open_table(SETTINGS)?;
    txn.open_table(EVENTS)?;
    Ok(())
}

/// Table key of a customer id.
pub fn key(id: rapport_model::CustomerId) -> u128 {
    u128::from_be_bytes(id.0)
}

/// Customer id of a table key.
pub fn id_of(k: u128) -> rapport_model::CustomerId {
    rapport_model::CustomerId(k.to_be_bytes())
}

/// A customer's local row number.
pub type Row = u64;

/// The row of a customer, if stored.
pub fn row_of(
    rows: &impl redb::ReadableTable<u128, u64>,
    id: rapport_model::CustomerId,
) -> Result<Option<Row>, redb::StorageError> {
    Ok(rows.get(key(id))?.map(|v| v.value()))
}

/// The customer id of a row.
pub fn id_at(
    ids: &impl redb::ReadableTable<u64, u128>,
    row: Row,
) -> Result<Option<rapport_model::CustomerId>, redb::StorageError> {
    Ok(ids.get(row)?.map(|v| id_of(v.value())))
}
