//! A TCP front for a relay that can refuse or cut its notice streams while sync requests
//! pass: what a node sees behind a proxy that does not pass long-lived requests, in front
//! of an older relay without the route, or when a connection dies (with a word, or
//! without one).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub struct Gate {
    /// The URL members use instead of the relay's.
    pub url: String,
    refusing: Arc<AtomicBool>,
    corrupting: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
    opened: Arc<AtomicU64>,
    silenced: Arc<AtomicU64>,
}

impl Gate {
    /// A front for the relay at `relay_url` (`http://127.0.0.1:PORT`), passing everything.
    pub fn in_front_of(relay_url: &str) -> Gate {
        let upstream = relay_url.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the gate");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let gate = Gate {
            url,
            refusing: Arc::default(),
            corrupting: Arc::default(),
            streams: Arc::default(),
            opened: Arc::default(),
            silenced: Arc::default(),
        };
        let shared = Shared {
            refusing: gate.refusing.clone(),
            corrupting: gate.corrupting.clone(),
            streams: gate.streams.clone(),
            opened: gate.opened.clone(),
            silenced: gate.silenced.clone(),
        };
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (shared, upstream) = (shared.clone(), upstream.clone());
                std::thread::spawn(move || pass(client, &upstream, &shared));
            }
        });
        gate
    }

    /// Refuses notice requests (404, as an older relay answers) from now on, or passes them.
    pub fn refuse_notices(&self, refuse: bool) {
        self.refusing.store(refuse, Ordering::SeqCst);
    }

    /// Corrupts the next Automerge document the relay sends through the gate (one byte of
    /// its chunk checksum), as a failing disk or a tampering middlebox would.
    pub fn corrupt_next_document(&self) {
        self.corrupting.store(true, Ordering::SeqCst);
    }

    /// Whether a document was corrupted since [`Gate::corrupt_next_document`].
    pub fn corrupted(&self) -> bool {
        !self.corrupting.load(Ordering::SeqCst)
    }

    /// Cuts every notice stream open through the gate.
    pub fn cut_notices(&self) {
        for s in self.streams.lock().expect("streams").drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// The notice streams open now die without a word, as on a laptop that slept and woke
    /// on another network: nothing passes either way any more, and neither end is told.
    /// Streams opened later pass.
    pub fn silence_notices(&self) {
        self.silenced.fetch_add(1, Ordering::SeqCst);
    }

    /// Notice streams passed to the relay so far.
    pub fn notice_streams_opened(&self) -> u64 {
        self.opened.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct Shared {
    refusing: Arc<AtomicBool>,
    corrupting: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
    opened: Arc<AtomicU64>,
    /// Bumped by [`Gate::silence_notices`]: a notice stream opened before falls silent.
    silenced: Arc<AtomicU64>,
}

/// The first bytes of every Automerge chunk.
const AUTOMERGE_MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

fn pass(mut client: TcpStream, upstream: &str, shared: &Shared) {
    // Enough of the request to see its first line.
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(2).any(|w| w == b"\r\n") && head.len() < 8192 {
        match client.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let notices = head.starts_with(b"GET /v1/notices");
    if notices && shared.refusing.load(Ordering::SeqCst) {
        let _ = client.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    }
    let Ok(mut server) = TcpStream::connect(upstream) else { return };
    if server.write_all(&head).is_err() {
        return;
    }
    if notices {
        shared.opened.fetch_add(1, Ordering::SeqCst);
        let mut held = shared.streams.lock().expect("streams");
        held.extend(client.try_clone().ok());
        held.extend(server.try_clone().ok());
    }
    // A silenced stream is held open (the gate keeps a handle of each notice connection)
    // but passes nothing either way: the node is never told it is gone.
    let era = shared.silenced.load(Ordering::SeqCst);
    let silent = || notices && shared.silenced.load(Ordering::SeqCst) != era;
    let (Ok(mut client_in), Ok(mut server_out)) = (client.try_clone(), server.try_clone()) else { return };
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_in, &mut server_out);
        let _ = server_out.shutdown(Shutdown::Write);
    });
    // Back to the client, corrupting one document when asked. The whole response is held
    // until the connection goes quiet for a moment, so a document split across reads is
    // still found.
    let mut pending: Vec<u8> = Vec::new();
    let _ = server.set_read_timeout(Some(std::time::Duration::from_millis(50)));
    loop {
        if silent() {
            // Dead without a word: whatever the relay sends is lost, and the node is not
            // told the connection is gone.
            let _ = server.shutdown(Shutdown::Both);
            return;
        }
        match server.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                pending.extend_from_slice(&buf[..n]);
                continue;
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
        if !pending.is_empty() {
            corrupt(&mut pending, &shared.corrupting);
            if client.write_all(&pending).is_err() {
                break;
            }
            pending.clear();
        }
    }
    if !pending.is_empty() {
        corrupt(&mut pending, &shared.corrupting);
        let _ = client.write_all(&pending);
    }
    let _ = client.shutdown(Shutdown::Both);
    let _ = up.join();
}

/// Flips a byte of the checksum of the first Automerge chunk in `bytes`, once.
fn corrupt(bytes: &mut [u8], corrupting: &AtomicBool) {
    if !corrupting.load(Ordering::SeqCst) {
        return;
    }
    if let Some(at) = bytes.windows(4).position(|w| w == AUTOMERGE_MAGIC) {
        if let Some(b) = bytes.get_mut(at + 5) {
            *b ^= 0xff;
            corrupting.store(false, Ordering::SeqCst);
        }
    }
}
