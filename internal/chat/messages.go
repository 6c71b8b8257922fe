package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/text"
)

// SendInput is one message to send, from the send frame or REST.
type SendInput struct {
	ConversationID int64             `json:"-"`
	ClientMsgID    string            `json:"client_msg_id"`
	Kind           store.MessageKind `json:"kind"`
	Body           string            `json:"body"`
	AttachmentID   *int64            `json:"attachment_id"`
	ReplyToSeq     *int64            `json:"reply_to_seq"`
}

// errDuplicate rolls back a send whose client_msg_id was stored meanwhile.
var errDuplicate = errors.New("duplicate client_msg_id")

func (in *SendInput) validate() error {
	// Checked here too (not only where requests are decoded) so that one
	// bad send never reaches a batch and rolls back its neighbours.
	if err := text.Fields("client_msg_id", in.ClientMsgID, "kind", string(in.Kind), "body", in.Body); err != nil {
		return err
	}
	if in.ClientMsgID == "" || len(in.ClientMsgID) > 64 {
		return errs.Field("client_msg_id", "required, at most 64 characters")
	}
	if in.Kind == "" {
		in.Kind = store.MessageText
	}
	media := in.Kind.IsMedia()
	switch {
	case in.Kind == store.MessageText, in.Kind == store.MessageNote, media:
	case in.Kind == store.MessageRedPacket:
		return errs.R(errs.Rule, "unsupported_kind", "red packets are sent with POST /api/v1/conversations/{id}/red-packets")
	default:
		return errs.Field("kind", "unknown message kind")
	}
	if media && in.AttachmentID == nil {
		return errs.Field("attachment_id", "a media message needs the id of an upload")
	}
	if !media && strings.TrimSpace(in.Body) == "" {
		return errs.Field("body", "a text message needs a body")
	}
	if utf8.RuneCountInString(in.Body) > MaxBodyRunes {
		return errs.Rf(errs.TooLarge, "body_too_long", "a message holds at most %d characters", MaxBodyRunes)
	}
	if in.AttachmentID != nil && !media {
		return errs.Field("attachment_id", "text messages carry no attachment")
	}
	if in.ReplyToSeq != nil && *in.ReplyToSeq < 1 {
		return errs.Field("reply_to_seq", "must be a seq of this conversation")
	}
	return nil
}

// Deadlines on the send path. The rate limit before the send is stored
// and the publish after get a short one, so a stalled Redis holds up no
// sender; what follows the commit as a whole gets a longer one, because it
// also writes to the database (a kind's Published hook; a digest that
// Redis refused goes to the job outbox).
const (
	limiterDeadline   = time.Second
	redisDeadline     = 3 * time.Second
	afterSendDeadline = 15 * time.Second
)

// Actor is who acts in a conversation: a user or a widget visitor.
type Actor struct {
	Kind store.SenderKind // user | visitor
	ID   int64
}

// Send stores a message from userID and returns it once committed. A
// retry with the same client_msg_id returns the message already stored.
func (s *Service) Send(ctx context.Context, userID int64, in SendInput) (*Message, error) {
	return s.SendAs(ctx, Actor{Kind: store.SenderUser, ID: userID}, in)
}

