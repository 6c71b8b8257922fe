package webhooks_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/testkit"
)

type deliveryLog struct {
	Items []struct {
		Event          string `json:"event"`
		Status         string `json:"status"`
		Attempts       int    `json:"attempts"`
		LastStatusCode int    `json:"last_status_code"`
		LastError      string `json:"last_error"`
	} `json:"items"`
}

// counter is a webhook receiver that counts what reaches it.
type counter struct{ hits atomic.Int64 }

func (c *counter) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	c.hits.Add(1)
	w.WriteHeader(http.StatusNoContent)
}

func newSite(t *testing.T, admin *testkit.Client) (int64, string) {
	t.Helper()
	var site struct {
		ID        int64  `json:"id"`
		PublicKey string `json:"public_key"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop"}, http.StatusCreated, &site)
	return site.ID, site.PublicKey
}

func createHook(t *testing.T, admin *testkit.Client, siteID int64, url string) int64 {
	t.Helper()
	var wh struct {
		ID int64 `json:"id"`
	}
	admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/webhooks", siteID), map[string]any{"url": url, "events": []string{"conversation.created"}}, http.StatusCreated, &wh)
	return wh.ID
}

// openChat has a new visitor start a conversation, which emits
// conversation.created.
func openChat(t *testing.T, srv *testkit.Server, siteKey string) {
	t.Helper()
	v, _ := srv.NewVisitor(siteKey, nil)
	conv := v.Open(nil)
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": "m1", "body": "hello"}, http.StatusCreated, nil)
}

// waitForLog polls a webhook's delivery log until done says it is complete.
func waitForLog(t *testing.T, admin *testkit.Client, hookID int64, done func(deliveryLog) bool) deliveryLog {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var log deliveryLog
		admin.Do("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", hookID), nil, http.StatusOK, &log)
		if done(log) {
			return log
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery log of webhook %d: %+v", hookID, log.Items)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestWebhookURLsThatReachInsideAreRefusedAtCreation(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	siteID, _ := newSite(t, admin)
	for _, url := range []string{
		"http://127.0.0.1:9/hook",
		"http://localhost/hook",
		"http://api.localhost/hook",
		"http://[::1]/hook",
		"http://0.0.0.0/hook",
		"http://169.254.169.254/latest/meta-data/",
		"http://10.0.0.7/hook",
		"http://192.168.1.1/hook",
		"http://[fe80::1]/hook",
		"http://224.0.0.1/hook",
		"http://[::ffff:127.0.0.1]/hook",
		srv.URL + "/api/v1/sites",
		"https://user:pw@hooks.example.com/hook",
		"https://token@hooks.example.com/hook",
	} {
		t.Run(url, func(t *testing.T) {
			r := admin.Raw("POST", fmt.Sprintf("/api/v1/sites/%d/webhooks", siteID), map[string]any{"url": url})
			if r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid_input" || !strings.Contains(string(r.Body), `"url"`) {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
	admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/webhooks", siteID), map[string]any{"url": "https://hooks.example.com/parley?token=abc"}, http.StatusCreated, nil)
}

func TestAllowListedInternalURLsAreAcceptedButNeverParleyItself(t *testing.T) {
	srv := testkit.Start(t, testkit.WithOutboundAllow("127.0.0.0/8"))
	admin := srv.Setup()
	siteID, _ := newSite(t, admin)
	createHook(t, admin, siteID, "http://127.0.0.1:9/hook")
	for _, url := range []string{srv.URL + "/api/v1/sites", "http://user:pw@127.0.0.1:9/hook", "http://10.0.0.7/hook"} {
		if r := admin.Raw("POST", fmt.Sprintf("/api/v1/sites/%d/webhooks", siteID), map[string]any{"url": url}); r.Status != http.StatusBadRequest {
			t.Fatalf("%s: %d %s", url, r.Status, r.Body)
		}
	}
}

// TestWebhookToLoopbackIsDeliveredOnlyWhenAllowed delivers to a receiver on
// 127.0.0.1 while PARLEY_OUTBOUND_ALLOW lists it, then restarts without
// the setting: the stored webhook is refused at delivery, the receiver
// hears nothing, and the log says "refused" and nothing more. A closed
// port answers "failed", never the dial error that would map the network.
func TestWebhookToLoopbackIsDeliveredOnlyWhenAllowed(t *testing.T) {
	srv := testkit.Start(t, testkit.WithOutboundAllow("127.0.0.1/32"))
	admin := srv.Setup()
	siteID, siteKey := newSite(t, admin)
	rec := &counter{}
	hook := httptest.NewServer(rec)
	defer hook.Close()
	hookID := createHook(t, admin, siteID, hook.URL)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String() + "/hook"
	closed.Close()
	closedID := createHook(t, admin, siteID, closedURL)

	openChat(t, srv, siteKey)
	waitForLog(t, admin, hookID, func(l deliveryLog) bool {
		return len(l.Items) == 1 && l.Items[0].Status == "delivered" && l.Items[0].LastStatusCode == http.StatusNoContent
	})
	failed := waitForLog(t, admin, closedID, func(l deliveryLog) bool { return len(l.Items) == 1 && l.Items[0].Attempts >= 1 })
	if d := failed.Items[0]; d.LastError != "failed" || d.LastStatusCode != 0 || d.Status == "delivered" {
		t.Fatalf("delivery to a closed port: %+v", d)
	}
	if rec.hits.Load() != 1 {
		t.Fatalf("receiver got %d requests, want 1", rec.hits.Load())
	}

	srv.Config().OutboundAllow = nil
	srv.Restart()
	admin.Base = srv.URL
	openChat(t, srv, siteKey)
	log := waitForLog(t, admin, hookID, func(l deliveryLog) bool { return len(l.Items) == 2 && l.Items[0].Attempts >= 1 })
	if d := log.Items[0]; d.LastError != "refused" || d.LastStatusCode != 0 || d.Status == "delivered" {
		t.Fatalf("delivery to loopback without the allow-list: %+v", d)
	}
	if rec.hits.Load() != 1 {
		t.Fatalf("receiver got %d requests after the allow-list was lifted, want still 1", rec.hits.Load())
	}
}

// TestWebhookRedirectsStayOnTheirHost follows a redirect on the webhook's
// own host, and refuses one to another loopback address, which the
// allow-list does not cover, without touching it.
func TestWebhookRedirectsStayOnTheirHost(t *testing.T) {
	inside := &counter{}
	target := httptest.NewUnstartedServer(inside)
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.2 (Linux routes all of 127.0.0.0/8 to loopback): %v", err)
	}
	target.Listener = ln
	target.Start()
	defer target.Close()
	final := &counter{}
	mux := http.NewServeMux()
	mux.HandleFunc("/same-host", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/final", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/to-loopback", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/admin", http.StatusTemporaryRedirect)
	})
	mux.Handle("/final", final)
	hook := httptest.NewServer(mux)
	defer hook.Close()

	srv := testkit.Start(t, testkit.WithOutboundAllow("127.0.0.1/32"))
	admin := srv.Setup()
	siteID, siteKey := newSite(t, admin)
	sameID := createHook(t, admin, siteID, hook.URL+"/same-host")
	awayID := createHook(t, admin, siteID, hook.URL+"/to-loopback")
	openChat(t, srv, siteKey)

	waitForLog(t, admin, sameID, func(l deliveryLog) bool { return len(l.Items) == 1 && l.Items[0].Status == "delivered" })
	log := waitForLog(t, admin, awayID, func(l deliveryLog) bool { return len(l.Items) == 1 && l.Items[0].Attempts >= 1 })
	if d := log.Items[0]; d.LastError != "refused" || d.Status == "delivered" {
		t.Fatalf("redirect to another loopback address: %+v", d)
	}
	if final.hits.Load() != 1 || inside.hits.Load() != 0 {
		t.Fatalf("same-host redirect reached %d times, loopback target %d times", final.hits.Load(), inside.hits.Load())
	}
}
