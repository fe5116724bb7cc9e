//! Normalisers: turn the values people type into spreadsheets (dates in five notations,
//! amounts with 万 and thousands separators, industries by name, phones with `+86` and
//! dashes, stages and kinds in Chinese or English) into the model's canonical values.
//!
//! Each returns `Err(reason)` with a sentence a user can act on, quoting the cell as the
//! user typed it ([`quoted`]: not folded or rewritten, cut to 60 characters); the plan
//! attaches the row and column. The model's own parsers (`Money::parse`, `industry`,
//! `Stage::parse`, ...) do the final check, so a value accepted here is accepted by
//! `NewCustomer::validate` too. Phones are read here ([`classify_phone`]: mobiles,
//! landlines with or without area code, 400/800 service numbers, extensions,
//! international numbers) into the canonical forms the model's `validate_phone` accepts.
//!
//! [`clean_cell`] is applied to every cell as the sheet is read.

use rapport_model::{
    industry as model_industry, normalize_text, validate_credit_code, validate_email, Date, Industry, Kind, Money,
    Stage, INDUSTRIES,
};

/// Folds full-width ASCII forms (`０-９`, `＋`, `＠`, `，`...) and the ideographic space to
/// ASCII, keeping everything else (Chinese characters, case) as it is.
pub fn fold_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '。' => '.',
            _ => c,
        })
        .collect()
}

/// How many characters of a cell a message quotes; a longer cell is cut with `…`.
pub const QUOTE_CHARS: usize = 60;

/// A cell quoted for a message, as the user typed it (no folding, no rewriting: `1.5E+10`
/// stays `1.5E+10`), between backticks, on one line, cut to [`QUOTE_CHARS`] characters.
/// Every message of this module quotes values with it.
pub fn quoted(cell: &str) -> String {
    let t = cell.trim();
    let mut out = String::with_capacity(t.len().min(4 * QUOTE_CHARS) + 8);
    out.push('`');
    for (i, c) in t.chars().enumerate() {
        if i == QUOTE_CHARS {
            out.push('…');
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out.push('`');
    out
}

/// A reason from the model's validators, which quote the text they were given (after our
/// folding), quoting the user's cell instead.
fn requote(cell: &str, reason: &str) -> String {
    let rest = reason.strip_prefix('`').and_then(|r| r.split_once('`')).map(|(_, rest)| rest.trim_start());
    match rest {
        Some(rest) => format!("{} {rest}", quoted(cell)),
        None => format!("{}: {reason}", quoted(cell)),
    }
}

/// Unicode format characters (general category Cf): invisible, typed by no one on purpose,
/// but pasted in from web pages and chat apps (`U+200B` zero-width space, `U+FEFF` a BOM
/// inside a cell, `U+200E` direction marks, `U+00AD` soft hyphen...).
fn is_format_char(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2 | 0x180E
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF
        | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

/// Unicode space separators (general category Zs) other than the plain space, and the tab:
/// `U+00A0` no-break space (what a copied web table holds), `U+3000` ideographic space,
/// the typographic spaces `U+2000`-`U+200A`, `U+202F`, `U+205F`, `U+1680`.
fn is_odd_space(c: char) -> bool {
    matches!(c as u32, 0x09 | 0xA0 | 0x1680 | 0x2000..=0x200A | 0x202F | 0x205F | 0x3000)
}

/// Characters that end a line inside a cell besides `\n`: `\r` (of a `\r\n`), vertical tab
/// and form feed (Alt+Enter in some exports), `U+0085`, `U+2028`, `U+2029`.
fn is_odd_line_break(c: char) -> bool {
    matches!(c as u32, 0x0B | 0x0C | 0x0D | 0x85 | 0x2028 | 0x2029)
}

fn needs_cleaning(c: char) -> bool {
    // Most cells are ASCII text: settle those with one comparison.
    if c.is_ascii() {
        return (c < ' ' && c != '\n') || c == '\x7f';
    }
    c.is_control() || is_format_char(c) || is_odd_space(c) || is_odd_line_break(c)
}

/// Cleans one cell as it is read, so names and texts that look the same are the same:
/// format characters (zero-width spaces, BOMs, direction marks) removed, other control
/// characters removed, every space character made a plain space, line breaks made `\n`
/// (`\r\n` as one), and the result trimmed. A clean cell is returned as it is, without a
/// copy.
pub fn clean_cell(text: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = text.trim_matches(|c: char| c.is_whitespace() || is_format_char(c));
    if !trimmed.chars().any(needs_cleaning) {
        return std::borrow::Cow::Borrowed(trimmed);
    }
    let mut out = String::with_capacity(trimmed.len());
    let mut chars = trimmed.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue;
        }
        if is_odd_line_break(c) {
            out.push('\n');
        } else if is_odd_space(c) {
            out.push(' ');
        } else if !needs_cleaning(c) {
            out.push(c);
        }
    }
    // Removing a format character may have uncovered spaces at either end.
    let t = out.trim();
    if t.len() == out.len() {
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Owned(t.to_string())
    }
}

/// Cell values that mean "nothing here" in typed columns (dates, amounts, phones, codes...).
/// Text columns keep them as written.
pub fn is_placeholder(text: &str) -> bool {
    let t = fold_width(text);
    let t = t.trim();
    t.is_empty()
        || matches!(t, "-" | "--" | "—" | "/" | "无" | "暂无" | "未知" | "待补充" | "不详" | "null" | "NULL" | "None")
        || t.eq_ignore_ascii_case("n/a")
        || t.eq_ignore_ascii_case("na")
}

/// Smallest Excel serial number taken as a date (1927-05-18); smaller numbers are far
/// more likely a mistyped year or count than a date in a customer sheet.
const MIN_SERIAL: u32 = 10_000;
/// Excel's last date, 9999-12-31.
const MAX_SERIAL: u32 = 2_958_465;

/// Converts an Excel serial day number (1900 date system) to a date.
pub fn excel_serial_date(serial: u32) -> Option<Date> {
    // Excel counts 1900-02-29, which did not exist; from serial 61 on, day 0 is 1899-12-30.
    if !(61..=MAX_SERIAL).contains(&serial) {
        return None;
    }
    Date::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(u64::from(serial)))
}

