package webhooks

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/parley-chat/parley/internal/pusher"
	"github.com/parley-chat/parley/internal/store"
)

// Channel records, for every webhook of the site in Pusher's format that
// wants any of them, one delivery of the events in Pusher's body
// ({time_ms, events}), and schedules it. It runs outside any other
// change: channel events come from sockets, not from a transaction.
func (s *Service) Channel(ctx context.Context, siteID int64, events []pusher.HookEvent) {
	ws, err := s.store.WebhooksOfSite(ctx, siteID)
	if err != nil || !slices.ContainsFunc(ws, func(w store.Webhook) bool { return w.Format == store.WebhookPusher }) {
		return // most sites have none: no transaction for them
	}
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		ws, err := tx.WebhooksOfSite(ctx, siteID)
		if err != nil {
			return err
		}
		now := s.now()
		for _, w := range ws {
			if w.Format != store.WebhookPusher {
				continue
			}
			var want []pusher.HookEvent
			for _, e := range events {
				if w.Events == "" || slices.Contains(strings.Split(w.Events, ","), e.Name) {
					want = append(want, e)
				}
			}
			if len(want) == 0 {
				continue
			}
			body, err := json.Marshal(map[string]any{"time_ms": now.UnixMilli(), "events": want})
			if err != nil {
				return err
			}
			id, err := tx.NextDeliveryID(ctx)
			if err != nil {
				return err
			}
			d := &store.WebhookDelivery{ID: id, WebhookID: w.ID, Event: want[0].Name, Payload: string(body), Status: "pending", CreatedAt: now}
			if err := tx.CreateDelivery(ctx, d); err != nil {
				return err
			}
			if err := s.jobs.EnqueueWebhook(ctx, tx, d.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.log.WarnContext(ctx, "pusher webhook not recorded", "site_id", siteID, "err", err)
	}
}

// signPusher signs a Pusher-format delivery as Pusher does: X-Pusher-Key,
// and X-Pusher-Signature, the hex HMAC-SHA256 of the body with the app's
// current secret.
func (s *Service) signPusher(ctx context.Context, req *http.Request, siteID int64, body []byte) error {
	app, err := s.store.PusherAppOfSite(ctx, siteID)
	if err != nil {
		return err
	}
	m := hmac.New(sha256.New, []byte(app.Secret))
	m.Write(body)
	req.Header.Set("X-Pusher-Key", app.AppKey)
	req.Header.Set("X-Pusher-Signature", hex.EncodeToString(m.Sum(nil)))
	return nil
}