// SendAs is Send for any actor: users and visitors post where the kind of
// the conversation lets them (see Kind.CanSend).
func (s *Service) SendAs(ctx context.Context, actor Actor, in SendInput) (*Message, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	if err := s.sendAllowed(ctx, actor); err != nil {
		return nil, err
	}
	var res sendResult
	if plainSend(actor, in) {
		// The writer checks it with the rest of its batch.
		res = s.writer.submit(ctx, actor, in, nil)
	} else if res = s.precheck(ctx, actor, in); res.err == nil && res.msg == nil {
		res = s.writer.submit(ctx, actor, in, res.conv)
	}
	msg, members, conv, replay, err := res.msg, res.members, res.conv, res.replay, res.err
	if errors.Is(err, errDuplicate) {
		// A concurrent retry of the same send committed first.
		msg, err = s.store.MessageByClientID(ctx, in.ConversationID, actor.Kind, actor.ID, in.ClientMsgID)
		replay = true
	}
	if err != nil {
		if e, ok := errs.As(err); ok && (e.Code != errs.Internal || !store.IsUnavailable(e.Err)) {
			return nil, err
		}
		if store.IsUnavailable(err) {
			return nil, &errs.Error{Code: errs.Unavailable, Reason: "unavailable", Message: "the message could not be stored; retry with the same client_msg_id", Err: err}
		}
		return nil, errs.Wrap(err, "send message")
	}
	view := res.view
	if view == nil { // not built by the batch (a concurrent retry, a single send)
		views, err := s.views.Messages(ctx, []store.Message{*msg})
		if err != nil {
			return nil, errs.Wrap(err, "load message")
		}
		view = &views[0]
	}
	if replay {
		return view, nil
	}
	s.metrics.MessagesSent.WithLabelValues(string(conv.Kind), string(msg.Kind)).Inc()
	// The message is stored: telling the others goes on even if the
	// sender's socket or request ends now, within a deadline.
	after, cancel := context.WithTimeout(context.WithoutCancel(ctx), afterSendDeadline)
	defer cancel()
	s.publishMessage(after, conv, msg, view, members)
	return view, nil
}

// precheck runs, for the sends the batch path does not take (media,
// notes, visitors; see plainSend), before the send joins a batch and on
// any connection, the checks that only read: the kind's CanSend,
// the attachment, and whether this client_msg_id is stored already (then
// it answers with that message, a replay). It returns the conversation
// for the writer. Inside the batch the membership is confirmed again (the
// sender's read mark moves only if they are still a member), and the kinds
// that are not batched, whose hooks read and write more, repeat every check
// there.
func (s *Service) precheck(ctx context.Context, actor Actor, in SendInput) sendResult {
	conv, err := s.authorizeSend(ctx, s.store, actor, in)
	if err != nil {
		return sendResult{err: err}
	}
	if err := s.checkAttachment(ctx, s.store, actor, in); err != nil {
		return sendResult{err: err}
	}
	m, err := s.store.MessageByClientID(ctx, in.ConversationID, actor.Kind, actor.ID, in.ClientMsgID)
	if err == nil {
		return sendResult{msg: m, conv: conv, replay: true}
	}
	if !errors.Is(err, store.ErrNotFound) {
		return sendResult{err: err}
	}
	return sendResult{conv: conv}
}

// insertMessage takes the conversation's next seq and stores the message
// under it, inside tx.
func (s *Service) insertMessage(ctx context.Context, tx *store.Store, actor Actor, in SendInput) (*store.Message, error) {
	now := s.now()
	seq, err := tx.NextSeq(ctx, in.ConversationID, now)
	if err != nil {
		return nil, err
	}
	if in.ReplyToSeq != nil && *in.ReplyToSeq >= seq {
		return nil, errs.Field("reply_to_seq", "must be a seq of this conversation")
	}
	msg := &store.Message{
		ConversationID: in.ConversationID, Seq: seq, SenderKind: actor.Kind, SenderID: actor.ID,
		ClientMsgID: in.ClientMsgID, Kind: in.Kind, Body: in.Body, AttachmentID: in.AttachmentID,
		ReplyToSeq: in.ReplyToSeq, CreatedAt: now,
	}
	if err := tx.CreateMessage(ctx, msg); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, errDuplicate
		}
		return nil, err
	}
	return msg, nil
}

// storeChecked stores a message whose checks precheck passed: the seq, the
// row, the sender's read mark (which also proves they are still a member)
// and the member list (shared by the batch's messages to conv).
func (s *Service) storeChecked(ctx context.Context, tx *store.Store, actor Actor, in SendInput, conv *store.Conversation, members map[int64][]store.Member) sendResult {
	msg, err := s.insertMessage(ctx, tx, actor, in)
	if err != nil {
		return sendResult{err: err}
	}
	if ok, err := tx.AdvanceReadSeq(ctx, in.ConversationID, actor.ID, msg.Seq); err != nil {
		return sendResult{err: err}
	} else if !ok {
		return sendResult{err: errNoConversation} // left or removed meanwhile
	}
	ms, ok := members[conv.ID]
	if !ok {
		if ms, err = tx.MembersOf(ctx, conv.ID); err != nil {
			return sendResult{err: err}
		}
		members[conv.ID] = ms
	}
	if err := s.scheduleOfflineDigests(ctx, tx, actor.ID, conv, ms); err != nil {
		return sendResult{err: err}
	}
	return sendResult{msg: msg, conv: conv, members: ms}
}