/// Parses a date in the forms spreadsheets hold: `2024-03-01`, `2024/3/1`, `2024.3.1`,
/// `2024年3月1日`, `20240301`, an Excel serial number (`45352`, `45352.5`), or any of these
/// followed by a time (dropped). Day-first or month-first dates (`03/01/2024`) are accepted
/// only when unambiguous (`25/03/2024`).
pub fn parse_date(text: &str) -> Result<Date, String> {
    let folded = fold_width(text);
    let t = folded.trim();
    if t.is_empty() {
        return Err("is empty".into());
    }
    // Drop a time part: "2024-03-01 14:30", "2024-03-01T14:30:00", "2024年3月1日 下午".
    let date_part = t.split([' ', 'T']).next().unwrap_or(t);
    let q = quoted(text);
    let bad = || format!("{q} is not a date; write it as YYYY-MM-DD (e.g. 2024-03-01)");

    if date_part.bytes().all(|b| b.is_ascii_digit()) {
        if date_part.len() == 8 {
            let y = date_part[..4].parse().map_err(|_| bad())?;
            let m = date_part[4..6].parse().map_err(|_| bad())?;
            let d = date_part[6..].parse().map_err(|_| bad())?;
            return ymd(y, m, d, &q);
        }
        if date_part.len() <= 7 {
            let n: u32 = date_part.parse().map_err(|_| bad())?;
            return serial(n, &q);
        }
        return Err(bad());
    }
    // A serial with a time fraction: "45352.5".
    if let Some((i, f)) = date_part.split_once('.') {
        if !f.contains('.')
            && i.len() >= 5
            && i.bytes().all(|b| b.is_ascii_digit())
            && f.bytes().all(|b| b.is_ascii_digit())
        {
            let n: u32 = i.parse().map_err(|_| bad())?;
            return serial(n, &q);
        }
    }
    let cleaned = date_part.trim_end_matches(['日', '号']);
    let parts: Vec<&str> = cleaned.split(['-', '/', '.', '年', '月']).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 4) {
        return Err(bad());
    }
    let nums: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    if nums.len() != 3 {
        return Err(bad());
    }
    if parts[0].len() == 4 {
        return ymd(nums[0] as i32, nums[1], nums[2], &q);
    }
    if parts[2].len() == 4 {
        let (a, b, y) = (nums[0], nums[1], nums[2] as i32);
        return match (a > 12, b > 12) {
            (true, false) => ymd(y, b, a, &q),
            (false, true) => ymd(y, a, b, &q),
            _ if a == b => ymd(y, a, b, &q),
            _ => Err(format!("{q} is ambiguous (day/month or month/day?); write it as YYYY-MM-DD")),
        };
    }
    Err(format!("{q} has no four-digit year; write it as YYYY-MM-DD"))
}

/// `q` is the cell as [`quoted`].
fn ymd(y: i32, m: u32, d: u32, q: &str) -> Result<Date, String> {
    if !(1900..=2999).contains(&y) {
        return Err(format!("{q} has an implausible year {y}"));
    }
    Date::from_ymd_opt(y, m, d).ok_or_else(|| format!("{q} is not a real calendar day"))
}

/// `q` is the cell as [`quoted`].
fn serial(n: u32, q: &str) -> Result<Date, String> {
    if !(MIN_SERIAL..=MAX_SERIAL).contains(&n) {
        return Err(format!("{q} is not a date; write it as YYYY-MM-DD (e.g. 2024-03-01)"));
    }
    excel_serial_date(n).ok_or_else(|| format!("{q} is not a date"))
}

/// Parses an amount of yuan exactly: `1,234.50`, `12.5万`, `12.5万元`, `3000元`, `￥1,000`,
/// `RMB 500`, full-width digits. A comma that is not a thousands separator (`12,80`,
/// `1,2345`) is refused as ambiguous. With `in_wan` (the column header says 万元) a bare number
/// is ten-thousands of yuan. Negative amounts are refused: a customer sheet never owes.
pub fn parse_amount(text: &str, in_wan: bool) -> Result<Money, String> {
    let folded = fold_width(text);
    let mut t: String = folded.trim().chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return Err("is empty".into());
    }
    for prefix in ["人民币", "RMB", "rmb", "CNY", "cny"] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest.to_string();
        }
    }
    t = without_thousands_commas(&t).map_err(|why| format!("{} {why}", quoted(text)))?;
    let has_unit = t.ends_with('元') || t.ends_with('万') || t.ends_with('圆');
    if let Some(rest) = t.strip_suffix('圆') {
        t = format!("{rest}元");
    }
    if in_wan && !has_unit {
        t.push('万');
    }
    let m = Money::parse("amount", &t).map_err(|e| {
        // The model's message quotes our rewritten text; quote the user's instead.
        let why = e.reason.split_once(": ").map(|(_, w)| w).unwrap_or("use digits").to_string();
        format!("{} is not an amount: {why}", quoted(text))
    })?;
    if m.fen() < 0 {
        return Err(format!("{} is negative", quoted(text)));
    }
    Ok(m)
}

/// Removes the commas of a number written with thousands separators (`1,234.50`,
/// `12,345,678`). A comma separates thousands only between groups of exactly three digits
/// before the decimal point; anything else (`12,80`, a decimal comma, or `1,2345`) could
/// mean two different amounts and is refused. `text` may carry a currency sign or unit
/// around the number. Full-width commas are expected folded already ([`fold_width`]).
fn without_thousands_commas(text: &str) -> Result<String, String> {
    if !text.contains(',') {
        return Ok(text.to_string());
    }
    let is_number = |c: char| c.is_ascii_digit() || c == ',' || c == '.';
    let start = text.find(is_number).unwrap_or(0);
    let end = text[start..].find(|c: char| !is_number(c)).map_or(text.len(), |e| start + e);
    let number = &text[start..end];
    if text[end..].contains(',') {
        return Err("holds a comma outside the number; write the amount alone, e.g. 1,234.50".into());
    }
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    let mut groups = int.split(',');
    let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
    let grouped = first_ok && groups.all(|g| g.len() == 3) && !frac.contains(',');
    if !grouped {
        return Err(format!(
            "is ambiguous: a comma separates thousands only between groups of three digits (1,234 or 1,234.50); \
             write {} for a decimal or {} for a whole number",
            number.replacen(',', ".", 1).replace(',', ""),
            number.replace(',', "")
        ));
    }
    Ok(format!("{}{}{}", &text[..start], number.replace(',', ""), &text[end..]))
}

