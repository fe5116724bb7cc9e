//! Exchange benchmark: generates a 100,000-row customer CSV in memory, reads and plans it,
//! then writes the same 100,000 customers as XLSX, CSV and JSON Lines. Prints one JSON
//! object per step (ms, rows/s, peak resident memory so far).
//!
//! `cargo bench -p rapport-exchange` (rows: `EXCHANGE_BENCH_ROWS`, default 100000).

use rapport_exchange::{plan, read_table, write_csv, write_jsonl, write_xlsx, Field, ImportOptions, Mapping};
use rapport_model::{credit_check_char, Customer, Date};
use std::time::Instant;

/// Peak resident set size in MiB (Linux; 0 elsewhere).
fn peak_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024)
}

fn report(step: &str, rows: usize, started: Instant, bytes: usize) {
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let line = serde_json::json!({
        "step": step,
        "rows": rows,
        "ms": (ms * 10.0).round() / 10.0,
        "rows_per_s": (rows as f64 / (ms / 1000.0)).round(),
        "bytes": bytes,
        "peak_rss_mib": peak_mib(),
    });
    println!("{line}");
}

fn generate_csv(rows: usize) -> String {
    let stages = ["潜在客户", "意向客户", "成交客户", "流失客户", "休眠客户"];
    let industries = ["制造业", "C", "F 批发和零售业", "软件", "J"];
    let sources = ["展会", "转介绍", "线上广告", "partner", "inbound"];
    let mut out = String::with_capacity(rows * 220);
    out.push_str("客户名称,客户性质,统一社会信用代码,所属行业,客户来源,客户阶段,负责人,成交金额,成交日期,合同编号,流失原因,联系人,联系电话,邮箱,省份,城市,标签,备注\n");
    for i in 0..rows {
        let stage = stages[i % 5];
        let code = if i % 3 == 0 {
            let first17 = format!("91350100M{:08}", i);
            credit_check_char(&first17).map(|c| format!("{first17}{c}")).unwrap_or_default()
        } else {
            String::new()
        };
        let (amount, date, contract) = if stage == "成交客户" {
            ("\"1,234.50\"", "2024/3/1", format!("HT-{i}"))
        } else {
            ("", "", String::new())
        };
        let reason = if stage == "流失客户" { "竞品价格更低" } else { "" };
        out.push_str(&format!(
            "测试客户{i}有限公司,{kind},{code},{ind},{src},{stage},销售{owner},{amount},{date},{contract},{reason},联系人{i},+86 138-{p1:04}-{p2:04},user{i}@example.com,江苏,苏州,重点、展会,第{i}行备注\n",
            kind = if i % 7 == 0 { "个人" } else { "企业" },
            ind = industries[i % 5],
            src = sources[i % 5],
            owner = i % 20,
            p1 = (i / 10_000) % 10_000,
            p2 = i % 10_000,
        ));
    }
    out
}

fn main() {
    let rows: usize = std::env::var("EXCHANGE_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);

    let t = Instant::now();
    let csv = generate_csv(rows);
    report("generate_csv", rows, t, csv.len());

    let t = Instant::now();
    let table = match read_table(csv.as_bytes(), "bench.csv") {
        Ok(t) => t,
        Err(e) => return eprintln!("read failed: {e}"),
    };
    report("read_csv", table.rows.len(), t, csv.len());

    let t = Instant::now();
    let planned = match plan(&table, &Mapping::builtin(), &ImportOptions::default()) {
        Ok(p) => p,
        Err(e) => return eprintln!("plan failed: {e}"),
    };
    report("plan", table.rows.len(), t, 0);
    if !planned.rejected.is_empty() || planned.rows.len() != rows {
        eprintln!("unexpected: {} planned, {} rejected", planned.rows.len(), planned.rejected.len());
    }
    drop(table);
    drop(csv);

    let now = Date::from_ymd_opt(2024, 6, 1).unwrap_or_default().and_time(chrono::NaiveTime::MIN);
    let customers: Vec<Customer> = planned
        .rows
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let mut c = p.new.validate("bench", now).ok()?;
            c.number = format!("MFG-2024-BENCH0-{:06}", i + 1);
            Some(c)
        })
        .collect();
    drop(planned);
    let fields = Field::defaults();

    let t = Instant::now();
    let mut xlsx = std::io::Cursor::new(Vec::new());
    match write_xlsx(&mut xlsx, &fields, &customers, false) {
        Ok(n) => report("write_xlsx", n as usize, t, xlsx.get_ref().len()),
        Err(e) => eprintln!("xlsx failed: {e}"),
    }

    let t = Instant::now();
    let mut out = Vec::new();
    match write_csv(&mut out, &fields, &customers, false) {
        Ok(n) => report("write_csv", n as usize, t, out.len()),
        Err(e) => eprintln!("csv failed: {e}"),
    }

    let t = Instant::now();
    let mut out = Vec::new();
    match write_jsonl(&mut out, &fields, &customers, false) {
        Ok(n) => report("write_jsonl", n as usize, t, out.len()),
        Err(e) => eprintln!("jsonl failed: {e}"),
    }

    // Reading the XLSX export back: the import path for a large workbook.
    let t = Instant::now();
    match read_table(xlsx.get_ref(), "bench.xlsx") {
        Ok(table) => report("read_xlsx", table.rows.len(), t, xlsx.get_ref().len()),
        Err(e) => eprintln!("read xlsx failed: {e}"),
    }
}
