-- +goose Up
-- Automation rules: per site, in order, a trigger, conditions that must
-- all hold and actions; trigger, conditions and actions are JSON. A rule
-- acts with the rights of the admin who last saved it (updated_by).
CREATE TABLE automation_rules (
    id BIGSERIAL PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    position INTEGER NOT NULL,
    trigger_spec TEXT NOT NULL,
    conditions TEXT NOT NULL,
    actions TEXT NOT NULL,
    updated_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX automation_rules_site_idx ON automation_rules (site_id, position, id);

-- One row per rule fired for an event: a job that runs twice fires it once.
CREATE TABLE automation_firings (
    rule_id BIGINT NOT NULL REFERENCES automation_rules (id) ON DELETE CASCADE,
    event_key TEXT NOT NULL,
    conversation_id BIGINT NOT NULL,
    fired_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (rule_id, event_key)
);
