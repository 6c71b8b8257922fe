package media

import (
	"bytes"
	"os"
	"testing"
	"time"
)

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parse(format string, b []byte) (AVInfo, error) {
	r := bytes.NewReader(b)
	switch format {
	case formatMatroska:
		return ParseMatroska(r, int64(len(b)))
	case formatOgg:
		return ParseOgg(r, int64(len(b)))
	}
	return ParseMP4(r, int64(len(b)))
}

// The samples were made once with ffmpeg (1.5 s of tone; 1 s of 64×48
// test pattern with sound); live.webm is written like MediaRecorder
// output, with no Duration element and unknown-size elements.
var samples = []struct {
	file, format   string
	video          bool
	width, height  int
	durMin, durMax time.Duration
}{
	{"voice.webm", formatMatroska, false, 0, 0, 1490 * time.Millisecond, 1520 * time.Millisecond},
	{"live.webm", formatMatroska, false, 0, 0, 1450 * time.Millisecond, 1520 * time.Millisecond},
	{"video.webm", formatMatroska, true, 64, 48, 990 * time.Millisecond, 1020 * time.Millisecond},
	{"voice.ogg", formatOgg, false, 0, 0, 1490 * time.Millisecond, 1510 * time.Millisecond},
	{"vorbis.ogg", formatOgg, false, 0, 0, 1490 * time.Millisecond, 1510 * time.Millisecond},
	{"voice.m4a", formatMP4, false, 0, 0, 1490 * time.Millisecond, 1530 * time.Millisecond},
	{"frag.m4a", formatMP4, false, 0, 0, 1490 * time.Millisecond, 1530 * time.Millisecond},
	{"video.mp4", formatMP4, true, 64, 48, 990 * time.Millisecond, 1020 * time.Millisecond},
}

func TestParsersReadTheSamples(t *testing.T) {
	for _, s := range samples {
		t.Run(s.file, func(t *testing.T) {
			b := readSample(t, s.file)
			if got := Sniff(b).Format; got != s.format {
				t.Fatalf("sniffed %q, want %q", got, s.format)
			}
			info, err := parse(s.format, b)
			if err != nil {
				t.Fatal(err)
			}
			if info.HasVideo != s.video || !info.HasAudio || info.Width != s.width || info.Height != s.height {
				t.Fatalf("info %+v", info)
			}
			if info.Duration < s.durMin || info.Duration > s.durMax {
				t.Fatalf("duration %s, want %s–%s", info.Duration, s.durMin, s.durMax)
			}
		})
	}
}

func TestMatroskaWithoutDurationFallsBackToBlockTimecodes(t *testing.T) {
	b := readSample(t, "voice.webm")
	// Overwrite the Duration element (id 0x4489, 8-byte float) with a Void
	// element of the same length, as if MediaRecorder had written the file.
	i := bytes.Index(b, []byte{0x44, 0x89, 0x88})
	if i < 0 {
		t.Fatal("sample has no 8-byte Duration element")
	}
	c := bytes.Clone(b)
	copy(c[i:], []byte{0xEC, 0x89}) // Void of 9 bytes: the old size byte and the float
	info, err := ParseMatroska(bytes.NewReader(c), int64(len(c)))
	if err != nil {
		t.Fatal(err)
	}
	if info.Duration < 1400*time.Millisecond || info.Duration > 1520*time.Millisecond {
		t.Fatalf("duration %s from block timecodes", info.Duration)
	}
}