/// Industry keywords people write instead of the official section names.
const INDUSTRY_KEYWORDS: &[(&str, &str)] = &[
    ("制造", "C"),
    ("工厂", "C"),
    ("批发", "F"),
    ("零售", "F"),
    ("贸易", "F"),
    ("商贸", "F"),
    ("电商", "F"),
    ("软件", "I"),
    ("信息技术", "I"),
    ("互联网", "I"),
    ("通信", "I"),
    ("金融", "J"),
    ("银行", "J"),
    ("保险", "J"),
    ("证券", "J"),
    ("房地产", "K"),
    ("地产", "K"),
    ("物业", "K"),
    ("建筑", "E"),
    ("装修", "E"),
    ("物流", "G"),
    ("运输", "G"),
    ("仓储", "G"),
    ("快递", "G"),
    ("餐饮", "H"),
    ("酒店", "H"),
    ("住宿", "H"),
    ("教育", "P"),
    ("培训", "P"),
    ("学校", "P"),
    ("医疗", "Q"),
    ("医院", "Q"),
    ("卫生", "Q"),
    ("农业", "A"),
    ("林业", "A"),
    ("养殖", "A"),
    ("采矿", "B"),
    ("矿业", "B"),
    ("电力", "D"),
    ("燃气", "D"),
    ("科研", "M"),
    ("研究", "M"),
    ("咨询", "L"),
    ("商务服务", "L"),
    ("租赁", "L"),
    ("广告", "L"),
    ("文化", "R"),
    ("体育", "R"),
    ("娱乐", "R"),
    ("传媒", "R"),
    ("政府", "S"),
    ("公共管理", "S"),
    ("环保", "N"),
    ("家政", "O"),
    ("维修", "O"),
    ("manufactur", "C"),
    ("retail", "F"),
    ("wholesale", "F"),
    ("trading", "F"),
    ("e-commerce", "F"),
    ("software", "I"),
    ("internet", "I"),
    ("telecom", "I"),
    ("bank", "J"),
    ("insurance", "J"),
    ("financ", "J"),
    ("real estate", "K"),
    ("property", "K"),
    ("construction", "E"),
    ("logistic", "G"),
    ("transport", "G"),
    ("hotel", "H"),
    ("restaurant", "H"),
    ("catering", "H"),
    ("education", "P"),
    ("school", "P"),
    ("health", "Q"),
    ("hospital", "Q"),
    ("medical", "Q"),
    ("agricultur", "A"),
    ("mining", "B"),
    ("energy", "D"),
    ("consult", "L"),
    ("research", "M"),
    ("media", "R"),
    ("government", "S"),
];

/// Looks an industry up by section letter (`C`), number prefix (`MFG`), official Chinese or
/// English name (the model's `industry`), `C 制造业` / `制造业(C)` forms, or a common
/// keyword (`软件` → I, `银行` → J, `Retail` → F).
pub fn parse_industry(text: &str) -> Result<&'static Industry, String> {
    let folded = fold_width(text);
    let t = folded.trim();
    if t.is_empty() {
        return Err("is empty".into());
    }
    if let Ok(i) = model_industry(t) {
        return Ok(i);
    }
    let by_code = |c: char| INDUSTRIES.iter().find(|i| i.code.starts_with(c.to_ascii_uppercase()));
    let chars: Vec<char> = t.chars().collect();
    // "C 制造业", "C-制造业", "C制造业"
    if chars[0].is_ascii_alphabetic() && chars.get(1).is_none_or(|c| !c.is_ascii_alphabetic()) {
        if let Some(i) = by_code(chars[0]) {
            return Ok(i);
        }
    }
    // "制造业(C)", "制造业（C）"
    if let Some(open) = t.find(['(', '（']) {
        let inner: String = t[open..].chars().skip(1).take_while(|c| !matches!(c, ')' | '）')).collect();
        let inner = inner.trim();
        if inner.len() == 1 {
            if let Some(i) = inner.chars().next().and_then(by_code) {
                return Ok(i);
            }
        }
        if let Ok(i) = model_industry(t[..open].trim()) {
            return Ok(i);
        }
    }
    if t.eq_ignore_ascii_case("it") {
        return model_industry("I").map_err(|e| e.reason);
    }
    let lower = t.to_lowercase();
    if let Some((_, code)) = INDUSTRY_KEYWORDS.iter().find(|(k, _)| lower.contains(k)) {
        return model_industry(code).map_err(|e| e.reason);
    }
    Err(format!(
        "{} is not a known industry; use a section letter A-T or its name (e.g. C 制造业, F 批发和零售业, I 信息技术, J 金融业)",
        quoted(text)
    ))
}

/// What kind of number a phone cell holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhoneKind {
    /// A mainland mobile: 11 digits from `1`, second digit 3-9 (`13800138000`).
    Mobile,
    /// A fixed line: with area code (`010-12345678`, `0571-8888888`), a local number
    /// without one (`87654321`, `8765432`), or a 400/800 service number (`400-800-1234`);
    /// any of them with an extension (`010-12345678-123`).
    Landline,
    /// A number outside mainland China: `+`, country code and number (`+442071234567`).
    International,
}

/// A phone cell read and classified, in its canonical text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone {
    /// Which kind of number.
    pub kind: PhoneKind,
    /// The canonical form: `13800138000`; `010-12345678`, `0571-8888888`, `87654321`,
    /// `400-800-1234`, `800-123-4567`, each optionally followed by `-` and an extension of
    /// 1-6 digits (`010-12345678-123`, `400-800-1234-5`); `+442071234567`.
    pub canonical: String,
}

