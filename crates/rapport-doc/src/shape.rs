//! Reading the shape of Automerge bytes (how many chunks, operations and inflated bytes they
//! hold) from their headers and columns, without building a document.
//!
//! Automerge inflates compressed chunks and columns without a limit and expands run-length
//! encoded columns into one operation each, so a few hundred bytes can ask for gigabytes: a
//! 1 MiB push once took the relay to 4.1 GiB. Everything that loads bytes from elsewhere
//! calls [`inspect`] first; it inflates at most [`Limits::inflated`] bytes and counts every
//! column's entries, and refuses before Automerge allocates anything.
//!
//! The layout followed here is Automerge's binary format (chunk header: magic, checksum,
//! type, length; change chunks; document chunks with per-column compression), as written by
//! automerge 0.6. Nothing is trusted: every length is checked against the bytes present.

use crate::DocError;
use std::io::Read;

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DOCUMENT: u8 = 0;
const CHANGE: u8 = 1;
const COMPRESSED: u8 = 2;
/// Column specification bit that marks a deflated column.
const DEFLATE: u32 = 0b1000;

/// Limits on one customer or settings document, and on one change to it.
///
/// Sized from real customers: the largest of 5,000 realistic demo customers (two years of
/// follow-ups, orders, service records and tasks; 68 items) is 525 operations and 12.2 KB
/// of changes. A document may grow 190 times past that in operations and 340 times in
/// bytes; one change (the largest local ones: merging two customers, pasting a long note,
/// one operation per character) 47 times in operations and 85 times in bytes.
/// `docs/sync.md` ("Limits") says what happens at each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of one document's changes, as Automerge encodes them one by one.
    pub doc_bytes: u64,
    /// Operations in one document, all changes together.
    pub doc_ops: u64,
    /// Bytes of one change.
    pub change_bytes: u64,
    /// Operations in one change.
    pub change_ops: u64,
    /// Concurrent heads of one document.
    pub heads: u64,
    /// Bytes one run of incoming Automerge bytes may inflate to.
    pub inflated: u64,
}

/// The limits every node and relay enforces.
pub const LIMITS: Limits = Limits {
    doc_bytes: 4 << 20,
    doc_ops: 100_000,
    change_bytes: 1 << 20,
    change_ops: 25_000,
    heads: 64,
    inflated: 8 << 20,
};

/// What a run of Automerge chunks holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// Chunks (whole documents and changes).
    pub chunks: u64,
    /// Operations, all chunks together (the longest column of each chunk).
    pub ops: u64,
    /// Bytes once every compressed chunk and column is inflated.
    pub inflated: u64,
}

/// Reads the shape of `bytes` (a saved document, changes, or both), refusing anything that is
/// not Automerge's format or that would exceed `limits` once loaded.
pub fn inspect(bytes: &[u8], limits: &Limits) -> Result<Shape, DocError> {
    let mut shape = Shape::default();
    let mut r = Reader::new(bytes);
    while !r.is_empty() {
        if r.take(4)? != MAGIC {
            return Err(malformed("a chunk does not start with Automerge's magic bytes"));
        }
        r.take(4)?; // checksum: Automerge verifies it when it loads the chunk
        let kind = r.byte()?;
        let len = r.uleb()?;
        let data = r.take(usize::try_from(len).map_err(|_| malformed("chunk length"))?)?;
        shape.chunks += 1;
        let ops = match kind {
            DOCUMENT => {
                shape.add_inflated(data.len() as u64, limits)?;
                document(data, &mut shape, limits)?
            }
            CHANGE => {
                shape.add_inflated(data.len() as u64, limits)?;
                change(data, limits)?
            }
            COMPRESSED => {
                let plain = inflate(data, limits.inflated - shape.inflated)?;
                shape.add_inflated(plain.len() as u64, limits)?;
                change(&plain, limits)?
            }
            other => return Err(malformed(&format!("unknown chunk type {other}"))),
        };
        shape.ops = shape.ops.saturating_add(ops);
        if shape.ops > limits.doc_ops {
            return Err(over("operations in one document", shape.ops, limits.doc_ops));
        }
    }
    Ok(shape)
}

