//! The projector's speed on one hot schedule (one partition), measured, not
//! asserted: `cargo bench -p projector --bench hot_schedule`.
//!
//! Against the test broker, Postgres and Redis (TEST_KAFKA_BROKERS,
//! TEST_DATABASE_URL, TEST_REDIS_URL, as for the tests), in an isolated
//! database and topic prefix:
//!
//! 1. throughput: BENCH_HOLDS (20,000) hold requests from distinct users on
//!    random seats of one schedule are appended while the projector is
//!    stopped; then it starts and the time from its first to its last
//!    decision gives hold decisions per second (batched folds);
//! 2. latency: BENCH_RATE (200) holds per second for BENCH_SECONDS (10),
//!    each timed from just before its append to its decision arriving on
//!    the decisions channel;
//! 3. replay: `projector replay` of the whole log into a fresh schema.
//!
//! KAFKA_FETCH_WAIT_MS, if set, is the projector's fetch wait (default 5).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use futures::future::join_all;
use futures::StreamExt;
use infra::decision::{channel, Decision};
use infra::kafka::{Appender, Topics};
use infra::redis::KeySpace;
use infra::testing::TestEnvironment;
use projector::startup::Application;
use schemas::{v1, v2, Envelope, EventMeta, LogEvent};
use sqlx::PgPool;
use uuid::Uuid;

const SEATS: i64 = 2_000;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn envelope(event: &LogEvent) -> Envelope {
    let id = Uuid::now_v7();
    Envelope::wrap(
        event,
        EventMeta {
            event_id: id,
            occurred_at: Utc::now(),
            correlation_id: id,
            causation_id: None,
        },
    )
}

fn hold(schedule_id: Uuid, seat: i64) -> Envelope {
    let at = Utc.with_ymd_and_hms(2030, 4, 1, 10, 0, 0).unwrap();
    envelope(
        &v2::SeatHoldRequested {
            reservation_id: Uuid::now_v7(),
            schedule_id,
            user_id: Uuid::now_v7(),
            seat_number: seat,
            requested_at: at,
            expires_at: at + chrono::Duration::minutes(5),
            max_holds_per_user: 4,
        }
        .into(),
    )
}

struct Bench {
    env: TestEnvironment,
    appender: Appender,
    topics: Topics,
    pool: PgPool,
}

impl Bench {
    async fn append(&self, envelope: &Envelope) {
        let event = envelope.open().unwrap();
        let topic = self.topics.name(event.topic());
        self.appender
            .append(topic, &envelope.key, &envelope.to_bytes(), &[])
            .await
            .expect("appended");
    }

