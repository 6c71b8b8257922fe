package media

import (
	"errors"
	"io"
	"time"
)

// ErrUnreadable means a file claims a format but could not be read as it.
var ErrUnreadable = errors.New("media: unreadable")

// AVInfo is what a container parser learns about a voice or video file.
type AVInfo struct {
	Duration time.Duration
	Width    int // of the first video track, as displayed
	Height   int
	HasVideo bool
	HasAudio bool
}

// maxDuration bounds what parsers report, so that absurd header values
// cannot overflow the arithmetic that follows.
const maxDuration = 1000 * time.Hour

// scaled converts ticks of 1/timescale seconds to a duration without
// overflowing, capped at maxDuration.
func scaled(ticks, timescale uint64) time.Duration {
	if timescale == 0 {
		return 0
	}
	secs := ticks / timescale
	if secs >= uint64(maxDuration/time.Second) {
		return maxDuration
	}
	rem := ticks % timescale
	return time.Duration(secs)*time.Second + time.Duration(rem*uint64(time.Second/time.Microsecond)/timescale)*time.Microsecond
}

// bufReaderAt serves small reads at increasing offsets from a cached
// window, so that parsers walking thousands of headers make few syscalls.
type bufReaderAt struct {
	r    io.ReaderAt
	size int64
	buf  []byte
	off  int64 // file offset of buf[0]
}

func newBufReaderAt(r io.ReaderAt, size int64) *bufReaderAt {
	return &bufReaderAt{r: r, size: size, buf: make([]byte, 0, 64<<10)}
}

// at returns n bytes at off (fewer only at the end of the file). The slice
// is valid until the next call.
func (b *bufReaderAt) at(off int64, n int) ([]byte, error) {
	if off < 0 || n < 0 || off >= b.size {
		return nil, io.ErrUnexpectedEOF
	}
	if int64(n) > b.size-off {
		n = int(b.size - off)
	}
	if n > cap(b.buf) {
		p := make([]byte, n)
		if _, err := b.r.ReadAt(p, off); err != nil && err != io.EOF {
			return nil, err
		}
		return p, nil
	}
	if off < b.off || off+int64(n) > b.off+int64(len(b.buf)) {
		want := cap(b.buf)
		if int64(want) > b.size-off {
			want = int(b.size - off)
		}
		b.buf = b.buf[:want]
		m, err := b.r.ReadAt(b.buf, off)
		if err != nil && err != io.EOF {
			return nil, err
		}
		b.buf, b.off = b.buf[:m], off
		if m < n {
			return nil, io.ErrUnexpectedEOF
		}
	}
	s := off - b.off
	return b.buf[s : s+int64(n)], nil
}

func be16(b []byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }
func be32(b []byte) uint32 { return uint32(be16(b))<<16 | uint32(be16(b[2:])) }
func be64(b []byte) uint64 { return uint64(be32(b))<<32 | uint64(be32(b[4:])) }
func le16(b []byte) uint16 { return uint16(b[1])<<8 | uint16(b[0]) }
func le32(b []byte) uint32 { return uint32(le16(b[2:]))<<16 | uint32(le16(b)) }
func le64(b []byte) uint64 { return uint64(le32(b[4:]))<<32 | uint64(le32(b)) }
