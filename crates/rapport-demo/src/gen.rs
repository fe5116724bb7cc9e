//! Generation of one demo customer from `(seed, index, today)`.
//!
//! The customer is built top-down: identity (kind, place, industry, name), then the stage,
//! then a timeline consistent with the stage (created, follow-ups, deal, orders, service,
//! tasks), then the contacts, needs and tags. Every random draw comes from one SplitMix64
//! stream seeded by `(seed, index)`, so the result never depends on other customers.
//! Days are handled as offsets from `today` (negative is the past).

use crate::rng::{derive, Rng};
use crate::tables::*;
use crate::{DemoBook, DemoProfile};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};
use rapport_model::{
    Address, Channel, Contact, Customer, CustomerId, Deal, DecisionChain, IntentLevel, Interaction, ItemId, Kind,
    Money, Needs, NextAction, Order, Satisfaction, ServiceKind, ServiceRecord, Stage, Task, TaskDone, SCHEMA_VERSION,
};
use std::collections::{BTreeMap, BTreeSet};

const CREDIT_CHARSET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Stream numbers, so the id and the content never share random bits.
const STREAM_ID: u64 = 0x1D;
const STREAM_BODY: u64 = 0xB0D7;

/// GB 32100-2015 check character.
pub(crate) fn credit_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (i, b) in first17.bytes().enumerate() {
        let v = CREDIT_CHARSET.iter().position(|c| *c == b)? as u32;
        sum += CREDIT_WEIGHTS[i] * v;
    }
    Some(CREDIT_CHARSET[((31 - sum % 31) % 31) as usize] as char)
}

/// The customer id for `(seed, i)`: 16 bytes from two derived SplitMix64 words.
fn customer_id(seed: u64, i: u64) -> CustomerId {
    let a = derive(seed, i, STREAM_ID);
    let b = derive(seed, i, STREAM_ID + 1);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    CustomerId(bytes)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A person's name and its romanisations.
struct Name {
    /// As written (王伟, Emily Carter, Kevin Zhang).
    full: String,
    /// Given name, lower-case ASCII (wei, emily, kevin).
    given: String,
    /// Family name, lower-case ASCII (wang, carter, zhang).
    family: &'static str,
    /// A Chinese name (pinyin romanisation), rather than a Western one.
    chinese: bool,
    /// Has a Western given name (Emily Carter, Kevin Zhang).
    western_given: bool,
}

/// Generation state for one customer.
struct Gen<'a> {
    r: Rng,
    today: NaiveDate,
    members: &'a [String],
    owner: &'a str,
    /// Probability that a free text is written in Chinese.
    zh_p: f64,
}

impl<'a> Gen<'a> {
    /// The date `off` days from today (saturating at today on calendar overflow).
    fn day(&self, off: i64) -> NaiveDate {
        self.today.checked_add_signed(TimeDelta::days(off)).unwrap_or(self.today)
    }

    /// Moves a day offset off the weekend, staying within `lo..=hi` when possible.
    fn workday(&self, off: i64, lo: i64, hi: i64) -> i64 {
        let candidates: [i64; 2] = match self.day(off).weekday() {
            Weekday::Sat => [-1, 2],
            Weekday::Sun => [1, -2],
            _ => return off,
        };
        candidates.iter().map(|d| off + d).find(|o| (lo..=hi).contains(o)).unwrap_or(off)
    }

    /// A time during working hours on the given day.
    fn at(&mut self, off: i64) -> NaiveDateTime {
        const HOURS: [i64; 8] = [9, 10, 10, 11, 14, 15, 16, 17];
        let h = HOURS[self.r.index(HOURS.len())];
        let m = self.r.range(0, 59);
        let t = NaiveTime::from_num_seconds_from_midnight_opt((h * 3600 + m * 60) as u32, 0).unwrap_or(NaiveTime::MIN);
        self.day(off).and_time(t)
    }

    /// Chinese or English, by the customer's language mix.
    fn zh(&mut self) -> bool {
        self.r.chance(self.zh_p)
    }

