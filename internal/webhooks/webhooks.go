// Package webhooks tells host sites about conversation and message events:
// each event is stored as a delivery, posted with an HMAC signature by a
// background job, and retried with back-off until the site answers 2xx.
// It also checks the signature of the server event API's requests.
package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/outbound"
	"github.com/parley-chat/parley/internal/store"
)

// Events a webhook can subscribe to.
var Events = []string{"conversation.created", "conversation.assigned", "conversation.resolved", "conversation.rated", "message.created"}

// PusherEvents are the events a webhook in Pusher's format can subscribe
// to, named as Pusher names them.
var PusherEvents = []string{"channel_occupied", "channel_vacated", "member_added", "member_removed", "client_event"}

// Jobs schedules deliveries through the transaction that creates them.
type Jobs interface {
	EnqueueWebhook(ctx context.Context, tx *store.Store, deliveryID int64) error
}

// Service manages webhooks and their deliveries.
type Service struct {
	store  *store.Store
	jobs   Jobs
	client *outbound.Client
	log    *slog.Logger
	now    func() time.Time
}

// New builds the service. Every delivery goes through client, Parley's one
// door for requests to URLs people typed; clock (the real one when nil)
// tells the time of deliveries.
func New(st *store.Store, jobs Jobs, client *outbound.Client, clock clockwork.Clock, log *slog.Logger) *Service {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	return &Service{store: st, jobs: jobs, client: client, log: log,
		now: func() time.Time { return clock.Now().UTC() }}
}

// Webhook is a webhook as its admins see it (the secret only on creation).
type Webhook struct {
	ID        int64     `json:"id"`
	SiteID    int64     `json:"site_id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Format    string    `json:"format"`
	Secret    string    `json:"secret,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Delivery is one entry of a webhook's delivery log.
type Delivery struct {
	ID             int64           `json:"id"`
	Event          string          `json:"event"`
	Payload        json.RawMessage `json:"payload"`
	Status         string          `json:"status"`
	Attempts       int             `json:"attempts"`
	LastStatusCode int             `json:"last_status_code"`
	LastError      string          `json:"last_error"`
	CreatedAt      time.Time       `json:"created_at"`
	DeliveredAt    *time.Time      `json:"delivered_at"`
}

var errNeedAdmin = errs.R(errs.Forbidden, "forbidden", "only admins manage webhooks")

func view(w *store.Webhook) Webhook {
	ev := []string{}
	for _, e := range strings.Split(w.Events, ",") {
		if e != "" {
			ev = append(ev, e)
		}
	}
	format := w.Format
	if format == "" {
		format = store.WebhookParley
	}
	return Webhook{ID: w.ID, SiteID: w.SiteID, URL: w.URL, Events: ev, Format: format, CreatedAt: w.CreatedAt}
}

// Create adds a webhook to a site (admins). No events means all of them.
func (s *Service) Create(ctx context.Context, actor auth.Identity, siteID int64, rawURL string, events []string) (*Webhook, error) {
	return s.CreateWithFormat(ctx, actor, siteID, rawURL, events, store.WebhookParley)
}

// CreateWithFormat adds a webhook in Parley's format or in Pusher's
// (channel events of the site's Pusher app, signed with its secret).
func (s *Service) CreateWithFormat(ctx context.Context, actor auth.Identity, siteID int64, rawURL string, events []string, format string) (*Webhook, error) {
	if !actor.IsAdmin() {
		return nil, errNeedAdmin
	}
	hook, err := s.client.CheckEndpoint("url", rawURL)
	if err != nil {
		return nil, err
	}
	known := Events
	switch format {
	case "", store.WebhookParley:
		format = store.WebhookParley
	case store.WebhookPusher:
		known = PusherEvents
	default:
		return nil, errs.Field("format", "parley or pusher")
	}
	for _, e := range events {
		if !slices.Contains(known, e) {
			return nil, errs.Fieldf("events", "unknown event %q (known: %s)", e, strings.Join(known, ", "))
		}
	}
	if _, err := s.store.SiteByID(ctx, siteID); errors.Is(err, store.ErrNotFound) {
		return nil, errs.R(errs.NotFound, "site_not_found", "no such site")
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	w := &store.Webhook{SiteID: siteID, URL: hook, Secret: "whsec_" + base64.RawURLEncoding.EncodeToString(b),
		Events: strings.Join(events, ","), Format: format, CreatedAt: s.now()}
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.CreateWebhook(ctx, w); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "webhook.create", "webhook", w.ID, map[string]any{"site_id": siteID, "url": loggableURL(w.URL), "events": events})
	})
	if err != nil {
		return nil, errs.Wrap(err, "create webhook")
	}
	v := view(w)
	v.Secret = w.Secret
	return &v, nil
}

