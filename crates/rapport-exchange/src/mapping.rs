//! Column mapping: which customer field each header of a sheet holds. Built-in spellings
//! in English and Chinese cover the usual sheets; a `mapping.toml` adds or overrides
//! headers and lists columns to ignore; [`suggest`] proposes fields for headers nobody
//! recognised, so the CLI can print a mapping file to edit.

use crate::field::{header_key, names_a_person, IGNORED_HEADERS};
use crate::{ExchangeError, Field, Table};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// How headers map to fields: the built-in spellings plus the overrides of a
/// `mapping.toml`.
///
/// ```toml
/// # Columns to skip (header text as in the file).
/// ignore = ["序号", "内部备注"]
///
/// [columns]
/// "客户全称" = "name"
/// "跟进销售" = "owner"
/// "平均客单价" = "custom:平均客单价"
/// "联系人信息/姓名" = "contact_name"   # a header under a merged group title
/// ```
///
/// `ignore` must come before `[columns]` (TOML puts everything after a table header into
/// that table). Headers are compared after normalisation (case, width, spaces and
/// bracketed remarks do not matter). Field names are those of [`Field::parse`].
#[derive(Clone, Debug, Default)]
pub struct Mapping {
    columns: HashMap<String, Field>,
    ignore: HashSet<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    columns: BTreeMap<String, String>,
}

/// What a mapping says about one column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The column holds this field.
    Field(Field),
    /// The column is skipped on purpose.
    Ignored,
    /// Nobody knows this header.
    Unknown,
}

/// The mapping applied to one table's headers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resolved {
    /// Per column (same index as `Table::headers`), the field it feeds, if any.
    pub columns: Vec<Option<Field>>,
    /// Headers no mapping recognised (their data is not imported).
    pub unknown: Vec<String>,
    /// Columns that name a field an earlier column already feeds: `(header, field)`;
    /// only the first column is read.
    pub repeated: Vec<(String, Field)>,
}

impl Resolved {
    /// The first column feeding `field`.
    pub fn column_of(&self, field: &Field) -> Option<usize> {
        self.columns.iter().position(|c| c.as_ref() == Some(field))
    }
}

impl Mapping {
    /// The built-in spellings only.
    pub fn builtin() -> Mapping {
        Mapping::default()
    }

    /// Parses a `mapping.toml` (see the type's documentation).
    pub fn from_toml(text: &str) -> Result<Mapping, ExchangeError> {
        let file: MappingFile = toml::from_str(text)
            .map_err(|e| ExchangeError::Mapping { header: String::new(), reason: e.message().to_string() })?;
        let mut m = Mapping::default();
        for (header, field) in file.columns {
            let f = Field::parse(&field)
                .map_err(|e| ExchangeError::Mapping { header: header.clone(), reason: format!("{e}") })?;
            m.columns.insert(header_key(&header), f);
        }
        for h in file.ignore {
            m.ignore.insert(header_key(&h));
        }
        Ok(m)
    }

    /// Adds one override (`header` → `field`).
    pub fn set(&mut self, header: &str, field: Field) {
        self.columns.insert(header_key(header), field);
    }

    /// Ignores a header.
    pub fn ignore(&mut self, header: &str) {
        self.ignore.insert(header_key(header));
    }

    /// What the mapping says about a header, optionally under a group title (a merged cell
    /// above it, e.g. `联系人信息` over `姓名 | 电话 | 邮箱`).
    pub fn target(&self, header: &str, group: Option<&str>) -> Target {
        // A header written as "group/header" (how rejection reports and labels spell it).
        if group.is_none() {
            if let Some((g, h)) = header.rsplit_once('/') {
                if !g.trim().is_empty() && !h.trim().is_empty() {
                    if let t @ (Target::Field(_) | Target::Ignored) = self.own_target(header) {
                        return t;
                    }
                    return self.target(h, Some(g));
                }
            }
        }
        if let Some(g) = group {
            let label = format!("{g}/{header}");
            if let t @ (Target::Field(_) | Target::Ignored) = self.own_target(&label) {
                return t;
            }
            // "联系人信息" + "姓名" → "联系人姓名".
            let g = g.trim().trim_end_matches("信息").trim_end_matches("information").trim_end_matches("info");
            if let t @ Target::Field(_) = self.own_target(&format!("{g}{header}")) {
                return t;
            }
        }
        self.own_target(header)
    }

