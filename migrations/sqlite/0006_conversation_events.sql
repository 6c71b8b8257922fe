-- +goose Up
CREATE TABLE conversation_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    queue_id INTEGER NOT NULL,
    agent_id INTEGER,
    type TEXT NOT NULL,
    value INTEGER NOT NULL DEFAULT 0,
    at DATETIME NOT NULL
);
CREATE INDEX conversation_events_site_idx ON conversation_events (site_id, at);
CREATE INDEX conversation_events_conversation_idx ON conversation_events (conversation_id, id);
