//! Field checks: credit codes, phones, emails, satisfaction scores, stage transitions.

use crate::{Deal, FieldError, Stage, ValidationError};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

const CREDIT_CHARSET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Checks a unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters
/// from the 31-symbol alphabet (no I, O, Z, S, V), a six-digit region code, and the
/// mod-31 check character. Returns the code upper-cased.
pub fn validate_credit_code(text: &str) -> Result<String, FieldError> {
    let field = "credit_code";
    let code = text.trim().to_ascii_uppercase();
    if code.chars().count() != 18 {
        return Err(FieldError::new(
            field,
            format!("`{text}` has {} characters; a unified social credit code has 18", code.chars().count()),
        ));
    }
    let mut values = [0u32; 18];
    for (i, b) in code.bytes().enumerate() {
        match CREDIT_CHARSET.iter().position(|c| *c == b) {
            Some(v) => values[i] = v as u32,
            None => {
                return Err(FieldError::new(
                    field,
                    format!(
                        "character {} (`{}`) is not allowed; codes use digits and A-Y without I, O, S, V, Z",
                        i + 1,
                        b as char
                    ),
                ))
            }
        }
    }
    if !code.as_bytes()[2..8].iter().all(u8::is_ascii_digit) {
        return Err(FieldError::new(field, "characters 3-8 must be the six-digit region code"));
    }
    let sum: u32 = CREDIT_WEIGHTS.iter().zip(values.iter()).map(|(w, v)| w * v).sum();
    let expected = (31 - sum % 31) % 31;
    if values[17] != expected {
        return Err(FieldError::new(
            field,
            format!(
                "check character is `{}` but should be `{}` (mistyped code?)",
                code.as_bytes()[17] as char,
                CREDIT_CHARSET[expected as usize] as char
            ),
        ));
    }
    Ok(code)
}

/// Computes the check character for the first 17 characters of a credit code; used to
/// make valid codes for sample data and tests.
pub fn credit_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (i, b) in first17.bytes().enumerate() {
        let v = CREDIT_CHARSET.iter().position(|c| *c == b)? as u32;
        sum += CREDIT_WEIGHTS[i] * v;
    }
    Some(CREDIT_CHARSET[((31 - sum % 31) % 31) as usize] as char)
}

