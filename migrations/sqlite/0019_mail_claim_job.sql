-- +goose Up
-- A follow-up or digest mail is claimed by the job that sends it: the job
-- id stands next to the stamp, and a run of the same job (the node died
-- before the mail went out) sends it again, while another job folds.
-- agents_notified_from_seq is the mark before the claim: the mail covers
-- the visitor's messages after it.
ALTER TABLE conversation_members ADD COLUMN notified_job TEXT;
ALTER TABLE support_conversations ADD COLUMN visitor_notified_job TEXT;
ALTER TABLE support_conversations ADD COLUMN agents_notified_job TEXT;
ALTER TABLE support_conversations ADD COLUMN agents_notified_from_seq INTEGER NOT NULL DEFAULT 0;
