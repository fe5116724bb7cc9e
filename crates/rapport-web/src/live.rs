//! `GET /live`: the node's change notification as server-sent events, so an open page
//! shows a teammate's change as soon as sync brings it (no reload). An event carries which
//! customer changed (`{seq, id, number}`), never its data: the page asks for what it shows.

use crate::Web;
use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::Stream;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;

#[derive(Deserialize)]
pub(crate) struct After {
    /// Resume after this sequence number; default: the next change.
    after: Option<u64>,
}

struct Feed {
    web: Web,
    cursor: u64,
    buf: std::collections::VecDeque<Event>,
    changes: tokio::sync::watch::Receiver<u64>,
}

async fn next_batch(f: &mut Feed) -> bool {
    let (node, cursor) = (f.web.node().clone(), f.cursor);
    let batch = tokio::task::spawn_blocking(move || {
        let store = &node.book().store;
        let mut out = Vec::new();
        for (seq, id) in store.events_after(cursor, 256)? {
            let number = store.summary(id).map(|s| s.number).unwrap_or_default();
            out.push((seq, id.to_hex(), number));
        }
        Ok::<_, rapport_store::StoreError>(out)
    })
    .await;
    let Ok(Ok(batch)) = batch else { return false };
    for (seq, id, number) in batch {
        f.cursor = seq;
        let data = serde_json::json!({ "seq": seq, "id": id, "number": number }).to_string();
        f.buf.push_back(Event::default().id(seq.to_string()).event("change").data(data));
    }
    true
}

pub(crate) async fn live(
    State(web): State<Web>,
    Query(q): Query<After>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let node = web.node().clone();
    let cursor = match q.after {
        Some(c) => c,
        None => tokio::task::spawn_blocking(move || node.book().store.last_event_seq().unwrap_or(0)).await.unwrap_or(0),
    };
    let changes = web.node().subscribe();
    let feed = Feed { web, cursor, buf: Default::default(), changes };
    let stream = futures_util::stream::unfold(feed, |mut f| async move {
        loop {
            if let Some(e) = f.buf.pop_front() {
                return Some((Ok(e), f));
            }
            if !next_batch(&mut f).await {
                return None;
            }
            if !f.buf.is_empty() {
                continue;
            }
            tokio::select! {
                r = f.changes.changed() => if r.is_err() { return None; },
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