    /// One side of a `(zh, en)` pair.
    fn text(&mut self, pairs: &[(&'static str, &'static str)]) -> &'static str {
        let (zh, en) = *self.r.pick(pairs);
        if self.zh() {
            zh
        } else {
            en
        }
    }

    /// A template from `pairs` with `{p}` (category) and `{q}` (quarter) filled in.
    fn fill(&mut self, pairs: &[(&'static str, &'static str)], cat: &Category, date: NaiveDate) -> String {
        let (zh, en) = *self.r.pick(pairs);
        self.render(zh, en, cat, date)
    }

    /// One language of a template, with `{p}` and `{q}` (the coming quarter) filled in.
    fn render(&mut self, zh: &str, en: &str, cat: &Category, date: NaiveDate) -> String {
        let is_zh = self.zh();
        let t = if is_zh { zh } else { en };
        if !t.contains('{') {
            return t.to_string();
        }
        let q = ((date.month0() / 3 + 1) % 4) as usize;
        let (p, q) = if is_zh {
            (cat.zh, ["一季度", "二季度", "三季度", "四季度"][q])
        } else {
            (cat.en, ["Q1", "Q2", "Q3", "Q4"][q])
        };
        let mut out = String::with_capacity(t.len() + p.len() + q.len());
        let mut rest = t;
        while let Some(pos) = rest.find('{') {
            out.push_str(&rest[..pos]);
            let tail = &rest[pos..];
            if let Some(after) = tail.strip_prefix("{p}") {
                out.push_str(p);
                rest = after;
            } else if let Some(after) = tail.strip_prefix("{q}") {
                out.push_str(q);
                rest = after;
            } else {
                out.push('{');
                rest = &tail[1..];
            }
        }
        out.push_str(rest);
        out
    }

    /// A fresh 16-hex-digit item id.
    fn item_id(&mut self) -> ItemId {
        let v = self.r.next_u64();
        let mut s = String::with_capacity(16);
        for k in (0..16).rev() {
            s.push(HEX[((v >> (k * 4)) & 15) as usize] as char);
        }
        ItemId(s)
    }

    /// The owner most of the time, sometimes a colleague.
    fn member(&mut self) -> String {
        if self.members.len() > 1 && self.r.chance(0.18) {
            self.r.pick(self.members).clone()
        } else {
            self.owner.to_string()
        }
    }

    /// `n` random digits.
    fn digits(&mut self, s: &mut String, n: usize) {
        for _ in 0..n {
            s.push((b'0' + self.r.below(10) as u8) as char);
        }
    }

    /// `n` sorted day offsets in `lo..=hi`, moved off weekends.
    fn days(&mut self, n: usize, lo: i64, hi: i64) -> Vec<i64> {
        let mut v: Vec<i64> = (0..n)
            .map(|_| {
                let d = self.r.range(lo, hi);
                self.workday(d, lo, hi)
            })
            .collect();
        v.sort_unstable();
        v
    }

    fn chinese_name(&mut self) -> Name {
        let (s, spy) = *self.r.pick(SURNAMES);
        let (g1, g1py) = *self.r.pick(GIVEN);
        let mut full = String::with_capacity(9);
        full.push_str(s);
        full.push_str(g1);
        let mut given = g1py.to_string();
        if self.r.chance(0.7) {
            let (g2, g2py) = *self.r.pick(GIVEN);
            full.push_str(g2);
            given.push_str(g2py);
        }
        Name { full, given, family: spy, chinese: true, western_given: false }
    }

    fn western_name(&mut self) -> Name {
        let first = *self.r.pick(EN_FIRST);
        let last = *self.r.pick(EN_LAST);
        Name {
            full: format!("{first} {last}"),
            given: first.to_ascii_lowercase(),
            family: last,
            chinese: false,
            western_given: true,
        }
    }

    /// A Chinese staff member using an English given name: "Kevin Zhang".
    fn mixed_name(&mut self) -> Name {
        let first = *self.r.pick(EN_FIRST);
        let (_, spy) = *self.r.pick(SURNAMES);
        let full = format!("{first} {}", capitalize(spy));
        Name { full, given: first.to_ascii_lowercase(), family: spy, chinese: true, western_given: true }
    }

    fn mobile(&mut self) -> String {
        let mut s = String::with_capacity(11);
        let prefix: &&str = self.r.pick(MOBILE_PREFIXES);
        s.push_str(prefix);
        self.digits(&mut s, 8);
        s
    }

    fn phone(&mut self, name: &Name, city: &City) -> String {
        if !name.chinese && self.r.chance(0.5) {
            let (prefix, rest) = *self.r.pick(&[("+1415", 7), ("+44207", 7), ("+659", 7), ("+8529", 7), ("+49151", 8)]);
            let mut s = prefix.to_string();
            self.digits(&mut s, rest);
            return s;
        }
        if self.r.chance(0.07) {
            let mut s = String::with_capacity(13);
            s.push_str(city.area_code);
            s.push('-');
            s.push((b'2' + self.r.below(7) as u8) as char);
            self.digits(&mut s, 7);
            return s;
        }
        self.mobile()
    }

    fn email_local(&mut self, name: &Name) -> String {
        let family = name.family.to_ascii_lowercase();
        match self.r.below(4) {
            0 => format!("{}.{}", name.given, family),
            1 if name.chinese && !name.western_given => format!("{family}{}", name.given),
            1 => format!("{}{family}", &name.given[..1]),
            2 if !name.western_given => format!("{family}.{}", name.given),
            _ => name.given.clone(),
        }
    }

    fn wechat(&mut self, name: &Name, phone: Option<&str>) -> String {
        match (self.r.below(10), phone) {
            (0..=3, _) => {
                let mut s = String::from("wxid_");
                for _ in 0..14 {
                    let v = self.r.below(36) as u8;
                    s.push(if v < 10 { (b'0' + v) as char } else { (b'a' + v - 10) as char });
                }
                s
            }
            (4..=5, Some(p)) if p.len() == 11 && !p.starts_with('+') => p.to_string(),
            _ => {
                let mut s = format!("{}{}_", name.family.to_ascii_lowercase(), name.given);
                let n = self.r.range(2, 4) as usize;
                self.digits(&mut s, n);
                s
            }
        }
    }

    fn credit_code(&mut self, region: &str) -> String {
        let mut s = String::with_capacity(18);
        s.push_str("91");
        s.push_str(region);
        if self.r.chance(0.6) {
            // Codes issued since 2015: organisation part starting with MA.
            s.push_str("MA");
            for _ in 0..7 {
                let c = if self.r.chance(0.6) { self.r.below(10) as usize } else { self.r.index(CREDIT_CHARSET.len()) };
                s.push(CREDIT_CHARSET[c] as char);
            }
        } else {
            // Older codes embed the 9-character organisation code (8 digits + check).
            self.digits(&mut s, 8);
            let c = if self.r.chance(0.1) { 'X' } else { (b'0' + self.r.below(10) as u8) as char };
            s.push(c);
        }
        if let Some(c) = credit_check_char(&s) {
            s.push(c);
        }
        s
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn pick_city(r: &mut Rng) -> &'static City {
    let total: u64 = CITIES.iter().map(|c| u64::from(c.weight)).sum();
    let mut x = r.below(total);
    for c in CITIES {
        if x < u64::from(c.weight) {
            return c;
        }
        x -= u64::from(c.weight);
    }
    &CITIES[0]
}