    fn own_target(&self, header: &str) -> Target {
        let key = header_key(header);
        if let Some(f) = self.columns.get(&key) {
            return Target::Field(f.clone());
        }
        if self.ignore.contains(&key) || IGNORED_HEADERS.contains(&key.as_str()) {
            return Target::Ignored;
        }
        match Field::from_header(header) {
            Some(f) if f.importable() => Target::Field(f),
            Some(_) => Target::Ignored,
            None => Target::Unknown,
        }
    }

    /// Applies the mapping to a table's headers.
    pub fn resolve(&self, table: &Table) -> Resolved {
        let mut r = Resolved::default();
        let mut seen = HashSet::new();
        for (i, h) in table.headers.iter().enumerate() {
            let group = table.groups.get(i).and_then(|g| g.as_deref());
            match self.target(h, group) {
                Target::Field(f) if seen.contains(&f) => {
                    r.repeated.push((table.label(i), f));
                    r.columns.push(None);
                }
                Target::Field(f) => {
                    seen.insert(f.clone());
                    r.columns.push(Some(f));
                }
                Target::Ignored => r.columns.push(None),
                Target::Unknown => {
                    if !h.trim().is_empty() {
                        r.unknown.push(table.label(i));
                    }
                    r.columns.push(None);
                }
            }
        }
        // A sheet of people often calls the customer's name "姓名": with no other name
        // column, that is the customer name rather than a contact's.
        if !seen.contains(&Field::Name) {
            if let Some(i) = r.columns.iter().position(|c| c == &Some(Field::ContactName)) {
                let k = header_key(&table.headers[i]);
                if (k == "姓名" || k == "name") && table.groups.get(i).is_none_or(Option::is_none) {
                    r.columns[i] = Some(Field::Name);
                }
            }
        }
        r
    }
}

/// A proposed field for a header nobody recognised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// The header as in the file.
    pub header: String,
    /// The closest field, if any is close enough.
    pub field: Option<Field>,
    /// Why: which known spelling it resembles.
    pub because: String,
}

/// Edit distance between two strings, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// For each header the mapping does not know, the closest field: a known spelling
/// contained in the header (`客户联系电话` contains `联系电话`) or within a small edit
/// distance (`Custmer Name`). A header naming a person (`客户对接人`, `…/跟进人员`) is never
/// suggested as the customer's name, number or credit code. Headers with nothing close get `field: None`.
pub fn suggest(table: &Table, mapping: &Mapping) -> Vec<Suggestion> {
    let resolved = mapping.resolve(table);
    let spellings: Vec<(Field, String)> = Field::spellings().filter(|(f, _)| f.importable()).collect();
    resolved
        .unknown
        .iter()
        .map(|header| {
            let key = header_key(header);
            // A column of salespeople or contacts taken for the customer's name (or number,
            // or credit code) would put a person's name on every customer.
            let person = names_a_person(&key);
            let mut best: Option<(usize, Field, String)> = None;
            for (f, s) in &spellings {
                if s.is_empty() || (person && matches!(f, Field::Name | Field::Number | Field::CreditCode)) {
                    continue;
                }
                let n = s.chars().count();
                let score = if n >= 2 && key.contains(s.as_str()) {
                    // Longer contained spellings are more specific.
                    100usize.saturating_sub(n * 10)
                } else if key.chars().count() >= 2 && s.contains(key.as_str()) {
                    50 + n
                } else {
                    let d = distance(&key, s);
                    let limit = (n.max(key.chars().count()) / 3).max(1);
                    if d > limit {
                        continue;
                    }
                    200 + d
                };
                if best.as_ref().is_none_or(|(b, ..)| score < *b) {
                    best = Some((score, f.clone(), s.clone()));
                }
            }
            match best {
                Some((_, f, s)) => {
                    Suggestion { header: header.clone(), field: Some(f), because: format!("like `{s}`") }
                }
                None => Suggestion { header: header.clone(), field: None, because: "no known field is close".into() },
            }
        })
        .collect()
}

