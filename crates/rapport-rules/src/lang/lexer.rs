//! Splits rule text into tokens, tracking 1-based line and column in characters (not
//! bytes, so Chinese text counts one column per character).
//!
//! A lexing error does not stop the lexer at once: it becomes the last token, so the parser
//! reports errors in the order they appear in the text.

use super::ast::CmpOp;
use super::ParseError;
use crate::facts::{day_of, Day};
use crate::num::Ratio;
use rapport_model::Date;

/// Words with a meaning of their own; they cannot be field names or bare text values.
pub(crate) const KEYWORDS: &[&str] =
    &["and", "or", "not", "in", "within", "has", "tag", "contains", "is", "set", "true", "false", "today", "ago"];

pub(crate) fn is_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// A number as written, with its suffixes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NumLit {
    /// Value before applying 万 (ten-thousands).
    pub value: Ratio,
    /// Followed by 万.
    pub wan: bool,
    /// Followed by 元, or preceded by ¥.
    pub yuan: bool,
    /// Followed by %.
    pub percent: bool,
    /// Written without a decimal point, sign or suffix.
    pub plain_int: Option<u32>,
}

impl NumLit {
    /// The value with 万 applied.
    pub fn scaled(&self) -> Option<Ratio> {
        if self.wan {
            self.value.mul_int(10_000)
        } else {
            Some(self.value)
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    Str(String),
    Num(NumLit),
    Date(Day),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Op(CmpOp),
    End,
    Error(Box<ParseError>),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub line: u32,
    pub col: u32,
    /// The source text of the token, for messages.
    pub text: String,
}

impl Token {
    /// How the token is shown after "found".
    pub fn found(&self) -> String {
        match self.tok {
            Tok::End => "end of rule".to_string(),
            _ => format!("`{}`", self.text),
        }
    }

    /// Whether the token is the keyword `kw` (ASCII case ignored).
    pub fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.tok, Tok::Ident(w) if w.eq_ignore_ascii_case(kw))
    }
}

struct Lexer {
    chars: Vec<char>,
    i: usize,
    line: u32,
    col: u32,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.i + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.get(self.i).copied()?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn skip_space(&mut self) {
        while let Some(c) = self.peek(0) {
            if c.is_whitespace() {
                self.bump();
            } else if c == '#' {
                while let Some(c) = self.peek(0) {
                    if c == '\n' {
                        break;
                    }
                    self.bump();
                }
            } else {
                break;
            }
        }
    }
}

fn err(line: u32, col: u32, expected: &str, found: String) -> Tok {
    Tok::Error(Box::new(ParseError::new(line, col, expected, found)))
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Tokenises `text`; the last token is `End` or an `Error`.
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let mut lx = Lexer { chars: text.chars().collect(), i: 0, line: 1, col: 1 };
    let mut out = Vec::new();
    loop {
        lx.skip_space();
        let (line, col, start) = (lx.line, lx.col, lx.i);
        let Some(c) = lx.peek(0) else {
            out.push(Token { tok: Tok::End, line, col, text: String::new() });
            return out;
        };
        let next = lx.peek(1);
        let tok = match c {
            '(' | '（' => single(&mut lx, Tok::LParen),
            ')' | '）' => single(&mut lx, Tok::RParen),
            '[' | '【' => single(&mut lx, Tok::LBracket),
            ']' | '】' => single(&mut lx, Tok::RBracket),
            ',' | '，' | '、' => single(&mut lx, Tok::Comma),
            '.' => single(&mut lx, Tok::Dot),
            '=' | '＝' => {
                lx.bump();
                if lx.peek(0) == Some('=') {
                    lx.bump();
                }
                Tok::Op(CmpOp::Eq)
            }
            '≠' => single(&mut lx, Tok::Op(CmpOp::Ne)),
            '≤' => single(&mut lx, Tok::Op(CmpOp::Le)),
            '≥' => single(&mut lx, Tok::Op(CmpOp::Ge)),
            '!' | '！' if matches!(next, Some('=') | Some('＝')) => {
                lx.bump();
                lx.bump();
                Tok::Op(CmpOp::Ne)
            }
            '<' => {
                lx.bump();
                match lx.peek(0) {
                    Some('=') => {
                        lx.bump();
                        Tok::Op(CmpOp::Le)
                    }
                    Some('>') => {
                        lx.bump();
                        Tok::Op(CmpOp::Ne)
                    }
                    _ => Tok::Op(CmpOp::Lt),
                }
            }
            '>' => {
                lx.bump();
                if lx.peek(0) == Some('=') {
                    lx.bump();
                    Tok::Op(CmpOp::Ge)
                } else {
                    Tok::Op(CmpOp::Gt)
                }
            }
            '"' | '\'' | '“' | '‘' => string(&mut lx, line, col),
            c if c.is_ascii_digit() => number(&mut lx, line, col),
            '-' | '+' | '¥' | '￥' if next.is_some_and(|n| n.is_ascii_digit()) => number(&mut lx, line, col),
            c if is_ident_start(c) => {
                let mut word = String::new();
                while let Some(c) = lx.peek(0) {
                    if is_ident_char(c) || (c == '.' && lx.peek(1).is_some_and(is_ident_start)) {
                        word.push(c);
                        lx.bump();
                    } else {
                        break;
                    }
                }
                Tok::Ident(word)
            }
            other => {
                lx.bump();
                let expected = if other == '!' {
                    "`!=` (write `not` for negation)"
                } else if other == '&' || other == '|' {
                    "a field, value or operator (write `and` / `or`)"
                } else {
                    "a field, value or operator"
                };
                err(line, col, expected, format!("`{other}`"))
            }
        };
        let text: String = lx.chars[start..lx.i].iter().collect();
        let stop = matches!(tok, Tok::Error(_));
        out.push(Token { tok, line, col, text });
        if stop {
            return out;
        }
    }
}

