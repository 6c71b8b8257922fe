package media_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/testkit"
)

func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEachKindMakesTheRoundTrip(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	alice, bob := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob")
	conv := groupOf(t, alice, bob)
	ws := bob.Dial()
	pdf := []byte("%PDF-1.4\n% a tiny document\n" + strings.Repeat("x", 3000))

	tests := []struct {
		name, file, kind string
		data             []byte
		check            func(t *testing.T, a Attachment, served []byte)
	}{
		{"image", "holiday.png", "image", pngOf(t, 800, 600), func(t *testing.T, a Attachment, served []byte) {
			img, format, err := image.Decode(bytes.NewReader(served))
			if err != nil || format != "png" || img.Bounds().Dx() != 800 || img.Bounds().Dy() != 600 || a.Width != 800 || a.Height != 600 {
				t.Fatalf("served image %v %s %v, attachment %+v", err, format, img.Bounds(), a)
			}
			if a.ThumbURL == "" {
				t.Fatal("no thumbnail")
			}
			th := fetch(t, a.ThumbURL)
			thumb, _, err := image.Decode(bytes.NewReader(th.Body))
			if th.Status != 200 || err != nil || thumb.Bounds().Dx() != 480 || thumb.Bounds().Dy() != 360 {
				t.Fatalf("thumbnail %d %v %v", th.Status, err, thumb)
			}
		}},
		{"voice ogg", "note.ogg", "voice", sample(t, "voice.ogg"), func(t *testing.T, a Attachment, served []byte) {
			if a.Mime != "audio/ogg" || a.DurationMS < 1400 || a.DurationMS > 1600 || !bytes.Equal(served, sample(t, "voice.ogg")) {
				t.Fatalf("voice %+v", a)
			}
		}},
		{"voice from MediaRecorder", "rec.webm", "voice", sample(t, "live.webm"), func(t *testing.T, a Attachment, served []byte) {
			if a.Mime != "audio/webm" || a.DurationMS < 1400 || a.DurationMS > 1600 {
				t.Fatalf("voice %+v", a)
			}
		}},
		{"video", "clip.mp4", "video", sample(t, "video.mp4"), func(t *testing.T, a Attachment, served []byte) {
			if a.Mime != "video/mp4" || a.Width != 64 || a.Height != 48 || a.DurationMS < 900 || a.DurationMS > 1100 || !bytes.Equal(served, sample(t, "video.mp4")) {
				t.Fatalf("video %+v", a)
			}
		}},
		{"file", "report.pdf", "file", pdf, func(t *testing.T, a Attachment, served []byte) {
			if a.Mime != "application/pdf" || a.Name != "report.pdf" || a.Size != int64(len(pdf)) || !bytes.Equal(served, pdf) {
				t.Fatalf("file %+v", a)
			}
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := mustUpload(alice, t, tt.file, "", tt.data)
			if up.Kind != tt.kind || up.URL == "" {
				t.Fatalf("upload %+v", up)
			}
			r := sendMedia(alice, conv, fmt.Sprintf("m%d", i), tt.kind, up.ID, "look")
			if r.Status != http.StatusCreated {
				t.Fatalf("send: %d %s", r.Status, r.Body)
			}
			var frame struct {
				Message mediaMessage `json:"message"`
			}
			ws.ReadType("message", 5*time.Second).Decode(t, &frame)
			got := frame.Message.Attachment
			if frame.Message.Kind != tt.kind || frame.Message.Body != "look" || got == nil || got.ID != up.ID || got.Kind != tt.kind || got.URL == "" {
				t.Fatalf("frame %+v", frame.Message)
			}
			var page struct {
				Items []mediaMessage `json:"items"`
			}
			bob.Do("GET", fmt.Sprintf("/api/v1/conversations/%d/messages?after_seq=%d", conv, frame.Message.Seq-1), nil, 200, &page)
			if len(page.Items) == 0 || page.Items[0].Attachment == nil || page.Items[0].Attachment.ID != up.ID {
				t.Fatalf("history %+v", page.Items)
			}
			var fresh Attachment
			bob.Do("GET", fmt.Sprintf("/api/v1/uploads/%d", up.ID), nil, 200, &fresh)
			served := fetch(t, got.URL)
			if served.Status != http.StatusOK || served.Header.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.Contains(served.Header.Get("Cache-Control"), "immutable") || !strings.Contains(served.Header.Get("Cache-Control"), "private") {
				t.Fatalf("GET %s: %d %v", got.URL, served.Status, served.Header)
			}
			disp := served.Header.Get("Content-Disposition")
			if (tt.kind == "file") != strings.HasPrefix(disp, "attachment") {
				t.Fatalf("%s served with Content-Disposition %q", tt.kind, disp)
			}
			tt.check(t, *got, served.Body)
		})
	}
}

