//! A rule cannot exhaust a node: nesting and length are bounded, refused with the position,
//! and everything done with a rule at the bounds (parse, compile, evaluate, explain, print)
//! fits easily in a small thread stack.

mod common;
use common::{d, AS_OF, B};
use rapport_rules::*;

/// The number of levels an attacker used: a 4 KB body overflowed the parser.
const ATTACK_DEPTH: usize = 1_100;

/// A quarter of the 2 MiB stack of tokio workers and std threads. A condition at the
/// nesting bound needs about 180 KiB in a debug build and 55 KiB in release.
const SMALL_STACK: usize = 512 << 10;

fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let handle = std::thread::Builder::new().stack_size(SMALL_STACK).spawn(f).expect("spawn thread");
    handle.join().expect("the thread overflowed its stack or panicked")
}

/// Every recursive construct of the grammar, nested `levels` deep around `priority`, with
/// the column (line 1) of the opener at `level` (0-based).
struct Nest {
    name: &'static str,
    open: &'static str,
    close: &'static str,
}

const NESTS: &[Nest] = &[
    Nest { name: "parentheses", open: "(", close: ")" },
    Nest { name: "full-width parentheses", open: "（", close: "）" },
    Nest { name: "not", open: "not ", close: "" },
    Nest { name: "not with parentheses", open: "not (", close: ")" },
    Nest { name: "and chains", open: "priority and (", close: ")" },
    Nest { name: "or chains", open: "archived or (", close: ")" },
    Nest { name: "mixed and/or/not", open: "has tag \"x\" or not (won and (", close: "))" },
    // Two levels of `Expr` per parenthesis: the deepest tree a condition can make.
    Nest { name: "alternating and/or", open: "priority and (archived or priority and (", close: "))" },
];

/// Nests whose condition holds for a priority customer, decided only at the innermost level.
const MATCH_AT_THE_BOTTOM: &[&str] = &["parentheses", "not", "alternating and/or"];

impl Nest {
    fn rule(&self, levels: usize) -> String {
        format!("{}priority{}", self.open.repeat(levels), self.close.repeat(levels))
    }

    /// How many `(` and `not` one repetition opens.
    fn per_repeat(&self) -> usize {
        self.open.matches('(').count() + self.open.matches('（').count() + self.open.matches("not").count()
    }

    /// Column of the opener that goes one level past the bound: the `(` or the `n` of `not`
    /// that is the `MAX_NESTING + 1`-th opener of the rule.
    fn column_past_bound(&self) -> u32 {
        let rule = self.rule(MAX_NESTING + 1);
        let chars: Vec<char> = rule.chars().collect();
        let mut openers = 0;
        for (i, c) in chars.iter().enumerate() {
            let not = chars[i..].starts_with(&['n', 'o', 't', ' ']) && (i == 0 || !chars[i - 1].is_alphanumeric());
            if *c == '(' || *c == '（' || not {
                openers += 1;
                if openers == MAX_NESTING + 1 {
                    return i as u32 + 1;
                }
            }
        }
        panic!("{} has fewer than {} openers", self.name, MAX_NESTING + 1)
    }
}

#[test]
fn nesting_at_the_bound_parses() {
    for n in NESTS {
        let levels = MAX_NESTING / n.per_repeat();
        let rule = n.rule(levels);
        let e = parse(&rule).unwrap_or_else(|e| panic!("{}: {rule}: {e}", n.name));
        assert_eq!(parse(&e.to_string()).as_ref(), Ok(&e), "{} prints back", n.name);
    }
}

#[test]
fn nesting_past_the_bound_is_refused_with_the_position() {
    for n in NESTS {
        // As deep as fits in the length bound, up to the depth of the attack.
        let fits = (MAX_CONDITION_CHARS - "priority".len()) / (n.open.chars().count() + n.close.chars().count());
        for levels in [MAX_NESTING / n.per_repeat() + 1, ATTACK_DEPTH.min(fits)] {
            let rule = n.rule(levels);
            assert!(rule.chars().count() <= MAX_CONDITION_CHARS);
            let err = parse(&rule).expect_err(&format!("{} nested {levels} deep must be refused", n.name));
            assert_eq!((err.line, err.column), (1, n.column_past_bound()), "{}: {err}", n.name);
            let text = err.to_string();
            assert!(text.contains(&format!("line 1, column {}", n.column_past_bound())), "{text}");
            assert!(text.contains(&format!("at most {MAX_NESTING} levels")), "{text}");
        }
        // Deeper still is refused for its length, before anything nests.
        let err = parse(&n.rule(100_000)).expect_err("far too deep");
        assert_eq!((err.line, err.column), (1, MAX_CONDITION_CHARS as u32 + 1), "{}: {err}", n.name);
    }
}

#[test]
fn nesting_past_the_bound_on_a_later_line_names_that_line() {
    let rule = format!("priority\nand {}", Nest { name: "", open: "(", close: ")" }.rule(MAX_NESTING + 1));
    let err = parse(&rule).expect_err("too deep");
    assert_eq!((err.line, err.column), (2, 5 + MAX_NESTING as u32), "{err}");
}

