//! Import and export through the node on real redb files: the round trip export → import
//! into an empty store, re-imports that create nothing, all-or-nothing imports of a messy
//! GBK sheet with a fixable rejections file, and the audit log of revealing exports.

mod common;

use common::{at, node};
use rapport_demo::{DemoBook, DemoProfile};
use rapport_model::*;
use rapport_node::{ExportFormat, ExportRequest, ImportRequest, LocalBook};
use rapport_store::Filter;

/// The clock of every node here.
const NOW: &str = "2026-06-01 09:00";

fn demo_node(dir: &tempfile::TempDir, n: u64) -> LocalBook {
    let book = node(dir, "source", NOW);
    let today = at("2026-06-01 09:00").date();
    let demo = DemoBook::new(7, today, &["Li Wei", "Wang Fang"]);
    let customers: Vec<Customer> = demo.customers(0..n, &DemoProfile::realistic()).collect();
    book.store.create_many(customers, "Li Wei", at("2026-06-01 09:00")).expect("demo");
    book
}

fn export(book: &LocalBook, format: ExportFormat, reveal: bool) -> Vec<u8> {
    book.export(&ExportRequest {
        filter: Filter::default(),
        fields: String::new(),
        format,
        reveal,
        all_contacts: false,
        limit: None,
    })
    .expect("export")
}

fn import(
    book: &LocalBook,
    name: &str,
    content: Vec<u8>,
    dry_run: bool,
    skip_rejected: bool,
) -> rapport_node::ImportReport {
    let req = ImportRequest {
        file_name: name.into(),
        content,
        mapping: None,
        default_industry: None,
        dry_run,
        skip_rejected,
        ..ImportRequest::default()
    };
    book.import(&req, &mut |_, _| {}).expect("import")
}

/// Compares two exports line by line, showing the first difference.
fn assert_same(a: &[u8], b: &[u8], what: &str) {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        assert_eq!(x, y, "{what}: line {} differs", i + 1);
    }
    assert_eq!(a.lines().count(), b.lines().count(), "{what}: line counts differ");
}

/// The CSV without the columns whose header is in `drop`.
fn without_columns(csv: &[u8], drop: &[&str]) -> Vec<Vec<String>> {
    let text = String::from_utf8_lossy(csv);
    let mut rows = text.lines().map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>());
    let header = rows.next().unwrap_or_default();
    let keep: Vec<usize> = (0..header.len()).filter(|i| !drop.iter().any(|d| header[*i].contains(d))).collect();
    std::iter::once(header.clone())
        .chain(rows)
        .map(|r| keep.iter().map(|i| r.get(*i).cloned().unwrap_or_default()).collect())
        .collect()
}

#[test]
fn export_then_import_into_an_empty_store_gives_the_same_customers() {
    let dir = tempfile::tempdir().expect("tmp");
    let source = demo_node(&dir, 120);
    let csv = export(&source, ExportFormat::Csv, true);

    let target = node(&dir, "target", NOW);
    let dry = import(&target, "book.csv", csv.clone(), true, false);
    assert_eq!((dry.created.len(), dry.rejected_rows, dry.written), (120, 0, false), "{:?}", dry.rejected);
    assert_eq!(target.store.count().expect("count"), 0, "a dry run writes nothing");
    let first = import(&target, "book.csv", csv.clone(), false, false);
    assert!(first.written);
    assert_eq!(first.created.len(), 120);
    assert_same(&export(&target, ExportFormat::Csv, true), &csv, "the same customers, field for field");

    // Importing the same sheet again creates nothing.
    let again = import(&target, "book.csv", csv.clone(), false, false);
    assert_eq!((again.created.len(), again.unchanged.len()), (0, 120));
    assert_eq!(target.store.count().expect("count"), 120);

    // XLSX goes round the same way.
    let xlsx = export(&source, ExportFormat::Xlsx, true);
    let from_xlsx = node(&dir, "xlsx", NOW);
    assert_eq!(import(&from_xlsx, "book.xlsx", xlsx, false, false).created.len(), 120);
    assert_same(&export(&from_xlsx, ExportFormat::Csv, true), &csv, "through XLSX");

    // Masked: everything but the masked contact data comes back.
    let masked = export(&source, ExportFormat::Csv, false);
    let from_masked = node(&dir, "masked", NOW);
    let r = import(&from_masked, "masked.csv", masked.clone(), false, false);
    assert_eq!(r.created.len(), 120);
    assert!(r.filled.keys().any(|k| k.contains("masked")), "{:?}", r.filled);
    let contact = ["联系电话", "邮箱", "微信"];
    assert_eq!(
        without_columns(&export(&from_masked, ExportFormat::Csv, true), &contact),
        without_columns(&csv, &contact)
    );
    assert!(from_masked.store.doctor().expect("doctor").problems.is_empty());
}

