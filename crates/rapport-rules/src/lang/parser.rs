//! Recursive-descent parser of rule conditions.
//!
//! ```text
//! condition  = or
//! or         = and { "or" and }
//! and        = unary { "and" unary }
//! unary      = "not" unary | primary
//! primary    = "(" or ")" | "has" "tag" text | "true" | "false" | predicate
//! predicate  = field [ "within" INT unit ]
//!              ( op value | [ "not" ] "in" list | [ "not" ] "contains" text
//!              | "is" [ "not" ] "set" | <nothing, for true/false fields> )
//! list       = "[" value { "," value } [ "," ] "]"
//! ```
//! Fields are resolved and literals checked against the field's type while parsing. The
//! text is at most [`MAX_CONDITION_CHARS`] long and `(` / `not` nest at most [`MAX_NESTING`]
//! deep, so the recursion here (and in evaluation and printing) stays shallow.

use super::ast::{field_named, CmpOp, DateLit, Expr, Field, FieldRef, Literal, Type, FIELDS};
use super::lexer::{is_keyword, tokenize, NumLit, Tok, Token, KEYWORDS};
use super::{ParseError, MAX_CONDITION_CHARS, MAX_NESTING};
use crate::figures::{Unit, Window};

/// Parses a condition. A condition longer than [`MAX_CONDITION_CHARS`] or nested deeper than
/// [`MAX_NESTING`] is refused at the spot that goes past the bound, so no text can exhaust
/// the stack or make evaluation costly.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    check_length(text)?;
    let mut p = Parser { toks: tokenize(text), pos: 0, depth: 0 };
    let e = p.or()?;
    let t = p.peek();
    match &t.tok {
        Tok::End => Ok(e),
        Tok::Error(err) => Err((**err).clone()),
        Tok::RParen => Err(p.error(t, "`and`, `or` or end of rule").hint("this `)` closes nothing")),
        Tok::Ident(w) => {
            let w = w.clone();
            Err(p.error(t, "`and`, `or` or end of rule").suggest(&w, &["and", "or"]))
        }
        _ => Err(p.error(t, "`and`, `or` or end of rule")),
    }
}

