-- +goose Up
-- Widget visitors upload too: an upload belongs to a user or to a visitor,
-- never both.
ALTER TABLE uploads ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE uploads ADD COLUMN visitor_id BIGINT REFERENCES visitors (id) ON DELETE CASCADE;
ALTER TABLE uploads ADD CONSTRAINT uploads_owner_check CHECK ((user_id IS NULL) <> (visitor_id IS NULL));
CREATE INDEX uploads_visitor_idx ON uploads (visitor_id);
