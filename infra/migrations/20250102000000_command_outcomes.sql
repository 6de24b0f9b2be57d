-- The final answer of every decided command, written by the projector in
-- the same transaction as the command's effects. The command-api answers
-- from it (after a pub/sub wake-up, or by reading it when the wake-up was
-- missed), so a decision is never reported before it is durable.
CREATE TABLE command_outcomes (
    command_id UUID PRIMARY KEY,
    command_type TEXT NOT NULL,
    user_id UUID,
    outcome TEXT NOT NULL,
    body JSONB NOT NULL,
    -- Event time of the decision, never the wall clock, so a replay
    -- reproduces the table byte for byte.
    decided_at TIMESTAMPTZ NOT NULL
);