// sendInTx stores one message inside tx: the checks, the seq, the row, the
// sender's read mark and the kind's AfterSend. The group-commit writer calls it
// once per message of a batch, all in one transaction.
func (s *Service) sendInTx(ctx context.Context, tx *store.Store, actor Actor, in SendInput) sendResult {
	var r sendResult
	conv, err := s.authorizeSend(ctx, tx, actor, in)
	if err != nil {
		return sendResult{err: err}
	}
	r.conv = conv
	if err := s.checkAttachment(ctx, tx, actor, in); err != nil {
		return sendResult{err: err}
	}
	if m, err := tx.MessageByClientID(ctx, in.ConversationID, actor.Kind, actor.ID, in.ClientMsgID); err == nil {
		r.msg, r.replay = m, true
		return r
	} else if !errors.Is(err, store.ErrNotFound) {
		return sendResult{err: err}
	}
	msg, err := s.insertMessage(ctx, tx, actor, in)
	if err != nil {
		return sendResult{err: err}
	}
	r.msg = msg
	if actor.Kind == store.SenderUser {
		if _, err := tx.AdvanceReadSeq(ctx, in.ConversationID, actor.ID, msg.Seq); err != nil {
			return sendResult{err: err}
		}
	}
	if err := s.kind(conv).AfterSend(ctx, tx, conv, msg); err != nil {
		return sendResult{err: err}
	}
	if r.members, err = tx.MembersOf(ctx, in.ConversationID); err != nil {
		return sendResult{err: err}
	}
	if actor.Kind == store.SenderUser {
		if err := s.scheduleOfflineDigests(ctx, tx, actor.ID, conv, r.members); err != nil {
			return sendResult{err: err}
		}
	} else if err := s.scheduleOfflinePushes(ctx, tx, 0, conv, r.members); err != nil {
		return sendResult{err: err}
	}
	return r
}

// authorizeSend checks, inside the send's transaction, that actor may post
// this message in its conversation under the rules of its kind, and
// returns the conversation.
func (s *Service) authorizeSend(ctx context.Context, tx *store.Store, actor Actor, in SendInput) (*store.Conversation, error) {
	c, err := tx.ConversationByID(ctx, in.ConversationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoConversation
	}
	if err != nil {
		return nil, err
	}
	var m *store.Member
	switch actor.Kind {
	case store.SenderUser:
		if m, err = membership(ctx, tx, in.ConversationID, actor.ID); err != nil {
			return nil, err
		}
	case store.SenderVisitor, store.SenderBot:
	default:
		return nil, errNoConversation
	}
	if err := s.kind(c).CanSend(ctx, tx, c, actor, m, in.Kind); err != nil {
		return nil, err
	}
	return c, nil
}

// publishMessage sends a new message to its audience, as the kind of the
// conversation names it now (see Kind.Audience).
func (s *Service) publishMessage(ctx context.Context, conv *store.Conversation, msg *store.Message, view *Message, members []store.Member) {
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		ids = append(ids, m.UserID)
	}
	keys := s.audience(ctx, conv, msg, ids)
	pctx, cancel := context.WithTimeout(ctx, redisDeadline)
	err := s.pub.Publish(pctx, keys, MessageFrame{Type: "message", Message: view})
	cancel()
	if err != nil {
		s.log.WarnContext(ctx, "publish failed; clients will resync", "err", err)
	}
	s.kind(conv).Published(ctx, conv, view)
}