/// Count for a customer: exact, or varied around `mean * mult`, at least `min`.
fn count(r: &mut Rng, profile: &DemoProfile, mean: usize, mult: f64, min: usize) -> usize {
    if profile.exact {
        return mean;
    }
    if mean == 0 || mult <= 0.0 {
        return 0;
    }
    let x = mean as f64 * mult * (0.3 + 1.4 * r.unit());
    (x.round() as usize).max(min)
}

/// Decision-chain role of a contact.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    Purchase,
    Evaluate,
    Approve,
    Other,
}

/// Phase of a follow-up in the customer's history.
#[derive(Clone, Copy, PartialEq)]
enum Phase {
    Early,
    Middle,
    Account,
    Losing,
}

pub(crate) fn customer(book: &DemoBook, i: u64, profile: &DemoProfile) -> Customer {
    let mut r = Rng::new(book.seed, i, STREAM_BODY);
    let owner: &str = &book.members[r.index(book.members.len())];

    // Identity.
    let kind = if r.chance(0.10) { Kind::Person } else { Kind::Company };
    let person = kind == Kind::Person;
    let city = pick_city(&mut r);
    let (district, region) = *r.pick(city.districts);
    let industries: &'static [(u32, &'static str)] = if person { PERSON_INDUSTRIES } else { COMPANY_INDUSTRIES };
    let &industry = r.weighted(industries);
    let english = !person && r.chance(0.2);
    // Most texts of a customer are in one language; foreign companies are handled in
    // English or Chinese depending on the account team.
    let zh_p = if person {
        0.98
    } else if !english {
        0.95
    } else if r.chance(0.5) {
        0.1
    } else {
        0.85
    };
    let mut g = Gen { r, today: book.today, members: &book.members, owner, zh_p };

    let size_idx = if person {
        0
    } else {
        const W: [(u32, usize); 6] = [(18, 0), (32, 1), (28, 2), (12, 3), (7, 4), (3, 5)];
        *g.r.weighted(&W)
    };

    let (name, domain, person_name) = if person {
        let n = g.chinese_name();
        (n.full.clone(), String::new(), Some(n))
    } else if english {
        let brand = *g.r.pick(EN_BRAND);
        let noun = *g.r.pick(en_industry_words(industry));
        let name = match g.r.below(20) {
            0..=10 => format!("{brand} {noun} Co., Ltd."),
            11..=16 => format!("{brand} {noun} ({}) Co., Ltd.", capitalize(city.pinyin)),
            _ => format!("{brand} {noun} Ltd."),
        };
        let mut domain: String = brand.chars().filter(char::is_ascii_alphanumeric).collect();
        domain.extend(noun.split(' ').next().unwrap_or("").chars().filter(char::is_ascii_alphanumeric));
        domain.make_ascii_lowercase();
        domain.push_str(if g.r.chance(0.7) { ".com" } else { ".com.cn" });
        (name, domain, None)
    } else {
        let (a, apy) = *g.r.pick(TRADE_A);
        let (mut b, mut bpy) = *g.r.pick(TRADE_B);
        if a == b {
            (b, bpy) = ("达", "da");
        }
        let word = *g.r.pick(zh_industry_words(industry));
        let form = if size_idx >= 2 && g.r.chance(0.25) { "股份有限公司" } else { "有限公司" };
        let name = format!("{}{a}{b}{word}{form}", city.short);
        let domain = match g.r.below(10) {
            0..=4 => format!("{apy}{bpy}.com"),
            5..=6 => format!("{apy}{bpy}.com.cn"),
            7..=8 => format!("{apy}{bpy}-{}.com", city.pinyin),
            _ => format!("{apy}{bpy}group.com"),
        };
        (name, domain, None)
    };

    let size = (!person && g.r.chance(0.9)).then(|| SIZE_BANDS[size_idx].0.to_string());
    let revenue_band = (!person && g.r.chance(0.7)).then(|| {
        let k = (size_idx as i64 + g.r.range(-1, 1)).clamp(0, REVENUE_BANDS.len() as i64 - 1);
        REVENUE_BANDS[k as usize].to_string()
    });
    let credit_code = (!person && g.r.chance(0.7)).then(|| g.credit_code(region));
    let source = *g.r.weighted(SOURCES);
    let street = if person {
        g.r.chance(0.6).then(|| {
            format!(
                "{}{}号{}{}栋{}单元{}{:02}室",
                g.r.pick(ROADS),
                g.r.range(1, 999),
                g.r.pick(COMPOUNDS),
                g.r.range(1, 30),
                g.r.range(1, 4),
                g.r.range(1, 32),
                g.r.range(1, 4)
            )
        })
    } else {
        g.r.chance(0.9).then(|| {
            if g.r.chance(0.5) {
                format!(
                    "{}{}号{}{}号楼{}{:02}室",
                    g.r.pick(ROADS),
                    g.r.range(1, 1999),
                    g.r.pick(BUILDINGS),
                    g.r.range(1, 12),
                    g.r.range(2, 28),
                    g.r.range(1, 20)
                )
            } else {
                format!("{}{}号", g.r.pick(ROADS), g.r.range(1, 2999))
            }
        })
    };
    let address = Address {
        province: Some(city.province.to_string()),
        city: Some(city.city.to_string()),
        district: Some(district.to_string()),
        street,
    };

    // Stage, fitted to the counts when they are exact.
    let stage = if profile.exact {
        if profile.orders > 0 {
            *g.r.weighted(&[(75, Stage::Won), (15, Stage::Lost), (10, Stage::Dormant)])
        } else {
            *g.r.weighted(&[(25, Stage::Potential), (35, Stage::Intent), (20, Stage::Lost), (20, Stage::Dormant)])
        }
    } else {
        *g.r.weighted(&[
            (18, Stage::Potential),
            (22, Stage::Intent),
            (38, Stage::Won),
            (12, Stage::Lost),
            (10, Stage::Dormant),
        ])
    };

    // Counts.
    let size_mult = [0.7, 0.85, 1.0, 1.25, 1.5, 1.8][size_idx];
    let p = profile;
    let n_contacts = if p.exact {
        p.contacts
    } else if person {
        if g.r.chance(0.15) {
            2
        } else {
            1
        }
    } else {
        count(&mut g.r, p, p.contacts, 1.0, 1).min(6)
    };
    let n_int = match stage {
        Stage::Potential => count(&mut g.r, p, p.interactions, 0.2, 1),
        Stage::Intent => count(&mut g.r, p, p.interactions, 0.7, 2),
        Stage::Won => count(&mut g.r, p, p.interactions, 1.3 * size_mult, 3),
        Stage::Lost => count(&mut g.r, p, p.interactions, 0.6, 2),
        Stage::Dormant => count(&mut g.r, p, p.interactions, 0.3, 1),
    };
    let orders_mult = if person { 0.5 } else { size_mult };
    let n_orders = match stage {
        Stage::Won => count(&mut g.r, p, p.orders, orders_mult, 1),
        Stage::Lost if p.exact || g.r.chance(0.5) => count(&mut g.r, p, p.orders, 0.4, 1),
        Stage::Dormant if p.exact => p.orders,
        _ => 0,
    };
    let n_svc = match stage {
        _ if p.exact => p.service_records,
        Stage::Won if n_orders > 0 => count(&mut g.r, p, p.service_records, 0.9, 0),
        Stage::Lost if n_orders > 0 => count(&mut g.r, p, p.service_records, 0.8, 0),
        _ => 0,
    };
    let n_tasks = match stage {
        Stage::Potential => count(&mut g.r, p, p.tasks, 0.6, 1),
        Stage::Intent => count(&mut g.r, p, p.tasks, 1.0, 1),
        Stage::Won => count(&mut g.r, p, p.tasks, 0.8, 0),
        Stage::Lost => count(&mut g.r, p, p.tasks, 0.3, 0),
        Stage::Dormant => count(&mut g.r, p, p.tasks, 0.4, 0),
    };

    // Timeline, as day offsets from today.
    let end: i64 = match stage {
        Stage::Lost => {
            let e = -g.r.range(20, 300);
            g.workday(e, e - 3, e)
        }
        Stage::Dormant => -g.r.range(185, 330),
        _ => -1,
    };
    // A lost customer's last follow-up (the loss) is on `end`; everything else before it.
    let act_end = if stage == Stage::Lost { end - 1 } else { end };
    let (lo, hi) = match stage {
        Stage::Potential => (10, 150),
        Stage::Intent => (40, 420),
        Stage::Won => (120, 725),
        Stage::Lost => (-end + 60, 725),
        Stage::Dormant => (-end + 30, 725),
    };
    let min_span = ((n_int as i64) * 6 + (n_orders as i64) * 10).clamp(10, 500);
    let created = (-g.r.range(lo, hi)).min((end - min_span).max(-728));
    let created_day = g.workday(created, created - 3, created);
    let created_at = g.at(created_day);
    let first = created + 1;

    // Catalogue: one to three categories this customer buys.
    let cats = if person { person_catalog(industry) } else { catalog(industry) };
    let fav: Vec<&'static Category> = {
        let k = g.r.range(1, 3.min(cats.len() as i64)) as usize;
        let start = g.r.index(cats.len());
        (0..k).map(|j| &cats[(start + j) % cats.len()]).collect()
    };

    // Orders and the deal.
    let mut orders = Vec::with_capacity(n_orders);
    let deal_off =
        if n_orders > 0 { first + ((act_end - first) as f64 * (0.25 + 0.25 * g.r.unit())) as i64 } else { act_end };
    if n_orders > 0 {
        let base = if person { 1_800.0 } else { SIZE_BANDS[size_idx].1 } * (0.6 * g.r.normal()).exp();
        let mut offs = vec![deal_off];
        offs.extend(g.days(n_orders - 1, (deal_off + 1).min(act_end), act_end));
        for off in offs {
            let cat = if g.r.chance(0.6) { fav[0] } else { *g.r.pick(&fav) };
            let target = base * (0.4 + 1.2 * g.r.unit());
            let qty = g.r.range(cat.qty.0, cat.qty.1).max(1);
            let raw_unit = (target * 100.0 / qty as f64).max(50.0) as i64;
            let unit = if raw_unit >= 100_000 { raw_unit / 100 * 100 } else { (raw_unit / 10 * 10).max(50) };
            orders.push(Order {
                id: g.item_id(),
                date: g.day(off),
                amount: Money(unit * qty),
                category: cat.zh.to_string(),
                product: g.r.chance(0.9).then(|| g.r.pick(cat.products).to_string()),
            });
        }
    }
    let deal = orders.first().map(|o| Deal {
        amount: o.amount,
        date: o.date,
        contract_no: format!("HT-{}-{:04}", o.date.year(), g.r.range(1, 2999)),
    });

    let lost_reason = (stage == Stage::Lost).then(|| *g.r.pick(LOST_REASONS));

    // Follow-ups: the first one depends on the source; won customers have some before
    // the deal and the rest after it.
    let n_rest = if stage == Stage::Lost { n_int.saturating_sub(1) } else { n_int };
    let (pre, post) = if n_orders > 0 {
        let pre = if n_rest == 0 { 0 } else { ((n_rest as f64 * 0.4).round() as usize).clamp(1, n_rest) };
        (g.days(pre, first, deal_off.max(first)), g.days(n_rest - pre, deal_off.max(first), act_end))
    } else {
        (g.days(n_rest, first, act_end), Vec::new())
    };
    let n_pre = pre.len();
    let mut ats: Vec<NaiveDateTime> = pre.into_iter().chain(post).map(|d| g.at(d)).collect();
    ats.sort_unstable();
    if n_rest < n_int {
        ats.push(g.at(end));
    }
    let mut interactions = Vec::with_capacity(n_int);
    for (k, at) in ats.into_iter().enumerate() {
        let last = k + 1 == n_int;
        let phase = if stage == Stage::Lost && last {
            Phase::Losing
        } else if n_orders > 0 && k >= n_pre {
            Phase::Account
        } else if stage == Stage::Potential || k * 5 < n_pre.max(1) * 2 {
            Phase::Early
        } else {
            Phase::Middle
        };
        let cat = *g.r.pick(&fav);
        let tpl: Tpl = match phase {
            _ if k == 0 && phase != Phase::Losing => {
                FIRST.iter().find(|(src, _)| *src == source).map(|(_, t)| *t).unwrap_or(EARLY[0])
            }
            Phase::Early | Phase::Middle if person => *g.r.pick(PERSON_SALES),
            Phase::Account if person => *g.r.pick(PERSON_ACCOUNT),
            Phase::Early => *g.r.pick(EARLY),
            Phase::Middle => *g.r.pick(MIDDLE),
            Phase::Account => *g.r.pick(ACCOUNT),
            Phase::Losing => match lost_reason {
                Some((zh, en)) if g.r.chance(0.5) => {
                    let z: &'static str = match zh {
                        "竞品价格更低" => "客户反馈竞品价格更低，已转向竞争对手",
                        "需求变更" => "客户需求变更，项目不再需要我们的方案",
                        "预算取消" => "客户通知预算取消，合作暂停",
                        "项目延期" => "项目无限期延期，客户暂停合作",
                        "交期无法满足" => "我方交期无法满足，客户转单",
                        _ => "客户经营困难，暂停采购",
                    };
                    let e: &'static str = match en {
                        "Competitor offered a lower price" => "Customer switched to a cheaper competitor",
                        "Requirements changed" => "Customer's requirements changed, our offer no longer fits",
                        "Budget cancelled" => "Customer cancelled the budget",
                        "Project postponed" => "Project postponed indefinitely",
                        "We could not meet the delivery date" => {
                            "We could not meet their delivery date; they moved the order"
                        }
                        _ => "Customer in financial difficulty, purchasing stopped",
                    };
                    (z, e, Some(Channel::Phone))
                }
                _ => *g.r.pick(LOSING),
            },
        };
        let channel = match tpl.2 {
            Some(c) => c,
            None => *g.r.weighted(&[
                (40, Channel::Phone),
                (30, Channel::Wechat),
                (18, Channel::Email),
                (12, Channel::Meeting),
            ]),
        };
        let summary = g.render(tpl.0, tpl.1, cat, at.date());
        let feedback = match phase {
            Phase::Losing => None,
            _ if person => g.r.chance(0.4).then(|| g.text(FEEDBACK_PERSON).to_string()),
            Phase::Account => g.r.chance(0.4).then(|| g.text(FEEDBACK_ACCOUNT).to_string()),
            _ => g.r.chance(0.5).then(|| g.text(FEEDBACK_SALES).to_string()),
        };
        let intent = match (stage, phase) {
            (_, Phase::Losing) => Some(IntentLevel::Low),
            (Stage::Potential, _) | (Stage::Dormant, _) => {
                *g.r.pick(&[Some(IntentLevel::Low), Some(IntentLevel::Low), Some(IntentLevel::Medium), None])
            }
            (_, Phase::Early) => {
                *g.r.pick(&[Some(IntentLevel::Low), Some(IntentLevel::Medium), Some(IntentLevel::Medium), None])
            }
            (Stage::Lost, _) => *g.r.pick(&[Some(IntentLevel::Medium), Some(IntentLevel::Low), None]),
            (_, Phase::Middle) => {
                *g.r.pick(&[Some(IntentLevel::High), Some(IntentLevel::High), Some(IntentLevel::Medium), None])
            }
            (_, Phase::Account) => *g.r.pick(&[Some(IntentLevel::High), Some(IntentLevel::Medium), None, None]),
        };
        let p_next = match (stage, phase) {
            (_, Phase::Losing) => 0.0,
            (Stage::Dormant, _) => 0.3,
            (Stage::Potential | Stage::Intent | Stage::Won, _) if last => 0.9,
            _ => 0.55,
        };
        let next_list = match phase {
            Phase::Early | Phase::Middle if person => NEXT_PERSON,
            Phase::Account if person => NEXT_PERSON_ACCOUNT,
            Phase::Early | Phase::Losing => NEXT_SALES,
            Phase::Middle => NEXT_CLOSE,
            Phase::Account => NEXT_ACCOUNT,
        };
        let next_action = g.r.chance(p_next).then(|| NextAction {
            what: g.text(next_list).to_string(),
            due: at.date().checked_add_signed(TimeDelta::days(g.r.range(2, 14))).unwrap_or(at.date()),
            assignee: g.member(),
        });
        interactions.push(Interaction {
            id: g.item_id(),
            at,
            channel,
            summary,
            feedback,
            intent,
            author: g.member(),
            next_action,
        });
    }
    interactions.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));

    // Service records, after the first order when there is one.
    let svc_from = if n_orders > 0 { deal_off.max(first) } else { first };
    let mut service_records = Vec::with_capacity(n_svc);
    let mut svc_ats: Vec<NaiveDateTime> = g.days(n_svc, svc_from, act_end).into_iter().map(|d| g.at(d)).collect();
    svc_ats.sort_unstable();
    for at in svc_ats {
        let w: &[(u32, ServiceKind)] = if stage == Stage::Lost {
            &[(30, ServiceKind::Question), (30, ServiceKind::Fault), (40, ServiceKind::Complaint)]
        } else {
            &[(55, ServiceKind::Question), (30, ServiceKind::Fault), (15, ServiceKind::Complaint)]
        };
        let kind = *g.r.weighted(w);
        let (texts, results, sats) = match kind {
            ServiceKind::Question => (SVC_QUESTION, RESULT_QUESTION, SAT_QUESTION),
            ServiceKind::Fault => (SVC_FAULT, RESULT_FAULT, SAT_FAULT),
            ServiceKind::Complaint => (SVC_COMPLAINT, RESULT_COMPLAINT, SAT_COMPLAINT),
        };
        let cat = *g.r.pick(&fav);
        let summary = g.fill(texts, cat, at.date());
        let result = g.r.chance(0.9).then(|| g.text(results).to_string());
        let satisfaction = if g.r.chance(0.85) { Satisfaction::from_hundredths(*g.r.pick(sats)).ok() } else { None };
        service_records.push(ServiceRecord { id: g.item_id(), at, kind, summary, result, satisfaction });
    }
    service_records.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));

    // Tasks: done, overdue, due within a week, or later.
    let mut tasks = Vec::with_capacity(n_tasks);
    let past = (-created - 1).max(1);
    let task_list = match stage {
        Stage::Won if person => TASKS_PERSON_ACCOUNT,
        Stage::Potential | Stage::Intent if person => TASKS_PERSON_SALES,
        Stage::Won => TASKS_ACCOUNT,
        Stage::Lost => TASKS_LOST,
        Stage::Dormant => TASKS_DORMANT,
        Stage::Potential | Stage::Intent => TASKS_SALES,
    };
    let task_start = g.r.index(task_list.len());
    for t in 0..n_tasks {
        let w: &[(u32, u8)] = if matches!(stage, Stage::Lost | Stage::Dormant) {
            &[(50, 0), (30, 1), (15, 2), (5, 3)]
        } else {
            &[(35, 0), (20, 1), (30, 2), (15, 3)]
        };
        let state = *g.r.weighted(w);
        let due_off = match state {
            0 => -g.r.range(1, past.min(60)),
            1 => -g.r.range(1, past.min(20)),
            2 => g.r.range(0, 7),
            _ => g.r.range(8, 30),
        };
        let done = if state == 0 {
            let done_off = (due_off - g.r.range(0, 3)).max(first).min(-1);
            Some(TaskDone { at: g.at(done_off), result: g.r.chance(0.7).then(|| g.text(TASK_RESULTS).to_string()) })
        } else {
            None
        };
        let cat = *g.r.pick(&fav);
        let due = g.day(due_off);
        let (zh, en) = task_list[(task_start + t) % task_list.len()];
        let what = g.render(zh, en, cat, due);
        tasks.push(Task { id: g.item_id(), what, assignee: g.member(), due, done });
    }
    tasks.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.id.cmp(&b.id)));

    // Contacts.
    let pos_zh = !english || g.r.chance(0.3);
    let role_start = g.r.index(3);
    let mut contacts = Vec::with_capacity(n_contacts);
    let mut chain = DecisionChain::default();
    for k in 0..n_contacts {
        let cname = match (&person_name, k) {
            (Some(n), 0) => Name {
                full: n.full.clone(),
                given: n.given.clone(),
                family: n.family,
                chinese: true,
                western_given: false,
            },
            _ if person => g.chinese_name(),
            _ if english => match g.r.below(20) {
                0..=8 => g.chinese_name(),
                9..=13 => g.mixed_name(),
                _ => g.western_name(),
            },
            _ => {
                if g.r.chance(0.88) {
                    g.chinese_name()
                } else {
                    g.mixed_name()
                }
            }
        };
        let role = if person {
            Role::Other
        } else if k < 3 {
            [Role::Purchase, Role::Evaluate, Role::Approve][(role_start + k) % 3]
        } else {
            Role::Other
        };
        let position = if person {
            None
        } else {
            let list = match role {
                Role::Purchase => POS_PURCHASE,
                Role::Evaluate => POS_EVALUATE,
                Role::Approve => POS_APPROVE,
                Role::Other => POS_OTHER,
            };
            let (zh, en) = *g.r.pick(list);
            g.r.chance(0.97).then(|| if pos_zh { zh } else { en }.to_string())
        };
        let slot = match role {
            Role::Purchase => Some(&mut chain.purchaser),
            Role::Evaluate => Some(&mut chain.evaluator),
            Role::Approve => Some(&mut chain.approver),
            Role::Other => None,
        };
        if let Some(slot) = slot {
            if slot.is_none() {
                *slot = Some(cname.full.clone());
            }
        }
        let phone = g.r.chance(0.95).then(|| g.phone(&cname, city));
        let email = if person {
            g.r.chance(0.4).then(|| {
                let d = *g.r.pick(MAIL_DOMAINS);
                if d == "qq.com" {
                    let mut s = String::new();
                    s.push((b'1' + g.r.below(9) as u8) as char);
                    let n = g.r.range(5, 9) as usize;
                    g.digits(&mut s, n);
                    format!("{s}@{d}")
                } else {
                    let mut s = format!("{}{}", cname.family, cname.given);
                    let n = g.r.range(2, 4) as usize;
                    g.digits(&mut s, n);
                    format!("{s}@{d}")
                }
            })
        } else {
            g.r.chance(0.85).then(|| format!("{}@{domain}", g.email_local(&cname)))
        };
        let wechat = g.r.chance(if cname.chinese { 0.75 } else { 0.3 }).then(|| g.wechat(&cname, phone.as_deref()));
        contacts.push(Contact {
            id: g.item_id(),
            name: cname.full,
            position,
            phone,
            email,
            wechat,
            primary: k == 0,
            other_phones: Vec::new(),
        });
    }

    // Needs.
    let open = matches!(stage, Stage::Potential | Stage::Intent);
    let needs = Needs {
        pain_points: (!person && g.r.chance(0.7)).then(|| g.text(pain_points(industry)).to_string()),
        timeline: g.r.chance(if open { 0.8 } else { 0.4 }).then(|| g.text(TIMELINES).to_string()),
        budget: g.r.chance(if person { 0.3 } else { 0.6 }).then(|| {
            let k = (size_idx as i64 - g.r.range(0, 1)).clamp(0, BUDGETS.len() as i64 - 1);
            BUDGETS[k as usize].to_string()
        }),
        decision_chain: if g.r.chance(0.75) { chain } else { DecisionChain::default() },
    };

    let lost_reason = lost_reason.map(|(zh, en)| if g.zh() { zh } else { en }.to_string());
    let notes =
        if g.r.chance(0.5) { g.text(if person { NOTES_PERSON } else { NOTES }).to_string() } else { String::new() };

    // Tags, custom fields, priority.
    let year_ago = g.day(-365);
    let last_12m: i64 = orders.iter().filter(|o| o.date > year_ago).map(|o| o.amount.fen()).sum();
    let mut manual_tags = BTreeSet::new();
    let mut priority = g.r.chance(0.05);
    if last_12m > 50_000_000 && g.r.chance(0.5) {
        manual_tags.insert("VIP".to_string());
        priority = true;
    }
    if source == "trade_show" && g.r.chance(0.4) {
        manual_tags.insert(format!("展会{}", created_at.year()));
    }
    if stage == Stage::Won && !person && g.r.chance(0.08) {
        manual_tags.insert("key account".to_string());
    }
    if stage == Stage::Intent && g.r.chance(0.12) {
        manual_tags.insert("重点跟进".to_string());
    }
    let mut custom = BTreeMap::new();
    if industry == "F" && !person && g.r.chance(0.45) {
        custom
            .insert("average_basket".to_string(), Money(g.r.range(30, 600) * 100 + g.r.range(0, 9) * 10).to_decimal());
    }
    if industry == "P" && g.r.chance(0.55) {
        custom.insert("learner_age_band".to_string(), g.r.pick(AGE_BANDS).to_string());
    }

    Customer {
        id: customer_id(book.seed, i),
        number: String::new(),
        schema: SCHEMA_VERSION,
        kind,
        name,
        credit_code,
        industry: industry.to_string(),
        size,
        revenue_band,
        address,
        source: source.to_string(),
        stage,
        deal,
        lost_reason,
        owner: owner.to_string(),
        entered_by: owner.to_string(),
        created_at,
        needs,
        notes,
        priority,
        archived: false,
        manual_tags,
        custom,
        contacts,
        interactions,
        service_records,
        orders,
        tasks,
        merged_into: None,
        absorbed: Vec::new(),
        to_fill: Default::default(),
    }
}
