-- +goose Up
-- How the widget looks on a site: a font family from a fixed set of safe
-- stacks, and the side of the page the launcher sits on.
ALTER TABLE sites ADD COLUMN font_family TEXT NOT NULL DEFAULT 'system';
ALTER TABLE sites ADD COLUMN launcher_position TEXT NOT NULL DEFAULT 'right';
