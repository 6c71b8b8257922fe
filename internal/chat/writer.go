package chat

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// Group commit: one transaction per message made the commit (an fsync on
// PostgreSQL, the write lock on SQLite) the cost of every send. The node's
// one writer takes the sends that arrive while the previous batch commits,
// stores them in one transaction and answers each sender only after that
// commit, so a conversation's messages take their seqs in arrival order.
// Plain sends go by the batch path (batch.go); the others each run under a
// savepoint of their own, so one that fails (a refused send, a reply to a
// seq that does not exist) is rolled back alone and the others commit.
const (
	maxBatch        = 128
	writerQueue     = 4096
	batchTxDeadline = 15 * time.Second
)

// sendResult is what storing one message produced.
type sendResult struct {
	msg     *store.Message
	conv    *store.Conversation
	members []store.Member
	replay  bool
	err     error
	// view is the message as clients see it, when the writer built it
	// with the rest of its batch's.
	view *Message
}

type sendReq struct {
	ctx   context.Context
	actor Actor
	in    SendInput
	conv  *store.Conversation // as precheck read it
	done  chan sendResult
}

// sendWriter is the per-node group-commit writer of sends.
type sendWriter struct {
	s     *Service
	queue chan *sendReq

	pending atomic.Int64 // submitted, not yet answered

	// gate is held for reading while a send enters the queue, so that
	// closing the queue waits for those already on their way in.
	gate   sync.RWMutex
	closed bool
	// done is closed once the writer has answered every send it took.
	done chan struct{}
	// abandon is set when the shutdown's deadline passed: what is still
	// queued is answered unavailable without being stored.
	abandon atomic.Bool
}

func newSendWriter(s *Service) *sendWriter {
	w := &sendWriter{s: s, queue: make(chan *sendReq, writerQueue), done: make(chan struct{})}
	go w.run(w.queue)
	return w
}

// submit queues one send and waits for its commit (or ctx).
func (w *sendWriter) submit(ctx context.Context, actor Actor, in SendInput, conv *store.Conversation) sendResult {
	r := &sendReq{ctx: ctx, actor: actor, in: in, conv: conv, done: make(chan sendResult, 1)}
	w.gate.RLock()
	if w.closed {
		w.gate.RUnlock()
		return sendResult{err: errShuttingDown}
	}
	w.pending.Add(1)
	select {
	case w.queue <- r:
	case <-ctx.Done():
		w.gate.RUnlock()
		w.pending.Add(-1)
		return sendResult{err: ctx.Err()}
	}
	w.gate.RUnlock()
	select {
	case res := <-r.done:
		return res
	case <-ctx.Done():
		// The batch may still commit it: a retry with the same
		// client_msg_id then returns the stored message.
		return sendResult{err: ctx.Err()}
	}
}

// errShuttingDown answers a send the node stopped taking, or could no
// longer store, because it is shutting down.
var errShuttingDown = &errs.Error{Code: errs.Unavailable, Reason: "unavailable",
	Message: "the server is restarting; retry with the same client_msg_id"}

// close stops taking sends (later ones are answered unavailable) and
// answers every queued one: stored and acked as usual while ctx lasts,
// unavailable without being stored once it has ended.
func (w *sendWriter) close(ctx context.Context) {
	w.gate.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.gate.Unlock()
	select {
	case <-w.done:
	case <-ctx.Done():
		w.abandon.Store(true)
		<-w.done // the batch in its transaction ends by its deadline
	}
}