// exifJPEG is a 40×20 JPEG, red on the left and blue on the right, with
// an EXIF segment holding orientation 6 (turn 90° clockwise to show) and
// a GPS latitude.
func exifJPEG(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for y := 0; y < 20; y++ {
		for x := 0; x < 40; x++ {
			c := color.RGBA{255, 0, 0, 255}
			if x >= 20 {
				c = color.RGBA{0, 0, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	var tiff bytes.Buffer
	w := func(v any) { _ = binary.Write(&tiff, binary.BigEndian, v) }
	tiff.WriteString("MM")
	w(uint16(42))
	w(uint32(8))
	w(uint16(2)) // IFD0: two entries
	w([]uint16{0x0112, 3})
	w(uint32(1))
	w([]uint16{6, 0}) // orientation 6
	w([]uint16{0x8825, 4})
	w(uint32(1))
	w(uint32(38)) // GPS IFD at 38
	w(uint32(0))
	w(uint16(1)) // GPS IFD: one entry
	w([]uint16{0x0001, 2})
	w(uint32(2))
	tiff.WriteString("N\x00\x00\x00") // GPSLatitudeRef
	w(uint32(0))
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	out = append(out, seg...)
	return append(out, enc.Bytes()[2:]...)
}

// jpegMarkers lists the markers of a JPEG's header segments.
func jpegMarkers(b []byte) []byte {
	var ms []byte
	for i := 2; i+4 <= len(b) && b[i] == 0xFF; {
		m := b[i+1]
		ms = append(ms, m)
		if m == 0xDA {
			break
		}
		i += 2 + int(b[i+2])<<8 | int(b[i+3])
	}
	return ms
}

func TestJPEGMetadataIsStrippedAndOrientationApplied(t *testing.T) {
	srv := testkit.Start(t)
	alice := srv.Setup()
	raw := exifJPEG(t)
	if !bytes.Contains(jpegMarkers(raw), []byte{0xE1}) {
		t.Fatal("test image has no APP1")
	}
	up := mustUpload(alice, t, "gps.jpg", "image", raw)
	if up.Width != 20 || up.Height != 40 {
		t.Fatalf("dimensions %dx%d, want 20x40 (turned)", up.Width, up.Height)
	}
	served := fetch(t, up.URL).Body
	for _, m := range jpegMarkers(served) {
		if m >= 0xE1 && m <= 0xEF || m == 0xFE {
			t.Fatalf("metadata segment %#x kept", m)
		}
	}
	if bytes.Contains(served, []byte("Exif")) {
		t.Fatal("EXIF kept")
	}
	img, err := jpeg.Decode(bytes.NewReader(served))
	if err != nil || img.Bounds().Dx() != 20 || img.Bounds().Dy() != 40 {
		t.Fatalf("served %v %v", err, img.Bounds())
	}
	top, bottom := img.At(10, 5).(color.YCbCr), img.At(10, 35).(color.YCbCr)
	tr, _, tb, _ := top.RGBA()
	br, _, bb, _ := bottom.RGBA()
	if tr < tb || br > bb {
		t.Fatalf("turned the wrong way: top %v bottom %v", top, bottom)
	}
}

func TestSameContentIsStoredOnce(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	bob := srv.NewUser(admin, "bob")
	data := pngOf(t, 64, 64)
	a, b := mustUpload(admin, t, "a.png", "", data), mustUpload(bob, t, "b.png", "", data)
	if a.ID == b.ID || a.Name != "a.png" || b.Name != "b.png" {
		t.Fatalf("uploads %+v %+v", a, b)
	}
	var blobs []string
	_ = filepath.Walk(filepath.Join(srv.Config().DataDir, "media"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(srv.Config().DataDir, p)
			blobs = append(blobs, filepath.ToSlash(rel))
		}
		return nil
	})
	if len(blobs) != 2 || !strings.HasPrefix(blobs[0], "media/uploads/") || strings.Count(blobs[0], "/") != 4 {
		t.Fatalf("stored files %v, want one blob and its thumbnail under uploads/ab/cd/", blobs)
	}
}
