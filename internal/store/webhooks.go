package store

import (
	"context"
	"slices"
	"time"
)

// Webhook is a host site's endpoint for conversation and message events.
type Webhook struct {
	ID     int64 `gorm:"primaryKey"`
	SiteID int64
	URL    string
	Secret string
	Events string // comma-separated; empty means every event
	// Format is WebhookParley or WebhookPusher.
	Format    string
	CreatedAt time.Time
}

// Webhook formats: Parley's own events, or Pusher's channel events.
const (
	WebhookParley = "parley"
	WebhookPusher = "pusher"
	// WebhookAutomation is the endpoint of an automation rule's
	// send_webhook action, kept per site and URL out of the admins' list
	// and signed with the site's secret.
	WebhookAutomation = "automation"
)

// WebhookDelivery is one event sent (or being sent) to a webhook.
type WebhookDelivery struct {
	ID             int64 `gorm:"primaryKey"`
	WebhookID      int64
	Event          string
	Payload        string
	Status         string // pending | delivered | failed
	Attempts       int
	LastStatusCode int
	LastError      string
	CreatedAt      time.Time
	DeliveredAt    *time.Time
}

func webhookModels() []any { return []any{&Webhook{}, &WebhookDelivery{}} }

// CreateWebhook inserts a webhook.
func (s *Store) CreateWebhook(ctx context.Context, w *Webhook) error {
	clear(s.webhooks)
	return translate(s.q(ctx).Create(w).Error)
}

// WebhookByID returns a webhook or ErrNotFound.
func (s *Store) WebhookByID(ctx context.Context, id int64) (*Webhook, error) {
	var w Webhook
	if err := s.q(ctx).First(&w, id).Error; err != nil {
		return nil, translate(err)
	}
	return &w, nil
}

// WebhooksOfSite lists a site's webhooks; inside a transaction, read
// once.
func (s *Store) WebhooksOfSite(ctx context.Context, siteID int64) ([]Webhook, error) {
	if ws, ok := s.webhooks[siteID]; ok {
		return slices.Clone(ws), nil
	}
	var out []Webhook
	if err := s.q(ctx).Where("site_id = ?", siteID).Order("id").Find(&out).Error; err != nil {
		return nil, err
	}
	if s.webhooks != nil {
		s.webhooks[siteID] = slices.Clone(out)
	}
	return out, nil
}

// DeleteWebhook removes a webhook and its delivery log.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	clear(s.webhooks)
	if err := s.q(ctx).Where("webhook_id = ?", id).Delete(&WebhookDelivery{}).Error; err != nil {
		return err
	}
	return s.q(ctx).Delete(&Webhook{}, id).Error
}

// NextDeliveryID reserves the id of the next delivery, so that its
// payload (which names it) is written with the row in one insert. Call it
// inside a transaction: on SQLite the transaction's write lock keeps the
// id free until the insert.
func (s *Store) NextDeliveryID(ctx context.Context) (int64, error) {
	q := "SELECT nextval(pg_get_serial_sequence('webhook_deliveries', 'id'))"
	if s.dialect == SQLite {
		q = "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'webhook_deliveries'), 0) + 1"
	}
	var id int64
	err := s.q(ctx).Raw(q).Scan(&id).Error
	return id, err
}

// CreateDelivery inserts a delivery.
func (s *Store) CreateDelivery(ctx context.Context, d *WebhookDelivery) error {
	return s.q(ctx).Create(d).Error
}

// DeliveryByID returns a delivery or ErrNotFound.
func (s *Store) DeliveryByID(ctx context.Context, id int64) (*WebhookDelivery, error) {
	var d WebhookDelivery
	if err := s.q(ctx).First(&d, id).Error; err != nil {
		return nil, translate(err)
	}
	return &d, nil
}

// DeliveryUpdate is a change of a delivery: nil fields stay as they are.
type DeliveryUpdate struct {
	Status         *string
	Attempts       *int
	LastStatusCode *int
	LastError      *string
	DeliveredAt    *time.Time
}

// UpdateDelivery writes the fields u sets of a delivery.
func (s *Store) UpdateDelivery(ctx context.Context, id int64, u DeliveryUpdate) error {
	c := columns{}
	putPtr(c, "status", u.Status)
	putPtr(c, "attempts", u.Attempts)
	putPtr(c, "last_status_code", u.LastStatusCode)
	putPtr(c, "last_error", u.LastError)
	putPtr(c, "delivered_at", u.DeliveredAt)
	return s.update(ctx, &WebhookDelivery{}, c, "id = ?", id)
}

// DeliveriesOf lists a webhook's deliveries, newest first.
func (s *Store) DeliveriesOf(ctx context.Context, webhookID int64, limit int) ([]WebhookDelivery, error) {
	var out []WebhookDelivery
	err := s.q(ctx).Where("webhook_id = ?", webhookID).Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}
