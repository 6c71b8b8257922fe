package chat

import (
	"context"
	"errors"
	"sort"
	"sync"

	"github.com/parley-chat/parley/internal/store"
)

// The batch path stores the commonest send, a user's text message to a
// conversation of a batched kind (see Kind.Batched), with a fixed number of
// statements per batch: the members of its conversations, each kind's
// CheckSends, the seqs, one multi-row insert and the read marks.
// A batch of a hundred messages costs about what one did.

// errPerMessage rolls back a batch whose batch path met what only the
// per-message path sorts out (a client_msg_id stored meanwhile by another
// node, a reply to a seq the batch had not reached, a sender removed
// meanwhile): the whole batch then runs again message by message.
var errPerMessage = errors.New("batch needs the per-message path")

// plainSend tells the sends the batch path takes: users' text messages.
// Media (their attachment checks), notes and visitors keep the per-message
// path, which runs every check inside the transaction.
func plainSend(actor Actor, in SendInput) bool {
	return actor.Kind == store.SenderUser && in.Kind == store.MessageText && in.AttachmentID == nil
}

// storeBatch stores the plain sends of reqs in tx and fills their results;
// done[i] tells which requests it answered. It leaves to the per-message
// path every send of a conversation that has any other send in the batch
// (so one conversation's seqs follow arrival order) and of the kinds that
// are not batched (whose hooks read and write more).
func (s *Service) storeBatch(ctx context.Context, tx *store.Store, reqs []*sendReq, results []sendResult) ([]bool, error) {
	done := make([]bool, len(reqs))
	mixed := map[int64]bool{}
	for _, r := range reqs {
		if !plainSend(r.actor, r.in) {
			mixed[r.in.ConversationID] = true
		}
	}
	var take []int
	var convIDs []int64
	seen := map[int64]bool{}
	for i, r := range reqs {
		id := r.in.ConversationID
		if !plainSend(r.actor, r.in) || mixed[id] {
			continue
		}
		take = append(take, i)
		if !seen[id] {
			seen[id] = true
			convIDs = append(convIDs, id)
		}
	}
	if len(take) == 0 {
		return done, nil
	}
	convs, err := s.cache.conversations(ctx, tx, convIDs)
	if err != nil {
		return nil, err
	}
	senders := make([]int64, 0, len(take))
	for _, i := range take {
		senders = append(senders, reqs[i].actor.ID)
	}
	members, users, err := tx.MembersWithNames(ctx, convIDs, senders)
	if err != nil {
		return nil, err
	}

	// Who may post: each kind judges its sends, all at once.
	checks := map[store.ConversationKind][]SendCheck{}
	checked := map[store.ConversationKind][]int{}
	var order []store.ConversationKind
	for _, i := range take {
		r := reqs[i]
		c := convs[r.in.ConversationID]
		if c == nil {
			results[i], done[i] = sendResult{err: errNoConversation}, true
			continue
		}
		if !s.kind(c).Batched() {
			continue // per-message path
		}
		k := c.Kind
		if _, ok := checks[k]; !ok {
			order = append(order, k)
		}
		checks[k] = append(checks[k], SendCheck{Conv: c, UserID: r.actor.ID, Member: memberOf(members[c.ID], r.actor.ID), Members: members[c.ID]})
		checked[k] = append(checked[k], i)
	}
	var judged []int
	for _, k := range order {
		verdicts, err := s.kinds[k].CheckSends(ctx, tx, checks[k])
		if err != nil {
			return nil, err
		}
		for n, v := range verdicts {
			i := checked[k][n]
			if v != nil {
				results[i], done[i] = sendResult{err: v}, true
			}
		}
		judged = append(judged, checked[k]...)
	}
	sort.Ints(judged) // arrival order, whatever the kinds
	checkedAll := judged
	var pass []int
	for _, i := range checkedAll {
		if !done[i] {
			pass = append(pass, i)
		}
	}
	if len(pass) == 0 {
		return done, nil
	}

	// A client id twice in the batch is stored once. One stored before
	// (a retry after a lost ack) makes the insert conflict: the batch then
	// goes message by message, which answers it with the stored message.
	var fresh []int
	firstOf := map[clientKey]int{}
	copies := map[int]int{} // request → the request whose message it repeats
	for _, i := range pass {
		k := keyOf(reqs[i])
		if j, ok := firstOf[k]; ok {
			copies[i] = j
			continue
		}
		firstOf[k] = i
		fresh = append(fresh, i)
	}

	// Seqs, in arrival order within each conversation.
	now := s.now()
	var bumps []store.SeqBump
	count := map[int64]int64{}
	for _, i := range fresh {
		id := reqs[i].in.ConversationID
		if count[id] == 0 {
			bumps = append(bumps, store.SeqBump{ConversationID: id})
		}
		count[id]++
	}
	for k := range bumps {
		bumps[k].N = count[bumps[k].ConversationID]
	}
	last, err := tx.BumpSeqs(ctx, bumps, now)
	if err != nil {
		return nil, err
	}
	next := map[int64]int64{}
	for id, n := range count {
		next[id] = last[id] - n + 1
	}
	msgs := make([]store.Message, len(fresh))
	var marks []store.ReadMark
	markAt := map[store.Pair]int{}
	for k, i := range fresh {
		r := reqs[i]
		seq := next[r.in.ConversationID]
		next[r.in.ConversationID]++
		if r.in.ReplyToSeq != nil && *r.in.ReplyToSeq >= seq {
			return nil, errPerMessage
		}
		msgs[k] = store.Message{
			ConversationID: r.in.ConversationID, Seq: seq, SenderKind: r.actor.Kind, SenderID: r.actor.ID,
			ClientMsgID: r.in.ClientMsgID, Kind: r.in.Kind, Body: r.in.Body, ReplyToSeq: r.in.ReplyToSeq, CreatedAt: now,
		}
		p := store.Pair{A: r.in.ConversationID, B: r.actor.ID}
		if at, ok := markAt[p]; ok {
			marks[at].Seq = seq
		} else {
			markAt[p] = len(marks)
			marks = append(marks, store.ReadMark{ConversationID: p.A, UserID: p.B, Seq: seq})
		}
	}
	if err := tx.CreateMessages(ctx, msgs); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, errPerMessage
		}
		return nil, err
	}
	// Moving each sender's read mark also proves they are still members.
	if ok, err := tx.SetReadMarks(ctx, marks); err != nil {
		return nil, err
	} else if !ok {
		return nil, errPerMessage
	}
	for p := range markAt { // one digest job per conversation and sender
		if err := s.scheduleOfflineDigests(ctx, tx, p.B, convs[p.A], members[p.A]); err != nil {
			return nil, err
		}
	}
	for k, i := range fresh {
		id := reqs[i].in.ConversationID
		view := messageView(&msgs[k], users)
		results[i], done[i] = sendResult{msg: &msgs[k], conv: convs[id], members: members[id], view: &view}, true
	}
	for i, j := range copies {
		results[i], done[i] = sendResult{msg: results[j].msg, conv: results[j].conv, replay: true, view: results[j].view}, true
	}
	return done, nil
}