fn single(lx: &mut Lexer, tok: Tok) -> Tok {
    lx.bump();
    tok
}

fn string(lx: &mut Lexer, line: u32, col: u32) -> Tok {
    let open = lx.bump().unwrap_or('"');
    let close = match open {
        '“' => '”',
        '‘' => '’',
        c => c,
    };
    let mut s = String::new();
    loop {
        let (el, ec) = (lx.line, lx.col);
        match lx.bump() {
            None => {
                return err(line, col, &format!("a closing `{close}` for the text started here"), "end of rule".into())
            }
            Some('\n') => {
                return err(line, col, &format!("a closing `{close}` for the text started here"), "end of line".into())
            }
            Some(c) if c == close => return Tok::Str(s),
            Some('\\') if open == '"' || open == '\'' => match lx.bump() {
                Some('"') => s.push('"'),
                Some('\'') => s.push('\''),
                Some('\\') => s.push('\\'),
                Some('n') => s.push('\n'),
                Some('t') => s.push('\t'),
                Some('u') if lx.peek(0) == Some('{') => {
                    lx.bump();
                    let mut hex = String::new();
                    while let Some(c) = lx.peek(0) {
                        if c == '}' {
                            break;
                        }
                        hex.push(c);
                        lx.bump();
                    }
                    let closed = lx.bump() == Some('}');
                    match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        Some(ch) if closed => s.push(ch),
                        _ => return err(el, ec, "a unicode escape like `\\u{4E2D}`", format!("`\\u{{{hex}`")),
                    }
                }
                other => {
                    let shown = other.map_or(String::new(), |c| c.to_string());
                    return err(
                        el,
                        ec,
                        "an escape: `\\\"`, `\\'`, `\\\\`, `\\n`, `\\t` or `\\u{...}`",
                        format!("`\\{shown}`"),
                    );
                }
            },
            Some(c) => s.push(c),
        }
    }
}

fn digits(lx: &mut Lexer) -> String {
    let mut s = String::new();
    while let Some(c) = lx.peek(0) {
        if c.is_ascii_digit() || (c == '_' && lx.peek(1).is_some_and(|n| n.is_ascii_digit())) {
            s.push(c);
            lx.bump();
        } else {
            break;
        }
    }
    s
}

fn number(lx: &mut Lexer, line: u32, col: u32) -> Tok {
    let mut text = String::new();
    let mut yuan = false;
    let mut signed = false;
    if let Some(c @ ('-' | '+' | '¥' | '￥')) = lx.peek(0) {
        lx.bump();
        match c {
            '-' | '+' => {
                signed = true;
                text.push(c);
            }
            _ => yuan = true,
        }
    }
    let int = digits(lx);
    text.push_str(&int);
    // A date: four digits, `-`, month, `-`, day.
    if !signed && !yuan && int.len() == 4 && lx.peek(0) == Some('-') && lx.peek(1).is_some_and(|c| c.is_ascii_digit()) {
        lx.bump();
        let month = digits(lx);
        let day = if lx.peek(0) == Some('-') {
            lx.bump();
            digits(lx)
        } else {
            String::new()
        };
        let shown = format!("{int}-{month}-{day}");
        let date = match (int.parse(), month.parse(), day.parse()) {
            (Ok(y), Ok(m), Ok(d)) if month.len() <= 2 && day.len() <= 2 => Date::from_ymd_opt(y, m, d),
            _ => None,
        };
        return match date {
            Some(d) => Tok::Date(day_of(d)),
            None => err(line, col, "a valid date in the form YYYY-MM-DD", format!("`{shown}`")),
        };
    }
    let mut has_point = false;
    if lx.peek(0) == Some('.') && lx.peek(1).is_some_and(|c| c.is_ascii_digit()) {
        lx.bump();
        has_point = true;
        text.push('.');
        text.push_str(&digits(lx));
    }
    let mut wan = false;
    let mut percent = false;
    if lx.peek(0) == Some('万') {
        lx.bump();
        wan = true;
    }
    if lx.peek(0) == Some('元') {
        lx.bump();
        yuan = true;
    } else if !wan && !yuan && matches!(lx.peek(0), Some('%') | Some('％')) {
        lx.bump();
        percent = true;
    }
    let Some(value) = Ratio::parse_decimal(&text) else {
        return err(line, col, "a number of at most 30 digits", format!("`{text}`"));
    };
    let plain_int =
        if !has_point && !signed && !wan && !yuan && !percent { int.replace('_', "").parse().ok() } else { None };
    Tok::Num(NumLit { value, wan, yuan, percent, plain_int })
}
