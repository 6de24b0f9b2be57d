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

-- Adds each statement's change to each schedule's count, creating the row
-- at the schedule's first seats. Rows are changed in schedule order, so two
-- writers of the same schedules lock them in one order. The table is named
-- in the trigger's own schema: a replay schema's seats count into its own
-- table. One function for the three events (transition tables are visible
-- only to the trigger function's own statements, and a trigger with them
-- takes one event, hence three triggers).
CREATE FUNCTION schedule_availability_count() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    added_seats CONSTANT TEXT := 'SELECT schedule_id, (status = ''AVAILABLE'')::int AS change FROM added';
    removed_seats CONSTANT TEXT := 'SELECT schedule_id, -(status = ''AVAILABLE'')::int AS change FROM removed';
BEGIN
    EXECUTE format(
        'INSERT INTO %I.schedule_availability AS a (schedule_id, available)
         SELECT schedule_id, sum(change)::int FROM (%s) changes
         GROUP BY schedule_id
         HAVING %L = ''INSERT'' OR sum(change) <> 0
         ORDER BY schedule_id
         ON CONFLICT (schedule_id) DO UPDATE SET available = a.available + EXCLUDED.available',
        TG_TABLE_SCHEMA,
        CASE TG_OP
            WHEN 'INSERT' THEN added_seats
            WHEN 'UPDATE' THEN added_seats || ' UNION ALL ' || removed_seats
            ELSE removed_seats
        END,
        TG_OP);
    RETURN NULL;
END
$$;

CREATE TRIGGER schedule_availability_on_insert
    AFTER INSERT ON schedule_seats REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION schedule_availability_count();
CREATE TRIGGER schedule_availability_on_update
    AFTER UPDATE ON schedule_seats REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION schedule_availability_count();
CREATE TRIGGER schedule_availability_on_delete
    AFTER DELETE ON schedule_seats REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION schedule_availability_count();

-- The list's other per-schedule figure, the expiries of the holds (each
-- lapse makes a seat available without a write), reads held seats only.
CREATE INDEX schedule_seats_held ON schedule_seats (schedule_id) WHERE status = 'HELD';
