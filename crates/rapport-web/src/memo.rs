//! The last answers of the book-wide analyses (reports, duplicates), kept while the book
//! is as it was when they were computed (`Views::book_state`): a page read again, by this
//! person or another, costs nothing until a write, a sync, a settings change or midnight
//! moves the book on.

use rapport_model::Date;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Answers kept at once; the least recently computed goes first.
const KEPT: usize = 32;

type State = (u64, u64, Date);

/// An answer, the book state it holds for, and when it was computed (for eviction).
type Kept<T> = (State, u64, Arc<T>);

/// Answers by what was asked.
#[derive(Default)]
pub struct Memo<T> {
    kept: Mutex<HashMap<String, Kept<T>>>,
    counter: std::sync::atomic::AtomicU64,
}

impl<T> Memo<T> {
    /// The answer to `asked` under `state`, computing it with `compute` when none is kept.
    pub fn get_or<E>(&self, asked: &str, state: State, compute: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        if let Ok(kept) = self.kept.lock() {
            if let Some((s, _, v)) = kept.get(asked) {
                if *s == state {
                    return Ok(v.clone());
                }
            }
        }
        let v = Arc::new(compute()?);
        if let Ok(mut kept) = self.kept.lock() {
            kept.retain(|_, (s, _, _)| *s == state);
            if kept.len() >= KEPT {
                if let Some(oldest) = kept.iter().min_by_key(|(_, (_, n, _))| *n).map(|(k, _)| k.clone()) {
                    kept.remove(&oldest);
                }
            }
            let n = self.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            kept.insert(asked.to_string(), (state, n, v.clone()));
        }
        Ok(v)
    }
}
