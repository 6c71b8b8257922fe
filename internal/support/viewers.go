package support

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Viewer is an agent who has a support conversation open.
type Viewer struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
	Typing bool   `json:"typing"`
}

// ViewersFrame tells the agents of a conversation's site who has it open
// (collision detection). Visitors never get it.
type ViewersFrame struct {
	Type           string   `json:"type"` // viewers
	ConversationID int64    `json:"conversation_id"`
	Viewers        []Viewer `json:"viewers"`
}

// Ephemeral lets an agent who is behind miss a viewers frame; the next
// change sends the whole list again.
func (ViewersFrame) Ephemeral() bool { return true }

// viewerEntry is one session's view of a conversation, as stored.
type viewerEntry struct {
	UserID  int64  `json:"user_id"`
	Name    string `json:"name"`
	Typing  bool   `json:"typing"`
	Expires int64  `json:"exp"` // unix milliseconds
}

// viewerSet keeps who views what in Redis, shared by every node: a hash per
// conversation (field: node/session) and one sorted index of every entry
// by expiry. A node pushes the expiry of its own sessions' entries forward
// while they live; when a node dies, any other node sweeps its entries out
// once they expire.
type viewerSet struct {
	rdb  redis.UniversalClient
	key  func(parts ...string) string
	node string
	ttl  time.Duration
	now  func() time.Time

	mu    sync.Mutex
	local map[string]map[int64]*viewerEntry // session → conversation → entry
}

func newViewerSet(rdb redis.UniversalClient, key func(parts ...string) string, ttl time.Duration) *viewerSet {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &viewerSet{rdb: rdb, key: key, node: hex.EncodeToString(b), ttl: ttl, now: time.Now,
		local: map[string]map[int64]*viewerEntry{}}
}

func (v *viewerSet) field(session string) string { return v.node + "/" + session }

func (v *viewerSet) hashKey(conversationID int64) string {
	return v.key("viewers", strconv.FormatInt(conversationID, 10))
}

func (v *viewerSet) indexKey() string { return v.key("viewers", "index") }

func indexMember(conversationID int64, field string) string {
	return strconv.FormatInt(conversationID, 10) + "|" + field
}

// write stores entries of this node's sessions with a fresh expiry.
func (v *viewerSet) write(ctx context.Context, items map[string]map[int64]viewerEntry) error {
	exp := v.now().Add(v.ttl)
	pipe := v.rdb.Pipeline()
	for session, convs := range items {
		for conv, e := range convs {
			e.Expires = exp.UnixMilli()
			b, _ := json.Marshal(e)
			pipe.HSet(ctx, v.hashKey(conv), v.field(session), b)
			pipe.PExpire(ctx, v.hashKey(conv), 3*v.ttl)
			pipe.ZAdd(ctx, v.indexKey(), redis.Z{Score: float64(e.Expires), Member: indexMember(conv, v.field(session))})
		}
	}
	_, err := pipe.Exec(ctx)
	return err
}

// start records that session views the conversation.
func (v *viewerSet) start(ctx context.Context, conversationID int64, session string, userID int64, name string) error {
	v.mu.Lock()
	if v.local[session] == nil {
		v.local[session] = map[int64]*viewerEntry{}
	}
	e := v.local[session][conversationID]
	if e == nil {
		e = &viewerEntry{UserID: userID, Name: name}
		v.local[session][conversationID] = e
	}
	snap := *e
	v.mu.Unlock()
	return v.write(ctx, map[string]map[int64]viewerEntry{session: {conversationID: snap}})
}

// stop forgets that session views the conversation.
func (v *viewerSet) stop(ctx context.Context, conversationID int64, session string) error {
	v.mu.Lock()
	if m := v.local[session]; m != nil {
		delete(m, conversationID)
		if len(m) == 0 {
			delete(v.local, session)
		}
	}
	v.mu.Unlock()
	return v.remove(ctx, conversationID, v.field(session))
}

