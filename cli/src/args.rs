//! The command line: every command, flag and its help text.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Rapport: a local-first customer book. Works offline; merges with your team later.
///
/// Exit codes: 0 success; 2 bad input (invalid value, unknown customer, missing store);
/// 1 store or system failure.
#[derive(Parser, Debug)]
#[command(name = "rapport", version, propagate_version = true)]
pub struct Cli {
    /// Data directory (default: $RAPPORT_DATA, else the platform data dir + /rapport).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// Show phones and emails in full instead of masked.
    #[arg(long, global = true)]
    pub reveal: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create this node's store and your member identity.
    Init {
        /// Your name as teammates will see it in history.
        #[arg(long)]
        name: String,
    },
    /// Fill the store with a realistic, deterministic sample book (creates the store if needed).
    Demo {
        /// How many customers.
        #[arg(long, default_value_t = 500)]
        customers: u64,
        /// Random seed; the same seed gives the same book.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Bench shape: exactly 3 contacts, 10 follow-ups, 5 orders, 2 service records each.
        #[arg(long)]
        bench_shape: bool,
    },
    /// Customers: add, show, edit, list, search, archive, conflicts.
    #[command(subcommand)]
    Customer(Box<CustomerCmd>),
    /// Same as `customer list`.
    List(ListArgs),
    /// Same as `customer search`.
    Search {
        /// Text to find in names, numbers, contacts, phones and emails.
        text: String,
        /// Include archived customers.
        #[arg(long)]
        archived: bool,
    },
    /// Contacts of a customer.
    #[command(subcommand)]
    Contact(ContactCmd),
    /// Follow-ups (跟进记录).
    #[command(subcommand)]
    Interaction(InteractionCmd),
    /// Service records (服务记录).
    #[command(subcommand)]
    Service(ServiceCmd),
    /// Orders (交易).
    #[command(subcommand)]
    Order(OrderCmd),
    /// Tasks (待办).
    #[command(subcommand)]
    Task(TaskCmd),
    /// Due today, overdue and the next 7 days: yours (this node's member) unless
    /// `--assignee` or `--all` says otherwise.
    Agenda {
        /// Only this assignee (any case and width); a name the book does not know is an error.
        #[arg(long, conflicts_with = "all")]
        assignee: Option<String>,
        /// Everyone's items, not only yours.
        #[arg(long)]
        all: bool,
        /// Print at most this many items (the total is still reported).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Who changed what, when and why on a customer.
    History {
        /// Customer number or id.
        customer: String,
    },
    /// Check every index against the documents.
    Doctor,
    /// Import customers from a CSV (UTF-8, BOM, GBK/GB18030) or XLSX sheet, all or nothing.
    /// Headers are recognised in English or Chinese (客户名称, 所属行业, 联系人, 联系方式, ...);
    /// rows matching existing customers (number, credit code, normalised name) create
    /// nothing new. Rejected rows are written to a CSV to fix and import again.
    Import(ImportArgs),
    /// Export the customers a list filter selects as CSV, XLSX or JSON Lines; contact data
    /// is masked unless `--reveal` (recorded in the audit log).
    Export(ExportArgs),
    /// The team's audit log: exports that revealed contact data.
    Audit,
    /// Book reports: sources, industries, funnel, conversion, owners, churn-risk,
    /// concentration, tiers, or `all` (see docs/reports.md for every figure).
    Report(ReportArgs),
    /// Likely duplicate customers: same credit code, phone or normalised name, with a
    /// score and the reasons; `merge` joins a pair.
    Dedupe {
        /// Print at most this many pairs, most certain first (the total is still reported).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Merge customer MERGE into KEEP: every contact, follow-up, service record, order and
    /// task moves over, fields KEEP lacks are filled, MERGE is archived and its number
    /// becomes an alias of KEEP. Repeat it to take over items added to MERGE since.
    Merge {
        /// Number or id of the customer that stays.
        keep: String,
        /// Number or id of the customer merged away.
        merge: String,
        /// Why (recorded in both customers' history).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Rebuild every index from the documents, and rewrite each document as one full save
    /// with its stored view (upgrades a store written before views; folds change chunks).
    Reindex,
    /// Measure store performance on generated books; prints JSON.
    Bench(BenchArgs),
    /// Tag rules: list, add, edit, remove, test, explain.
    #[command(subcommand)]
    Rules(RulesCmd),
    /// Rule tags.
    #[command(subcommand)]
    Tags(TagsCmd),
    /// Customers by tier (S/A/B/C composite, classic ABC, or RFM), with the reason.
    Tiers(TiersArgs),
    /// Run the node: serve the local HTTP API (see docs/api.md) until Ctrl-C or SIGTERM.
    ///
    /// While it runs, every other `rapport` command on this data directory goes through
    /// the API transparently.
    Serve(ServeArgs),
    /// Open the web app in the browser, signed in with a one-time link (needs `rapport
    /// serve` running on this data directory).
    Open {
        /// Print the link instead of opening a browser.
        #[arg(long)]
        print: bool,
    },
    /// The team relay this node syncs with.
    #[command(subcommand)]
    Relay(RelayCmd),
    /// Join a team: create this node's store as the member the token belongs to (name, id
    /// and role come from the relay), keep the relay, and run the first sync.
    Join {
        /// The relay's URL, e.g. https://relay.example.com.
        url: String,
        /// Your token, from the relay's operator (`rapport-relay member add`).
        token: String,
    },
    /// The team's members and roles as this node last received them, and who you are.
    Team,
    /// Sync with the team relay now (`sync status` shows the last outcome).
    Sync {
        /// `status` to show the last sync instead of syncing; `discard NUMBER` to give up
        /// this node's changes to a customer the relay refuses (written to a file first).
        view: Option<String>,
        /// With `discard`: the customer number or id.
        customer: Option<String>,
        /// With `discard`: where to write the discarded changes (default: a file under the
        /// data directory, `discarded/NUMBER-TIME.json`).
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
        /// Also sync directly with every paired peer that answers.
        #[arg(long)]
        peers: bool,
    },
    /// Peer-to-peer: pair with a teammate's node and sync directly over iroh.
    #[command(subcommand)]
    Peer(PeerCmd),
    /// The API token: show or rotate.
    #[command(subcommand)]
    Token(TokenCmd),
    /// Measure a running node's HTTP API from this separate process; prints JSON.
    BenchHttp(BenchHttpArgs),
    /// Measure the web app of the node running on this data directory: page times, search
    /// as you type, first-load bytes, and how soon a change reaches an open page. Prints JSON.
    BenchWeb(BenchWebArgs),
    /// Measure how soon an edit on the node running on this data directory is visible on
    /// another running node (`--to DIR`). Prints JSON.
    BenchLive(BenchLiveArgs),
}

#[derive(Subcommand, Debug)]
pub enum PeerCmd {
    /// Print a pairing ticket and serve peers until --wait runs out or Ctrl-C.
    Invite {
        /// Address to listen on (0.0.0.0:0 picks a free port on every interface).
        #[arg(long, default_value = "0.0.0.0:0")]
        listen: String,
        /// Use iroh's public relays for NAT traversal (default: direct addresses only).
        #[arg(long)]
        relays: bool,
        /// Seconds to wait for the teammate.
        #[arg(long, default_value_t = 600)]
        wait: u64,
        /// How long the ticket stays valid: 90s, 30m, 24h, 7d (at most 30d). A node serving
        /// peers accepts it until then, even after this command ends.
        #[arg(long, default_value = "24h")]
        expires: String,
    },
    /// Pair with the node that printed TICKET, then sync with it once.
    Add {
        /// The ticket from `rapport peer invite`.
        ticket: String,
    },
    /// Paired peers.
    List,
    /// Pairing invitations: open ones, and recently used, cancelled or expired ones.
    Invites,
    /// Cancel an open pairing invitation: its ticket no longer pairs.
    Cancel {
        /// The invitation's id, as `rapport peer invites` shows it.
        id: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum RelayCmd {
    /// Set the relay URL and this member's token (from `rapport-relay member add`).
    Set {
        /// Relay URL, e.g. https://relay.example.com.
        url: String,
        /// Member token.
        token: String,
    },
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; `serve.json` says which).
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub listen: String,
    /// Allow a non-loopback address (anyone who can reach it and has the token can
    /// read and change the book).
    #[arg(long)]
    pub allow_remote: bool,
    /// Create the store with 500 sample customers first if it does not exist yet.
    #[arg(long)]
    pub demo: bool,
    /// Also accept paired peers over iroh on this address (e.g. 0.0.0.0:7879), and sync
    /// with them in the background.
    #[arg(long)]
    pub p2p_listen: Option<String>,
    /// Seconds between background syncs when nothing changed (changes sync within seconds).
    #[arg(long, default_value_t = 60)]
    pub sync_interval: u64,
    /// Seconds without a request after which a web app session ends (sign in again with
    /// `rapport open`); sessions also end 7 days after sign-in.
    #[arg(long, default_value_t = 8 * 3600)]
    pub session_idle: u64,
}

#[derive(Subcommand, Debug)]
pub enum TokenCmd {
    /// Print the API token (created with the store).
    Show,
    /// Replace the API token; a running node accepts only the new one from its next request.
    Rotate,
}

#[derive(Args, Debug)]
pub struct BenchHttpArgs {
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Seconds per read measurement.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Follow-ups to post for the write measurement.
    #[arg(long, default_value_t = 500)]
    pub writes: usize,
    /// Distinct customers the hot-set read measurement cycles through.
    #[arg(long, default_value_t = 1000)]
    pub hot: usize,
}

#[derive(Args, Debug)]
pub struct BenchLiveArgs {
    /// The other node's data directory.
    #[arg(long)]
    pub to: PathBuf,
    /// The customer (number) both nodes hold, to add follow-ups to.
    #[arg(long)]
    pub customer: String,
    /// Edits to time.
    #[arg(long, default_value_t = 100)]
    pub edits: usize,
    /// Milliseconds between edits.
    #[arg(long, default_value_t = 300)]
    pub pause_ms: u64,
}

#[derive(Args, Debug)]
pub struct BenchWebArgs {
    /// Requests per page (reports and duplicates: at most 10).
    #[arg(long, default_value_t = 50)]
    pub requests: usize,
}

#[derive(Subcommand, Debug)]
pub enum RulesCmd {
    /// The team's rules in evaluation order.
    List,
    /// Add a rule.
    Add(RuleArgs),
    /// Change a rule (give the fields to change).
    Edit {
        /// Rule name.
        name: String,
        /// New tag.
        #[arg(long)]
        tag: Option<String>,
        /// New condition.
        #[arg(long = "when")]
        condition: Option<String>,
        /// Enable or disable.
        #[arg(long)]
        enabled: Option<bool>,
    },
    /// Remove a rule.
    Remove {
        /// Rule name.
        name: String,
    },
    /// Which customers a draft rule would tag, without saving it.
    Test {
        /// Condition to try, e.g. 'amount_12m > 100000 and stage = won'.
        condition: String,
        /// Name of the rule it would replace (to test an edit in place).
        #[arg(long)]
        name: Option<String>,
        /// Evaluate as of this date (default today).
        #[arg(long)]
        as_of: Option<String>,
        /// Print at most this many customers (the total is still reported).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Every rule, matched or not, for one customer, with the figures that decided it.
    Explain {
        /// Customer number or id.
        customer: String,
        /// Evaluate as of this date (default today).
        #[arg(long)]
        as_of: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct RuleArgs {
    /// Stable rule name, e.g. big_spender.
    pub name: String,
    /// Tag the rule adds.
    #[arg(long)]
    pub tag: String,
    /// Condition in the rule language (see docs/rules.md).
    #[arg(long = "when")]
    pub condition: String,
    /// Add it disabled.
    #[arg(long)]
    pub disabled: bool,
}

#[derive(Subcommand, Debug)]
pub enum TagsCmd {
    /// Re-evaluate every customer's rule tags and tier now.
    Refresh,
}

#[derive(Args, Debug)]
pub struct TiersArgs {
    /// `summary` for counts and revenue share per tier.
    pub view: Option<String>,
    /// sabc (composite S/A/B/C), abc (by revenue share) or rfm.
    #[arg(long, default_value = "sabc")]
    pub model: String,
    /// Evaluate as of this date (default today).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Only this tier (e.g. S, or an RFM code).
    #[arg(long)]
    pub tier: Option<String>,
    /// Print at most this many customers (the total is still reported).
    #[arg(long)]
    pub limit: Option<usize>,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The sheet: .csv or .xlsx.
    pub file: PathBuf,
    /// A mapping.toml naming headers the built-in names miss (`rapport import` prints a
    /// suggested one when headers are not recognised).
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Report exactly what would be created, updated and rejected; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the accepted rows even when some are rejected (default: all or nothing).
    #[arg(long)]
    pub skip_rejected: bool,
    /// Industry for companies the sheet gives none (otherwise those rows are rejected).
    #[arg(long)]
    pub default_industry: Option<String>,
    /// Write the rejected rows to FILE (a CSV to fix and import again), also in a dry run.
    /// Nothing is written unless asked.
    #[arg(long = "rejected", alias = "rejects", value_name = "FILE")]
    pub rejected: Option<PathBuf>,
    /// Where a row's value differs from the existing customer's, store the file's value
    /// (default: keep the stored value and report the conflict).
    #[arg(long)]
    pub update: bool,
    /// The workbook sheet to read, by name (default: the first sheet).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Which customers: the same filters as `list`.
    #[command(flatten)]
    pub filter: ListArgs,
    /// csv, xlsx or jsonl (default: from the output file's extension, else csv).
    #[arg(long)]
    pub format: Option<String>,
    /// Fields, comma-separated (default: every field import reads back; `--fields help` lists them).
    #[arg(long, default_value = "")]
    pub fields: String,
    /// Write to FILE (default: standard output; XLSX needs a file).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// One row per contact, each repeating the customer's fields (default: one row per
    /// customer with its primary contact); `import` folds the rows back into one customer.
    #[arg(long)]
    pub all_contacts: bool,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Report name (sources, industries, funnel, conversion, owners, churn-risk, concentration, tiers) or `all`.
    pub name: String,
    /// First day of the window, inclusive (what it filters depends on the report).
    #[arg(long)]
    pub from: Option<String>,
    /// Last day of the window, inclusive.
    #[arg(long)]
    pub to: Option<String>,
    /// Read the book as of this date (default today).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Tier model of the `tiers` report: sabc, abc or rfm.
    #[arg(long, default_value = "sabc")]
    pub model: String,
    /// Count archived customers too.
    #[arg(long)]
    pub archived: bool,
    /// Print CSV (UTF-8 with BOM, for Excel) instead of a table.
    #[arg(long, conflicts_with = "html")]
    pub csv: bool,
    /// Write one self-contained HTML page with charts to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Book sizes to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10000")]
    pub sizes: Vec<u64>,
    /// Where to put the bench stores (default: a temporary directory, removed after).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

#[derive(Args, Debug, Default)]
pub struct CustomerFields {
    /// company (企业客户) or person (个人客户).
    #[arg(long)]
    pub kind: Option<String>,
    /// Name; companies: full legal name.
    #[arg(long)]
    pub name: Option<String>,
    /// Unified social credit code (18 characters).
    #[arg(long)]
    pub credit_code: Option<String>,
    /// Industry: section letter (C, F, I, J, ...) or name.
    #[arg(long)]
    pub industry: Option<String>,
    /// Employee band, e.g. 100-500.
    #[arg(long)]
    pub size: Option<String>,
    /// Revenue band.
    #[arg(long)]
    pub revenue_band: Option<String>,
    /// Source: trade_show, referral, online_ads, partner, inbound, ...
    #[arg(long)]
    pub source: Option<String>,
    /// Stage: potential, intent, won, lost, dormant.
    #[arg(long)]
    pub stage: Option<String>,
    /// Deal amount in yuan (with stage won).
    #[arg(long)]
    pub deal_amount: Option<String>,
    /// Deal date, e.g. 2026-01-31 or 2026/1/31 (with stage won; on an edit, alone it moves the date of the deal).
    #[arg(long)]
    pub deal_date: Option<String>,
    /// Contract number (with stage won).
    #[arg(long)]
    pub contract_no: Option<String>,
    /// Why the customer was lost (with stage lost).
    #[arg(long)]
    pub lost_reason: Option<String>,
    /// Owner (负责人).
    #[arg(long)]
    pub owner: Option<String>,
    /// Province.
    #[arg(long)]
    pub province: Option<String>,
    /// City.
    #[arg(long)]
    pub city: Option<String>,
    /// District.
    #[arg(long)]
    pub district: Option<String>,
    /// Street.
    #[arg(long)]
    pub street: Option<String>,
    /// Pain points.
    #[arg(long)]
    pub pain_points: Option<String>,
    /// Purchase timeline.
    #[arg(long)]
    pub timeline: Option<String>,
    /// Budget range.
    #[arg(long)]
    pub budget: Option<String>,
    /// Notes (replaces the notes text; merged as text with concurrent edits).
    #[arg(long)]
    pub notes: Option<String>,
    /// Mark high priority (true/false).
    #[arg(long)]
    pub priority: Option<bool>,
    /// Custom field NAME=VALUE (repeatable; empty value removes on edit).
    #[arg(long = "custom", value_name = "NAME=VALUE")]
    pub custom: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum CustomerCmd {
    /// Add a customer.
    Add {
        #[command(flatten)]
        fields: CustomerFields,
        /// Manual tag (repeatable).
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// Primary contact's name.
        #[arg(long)]
        contact_name: Option<String>,
        /// Primary contact's position.
        #[arg(long)]
        contact_position: Option<String>,
        /// Primary contact's phone.
        #[arg(long)]
        contact_phone: Option<String>,
        /// Primary contact's email.
        #[arg(long)]
        contact_email: Option<String>,
        /// Primary contact's WeChat.
        #[arg(long)]
        contact_wechat: Option<String>,
    },
    /// Show a customer with its activity.
    Show {
        /// Customer number or id.
        customer: String,
        /// Compute figures as of this date (default today).
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Change a customer's fields (stage changes need --reason).
    Edit {
        /// Customer number or id.
        customer: String,
        #[command(flatten)]
        fields: CustomerFields,
        /// Add a manual tag (repeatable).
        #[arg(long = "add-tag")]
        add_tags: Vec<String>,
        /// Remove a manual tag (repeatable).
        #[arg(long = "remove-tag")]
        remove_tags: Vec<String>,
        /// Why (required for stage changes).
        #[arg(long)]
        reason: Option<String>,
    },
    /// List customers; filters combine.
    List(ListArgs),
    /// Find customers by a fragment of name, number, contact, phone or email.
    Search {
        /// Text to find.
        text: String,
        /// Include archived customers.
        #[arg(long)]
        archived: bool,
    },
    /// Archive a customer (kept, with its number, but hidden from lists).
    Archive {
        /// Customer number or id.
        customer: String,
        /// Restore instead.
        #[arg(long)]
        restore: bool,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Fields two members changed at once: the value shown and the losing values.
    Conflicts {
        /// Customer number or id.
        customer: String,
    },
}

#[derive(Args, Debug, Default)]
pub struct ListArgs {
    /// Industry (section letter or name).
    #[arg(long)]
    pub industry: Option<String>,
    /// Stage.
    #[arg(long)]
    pub stage: Option<String>,
    /// Source.
    #[arg(long)]
    pub source: Option<String>,
    /// Owner, in any case and width: `wang fang` finds `Wang Fang`.
    #[arg(long)]
    pub owner: Option<String>,
    /// Manual or rule tag.
    #[arg(long)]
    pub tag: Option<String>,
    /// Composite tier: S, A, B or C.
    #[arg(long)]
    pub tier: Option<String>,
    /// Created on or after this date (2026-01-31, 2026/1/31, 2026年1月31日, ...).
    #[arg(long)]
    pub created_since: Option<String>,
    /// Created on or before this date.
    #[arg(long)]
    pub created_until: Option<String>,
    /// No follow-up in the last N days.
    #[arg(long)]
    pub no_interaction_days: Option<u32>,
    /// Include archived customers.
    #[arg(long)]
    pub archived: bool,
    /// Only customers with key fields still to fill (待补充), e.g. legacy won customers
    /// imported without deal date or contract number.
    #[arg(long)]
    pub to_fill: bool,
    /// Print at most this many rows (the total is still reported).
    #[arg(long)]
    pub limit: Option<usize>,
}

#[derive(Subcommand, Debug)]
pub enum ContactCmd {
    /// Add a contact.
    Add {
        /// Customer number or id.
        customer: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Position.
        #[arg(long)]
        position: Option<String>,
        /// Phone.
        #[arg(long)]
        phone: Option<String>,
        /// Email.
        #[arg(long)]
        email: Option<String>,
        /// WeChat.
        #[arg(long)]
        wechat: Option<String>,
        /// Make primary.
        #[arg(long)]
        primary: bool,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Edit a contact's data (requires --reason).
    Edit {
        /// Customer number or id.
        customer: String,
        /// Contact id or name.
        contact: String,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// New position.
        #[arg(long)]
        position: Option<String>,
        /// New phone ("" clears).
        #[arg(long)]
        phone: Option<String>,
        /// New email ("" clears).
        #[arg(long)]
        email: Option<String>,
        /// New WeChat ("" clears).
        #[arg(long)]
        wechat: Option<String>,
        /// Make primary.
        #[arg(long)]
        primary: bool,
        /// Why the contact data changed (变更原因).
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum InteractionCmd {
    /// Record a follow-up.
    Add {
        /// Customer number or id.
        customer: String,
        /// phone, visit, email, meeting, wechat (or 电话, 上门拜访, ...).
        #[arg(long)]
        channel: String,
        /// What was discussed.
        #[arg(long)]
        summary: String,
        /// Customer feedback or change of need.
        #[arg(long)]
        feedback: Option<String>,
        /// Intent level: high, medium, low.
        #[arg(long)]
        intent: Option<String>,
        /// Next action.
        #[arg(long)]
        next_action: Option<String>,
        /// Due date of the next action.
        #[arg(long)]
        next_due: Option<String>,
        /// Assignee of the next action (default: you).
        #[arg(long)]
        assignee: Option<String>,
        /// When it happened (default now): YYYY-MM-DD HH:MM.
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ServiceCmd {
    /// Record a service case.
    Add {
        /// Customer number or id.
        customer: String,
        /// question, fault or complaint (售后咨询, 技术故障, 投诉).
        #[arg(long = "type")]
        kind: String,
        /// What was reported.
        #[arg(long)]
        summary: String,
        /// How it was resolved.
        #[arg(long)]
        result: Option<String>,
        /// Satisfaction 1-5 (decimals allowed).
        #[arg(long)]
        satisfaction: Option<String>,
        /// When (default now).
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum OrderCmd {
    /// Record an order.
    Add {
        /// Customer number or id.
        customer: String,
        /// Amount in yuan: 12800, 12,800.50, 1.5万.
        #[arg(long)]
        amount: String,
        /// Product category.
        #[arg(long)]
        category: String,
        /// Product.
        #[arg(long)]
        product: Option<String>,
        /// Order date (default today).
        #[arg(long)]
        date: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum TaskCmd {
    /// Add a task.
    Add {
        /// Customer number or id.
        customer: String,
        /// What to do.
        #[arg(long)]
        what: String,
        /// Due date YYYY-MM-DD.
        #[arg(long)]
        due: String,
        /// Assignee (default: you).
        #[arg(long)]
        assignee: Option<String>,
    },
    /// Mark a task done.
    Done {
        /// Customer number or id.
        customer: String,
        /// Task id.
        task: String,
        /// Outcome.
        #[arg(long)]
        result: Option<String>,
    },
}
