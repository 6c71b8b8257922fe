-- +goose Up
-- Message search matches substrings in any language, Chinese, Japanese
-- and Korean included (no spaces between words): FTS5 trigram indexes
-- over message bodies and upload file names, external-content tables kept
-- in step with their tables by triggers (a recall blanks the body, and the
-- index forgets it in the same transaction).
CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='messages', content_rowid='id', tokenize='trigram');
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

-- +goose StatementBegin
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;
-- +goose StatementEnd

CREATE VIRTUAL TABLE uploads_fts USING fts5(name, content='uploads', content_rowid='id', tokenize='trigram');
INSERT INTO uploads_fts (uploads_fts) VALUES ('rebuild');

-- +goose StatementBegin
CREATE TRIGGER uploads_fts_insert AFTER INSERT ON uploads BEGIN
    INSERT INTO uploads_fts (rowid, name) VALUES (new.id, new.name);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER uploads_fts_delete AFTER DELETE ON uploads BEGIN
    INSERT INTO uploads_fts (uploads_fts, rowid, name) VALUES ('delete', old.id, old.name);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER uploads_fts_update AFTER UPDATE OF name ON uploads BEGIN
    INSERT INTO uploads_fts (uploads_fts, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO uploads_fts (rowid, name) VALUES (new.id, new.name);
END;
-- +goose StatementEnd
