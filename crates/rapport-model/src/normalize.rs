//! Text normalisation for matching: full-width to half-width, case, spaces, company
//! suffixes. Names are stored as typed; only index keys are normalised.

/// Invisible format characters (Unicode general category Cf) that sheets and pasted text
/// carry: zero-width space and joiners, the byte-order mark, word joiner, soft hyphen,
/// direction marks and isolates. They never distinguish one name from another.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
        | '\u{110BD}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0001}' | '\u{E0020}'..='\u{E007F}')
}

/// Folds full-width ASCII forms and the ideographic space to half-width, lowercases,
/// drops invisible format characters ([`is_invisible`]), and collapses runs of whitespace
/// (any Unicode space: U+00A0, U+2002..., U+3000) to one space. Chinese characters are
/// kept as they are. Matching in import, `dedupe` (through [`normalize_name`]) and `search`
/// all use it, so names differing only by such characters are the same name.
pub fn normalize_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    for c in s.chars().filter(|c| !is_invisible(*c)) {
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
/// How an owner (a member's name) is compared by every owner filter (`list --owner`, the
/// API's `owner`, exports): in any case and width, invisible characters and runs of spaces
/// ignored, so `wang fang` finds `Wang Fang`.
pub fn member_key(name: &str) -> String {
    normalize_text(name)
}

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
    fn invisible_and_unusual_spaces_do_not_distinguish_names() {
        let plain = normalize_name("恒瑞 机械有限公司");
        for odd in [
            "恒瑞\u{200B} 机械有限公司",
            "\u{FEFF}恒瑞 机械有限公司",
            "恒瑞\u{00A0}机械有限公司",
            "恒瑞\u{2060}\u{3000}机械有限公司\u{200D}",
            "恒瑞\u{2002}机械\u{00AD}有限公司",
        ] {
            assert_eq!(normalize_name(odd), plain, "{odd:?}");
        }
        assert_eq!(normalize_text("a\u{00A0}\u{00A0}b\u{200B}c"), "a bc");
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
