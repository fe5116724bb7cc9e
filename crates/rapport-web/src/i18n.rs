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

#[cfg(test)]
mod tests {
    use super::*;

    const NAMESPACES: [&str; 23] = [
        "agenda", "conflict", "contact", "customer", "dedupe", "explain", "field", "figures", "followup", "form",
        "history", "import", "list", "live", "nav", "order", "reports", "service", "signin", "sort", "sync", "task",
        "team",
    ];

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
