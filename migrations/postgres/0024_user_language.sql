-- +goose Up
-- A user's language for what the server writes to them (API errors,
-- e-mails): 'en' or 'zh-CN'; NULL follows the browser's Accept-Language.
ALTER TABLE users ADD COLUMN language TEXT;
-- A system message's structured event ({"type": "member_joined", …}) that
-- each client renders in its reader's language; NULL for other messages
-- and for system messages stored before events existed.
ALTER TABLE messages ADD COLUMN event TEXT;

