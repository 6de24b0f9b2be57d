//! An in-memory stand-in for the projector: several schedules and wallets,
//! folded one command at a time, with the payment process walking each
//! payment across them. Shared by the scenario and property tests.
#![allow(dead_code)]

use std::collections::BTreeMap;

use domain::inventory::{InventoryCommand, InventoryEvent, SeatInventory};
use domain::payment::{DebitOutcome, PaymentEvent, PaymentProcess, PaymentStep, StepCommand};
use domain::wallet::{Wallet, WalletCommand, WalletEvent};
use domain::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addressed {
    Inventory(ScheduleId, InventoryCommand),
    Wallet(UserId, WalletCommand),
}

#[derive(Default)]
pub struct World {
    pub inventories: BTreeMap<ScheduleId, SeatInventory>,
    pub inventory_log: BTreeMap<ScheduleId, Vec<InventoryEvent>>,
    pub wallets: BTreeMap<UserId, Wallet>,
    pub wallet_log: BTreeMap<UserId, Vec<WalletEvent>>,
    pub processes: BTreeMap<PaymentId, PaymentProcess>,
    pub process_log: BTreeMap<PaymentId, Vec<PaymentEvent>>,
    /// Steps the payment processes owe, not yet delivered.
    pub pending: Vec<PaymentStep>,
    /// Every command that was accepted with new events, for replay checks.
    pub accepted: Vec<Addressed>,
}

impl World {
    pub fn inventory(&self, id: ScheduleId) -> &SeatInventory {
        self.inventories
            .get(&id)
            .expect("schedule opened in this world")
    }

    pub fn wallet(&self, id: UserId) -> Wallet {
        self.wallets.get(&id).cloned().unwrap_or_default()
    }

    pub fn on_inventory(
        &mut self,
        id: ScheduleId,
        command: InventoryCommand,
    ) -> Result<Vec<InventoryEvent>, DomainError> {
        let state = self.inventories.remove(&id).unwrap_or_default();
        let decision = SeatInventory::decide(command.clone(), &state);
        let events = decision.clone().unwrap_or_default();
        self.inventories
            .insert(id, events.iter().fold(state, SeatInventory::evolve));
        self.inventory_log
            .entry(id)
            .or_default()
            .extend(events.iter().cloned());
        if !events.is_empty() {
            self.accepted.push(Addressed::Inventory(id, command));
        }
        for event in &events {
            if let Some((payment_id, observed)) = PaymentEvent::from_inventory(event, id) {
                self.observe(payment_id, observed);
            }
        }
        decision
    }

    pub fn on_wallet(
        &mut self,
        id: UserId,
        command: WalletCommand,
    ) -> Result<Vec<WalletEvent>, DomainError> {
        let state = self.wallets.remove(&id).unwrap_or_default();
        let decision = Wallet::decide(command.clone(), &state);
        let events = decision.clone().unwrap_or_default();
        self.wallets
            .insert(id, events.iter().fold(state, Wallet::evolve));
        self.wallet_log
            .entry(id)
            .or_default()
            .extend(events.iter().cloned());
        if !events.is_empty() {
            self.accepted.push(Addressed::Wallet(id, command));
        }
        for event in &events {
            if let Some((payment_id, observed)) = PaymentEvent::from_wallet(event) {
                self.observe(payment_id, observed);
            }
        }
        decision
    }

    /// Decides without applying: what a redelivery of `command` would do now.
    pub fn redeliver(&self, command: &Addressed) -> Result<usize, DomainError> {
        match command {
            Addressed::Inventory(id, c) => {
                SeatInventory::decide(c.clone(), self.inventory(*id)).map(|e| e.len())
            }
            Addressed::Wallet(id, c) => {
                Wallet::decide(c.clone(), &self.wallet(*id)).map(|e| e.len())
            }
        }
    }

    fn observe(&mut self, payment_id: PaymentId, observed: PaymentEvent) {
        let state = self.processes.remove(&payment_id).unwrap_or_default();
        let events = PaymentProcess::decide(observed, &state)
            .unwrap_or_else(|e| panic!("payment {payment_id}: {observed:?} in {state:?}: {e}"));
        let state = events.iter().fold(state, PaymentProcess::evolve);
        if !events.is_empty() {
            self.pending.extend(state.next_step());
        }
        self.processes.insert(payment_id, state);
        self.process_log
            .entry(payment_id)
            .or_default()
            .extend(events);
    }

    /// Delivers the `index`-th owed step to its partition.
    pub fn deliver(&mut self, index: usize) {
        let step = self.pending.remove(index);
        self.deliver_step(step);
    }

    /// Delivers the `index`-th owed step, but a settlement of a debit
    /// arrives naming another amount: records that disagree.
    pub fn deliver_corrupted(&mut self, index: usize) {
        let step = match self.pending.remove(index) {
            PaymentStep::Settle {
                terms,
                outcome:
                    DebitOutcome::Debited {
                        amount,
                        balance_after,
                    },
            } => PaymentStep::Settle {
                terms,
                outcome: DebitOutcome::Debited {
                    amount: amount.checked_add(Money::try_from(1).unwrap()).unwrap(),
                    balance_after,
                },
            },
            other => other,
        };
        self.deliver_step(step);
    }

    fn deliver_step(&mut self, step: PaymentStep) {
        let payment_id = step.terms().payment_id;
        match step.command() {
            StepCommand::Wallet { user_id, command } => {
                let is_debit = matches!(command, WalletCommand::Debit { .. });
                let decision = self.on_wallet(user_id, command);
                if is_debit {
                    let outcome = self.wallet(user_id).answer_to_debit(payment_id, &decision);
                    assert!(outcome.is_ok(), "a debit is always answered: {outcome:?}");
                } else {
                    assert!(
                        decision.is_ok(),
                        "commit and refund are always accepted: {decision:?}"
                    );
                }
            }
            StepCommand::Inventory {
                schedule_id,
                command,
            } => {
                let decision = self.on_inventory(schedule_id, command);
                let observed = PaymentEvent::of_settle_decision(
                    payment_id,
                    &decision,
                    self.inventory(schedule_id),
                );
                self.observe(payment_id, observed);
            }
        }
    }

    pub fn drain(&mut self) {
        while !self.pending.is_empty() {
            self.deliver(0);
        }
    }
}
