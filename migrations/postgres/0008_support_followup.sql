-- +goose Up
ALTER TABLE support_conversations ADD COLUMN visitor_read_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE support_conversations ADD COLUMN visitor_notified_at TIMESTAMPTZ;
ALTER TABLE support_conversations ADD COLUMN agents_notified_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN disconnected_at TIMESTAMPTZ;
