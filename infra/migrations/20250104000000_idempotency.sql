-- Idempotency keys of the command-api (contract: `Idempotency-Key`).
--
-- A key is claimed with `INSERT .. ON CONFLICT` before anything is appended,
-- so two instances racing on one key append one record between them; the
-- loser follows the winner's command id. The claim keeps the exact record
-- that was (or is being) appended, so a retry after an unacknowledged append
-- appends the very same record again (same event id, same ids: the deciders
-- treat it as a redelivery) instead of a second command.
CREATE TABLE idempotency_keys (
    -- `user:<uuid>`, or `admin:<sha-256 of the admin key>`.
    scope TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    -- SHA-256 of the body as canonical JSON (keys sorted), so bodies compare
    -- as JSON values rather than as bytes.
    request_hash BYTEA NOT NULL,
    command_id UUID NOT NULL,
    command_type TEXT NOT NULL,
    topic TEXT NOT NULL,
    record_key TEXT NOT NULL,
    record BYTEA NOT NULL,
    -- The 202 answer while the command is undecided, and where to poll.
    pending_body JSONB NOT NULL,
    location TEXT NOT NULL,
    -- Who is appending: refreshed when a retry takes over a stalled append.
    claimed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    appended_at TIMESTAMPTZ,
    -- The first final answer (2xx or 409), replayed for 24 hours.
    response_status SMALLINT,
    response_content_type TEXT,
    response_body JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, method, path, idempotency_key)
);

-- Purging keys past their 24 hours.
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
