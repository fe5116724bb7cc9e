//! Proves that the `rapport` CLI refuses bad input for every command cleanly and leaves
//! the store exactly as it was (issue 2, "Bad input for every command").
//!
//! Each refused command must exit with exactly 2 (bad input; never 0, never 1), print
//! nothing on stdout, name the failing field with a reason (as JSON `fields[].field` with
//! `--json`, and in the `error:` text without it), and change nothing: the full
//! `--json list --archived`, the `--json history` and `--json --reveal customer show` of
//! every customer and the `--json agenda` are byte-identical before and after.
//!
//! It also proves that a data file that is not a Rapport store is refused by every command
//! and left byte-for-byte untouched, that a data directory (or store file) without
//! permission is refused without damage, that a missing store asks for `rapport init`,
//! that `init` twice is refused, and that every command succeeds on good input.
//!
//! Everything runs the real binary as separate processes on real redb files in temporary
//! directories, with the clock pinned through `RAPPORT_NOW`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_rapport");
const NOW: &str = "2026-03-02T10:00:00";

/// The exit code of a finished process (a signal death counts as -1).
fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn command(data: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--data-dir").arg(data).args(args).env("RAPPORT_NOW", NOW).env_remove("RAPPORT_DATA");
    c
}

fn run(data: &Path, args: &[&str]) -> Output {
    command(data, args).output().expect("spawn the rapport binary")
}