#[test]
fn every_contact_goes_out_one_row_each_and_comes_back_folded_into_its_customer() {
    let dir = tempfile::tempdir().expect("tmp");
    let source = demo_node(&dir, 60);
    let req = |all_contacts| ExportRequest {
        filter: Filter::default(),
        fields: String::new(),
        format: ExportFormat::Csv,
        reveal: true,
        all_contacts,
        limit: None,
    };
    let all = source.export(&req(true)).expect("export");
    let ids: Vec<CustomerId> = source.store.list(&Filter::default()).expect("list").into_iter().map(|r| r.id).collect();
    let contacts: usize = ids.iter().map(|id| source.store.get(*id).expect("customer").contacts.len().max(1)).sum();
    assert!(contacts > ids.len(), "the demo book has customers with several contacts");
    let rows = String::from_utf8_lossy(&all).lines().count() - 1;
    assert_eq!(rows, contacts, "one row per contact");

    let target = node(&dir, "all-contacts", NOW);
    let r = import(&target, "all.csv", all.clone(), false, false);
    assert_eq!((r.created.len(), r.rejected_rows), (ids.len(), 0), "{:?}", r.rejected);
    assert_eq!(r.folded.len(), contacts - ids.len(), "every extra row folds into its customer");
    assert_same(&target.export(&req(true)).expect("export"), &all, "every contact, field for field");
    // The default export is unchanged: one row per customer, primary contact.
    assert_same(&target.export(&req(false)).expect("export"), &source.export(&req(false)).expect("export"), "primary");
    assert!(target.store.doctor().expect("doctor").problems.is_empty());
}

#[test]
fn a_revealing_export_is_recorded_in_the_audit_log_and_a_masked_one_is_not() {
    let dir = tempfile::tempdir().expect("tmp");
    let book = demo_node(&dir, 10);
    export(&book, ExportFormat::Csv, false);
    assert!(book.audit().expect("audit").is_empty());
    let req = ExportRequest {
        filter: Filter { industry: Some("C".into()), ..Default::default() },
        fields: "number,name,contact_phone".into(),
        format: ExportFormat::Jsonl,
        reveal: true,
        all_contacts: false,
        limit: None,
    };
    book.export(&req).expect("export");
    let log = book.audit().expect("audit");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].by, "source");
    assert!(log[0].what.contains("industry=C") && log[0].what.contains("contact_phone"), "{:?}", log[0]);
    let bad = ExportRequest { fields: "number,shoe_size".into(), ..req };
    match book.export(&bad) {
        Err(rapport_store::StoreError::Invalid(v)) => assert_eq!(v.fields[0].field, "fields"),
        other => panic!("expected a refusal naming fields, got {other:?}"),
    }
    assert_eq!(book.audit().expect("audit").len(), 1, "a refused export is not logged");
}

const MESSY: &str = "客户名称,所属行业,客户来源,联系人,联系方式,成交金额,成交日期,合同编号,客户阶段,录入日期\n\
苏州恒瑞精密机械有限公司,制造业,展会,王小明,138 0013 8000,\"1,280,000\",2024年5月8日,HT-2024-001,成交客户,2024/3/1\n\
杭州云启软件有限公司,I,转介绍,李娜,+86 139-0013-9000,,,,意向客户,2024年3月5日\n\
广州南方贸易有限公司,批发和零售业,,陈刚,020-12345678,,,,潜在客户,45352\n\
苏州恒瑞精密机械,C,展会,赵雷,13700137000,,,,潜在客户,2024-03-08\n\
深圳鹏达物流有限公司,G,线上广告,周杰,12345,,,,潜在客户,2024-03-09\n\
北京华信咨询有限公司,L,partner,吴敏,13600136000,12.5万,,,成交客户,2024-03-10\n";

