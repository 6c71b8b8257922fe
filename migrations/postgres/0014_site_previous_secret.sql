-- +goose Up
-- Rotating a site secret keeps the previous one valid for a grace period,
-- so host backends can switch without dropping identity tokens or events.
ALTER TABLE sites ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN previous_secret_until TIMESTAMPTZ;