    async fn decided(&self, command_type: &str) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM command_outcomes WHERE command_type = $1")
            .bind(command_type)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    async fn wait_for(&self, command_type: &str, count: i64) {
        while self.decided(command_type).await < count {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn seat(i: u64) -> i64 {
    // Spread over the seats, several requests per seat.
    (i.wrapping_mul(2_654_435_761) % SEATS as u64) as i64 + 1
}

#[tokio::main]
async fn main() {
    let holds = env_number("BENCH_HOLDS", 20_000);
    let rate = env_number("BENCH_RATE", 200);
    let seconds = env_number("BENCH_SECONDS", 10);

    // KAFKA_FETCH_WAIT_MS from the environment, to measure its trade-off.
    let fetch_wait = std::env::var("KAFKA_FETCH_WAIT_MS").ok();
    let mut overrides = vec![("RUST_LOG", "error")];
    if let Some(wait) = fetch_wait.as_deref() {
        overrides.push(("KAFKA_FETCH_WAIT_MS", wait));
    }
    let env = TestEnvironment::new(&overrides).expect("settings");
    env.provision().await.expect("provisioned");
    let _ = infra::telemetry::init_tracing(&env.settings.telemetry, "projector");
    let bench = Bench {
        appender: Appender::new(&env.settings.kafka, "bench").unwrap(),
        topics: Topics::from_settings(&env.settings.kafka),
        pool: infra::postgres::connect(&env.settings.database)
            .await
            .unwrap(),
        env,
    };
    let settings = bench.env.settings.clone();

    // The hot schedule, opened by a running projector.
    let app = Application::build(settings.clone()).await.unwrap();
    let stop = app.stop_handle();
    let running = tokio::spawn(app.run_until_stopped());
    let (concert_id, schedule_id) = (Uuid::now_v7(), Uuid::now_v7());
    bench
        .append(&envelope(
            &v1::ConcertRegistered {
                concert_id,
                title: "Hot".into(),
                venue: "Arena".into(),
            }
            .into(),
        ))
        .await;
    bench
        .append(&envelope(
            &v1::ScheduleAdded {
                concert_id,
                schedule_id,
                starts_at: Utc.with_ymd_and_hms(2030, 5, 1, 19, 0, 0).unwrap(),
                booking_opens_at: Utc.with_ymd_and_hms(2030, 4, 1, 10, 0, 0).unwrap(),
                seats: (1..=SEATS)
                    .map(|number| v1::PricedSeat {
                        number,
                        price: 50_000,
                    })
                    .collect(),
            }
            .into(),
        ))
        .await;
    bench.wait_for("ADD_SCHEDULE", 1).await;
    stop.stop();
    running.await.unwrap().unwrap();

    // 1. Throughput on a backlog.
    println!("appending {holds} hold requests on one schedule ...");
    let requests: Vec<Envelope> = (0..holds).map(|i| hold(schedule_id, seat(i))).collect();
    let appending = Instant::now();
    for chunk in requests.chunks(2_000) {
        join_all(chunk.iter().map(|r| bench.append(r))).await;
    }
    println!(
        "  appended in {:.2} s ({:.0} appends/s)",
        appending.elapsed().as_secs_f64(),
        holds as f64 / appending.elapsed().as_secs_f64()
    );
    let app = Application::build(settings.clone()).await.unwrap();
    let metrics_url = format!("http://127.0.0.1:{}/metrics", app.port());
    let stop = app.stop_handle();
    let running = tokio::spawn(app.run_until_stopped());
    while bench.decided("HOLD").await == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let first = Instant::now();
    let already = bench.decided("HOLD").await;
    bench.wait_for("HOLD", holds as i64).await;
    let took = first.elapsed().as_secs_f64();
    let accepted: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM command_outcomes WHERE command_type = 'HOLD' AND outcome = 'ACCEPTED'",
    )
    .fetch_one(&bench.pool)
    .await
    .unwrap();
    println!(
        "throughput: {} hold decisions in {took:.2} s after the first = {:.0} decisions/s ({accepted} accepted)",
        holds as i64 - already,
        (holds as i64 - already) as f64 / took
    );

    let after_backlog = histograms(&metrics_url).await;
    print_means(&[(0.0, 0.0); 3], &after_backlog);

    // 2. Latency at a steady rate.
    let client = redis::Client::open(settings.redis.url.as_str()).unwrap();
    let mut pubsub = client.get_async_pubsub().await.unwrap();
    pubsub
        .subscribe(channel(&KeySpace::new(settings.redis.key_prefix.clone())))
        .await
        .unwrap();
    let total = (rate * seconds) as usize;
    let requests: Vec<Envelope> = (0..total)
        .map(|i| hold(schedule_id, seat(holds + i as u64)))
        .collect();
    // Announcements of the backlog's last batches may still arrive: only
    // this phase's requests count.
    let expected: HashSet<Uuid> = requests.iter().map(|r| r.event_id).collect();
    let listener = tokio::spawn(async move {
        let mut arrivals = HashMap::with_capacity(total);
        let mut messages = pubsub.into_on_message();
        while arrivals.len() < total {
            let Some(message) = messages.next().await else {
                break;
            };
            let arrived = Instant::now();
            if let Some(decision) = message
                .get_payload::<String>()
                .ok()
                .and_then(|t| Decision::from_message(&t))
            {
                if expected.contains(&decision.command_id) {
                    arrivals.insert(decision.command_id, arrived);
                }
            }
        }
        arrivals
    });
    println!("latency: {rate} holds/s for {seconds} s ...");
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    let mut appends = Vec::with_capacity(total);
    let bench = std::sync::Arc::new(bench);
    for request in requests {
        tick.tick().await;
        let bench = bench.clone();
        appends.push(tokio::spawn(async move {
            let started = Instant::now();
            bench.append(&request).await;
            (request.event_id, started, Instant::now())
        }));
    }
    let appended: Vec<(Uuid, Instant, Instant)> = join_all(appends)
        .await
        .into_iter()
        .map(|a| a.unwrap())
        .collect();
    let arrivals = tokio::time::timeout(Duration::from_secs(60), listener)
        .await
        .expect("every decision announced")
        .unwrap();
    let mut from_call = Vec::with_capacity(total);
    let mut from_ack = Vec::with_capacity(total);
    let mut acks = Vec::with_capacity(total);
    for (id, started, acked) in appended {
        let Some(arrived) = arrivals.get(&id) else {
            continue;
        };
        from_call.push(arrived.saturating_duration_since(started));
        from_ack.push(arrived.saturating_duration_since(acked));
        acks.push(acked - started);
    }
    let report = |name: &str, mut sample: Vec<Duration>| {
        sample.sort();
        let pct = |p: f64| {
            let i = ((sample.len() as f64 * p).ceil() as usize).clamp(1, sample.len()) - 1;
            sample[i].as_secs_f64() * 1000.0
        };
        println!(
            "  {name}: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} requests)",
            pct(0.50),
            pct(0.95),
            pct(0.99),
            pct(1.0),
            sample.len()
        );
    };
    report("append call -> decision announced", from_call);
    report("append acknowledged -> decision announced", from_ack);
    report("append call -> acknowledged (the broker)", acks);
    print_means(&after_backlog, &histograms(&metrics_url).await);
    // Every record folded before the replay is compared with the tables.
    bench
        .wait_for("HOLD", (holds as usize + total) as i64)
        .await;
    stop.stop();
    running.await.unwrap().unwrap();

    // 3. Replay.
    let report = projector::replay::run(&settings.database, &settings.kafka, Default::default())
        .await
        .expect("replayed");
    println!(
        "replay: {} records in {:.2} s = {:.0} events/s",
        report.records,
        report.elapsed.as_secs_f64(),
        report.events_per_second()
    );
    let live =
        projector::checksum::compute(&projector::checksum::pool_for(&settings.database, None))
            .await
            .unwrap();
    println!(
        "  checksum of the replay {} the live tables'",
        if live == report.checksum {
            "equals"
        } else {
            "DIFFERS FROM"
        }
    );
    if live != report.checksum {
        println!("  live tables: {live}\n  replay: {}", report.checksum);
    }
}

/// `(sum, count)` of the projector's batch, write-through and batch-size
/// histograms so far.
async fn histograms(metrics_url: &str) -> Vec<(f64, f64)> {
    let text = match reqwest::get(metrics_url).await {
        Ok(response) => response.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    let value = |series: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    HISTOGRAMS
        .iter()
        .map(|(_, metric)| {
            (
                value(&format!("{metric}_sum")),
                value(&format!("{metric}_count")),
            )
        })
        .collect()
}

const HISTOGRAMS: [(&str, &str); 3] = [
    (
        "batch (fold + commit)",
        "ticketfold_projector_batch_duration_seconds",
    ),
    (
        "read-model write-through",
        "ticketfold_projector_read_model_write_seconds",
    ),
    ("batch size", "ticketfold_projector_batch_size"),
];

/// Means between two readings of `histograms`.
fn print_means(before: &[(f64, f64)], after: &[(f64, f64)]) {
    for (((name, metric), (s0, c0)), (s1, c1)) in HISTOGRAMS.iter().zip(before).zip(after) {
        let count = c1 - c0;
        if count <= 0.0 {
            continue;
        }
        let mean = (s1 - s0) / count;
        if metric.ends_with("seconds") {
            println!("  mean {name}: {:.2} ms ({count} batches)", mean * 1000.0);
        } else {
            println!("  mean {name}: {mean:.1} records");
        }
    }
}
