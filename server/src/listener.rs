//! Serving HTTP/1.1 connections with the relay's resources bounded.
//!
//! `axum::serve` reads headers forever and accepts any number of connections, so the
//! relay runs its own accept loop:
//!
//! * connections are limited in total and per client address; one over a limit gets a
//!   short `503` and is closed at once;
//! * a connection whose request headers (or, when idle, whose next request) have not fully
//!   arrived within the header timeout is closed;
//! * a connection whose peer stops reading the response is closed after the write timeout;
//! * hyper's read buffer per connection is capped, so an open connection costs a few
//!   kilobytes, not megabytes;
//! * after a request is answered without its body being read (a refused token, a body
//!   over the limit), the relay reads and discards what the client still sends for at most
//!   the header timeout, so the client sees the refusal instead of a reset connection;
//! * on shutdown, idle connections close, requests in flight finish, and the loop waits for
//!   them for at most the drain time.
//!
//! Body timeouts and the memory budget for bodies are the handlers' part (`http.rs`).

use crate::metrics::Metrics;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::Sleep;
use tower_service::Service;

/// Bytes hyper may buffer per connection (request line and headers must fit).
const MAX_BUFFER: usize = 64 * 1024;
/// Bytes discarded at most after a request answered without reading its body.
const MAX_DISCARD: u64 = rapport_wire::MAX_FRAME as u64 + 1024;
/// Longest pause in what a client sends while the relay discards it before closing.
const LINGER_GAP: Duration = Duration::from_secs(1);
/// What a connection over a limit is told before it is closed.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\nconnection: close\r\n\
retry-after: 5\r\ncontent-length: 55\r\n\r\ntoo many connections to the relay; retry in a few seconds";

/// Limits of one listener.
#[derive(Clone, Debug)]
pub struct ConnectionLimits {
    /// Longest wait for a request's headers, counted from the connection (or the previous
    /// response) on; also how long an idle keep-alive connection stays open.
    pub header_timeout: Duration,
    /// Longest time the peer may take no bytes of a response before the connection closes.
    pub write_timeout: Duration,
    /// Open connections at most.
    pub max_connections: usize,
    /// Open connections from one client address at most.
    pub max_per_address: usize,
    /// Longest wait on shutdown for requests in flight.
    pub drain: Duration,
}

/// Admits connections under the total and per-address limits.
pub struct Admission {
    total: Arc<Semaphore>,
    max_total: usize,
    per_address: Mutex<HashMap<IpAddr, usize>>,
    max_per_address: usize,
}

/// A connection's place under the limits; dropping it frees the place.
pub struct Admitted {
    _total: OwnedSemaphorePermit,
    admission: Arc<Admission>,
    ip: IpAddr,
}

impl Admission {
    /// Room for `max_total` connections, `max_per_address` of them from one address.
    pub fn new(max_total: usize, max_per_address: usize) -> Admission {
        let max_total = max_total.clamp(1, u32::MAX as usize);
        Admission {
            total: Arc::new(Semaphore::new(max_total)),
            max_total,
            per_address: Mutex::new(HashMap::new()),
            max_per_address: max_per_address.max(1),
        }
    }

    /// A place for a connection from `ip`, or `None` when a limit is reached.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Admitted> {
        let total = self.total.clone().try_acquire_owned().ok()?;
        let mut map = self.per_address.lock().unwrap_or_else(|p| p.into_inner());
        let n = map.entry(ip).or_insert(0);
        if *n >= self.max_per_address {
            return None;
        }
        *n += 1;
        Some(Admitted { _total: total, admission: self.clone(), ip })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.max_total - self.total.available_permits()
    }

    /// Waits until every admitted connection has ended, or `limit` has passed.
    async fn all_closed(&self, limit: Duration) -> bool {
        let all = u32::try_from(self.max_total).unwrap_or(u32::MAX);
        tokio::time::timeout(limit, self.total.acquire_many(all)).await.is_ok()
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut map = self.admission.per_address.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Serves `router` on `listener` until `stop` turns true, then drains connections.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) {
    let admission = Arc::new(Admission::new(limits.max_connections, limits.max_per_address));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).max_buf_size(MAX_BUFFER).keep_alive(true);
    let http = Arc::new(http);
    let mut refusals = RefusalLog::default();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    eprintln!("relay: accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stopped(&mut stop) => break,
        };
        let Some(place) = admission.admit(peer.ip()) else {
            Metrics::add(&metrics.connections_refused, 1);
            refusals.note(peer);
            // A fresh socket's send buffer is empty: this write does not block.
            let _ = stream.try_write(BUSY);
            continue;
        };
        let task = Connection {
            http: http.clone(),
            router: router.clone(),
            limits: limits.clone(),
            metrics: metrics.clone(),
            stop: stop.clone(),
            _place: place,
        };
        tokio::spawn(task.run(stream, peer));
    }
    drop(listener);
    if !admission.all_closed(limits.drain).await {
        eprintln!("relay: {} connection(s) still open after {:?}; stopping anyway", admission.open(), limits.drain);
    }
}

