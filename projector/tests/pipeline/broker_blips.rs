//! A broker that stops answering while payment sagas are under way, for
//! longer than the projector's append timeout: every payment completes and
//! no partition's state is rebuilt from the log. (Whether the pause lands
//! on a follow-up's append, which the batch then appends again, or on a
//! fetch is up to timing; either way nothing folded may be thrown away.)

use std::time::Duration;

use infra::decision::Verdict;
use infra::testing::broker::PausableBroker;
use uuid::Uuid;

use crate::helpers::spawn_log_with;
use crate::records::{charge, hold, payment, price_of, sample};

#[tokio::test]
async fn a_broker_paused_during_payments_past_the_append_timeout_costs_no_rebuild() {
    let broker = PausableBroker::start().unwrap();
    let brokers = broker.address();
    let log = spawn_log_with(&[("KAFKA_BROKERS", &brokers)]).await;
    let projector = log.spawn_projector().await;
    let schedule = log.open_schedule(4).await;
    let fans: Vec<Uuid> = (0..4).map(|_| Uuid::new_v4()).collect();
    let mut holds = Vec::new();
    for (seat, fan) in (1..).zip(&fans) {
        log.ask(charge(*fan, price_of(seat))).await;
        let reservation = Uuid::now_v7();
        let asked = log.ask(hold(schedule, reservation, *fan, seat, 10)).await;
        holds.push((asked, reservation, *fan));
    }
    for (asked, _, _) in &holds {
        assert_eq!(log.decision(*asked).await.verdict, Verdict::Accepted);
    }
    let before = sample(
        &projector.metrics().await,
        "ticketfold_projector_state_rebuild_records_total",
    );
    // The payments start their sagas; the broker stops answering while
    // their follow-ups are on the way, for longer than the projector's
    // append timeout (10 s).
    let mut payments = Vec::new();
    for (_, reservation, fan) in &holds {
        payments.push(
            log.ask(payment(schedule, Uuid::now_v7(), *reservation, *fan, 20))
                .await,
        );
    }
    broker.pause().unwrap();
    tokio::time::sleep(Duration::from_secs(12)).await;
    broker.resume().unwrap();

    for asked in &payments {
        let decision = log.decision(*asked).await;
        assert_eq!(decision.verdict, Verdict::Accepted, "{decision:?}");
    }
    let sold = log
        .count("SELECT count(*) FROM schedule_seats WHERE status = 'SOLD'")
        .await;
    assert_eq!(sold, 4);
    let after = sample(
        &projector.metrics().await,
        "ticketfold_projector_state_rebuild_records_total",
    );
    assert_eq!(after, before, "no partition state was rebuilt");
    projector.stop().await;
}
