package realtime

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// fanoutMin is the number of recipients from which a fan-out goes on the
// shared channel.
const fanoutMin = 16

// Node liveness: each node refreshes its key every nodeHeartbeat; a node
// whose key expired (nodeTTL) has crashed, and its sessions no longer count.
const (
	nodeHeartbeat = 10 * time.Second
	nodeTTL       = 30 * time.Second
)

// RedisBroker delivers between nodes through Redis pub/sub, with one
// channel per recipient: a node subscribes to a user's channel while it
// holds a session of theirs, so a publish reaches exactly the nodes that
// need it and Redis does the routing. Each payload carries its node id so
// a node ignores its own publishes (it delivered locally already).
//
// A fan-out to many recipients (a big group) goes instead as one message
// on the channel every node listens to, naming its recipients: one publish
// and one message per node, where per-recipient channels cost Redis a
// publish and every node a message per recipient, most of them its own.
//
// It also keeps, per recipient, the set of nodes holding a session
// (a hash of node ids) next to a heartbeat key per node, which answers
// "is this user connected anywhere?".
type RedisBroker struct {
	rdb    *redis.Client
	prefix string
	node   string
	log    *slog.Logger

	mu      sync.Mutex
	ps      *redis.PubSub
	deliver DeliverFunc
	keys    map[string]struct{} // recipients with a session on this node
	// confirm holds, per Redis channel, the Subscribe calls waiting for
	// Redis to confirm the subscription.
	confirm map[string][]chan struct{}
	stop    chan struct{}
	done    sync.WaitGroup
}

var _ Broker = (*RedisBroker)(nil)

// NewRedisBroker builds a broker on rdb; keys and channels start with prefix.
func NewRedisBroker(rdb *redis.Client, prefix string, log *slog.Logger) *RedisBroker {
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	return &RedisBroker{rdb: rdb, prefix: prefix, node: hex.EncodeToString(id), log: log, stop: make(chan struct{}), keys: map[string]struct{}{}, confirm: map[string][]chan struct{}{}}
}

// Node is this node's id.
func (b *RedisBroker) Node() string { return b.node }

func (b *RedisBroker) channel(key string) string  { return b.prefix + "parley:rt:" + key }
func (b *RedisBroker) fanoutChannel() string      { return b.prefix + "parley:fanout" }
func (b *RedisBroker) presence(key string) string { return b.prefix + "parley:where:" + key }
func (b *RedisBroker) nodeKey(node string) string { return b.prefix + "parley:node:" + node }

// Start opens the subscription connection and the heartbeat. go-redis
// reconnects the subscription by itself after Redis comes back and
// re-subscribes every channel.
func (b *RedisBroker) Start(ctx context.Context, deliver DeliverFunc) error {
	b.mu.Lock()
	b.deliver = deliver
	b.ps = b.rdb.Subscribe(context.Background(), b.fanoutChannel())
	ch := b.ps.ChannelWithSubscriptions(redis.WithChannelSize(4096))
	b.mu.Unlock()
	b.beat(ctx)
	b.done.Add(2)
	go func() {
		defer b.done.Done()
		for m := range ch {
			switch m := m.(type) {
			case *redis.Message:
				b.receive(m)
			case *redis.Subscription:
				if m.Kind == "subscribe" {
					b.confirmed(m.Channel)
				}
			}
		}
	}()
	go func() {
		defer b.done.Done()
		t := time.NewTicker(nodeHeartbeat)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				b.beat(context.Background())
			}
		}
	}()
	return nil
}

// beat refreshes the node's liveness and re-asserts which recipients it
// holds, so that a Redis that restarted empty learns them again.
func (b *RedisBroker) beat(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	b.mu.Lock()
	keys := make([]string, 0, len(b.keys))
	for k := range b.keys {
		keys = append(keys, k)
	}
	b.mu.Unlock()
	now := time.Now().Unix()
	_, err := b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, b.nodeKey(b.node), now, nodeTTL)
		for _, k := range keys {
			p.HSet(ctx, b.presence(k), b.node, now)
		}
		return nil
	})
	if err != nil {
		b.log.Warn("node heartbeat failed", "err", err)
	}
}

func (b *RedisBroker) receive(msg *redis.Message) {
	node, payload, ok := strings.Cut(msg.Payload, "|")
	if !ok || node == b.node {
		return
	}
	b.mu.Lock()
	d := b.deliver
	b.mu.Unlock()
	if d == nil {
		return
	}
	if msg.Channel != b.fanoutChannel() {
		d(strings.TrimPrefix(msg.Channel, b.channel("")), []byte(payload))
		return
	}
	// "key key …\npayload": deliver to the recipients held here.
	keys, body, ok := strings.Cut(payload, "\n")
	if !ok {
		return
	}
	var held []string
	b.mu.Lock()
	for _, key := range strings.Fields(keys) {
		if _, ok := b.keys[key]; ok {
			held = append(held, key)
		}
	}
	b.mu.Unlock()
	frame := []byte(body)
	for _, key := range held {
		d(key, frame)
	}
}