#[test]
fn a_messy_gbk_sheet_is_all_or_nothing_and_its_rejections_can_be_fixed_and_imported() {
    let dir = tempfile::tempdir().expect("tmp");
    let book = node(&dir, "book", NOW);
    let (gbk, _, _) = encoding_rs::GBK.encode(MESSY);
    let gbk = gbk.into_owned();

    let r = import(&book, "客户.csv", gbk.clone(), false, false);
    assert!(!r.written && r.not_written_because.is_some(), "any rejected row stops the import");
    assert_eq!(book.store.count().expect("count"), 0, "nothing half-written");
    assert!(r.format.contains("GB18030"), "{}", r.format);
    // Row 5 folds into row 2 (same normalised name); row 6 is refused. Row 7, won without
    // deal date or contract number (a legacy sheet), goes in flagged 待补充.
    assert_eq!(r.folded.iter().map(|f| (f.row, f.into_row)).collect::<Vec<_>>(), vec![(5, 2)]);
    let rejected: Vec<(u32, &str, &str)> =
        r.rejected.iter().map(|x| (x.row, x.column.as_str(), x.value.as_str())).collect();
    assert_eq!(rejected, vec![(6, "联系方式", "12345")]);
    assert_eq!(r.rejected_rows, 1);
    assert_eq!(r.created.len(), 4);
    assert_eq!(r.filled.get("source 待补充"), Some(&1), "a missing source is marked to fill: {:?}", r.filled);

    let dry = import(&book, "客户.csv", gbk.clone(), true, true);
    assert_eq!((dry.created.len(), dry.written), (4, false));
    let ok = import(&book, "客户.csv", gbk.clone(), false, true);
    assert!(ok.written);
    assert_eq!(ok.created.len(), 4);
    let rows = book.list(&Filter::default()).expect("list");
    assert_eq!(rows.len(), 4);
    let flagged = book.list(&Filter { to_fill: true, ..Default::default() }).expect("list");
    // Key fields to fill: 华信's deal, 广州's source.
    assert_eq!(
        flagged.iter().map(|r| r.summary.name.as_str()).collect::<Vec<_>>(),
        ["北京华信咨询有限公司", "广州南方贸易有限公司"]
    );
    let huaxin = book.customer(&flagged[0].summary.number).expect("show").customer;
    assert_eq!(huaxin.stage, Stage::Won);
    assert_eq!(huaxin.deal, None, "no deal record without its date");
    assert_eq!(huaxin.to_fill.iter().map(String::as_str).collect::<Vec<_>>(), ["deal.contract_no", "deal.date"]);
    assert_eq!(huaxin.custom.get("成交金额").map(String::as_str), Some("12.5万"), "the amount waits, not lost");
    let hengrui = rows.iter().find(|r| r.summary.name.starts_with("苏州恒瑞")).expect("hengrui");
    let c = book.customer(&hengrui.summary.number).expect("show").customer;
    assert_eq!(c.contacts.len(), 2, "the folded row's contact is kept");
    assert_eq!(c.contacts[0].phone.as_deref(), Some("13800138000"), "phones in canonical form");
    assert_eq!(
        c.deal.as_ref().map(|d| (d.amount, d.date.to_string())),
        Some((Money(128_000_000), "2024-05-08".into()))
    );
    assert_eq!(c.created_at.date().to_string(), "2024-03-01");
    let guangzhou = rows.iter().find(|r| r.summary.name.starts_with("广州")).expect("guangzhou");
    assert_eq!(guangzhou.summary.created.to_string(), "2024-03-01", "Excel serial 45352");
    assert_eq!(guangzhou.summary.industry, "F");
    assert_eq!(guangzhou.summary.source, "待补充");

    // The rejections file, fixed, imports the rest.
    let fixed = ok.rejections_csv.expect("rejections").replace(",12345,", ",13500135000,");
    let rest = import(&book, "客户.rejected.csv", fixed.into_bytes(), false, false);
    assert!(rest.written, "{:?}", rest.rejected);
    assert_eq!(rest.created.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["深圳鹏达物流有限公司"]);
    // Re-importing the whole sheet creates nothing new.
    let again = import(&book, "客户.csv", gbk, false, true);
    assert_eq!((again.created.len(), again.unchanged.len()), (0, 4));
    assert_eq!(book.store.count().expect("count"), 5);
    assert!(book.store.doctor().expect("doctor").problems.is_empty());
}

