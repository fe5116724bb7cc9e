//! The rule language: text conditions over a customer's record fields and derived figures.
//!
//! `parse` turns text into a typed [`Expr`]; [`eval`] and [`explain`] decide it for one
//! customer. See `docs/rules.md` for the language itself.

pub(crate) mod ast;
pub(crate) mod eval;
pub(crate) mod lexer;
pub(crate) mod parser;

use serde::{Deserialize, Serialize};
use std::fmt;

/// The most `(` and `not` a condition may open inside one another (`not (a or (b))` is 2
/// deep). Parsing, evaluating and printing a condition recurse once per level, so this bound
/// keeps a rule's stack use small (a few kilobytes per level) on any thread; deeper is
/// refused at the opener that goes past it. Real rules rarely nest more than three levels.
pub const MAX_NESTING: usize = 32;

/// The longest condition, in characters (Chinese characters count one each). Bounds the work
/// of parsing and evaluating a rule (about 500 comparisons at most); longer is refused at the
/// first character past it.
pub const MAX_CONDITION_CHARS: usize = 4_000;

/// Why a condition does not parse, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParseError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
    /// What the parser expected there.
    pub expected: String,
    /// What it found: a token in backquotes, or `end of rule`.
    pub found: String,
    /// Extra explanation, e.g. `unknown field`.
    pub hint: Option<String>,
    /// Close matches for a misspelt name (`did you mean ...?`).
    pub suggestions: Vec<String>,
    /// Set for an unknown field name; the message then lists every known field (see
    /// [`ParseError::known_fields`]).
    pub unknown_field: bool,
}

impl ParseError {
    pub(crate) fn new(line: u32, column: u32, expected: impl Into<String>, found: impl Into<String>) -> Self {
        ParseError {
            line,
            column,
            expected: expected.into(),
            found: found.into(),
            hint: None,
            suggestions: Vec::new(),
            unknown_field: false,
        }
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Every field name the language knows, for an unknown-field error; empty otherwise.
    pub fn known_fields(&self) -> Vec<&'static str> {
        if !self.unknown_field {
            return Vec::new();
        }
        ast::FIELDS.iter().map(|f| f.name).chain(["custom.<name>"]).collect()
    }

    pub(crate) fn suggest(mut self, word: &str, candidates: &[&str]) -> Self {
        self.suggestions = did_you_mean(word, candidates);
        self
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: expected {}, found {}", self.line, self.column, self.expected, self.found)?;
        if let Some(h) = &self.hint {
            write!(f, " ({h})")?;
        }
        if !self.suggestions.is_empty() {
            let s: Vec<String> = self.suggestions.iter().map(|s| format!("`{s}`")).collect();
            write!(f, "; did you mean {}?", s.join(" or "))?;
        }
        if self.unknown_field {
            write!(f, "; known fields: {}", self.known_fields().join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

/// Levenshtein distance over characters, ASCII case ignored.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Up to three candidates close to `word`: those at the smallest edit distance, if it is
/// within a third of the word's length (at least 2), and those containing the word;
/// closest first, then by name.
pub(crate) fn did_you_mean(word: &str, candidates: &[&str]) -> Vec<String> {
    let len = word.chars().count();
    let limit = (len / 3).max(2);
    let lower = word.to_ascii_lowercase();
    let mut scored: Vec<(usize, bool, &str)> = candidates
        .iter()
        .filter_map(|c| {
            let d = edit_distance(word, c);
            let contains = len >= 4 && c.to_ascii_lowercase().contains(&lower);
            (d <= limit || contains).then_some((d, contains, *c))
        })
        .collect();
    // Only the closest names, plus any that contain the word.
    let best = scored.iter().map(|s| s.0).min().unwrap_or(0);
    scored.retain(|s| s.0 == best || s.1);
    let mut scored: Vec<(usize, &str)> = scored.into_iter().map(|(d, _, c)| (d, c)).collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c.to_string()).collect()
}
