// Package store is the only place that knows SQL: it opens the database
// (SQLite or PostgreSQL), applies migrations and runs every query.
// It imports no other package of Parley.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/libtnb/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	moderncsqlite "modernc.org/sqlite"
)

// Errors the store returns; services map them to domain errors.
var (
	ErrNotFound = errors.New("store: not found")
	ErrConflict = errors.New("store: conflict")
)

// Dialect names the SQL dialect in use.
type Dialect string

// The two supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store holds the database handle. Inside Tx it holds the transaction.
type Store struct {
	db      *gorm.DB
	dialect Dialect
	// afterCommit holds, inside Tx, what to run once the outermost
	// transaction has committed; nil outside a transaction.
	afterCommit *[]func()
	// webhooks holds, inside Tx, each site's webhooks as this transaction
	// read them: a change may tell them of several events, and one
	// routing an open does so while every other one in its queue waits.
	// A webhook written or a savepoint rolled back clears it.
	webhooks map[int64][]Webhook
	// diskFull is when a transaction last failed because the database
	// could not write (UnixNano; 0 since one committed), shared by every
	// Store of one handle.
	diskFull *atomic.Int64
}

// Open connects to databaseURL, or to the SQLite file DATA_DIR/parley.db
// when it is empty.
func Open(ctx context.Context, databaseURL, dataDir string, log *slog.Logger) (*Store, error) {
	cfg := &gorm.Config{
		TranslateError: true,
		NowFunc:        func() time.Time { return time.Now().UTC() },
		Logger:         logger.Discard,
	}
	var (
		db      *gorm.DB
		err     error
		dialect Dialect
	)
	if databaseURL == "" || strings.HasPrefix(databaseURL, "sqlite:") {
		path := filepath.Join(dataDir, "parley.db")
		if strings.HasPrefix(databaseURL, "sqlite:") {
			path = strings.TrimPrefix(strings.TrimPrefix(databaseURL, "sqlite:"), "//")
		}
		// Every transaction takes the write lock up front (immediate) and
		// waits for it (busy_timeout), so concurrent senders queue instead of
		// failing with SQLITE_BUSY; WAL keeps readers off the writer's back.
		// synchronous(FULL) fsyncs the WAL at every commit, so a send acked
		// after its commit survives power loss too, not only a crash of the
		// process (NORMAL syncs only at checkpoints). Group commit pays that
		// fsync once per batch.
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(15000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Set("_txlock", "immediate")
		db, err = gorm.Open(sqlite.Open("file:"+path+"?"+q.Encode()), cfg)
		dialect = SQLite
	} else {
		db, err = gorm.Open(postgres.Open(databaseURL), cfg)
		dialect = Postgres
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	st := &Store{db: db, dialect: dialect, diskFull: new(atomic.Int64)}
	if dialect == SQLite {
		sqlDB.SetMaxOpenConns(8)
	} else {
		st.SetMaxConns(DefaultMaxConns)
	}
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("reach %s database: %w", dialect, err)
	}
	return st, nil
}

// DefaultMaxConns is how many PostgreSQL connections a process holds at
// most unless told otherwise (PARLEY_DATABASE_MAX_CONNS).
const DefaultMaxConns = 10

// SetMaxConns bounds the PostgreSQL connections this process holds, in
// use and idle. Requests beyond it wait for one in Go, which costs
// nothing, instead of running at once as database backends that take the
// CPU from each other (and from the one holding a queue's lock). SQLite
// keeps its own bound: it has one writer.
func (s *Store) SetMaxConns(n int) {
	if s.dialect != Postgres || n < 1 {
		return
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return
	}
	sqlDB.SetMaxOpenConns(n)
	sqlDB.SetMaxIdleConns(n)
}

// Dialect reports which database is in use.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers, for /readyz.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// SQL returns the underlying pool, for tests and tools that inspect the schema.
func (s *Store) SQL() (*sql.DB, error) { return s.db.DB() }

// Gorm returns the GORM handle, for the schema test only.
func (s *Store) Gorm() *gorm.DB { return s.db }

// Tx runs fn in one transaction: committed if fn returns nil, rolled back
// otherwise. The Store passed to fn runs every query inside it.
func (s *Store) Tx(ctx context.Context, fn func(tx *Store) error) error {
	if s.afterCommit != nil { // nested: the outer transaction runs the hooks
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return fn(&Store{db: tx, dialect: s.dialect, afterCommit: s.afterCommit, webhooks: s.webhooks, diskFull: s.diskFull})
		})
		if err != nil {
			clear(s.webhooks)
		}
		return err
	}
	var hooks []func()
	webhooks := map[int64][]Webhook{}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		hooks = hooks[:0] // a retried fn starts afresh
		clear(webhooks)
		return fn(&Store{db: tx, dialect: s.dialect, afterCommit: &hooks, webhooks: webhooks, diskFull: s.diskFull})
	})
	switch {
	case err == nil:
		s.diskFull.Store(0)
		for _, h := range hooks {
			h()
		}
	case IsDiskFull(err):
		s.diskFull.Store(time.Now().UnixNano())
	}
	return err
}

// AfterCommit runs fn once the transaction s belongs to has committed (and
// never if it rolls back); outside a transaction it runs fn at once.
func (s *Store) AfterCommit(fn func()) {
	if s.afterCommit == nil {
		fn()
		return
	}
	*s.afterCommit = append(*s.afterCommit, fn)
}

// DiskFullSince reports when a transaction last failed because the
// database could not write, if none has committed since.
func (s *Store) DiskFullSince() (time.Time, bool) {
	n := s.diskFull.Load()
	if n == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, n), true
}

// SavePoint marks a point inside a transaction that RollbackTo returns to.
func (s *Store) SavePoint(name string) error { return s.db.SavePoint(name).Error }

// RollbackTo undoes what the transaction did since the savepoint name.
func (s *Store) RollbackTo(name string) error { return s.db.RollbackTo(name).Error }

func (s *Store) q(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// translate maps GORM errors to the store's own.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return ErrNotFound
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%w: %v", ErrConflict, err)
	}
	if msg := err.Error(); strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505") {
		return fmt.Errorf("%w: %v", ErrConflict, err)
	}
	return err
}

// IsDiskFull reports whether err means that a write to disk failed: the
// disk (or the quota, or the file size limit) is full, or the device
// failed. SQLite reports these as SQLITE_FULL (13) and SQLITE_IOERR (10,
// with extended codes 10 + 256·n); files written directly give the errno.
func IsDiskFull(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EIO) {
		return true
	}
	var se *moderncsqlite.Error
	if errors.As(err, &se) {
		if c := se.Code() & 0xff; c == sqliteFull || c == sqliteIOErr {
			return true
		}
	}
	msg := err.Error()
	return strings.Contains(msg, "database or disk is full") || strings.Contains(msg, "disk I/O error")
}

// SQLite's primary result codes for a full disk and an I/O error.
const (
	sqliteIOErr = 10
	sqliteFull  = 13
)

// IsUnavailable reports whether err means the database could not be reached
// or could not write (as opposed to a query that failed on its merits).
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if IsDiskFull(err) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"connection refused", "broken pipe", "connection reset", "bad connection", "database is closed",
		"failed to connect", "no such host", "i/o timeout", "conn closed", "unexpected EOF", "use of closed network connection",
		"server closed the connection", "SQLSTATE 57P0", "SQLSTATE 08"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, context.DeadlineExceeded)
}