// scheduleOfflineDigests writes, in the send's transaction, a digest job
// for every other member who has no open session, in the kinds that mail
// them (see Kind.OfflineDigest); the outbox folds them to one per user and
// window.
func (s *Service) scheduleOfflineDigests(ctx context.Context, tx *store.Store, senderID int64, conv *store.Conversation, members []store.Member) error {
	if err := s.scheduleOfflinePushes(ctx, tx, senderID, conv, members); err != nil {
		return err
	}
	if !s.kind(conv).OfflineDigest() {
		return nil
	}
	for _, m := range members {
		if m.UserID == senderID || s.presence.Online(ctx, m.UserID) {
			continue
		}
		delay := s.cfg.OfflineNotifyDelay
		if err := s.jobs.EnqueueOfflineDigest(ctx, tx, m.UserID, conv.ID, delay, delay); err != nil {
			return err
		}
	}
	return nil
}

// scheduleOfflinePushes writes, in the send's transaction, a Web Push job
// for every member but the sending user (senderID; 0 for a visitor) who
// has a push subscription and no open session, in every kind: members
// are the people of a direct chat or group and the agents who took part
// in a support chat. The outbox folds them to one per user, conversation
// and window; the job checks again, when it runs, that the member still
// may read the conversation, has not read it, and wants no quiet.
func (s *Service) scheduleOfflinePushes(ctx context.Context, tx *store.Store, senderID int64, conv *store.Conversation, members []store.Member) error {
	if s.cfg.PushDelay <= 0 {
		return nil
	}
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		if m.UserID != senderID {
			ids = append(ids, m.UserID)
		}
	}
	subscribed, err := tx.PushSubscribersAmong(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range subscribed {
		if s.presence.Online(ctx, id) {
			continue
		}
		delay := s.cfg.PushDelay
		if err := s.jobs.EnqueueOfflinePush(ctx, tx, id, conv.ID, delay, delay); err != nil {
			return err
		}
	}
	return nil
}

// Page is one page of history and the cursor that continues it (nil at
// the end): pass it as after_seq when paging forward, before_seq backward.
type Page struct {
	Items      []Message `json:"items"`
	NextCursor *int64    `json:"next_cursor"`
}

// History returns messages of a conversation in ascending seq: those after
// afterSeq when given, else those before beforeSeq when given, else the newest.
func (s *Service) History(ctx context.Context, userID, conversationID int64, afterSeq, beforeSeq *int64, limit int) (*Page, error) {
	if _, _, err := s.reader(ctx, s.store, conversationID, Actor{Kind: store.SenderUser, ID: userID}); err != nil {
		return nil, err
	}
	return s.history(ctx, conversationID, afterSeq, beforeSeq, limit, false)
}

// VisitorHistory is History for a widget visitor: private notes are never
// part of it.
func (s *Service) VisitorHistory(ctx context.Context, visitorID, conversationID int64, afterSeq, beforeSeq *int64, limit int) (*Page, error) {
	if _, _, err := s.reader(ctx, s.store, conversationID, Actor{Kind: store.SenderVisitor, ID: visitorID}); err != nil {
		return nil, err
	}
	return s.history(ctx, conversationID, afterSeq, beforeSeq, limit, true)
}

func (s *Service) history(ctx context.Context, conversationID int64, afterSeq, beforeSeq *int64, limit int, hideNotes bool) (*Page, error) {
	var (
		ms  []store.Message
		err error
	)
	forward := afterSeq != nil
	switch {
	case forward:
		ms, err = s.store.MessagesAfter(ctx, conversationID, *afterSeq, limit, hideNotes)
	case beforeSeq != nil:
		ms, err = s.store.MessagesBefore(ctx, conversationID, *beforeSeq, limit, hideNotes)
	default:
		ms, err = s.store.MessagesBefore(ctx, conversationID, 0, limit, hideNotes)
	}
	if err != nil {
		return nil, errs.Wrap(err, "load history")
	}
	items, err := s.views.Messages(ctx, ms)
	if err != nil {
		return nil, errs.Wrap(err, "load history")
	}
	p := &Page{Items: items}
	if len(ms) == limit {
		var c int64
		if forward {
			c = ms[len(ms)-1].Seq
		} else {
			c = ms[0].Seq
		}
		if forward || c > 1 {
			p.NextCursor = &c
		}
	}
	return p, nil
}

