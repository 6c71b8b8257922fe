-- +goose Up
-- Teams: groups of agents. A queue may name a team, whose members then
-- serve it; a conversation transferred to a team waits for its members.
CREATE TABLE teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    default_capacity INTEGER NOT NULL DEFAULT 3,
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX teams_name_key ON teams (LOWER(name));

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_idx ON team_members (user_id);

ALTER TABLE queues ADD COLUMN team_id INTEGER REFERENCES teams (id) ON DELETE SET NULL;
ALTER TABLE support_conversations ADD COLUMN team_id INTEGER REFERENCES teams (id) ON DELETE SET NULL;
CREATE INDEX support_conversations_team_idx ON support_conversations (team_id, status) WHERE team_id IS NOT NULL;