// List returns a site's webhooks (admins).
func (s *Service) List(ctx context.Context, actor auth.Identity, siteID int64) ([]Webhook, error) {
	if !actor.IsAdmin() {
		return nil, errNeedAdmin
	}
	ws, err := s.store.WebhooksOfSite(ctx, siteID)
	if err != nil {
		return nil, errs.Wrap(err, "list webhooks")
	}
	out := make([]Webhook, 0, len(ws))
	for i := range ws {
		if ws[i].Format == store.WebhookAutomation {
			continue
		}
		out = append(out, view(&ws[i]))
	}
	return out, nil
}

// Delete removes a webhook (admins).
func (s *Service) Delete(ctx context.Context, actor auth.Identity, id int64) error {
	if !actor.IsAdmin() {
		return errNeedAdmin
	}
	w, err := s.store.WebhookByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return errs.R(errs.NotFound, "webhook_not_found", "no such webhook")
	}
	if err != nil {
		return errs.Wrap(err, "load webhook")
	}
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteWebhook(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "webhook.delete", "webhook", id, map[string]any{"site_id": w.SiteID, "url": loggableURL(w.URL)})
	})
	if err != nil {
		return errs.Wrap(err, "delete webhook")
	}
	return nil
}

// Deliveries returns a webhook's delivery log, newest first (admins).
func (s *Service) Deliveries(ctx context.Context, actor auth.Identity, id int64, limit int) ([]Delivery, error) {
	if !actor.IsAdmin() {
		return nil, errNeedAdmin
	}
	if _, err := s.store.WebhookByID(ctx, id); errors.Is(err, store.ErrNotFound) {
		return nil, errs.R(errs.NotFound, "webhook_not_found", "no such webhook")
	}
	ds, err := s.store.DeliveriesOf(ctx, id, limit)
	if err != nil {
		return nil, errs.Wrap(err, "list deliveries")
	}
	out := make([]Delivery, 0, len(ds))
	for _, d := range ds {
		out = append(out, Delivery{ID: d.ID, Event: d.Event, Payload: json.RawMessage(d.Payload), Status: d.Status, Attempts: d.Attempts,
			LastStatusCode: d.LastStatusCode, LastError: d.LastError, CreatedAt: d.CreatedAt, DeliveredAt: d.DeliveredAt})
	}
	return out, nil
}

// Retry sends a delivery again (admins), e.g. after the site was fixed.
func (s *Service) Retry(ctx context.Context, actor auth.Identity, deliveryID int64) error {
	if !actor.IsAdmin() {
		return errNeedAdmin
	}
	if _, err := s.store.DeliveryByID(ctx, deliveryID); errors.Is(err, store.ErrNotFound) {
		return errs.R(errs.NotFound, "delivery_not_found", "no such delivery")
	}
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.UpdateDelivery(ctx, deliveryID, store.DeliveryUpdate{Status: new("pending")}); err != nil {
			return err
		}
		return s.jobs.EnqueueWebhook(ctx, tx, deliveryID)
	})
	if err != nil {
		return errs.Wrap(err, "retry delivery")
	}
	return nil
}

// EmitTo stores, in tx, a delivery of one event to the URL of an
// automation rule's webhook action, and schedules it: it is signed with
// the site's secret and retried like any webhook delivery.
func (s *Service) EmitTo(ctx context.Context, tx *store.Store, siteID int64, rawURL, event string, data any) error {
	ws, err := tx.WebhooksOfSite(ctx, siteID)
	if err != nil {
		return err
	}
	var w *store.Webhook
	for i := range ws {
		if ws[i].Format == store.WebhookAutomation && ws[i].URL == rawURL {
			w = &ws[i]
		}
	}
	now := s.now()
	if w == nil {
		w = &store.Webhook{SiteID: siteID, URL: rawURL, Format: store.WebhookAutomation, CreatedAt: now}
		if err := tx.CreateWebhook(ctx, w); err != nil {
			return err
		}
	}
	id, err := tx.NextDeliveryID(ctx)
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]any{"id": id, "event": event, "site_id": siteID, "created_at": now, "data": data})
	if err != nil {
		return err
	}
	d := &store.WebhookDelivery{ID: id, WebhookID: w.ID, Event: event, Payload: string(body), Status: "pending", CreatedAt: now}
	if err := tx.CreateDelivery(ctx, d); err != nil {
		return err
	}
	return s.jobs.EnqueueWebhook(ctx, tx, d.ID)
}

