package webhooks_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/testkit"
)

// TestAcceptedDeliveryIsNotPostedAgainAfterAConnectionCut has the host
// site cut every PostgreSQL connection of the server while it answers the
// first delivery with 204, so that the write recording the delivery meets
// a dead connection. The delivery is recorded all the same and the site
// gets it once, not again on a retry.
func TestAcceptedDeliveryIsNotPostedAgainAfterAConnectionCut(t *testing.T) {
	base := os.Getenv("PARLEY_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("needs PARLEY_TEST_DATABASE_URL: it cuts the server's PostgreSQL connections, and SQLite has none")
	}
	srv := testkit.Start(t, testkit.WithOutboundAllow("127.0.0.1/32"))
	u, err := url.Parse(srv.Config().DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.Open(context.Background(), base, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	var hits, cut atomic.Int64
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if hits.Add(1) == 1 {
			var n int64
			if err := pg.Gorm().Raw("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()",
				strings.TrimPrefix(u.Path, "/")).Scan(&n).Error; err != nil {
				t.Errorf("cut connections: %v", err)
			}
			cut.Store(n)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(site.Close)

	admin := srv.Setup()
	siteID, key := newSite(t, admin)
	hookID := createHook(t, admin, siteID, site.URL+"/hook")
	v, _ := srv.NewVisitor(key, nil)
	v.Open(nil)

	// The API itself may answer 503 while its connections are cut: poll.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var log deliveryLog
		r := admin.Raw("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", hookID), nil)
		if r.Status == http.StatusOK {
			r.JSON(t, &log)
			if len(log.Items) == 1 && log.Items[0].Status == "delivered" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery never recorded: %d %s", r.Status, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if cut.Load() == 0 {
		t.Fatal("no connection was cut: the test proves nothing")
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("the site got the delivery %d times, want once", n)
	}
}
