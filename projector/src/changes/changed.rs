//! Which read-model entries a batch's changes touch, so they are rewritten
//! in Redis (from the committed tables) before its decisions are announced.

use infra::decision::CommandType;
use read_model::Changed;

use super::{Changes, EntryKind};

impl Changes {
    pub fn changed(&self) -> Changed {
        let mut changed = Changed {
            concerts: !self.concerts.is_empty(),
            schedules: self.schedules.values().map(|s| s.concert_id).collect(),
            seat_maps: self
                .seats
                .keys()
                .map(|(schedule, _)| *schedule)
                .chain(self.seat_plans.keys().copied())
                .collect(),
            balances: self.wallets.keys().copied().collect(),
            reservations: self.reservations.keys().copied().collect(),
            payments: self.payments.keys().copied().collect(),
            charges: self
                .wallet_entries
                .keys()
                .filter(|(_, kind, _)| *kind == EntryKind::Charge)
                .map(|(user, _, charge)| (*user, *charge))
                .collect(),
        };
        // A refused charge has no entry; its answer is read by command id.
        changed.charges.extend(
            self.outcomes
                .values()
                .filter(|d| d.command_type == CommandType::Charge)
                .filter_map(|d| Some((d.user_id?, d.command_id))),
        );
        changed
    }
}
