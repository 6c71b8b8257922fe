package support_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-chat/parley/internal/support"
	"github.com/parley-chat/parley/internal/testkit"
)

// visitorRows counts the visitors stored, whatever created them.
func visitorRows(t *testing.T, srv *testkit.Server) int64 {
	t.Helper()
	var n int64
	if err := srv.App.Store.Gorm().Table("visitors").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPageViewsCreateNothingUntilTheVisitorOpensTheChat(t *testing.T) {
	d := newDesk(t, 0, 1)
	host := "https://shop.example"
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/sites/%d", d.site.ID), map[string]any{
		"allowed_origins": []string{host}, "font_family": "serif", "launcher_position": "left",
	}, http.StatusOK, nil)
	path := "/api/v1/widget/sites/" + d.site.PublicKey
	anon := d.srv.Client()

	// Ten page views of the host site read the settings and store nothing.
	var etag string
	for range 10 {
		r := anon.Raw("GET", path, nil, "Origin", host)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		var ws struct {
			Name             string `json:"name"`
			FontFamily       string `json:"font_family"`
			LauncherPosition string `json:"launcher_position"`
		}
		r.JSON(t, &ws)
		if ws.Name != "Acme" || ws.FontFamily != "serif" || ws.LauncherPosition != "left" {
			t.Fatalf("site settings = %+v", ws)
		}
		if got := r.Header.Get("Cache-Control"); got != "public, max-age=60" {
			t.Fatalf("Cache-Control = %q", got)
		}
		if got := r.Header.Get("Access-Control-Allow-Origin"); got != host {
			t.Fatalf("Access-Control-Allow-Origin = %q", got)
		}
		if etag = r.Header.Get("ETag"); etag == "" {
			t.Fatal("no ETag")
		}
	}
	if r := anon.Raw("GET", path, nil, "Origin", host, "If-None-Match", etag); r.Status != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d, want 304", r.Status)
	}
	if n := visitorRows(t, d.srv); n != 0 {
		t.Fatalf("%d visitors after page views, want 0", n)
	}

	// Other origins and unknown keys are refused, as the session refuses them.
	if r := anon.Raw("GET", path, nil, "Origin", "https://evil.example"); r.Status != http.StatusForbidden || r.ErrorCode() != "origin_not_allowed" {
		t.Fatalf("foreign origin: %d %s", r.Status, r.Body)
	}
	if r := anon.Raw("GET", "/api/v1/widget/sites/pk_nope", nil, "Origin", host); r.Status != http.StatusNotFound || r.ErrorCode() != "site_not_found" {
		t.Fatalf("unknown key: %d %s", r.Status, r.Body)
	}

	// A page load with no stored token only resumes: nothing to resume, nothing made.
	page := map[string]any{"site_key": d.site.PublicKey, "page_url": host + "/pricing", "resume": true}
	if r := anon.Raw("POST", "/api/v1/widget/session", page, "Origin", host); r.Status != http.StatusUnauthorized || r.ErrorCode() != "invalid_visitor_token" {
		t.Fatalf("resume without a token: %d %s", r.Status, r.Body)
	}
	page["visitor_token"] = "not-a-token"
	if r := anon.Raw("POST", "/api/v1/widget/session", page, "Origin", host); r.Status != http.StatusUnauthorized {
		t.Fatalf("resume with a bad token: %d %s", r.Status, r.Body)
	}
	if n := visitorRows(t, d.srv); n != 0 {
		t.Fatalf("%d visitors after resumes, want 0", n)
	}

	// Opening the chat starts the visitor; the next page resumes them.
	var first testkit.VisitorSession
	r := anon.Raw("POST", "/api/v1/widget/session", map[string]any{"site_key": d.site.PublicKey, "page_url": host + "/pricing"}, "Origin", host)
	r.JSON(t, &first)
	if r.Status != http.StatusOK || first.VisitorToken == "" {
		t.Fatalf("open: %d %s", r.Status, r.Body)
	}
	page["visitor_token"] = first.VisitorToken
	var again testkit.VisitorSession
	r = anon.Raw("POST", "/api/v1/widget/session", page, "Origin", host)
	r.JSON(t, &again)
	if r.Status != http.StatusOK || again.Visitor.ID != first.Visitor.ID {
		t.Fatalf("resume: %d %s", r.Status, r.Body)
	}
	if n := visitorRows(t, d.srv); n != 1 {
		t.Fatalf("%d visitors, want 1", n)
	}
}

