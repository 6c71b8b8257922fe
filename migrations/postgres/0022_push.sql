-- +goose Up
-- A browser's Web Push subscription (RFC 8030): where to post, and the
-- keys its payloads are encrypted to (RFC 8291). An endpoint belongs to
-- one user at a time: the last to subscribe it.
CREATE TABLE push_subscriptions (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX push_subscriptions_endpoint ON push_subscriptions (endpoint);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);
-- A push is claimed per member like the digest mail: one per window,
-- and a run of the claiming job pushes again.
ALTER TABLE conversation_members ADD COLUMN pushed_at TIMESTAMPTZ;
ALTER TABLE conversation_members ADD COLUMN pushed_job TEXT;
