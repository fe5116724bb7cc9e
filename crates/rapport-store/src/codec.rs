//! How documents are packed on disk: Automerge's uncompressed encoding, compressed with
//! zstd and a dictionary trained on customer documents.
//!
//! Automerge's own `save()` deflates each large column separately, which leaves the many
//! small columns and repeated key names of a ~150-operation customer document
//! uncompressed. One zstd frame over the whole uncompressed save, with a dictionary that
//! already knows the key names and common values, is about half the size (1.3 KB instead
//! of 2.5 KB for a bench customer) and three times faster to produce. The first byte of
//! every stored value names its codec so the format can change without a migration.
//!
//! A full save is stored with the customer's view (see `view.rs`) behind it in the same
//! frame (`ZSTD_DICT_VIEW`): a read then needs one decompression instead of an Automerge
//! load (0.3 ms of CPU). The view repeats the document's strings, which zstd finds in the
//! same window, so it adds about 500 B to a ~1.4 KB value; redb's 4 KiB leaves held two
//! documents each before and still do, so the file barely grows.

use crate::StoreError;
use std::cell::RefCell;
use std::sync::Arc;

thread_local! {
    static CCTX: RefCell<Option<zstd::zstd_safe::CCtx<'static>>> = const { RefCell::new(None) };
    static DCTX: RefCell<Option<zstd::zstd_safe::DCtx<'static>>> = const { RefCell::new(None) };
}

const RAW: u8 = 0;
const ZSTD_DICT: u8 = 1;
/// `ZSTD_DICT` over `[automerge length: u32 LE][automerge][view]`.
const ZSTD_DICT_VIEW: u8 = 2;
const LEVEL: i32 = 3;
/// Decompressed documents larger than this are refused as corrupt.
const MAX_DOC: usize = 64 << 20;

/// Packs and unpacks stored documents.
#[derive(Clone)]
pub struct DocCodec {
    dict: Arc<Vec<u8>>,
    /// Built on first use: preparing a 64 KiB dictionary for level 6 takes milliseconds,
    /// which a command that only reads should not pay.
    enc: Arc<std::sync::OnceLock<zstd::dict::EncoderDictionary<'static>>>,
    dec: Arc<zstd::dict::DecoderDictionary<'static>>,
}

impl DocCodec {
    /// A codec using `dict` (may be empty: plain zstd).
    pub fn new(dict: Vec<u8>) -> DocCodec {
        let dec = zstd::dict::DecoderDictionary::copy(&dict);
        DocCodec { dict: Arc::new(dict), enc: Arc::default(), dec: Arc::new(dec) }
    }

    /// Trains a dictionary from sample uncompressed documents.
    pub fn train(samples: &[Vec<u8>], size: usize) -> Result<Vec<u8>, StoreError> {
        zstd::dict::from_samples(samples, size)
            .map_err(|e| StoreError::Db(format!("training the document dictionary: {e}")))
    }

    /// The dictionary bytes.
    pub fn dictionary(&self) -> &[u8] {
        &self.dict
    }

    /// Packs uncompressed Automerge bytes (change chunks, or a document without a view).
    pub fn pack(&self, automerge: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.compress(ZSTD_DICT, automerge)
    }

    /// Packs a whole document with its JSON view in one frame.
    pub fn pack_with_view(&self, automerge: &[u8], view: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.compress(ZSTD_DICT_VIEW, &DocCodec::framed(automerge, view))
    }

    /// The plain bytes `pack_with_view` compresses: dictionaries are trained on these.
    pub fn framed(automerge: &[u8], view: &[u8]) -> Vec<u8> {
        let mut plain = Vec::with_capacity(4 + automerge.len() + view.len());
        plain.extend_from_slice(&(automerge.len() as u32).to_le_bytes());
        plain.extend_from_slice(automerge);
        plain.extend_from_slice(view);
        plain
    }

    fn compress(&self, codec: u8, plain: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut out = Vec::with_capacity(1 + zstd::zstd_safe::compress_bound(plain.len()));
        out.push(codec);
        // The frame goes after the codec byte.
        let mut cursor = std::io::Cursor::new(out);
        cursor.set_position(1);
        CCTX.with(|cell| {
            let mut slot = cell.borrow_mut();
            let cctx = slot.get_or_insert_with(zstd::zstd_safe::CCtx::create);
            let enc = self.enc.get_or_init(|| zstd::dict::EncoderDictionary::copy(&self.dict, LEVEL));
            cctx.compress_using_cdict(&mut cursor, plain, enc.as_cdict())
        })
        .map_err(|code| StoreError::Db(format!("zstd: {}", zstd::zstd_safe::get_error_name(code))))?;
        Ok(cursor.into_inner())
    }

