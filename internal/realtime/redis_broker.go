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

	"github.com/parley-chat/parley/internal/metrics"
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
//
// Nothing published is lost to a short outage of Redis or a failover of a
// Redis Cluster or Sentinel master: a publish that fails is retried in
// order for up to PublishRetryFor, and a subscription that was lost tells
// the hub once it is back (Receiver.Lost), since what was published
// meanwhile never reached this node.
type RedisBroker struct {
	rdb     redis.UniversalClient
	prefix  string
	node    string
	log     *slog.Logger
	metrics *metrics.Metrics

	mu       sync.Mutex
	ps       *redis.PubSub
	receiver Receiver
	// started is set once the shared channel's subscription is first
	// confirmed: every later confirmation follows a reconnection.
	started bool
	// retry holds the publishes waiting to be tried again, oldest first;
	// retrying tells whether the goroutine that empties it runs.
	retry    []failedPublish
	retrying bool
	keys     map[string]struct{} // recipients with a session on this node
	// confirm holds, per Redis channel, the Subscribe calls waiting for
	// Redis to confirm the subscription.
	confirm map[string][]chan struct{}
	stop    chan struct{}
	done    sync.WaitGroup
}

var _ Broker = (*RedisBroker)(nil)

// Publish retries: how long a failed publish is tried again (a Redis
// Cluster elects a new master within its node timeout, 15 s by default;
// Sentinel within its down-after time plus the election), and how many
// may wait at once; past either they are dropped, and the clients they
// were for see the gap with the next frame of their conversation or when
// they reconnect.
const (
	PublishRetryFor  = 30 * time.Second
	publishRetryMax  = 10000
	publishRetryWait = 100 * time.Millisecond
)

// failedPublish is a publish waiting to be tried again.
type failedPublish struct {
	channel string
	msg     []byte
	at      time.Time
}

// NewRedisBroker builds a broker on rdb; keys and channels start with prefix.
func NewRedisBroker(rdb redis.UniversalClient, prefix string, log *slog.Logger, m *metrics.Metrics) *RedisBroker {
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	return &RedisBroker{rdb: rdb, prefix: prefix, node: hex.EncodeToString(id), log: log, metrics: m, stop: make(chan struct{}), keys: map[string]struct{}{}, confirm: map[string][]chan struct{}{}}
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
func (b *RedisBroker) Start(ctx context.Context, r Receiver) error {
	b.mu.Lock()
	b.receiver = r
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
					if m.Channel == b.fanoutChannel() {
						b.resubscribed()
					}
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
	d := b.receiver.Deliver
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
	return b.publish(ctx, b.channel(key), buf.Bytes(), durable(payload))
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
		return b.publish(ctx, b.fanoutChannel(), buf.Bytes(), durable(payload))
	}
	buf.Write(payload)
	msg := buf.Bytes()
	cmds, err := b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Publish(ctx, b.channel(k), msg)
		}
		return nil
	})
	if err != nil && durable(payload) {
		for i, c := range cmds {
			if c.Err() != nil {
				b.later(b.channel(keys[i]), msg)
			}
		}
	}
	return err
}

// durable tells the payloads worth retrying: not the ephemeral frames
// (typing, viewing, presence), stale by the time a retry would carry them.
func durable(payload []byte) bool { return !bytes.HasPrefix(payload, ephemeralMarker) }

// publish publishes msg on channel; when Redis does not take it, a durable
// msg is queued to be tried again. The error is returned either way, for
// the caller to count.
func (b *RedisBroker) publish(ctx context.Context, channel string, msg []byte, retry bool) error {
	err := b.rdb.Publish(ctx, channel, msg).Err()
	if err != nil && retry {
		b.later(channel, msg)
	}
	return err
}

// later queues a failed publish for the retry goroutine, which it starts
// if it is not running. Retried publishes keep their order; clients place
// a message by its seq wherever it arrives, and drop one they already
// have.
func (b *RedisBroker) later(channel string, msg []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.retry) >= publishRetryMax {
		b.metrics.PublishRetries.WithLabelValues("dropped").Inc()
		return
	}
	b.retry = append(b.retry, failedPublish{channel: channel, msg: msg, at: time.Now()})
	if !b.retrying {
		b.retrying = true
		b.done.Add(1)
		go b.retryLoop()
	}
}

// retryLoop tries the queued publishes again, oldest first, until the
// queue is empty, waiting a little longer after each failure.
func (b *RedisBroker) retryLoop() {
	defer b.done.Done()
	wait := publishRetryWait
	for {
		b.mu.Lock()
		for len(b.retry) > 0 && time.Since(b.retry[0].at) > PublishRetryFor {
			b.retry = b.retry[1:]
			b.metrics.PublishRetries.WithLabelValues("dropped").Inc()
		}
		if len(b.retry) == 0 {
			b.retry, b.retrying = nil, false
			b.mu.Unlock()
			return
		}
		next := b.retry[0]
		b.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err := b.rdb.Publish(ctx, next.channel, next.msg).Err()
		cancel()
		if err == nil {
			b.metrics.PublishRetries.WithLabelValues("delivered").Inc()
			b.mu.Lock()
			b.retry = b.retry[1:]
			b.mu.Unlock()
			wait = publishRetryWait
			continue
		}
		select {
		case <-b.stop:
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// resubscribed is called for every confirmation of the shared channel's
// subscription: after the first, the subscription was lost and go-redis
// has just made it again, and whatever other nodes published meanwhile
// never came here.
func (b *RedisBroker) resubscribed() {
	b.mu.Lock()
	again := b.started
	b.started = true
	lost := b.receiver.Lost
	b.mu.Unlock()
	if again && lost != nil {
		b.log.Warn("redis subscription came back after a loss")
		go lost()
	}
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
