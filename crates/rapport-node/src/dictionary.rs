//! The zstd dictionary new stores compress documents with, trained at `init` on a fixed
//! sample of generated customers, packed as the store packs them: document and JSON view
//! (see `rapport_store::DocCodec` for why).

use rapport_doc::{ActorId, ChangeMeta, CustomerDoc};
use rapport_store::{DocCodec, StoreError};

/// Dictionary size: large enough for key names and common values, small beside a book.
const SIZE: usize = 64 * 1024;

/// Trains the dictionary on 400 sample customers (about 0.1 s). Every new store gets it
/// (`init`, `join`, the demo, the benchmarks), so what they measure is what a user keeps.
pub fn train() -> Result<Vec<u8>, StoreError> {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    let book = rapport_demo::DemoBook::new(1, today, &["Li Wei", "Wang Fang"]);
    let at = today.and_hms_opt(9, 0, 0).unwrap_or_default();
    let mut samples = Vec::with_capacity(400);
    for i in 0..400u64 {
        let profile =
            if i % 2 == 0 { rapport_demo::DemoProfile::bench() } else { rapport_demo::DemoProfile::realistic() };
        let mut c = book.customer(i, &profile);
        c.number = format!("MFG-2026-AAAAAA-{i:03}");
        let mut doc = CustomerDoc::create(&c, ActorId::from(vec![7u8; 24]), ChangeMeta::new("Li Wei", at))?;
        samples.push(rapport_store::packing_sample(&mut doc)?);
    }
    DocCodec::train(&samples, SIZE)
}
