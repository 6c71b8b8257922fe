-- +goose Up
-- A group picture uploaded through media, like a user's avatar (0025): kept
-- from the clean-up of unattached uploads while it is the group's picture,
-- and served at /media/avatars/<id> (avatar_url holds that path).
ALTER TABLE chat_groups ADD COLUMN avatar_upload_id INTEGER REFERENCES uploads (id) ON DELETE SET NULL;
CREATE INDEX chat_groups_avatar_upload_idx ON chat_groups (avatar_upload_id) WHERE avatar_upload_id IS NOT NULL;
