package media_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-chat/parley/internal/testkit"
)

const script = `<html><body><script>alert(document.domain)</script></body></html>`

// polyglotGIF is a valid GIF whose comment extension, near the start of
// the file, is an HTML page: a browser sniffing the bytes could take it
// for a document.
func polyglotGIF(t testing.TB) []byte {
	t.Helper()
	img := image.NewPaletted(image.Rect(0, 0, 16, 16), palette.Plan9)
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	var buf bytes.Buffer
	if err := gif.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	at := 13
	if b[10]&0x80 != 0 {
		at += 3 * (1 << ((b[10] & 7) + 1))
	}
	comment := []byte{0x21, 0xFE}
	for rest := []byte(script); len(rest) > 0; {
		n := min(len(rest), 255)
		comment = append(comment, byte(n))
		comment = append(comment, rest[:n]...)
		rest = rest[n:]
	}
	comment = append(comment, 0)
	out := append(append(bytes.Clone(b[:at]), comment...), b[at:]...)
	if _, err := gif.Decode(bytes.NewReader(out)); err != nil {
		t.Fatalf("the polyglot is not a GIF: %v", err)
	}
	return out
}

// pngHeader is a tiny PNG that declares w×h pixels and holds almost no
// data: a decompression bomb as far as its header goes.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		body := append([]byte(typ), data...)
		b.Write(body)
		_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(body))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01}) // zlib of one zero byte
	chunk("IEND", nil)
	return b.Bytes()
}

// gifHeader is a GIF whose screen and only frame claim w×h pixels.
func gifHeader(w, h uint16) []byte {
	var b bytes.Buffer
	b.WriteString("GIF89a")
	_ = binary.Write(&b, binary.LittleEndian, [2]uint16{w, h})
	b.Write([]byte{0x80, 0, 0, 0, 0, 0, 255, 255, 255}) // 2-colour global table
	b.WriteByte(0x2C)
	_ = binary.Write(&b, binary.LittleEndian, [4]uint16{0, 0, w, h})
	b.Write([]byte{0, 2, 2, 0x4C, 0x01, 0, 0x3B})
	return b.Bytes()
}

func TestPolyglotImagesAreServedAsImagesThatCannotRun(t *testing.T) {
	srv := testkit.Start(t)
	alice := srv.Setup()
	tests := []struct {
		name, file, mime string
		data             []byte
	}{
		{"gif with an html comment", "page.html", "image/gif", polyglotGIF(t)},
		{"jpeg with html after its end", "cat.jpg", "image/jpeg", append(jpegOf(t, 24, 24), []byte(script)...)},
		{"png with html after its end", "cat.png", "image/png", append(pngOf(t, 24, 24), []byte(script)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustUpload(alice, t, tt.file, "", tt.data)
			if a.Kind != "image" || a.Mime != tt.mime {
				t.Fatalf("stored as %s %s", a.Kind, a.Mime)
			}
			r := fetch(t, a.URL)
			h := r.Header
			if r.Status != http.StatusOK || h.Get("Content-Type") != tt.mime {
				t.Fatalf("served %d as %q", r.Status, h.Get("Content-Type"))
			}
			if h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("no nosniff: %v", h)
			}
			csp := h.Get("Content-Security-Policy")
			if !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("CSP %q does not sandbox the image", csp)
			}
			if h.Get("Content-Disposition") == "" {
				t.Errorf("no Content-Disposition")
			}
			if tt.mime != "image/gif" && bytes.Contains(r.Body, []byte("<script")) {
				t.Errorf("re-encoded image still carries the page")
			}
		})
	}
}

func TestImagesClaimingHugeDimensionsAreRefusedBeforeDecoding(t *testing.T) {
	srv := testkit.Start(t)
	alice := srv.Setup()
	tests := []struct {
		name string
		data []byte
	}{
		{"png of 50,000 × 50,000", pngHeader(50_000, 50_000)},
		{"png one row wider than the pixel cap", pngHeader(60_000_000, 1)},
		{"gif of 65,535 × 65,535", gifHeader(65535, 65535)},
	}
	for _, tt := range tests {
		for _, kind := range []string{"", "image"} {
			t.Run(tt.name+" kind="+kind, func(t *testing.T) {
				if len(tt.data) > 200 {
					t.Fatalf("the bomb is %d bytes, meant to be tiny", len(tt.data))
				}
				r := upload(alice, t, "bomb.png", kind, tt.data)
				if r.Status != http.StatusRequestEntityTooLarge || r.ErrorCode() != "too_large" || !strings.Contains(string(r.Body), "pixels") {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
			})
		}
	}
	// A small image with the same header layout goes through: the refusal
	// above is about the size it claims.
	if r := upload(alice, t, "dot.gif", "", gifHeader(1, 1)); r.Status != http.StatusCreated {
		t.Fatalf("a 1×1 gif: %d %s", r.Status, r.Body)
	}
}

func TestMarkupNamedAsAnImageDownloadsAsOctetStream(t *testing.T) {
	srv := testkit.Start(t)
	alice := srv.Setup()
	tests := []struct {
		name, file string
		data       []byte
	}{
		{"html named .jpg", "photo.jpg", []byte("<!doctype html>" + script)},
		{"html without a doctype named .gif", "anim.gif", []byte(script)},
		{"svg named .png", "logo.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)},
		{"svg with an xml declaration", "logo.svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)},
		{"javascript named .png", "x.png", []byte("alert(document.domain)//")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := upload(alice, t, tt.file, "image", tt.data); r.Status != http.StatusUnsupportedMediaType {
				t.Fatalf("asked as an image: %d %s", r.Status, r.Body)
			}
			a := mustUpload(alice, t, tt.file, "", tt.data)
			if a.Kind != "file" || a.ThumbURL != "" {
				t.Fatalf("stored as %+v", a)
			}
			r := fetch(t, a.URL)
			ct := r.Header.Get("Content-Type")
			if strings.Contains(ct, "html") || strings.Contains(ct, "svg") || strings.Contains(ct, "xml") || strings.Contains(ct, "javascript") || strings.HasPrefix(ct, "image/") {
				t.Fatalf("served as %q", ct)
			}
			if !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") || r.Header.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.Contains(r.Header.Get("Content-Security-Policy"), "sandbox") {
				t.Fatalf("headers %v", r.Header)
			}
		})
	}
}

// jpegOf encodes a w×h gradient as JPEG.
func jpegOf(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 9), uint8(y * 9), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