/// Validates and canonicalises a phone number.
///
/// * mainland mobile: 11 digits starting with 1 (then 3-9), optionally `+86`: `13812345678`
/// * landline: area code (0 + 2-3 digits) and a 7-8 digit number, optional extension:
///   `021-12345678`, `0755-1234567-801`
/// * international: `+` country code and 6-14 more digits: `+442071234567`
/// * service numbers: `400-800-1234`, `800-123-4567` (10 digits from 400 or 800)
/// * a local landline without area code: 7 or 8 digits not starting with 0 or 1,
///   optional extension: `87654321`, `87654321-123`
///
/// This is the one phone rule: import, the CLI, the API and the document check all call it.
pub fn validate_phone(text: &str) -> Result<String, FieldError> {
    let field = "phone";
    let raw = text.trim();
    let bad = |why: &str| FieldError::new(field, format!("`{raw}` {why}"));
    if raw.is_empty() {
        return Err(bad("is empty"));
    }
    if raw.chars().any(|c| !(c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'))) {
        return Err(bad("may hold only digits, spaces, `+`, `-` and brackets"));
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if raw.starts_with('+') {
        if let Some(national) = digits.strip_prefix("86") {
            if national.len() == 11 && national.starts_with('1') {
                return check_mobile(national).map_err(|w| bad(&w));
            }
            if national.len() >= 9 && national.len() <= 12 {
                return landline(&format!("0{national}"), raw).map_err(|w| bad(&w));
            }
            return Err(bad("is not a valid Chinese number after +86"));
        }
        if digits.len() < 8 || digits.len() > 15 {
            return Err(bad("is not an international number: `+`, country code, 6-14 digits"));
        }
        if digits.starts_with('0') {
            return Err(bad("has a country code starting with 0"));
        }
        return Ok(format!("+{digits}"));
    }
    if digits.starts_with('1') {
        return check_mobile(&digits).map_err(|w| bad(&w));
    }
    if digits.starts_with('0') {
        return landline(&digits, raw).map_err(|w| bad(&w));
    }
    if digits.starts_with("400") || digits.starts_with("800") {
        return service_number(&digits).map_err(|w| bad(&w));
    }
    if let Some(local) = local_number(raw) {
        return Ok(local);
    }
    Err(bad(
        "is not a mainland mobile (11 digits from 1), a landline (0 and area code, or a 7-8 digit local number), a \
         400/800 service number, or `+` and a country code",
    ))
}

/// A 400 or 800 service number: 10 digits, written `400-800-1234`.
fn service_number(d: &str) -> Result<String, String> {
    if d.len() != 10 {
        return Err(format!("has {} digits; a 400 or 800 service number has 10", d.len()));
    }
    Ok(format!("{}-{}-{}", &d[..3], &d[3..6], &d[6..]))
}

/// A local landline without area code (7 or 8 digits, not from 0 or 1), with an optional
/// extension after a separator: `87654321`, `8765-4321`, `87654321-123`, `87654321 转 123`.
fn local_number(raw: &str) -> Option<String> {
    let groups: Vec<&str> = raw.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).collect();
    let all: String = groups.concat();
    let local_ok = |n: &str| (7..=8).contains(&n.len()) && !n.starts_with(['0', '1']);
    if local_ok(&all) {
        return Some(all);
    }
    // The number, then an extension of 1-6 digits in the last group.
    let (ext, number) = groups.split_last()?;
    let number = number.concat();
    (local_ok(&number) && (1..=6).contains(&ext.len())).then(|| format!("{number}-{ext}"))
}

fn check_mobile(d: &str) -> Result<String, String> {
    if d.len() != 11 {
        return Err(format!("has {} digits; a mainland mobile has 11", d.len()));
    }
    if !matches!(d.as_bytes()[1], b'3'..=b'9') {
        return Err("is not a mainland mobile: the second digit must be 3-9".into());
    }
    Ok(d.to_string())
}

fn landline(digits: &str, raw: &str) -> Result<String, String> {
    // Beijing, Shanghai, Tianjin, Chongqing and the 02x cities use 3-digit area codes.
    let area_len = if digits.starts_with("01") || digits.starts_with("02") { 3 } else { 4 };
    // When the user separated the area code, trust that split.
    let groups: Vec<String> =
        raw.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).map(str::to_string).collect();
    let (area, rest) = if groups.len() >= 2 && groups[0].starts_with('0') && (3..=4).contains(&groups[0].len()) {
        (groups[0].clone(), groups[1..].concat())
    } else {
        if digits.len() <= area_len {
            return Err("is too short for a landline with area code".into());
        }
        (digits[..area_len].to_string(), digits[area_len..].to_string())
    };
    let (local, ext) = if rest.len() > 8 && groups.len() >= 3 {
        let ext = groups.last().cloned().unwrap_or_default();
        (rest[..rest.len() - ext.len()].to_string(), Some(ext))
    } else {
        (rest, None)
    };
    if !(7..=8).contains(&local.len()) {
        return Err(format!(
            "has a {}-digit local number; landlines have 7 or 8 digits after the area code",
            local.len()
        ));
    }
    Ok(match ext {
        Some(e) => format!("{area}-{local}-{e}"),
        None => format!("{area}-{local}"),
    })
}

/// Characters that separate tags in a sheet cell (`VIP、展会`), so a tag cannot hold one:
/// it would come back from an export and re-import as two tags.
pub const TAG_SEPARATORS: [char; 6] = [',', '，', ';', '；', '、', '|'];

/// Checks a manual tag's name: not empty, no sheet separator.
pub fn validate_tag(tag: &str) -> Result<(), FieldError> {
    if tag.trim().is_empty() {
        return Err(FieldError::new("tags", "a tag cannot be empty"));
    }
    if let Some(c) = tag.chars().find(|c| TAG_SEPARATORS.contains(c)) {
        return Err(FieldError::new(
            "tags",
            format!("`{}` contains `{c}`, which separates tags in imported and exported sheets", tag.trim()),
        ));
    }
    Ok(())
}