func (v *viewerSet) remove(ctx context.Context, conversationID int64, field string) error {
	pipe := v.rdb.Pipeline()
	pipe.HDel(ctx, v.hashKey(conversationID), field)
	pipe.ZRem(ctx, v.indexKey(), indexMember(conversationID, field))
	_, err := pipe.Exec(ctx)
	return err
}

// typing sets the typing mark of a session that views the conversation;
// viewing tells whether it does, changed whether the mark moved.
func (v *viewerSet) typing(ctx context.Context, conversationID int64, session string, on bool) (viewing, changed bool, err error) {
	v.mu.Lock()
	e := v.local[session][conversationID]
	if e == nil {
		v.mu.Unlock()
		return false, false, nil
	}
	if e.Typing == on {
		v.mu.Unlock()
		return true, false, nil
	}
	e.Typing = on
	snap := *e
	v.mu.Unlock()
	return true, true, v.write(ctx, map[string]map[int64]viewerEntry{session: {conversationID: snap}})
}

// closeSession forgets every view of a closed session and returns the
// conversations it viewed.
func (v *viewerSet) closeSession(ctx context.Context, session string) ([]int64, error) {
	v.mu.Lock()
	m := v.local[session]
	delete(v.local, session)
	v.mu.Unlock()
	var convs []int64
	var firstErr error
	for conv := range m {
		convs = append(convs, conv)
		if err := v.remove(ctx, conv, v.field(session)); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return convs, firstErr
}

// refresh pushes the expiry of this node's entries forward.
func (v *viewerSet) refresh(ctx context.Context) error {
	v.mu.Lock()
	items := make(map[string]map[int64]viewerEntry, len(v.local))
	for session, m := range v.local {
		items[session] = make(map[int64]viewerEntry, len(m))
		for conv, e := range m {
			items[session][conv] = *e
		}
	}
	v.mu.Unlock()
	if len(items) == 0 {
		return nil
	}
	return v.write(ctx, items)
}

// sweep removes expired entries (those of dead nodes) and returns the
// conversations that lost a viewer. Removing the index member first makes
// exactly one node own each removal, so the change is announced once.
func (v *viewerSet) sweep(ctx context.Context) ([]int64, error) {
	members, err := v.rdb.ZRangeByScore(ctx, v.indexKey(), &redis.ZRangeBy{Min: "-inf", Max: strconv.FormatInt(v.now().UnixMilli(), 10)}).Result()
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var convs []int64
	for _, m := range members {
		convRaw, field, ok := strings.Cut(m, "|")
		conv, err := strconv.ParseInt(convRaw, 10, 64)
		if !ok || err != nil {
			_ = v.rdb.ZRem(ctx, v.indexKey(), m).Err()
			continue
		}
		n, err := v.rdb.ZRem(ctx, v.indexKey(), m).Result()
		if err != nil {
			return convs, err
		}
		if n == 0 {
			continue // another node swept it
		}
		if err := v.rdb.HDel(ctx, v.hashKey(conv), field).Err(); err != nil {
			return convs, err
		}
		if !seen[conv] {
			seen[conv] = true
			convs = append(convs, conv)
		}
	}
	return convs, nil
}

// list returns the live viewers of a conversation, one per user (typing
// if any of their sessions types), by name.
func (v *viewerSet) list(ctx context.Context, conversationID int64) ([]Viewer, error) {
	raw, err := v.rdb.HGetAll(ctx, v.hashKey(conversationID)).Result()
	if err != nil {
		return nil, err
	}
	now := v.now().UnixMilli()
	byUser := map[int64]*Viewer{}
	for _, val := range raw {
		var e viewerEntry
		if json.Unmarshal([]byte(val), &e) != nil || e.Expires < now {
			continue
		}
		if w := byUser[e.UserID]; w != nil {
			w.Typing = w.Typing || e.Typing
			continue
		}
		byUser[e.UserID] = &Viewer{UserID: e.UserID, Name: e.Name, Typing: e.Typing}
	}
	out := make([]Viewer, 0, len(byUser))
	for _, w := range byUser {
		out = append(out, *w)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].UserID < out[j].UserID
	})
	return out, nil
}