func TestParsersRefuseGarbageAndSurviveTruncation(t *testing.T) {
	garbage := [][]byte{
		nil, {0x1A}, {0x1A, 0x45, 0xDF, 0xA3, 0xFF}, []byte("OggS"), []byte("OggS\x00\x02garbage"),
		[]byte("\x00\x00\x00\x18ftypisom\x00\x00\x00\x00"), bytes.Repeat([]byte{0xFF}, 100),
		[]byte("\x00\x00\x00\x01moov\xff\xff\xff\xff\xff\xff\xff\xff"),
	}
	for _, format := range []string{formatMatroska, formatOgg, formatMP4} {
		for _, g := range garbage {
			if info, err := parse(format, g); err == nil && (info.HasAudio || info.HasVideo) {
				t.Errorf("%s accepted garbage %q: %+v", format, g, info)
			}
		}
	}
	for _, s := range samples {
		b := readSample(t, s.file)
		for n := 0; n < len(b); n += 1 + n/16 {
			_, _ = parse(s.format, b[:n]) // must not panic
		}
		if _, err := parse(s.format, b[:64]); err == nil && s.format != formatOgg {
			t.Errorf("%s: the first 64 bytes parsed", s.file)
		}
	}
}

func TestSniffTellsTypeFromContent(t *testing.T) {
	tests := []struct {
		name, head, format, mime string
	}{
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", formatPNG, "image/png"},
		{"jpeg", "\xff\xd8\xff\xe0\x00\x10JFIF", formatJPEG, "image/jpeg"},
		{"gif", "GIF89a\x01\x00\x01\x00", formatGIF, "image/gif"},
		{"webp", "RIFF\x24\x00\x00\x00WEBPVP8 ", formatWebP, "image/webp"},
		{"webm", "\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", formatMatroska, "video/webm"},
		{"ogg", "OggS\x00\x02", formatOgg, "audio/ogg"},
		{"mp4", "\x00\x00\x00\x18ftypisom", formatMP4, "video/mp4"},
		{"heic is not video", "\x00\x00\x00\x18ftypheic", formatNone, "application/octet-stream"},
		{"html", "<!DOCTYPE html><html><script>alert(1)</script>", formatNone, "application/octet-stream"},
		{"svg", `<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>`, formatNone, "application/octet-stream"},
		{"svg after xml decl", `<?xml version="1.0"?><svg/>`, formatNone, "application/octet-stream"},
		{"pdf", "%PDF-1.7\n", formatNone, "application/pdf"},
		{"text", "hello, world\n", formatNone, "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sniff([]byte(tt.head))
			if got.Format != tt.format || got.Mime != tt.mime {
				t.Fatalf("Sniff = %+v, want %s %s", got, tt.format, tt.mime)
			}
		})
	}
}

func TestSanitizeName(t *testing.T) {
	tests := map[string]string{
		"photo.png":                            "photo.png",
		"../../etc/passwd":                     "passwd",
		`C:\Users\me\report.pdf`:               "report.pdf",
		"a\"b\r\nc.txt":                        "abc.txt",
		"...hidden":                            "hidden",
		"":                                     "file",
		"\u202egnp.exe":                        "gnp.exe",
		"résumé 2024.pdf":                      "résumé 2024.pdf",
		string(bytes.Repeat([]byte("x"), 300)): string(bytes.Repeat([]byte("x"), 200)),
	}
	for in, want := range tests {
		if got := SanitizeName(in); got != want {
			t.Errorf("SanitizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSignerExpiryIsRoundedAndChecked(t *testing.T) {
	s := NewSigner("secret")
	now := time.Unix(1_700_000_123, 0)
	exp := s.Expiry(now, 24*time.Hour)
	if exp%3600 != 0 || exp < now.Add(24*time.Hour).Unix() || exp > now.Add(25*time.Hour).Unix() {
		t.Fatalf("expiry %d", exp)
	}
	if s.Expiry(now.Add(10*time.Second), 24*time.Hour) != exp {
		t.Fatal("URLs signed moments apart should be the same, for caching")
	}
	p := s.Path(7, true, exp)
	sig := p[bytes.LastIndexByte([]byte(p), '=')+1:]
	if !s.Valid(7, true, exp, sig) || s.Valid(7, false, exp, sig) || s.Valid(8, true, exp, sig) || s.Valid(7, true, exp+1, sig) {
		t.Fatal("signature does not bind id, variant and expiry")
	}
	if NewSigner("other").Valid(7, true, exp, sig) {
		t.Fatal("another secret accepted the signature")
	}
}
