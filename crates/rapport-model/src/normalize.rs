//! Text normalisation for matching: full-width to half-width, case, spaces, company
//! suffixes. Names are stored as typed; only index keys are normalised.

/// Folds full-width ASCII forms and the ideographic space to half-width, lowercases,
/// and collapses runs of whitespace to one space. Chinese characters are kept as they are.
pub fn normalize_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    for c in s.chars() {
        let c = match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        out.extend(c.to_lowercase());
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Company-form suffixes that do not distinguish one customer from another.
const SUFFIXES: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团",
    "公司",
    "co., ltd.",
    "co.,ltd.",
    "co. ltd.",
    "co., ltd",
    "co.,ltd",
    "co ltd",
    "company limited",
    "limited",
    "ltd.",
    "ltd",
    "inc.",
    "inc",
    "llc",
    "gmbh",
    "corp.",
    "corporation",
];

/// The key used to find the same customer under different spellings: normalised text
/// with spaces and punctuation dropped and one company-form suffix removed.
pub fn normalize_name(s: &str) -> String {
    let mut t = normalize_text(s);
    let mut changed = true;
    while changed && !SUFFIXES.contains(&t.as_str()) {
        changed = false;
        for suf in SUFFIXES {
            if t.len() > suf.len() {
                if let Some(rest) = t.strip_suffix(suf) {
                    t = rest.trim_end_matches([' ', ',', '.']).to_string();
                    changed = true;
                }
            }
        }
    }
    t.chars().filter(|c| !c.is_whitespace() && !matches!(c, ',' | '.' | '(' | ')' | '（' | '）' | '-' | '·')).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_width_and_case() {
        assert_eq!(normalize_text("  ＡＢＣ　科技  "), "abc 科技");
        assert_eq!(normalize_text("Foo\t\tBar"), "foo bar");
    }

    #[test]
    fn drops_company_suffixes() {
        assert_eq!(normalize_name("上海明达精密机械有限公司"), "上海明达精密机械");
        assert_eq!(normalize_name("上海明达精密机械有限责任公司"), "上海明达精密机械");
        assert_eq!(normalize_name("Acme Trading Co., Ltd."), "acmetrading");
        assert_eq!(normalize_name("ACME TRADING CO.,LTD"), "acmetrading");
        assert_eq!(normalize_name("有限公司"), "有限公司");
    }
}
