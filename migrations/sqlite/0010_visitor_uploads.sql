-- +goose Up
-- Widget visitors upload too: an upload belongs to a user or to a visitor,
-- never both. SQLite cannot drop NOT NULL in place, so the table is rebuilt
-- (nothing references uploads by foreign key).
CREATE TABLE uploads_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    visitor_id INTEGER REFERENCES visitors (id) ON DELETE CASCADE,
    blob_sha256 TEXT NOT NULL REFERENCES media_blobs (sha256),
    name TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    CHECK ((user_id IS NULL) <> (visitor_id IS NULL))
);
INSERT INTO uploads_new (id, user_id, visitor_id, blob_sha256, name, created_at)
    SELECT id, user_id, NULL, blob_sha256, name, created_at FROM uploads;
DROP TABLE uploads;
ALTER TABLE uploads_new RENAME TO uploads;
CREATE INDEX uploads_user_idx ON uploads (user_id);
CREATE INDEX uploads_visitor_idx ON uploads (visitor_id);
CREATE INDEX uploads_blob_idx ON uploads (blob_sha256);
