-- Each partition's decision state as it stood before `next_offset`, so a
-- projector taking the partition folds only the records after it instead
-- of the whole log. Written in the batch transaction that stores the
-- partition's offset, so a snapshot never stands for records whose effects
-- did not commit. An optimisation only: a replay from offset 0 needs none,
-- and one that cannot be read (a `format_version` this build does not
-- know, a `body` that does not match its `digest`) is passed over for an
-- older one or for a replay.
CREATE TABLE projector_snapshots (
    consumer_group TEXT NOT NULL,
    topic TEXT NOT NULL,
    partition INT NOT NULL,
    next_offset BIGINT NOT NULL,
    format_version INT NOT NULL,
    -- SHA-256 of `body`.
    digest BYTEA NOT NULL,
    body BYTEA NOT NULL,
    taken_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, partition, next_offset)
);