// Publish sends payload to the nodes subscribed to key's channel.
func (b *RedisBroker) Publish(ctx context.Context, key string, payload []byte) error {
	var buf bytes.Buffer
	buf.Grow(len(b.node) + 1 + len(payload))
	buf.WriteString(b.node)
	buf.WriteByte('|')
	buf.Write(payload)
	return b.rdb.Publish(ctx, b.channel(key), buf.Bytes()).Err()
}

// PublishMany sends payload to the channels of every key in one pipeline
// (one round trip to Redis, not one per member), or from fanoutMin keys on,
// as one message on the shared channel.
func (b *RedisBroker) PublishMany(ctx context.Context, keys []string, payload []byte) error {
	switch len(keys) {
	case 0:
		return nil
	case 1:
		return b.Publish(ctx, keys[0], payload)
	}
	var buf bytes.Buffer
	buf.Grow(len(b.node) + 1 + len(payload))
	buf.WriteString(b.node)
	buf.WriteByte('|')
	if len(keys) >= fanoutMin {
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(' ')
			}
			buf.WriteString(k)
		}
		buf.WriteByte('\n')
		buf.Write(payload)
		return b.rdb.Publish(ctx, b.fanoutChannel(), buf.Bytes()).Err()
	}
	buf.Write(payload)
	msg := buf.Bytes()
	_, err := b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Publish(ctx, b.channel(k), msg)
		}
		return nil
	})
	return err
}

// confirmed wakes the Subscribe calls waiting for channel.
func (b *RedisBroker) confirmed(channel string) {
	b.mu.Lock()
	waiting := b.confirm[channel]
	delete(b.confirm, channel)
	b.mu.Unlock()
	for _, c := range waiting {
		close(c)
	}
}

// Subscribe listens to key's channel and records this node as holding it.
// It returns once Redis has confirmed the subscription (or ctx ends), so
// that whatever is published to key after it returns reaches this node:
// a client told "subscribed" misses nothing published afterwards.
func (b *RedisBroker) Subscribe(ctx context.Context, key string) error {
	channel := b.channel(key)
	done := make(chan struct{})
	b.mu.Lock()
	ps := b.ps
	b.keys[key] = struct{}{}
	if ps != nil {
		b.confirm[channel] = append(b.confirm[channel], done)
	}
	b.mu.Unlock()
	if ps == nil {
		return nil
	}
	if err := ps.Subscribe(ctx, channel); err != nil {
		b.confirmed(channel)
		return err
	}
	if err := b.rdb.HSet(ctx, b.presence(key), b.node, time.Now().Unix()).Err(); err != nil {
		b.forget(channel, done)
		return err
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		b.forget(channel, done)
		return ctx.Err()
	}
}

// forget drops a waiter whose Subscribe gave up before the confirmation.
func (b *RedisBroker) forget(channel string, done chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	waiting := b.confirm[channel]
	for i, c := range waiting {
		if c == done {
			b.confirm[channel] = append(waiting[:i], waiting[i+1:]...)
			break
		}
	}
	if len(b.confirm[channel]) == 0 {
		delete(b.confirm, channel)
	}
}

// Unsubscribe stops listening to key's channel.
func (b *RedisBroker) Unsubscribe(ctx context.Context, key string) error {
	b.mu.Lock()
	ps := b.ps
	delete(b.keys, key)
	b.mu.Unlock()
	if ps == nil {
		return nil
	}
	if err := ps.Unsubscribe(ctx, b.channel(key)); err != nil {
		return err
	}
	return b.rdb.HDel(ctx, b.presence(key), b.node).Err()
}

// Elsewhere reports whether another node with a live heartbeat holds a
// session of key. Entries of dead nodes are cleaned up on the way.
func (b *RedisBroker) Elsewhere(ctx context.Context, key string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	nodes, err := b.rdb.HKeys(ctx, b.presence(key)).Result()
	if err != nil {
		return false
	}
	for _, n := range nodes {
		if n == b.node {
			continue
		}
		alive, err := b.rdb.Exists(ctx, b.nodeKey(n)).Result()
		if err != nil {
			return false
		}
		if alive == 1 {
			return true
		}
		b.rdb.HDel(ctx, b.presence(key), n)
	}
	return false
}

// Close ends the subscription and the heartbeat and retires the node.
func (b *RedisBroker) Close() error {
	select {
	case <-b.stop:
		return nil
	default:
		close(b.stop)
	}
	b.mu.Lock()
	ps := b.ps
	b.mu.Unlock()
	var err error
	if ps != nil {
		err = ps.Close()
	}
	b.done.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	b.rdb.Del(ctx, b.nodeKey(b.node))
	return err
}
