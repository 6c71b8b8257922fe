-- +goose Up
-- The newest messages of one conversation, newest first, by id: what a
-- search filtered to one conversation walks (PostgreSQL's search reads
-- every conversation this way; see store.SearchMessages).
CREATE INDEX messages_conversation_id_idx ON messages (conversation_id, id);
