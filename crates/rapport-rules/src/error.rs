//! Errors of this crate: undecodable facts, bad settings values, and rules that do not
//! compile. Parse errors of the rule language live in [`crate::ParseError`] and carry a
//! position; here they are wrapped with the name of the rule they came from.

use crate::ParseError;

/// Everything that can go wrong outside the parser itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// Stored facts are not in the layout this version writes.
    #[error("customer facts could not be decoded: {0}")]
    Decode(String),
    /// A settings value is not a decimal number.
    #[error("`{text}` is not a decimal number: {why}")]
    BadDecimal {
        /// The text given.
        text: String,
        /// What is wrong with it.
        why: String,
    },
    /// A rule's condition does not parse.
    #[error("rule `{rule}`: {error}")]
    Rule {
        /// Name of the rule.
        rule: String,
        /// Where and why its condition failed.
        error: Box<ParseError>,
    },
    /// A rule has an empty name or tag.
    #[error("rule `{rule}`: {why}")]
    BadRule {
        /// Name of the rule (may be empty).
        rule: String,
        /// What is wrong with it.
        why: String,
    },
    /// Two rules share a name; names are the stable keys of rules.
    #[error("two rules are named `{0}`; rule names must be unique")]
    DuplicateRule(String),
    /// Tier settings are inconsistent.
    #[error("tier settings: {0}")]
    Settings(String),
}
