//! The customer domain of Rapport, free of any storage or network concern.
//!
//! Everything a customer book holds (see `shared/domain.md` sections 1-2) is a plain Rust
//! value here, together with the rules that decide whether a value is acceptable:
//! credit-code check digits, phone and email formats, stage transitions, satisfaction
//! scores. Money is integer fen, never a float. Other crates turn these values into
//! Automerge documents, redb rows, rules and HTTP responses.

mod customer;
mod error;
mod id;
mod input;
mod mask;
mod money;
mod normalize;
mod number;
mod stored;
mod validate;
mod vocab;

pub use customer::{
    Absorbed, Address, Contact, Customer, Deal, DecisionChain, Interaction, Needs, NextAction, Order, ServiceRecord,
    Task, TaskDone, MAX_OTHER_PHONES, SCHEMA_VERSION, TO_FILL, TO_FILL_DEAL, TO_FILL_FIELDS,
};
pub use error::{FieldError, ValidationError};
pub use id::{CustomerId, ItemId};
pub use input::{
    serde_json_number, AddressPatch, ContactPatch, CustomerPatch, NeedsPatch, NewContact, NewCustomer, NewInteraction,
    NewOrder, NewServiceRecord, NewTask, TaskCompletion,
};
pub use mask::{mask_email, mask_phone, Masking};
pub use money::Money;
pub use normalize::{is_invisible, member_key, normalize_name, normalize_text};
pub use number::{device_code, CustomerNumber};
pub use stored::MAX_NAME_CHARS;
pub use validate::{
    check_stage_change, credit_check_char, validate_credit_code, validate_email, validate_phone, validate_tag,
    Satisfaction, TAG_SEPARATORS,
};
pub use vocab::{industry, source_zh, Channel, Industry, IntentLevel, Kind, ServiceKind, Stage, INDUSTRIES, SOURCES};

/// A calendar date, as the team sees it (no time zone: a follow-up "on 2024-03-01" is that
/// day wherever the laptop is).
pub type Date = chrono::NaiveDate;
/// A wall-clock time of the member who recorded it, minute precision in practice.
pub type DateTime = chrono::NaiveDateTime;

/// Parses a `YYYY-MM-DD` date, naming `field` in the error.
pub fn parse_date(field: &str, text: &str) -> Result<Date, FieldError> {
    // Exactly RFC 3339's full-date, the `format: date` of the API's document: chrono alone
    // would also take `2026-3-2`, `+2026-03-02` and surrounding spaces.
    let t = text.as_bytes();
    let shaped = t.len() == 10
        && t.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() });
    shaped
        .then(|| Date::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| FieldError::new(field, format!("`{text}` is not a date in the form YYYY-MM-DD")))
}

/// Parses `YYYY-MM-DD HH:MM`, `YYYY-MM-DDTHH:MM[:SS]` or a bare date (midnight).
pub fn parse_datetime(field: &str, text: &str) -> Result<DateTime, FieldError> {
    let t = text.trim();
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(dt) = DateTime::parse_from_str(t, fmt) {
            return Ok(dt);
        }
    }
    if let Ok(d) = Date::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN));
    }
    Err(FieldError::new(field, format!("`{text}` is not a time in the form YYYY-MM-DD HH:MM")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_exactly_yyyy_mm_dd() {
        assert_eq!(parse_date("d", "2026-03-02").map(|d| d.to_string()), Ok("2026-03-02".to_string()));
        for bad in ["2026-3-2", "2026-03-2", "+2026-03-02", " 2026-03-02", "2026-03-02 ", "2026-02-30", "20260302", ""]
        {
            let field = parse_date("due", bad).err().map(|e| e.field);
            assert_eq!(field.as_deref(), Some("due"), "{bad:?} was taken");
        }
    }
}