#[test]
fn a_row_naming_a_merged_away_customer_updates_the_survivor() {
    let dir = tempfile::tempdir().expect("tmp");
    let book = node(&dir, "book", NOW);
    let sheet = "客户名称,统一社会信用代码,所属行业,客户来源,联系人,联系方式\n\
                 杭州云启软件有限公司,,I,转介绍,李娜,13900139000\n\
                 云启科技集团,,I,展会,王强,13800138000\n";
    assert_eq!(import(&book, "a.csv", sheet.as_bytes().to_vec(), false, false).created.len(), 2);
    let rows = book.list(&Filter::default()).expect("list");
    let keep = rows.iter().find(|r| r.summary.name.starts_with("杭州")).expect("keep");
    let gone = rows.iter().find(|r| r.summary.name.starts_with("云启")).expect("gone");
    book.merge(&keep.summary.number, &gone.summary.number, None).expect("merge");
    let later = "客户名称,所属行业,客户来源,联系人,联系方式\n云启科技集团,I,展会,赵敏,13700137000\n";
    let r = import(&book, "b.csv", later.as_bytes().to_vec(), false, false);
    assert_eq!((r.created.len(), r.updated.len()), (0, 1), "{r:?}");
    assert_eq!(r.updated[0].number, keep.summary.number, "the survivor, not the archived duplicate");
    let survivor = book.customer(&keep.summary.number).expect("show").customer;
    assert!(survivor.contacts.iter().any(|c| c.name == "赵敏"));
}

fn import_with(book: &LocalBook, name: &str, content: Vec<u8>, update: bool) -> rapport_node::ImportReport {
    let req = ImportRequest { file_name: name.into(), content, update, ..ImportRequest::default() };
    book.import(&req, &mut |_, _| {}).expect("import")
}

/// The rejected-rows round trip of a real sheet: rows of a customer are refused, the rest
/// go in with `--skip-rejected`, and the fixed rejections file then fills that customer.
const ROUND_TRIP: &str = "客户名称,所属行业,客户来源,省份,城市,备注,联系人,联系方式,邮箱,客户阶段\n\
宁波海天塑机有限公司,C,展会,,,,张三,13800138000,,潜在客户\n\
宁波海天塑机有限公司,C,展会,浙江,宁波,老客户介绍,李四,12345,lisi@haitian.cn,潜在客户\n\
宁波海天塑机有限公司,C,转介绍,,,,张三,13800138000,,潜在客户\n\
无锡华光机电有限公司,C,官网,江苏,无锡,,王五,abc,,潜在客户\n";

