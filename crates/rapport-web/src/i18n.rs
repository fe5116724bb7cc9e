//! The web app's words, in Chinese (the default) and English. Text lives in message files
//! (`messages/zh.json`, `messages/en.json`), one flat map of keys each, compiled into the
//! binary; pages name keys, never sentences. A test checks that both files have the same
//! keys and that every key the pages use exists.

use std::collections::HashMap;
use std::sync::LazyLock;

/// A language the web app speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    /// 简体中文 (the default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// `zh` or `en`, as `<html lang>` and the language switch name them.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Reads `zh` or `en` (any case); anything else is `None`.
    pub fn parse(text: &str) -> Option<Lang> {
        match text.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// A vocabulary term (stage, channel, ...) in this language: `zh` or `en` as given.
    pub fn term<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

fn load(text: &'static str) -> HashMap<String, String> {
    // The files are ours and checked by a test; a broken one shows keys instead of words.
    serde_json::from_str(text).unwrap_or_default()
}

static ZH: LazyLock<HashMap<String, String>> = LazyLock::new(|| load(include_str!("../messages/zh.json")));
static EN: LazyLock<HashMap<String, String>> = LazyLock::new(|| load(include_str!("../messages/en.json")));

/// Every message of a language, by key.
pub fn messages(lang: Lang) -> &'static HashMap<String, String> {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// The words of one language, for one page.
#[derive(Clone, Copy)]
pub struct M(pub Lang);

impl M {
    /// The message `key` (the key itself if the files lack it; a test keeps that from
    /// happening).
    pub fn t(self, key: &'static str) -> &'static str {
        messages(self.0).get(key).map(String::as_str).unwrap_or(key)
    }

    /// The message `key` with `{name}` placeholders filled from `args`.
    pub fn f(self, key: &'static str, args: &[(&str, &str)]) -> String {
        let mut s = self.t(key).to_string();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), value);
        }
        s
    }
}

/// Chinese wordings of the library's refusals, as `[english pattern, chinese template]`:
/// `{name}` in a pattern matches any text, which the template may repeat.
static REASONS_ZH: LazyLock<Vec<(String, String)>> =
    LazyLock::new(|| serde_json::from_str(include_str!("../messages/reasons.zh.json")).unwrap_or_default());

/// The texts a pattern's placeholders matched, or `None` if `text` does not fit it.
fn fit<'a>(pattern: &str, text: &'a str) -> Option<Vec<(String, &'a str)>> {
    // Split into literals and placeholder names: "`{v}` is not" -> ["`", "v", "` is not"].
    let mut parts: Vec<&str> = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}')? + open;
        parts.push(&rest[..open]);
        parts.push(&rest[open + 1..close]);
        rest = &rest[close + 1..];
    }
    parts.push(rest);
    let mut at = text.strip_prefix(parts[0])?;
    let mut got = Vec::new();
    let mut i = 1;
    while i + 1 < parts.len() {
        let (name, literal) = (parts[i], parts[i + 1]);
        let last = i + 2 >= parts.len();
        let end = if last {
            if !at.ends_with(literal) {
                return None;
            }
            at.len() - literal.len()
        } else if literal.is_empty() {
            return None;
        } else {
            at.find(literal)?
        };
        got.push((name.to_string(), &at[..end]));
        at = &at[end + literal.len()..];
        i += 2;
    }
    if parts.len() == 1 && !at.is_empty() {
        return None;
    }
    Some(got)
}

impl M {
    /// A refusal's reason in this language: the library words it in English; Chinese pages
    /// show the wording of `messages/reasons.zh.json` where one fits, the English otherwise.
    pub fn reason(self, reason: &str) -> String {
        if self.0 == Lang::En {
            return reason.to_string();
        }
        for (pattern, template) in REASONS_ZH.iter() {
            if let Some(got) = fit(pattern, reason) {
                let mut out = template.clone();
                for (name, value) in got {
                    out = out.replace(&format!("{{{name}}}"), value);
                }
                return out;
            }
        }
        reason.to_string()
    }

    /// Every refusal of `errors` reworded (see [`M::reason`]).
    pub fn reasons(self, errors: &[rapport_model::FieldError]) -> Vec<rapport_model::FieldError> {
        errors.iter().map(|e| rapport_model::FieldError::new(&e.field, self.reason(&e.reason))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMESPACES: [&str; 23] = [
        "agenda", "conflict", "contact", "customer", "dedupe", "explain", "field", "figures", "followup", "form",
        "history", "import", "list", "live", "nav", "order", "reports", "service", "signin", "sort", "sync", "task",
        "team",
    ];

    #[test]
    fn refusals_read_in_chinese_where_a_wording_fits() {
        let zh = M(Lang::Zh);
        assert_eq!(zh.reason("is required"), "必填");
        assert_eq!(
            zh.reason("`很多钱` is not an amount: use digits with an optional decimal point"),
            "“很多钱”不是有效的金额：请填写数字，可带小数点"
        );
        assert_eq!(zh.reason("is longer than 200 characters"), "不能超过 200 个字符");
        assert_eq!(zh.reason("is required when changing the stage"), "修改阶段时必须填写原因");
        assert_eq!(zh.reason("a reason nobody worded"), "a reason nobody worded");
        assert_eq!(M(Lang::En).reason("is required"), "is required");
        // Every pattern parses, and fits its own example.
        assert!(REASONS_ZH.len() > 20, "reasons.zh.json did not load");
        for (pattern, _) in REASONS_ZH.iter() {
            let example = pattern
                .replace("{v}", "x")
                .replace("{list}", "a, b")
                .replace("{n}", "9")
                .replace("{why}", "w")
                .replace("{rest}", " (e.g.)")
                .replace("{name}", "Li");
            assert!(fit(pattern, &example).is_some(), "{pattern}");
        }
    }

    #[test]
    fn both_languages_have_the_same_keys_and_every_used_key_exists() {
        let zh: std::collections::BTreeSet<_> = messages(Lang::Zh).keys().collect();
        let en: std::collections::BTreeSet<_> = messages(Lang::En).keys().collect();
        assert!(zh.len() > 50, "zh.json did not load");
        assert_eq!(zh, en, "zh.json and en.json must have the same keys");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            // Keys are quoted `namespace.name` literals, passed to `M::t`/`M::f` directly or
            // as a label for a form control.
            for (i, _) in text.match_indices('"') {
                let rest = &text[i + 1..];
                let Some(key) = rest.split('"').next() else { continue };
                let Some((ns, name)) = key.split_once('.') else { continue };
                let ours = NAMESPACES.contains(&ns)
                    && !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit());
                if ours && !messages(Lang::Zh).contains_key(key) {
                    missing.push(format!("{}: {key}", entry.path().display()));
                }
            }
        }
        assert!(missing.is_empty(), "keys used but not in the message files: {missing:?}");
    }
}
