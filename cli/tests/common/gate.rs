//! A TCP front for a relay that can refuse or cut its notice streams while sync requests
//! pass: what a node sees behind a proxy that does not pass long-lived requests, in front
//! of an older relay without the route, or when a connection dies.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub struct Gate {
    /// The URL members use instead of the relay's.
    pub url: String,
    refusing: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
    opened: Arc<AtomicU64>,
}

impl Gate {
    /// A front for the relay at `relay_url` (`http://127.0.0.1:PORT`), passing everything.
    pub fn in_front_of(relay_url: &str) -> Gate {
        let upstream = relay_url.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the gate");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let gate = Gate { url, refusing: Arc::default(), streams: Arc::default(), opened: Arc::default() };
        let (refusing, streams, opened) = (gate.refusing.clone(), gate.streams.clone(), gate.opened.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (refusing, streams, opened, upstream) =
                    (refusing.clone(), streams.clone(), opened.clone(), upstream.clone());
                std::thread::spawn(move || pass(client, &upstream, &refusing, &streams, &opened));
            }
        });
        gate
    }

    /// Refuses notice requests (404, as an older relay answers) from now on, or passes them.
    pub fn refuse_notices(&self, refuse: bool) {
        self.refusing.store(refuse, Ordering::SeqCst);
    }

    /// Cuts every notice stream open through the gate.
    pub fn cut_notices(&self) {
        for s in self.streams.lock().expect("streams").drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// Notice streams passed to the relay so far.
    pub fn notice_streams_opened(&self) -> u64 {
        self.opened.load(Ordering::SeqCst)
    }
}

fn pass(
    mut client: TcpStream,
    upstream: &str,
    refusing: &AtomicBool,
    streams: &Mutex<Vec<TcpStream>>,
    opened: &AtomicU64,
) {
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
    if notices && refusing.load(Ordering::SeqCst) {
        let _ = client.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    }
    let Ok(mut server) = TcpStream::connect(upstream) else { return };
    if server.write_all(&head).is_err() {
        return;
    }
    if notices {
        opened.fetch_add(1, Ordering::SeqCst);
        let mut held = streams.lock().expect("streams");
        held.extend(client.try_clone().ok());
        held.extend(server.try_clone().ok());
    }
    let (Ok(mut client_in), Ok(mut server_out)) = (client.try_clone(), server.try_clone()) else { return };
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_in, &mut server_out);
        let _ = server_out.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut server, &mut client);
    let _ = client.shutdown(Shutdown::Both);
    let _ = up.join();
}
