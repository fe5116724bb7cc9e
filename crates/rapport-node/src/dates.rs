//! The one reading of a date a person types as an option (`--from`, `--created-since`,
//! `--deal-date`, `--due`, ...): the forms Chinese spreadsheets and people write, year first.

use rapport_model::{Date, FieldError};

/// The longest date text looked at (`2026年12月31日` is 17 bytes).
const MAX_DATE_BYTES: usize = 32;

/// Reads `2026-01-01`, `2026-1-1`, `2026/1/1`, `2026.1.1` or `2026年1月1日` (full-width digits
/// too), naming `field` in the error. Year first, four digits; anything else is refused
/// rather than guessed.
pub fn parse_day(field: &str, text: &str) -> Result<Date, FieldError> {
    let bad = || {
        let shown: String = text.trim().chars().take(MAX_DATE_BYTES).collect();
        FieldError::new(
            field,
            format!(
                "`{shown}` is not a date; write it as YYYY-MM-DD, e.g. 2026-01-31 (also 2026-1-31, 2026/1/31, \
                 2026.1.31 or 2026年1月31日)"
            ),
        )
    };
    let t = text.trim();
    if t.is_empty() || t.len() > MAX_DATE_BYTES {
        return Err(bad());
    }
    let folded: String = t
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '－' => '-',
            '／' => '/',
            '．' => '.',
            _ => c,
        })
        .collect();
    let (body, sep) = if let Some(b) = folded.strip_suffix('日').or_else(|| folded.strip_suffix('号')) {
        (b.replacen('年', "-", 1).replacen('月', "-", 1), '-')
    } else {
        let sep = folded.chars().find(|c| matches!(c, '-' | '/' | '.')).ok_or_else(bad)?;
        (folded.clone(), sep)
    };
    let parts: Vec<&str> = body.split(sep).collect();
    let [y, m, d] = parts.as_slice() else { return Err(bad()) };
    let digits = |s: &str, lens: std::ops::RangeInclusive<usize>| {
        (lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u32>().ok()).flatten()
    };
    match (digits(y, 4..=4), digits(m, 1..=2), digits(d, 1..=2)) {
        (Some(y), Some(m), Some(d)) => Date::from_ymd_opt(y as i32, m, d).ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// [`parse_day`] as `YYYY-MM-DD`, for inputs that carry the date as text.
pub fn canonical_day(field: &str, text: &str) -> Result<String, FieldError> {
    parse_day(field, text).map(|d| d.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_form_of_a_day_reads_the_same() {
        let want = Date::from_ymd_opt(2026, 1, 1);
        for s in [
            "2026-01-01",
            "2026-1-1",
            "2026/1/1",
            "2026.1.1",
            "2026年1月1日",
            "2026年01月01日",
            " 2026/01/1 ",
            "２０２６－１－１",
        ] {
            assert_eq!(parse_day("from", s).ok(), want, "{s}");
        }
        for s in [
            "",
            "2026",
            "2026-13-01",
            "2026-02-30",
            "26-1-1",
            "1/1/2026",
            "2026-1-1-1",
            "2026/1-1",
            "45352",
            "2026年1月1",
            "+2026-01-01",
        ] {
            let e = parse_day("from", s).expect_err(s);
            assert_eq!(e.field, "from");
        }
        assert_eq!(canonical_day("due", "2026/3/9").ok().as_deref(), Some("2026-03-09"));
    }
}
