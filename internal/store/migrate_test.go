package store_test

import (
	"context"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/migrations"
)

// emptyDatabases returns, for every dialect this run can reach, the URL
// of a fresh database with no table yet (store.Open's databaseURL).
func emptyDatabases(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{"sqlite": "sqlite:" + path.Join(t.TempDir(), "parley.db")}
	if u := os.Getenv("PARLEY_TEST_DATABASE_URL"); u != "" {
		out["postgres"] = testkit.FreshPostgres(t, u)
	}
	return out
}

func open(t *testing.T, url string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), url, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// allButLast returns the embedded migrations without the newest one, and
// the newest one's name.
func allButLast(t *testing.T) (fs.FS, string) {
	t.Helper()
	files, err := fs.Glob(migrations.FS, "*/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("embedded migrations: %v %v", files, err)
	}
	sort.Strings(files)
	last := strings.TrimSuffix(path.Base(files[len(files)-1]), ".sql")
	older := fstest.MapFS{}
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), last) {
			continue
		}
		b, err := fs.ReadFile(migrations.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		older[f] = &fstest.MapFile{Data: b}
	}
	return older, last
}

// legacyInstall makes st look like a database that a release before goose
// migrated with every migration but the newest: the schema of those
// migrations, and their record in that release's schema_migrations table
// (its own layout and rows), with no goose table.
func legacyInstall(t *testing.T, st *store.Store, appliedAt time.Time) (newest string) {
	t.Helper()
	ctx := context.Background()
	older, newest := allButLast(t)
	if _, err := st.Migrate(ctx, older); err != nil {
		t.Fatal(err)
	}
	db := st.Gorm()
	ts := "DATETIME"
	if st.Dialect() == store.Postgres {
		ts = "TIMESTAMPTZ"
	}
	for _, q := range []string{
		"DROP TABLE " + store.MigrationsTable,
		"CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at " + ts + " NOT NULL)",
	} {
		if err := db.Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	list, err := fs.Glob(older, string(st.Dialect())+"/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range list {
		name := strings.TrimSuffix(path.Base(f), ".sql")
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", v, name, appliedAt).Error; err != nil {
			t.Fatal(err)
		}
	}
	return newest
}

// A database migrated before goose keeps its schema: the first start of
// this release records what the old table says was applied, applies only
// what is new, and drops the old table.
func TestMigrateAdoptsTheRecordOfEarlierReleases(t *testing.T) {
	ctx := context.Background()
	appliedAt := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	for name, url := range emptyDatabases(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t, url)
			newest := legacyInstall(t, st, appliedAt)

			// Status alone (serve without auto-migrate) sees the old record.
			list, err := st.Migrations(ctx, migrations.FS)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range list {
				switch {
				case m.Name == newest && m.AppliedAt != nil:
					t.Errorf("%s applied before migrating", m.Name)
				case m.Name != newest && (m.AppliedAt == nil || !m.AppliedAt.Equal(appliedAt)):
					t.Errorf("%s applied at %v, want %v", m.Name, m.AppliedAt, appliedAt)
				}
			}

			applied, err := st.Migrate(ctx, migrations.FS)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(applied, ",") != newest {
				t.Fatalf("applied %v, want only %s", applied, newest)
			}
			list, err = st.Migrations(ctx, migrations.FS)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range list {
				if m.AppliedAt == nil {
					t.Errorf("%s pending after migrate", m.Name)
				}
			}
			if st.Gorm().Migrator().HasTable("schema_migrations") {
				t.Error("the old schema_migrations table is still there")
			}
			if again, err := st.Migrate(ctx, migrations.FS); err != nil || len(again) != 0 {
				t.Fatalf("second migrate applied %v (%v)", again, err)
			}
		})
	}
}

// Two nodes starting at once on one PostgreSQL database: one migrates,
// the other waits for it and finds nothing left to do, whether the
// database is new or was migrated by an earlier release.
func TestConcurrentMigrationsOnPostgresRunOnce(t *testing.T) {
	base := os.Getenv("PARLEY_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("needs PARLEY_TEST_DATABASE_URL (PostgreSQL)")
	}
	ctx := context.Background()
	for _, legacy := range []bool{false, true} {
		name := "new database"
		if legacy {
			name = "database of an earlier release"
		}
		t.Run(name, func(t *testing.T) {
			url := testkit.FreshPostgres(t, base)
			var total int
			if legacy {
				legacyInstall(t, open(t, url), time.Now().UTC())
				total = 1
			} else {
				list, err := fs.Glob(migrations.FS, "postgres/*.sql")
				if err != nil {
					t.Fatal(err)
				}
				total = len(list)
			}
			nodes := []*store.Store{open(t, url), open(t, url), open(t, url)}
			applied := make([][]string, len(nodes))
			errs := make([]error, len(nodes))
			var wg sync.WaitGroup
			for i, st := range nodes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					applied[i], errs[i] = st.Migrate(ctx, migrations.FS)
				}()
			}
			wg.Wait()
			var ran, idle int
			for i := range nodes {
				if errs[i] != nil {
					t.Fatalf("node %d: %v", i, errs[i])
				}
				switch len(applied[i]) {
				case total:
					ran++
				case 0:
					idle++
				default:
					t.Errorf("node %d applied %d of %d migrations: %v", i, len(applied[i]), total, applied[i])
				}
			}
			if ran != 1 || idle != len(nodes)-1 {
				t.Fatalf("%d nodes migrated, %d found nothing to do; want 1 and %d", ran, idle, len(nodes)-1)
			}
		})
	}
}
