package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/store"
)

// Inside a transaction a site's webhooks are read once, and what the
// transaction itself changes shows at once: a webhook created or deleted,
// and one created in a savepoint that rolled back gone again.
func TestWebhooksOfSiteInATransaction(t *testing.T) {
	ctx := context.Background()
	errRollback := errors.New("roll back")
	for name, st := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			now := time.Now().UTC()
			site := &store.Site{Name: "Shop", PublicKey: "pk_" + name, Secret: "s", CreatedAt: now}
			if err := st.CreateSite(ctx, site); err != nil {
				t.Fatal(err)
			}
			count := func(tx *store.Store) int {
				t.Helper()
				ws, err := tx.WebhooksOfSite(ctx, site.ID)
				if err != nil {
					t.Fatal(err)
				}
				return len(ws)
			}
			var kept *store.Webhook
			err := st.Tx(ctx, func(tx *store.Store) error {
				if n := count(tx); n != 0 {
					t.Errorf("before any: %d webhooks", n)
				}
				kept = &store.Webhook{SiteID: site.ID, URL: "https://hooks.example.com/a", Format: store.WebhookParley, CreatedAt: now}
				if err := tx.CreateWebhook(ctx, kept); err != nil {
					return err
				}
				if n := count(tx); n != 1 {
					t.Errorf("after creating one: %d webhooks", n)
				}
				err := tx.Tx(ctx, func(tx *store.Store) error {
					w := &store.Webhook{SiteID: site.ID, URL: "https://hooks.example.com/b", Format: store.WebhookParley, CreatedAt: now}
					if err := tx.CreateWebhook(ctx, w); err != nil {
						return err
					}
					if n := count(tx); n != 2 {
						t.Errorf("inside the savepoint: %d webhooks", n)
					}
					return errRollback
				})
				if !errors.Is(err, errRollback) {
					return err
				}
				if n := count(tx); n != 1 {
					t.Errorf("after the savepoint rolled back: %d webhooks", n)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			err = st.Tx(ctx, func(tx *store.Store) error {
				if n := count(tx); n != 1 {
					t.Errorf("next transaction: %d webhooks", n)
				}
				if err := tx.DeleteWebhook(ctx, kept.ID); err != nil {
					return err
				}
				if n := count(tx); n != 0 {
					t.Errorf("after deleting it: %d webhooks", n)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
