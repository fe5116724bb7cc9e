//! Signed-in browsers: a random session id in an HttpOnly, SameSite=Strict cookie, a CSRF
//! token per session, and an end after a time idle and a time in all. Only the hash of a
//! session id is kept, so looking one up says nothing about how close a guess was.

use crate::i18n::Lang;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "rapport_session";

/// Most sessions at once; signing in again past it ends the least recently used.
const MAX_SESSIONS: usize = 256;

struct Session {
    csrf: String,
    lang: Lang,
    started: Instant,
    seen: Instant,
}

/// What a request's session allows it: its CSRF token and language.
#[derive(Clone, Debug)]
pub struct Signed {
    /// The session's id hash (to end it).
    pub(crate) key: [u8; 32],
    /// The token every state-changing request must carry.
    pub csrf: String,
    /// The language pages are shown in.
    pub lang: Lang,
}

/// The signed-in browsers of one node.
pub struct Sessions {
    open: Mutex<HashMap<[u8; 32], Session>>,
    idle: Duration,
    lifetime: Duration,
}

fn random_hex() -> Option<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).ok()?;
    Some(hex::encode(b))
}

/// What the map keeps of a session id: its hash, so the id itself is never held.
fn key(id: &str) -> [u8; 32] {
    *blake3::hash(id.as_bytes()).as_bytes()
}

impl Sessions {
    /// Sessions that end after `idle` without a request, or `lifetime` after sign-in.
    pub fn new(idle: Duration, lifetime: Duration) -> Sessions {
        Sessions { open: Mutex::new(HashMap::new()), idle, lifetime }
    }

    /// Starts a session; returns its id (the cookie's value), or `None` when the operating
    /// system gives no randomness.
    pub fn start(&self, lang: Lang) -> Option<String> {
        let id = random_hex()?;
        let csrf = random_hex()?;
        let now = Instant::now();
        let mut open = self.open.lock().ok()?;
        open.retain(|_, s| self.alive(s, now));
        if open.len() >= MAX_SESSIONS {
            if let Some(oldest) = open.iter().min_by_key(|(_, s)| s.seen).map(|(k, _)| *k) {
                open.remove(&oldest);
            }
        }
        open.insert(key(&id), Session { csrf, lang, started: now, seen: now });
        Some(id)
    }

    fn alive(&self, s: &Session, now: Instant) -> bool {
        now.duration_since(s.seen) < self.idle && now.duration_since(s.started) < self.lifetime
    }

    /// The live session with cookie value `id`, marked as just used; an expired one is ended.
    pub fn find(&self, id: &str) -> Option<Signed> {
        if id.len() != 64 {
            return None;
        }
        let k = key(id);
        let now = Instant::now();
        let mut open = self.open.lock().ok()?;
        let alive = open.get(&k).map(|s| self.alive(s, now))?;
        if !alive {
            open.remove(&k);
            return None;
        }
        let s = open.get_mut(&k)?;
        s.seen = now;
        Some(Signed { key: k, csrf: s.csrf.clone(), lang: s.lang })
    }

    /// Changes a session's language.
    pub fn set_lang(&self, signed: &Signed, lang: Lang) {
        if let Ok(mut open) = self.open.lock() {
            if let Some(s) = open.get_mut(&signed.key) {
                s.lang = lang;
            }
        }
    }

    /// Ends a session.
    pub fn end(&self, signed: &Signed) {
        if let Ok(mut open) = self.open.lock() {
            open.remove(&signed.key);
        }
    }
}
