//! The write path every command takes once its request is valid: claim the
//! idempotency key, listen for the decision, append the record, wait within
//! the budget, answer. A command answered `202` leaves a pending entry in
//! the read model, so its `Location` reads `PENDING` until it is decided.

use std::time::{Duration, Instant};

use actix_web::HttpResponse;
use infra::clock::ReferenceClock;
use infra::config::RequestBounds;
use infra::decision::{CommandType, Decision, OutcomeError};
use infra::handoff::Handoffs;
use infra::http::QueryLinks;
use infra::kafka::{AppendError, Appender, Topics, DEFAULT_APPEND_TIMEOUT, DELIVERY_REPORT_SLACK};
use read_model::PendingEntries;
use sqlx::PgPool;
use uuid::Uuid;
use waiting_room::{BookingSignal, Flight};

use super::answer::{Answer, AnswerKind};
use super::board::{DecisionBoard, Heard};
use super::deadlines::{by, Deadlines};
use super::idempotency::{Claimed, IdempotencyStore, KeyClaim, StoredCommand};
use super::intake::Intake;
use super::record::CommandRecord;
use super::withdrawals::{Start, Withdrawals};
use crate::error::ApiError;
use crate::metrics::CommandMetrics;

/// How long a command waits for the decision board to be subscribed before
/// answering 503: appending a command nobody can hear decided would only
/// make the caller wait out the budget.
const BOARD_PATIENCE: Duration = Duration::from_secs(1);
/// The least an append is given, even with `Prefer: wait=0`: a 202 promises
/// the record is in the log (or certain to be decided), and a 503 that it
/// never applies, so the producer's own report should decide, which comes
/// by its delivery timeout plus the report's slack.
const MIN_APPEND_WINDOW: Duration = DEFAULT_APPEND_TIMEOUT.saturating_add(DELIVERY_REPORT_SLACK);
/// A claimed key whose record was not acknowledged this long after the
/// last attempt is appended again by a retry (same record, same ids): the
/// earlier attempt is over by then.
const APPEND_GRACE: Duration = MIN_APPEND_WINDOW.saturating_add(Duration::from_secs(1));
/// The read of `command_outcomes` at the end of the budget.
const OUTCOME_READ_TIMEOUT: Duration = Duration::from_secs(1);

pub struct Commands {
    pool: PgPool,
    appender: Appender,
    board: DecisionBoard,
    keys: IdempotencyStore,
    pending: PendingEntries,
    metrics: CommandMetrics,
    topics: Topics,
    signal: BookingSignal,
    links: QueryLinks,
    deadlines: Deadlines,
    clock: ReferenceClock,
    withdrawals: Withdrawals,
    handoffs: Handoffs,
}

/// Whether a record may have been sent before this append: then even a
/// record that certainly missed the log this time may be in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempt {
    First,
    Again,
}

impl Commands {
    pub fn new(
        pool: PgPool,
        appender: Appender,
        board: DecisionBoard,
        pending: PendingEntries,
        metrics: CommandMetrics,
        topics: Topics,
        signal: BookingSignal,
    ) -> Self {
        Self {
            signal,
            links: QueryLinks::new(infra::config::DEFAULT_PUBLIC_QUERY_URL),
            deadlines: Deadlines::default(),
            clock: ReferenceClock::default(),
            handoffs: Handoffs::off(),
            keys: IdempotencyStore::new(pool.clone()),
            withdrawals: Withdrawals::new(pool.clone(), appender.clone()),
            pool,
            appender,
            board,
            pending,
            metrics,
            topics,
        }
    }

    /// Where the `Location` of an answer points (`PUBLIC_QUERY_URL`).
    pub fn linking_to(mut self, links: QueryLinks) -> Self {
        self.links = links;
        self
    }

    /// The intake and closing windows, from the database's request bounds
    /// (`DATABASE_STATEMENT_TIMEOUT_MS`).
    pub fn bounded_by(mut self, bounds: RequestBounds) -> Self {
        self.deadlines = Deadlines::new(bounds);
        self
    }