// MarkRead raises the caller's read mark to seq and tells the other members.
func (s *Service) MarkRead(ctx context.Context, userID, conversationID, seq int64) error {
	if seq < 1 {
		return errs.Field("seq", "must be ≥ 1")
	}
	if _, _, err := s.reader(ctx, s.store, conversationID, Actor{Kind: store.SenderUser, ID: userID}); err != nil {
		return err
	}
	var members []store.Member
	moved := false
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		c, err := tx.ConversationByID(ctx, conversationID)
		if err != nil {
			return err
		}
		if seq > c.LastSeq {
			return errs.Fieldf("seq", "beyond the last message (%d)", c.LastSeq)
		}
		if moved, err = tx.AdvanceReadSeq(ctx, conversationID, userID, seq); err != nil {
			return err
		}
		members, err = tx.MembersOf(ctx, conversationID)
		return err
	})
	if err != nil {
		if _, ok := errs.As(err); ok {
			return err
		}
		return errs.Wrap(err, "mark read")
	}
	if moved {
		ids := make([]int64, 0, len(members))
		for _, m := range members {
			ids = append(ids, m.UserID)
		}
		ids = s.unblocked(ctx, userID, ids)
		s.PublishKeys(ctx, s.withAudience(ctx, conversationID, ids), ReadFrame{Type: "read", ConversationID: conversationID, UserID: userID, Seq: seq})
	}
	return nil
}

// Recall replaces the caller's own message by a tombstone, within
// RecallWindow of sending it.
func (s *Service) Recall(ctx context.Context, userID, messageID int64) (*Message, error) {
	m, err := s.store.MessageByID(ctx, messageID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.R(errs.NotFound, "message_not_found", "no such message")
	}
	if err != nil {
		return nil, errs.Wrap(err, "load message")
	}
	conv, _, err := s.reader(ctx, s.store, m.ConversationID, Actor{Kind: store.SenderUser, ID: userID})
	if err != nil {
		return nil, errs.R(errs.NotFound, "message_not_found", "no such message")
	}
	if m.SenderKind != store.SenderUser || m.SenderID != userID {
		return nil, errs.R(errs.Forbidden, "not_sender", "only the sender may recall this message")
	}
	if m.Kind == store.MessageRedPacket {
		return nil, errs.R(errs.Rule, "not_recallable", "a red packet cannot be recalled; what is left is refunded when it expires")
	}
	if m.RecalledAt == nil {
		now := s.now()
		if now.Sub(m.CreatedAt) > RecallWindow {
			return nil, errs.Rf(errs.Rule, "recall_window_passed", "messages can be recalled only within %s of sending", RecallWindow)
		}
		recalled, err := s.store.RecallMessage(ctx, m.ID, now)
		if err != nil {
			return nil, errs.Wrap(err, "recall message")
		}
		if recalled {
			m.RecalledAt, m.Body = &now, ""
			if members, err := s.store.MembersOf(ctx, m.ConversationID); err == nil {
				ids := make([]int64, 0, len(members))
				for _, mm := range members {
					ids = append(ids, mm.UserID)
				}
				s.PublishKeys(ctx, s.audience(ctx, conv, m, ids), RecallFrame{Type: "recall", ConversationID: m.ConversationID, Seq: m.Seq})
			}
		}
	}
	views, err := s.views.Messages(ctx, []store.Message{*m})
	if err != nil {
		return nil, errs.Wrap(err, "load message")
	}
	return &views[0], nil
}

// Typing tells whoever reads a conversation that actor, on session,
// started or stopped typing: its kind first (see Kind.Typing), then the
// other members, as the kind names its audience (never the actor, nor
// users with a block either way with a user actor).
func (s *Service) Typing(ctx context.Context, actor Actor, session string, conversationID int64, state string) error {
	if state != "start" && state != "stop" {
		return errs.Field("state", "start or stop")
	}
	convs, err := s.cache.conversations(ctx, s.store, []int64{conversationID})
	if err != nil {
		return errs.Wrap(err, "load conversation")
	}
	shown := false
	if c := convs[conversationID]; c != nil {
		shown = s.kind(c).Typing(ctx, c, actor, session, state == "start")
	}
	if err := s.tellTyping(ctx, actor, conversationID, state); err != nil && !shown {
		return err
	}
	return nil
}

