-- Where the projector resumes each partition. Written in the same
-- transaction as the effects of the records before `next_offset`, so a
-- crash neither loses nor repeats an effect.
CREATE TABLE projector_offsets (
    consumer_group TEXT NOT NULL,
    topic TEXT NOT NULL,
    partition INT NOT NULL,
    next_offset BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, partition)
);

-- Records the projector could not decode; kept so they can be inspected
-- and replayed once fixed, instead of stalling the partition.
CREATE TABLE projector_dead_letters (
    topic TEXT NOT NULL,
    partition INT NOT NULL,
    record_offset BIGINT NOT NULL,
    record_key BYTEA,
    payload BYTEA,
    reason TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition, record_offset)
);

-- Read tables are derived from the log and rebuilt by replaying it, so they
-- carry no foreign keys: a fold must never stall on an ordering surprise.
CREATE TABLE concerts (
    concert_id UUID PRIMARY KEY,
    title TEXT NOT NULL,
    venue TEXT NOT NULL,
    registered_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE schedules (
    schedule_id UUID PRIMARY KEY,
    concert_id UUID NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL,
    booking_opens_at TIMESTAMPTZ NOT NULL,
    total_seats INT NOT NULL
);

CREATE INDEX schedules_by_concert ON schedules (concert_id, starts_at);

CREATE TABLE schedule_seats (
    schedule_id UUID NOT NULL,
    seat_number INT NOT NULL,
    price BIGINT NOT NULL,
    PRIMARY KEY (schedule_id, seat_number)
);
