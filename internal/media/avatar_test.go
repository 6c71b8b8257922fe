package media_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

type me struct {
	ID        int64  `json:"id"`
	AvatarURL string `json:"avatar_url"`
}

// A user uploads a picture and makes it their avatar: the profile points
// at a stable, unsigned path that serves the picture to anyone, and the
// upload survives the clean-up of uploads no message carries.
func TestAvatarUploadedThroughMedia(t *testing.T) {
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) {
		c.UploadUnattachedTTL = 2 * time.Second
		c.UploadCleanupInterval = time.Second
	}))
	admin := srv.Setup()
	olga := srv.NewUser(admin, "olga")
	a := mustUpload(olga, t, "me.png", "image", pngOf(t, 64, 64))
	// Another upload, never used, that the clean-up must take.
	other := mustUpload(olga, t, "other.png", "image", pngOf(t, 32, 32))

	var u me
	olga.Do("PATCH", "/api/v1/me", map[string]any{"avatar_media_id": a.ID}, http.StatusOK, &u)
	want := fmt.Sprintf("/media/avatars/%d", a.ID)
	if u.AvatarURL != want {
		t.Fatalf("avatar_url %q, want %q", u.AvatarURL, want)
	}
	// The stored picture (uploads are stored cleaned of metadata).
	stored := fetch(t, a.URL).Body
	r := fetch(t, srv.URL+want)
	if r.Status != http.StatusOK || !bytes.Equal(r.Body, stored) || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("avatar: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	if cc := r.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "public") {
		t.Fatalf("Cache-Control %q", cc)
	}
	// Other people see it beside her name.
	pete := srv.NewUser(admin, "pete")
	var found struct {
		Items []me `json:"items"`
	}
	pete.Do("GET", "/api/v1/users/search?q=olga", nil, http.StatusOK, &found)
	if len(found.Items) != 1 || found.Items[0].AvatarURL != want {
		t.Fatalf("search: %+v", found)
	}
	// An upload that is nobody's avatar is not served there.
	if r := fetch(t, fmt.Sprintf("%s/media/avatars/%d", srv.URL, other.ID)); r.Status != http.StatusNotFound {
		t.Fatalf("a non-avatar upload: %d", r.Status)
	}

	// The clean-up drops the unused upload and keeps the avatar.
	deadline := time.Now().Add(60 * time.Second)
	for olga.Raw("GET", fmt.Sprintf("/api/v1/uploads/%d", other.ID), nil).Status != http.StatusNotFound {
		if time.Now().After(deadline) {
			t.Fatal("the unused upload is still there after a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r := fetch(t, srv.URL+want); r.Status != http.StatusOK || !bytes.Equal(r.Body, stored) {
		t.Fatalf("avatar after the clean-up: %d", r.Status)
	}

	// A URL replaces it; the old path stops serving.
	olga.Do("PATCH", "/api/v1/me", map[string]any{"avatar_url": "https://img.example/o.png"}, http.StatusOK, &u)
	if u.AvatarURL != "https://img.example/o.png" {
		t.Fatalf("avatar_url %q", u.AvatarURL)
	}
	if r := fetch(t, srv.URL+want); r.Status != http.StatusNotFound {
		t.Fatalf("a former avatar: %d", r.Status)
	}
}

func TestAvatarRefusesOthersUploadsAndNonImages(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	olga, pete := srv.NewUser(admin, "olga"), srv.NewUser(admin, "pete")
	petes := mustUpload(pete, t, "p.png", "image", pngOf(t, 16, 16))
	doc := mustUpload(olga, t, "notes.txt", "file", []byte("just some text"))
	mine := mustUpload(olga, t, "o.png", "image", pngOf(t, 16, 16))

	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"someone else's upload", map[string]any{"avatar_media_id": petes.ID}, 403, "not_your_upload"},
		{"not an image", map[string]any{"avatar_media_id": doc.ID}, 400, "invalid_input"},
		{"no such upload", map[string]any{"avatar_media_id": 987654}, 400, "invalid_input"},
		{"not a number", map[string]any{"avatar_media_id": "x"}, 400, "invalid_input"},
		{"both ways at once", map[string]any{"avatar_media_id": mine.ID, "avatar_url": "https://img.example/o.png"}, 400, "invalid_input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := olga.Raw("PATCH", "/api/v1/me", tc.body)
			if r.Status != tc.status || r.ErrorCode() != tc.code {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if tc.name != "not a number" && !strings.Contains(string(r.Body), `"avatar_media_id"`) {
				t.Fatalf("the error does not name the field: %s", r.Body)
			}
		})
	}
	var u me
	olga.Do("GET", "/api/v1/me", nil, http.StatusOK, &u)
	if u.AvatarURL != "" {
		t.Fatalf("avatar after refusals: %q", u.AvatarURL)
	}
}