/// A `mapping.toml` the user can edit: every unknown header with its suggestion (or
/// commented out under `ignore` when nothing is close), and the list of valid fields.
pub fn suggested_toml(table: &Table, mapping: &Mapping) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let sugg = suggest(table, mapping);
    let mut out =
        String::from("# Suggested column mapping: check each line, then import with --mapping mapping.toml\n");
    let ignored: Vec<String> = sugg.iter().filter(|s| s.field.is_none()).map(|s| quote(&s.header)).collect();
    out.push_str(&format!("ignore = [{}]\n\n[columns]\n", ignored.join(", ")));
    for s in &sugg {
        if let Some(f) = &s.field {
            out.push_str(&format!("{} = {}   # {}\n", quote(&s.header), quote(&f.name()), s.because));
        }
    }
    let names: Vec<String> = Field::all().filter(Field::importable).map(|f| f.name()).collect();
    out.push_str(&format!("# fields: {}, custom:NAME\n", names.join(", ")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Row;

    fn table(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|s| s.to_string()).collect(),
            groups: vec![None; headers.len()],
            header_row: 1,
            rows: vec![Row { row: 2, cells: vec![String::new(); headers.len()] }],
            format: crate::table::Format::Csv { encoding: "UTF-8", delimiter: b',' },
        }
    }

    #[test]
    fn toml_overrides_and_ignores() {
        let m = Mapping::from_toml(
            "ignore = [\"序号\", \"内部\"]\n[columns]\n\"客户全称\" = \"name\"\n\"均价\" = \"custom:平均客单价\"\n\"电话\" = \"notes\"\n",
        );
        let m = match m {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        };
        let t = table(&["客户全称", "均价", "内部", "电话", "颜色"]);
        let r = m.resolve(&t);
        assert_eq!(
            r.columns,
            vec![Some(Field::Name), Some(Field::Custom("平均客单价".into())), None, Some(Field::Notes), None]
        );
        assert_eq!(r.unknown, vec!["颜色".to_string()]);
        let e = Mapping::from_toml("[columns]\n\"x\" = \"colour\"\n").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("`x`") && e.contains("colour") && e.contains("deal_amount"), "{e}");
        assert!(Mapping::from_toml("colour = 1").is_err());
    }

    #[test]
    fn groups_and_repeats() {
        let mut t = table(&["客户名称", "姓名", "电话", "手机"]);
        t.groups = vec![None, Some("联系人信息".into()), Some("联系人信息".into()), None];
        let r = Mapping::builtin().resolve(&t);
        assert_eq!(r.columns, vec![Some(Field::Name), Some(Field::ContactName), Some(Field::ContactPhone), None]);
        assert_eq!(r.repeated, vec![("手机".to_string(), Field::ContactPhone)]);
        // A people sheet: 姓名 is the customer's name.
        let r = Mapping::builtin().resolve(&table(&["姓名", "手机"]));
        assert_eq!(r.columns, vec![Some(Field::Name), Some(Field::ContactPhone)]);
        // Labels written as group/header resolve the same way.
        assert_eq!(Mapping::builtin().target("联系人信息/姓名", None), Target::Field(Field::ContactName));
        assert_eq!(Mapping::builtin().target("reason", None), Target::Ignored);
    }

    #[test]
    fn suggestions_for_unknown_headers() {
        let t = table(&["客户名称", "客户联系电话", "Sourse", "颜色"]);
        let s = suggest(&t, &Mapping::builtin());
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].field, Some(Field::ContactPhone));
        assert_eq!(s[1].field, Some(Field::Source), "{s:?}");
        assert_eq!(s[2].field, None);
        let toml_text = suggested_toml(&t, &Mapping::builtin());
        assert!(toml_text.contains("\"客户联系电话\" = \"contact_phone\""), "{toml_text}");
        assert!(toml_text.contains("ignore = [\"颜色\"]"), "{toml_text}");
        assert!(Mapping::from_toml(&toml_text).is_ok());
    }
}