// clientKey names a send by its sender's client_msg_id.
type clientKey struct {
	conversationID int64
	senderKind     store.SenderKind
	senderID       int64
	clientMsgID    string
}

func keyOf(r *sendReq) clientKey {
	return clientKey{r.in.ConversationID, r.actor.Kind, r.actor.ID, r.in.ClientMsgID}
}

// memberOf returns userID's membership among ms, nil if none.
func memberOf(ms []store.Member, userID int64) *store.Member {
	for i := range ms {
		if ms[i].UserID == userID {
			return &ms[i]
		}
	}
	return nil
}

// viewAll builds the views the batch path did not (those of the
// per-message path) with one read of their senders. On a failure it leaves
// them to each sender's goroutine.
func (s *Service) viewAll(ctx context.Context, results []sendResult) {
	var ms []store.Message
	var at []int
	for i, r := range results {
		if r.err == nil && r.msg != nil && r.view == nil {
			ms = append(ms, *r.msg)
			at = append(at, i)
		}
	}
	if len(ms) == 0 {
		return
	}
	views, err := s.views.Messages(ctx, ms)
	if err != nil {
		return
	}
	for k, i := range at {
		results[i].view = &views[k]
	}
}

// kindCache remembers the kind of the conversations the writer met. A kind
// never changes, so a batch reads only the conversations it has not seen;
// membership, which does change, is read by every batch.
type kindCache struct {
	mu    sync.Mutex
	kinds map[int64]store.ConversationKind
}

// kindCacheSize bounds the cache; it starts over when full.
const kindCacheSize = 100_000

// conversations returns the conversations among ids that exist, each with
// its id and kind only (what the batch path and the fan-out use).
func (c *kindCache) conversations(ctx context.Context, tx *store.Store, ids []int64) (map[int64]*store.Conversation, error) {
	out := make(map[int64]*store.Conversation, len(ids))
	var unknown []int64
	c.mu.Lock()
	for _, id := range ids {
		if kind, ok := c.kinds[id]; ok {
			out[id] = &store.Conversation{ID: id, Kind: kind}
		} else {
			unknown = append(unknown, id)
		}
	}
	c.mu.Unlock()
	if len(unknown) == 0 {
		return out, nil
	}
	read, err := tx.ConversationsByIDs(ctx, unknown)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.kinds == nil || len(c.kinds)+len(read) > kindCacheSize {
		c.kinds = make(map[int64]store.ConversationKind, len(read))
	}
	for id, conv := range read {
		c.kinds[id] = conv.Kind
		out[id] = &store.Conversation{ID: id, Kind: conv.Kind}
	}
	return out, nil
}
