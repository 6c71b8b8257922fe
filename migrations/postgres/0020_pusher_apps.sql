-- +goose Up
-- Each site is also a Pusher Channels app: an app id, a key the browser
-- connects with, a secret that signs the HTTP API and channel auth (the
-- previous one keeps verifying for a grace period after a rotation), and
-- the browser origins allowed to connect (empty: any).
CREATE TABLE pusher_apps (
    site_id BIGINT PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
    app_id TEXT NOT NULL,
    app_key TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT NOT NULL DEFAULT '',
    previous_secret_until TIMESTAMPTZ,
    allowed_origins TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX pusher_apps_app_id ON pusher_apps (app_id);
CREATE UNIQUE INDEX pusher_apps_key ON pusher_apps (app_key);
-- A webhook speaks Parley's format or Pusher's (channel and presence
-- events, signed with the app secret).
ALTER TABLE webhooks ADD COLUMN format TEXT NOT NULL DEFAULT 'parley';
