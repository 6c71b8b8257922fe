-- +goose Up
-- A profile picture uploaded through media: the upload the avatar shows,
-- kept from the clean-up of uploads no message carries for as long as it
-- is someone's avatar, and served at /media/avatars/<id> without a
-- signature (avatar_url holds that path).
ALTER TABLE users ADD COLUMN avatar_upload_id INTEGER REFERENCES uploads (id) ON DELETE SET NULL;
CREATE INDEX users_avatar_upload_idx ON users (avatar_upload_id) WHERE avatar_upload_id IS NOT NULL;