/// Validates an email address (one `@`, a plausible local part, a dotted domain) and
/// returns it with the domain lower-cased.
pub fn validate_email(text: &str) -> Result<String, FieldError> {
    let t = text.trim();
    let bad = |why: &str| FieldError::new("email", format!("`{t}` {why}"));
    let (local, domain) = t.split_once('@').ok_or_else(|| bad("has no `@`"))?;
    if local.is_empty() || local.len() > 64 {
        return Err(bad("has an empty or too long name before `@`"));
    }
    if domain.contains('@') {
        return Err(bad("has more than one `@`"));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(bad("has a misplaced dot before `@`"));
    }
    if !local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c)) {
        return Err(bad("has a character not allowed before `@`"));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-')) {
        return Err(bad("needs a domain such as company.com after `@`"));
    }
    if !domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.') {
        return Err(bad("has a character not allowed in the domain"));
    }
    if labels.last().is_some_and(|tld| tld.len() < 2 || tld.chars().all(|c| c.is_ascii_digit())) {
        return Err(bad("has no valid top-level domain"));
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

/// A satisfaction score from 1 to 5, decimals allowed (stored in hundredths).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Satisfaction(u16);

impl Satisfaction {
    /// From hundredths (100..=500).
    pub fn from_hundredths(h: u16) -> Result<Satisfaction, FieldError> {
        if (100..=500).contains(&h) {
            Ok(Satisfaction(h))
        } else {
            Err(FieldError::new("satisfaction", format!("{} is outside 1-5", f64::from(h) / 100.0)))
        }
    }
    /// Parses `4`, `4.5` or `4.25`.
    pub fn parse(text: &str) -> Result<Satisfaction, FieldError> {
        let t = text.trim();
        let bad =
            || FieldError::new("satisfaction", format!("`{t}` is not a score from 1 to 5 (at most two decimals)"));
        let (i, f) = t.split_once('.').unwrap_or((t, ""));
        if i.is_empty()
            || f.len() > 2
            || !i.bytes().all(|b| b.is_ascii_digit())
            || !f.bytes().all(|b| b.is_ascii_digit())
            || i.len() > 3
        {
            return Err(bad());
        }
        let int: u16 = i.parse().map_err(|_| bad())?;
        let frac: u16 = if f.is_empty() { 0 } else { format!("{f:0<2}").parse().map_err(|_| bad())? };
        // Three digits of score in hundredths need not fit a u16 (999.99).
        match int.checked_mul(100).and_then(|h| h.checked_add(frac)) {
            Some(h) => Satisfaction::from_hundredths(h),
            None => Err(FieldError::new("satisfaction", format!("{t} is outside 1-5"))),
        }
    }
    /// The score in hundredths.
    pub fn hundredths(self) -> u16 {
        self.0
    }
}

impl fmt::Display for Satisfaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (i, r) = (self.0 / 100, self.0 % 100);
        if r == 0 {
            write!(f, "{i}")
        } else if r % 10 == 0 {
            write!(f, "{i}.{}", r / 10)
        } else {
            write!(f, "{i}.{r:02}")
        }
    }
}

impl Serialize for Satisfaction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Satisfaction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Binary formats hold what `serialize` wrote, a string (see `Money`).
        if !d.is_human_readable() {
            let s = String::deserialize(d)?;
            return Satisfaction::parse(&s).map_err(serde::de::Error::custom);
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Int(u64),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Text(s) => s,
            Raw::Int(i) => i.to_string(),
        };
        Satisfaction::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Checks that a customer may move from `from` to `to`, and that a move to won carries
