//! Validation errors that always say which field failed and why.

use serde::Serialize;
use std::fmt;

/// One field that failed validation, with a reason a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    /// Dotted path of the field, e.g. `contacts.phone` or `deal.amount`.
    pub field: String,
    /// Why the value was refused.
    pub reason: String,
}

impl FieldError {
    /// Builds an error for `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError { field: field.into(), reason: reason.into() }
    }
}

/// Every field that failed in one request; never empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationError {
    /// The failing fields, in the order they were checked.
    pub fields: Vec<FieldError>,
}

impl ValidationError {
    /// Collects errors; `Ok(())` when there are none.
    pub fn check(fields: Vec<FieldError>) -> Result<(), ValidationError> {
        if fields.is_empty() {
            Ok(())
        } else {
            Err(ValidationError { fields })
        }
    }
}

impl From<FieldError> for ValidationError {
    fn from(e: FieldError) -> Self {
        ValidationError { fields: vec![e] }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.fields.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}
