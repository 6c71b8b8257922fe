-- +goose Up
-- Service-level targets per queue (NULL: none) and the due times a
-- support conversation got from its queue when it was opened or reopened.
ALTER TABLE queues ADD COLUMN first_response_target_s INTEGER;
ALTER TABLE queues ADD COLUMN resolution_target_s INTEGER;
ALTER TABLE support_conversations ADD COLUMN first_response_due_at TIMESTAMPTZ;
ALTER TABLE support_conversations ADD COLUMN resolution_due_at TIMESTAMPTZ;
