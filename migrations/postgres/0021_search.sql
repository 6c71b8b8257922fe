-- +goose Up
-- Message search matches substrings in any language, Chinese, Japanese
-- and Korean included (no spaces between words): trigram GIN indexes
-- answer ILIKE '%…%' for queries of three characters or more. pg_trgm
-- ships with PostgreSQL and is a trusted extension.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX messages_body_trgm_idx ON messages USING gin (body gin_trgm_ops);
CREATE INDEX uploads_name_trgm_idx ON uploads USING gin (name gin_trgm_ops);
