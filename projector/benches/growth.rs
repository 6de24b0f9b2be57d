//! What a long log costs the projector, measured, not asserted (issue 14):
//! `cargo bench -p projector --bench growth` (or `make bench-growth`).
//!
//! Against the test broker, Postgres and Redis (TEST_KAFKA_BROKERS,
//! TEST_DATABASE_URL, TEST_REDIS_URL, as for the tests), in an isolated
//! database, topic prefix and key prefix:
//!
//! 1. fill: fans charge their wallet, hold a seat and pay for it (three
//!    commands and the saga's follow-ups per fan) until the log holds
//!    BENCH_RECORDS records (1,000,000), folded by a running projector
//!    process (A);
//! 2. join: a second projector process (B) starts; probe holds go to every
//!    reservations partition every 50 ms, and the longest a probe waited
//!    for its decision is the hand-over's cost;
//! 3. SIGKILL: A is killed mid-stream; the same probes give the time until
//!    B has taken A's partitions and decided their waiting probes;
//! 4. restart: B stops, a new process (C) starts while a probe waits: the
//!    time from C's start to the probe's decision is start-to-first-decision;
//! 5. RSS of each process once caught up (A's also BENCH_REST_SECONDS, 75,
//!    after the fill, once its aggregates have rested, and again once it
//!    stops falling), and replay events/s of the whole log (`projector
//!    replay`, no effects).
//!
//! With BENCH_STACK=up it only fills: the `make up` stack's own log (its
//! broker, topics, database and Redis, from the same variables the services
//! read), folded by the stack's running projector, then waits until that
//! projector has caught up and exits. `scripts/grow-log.sh` runs it so, to
//! measure the stack's latency on a long log (issue 19).

use std::collections::{BTreeMap, HashMap};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use futures::future::join_all;
use futures::StreamExt;
use infra::config::{DatabaseSettings, KafkaSettings, RedisSettings, Sections};
use infra::decision::{channel, Decision};
use infra::kafka::rdkafka::consumer::{BaseConsumer, Consumer};
use infra::kafka::{Appender, Topics};
use infra::redis::KeySpace;
use infra::testing::TestEnvironment;
use schemas::{v1, v2, Envelope, EventMeta, LogEvent};
use sqlx::PgPool;
use uuid::Uuid;

/// The replay runs in this process: with the projector binary's allocator,
/// so its figure is `projector replay`'s.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const SEATS_PER_SCHEDULE: i64 = 1_000;
const FANS_PER_CHUNK: usize = 500;
/// Seats of a probe schedule: probes every 50 ms for the ~25 s they run
/// need about 500; a schedule record of 5,000 seats is past the record
/// size the fold accepts.
const PROBE_SEATS: i64 = 2_000;
const PROBE_EVERY: Duration = Duration::from_millis(50);
const PATIENCE: Duration = Duration::from_secs(600);

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn opens_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 4, 1, 10, 0, 0).unwrap()
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

fn hold(schedule_id: Uuid, user_id: Uuid, seat: i64) -> Envelope {
    let at = opens_at() + chrono::Duration::minutes(1);
    envelope(
        &v2::SeatHoldRequested {
            reservation_id: Uuid::now_v7(),
            schedule_id,
            user_id,
            seat_number: seat,
            requested_at: at,
            expires_at: at + chrono::Duration::minutes(5),
            max_holds_per_user: 4,
        }
        .into(),
    )
}

struct Bench {
    kafka: KafkaSettings,
    appender: Appender,
    topics: Topics,
    pool: PgPool,
    /// Decision arrival times by command id, from the decisions channel.
    decided: Arc<Mutex<HashMap<Uuid, Instant>>>,
}

