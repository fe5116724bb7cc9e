//! `rapport import`, `export` and the commands a new user tries next, run as the real
//! binary on real redb files in temporary directories (issue 12): a dry run writes nothing,
//! the rejected rows are written only where asked, a fixed rejections file updates the
//! customer its duplicates created, and the other commands honour what their help says.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_rapport");
const NOW: &str = "2026-03-02T10:00:00";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn run_in(cwd: &Path, data: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(cwd)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("RAPPORT_NOW", NOW)
        .env_remove("RAPPORT_DATA")
        .output()
        .expect("spawn the rapport binary")
}

fn ok_in(cwd: &Path, data: &Path, args: &[&str]) -> String {
    let o = run_in(cwd, data, args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "`rapport {}` failed:\nstdout: {}\nstderr: {}",
        args.join(" "),
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

fn json_in(cwd: &Path, data: &Path, args: &[&str]) -> Value {
    let mut full = vec!["--json"];
    full.extend_from_slice(args);
    let out = ok_in(cwd, data, &full);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("`rapport {}`: invalid JSON ({e}): {out}", full.join(" ")))
}

/// Every file under `dir` with a digest of its bytes (the store file by name only: redb
/// rewrites its header when a store is opened; the book itself is compared as listed).
fn tree(dir: &Path) -> BTreeMap<PathBuf, u64> {
    use std::hash::{Hash, Hasher};
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                if p.extension().is_none_or(|x| x != "redb") {
                    std::fs::read(&p).expect("read file").hash(&mut h);
                }
                out.insert(p.strip_prefix(dir).expect("under dir").to_path_buf(), h.finish());
            }
        }
    }
    out
}

/// A temp dir holding a fresh store (`data/`) and the directory the commands run in.
struct Fixture {
    tmp: tempfile::TempDir,
    data: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let tmp = tempfile::tempdir().expect("temp dir");
        let data = tmp.path().join("data");
        let f = Fixture { tmp, data };
        f.ok(&["init", "--name", "Li Wei"]);
        f
    }
    fn dir(&self) -> &Path {
        self.tmp.path()
    }
    fn run(&self, args: &[&str]) -> Output {
        run_in(self.dir(), &self.data, args)
    }
    fn ok(&self, args: &[&str]) -> String {
        ok_in(self.dir(), &self.data, args)
    }
    fn json(&self, args: &[&str]) -> Value {
        json_in(self.dir(), &self.data, args)
    }
    fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.dir().join(name);
        std::fs::write(&p, content).expect("write sheet");
        p
    }
}

/// Row 3 (a bad phone) and row 5 (a bad phone) are refused; row 4 folds into row 2.
const SHEET: &str = "客户名称,所属行业,客户来源,省份,城市,备注,联系人,联系方式,客户阶段\n\
宁波海天塑机有限公司,C,展会,,,,张三,13800138000,潜在客户\n\
宁波海天塑机有限公司,C,展会,浙江,宁波,老客户介绍,李四,12345,潜在客户\n\
宁波海天塑机有限公司,C,展会,,,,张三,13800138000,潜在客户\n\
无锡华光机电有限公司,C,官网,江苏,无锡,,王五,abc,潜在客户\n";

