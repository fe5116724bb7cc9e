//! Exact numbers for rules and settings: [`Ratio`], an exact fraction used for every
//! comparison the rules make, and [`Decimal`], a four-place decimal used for thresholds and
//! coefficients in team settings.
//!
//! Nothing here uses floating point: a repurchase rate of exactly 60% compares equal to
//! `60`, never to `59.99999`.

use crate::RulesError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

/// An exact fraction `num / den` with `den > 0`; comparisons cross-multiply.
#[derive(Clone, Copy, Debug)]
pub struct Ratio {
    num: i128,
    den: i128,
}

impl Ratio {
    /// Zero.
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };

    /// `num / den`; `None` when `den` is zero.
    pub fn new(num: i128, den: i128) -> Option<Ratio> {
        match den.cmp(&0) {
            Ordering::Equal => None,
            Ordering::Greater => Some(Ratio { num, den }),
            Ordering::Less => Some(Ratio { num: num.checked_neg()?, den: den.checked_neg()? }),
        }
    }

    /// A whole number.
    pub const fn int(n: i128) -> Ratio {
        Ratio { num: n, den: 1 }
    }

    /// Numerator (sign carrier).
    pub fn numer(self) -> i128 {
        self.num
    }

    /// Denominator, always positive.
    pub fn denom(self) -> i128 {
        self.den
    }

    /// Rounds half away from zero to a whole number.
    pub fn round(self) -> i128 {
        let q = self.num / self.den;
        let r = self.num % self.den;
        if r.unsigned_abs() * 2 >= self.den.unsigned_abs() {
            if self.num < 0 {
                q - 1
            } else {
                q + 1
            }
        } else {
            q
        }
    }

    /// Multiplies by a whole number, `None` on overflow.
    pub fn mul_int(self, k: i128) -> Option<Ratio> {
        Some(Ratio { num: self.num.checked_mul(k)?, den: self.den })
    }

    /// Decimal text with at most `places` decimals (rounded half away from zero), trailing
    /// zeros trimmed: `66.67`, `80`, `2.5`.
    pub fn to_decimal_string(self, places: u32) -> String {
        let scale = 10i128.pow(places);
        let scaled = match self.mul_int(scale) {
            Some(r) => r.round(),
            None => self.round().saturating_mul(scale),
        };
        let sign = if scaled < 0 { "-" } else { "" };
        let a = scaled.unsigned_abs();
        let int = a / scale as u128;
        let frac = a % scale as u128;
        if frac == 0 {
            return format!("{sign}{int}");
        }
        let mut f = format!("{frac:0width$}", width = places as usize);
        while f.ends_with('0') {
            f.pop();
        }
        format!("{sign}{int}.{f}")
    }

    /// Parses a decimal literal (`12`, `-3.25`, `1_000`), exactly. At most 30 digits.
    pub fn parse_decimal(text: &str) -> Option<Ratio> {
        let t: String = text.chars().filter(|c| *c != '_').collect();
        let (neg, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(&t)),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || int.len() + frac.len() > 30
        {
            return None;
        }
        let mut num: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            num = num * 10 + i128::from(b - b'0');
        }
        let den = 10i128.pow(frac.len() as u32);
        Some(Ratio { num: if neg { -num } else { num }, den })
    }
}

/// Compares `a/b` with `c/d` (`b, d > 0`) without overflow, by continued fractions when the
/// cross products do not fit.
fn cmp_frac(a: i128, b: i128, c: i128, d: i128) -> Ordering {
    if let (Some(x), Some(y)) = (a.checked_mul(d), c.checked_mul(b)) {
        return x.cmp(&y);
    }
    let (qa, ra) = (a.div_euclid(b), a.rem_euclid(b));
    let (qc, rc) = (c.div_euclid(d), c.rem_euclid(d));
    if qa != qc {
        return qa.cmp(&qc);
    }
    match (ra == 0, rc == 0) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        // ra/b vs rc/d is the same order as d/rc vs b/ra.
        (false, false) => cmp_frac(d, rc, b, ra),
    }
}