/// the deal (amount, date, contract number) and a move to lost a reason.
pub fn check_stage_change(
    from: Stage,
    to: Stage,
    deal: Option<&Deal>,
    lost_reason: Option<&str>,
) -> Result<(), ValidationError> {
    let mut errs = Vec::new();
    if from != to && !from.allowed_next().contains(&to) {
        let allowed: Vec<&str> = from.allowed_next().iter().map(|s| s.as_str()).collect();
        errs.push(FieldError::new(
            "stage",
            format!("cannot move from {from} to {to}; from {from} a customer can move to {}", allowed.join(", ")),
        ));
    }
    match to {
        Stage::Won => match deal {
            None => errs
                .push(FieldError::new("deal", "a won customer needs the deal amount, deal date and contract number")),
            Some(d) => {
                if d.amount.fen() <= 0 {
                    errs.push(FieldError::new("deal.amount", "must be more than zero"));
                }
                if d.contract_no.trim().is_empty() {
                    errs.push(FieldError::new("deal.contract_no", "is required for a won customer"));
                } else if d.contract_no.trim() == crate::TO_FILL {
                    errs.push(FieldError::new("deal.contract_no", crate::input::PLACEHOLDER_CONTRACT));
                }
            }
        },
        Stage::Lost if lost_reason.is_none_or(|r| r.trim().is_empty()) => {
            errs.push(FieldError::new("lost_reason", "a lost customer needs a reason (e.g. 竞品价格更低, 需求变更)"));
        }
        _ => {}
    }
    ValidationError::check(errs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Money;

    #[test]
    fn tags_cannot_hold_a_sheet_separator() {
        assert!(validate_tag("VIP").is_ok());
        assert!(validate_tag("展会 2026").is_ok());
        for bad in ["a,b", "展会、VIP", "x;y", "甲，乙", "p|q", "m；n"] {
            let e = validate_tag(bad).unwrap_err();
            assert_eq!(e.field, "tags");
            assert!(e.reason.contains("separates tags"), "{bad}: {e}");
        }
        assert!(validate_tag("  ").unwrap_err().reason.contains("empty"));
    }

    #[test]
    fn credit_codes() {
        assert!(validate_credit_code("91350100M000100Y43").is_ok());
        assert!(validate_credit_code("91110000600037341L").is_ok());
        let e = validate_credit_code("91350100M000100Y44").unwrap_err();
        assert!(e.reason.contains("should be `3`"), "{e}");
        assert!(validate_credit_code("9135010").unwrap_err().reason.contains("18"));
        assert!(validate_credit_code("91350100M000100YI3").unwrap_err().reason.contains("not allowed"));
        assert!(validate_credit_code("91AB0100M000100Y43").unwrap_err().reason.contains("region"));
        assert_eq!(credit_check_char("91350100M000100Y4"), Some('3'));
    }

    #[test]
    fn phones() {
        assert_eq!(validate_phone("138 1234 5678").as_deref(), Ok("13812345678"));
        assert_eq!(validate_phone("+86 13812345678").as_deref(), Ok("13812345678"));
        assert_eq!(validate_phone("021-12345678").as_deref(), Ok("021-12345678"));
        assert_eq!(validate_phone("(0755)1234567").as_deref(), Ok("0755-1234567"));
        assert_eq!(validate_phone("010-12345678-801").as_deref(), Ok("010-12345678-801"));
        assert_eq!(validate_phone("+44 20 7123 4567").as_deref(), Ok("+442071234567"));
        for bad in
            ["", "1381234567", "12812345678", "abc", "021-123", "+1 23", "555123", "400-800-123", "8001234", "01234567"]
        {
            assert_eq!(validate_phone(bad).unwrap_err().field, "phone", "{bad}");
        }
    }

    #[test]
    fn landlines_and_service_numbers() {
        for (text, canonical) in [
            ("400-800-1234", "400-800-1234"),
            ("4008001234", "400-800-1234"),
            ("400 800 1234", "400-800-1234"),
            ("800-123-4567", "800-123-4567"),
            ("8001234567", "800-123-4567"),
            ("87654321", "87654321"),
            ("8765-4321", "87654321"),
            ("8765432", "8765432"),
            ("87654321-123", "87654321-123"),
            ("010-12345678", "010-12345678"),
            ("01012345678", "010-12345678"),
            ("0571-8888888", "0571-8888888"),
            ("010-12345678-123", "010-12345678-123"),
            ("(0571)88888888", "0571-88888888"),
        ] {
            assert_eq!(validate_phone(text).as_deref(), Ok(canonical), "{text}");
            // Canonical forms are fixed points: a stored number validates to itself.
            assert_eq!(validate_phone(canonical).as_deref(), Ok(canonical), "{canonical}");
        }
        let e = validate_phone("400-800-12").unwrap_err();
        assert!(e.reason.contains("400 or 800"), "{e}");
    }

    #[test]
    fn emails() {
        assert_eq!(validate_email("Li.Wei@Company.COM").as_deref(), Ok("Li.Wei@company.com"));
        for bad in ["", "a", "a@b", "a@@b.com", "@b.com", "a@b.c", "a b@c.com", "a@-b.com", "a..b@c.com"] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn satisfaction() {
        assert_eq!(Satisfaction::parse("4.5").map(|s| s.hundredths()), Ok(450));
        assert_eq!(Satisfaction::parse("5").map(|s| s.to_string()), Ok("5".into()));
        assert_eq!(Satisfaction::parse("3.25").map(|s| s.to_string()), Ok("3.25".into()));
        for bad in ["0", "5.01", "6", "x", "4.555", "-1", "", "925", "999.99", "656"] {
            assert!(Satisfaction::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stage_rules() {
        let deal = Deal {
            amount: Money::yuan(1000),
            date: crate::parse_date("d", "2024-01-01").unwrap_or_default(),
            contract_no: "HT-1".into(),
        };
        assert!(check_stage_change(Stage::Intent, Stage::Won, Some(&deal), None).is_ok());
        let e = check_stage_change(Stage::Intent, Stage::Won, None, None).unwrap_err();
        assert_eq!(e.fields[0].field, "deal");
        let e = check_stage_change(Stage::Intent, Stage::Lost, None, Some(" ")).unwrap_err();
        assert_eq!(e.fields[0].field, "lost_reason");
        let e = check_stage_change(Stage::Won, Stage::Potential, None, None).unwrap_err();
        assert_eq!(e.fields[0].field, "stage");
    }
}
