//! Exact money in fen (1/100 yuan). Never a float: sums of thousands of orders must match
//! the accountant's figures to the fen.

use crate::FieldError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An amount of yuan stored as integer fen.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
pub struct Money(pub i64);

impl Money {
    /// Zero yuan.
    pub const ZERO: Money = Money(0);

    /// From whole yuan.
    pub const fn yuan(y: i64) -> Money {
        Money(y * 100)
    }

    /// The amount in fen.
    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Parses `1234`, `1234.5`, `1,234.56`, `¥1234`, `1234元` and `12.5万` (ten-thousands)
    /// exactly. More than two decimals of yuan, or anything else, is refused.
    pub fn parse(field: &str, text: &str) -> Result<Money, FieldError> {
        let bad = |why: &str| FieldError::new(field, format!("`{text}` is not an amount: {why}"));
        let mut t: String = text.trim().chars().filter(|c| !matches!(c, ',' | '，' | ' ' | '_')).collect();
        for prefix in ["¥", "￥", "CNY", "RMB"] {
            if let Some(rest) = t.strip_prefix(prefix) {
                t = rest.to_string();
            }
        }
        if let Some(rest) = t.strip_suffix('元') {
            t = rest.to_string();
        }
        let mut scale_wan = false;
        if let Some(rest) = t.strip_suffix('万') {
            t = rest.to_string();
            scale_wan = true;
        }
        let negative = t.starts_with('-');
        let digits = t.trim_start_matches(['-', '+']);
        if digits.is_empty() {
            return Err(bad("no digits"));
        }
        let (int_part, frac_part) = match digits.split_once('.') {
            Some((i, f)) => (i, f),
            None => (digits, ""),
        };
        if !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
            || (int_part.is_empty() && frac_part.is_empty())
        {
            return Err(bad("use digits with an optional decimal point"));
        }
        // Work in 1/1,000,000 yuan so 万 amounts with up to 6 decimals stay exact.
        let max_frac = if scale_wan { 6 } else { 2 };
        if frac_part.len() > max_frac {
            return Err(bad("more than two decimals (fen is the smallest unit)"));
        }
        let int: i128 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| bad("too large"))? };
        let mut frac: i128 = 0;
        for (i, b) in frac_part.bytes().enumerate() {
            frac += i128::from(b - b'0') * 10i128.pow(5 - i as u32);
        }
        // Checked: 39 digits parse as an i128 and overflow it once scaled.
        let micro_yuan = int
            .checked_mul(1_000_000)
            .and_then(|m| m.checked_add(frac))
            .and_then(|m| if scale_wan { m.checked_mul(10_000) } else { Some(m) })
            .ok_or_else(|| bad("too large"))?;
        if micro_yuan % 10_000 != 0 {
            return Err(bad("finer than one fen"));
        }
        let fen = micro_yuan / 10_000;
        let fen = i64::try_from(fen).map_err(|_| bad("too large"))?;
        Ok(Money(if negative { -fen } else { fen }))
    }

    /// Yuan as a decimal string with two places, no separators: `1234.50`.
    pub fn to_decimal(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", a / 100, a % 100)
    }
}

impl fmt::Display for Money {
    /// Human form with thousands separators: `¥1,234.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0.unsigned_abs();
        let int = (a / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}¥{grouped}.{:02}", a % 100)
    }
}

impl Serialize for Money {
    /// Serialized as a decimal string (`"1234.50"`) so no JSON reader turns it into a float.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_decimal())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Binary formats (the store's postcard) cannot guess a type: they hold what
        // `serialize` wrote, a string.
        if !d.is_human_readable() {
            let s = String::deserialize(d)?;
            return Money::parse("amount", &s).map_err(serde::de::Error::custom);
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Int(i64),
        }
        match Raw::deserialize(d)? {
            Raw::Text(s) => Money::parse("amount", &s).map_err(serde::de::Error::custom),
            Raw::Int(y) => y.checked_mul(100).map(Money).ok_or_else(|| serde::de::Error::custom("amount: too large")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms_exactly() {
        let p = |s| Money::parse("amount", s);
        assert_eq!(p("1234"), Ok(Money(123_400)));
        assert_eq!(p("1,234.56"), Ok(Money(123_456)));
        assert_eq!(p("¥1234.5"), Ok(Money(123_450)));
        assert_eq!(p("1234元"), Ok(Money(123_400)));
        assert_eq!(p("12.5万"), Ok(Money(12_500_000)));
        assert_eq!(p("0.01"), Ok(Money(1)));
        assert_eq!(p("-5"), Ok(Money(-500)));
        assert_eq!(p(".5"), Ok(Money(50)));
        for bad in [
            "",
            "abc",
            "1.234",
            "1.2.3",
            "12e3",
            "万",
            "0.0000001万",
            "99999999999999999999",
            "170141183460469231731687303715884105727",
            "17014118346046923173168730371588410万",
        ] {
            let e = p(bad).unwrap_err();
            assert_eq!(e.field, "amount", "{bad}");
        }
    }

    #[test]
    fn displays() {
        assert_eq!(Money(123_456_789).to_string(), "¥1,234,567.89");
        assert_eq!(Money(5).to_decimal(), "0.05");
        assert_eq!(Money(-150).to_decimal(), "-1.50");
    }
}
