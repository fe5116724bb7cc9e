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
