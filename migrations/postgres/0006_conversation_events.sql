-- +goose Up
CREATE TABLE conversation_events (
    id BIGSERIAL PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    queue_id BIGINT NOT NULL,
    agent_id BIGINT,
    type TEXT NOT NULL,
    value BIGINT NOT NULL DEFAULT 0,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX conversation_events_site_idx ON conversation_events (site_id, at);
CREATE INDEX conversation_events_conversation_idx ON conversation_events (conversation_id, id);