func (s *Service) tellTyping(ctx context.Context, actor Actor, conversationID int64, state string) error {
	conv, _, err := s.reader(ctx, s.store, conversationID, actor)
	if err != nil {
		return err
	}
	members, err := s.store.MembersOf(ctx, conversationID)
	if err != nil {
		return errs.Wrap(err, "load members")
	}
	from := Sender{Kind: actor.Kind, ID: actor.ID}
	switch actor.Kind {
	case store.SenderUser:
		u, err := s.store.UserByID(ctx, actor.ID)
		if err != nil {
			return errs.Wrap(err, "load user")
		}
		from.Name = displayName(u)
	case store.SenderVisitor:
		from.Name = "Visitor"
		if v, err := s.store.VisitorByID(ctx, actor.ID); err == nil && v.Name != "" {
			from.Name = v.Name
		}
	}
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		if actor.Kind != store.SenderUser || m.UserID != actor.ID {
			ids = append(ids, m.UserID)
		}
	}
	if actor.Kind == store.SenderUser {
		ids = s.unblocked(ctx, actor.ID, ids)
	}
	own := actorKey(actor)
	keys := s.audience(ctx, conv, nil, ids)
	out := keys[:0]
	for _, k := range keys {
		if k != own {
			out = append(out, k)
		}
	}
	s.PublishKeys(ctx, out, TypingFrame{Type: "typing", ConversationID: conversationID, From: from, State: state})
	return nil
}

// actorKey is the realtime recipient key of an actor.
func actorKey(a Actor) string {
	if a.Kind == store.SenderVisitor {
		return VisitorKey(a.ID)
	}
	return UserKey(a.ID)
}

// sendAllowed applies the per-sender send rate limit.
func (s *Service) sendAllowed(ctx context.Context, actor Actor) error {
	// The limiter lets the send through when Redis does not answer in time.
	ctx, cancel := context.WithTimeout(ctx, limiterDeadline)
	defer cancel()
	ok, wait, err := s.limiter.Allow(ctx, fmt.Sprintf("send:%s:%d", actor.Kind, actor.ID), s.cfg.SendLimitPerMinute, time.Minute)
	if err != nil {
		s.log.WarnContext(ctx, "rate limiter unavailable", "err", err)
	}
	if !ok {
		secs := max(1, int(wait.Round(time.Second).Seconds()))
		e := errs.Rf(errs.RateLimited, "rate_limited", "sending too fast; wait %d seconds", secs)
		e.RetryAfter = secs
		return e
	}
	return nil
}

// unblocked drops from ids the users with a block either way with userID:
// they see nothing of each other's typing or reading, as of presence. If
// blocks cannot be read, nobody hears of it: the frame is only a hint.
func (s *Service) unblocked(ctx context.Context, userID int64, ids []int64) []int64 {
	blocked, err := s.store.BlockedAmong(ctx, userID, ids)
	if err != nil {
		s.log.WarnContext(ctx, "load blocks", "user_id", userID, "err", err)
		return nil
	}
	if len(blocked) == 0 {
		return ids
	}
	out := ids[:0]
	for _, id := range ids {
		if !blocked[id] {
			out = append(out, id)
		}
	}
	return out
}

// withAudience turns user ids into the recipient keys of an event of a
// conversation that is not a message (see audience).
func (s *Service) withAudience(ctx context.Context, conversationID int64, userIDs []int64) []string {
	convs, err := s.cache.conversations(ctx, s.store, []int64{conversationID})
	if err != nil || convs[conversationID] == nil {
		return userKeys(userIDs) // gone meanwhile: nobody new hears of it
	}
	return s.audience(ctx, convs[conversationID], nil, userIDs)
}

// audience returns the recipient keys of an event of conv: among the users
// named, whom its kind names at this moment, so that whoever lost access
// stops hearing it at once, on every node.
func (s *Service) audience(ctx context.Context, conv *store.Conversation, msg *store.Message, userIDs []int64) []string {
	return s.kind(conv).Audience(ctx, conv, msg, userIDs)
}

func userKeys(ids []int64) []string {
	keys := make([]string, 0, len(ids))
	for _, id := range ids {
		keys = append(keys, UserKey(id))
	}
	return keys
}
