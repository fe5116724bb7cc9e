//! What the command line asks of a node beyond the book: sync, relay, peers, sample data.
//!
//! [`LocalNode`] runs a [`Node`] in the command's own process when no node holds the
//! store; the API crate's client implements [`NodeControl`] over a running node's HTTP
//! API. Commands are written once against this trait, like book commands against
//! [`crate::Book`].

use crate::demo::{DemoCreated, DemoRequest};
use crate::error::NodeError;
use crate::runtime::{InviteRequest, Invited, Node, Paired, SyncOutcome, SyncStatus};
use rapport_p2p::{Invitation, PeerInfo};
use rapport_sync::ProgressObserver;
use std::sync::Arc;

/// The node operations of the command line.
pub trait NodeControl {
    /// Syncs now with the relay and, with `peers`, every paired peer.
    fn sync(&self, peers: bool) -> Result<Vec<SyncOutcome>, NodeError>;
    /// [`NodeControl::sync`], telling `progress` how far each sync has got where the node
    /// can (a running node's syncs are reported by its API instead).
    fn sync_observed(&self, peers: bool, progress: ProgressObserver<'_>) -> Result<Vec<SyncOutcome>, NodeError> {
        let _ = progress;
        self.sync(peers)
    }
    /// The relay and every sync partner's status.
    fn sync_status(&self) -> Result<SyncStatus, NodeError>;
    /// Writes this node's changes to a customer that the relay does not hold to a file
    /// (`out`, or one under the data directory) and takes the relay's copy.
    fn discard(&self, customer: &str, out: Option<std::path::PathBuf>) -> Result<crate::Discarded, NodeError>;
    /// Checks and keeps a relay URL and token; returns the URL kept.
    fn set_relay(&self, url: &str, token: &str) -> Result<String, NodeError>;
    /// Makes a pairing ticket; the node listens for the teammate.
    fn invite(&self, req: &InviteRequest) -> Result<Invited, NodeError>;
    /// Pairing invitations, open and past.
    fn invitations(&self) -> Result<Vec<Invitation>, NodeError>;
    /// Cancels an open invitation.
    fn cancel_invitation(&self, id: &str) -> Result<Invitation, NodeError>;
    /// Pairs with a ticket's node and syncs with it once.
    fn add_peer(&self, ticket: &str) -> Result<Paired, NodeError>;
    /// Paired peers.
    fn peers(&self) -> Result<Vec<PeerInfo>, NodeError>;
    /// Adds sample customers (refused on a store that syncs with a team).
    fn demo(&self, req: &DemoRequest) -> Result<DemoCreated, NodeError>;
    /// [`NodeControl::demo`], telling `progress` (customers created, customers in all)
    /// where it can.
    fn demo_observed(&self, req: &DemoRequest, progress: &mut dyn FnMut(u64, u64)) -> Result<DemoCreated, NodeError> {
        let _ = progress;
        self.demo(req)
    }
}

/// A node run by the command itself, for as long as the command runs.
pub struct LocalNode {
    node: Arc<Node>,
    rt: tokio::runtime::Runtime,
}

impl LocalNode {
    /// Runs `node` on a runtime of its own.
    pub fn new(node: Arc<Node>) -> Result<LocalNode, NodeError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| NodeError::Relay(format!("cannot start the node's runtime: {e}")))?;
        Ok(LocalNode { node, rt })
    }

    /// The node.
    pub fn node(&self) -> &Arc<Node> {
        &self.node
    }
}

impl Drop for LocalNode {
    fn drop(&mut self) {
        let node = self.node.clone();
        self.rt.block_on(async move { node.stop().await });
    }
}

impl NodeControl for LocalNode {
    fn sync(&self, peers: bool) -> Result<Vec<SyncOutcome>, NodeError> {
        self.rt.block_on(self.node.sync_now(peers))
    }

    fn sync_observed(&self, peers: bool, progress: ProgressObserver<'_>) -> Result<Vec<SyncOutcome>, NodeError> {
        let mut seen = self.node.sync_progress();
        let node = self.node.clone();
        let sync = self.rt.spawn(async move { node.sync_now(peers).await });
        let stopped = |e: tokio::task::JoinError| Err(NodeError::Relay(format!("the sync stopped unexpectedly: {e}")));
        self.rt.block_on(async {
            tokio::pin!(sync);
            loop {
                tokio::select! {
                    done = &mut sync => return done.unwrap_or_else(stopped),
                    changed = seen.changed() => match changed {
                        Ok(()) => progress(&seen.borrow_and_update()),
                        Err(_) => return (&mut sync).await.unwrap_or_else(stopped),
                    },
                }
            }
        })
    }

    fn sync_status(&self) -> Result<SyncStatus, NodeError> {
        self.node.sync_status()
    }

    fn set_relay(&self, url: &str, token: &str) -> Result<String, NodeError> {
        Ok(self.rt.block_on(self.node.set_relay(url, token))?.url)
    }

    fn discard(&self, customer: &str, out: Option<std::path::PathBuf>) -> Result<crate::Discarded, NodeError> {
        self.rt.block_on(self.node.discard(customer, out))
    }

    fn invite(&self, req: &InviteRequest) -> Result<Invited, NodeError> {
        self.rt.block_on(self.node.invite(req))
    }

    fn invitations(&self) -> Result<Vec<Invitation>, NodeError> {
        self.node.invitations()
    }

    fn cancel_invitation(&self, id: &str) -> Result<Invitation, NodeError> {
        self.node.cancel_invitation(id)
    }

    fn add_peer(&self, ticket: &str) -> Result<Paired, NodeError> {
        self.rt.block_on(self.node.add_peer(ticket))
    }

    fn peers(&self) -> Result<Vec<PeerInfo>, NodeError> {
        self.node.peers()
    }

    fn demo(&self, req: &DemoRequest) -> Result<DemoCreated, NodeError> {
        self.node.demo(req, &mut |_, _| {})
    }

    fn demo_observed(&self, req: &DemoRequest, progress: &mut dyn FnMut(u64, u64)) -> Result<DemoCreated, NodeError> {
        self.node.demo(req, progress)
    }
}
