package realtime

import (
	"context"
	"sync"
)

// DeliverFunc hands a published payload to the local sessions of key.
type DeliverFunc func(key string, payload []byte)

// Broker carries published frames to the node that holds each recipient's
// sessions. Publish must not block on slow recipients.
type Broker interface {
	// Publish sends payload to every session of key, on any node.
	Publish(ctx context.Context, key string, payload []byte) error
	// Start makes the broker call deliver for payloads meant for this node.
	Start(ctx context.Context, deliver DeliverFunc) error
	// Close stops the broker.
	Close() error
}

// LocalBroker is the broker of a single node: publish is delivery.
type LocalBroker struct {
	mu      sync.RWMutex
	deliver DeliverFunc
}

var _ Broker = (*LocalBroker)(nil)

// NewLocalBroker returns a broker for one node.
func NewLocalBroker() *LocalBroker { return &LocalBroker{} }

// Publish delivers payload to the local sessions of key.
func (b *LocalBroker) Publish(_ context.Context, key string, payload []byte) error {
	b.mu.RLock()
	d := b.deliver
	b.mu.RUnlock()
	if d != nil {
		d(key, payload)
	}
	return nil
}

// Start records the delivery function.
func (b *LocalBroker) Start(_ context.Context, deliver DeliverFunc) error {
	b.mu.Lock()
	b.deliver = deliver
	b.mu.Unlock()
	return nil
}

// Close stops delivery.
func (b *LocalBroker) Close() error {
	b.mu.Lock()
	b.deliver = nil
	b.mu.Unlock()
	return nil
}
