-- +goose Up
-- Contacts: a visitor's custom attributes (who set each one), the devices
-- they used, and where a merged duplicate went.
CREATE TABLE visitor_attributes (
    visitor_id BIGINT NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    source TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (visitor_id, key)
);

CREATE TABLE visitor_devices (
    visitor_id BIGINT NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
    user_agent TEXT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (visitor_id, user_agent)
);

ALTER TABLE visitors ADD COLUMN merged_into_id BIGINT REFERENCES visitors (id) ON DELETE SET NULL;
CREATE INDEX visitors_merged_into_idx ON visitors (merged_into_id) WHERE merged_into_id IS NOT NULL;