/// Runs a command that must succeed and returns its stdout.
fn ok(data: &Path, args: &[&str]) -> String {
    let o = run(data, args);
    assert_eq!(
        code(&o),
        0,
        "`rapport {}` failed:\nstdout: {}\nstderr: {}",
        args.join(" "),
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

/// Runs a `--json` command that must succeed and parses its stdout.
fn ok_json(data: &Path, args: &[&str]) -> Value {
    let mut full = vec!["--json"];
    full.extend_from_slice(args);
    let out = ok(data, &full);
    serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("`rapport {}` printed invalid JSON ({e}): {out}", full.join(" ")))
}

/// The id of the customer's task `what`, as `customer show --json` reports it.
fn task_id(data: &Path, customer: &str, what: &str) -> String {
    let shown = ok_json(data, &["customer", "show", customer]);
    let tasks = shown["customer"]["tasks"].as_array().expect("show --json lists tasks");
    let task = tasks.iter().find(|t| t["what"] == what).unwrap_or_else(|| panic!("no task `{what}` in {shown}"));
    task["id"].as_str().expect("task id").to_string()
}

fn numbers(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("list JSON has items")
        .iter()
        .map(|i| i["number"].as_str().expect("item has a number").to_string())
        .collect()
}

/// A store with a few customers in different states, the targets of the bad input.
struct Book {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    /// A company in stage potential with contacts 张敏 and Bob Chen, one done and one open task.
    a: String,
    /// A won company.
    w: String,
    /// An archived person.
    z: String,
    /// The id of A's done task.
    done_task: String,
}

impl Book {
    fn new() -> Book {
        let tmp = tempfile::tempdir().expect("temp dir");
        let data = tmp.path().join("data");
        ok(&data, &["init", "--name", "Li Wei"]);
        let a = ok_json(
            &data,
            &[
                "customer",
                "add",
                "--kind",
                "company",
                "--name",
                "杭州绿源环保科技有限公司",
                "--industry",
                "C",
                "--source",
                "referral",
                "--credit-code",
                "91350100M000100Y43",
                "--contact-name",
                "张敏",
                "--contact-phone",
                "13812345678",
                "--contact-email",
                "zhang.min@lvyuan.cn",
            ],
        )["number"]
            .as_str()
            .expect("add prints the number")
            .to_string();
        ok(&data, &["contact", "add", &a, "--name", "Bob Chen", "--phone", "021-12345678"]);
        ok(&data, &["task", "add", &a, "--what", "回访客户", "--due", "2026-03-04"]);
        let done_task = task_id(&data, &a, "回访客户");
        ok(&data, &["task", "done", &a, &done_task, "--result", "已回访"]);
        ok(&data, &["task", "add", &a, "--what", "寄样品", "--due", "2026-03-06"]);
        let w = ok_json(
            &data,
            &[
                "customer",
                "add",
                "--kind",
                "company",
                "--name",
                "Shenzhen Brightway Electronics Co., Ltd.",
                "--industry",
                "I",
                "--source",
                "trade_show",
                "--stage",
                "won",
                "--deal-amount",
                "128000",
                "--deal-date",
                "2026-02-20",
                "--contract-no",
                "HT-2026-018",
            ],
        )["number"]
            .as_str()
            .expect("add prints the number")
            .to_string();
        let z = ok_json(&data, &["customer", "add", "--kind", "person", "--name", "李娜", "--source", "inbound"])
            ["number"]
            .as_str()
            .expect("add prints the number")
            .to_string();
        ok(&data, &["customer", "archive", &z, "--reason", "moved abroad"]);
        Book { _tmp: tmp, data, a, w, z, done_task }
    }

    /// Everything a user can see of the store, as printed.
    fn snapshot(&self) -> Vec<(String, String)> {
        let mut views: Vec<Vec<&str>> = vec![vec!["--json", "list", "--archived"], vec!["--json", "agenda"]];
        for n in [&self.a, &self.w, &self.z] {
            views.push(vec!["--json", "history", n]);
            views.push(vec!["--json", "--reveal", "customer", "show", n]);
        }
        views.into_iter().map(|v| (v.join(" "), ok(&self.data, &v))).collect()
    }
}

/// How a refused command must report itself.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// A validation error: `fields[].field` holds this name and the message holds the reason fragment.
    Field(&'static str, &'static str),
    /// A refusal without a field (unknown customer, contact or task): the message holds this fragment.
    Message(&'static str),
    /// Refused by the argument parser: exit 2 and the text names this flag or value.
    Usage(&'static str),
}

struct Case {
    name: &'static str,
    args: Vec<String>,
    expect: Expect,
}

fn case(name: &'static str, expect: Expect, args: &[&str]) -> Case {
    Case { name, args: args.iter().map(|s| s.to_string()).collect(), expect }
}

use Expect::{Field, Message, Usage};

/// Runs each case twice (with and without `--json`) and checks the store after each.
fn check_cases(book: &Book, cases: &[Case]) {
    let mut before = book.snapshot();
    let mut failures = Vec::new();
    for c in cases {
        let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
        let mut json_args = vec!["--json"];
        json_args.extend_from_slice(&args);
        let with_json = run(&book.data, &json_args);
        let human = run(&book.data, &args);
        let mut why = Vec::new();
        for (label, o) in [("--json", &with_json), ("human", &human)] {
            if code(o) != 2 {
                why.push(format!("{label}: exit code {} (want 2)", code(o)));
            }
            if !o.stdout.is_empty() {
                why.push(format!("{label}: printed on stdout: {}", text(&o.stdout)));
            }
        }
        let err = text(&human.stderr);
        match c.expect {
            Message(reason) => {
                check_json_error(&with_json, None, reason, &mut why);
                if !err.starts_with("error:") || !err.contains(reason) {
                    why.push(format!("human: stderr lacks `error:` or `{reason}`: {err}"));
                }
            }
            Field(field, reason) => {
                check_json_error(&with_json, Some(field), reason, &mut why);
                if !err.starts_with("error:") || !err.contains(field) || !err.contains(reason) {
                    why.push(format!("human: stderr lacks `error:`, field `{field}` or reason `{reason}`: {err}"));
                }
            }
            Usage(flag) => {
                let jerr = text(&with_json.stderr);
                if !err.contains(flag) || !jerr.contains(flag) {
                    why.push(format!("usage error does not name `{flag}`: {err}"));
                }
            }
        }
        let after = book.snapshot();
        for ((view, b), (_, a)) in before.iter().zip(after.iter()) {
            if a != b {
                why.push(format!("store changed: `{view}` differs\nbefore: {b}\nafter: {a}"));
            }
        }
        // Blame a change only on the case that made it.
        before = after;
        if !why.is_empty() {
            failures.push(format!("case `{}` (rapport {}):\n  {}", c.name, c.args.join(" "), why.join("\n  ")));
        }
    }
    println!("{} bad-input cases checked", cases.len());
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// Checks the `--json` error body on stderr: `{"error", "fields": [{field, reason}], "exit_code": 2}`.
fn check_json_error(o: &Output, field: Option<&str>, reason: &str, why: &mut Vec<String>) {
    let err = text(&o.stderr);
    let body: Value = match serde_json::from_str(err.trim()) {
        Ok(v) => v,
        Err(e) => {
            why.push(format!("--json: stderr is not JSON ({e}): {err}"));
            return;
        }
    };
    if body["exit_code"] != 2 {
        why.push(format!("--json: exit_code in body is {} (want 2)", body["exit_code"]));
    }
    if !body["error"].as_str().is_some_and(|e| e.contains(reason)) {
        why.push(format!("--json: error text lacks `{reason}`: {err}"));
    }
    let Some(fields) = body["fields"].as_array() else {
        why.push(format!("--json: no `fields` array: {err}"));
        return;
    };
    if let Some(field) = field {
        let named = fields.iter().any(|f| f["field"] == field);
        let reasoned =
            fields.iter().any(|f| f["field"] == field && f["reason"].as_str().is_some_and(|r| r.contains(reason)));
        if !named {
            why.push(format!("--json: fields[].field does not contain `{field}`: {err}"));
        } else if !reasoned {
            why.push(format!("--json: the reason for `{field}` lacks `{reason}`: {err}"));
        }
    }
}

#[test]
fn invalid_values_are_refused_with_exit_2_and_the_store_unchanged() {
    let b = Book::new();
    let (a, w) = (b.a.as_str(), b.w.as_str());
    let add = [
        "customer",
        "add",
        "--kind",
        "company",
        "--name",
        "厦门海川贸易有限公司",
        "--industry",
        "F",
        "--source",
        "online_ads",
    ];
    let with = |extra: &[&'static str]| -> Vec<&str> { add.iter().copied().chain(extra.iter().copied()).collect() };
    #[rustfmt::skip]
    let cases = vec![
        // Unified social credit codes (GB 32100-2015).
        case("credit code with a wrong check character", Field("credit_code", "should be `3`"), &with(&["--credit-code", "91350100M000100Y44"])),
        case("credit code of the wrong length", Field("credit_code", "has 18"), &with(&["--credit-code", "9135010"])),
        case("credit code with a forbidden letter", Field("credit_code", "not allowed"), &with(&["--credit-code", "91350100M000100YI3"])),
        case("credit code without a region code", Field("credit_code", "region code"), &with(&["--credit-code", "91AB0100M000100Y43"])),
        case("edit to a bad credit code", Field("credit_code", "should be `3`"), &["customer", "edit", a, "--credit-code", "91350100M000100Y44"]),
        // Phones.
        case("mobile with 10 digits", Field("phone", "a mainland mobile has 11"), &["contact", "add", a, "--name", "刘洋", "--phone", "1381234567"]),
        case("mobile with second digit 2", Field("phone", "second digit must be 3-9"), &["contact", "add", a, "--name", "刘洋", "--phone", "12812345678"]),
        case("phone of letters", Field("phone", "may hold only digits"), &["contact", "add", a, "--name", "刘洋", "--phone", "abc"]),
        case("landline too short", Field("phone", "7 or 8 digits"), &["contact", "add", a, "--name", "刘洋", "--phone", "021-123"]),
        case("primary contact phone on add", Field("contacts[0].phone", "a mainland mobile has 11"), &with(&["--contact-name", "刘洋", "--contact-phone", "1381234567"])),
        case("contact edit to a bad phone", Field("phone", "may hold only digits"), &["contact", "edit", a, "张敏", "--phone", "abc", "--reason", "新号码"]),
        // Emails.
        case("email without a domain", Field("email", "needs a domain"), &["contact", "add", a, "--name", "刘洋", "--email", "liu@lvyuan"]),
        case("email without @", Field("email", "has no `@`"), &["contact", "add", a, "--name", "刘洋", "--email", "liu.lvyuan.cn"]),
        case("email with two @", Field("contacts[0].email", "more than one `@`"), &with(&["--contact-name", "刘洋", "--contact-email", "liu@@lvyuan.cn"])),
        case("contact edit to a bad email", Field("email", "misplaced dot"), &["contact", "edit", a, "张敏", "--email", "zhang..min@lvyuan.cn", "--reason", "新邮箱"]),
        // Amounts.
        case("amount with three decimals", Field("amount", "more than two decimals"), &["order", "add", a, "--amount", "12.345", "--category", "设备"]),
        case("amount of letters", Field("amount", "is not an amount"), &["order", "add", a, "--amount", "abc", "--category", "设备"]),
        case("negative order amount", Field("amount", "must be more than zero"), &["order", "add", a, "--amount=-5", "--category", "设备"]),
        case("zero order amount", Field("amount", "must be more than zero"), &["order", "add", a, "--amount", "0", "--category", "设备"]),
        case("amount too large", Field("amount", "too large"), &["order", "add", a, "--amount", "99999999999999999999", "--category", "设备"]),
        case("negative amount read as a flag", Usage("-5"), &["order", "add", a, "--amount", "-5", "--category", "设备"]),
        case("deal amount with three decimals", Field("deal.amount", "more than two decimals"), &["customer", "edit", w, "--deal-amount", "12.345", "--deal-date", "2026-02-20", "--contract-no", "HT-1"]),
        // Dates.
        case("task due in month 13", Field("due", "YYYY-MM-DD"), &["task", "add", a, "--what", "报价", "--due", "2026-13-01"]),
        case("task due `yesterday`", Field("due", "YYYY-MM-DD"), &["task", "add", a, "--what", "报价", "--due", "yesterday"]),
        case("task due on 29 February 2026", Field("due", "YYYY-MM-DD"), &["task", "add", a, "--what", "报价", "--due", "2026-02-29"]),
        case("order date in month 13", Field("date", "YYYY-MM-DD"), &["order", "add", a, "--amount", "100", "--category", "设备", "--date", "2026-13-01"]),
        case("next action due `yesterday`", Field("next_due", "YYYY-MM-DD"), &["interaction", "add", a, "--channel", "phone", "--summary", "报价", "--next-action", "回电", "--next-due", "yesterday"]),
        case("follow-up time `yesterday`", Field("at", "YYYY-MM-DD HH:MM"), &["interaction", "add", a, "--channel", "phone", "--summary", "报价", "--at", "yesterday"]),
        case("service time in month 13", Field("at", "YYYY-MM-DD HH:MM"), &["service", "add", a, "--type", "fault", "--summary", "报警", "--at", "2026-13-01 10:00"]),
        case("deal date in month 13", Field("deal.date", "YYYY-MM-DD"), &with(&["--stage", "won", "--deal-amount", "100", "--deal-date", "2026-13-01", "--contract-no", "HT-1"])),
        case("list created since month 13", Field("created_since", "YYYY-MM-DD"), &["list", "--created-since", "2026-13-01"]),
        case("list created until `yesterday`", Field("created_until", "YYYY-MM-DD"), &["customer", "list", "--created-until", "yesterday"]),
        // Closed vocabularies.
        case("unknown stage on list", Field("stage", "is not one of: potential, intent, won, lost, dormant"), &["list", "--stage", "maybe"]),
        case("unknown stage on edit", Field("stage", "is not one of"), &["customer", "edit", a, "--stage", "maybe", "--reason", "x"]),
        case("unknown stage on add", Field("stage", "is not one of"), &with(&["--stage", "maybe"])),
        case("unknown channel", Field("channel", "is not one of: phone, visit, email, meeting, wechat"), &["interaction", "add", a, "--channel", "fax", "--summary", "报价"]),
        case("unknown intent level", Field("intent", "is not one of: low, medium, high"), &["interaction", "add", a, "--channel", "电话", "--summary", "报价", "--intent", "huge"]),
        case("unknown service type", Field("type", "is not one of: question, fault, complaint"), &["service", "add", a, "--type", "repair", "--summary", "报警"]),
        case("unknown kind", Field("kind", "is not one of: company, person"), &["customer", "add", "--kind", "robot", "--name", "X", "--industry", "C", "--source", "referral"]),
        case("unknown industry on add", Field("industry", "not a known industry"), &["customer", "add", "--kind", "company", "--name", "X", "--industry", "Z", "--source", "referral"]),
        case("unknown industry on list", Field("industry", "not a known industry"), &["list", "--industry", "Z"]),
        case("unknown industry on edit", Field("industry", "not a known industry"), &["customer", "edit", a, "--industry", "Z"]),
        case("priority not a boolean", Usage("maybe"), &["customer", "edit", a, "--priority", "maybe"]),
        case("no-interaction-days not a number", Usage("abc"), &["list", "--no-interaction-days", "abc"]),
        case("demo size not a number", Usage("abc"), &["demo", "--customers", "abc"]),
        // Satisfaction 1-5.
        case("satisfaction 0", Field("satisfaction", "outside 1-5"), &["service", "add", a, "--type", "fault", "--summary", "报警", "--satisfaction", "0"]),
        case("satisfaction 5.5", Field("satisfaction", "outside 1-5"), &["service", "add", a, "--type", "fault", "--summary", "报警", "--satisfaction", "5.5"]),
        case("satisfaction x", Field("satisfaction", "not a score from 1 to 5"), &["service", "add", a, "--type", "fault", "--summary", "报警", "--satisfaction", "x"]),
        case("satisfaction with three decimals", Field("satisfaction", "not a score from 1 to 5"), &["service", "add", a, "--type", "fault", "--summary", "报警", "--satisfaction", "4.555"]),
        // Misc. shapes.
        case("custom field without =", Field("custom", "is not NAME=VALUE"), &with(&["--custom", "预算"])),
        case("empty tag", Field("tags", "cannot be empty"), &with(&["--tag", " "])),
        case("tag holding a separator", Field("tags", "separates tags"), &with(&["--tag", "VIP、展会"])),
        case("added tag holding a separator", Field("tags", "separates tags"), &["customer", "edit", a, "--add-tag", "a,b"]),
        case("empty search", Field("query", "empty"), &["search", ""]),
        case("name longer than 200 characters", Field("name", "longer than 200"), &["customer", "add", "--kind", "person", "--name", &"长".repeat(201), "--source", "inbound"]),
    ];
    check_cases(&b, &cases);
}

#[test]
fn missing_fields_and_bad_stage_moves_are_refused_with_exit_2_and_the_store_unchanged() {
    let b = Book::new();
    let (a, w) = (b.a.as_str(), b.w.as_str());
    #[rustfmt::skip]
    let cases = vec![
        // Required fields per kind.
        case("company without industry", Field("industry", "is required for a company"), &["customer", "add", "--kind", "company", "--name", "宁波海天塑机", "--source", "referral"]),
        case("customer without name", Field("name", "is required"), &["customer", "add", "--kind", "company", "--industry", "C", "--source", "referral"]),
        case("person with a blank name", Field("name", "is required"), &["customer", "add", "--kind", "person", "--name", "  ", "--source", "referral"]),
        case("customer without source", Field("source", "is required"), &["customer", "add", "--kind", "person", "--name", "王强"]),
        case("customer without kind", Field("kind", "is required"), &["customer", "add", "--name", "王强", "--industry", "C", "--source", "referral"]),
        case("contact phone without contact name", Field("contact_name", "is required"), &["customer", "add", "--kind", "person", "--name", "王强", "--source", "referral", "--contact-phone", "13812345678"]),
        case("contact with a blank name", Field("name", "is required"), &["contact", "add", a, "--name", " "]),
        case("follow-up with a blank summary", Field("summary", "is required"), &["interaction", "add", a, "--channel", "phone", "--summary", " "]),
        case("next action without due date", Field("next_due", "is required"), &["interaction", "add", a, "--channel", "phone", "--summary", "报价", "--next-action", "回电"]),
        case("service record with a blank summary", Field("summary", "is required"), &["service", "add", a, "--type", "question", "--summary", ""]),
        case("order with a blank category", Field("category", "is required"), &["order", "add", a, "--amount", "100", "--category", " "]),
        case("task with a blank what", Field("what", "is required"), &["task", "add", a, "--what", " ", "--due", "2026-03-05"]),
        case("edit changing nothing", Field("patch", "changes nothing"), &["customer", "edit", a]),
        case("edit to a blank owner", Field("owner", "is required"), &["customer", "edit", a, "--owner", " "]),
        case("contact edit changing nothing", Field("patch", "changes nothing"), &["contact", "edit", a, "张敏", "--reason", "核对"]),
        case("init with a blank name", Field("name", "member name is required"), &["init", "--name", " "]),
        // A typo in a name is not an empty agenda.
        case("agenda of an unknown assignee", Field("assignee", "no one named `Li Wie`"), &["agenda", "--assignee", "Li Wie"]),
        case("agenda of one assignee and everyone", Usage("--all"), &["agenda", "--assignee", "Li Wei", "--all"]),
        // Stage transitions.
        case("won without any deal data", Field("deal", "deal amount, deal date and contract number"), &["customer", "edit", a, "--stage", "won", "--reason", "签约"]),
        case("won without deal amount", Field("deal.amount", "is required"), &["customer", "edit", a, "--stage", "won", "--reason", "签约", "--deal-date", "2026-03-01", "--contract-no", "HT-7"]),
        case("won without deal date", Field("deal.date", "is required"), &["customer", "edit", a, "--stage", "won", "--reason", "签约", "--deal-amount", "50000", "--contract-no", "HT-7"]),
        case("won without contract number", Field("deal.contract_no", "is required"), &["customer", "edit", a, "--stage", "won", "--reason", "签约", "--deal-amount", "50000", "--deal-date", "2026-03-01"]),
        case("won with a zero deal amount", Field("deal.amount", "more than zero"), &["customer", "edit", a, "--stage", "won", "--reason", "签约", "--deal-amount", "0", "--deal-date", "2026-03-01", "--contract-no", "HT-7"]),
        case("added as won without contract number", Field("deal.contract_no", "is required"), &["customer", "add", "--kind", "company", "--name", "X", "--industry", "C", "--source", "referral", "--stage", "won", "--deal-amount", "100", "--deal-date", "2026-03-01"]),
        case("lost without reason", Field("lost_reason", "needs a reason"), &["customer", "edit", a, "--stage", "lost", "--reason", "丢单"]),
        case("lost with a blank reason", Field("lost_reason", "needs a reason"), &["customer", "edit", a, "--stage", "lost", "--reason", "丢单", "--lost-reason", " "]),
        case("added as lost without reason", Field("lost_reason", "needs a reason"), &["customer", "add", "--kind", "person", "--name", "王强", "--source", "referral", "--stage", "lost"]),
        case("stage change without --reason", Field("reason", "is required when changing the stage"), &["customer", "edit", a, "--stage", "intent"]),
        case("stage change with a blank --reason", Field("reason", "is required when changing the stage"), &["customer", "edit", a, "--stage", "intent", "--reason", ""]),
        case("won back to potential", Field("stage", "cannot move from won to potential"), &["customer", "edit", w, "--stage", "potential", "--reason", "重新评估"]),
        case("deal on a customer not won", Field("deal", "only be set together with stage won"), &["customer", "edit", a, "--deal-amount", "100", "--deal-date", "2026-03-01", "--contract-no", "HT-7"]),
        case("lost reason on a customer not lost", Field("lost_reason", "only be set together with stage lost"), &["customer", "edit", a, "--lost-reason", "价格"]),
        // Reasons on contact data.
        case("contact edit without --reason", Field("reason", "is required when changing contact data"), &["contact", "edit", a, "张敏", "--position", "采购经理"]),
        case("contact edit with a blank --reason", Field("reason", "is required when changing contact data"), &["contact", "edit", a, "张敏", "--phone", "13987654321", "--reason", "  "]),
    ];
    check_cases(&b, &cases);
}

#[test]
fn unknown_targets_and_repeats_are_refused_with_exit_2_and_the_store_unchanged() {
    let b = Book::new();
    let (a, z, t) = (b.a.as_str(), b.z.as_str(), b.done_task.as_str());
    let nope = "MFG-2026-ZZZZZZ-999";
    let unknown = Message("no customer `MFG-2026-ZZZZZZ-999`");
    #[rustfmt::skip]
    let cases = vec![
        case("show an unknown customer", unknown, &["customer", "show", nope]),
        case("edit an unknown customer", unknown, &["customer", "edit", nope, "--owner", "Wang Fang"]),
        case("archive an unknown customer", unknown, &["customer", "archive", nope]),
        case("conflicts of an unknown customer", unknown, &["customer", "conflicts", nope]),
        case("contact on an unknown customer", unknown, &["contact", "add", nope, "--name", "刘洋"]),
        case("contact edit on an unknown customer", unknown, &["contact", "edit", nope, "张敏", "--position", "经理", "--reason", "升职"]),
        case("follow-up on an unknown customer", unknown, &["interaction", "add", nope, "--channel", "phone", "--summary", "报价"]),
        case("service on an unknown customer", unknown, &["service", "add", nope, "--type", "fault", "--summary", "报警"]),
        case("order on an unknown customer", unknown, &["order", "add", nope, "--amount", "100", "--category", "设备"]),
        case("task on an unknown customer", unknown, &["task", "add", nope, "--what", "报价", "--due", "2026-03-05"]),
        case("task done on an unknown customer", unknown, &["task", "done", nope, t]),
        case("history of an unknown customer", unknown, &["history", nope]),
        case("unknown contact", Message("contact `王五` not found"), &["contact", "edit", a, "王五", "--position", "经理", "--reason", "升职"]),
        case("unknown task id", Message("task `0123456789abcdef` not found"), &["task", "done", a, "0123456789abcdef"]),
        case("task done twice", Field("task", "is already done"), &["task", "done", a, t, "--result", "again"]),
        case("archive twice", Field("archived", "is already archived"), &["customer", "archive", z, "--reason", "again"]),
        case("restore a customer not archived", Field("archived", "is not archived"), &["customer", "archive", a, "--restore"]),
        case("init twice", Message("already exists"), &["init", "--name", "Wang Fang"]),
    ];
    check_cases(&b, &cases);
}

/// Every command that needs a store, with input that would be valid on a real one.
fn store_commands(n: &str) -> Vec<Vec<String>> {
    #[rustfmt::skip]
    let v: Vec<Vec<&str>> = vec![
        vec!["list"],
        vec!["customer", "list", "--stage", "intent"],
        vec!["search", "绿源"],
        vec!["customer", "search", "5678"],
        vec!["customer", "show", n],
        vec!["customer", "add", "--kind", "company", "--name", "绿源", "--industry", "C", "--source", "referral"],
        vec!["customer", "edit", n, "--owner", "Wang Fang"],
        vec!["customer", "archive", n, "--reason", "test"],
        vec!["customer", "conflicts", n],
        vec!["contact", "add", n, "--name", "刘洋"],
        vec!["contact", "edit", n, "张敏", "--position", "经理", "--reason", "升职"],
        vec!["interaction", "add", n, "--channel", "phone", "--summary", "报价"],
        vec!["service", "add", n, "--type", "fault", "--summary", "报警", "--satisfaction", "4"],
        vec!["order", "add", n, "--amount", "100", "--category", "设备"],
        vec!["task", "add", n, "--what", "报价", "--due", "2026-03-05"],
        vec!["task", "done", n, "0123456789abcdef"],
        vec!["agenda"],
        vec!["history", n],
        vec!["doctor"],
        vec!["reindex"],
        vec!["demo", "--customers", "3", "--seed", "1"],
    ];
    v.into_iter().map(|c| c.into_iter().map(String::from).collect()).collect()
}

fn dir_listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("list the data dir")
        .map(|e| e.expect("dir entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A file (or directory) at `<dir>/book.redb` that is not a Rapport store.
fn foreign_stores(tmp: &Path) -> Vec<(&'static str, PathBuf)> {
    let real = tmp.join("real");
    ok(&real, &["init", "--name", "Li Wei"]);
    ok(&real, &["demo", "--customers", "5", "--seed", "3"]);
    let real_bytes = std::fs::read(real.join("book.redb")).expect("read the real store");
    let mut magic_then_noise = b"redb\x1A\x0A\xA9\x0D\x0A".to_vec();
    let mut x: u32 = 12345;
    for _ in 0..8000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        magic_then_noise.push((x >> 16) as u8);
    }
    let files: Vec<(&'static str, Vec<u8>)> = vec![
        ("text file", "客户名单\nname,phone\n绿源,13812345678\n".as_bytes().to_vec()),
        ("empty file", Vec::new()),
        ("SQLite header", b"SQLite format 3\0 and then some pages".to_vec()),
        ("truncated redb store", real_bytes[..4096].to_vec()),
        ("redb magic then noise", magic_then_noise),
    ];
    let mut out = Vec::new();
    for (i, (what, bytes)) in files.into_iter().enumerate() {
        let d = tmp.join(format!("foreign{i}"));
        std::fs::create_dir_all(&d).expect("make data dir");
        std::fs::write(d.join("book.redb"), bytes).expect("write foreign file");
        out.push((what, d));
    }
    let d = tmp.join("foreign-dir");
    std::fs::create_dir_all(d.join("book.redb")).expect("make a directory named book.redb");
    out.push(("directory named book.redb", d));
    out
}

fn tree_bytes(p: &Path) -> Option<Vec<u8>> {
    if p.is_dir() {
        Some(b"<dir>".to_vec())
    } else {
        std::fs::read(p).ok()
    }
}

#[test]
fn a_file_that_is_not_a_rapport_store_is_refused_by_every_command_and_left_untouched() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut failures = Vec::new();
    let mut checked = 0;
    for (what, dir) in foreign_stores(tmp.path()) {
        let file = dir.join("book.redb");
        let bytes = tree_bytes(&file);
        let listing = dir_listing(&dir);
        for cmd in store_commands("MFG-2026-ZZZZZZ-001") {
            let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
            let o = run(&dir, &args);
            let err = text(&o.stderr);
            checked += 1;
            if !matches!(code(&o), 1 | 2) {
                failures.push(format!("{what}: `{}` exited {} (want 1 or 2): {err}", args.join(" "), code(&o)));
            }
            if !err.contains("is not a readable Rapport store") || !err.contains("book.redb") {
                failures
                    .push(format!("{what}: `{}` does not say the file is not a Rapport store: {err}", args.join(" ")));
            }
            if !o.stdout.is_empty() {
                failures.push(format!("{what}: `{}` printed on stdout: {}", args.join(" "), text(&o.stdout)));
            }
            if tree_bytes(&file) != bytes || dir_listing(&dir) != listing {
                failures.push(format!("{what}: `{}` changed the file or the data dir", args.join(" ")));
            }
        }
        // With --json the refusal is a JSON body too.
        let o = run(&dir, &["--json", "list"]);
        let body: Value = serde_json::from_str(text(&o.stderr).trim()).unwrap_or(Value::Null);
        if !body["error"].as_str().is_some_and(|e| e.contains("is not a readable Rapport store"))
            || body["exit_code"] != code(&o)
        {
            failures.push(format!("{what}: --json list error body: {}", text(&o.stderr)));
        }
        // `init` must refuse too and leave the file alone (its wording is checked in
        // `init_on_a_foreign_file_says_it_is_not_a_store`).
        let o = run(&dir, &["init", "--name", "Li Wei"]);
        if !(1..=2).contains(&code(&o)) || tree_bytes(&file) != bytes || dir_listing(&dir) != listing {
            failures.push(format!("{what}: init exited {} or changed the file: {}", code(&o), text(&o.stderr)));
        }
        checked += 2;
    }
    println!("{checked} commands checked against foreign data files");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// `init` over a file that is not a Rapport store says so, instead of claiming a store
/// already exists there.
#[test]
fn init_on_a_foreign_file_says_it_is_not_a_store() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("data");
    std::fs::create_dir_all(&dir).expect("make data dir");
    std::fs::write(dir.join("book.redb"), "not a database\n").expect("write text file");
    let o = run(&dir, &["init", "--name", "Li Wei"]);
    assert_ne!(code(&o), 0);
    assert!(text(&o.stderr).contains("not a readable Rapport store"), "{}", text(&o.stderr));
}

/// Restores permissions so the temp dir can be removed even when an assertion fails.
struct Restore(Vec<(PathBuf, u32)>);

impl Drop for Restore {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        for (p, mode) in &self.0 {
            let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(*mode));
        }
    }
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Who runs the commands of the permission test.
#[derive(Clone, Copy)]
enum Runner {
    /// This process's user (permissions bind it).
    Me,
    /// Root cannot be denied; run the commands as `nobody` (uid/gid 65534) instead.
    Nobody,
}

fn run_as(who: Runner, data: &Path, args: &[&str]) -> std::io::Result<Output> {
    let mut c = command(data, args);
    if let Runner::Nobody = who {
        use std::os::unix::process::CommandExt;
        c.uid(65534).gid(65534);
    }
    c.output()
}

#[test]
fn a_data_dir_or_store_without_permission_is_refused_and_left_unchanged() {
    let tmp = tempfile::tempdir().expect("temp dir");
    chmod(tmp.path(), 0o755);
    let data = tmp.path().join("data");
    let file = data.join("book.redb");
    ok(&data, &["init", "--name", "Li Wei"]);
    let n = ok_json(
        &data,
        &[
            "customer",
            "add",
            "--kind",
            "person",
            "--name",
            "周杰",
            "--source",
            "inbound",
            "--contact-name",
            "周杰",
            "--contact-phone",
            "13812345678",
        ],
    )["number"]
        .as_str()
        .expect("number")
        .to_string();
    let snapshot = |data: &Path| -> Vec<String> {
        [
            vec!["--json", "list", "--archived"],
            vec!["--json", "--reveal", "customer", "show", &n],
            vec!["--json", "history", &n],
        ]
        .iter()
        .map(|a| ok(data, a))
        .collect()
    };
    let before = snapshot(&data);
    let _restore = Restore(vec![(data.clone(), 0o755), (file.clone(), 0o644)]);

    // Does a mode-000 directory stop this process? Not when running as root.
    chmod(&data, 0o000);
    let who = if std::fs::read_dir(&data).is_err() {
        Runner::Me
    } else {
        // Root: permissions are ineffective for us, so run the commands as `nobody`,
        // after checking that `nobody` can use the store once it is opened up to it.
        chmod(&data, 0o777);
        chmod(&file, 0o666);
        match run_as(Runner::Nobody, &data, &["list"]) {
            Ok(o) if code(&o) == 0 => Runner::Nobody,
            Ok(o) => {
                println!(
                    "NOTE: running as root and `nobody` cannot run rapport here ({}); permission cases skipped",
                    text(&o.stderr).trim()
                );
                return;
            }
            Err(e) => {
                println!("NOTE: running as root and cannot switch to `nobody` ({e}); permission cases skipped");
                return;
            }
        }
    };
    if let Runner::Nobody = who {
        println!("NOTE: running as root, so the permission cases run the commands as uid 65534 (nobody)");
    }
    let (dir_mode, file_mode) = match who {
        Runner::Me => (0o755, 0o644),
        Runner::Nobody => (0o777, 0o666),
    };

    let mut failures = Vec::new();
    let mut checked = 0;
    for (what, target, locked, open) in
        [("data dir mode 000", &data, 0o000, dir_mode), ("store file mode 000", &file, 0o000, file_mode)]
    {
        // The snapshot between cases runs as this process, which makes the data directory
        // owner-only again; open it up to the runner so each case locks only its target.
        chmod(&data, dir_mode);
        chmod(target, locked);
        let mut cmds = store_commands(&n);
        cmds.push(vec!["init".into(), "--name".into(), "Li Wei".into()]);
        for cmd in cmds {
            let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
            let o = run_as(who, &data, &args).expect("spawn rapport");
            let err = text(&o.stderr);
            checked += 1;
            if !matches!(code(&o), 1 | 2) {
                failures.push(format!("{what}: `{}` exited {} (want 1 or 2): {err}", args.join(" "), code(&o)));
            }
            // `init` over a store file it cannot read may also just say a store exists there.
            let init_exists = args[0] == "init" && err.contains("already exists");
            if !init_exists && (!err.contains("Permission denied") || !err.contains(&*data.to_string_lossy())) {
                failures.push(format!(
                    "{what}: `{}` does not name the path and the permission problem: {err}",
                    args.join(" ")
                ));
            }
        }
        chmod(target, open);
        let after = snapshot(&data);
        if after != before {
            failures.push(format!("{what}: the store changed\nbefore: {before:?}\nafter: {after:?}"));
        }
    }
    println!("{checked} commands checked against a data dir or store without permission");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn a_missing_store_asks_for_init_and_init_twice_is_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path().join("nowhere");
    let mut failures = Vec::new();
    let cmds: Vec<Vec<String>> = store_commands("MFG-2026-ZZZZZZ-001").into_iter().filter(|c| c[0] != "demo").collect();
    for cmd in &cmds {
        let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        for json in [false, true] {
            let mut full = if json { vec!["--json"] } else { vec![] };
            full.extend_from_slice(&args);
            let o = run(&data, &full);
            let err = text(&o.stderr);
            if code(&o) != 2 || !err.contains("rapport init") || !o.stdout.is_empty() {
                failures.push(format!("`{}` exited {}: {err}", full.join(" "), code(&o)));
            }
            if json && serde_json::from_str::<Value>(err.trim()).map(|v| v["exit_code"] == 2).ok() != Some(true) {
                failures.push(format!("`{}` did not print a JSON error: {err}", full.join(" ")));
            }
        }
    }
    assert!(!data.join("book.redb").exists(), "a refused command created a store");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    println!("{} commands checked against a missing store", cmds.len() * 2);

    // init once works; twice is refused and keeps the first identity and data.
    let first = ok_json(&data, &["init", "--name", "Li Wei"]);
    let before = ok(&data, &["--json", "list", "--archived"]);
    for json in [false, true] {
        let mut args = if json { vec!["--json"] } else { vec![] };
        args.extend_from_slice(&["init", "--name", "Wang Fang"]);
        let o = run(&data, &args);
        assert_eq!(code(&o), 2, "init twice: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains("already exists"), "{}", text(&o.stderr));
        assert!(o.stdout.is_empty());
    }
    assert_eq!(ok(&data, &["--json", "list", "--archived"]), before);
    let c = ok_json(&data, &["customer", "add", "--kind", "person", "--name", "周杰", "--source", "inbound"]);
    assert_eq!(c["entered_by"], first["member_name"], "the second init replaced the member identity");
    assert_eq!(c["entered_by"], "Li Wei");

    // `demo` creates the store when there is none.
    let fresh = tmp.path().join("fresh");
    ok(&fresh, &["demo", "--customers", "4", "--seed", "9"]);
    assert_eq!(ok_json(&fresh, &["list"])["total"], 4);
}

#[test]
fn every_command_succeeds_on_good_input() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let d = tmp.path().join("data");
    let d = d.as_path();
    ok(d, &["init", "--name", "Li Wei"]);
    ok(d, &["demo", "--customers", "40", "--seed", "7"]);

    // A company with a Chinese name and a primary contact.
    let c = ok_json(
        d,
        &[
            "customer",
            "add",
            "--kind",
            "company",
            "--name",
            "杭州绿源环保科技有限公司",
            "--industry",
            "C",
            "--source",
            "referral",
            "--credit-code",
            "91350100m000100y43",
            "--contact-name",
            "张敏",
            "--contact-phone",
            "138 1234 5678",
            "--contact-email",
            "Zhang.Min@LvYuan.CN",
            "--province",
            "浙江省",
            "--city",
            "杭州市",
            "--tag",
            "环保",
        ],
    );
    let n = c["number"].as_str().expect("number").to_string();
    let n = n.as_str();
    assert!(n.starts_with("MFG-2026-"), "number {n}");
    assert_eq!(c["name"], "杭州绿源环保科技有限公司");
    assert_eq!(c["credit_code"], "91350100M000100Y43", "credit code is upper-cased");
    assert_eq!(c["contacts"][0]["phone"], "138****5678", "add --json masks the phone");
    let shown = ok_json(d, &["--reveal", "customer", "show", n]);
    assert_eq!(shown["customer"]["contacts"][0]["phone"], "13812345678", "phone stored canonical");
    assert_eq!(shown["customer"]["contacts"][0]["email"], "Zhang.Min@lvyuan.cn", "email domain lower-cased");
    let human = ok(d, &["customer", "show", n]);
    assert!(
        human.contains("杭州绿源环保科技有限公司") && human.contains("138****5678") && !human.contains("13812345678"),
        "{human}"
    );

    // Contacts: add, then edit with a reason.
    ok(
        d,
        &[
            "contact",
            "add",
            n,
            "--name",
            "Bob Chen",
            "--position",
            "工程师",
            "--phone",
            "021-12345678",
            "--email",
            "bob@lvyuan.cn",
        ],
    );
    ok(d, &["contact", "edit", n, "Bob Chen", "--phone", "13987654321", "--reason", "换了手机号"]);
    let shown = ok_json(d, &["--reveal", "customer", "show", n]);
    let bob = shown["customer"]["contacts"]
        .as_array()
        .expect("contacts")
        .iter()
        .find(|x| x["name"] == "Bob Chen")
        .expect("Bob Chen")
        .clone();
    assert_eq!(bob["phone"], "13987654321");

    // Follow-up, service record, order, task.
    ok(
        d,
        &[
            "interaction",
            "add",
            n,
            "--channel",
            "电话",
            "--summary",
            "介绍新型过滤设备",
            "--feedback",
            "预算在Q2",
            "--intent",
            "high",
            "--next-action",
            "发报价单",
            "--next-due",
            "2026-03-05",
        ],
    );
    ok(
        d,
        &[
            "service",
            "add",
            n,
            "--type",
            "fault",
            "--summary",
            "设备报警",
            "--result",
            "更换传感器",
            "--satisfaction",
            "4.5",
        ],
    );
    ok(
        d,
        &["order", "add", n, "--amount", "1.5万", "--category", "设备", "--product", "过滤器", "--date", "2026-03-01"],
    );
    ok(d, &["task", "add", n, "--what", "回访客户满意度", "--due", "2026-03-04"]);
    let task_id = task_id(d, n, "回访客户满意度");
    let shown = ok_json(d, &["customer", "show", n]);
    let cust = &shown["customer"];
    assert_eq!(cust["interactions"][0]["channel"], "phone");
    assert_eq!(cust["interactions"][0]["intent"], "high");
    assert_eq!(cust["service_records"][0]["satisfaction"], "4.5");
    assert_eq!(cust["orders"][0]["amount"], "15000.00", "1.5万 is 15,000 yuan exactly");
    assert!(cust["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .any(|t| t["id"] == task_id.as_str() && t["done"].is_null()));

    // The agenda shows the task and the follow-up's next action, then not the task once done.
    let agenda = ok_json(d, &["agenda"]);
    let has = |a: &Value, what: &str| {
        a["items"].as_array().expect("agenda items").iter().any(|i| i["number"] == n && i["what"] == what)
    };
    assert!(has(&agenda, "回访客户满意度"), "agenda lacks the task: {agenda}");
    assert!(ok(d, &["agenda", "--assignee", "Li Wei"]).contains("回访客户满意度"));
    // Mine by default (this store's member is Li Wei), names in any case; `--limit` keeps the total.
    assert_eq!(ok_json(d, &["agenda", "--assignee", "li wei"])["total"], agenda["total"]);
    let first = ok_json(d, &["agenda", "--all", "--limit", "1"]);
    assert_eq!(first["items"].as_array().map(Vec::len), Some(1), "{first}");
    assert!(first["total"].as_u64() >= Some(2), "the task and the next action: {first}");
    let shown = ok(d, &["agenda", "--limit", "1"]);
    assert!(shown.contains(&format!("1 of {} item(s) for Li Wei", agenda["total"])), "{shown}");
    ok(d, &["task", "done", n, &task_id, "--result", "满意"]);
    assert!(!has(&ok_json(d, &["agenda"]), "回访客户满意度"), "a done task stays on the agenda");
    let shown = ok_json(d, &["customer", "show", n]);
    assert!(shown["customer"]["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .any(|t| t["id"] == task_id.as_str() && !t["done"].is_null()));

    // Stage change with a reason, edit, archive and restore.
    ok(
        d,
        &[
            "customer",
            "edit",
            n,
            "--stage",
            "intent",
            "--reason",
            "客户确认预算",
            "--owner",
            "Li Wei",
            "--priority",
            "true",
        ],
    );
    ok(d, &["customer", "archive", n, "--reason", "暂停合作"]);
    assert!(!numbers(&ok_json(d, &["list"])).contains(&n.to_string()), "archived customers are hidden");
    assert!(numbers(&ok_json(d, &["list", "--archived"])).contains(&n.to_string()));
    ok(d, &["customer", "archive", n, "--restore", "--reason", "恢复合作"]);

    // History: who, what and why.
    let history = ok_json(d, &["history", n]);
    let entries = history.as_array().expect("history array");
    assert!(
        entries
            .iter()
            .all(|e| e["author"] == "Li Wei" && e["at"].as_str().is_some_and(|t| t.starts_with("2026-03-02"))),
        "{history}"
    );
    let why = |w: &str| entries.iter().any(|e| e["why"] == w);
    assert!(why("换了手机号"), "contact edit reason missing: {history}");
    assert!(why("客户确认预算"), "stage change reason missing: {history}");
    assert!(
        entries.iter().any(|e| e["what"].as_str().is_some_and(|w| w.contains("potential") && w.contains("intent"))),
        "{history}"
    );
    assert!(entries.iter().any(|e| e["what"].as_str().is_some_and(|w| w.contains("created"))), "{history}");
    let human = ok(d, &["history", n]);
    assert!(human.contains("Li Wei") && human.contains("换了手机号") && human.contains("客户确认预算"), "{human}");

    // Search: a Chinese fragment and a phone fragment.
    assert!(numbers(&ok_json(d, &["search", "绿源环保"])).contains(&n.to_string()));
    assert!(numbers(&ok_json(d, &["customer", "search", "3812345"])).contains(&n.to_string()));
    assert!(numbers(&ok_json(d, &["search", "87654"])).contains(&n.to_string()), "second contact's phone");
    assert!(ok(d, &["search", "绿源"]).contains(n));

    // List filters combine: the result is the intersection of each filter alone.
    let both = ok_json(d, &["list", "--industry", "C", "--stage", "intent"]);
    let by_ind = numbers(&ok_json(d, &["list", "--industry", "C"]));
    let by_stage = numbers(&ok_json(d, &["list", "--stage", "intent"]));
    let mut want: Vec<String> = by_ind.iter().filter(|x| by_stage.contains(x)).cloned().collect();
    let mut got = numbers(&both);
    want.sort();
    got.sort();
    assert_eq!(got, want);
    assert!(got.contains(&n.to_string()));
    assert!(by_ind.len() > got.len() || by_stage.len() > got.len(), "the filters should narrow the demo book");
    for i in both["items"].as_array().expect("items") {
        assert_eq!((i["industry"].as_str(), i["stage"].as_str()), (Some("C"), Some("intent")));
    }
    assert_eq!(
        ok_json(
            d,
            &["list", "--industry", "manufacturing", "--stage", "意向客户", "--source", "referral", "--tag", "环保"]
        )["total"],
        1
    );
    let created = numbers(&ok_json(
        d,
        &["list", "--created-since", "2026-03-02", "--created-until", "2026-03-02", "--industry", "C"],
    ));
    assert!(created.contains(&n.to_string()));
    assert_eq!(ok_json(d, &["list", "--limit", "2"])["items"].as_array().map(Vec::len), Some(2));
    let quiet = numbers(&ok_json(d, &["list", "--no-interaction-days", "30"]));
    assert!(!quiet.contains(&n.to_string()), "a customer followed up today is not quiet");

    // Masking: default masks, --reveal shows the full phone.
    let masked = ok_json(d, &["search", "绿源环保"]);
    assert_eq!(masked["items"][0]["phone"], "138****5678");
    let revealed = ok_json(d, &["--reveal", "search", "绿源环保"]);
    assert_eq!(revealed["items"][0]["phone"], "13812345678");
    let table = ok(d, &["list", "--tag", "环保"]);
    assert!(table.contains("138****5678") && !table.contains("13812345678"), "{table}");
    assert!(ok(d, &["--reveal", "list", "--tag", "环保"]).contains("13812345678"));

    // Conflicts: none on a single node.
    let conflicts = ok(d, &["--json", "customer", "conflicts", n]);
    assert_eq!(serde_json::from_str::<Value>(&conflicts).expect("conflicts JSON"), Value::Array(vec![]));
    ok(d, &["customer", "conflicts", n]);

    // Maintenance commands.
    let doctor = ok_json(d, &["doctor"]);
    assert_eq!(doctor["problems"], Value::Array(vec![]), "{doctor}");
    assert_eq!(doctor["customers"], 41);
    assert_eq!(ok_json(d, &["reindex"])["reindexed"], 41);
    assert!(ok(d, &["doctor"]).contains("0 problem(s)"));
    assert!(ok(d, &["--help"]).contains("Exit codes"));
}
