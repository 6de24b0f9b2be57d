//! Adaptive admission against the real Redis: command-api instances file
//! the booking signal, the leading admitter steps its rate on it. A fast
//! stack raises the rate; an injected slowdown cuts it; a new leader resumes
//! at the rate the old one had found; a line after a restart starts at the
//! rate the stack proved.

mod queue_support;

use std::time::{Duration, Instant};

use prometheus::Registry;
use queue_support::{metric, Prefix, SECRET};
use uuid::Uuid;
use waiting_room::{
    report_signal, Admitter, BookingSignal, ControlTargets, LagReport, Queue, QueueSettings,
    RateControl,
};

fn adaptive() -> QueueSettings {
    let mut settings = QueueSettings::new(100_000, 500, Duration::from_secs(600), SECRET);
    settings.rate_control = RateControl::Adaptive(ControlTargets {
        p95_ms: 100,
        in_flight: 1000,
        lag_records: 1_000_000,
        floor_per_second: 5,
    });
    settings
}

/// `count` booking commands answered, each `latency` after its intake.
fn answered(signal: &BookingSignal, count: usize, latency: Duration) {
    for _ in 0..count {
        let received = Instant::now() - latency;
        drop(signal.begin(received));
    }
}

async fn fill(queue: &Queue, fans: usize) {
    for _ in 0..fans {
        queue.join(Uuid::new_v4()).await.unwrap();
    }
}

