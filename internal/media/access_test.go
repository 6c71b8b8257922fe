package media_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/media"
	"github.com/parley-chat/parley/internal/testkit"
)

func TestOnlyTheUploaderAndMembersGetMedia(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	alice, bob, eve := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob"), srv.NewUser(admin, "eve")
	conv := groupOf(t, alice, bob)
	up := mustUpload(alice, t, "secret.png", "", pngOf(t, 32, 32))
	path := fmt.Sprintf("/api/v1/uploads/%d", up.ID)

	if r := bob.Raw("GET", path, nil); r.Status != 404 {
		t.Fatalf("member before it was sent: %d %s", r.Status, r.Body)
	}
	alice.Do("GET", path, nil, 200, nil)
	if r := sendMedia(alice, conv, "p1", "image", up.ID, ""); r.Status != 201 {
		t.Fatalf("send: %d %s", r.Status, r.Body)
	}
	bob.Do("GET", path, nil, 200, nil)
	if r := eve.Raw("GET", path, nil); r.Status != 404 || r.ErrorCode() != "upload_not_found" {
		t.Fatalf("non-member: %d %s", r.Status, r.Body)
	}
	if r := srv.Client().Raw("GET", path, nil); r.Status != 401 {
		t.Fatalf("anonymous: %d", r.Status)
	}

	signer := media.NewSigner(srv.Config().Secret)
	valid := srv.URL + signer.Path(up.ID, false, time.Now().Add(time.Hour).Unix())
	tests := []struct {
		name, url string
		status    int
		code      string
	}{
		{"valid", valid, 200, ""},
		{"tampered signature", valid[:len(valid)-2] + "xx", 403, "bad_signature"},
		{"other upload", strings.Replace(valid, fmt.Sprintf("/media/%d?", up.ID), fmt.Sprintf("/media/%d?", up.ID+1), 1), 403, "bad_signature"},
		{"thumb with the original's signature", strings.Replace(valid, "?", "/thumb?", 1), 403, "bad_signature"},
		{"no signature", fmt.Sprintf("%s/media/%d", srv.URL, up.ID), 403, "bad_signature"},
		{"expired", srv.URL + signer.Path(up.ID, false, time.Now().Add(-time.Minute).Unix()), 403, "link_expired"},
		{"forged with another key", srv.URL + media.NewSigner("guess").Path(up.ID, false, time.Now().Add(time.Hour).Unix()), 403, "bad_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fetch(t, tt.url)
			if r.Status != tt.status || r.ErrorCode() != tt.code {
				t.Fatalf("GET %s: %d %s", tt.url, r.Status, r.Body)
			}
		})
	}
}

func TestRangeRequestsAndCaching(t *testing.T) {
	srv := testkit.Start(t)
	alice := srv.Setup()
	video := sample(t, "video.mp4")
	up := mustUpload(alice, t, "clip.mp4", "video", video)
	r := fetch(t, up.URL, "Range", "bytes=100-199")
	if r.Status != http.StatusPartialContent || !bytes.Equal(r.Body, video[100:200]) ||
		r.Header.Get("Content-Range") != fmt.Sprintf("bytes 100-199/%d", len(video)) {
		t.Fatalf("range: %d %v (%d bytes)", r.Status, r.Header, len(r.Body))
	}
	r = fetch(t, up.URL, "Range", fmt.Sprintf("bytes=-%d", 10))
	if r.Status != http.StatusPartialContent || !bytes.Equal(r.Body, video[len(video)-10:]) {
		t.Fatalf("suffix range: %d", r.Status)
	}
	full := fetch(t, up.URL)
	if full.Header.Get("Content-Type") != "video/mp4" || !strings.HasPrefix(full.Header.Get("Content-Disposition"), "inline") || full.Header.Get("Accept-Ranges") != "bytes" {
		t.Fatalf("headers %v", full.Header)
	}
	if r := fetch(t, up.URL, "If-None-Match", full.Header.Get("ETag")); r.Status != http.StatusNotModified {
		t.Fatalf("revalidation: %d", r.Status)
	}
}

