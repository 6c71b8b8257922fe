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

type groupView struct {
	ID        int64  `json:"id"`
	Number    int64  `json:"number"`
	AvatarURL string `json:"avatar_url"`
}

// A group's owner uploads a picture and makes it the group's: members see
// it in the group and the group list, anyone can load it, and it survives
// the clean-up of uploads no message carries. Plain members may not change
// it; only an image the changer uploaded will do (422 naming the field).
func TestGroupPictureUploadedThroughMedia(t *testing.T) {
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) {
		c.UploadUnattachedTTL = 2 * time.Second
		c.UploadCleanupInterval = time.Second
	}))
	admin := srv.Setup()
	olga, pete := srv.NewUser(admin, "olga"), srv.NewUser(admin, "pete")
	var g groupView
	olga.Do("POST", "/api/v1/groups", map[string]string{"name": "Tea club", "join_policy": "open"}, http.StatusCreated, &g)
	pete.Do("POST", "/api/v1/groups/join", map[string]int64{"number": g.Number}, http.StatusOK, nil)
	path := fmt.Sprintf("/api/v1/groups/%d", g.ID)

	pic := mustUpload(olga, t, "tea.png", "image", pngOf(t, 64, 64))
	unused := mustUpload(olga, t, "other.png", "image", pngOf(t, 32, 32))
	petes := mustUpload(pete, t, "p.png", "image", pngOf(t, 16, 16))
	doc := mustUpload(olga, t, "notes.txt", "file", []byte("just some text"))

	for _, tc := range []struct {
		name   string
		who    *testkit.Client
		body   map[string]any
		status int
		code   string
	}{
		{"a plain member", pete, map[string]any{"avatar_media_id": petes.ID}, 403, "forbidden"},
		{"someone else's upload", olga, map[string]any{"avatar_media_id": petes.ID}, 422, "invalid_avatar"},
		{"not an image", olga, map[string]any{"avatar_media_id": doc.ID}, 422, "invalid_avatar"},
		{"no such upload", olga, map[string]any{"avatar_media_id": 987654}, 422, "invalid_avatar"},
		{"both ways at once", olga, map[string]any{"avatar_media_id": pic.ID, "avatar_url": "https://img.example/t.png"}, 400, "invalid_input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.who.Raw("PATCH", path, tc.body)
			if r.Status != tc.status || r.ErrorCode() != tc.code {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if tc.status != 403 && !strings.Contains(string(r.Body), `"avatar_media_id"`) {
				t.Fatalf("the error does not name the field: %s", r.Body)
			}
		})
	}

	olga.Do("PATCH", path, map[string]any{"avatar_media_id": pic.ID}, http.StatusOK, &g)
	want := fmt.Sprintf("/media/avatars/%d", pic.ID)
	if g.AvatarURL != want {
		t.Fatalf("avatar_url %q, want %q", g.AvatarURL, want)
	}
	// Members see it in the group and in their list of groups.
	var one groupView
	pete.Do("GET", path, nil, http.StatusOK, &one)
	var list struct {
		Items []groupView `json:"items"`
	}
	pete.Do("GET", "/api/v1/groups", nil, http.StatusOK, &list)
	if one.AvatarURL != want || len(list.Items) != 1 || list.Items[0].AvatarURL != want {
		t.Fatalf("pete sees %q and %+v", one.AvatarURL, list.Items)
	}
	stored := fetch(t, pic.URL).Body
	if r := fetch(t, srv.URL+want); r.Status != http.StatusOK || !bytes.Equal(r.Body, stored) || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("group picture: %d %s", r.Status, r.Header.Get("Content-Type"))
	}

	// The clean-up drops the unused upload and keeps the group's picture.
	deadline := time.Now().Add(60 * time.Second)
	for olga.Raw("GET", fmt.Sprintf("/api/v1/uploads/%d", unused.ID), nil).Status != http.StatusNotFound {
		if time.Now().After(deadline) {
			t.Fatal("the unused upload is still there after a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r := fetch(t, srv.URL+want); r.Status != http.StatusOK || !bytes.Equal(r.Body, stored) {
		t.Fatalf("group picture after the clean-up: %d", r.Status)
	}

	// A URL replaces it; the old path stops serving.
	olga.Do("PATCH", path, map[string]any{"avatar_url": "https://img.example/t.png"}, http.StatusOK, &g)
	if g.AvatarURL != "https://img.example/t.png" {
		t.Fatalf("avatar_url %q", g.AvatarURL)
	}
	if r := fetch(t, srv.URL+want); r.Status != http.StatusNotFound {
		t.Fatalf("a former group picture: %d", r.Status)
	}
}
