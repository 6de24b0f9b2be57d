//! Seat-map reads, measured, not asserted: `cargo bench -p query-api --bench seat_map`.
//!
//! Against the test Postgres and Redis (TEST_DATABASE_URL, TEST_REDIS_URL,
//! as for the tests), in an isolated database and key prefix, one run
//! measures side by side, with the same client and worker count:
//!
//! 1. throughput: BENCH_CONNECTIONS (32) keep-alive connections reading for
//!    BENCH_SECONDS (5), BENCH_ROUNDS (3) alternating rounds (medians), from (a) query-api's `GET /v1/schedules/{id}/seats`
//!    (the token's ACTIVE check pipelined with the read-model lookup: one
//!    round trip) and (b) a bare actix handler answering the very same
//!    bytes from memory. The target: (a) at least half of (b).
//! 2. latency: BENCH_RATE (1,000) reads per second for BENCH_SECONDS, open
//!    loop (each read timed from when it was due, so a stall is not hidden),
//!    against query-api. The target: p95 under 10 ms.
//!
//! The seat map has BENCH_SEATS (1,000) seats, a tenth of them held. For
//! reference it also prints what parts of the path cost on their own
//! (`/healthz`, a small read-model read, a full queue-token inspection).

use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use chrono::Utc;
use infra::testing::TestEnvironment;
use query_api::startup::Application;
use uuid::Uuid;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Target {
    url: reqwest::Url,
    headers: reqwest::header::HeaderMap,
}

impl Target {
    fn new(url: &str, user: Uuid, token: &str) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-user-id", user.to_string().parse().unwrap());
        if !token.is_empty() {
            headers.insert("x-queue-token", token.parse().unwrap());
        }
        Self {
            url: url.parse().unwrap(),
            headers,
        }
    }

    /// Parsed once: the client's own cost stays out of the comparison.
    fn request(&self, client: &reqwest::Client) -> reqwest::RequestBuilder {
        client.get(self.url.clone()).headers(self.headers.clone())
    }
}

