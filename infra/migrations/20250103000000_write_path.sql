-- Read tables of the write path, folded by the projector from the log with
-- the domain deciders. Every time here is an event time (from the records),
-- never now(), so `projector replay` rebuilds these tables byte for byte and
-- `projector checksum` can compare them. Expiry is never written: a HELD row
-- whose expiry has passed reads as EXPIRED / AVAILABLE at query time.

-- A seat's owner. `status` is what the last event made it; a HELD seat with
-- `hold_expires_at <= now()` reads AVAILABLE. While a payment is in flight
-- the hold is locked: HELD with `hold_expires_at` NULL (it cannot lapse).
ALTER TABLE schedule_seats
    ADD COLUMN status TEXT NOT NULL DEFAULT 'AVAILABLE'
        CHECK (status IN ('AVAILABLE', 'HELD', 'SOLD')),
    ADD COLUMN reservation_id UUID,
    ADD COLUMN hold_expires_at TIMESTAMPTZ;

-- One row per decided hold request (accepted or refused), by reservation id.
-- Reads: HELD and not `payment_pending` and `expires_at <= now()` is EXPIRED;
-- no row yet is PENDING.
CREATE TABLE reservations (
    reservation_id UUID PRIMARY KEY,
    schedule_id UUID NOT NULL,
    user_id UUID NOT NULL,
    seat_number INT NOT NULL,
    -- The price the seat was held at; NULL when refused before a seat was found.
    price BIGINT,
    status TEXT NOT NULL CHECK (status IN ('HELD', 'RELEASED', 'CONFIRMED', 'REJECTED')),
    -- The contract code a REJECTED request was refused with.
    rejection_code TEXT,
    -- A payment is in flight: the hold is locked and does not lapse.
    payment_pending BOOLEAN NOT NULL DEFAULT false,
    requested_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX reservations_by_user ON reservations (user_id, schedule_id);

-- Payments, written by the seat side (the schedule's partition). FAILED
-- carries the code the payer was answered with.
CREATE TABLE payments (
    payment_id UUID PRIMARY KEY,
    -- The event id of the PaymentRequested record: the command id.
    command_id UUID NOT NULL,
    reservation_id UUID NOT NULL,
    schedule_id UUID NOT NULL,
    user_id UUID NOT NULL,
    -- The seat's price; NULL for a request refused at once.
    amount BIGINT,
    status TEXT NOT NULL CHECK (status IN ('REQUESTED', 'COMPLETED', 'FAILED')),
    failure_code TEXT,
    -- The payer's balance right after the debit of a COMPLETED payment.
    balance_after BIGINT,
    requested_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX payments_by_reservation ON payments (reservation_id);

-- A user's balance. `in_flight` is debited money not yet committed or
-- refunded (it still counts toward the maximum balance).
CREATE TABLE wallets (
    user_id UUID PRIMARY KEY,
    balance BIGINT NOT NULL,
    in_flight BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Every movement of money, so `balance = charges - debits + refunds` can be
-- checked per user. `reference_id` is the charge id (CHARGE) or the payment
-- id (DEBIT, REFUND): each moves money at most once.
CREATE TABLE wallet_entries (
    user_id UUID NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('CHARGE', 'DEBIT', 'REFUND')),
    reference_id UUID NOT NULL,
    amount BIGINT NOT NULL,
    balance_after BIGINT NOT NULL,
    -- The record whose decision moved the money.
    event_id UUID NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, kind, reference_id)
);
