package auth_test

import (
	"bytes"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// signed is what a deployment key signs, as clients hold it.
type signed struct {
	user     *testkit.Client
	visitor  *testkit.Visitor
	mediaURL string // path and query of a signed media URL
}

func issue(t *testing.T, srv *testkit.Server, admin *testkit.Client, siteKey, username string) signed {
	t.Helper()
	u := srv.NewUser(admin, username)
	v, _ := srv.NewVisitor(siteKey, nil)
	var buf, pic bytes.Buffer
	if err := png.Encode(&pic, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "a.png")
	fw.Write(pic.Bytes())
	mw.Close()
	var a struct {
		URL string `json:"url"`
	}
	r := u.Raw("POST", "/api/v1/uploads", buf.Bytes(), "Content-Type", mw.FormDataContentType())
	if r.Status != http.StatusCreated {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &a)
	p, err := url.Parse(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	return signed{user: u, visitor: v, mediaURL: p.RequestURI()}
}

// check calls what s signed on srv and reports the three statuses.
func (s signed) check(srv *testkit.Server) [3]int {
	return [3]int{
		s.user.On(srv).Raw("GET", "/api/v1/me", nil).Status,
		s.visitor.Client.On(srv).Raw("POST", "/api/v1/realtime/ticket", nil).Status,
		srv.Client().Raw("GET", s.mediaURL, nil).Status,
	}
}

func TestKeyRotationKeepsWhatThePreviousKeySignedValid(t *testing.T) {
	const oldKey, newKey = "old-key-0123456789abcdef0123456789abcdef", "new-key-0123456789abcdef0123456789abcdef"
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) { c.Secret = oldKey }))
	admin := srv.Setup()
	var site struct {
		PublicKey string `json:"public_key"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop"}, http.StatusCreated, &site)
	before := issue(t, srv, admin, site.PublicKey, "early")
	ok := [3]int{http.StatusOK, http.StatusOK, http.StatusOK}
	if got := before.check(srv); got != ok {
		t.Fatalf("before the rotation: %v", got)
	}

	// Step 1: the new key signs, the old one still verifies.
	srv.Config().Secret, srv.Config().SecretPrevious = newKey, oldKey
	srv.Restart()
	admin = admin.On(srv)
	if got := before.check(srv); got != ok {
		t.Fatalf("old key's tokens and URLs during the rotation: %v, want %v", got, ok)
	}
	// A returning visitor's token is re-signed with the new key.
	var resumed testkit.VisitorSession
	before.visitor.Client.On(srv).Do("POST", "/api/v1/widget/session", map[string]any{
		"site_key": site.PublicKey, "visitor_token": before.visitor.Token, "page_url": srv.URL + "/demo"}, http.StatusOK, &resumed)
	if resumed.Visitor.ID != before.visitor.VisitorID || resumed.VisitorToken == before.visitor.Token {
		t.Fatalf("resumed visitor %d with token %q, want visitor %d with a re-signed token", resumed.Visitor.ID, resumed.VisitorToken, before.visitor.VisitorID)
	}
	after := issue(t, srv, admin, site.PublicKey, "late")
	if got := after.check(srv); got != ok {
		t.Fatalf("new key's tokens and URLs during the rotation: %v", got)
	}

	// Step 2: the previous key is dropped; only what the new key signed
	// still verifies.
	srv.Config().SecretPrevious = ""
	srv.Restart()
	if got := after.check(srv); got != ok {
		t.Fatalf("new key's tokens and URLs after the rotation: %v", got)
	}
	if got := before.check(srv); got != [3]int{http.StatusUnauthorized, http.StatusUnauthorized, http.StatusForbidden} {
		t.Fatalf("old key's tokens and URLs after the rotation: %v, want 401 401 403", got)
	}
	v := srv.Client()
	v.Token, v.Scheme = resumed.VisitorToken, "Visitor"
	if r := v.Raw("POST", "/api/v1/realtime/ticket", nil); r.Status != http.StatusOK {
		t.Fatalf("re-signed visitor token after the rotation: %d %s", r.Status, r.Body)
	}
}