/// Reads as fast as `connections` keep-alive connections allow.
async fn throughput(target: Arc<Target>, connections: u64, seconds: u64) -> f64 {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections as usize)
        .build()
        .unwrap();
    let done = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let (client, target, done) = (client.clone(), target.clone(), done.clone());
            tokio::spawn(async move {
                while Instant::now() < until {
                    let response = target.request(&client).send().await.unwrap();
                    assert_eq!(response.status(), 200);
                    response.bytes().await.unwrap();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// `rate` reads per second, open loop; answers sorted latencies in ms.
async fn latencies(target: Arc<Target>, rate: u64, seconds: u64) -> Vec<f64> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let start = Instant::now();
    let mut reads = Vec::new();
    for i in 0..rate * seconds {
        let due = start + interval * i as u32;
        tokio::time::sleep_until(due.into()).await;
        let (client, target) = (client.clone(), target.clone());
        reads.push(tokio::spawn(async move {
            let response = target.request(&client).send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.bytes().await.unwrap();
            due.elapsed().as_secs_f64() * 1000.0
        }));
    }
    let mut timings = Vec::with_capacity(reads.len());
    for read in reads {
        timings.push(read.await.unwrap());
    }
    timings.sort_by(f64::total_cmp);
    timings
}

fn median(runs: &mut [f64]) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() {
    let seats = env_number("BENCH_SEATS", 1_000) as i32;
    let connections = env_number("BENCH_CONNECTIONS", 32);
    let seconds = env_number("BENCH_SECONDS", 5);
    let rate = env_number("BENCH_RATE", 1_000);
    let rounds = env_number("BENCH_ROUNDS", 3);

    let env = TestEnvironment::new(&[("RUST_LOG", "error")]).unwrap();
    infra::postgres::ensure_database_exists(&env.settings.database)
        .await
        .unwrap();
    let pool = infra::postgres::connect(&env.settings.database)
        .await
        .unwrap();
    infra::postgres::migrate(&pool, &env.settings.database)
        .await
        .unwrap();
    let (concert, schedule) = (Uuid::now_v7(), Uuid::now_v7());
    let now = Utc::now();
    sqlx::query("INSERT INTO concerts VALUES ($1, 'Bench Live', 'Hall', $2)")
        .bind(concert)
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO schedules VALUES ($1, $2, $3, $4, $5)")
        .bind(schedule)
        .bind(concert)
        .bind(now + chrono::Duration::days(30))
        .bind(now - chrono::Duration::days(1))
        .bind(seats)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO schedule_seats (schedule_id, seat_number, price, status, hold_expires_at)
         SELECT $1, n, 10000 + n * 1000,
                CASE WHEN n % 10 = 0 THEN 'HELD' ELSE 'AVAILABLE' END,
                CASE WHEN n % 10 = 0 THEN $3 END
         FROM generate_series(1, $2) AS n",
    )
    .bind(schedule)
    .bind(seats)
    .bind(now + chrono::Duration::hours(1))
    .execute(&pool)
    .await
    .unwrap();

    let application = Application::build(env.settings.clone()).await.unwrap();
    let port = application.port();
    tokio::spawn(application.run_until_stopped());

    let queue = waiting_room::Queue::new(
        redis::Client::open(env.settings.redis.url.as_str()).unwrap(),
        &env.settings.redis.key_prefix,
        waiting_room::QueueSettings::from_config(&env.settings.queue),
        infra::telemetry::Metrics::new().registry(),
    )
    .unwrap();
    let user = Uuid::new_v4();
    let ticket = queue.join(user).await.unwrap();
    queue.admit_once().await.unwrap();
    let ticket_token = ticket.token.clone();
    let served = Arc::new(Target::new(
        &format!("http://127.0.0.1:{port}/v1/schedules/{schedule}/seats"),
        user,
        &ticket_token,
    ));
    let body = served
        .request(&reqwest::Client::new())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let bare_port = listener.local_addr().unwrap().port();
    let bytes = web::Bytes::from(body.to_vec());
    let bare = HttpServer::new(move || {
        let bytes = bytes.clone();
        App::new().default_service(web::to(move || {
            let bytes = bytes.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(bytes)
            }
        }))
    })
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(bare);
    let bare = Arc::new(Target::new(
        &format!("http://127.0.0.1:{bare_port}/"),
        user,
        "",
    ));

    println!(
        "seat map: {seats} seats, {} bytes; {connections} connections, {seconds} s per run",
        body.len()
    );
    // Warm both up, then alternate so neither gets a quieter machine.
    throughput(served.clone(), connections, 1).await;
    throughput(bare.clone(), connections, 1).await;
    // Alternating rounds, medians: a neighbour's burst on a shared machine
    // hits one round, not one side.
    let (mut query_runs, mut bare_runs) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        query_runs.push(throughput(served.clone(), connections, seconds).await);
        bare_runs.push(throughput(bare.clone(), connections, seconds).await);
    }
    let (query_rps, bare_rps) = (median(&mut query_runs), median(&mut bare_runs));
    println!("rounds: query-api {query_runs:.0?}, bare {bare_runs:.0?}");
    let ratio = query_rps / bare_rps;
    // Where query-api's time goes: the same stack with less to do.
    let part = |path: &str, token: &str| {
        Arc::new(Target::new(
            &format!("http://127.0.0.1:{port}{path}"),
            user,
            token,
        ))
    };
    let concerts = throughput(part("/v1/concerts", ""), connections, seconds).await;
    let health = throughput(part("/healthz", ""), connections, seconds).await;
    let token = throughput(
        part("/v1/queue/tokens/current", &ticket.token),
        connections,
        seconds,
    )
    .await;
    println!(
        "for reference: /healthz (no Redis) {health:.0} req/s, /v1/concerts (one read-model round trip) \
         {concerts:.0} req/s, /v1/queue/tokens/current (a full queue-token inspection alone) {token:.0} req/s"
    );

    println!(
        "throughput: query-api {query_rps:.0} req/s, bare actix {bare_rps:.0} req/s, \
         ratio {ratio:.2} (target >= 0.50)"
    );

    let timings = latencies(served.clone(), rate, seconds).await;
    let p95 = percentile(&timings, 0.95);
    println!(
        "latency at {rate} reads/s: p50 {:.2} ms, p95 {p95:.2} ms, p99 {:.2} ms, max {:.2} ms (target p95 < 10 ms)",
        percentile(&timings, 0.50),
        percentile(&timings, 0.99),
        percentile(&timings, 1.0),
    );
    println!(
        "verdict: throughput {}, latency {}",
        if ratio >= 0.5 { "PASS" } else { "FAIL" },
        if p95 < 10.0 { "PASS" } else { "FAIL" }
    );
    pool.close().await;
}
