-- +goose Up
CREATE TABLE chat_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    avatar_url TEXT NOT NULL DEFAULT '',
    announcement TEXT NOT NULL DEFAULT '',
    join_policy TEXT NOT NULL,
    mute_all BOOLEAN NOT NULL DEFAULT FALSE,
    member_cap INTEGER NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES users (id),
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX chat_groups_number_key ON chat_groups (number);
CREATE UNIQUE INDEX chat_groups_conversation_key ON chat_groups (conversation_id);

ALTER TABLE conversation_members ADD COLUMN muted_until DATETIME;

CREATE TABLE group_join_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id INTEGER NOT NULL REFERENCES chat_groups (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    decided_by INTEGER,
    decided_at DATETIME,
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX group_join_requests_pending_key ON group_join_requests (group_id, user_id) WHERE status = 'pending';

CREATE TABLE group_invites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id INTEGER NOT NULL REFERENCES chat_groups (id) ON DELETE CASCADE,
    token TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    expires_at DATETIME,
    max_uses INTEGER NOT NULL DEFAULT 0,
    uses INTEGER NOT NULL DEFAULT 0,
    revoked_at DATETIME,
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX group_invites_token_key ON group_invites (token);
CREATE INDEX group_invites_group_idx ON group_invites (group_id);
