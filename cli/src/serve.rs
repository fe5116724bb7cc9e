//! `rapport serve` and `rapport token`: running the node (`rapport_node::Node`) with its
//! HTTP API, and managing the API token.
//!
//! The node opens the store (holding it: redb allows one process per file), writes
//! `DATA_DIR/serve.json` with the address it listens on, serves until Ctrl-C or SIGTERM,
//! then stops accepting, finishes requests in flight, removes `serve.json` and closes
//! the store. Every write it acknowledged was committed with `Durability::Immediate`
//! before the answer was sent.

use crate::args::{ServeArgs, TokenCmd};
use crate::context::{clock, input_error, store_path};
use crate::out;
use anyhow::{Context, Result};
use rapport_api::auth::{ensure_token, token_path, write_new_token, TokenSource};
use rapport_api::discovery::{remove_serve_info, write_serve_info, ServeInfo};
use rapport_node::{LocalBook, Node};
use rapport_store::{Store, StoreError};
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// redb page cache of a running node: documents are read through the OS page cache
/// anyway, and hot customers' responses are cached by the API.
const NODE_CACHE_BYTES: usize = 32 << 20;

/// Most store operations the node runs at once.
const BLOCKING_THREADS: usize = 8;

/// Runs the node until it is told to stop.
pub fn serve(dir: &Path, a: &ServeArgs, json: bool) -> Result<()> {
    let addr: SocketAddr = a
        .listen
        .parse()
        .map_err(|_| input_error("listen", &format!("`{}` is not an address such as 127.0.0.1:7878", a.listen)))?;
    if !addr.ip().is_loopback() {
        if !a.allow_remote {
            return Err(input_error(
                "listen",
                &format!(
                    "{} is not a loopback address; pass --allow-remote to let other machines reach the node",
                    addr.ip()
                ),
            ));
        }
        eprintln!(
            "warning: serving on {addr}: anyone who can reach this address and has the token can read and change \
             the whole book; traffic is not encrypted"
        );
    }
    let path = store_path(dir);
    let fresh_demo = a.demo && crate::demo::create_demo_store(dir)?;
    let store = match Store::open_with_cache(&path, Some(NODE_CACHE_BYTES)) {
        Ok(s) => s,
        Err(StoreError::Locked(p)) => {
            return Err(anyhow::anyhow!(
                "the store at {} is in use by a running node (see {}); stop it first",
                p.display(),
                rapport_api::discovery::serve_path(dir).display()
            ))
        }
        Err(e) => return Err(e.into()),
    };
    ensure_token(dir)?;
    let (book, _) = LocalBook::open(store, clock())?;
    let node = Node::new(Arc::new(book), dir)?;
    if a.demo {
        demo_book(&node, fresh_demo)?;
    }
    // Store work runs on blocking threads. A few are enough on any laptop (reads are CPU
    // bound, redb serialises writes); hundreds of them under load only add context
    // switches and a malloc arena each, which is most of a busy node's memory.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()
        .context("starting the runtime")?;
    let result = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        let url = format!("http://{local}");
        write_serve_info(dir, &ServeInfo { address: local.to_string(), url: url.clone(), pid: std::process::id() })?;
        if json {
            out::json(&serde_json::json!({ "url": url, "data_dir": dir, "pid": std::process::id() }))?;
        } else {
            println!("Rapport node serving {} at {url}/v1/", path.display());
            println!("  token:   rapport token show{}", data_dir_flag(dir));
            println!(
                "  try:     curl -H \"Authorization: Bearer $(rapport token show{})\" {url}/v1/health",
                data_dir_flag(dir)
            );
            println!("  api:     {url}/v1/openapi.json   (docs/api.md)");
            match rapport_web::sign_in_path(&node) {
                Ok(path) => println!("  web app: {url}{path}   (a one-time link; later: rapport open)"),
                Err(e) => eprintln!("warning: no sign-in link for the web app: {e}"),
            }
            println!("Other rapport commands on this data directory now go through the node. Ctrl-C stops it.");
        }
        let _ = std::io::stdout().flush();
        node.start(a.p2p_listen.as_deref(), std::time::Duration::from_secs(a.sync_interval)).await?;
        let api = rapport_api::router(node.clone(), TokenSource::file(token_path(dir)));
        let mut web = rapport_web::WebConfig::loopback(local.port());
        if !local.ip().is_loopback() {
            web.hosts.push(local.to_string());
        }
        web.idle = std::time::Duration::from_secs(a.session_idle.max(1));
        let router = rapport_web::router(node.clone(), web).merge(api);
        let served = rapport_api::serve(listener, router, shutdown_signal()).await.context("serving");
        node.stop().await;
        served
    });
    remove_serve_info(dir);
    drop(rt);
    // Every other clone of the node lived in the runtime; this closes the store.
    drop(node);
    if result.is_ok() && !json {
        eprintln!("node stopped; store closed");
    }
    result
}

/// `serve --demo`: a sample book of its own, with its own member ("Demo Owner"). A new one
/// is marked as a sample book (it never gets a relay or peers) and gets 500 sample
/// customers; an existing store is served only if it is such a sample book, so `--demo`
/// never mixes sample data into a real book.
fn demo_book(node: &Node, fresh: bool) -> Result<()> {
    if fresh {
        rapport_node::mark_demo_book(node.book())?;
        node.demo(&rapport_node::DemoRequest { customers: 500, seed: 42, bench_shape: false }, &mut |_, _| {})?;
        return Ok(());
    }
    if !rapport_node::holds_demo_data(node.book())? {
        return Err(input_error(
            "demo",
            "this data directory holds a real book; serve sample data from a data directory of its own \
             (`rapport --data-dir /tmp/rapport-demo serve --demo`)",
        ));
    }
    Ok(())
}

fn data_dir_flag(dir: &Path) -> String {
    match std::env::var_os("RAPPORT_DATA") {
        Some(d) if Path::new(&d) == dir => String::new(),
        _ => match dirs::data_dir().map(|d| d.join("rapport")) {
            Some(d) if d == dir => String::new(),
            _ => format!(" --data-dir {}", dir.display()),
        },
    }
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// `rapport token show|rotate`.
pub fn token(dir: &Path, cmd: TokenCmd, json: bool) -> Result<()> {
    if !store_path(dir).exists() {
        return Err(StoreError::NotInitialized(store_path(dir)).into());
    }
    let token = match cmd {
        TokenCmd::Show => ensure_token(dir)?,
        TokenCmd::Rotate => write_new_token(dir)?,
    };
    if json {
        out::json(&serde_json::json!({ "token": token }))
    } else {
        println!("{token}");
        Ok(())
    }
}

/// `rapport open`: a one-time sign-in link from the running node, opened in the browser
/// (or printed).
pub fn open(dir: &Path, print: bool, json: bool) -> Result<()> {
    let node = rapport_api::client::RemoteBook::connect(dir).map_err(|_| {
        anyhow::Error::from(rapport_node::NodeError::Refused(format!(
            "no node is serving {}; start it with `rapport serve{}` first",
            dir.display(),
            data_dir_flag(dir)
        )))
    })?;
    let url = node.sign_in_link()?;
    if json {
        return out::json(&serde_json::json!({ "url": url }));
    }
    if print || !open_browser(&url) {
        println!("{url}");
    } else {
        println!("opened the web app in your browser (the link works once): {url}");
    }
    Ok(())
}

/// Hands `url` to the desktop's browser; false when there is none to hand it to.
fn open_browser(url: &str) -> bool {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}
