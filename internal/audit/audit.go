// Package audit keeps the admin action log: who did what to whom, from
// which address and when. Services record their actions inside their own
// transaction; admins read the log.
package audit

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

type ipKey struct{}

// WithIP remembers the client address of the request that ctx serves.
func WithIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, ipKey{}, ip)
}

// IP is the client address WithIP put in ctx, or "".
func IP(ctx context.Context) string {
	ip, _ := ctx.Value(ipKey{}).(string)
	return ip
}

// Record appends one action to the log inside tx. actorID 0 means the
// operator's command line. detail must never hold secrets.
func Record(ctx context.Context, tx *store.Store, actorID int64, action, targetType string, targetID int64, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	var actor *int64
	if actorID != 0 {
		actor = &actorID
	}
	return tx.CreateAuditEntry(ctx, &store.AuditEntry{
		ActorID: actor, Action: action, TargetType: targetType, TargetID: targetID,
		Detail: string(b), IP: IP(ctx), CreatedAt: time.Now().UTC(),
	})
}

// Actor is who asks to read the log.
type Actor interface{ IsAdmin() bool }

// Entry is one logged action as admins see it.
type Entry struct {
	ID         int64          `json:"id"`
	Actor      *Person        `json:"actor"` // null: the operator's command line
	Action     string         `json:"action"`
	TargetType string         `json:"target_type"`
	TargetID   int64          `json:"target_id"`
	Detail     map[string]any `json:"detail"`
	IP         string         `json:"ip"`
	CreatedAt  time.Time      `json:"created_at"`
}

// Person names the actor of an entry.
type Person struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
}

// Filter narrows the log; zero fields match everything.
type Filter struct {
	ActorID int64
	Action  string
	Cursor  int64 // entries older than this id
}

// Service reads the log.
type Service struct {
	store *store.Store
	log   *slog.Logger
}

// New builds the service.
func New(st *store.Store, log *slog.Logger) *Service { return &Service{store: st, log: log} }

// List returns the log newest first (admins only), and the cursor of the
// next page (0 on the last). Errors: 403 forbidden, 400 on a bad filter.
func (s *Service) List(ctx context.Context, actor Actor, f Filter, limit int) ([]Entry, int64, error) {
	if !actor.IsAdmin() {
		return nil, 0, errs.R(errs.Forbidden, "forbidden", "only admins read the action log")
	}
	if len(f.Action) > 64 {
		return nil, 0, errs.Field("action", "at most 64 characters")
	}
	rows, err := s.store.AuditEntries(ctx, store.AuditFilter{ActorID: f.ActorID, Action: f.Action, BeforeID: f.Cursor}, limit+1)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list action log")
	}
	var next int64
	if len(rows) > limit {
		rows = rows[:limit]
		next = rows[limit-1].ID
	}
	items := make([]Entry, 0, len(rows))
	var ids []int64
	for _, r := range rows {
		if r.ActorID != nil {
			ids = append(ids, *r.ActorID)
		}
	}
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, 0, errs.Wrap(err, "load actors")
	}
	for _, r := range rows {
		e := Entry{ID: r.ID, Action: r.Action, TargetType: r.TargetType, TargetID: r.TargetID, IP: r.IP, CreatedAt: r.CreatedAt, Detail: map[string]any{}}
		_ = json.Unmarshal([]byte(r.Detail), &e.Detail)
		if r.ActorID != nil {
			p := &Person{ID: *r.ActorID}
			if u := users[*r.ActorID]; u != nil {
				p.Username = u.Username
			}
			e.Actor = p
		}
		items = append(items, e)
	}
	return items, next, nil
}
