-- +goose Up
-- An upload reserves its room in the uploader's quota (and, for an
-- anonymous visitor, in the site's daily visitor budget) before its bytes
-- are read; the reservation is dropped when the upload is stored or refused.
-- expires_at bounds one left behind by a process that died mid-upload.
CREATE TABLE upload_reservations (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    visitor_id BIGINT REFERENCES visitors (id) ON DELETE CASCADE,
    site_id BIGINT REFERENCES sites (id) ON DELETE CASCADE,
    bytes BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    CHECK ((user_id IS NULL) <> (visitor_id IS NULL))
);
CREATE INDEX upload_reservations_user_idx ON upload_reservations (user_id);
CREATE INDEX upload_reservations_visitor_idx ON upload_reservations (visitor_id);
CREATE INDEX upload_reservations_site_idx ON upload_reservations (site_id);
CREATE INDEX upload_reservations_expires_idx ON upload_reservations (expires_at);
-- The clean-up job looks for old uploads no message carries.
CREATE INDEX uploads_created_idx ON uploads (created_at);