/// Reads a phone cell and says what it is. Accepts full-width digits, labels (`手机：`,
/// `Tel:`), `+86`/`0086`/`86` before a mobile, spaces, dashes, dots and brackets between
/// groups (`(021) 1234-5678`), an extension after `转`, `分机`, `ext`, `x`, `#` or a last
/// dash group, and a number cell that became `13812345678.0`. Refuses two numbers in one
/// cell, numbers in scientific notation (`1.38123E+10`: Excel has lost digits), and
/// anything that is not a mobile, a landline or `+` and a country code, with a reason
/// quoting the cell as typed.
pub fn classify_phone(text: &str) -> Result<Phone, String> {
    let q = quoted(text);
    let folded = fold_width(&clean_cell(text));
    let t = without_phone_label(folded.trim());
    let parts: Vec<&str> = t.split(['/', ',', ';', '、', '；', '|']).filter(|p| !p.trim().is_empty()).collect();
    if parts.len() > 1 {
        let numbers = parts.iter().filter(|p| p.chars().filter(char::is_ascii_digit).count() >= 7).count();
        if numbers > 1 {
            return Err(format!("{q} holds {numbers} numbers; keep one per cell"));
        }
    }
    if is_scientific(t) {
        return Err(format!(
            "{q} is in scientific notation, so Excel has dropped its last digits; format the column as text and type the number again"
        ));
    }
    let t = without_float_zeros(t);
    let (number, ext) = split_extension(t).map_err(|why| format!("{q} {why}"))?;
    if number.chars().any(|c| !(c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | '.'))) {
        return Err(format!(
            "{q} may hold only digits, spaces, `+`, `-`, brackets and an extension (转 123); write one phone number"
        ));
    }
    let mut groups: Vec<String> =
        number.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).map(str::to_string).collect();
    let digits: String = groups.concat();
    if digits.is_empty() {
        return Err(format!("{q} holds no digits"));
    }
    let international = number.trim_start().starts_with('+') || digits.starts_with("00");
    if international {
        let mut d = digits.strip_prefix("00").unwrap_or(&digits).to_string();
        if d.starts_with("86") {
            // Drop the country code from the first group(s): `+86 10 12345678`, `+8613800138000`.
            let mut skip = if digits.starts_with("00") { 4 } else { 2 };
            groups.retain_mut(|g| {
                let cut = skip.min(g.len());
                g.replace_range(..cut, "");
                skip -= cut;
                !g.is_empty()
            });
            return national_phone(&groups, ext, &q, true);
        }
        if !(8..=15).contains(&d.len()) {
            return Err(format!("{q} is not an international number: `+`, country code and 6-14 digits"));
        }
        if d.starts_with('0') {
            return Err(format!("{q} has a country code starting with 0"));
        }
        d.insert(0, '+');
        return Ok(Phone { kind: PhoneKind::International, canonical: with_extension(d, ext) });
    }
    // A mobile in a number cell that lost its `+`: 8613800138000.
    if groups.len() == 1 && digits.len() == 13 && digits.starts_with("861") {
        return national_phone(&[digits[2..].to_string()], ext, &q, false);
    }
    national_phone(&groups, ext, &q, false)
}

/// [`classify_phone`]'s canonical text: what the import stores.
pub fn parse_phone(text: &str) -> Result<String, String> {
    classify_phone(text).map(|p| p.canonical)
}

/// Drops a label typed before the number: `手机:`, `电话`, `Tel:`, `座机：`.
fn without_phone_label(t: &str) -> &str {
    for label in [
        "手机号码",
        "手机号",
        "电话号码",
        "联系电话",
        "手机",
        "电话",
        "座机",
        "固话",
        "telephone",
        "tel",
        "phone",
        "mobile",
    ] {
        let head = t.get(..label.len());
        if head.is_some_and(|h| h.eq_ignore_ascii_case(label)) {
            return t[label.len()..].trim_start().trim_start_matches(':').trim_start();
        }
    }
    t
}

/// `1.38123E+10`, `1.38E10`: a long number Excel displayed in scientific notation.
fn is_scientific(t: &str) -> bool {
    let Some((mantissa, exp)) = t.split_once(['e', 'E']) else { return false };
    let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    !mantissa.is_empty()
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && mantissa.bytes().any(|b| b.is_ascii_digit())
        && !exp.is_empty()
        && exp.bytes().all(|b| b.is_ascii_digit())
}

/// `13812345678.0` → `13812345678`: a number cell written out as a decimal. Any other dot
/// stays a separator (`138.0013.8000`).
fn without_float_zeros(t: &str) -> &str {
    match t.split_once('.') {
        Some((int, zeros))
            if int.len() >= 7
                && int.bytes().all(|b| b.is_ascii_digit())
                && !zeros.is_empty()
                && zeros.bytes().all(|b| b == b'0') =>
        {
            int
        }
        _ => t,
    }
}

/// Splits an extension written after `转`, `分机`, `ext`, `x` or `#` off the number.
fn split_extension(t: &str) -> Result<(&str, Option<String>), String> {
    let lower = t.to_ascii_lowercase();
    let marker =
        ["分机号", "分机", "转", "ext.", "ext", "x", "#"].iter().find_map(|m| lower.find(m).map(|i| (i, m.len())));
    let Some((at, len)) = marker else { return Ok((t, None)) };
    let ext: String = t[at + len..].chars().filter(|c| !matches!(c, ' ' | ':' | '-' | '.')).collect();
    if !(1..=6).contains(&ext.len()) || !ext.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("has an extension `{}` that is not 1-6 digits", t[at + len..].trim()));
    }
    Ok((&t[..at], Some(ext)))
}

fn with_extension(mut number: String, ext: Option<String>) -> String {
    if let Some(e) = ext {
        number.push('-');
        number.push_str(&e);
    }
    number
}

