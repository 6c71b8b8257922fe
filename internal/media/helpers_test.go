package media_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/testkit"
)

// Attachment is an upload as the API returns it.
type Attachment struct {
	ID         int64  `json:"id"`
	Kind       string `json:"kind"`
	Mime       string `json:"mime"`
	Size       int64  `json:"size"`
	Name       string `json:"name"`
	URL        string `json:"url"`
	ThumbURL   string `json:"thumb_url"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	DurationMS int64  `json:"duration_ms"`
}

// mediaMessage is a message with its attachment.
type mediaMessage struct {
	ID         int64       `json:"id"`
	Seq        int64       `json:"seq"`
	Kind       string      `json:"kind"`
	Body       string      `json:"body"`
	Attachment *Attachment `json:"attachment"`
}

// multipartBody builds an upload body: the kind field (when not empty),
// then the file.
func multipartBody(t testing.TB, name, kind string, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if kind != "" {
		_ = w.WriteField("kind", kind)
	}
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// upload posts a file and returns the raw answer.
func upload(c *testkit.Client, t testing.TB, name, kind string, data []byte) *testkit.Response {
	t.Helper()
	body, ct := multipartBody(t, name, kind, data)
	return c.Raw("POST", "/api/v1/uploads", body, "Content-Type", ct)
}

// mustUpload uploads and requires 201.
func mustUpload(c *testkit.Client, t testing.TB, name, kind string, data []byte) Attachment {
	t.Helper()
	r := upload(c, t, name, kind, data)
	if r.Status != http.StatusCreated {
		t.Fatalf("upload %s: %d %s", name, r.Status, r.Body)
	}
	var a Attachment
	r.JSON(t, &a)
	return a
}

// sendMedia sends a media message over REST.
func sendMedia(c *testkit.Client, convID int64, clientID, kind string, attachmentID int64, caption string) *testkit.Response {
	return c.Raw("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convID), map[string]any{
		"client_msg_id": clientID, "kind": kind, "attachment_id": attachmentID, "body": caption,
	})
}

// fetch GETs a URL without credentials, as an <img> element would.
func fetch(t testing.TB, url string, header ...string) *testkit.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	testkit.CheckResponse(t, req, resp.StatusCode, resp.Header, b)
	return &testkit.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// groupOf makes a group owned by owner with the others joined through an
// invite link, and returns its conversation id.
func groupOf(t testing.TB, owner *testkit.Client, others ...*testkit.Client) int64 {
	t.Helper()
	var g struct {
		ID             int64 `json:"id"`
		ConversationID int64 `json:"conversation_id"`
	}
	owner.Do("POST", "/api/v1/groups", map[string]string{"name": "Media", "join_policy": "invite"}, http.StatusCreated, &g)
	for _, c := range others {
		var inv struct {
			Token string `json:"token"`
		}
		owner.Do("POST", fmt.Sprintf("/api/v1/groups/%d/invites", g.ID), map[string]int{"max_uses": 1}, http.StatusCreated, &inv)
		c.Do("POST", "/api/v1/invites/"+inv.Token+"/accept", nil, http.StatusOK, nil)
	}
	return g.ConversationID
}

// pngOf draws a w×h opaque gradient.
func pngOf(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// noisePNG is a w×h PNG that doesn't compress: for size limits.
func noisePNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	x := uint32(2463534242)
	for i := range img.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		img.Pix[i] = byte(x)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
