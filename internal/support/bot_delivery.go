package support

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/parley-chat/parley/internal/jobs"
	"github.com/parley-chat/parley/internal/outbound"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/webhooks"
)

// The events a bot's webhook receives.
const (
	BotEventStarted = "conversation_started"
	BotEventMessage = "message"
	BotEventHandoff = "handoff"
)

func botPayload(event string, seq int64, by string) jobs.BotDeliveryPayload {
	return jobs.BotDeliveryPayload{Event: event, Seq: seq, By: by}
}

// tellBot schedules, in tx, a delivery of an event of sc to its bot.
func (s *Rules) tellBot(ctx context.Context, tx *store.Store, sc *store.SupportConversation, p jobs.BotDeliveryPayload) error {
	if s.jobs == nil || sc.BotID == nil {
		return nil
	}
	p.BotID, p.ConversationID = *sc.BotID, sc.ConversationID
	return s.jobs.EnqueueBotDelivery(ctx, tx, p)
}

// botLetGo tells, in tx, the bot of a conversation in its hands that an
// agent takes it (a claim or a transfer ends the bot's phase).
func (s *Rules) botLetGo(ctx context.Context, tx *store.Store, sc *store.SupportConversation) error {
	if sc.Status != StatusBot {
		return nil
	}
	return s.tellBot(ctx, tx, sc, botPayload(BotEventHandoff, 0, "agent"))
}

// BotVisitor is the visitor as a bot sees them.
type BotVisitor struct {
	ID         int64             `json:"id"`
	Name       string            `json:"name"`
	Attributes map[string]string `json:"attributes"`
}

// BotDelivery is the body posted to a bot's webhook.
type BotDelivery struct {
	DeliveryID     string      `json:"delivery_id"`
	Event          string      `json:"event"`
	BotID          int64       `json:"bot_id"`
	ConversationID int64       `json:"conversation_id"`
	SiteID         int64       `json:"site_id"`
	Visitor        BotVisitor  `json:"visitor"`
	Message        *botMessage `json:"message,omitempty"`
	By             string      `json:"by,omitempty"`
	Status         string      `json:"status"`
}

// botMessage is a message as a bot sees it.
type botMessage struct {
	ID        int64  `json:"id"`
	Seq       int64  `json:"seq"`
	Kind      string `json:"kind"`
	Body      string `json:"body"`
	CreatedAt string `json:"created_at"`
}

// DeliverToBot posts an event to its bot's webhook, signed with the bot's
// secret as webhooks are, under the delivery id (the job's, the same on
// every try). A non-2xx answer or a network error is returned, so that the
// job is retried with back-off. A bot deleted meanwhile, or a message
// event of a conversation the bot no longer holds, is dropped.
func (s *Bots) DeliverToBot(ctx context.Context, delivery string, p jobs.BotDeliveryPayload, last bool) error {
	b, err := s.store.BotByID(ctx, p.BotID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	sc, err := s.store.SupportConversationByID(ctx, p.ConversationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if p.Event != BotEventHandoff && (sc.Status != StatusBot || sc.BotID == nil || *sc.BotID != b.ID) {
		return nil
	}
	d := BotDelivery{DeliveryID: delivery, Event: p.Event, BotID: b.ID, ConversationID: sc.ConversationID, SiteID: sc.SiteID, By: p.By, Status: sc.Status}
	v, err := s.store.VisitorByID(ctx, sc.VisitorID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if v != nil {
		d.Visitor = BotVisitor{ID: v.ID, Name: v.Name, Attributes: map[string]string{}}
		for k, val := range map[string]string{"email": v.Email, "page_url": v.PageURL, "referrer": v.Referrer, "locale": v.Locale} {
			if val != "" {
				d.Visitor.Attributes[k] = val
			}
		}
		if v.ExternalID != nil {
			d.Visitor.Attributes["external_id"] = *v.ExternalID
		}
	}
	if sc.Prechat != "" {
		var pre map[string]string
		if json.Unmarshal([]byte(sc.Prechat), &pre) == nil {
			for k, val := range pre {
				if _, ok := d.Visitor.Attributes[k]; !ok && d.Visitor.Attributes != nil {
					d.Visitor.Attributes[k] = val
				}
			}
		}
	}
	if p.Event == BotEventMessage {
		m, err := s.store.MessageBySeq(ctx, sc.ConversationID, p.Seq)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		d.Message = &botMessage{ID: m.ID, Seq: m.Seq, Kind: string(m.Kind), Body: m.Body, CreatedAt: m.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00")}
		if m.RecalledAt != nil {
			d.Message.Body = ""
		}
	}
	body, err := json.Marshal(d)
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(s.now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Parley-Bots/1")
	req.Header.Set("X-Parley-Event", p.Event)
	req.Header.Set("X-Parley-Delivery", delivery)
	req.Header.Set("X-Parley-Signature", "t="+ts+",v1="+webhooks.Sign(b.Secret, ts, body))
	resp, err := s.client.Do(req)
	if err != nil {
		outcome := outbound.Outcome(err)
		s.log.InfoContext(ctx, "bot delivery not sent", "delivery_id", delivery, "bot_id", b.ID, "outcome", outcome, "last", last)
		return fmt.Errorf("bot delivery %s", outcome)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		s.log.InfoContext(ctx, "bot delivery refused", "delivery_id", delivery, "bot_id", b.ID, "status", resp.StatusCode, "last", last)
		return fmt.Errorf("bot answered %d", resp.StatusCode)
	}
	return nil
}
