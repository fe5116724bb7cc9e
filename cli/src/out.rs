//! Printing: aligned tables for people (Chinese text is double width), JSON for scripts,
//! contact data masked unless `--reveal`.

use rapport_model::{Customer, Masking};
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

/// Prints JSON, pretty, with a trailing newline.
pub fn json<T: Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// Prints rows under headers, columns padded to display width.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.width());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(widths[i].saturating_sub(c.width()) + 2));
            }
        }
        println!("{}", s.trim_end());
    };
    line(headers.to_vec());
    for r in rows {
        line(r.iter().map(String::as_str).collect());
    }
}

/// A customer with contact data masked as requested.
pub fn masked(c: &Customer, m: Masking) -> Customer {
    let mut c = c.clone();
    for ct in &mut c.contacts {
        ct.phone = ct.phone.as_deref().map(|p| m.phone(p));
        ct.other_phones = ct.other_phones.iter().map(|p| m.phone(p)).collect();
        ct.email = ct.email.as_deref().map(|e| m.email(e));
        if m == Masking::Masked {
            ct.wechat = ct.wechat.as_ref().map(|w| format!("{}***", w.chars().take(2).collect::<String>()));
        }
    }
    c
}

/// `Some(x)` as text, `None` as `-`.
pub fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}
