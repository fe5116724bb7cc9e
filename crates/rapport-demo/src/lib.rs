//! Deterministic, realistic demo customer books for Rapport.
//!
//! The README quickstart, benchmarks and tests need customer books that look like a real
//! small sales team's data: Chinese and English company names, persons, valid credit codes,
//! phones and e-mails, two years of follow-ups, orders with exact amounts, service records
//! and an agenda of tasks, all consistent with each customer's stage. This crate makes such
//! books from a seed, without any randomness from the system and without the `rand` crate.
//!
//! Customer `i` of a [`DemoBook`] depends only on the book's seed, `i` and the book's
//! `today`, so a book of any size can be generated in parallel, in any order, and the same
//! customer is produced again on every machine.
//!
//! ```
//! use rapport_demo::{DemoBook, DemoProfile};
//! let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("valid date");
//! let book = DemoBook::new(42, today, &["li.na", "wang.wei"]);
//! let c = book.customer(0, &DemoProfile::realistic());
//! assert_eq!(c, book.customer(0, &DemoProfile::realistic()));
//! assert!(c.number.is_empty()); // the store assigns numbers
//! ```

mod gen;
mod rng;
mod tables;

use chrono::NaiveDate;
use rapport_model::Customer;

/// Shape of each generated customer: how many contacts, follow-ups, orders, service records
/// and tasks it gets.
///
/// With `exact` set, every customer gets exactly these counts (the stage is then chosen to
/// fit: customers with orders are won, lost or dormant, customers without orders are never
/// won). Without it the counts are typical values and each customer varies around them
/// according to its stage, size and kind (a fresh potential customer has a follow-up or
/// two and no orders, a large won account has many of both).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoProfile {
    /// Contacts per company customer (persons have one, sometimes two, unless `exact`).
    pub contacts: usize,
    /// Follow-ups (interactions).
    pub interactions: usize,
    /// Orders.
    pub orders: usize,
    /// Service records.
    pub service_records: usize,
    /// Tasks.
    pub tasks: usize,
    /// Use the counts exactly instead of as typical values.
    pub exact: bool,
}

impl DemoProfile {
    /// Varied counts per customer, consistent with each customer's stage: what the
    /// quickstart shows.
    pub fn realistic() -> Self {
        DemoProfile { contacts: 2, interactions: 12, orders: 6, service_records: 2, tasks: 2, exact: false }
    }

    /// Exactly 3 contacts, 10 interactions, 5 orders, 2 service records and 1 task per
    /// customer, for benchmarks that need a fixed amount of data per customer.
    pub fn bench() -> Self {
        DemoProfile { contacts: 3, interactions: 10, orders: 5, service_records: 2, tasks: 1, exact: true }
    }
}

impl Default for DemoProfile {
    /// [`DemoProfile::realistic`].
    fn default() -> Self {
        DemoProfile::realistic()
    }
}

/// A deterministic demo customer book: a seed, the day the book is "as of", and the team
/// members who own and work the customers.
#[derive(Clone, Debug)]
pub struct DemoBook {
    seed: u64,
    today: NaiveDate,
    members: Vec<String>,
}

impl DemoBook {
    /// A book for `seed` as of `today`. Customers are owned by and assigned to `members`
    /// (blank names are skipped; with no member at all, everything belongs to `demo`).
    pub fn new(seed: u64, today: NaiveDate, members: &[&str]) -> Self {
        let mut list: Vec<String> =
            members.iter().map(|m| m.trim()).filter(|m| !m.is_empty()).map(str::to_string).collect();
        if list.is_empty() {
            list.push("demo".to_string());
        }
        DemoBook { seed, today, members: list }
    }

    /// The book's seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The day the book is as of: follow-ups, orders and service records lie before it,
    /// some tasks after it.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// The team members customers are assigned to.
    pub fn members(&self) -> &[String] {
        &self.members
    }

    /// The i-th customer (0-based) of the book: deterministic from (seed, i, today) and the
    /// member list, independent of other indices, so generation can be split across
    /// threads. Its `id` depends only on (seed, i); its `number` is empty (the store
    /// assigns numbers).
    pub fn customer(&self, i: u64, profile: &DemoProfile) -> Customer {
        gen::customer(self, i, profile)
    }

    /// Customers `range.start..range.end`, in index order.
    pub fn customers<'a>(
        &'a self,
        range: std::ops::Range<u64>,
        profile: &'a DemoProfile,
    ) -> impl Iterator<Item = Customer> + 'a {
        range.map(move |i| self.customer(i, profile))
    }
}

/// The GB 32100-2015 check character for the first 17 characters of a unified social
/// credit code, or `None` when `first17` is not 17 characters of the code alphabet.
pub fn credit_check_char(first17: &str) -> Option<char> {
    gen::credit_check_char(first17)
}