/// A mainland number from its digit groups (country code removed). `after_86` says a
/// `+86` came first, so a landline's area code has lost its `0`.
fn national_phone(groups: &[String], ext: Option<String>, q: &str, after_86: bool) -> Result<Phone, String> {
    let digits: String = groups.concat();
    if digits.is_empty() {
        return Err(format!("{q} holds no number after the country code"));
    }
    let landline = |canonical: String| Ok(Phone { kind: PhoneKind::Landline, canonical });
    // After +86, `10` is Beijing's area code without its 0; no mobile starts with 10.
    if digits.starts_with('1') && !(after_86 && digits.starts_with("10")) {
        if digits.len() != 11 {
            return Err(format!("{q} has {} digits; a mainland mobile has 11", digits.len()));
        }
        if !matches!(digits.as_bytes()[1], b'3'..=b'9') {
            return Err(format!("{q} is not a mainland mobile: the second digit must be 3-9"));
        }
        if ext.is_some() {
            return Err(format!("{q} is a mobile with an extension; a mobile has none"));
        }
        return Ok(Phone { kind: PhoneKind::Mobile, canonical: digits });
    }
    // 400 and 800 service numbers: ten digits, written 400-800-1234.
    if digits.starts_with("400") || digits.starts_with("800") {
        let (number, service_ext) = trailing_extension(groups, 10, ext.clone());
        if number.len() == 10 {
            let canonical = format!("{}-{}-{}", &number[..3], &number[3..6], &number[6..]);
            return landline(with_extension(canonical, service_ext));
        }
    }
    if digits.starts_with('0') || after_86 {
        let mut groups = groups.to_vec();
        if after_86 && !digits.starts_with('0') {
            groups[0].insert(0, '0');
        }
        let digits: String = groups.concat();
        // Beijing, Shanghai, Tianjin, Chongqing and the 02x cities have 3-digit area codes.
        // When the user separated the area code, trust that split.
        let (area, rest) = if groups.len() >= 2 && groups[0].starts_with('0') && (3..=4).contains(&groups[0].len()) {
            (groups[0].clone(), groups[1..].to_vec())
        } else {
            let area_len = if digits.starts_with("01") || digits.starts_with("02") { 3 } else { 4 };
            if digits.len() <= area_len {
                return Err(format!("{q} is too short for a landline with area code"));
            }
            (digits[..area_len].to_string(), vec![digits[area_len..].to_string()])
        };
        let (local, ext) = trailing_extension(&rest, 8, ext);
        if !(7..=8).contains(&local.len()) {
            return Err(format!(
                "{q} has a {}-digit local number; landlines have 7 or 8 digits after the area code",
                local.len()
            ));
        }
        return landline(with_extension(format!("{area}-{local}"), ext));
    }
    // A local number without area code (the customer's own city).
    let (local, ext) = trailing_extension(groups, 8, ext);
    if (7..=8).contains(&local.len()) {
        return landline(with_extension(local, ext));
    }
    Err(format!(
        "{q} has {} digits: a mobile has 11 (from 1), a landline 7 or 8 (after an area code from 0, or alone), a service number 10 (from 400 or 800), or write `+` and a country code",
        digits.len()
    ))
}

/// The number and its extension when the last of several groups is one (`021-12345678-801`):
/// the groups hold more than `max` digits and the others at most `max`.
fn trailing_extension(groups: &[String], max: usize, ext: Option<String>) -> (String, Option<String>) {
    let all: String = groups.concat();
    if ext.is_none() && all.len() > max && groups.len() >= 2 {
        let last = &groups[groups.len() - 1];
        let number: String = groups[..groups.len() - 1].concat();
        if number.len() <= max && last.len() <= 6 {
            return (number, Some(last.clone()));
        }
    }
    (all, ext)
}

/// Validates an email (full-width `＠` folded, `mailto:` dropped) with the model's rules.
pub fn parse_email(text: &str) -> Result<String, String> {
    let folded = fold_width(text);
    let t = folded.trim();
    let t = t.strip_prefix("mailto:").unwrap_or(t);
    validate_email(t).map_err(|e| requote(text, &e.reason))
}

/// Validates a unified social credit code (spaces and full-width forms removed first).
pub fn parse_credit_code(text: &str) -> Result<String, String> {
    let t: String = fold_width(text).chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    validate_credit_code(&t).map_err(|e| requote(text, &e.reason))
}

/// Parses a stage: the model's names (`intent`, `意向客户`) and the short forms sheets use
/// (`意向`, `已成交`, `签约`, `prospect`, `closed won`...).
pub fn parse_stage(text: &str) -> Result<Stage, String> {
    let t = normalize_text(&fold_width(text));
    if let Ok(s) = Stage::parse(&t) {
        return Ok(s);
    }
    let s = match t.as_str() {
        "潜在" | "潜客" | "新客户" | "线索" | "prospect" | "lead" | "new" => Stage::Potential,
        "意向" | "有意向" | "跟进中" | "intention" | "interested" | "qualified" | "opportunity" => Stage::Intent,
        "成交" | "已成交" | "签约" | "已签约" | "合作中" | "closed won" | "customer" | "signed" => Stage::Won,
        "流失" | "已流失" | "丢单" | "closed lost" | "churned" => Stage::Lost,
        "休眠" | "沉睡" | "inactive" | "sleeping" => Stage::Dormant,
        _ => {
            return Err(format!(
                "{} is not a stage; use 潜在客户, 意向客户, 成交客户, 流失客户 or 休眠客户 (potential, intent, won, lost, dormant)",
                quoted(text)
            ))
        }
    };
    Ok(s)
}

/// Parses company (企业, 企业客户, 公司, 单位, company) or person (个人, 个人客户, person).
pub fn parse_kind(text: &str) -> Result<Kind, String> {
    let t = normalize_text(&fold_width(text));
    if let Ok(k) = Kind::parse(&t) {
        return Ok(k);
    }
    match t.as_str() {
        "企业" | "公司" | "单位" | "机构" | "组织" | "business" | "enterprise" | "organisation" | "organization"
        | "b" => Ok(Kind::Company),
        "个人" | "自然人" | "个体" | "individual" | "personal" | "c" => Ok(Kind::Person),
        _ => Err(format!("{} is not a kind; use 企业 or 个人 (company or person)", quoted(text))),
    }
}

