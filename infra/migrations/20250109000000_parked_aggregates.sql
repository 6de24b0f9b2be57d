-- Aggregates (a wallet, a schedule, a concert) the projector let go of
-- when they had rested a while, so its memory holds live state rather than
-- history (issue 14 point 2). A row is the aggregate's whole decision state
-- after the partition's records before `parked_at`; each park writes a new
-- row, in the batch transaction that stores the offset. An aggregate a
-- record touches again is read back from its newest row at or before the
-- partition's position, so a take-over that folds from an older snapshot
-- never reads a version from its future. Rows superseded before the
-- oldest kept snapshot are deleted when a snapshot is stored. Like
-- snapshots, rows of another `format_version` are never read.
CREATE TABLE projector_parked (
    consumer_group TEXT NOT NULL,
    topic TEXT NOT NULL,
    partition INT NOT NULL,
    -- The aggregate's id: the records' key.
    key UUID NOT NULL,
    parked_at BIGINT NOT NULL,
    format_version INT NOT NULL,
    body BYTEA NOT NULL,
    PRIMARY KEY (consumer_group, topic, partition, key, parked_at)
);