// Emit records, in tx (the transaction of the event), a delivery for every
// webhook of the site that wants the event, each written whole with its
// payload, and schedules them: the event and its deliveries commit or
// roll back together. data builds the event's data, only when a webhook
// wants it (most sites have none, and the transaction holds locks).
func (s *Service) Emit(ctx context.Context, tx *store.Store, siteID int64, event string, data func() (any, error)) error {
	ws, err := tx.WebhooksOfSite(ctx, siteID)
	if err != nil {
		return err
	}
	now := s.now()
	var payload any
	for _, w := range ws {
		if w.Format == store.WebhookPusher || w.Format == store.WebhookAutomation {
			continue
		}
		if w.Events != "" && !strings.Contains(","+w.Events+",", ","+event+",") {
			continue
		}
		if payload == nil {
			if payload, err = data(); err != nil {
				return err
			}
		}
		id, err := tx.NextDeliveryID(ctx)
		if err != nil {
			return err
		}
		body, err := json.Marshal(map[string]any{"id": id, "event": event, "site_id": siteID, "created_at": now, "data": payload})
		if err != nil {
			return err
		}
		d := &store.WebhookDelivery{ID: id, WebhookID: w.ID, Event: event, Payload: string(body), Status: "pending", CreatedAt: now}
		if err := tx.CreateDelivery(ctx, d); err != nil {
			return err
		}
		if err := s.jobs.EnqueueWebhook(ctx, tx, d.ID); err != nil {
			return err
		}
	}
	return nil
}

// Deliver posts a delivery to its webhook. A non-2xx answer or a network
// error is recorded and returned, so the job is retried with back-off. The
// log says only "refused" or "failed" (with the status when there was an
// answer): the admin who typed the URL learns nothing of why a port is
// closed, so the log cannot serve to scan the network.
func (s *Service) Deliver(ctx context.Context, deliveryID int64, last bool) error {
	d, err := s.store.DeliveryByID(ctx, deliveryID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if d.Status == "delivered" {
		return nil
	}
	w, err := s.store.WebhookByID(ctx, d.WebhookID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(s.now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader([]byte(d.Payload)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Parley-Webhooks/1")
	if w.Format == store.WebhookPusher {
		if err := s.signPusher(ctx, req, w.SiteID, []byte(d.Payload)); err != nil {
			return err
		}
	} else {
		req.Header.Set("X-Parley-Event", d.Event)
		req.Header.Set("X-Parley-Delivery", strconv.FormatInt(d.ID, 10))
		secret := w.Secret
		if w.Format == store.WebhookAutomation {
			site, err := s.store.SiteByID(ctx, w.SiteID)
			if err != nil {
				return err
			}
			secret = site.Secret
		}
		req.Header.Set("X-Parley-Signature", "t="+ts+",v1="+Sign(secret, ts, []byte(d.Payload)))
	}
	resp, err := s.client.Do(req)
	fields := store.DeliveryUpdate{Attempts: new(d.Attempts + 1), LastStatusCode: new(0)}
	if err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		fields.LastStatusCode = &resp.StatusCode
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			fields.Status, fields.DeliveredAt, fields.LastError = new("delivered"), new(s.now()), new("")
			return s.markDelivered(ctx, d.ID, fields)
		}
		fields.LastError = new("failed")
		err = fmt.Errorf("webhook answered %d", resp.StatusCode)
	} else {
		// The operator's log gets the cause, without the URL (its query
		// may hold the host site's token); the job's error stays generic.
		cause := err
		var ue *url.Error
		if errors.As(err, &ue) {
			cause = ue.Err
		}
		outcome := outbound.Outcome(err)
		fields.LastError = &outcome
		s.log.InfoContext(ctx, "webhook delivery not sent", "delivery_id", d.ID, "webhook_id", w.ID, "outcome", outcome, "err", cause)
		err = fmt.Errorf("webhook delivery %s", outcome)
	}
	if last {
		fields.Status = new("failed")
	}
	if uerr := s.store.UpdateDelivery(ctx, d.ID, fields); uerr != nil {
		return uerr
	}
	return err
}

// markDelivered records a delivery the site accepted. Not recording it
// would post it again on the retry, so a failed write (its database
// connection cut under it, say) is tried again for a few seconds, on a
// context of its own, before the error goes to the job.
func (s *Service) markDelivered(ctx context.Context, id int64, fields store.DeliveryUpdate) error {
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for wait := 50 * time.Millisecond; ; wait *= 2 {
		err := s.store.UpdateDelivery(mctx, id, fields)
		if err == nil {
			return nil
		}
		s.log.WarnContext(ctx, "webhook delivered but not yet recorded; trying again", "delivery_id", id, "err", err)
		select {
		case <-mctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// Sign is the hex HMAC-SHA256 of "timestamp.body" with the secret: the
// webhook signature, and the signature the server event API expects.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a request signed with Sign: a fresh timestamp (five
// minutes either way) and a matching signature.
func Verify(secret, timestamp, signature string, body []byte, now time.Time) error {
	t, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errs.R(errs.Unauthorized, "bad_signature", "X-Parley-Timestamp must be a unix time")
	}
	if d := now.Sub(time.Unix(t, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errs.R(errs.Unauthorized, "stale_request", "the request's timestamp is more than five minutes off")
	}
	if !hmac.Equal([]byte(signature), []byte(Sign(secret, timestamp, body))) {
		return errs.R(errs.Unauthorized, "bad_signature", "the signature does not match the site secret")
	}
	return nil
}

// loggableURL drops what may carry credentials (user info, query) from a
// webhook URL before it goes in the action log.
func loggableURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + u.Path
}