/// Parses yes/no: 是/否, 有/无, Y/N, yes/no, true/false, 1/0, √/×; `重点` and `高` count as
/// yes (a "priority" column often holds them). Empty is no.
pub fn parse_yes_no(text: &str) -> Result<bool, String> {
    let t = normalize_text(&fold_width(text));
    match t.as_str() {
        "是" | "有" | "y" | "yes" | "true" | "1" | "√" | "✓" | "✔" | "重点" | "高" | "high" => Ok(true),
        "" | "否" | "无" | "n" | "no" | "false" | "0" | "×" | "✗" | "普通" | "低" | "low" | "-" => Ok(false),
        _ => Err(format!("{} is not yes or no; use 是 or 否", quoted(text))),
    }
}

/// Maps the Chinese and English names of the default sources to their stable codes
/// (`展会` → `trade_show`); any other source is kept as written, since teams configure
/// their own.
pub fn normalize_source(text: &str) -> String {
    let t = fold_width(text).trim().to_string();
    let key = normalize_text(&t).replace([' ', '-'], "_");
    let code = match key.as_str() {
        "展会" | "展览" | "展会获客" | "trade_show" | "tradeshow" | "exhibition" => "trade_show",
        "转介绍" | "介绍" | "推荐" | "客户推荐" | "老客户介绍" | "referral" | "referred" => "referral",
        "线上广告" | "广告" | "网络广告" | "网络推广" | "百度推广" | "online_ads" | "ads" | "online_ad"
        | "advertising" => "online_ads",
        "合作伙伴" | "渠道" | "代理商" | "渠道合作" | "partner" | "partners" | "channel_partner" => {
            "partner"
        }
        "主动咨询" | "来电咨询" | "官网" | "来电" | "自然流量" | "inbound" | "website" => "inbound",
        _ => return t,
    };
    code.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn dates_in_every_common_form() {
        let ok = [
            ("2024-03-01", d(2024, 3, 1)),
            ("2024/3/1", d(2024, 3, 1)),
            ("2024.3.1", d(2024, 3, 1)),
            ("2024年3月1日", d(2024, 3, 1)),
            ("2024年03月01号", d(2024, 3, 1)),
            ("20240301", d(2024, 3, 1)),
            ("45352", d(2024, 3, 1)),
            ("45352.75", d(2024, 3, 1)),
            ("2024-03-01 14:30:00", d(2024, 3, 1)),
            ("2024-03-01T14:30", d(2024, 3, 1)),
            ("２０２４－０３－０１", d(2024, 3, 1)),
            (" 2024/12/31 ", d(2024, 12, 31)),
            ("25/03/2024", d(2024, 3, 25)),
            ("03/25/2024", d(2024, 3, 25)),
            ("03/03/2024", d(2024, 3, 3)),
            ("2024年3月1日 下午", d(2024, 3, 1)),
        ];
        for (text, want) in ok {
            assert_eq!(parse_date(text), Ok(want), "{text}");
        }
        let bad = [
            ("", "is empty"),
            ("昨天", "is not a date"),
            ("2024-02-30", "not a real calendar day"),
            ("2024-13-01", "not a real calendar day"),
            ("03/04/2024", "ambiguous"),
            ("1/3/24", "no four-digit year"),
            ("2024", "is not a date"),
            ("123", "is not a date"),
            ("0024-01-01", "implausible year"),
            ("2024-3", "is not a date"),
        ];
        for (text, why) in bad {
            let e = parse_date(text).err().unwrap_or_default();
            assert!(e.contains(why), "{text}: {e}");
        }
    }

    #[test]
    fn cells_lose_invisible_characters() {
        for (text, want) in [
            ("甲公司", "甲公司"),
            ("  甲公司 ", "甲公司"),
            ("\u{200B}甲公司\u{200B}", "甲公司"),
            ("\u{FEFF}客户名称", "客户名称"),
            ("甲\u{200C}\u{200D}\u{200E}\u{200F}公司", "甲公司"),
            ("\u{2066}甲公司\u{2069}", "甲公司"),
            ("\u{00A0}\u{200B} 甲公司", "甲公司"),
            ("a\u{00A0}b\u{2002}c\u{3000}d\u{202F}e\u{205F}f\u{1680}g\th", "a b c d e f g h"),
            ("第一行\r\n第二行\r第三行\u{2028}第四行\u{000B}第五行", "第一行\n第二行\n第三行\n第四行\n第五行"),
            ("bell\u{0007}\u{0000}", "bell"),
            ("\u{00AD}", ""),
            ("\u{E0041}x", "x"),
        ] {
            assert_eq!(clean_cell(text), want, "{text:?}");
        }
        // A clean cell is not copied.
        assert!(matches!(clean_cell(" 甲公司"), std::borrow::Cow::Borrowed("甲公司")));
    }

    #[test]
    fn excel_serials() {
        assert_eq!(excel_serial_date(45352), Some(d(2024, 3, 1)));
        assert_eq!(excel_serial_date(61), Some(d(1900, 3, 1)));
        assert_eq!(excel_serial_date(60), None);
        assert_eq!(excel_serial_date(2_958_465), Some(d(9999, 12, 31)));
    }

    #[test]
    fn amounts_are_exact() {
        let ok = [
            ("1,234.50", false, 123_450),
            ("12.5万", false, 12_500_000),
            ("12.5万元", false, 12_500_000),
            ("3000元", false, 300_000),
            ("￥1,000", false, 100_000),
            ("¥ 1 000", false, 100_000),
            ("RMB 500", false, 50_000),
            ("人民币500元", false, 50_000),
            ("１２３４．５", false, 123_450),
            ("１，２３４", false, 123_400),
            ("0.01", false, 1),
            ("12.5", true, 12_500_000),
            ("3000元", true, 300_000),
            ("1.234567万", false, 1_234_567),
            ("999999999999.99", false, 99_999_999_999_999),
            ("12,345,678", false, 1_234_567_800),
            ("1,234.5", false, 123_450),
            ("123,456.78元", false, 12_345_678),
            ("1,234万", false, 1_234_000_000),
            ("1,234", true, 1_234_000_000),
            ("100", false, 10_000),
            ("１２，３４５", false, 1_234_500),
        ];
        for (text, wan, fen) in ok {
            assert_eq!(parse_amount(text, wan).map(Money::fen), Ok(fen), "{text}");
        }
        for (text, why) in [
            ("", "is empty"),
            ("abc", "not an amount"),
            ("1.234", "more than two decimals"),
            ("-5", "negative"),
            ("12e3", "not an amount"),
            ("1.2.3", "not an amount"),
            ("99999999999999999999", "too large"),
            ("12,80", "ambiguous"),
            ("1,2345", "ambiguous"),
            ("1,23", "ambiguous"),
            ("12,345,67", "ambiguous"),
            ("1234,567", "ambiguous"),
            (",123", "ambiguous"),
            ("1,,234", "ambiguous"),
            ("1.234,50", "ambiguous"),
            ("1,234,", "ambiguous"),
            ("１２，８０", "ambiguous"),
            ("12,80万", "ambiguous"),
            ("￥12,80元", "ambiguous"),
            ("1,234.5,0", "ambiguous"),
            ("1,234元,5", "comma outside the number"),
        ] {
            let e = parse_amount(text, false).err().unwrap_or_default();
            assert!(e.contains(why), "{text}: {e}");
        }
    }

    #[test]
    fn industries_to_codes() {
        let ok = [
            ("C", "C"),
            ("c", "C"),
            ("MFG", "C"),
            ("制造业", "C"),
            ("Manufacturing", "C"),
            ("C 制造业", "C"),
            ("C-制造业", "C"),
            ("制造业（C）", "C"),
            ("批发和零售业", "F"),
            ("零售", "F"),
            ("软件开发", "I"),
            ("IT", "I"),
            ("信息传输、软件和信息技术服务业", "I"),
            ("银行", "J"),
            ("Retail", "F"),
            ("ＩＴ", "I"),
        ];
        for (text, code) in ok {
            assert_eq!(parse_industry(text).map(|i| i.code), Ok(code), "{text}");
        }
        for bad in ["", "Z", "宇宙开发", "xyz"] {
            assert!(parse_industry(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_are_classified_in_canonical_form() {
        use PhoneKind::{International, Landline, Mobile};
        let ok = [
            // Mobiles, however typed.
            ("13800138000", Mobile, "13800138000"),
            ("+86 138-0013-8000", Mobile, "13800138000"),
            ("+8613800138000", Mobile, "13800138000"),
            ("138 0013 8000", Mobile, "13800138000"),
            ("１３８００１３８０００", Mobile, "13800138000"),
            ("8613800138000", Mobile, "13800138000"),
            ("0086 138 0013 8000", Mobile, "13800138000"),
            ("138.0013.8000", Mobile, "13800138000"),
            ("13812345678.0", Mobile, "13812345678"),
            ("手机：13800138000", Mobile, "13800138000"),
            ("手机号: 13800138000", Mobile, "13800138000"),
            ("Tel: 13800138000", Mobile, "13800138000"),
            ("Telephone：010-12345678", Landline, "010-12345678"),
            ("+44 20 7123 4567 ext 12", International, "+442071234567-12"),
            ("+86 400 800 1234", Landline, "400-800-1234"),
            ("\u{200B}138\u{00A0}0013\u{00A0}8000", Mobile, "13800138000"),
            // Landlines with area code, and extensions.
            ("021-12345678", Landline, "021-12345678"),
            ("（021）12345678", Landline, "021-12345678"),
            ("(021) 1234-5678", Landline, "021-12345678"),
            ("02112345678", Landline, "021-12345678"),
            ("010-12345678", Landline, "010-12345678"),
            ("0571-8888888", Landline, "0571-8888888"),
            ("05718888888", Landline, "0571-8888888"),
            ("0571 88888888", Landline, "0571-88888888"),
            ("座机：0571-88888888", Landline, "0571-88888888"),
            ("+86 10 12345678", Landline, "010-12345678"),
            ("+86 571 8888 8888", Landline, "0571-88888888"),
            ("021-12345678转801", Landline, "021-12345678-801"),
            ("021-12345678-801", Landline, "021-12345678-801"),
            ("010-12345678 ext. 123", Landline, "010-12345678-123"),
            ("010-12345678 x123", Landline, "010-12345678-123"),
            ("010-12345678#123", Landline, "010-12345678-123"),
            ("010-12345678 分机 123", Landline, "010-12345678-123"),
            // 400 and 800 service numbers.
            ("400-800-1234", Landline, "400-800-1234"),
            ("4008001234", Landline, "400-800-1234"),
            ("400 800 1234", Landline, "400-800-1234"),
            ("400-800-1234转5", Landline, "400-800-1234-5"),
            ("400-800-1234-567", Landline, "400-800-1234-567"),
            ("800-123-4567", Landline, "800-123-4567"),
            ("8001234567", Landline, "800-123-4567"),
            // Local numbers without area code.
            ("87654321", Landline, "87654321"),
            ("8765-4321", Landline, "87654321"),
            ("8765432", Landline, "8765432"),
            ("87654321转123", Landline, "87654321-123"),
            ("87654321-123", Landline, "87654321-123"),
            // Outside mainland China.
            ("+44 20 7123 4567", International, "+442071234567"),
            ("+1 (415) 555-0100", International, "+14155550100"),
            ("001 415 555 0100", International, "+14155550100"),
            ("+852 2123 4567", International, "+85221234567"),
        ];
        for (text, kind, canonical) in ok {
            assert_eq!(classify_phone(text), Ok(Phone { kind, canonical: canonical.into() }), "{text}");
            assert_eq!(parse_phone(text).as_deref(), Ok(canonical), "{text}");
        }
        for (text, why) in [
            ("1380013800", "`1380013800` has 10 digits; a mainland mobile has 11"),
            ("1380013800.0", "`1380013800.0` has 10 digits"),
            ("12800138000", "second digit"),
            ("13800138000/13900139000", "holds 2 numbers"),
            ("call me", "`call me` may hold only digits"),
            ("1.38123E+10", "`1.38123E+10` is in scientific notation"),
            ("1.38E10", "scientific notation"),
            ("123456", "has 6 digits; a mainland mobile has 11"),
            ("234567", "has 6 digits: a mobile has 11"),
            ("987654321", "has 9 digits"),
            ("400-800-123", "has 9 digits"),
            ("021-123456", "6-digit local number"),
            ("010-12345678转abc", "extension `abc` that is not 1-6 digits"),
            ("13800138000转1", "mobile with an extension"),
            ("+0 123456789", "country code starting with 0"),
            ("+12", "not an international number"),
            ("", "holds no digits"),
            ("+86", "no number after the country code"),
            ("0086 ", "no number after the country code"),
        ] {
            let e = classify_phone(text).err().unwrap_or_default();
            assert!(e.contains(why), "{text}: {e}");
        }
    }

    #[test]
    fn any_phone_cell_is_classified_or_refused_without_panic() {
        let alphabet: Vec<char> = "0123456789868640+-- ().转x#eE０：/分机ext".chars().collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let cell: String = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
            match classify_phone(&cell) {
                Ok(p) => assert!(p.canonical.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-')), "{cell}"),
                Err(e) => assert!(e.starts_with('`'), "{cell}: {e}"),
            }
        }
        // Amounts and cleaning over commas, units and invisible characters.
        let alphabet: Vec<char> = "0123456789,,，..万元￥ \u{200B}\u{A0}\u{FEFF}-e".chars().collect();
        for _ in 0..20_000 {
            let len = (next() % 16) as usize;
            let cell: String = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
            let clean = clean_cell(&cell);
            assert!(!clean.contains(['\u{200B}', '\u{A0}', '\u{FEFF}']) && clean.trim() == clean, "{cell:?}");
            if let Ok(m) = parse_amount(&clean, false) {
                // A comma the amount kept was a thousands separator.
                let digits: String = clean.chars().filter(char::is_ascii_digit).collect();
                assert!(m.fen() >= 0 && !digits.is_empty(), "{cell:?}");
            }
        }
    }

    #[test]
    fn messages_quote_the_cell_as_typed_and_cut_it() {
        assert_eq!(quoted(" 13812345678.0 "), "`13812345678.0`");
        assert_eq!(quoted("１２，８０"), "`１２，８０`");
        assert_eq!(quoted("a\nb"), "`a b`");
        let long = "长".repeat(100);
        assert_eq!(quoted(&long), format!("`{}…`", "长".repeat(QUOTE_CHARS)));
        assert_eq!(quoted(&"x".repeat(QUOTE_CHARS)), format!("`{}`", "x".repeat(QUOTE_CHARS)));
        // Every parser quotes the user's text, not its folded or rewritten form.
        let reasons = [
            parse_date("２０２４－１３－０１").err(),
            parse_amount("１２，８０", false).err(),
            parse_amount("12.345元", false).err(),
            parse_industry("宇宙开发").err(),
            parse_stage("ｍａｙｂｅ").err(),
            parse_kind("ｒｏｂｏｔ").err(),
            parse_yes_no("ｍａｙｂｅ").err(),
            parse_email("mailto:wang＠").err(),
            parse_credit_code("９１３５").err(),
            parse_phone("１３８-００１３").err(),
        ];
        let typed = [
            "`２０２４－１３－０１`",
            "`１２，８０`",
            "`12.345元`",
            "`宇宙开发`",
            "`ｍａｙｂｅ`",
            "`ｒｏｂｏｔ`",
            "`ｍａｙｂｅ`",
            "`mailto:wang＠`",
            "`９１３５`",
            "`１３８-００１３`",
        ];
        for (reason, typed) in reasons.iter().zip(typed) {
            let reason = reason.clone().unwrap_or_default();
            assert!(reason.starts_with(typed), "{typed}: {reason}");
        }
        let e = parse_industry(&format!("{long}业")).err().unwrap_or_default();
        assert!(e.starts_with(&format!("`{}…` is not a known industry", "长".repeat(QUOTE_CHARS))), "{e}");
    }

    #[test]
    fn emails_codes_stages_kinds_yes_no_sources() {
        assert_eq!(parse_email("Wang＠Hengrui.CN").as_deref(), Ok("Wang@hengrui.cn"));
        assert_eq!(parse_email("mailto:a@b.com").as_deref(), Ok("a@b.com"));
        assert!(parse_email("wang@").is_err());
        assert_eq!(parse_credit_code(" 91350100m000100y43 ").as_deref(), Ok("91350100M000100Y43"));
        assert!(parse_credit_code("91350100M000100Y44").err().unwrap_or_default().contains("should be `3`"));
        for (t, s) in [
            ("潜在客户", Stage::Potential),
            ("意向", Stage::Intent),
            ("Intent", Stage::Intent),
            ("成交客户", Stage::Won),
            ("已成交", Stage::Won),
            ("closed won", Stage::Won),
            ("流失客户", Stage::Lost),
            ("休眠客户", Stage::Dormant),
            ("dormant", Stage::Dormant),
        ] {
            assert_eq!(parse_stage(t), Ok(s), "{t}");
        }
        assert!(parse_stage("maybe").is_err());
        for (t, k) in [
            ("企业", Kind::Company),
            ("企业客户", Kind::Company),
            ("company", Kind::Company),
            ("个人", Kind::Person),
            ("Person", Kind::Person),
        ] {
            assert_eq!(parse_kind(t), Ok(k), "{t}");
        }
        assert!(parse_kind("robot").is_err());
        for (t, b) in [("是", true), ("Y", true), ("yes", true), ("1", true), ("否", false), ("", false), ("no", false)]
        {
            assert_eq!(parse_yes_no(t), Ok(b), "{t}");
        }
        assert!(parse_yes_no("maybe").is_err());
        assert_eq!(normalize_source("展会"), "trade_show");
        assert_eq!(normalize_source("转介绍"), "referral");
        assert_eq!(normalize_source("Trade Show"), "trade_show");
        assert_eq!(normalize_source("抖音"), "抖音");
        assert!(is_placeholder(" 待补充 ") && is_placeholder("N/A") && !is_placeholder("0"));
    }
}
