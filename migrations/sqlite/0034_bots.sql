-- +goose Up
-- Bots: a site's webhook endpoints that answer visitors first. A queue may
-- put a bot first; a conversation opened there stays with the bot (status
-- 'bot') until it is handed to the agents.
CREATE TABLE bots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    avatar_url TEXT NOT NULL DEFAULT '',
    webhook_url TEXT NOT NULL,
    secret TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX bots_site_idx ON bots (site_id);
CREATE UNIQUE INDEX bots_token_hash_key ON bots (token_hash);

ALTER TABLE queues ADD COLUMN bot_id INTEGER REFERENCES bots (id) ON DELETE SET NULL;
ALTER TABLE support_conversations ADD COLUMN bot_id INTEGER REFERENCES bots (id) ON DELETE SET NULL;
