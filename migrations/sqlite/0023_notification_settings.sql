-- +goose Up
-- A user's notification settings. conversation_mutes: a conversation
-- muted by one user (muted_until NULL: for ever), kept apart from the
-- members' group mute (which stops someone from speaking) and open to any
-- reader, members or not. notification_settings: do-not-disturb hours, as
-- local times of day in an IANA time zone (start after end crosses
-- midnight).
CREATE TABLE conversation_mutes (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    muted_until DATETIME,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
);
CREATE TABLE notification_settings (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    dnd_start TEXT NOT NULL,
    dnd_end TEXT NOT NULL,
    dnd_time_zone TEXT NOT NULL,
    updated_at DATETIME NOT NULL
);
