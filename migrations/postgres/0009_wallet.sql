-- +goose Up
CREATE TABLE wallets (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    balance_cents BIGINT NOT NULL DEFAULT 0 CHECK (balance_cents >= 0),
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE wallet_entries (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    amount_cents BIGINT NOT NULL,
    reason TEXT NOT NULL,
    ref_id BIGINT NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    balance_after_cents BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX wallet_entries_user_idx ON wallet_entries (user_id, id);

CREATE TABLE red_packets (
    id BIGSERIAL PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    sender_id BIGINT NOT NULL REFERENCES users (id),
    message_id BIGINT NOT NULL REFERENCES messages (id),
    kind TEXT NOT NULL,
    total_cents BIGINT NOT NULL,
    count INTEGER NOT NULL,
    remaining_cents BIGINT NOT NULL CHECK (remaining_cents >= 0),
    remaining_count INTEGER NOT NULL CHECK (remaining_count >= 0),
    greeting TEXT NOT NULL DEFAULT '',
    expires_at TIMESTAMPTZ NOT NULL,
    refunded_at TIMESTAMPTZ,
    refunded_cents BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX red_packets_message_key ON red_packets (message_id);
CREATE INDEX red_packets_open_idx ON red_packets (expires_at) WHERE refunded_at IS NULL;

CREATE TABLE red_packet_claims (
    id BIGSERIAL PRIMARY KEY,
    red_packet_id BIGINT NOT NULL REFERENCES red_packets (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX red_packet_claims_user_key ON red_packet_claims (red_packet_id, user_id);
