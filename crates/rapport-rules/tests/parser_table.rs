//! The rule language parser: a table of valid rules with their canonical form, and a table
//! of invalid rules with the exact error position and message fragments.

use rapport_rules::{parse, Expr};

/// (input, canonical form printed back).
const VALID: &[(&str, &str)] = &[
    ("stage = won", "stage = won"),
    ("stage = 成交客户", "stage = won"),
    ("STAGE = Won", "stage = won"),
    ("stage == won", "stage = won"),
    ("orders.amount within 12 months > 500000", "orders.amount within 12 months > 500000"),
    ("orders.amount within 12 months > 50万", "orders.amount within 12 months > 500000"),
    ("amount_12m >= 500000.50", "amount_12m >= 500000.5"),
    ("amount_12m >= ¥1_000", "amount_12m >= 1000"),
    ("amount_12m >= 12.5万元", "amount_12m >= 125000"),
    ("orders.count within 90 days >= 2", "orders.count within 90 days >= 2"),
    ("interactions.count within 3 months = 0", "interactions.count within 3 months = 0"),
    ("interactions.count within 3个月 = 0", "interactions.count within 3 months = 0"),
    ("orders.amount within 1 year > 500000", "orders.amount within 1 year > 500000"),
    ("orders.avg within 2 weeks >= 100", "orders.avg within 2 weeks >= 100"),
    ("days_since_last_interaction >= 90", "days_since_last_interaction >= 90"),
    ("created >= 2024-01-01 and created < 2024-04-01", "created >= 2024-01-01 and created < 2024-04-01"),
    ("last_order <= 6 months ago", "last_order <= 6 months ago"),
    ("last_order <= 6个月前", "last_order <= 6 months ago"),
    ("last_order > 90 days ago", "last_order > 90 days ago"),
    ("last_contact < today", "last_contact < today"),
    ("source = \"展会\" or source = 转介绍", "source = \"展会\" or source = \"转介绍\""),
    ("source in [\"展会\", \"转介绍\",]", "source in [\"展会\", \"转介绍\"]"),
    ("industry = 制造业", "industry = \"C\""),
    ("industry in [C, F, \"金融业\"]", "industry in [\"C\", \"F\", \"J\"]"),
    ("has tag \"VIP\"", "has tag \"VIP\""),
    ("not has tag \"VIP\"", "not has tag \"VIP\""),
    ("tags contains \"VIP\"", "tags contains \"VIP\""),
    ("stage = won or priority and archived", "stage = won or priority and archived"),
    ("(stage = won or priority) and archived", "(stage = won or priority) and archived"),
    ("not (stage = won or stage = lost)", "not (stage = won or stage = lost)"),
    ("not not priority", "not not priority"),
    ("repurchase_rate > 60%", "repurchase_rate > 60"),
    ("complaint_rate < 5", "complaint_rate < 5"),
    ("avg_satisfaction < 3", "avg_satisfaction < 3"),
    ("avg_satisfaction is not set", "avg_satisfaction is not set"),
    ("intent >= medium", "intent >= medium"),
    ("intent = 高", "intent = high"),
    ("order_trend = 下降", "order_trend = falling"),
    ("custom.客单价 > 100", "custom.客单价 > 100"),
    ("custom.\"average basket\" >= 50.5", "custom.\"average basket\" >= 50.5"),
    ("name contains \"科技\"", "name contains \"科技\""),
    ("owner not in [\"alice\", \"bob\"]", "owner not in [\"alice\", \"bob\"]"),
    ("stage != won and priority = true", "stage != won and priority = true"),
    ("# high value\norders.amount within 12 months > 500000 # yuan", "orders.amount within 12 months > 500000"),
    ("kind = 企业客户", "kind = company"),
    ("deal.amount > 0 and won", "deal.amount > 0 and won"),
    ("true", "true"),
    (
        "categories contains \"软件\" and top_categories is set",
        "categories contains \"软件\" and top_categories is set",
    ),
    ("stage ≠ lost and amount_12m ≥ 1000", "stage != lost and amount_12m >= 1000"),
    ("（stage = won）", "stage = won"),
    ("name = \"say \\\"hi\\\"\\n\"", "name = \"say \\\"hi\\\"\\n\""),
    ("name = '\\u{4E2D}国'", "name = \"中国\""),
    ("stage <> lost", "stage != lost"),
    ("complaints within 6 months >= 2 or services.count = 0", "complaints within 6 months >= 2 or services.count = 0"),
    (
        "priority and not archived and stage in [intent, 成交客户]",
        "priority and not archived and stage in [intent, won]",
    ),
];

