//! Key names of the customer document. Changing one breaks every stored document, so they
//! live here once, and `docs/architecture.md` lists them.

pub const SCHEMA: &str = "schema";
pub const ID: &str = "id";
pub const NUMBER: &str = "number";
pub const KIND: &str = "kind";
pub const NAME: &str = "name";
pub const CREDIT_CODE: &str = "credit_code";
pub const INDUSTRY: &str = "industry";
pub const SIZE: &str = "size";
pub const REVENUE_BAND: &str = "revenue_band";
pub const ADDRESS: &str = "address";
pub const SOURCE: &str = "source";
pub const STAGE: &str = "stage";
pub const DEAL: &str = "deal";
pub const LOST_REASON: &str = "lost_reason";
pub const OWNER: &str = "owner";
pub const ENTERED_BY: &str = "entered_by";
pub const CREATED_AT: &str = "created_at";
pub const NEEDS: &str = "needs";
pub const NOTES: &str = "notes";
pub const PRIORITY: &str = "priority";
pub const ARCHIVED: &str = "archived";
pub const TAGS: &str = "tags";
pub const CUSTOM: &str = "custom";
pub const CONTACTS: &str = "contacts";
pub const INTERACTIONS: &str = "interactions";
pub const SERVICE: &str = "service";
pub const ORDERS: &str = "orders";
pub const TASKS: &str = "tasks";
pub const MERGED_INTO: &str = "merged_into";
pub const ABSORBED: &str = "absorbed";
/// Map of field name → `true` for the key fields still to fill (absent: none).
pub const TO_FILL: &str = "to_fill";

pub const ADDRESS_FIELDS: [&str; 4] = ["province", "city", "district", "street"];
pub const NEEDS_FIELDS: [&str; 6] = ["pain_points", "timeline", "budget", "purchaser", "evaluator", "approver"];

/// Date-time format inside documents: sortable and time-zone free.
pub const DATETIME_FMT: &str = "%Y-%m-%dT%H:%M:%S";
/// Date format inside documents.
pub const DATE_FMT: &str = "%Y-%m-%d";
