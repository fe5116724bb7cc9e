//! A running node that cannot be reached or read is a `NodeError` of its own, never a
//! store failure (`StoreError::Db`): real sockets on 127.0.0.1.

use rapport_node::{Book, NodeError};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Answers every connection with `200 OK` and a body that is not JSON.
fn garbage_server() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", l.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in l.incoming().take(8) {
            let Ok(mut s) = stream else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot json!");
        }
    });
    url
}

#[test]
fn an_unreachable_node_is_a_node_error_not_a_store_failure() {
    let book = rapport_api::RemoteBook::new(&format!("http://127.0.0.1:{}", closed_port()), "t");
    match book.identity() {
        Err(NodeError::Unreachable { url, .. }) => assert!(url.starts_with("http://127.0.0.1:")),
        other => panic!("expected NodeError::Unreachable, got {other:?}"),
    }
}

#[test]
fn an_unreadable_answer_is_a_node_error_not_a_store_failure() {
    let url = garbage_server();
    let book = rapport_api::RemoteBook::new(&url, "t");
    match book.doctor() {
        Err(NodeError::BadAnswer { .. }) => {}
        other => panic!("expected NodeError::BadAnswer, got {other:?}"),
    }
}

#[test]
fn a_data_directory_without_a_running_node_says_so() {
    let dir = tempfile::tempdir().expect("tmp");
    match rapport_api::RemoteNode::connect(dir.path()) {
        Err(NodeError::NoNode(_)) => {}
        Err(other) => panic!("expected NodeError::NoNode, got {other:?}"),
        Ok(_) => panic!("connected to a node that does not exist"),
    }
}