/// Refuses a condition longer than [`MAX_CONDITION_CHARS`], at its first character past the
/// bound.
fn check_length(text: &str) -> Result<(), ParseError> {
    let (mut line, mut column) = (1u32, 1u32);
    for (count, c) in text.chars().enumerate() {
        if count == MAX_CONDITION_CHARS {
            let total = text.chars().count();
            return Err(ParseError::new(
                line,
                column,
                format!("a rule of at most {MAX_CONDITION_CHARS} characters"),
                format!("a rule of {total} characters"),
            )
            .hint("split it into several rules; a later rule can build on an earlier one with `has tag`"));
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    Ok(())
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    /// How many `(` and `not` enclose the current position.
    depth: usize,
}

const CONDITION: &str = "a condition (a field, `not`, `has tag`, `true`, `false` or `(`)";
const WINDOWED_UNITS: &str = "a unit: days, weeks, months or years";

impl Parser {
    fn peek(&self) -> &Token {
        // The token list always ends with End or Error, and the parser never moves past it.
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if !matches!(t.tok, Tok::End | Tok::Error(_)) {
            self.pos += 1;
        }
        t
    }

    /// Whether the token after the current one is a unit word (`3 months ...`).
    fn unit_follows(&self) -> bool {
        self.toks.get(self.pos + 1).is_some_and(|x| matches!(&x.tok, Tok::Ident(w) if unit_word(w)))
    }

    fn error(&self, t: &Token, expected: &str) -> ParseError {
        if let Tok::Error(e) = &t.tok {
            return (**e).clone();
        }
        ParseError::new(t.line, t.col, expected, t.found())
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut items = vec![self.and()?];
        while self.peek().is_kw("or") {
            self.bump();
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Expr::Or(items) })
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut items = vec![self.unary()?];
        while self.peek().is_kw("and") {
            self.bump();
            items.push(self.unary()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Expr::And(items) })
    }

    /// Runs `inner` one level deeper, opened by `opener` (a `(` or `not`); refuses to go past
    /// [`MAX_NESTING`], because every level costs stack here and wherever the rule is used.
    fn nested<T>(
        &mut self,
        opener: &Token,
        inner: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        if self.depth >= MAX_NESTING {
            return Err(ParseError::new(
                opener.line,
                opener.col,
                format!("at most {MAX_NESTING} levels of `(` and `not`"),
                opener.found(),
            )
            .hint("the rule nests too deeply; split it into rules that build on each other with `has tag`"));
        }
        self.depth += 1;
        let out = inner(self);
        self.depth -= 1;
        out
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        let t = self.peek().clone();
        if t.is_kw("not") {
            return self.nested(&t, |p| {
                p.bump();
                Ok(Expr::Not(Box::new(p.unary()?)))
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        if self.peek().tok == Tok::LParen {
            self.group()
        } else {
            self.atom()
        }
    }

    /// `( condition )`. Kept apart from [`Parser::atom`] so that the frames repeated for
    /// every level of nesting stay small.
    fn group(&mut self) -> Result<Expr, ParseError> {
        let open = self.peek().clone();
        self.nested(&open, |p| {
            p.bump();
            let e = p.or()?;
            if p.peek().tok != Tok::RParen {
                return Err(p.unclosed(&open));
            }
            p.bump();
            Ok(e)
        })
    }

    #[inline(never)]
    fn unclosed(&self, open: &Token) -> ParseError {
        let close = self.peek();
        self.error(close, "`)`").hint(format!("to close the `(` at line {}, column {}", open.line, open.col))
    }

    /// A condition without nesting: `has tag`, `true`, `false` or a predicate on a field.
    #[inline(never)]
    fn atom(&mut self) -> Result<Expr, ParseError> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::Ident(w) if w.eq_ignore_ascii_case("has") => {
                self.bump();
                let kw = self.peek().clone();
                if !kw.is_kw("tag") {
                    return Err(self.error(&kw, "`tag` after `has`").hint("write `has tag \"VIP\"`"));
                }
                self.bump();
                let name = self.peek().clone();
                match &name.tok {
                    Tok::Str(s) => {
                        self.bump();
                        Ok(Expr::HasTag(s.clone()))
                    }
                    Tok::Ident(s) if !is_keyword(s) => {
                        self.bump();
                        Ok(Expr::HasTag(s.clone()))
                    }
                    _ => Err(self.error(&name, "a tag name in quotes")),
                }
            }
            Tok::Ident(w) if w.eq_ignore_ascii_case("true") || w.eq_ignore_ascii_case("false") => {
                self.bump();
                Ok(Expr::Const(w.eq_ignore_ascii_case("true")))
            }
            Tok::Ident(w) if is_keyword(w) => Err(self.error(&t, CONDITION)),
            Tok::Ident(_) => {
                let field = self.field()?;
                self.predicate(field)
            }
            _ => Err(self.error(&t, CONDITION)),
        }
    }

    /// Reads a field name (and its custom name), returning it with the token that named it.
    fn field(&mut self) -> Result<(FieldRef, Token), ParseError> {
        let t = self.bump();
        let Tok::Ident(name) = &t.tok else {
            return Err(self.error(&t, "a field name"));
        };
        let lower = name.to_ascii_lowercase();
        if lower.starts_with("custom.") {
            // ASCII lower-casing keeps byte offsets, so the prefix length is the same.
            let custom = name["custom.".len()..].to_string();
            return Ok((FieldRef { field: Field::Custom, custom: Some(custom), window: None }, t));
        }
        if lower == "custom" {
            let dot = self.peek().clone();
            if dot.tok == Tok::Dot {
                self.bump();
                let n = self.peek().clone();
                if let Tok::Str(s) = &n.tok {
                    self.bump();
                    return Ok((FieldRef { field: Field::Custom, custom: Some(s.clone()), window: None }, t));
                }
                return Err(self.error(&n, "a custom field name after `custom.`"));
            }
            return Err(self
                .error(&dot, "`.` and a field name after `custom`")
                .hint("e.g. custom.budget or custom.\"客单价\""));
        }
        match field_named(name) {
            Some(info) => Ok((FieldRef { field: info.field, custom: None, window: None }, t)),
            None => {
                let names: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
                let mut e = self.error(&t, "a field name").hint("unknown field").suggest(name, &names);
                e.unknown_field = true;
                Err(e)
            }
        }
    }

    fn predicate(&mut self, (mut field, ftok): (FieldRef, Token)) -> Result<Expr, ParseError> {
        let ty = field.ty();
        let fname = ftok.text.clone();
        if self.peek().is_kw("within") {
            let w = self.peek().clone();
            let windowed = field.field.info().is_some_and(|i| i.windowed);
            if !windowed {
                let names: Vec<&str> = FIELDS.iter().filter(|f| f.windowed).map(|f| f.name).collect();
                return Err(self
                    .error(&w, "an operator")
                    .hint(format!("`{fname}` takes no time window; these do: {}", names.join(", "))));
            }
            self.bump();
            let (window, ago) = self.window()?;
            if ago {
                return Err(ParseError::new(w.line, w.col, "a window without `ago`", format!("`{window} ago`")));
            }
            field.window = Some(window);
        }
        let t = self.peek().clone();
        match &t.tok {
            Tok::Op(op) => {
                let op = *op;
                self.check_op(&t, &fname, ty, op)?;
                self.bump();
                let value = self.value(ty, &fname)?;
                Ok(Expr::Compare { field, op, value })
            }
            Tok::Ident(w) if w.eq_ignore_ascii_case("in") => {
                self.bump();
                let values = self.list(ty, &fname)?;
                Ok(Expr::In { field, negated: false, values })
            }
            Tok::Ident(w) if w.eq_ignore_ascii_case("contains") => {
                self.bump();
                let value = self.contains(&t, &fname, ty)?;
                Ok(Expr::Contains { field, negated: false, value })
            }
            Tok::Ident(w) if w.eq_ignore_ascii_case("not") => {
                self.bump();
                let t2 = self.peek().clone();
                if t2.is_kw("in") {
                    self.bump();
                    let values = self.list(ty, &fname)?;
                    Ok(Expr::In { field, negated: true, values })
                } else if t2.is_kw("contains") {
                    self.bump();
                    let value = self.contains(&t2, &fname, ty)?;
                    Ok(Expr::Contains { field, negated: true, value })
                } else {
                    Err(self.error(&t2, "`in` or `contains` after `not`"))
                }
            }
            Tok::Ident(w) if w.eq_ignore_ascii_case("is") => {
                self.bump();
                let mut negated = false;
                if self.peek().is_kw("not") {
                    self.bump();
                    negated = true;
                }
                let s = self.peek().clone();
                if !s.is_kw("set") {
                    return Err(
                        self.error(&s, if negated { "`set` after `is not`" } else { "`set` or `not set` after `is`" })
                    );
                }
                self.bump();
                Ok(Expr::IsSet { field, negated })
            }
            _ if ty == Type::Bool => Ok(Expr::Flag(field)),
            Tok::Ident(w) if !is_keyword(w) => {
                let w = w.clone();
                Err(self.error(&t, "an operator (=, !=, <, <=, >, >=, in, contains, is set)").suggest(&w, KEYWORDS))
            }
            _ => Err(self.error(&t, "an operator (=, !=, <, <=, >, >=, in, contains, is set)")),
        }
    }

    fn check_op(&self, t: &Token, fname: &str, ty: Type, op: CmpOp) -> Result<(), ParseError> {
        let bad = |expected: &str, hint: String| Err(self.error(t, expected).hint(hint));
        match ty {
            Type::List => bad("`contains`, `in` or `is set`", format!("`{fname}` is a list")),
            Type::Bool if op.is_ordering() => bad("`=` or `!=`", format!("`{fname}` is true or false")),
            Type::Enum(k) if op.is_ordering() && !k.ordered() => {
                bad("`=`, `!=` or `in`", format!("`{fname}` has no order; its values are {}", k.names().join(", ")))
            }
            _ => Ok(()),
        }
    }

    fn contains(&mut self, op: &Token, fname: &str, ty: Type) -> Result<String, ParseError> {
        if !matches!(ty, Type::Text | Type::Industry | Type::List | Type::Custom) {
            return Err(self
                .error(op, "an operator (=, !=, <, <=, >, >=, in, is set)")
                .hint(format!("`contains` works on text and lists; `{fname}` is {}", ty.describe())));
        }
        let t = self.peek().clone();
        match &t.tok {
            Tok::Str(s) => {
                self.bump();
                Ok(s.clone())
            }
            Tok::Ident(s) if !is_keyword(s) => {
                self.bump();
                Ok(s.clone())
            }
            _ => Err(self.error(&t, "text in quotes")),
        }
    }

    fn list(&mut self, ty: Type, fname: &str) -> Result<Vec<Literal>, ParseError> {
        let open = self.peek().clone();
        if open.tok != Tok::LBracket {
            return Err(self.error(&open, "`[` to start a list"));
        }
        self.bump();
        let mut values = Vec::new();
        loop {
            let t = self.peek().clone();
            if t.tok == Tok::RBracket {
                if values.is_empty() {
                    return Err(self.error(&t, "a value").hint("a list needs at least one value"));
                }
                self.bump();
                return Ok(values);
            }
            let item_ty = if ty == Type::List { Type::Text } else { ty };
            values.push(self.value(item_ty, fname)?);
            let sep = self.peek().clone();
            match sep.tok {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RBracket => {}
                _ => return Err(self.error(&sep, "`,` or `]`")),
            }
        }
    }

    /// `N unit` after `within` or before `ago`; also returns whether the unit word carried
    /// the Chinese `前` (ago), as in `3个月前`.
    fn window(&mut self) -> Result<(Window, bool), ParseError> {
        let n = self.peek().clone();
        let amount = match &n.tok {
            Tok::Num(NumLit { plain_int: Some(v), .. }) => *v,
            _ => return Err(self.error(&n, "a whole number of days, weeks, months or years")),
        };
        self.bump();
        let u = self.peek().clone();
        let Tok::Ident(word) = &u.tok else {
            return Err(self.error(&u, WINDOWED_UNITS));
        };
        let lower = word.to_ascii_lowercase();
        let (base, ago) = match lower.strip_suffix('前') {
            Some(b) => (b.to_string(), true),
            None => (lower.clone(), false),
        };
        let unit = match base.as_str() {
            "day" | "days" | "天" | "日" => Unit::Days,
            "week" | "weeks" | "周" | "星期" | "个星期" => Unit::Weeks,
            "month" | "months" | "月" | "个月" => Unit::Months,
            "year" | "years" | "年" => Unit::Years,
            _ => {
                let e = self.error(&u, WINDOWED_UNITS).suggest(word, &["days", "weeks", "months", "years"]);
                return Err(e);
            }
        };
        self.bump();
        Ok((Window { amount, unit }, ago))
    }

    fn value(&mut self, ty: Type, fname: &str) -> Result<Literal, ParseError> {
        let t = self.peek().clone();
        let lit = match ty {
            Type::Number | Type::Percent | Type::Money => {
                let expected = match ty {
                    Type::Money => "an amount in yuan (e.g. 500000, 500000.50, 50万)",
                    Type::Percent => "a percentage (e.g. 60 or 60%)",
                    _ => "a number",
                };
                let Tok::Num(n) = &t.tok else {
                    return Err(self.error(&t, expected));
                };
                if n.percent && ty != Type::Percent {
                    return Err(self
                        .error(&t, expected)
                        .hint(format!("`%` is for rates; `{fname}` is {}", ty.describe())));
                }
                if n.yuan && ty != Type::Money {
                    return Err(self
                        .error(&t, expected)
                        .hint(format!("`¥`/`元` are for amounts; `{fname}` is {}", ty.describe())));
                }
                let v = n.scaled().ok_or_else(|| self.error(&t, expected).hint("too large"))?;
                if ty == Type::Money {
                    let fen = v.mul_int(100).ok_or_else(|| self.error(&t, expected).hint("too large"))?;
                    if fen.numer() % fen.denom() != 0 {
                        return Err(self
                            .error(&t, "an amount in yuan with at most two decimals")
                            .hint("fen is the smallest unit"));
                    }
                    if i64::try_from(fen.numer() / fen.denom()).is_err() {
                        return Err(self.error(&t, expected).hint("too large"));
                    }
                }
                self.bump();
                Literal::Number(v)
            }
            Type::Date => self.date_value(&t, "a date (YYYY-MM-DD), `today` or `N days|weeks|months|years ago`")?,
            Type::Text | Type::Industry => match &t.tok {
                Tok::Str(s) => {
                    self.bump();
                    Literal::Text(normalise_text(ty, s))
                }
                Tok::Ident(s) if !is_keyword(s) => {
                    self.bump();
                    Literal::Text(normalise_text(ty, s))
                }
                _ => return Err(self.error(&t, "text in quotes")),
            },
            Type::Enum(kind) => {
                let names = kind.names();
                let expected = format!("one of {}", names.join(", "));
                let word = match &t.tok {
                    Tok::Str(s) => s.clone(),
                    Tok::Ident(s) => s.clone(),
                    _ => return Err(self.error(&t, &expected)),
                };
                match kind.parse(&word) {
                    Some(o) => {
                        self.bump();
                        Literal::Enum(kind, o)
                    }
                    None => return Err(self.error(&t, &expected).suggest(&word, &names)),
                }
            }
            Type::Bool => match &t.tok {
                Tok::Ident(w) if w.eq_ignore_ascii_case("true") || w == "是" => {
                    self.bump();
                    Literal::Bool(true)
                }
                Tok::Ident(w) if w.eq_ignore_ascii_case("false") || w == "否" => {
                    self.bump();
                    Literal::Bool(false)
                }
                _ => return Err(self.error(&t, "`true` or `false`")),
            },
            Type::List => return Err(self.error(&t, "text in quotes")),
            Type::Custom => match &t.tok {
                Tok::Str(s) => {
                    self.bump();
                    Literal::Text(s.clone())
                }
                Tok::Num(n) if !n.percent => match n.scaled() {
                    Some(v) => {
                        // `3 months ago` compares a custom field as a date.
                        let unit_follows = self.unit_follows();
                        if n.plain_int.is_some() && unit_follows {
                            return self.date_value(&t, "a value");
                        }
                        self.bump();
                        Literal::Number(v)
                    }
                    None => return Err(self.error(&t, "a number").hint("too large")),
                },
                Tok::Date(_) => self.date_value(&t, "a value")?,
                Tok::Ident(w) if w.eq_ignore_ascii_case("today") => self.date_value(&t, "a value")?,
                Tok::Ident(s) if !is_keyword(s) => {
                    self.bump();
                    Literal::Text(s.clone())
                }
                _ => return Err(self.error(&t, "a value: text in quotes, a number or a date")),
            },
        };
        Ok(lit)
    }

    fn date_value(&mut self, t: &Token, expected: &str) -> Result<Literal, ParseError> {
        match &t.tok {
            Tok::Date(d) => {
                self.bump();
                Ok(Literal::Date(DateLit::Day(*d)))
            }
            Tok::Ident(w) if w.eq_ignore_ascii_case("today") || w == "今天" => {
                self.bump();
                Ok(Literal::Date(DateLit::Today))
            }
            Tok::Num(NumLit { plain_int: Some(_), .. }) => {
                let unit_follows = self.unit_follows();
                if !unit_follows {
                    return Err(self.error(t, expected));
                }
                let (w, ago) = self.window()?;
                if !ago {
                    let a = self.peek().clone();
                    if !a.is_kw("ago") {
                        return Err(self.error(&a, "`ago`").hint(format!("write `{w} ago`")));
                    }
                    self.bump();
                }
                Ok(Literal::Date(DateLit::Ago(w)))
            }
            _ => Err(self.error(t, expected)),
        }
    }
}

fn unit_word(w: &str) -> bool {
    let lower = w.to_ascii_lowercase();
    let base = lower.strip_suffix('前').unwrap_or(&lower);
    matches!(
        base,
        "day"
            | "days"
            | "天"
            | "日"
            | "week"
            | "weeks"
            | "周"
            | "星期"
            | "个星期"
            | "month"
            | "months"
            | "月"
            | "个月"
            | "year"
            | "years"
            | "年"
    )
}

fn normalise_text(ty: Type, s: &str) -> String {
    if ty == Type::Industry {
        if let Ok(i) = rapport_model::industry(s) {
            return i.code.to_string();
        }
    }
    s.to_string()
}
