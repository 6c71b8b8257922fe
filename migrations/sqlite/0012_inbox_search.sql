-- +goose Up
-- The inbox filters by site and status, newest first; search narrows the
-- same walk, checking each conversation's messages through their
-- (conversation_id, seq) index.
CREATE INDEX support_conversations_site_idx ON support_conversations (site_id, status, conversation_id);