/// Resolves once the stop signal is given (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await.map(|_| ());
}

/// One accepted connection and what it needs.
struct Connection {
    http: Arc<hyper::server::conn::http1::Builder>,
    router: Router,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
    stop: watch::Receiver<bool>,
    /// Held until the connection, lingering included, is over.
    _place: Admitted,
}

type Served = Pin<Box<dyn Future<Output = Result<axum::response::Response, std::convert::Infallible>> + Send>>;

impl Connection {
    async fn run(mut self, stream: TcpStream, peer: SocketAddr) {
        let _open = self.metrics.connection_opened();
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(StallGuard::new(stream, self.limits.write_timeout));
        let router = self.router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| -> Served {
            req.extensions_mut().insert(ConnectInfo(peer));
            let mut router = router.clone();
            Box::pin(router.call(req))
        });
        let mut conn = self.http.serve_connection(io, service);
        let mut stopping = false;
        let done = loop {
            tokio::select! {
                r = std::future::poll_fn(|cx| conn.poll_without_shutdown(cx)) => break r,
                _ = stopped(&mut self.stop), if !stopping => {
                    stopping = true;
                    Pin::new(&mut conn).graceful_shutdown();
                }
            }
        };
        match done {
            Ok(()) => {
                let stream = conn.into_parts().io.into_inner().stream;
                linger(stream, self.limits.header_timeout).await;
            }
            Err(e) => {
                if e.is_timeout() {
                    Metrics::add(&self.metrics.connections_timed_out, 1);
                }
                // Stalled or broken: close at once.
            }
        }
    }
}

/// Closes a connection whose last request may have left body bytes unread: shuts the
/// sending side (the response is complete), then reads and discards what the client still
/// sends, so a client still sending a refused body reads the refusal instead of a reset.
/// Like nginx's lingering close, it ends when the client closes, when nothing arrives for
/// [`LINGER_GAP`], or after `limit` and [`MAX_DISCARD`] bytes at most.
async fn linger(mut stream: TcpStream, limit: Duration) {
    if stream.shutdown().await.is_err() {
        return;
    }
    let discard = async {
        let mut buf = [0u8; 8192];
        let mut seen = 0u64;
        while seen < MAX_DISCARD {
            match tokio::time::timeout(LINGER_GAP, stream.readable()).await {
                Ok(Ok(())) => {}
                _ => return,
            }
            match stream.try_read(&mut buf) {
                Ok(0) => return,
                Ok(n) => seen += n as u64,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(_) => return,
            }
        }
    };
    let _ = tokio::time::timeout(limit, discard).await;
}

/// Logs refused connections at most once a second, with how many were refused.
#[derive(Default)]
struct RefusalLog {
    last: Option<tokio::time::Instant>,
    since: u64,
}

impl RefusalLog {
    fn note(&mut self, peer: SocketAddr) {
        self.since += 1;
        let now = tokio::time::Instant::now();
        if self.last.is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1)) {
            eprintln!(
                "relay: {peer}: refused a connection over the connection limits ({} refused since the last report)",
                self.since
            );
            self.last = Some(now);
            self.since = 0;
        }
    }
}

/// A TCP stream whose writes fail once the peer has taken no bytes for `stall`: a client
/// that stops reading cannot hold a connection and its response forever.
pub struct StallGuard {
    stream: TcpStream,
    stall: Duration,
    deadline: Option<Pin<Box<Sleep>>>,
}

impl StallGuard {
    fn new(stream: TcpStream, stall: Duration) -> StallGuard {
        StallGuard { stream, stall, deadline: None }
    }

    /// Called when a write could not progress: fails once the stall has lasted too long.
    fn stalled<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let stall = self.stall;
        let deadline = self.deadline.get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the client read nothing of the response for {stall:?}"),
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn progressed<T>(&mut self, r: Poll<io::Result<T>>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match r {
            Poll::Ready(r) => {
                self.deadline = None;
                Poll::Ready(r)
            }
            Poll::Pending => self.stalled(cx),
        }
    }
}

impl AsyncRead for StallGuard {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for StallGuard {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.progressed(r, cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.progressed(r, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.stream).poll_flush(cx);
        this.progressed(r, cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.stream).poll_shutdown(cx);
        this.progressed(r, cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_limited_per_address_and_in_total_and_freed_on_drop() {
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let b: IpAddr = "192.0.2.2".parse().expect("ip");
        let c: IpAddr = "2001:db8::1".parse().expect("ip");
        let admission = Arc::new(Admission::new(3, 2));
        let a1 = admission.admit(a).expect("a 1");
        let a2 = admission.admit(a).expect("a 2");
        assert!(admission.admit(a).is_none(), "a third from one address");
        let b1 = admission.admit(b).expect("another address");
        assert!(admission.admit(c).is_none(), "over the total");
        assert_eq!(admission.open(), 3);
        drop(a1);
        assert!(admission.admit(b).is_some(), "a freed place is free for anyone");
        drop((a2, b1));
        assert_eq!(admission.open(), 0);
        assert!(admission.per_address.lock().expect("map").is_empty(), "no entry left for closed addresses");
    }
}