func TestWidgetAppearanceSettingsAreChoicesNotCSS(t *testing.T) {
	d := newDesk(t, 0, 1)
	path := fmt.Sprintf("/api/v1/sites/%d", d.site.ID)
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"font_family": "Comic Sans; color: red"}, "font_family"},
		{map[string]any{"font_family": ""}, "font_family"},
		{map[string]any{"launcher_position": "top"}, "launcher_position"},
	} {
		r := d.admin.Raw("PATCH", path, tc.body)
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), tc.field) {
			t.Fatalf("PATCH %v: %d %s", tc.body, r.Status, r.Body)
		}
	}
	var s struct {
		FontFamily       string `json:"font_family"`
		LauncherPosition string `json:"launcher_position"`
	}
	d.admin.Do("GET", path, nil, http.StatusOK, &s)
	if s.FontFamily != "system" || s.LauncherPosition != "right" {
		t.Fatalf("defaults = %+v", s)
	}
	d.admin.Do("PATCH", path, map[string]any{"font_family": "mono", "launcher_position": "left"}, http.StatusOK, &s)
	if s.FontFamily != "mono" || s.LauncherPosition != "left" {
		t.Fatalf("after PATCH = %+v", s)
	}
	// Agents may not change them.
	agent := d.srv.NewUser(d.admin, "agnes")
	if r := agent.Raw("PATCH", path, map[string]any{"font_family": "serif"}); r.Status != http.StatusForbidden {
		t.Fatalf("agent PATCH: %d", r.Status)
	}
}

func TestVisitorKeepsSeveralConversationsUpToABound(t *testing.T) {
	d := newDesk(t, 1, 10)
	d.online(d.agents[0])
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	first := v.Open(nil)
	if again := v.Open(nil); again.ID != first.ID {
		t.Fatalf("open without new gave %d, want the open %d", again.ID, first.ID)
	}
	ids := []int64{first.ID}
	for len(ids) < 5 {
		ids = append(ids, v.Open(map[string]any{"new": true}).ID)
	}
	if r := v.Raw("POST", "/api/v1/widget/conversations", map[string]any{"new": true}); r.Status != http.StatusConflict || r.ErrorCode() != "too_many_open_conversations" {
		t.Fatalf("sixth open: %d %s", r.Status, r.Body)
	}
	// The agent answers the first; the list shows all five, newest first, with last messages.
	d.agents[0].Do("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", first.ID),
		map[string]any{"client_msg_id": "a1", "kind": "text", "body": "Hello from the desk"}, http.StatusCreated, nil)
	var list struct {
		Items []struct {
			ID          int64  `json:"id"`
			Status      string `json:"status"`
			LastMessage *struct {
				Body string `json:"body"`
			} `json:"last_message"`
		} `json:"items"`
	}
	v.Do("GET", "/api/v1/widget/conversations", nil, http.StatusOK, &list)
	if len(list.Items) != 5 || list.Items[0].ID != ids[4] || list.Items[4].ID != first.ID {
		t.Fatalf("list = %+v", list.Items)
	}
	if lm := list.Items[4].LastMessage; lm == nil || lm.Body != "Hello from the desk" {
		t.Fatalf("last message of the first = %+v", lm)
	}
	// Resolving one frees a place.
	d.agents[0].Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/resolve", first.ID), nil, http.StatusOK, nil)
	v.Open(map[string]any{"new": true})
	// Another visitor sees none of these.
	other, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	other.Do("GET", "/api/v1/widget/conversations", nil, http.StatusOK, &list)
	if len(list.Items) != 0 {
		t.Fatalf("another visitor lists %d conversations", len(list.Items))
	}
	if r := d.srv.Client().Raw("GET", "/api/v1/widget/conversations", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous list: %d", r.Status)
	}
}

// The public settings come from a short cache: a change made through the
// API shows at once, one made elsewhere (another node) within the TTL.
func TestPublicSiteSettingsAreCachedBriefly(t *testing.T) {
	d := newDesk(t, 0, 1, testkit.WithFakeClock())
	path := "/api/v1/widget/sites/" + d.site.PublicKey
	anon := d.srv.Client()
	greeting := func() string {
		t.Helper()
		r := anon.Raw("GET", path, nil, "Origin", "https://shop.example")
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		var ws struct {
			Greeting string `json:"greeting"`
		}
		r.JSON(t, &ws)
		return ws.Greeting
	}
	greeting()
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/sites/%d", d.site.ID), map[string]any{"greeting": "Hello from the API"}, http.StatusOK, nil)
	if got := greeting(); got != "Hello from the API" {
		t.Fatalf("after PATCH the greeting is %q", got)
	}

	// Another node changes the row: this one answers from memory until the TTL passes.
	if err := d.srv.App.Store.Gorm().Table("sites").Where("id = ?", d.site.ID).Update("greeting", "Hello from elsewhere").Error; err != nil {
		t.Fatal(err)
	}
	if got := greeting(); got != "Hello from the API" {
		t.Fatalf("within the TTL the greeting is %q", got)
	}
	d.srv.Advance(support.WidgetSiteTTL)
	if got := greeting(); got != "Hello from elsewhere" {
		t.Fatalf("after the TTL the greeting is %q", got)
	}
}