impl Shape {
    fn add_inflated(&mut self, n: u64, limits: &Limits) -> Result<(), DocError> {
        self.inflated = self.inflated.saturating_add(n);
        if self.inflated > limits.inflated {
            return Err(over("bytes once decompressed", self.inflated, limits.inflated));
        }
        Ok(())
    }
}

fn malformed(why: &str) -> DocError {
    DocError::Malformed(why.to_string())
}

fn over(what: &str, found: u64, limit: u64) -> DocError {
    DocError::OverLimit { what: what.to_string(), found, limit }
}

/// A change chunk's data: header fields, then its op columns (never compressed inside a
/// change; the whole chunk is compressed instead). Returns its operations.
fn change(data: &[u8], limits: &Limits) -> Result<u64, DocError> {
    if data.len() as u64 > limits.change_bytes {
        return Err(over("bytes in one change", data.len() as u64, limits.change_bytes));
    }
    let mut r = Reader::new(data);
    let deps = r.count(32)?;
    r.take(deps * 32)?;
    r.prefixed()?; // actor
    r.uleb()?; // seq
    r.uleb()?; // start op
    r.uleb()?; // time (signed; skipping is the same)
    r.prefixed()?; // message
    let others = r.count(1)?;
    for _ in 0..others {
        r.prefixed()?;
    }
    let columns = r.columns()?;
    let mut ops = 0;
    for (spec, len) in columns {
        if spec & DEFLATE != 0 {
            return Err(malformed("a change has a compressed column"));
        }
        ops = ops.max(entries(spec, r.take(len)?, limits.change_ops)?);
    }
    if ops > limits.change_ops {
        return Err(over("operations in one change", ops, limits.change_ops));
    }
    Ok(ops)
}

/// A document chunk's data: actors, heads, change and op column layouts, then the columns,
/// any of which may be deflated. Returns its operations.
fn document(data: &[u8], shape: &mut Shape, limits: &Limits) -> Result<u64, DocError> {
    let mut r = Reader::new(data);
    let actors = r.count(1)?;
    for _ in 0..actors {
        r.prefixed()?;
    }
    let heads = r.count(32)?;
    if heads as u64 > limits.heads {
        return Err(over("concurrent heads", heads as u64, limits.heads));
    }
    r.take(heads * 32)?;
    let change_columns = r.columns()?;
    let op_columns = r.columns()?;
    for (spec, len) in change_columns {
        let raw = r.take(len)?;
        if spec & DEFLATE != 0 {
            let plain = inflate(raw, limits.inflated - shape.inflated)?;
            shape.add_inflated(plain.len() as u64, limits)?;
        }
    }
    let mut ops = 0;
    for (spec, len) in op_columns {
        let raw = r.take(len)?;
        let n = if spec & DEFLATE != 0 {
            let plain = inflate(raw, limits.inflated - shape.inflated)?;
            shape.add_inflated(plain.len() as u64, limits)?;
            entries(spec, &plain, limits.doc_ops)?
        } else {
            entries(spec, raw, limits.doc_ops)?
        };
        ops = ops.max(n);
    }
    Ok(ops)
}

/// Inflates a deflated chunk or column, refusing output over `budget` bytes.
fn inflate(raw: &[u8], budget: u64) -> Result<Vec<u8>, DocError> {
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(raw)
        .take(budget.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| malformed(&format!("a compressed part does not inflate: {e}")))?;
    if out.len() as u64 > budget {
        return Err(over("bytes once decompressed", out.len() as u64, budget));
    }
    Ok(out)
}

