-- +goose Up
ALTER TABLE support_conversations ADD COLUMN visitor_read_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE support_conversations ADD COLUMN visitor_notified_at DATETIME;
ALTER TABLE support_conversations ADD COLUMN agents_notified_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN disconnected_at DATETIME;
