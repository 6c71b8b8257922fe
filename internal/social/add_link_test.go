package social_test

import (
	"bytes"
	"fmt"
	"image/png"
	"net/http"
	"strings"
	"testing"

	qr "github.com/piglig/go-qr"

	"github.com/parley-chat/parley/internal/testkit"
)

type addLink struct {
	Code string `json:"code"`
	URL  string `json:"url"`
}

func TestAddMeLinkQRCodeResolveAndRevoke(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	alice, bob := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob")

	var link, again addLink
	alice.Do("GET", "/api/v1/me/add-link", nil, http.StatusOK, &link)
	alice.Do("GET", "/api/v1/me/add-link", nil, http.StatusOK, &again)
	if len(link.Code) < 16 || link.URL != srv.URL+"/console/#/add/"+link.Code || again != link {
		t.Fatalf("links %+v then %+v", link, again)
	}

	r := alice.Raw("GET", "/api/v1/me/qr", nil)
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("qr: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("qr is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dx() > 1024 || b.Dx() != b.Dy() {
		t.Fatalf("qr is %v", b)
	}
	if text, err := qr.Decode(img); err != nil || text != link.URL {
		t.Fatalf("qr reads %q (%v), want %q", text, err, link.URL)
	}

	var owner publicUser
	bob.Do("GET", "/api/v1/add/"+link.Code, nil, http.StatusOK, &owner)
	if owner.ID != alice.UserID || owner.Username != "alice" {
		t.Fatalf("resolved to %+v", owner)
	}
	if strings.Contains(string(bob.Raw("GET", "/api/v1/add/"+link.Code, nil).Body), "@") {
		t.Fatal("the resolved user shows an e-mail address")
	}
	if r := srv.Client().Raw("GET", "/api/v1/add/"+link.Code, nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous resolve: %d", r.Status)
	}

	var fresh addLink
	alice.Do("POST", "/api/v1/me/add-link/revoke", nil, http.StatusOK, &fresh)
	if fresh.Code == link.Code || fresh.URL != srv.URL+"/console/#/add/"+fresh.Code {
		t.Fatalf("revoked to %+v", fresh)
	}
	wantError(t, bob.Raw("GET", "/api/v1/add/"+link.Code, nil), http.StatusNotFound, "code_not_found")
	wantError(t, bob.Raw("GET", "/api/v1/add/nope", nil), http.StatusNotFound, "code_not_found")
	alice.Do("GET", "/api/v1/me/add-link", nil, http.StatusOK, &again)
	if again != fresh {
		t.Fatalf("add-link after revoke %+v, want %+v", again, fresh)
	}
	bob.Do("GET", "/api/v1/add/"+fresh.Code, nil, http.StatusOK, &owner)
	// What the link is for: a friend request to its owner.
	var req friendRequest
	bob.Do("POST", "/api/v1/friend-requests", map[string]any{"user_id": owner.ID}, http.StatusCreated, &req)

	// Someone alice blocked can't resolve her code.
	alice.Do("PUT", fmt.Sprintf("/api/v1/blocks/%d", bob.UserID), nil, http.StatusNoContent, nil)
	wantError(t, bob.Raw("GET", "/api/v1/add/"+fresh.Code, nil), http.StatusNotFound, "code_not_found")

	// Revoking before ever asking for a link works too.
	var first addLink
	admin.Do("POST", "/api/v1/me/add-link/revoke", nil, http.StatusOK, &first)
	bob.Do("GET", "/api/v1/add/"+first.Code, nil, http.StatusOK, nil)
}
