//! The read model's metrics. Names are fixed: dashboards query them.

use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, Opts, Registry};

use super::kind::Kind;

/// Lead times from a few seconds to well past the default 180 s.
const LEAD_BUCKETS: &[f64] = &[
    1.0, 5.0, 15.0, 30.0, 60.0, 90.0, 120.0, 150.0, 180.0, 240.0, 300.0, 600.0,
];

/// How a read was answered from Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Hit,
    Miss,
    Stale,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Hit => "hit",
            Outcome::Miss => "miss",
            Outcome::Stale => "stale",
        }
    }
}

#[derive(Clone)]
pub struct CacheMetrics {
    /// `requests` resolved per kind and outcome: no label lookup per read.
    by_kind: Vec<[IntCounter; 3]>,
    requests: IntCounterVec,
    db_fallback: IntCounterVec,
    single_flight_waits: IntCounterVec,
    lease_waits: IntCounterVec,
    warmups: IntCounter,
    warmup_lead: Histogram,
}

impl CacheMetrics {
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let metrics = Self::unregistered()?;
        registry.register(Box::new(metrics.requests.clone()))?;
        registry.register(Box::new(metrics.db_fallback.clone()))?;
        registry.register(Box::new(metrics.single_flight_waits.clone()))?;
        registry.register(Box::new(metrics.lease_waits.clone()))?;
        registry.register(Box::new(metrics.warmups.clone()))?;
        registry.register(Box::new(metrics.warmup_lead.clone()))?;
        // Every kind shows up from the start, so rates never miss a series.
        for kind in Kind::ALL {
            let kind = kind.label();
            metrics.db_fallback.with_label_values(&[kind]);
            metrics.single_flight_waits.with_label_values(&[kind]);
            metrics.lease_waits.with_label_values(&[kind]);
        }
        Ok(metrics)
    }

    /// Metrics counted but not exported, for tools that only write.
    pub fn unregistered() -> Result<Self, prometheus::Error> {
        let requests = IntCounterVec::new(
            Opts::new(
                "ticketfold_cache_requests_total",
                "Read-model reads by key kind and how Redis answered (hit, miss, stale)",
            ),
            &["kind", "result"],
        )?;
        let by_kind = Kind::ALL
            .iter()
            .map(|kind| {
                [Outcome::Hit, Outcome::Miss, Outcome::Stale]
                    .map(|outcome| requests.with_label_values(&[kind.label(), outcome.label()]))
            })
            .collect();
        Ok(Self {
            by_kind,
            requests,
            db_fallback: IntCounterVec::new(
                Opts::new(
                    "ticketfold_cache_db_fallback_queries_total",
                    "Postgres queries run to answer reads (misses, refreshes, Redis down)",
                ),
                &["kind"],
            )?,
            single_flight_waits: IntCounterVec::new(
                Opts::new(
                    "ticketfold_cache_single_flight_waits_total",
                    "Reads that waited for a load already running in this instance",
                ),
                &["kind"],
            )?,
            lease_waits: IntCounterVec::new(
                Opts::new(
                    "ticketfold_cache_lease_waits_total",
                    "Loads that waited for another instance holding the fill lease",
                ),
                &["kind"],
            )?,
            warmups: IntCounter::new(
                "ticketfold_cache_warmups_total",
                "Schedules loaded into Redis ahead of their booking window",
            )?,
            warmup_lead: Histogram::with_opts(
                HistogramOpts::new(
                    "ticketfold_cache_warmup_lead_seconds",
                    "How long before booking_opens_at each warm-up ran",
                )
                .buckets(LEAD_BUCKETS.to_vec()),
            )?,
        })
    }

    pub fn request(&self, kind: Kind, outcome: Outcome) {
        self.by_kind[kind as usize][outcome as usize].inc();
    }

    pub fn db_fallback(&self, kind: Kind) {
        self.db_fallback.with_label_values(&[kind.label()]).inc();
    }

    pub fn single_flight_wait(&self, kind: Kind) {
        self.single_flight_waits
            .with_label_values(&[kind.label()])
            .inc();
    }

    pub fn lease_wait(&self, kind: Kind) {
        self.lease_waits.with_label_values(&[kind.label()]).inc();
    }

    pub fn warmed(&self, lead_seconds: f64) {
        self.warmups.inc();
        self.warmup_lead.observe(lead_seconds.max(0.0));
    }

    /// For tests and tools: Postgres queries counted for `kind`.
    pub fn db_fallbacks(&self, kind: Kind) -> u64 {
        self.db_fallback.with_label_values(&[kind.label()]).get()
    }
}
