//! Masking of personal contact data (PIPL): lists, exports and reports show `138****5678`
//! and `li***@company.com` unless the caller asked to reveal.

/// Whether contact data is shown in full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Masking {
    /// Phones, emails and WeChat ids are masked (the default).
    Masked,
    /// Shown in full (`--reveal`).
    Revealed,
}

impl Masking {
    /// Applies this masking to a phone.
    pub fn phone(self, p: &str) -> String {
        match self {
            Masking::Masked => mask_phone(p),
            Masking::Revealed => p.to_string(),
        }
    }
    /// Applies this masking to an email.
    pub fn email(self, e: &str) -> String {
        match self {
            Masking::Masked => mask_email(e),
            Masking::Revealed => e.to_string(),
        }
    }
}

/// `13812345678` -> `138****5678`; keeps the first three and last four digits of any number.
pub fn mask_phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    let digits = chars.iter().filter(|c| c.is_ascii_digit()).count();
    if digits <= 7 {
        return "*".repeat(chars.len());
    }
    let mut seen = 0;
    chars
        .iter()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen > 3 && seen <= digits - 4 {
                    return '*';
                }
            }
            *c
        })
        .collect()
}

/// `li.wei@company.com` -> `li***@company.com`.
pub fn mask_email(e: &str) -> String {
    match e.split_once('@') {
        Some((local, domain)) => {
            let keep: String = local.chars().take(2.min(local.chars().count().saturating_sub(1)).max(1)).collect();
            format!("{keep}***@{domain}")
        }
        None => "***".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("021-12345678"), "021-****5678");
        assert_eq!(mask_phone("+442071234567"), "+442*****4567");
        assert_eq!(mask_email("li.wei@company.com"), "li***@company.com");
        assert_eq!(mask_email("a@b.com"), "a***@b.com");
        assert_eq!(Masking::Revealed.phone("13812345678"), "13812345678");
    }
}