/// How many entries a column holds once its runs are expanded, stopping past `limit`.
/// Every column that describes operations has one entry per operation (or per
/// predecessor or successor of one), so the longest is what loading will allocate.
fn entries(spec: u32, data: &[u8], limit: u64) -> Result<u64, DocError> {
    let mut r = Reader::new(data);
    let mut n: u64 = 0;
    match spec & 0b111 {
        // Raw values: their lengths are counted by the value-metadata column.
        7 => return Ok(0),
        // Boolean: alternating run lengths.
        4 => {
            while !r.is_empty() {
                n = n.saturating_add(r.uleb()?);
                if n > limit {
                    break;
                }
            }
        }
        // Run-length encoded: a positive count and one value, a negative count and that
        // many literal values, or zero and a count of nulls. Strings are length-prefixed.
        kind => {
            let string = kind == 5;
            while !r.is_empty() {
                let run = r.sleb()?;
                if run > 0 {
                    r.value(string)?;
                    n = n.saturating_add(run as u64);
                } else if run < 0 {
                    let literal = run.unsigned_abs();
                    for _ in 0..literal {
                        r.value(string)?;
                    }
                    n = n.saturating_add(literal);
                } else {
                    n = n.saturating_add(r.uleb()?);
                }
                if n > limit {
                    break;
                }
            }
        }
    }
    Ok(n)
}

/// A cursor over untrusted bytes: every read is checked against what is there.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes }
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DocError> {
        if n > self.bytes.len() {
            return Err(malformed("a length points past the end of the data"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, DocError> {
        Ok(self.take(1)?[0])
    }

    fn uleb(&mut self) -> Result<u64, DocError> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let b = self.byte()?;
            let part = u64::from(b & 0x7f);
            if i == 9 && part > 1 {
                return Err(malformed("a number is too large"));
            }
            value |= part << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(malformed("a number is too large"))
    }

    fn sleb(&mut self) -> Result<i64, DocError> {
        let mut value: i64 = 0;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift >= 63 && b & 0x7f != 0 && b & 0x7f != 0x7f {
                return Err(malformed("a number is too large"));
            }
            if shift < 64 {
                value |= i64::from(b & 0x7f) << shift;
            }
            shift += 7;
            if b & 0x80 == 0 {
                if shift < 64 && b & 0x40 != 0 {
                    value |= -1i64 << shift;
                }
                return Ok(value);
            }
            if shift > 70 {
                return Err(malformed("a number is too large"));
            }
        }
    }

    /// A count of items that take at least `each` bytes, checked against what is left.
    fn count(&mut self, each: usize) -> Result<usize, DocError> {
        let n = self.uleb()?;
        match usize::try_from(n) {
            Ok(n) if n.saturating_mul(each) <= self.bytes.len() => Ok(n),
            _ => Err(malformed("a count is larger than the data")),
        }
    }

    /// Length-prefixed bytes.
    fn prefixed(&mut self) -> Result<&'a [u8], DocError> {
        let n = self.count(1)?;
        self.take(n)
    }

    /// One value of a run-length encoded column.
    fn value(&mut self, string: bool) -> Result<(), DocError> {
        if string {
            self.prefixed()?;
        } else {
            self.uleb()?;
        }
        Ok(())
    }

    /// A column layout: how many columns, then each one's specification and length.
    fn columns(&mut self) -> Result<Vec<(u32, usize)>, DocError> {
        let n = self.count(2)?;
        let mut out = Vec::with_capacity(n);
        let mut total: usize = 0;
        for _ in 0..n {
            let spec = u32::try_from(self.uleb()?).map_err(|_| malformed("a column specification"))?;
            let len = usize::try_from(self.uleb()?).map_err(|_| malformed("a column length"))?;
            total = total.saturating_add(len);
            out.push((spec, len));
        }
        if total > self.bytes.len() {
            return Err(malformed("columns are longer than the data"));
        }
        Ok(out)
    }
}

