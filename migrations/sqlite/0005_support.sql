-- +goose Up
CREATE TABLE sites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    public_key TEXT NOT NULL,
    secret TEXT NOT NULL,
    allowed_origins TEXT NOT NULL DEFAULT '',
    color TEXT NOT NULL DEFAULT '#4f46e5',
    greeting TEXT NOT NULL DEFAULT '',
    away_message TEXT NOT NULL DEFAULT '',
    business_hours TEXT NOT NULL DEFAULT '',
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    prechat_fields TEXT NOT NULL DEFAULT '',
    require_identity BOOLEAN NOT NULL DEFAULT FALSE,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX sites_public_key ON sites (public_key);

CREATE TABLE queues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    assign_timeout_s INTEGER NOT NULL DEFAULT 120,
    created_at DATETIME NOT NULL
);
CREATE INDEX queues_site_idx ON queues (site_id);

CREATE TABLE queue_agents (
    queue_id INTEGER NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    capacity INTEGER NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (queue_id, user_id)
);
CREATE INDEX queue_agents_user_idx ON queue_agents (user_id);

CREATE TABLE agents (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'offline',
    status_at DATETIME NOT NULL,
    last_assigned_at DATETIME
);

CREATE TABLE visitors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    external_id TEXT,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    page_url TEXT NOT NULL DEFAULT '',
    referrer TEXT NOT NULL DEFAULT '',
    locale TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    last_seen_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX visitors_external_key ON visitors (site_id, external_id);

CREATE TABLE support_conversations (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    queue_id INTEGER NOT NULL REFERENCES queues (id),
    visitor_id INTEGER NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
    assignee_id INTEGER REFERENCES users (id),
    status TEXT NOT NULL,
    prechat TEXT NOT NULL DEFAULT '',
    queued_at DATETIME,
    assigned_at DATETIME,
    first_response_at DATETIME,
    resolved_at DATETIME,
    rating INTEGER,
    rating_comment TEXT NOT NULL DEFAULT '',
    rated_at DATETIME,
    created_at DATETIME NOT NULL
);
CREATE INDEX support_conversations_queue_idx ON support_conversations (queue_id, status, queued_at);
CREATE INDEX support_conversations_assignee_idx ON support_conversations (assignee_id, status);
CREATE INDEX support_conversations_visitor_idx ON support_conversations (visitor_id);

CREATE TABLE canned_responses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    shortcut TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX canned_responses_shortcut ON canned_responses (site_id, shortcut);