    /// Commands are stamped by `clock` (the database's, see
    /// `infra::clock`), not by this host's.
    pub fn stamped_by(mut self, clock: ReferenceClock) -> Self {
        self.clock = clock;
        self
    }

    /// Each record appended is handed to its partition's projector as
    /// soon as the broker acknowledges it (see `infra::handoff`).
    pub fn handing_off(mut self, handoffs: Handoffs) -> Self {
        self.handoffs = handoffs;
        self
    }

    /// Withdrawals owed by any instance and not paid by it (see
    /// `withdrawals`).
    pub fn withdrawals(&self) -> &Withdrawals {
        &self.withdrawals
    }

    pub fn clock(&self) -> &ReferenceClock {
        &self.clock
    }

    pub fn deadlines(&self) -> &Deadlines {
        &self.deadlines
    }

    pub fn topics(&self) -> &Topics {
        &self.topics
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Counts a booking-phase command (hold, release, charge, payment) in
    /// the signal the admission controller follows, from its intake to its
    /// answer; catalog administration is not the fans' load.
    pub fn track(&self, command_type: CommandType, intake: &Intake) -> Option<Flight> {
        match command_type {
            CommandType::Hold
            | CommandType::Release
            | CommandType::Charge
            | CommandType::Payment => Some(self.signal.begin(intake.received)),
            CommandType::RegisterConcert | CommandType::AddSchedule => None,
        }
    }

    /// Appends `record` and answers with its decision, or 202 when the
    /// budget runs out first. With a key already used: the stored answer,
    /// the same command followed, or 409 for another body.
    pub async fn submit(
        &self,
        intake: &Intake,
        claim: Option<KeyClaim>,
        record: CommandRecord,
    ) -> Result<Answer, ApiError> {
        if let Some(claim) = &claim {
            let claimed = self.deadlines.take_in(intake, "postgres", async {
                self.keys
                    .claim(claim, &record)
                    .await
                    .map_err(ApiError::database)
            });
            match claimed.await? {
                Claimed::Won => {}
                // A replay needs no decision board: it may answer while Redis is down.
                Claimed::Taken(stored) => return self.follow(intake, claim, *stored).await,
            }
        }
        name_command(&record);
        let patience = BOARD_PATIENCE.min(
            self.deadlines
                .intake_ends(intake)
                .saturating_duration_since(Instant::now()),
        );
        if !self.board.ready(patience).await {
            self.give_back(intake, claim.as_ref(), &record).await;
            return Err(ApiError::unavailable(
                "redis",
                "the decision board is not subscribed",
            ));
        }
        let mut expectation = self.board.expect(record.command_id);
        if let Err(error) = self.append(intake, &record, Attempt::First).await {
            // Certainly not in the log: a retry is a new command.
            self.give_back(intake, claim.as_ref(), &record).await;
            return Err(error);
        }
        let closing = self.deadlines.closing_ends(intake);
        let (heard, ()) = tokio::join!(
            self.wait(intake, &record, &mut expectation),
            self.note_appended(claim.as_ref(), record.command_id, closing),
        );
        let decision = match heard {
            Some(decision) => Some(decision),
            None => self.close_unheard(intake, &record, closing).await,
        };
        let answer = self.answer(decision.as_ref(), &record);
        self.settle(claim.as_ref(), &record, &answer, closing).await;
        Ok(answer)
    }

    /// For a guarded command whose queue token is no longer ACTIVE: an
    /// earlier use of the same key with the same body is still answered
    /// (its stored answer, or its command followed). `None` otherwise.
    pub async fn resume(
        &self,
        intake: &Intake,
        claim: &KeyClaim,
    ) -> Result<Option<Answer>, ApiError> {
        let stored = self
            .deadlines
            .take_in(intake, "postgres", async {
                self.keys.find(claim).await.map_err(ApiError::database)
            })
            .await?;
        match stored {
            Some(stored) if claim.fingerprint.matches(&stored.request_hash) => {
                self.follow(intake, claim, stored).await.map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Records the outcome in `ticketfold_commands_total` and renders the answer.
    pub fn respond(
        &self,
        command_type: CommandType,
        intake: &Intake,
        result: Result<Answer, ApiError>,
    ) -> Result<HttpResponse, ApiError> {
        let outcome = match &result {
            Ok(answer) => answer.outcome,
            Err(error) => error.outcome(),
        };
        self.metrics.answered(command_type.as_str(), outcome);
        result.map(|answer| {
            answer.into_response(
                intake.budget.applied(),
                intake.origin.correlation_id,
                &self.links,
            )
        })
    }

    /// A key used before: its first final answer, or its command followed.
    async fn follow(
        &self,
        intake: &Intake,
        claim: &KeyClaim,
        stored: StoredCommand,
    ) -> Result<Answer, ApiError> {
        if !claim.fingerprint.matches(&stored.request_hash) {
            return Err(ApiError::IdempotencyKeyReused);
        }
        let record = stored.record;
        name_command(&record);
        if let Some(answer) = &stored.answer {
            return Ok(Answer::replayed(answer, &record.location));
        }
        let mut expectation = self.board.expect(record.command_id);
        let decided = self
            .deadlines
            .take_in(intake, "postgres", self.outcome(record.command_id))
            .await?;
        if let Some(decision) = decided {
            let answer = self.answer(Some(&decision), &record);
            let closing = self.deadlines.closing_ends(intake);
            self.settle(Some(claim), &record, &answer, closing).await;
            return Ok(answer);
        }
        let mut appended = stored.appended;
        let mut noted = None;
        if !appended {
            let taken_over = self.deadlines.take_in(intake, "postgres", async {
                self.keys
                    .take_over_append(claim, record.command_id, APPEND_GRACE)
                    .await
                    .map_err(ApiError::database)
            });
            if taken_over.await? {
                tracing::info!(command_id = %record.command_id, "appending an unacknowledged command again");
                // An earlier attempt may be in the log: a failure now
                // withdraws it rather than answering 503.
                self.append(intake, &record, Attempt::Again).await?;
                appended = true;
                noted = Some(claim);
            }
        }
        let closing = self.deadlines.closing_ends(intake);
        let (heard, ()) = tokio::join!(
            self.wait(intake, &record, &mut expectation),
            self.note_appended(noted, record.command_id, closing),
        );
        if heard.is_none() && !appended {
            // Its first attempt is under way, or died before it was
            // confirmed: withdrawn once that attempt is surely over, so
            // its `Location` reaches a final outcome either way.
            self.metrics.withdrawn(record.command_type.as_str());
            self.withdrawals
                .owe(
                    &record,
                    self.clock.now(),
                    closing,
                    Start::After(APPEND_GRACE),
                )
                .await;
        }
        let decision = match heard {
            Some(decision) => Some(decision),
            None => self.close_unheard(intake, &record, closing).await,
        };
        let answer = self.answer(decision.as_ref(), &record);
        self.settle(Some(claim), &record, &answer, closing).await;
        Ok(answer)
    }

    /// Gives `claim`'s key back for a retry when nothing was appended (if
    /// it cannot be, a retry takes the append over later).
    async fn give_back(&self, intake: &Intake, claim: Option<&KeyClaim>, record: &CommandRecord) {
        let Some(claim) = claim else { return };
        let closing = self.deadlines.closing_ends(intake);
        match by(closing, self.keys.release(claim, record.command_id)).await {
            Some(Ok(())) => {}
            Some(Err(error)) => {
                tracing::warn!(%error, "cannot give an idempotency key back")
            }
            None => {
                tracing::warn!("no idempotency key given back within the closing window")
            }
        }
    }

    /// Appends `record`. `Err` only when it is certainly not in the log
    /// (a 503 then means it never applies). `Ok` when it is in the log, or
    /// was sent but never confirmed and its withdrawal is owed: either way
    /// it is certain to be decided, which its `Location` will read.
    async fn append(
        &self,
        intake: &Intake,
        record: &CommandRecord,
        attempt: Attempt,
    ) -> Result<(), ApiError> {
        let deadline = intake.received + intake.budget.duration();
        let window = deadline
            .saturating_duration_since(Instant::now())
            .max(MIN_APPEND_WINDOW);
        let started = Instant::now();
        let appended = tokio::time::timeout(
            window,
            self.appender
                .append_traced(&record.topic, &record.key, &record.payload, &[]),
        )
        .await;
        let unconfirmed = match appended {
            Ok(Ok(appended)) => {
                self.handoffs.send(appended.handed_off(
                    &record.topic,
                    &record.key,
                    &record.payload,
                ));
                self.metrics.appended(
                    record.command_type.as_str(),
                    started.elapsed().as_secs_f64(),
                );
                return Ok(());
            }
            Ok(Err(AppendError::TooLarge)) => {
                return Err(ApiError::Internal(
                    "a command record is too large for the broker".into(),
                ))
            }
            Ok(Err(error)) if !error.may_be_in_the_log() && attempt == Attempt::First => {
                return Err(ApiError::unavailable("kafka", error));
            }
            Ok(Err(error)) => error.to_string(),
            // Still queued in the producer: it may yet be sent.
            Err(_) => format!("no acknowledgement within {} ms", window.as_millis()),
        };
        tracing::warn!(command_id = %record.command_id, reason = %unconfirmed, "a command's append is unconfirmed; withdrawing it");
        self.metrics.withdrawn(record.command_type.as_str());
        let closing = self.deadlines.closing_ends(intake);
        self.withdrawals
            .owe(record, self.clock.now(), closing, Start::Now)
            .await;
        Ok(())
    }

    /// The decision, if it is heard within the budget; `None` with a zero
    /// budget, which answers 202 as soon as the record is in the log.
    async fn wait(
        &self,
        intake: &Intake,
        record: &CommandRecord,
        expectation: &mut super::board::Expectation,
    ) -> Option<Decision> {
        if intake.budget.is_zero() {
            return None;
        }
        let started = Instant::now();
        let budget_ends = intake.received + intake.budget.duration();
        let deadline = tokio::time::Instant::from_std(budget_ends);
        let heard = loop {
            tokio::select! {
                heard = expectation.next() => match heard {
                    Heard::Decided(decision) => break Some(decision),
                    Heard::Resubscribed => {
                        // Within the budget too: the closing read follows.
                        if let Some(Ok(Some(decision))) =
                            by(budget_ends, self.outcome(record.command_id)).await
                        {
                            break Some(decision);
                        }
                    }
                },
                () = tokio::time::sleep_until(deadline) => break None,
            }
        };
        self.metrics.waited(
            record.command_type.as_str(),
            started.elapsed().as_secs_f64(),
        );
        heard
    }

    /// For a command not heard decided within its budget: the table's word
    /// (the announcement may have been missed) and, side by side, the
    /// pending entry its `Location` reads until it is decided, both within
    /// the closing window. Writing the entry before the table is read is
    /// harmless: it is `SET NX`, never replaces a decided entry, and
    /// readers look behind it. Every command that gets here is certain to
    /// be decided: in the log, or withdrawn (see `withdrawals`).
    async fn close_unheard(
        &self,
        intake: &Intake,
        record: &CommandRecord,
        closing: Instant,
    ) -> Option<Decision> {
        let read = async {
            if intake.budget.is_zero() {
                return None;
            }
            match by(closing, self.outcome(record.command_id)).await {
                Some(Ok(decision)) => decision,
                Some(Err(error)) => {
                    tracing::warn!(%error, command_id = %record.command_id, "cannot read the command's outcome; answering 202");
                    None
                }
                None => {
                    tracing::warn!(command_id = %record.command_id, "no outcome read within the closing window; answering 202");
                    None
                }
            }
        };
        let (decision, ()) = tokio::join!(read, self.leave_pending(record, closing));
        decision
    }

    async fn outcome(&self, command_id: Uuid) -> Result<Option<Decision>, ApiError> {
        let read = async {
            let mut conn = self.pool.acquire().await?;
            Decision::load(&mut conn, command_id).await
        };
        match tokio::time::timeout(OUTCOME_READ_TIMEOUT, read).await {
            Ok(result) => result.map_err(|error| match error {
                OutcomeError::Database(error) => ApiError::database(error),
                unknown @ OutcomeError::Unknown { .. } => ApiError::Internal(Box::new(unknown)),
            }),
            Err(_) => Err(ApiError::unavailable(
                "postgres",
                "no answer reading command_outcomes",
            )),
        }
    }

    fn answer(&self, decision: Option<&Decision>, record: &CommandRecord) -> Answer {
        match decision {
            Some(decision) => Answer::decided(decision, &record.location),
            None => Answer::pending(record),
        }
    }

    /// Writes the pending entry its `Location` reads until it is decided.
    /// Never in the way of the `202`: without it the poll reads 404 until
    /// the decision, as a poll of an unknown id does.
    async fn leave_pending(&self, record: &CommandRecord, closing: Instant) {
        let Some(entry) = record.pending_entry() else {
            return;
        };
        let Some(written) = by(closing, self.pending.write(&entry)).await else {
            tracing::warn!(command_id = %record.command_id, "no pending entry written within the closing window; its poll reads 404 until decided");
            return;
        };
        match written {
            Ok(true) => {}
            // The decided entry is there already: it is what the poll reads.
            Ok(false) => {
                tracing::debug!(command_id = %record.command_id, "decided before its pending entry")
            }
            Err(error) => {
                tracing::warn!(%error, command_id = %record.command_id, "cannot write a pending entry; its poll reads 404 until decided")
            }
        }
    }

    /// Notes that `claim`'s record is in the log (nothing without a claim).
    async fn note_appended(&self, claim: Option<&KeyClaim>, command_id: Uuid, closing: Instant) {
        let Some(claim) = claim else { return };
        // Either way a retry would append the same record again: harmless.
        match by(closing, self.keys.mark_appended(claim, command_id)).await {
            Some(Ok(())) => {}
            Some(Err(error)) => {
                tracing::warn!(%error, %command_id, "cannot note an idempotency key's append")
            }
            None => {
                tracing::warn!(%command_id, "no idempotency key's append noted within the closing window")
            }
        }
    }

    /// Keeps a final answer for the key, or gives the key back when the
    /// decision is not one the contract replays.
    async fn settle(
        &self,
        claim: Option<&KeyClaim>,
        record: &CommandRecord,
        answer: &Answer,
        closing: Instant,
    ) {
        let Some(claim) = claim else { return };
        let kept = by(closing, async {
            match answer.kind {
                AnswerKind::Decided if answer.is_kept() => {
                    self.keys
                        .keep_answer(claim, record.command_id, &answer.to_stored())
                        .await
                }
                AnswerKind::Decided => self.keys.release(claim, record.command_id).await,
                AnswerKind::Pending | AnswerKind::Replayed => Ok(()),
            }
        })
        .await;
        // Either way the answer stands; a retry follows the same command id.
        match kept {
            Some(Ok(())) => {}
            Some(Err(error)) => {
                tracing::warn!(%error, command_id = %record.command_id, "cannot keep the idempotent answer")
            }
            None => {
                tracing::warn!(command_id = %record.command_id, "no idempotent answer kept within the closing window")
            }
        }
    }
}

/// Names the command this request appends or follows in the request span,
/// as the projector's `fold` span names it: one grep of either id finds both.
fn name_command(record: &CommandRecord) {
    tracing::Span::current().record("command_id", tracing::field::display(record.command_id));
}
