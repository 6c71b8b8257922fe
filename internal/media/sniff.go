package media

import (
	"bytes"
	"net/http"
	"strings"
)

// Kinds of media, as messages and uploads name them.
const (
	KindImage = "image"
	KindVoice = "voice"
	KindVideo = "video"
	KindFile  = "file"
)

// Container families that Sniff recognises.
const (
	formatNone     = ""
	formatJPEG     = "jpeg"
	formatPNG      = "png"
	formatGIF      = "gif"
	formatWebP     = "webp"
	formatMatroska = "matroska" // WebM and Matroska (EBML)
	formatOgg      = "ogg"
	formatMP4      = "mp4" // ISO base media: MP4, M4A, MOV
)

// SniffLen is how many leading bytes Sniff looks at.
const SniffLen = 512

// Sniffed is what the first bytes of a file say it is.
type Sniffed struct {
	Format string // one of the format constants; "" for anything else
	Mime   string // the type to store and serve
}

// Sniff tells the type of a file from its first bytes (at most SniffLen
// are used), never from its name or a client's header. Only the formats
// Parley can read become images or media; everything else, SVG and HTML
// included, is a plain file.
func Sniff(head []byte) Sniffed {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return Sniffed{formatJPEG, "image/jpeg"}
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return Sniffed{formatPNG, "image/png"}
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return Sniffed{formatGIF, "image/gif"}
	case len(head) >= 12 && bytes.Equal(head[:4], []byte("RIFF")) && bytes.Equal(head[8:12], []byte("WEBP")):
		return Sniffed{formatWebP, "image/webp"}
	case bytes.HasPrefix(head, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		if bytes.Contains(head, []byte("webm")) {
			return Sniffed{formatMatroska, "video/webm"}
		}
		return Sniffed{formatMatroska, "video/x-matroska"}
	case bytes.HasPrefix(head, []byte("OggS")):
		return Sniffed{formatOgg, "audio/ogg"}
	case len(head) >= 12 && bytes.Equal(head[4:8], []byte("ftyp")) && isMP4Brand(string(head[8:12])):
		return Sniffed{formatMP4, "video/mp4"}
	}
	return Sniffed{formatNone, fileMime(head)}
}

// isMP4Brand accepts the ISO BMFF brands of audio and video files, not
// HEIF/AVIF still images (which share the box format).
func isMP4Brand(b string) bool {
	switch b {
	case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis", "crx ":
		return false
	}
	return true
}

// fileMime is the type a plain file is stored with. Types a browser would
// run as a document are reduced to octet-stream: files are always
// downloads, and this keeps them so even if a header is lost on the way.
func fileMime(head []byte) string {
	m := http.DetectContentType(head)
	base, _, _ := strings.Cut(m, ";")
	switch {
	case base == "text/html", base == "text/xml", base == "application/xml",
		strings.Contains(base, "svg"), strings.Contains(base, "javascript"), strings.Contains(base, "xhtml"):
		return "application/octet-stream"
	case looksLikeMarkup(head):
		return "application/octet-stream"
	}
	return m
}

// looksLikeMarkup catches SVG and HTML that DetectContentType calls text.
func looksLikeMarkup(head []byte) bool {
	h := bytes.ToLower(bytes.TrimLeft(head, "\xef\xbb\xbf \t\r\n"))
	for _, p := range []string{"<svg", "<?xml", "<!doctype", "<html", "<script", "<head", "<body", "<iframe"} {
		if bytes.Contains(h, []byte(p)) {
			return true
		}
	}
	return false
}