impl PartialEq for Ratio {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ratio {}
impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ratio {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_frac(self.num, self.den, other.num, other.den)
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_decimal_string(4))
    }
}

/// An exact decimal with four places, used in settings: thresholds in percent (`"60"`),
/// per-month rates (`"5"`), multipliers (`"1.2"`). Serialised as a decimal string so no
/// JSON or Automerge reader turns it into a float.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Decimal(i64);

impl Decimal {
    /// Units per one.
    pub const SCALE: i64 = 10_000;

    /// A whole number.
    pub const fn int(n: i64) -> Decimal {
        Decimal(n * Self::SCALE)
    }

    /// From ten-thousandths: `Decimal::from_units(12_500)` is `1.25`.
    pub const fn from_units(units: i64) -> Decimal {
        Decimal(units)
    }

    /// The value in ten-thousandths.
    pub const fn units(self) -> i64 {
        self.0
    }

    /// The exact value as a [`Ratio`].
    pub fn ratio(self) -> Ratio {
        Ratio { num: i128::from(self.0), den: i128::from(Self::SCALE) }
    }

    /// Parses `60`, `0.3`, `1.25`, `-2` (at most four decimals).
    pub fn parse(text: &str) -> Result<Decimal, RulesError> {
        let bad = |why: &str| RulesError::BadDecimal { text: text.to_string(), why: why.to_string() };
        let t = text.trim().trim_end_matches('%');
        let r = Ratio::parse_decimal(t).ok_or_else(|| bad("use digits with an optional decimal point"))?;
        let scaled = r.mul_int(i128::from(Self::SCALE)).ok_or_else(|| bad("too large"))?;
        if scaled.num % scaled.den != 0 {
            return Err(bad("more than four decimals"));
        }
        let units = i64::try_from(scaled.num / scaled.den).map_err(|_| bad("too large"))?;
        Ok(Decimal(units))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ratio().to_decimal_string(4))
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Int(i64),
        }
        match Raw::deserialize(d)? {
            Raw::Text(s) => Decimal::parse(&s).map_err(serde::de::Error::custom),
            Raw::Int(i) => {
                i.checked_mul(Decimal::SCALE).map(Decimal).ok_or_else(|| serde::de::Error::custom("decimal too large"))
            }
        }
    }
}

/// Formats a fraction as a percentage for people: `66.67%`, `80%`.
pub(crate) fn percent_text(r: Ratio) -> String {
    format!("{}%", r.to_decimal_string(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_compares_exactly() {
        let r = |n, d| Ratio::new(n, d).unwrap_or(Ratio::ZERO);
        assert_eq!(r(3, 5), r(60, 100));
        assert!(r(6001, 10000) > r(3, 5));
        assert!(r(-1, 3) < Ratio::ZERO);
        assert_eq!(r(2, -4), r(-1, 2));
        let big = r(i128::MAX / 3, i128::MAX / 7);
        assert!(big > Ratio::int(2));
        assert!(big < Ratio::int(3));
        assert_eq!(r(2, 3).to_decimal_string(2), "0.67");
        assert_eq!(r(-5, 2).to_decimal_string(2), "-2.5");
        assert_eq!(Ratio::int(80).to_decimal_string(2), "80");
        assert_eq!(Ratio::parse_decimal("1_000.50"), Some(r(100050, 100)));
        assert_eq!(Ratio::parse_decimal("1.2.3"), None);
    }

    #[test]
    fn decimal_round_trips() {
        assert_eq!(Decimal::parse("0.3").map(|d| d.units()), Ok(3000));
        assert_eq!(Decimal::parse("60%").map(|d| d.units()), Ok(600_000));
        assert!(Decimal::parse("0.00001").is_err());
        assert!(Decimal::parse("x").is_err());
        assert_eq!(Decimal::from_units(12_500).to_string(), "1.25");
        let json = serde_json::to_string(&Decimal::int(60)).unwrap_or_default();
        assert_eq!(json, "\"60\"");
        let back: Decimal = serde_json::from_str("5").unwrap_or_default();
        assert_eq!(back, Decimal::int(5));
    }
}
