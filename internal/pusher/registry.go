package pusher

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// registry keeps, in Redis, what every node knows of an app's channels:
// subscriptions per channel (counted per node and in total, so that
// occupied and vacated are told once across nodes) and the members of
// presence channels (the sockets of each member, per node). Each node
// keeps a liveness key; the sweeper removes what a node that stopped
// beating left behind.
type registry struct {
	rdb  redis.UniversalClient
	key  func(parts ...string) string
	node string
	ttl  time.Duration
}

func (r *registry) nodeKey(node string) string { return r.key("pusher", "node", node) }

// An app's keys share one hash tag, {app}: in a Redis Cluster they sit in
// one slot, so that the transactions and scripts below, which touch
// several of them at once, run there.
func appTag(app string) string { return "{" + app + "}" }

func (r *registry) subsKey(app, ch string) string  { return r.key("pusher", "subs", appTag(app), ch) }
func (r *registry) totalKey(app, ch string) string { return r.key("pusher", "total", appTag(app), ch) }
func (r *registry) chansKey(app string) string     { return r.key("pusher", "chans", appTag(app)) }
func (r *registry) membersKey(app, ch string) string {
	return r.key("pusher", "members", appTag(app), ch)
}
func (r *registry) countsKey(app, ch string) string {
	return r.key("pusher", "mcount", appTag(app), ch)
}
func (r *registry) socketsKey(app, ch string) string {
	return r.key("pusher", "msock", appTag(app), ch)
}
func (r *registry) trackedKey() string { return r.key("pusher", "tracked") }

// beat refreshes this node's liveness.
func (r *registry) beat(ctx context.Context) error {
	return r.rdb.Set(ctx, r.nodeKey(r.node), time.Now().Unix(), r.ttl).Err()
}

// retire removes this node's liveness at shutdown.
func (r *registry) retire(ctx context.Context) { r.rdb.Del(ctx, r.nodeKey(r.node)) }

// subscribe counts one more subscription of this node to a channel and
// reports whether it is the channel's first across every node. The channel
// is tracked for the sweeper first, outside the app's slot (tracked and
// never counted, after a crash in between, is what the sweeper cleans
// anyway), and again after a first subscription, in case a sweep dropped
// it in between as empty.
func (r *registry) subscribe(ctx context.Context, app, ch string) (bool, error) {
	if err := r.rdb.SAdd(ctx, r.trackedKey(), app+"\n"+ch).Err(); err != nil {
		return false, err
	}
	var total *redis.IntCmd
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HIncrBy(ctx, r.subsKey(app, ch), r.node, 1)
		total = p.Incr(ctx, r.totalKey(app, ch))
		p.SAdd(ctx, r.chansKey(app), ch)
		return nil
	})
	if err != nil {
		return false, err
	}
	if total.Val() == 1 {
		if err := r.rdb.SAdd(ctx, r.trackedKey(), app+"\n"+ch).Err(); err != nil {
			return true, err
		}
	}
	return total.Val() == 1, nil
}

// unsubscribe counts one subscription less and reports whether it was the
// channel's last.
func (r *registry) unsubscribe(ctx context.Context, app, ch string) (bool, error) {
	var total *redis.IntCmd
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HIncrBy(ctx, r.subsKey(app, ch), r.node, -1)
		total = p.Decr(ctx, r.totalKey(app, ch))
		return nil
	})
	if err != nil {
		return false, err
	}
	if total.Val() <= 0 {
		r.vacate(ctx, app, ch)
		return total.Val() == 0, nil
	}
	return false, nil
}

// vacate drops an empty channel from the app's list, unless a subscription
// came meanwhile.
func (r *registry) vacate(ctx context.Context, app, ch string) {
	_ = vacateScript.Run(ctx, r.rdb, []string{r.totalKey(app, ch), r.chansKey(app)}, ch).Err()
}

var vacateScript = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n <= 0 then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[1])
end
return n`)

// addMember records a socket of a member of a presence channel; it reports
// whether it is the member's first socket there, across nodes.
func (r *registry) addMember(ctx context.Context, app, ch, socket, userID string, info json.RawMessage) (bool, error) {
	if len(info) == 0 {
		info = json.RawMessage("null")
	}
	n, err := addMemberScript.Run(ctx, r.rdb, []string{r.socketsKey(app, ch), r.countsKey(app, ch), r.membersKey(app, ch)},
		r.node+"|"+socket, userID, string(info)).Int64()
	return n == 1, err
}

var addMemberScript = redis.NewScript(`
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
local n = redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
if n == 1 then redis.call('HSET', KEYS[3], ARGV[2], ARGV[3]) end
return n`)

// removeMember forgets a socket of a presence channel (of any node); it
// answers the member's user id and whether that was their last socket
// there.
func (r *registry) removeMember(ctx context.Context, app, ch, field string) (string, bool, error) {
	res, err := removeMemberScript.Run(ctx, r.rdb, []string{r.socketsKey(app, ch), r.countsKey(app, ch), r.membersKey(app, ch)}, field).Slice()
	if err != nil || len(res) != 2 {
		return "", false, err
	}
	uid, _ := res[0].(string)
	last, _ := res[1].(int64)
	return uid, last == 1, nil
}

var removeMemberScript = redis.NewScript(`
local uid = redis.call('HGET', KEYS[1], ARGV[1])
if not uid then return {'', 0} end
redis.call('HDEL', KEYS[1], ARGV[1])
local n = redis.call('HINCRBY', KEYS[2], uid, -1)
if n <= 0 then
  redis.call('HDEL', KEYS[2], uid)
  redis.call('HDEL', KEYS[3], uid)
  return {uid, 1}