impl Bench {
    /// The appender, the database and the decisions channel of a stack whose
    /// topics, tables and keys are named by these settings.
    async fn connect(
        kafka: KafkaSettings,
        database: &DatabaseSettings,
        redis: &RedisSettings,
    ) -> Self {
        let decided = Arc::new(Mutex::new(HashMap::new()));
        let client = redis::Client::open(redis.url.as_str()).unwrap();
        let mut pubsub = client.get_async_pubsub().await.unwrap();
        pubsub
            .subscribe(channel(&KeySpace::new(redis.key_prefix.clone())))
            .await
            .unwrap();
        let arrivals = decided.clone();
        tokio::spawn(async move {
            let mut messages = pubsub.into_on_message();
            while let Some(message) = messages.next().await {
                let arrived = Instant::now();
                if let Some(decision) = message
                    .get_payload::<String>()
                    .ok()
                    .and_then(|t| Decision::from_message(&t))
                {
                    arrivals
                        .lock()
                        .unwrap()
                        .insert(decision.command_id, arrived);
                }
            }
        });
        Self {
            appender: Appender::new(&kafka, "bench").unwrap(),
            topics: Topics::from_settings(&kafka),
            pool: infra::postgres::connect(database).await.unwrap(),
            decided,
            kafka,
        }
    }

    /// Appends and answers the partition it landed in.
    async fn append(&self, envelope: &Envelope) -> i32 {
        let event = envelope.open().unwrap();
        let topic = self.topics.name(event.topic());
        self.appender
            .append(topic, &envelope.key, &envelope.to_bytes(), &[])
            .await
            .expect("appended")
            .0
    }

    async fn append_all(&self, envelopes: &[Envelope]) {
        join_all(envelopes.iter().map(|e| self.append(e))).await;
    }

    /// Records in the three topics, from their end offsets.
    async fn log_size(&self) -> i64 {
        let kafka = self.kafka.clone();
        tokio::task::spawn_blocking(move || {
            let consumer: BaseConsumer = infra::kafka::client_config(&kafka).create().unwrap();
            Topics::from_settings(&kafka)
                .with_partitions(&kafka)
                .iter()
                .map(|(topic, partitions)| {
                    (0..*partitions)
                        .map(|p| {
                            consumer
                                .fetch_watermarks(topic, p, Duration::from_secs(10))
                                .unwrap()
                                .1
                        })
                        .sum::<i64>()
                })
                .sum()
        })
        .await
        .unwrap()
    }

    fn decided_at(&self, id: &Uuid) -> Option<Instant> {
        self.decided.lock().unwrap().get(id).copied()
    }
}

/// A projector binary of its own, so its RSS is its own.
struct Projector {
    child: Child,
}

impl Projector {
    fn start(env: &TestEnvironment) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_projector"))
            .arg("run")
            .env_clear()
            .envs(&env.vars)
            // jemalloc's own options, when given (profiling the RSS).
            .envs(std::env::vars().filter(|(name, _)| name == "_RJEM_MALLOC_CONF"))
            .env("PROJECTOR_ADDR", "127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("the projector binary starts");
        Self { child }
    }

    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    }

    fn kill(self) {
        // Drop sends the SIGKILL.
    }

    fn terminate(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Projector {
    /// SIGKILL, so a failing benchmark leaves no projector behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One open schedule per reservations partition, with seats to spare for
/// probes.
struct Probes {
    schedules: BTreeMap<i32, (Uuid, i64)>,
}

impl Probes {
    async fn open(bench: &Bench, partitions: i32) -> Self {
        let mut schedules = BTreeMap::new();
        while (schedules.len() as i32) < partitions {
            let schedule_id = add_ready_schedule(bench, PROBE_SEATS).await;
            let partition = bench.append(&hold(schedule_id, Uuid::now_v7(), 1)).await;
            schedules.entry(partition).or_insert((schedule_id, 2));
        }
        Self { schedules }
    }

    /// A hold on every partition; answers their command ids.
    async fn send(&mut self, bench: &Bench) -> Vec<(Uuid, Instant)> {
        let mut sent = Vec::new();
        for (schedule_id, next_seat) in self.schedules.values_mut() {
            let probe = hold(*schedule_id, Uuid::now_v7(), *next_seat);
            *next_seat += 1;
            let at = Instant::now();
            bench.append(&probe).await;
            sent.push((probe.event_id, at));
        }
        sent
    }

    /// Sends probes for `window`, then waits for their decisions.
    async fn waits(&mut self, bench: &Bench, window: Duration) -> Waits {
        let started = Instant::now();
        let mut sent = Vec::new();
        while started.elapsed() < window {
            sent.extend(self.send(bench).await);
            tokio::time::sleep(PROBE_EVERY).await;
        }
        let deadline = Instant::now() + PATIENCE;
        let mut waits = Vec::with_capacity(sent.len());
        for (id, at) in &sent {
            let decided = loop {
                if let Some(decided) = bench.decided_at(id) {
                    break decided;
                }
                assert!(Instant::now() < deadline, "a probe was never decided");
                tokio::time::sleep(Duration::from_millis(10)).await;
            };
            waits.push(decided.saturating_duration_since(*at));
        }
        waits.sort();
        Waits {
            median: waits[waits.len() / 2],
            longest: waits[waits.len() - 1],
            probes: waits.len(),
        }
    }
}

/// How long probes waited for their decisions.
struct Waits {
    median: Duration,
    longest: Duration,
    probes: usize,
}

impl std::fmt::Display for Waits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "longest probe wait {:.0} ms, median {:.0} ms ({} probes)",
            ms(self.longest),
            ms(self.median),
            self.probes
        )
    }
}

