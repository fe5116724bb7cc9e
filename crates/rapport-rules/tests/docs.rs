//! The documentation stays true: every field and default rule is in docs/rules.md, and the
//! settings shown in docs/tiers.md are the defaults.

use rapport_rules::{default_rules, TierSettings, FIELDS, MAX_CONDITION_CHARS, MAX_NESTING};

fn doc(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn rules_doc_lists_every_field_and_default_rule() {
    let text = doc("rules.md");
    for f in FIELDS {
        assert!(text.contains(&format!("| `{}` |", f.name)), "docs/rules.md lacks field `{}`", f.name);
    }
    for r in default_rules() {
        let row = format!("| `{}` | {} | `{}` |", r.name, r.tag, r.condition);
        assert!(text.contains(&row), "docs/rules.md lacks the default rule row {row}");
    }
}

#[test]
fn rules_doc_states_the_bounds() {
    let text = doc("rules.md");
    let length = format!("| length of a condition | **{MAX_CONDITION_CHARS} characters**");
    let nesting = format!("| nesting of `(` and `not` inside one another | **{MAX_NESTING} levels**");
    assert!(text.contains(&length), "docs/rules.md lacks {length}");
    assert!(text.contains(&nesting), "docs/rules.md lacks {nesting}");
}

#[test]
fn tiers_doc_shows_the_default_settings() {
    let text = doc("tiers.md");
    let start = text.find("## Settings").expect("settings section");
    let block = &text[start..];
    let open = block.find("```json\n").expect("json block") + "```json\n".len();
    let close = block[open..].find("```").expect("end of block") + open;
    let shown: TierSettings = serde_json::from_str(&block[open..close]).expect("valid settings JSON");
    assert_eq!(shown, TierSettings::default());
}
