package realtime

import "context"

// DeliverFunc hands a published payload to the local sessions of key.
type DeliverFunc func(key string, payload []byte)

// Receiver is what a broker hands other nodes' payloads to: Deliver for
// each payload, Lost when the broker may have missed some (its
// subscription to Redis was lost and has just come back).
type Receiver struct {
	Deliver DeliverFunc
	Lost    func()
}

// Broker carries published frames to the other nodes that hold a
// recipient's sessions. The hub delivers to its own sessions itself, so a
// broker only ever talks to other nodes. Publish must not block on slow
// recipients.
type Broker interface {
	// Start makes the broker hand payloads from other nodes to r.
	Start(ctx context.Context, r Receiver) error
	// Publish sends payload to every session of key on other nodes.
	Publish(ctx context.Context, key string, payload []byte) error
	// PublishMany sends one payload to the sessions of several keys on
	// other nodes, in as few round trips as the broker can.
	PublishMany(ctx context.Context, keys []string, payload []byte) error
	// Subscribe and Unsubscribe are called when this node gets its first
	// session of key, and loses its last.
	Subscribe(ctx context.Context, key string) error
	Unsubscribe(ctx context.Context, key string) error
	// Elsewhere reports whether another live node holds a session of key.
	Elsewhere(ctx context.Context, key string) bool
	// Close stops the broker.
	Close() error
}

// LocalBroker is the broker of a deployment with one node: there is
// nobody else to tell.
type LocalBroker struct{}

var _ Broker = LocalBroker{}

// NewLocalBroker returns the single-node broker.
func NewLocalBroker() LocalBroker { return LocalBroker{} }

// Start does nothing: no other node sends.
func (LocalBroker) Start(context.Context, Receiver) error { return nil }

// Publish does nothing: the hub already delivered locally.
func (LocalBroker) Publish(context.Context, string, []byte) error { return nil }

// PublishMany does nothing: the hub already delivered locally.
func (LocalBroker) PublishMany(context.Context, []string, []byte) error { return nil }

// Subscribe does nothing.
func (LocalBroker) Subscribe(context.Context, string) error { return nil }

// Unsubscribe does nothing.
func (LocalBroker) Unsubscribe(context.Context, string) error { return nil }

// Elsewhere is always false: there is no elsewhere.
func (LocalBroker) Elsewhere(context.Context, string) bool { return false }

// Close does nothing.
func (LocalBroker) Close() error { return nil }
