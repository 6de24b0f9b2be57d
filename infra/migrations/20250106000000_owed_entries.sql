-- What a committed batch changed in the read model, until its entries are
-- readable. Written in the batch's transaction and deleted once the entries
-- are rewritten (or dropped), so a projector that dies between its commit
-- and its Redis writes leaves a row behind: whoever takes one of the
-- `partitions` next drops the entries it names, and their next read loads
-- the committed tables instead of the stale entries.
CREATE TABLE projector_owed_entries (
    id BIGSERIAL PRIMARY KEY,
    consumer_group TEXT NOT NULL,
    -- `topic/partition` of each partition the batch folded.
    partitions TEXT[] NOT NULL,
    -- `read_model::Changed` as JSON.
    changed JSONB NOT NULL,
    committed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX projector_owed_entries_partitions
    ON projector_owed_entries USING GIN (partitions);
