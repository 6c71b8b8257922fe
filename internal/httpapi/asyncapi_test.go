package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/parley-chat/parley/internal/testkit"
)

func TestAsyncAPIDocumentIsServed(t *testing.T) {
	srv := testkit.Start(t)
	var doc struct {
		AsyncAPI string `json:"asyncapi"`
		Channels map[string]struct {
			Address  string         `json:"address"`
			Messages map[string]any `json:"messages"`
		} `json:"channels"`
		Operations map[string]struct {
			Action string `json:"action"`
		} `json:"operations"`
	}
	r := srv.Client().Do("GET", "/api/asyncapi.json", nil, http.StatusOK, &doc)
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("content type %q", ct)
	}
	if doc.AsyncAPI != "3.0.0" {
		t.Fatalf("asyncapi version %q", doc.AsyncAPI)
	}
	ws := doc.Channels["ws"]
	if ws.Address != "/ws" || len(ws.Messages) < 20 {
		t.Fatalf("channel ws: address %q, %d messages", ws.Address, len(ws.Messages))
	}
	if doc.Operations["send"].Action != "send" || doc.Operations["receive"].Action != "receive" {
		t.Fatalf("operations %+v", doc.Operations)
	}
}
