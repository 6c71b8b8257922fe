// Package migrations embeds Parley's versioned SQL migrations, one folder per
// dialect. Files are named NNNN_name.sql and applied in order, once each, by
// goose (github.com/pressly/goose): each file starts with "-- +goose Up",
// and its statements end with a semicolon at the end of a line.
package migrations

import "embed"

// FS holds sqlite/*.sql and postgres/*.sql.
//
//go:embed sqlite/*.sql postgres/*.sql
var FS embed.FS