/// Every actor that wrote a change in `bytes` (a saved document, changes, or both), as far
/// as the chunks' headers tell it without loading anything: the actor table of whole
/// documents and the author of each change. Refuses what [`inspect`] refuses.
pub fn authors(bytes: &[u8], limits: &Limits) -> Result<Vec<Vec<u8>>, DocError> {
    inspect(bytes, limits)?;
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut add = |a: &[u8]| {
        if !out.iter().any(|x| x == a) {
            out.push(a.to_vec());
        }
    };
    let mut r = Reader::new(bytes);
    while !r.is_empty() {
        r.take(8)?; // magic and checksum, checked by `inspect`
        let kind = r.byte()?;
        let len = r.uleb()?;
        let data = r.take(usize::try_from(len).map_err(|_| malformed("chunk length"))?)?;
        let mut author = |data: &[u8]| -> Result<(), DocError> {
            let mut c = Reader::new(data);
            let deps = c.count(32)?;
            c.take(deps * 32)?;
            add(c.prefixed()?);
            Ok(())
        };
        match kind {
            DOCUMENT => {
                let mut d = Reader::new(data);
                for _ in 0..d.count(1)? {
                    add(d.prefixed()?);
                }
            }
            CHANGE => author(data)?,
            COMPRESSED => author(&inflate(data, limits.inflated)?)?,
            other => return Err(malformed(&format!("unknown chunk type {other}"))),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT};

    fn ops_of(doc: &mut AutoCommit) -> u64 {
        doc.get_changes(&[]).iter().map(|c| c.len() as u64).sum()
    }

    fn sample() -> AutoCommit {
        let mut d = AutoCommit::new();
        let _ = d.put(ROOT, "name", "苏州恒瑞精密机械有限公司");
        if let Ok(list) = d.put_object(ROOT, "items", ObjType::Map) {
            for i in 0..40 {
                let _ = d.put(&list, format!("k{i}"), i as i64);
            }
        }
        if let Ok(t) = d.put_object(ROOT, "notes", ObjType::Text) {
            let _ = d.splice_text(&t, 0, 0, "a long note that merges character by character");
        }
        d.commit();
        let _ = d.put(ROOT, "stage", "won");
        d.commit();
        d
    }

    #[test]
    fn names_the_authors_of_whole_documents_and_of_changes() -> Result<(), DocError> {
        let mut doc = AutoCommit::new().with_actor(automerge::ActorId::from(vec![1u8; 24]));
        doc.put(automerge::ROOT, "a", 1)?;
        doc.commit();
        let whole = doc.save();
        let heads = doc.get_heads();
        let mut other = doc.fork().with_actor(automerge::ActorId::from(vec![2u8; 24]));
        other.put(automerge::ROOT, "b", 2)?;
        other.commit();
        let change = other.save_after(&heads);
        assert_eq!(authors(&whole, &LIMITS)?, vec![vec![1u8; 24]]);
        let mut both = whole.clone();
        both.extend_from_slice(&change);
        assert_eq!(authors(&both, &LIMITS)?, vec![vec![1u8; 24], vec![2u8; 24]]);
        assert!(authors(b"not automerge", &LIMITS).is_err());
        Ok(())
    }

    #[test]
    fn counts_operations_of_documents_and_changes_as_automerge_does() -> Result<(), DocError> {
        let mut d = sample();
        let ops = ops_of(&mut d);
        for bytes in [d.save(), d.save_nocompress()] {
            let s = inspect(&bytes, &LIMITS)?;
            assert_eq!((s.chunks, s.ops), (1, ops));
        }
        let changes: Vec<u8> = d.get_changes(&[]).iter().flat_map(|c| c.raw_bytes().to_vec()).collect();
        let s = inspect(&changes, &LIMITS)?;
        assert_eq!(s.chunks, 2);
        assert_eq!(s.ops, ops);
        Ok(())
    }

    #[test]
    fn refuses_garbage_without_panicking() {
        assert!(inspect(b"not automerge", &LIMITS).is_err());
        let mut d = sample();
        let bytes = d.save_nocompress();
        for cut in 1..bytes.len() {
            let _ = inspect(&bytes[..cut], &LIMITS);
        }
    }
}
