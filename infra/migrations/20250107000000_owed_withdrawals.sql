-- Withdrawals the command API owes the log: a request whose append was
-- sent but never confirmed was answered `202`, and its `Location` reaches a
-- final outcome only once its withdrawal is in the log as well (whichever
-- of the two the partition holds first decides). Written before that
-- answer and deleted once the withdrawal is acknowledged, so a command-api
-- that dies in between leaves the debt to any other instance.
CREATE TABLE owed_withdrawals (
    command_id UUID PRIMARY KEY,
    topic TEXT NOT NULL,
    record_key TEXT NOT NULL,
    -- The withdrawal's record value, built once: every attempt appends
    -- the same bytes (one event id), which the fold drops as seen.
    payload BYTEA NOT NULL,
    owed_since TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Until then the instance that owes it is trying; after, anyone may.
    attempt_after TIMESTAMPTZ NOT NULL
);
CREATE INDEX owed_withdrawals_due ON owed_withdrawals (attempt_after);