#[test]
fn the_fixed_rejections_file_fills_the_customer_its_duplicates_created() {
    let dir = tempfile::tempdir().expect("tmp");
    let book = node(&dir, "book", NOW);
    // Rows 3 and 5 are refused (bad phones); row 4 folds into row 2 and row 2 goes in.
    let first = import(&book, "客户.csv", ROUND_TRIP.as_bytes().to_vec(), false, true);
    assert!(first.written, "{first:?}");
    assert_eq!(first.rejected.iter().map(|r| r.row).collect::<Vec<_>>(), vec![3, 5]);
    assert_eq!(first.created.len(), 1);
    let number = first.created[0].number.clone();
    let before = book.customer(&number).expect("show").customer;
    // A minor field left empty is marked unknown, which a later value fills.
    assert_eq!((before.address.province.as_deref(), before.notes.as_str()), (Some("未知"), ""));

    // The user fixes the two phones in the rejections file and imports it.
    let fixed =
        first.rejections_csv.expect("rejections").replace(",12345,", ",13900139000,").replace(",abc,", ",13700137000,");
    let rest = import(&book, "客户.rejected.csv", fixed.clone().into_bytes(), false, false);
    assert!(rest.written, "{rest:?}");
    assert_eq!(rest.created.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["无锡华光机电有限公司"]);
    assert!(rest.unchanged.is_empty(), "nothing the row brings is discarded: {rest:?}");
    assert_eq!(rest.updated.len(), 1);
    let u = &rest.updated[0];
    // Row 2 of the rejections file (row 3 of the original sheet).
    assert_eq!((u.row, u.number.as_str(), u.contacts_added), (2, number.as_str(), 1));
    assert_eq!(u.fields_updated, ["省份", "城市", "备注"]);
    assert!(rest.conflicts.is_empty(), "{:?}", rest.conflicts);

    let after = book.customer(&number).expect("show").customer;
    assert_eq!(after.address.province.as_deref(), Some("浙江"));
    assert_eq!(after.address.city.as_deref(), Some("宁波"));
    assert_eq!(after.notes, "老客户介绍");
    let lisi = after.contacts.iter().find(|c| c.name == "李四").expect("李四 added");
    assert_eq!((lisi.phone.as_deref(), lisi.email.as_deref()), (Some("13900139000"), Some("lisi@haitian.cn")));
    assert_eq!(after.contacts.len(), 2, "{:?}", after.contacts);

    // One write, with who, when and why.
    let history = book.history(&number).expect("history");
    let import_entries: Vec<_> =
        history.iter().filter(|h| h.why.as_deref() == Some("import of 客户.rejected.csv")).collect();
    assert!(!import_entries.is_empty(), "{history:?}");
    assert!(import_entries.iter().all(|h| h.author == "book" && h.at.starts_with("2026-06-01 09:00")));
    assert!(import_entries.iter().any(|h| h.what.contains("address.province = 浙江")), "{import_entries:?}");

    // Importing it again changes nothing.
    let again = import(&book, "客户.rejected.csv", fixed.into_bytes(), false, false);
    assert_eq!((again.created.len(), again.updated.len(), again.unchanged.len()), (0, 0, 2), "{again:?}");
    assert!(book.store.doctor().expect("doctor").problems.is_empty());
}

#[test]
fn differing_values_are_reported_and_kept_unless_the_import_updates() {
    let dir = tempfile::tempdir().expect("tmp");
    let book = node(&dir, "book", NOW);
    let sheet = "客户名称,所属行业,客户来源,城市,联系人,联系方式,邮箱\n\
                 宁波海天塑机有限公司,C,展会,宁波,张三,13800138000,\n";
    let number = import_with(&book, "a.csv", sheet.as_bytes().to_vec(), false).created[0].number.clone();
    let later = "客户名称,所属行业,客户来源,城市,联系人,联系方式,邮箱\n\
                 宁波海天塑机有限公司,C,转介绍,杭州,张三,13800138000,zs@haitian.cn\n";

    let kept_back = import_with(&book, "b.csv", later.as_bytes().to_vec(), false);
    let dry = &kept_back;
    let conflicts: Vec<(u32, &str, &str, &str, bool)> = dry
        .conflicts
        .iter()
        .map(|c| (c.row, c.column.as_str(), c.file_value.as_str(), c.stored_value.as_str(), c.overwritten))
        .collect();
    // Values as they would be stored (a source in its canonical form).
    assert_eq!(conflicts, vec![(2, "城市", "杭州", "宁波", false), (2, "客户来源", "referral", "trade_show", false)]);
    assert_eq!(dry.updated[0].fields_updated, ["邮箱"], "the empty email is filled");
    let kept = book.customer(&number).expect("show").customer;
    assert_eq!(kept.address.city.as_deref(), Some("宁波"), "a conflict does not overwrite");
    assert_eq!(kept.contacts[0].email.as_deref(), Some("zs@haitian.cn"));
    let source = kept.source.clone();

    let won = import_with(&book, "b.csv", later.as_bytes().to_vec(), true);
    assert!(won.conflicts.iter().all(|c| c.overwritten) && won.conflicts.len() == 2, "{:?}", won.conflicts);
    let updated = book.customer(&number).expect("show").customer;
    assert_eq!(updated.address.city.as_deref(), Some("杭州"), "--update lets the file win");
    assert_ne!(updated.source, source);
    assert_eq!(updated.contacts.len(), 1);
}