    fn decompress(&self, frame: &[u8]) -> Result<Vec<u8>, StoreError> {
        let size = zstd::zstd_safe::get_frame_content_size(frame)
            .ok()
            .flatten()
            .map(|s| s as usize)
            .unwrap_or(MAX_DOC)
            .min(MAX_DOC);
        let mut out = Vec::with_capacity(size);
        // Creating a zstd context costs more than (de)compressing a small document, so
        // each thread keeps one of each.
        DCTX.with(|cell| {
            let mut slot = cell.borrow_mut();
            let dctx = slot.get_or_insert_with(zstd::zstd_safe::DCtx::create);
            dctx.decompress_using_ddict(&mut out, frame, self.dec.as_ddict())
        })
        .map_err(|code| {
            StoreError::Db(format!("stored document is corrupt: {}", zstd::zstd_safe::get_error_name(code)))
        })?;
        Ok(out)
    }

    /// Splits a `ZSTD_DICT_VIEW` frame's plain bytes at the end of the document.
    fn document_end(plain: &[u8]) -> Result<usize, StoreError> {
        let len = plain
            .get(..4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(|b| u32::from_le_bytes(b) as usize)
            .ok_or_else(|| StoreError::Db("stored document is corrupt: no length".into()))?;
        if 4 + len > plain.len() {
            return Err(StoreError::Db("stored document is corrupt: length past the end".into()));
        }
        Ok(4 + len)
    }

    /// Unpacks a stored value into Automerge bytes.
    pub fn unpack(&self, stored: &[u8]) -> Result<Vec<u8>, StoreError> {
        match stored.split_first() {
            Some((&RAW, rest)) => Ok(rest.to_vec()),
            Some((&ZSTD_DICT, rest)) => self.decompress(rest),
            Some((&ZSTD_DICT_VIEW, rest)) => {
                let mut plain = self.decompress(rest)?;
                let end = DocCodec::document_end(&plain)?;
                plain.truncate(end);
                plain.drain(..4);
                Ok(plain)
            }
            Some((other, _)) => Err(StoreError::Db(format!("stored document has unknown codec {other}"))),
            None => Err(StoreError::Db("stored document is empty".into())),
        }
    }

    /// The view stored behind a whole document, if the value has one.
    pub fn unpack_view(&self, stored: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        match stored.split_first() {
            Some((&ZSTD_DICT_VIEW, rest)) => {
                let mut plain = self.decompress(rest)?;
                let end = DocCodec::document_end(&plain)?;
                plain.drain(..end);
                Ok(Some(plain))
            }
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_and_its_view_come_back_apart() {
        let codec = DocCodec::new(Vec::new());
        let (doc, view) = (b"automerge bytes".to_vec(), b"{\"view\":1}".to_vec());
        let packed = codec.pack_with_view(&doc, &view).expect("pack");
        assert_eq!(packed[0], ZSTD_DICT_VIEW);
        assert_eq!(codec.unpack(&packed).expect("doc"), doc);
        assert_eq!(codec.unpack_view(&packed).expect("view"), Some(view));
        // A value without a view (a change chunk, or written before views) has none.
        let chunk = codec.pack(&doc).expect("pack");
        assert_eq!(codec.unpack(&chunk).expect("chunk"), doc);
        assert_eq!(codec.unpack_view(&chunk).expect("no view"), None);
    }

    #[test]
    fn a_corrupt_value_is_an_error_not_a_panic() {
        let codec = DocCodec::new(Vec::new());
        // A frame whose document length points past its end.
        let mut plain = DocCodec::framed(b"abc", b"xyz");
        plain[0] = 200;
        let bad = codec.compress(ZSTD_DICT_VIEW, &plain).expect("compress");
        assert!(codec.unpack(&bad).is_err());
        assert!(codec.unpack_view(&bad).is_err());
        let short = codec.compress(ZSTD_DICT_VIEW, b"ab").expect("compress");
        assert!(codec.unpack(&short).is_err());
        let good = codec.pack_with_view(b"document", b"view").expect("pack");
        for cut in 0..good.len() {
            let _ = codec.unpack(&good[..cut]);
            let _ = codec.unpack_view(&good[..cut]);
        }
        assert!(codec.unpack(&[9, 1, 2]).is_err(), "unknown codec");
        assert!(codec.unpack(&[]).is_err(), "empty value");
    }
}
