package media

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// seed adds every sample and a few damaged copies to a fuzz corpus, so
// that plain `go test` runs them too.
func seed(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.*")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
		c := bytes.Clone(b)
		for i := 40; i < len(c); i += 97 {
			c[i] ^= 0xFF
		}
		f.Add(c)
	}
}

func fuzzParser(f *testing.F, p func([]byte) (AVInfo, error)) {
	seed(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := p(b)
		if err == nil && (info.Duration < 0 || info.Duration > maxDuration || info.Width < 0 || info.Height < 0) {
			t.Fatalf("absurd info %+v", info)
		}
	})
}

func FuzzParseMatroska(f *testing.F) {
	fuzzParser(f, func(b []byte) (AVInfo, error) { return ParseMatroska(bytes.NewReader(b), int64(len(b))) })
}

func FuzzParseOgg(f *testing.F) {
	fuzzParser(f, func(b []byte) (AVInfo, error) { return ParseOgg(bytes.NewReader(b), int64(len(b))) })
}

func FuzzParseMP4(f *testing.F) {
	fuzzParser(f, func(b []byte) (AVInfo, error) { return ParseMP4(bytes.NewReader(b), int64(len(b))) })
}

func FuzzExifOrientation(f *testing.F) {
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x22Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if o := exifOrientation(b); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}

func FuzzStripWebP(f *testing.F) {
	f.Add([]byte("RIFF\x20\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00EXIF\x02\x00\x00\x00ab"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := stripWebP(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		// Walk the chunks of the output as a decoder would: the bytes of
		// an EXIF chunk may sit inside another chunk's data, where they
		// are data, but no chunk may be EXIF or XMP.
		for off := 12; off+8 <= len(out); {
			id, n := string(out[off:off+4]), int(le32(out[off+4:]))
			if id == "EXIF" || id == "XMP " {
				t.Fatalf("%q chunk kept at %d in %q", id, off, out)
			}
			off += 8 + n + n&1
		}
	})
}
