//! Hand-made customers for the tests.
#![allow(dead_code)]

use rapport_model::{CustomerId, Date, IntentLevel, Kind, ServiceKind, Stage};
use rapport_rules::{day_of, DealFact, Facts, InteractionFact, OrderFact, ServiceFact};

/// `YYYY-MM-DD`.
pub fn d(s: &str) -> Date {
    Date::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

/// Builds facts step by step.
pub struct B(pub Facts);

impl B {
    pub fn new(n: u8) -> B {
        B(Facts {
            id: CustomerId([n; 16]),
            number: format!("MFG-2023-{n:03}"),
            name: format!("客户{n}"),
            kind: Kind::Company,
            stage: Stage::Intent,
            industry: "C".into(),
            source: "展会".into(),
            owner: "li".into(),
            created: day_of(d("2023-01-01")),
            priority: false,
            archived: false,
            manual_tags: Vec::new(),
            custom: Vec::new(),
            deal: None,
            orders: Vec::new(),
            interactions: Vec::new(),
            services: Vec::new(),
        })
    }
    pub fn created(mut self, date: &str) -> B {
        self.0.created = day_of(d(date));
        self
    }
    pub fn stage(mut self, s: Stage) -> B {
        self.0.stage = s;
        self
    }
    /// Amount in fen.
    pub fn order(mut self, date: &str, fen: i64, category: &str) -> B {
        self.0.orders.push(OrderFact { day: day_of(d(date)), amount: fen, category: category.into() });
        self
    }
    pub fn orders(mut self, date: &str, n: usize, fen: i64) -> B {
        for _ in 0..n {
            self = self.order(date, fen, "设备");
        }
        self
    }
    pub fn touch(mut self, date: &str) -> B {
        self.0.interactions.push(InteractionFact { day: day_of(d(date)), intent: None });
        self
    }
    pub fn intent(mut self, date: &str, level: IntentLevel) -> B {
        self.0.interactions.push(InteractionFact { day: day_of(d(date)), intent: Some(level) });
        self
    }
    pub fn service(mut self, date: &str, kind: ServiceKind, sat: Option<u16>) -> B {
        self.0.services.push(ServiceFact { day: day_of(d(date)), kind, satisfaction: sat });
        self
    }
    pub fn deal(mut self, date: &str, fen: i64) -> B {
        self.0.deal = Some(DealFact { day: day_of(d(date)), amount: fen });
        self.0.stage = Stage::Won;
        self
    }
    pub fn tag(mut self, t: &str) -> B {
        self.0.manual_tags.push(t.into());
        self
    }
    pub fn source(mut self, s: &str) -> B {
        self.0.source = s.into();
        self
    }
    pub fn custom(mut self, k: &str, v: &str) -> B {
        self.0.custom.push((k.into(), v.into()));
        self
    }
    pub fn build(self) -> Facts {
        self.0
    }
}

/// The as-of date most tests use.
pub const AS_OF: &str = "2024-06-30";