func (w *sendWriter) run(ch chan *sendReq) {
	defer close(w.done)
	batch := make([]*sendReq, 0, maxBatch)
	for first := range ch {
		if g := w.s.cfg.Gate; g != nil {
			g.Pass()
		}
		batch = append(batch[:0], first)
	drain:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-ch:
				if !ok { // closed: this is the last batch
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		w.commit(batch)
	}
}

// commit stores a batch in one transaction and answers every sender.
func (w *sendWriter) commit(batch []*sendReq) {
	live := batch[:0:0]
	for _, r := range batch {
		if w.abandon.Load() {
			w.answer(r, sendResult{err: errShuttingDown})
			continue
		}
		if err := r.ctx.Err(); err != nil {
			w.answer(r, sendResult{err: err})
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), batchTxDeadline)
	defer cancel()
	if len(live) == 1 && !plainSend(live[0].actor, live[0].in) {
		w.answer(live[0], w.single(ctx, live[0]))
		return
	}
	results, alone, err := w.storeAll(ctx, live, true)
	if errors.Is(err, errPerMessage) {
		results, alone, err = w.storeAll(ctx, live, false)
	}
	if err != nil {
		if store.IsUnavailable(err) {
			for _, r := range live {
				w.answer(r, sendResult{err: err})
			}
			return
		}
		// Nothing of the batch committed: every send goes again alone.
		for i := range alone {
			alone[i] = true
		}
	} else {
		w.s.viewAll(ctx, results)
	}
	for i, r := range live {
		if alone[i] {
			w.answer(r, w.single(ctx, r))
			continue
		}
		w.answer(r, results[i])
	}
}

// storeAll runs a batch in one transaction: its plain sends by the batch
// path (when batched), then every other send under a savepoint of its own,
// so that one that fails is rolled back alone. alone marks the sends that
// met a database error and should be tried again by themselves.
func (w *sendWriter) storeAll(ctx context.Context, live []*sendReq, batched bool) (results []sendResult, alone []bool, err error) {
	results = make([]sendResult, len(live))
	alone = make([]bool, len(live))
	err = w.s.store.Tx(ctx, func(tx *store.Store) error {
		done := make([]bool, len(live))
		if batched {
			var err error
			if done, err = w.s.storeBatch(ctx, tx, live, results); err != nil {
				return err
			}
		}
		members := map[int64][]store.Member{}
		for i, r := range live {
			if done[i] {
				continue
			}
			sp := "send_" + strconv.Itoa(i)
			if err := tx.SavePoint(sp); err != nil {
				return err
			}
			res := w.s.storeOne(ctx, tx, r, members)
			if res.err != nil {
				if err := tx.RollbackTo(sp); err != nil {
					return err
				}
				if !isDomain(res.err) && !errors.Is(res.err, errDuplicate) {
					// A database error (a deadlock, a conflict with
					// another node): try this one again on its own.
					alone[i] = true
				}
			}
			results[i] = res
		}
		return nil
	})
	return results, alone, err
}

// single stores one send in a transaction of its own; any error rolls it
// back.
func (w *sendWriter) single(ctx context.Context, r *sendReq) sendResult {
	var res sendResult
	err := w.s.store.Tx(ctx, func(tx *store.Store) error {
		res = w.s.storeOne(ctx, tx, r, map[int64][]store.Member{})
		return res.err
	})
	if err != nil {
		return sendResult{err: err}
	}
	return res
}

// storeOne stores a send: a user's message to a conversation of a batched
// kind by its short path, anything else (other kinds, visitors) with every
// check repeated in the transaction.
func (s *Service) storeOne(ctx context.Context, tx *store.Store, r *sendReq, members map[int64][]store.Member) sendResult {
	if r.actor.Kind == store.SenderUser && r.conv != nil && s.kind(r.conv).Batched() {
		return s.storeChecked(ctx, tx, r.actor, r.in, r.conv, members)
	}
	return s.sendInTx(ctx, tx, r.actor, r.in)
}

func (w *sendWriter) answer(r *sendReq, res sendResult) {
	r.done <- res
	w.pending.Add(-1)
}

// Close stops taking sends and answers every queued one, stored while ctx
// lasts and unavailable after; it returns when each has its answer. Sends
// after Close are answered unavailable at once.
func (s *Service) Close(ctx context.Context) { s.writer.close(ctx) }

// QueuedSends counts the sends submitted and not yet answered.
func (s *Service) QueuedSends() int { return int(s.writer.pending.Load()) }

// isDomain tells a refusal (the send is wrong) from a failure of the
// database (the send may succeed when tried again).
func isDomain(err error) bool {
	e, ok := errs.As(err)
	return ok && e.Code != errs.Internal
}
