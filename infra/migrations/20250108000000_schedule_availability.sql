-- Each schedule's AVAILABLE seats, counted as seats change rather than on
-- every read: a concert's schedule list (read again after every hold and
-- payment) otherwise counts every seat of every schedule, 4-5 ms of
-- Postgres for 30 schedules of 408 seats. Kept by statement triggers on
-- `schedule_seats` whoever writes it (the projector's folds and replays,
-- tests seeding seats), so the count cannot drift from the rows it counts.
CREATE TABLE schedule_availability (
    schedule_id UUID PRIMARY KEY,
    available INT NOT NULL
);

INSERT INTO schedule_availability (schedule_id, available)
SELECT schedule_id, count(*) FILTER (WHERE status = 'AVAILABLE')
FROM schedule_seats
GROUP BY schedule_id;

-- Each adds its statement's change to each schedule's count, creating the
-- row at the schedule's first seat. Rows are changed in schedule order, so
-- two writers of the same schedules lock them in one order. The table is
-- named in the trigger's own schema: a replay schema's seats count into
-- its own table. (Transition tables are visible only to the trigger
-- function's own statements, hence one function per event.)
CREATE FUNCTION schedule_availability_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO %I.schedule_availability AS a (schedule_id, available)
         SELECT schedule_id, sum(change)::int FROM (SELECT schedule_id, (status = ''AVAILABLE'')::int AS change FROM added) changes
         GROUP BY schedule_id
         ORDER BY schedule_id
         ON CONFLICT (schedule_id) DO UPDATE SET available = a.available + EXCLUDED.available',
        TG_TABLE_SCHEMA);
    RETURN NULL;
END
$$;

CREATE FUNCTION schedule_availability_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO %I.schedule_availability AS a (schedule_id, available)
         SELECT schedule_id, sum(change)::int FROM (SELECT schedule_id, (status = ''AVAILABLE'')::int AS change FROM added
             UNION ALL
             SELECT schedule_id, -(status = ''AVAILABLE'')::int FROM removed) changes
         GROUP BY schedule_id
         HAVING sum(change) <> 0
         ORDER BY schedule_id
         ON CONFLICT (schedule_id) DO UPDATE SET available = a.available + EXCLUDED.available',
        TG_TABLE_SCHEMA);
    RETURN NULL;
END
$$;

CREATE FUNCTION schedule_availability_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO %I.schedule_availability AS a (schedule_id, available)
         SELECT schedule_id, sum(change)::int FROM (SELECT schedule_id, -(status = ''AVAILABLE'')::int AS change FROM removed) changes
         GROUP BY schedule_id
         ORDER BY schedule_id
         ON CONFLICT (schedule_id) DO UPDATE SET available = a.available + EXCLUDED.available',
        TG_TABLE_SCHEMA);
    RETURN NULL;
END
$$;

CREATE TRIGGER schedule_availability_on_insert
    AFTER INSERT ON schedule_seats REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION schedule_availability_inserted();
CREATE TRIGGER schedule_availability_on_update
    AFTER UPDATE ON schedule_seats REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION schedule_availability_updated();
CREATE TRIGGER schedule_availability_on_delete
    AFTER DELETE ON schedule_seats REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION schedule_availability_deleted();

-- The list's other per-schedule figure, the expiries of the holds (each
-- lapse makes a seat available without a write), reads held seats only.
CREATE INDEX schedule_seats_held ON schedule_seats (schedule_id) WHERE status = 'HELD';
