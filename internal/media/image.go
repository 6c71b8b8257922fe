package media

import (
	"bufio"
	"bytes"
	"errors"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// ThumbSide is the long side of a thumbnail, in pixels.
const ThumbSide = 480

// MaxPixels bounds an image's area, so that a small file claiming huge
// dimensions (a decompression bomb) is refused before it is decoded.
const MaxPixels = 50_000_000

// errTooManyPixels is returned for images over MaxPixels.
var errTooManyPixels = errors.New("media: image has too many pixels")

// processedImage is an image ready to store: the bytes to serve (nil
// means the upload as it is), its size and a thumbnail.
type processedImage struct {
	body          []byte
	width, height int
	thumb         []byte
	thumbMime     string
}

// processImage validates an image by decoding it, applies the JPEG EXIF
// orientation, strips metadata (JPEG and PNG are re-encoded, WebP loses
// its EXIF and XMP chunks, GIF is kept) and makes a thumbnail.
func processImage(f *os.File, size int64, format string) (*processedImage, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	var cfg image.Config
	var err error
	switch format {
	case formatJPEG:
		cfg, err = jpeg.DecodeConfig(bufio.NewReader(f))
	case formatPNG:
		cfg, err = png.DecodeConfig(bufio.NewReader(f))
	case formatGIF:
		cfg, err = gif.DecodeConfig(bufio.NewReader(f))
	case formatWebP:
		cfg, err = webp.DecodeConfig(bufio.NewReader(f))
	default:
		return nil, ErrUnreadable
	}
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, ErrUnreadable
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, errTooManyPixels
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	var img image.Image
	switch format {
	case formatJPEG:
		img, err = jpeg.Decode(bufio.NewReader(f))
	case formatPNG:
		img, err = png.Decode(bufio.NewReader(f))
	case formatGIF:
		img, err = gif.Decode(bufio.NewReader(f))
	case formatWebP:
		img, err = webp.Decode(bufio.NewReader(f))
	}
	if err != nil {
		return nil, ErrUnreadable
	}
	out := &processedImage{}
	var buf bytes.Buffer
	switch format {
	case formatJPEG:
		if o := jpegOrientation(f); o > 1 {
			img = orient(img, o)
		}
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
			return nil, err
		}
		out.body = buf.Bytes()
	case formatPNG:
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
			return nil, err
		}
		out.body = buf.Bytes()
	case formatWebP:
		if out.body, err = stripWebP(f, size); err != nil {
			return nil, ErrUnreadable
		}
	}
	b := img.Bounds()
	out.width, out.height = b.Dx(), b.Dy()
	out.thumb, out.thumbMime, err = thumbnail(img)
	return out, err
}

// thumbnail scales img so that its long side is at most ThumbSide: a JPEG
// when it is opaque, else a PNG that keeps the transparency.
func thumbnail(img image.Image) ([]byte, string, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > ThumbSide || h > ThumbSide {
		if w >= h {
			w, h = ThumbSide, max(1, h*ThumbSide/w)
		} else {
			w, h = max(1, w*ThumbSide/h), ThumbSide
		}
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	var buf bytes.Buffer
	if dst.Opaque() {
		if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 80}); err != nil {
			return nil, "", err
		}
		return buf.Bytes(), "image/jpeg", nil
	}
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, dst); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), "image/png", nil
}

// orient turns img upright according to an EXIF orientation (2–8).
func orient(img image.Image, o int) image.Image {
	b := img.Bounds()
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			default:
				dx, dy = x, y
			}
			si, di := src.PixOffset(x, y), dst.PixOffset(dx, dy)
			copy(dst.Pix[di:di+4], src.Pix[si:si+4])
		}
	}
	return dst
}

// jpegOrientation returns the EXIF orientation tag of a JPEG (1 when it
// has none), reading its header segments only.
func jpegOrientation(r io.ReaderAt) int {
	head := make([]byte, 256<<10)
	n, _ := r.ReadAt(head, 0)
	return exifOrientation(head[:n])
}

// exifOrientation finds the orientation in the APP1 Exif segment of the
// JPEG header in b.
func exifOrientation(b []byte) int {
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			return 1
		}
		m := b[i+1]
		if m == 0xFF {
			i++
			continue
		}
		if m == 0xDA || m == 0xD9 {
			return 1
		}
		l := int(be16(b[i+2:]))
		if l < 2 || i+2+l > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+l]
		if m == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			if o := tiffOrientation(seg[6:]); o >= 1 && o <= 8 {
				return o
			}
			return 1
		}
		i += 2 + l
	}
	return 1
}

func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	u16, u32 := be16, be32
	switch string(t[:2]) {
	case "II":
		u16, u32 = le16, le32
	case "MM":
	default:
		return 0
	}
	ifd := int64(u32(t[4:]))
	if ifd+2 > int64(len(t)) {
		return 0
	}
	n := int64(u16(t[ifd:]))
	for e := ifd + 2; e+12 <= int64(len(t)) && e < ifd+2+n*12; e += 12 {
		if u16(t[e:]) == 0x0112 {
			return int(u16(t[e+8:]))
		}
	}
	return 0
}

// stripWebP returns the WebP file without its EXIF and XMP chunks, with
// the VP8X flags and the RIFF size corrected.
func stripWebP(r io.ReaderAt, size int64) ([]byte, error) {
	b := newBufReaderAt(r, size)
	h, err := b.at(0, 12)
	if err != nil || len(h) < 12 {
		return nil, ErrUnreadable
	}
	var out bytes.Buffer
	out.Write([]byte("RIFF\x00\x00\x00\x00WEBP"))
	end := min(size, 8+int64(le32(h[4:])))
	for off := int64(12); off+8 <= end; {
		ch, err := b.at(off, 8)
		if err != nil || len(ch) < 8 {
			return nil, ErrUnreadable
		}
		id, n := string(ch[:4]), int64(le32(ch[4:]))
		total := 8 + n + n&1
		if off+8+n > end {
			return nil, ErrUnreadable
		}
		if id != "EXIF" && id != "XMP " {
			data, err := b.at(off, int(min(total, end-off)))
			if err != nil {
				return nil, ErrUnreadable
			}
			start := out.Len()
			out.Write(data)
			if id == "VP8X" && out.Len() > start+8 {
				out.Bytes()[start+8] &^= 0x08 | 0x04 // EXIF and XMP present
			}
		}
		off += total
	}
	buf := out.Bytes()
	n := uint32(len(buf) - 8)
	buf[4], buf[5], buf[6], buf[7] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
	return buf, nil
}