end
return {uid, 0}`)

// Member is one user of a presence channel.
type Member struct {
	ID   string          `json:"id"`
	Info json.RawMessage `json:"-"`
}

// members lists a presence channel's members.
func (r *registry) members(ctx context.Context, app, ch string) ([]Member, error) {
	m, err := r.rdb.HGetAll(ctx, r.membersKey(app, ch)).Result()
	if err != nil {
		return nil, err
	}
	out := make([]Member, 0, len(m))
	for id, info := range m {
		out = append(out, Member{ID: id, Info: json.RawMessage(info)})
	}
	return out, nil
}

// userCount counts a presence channel's members.
func (r *registry) userCount(ctx context.Context, app, ch string) (int64, error) {
	return r.rdb.HLen(ctx, r.membersKey(app, ch)).Result()
}

// subscriptionCount counts a channel's subscriptions across nodes.
func (r *registry) subscriptionCount(ctx context.Context, app, ch string) (int64, error) {
	n, err := r.rdb.Get(ctx, r.totalKey(app, ch)).Int64()
	if err == redis.Nil {
		return 0, nil
	}
	return max(n, 0), err
}

// channels lists an app's occupied channels whose names start with prefix.
func (r *registry) channels(ctx context.Context, app, prefix string) ([]string, error) {
	all, err := r.rdb.SMembers(ctx, r.chansKey(app)).Result()
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, ch := range all {
		if strings.HasPrefix(ch, prefix) {
			out = append(out, ch)
		}
	}
	return out, nil
}

// swept is what a sweep removed: members who left with a dead node, and
// channels that it left empty.
type swept struct {
	removed []sweptMember
	vacated []appChannel
}

type appChannel struct{ app, ch string }

type sweptMember struct {
	appChannel
	userID string
}

// sweep removes the subscriptions and presence sockets of nodes whose
// liveness expired. Each is removed by one sweeper only (HDEL answers 1
// to one caller), so every consequence is told once.
func (r *registry) sweep(ctx context.Context) (swept, error) {
	var out swept
	tracked, err := r.rdb.SMembers(ctx, r.trackedKey()).Result()
	if err != nil {
		return out, err
	}
	alive := map[string]bool{r.node: true}
	isAlive := func(node string) bool {
		if v, ok := alive[node]; ok {
			return v
		}
		// The beat's time is read as well as the key's expiry: a Redis
		// that does not expire keys on its own clock (an in-process one
		// under test) still tells a node that stopped beating.
		at, err := r.rdb.Get(ctx, r.nodeKey(node)).Int64()
		switch {
		case err == redis.Nil:
			alive[node] = false
		case err != nil:
			alive[node] = true // unsure: leave it
		default:
			alive[node] = time.Since(time.Unix(at, 0)) <= r.ttl
		}
		return alive[node]
	}
	for _, t := range tracked {
		app, ch, _ := strings.Cut(t, "\n")
		subs, err := r.rdb.HGetAll(ctx, r.subsKey(app, ch)).Result()
		if err != nil {
			return out, err
		}
		live := 0
		for node, v := range subs {
			n, _ := strconv.ParseInt(v, 10, 64)
			if isAlive(node) {
				if n > 0 {
					live++
				}
				continue
			}
			if gone, _ := r.rdb.HDel(ctx, r.subsKey(app, ch), node).Result(); gone == 1 && n > 0 {
				if left, _ := r.rdb.DecrBy(ctx, r.totalKey(app, ch), n).Result(); left <= 0 {
					r.vacate(ctx, app, ch)
					out.vacated = append(out.vacated, appChannel{app, ch})
				}
			}
		}
		if KindOf(ch) == Presence {
			socks, err := r.rdb.HKeys(ctx, r.socketsKey(app, ch)).Result()
			if err != nil {
				return out, err
			}
			for _, f := range socks {
				node, _, _ := strings.Cut(f, "|")
				if isAlive(node) {
					continue
				}
				if uid, last, err := r.removeMember(ctx, app, ch, f); err == nil && last {
					out.removed = append(out.removed, sweptMember{appChannel{app, ch}, uid})
				}
			}
		}
		if live == 0 {
			if n, _ := r.subscriptionCount(ctx, app, ch); n == 0 {
				r.rdb.SRem(ctx, r.trackedKey(), t)
			}
		}
	}
	return out, nil
}