/// Runs the admitter's ticks for about `seconds`, filing `per_second`
/// answers of `latency` each second, until `done` says so.
async fn run(
    queue: &Queue,
    admitter: &mut Admitter,
    signal: &BookingSignal,
    latency: Duration,
    seconds: u32,
    done: impl Fn(&Admitter) -> bool,
) {
    for tick in 0..seconds * 10 {
        admitter.tick().await.expect("redis answers");
        if tick % 10 == 0 {
            answered(signal, 40, latency);
            report_signal(queue, signal).await.expect("signal filed");
        }
        if done(admitter) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_fast_stack_raises_the_rate_and_an_injected_slowdown_cuts_it() {
    let prefix = Prefix::new();
    let registry = Registry::new();
    let queue = prefix.queue_with(adaptive(), &registry);
    fill(&queue, 3000).await;
    let signal = BookingSignal::new();
    let mut admitter = Admitter::new(queue.clone());
    assert_eq!(admitter.rate(), 5, "starts at the floor");

    run(
        &queue,
        &mut admitter,
        &signal,
        Duration::from_millis(5),
        20,
        |a| a.rate() >= 20,
    )
    .await;
    let risen = admitter.rate();
    assert!(
        risen >= 20,
        "a fast stack with fans waiting raises the rate: {risen}"
    );
    assert!(metric(&registry, "ticketfold_queue_admit_rate_per_second") >= 20.0);
    assert_eq!(
        metric(&registry, "ticketfold_queue_target_p95_seconds"),
        0.1
    );

    // The stack slows down: booking answers take 600 ms, past the 100 ms target.
    run(
        &queue,
        &mut admitter,
        &signal,
        Duration::from_millis(600),
        20,
        |a| a.rate() < risen,
    )
    .await;
    let cut = admitter.rate();
    assert!(cut < risen, "the slowdown cut the rate: {risen} -> {cut}");
    assert!(
        metric(&registry, "ticketfold_queue_signal_p95_seconds") > 0.1,
        "the gauge shows the slow signal"
    );
    let text = prometheus::TextEncoder::new()
        .encode_to_string(&registry.gather())
        .unwrap();
    assert!(
        text.contains("ticketfold_queue_control_steps_total{verdict=\"back_off\"}"),
        "{text}"
    );
}

#[tokio::test]
async fn a_new_leader_resumes_at_the_rate_the_old_one_found() {
    let prefix = Prefix::new();
    let queue = prefix.queue(adaptive());
    fill(&queue, 3000).await;
    let signal = BookingSignal::new();
    let mut first = Admitter::new(queue.clone());
    run(
        &queue,
        &mut first,
        &signal,
        Duration::from_millis(5),
        20,
        |a| a.rate() >= 20,
    )
    .await;
    let found = first.rate();
    assert!(found >= 20, "{found}");
    first.release().await.unwrap();

    let mut second = Admitter::new(queue.clone());
    assert_eq!(second.rate(), 5, "a fresh admitter knows only the floor");
    second.tick().await.unwrap();
    assert!(second.is_leading());
    assert!(
        second.rate() >= found,
        "resumed from the filed rate: {} < {found}",
        second.rate()
    );
}

#[tokio::test]
async fn fixed_admission_keeps_the_configured_rate_whatever_the_signal() {
    let prefix = Prefix::new();
    let mut settings = adaptive();
    settings.rate_control = RateControl::Fixed;
    settings.admit_per_second = 40;
    let registry = Registry::new();
    let queue = prefix.queue_with(settings, &registry);
    fill(&queue, 100).await;
    let signal = BookingSignal::new();
    let mut admitter = Admitter::new(queue.clone());
    run(
        &queue,
        &mut admitter,
        &signal,
        Duration::from_millis(900),
        3,
        |_| false,
    )
    .await;
    assert_eq!(admitter.rate(), 40);
    assert_eq!(
        metric(&registry, "ticketfold_queue_admit_rate_per_second"),
        40.0
    );
}

#[tokio::test]
async fn a_projector_falling_behind_cuts_the_rate_though_answers_are_fast() {
    let prefix = Prefix::new();
    let registry = Registry::new();
    let mut settings = adaptive();
    settings.rate_control = RateControl::Adaptive(ControlTargets {
        p95_ms: 100,
        in_flight: 1000,
        lag_records: 500,
        floor_per_second: 5,
    });
    let queue = prefix.queue_with(settings, &registry);
    fill(&queue, 3000).await;
    let signal = BookingSignal::new();
    let mut admitter = Admitter::new(queue.clone());
    run(
        &queue,
        &mut admitter,
        &signal,
        Duration::from_millis(5),
        20,
        |a| a.rate() >= 20,
    )
    .await;
    let risen = admitter.rate();
    assert!(risen >= 20, "{risen}");

    // What a projector files once a second, here 2,000 records behind.
    let redis = infra::redis::Redis::from_client(
        redis::Client::open(queue_support::redis_url()).unwrap(),
        infra::redis::KeySpace::new(&prefix.0),
        Duration::from_secs(1),
    );
    let lag = LagReport::new(redis);
    for _ in 0..50 {
        lag.file(2000).await.unwrap();
        answered(&signal, 40, Duration::from_millis(5));
        report_signal(&queue, &signal).await.unwrap();
        for _ in 0..10 {
            admitter.tick().await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if admitter.rate() < risen {
            break;
        }
    }
    assert!(
        admitter.rate() < risen,
        "the lag cut the rate: {}",
        admitter.rate()
    );
    assert!(metric(&registry, "ticketfold_queue_signal_lag_records") > 500.0);
}

#[tokio::test]
async fn a_new_line_after_a_restart_starts_at_the_rate_the_stack_proved() {
    let prefix = Prefix::new();
    let registry = Registry::new();
    let queue = prefix.queue_with(adaptive(), &registry);
    fill(&queue, 3000).await;
    let signal = BookingSignal::new();
    let mut first = Admitter::new(queue.clone());
    run(
        &queue,
        &mut first,
        &signal,
        Duration::from_millis(5),
        30,
        |_| metric(&registry, "ticketfold_queue_proven_rate_per_second") >= 10.0,
    )
    .await;
    let proven = metric(&registry, "ticketfold_queue_proven_rate_per_second");
    assert!(
        proven >= 10.0,
        "five fast periods in a row prove a rate: {proven}"
    );

    // The line is served and the stack is restarted before the next window.
    let mut redis = prefix.redis().await;
    let _: () = redis::cmd("DEL")
        .arg(format!("{}queue:line", prefix.0))
        .query_async(&mut redis)
        .await
        .unwrap();
    for _ in 0..12 {
        first.tick().await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    first.release().await.unwrap();

    let registry = Registry::new();
    let queue = prefix.queue_with(adaptive(), &registry);
    let mut second = Admitter::new(queue.clone());
    assert_eq!(second.rate(), 5, "a fresh admitter knows only the floor");
    fill(&queue, 500).await;
    second.tick().await.unwrap();
    assert!(second.is_leading());
    assert_eq!(
        f64::from(second.rate()),
        proven.floor(),
        "the new line starts at the proven rate, not the floor"
    );
    let text = prometheus::TextEncoder::new()
        .encode_to_string(&registry.gather())
        .unwrap();
    assert!(
        text.contains("ticketfold_queue_control_steps_total{verdict=\"warm_start\"}"),
        "{text}"
    );
}
