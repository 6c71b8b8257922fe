-- +goose Up
-- Every job a change decides is a row written in the change's transaction;
-- a relay hands due rows to the job queue (task id = row id) and hands
-- again what is due and not done. A row is done when its handler succeeded
-- or gave up for good. dedupe_key folds repeats (one digest per user and
-- conversation per window) while dedupe_until has not passed.
CREATE TABLE outbox_jobs (
    id BIGSERIAL PRIMARY KEY,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    queue TEXT NOT NULL,
    max_retry INTEGER NOT NULL,
    timeout_seconds INTEGER NOT NULL,
    run_at TIMESTAMPTZ NOT NULL,
    dedupe_key TEXT,
    dedupe_until TIMESTAMPTZ,
    handed_at TIMESTAMPTZ,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    done_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX outbox_jobs_dedupe_idx ON outbox_jobs (dedupe_key);
CREATE INDEX outbox_jobs_due_idx ON outbox_jobs (run_at) WHERE done_at IS NULL;
CREATE INDEX outbox_jobs_done_idx ON outbox_jobs (done_at) WHERE done_at IS NOT NULL;

-- Jobs the old outbox still held (their enqueue had failed) move over.
INSERT INTO outbox_jobs (type, payload, queue, max_retry, timeout_seconds, run_at, attempts, last_error, created_at)
SELECT type, payload,
       regexp_replace(spec::json->>'queue', '^.*(critical|default|low)$', '\1'),
       COALESCE((spec::json->>'max_retry')::int, 5),
       GREATEST(1, COALESCE((spec::json->>'timeout')::bigint, 60000000000) / 1000000000),
       GREATEST(next_attempt_at, COALESCE((spec::json->>'run_at')::timestamptz, next_attempt_at)),
       attempts, last_error, created_at
FROM job_outbox;
DROP TABLE job_outbox;
