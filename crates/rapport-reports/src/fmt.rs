//! Exact shares, averages and their display: basis points and tenths from integer fractions.
//!
//! Reports never divide floats: a share is `part / total` rounded half up to a basis point,
//! an average `sum / count` rounded half away from zero to a tenth, both in integer
//! arithmetic, so the same book gives the same digits on every machine.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Share of `part` in `total` in basis points (1 bp = 0.01%), rounded half up; `None` when
/// `total` is zero or negative (no meaningful share), 0 for a negative part.
pub(crate) fn share_bp(part: i128, total: i128) -> Option<u32> {
    if total <= 0 {
        return None;
    }
    if part <= 0 {
        return Some(0);
    }
    Some(u32::try_from((part * 10_000 + total / 2) / total).unwrap_or(u32::MAX))
}

/// A share in basis points as a percentage with two decimals (`1234` → `12.34%`); `—` for
/// `None` (the denominator was zero).
pub fn percent(bp: Option<u32>) -> String {
    match bp {
        Some(bp) => format!("{}.{:02}%", bp / 100, bp % 100),
        None => "—".to_string(),
    }
}

/// A number of tenths, e.g. an average of follow-ups: `Tenths(43)` is 4.3. Serialised as the
/// decimal string `"4.3"` so no JSON reader turns it into a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tenths(pub i64);

impl Tenths {
    /// `num / den` rounded half away from zero to a tenth; `None` when `den` is zero.
    pub fn ratio(num: i128, den: i128) -> Option<Tenths> {
        if den == 0 {
            return None;
        }
        let (n, d) = if den < 0 { (-num, -den) } else { (num, den) };
        let scaled = n * 10;
        let q = if scaled >= 0 { (2 * scaled + d) / (2 * d) } else { -((-2 * scaled + d) / (2 * d)) };
        Some(Tenths(i64::try_from(q).unwrap_or(if q < 0 { i64::MIN } else { i64::MAX })))
    }

    /// The median of `values`, which must be sorted: the middle value, or the mean of the two
    /// middle values for an even count; `None` when empty.
    pub fn median(sorted: &[i64]) -> Option<Tenths> {
        let n = sorted.len();
        if n == 0 {
            return None;
        }
        if n % 2 == 1 {
            Tenths::ratio(i128::from(sorted[n / 2]), 1)
        } else {
            Tenths::ratio(i128::from(sorted[n / 2 - 1]) + i128::from(sorted[n / 2]), 2)
        }
    }
}

impl std::fmt::Display for Tenths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{}", a / 10, a % 10)
    }
}

impl Serialize for Tenths {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Tenths {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Tenths, D::Error> {
        let text = String::deserialize(d)?;
        let bad = || serde::de::Error::custom(format!("`{text}` is not a number with one decimal"));
        let (neg, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let (whole, tenth) = body.split_once('.').ok_or_else(bad)?;
        if tenth.len() != 1 {
            return Err(bad());
        }
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let tenth: i64 = tenth.parse().map_err(|_| bad())?;
        let v = whole.checked_mul(10).and_then(|w| w.checked_add(tenth)).ok_or_else(bad)?;
        Ok(Tenths(if neg { -v } else { v }))
    }
}

/// `Some(t)` as text, `—` for `None`.
pub(crate) fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "—".to_string(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_half_up_and_never_divide_by_zero() {
        assert_eq!(share_bp(1, 3), Some(3333));
        assert_eq!(share_bp(2, 3), Some(6667));
        assert_eq!(share_bp(1, 8), Some(1250));
        // 1/20000 = 0.5 bp rounds up to 1.
        assert_eq!(share_bp(1, 20_000), Some(1));
        assert_eq!(share_bp(5, 0), None);
        assert_eq!(share_bp(-5, 10), Some(0));
        assert_eq!(percent(Some(1234)), "12.34%");
        assert_eq!(percent(Some(5)), "0.05%");
        assert_eq!(percent(None), "—");
    }

    #[test]
    fn tenths_round_half_away_from_zero() {
        assert_eq!(Tenths::ratio(13, 3), Some(Tenths(43)));
        assert_eq!(Tenths::ratio(1, 4), Some(Tenths(3))); // 0.25 -> 0.3
        assert_eq!(Tenths::ratio(-1, 4), Some(Tenths(-3)));
        assert_eq!(Tenths::ratio(1, 0), None);
        assert_eq!(Tenths(43).to_string(), "4.3");
        assert_eq!(Tenths(-3).to_string(), "-0.3");
        assert_eq!(Tenths::median(&[1, 2, 9]), Some(Tenths(20)));
        assert_eq!(Tenths::median(&[1, 2, 4, 9]), Some(Tenths(30)));
        assert_eq!(Tenths::median(&[1, 2]), Some(Tenths(15)));
        assert_eq!(Tenths::median(&[]), None);
        assert_eq!(serde_json::to_string(&Tenths(15)).unwrap(), "\"1.5\"");
    }
}