/// A schedule its holds can find: appended, then waited for until folded
/// (catalog and reservations are different topics, so a hold appended right
/// after its schedule may be folded first, and answered NOT_FOUND).
async fn add_ready_schedule(bench: &Bench, seats: i64) -> Uuid {
    let accepted = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM command_outcomes WHERE command_type = 'ADD_SCHEDULE' AND outcome = 'ACCEPTED'",
        )
        .fetch_one(&bench.pool)
        .await
        .unwrap()
    };
    let before = accepted().await;
    let schedule_id = add_schedule(bench, seats).await;
    let deadline = Instant::now() + PATIENCE;
    while accepted().await <= before {
        assert!(Instant::now() < deadline, "the schedule was never folded");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    schedule_id
}

async fn add_schedule(bench: &Bench, seats: i64) -> Uuid {
    let (concert_id, schedule_id) = (Uuid::now_v7(), Uuid::now_v7());
    bench
        .append(&envelope(
            &v1::ConcertRegistered {
                concert_id,
                title: "Growth".into(),
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
                booking_opens_at: opens_at(),
                seats: (1..=seats)
                    .map(|number| v1::PricedSeat {
                        number,
                        price: 50_000,
                    })
                    .collect(),
            }
            .into(),
        ))
        .await;
    schedule_id
}

/// A fan's three commands: charge, hold, and (appended after the hold)
/// the payment.
fn fan(schedule_id: Uuid, seat: i64) -> ([Envelope; 2], Envelope) {
    let user_id = Uuid::now_v7();
    let at = opens_at() + chrono::Duration::minutes(1);
    let charge = envelope(
        &v1::BalanceChargeRequested {
            charge_id: Uuid::now_v7(),
            user_id,
            amount: 100_000,
            requested_at: at,
            max_single_charge: 1_000_000,
            max_balance: 10_000_000,
        }
        .into(),
    );
    let hold = hold(schedule_id, user_id, seat);
    let reservation_id = match hold.open().unwrap() {
        LogEvent::SeatHoldRequested(h) => h.reservation_id,
        other => unreachable!("{other:?}"),
    };
    let pay = envelope(
        &v1::PaymentRequested {
            payment_id: Uuid::now_v7(),
            reservation_id,
            schedule_id,
            user_id,
            requested_at: at + chrono::Duration::seconds(30),
        }
        .into(),
    );
    ([charge, hold], pay)
}