func TestSendingAttachmentsChecksOwnerAndKind(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	alice, bob, eve := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob"), srv.NewUser(admin, "eve")
	conv := groupOf(t, alice, bob)
	img := mustUpload(alice, t, "a.png", "", pngOf(t, 16, 16))
	evesFile := mustUpload(eve, t, "e.txt", "", []byte("eve's notes"))
	bobsVoice := mustUpload(bob, t, "b.ogg", "", sample(t, "voice.ogg"))
	if r := sendMedia(bob, conv, "b1", "voice", bobsVoice.ID, ""); r.Status != 201 {
		t.Fatalf("bob sends his voice: %d %s", r.Status, r.Body)
	}
	tests := []struct {
		name, kind string
		id         int64
		status     int
		code       string
	}{
		{"unknown attachment", "image", 987654, 404, "attachment_not_found"},
		{"a stranger's upload", "file", evesFile.ID, 404, "attachment_not_found"},
		{"someone else's, seen in the chat", "voice", bobsVoice.ID, 403, "not_your_attachment"},
		{"kind mismatch", "voice", img.ID, 422, "attachment_kind_mismatch"},
		{"own, right kind", "image", img.ID, 201, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sendMedia(alice, conv, fmt.Sprintf("s%d", i), tt.kind, tt.id, "")
			if r.Status != tt.status || r.ErrorCode() != tt.code {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
	// A text message may not carry an attachment.
	r := alice.Raw("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", conv), map[string]any{"client_msg_id": "t1", "kind": "text", "body": "x", "attachment_id": img.ID})
	if r.Status != 400 {
		t.Fatalf("text with attachment: %d %s", r.Status, r.Body)
	}
}

func TestTypeComesFromTheContent(t *testing.T) {
	srv := testkit.Start(t)
	alice := srv.Setup()
	html := []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>`)
	corrupt := append(pngOf(t, 8, 8)[:40], bytes.Repeat([]byte{0x42}, 200)...)
	tests := []struct {
		name, file, kind string
		data             []byte
		status           int
		code, gotKind    string
	}{
		{"png named .txt is an image", "notes.txt", "", pngOf(t, 10, 10), 201, "", "image"},
		{"html named .png asked as image", "cat.png", "image", html, 415, "unsupported_media_type", ""},
		{"svg asked as image", "logo.svg", "image", svg, 415, "unsupported_media_type", ""},
		{"html is only a file", "cat.png", "", html, 201, "", "file"},
		{"svg is only a file", "logo.svg", "", svg, 201, "", "file"},
		{"text asked as voice", "a.ogg", "voice", []byte("not audio"), 415, "unsupported_media_type", ""},
		{"video asked as voice", "a.webm", "voice", sample(t, "video.webm"), 415, "unsupported_media_type", ""},
		{"corrupt image", "broken.png", "", corrupt, 422, "unreadable_media", ""},
		{"unreadable recording", "broken.webm", "", append([]byte{0x1A, 0x45, 0xDF, 0xA3}, bytes.Repeat([]byte{0xFF}, 300)...), 422, "unreadable_media", ""},
		{"empty", "empty.bin", "", nil, 400, "invalid_input", ""},
		{"bad kind", "a.bin", "sticker", []byte("x"), 400, "invalid_input", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := upload(alice, t, tt.file, tt.kind, tt.data)
			if r.Status != tt.status || r.ErrorCode() != tt.code {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if tt.gotKind == "" {
				return
			}
			var a Attachment
			r.JSON(t, &a)
			if a.Kind != tt.gotKind {
				t.Fatalf("kind %s", a.Kind)
			}
			served := fetch(t, a.URL)
			if a.Kind == "file" {
				if !strings.HasPrefix(served.Header.Get("Content-Disposition"), "attachment") || served.Header.Get("Content-Type") != "application/octet-stream" {
					t.Fatalf("markup served %v", served.Header)
				}
			}
			if served.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(served.Header.Get("Content-Security-Policy"), "sandbox") {
				t.Fatalf("headers %v", served.Header)
			}
		})
	}
}
