package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

// Migration is one versioned SQL file.
type Migration struct {
	Version   int
	Name      string
	AppliedAt *time.Time
}

// migrationLockID is the PostgreSQL advisory lock that keeps two nodes
// starting at once from migrating together. Releases before goose took
// the same key, so a node of either kind waits for the other.
const migrationLockID = 7202601

// legacyMigrationsTable is where releases before goose recorded applied
// migrations (version, name, applied_at).
const legacyMigrationsTable = "schema_migrations"

// MigrationsTable is goose's table of applied versions.
const MigrationsTable = goose.DefaultTablename

// migrator builds a goose provider over this store's pool and the folder
// of fsys for its dialect (sqlite/ or postgres/). On PostgreSQL goose
// holds the advisory lock migrationLockID while it reads or migrates.
func (s *Store) migrator(fsys fs.FS) (*goose.Provider, error) {
	dir, err := fs.Sub(fsys, string(s.dialect))
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	db, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if s.dialect == Postgres {
		// Retry the lock each second, for up to ten minutes.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID), lock.WithLockTimeout(1, 600))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(s.gooseDialect(), db, dir, opts...)
}

func (s *Store) gooseDialect() goose.Dialect {
	if s.dialect == Postgres {
		return goose.DialectPostgres
	}
	return goose.DialectSQLite3
}

// Migrations lists the migrations for this store's dialect found in fsys
// (folders sqlite/ and postgres/), each marked with when it was applied.
func (s *Store) Migrations(ctx context.Context, fsys fs.FS) ([]Migration, error) {
	p, err := s.migrator(fsys)
	if err != nil {
		return nil, err
	}
	if err := s.adoptLegacyMigrations(ctx); err != nil {
		return nil, err
	}
	list, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]Migration, 0, len(list))
	for _, m := range list {
		mig := Migration{Version: int(m.Source.Version), Name: migrationName(m.Source.Path)}
		if m.State == goose.StateApplied {
			t := m.AppliedAt
			mig.AppliedAt = &t
		}
		out = append(out, mig)
	}
	return out, nil
}

// Migrate applies, in order and each in its own transaction, every migration
// not yet applied. It returns the names it applied. On PostgreSQL an
// advisory lock keeps two nodes starting at once from racing.
func (s *Store) Migrate(ctx context.Context, fsys fs.FS) ([]string, error) {
	p, err := s.migrator(fsys)
	if err != nil {
		return nil, err
	}
	if err := s.adoptLegacyMigrations(ctx); err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	var partial *goose.PartialError
	if errors.As(err, &partial) {
		results = partial.Applied
		err = fmt.Errorf("migration %s: %w", migrationName(partial.Failed.Source.Path), partial.Err)
	}
	var done []string
	for _, r := range results {
		done = append(done, migrationName(r.Source.Path))
	}
	return done, err
}

func migrationName(file string) string { return strings.TrimSuffix(path.Base(file), ".sql") }

// adoptLegacyMigrations moves the record of a database migrated by a
// release before goose into goose's table, so nothing runs twice: every
// version in schema_migrations becomes an applied version in
// goose_db_version (keeping when it was applied), and schema_migrations
// goes. It does nothing once that is done, or on a new database. On
// PostgreSQL it holds the migration lock, so two nodes never adopt twice.
func (s *Store) adoptLegacyMigrations(ctx context.Context) error {
	if !s.db.Migrator().HasTable(legacyMigrationsTable) {
		return nil
	}
	versions, err := database.NewStore(s.gooseDialect(), MigrationsTable)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		if s.dialect == Postgres {
			if err := tx.q(ctx).Exec("SELECT pg_advisory_xact_lock(?)", migrationLockID).Error; err != nil {
				return fmt.Errorf("migration lock: %w", err)
			}
		}
		// Checked again under the lock: another node may have adopted.
		if !tx.db.Migrator().HasTable(legacyMigrationsTable) {
			return nil
		}
		conn := tx.db.Statement.ConnPool
		if !tx.db.Migrator().HasTable(MigrationsTable) {
			if err := versions.CreateVersionTable(ctx, conn); err != nil {
				return fmt.Errorf("create %s: %w", MigrationsTable, err)
			}
			if err := versions.Insert(ctx, conn, database.InsertRequest{Version: 0}); err != nil {
				return fmt.Errorf("create %s: %w", MigrationsTable, err)
			}
		}
		err := tx.q(ctx).Exec("INSERT INTO " + MigrationsTable + " (version_id, is_applied, tstamp)" +
			" SELECT version, TRUE, applied_at FROM " + legacyMigrationsTable +
			" WHERE version NOT IN (SELECT version_id FROM " + MigrationsTable + ") ORDER BY version").Error
		if err != nil {
			return fmt.Errorf("adopt %s: %w", legacyMigrationsTable, err)
		}
		return tx.q(ctx).Exec("DROP TABLE " + legacyMigrationsTable).Error
	})
}