/// A sheet's follow-up column reaches a customer the book already holds: the follow-up is
/// added once (importing the sheet again adds nothing), and the report lists every cell not
/// stored as it was, the totals row skipped and the amount moved to the budget.
#[test]
fn a_matched_row_adds_its_follow_up_once_and_the_report_names_every_cell_not_stored_as_is() {
    let dir = tempfile::tempdir().expect("tmp");
    let book = node(&dir, "book", NOW);
    let first = "客户名称,所属行业,客户来源,联系人,联系方式\n杭州云启软件有限公司,I,转介绍,李娜,13900139000\n";
    assert_eq!(import(&book, "a.csv", first.as_bytes().to_vec(), false, false).created.len(), 1);
    let later = "客户名称,所属行业,客户来源,客户阶段,成交金额,跟进日期,跟进记录\n\
                 杭州云启软件有限公司,I,转介绍,意向客户,50000,2026-02-03,电话沟通报价\n\
                 合计,,,,50000,,\n";
    let r = import(&book, "b.csv", later.as_bytes().to_vec(), false, false);
    assert!(r.written, "{r:?}");
    assert_eq!(r.updated.len(), 1, "{r:?}");
    assert_eq!(r.updated[0].follow_ups_added, 1, "{r:?}");
    assert_eq!(r.skipped.iter().map(|s| (s.row, s.label.as_str())).collect::<Vec<_>>(), [(3, "合计")]);
    assert!(r.moved.iter().any(|m| m.row == 2 && m.value == "50000" && m.to.contains("budget")), "{:?}", r.moved);
    let number = r.updated[0].number.clone();
    let c = book.customer(&number).expect("show").customer;
    let calls: Vec<&str> = c.interactions.iter().map(|i| i.summary.as_str()).collect();
    assert_eq!(calls, ["电话沟通报价"]);

    let again = import(&book, "b.csv", later.as_bytes().to_vec(), false, false);
    assert_eq!((again.updated.len(), again.unchanged.len()), (0, 1), "{again:?}");
    let c = book.customer(&number).expect("show").customer;
    assert_eq!(c.interactions.len(), 1, "the same follow-up is not added twice");
}

