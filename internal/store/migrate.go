package store

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Migration is one versioned SQL file.
type Migration struct {
	Version   int
	Name      string
	AppliedAt *time.Time
	sql       string
}

// schemaMigration is the bookkeeping row of an applied migration.
type schemaMigration struct {
	Version   int `gorm:"primaryKey;autoIncrement:false"`
	Name      string
	AppliedAt time.Time
}

func (schemaMigration) TableName() string { return "schema_migrations" }

// Migrations lists the migrations for this store's dialect found in fsys
// (folders sqlite/ and postgres/), each marked with when it was applied.
func (s *Store) Migrations(ctx context.Context, fsys fs.FS) ([]Migration, error) {
	dir := string(s.dialect)
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	if err := s.ensureMigrationsTable(ctx); err != nil {
		return nil, err
	}
	var applied []schemaMigration
	if err := s.q(ctx).Find(&applied).Error; err != nil {
		return nil, err
	}
	at := map[int]time.Time{}
	for _, a := range applied {
		at[a.Version] = a.AppliedAt
	}
	for i := range out {
		if t, ok := at[out[i].Version]; ok {
			t := t
			out[i].AppliedAt = &t
		}
	}
	return out, nil
}

func (s *Store) ensureMigrationsTable(ctx context.Context) error {
	ts := "DATETIME"
	if s.dialect == Postgres {
		ts = "TIMESTAMPTZ"
	}
	return s.q(ctx).Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at " + ts + " NOT NULL)").Error
}

// Migrate applies, in order and each in its own transaction, every migration
// not yet applied. It returns the names it applied. On PostgreSQL an
// advisory lock keeps two nodes starting at once from racing.
func (s *Store) Migrate(ctx context.Context, fsys fs.FS) ([]string, error) {
	if s.dialect != Postgres {
		return s.migrate(ctx, fsys)
	}
	var done []string
	// The advisory lock belongs to a session, so lock, migrate and unlock
	// all run on one connection.
	err := s.q(ctx).Connection(func(conn *gorm.DB) error {
		if err := conn.Exec("SELECT pg_advisory_lock(7202601)").Error; err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		defer conn.Exec("SELECT pg_advisory_unlock(7202601)")
		var err error
		done, err = (&Store{db: conn, dialect: s.dialect, diskFull: s.diskFull}).migrate(ctx, fsys)
		return err
	})
	return done, err
}

func (s *Store) migrate(ctx context.Context, fsys fs.FS) ([]string, error) {
	list, err := s.Migrations(ctx, fsys)
	if err != nil {
		return nil, err
	}
	var done []string
	for _, m := range list {
		if m.AppliedAt != nil {
			continue
		}
		err := s.Tx(ctx, func(tx *Store) error {
			for _, stmt := range splitStatements(m.sql) {
				if err := tx.q(ctx).Exec(stmt).Error; err != nil {
					return fmt.Errorf("%w\n%s", err, stmt)
				}
			}
			return tx.q(ctx).Create(&schemaMigration{Version: m.Version, Name: m.Name, AppliedAt: time.Now().UTC()}).Error
		})
		if err != nil {
			return done, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		done = append(done, m.Name)
	}
	return done, nil
}

// splitStatements splits a migration file on semicolons that end a line.
// Migrations keep to that form so both drivers run one statement per Exec.
func splitStatements(src string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(trimmed, ";") {
			if stmt := strings.TrimSpace(cur.String()); stmt != ";" {
				out = append(out, stmt)
			}
			cur.Reset()
		}
	}
	if rest := strings.TrimSpace(cur.String()); rest != "" {
		out = append(out, rest)
	}
	return out
}