#[tokio::main]
async fn main() {
    let target = env_number("BENCH_RECORDS", 1_000_000) as i64;
    if std::env::var("BENCH_STACK").as_deref() == Ok("up") {
        fill_up_stack(target).await;
        return;
    }
    let partitions = env_number("BENCH_PARTITIONS", 6).to_string();
    // The snapshot cadence, the parking wait and librdkafka properties
    // (`KAFKA_PROPERTY_*`, e.g. the consumer's prefetch bound) from the
    // environment, to compare settings.
    let cadence: Vec<(String, String)> = std::env::vars()
        .filter(|(name, _)| {
            matches!(
                name.as_str(),
                "PROJECTOR_SNAPSHOT_EVERY_RECORDS"
                    | "PROJECTOR_SNAPSHOT_EVERY_SECONDS"
                    | "PROJECTOR_PARK_AFTER_SECONDS"
            ) || name.starts_with("KAFKA_PROPERTY_")
        })
        .collect();
    // The projectors log errors only, unless BENCH_PROJECTOR_LOG says
    // otherwise (e.g. `error,projector::reader=debug` shows where a read
    // met a hole and read again from further back).
    let projector_log = std::env::var("BENCH_PROJECTOR_LOG").unwrap_or_else(|_| "error".to_owned());
    let mut overrides = vec![
        ("RUST_LOG", projector_log.as_str()),
        ("KAFKA_PARTITIONS_RESERVATIONS", partitions.as_str()),
        ("KAFKA_PARTITIONS_WALLETS", partitions.as_str()),
    ];
    overrides.extend(
        cadence
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    let env = TestEnvironment::new(&overrides).expect("settings");
    env.provision().await.expect("provisioned");
    let settings = env.settings.clone();
    // The topics outlive the run (the database does not), so the log can be
    // replayed again: `TOPIC_PREFIX=<this> projector replay`.
    println!(
        "log: topics prefixed {:?} on {}",
        settings.kafka.topic_prefix, settings.kafka.brokers
    );
    let bench = Bench::connect(settings.kafka.clone(), &settings.database, &settings.redis).await;

    // 1. Fill, folded as it goes by projector A.
    let a = Projector::start(&env);
    let mut probes = Probes::open(&bench, settings.kafka.partitions.reservations).await;
    let filling = Instant::now();
    let (expected, fans) = fill(&bench, target).await;
    wait_caught_up(&bench).await;
    println!(
        "filled: {expected} records, {fans} fans, in {:.0} s; projector A RSS {:.0} MiB",
        filling.elapsed().as_secs_f64(),
        a.rss_mib()
    );

    print_outcomes(&bench).await;
    // What A holds once the fill's aggregates have rested (they leave
    // memory after PROJECTOR_PARK_AFTER_SECONDS, and the allocator gives
    // their pages back seconds later): the memory the live state needs,
    // against the fill's last minute above.
    let rest = env_number("BENCH_REST_SECONDS", 75);
    if rest > 0 {
        let rested = Instant::now();
        tokio::time::sleep(Duration::from_secs(rest)).await;
        let mut rss = a.rss_mib();
        println!("projector A RSS at rest ({rest} s after the fill): {rss:.0} MiB");
        // On a long fill the last aggregates leave memory only about a
        // minute after their last record, so the sample above can catch
        // their pages on the way back: sampled on until it stops falling.
        let mut settled = false;
        for _ in 0..12 {
            tokio::time::sleep(Duration::from_secs(5)).await;
            let now = a.rss_mib();
            settled = rss - now < 1.0;
            rss = now;
            if settled {
                break;
            }
        }
        println!(
            "projector A RSS settled ({:.0} s after the fill{}): {rss:.0} MiB",
            rested.elapsed().as_secs_f64(),
            if settled { "" } else { ", still falling" }
        );
    }

    // 2. A second projector joins.
    let quiet = probes.waits(&bench, Duration::from_secs(3)).await;
    println!("one projector, nothing changing hands: {quiet}");
    let b = Projector::start(&env);
    let joined = probes.waits(&bench, Duration::from_secs(10)).await;
    println!("a second projector joins (10 s from its start): {joined}");

    // 3. A is SIGKILLed.
    a.kill();
    let killed = probes.waits(&bench, Duration::from_secs(10)).await;
    println!("a projector SIGKILLed (10 s from the kill): {killed}");
    wait_caught_up(&bench).await;
    println!("projector B RSS once caught up: {:.0} MiB", b.rss_mib());

    // 4. Restart from nothing running.
    b.terminate();
    let waiting = probes.send(&bench).await;
    let started = Instant::now();
    let c = Projector::start(&env);
    let deadline = Instant::now() + PATIENCE;
    let mut first: Option<Instant> = None;
    while first.is_none() {
        first = waiting
            .iter()
            .filter_map(|(id, _)| bench.decided_at(id))
            .min();
        assert!(
            Instant::now() < deadline,
            "the restarted projector decided nothing"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let all = loop {
        let times: Vec<Instant> = waiting
            .iter()
            .filter_map(|(id, _)| bench.decided_at(id))
            .collect();
        if times.len() == waiting.len() {
            break times.into_iter().max().unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "the restarted projector left a partition"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    println!(
        "restart: start to first decision {:.0} ms, to every partition's {:.0} ms",
        ms(first.unwrap().saturating_duration_since(started)),
        ms(all.saturating_duration_since(started))
    );
    wait_caught_up(&bench).await;
    println!("projector C RSS once caught up: {:.0} MiB", c.rss_mib());
    c.terminate();
    // Every fan's payment should have been decided once, whatever moved.
    println!("outcomes after the hand-overs and the restart:");
    print_outcomes(&bench).await;

    // 5. Replay, logging its errors: a refusal the replay repeats is in the
    // log itself, not in one projector's state.
    match infra::telemetry::init_tracing(&settings.telemetry, "growth-bench") {
        Ok(_) => println!("replay starts (errors below are the replay's own)"),
        Err(error) => println!("replay starts; its errors are not logged: {error}"),
    }
    tracing::error!("the replay's errors are logged (this line shows it)");
    let report = projector::replay::run(&settings.database, &settings.kafka, Default::default())
        .await
        .expect("replayed");
    println!(
        "replay: {} records in {:.2} s = {:.0} events/s",
        report.records,
        report.elapsed.as_secs_f64(),
        report.events_per_second()
    );
}

/// Fans charge, hold and pay, FANS_PER_CHUNK at a time, on schedules of
/// SEATS_PER_SCHEDULE seats, until the log holds `target` records; answers
/// the log's size then and the fans appended.
async fn fill(bench: &Bench, target: i64) -> (i64, u64) {
    println!("filling the log to {target} records ...");
    let filling = Instant::now();
    let (mut schedule, mut seat) = (add_ready_schedule(bench, SEATS_PER_SCHEDULE).await, 0);
    let mut fans = 0u64;
    loop {
        let mut firsts = Vec::with_capacity(FANS_PER_CHUNK * 2);
        let mut payments = Vec::with_capacity(FANS_PER_CHUNK);
        for _ in 0..FANS_PER_CHUNK {
            if seat == SEATS_PER_SCHEDULE {
                (schedule, seat) = (add_ready_schedule(bench, SEATS_PER_SCHEDULE).await, 0);
            }
            seat += 1;
            let (first, pay) = fan(schedule, seat);
            firsts.extend(first);
            payments.push(pay);
        }
        bench.append_all(&firsts).await;
        bench.append_all(&payments).await;
        fans += FANS_PER_CHUNK as u64;
        if fans.is_multiple_of(20_000) {
            let size = bench.log_size().await;
            println!(
                "  {size} records after {:.0} s ({fans} fans)",
                filling.elapsed().as_secs_f64()
            );
            if size >= target {
                break;
            }
        }
    }
    (bench.log_size().await, fans)
}

/// BENCH_STACK=up: the `make up` stack's log grown to `target` records,
/// folded by its own projector.
async fn fill_up_stack(target: i64) {
    let sections = Sections::from_env().expect("the stack's settings");
    let bench = Bench::connect(
        sections.kafka().expect("the Kafka settings"),
        &sections.database().expect("DATABASE_URL"),
        &sections.redis().expect("REDIS_URL"),
    )
    .await;
    let before = bench.log_size().await;
    let filling = Instant::now();
    let (size, fans) = fill(&bench, target).await;
    wait_caught_up(&bench).await;
    println!(
        "the stack's log: {before} records before, {size} now ({fans} fans), filled and folded in {:.0} s",
        filling.elapsed().as_secs_f64()
    );
    print_outcomes(&bench).await;
}

/// Waits until every record in the log has been folded, the follow-ups
/// those records caused included: the stored offsets reach the log's end
/// and the end has stopped moving.
async fn wait_caught_up(bench: &Bench) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let end = bench.log_size().await;
        let folded: Option<i64> =
            sqlx::query_scalar("SELECT sum(next_offset)::bigint FROM projector_offsets")
                .fetch_one(&bench.pool)
                .await
                .unwrap_or(None);
        if folded.unwrap_or(0) >= end && bench.log_size().await == end {
            return;
        }
        assert!(Instant::now() < deadline, "the projector never caught up");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn print_outcomes(bench: &Bench) {
    let outcomes: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT command_type, outcome, count(*) FROM command_outcomes GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(&bench.pool)
    .await
    .unwrap();
    for (command, outcome, count) in outcomes {
        if command != "HOLD" {
            println!("  {command} {outcome}: {count}");
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