/// The messy sheet of issue 12: CRLF line endings, a name with a zero-width space, an
/// amount on a row not won, a second phone column, a follow-up column, a row folding into
/// another with the same contact, a legacy won row without contract number, a cell holding
/// two contacts, a totals row, a decimal comma, a 400 number, a note row. Every cell is
/// checked: stored (as read back from the book) or reported, row by row as Excel numbers them.
#[test]
fn a_messy_sheet_stores_or_reports_every_cell() {
    let dir = tempfile::tempdir().expect("tmp");
    let book = node(&dir, "book", NOW);
    let sheet = [
        "客户名称,所属行业,客户来源,客户阶段,成交金额,成交日期,合同编号,联系人,手机,座机,邮箱,跟进日期,跟进记录",
        "华东\u{200B}精密机械有限公司,C,展会,意向客户,50000,,,张伟,13800138000,021-12345678,,2026-02-03,电话沟通报价",
        "华东精密机械有限公司,C,展会,意向客户,,,,张伟,13800138000,,zhangwei@hd.cn,,",
        "南方贸易有限公司,F,转介绍,成交客户,80000,2023-05-01,,李四 13900139000；王五 13700137000,,,,,",
        "合计,,,,130000,,,,,,,,",
        "北方软件有限公司,I,展会,潜在客户,\"12,80\",,,钱七,13600136000,,,,",
        "西部物流有限公司,G,展会,潜在客户,,,,赵六,,400-800-1234,,,",
        "注：以上数据截至2024年底,,,,,,,,,,,,",
    ]
    .join("\r\n");
    let r = import(&book, "台账.csv", sheet.into_bytes(), false, true);
    assert!(r.written, "{r:?}");

    // Reported, row by row.
    let rejected: Vec<(u32, &str, &str)> =
        r.rejected.iter().map(|x| (x.row, x.column.as_str(), x.value.as_str())).collect();
    assert_eq!(rejected, [(6, "成交金额", "12,80")], "{:?}", r.rejected);
    assert!(r.rejected[0].reason.contains("ambiguous"), "{}", r.rejected[0].reason);
    let skipped: Vec<u32> = r.skipped.iter().map(|s| s.row).collect();
    assert_eq!(skipped, [5, 8], "{:?}", r.skipped);
    let folded: Vec<(u32, u32)> = r.folded.iter().map(|f| (f.row, f.into_row)).collect();
    assert_eq!(folded, [(3, 2)]);
    let moved: Vec<(u32, &str, &str)> = r.moved.iter().map(|m| (m.row, m.column.as_str(), m.value.as_str())).collect();
    assert!(moved.contains(&(2, "成交金额", "50000")), "{:?}", r.moved);
    assert!(r.not_stored.is_empty(), "nothing else is left out: {:?}", r.not_stored);
    let created: Vec<(u32, &str)> = r.created.iter().map(|c| (c.row, c.name.as_str())).collect();
    assert_eq!(created, [(2, "华东精密机械有限公司"), (4, "南方贸易有限公司"), (7, "西部物流有限公司")]);

    // Stored, cell by cell.
    let number = |row: u32| r.created.iter().find(|c| c.row == row).map(|c| c.number.clone()).expect("created");
    let east = book.customer(&number(2)).expect("show").customer;
    assert_eq!((east.industry.as_str(), east.stage), ("C", Stage::Intent));
    assert!(east.needs.budget.as_deref().is_some_and(|b| b.contains("50")), "{:?}", east.needs);
    assert_eq!(east.contacts.len(), 1, "the same 张伟 is kept once: {:?}", east.contacts);
    let zhang = &east.contacts[0];
    assert_eq!(
        (zhang.name.as_str(), zhang.phone.as_deref(), zhang.email.as_deref()),
        ("张伟", Some("13800138000"), Some("zhangwei@hd.cn"))
    );
    assert_eq!(zhang.other_phones, ["021-12345678"]);
    let calls: Vec<(String, &str)> =
        east.interactions.iter().map(|i| (i.at.date().to_string(), i.summary.as_str())).collect();
    assert_eq!(calls, [("2026-02-03".to_string(), "电话沟通报价")]);

    let south = book.customer(&number(4)).expect("show").customer;
    assert_eq!(south.stage, Stage::Won);
    let deal = south.deal.clone().expect("deal");
    assert_eq!(
        (deal.amount, deal.date.to_string(), deal.contract_no.as_str()),
        (Money::yuan(80_000), "2023-05-01".into(), "待补充")
    );
    assert_eq!(south.to_fill.iter().map(String::as_str).collect::<Vec<_>>(), ["deal.contract_no"]);
    let people: Vec<(&str, Option<&str>)> =
        south.contacts.iter().map(|c| (c.name.as_str(), c.phone.as_deref())).collect();
    assert_eq!(people, [("李四", Some("13900139000")), ("王五", Some("13700137000"))]);

    let west = book.customer(&number(7)).expect("show").customer;
    let zhao: Vec<(&str, Option<&str>)> = west.contacts.iter().map(|c| (c.name.as_str(), c.phone.as_deref())).collect();
    assert_eq!(zhao, [("赵六", Some("400-800-1234"))]);

    // The legacy won customer is the one `list --to-fill` finds.
    let flagged = book.list(&Filter { to_fill: true, ..Default::default() }).expect("list");
    assert_eq!(flagged.iter().map(|f| f.summary.number.clone()).collect::<Vec<_>>(), [number(4)]);
    assert_eq!(book.store.count().expect("count"), 3, "no 合计 customer, no note customer");
}
