package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/outbound"
	"github.com/parley-chat/parley/internal/store"
)

// Payload is what a push carries, encrypted, to the console's service
// worker, which writes the notification in its own language: data, not
// sentences.
type Payload struct {
	Type             string `json:"type"` // "message"
	ConversationID   int64  `json:"conversation_id"`
	Seq              int64  `json:"seq"` // the newest unread message
	Kind             string `json:"kind"`
	SenderName       string `json:"sender_name"`
	ConversationName string `json:"conversation_name"` // "" for a direct chat
	Preview          string `json:"preview"`           // text messages only
	URL              string `json:"url"`               // the console route that opens the conversation
	Unread           int64  `json:"unread"`
}

// previewRunes bounds the text a push shows.
const previewRunes = 120

// SendOfflinePush pushes to a user's devices the conversation they have
// unread messages in, unless they read it meanwhile, may no longer read
// it, asked for quiet, or had a push of it within the window. It is run
// by the worker as job (the task's id) and safe to run twice: the claim on
// the member row decides, and names the job, so that the retry of a job
// that failed pushes again while another job in the window folds.
func (s *Service) SendOfflinePush(ctx context.Context, job string, userID, conversationID int64) error {
	subs, err := s.store.PushSubscriptionsOf(ctx, userID)
	if err != nil || len(subs) == 0 {
		return err
	}
	// The claim is on the member row: without one there is nothing to push.
	_, err = s.store.Member(ctx, conversationID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	conv, err := s.chats.Get(ctx, userID, conversationID)
	if e, ok := errs.As(err); ok && e.Code != errs.Internal && e.Code != errs.Unavailable {
		return nil // no longer theirs to read
	}
	if err != nil {
		return err
	}
	last := conv.LastMessage
	if conv.Unread <= 0 || last == nil || last.Seq <= conv.ReadSeq {
		return nil // read in time
	}
	if quiet, err := s.chats.Quiet(ctx, userID, conversationID); err != nil || quiet {
		return err
	}
	p := Payload{Type: "message", ConversationID: conv.ID, Seq: last.Seq, Kind: string(last.Kind), SenderName: last.Sender.Name,
		Unread: conv.Unread, URL: "/#/chats/" + strconv.FormatInt(conv.ID, 10)}
	switch conv.Kind {
	case store.KindDirect:
	case store.KindSupport:
		p.ConversationName = conv.Title
		p.URL = "/#/inbox/" + strconv.FormatInt(conv.ID, 10)
	default:
		p.ConversationName = conv.Title
	}
	if last.Kind == store.MessageText && last.RecalledAt == nil {
		p.Preview = preview(last.Body)
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	now := s.now()
	claimed, err := s.store.ClaimPush(ctx, conversationID, userID, job, now, now.Add(-s.cfg.Window))
	if err != nil || !claimed {
		return err
	}
	retry := 0
	for i := range subs {
		if s.send(ctx, &subs[i], conversationID, body) == "retry" {
			retry++
		}
	}
	if retry > 0 {
		// The retry runs as the same job, so it passes the claim; the
		// devices that had it get it again under the same Topic, which
		// replaces rather than adds.
		return fmt.Errorf("push: %d of %d push services asked to try again", retry, len(subs))
	}
	return nil
}

// send posts one encrypted push and returns its result (see
// metrics.PushResults). A subscription the push service no longer knows
// is removed.
func (s *Service) send(ctx context.Context, sub *store.PushSubscription, conversationID int64, body []byte) string {
	resp, err := webpush.SendNotificationWithContext(ctx, body, &webpush.Subscription{
		Endpoint: sub.Endpoint, Keys: webpush.Keys{P256dh: sub.P256dh, Auth: sub.Auth},
	}, &webpush.Options{
		HTTPClient: s.client, Subscriber: subscriber(s.cfg.Subject),
		VAPIDPublicKey: s.keys.Public, VAPIDPrivateKey: s.keys.Private,
		TTL: int(ttl.Seconds()), Urgency: webpush.UrgencyHigh, Topic: "c" + strconv.FormatInt(conversationID, 10),
	})
	result, status := "", 0
	switch {
	case errors.Is(err, outbound.ErrRefused):
		result = "refused"
	case errors.Is(err, outbound.ErrFailed):
		result = "retry"
	case err != nil:
		result = "dropped" // nothing was sent: keys that cannot encrypt
	default:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		status = resp.StatusCode
		switch {
		case status >= 200 && status < 300:
			result = "sent"
		case status == http.StatusNotFound || status == http.StatusGone:
			result = "gone"
		case status == http.StatusTooManyRequests || status >= 500:
			result = "retry"
		default:
			result = "dropped"
		}
	}
	s.metrics.PushSent.WithLabelValues(result).Inc()
	switch result {
	case "sent":
	case "gone":
		if err := s.store.DeletePushEndpoint(ctx, sub.ID, sub.P256dh); err != nil {
			s.log.WarnContext(ctx, "expired push subscription not removed", "subscription_id", sub.ID, "err", err)
		}
		s.log.InfoContext(ctx, "push subscription expired; removed", "subscription_id", sub.ID, "user_id", sub.UserID, "status", status)
	default:
		// The endpoint is a capability URL: it is never logged.
		s.log.InfoContext(ctx, "push not delivered", "subscription_id", sub.ID, "user_id", sub.UserID, "result", result, "status", status, "outcome", outcomeOf(err))
	}
	return result
}

// subscriber is the VAPID subject as webpush-go takes it: an https URL,
// or an address it prefixes with mailto: itself.
func subscriber(subject string) string {
	return strings.TrimPrefix(subject, "mailto:")
}

func outcomeOf(err error) string {
	if err == nil {
		return ""
	}
	if errors.Is(err, outbound.ErrRefused) || errors.Is(err, outbound.ErrFailed) {
		return outbound.Outcome(err)
	}
	return err.Error()
}

// preview is the first previewRunes runes of a text, on one line.
func preview(body string) string {
	body = strings.Join(strings.Fields(body), " ")
	r := []rune(body)
	if len(r) > previewRunes {
		return string(r[:previewRunes])
	}
	return body
}
