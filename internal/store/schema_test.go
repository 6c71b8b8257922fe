package store_test

import (
	"context"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm/schema"

	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/migrations"
)

// dialects opens a fresh, migrated database of every dialect this run can
// reach: SQLite always, PostgreSQL when PARLEY_TEST_DATABASE_URL is set.
func dialects(t *testing.T) map[string]*store.Store {
	t.Helper()
	ctx := context.Background()
	out := map[string]*store.Store{}
	lite, err := store.Open(ctx, "", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	out["sqlite"] = lite
	if u := os.Getenv("PARLEY_TEST_DATABASE_URL"); u != "" {
		pg, err := store.Open(ctx, testkit.FreshPostgres(t, u), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		out["postgres"] = pg
	}
	for name, st := range out {
		st := st
		t.Cleanup(func() { st.Close() })
		if _, err := st.Migrate(ctx, migrations.FS); err != nil {
			t.Fatalf("%s: migrate: %v", name, err)
		}
	}
	return out
}

func TestMigratedSchemaMatchesTheModels(t *testing.T) {
	for name, st := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			db := st.Gorm()
			tables, err := db.Migrator().GetTables()
			if err != nil {
				t.Fatal(err)
			}
			modelTables := map[string]bool{store.MigrationsTable: true}
			for _, model := range store.Models() {
				s, err := schema.Parse(model, &sync.Map{}, db.NamingStrategy)
				if err != nil {
					t.Fatal(err)
				}
				modelTables[s.Table] = true
				cols, err := db.Migrator().ColumnTypes(model)
				if err != nil {
					t.Fatalf("%s: %v", s.Table, err)
				}
				var inDB, inModel []string
				for _, c := range cols {
					inDB = append(inDB, c.Name())
				}
				for _, f := range s.Fields {
					if f.DBName != "" {
						inModel = append(inModel, f.DBName)
					}
				}
				sort.Strings(inDB)
				sort.Strings(inModel)
				if strings.Join(inDB, ",") != strings.Join(inModel, ",") {
					t.Errorf("table %s\n  columns: %v\n  model:   %v", s.Table, inDB, inModel)
				}
			}
			for _, tbl := range tables {
				// SQLite's full-text indexes are virtual tables with shadow
				// tables of their own (messages_fts, messages_fts_data, …).
				fullText := strings.Contains(tbl, "_fts")
				if !modelTables[tbl] && !strings.HasPrefix(tbl, "sqlite_") && !fullText {
					t.Errorf("table %s has no model", tbl)
				}
			}
		})
	}
}

func TestMigrateIsIdempotentAndReportsStatus(t *testing.T) {
	ctx := context.Background()
	for name, st := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			applied, err := st.Migrate(ctx, migrations.FS)
			if err != nil || len(applied) != 0 {
				t.Fatalf("second migrate applied %v (%v)", applied, err)
			}
			list, err := st.Migrations(ctx, migrations.FS)
			if err != nil || len(list) == 0 {
				t.Fatalf("status: %v %v", list, err)
			}
			for _, m := range list {
				if m.AppliedAt == nil {
					t.Fatalf("%s pending after migrate", m.Name)
				}
			}
		})
	}
}

func TestBothDialectsHaveTheSameMigrations(t *testing.T) {
	names := func(dir string) []string {
		entries, err := migrations.FS.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	if a, b := names("sqlite"), names("postgres"); strings.Join(a, ",") != strings.Join(b, ",") {
		t.Fatalf("sqlite %v vs postgres %v", a, b)
	}
}

// TestSQLiteSyncsEveryCommit checks the durability setting of embedded
// mode: FULL syncs the WAL at each commit, so an acked message survives
// power loss too (NORMAL would lose the last commits before a checkpoint).
// The other settings Open asks for (WAL, foreign keys, the busy timeout)
// must hold on every connection as well.
func TestSQLiteSyncsEveryCommit(t *testing.T) {
	st, err := store.Open(context.Background(), "", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db, err := st.SQL()
	if err != nil {
		t.Fatal(err)
	}
	// Several connections at once: the setting must hold on each.
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One connection for the four reads, so each pragma is read
			// on the same connection.
			conn, err := db.Conn(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			for _, p := range []struct{ pragma, want string }{
				{"synchronous", "2"}, // FULL
				{"journal_mode", "wal"},
				{"foreign_keys", "1"},
				{"busy_timeout", "15000"},
			} {
				var got string
				if err := conn.QueryRowContext(context.Background(), "PRAGMA "+p.pragma).Scan(&got); err != nil {
					t.Error(err)
				} else if got != p.want {
					t.Errorf("PRAGMA %s = %s, want %s", p.pragma, got, p.want)
				}
			}
		}()
	}
	wg.Wait()
}
