-- +goose Up
CREATE TABLE job_outbox (
    id BIGSERIAL PRIMARY KEY,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    spec TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    next_attempt_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX job_outbox_next_idx ON job_outbox (next_attempt_at);