#[test]
fn valid_rules_parse_to_their_canonical_form() {
    assert!(VALID.len() >= 30);
    for (text, canonical) in VALID {
        let e = parse(text).unwrap_or_else(|err| panic!("`{text}` should parse: {err}"));
        assert_eq!(e.to_string(), *canonical, "canonical form of `{text}`");
        let again = parse(canonical).unwrap_or_else(|err| panic!("canonical `{canonical}` should parse: {err}"));
        assert_eq!(again, e, "canonical form of `{text}` parses to the same expression");
    }
}

#[test]
fn precedence_is_not_then_and_then_or() {
    let e = parse("stage = won or priority and not archived").expect("parses");
    let Expr::Or(items) = e else { panic!("or at the top") };
    assert_eq!(items.len(), 2);
    let Expr::And(right) = &items[1] else { panic!("and binds tighter") };
    assert!(matches!(right[1], Expr::Not(_)));
    let chain = parse("priority or archived or won").expect("parses");
    assert!(matches!(chain, Expr::Or(ref v) if v.len() == 3), "or chains are flat");
}

/// (input, line, column, fragments the message must contain).
const INVALID: &[(&str, u32, u32, &[&str])] = &[
    (
        "stag = won",
        1,
        1,
        &[
            "expected a field name, found `stag`",
            "unknown field",
            "did you mean `stage`?",
            "known fields: number, name,",
        ],
    ),
    ("days_since_interaction >= 90", 1, 1, &["did you mean `days_since_last_interaction`?"]),
    (
        "stage = wonn",
        1,
        9,
        &["expected one of potential, intent, won, lost, dormant, found `wonn`", "did you mean `won`?"],
    ),
    ("", 1, 1, &["expected a condition", "found end of rule"]),
    ("stage =", 1, 8, &["expected one of potential", "found end of rule"]),
    ("stage > won", 1, 7, &["expected `=`, `!=` or `in`, found `>`", "`stage` has no order"]),
    ("kind < company", 1, 6, &["has no order"]),
    (
        "orders.amount within 12 months > 500000.001",
        1,
        34,
        &["expected an amount in yuan with at most two decimals", "fen is the smallest unit"],
    ),
    ("(stage = won", 1, 13, &["expected `)`, found end of rule", "to close the `(` at line 1, column 1"]),
    ("stage = won and (priority or archived", 1, 38, &["expected `)`", "column 17"]),
    ("stage = won)", 1, 12, &["expected `and`, `or` or end of rule, found `)`"]),
    ("stage = won adn priority", 1, 13, &["expected `and`, `or` or end of rule, found `adn`", "did you mean `and`?"]),
    ("source = \"展会", 1, 10, &["expected a closing `\"`", "found end of rule"]),
    ("source = \"展会\nand priority", 1, 10, &["expected a closing `\"`", "found end of line"]),
    ("name = \"a\\qb\"", 1, 10, &["expected an escape", "found `\\q`"]),
    ("created > 2024-02-30", 1, 11, &["expected a valid date in the form YYYY-MM-DD, found `2024-02-30`"]),
    (
        "created > 2024",
        1,
        11,
        &["expected a date (YYYY-MM-DD), `today` or `N days|weeks|months|years ago`, found `2024`"],
    ),
    ("created > 3 fortnights ago", 1, 11, &["expected a date (YYYY-MM-DD)", "found `3`"]),
    ("last_order < 3 months", 1, 22, &["expected `ago`, found end of rule", "write `3 months ago`"]),
    (
        "stage within 3 months = won",
        1,
        7,
        &["expected an operator, found `within`", "`stage` takes no time window", "orders.count"],
    ),
    (
        "orders.count within 3 fortnights > 1",
        1,
        23,
        &["expected a unit: days, weeks, months or years, found `fortnights`"],
    ),
    (
        "orders.count within three months > 1",
        1,
        21,
        &["expected a whole number of days, weeks, months or years, found `three`"],
    ),
    ("orders.amount within 12 months ago > 1", 1, 32, &["expected an operator", "found `ago`"]),
    ("priority > true", 1, 10, &["expected `=` or `!=`, found `>`"]),
    ("tags = \"VIP\"", 1, 6, &["expected `contains`, `in` or `is set`", "`tags` is a list"]),
    ("has \"VIP\"", 1, 5, &["expected `tag` after `has`, found `\"VIP\"`"]),
    ("has tag", 1, 8, &["expected a tag name in quotes, found end of rule"]),
    ("stage in []", 1, 11, &["expected a value, found `]`", "a list needs at least one value"]),
    ("stage in [won lost]", 1, 15, &["expected `,` or `]`, found `lost`"]),
    ("stage in won", 1, 10, &["expected `[` to start a list, found `won`"]),
    ("repurchase_rate > 60元", 1, 19, &["expected a percentage", "`¥`/`元` are for amounts"]),
    ("amount_12m > 5%", 1, 14, &["expected an amount in yuan", "`%` is for rates"]),
    ("order_count >= \"3\"", 1, 16, &["expected a number, found `\"3\"`"]),
    ("stage = won and", 1, 16, &["expected a condition", "found end of rule"]),
    ("not", 1, 4, &["expected a condition", "found end of rule"]),
    ("stage == won or or priority", 1, 17, &["expected a condition", "found `or`"]),
    ("amount_12m >= 5 @", 1, 17, &["expected a field, value or operator, found `@`"]),
    ("custom = 5", 1, 8, &["expected `.` and a field name after `custom`, found `=`"]),
    ("stage = won\nand priority\nand amount_12m > abc", 3, 18, &["expected an amount in yuan", "found `abc`"]),
    ("source = \"展会\" and 行业 = C", 1, 19, &["expected a field name, found `行业`"]),
    ("intent = 很高", 1, 10, &["expected one of low, medium, high, found `很高`"]),
    ("stage is none", 1, 10, &["expected `set` or `not set` after `is`, found `none`"]),
    ("amount_12m contains \"1\"", 1, 12, &["`contains` works on text and lists"]),
    ("amount_12m > 1 || priority", 1, 16, &["write `and` / `or`", "found `|`"]),
    ("name contains", 1, 14, &["expected text in quotes, found end of rule"]),
    ("amount_12m > 99999999999999999999", 1, 14, &["expected an amount in yuan", "too large"]),
    ("stage", 1, 6, &["expected an operator", "found end of rule"]),
    ("stage is not", 1, 13, &["expected `set` after `is not`"]),
    ("priority not = true", 1, 14, &["expected `in` or `contains` after `not`, found `=`"]),
    ("orders.count within 3 months", 1, 29, &["expected an operator", "found end of rule"]),
    ("stage = won\n  or stag = lost", 2, 6, &["did you mean `stage`?"]),
    ("intent = 'high", 1, 10, &["expected a closing `'`"]),
];

#[test]
fn invalid_rules_report_position_and_message() {
    assert!(INVALID.len() >= 30);
    for (text, line, col, fragments) in INVALID {
        let err = match parse(text) {
            Ok(e) => panic!("`{text}` should not parse, got `{e}`"),
            Err(e) => e,
        };
        let msg = err.to_string();
        assert_eq!((err.line, err.column), (*line, *col), "position for `{text}`: {msg}");
        assert!(msg.starts_with(&format!("line {line}, column {col}: expected ")), "{msg}");
        for f in *fragments {
            assert!(msg.contains(f), "message for `{text}` lacks `{f}`: {msg}");
        }
    }
}

#[test]
fn unknown_field_error_lists_known_fields() {
    let e = parse("repurchase > 50").expect_err("unknown field");
    assert!(e.unknown_field);
    assert_eq!(e.suggestions.first().map(String::as_str), Some("repurchase_rate"));
    let known = e.known_fields();
    for name in ["stage", "orders.amount", "days_since_last_interaction", "order_trend", "custom.<name>"] {
        assert!(known.contains(&name), "{name}");
    }
    assert_eq!(e.expected, "a field name");
    assert_eq!(e.found, "`repurchase`");
}
