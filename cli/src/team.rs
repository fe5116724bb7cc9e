//! `rapport join` and `rapport team`: parse, ask the library, print.

use crate::context::default_settings;
use crate::out;
use anyhow::Result;
use rapport_node::Book;
use rapport_store::Store;
use std::path::Path;

/// `rapport join URL TOKEN`: the store as the token's member, then the first sync.
pub fn join(dir: &Path, url: &str, token: &str, json: bool) -> Result<()> {
    let mut trained = None;
    let joined = rapport_node::join(dir, url, token, |path, name| {
        let dictionary = rapport_node::dictionary::train()?;
        let settings = default_settings().map_err(|e| rapport_store::StoreError::Db(e.to_string()))?;
        let store = Store::init(path, name, settings, dictionary)?;
        trained = Some(());
        Ok(store)
    })?;
    if trained.is_some() {
        rapport_store::make_data_dir_private(dir)?;
        rapport_api::auth::write_new_token(dir)?;
    }
    if !json {
        println!(
            "{} {} as {} ({}); first sync ...",
            if joined.created { "joined team" } else { "this store now syncs with team" },
            joined.team,
            joined.member,
            joined.role
        );
    }
    let synced = crate::sync::sync(dir, false, json);
    if json {
        out::json(&joined)?;
    }
    synced
}

/// `rapport team`.
pub fn show(book: &dyn Book, json: bool) -> Result<()> {
    let t = book.team()?;
    if json {
        return out::json(&t);
    }
    let Some(name) = &t.name else {
        println!("no team roster yet: this node syncs with no relay, or with a relay from before roles (every edit is allowed here)");
        return Ok(());
    };
    println!("team {name}");
    if let Some(why) = &t.revoked {
        println!("removed from the team: {why}");
    }
    if let Some(you) = &t.you {
        println!("you: {} ({})", you.name, you.role);
    }
    let rows: Vec<Vec<String>> = t
        .members
        .iter()
        .map(|m| {
            vec![
                m.name.clone(),
                m.role.clone(),
                if m.groups.is_empty() { "-".into() } else { m.groups.join(", ") },
                if m.active { "active".into() } else { "revoked".into() },
            ]
        })
        .collect();
    out::table(&["member", "role", "groups", "status"], &rows);
    Ok(())
}
