-- +goose Up
CREATE TABLE wallets (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    balance_cents INTEGER NOT NULL DEFAULT 0 CHECK (balance_cents >= 0),
    updated_at DATETIME NOT NULL
);

CREATE TABLE wallet_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    amount_cents INTEGER NOT NULL,
    reason TEXT NOT NULL,
    ref_id INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    balance_after_cents INTEGER NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX wallet_entries_user_idx ON wallet_entries (user_id, id);

CREATE TABLE red_packets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    sender_id INTEGER NOT NULL REFERENCES users (id),
    message_id INTEGER NOT NULL REFERENCES messages (id),
    kind TEXT NOT NULL,
    total_cents INTEGER NOT NULL,
    count INTEGER NOT NULL,
    remaining_cents INTEGER NOT NULL CHECK (remaining_cents >= 0),
    remaining_count INTEGER NOT NULL CHECK (remaining_count >= 0),
    greeting TEXT NOT NULL DEFAULT '',
    expires_at DATETIME NOT NULL,
    refunded_at DATETIME,
    refunded_cents INTEGER NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX red_packets_message_key ON red_packets (message_id);
CREATE INDEX red_packets_open_idx ON red_packets (expires_at) WHERE refunded_at IS NULL;

CREATE TABLE red_packet_claims (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    red_packet_id INTEGER NOT NULL REFERENCES red_packets (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX red_packet_claims_user_key ON red_packet_claims (red_packet_id, user_id);