#[test]
fn a_dry_run_writes_nothing_and_the_rejected_rows_are_written_only_where_asked() {
    let f = Fixture::new();
    f.write("客户.csv", SHEET);
    let before = tree(f.dir());
    let book = f.json(&["list", "--archived"]);

    let out = f.ok(&["import", "客户.csv", "--dry-run"]);
    assert!(out.contains("dry run: nothing was written"), "{out}");
    assert_eq!(tree(f.dir()), before, "a dry run leaves the directory unchanged");
    assert_eq!(f.json(&["list", "--archived"]), book, "and the book");

    // Asked for, the rejections file is written in a dry run too, and the run says so.
    let out = f.ok(&["import", "客户.csv", "--dry-run", "--rejected", "fix.csv"]);
    assert!(out.contains("only the rejected rows, to fix.csv"), "{out}");
    let fix = std::fs::read_to_string(f.dir().join("fix.csv")).expect("fix.csv written");
    assert!(fix.contains("12345") && fix.contains("abc"), "{fix}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(f.dir().join("fix.csv")).expect("meta").permissions().mode();
        assert_eq!(mode & 0o077, 0, "the rejections file is private: {mode:o}");
    }
    std::fs::remove_file(f.dir().join("fix.csv")).expect("rm");
    assert_eq!(tree(f.dir()), before);

    // A refused import without --rejected writes no file next to the sheet either.
    let o = f.run(&["import", "客户.csv"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("add --rejected FILE"), "{}", text(&o.stdout));
    assert_eq!(tree(f.dir()), before, "nothing written: no rejections file");
    assert_eq!(f.json(&["list", "--archived"]), book, "no customers");
}

#[test]
fn the_fixed_rejections_file_updates_the_customer_in_the_table_and_in_json() {
    let f = Fixture::new();
    f.write("客户.csv", SHEET);
    let first = f.json(&["import", "客户.csv", "--skip-rejected", "--rejected", "fix.csv"]);
    assert_eq!(first["created"].as_array().map(Vec::len), Some(1), "{first}");
    let number = first["created"][0]["number"].as_str().expect("number").to_string();

    let fixed = std::fs::read_to_string(f.dir().join("fix.csv"))
        .expect("fix.csv")
        .replace(",12345,", ",13900139000,")
        .replace(",abc,", ",13700137000,");
    f.write("fix.csv", &fixed);
    let dry = f.ok(&["import", "fix.csv", "--dry-run"]);
    assert!(dry.contains("would be updated: 省份, 城市, 备注; 1 contact(s) would be added"), "{dry}");
    let done = f.json(&["import", "fix.csv"]);
    assert_eq!(done["updated"][0]["fields_updated"], serde_json::json!(["省份", "城市", "备注"]), "{done}");
    assert_eq!(done["unchanged"], serde_json::json!([]), "nothing discarded: {done}");
    let shown = f.json(&["--reveal", "customer", "show", &number]);
    let c = &shown["customer"];
    assert_eq!((c["address"]["province"].as_str(), c["notes"].as_str()), (Some("浙江"), Some("老客户介绍")), "{c}");
    let phones: Vec<&str> =
        c["contacts"].as_array().expect("contacts").iter().filter_map(|x| x["phone"].as_str()).collect();
    assert_eq!(phones, ["13800138000", "13900139000"]);
}

/// Adds a company and returns its number.
fn add(f: &Fixture, name: &str, extra: &[&str]) -> String {
    let mut args =
        vec!["customer", "add", "--kind", "company", "--name", name, "--industry", "C", "--source", "referral"];
    args.extend_from_slice(extra);
    f.json(&args)["number"].as_str().expect("number").to_string()
}

#[test]
fn export_honours_limit_and_refuses_an_extension_it_cannot_write() {
    let f = Fixture::new();
    for n in ["甲公司", "乙公司", "丙公司"] {
        add(&f, n, &[]);
    }
    let out = f.ok(&["export", "--format", "jsonl", "--limit", "2"]);
    assert_eq!(out.lines().count(), 2, "--limit 2 exports two customers: {out}");
    f.ok(&["export", "-o", "all.csv"]);
    let csv = std::fs::read_to_string(f.dir().join("all.csv")).expect("all.csv");
    assert_eq!(csv.lines().count(), 4, "a header and three customers");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(f.dir().join("all.csv")).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "an export holds the customers' data: private to its owner");
    }

    for bad in ["x.xls", "x.txt", "x.xlsx.bak"] {
        let o = f.run(&["export", "-o", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(err.contains("output") && err.contains(".xlsx") && err.contains(".csv"), "{bad}: {err}");
        assert!(!f.dir().join(bad).exists(), "{bad} is not written");
    }
}

#[test]
fn editing_only_the_deal_date_of_a_won_customer_keeps_its_amount_and_contract() {
    let f = Fixture::new();
    let won = add(
        &f,
        "深圳明辉电子有限公司",
        &["--stage", "won", "--deal-amount", "128000", "--deal-date", "2026-02-20", "--contract-no", "HT-2026-018"],
    );
    f.ok(&["customer", "edit", &won, "--deal-date", "2026/2/25"]);
    let c = &f.json(&["customer", "show", &won])["customer"];
    assert_eq!(c["deal"]["date"], "2026-02-25", "{c}");
    assert_eq!(c["deal"]["contract_no"], "HT-2026-018");
    assert_eq!(c["deal"]["amount"], f.json(&["customer", "show", &won])["customer"]["deal"]["amount"]);
    f.ok(&["customer", "edit", &won, "--contract-no", "HT-2026-019"]);
    let c = &f.json(&["customer", "show", &won])["customer"];
    assert_eq!(
        (c["deal"]["date"].as_str(), c["deal"]["contract_no"].as_str()),
        (Some("2026-02-25"), Some("HT-2026-019"))
    );
    // A customer that is not won still cannot be given a deal this way.
    let open = add(&f, "宁波港机有限公司", &[]);
    let o = f.run(&["customer", "edit", &open, "--deal-date", "2026-02-25"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}

#[test]
fn repeating_a_merge_takes_over_what_was_added_to_the_merged_customer_since() {
    let f = Fixture::new();
    let keep = add(&f, "杭州云启软件有限公司", &[]);
    let gone = add(&f, "云启科技", &[]);
    f.ok(&["merge", &keep, &gone, "--reason", "same company"]);
    // Something still reaches the merged-away customer (say, from a node that had not synced).
    let gone_id =
        f.json(&["customer", "show", &keep])["customer"]["absorbed"][0]["id"].as_str().expect("id").to_string();
    f.ok(&["task", "add", &gone_id, "--what", "寄样品", "--due", "2026-03-06"]);
    let out = f.ok(&["merge", &keep, &gone, "--reason", "same company"]);
    assert!(out.contains("1 item(s) taken over"), "{out}");
    let tasks = f.json(&["customer", "show", &keep])["customer"]["tasks"].clone();
    assert!(tasks.as_array().expect("tasks").iter().any(|t| t["what"] == "寄样品"), "{tasks}");
    // Naming the survivor twice is still refused.
    let o = f.run(&["merge", &keep, &keep]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("itself"), "{}", text(&o.stderr));
}

#[test]
fn every_date_option_reads_the_same_forms() {
    let f = Fixture::new();
    add(&f, "甲公司", &[]);
    for d in ["2026-03-02", "2026-3-2", "2026/3/2", "2026.3.2", "2026年3月2日"] {
        let all = f.json(&["list"])["items"].as_array().map(Vec::len);
        let listed = f.json(&["list", "--created-since", d, "--created-until", d]);
        assert_eq!(listed["items"].as_array().map(Vec::len), all, "list --created-since {d}: {listed}");
        let later = d.replace('2', "3").replacen("3036", "2026", 1);
        let none = f.json(&["list", "--created-since", &later]);
        assert_eq!(none["items"].as_array().map(Vec::len), Some(0), "list --created-since {later}: {none}");
        f.ok(&["report", "sources", "--from", d, "--to", d, "--as-of", d]);
        let n = add(&f, &format!("乙公司 {}", d.replace(['/', '.', '年', '月', '日'], "-")), &[]);
        f.ok(&["task", "add", &n, "--what", "回访", "--due", d]);
        let due = f.json(&["customer", "show", &n])["customer"]["tasks"][0]["due"].clone();
        assert_eq!(due, "2026-03-02", "task --due {d}");
    }
    for bad in ["2026-13-01", "3/2/2026", "yesterday"] {
        for args in [vec!["list", "--created-since", bad], vec!["report", "sources", "--from", bad]] {
            let o = f.run(&args);
            assert_eq!(o.status.code(), Some(2), "{args:?}");
            assert!(text(&o.stderr).contains("YYYY-MM-DD"), "{args:?}: {}", text(&o.stderr));
        }
    }
}
