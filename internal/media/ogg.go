package media

import (
	"bytes"
	"io"
)

type oggStream struct {
	codec   string // opus | vorbis | theora | ""
	rate    uint64
	preSkip uint64
	granule uint64
}

// ParseOgg reads the duration of an Ogg file from the granule position of
// each stream's last page: samples at 48 kHz less the pre-skip for Opus,
// samples at the stream's rate for Vorbis. Streams of other codecs are
// reported as neither audio nor video.
func ParseOgg(r io.ReaderAt, size int64) (AVInfo, error) {
	b := newBufReaderAt(r, size)
	streams := map[uint32]*oggStream{}
	var order []uint32
	pages := 0
	for off := int64(0); off < size; {
		h, err := b.at(off, 27)
		if err != nil || len(h) < 27 || !bytes.Equal(h[:4], []byte("OggS")) || h[4] != 0 {
			if pages == 0 {
				return AVInfo{}, ErrUnreadable
			}
			break // a damaged or truncated tail: keep what was read
		}
		flags, granule, serial, nseg := h[5], le64(h[6:]), le32(h[14:]), int(h[26])
		segs, err := b.at(off+27, nseg)
		if err != nil || len(segs) < nseg {
			break
		}
		body := 0
		for _, s := range segs {
			body += int(s)
		}
		dataOff := off + 27 + int64(nseg)
		if dataOff+int64(body) > size {
			break
		}
		s := streams[serial]
		if s == nil {
			if flags&0x02 == 0 && pages > 0 && len(streams) > 0 {
				// A page of a stream never begun: not a file we understand.
				return AVInfo{}, ErrUnreadable
			}
			s = &oggStream{}
			streams[serial] = s
			order = append(order, serial)
			first, err := b.at(dataOff, min(body, 64))
			if err == nil {
				identify(s, first)
			}
		}
		if granule != 1<<64-1 && flags&0x02 == 0 {
			s.granule = granule
		}
		pages++
		off = dataOff + int64(body)
	}
	var info AVInfo
	for _, serial := range order {
		s := streams[serial]
		switch s.codec {
		case "opus":
			info.HasAudio = true
			if s.granule > s.preSkip {
				info.Duration = max(info.Duration, scaled(s.granule-s.preSkip, 48000))
			}
		case "vorbis":
			info.HasAudio = true
			info.Duration = max(info.Duration, scaled(s.granule, s.rate))
		case "theora":
			info.HasVideo = true
		}
	}
	return info, nil
}

func identify(s *oggStream, p []byte) {
	switch {
	case len(p) >= 19 && bytes.HasPrefix(p, []byte("OpusHead")):
		s.codec, s.preSkip, s.rate = "opus", uint64(le16(p[10:])), 48000
	case len(p) >= 16 && bytes.HasPrefix(p, []byte("\x01vorbis")):
		s.codec, s.rate = "vorbis", uint64(le32(p[12:]))
	case bytes.HasPrefix(p, []byte("\x80theora")):
		s.codec = "theora"
	}
}
