//! The redb tables of a store. Customer ids are stored as big-endian `u128` keys.

use redb::{MultimapTableDefinition, TableDefinition, WriteTransaction};

/// Store metadata: identity, format version, number sequence.
pub const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// Full saved document per customer.
pub const DOCS: TableDefinition<u128, &[u8]> = TableDefinition::new("docs");
/// Incremental change chunks appended after the full save: (customer, chunk number).
pub const CHUNKS: TableDefinition<(u128, u32), &[u8]> = TableDefinition::new("doc_chunks");
/// List row per customer (postcard-encoded `Summary`).
pub const SUMMARY: TableDefinition<u128, &[u8]> = TableDefinition::new("summary");
/// Search text per customer.
pub const SEARCH: TableDefinition<u128, &str> = TableDefinition::new("search");
/// Rule inputs per customer (opaque bytes from the deriver).
pub const FACTS: TableDefinition<u128, &[u8]> = TableDefinition::new("facts");
/// Customer number (and merged-away aliases) to customer.
pub const NUMBERS: TableDefinition<&str, u128> = TableDefinition::new("numbers");
/// All secondary indexes: kind byte + value -> customers.
pub const INDEX: MultimapTableDefinition<&[u8], u128> = MultimapTableDefinition::new("index");
/// The settings document.
pub const SETTINGS: TableDefinition<&str, &[u8]> = TableDefinition::new("settings");
/// Change feed: sequence -> (customer id, heads) of every customer write.
pub const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");

pub const META_IDENTITY: &str = "identity";
pub const META_FORMAT: &str = "format";
pub const META_SEQ: &str = "number_seq";
pub const SETTINGS_KEY: &str = "team";
pub const FORMAT_VERSION: u32 = 1;

/// Creates every table so read transactions never meet a missing one.
pub fn create_tables(txn: &WriteTransaction) -> Result<(), redb::TableError> {
    txn.open_table(META)?;
    txn.open_table(DOCS)?;
    txn.open_table(CHUNKS)?;
    txn.open_table(SUMMARY)?;
    txn.open_table(SEARCH)?;
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
