-- +goose Up
-- Search reads the newest messages of each of a user's conversations
-- backwards along this index and merges them, a plan whose cost is the
-- window read and not the size of the table (see store.SearchMessages).
CREATE INDEX messages_conversation_id_idx ON messages (conversation_id, id);
