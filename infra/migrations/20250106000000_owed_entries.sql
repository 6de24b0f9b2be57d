-- What a committed batch owes Redis, until it is paid: the read-model
-- entries it changed, and the queue places of the payers whose payment it
-- completed. Written in the batch's transaction and deleted once the
-- entries are rewritten (or dropped) and the places ended, so a projector
-- that dies between its commit and its Redis writes leaves a row behind:
-- whoever takes one of the `partitions` next drops the entries it names
-- (their next read loads the committed tables) and ends those places.
CREATE TABLE projector_owed_entries (
    id BIGSERIAL PRIMARY KEY,
    consumer_group TEXT NOT NULL,
    -- `topic/partition` of each partition the batch folded.
    partitions TEXT[] NOT NULL,
    -- `read_model::Changed` as JSON.
    changed JSONB NOT NULL,
    -- `[{user_id, schedule_id}]`: payers whose queue places end.
    payers JSONB NOT NULL DEFAULT '[]',
    -- The commands the batch decided: their outcomes are not read back
    -- (`Decision::load`) until the debt is paid, so no caller is answered
    -- from the table before what the answer promises is readable.
    commands UUID[] NOT NULL DEFAULT '{}',
    committed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX projector_owed_entries_partitions
    ON projector_owed_entries USING GIN (partitions);
CREATE INDEX projector_owed_entries_commands
    ON projector_owed_entries USING GIN (commands);
