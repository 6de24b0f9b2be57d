//! A request the command API withdrew (it could not tell whether the
//! request reached the log): refused `UNAVAILABLE` when the withdrawal is
//! folded first, so the `503`-class answer the caller may get is true for
//! good; nothing when the request was folded first, whose decision stands.
//! The request's id counts as seen either way, so a copy of it that lands
//! after its withdrawal is dropped unseen.

use domain::inventory::InventoryCommand;
use infra::problem::ErrorCode;
use schemas::{Command, Envelope};

use super::decisions::{request_of, Asked};
use super::produced::Produced;
use super::seat_rows::{refused_payment, rejected_hold};
use super::state::PartitionState;

/// What the refusal says; the poll of a refused hold or payment carries
/// only the code.
const DETAIL: &str = "the request was withdrawn before it was decided: its append was not \
                      confirmed in time; it never takes effect, and may be sent again";

/// Folds the withdrawal `withdrawal` of `request`, in the request's
/// partition.
pub(super) fn fold(
    state: &mut PartitionState,
    produced: &mut Produced,
    withdrawal: &Envelope,
    request: &Envelope,
) {
    let event = match request.open() {
        Ok(event) if event.key() == withdrawal.key => event,
        Ok(_) => {
            tracing::warn!(command_id = %request.event_id, "a withdrawal of a request of another partition; ignored");
            return;
        }
        Err(error) => {
            tracing::warn!(command_id = %request.event_id, %error, "a withdrawal of an unreadable request; ignored");
            return;
        }
    };
    let Some((command_type, user_id)) = request_of(&event) else {
        tracing::warn!(command_id = %request.event_id, "a withdrawal of a record that is no request; ignored");
        return;
    };
    // Filed under the aggregate its request (and the withdrawal) is keyed by.
    if !state.first_sighting(Some(event.key_id()), request.event_id) {
        tracing::debug!(command_id = %request.event_id, "decided before its withdrawal, which changes nothing");
        return;
    }
    let asked = Asked {
        command_id: request.event_id,
        command_type,
        user_id,
        at: withdrawal.occurred_at,
    };
    let code = ErrorCode::Unavailable;
    // What its poll reads, where a refusal of its kind writes a row.
    match Command::try_from(event) {
        Ok(Command::Inventory {
            schedule_id,
            command:
                InventoryCommand::PlaceHold {
                    reservation_id,
                    user_id,
                    seat,
                    at,
                    expires_at,
                    ..
                },
        }) => {
            let row = rejected_hold(
                schedule_id,
                user_id.as_uuid(),
                seat,
                at,
                expires_at,
                code.as_str(),
                asked.at,
            );
            produced
                .changes
                .reservations
                .entry(reservation_id.as_uuid())
                .or_insert(row);
        }
        Ok(Command::Inventory {
            schedule_id,
            command:
                InventoryCommand::RequestPayment {
                    payment_id,
                    reservation_id,
                    user_id,
                    ..
                },
        }) => {
            let taken_up = state
                .inventories
                .get(&schedule_id)
                .is_some_and(|inventory| inventory.payment(payment_id).is_some());
            if !taken_up {
                let row = refused_payment(
                    asked.command_id,
                    reservation_id,
                    schedule_id,
                    user_id.as_uuid(),
                    code.as_str(),
                    asked.at,
                );
                produced
                    .changes
                    .payments
                    .entry(payment_id.as_uuid())
                    .or_insert(row);
            }
        }
        // A refused top-up, release or catalog request writes no row: its
        // poll reads the answer (or the hold, as it was).
        Ok(_) | Err(_) => {}
    }
    produced.changes.outcome(asked.refused_with(code, DETAIL));
}
