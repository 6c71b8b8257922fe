-- +goose Up
ALTER TABLE users ADD COLUMN last_seen_at DATETIME;

CREATE TABLE friend_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX friend_categories_name_key ON friend_categories (user_id, name);

CREATE TABLE friendships (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    friend_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    remark TEXT NOT NULL DEFAULT '',
    category_id INTEGER REFERENCES friend_categories (id) ON DELETE SET NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (user_id, friend_id)
);
CREATE INDEX friendships_friend_idx ON friendships (friend_id);

CREATE TABLE friend_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    from_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    to_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    decided_at DATETIME,
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX friend_requests_pending_key ON friend_requests (from_id, to_id) WHERE status = 'pending';
CREATE INDEX friend_requests_to_idx ON friend_requests (to_id, status);

CREATE TABLE blocks (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (user_id, blocked_id)
);
CREATE INDEX blocks_blocked_idx ON blocks (blocked_id);

CREATE TABLE add_codes (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX add_codes_code_key ON add_codes (code);