#[test]
fn over_long_rules_are_refused_with_the_position() {
    let cases: Vec<(&str, String)> = vec![
        ("and chain", vec!["priority"; MAX_CONDITION_CHARS].join(" and ")),
        ("or chain", vec!["archived"; MAX_CONDITION_CHARS].join(" or ")),
        ("in list", format!("source in [{}]", vec!["\"展会\""; MAX_CONDITION_CHARS].join(", "))),
        ("text", format!("name contains \"{}\"", "科".repeat(MAX_CONDITION_CHARS))),
        ("comment", format!("priority # {}", "x".repeat(MAX_CONDITION_CHARS))),
        ("spaces", format!("{}priority", " ".repeat(MAX_CONDITION_CHARS))),
    ];
    for (name, rule) in cases {
        let err = parse(&rule).expect_err(&format!("{name}: over-long rule must be refused"));
        // The first character past the bound, all on line 1.
        assert_eq!((err.line, err.column), (1, MAX_CONDITION_CHARS as u32 + 1), "{name}: {err}");
        assert!(err.to_string().contains(&format!("at most {MAX_CONDITION_CHARS} characters")), "{name}: {err}");
    }
    // Lines are counted too.
    let rule = format!("priority and\n{}", "not ".repeat(MAX_CONDITION_CHARS));
    let err = parse(&rule).expect_err("over-long");
    assert_eq!((err.line, err.column), (2, MAX_CONDITION_CHARS as u32 + 1 - 13), "{err}");
}

#[test]
fn a_rule_of_exactly_the_bound_parses() {
    let head = "priority";
    let rule = format!("{head}{}", " ".repeat(MAX_CONDITION_CHARS - head.len()));
    assert_eq!(rule.chars().count(), MAX_CONDITION_CHARS);
    assert!(parse(&rule).is_ok());
    // A long chain within the bound stays flat, so it costs no stack.
    let mut chain = String::from("priority");
    while chain.chars().count() + " or archived".len() <= MAX_CONDITION_CHARS {
        chain.push_str(" or archived");
    }
    let e = parse(&chain).expect("chain within the bound");
    assert!(matches!(&e, Expr::Or(items) if items.len() > 300), "{e:?}");
}

#[test]
fn lenient_compilation_skips_a_too_deep_rule_with_its_error() {
    let mut rules = default_rules();
    rules.insert(1, Rule::new("bomb", "炸弹", Nest { name: "", open: "(", close: ")" }.rule(ATTACK_DEPTH)));
    rules.push(Rule::new("long", "长", vec!["priority"; MAX_CONDITION_CHARS].join(" and ")));
    let compiled = on_small_stack(move || CompiledRules::compile_lenient(&rules));
    assert_eq!(compiled.rules().len(), default_rules().len());
    let errors = compiled.errors();
    assert_eq!(errors.iter().map(|e| e.rule.as_str()).collect::<Vec<_>>(), ["bomb", "long"]);
    let bomb = errors[0].parse.as_ref().expect("a parse error");
    assert_eq!((bomb.line, bomb.column), (1, MAX_NESTING as u32 + 1));
    assert!(errors[0].message.contains("rule `bomb`: line 1, column"), "{}", errors[0].message);
    let strict = CompiledRules::compile(&[Rule::new("bomb", "t", "(".repeat(ATTACK_DEPTH))]);
    assert!(matches!(strict, Err(RulesError::Rule { .. })), "{strict:?}");
}

/// The deepest rule the bound allows, of every construct at once: parsed, compiled,
/// evaluated, explained, printed and dropped on a quarter of the default stack.
#[test]
fn everything_at_the_bound_fits_a_small_stack() {
    on_small_stack(|| {
        let mut facts = B::new(1).order("2024-06-01", 100, "设备").build();
        facts.priority = true;
        let as_of = d(AS_OF);
        let figures = Figures::compute(&facts, as_of);
        for n in NESTS {
            let rule = n.rule(MAX_NESTING / n.per_repeat());
            let rules = vec![Rule::new("deep", "深", rule.clone()), Rule::new("later", "后", "has tag \"深\"")];
            let compiled = CompiledRules::compile(&rules).unwrap_or_else(|e| panic!("{}: {e}", n.name));
            let tags = compiled.tags(&facts, &figures, as_of);
            let why = compiled.explain(&facts, &figures, as_of);
            assert_eq!(why.len(), 2);
            assert_eq!(why[0].matched, tags.contains(&"深".to_string()), "{}", n.name);
            if MATCH_AT_THE_BOTTOM.contains(&n.name) {
                assert!(why[0].matched, "{}: {:?}", n.name, why[0].reasons);
                assert!(why[1].matched, "a later rule sees the tag");
            }
            let printed = compiled.rules()[0].expr.to_string();
            assert_eq!(parse(&printed).as_ref(), Ok(&compiled.rules()[0].expr));
            let _ = format!("{:?}", compiled.rules()[0].expr);
            let book = Book::evaluate(std::slice::from_ref(&facts), &rules, &TierSettings::default(), as_of);
            assert_eq!(book.customers[0].rule_tags, tags);
            // And past the bound, refused without overflowing.
            assert!(parse(&n.rule(ATTACK_DEPTH)).is_err());
        }
    });
}

/// An `Expr` built in code rather than parsed can be arbitrarily deep; evaluation stops at
/// its own bound instead of overflowing.
#[test]
fn evaluation_of_a_hand_built_deep_expression_is_bounded() {
    let verdict = on_small_stack(|| {
        let facts = B::new(1).build();
        let as_of = d(AS_OF);
        let figures = Figures::compute(&facts, as_of);
        let mut e = Expr::Const(true);
        for _ in 0..200_000 {
            e = Expr::Not(Box::new(e));
        }
        let matched = eval(&e, &facts, &figures, as_of);
        let why = explain(&e, &facts, &figures, as_of, &[]);
        // Unwind by hand: dropping 200,000 nested boxes recursively would itself overflow.
        while let Expr::Not(inner) = e {
            e = *inner;
        }
        (matched, why)
    });
    assert!(!verdict.0, "a too-deep expression never matches");
    assert!(!verdict.1.matched);
    assert!(verdict.1.reasons.iter().any(|r| r.contains("nested too deeply")), "{:?}", verdict.1.reasons);
}
