package media

import (
	"io"
	"time"
)

// maxBoxRead bounds the boxes read whole (headers, not sample tables).
const maxBoxRead = 1 << 20

type mp4Track struct {
	id        uint32
	handler   string
	width     int
	height    int
	timescale uint64
	duration  uint64
	fragEnd   uint64 // end of the last fragment, in timescale units
	trexDur   uint32
}

type mp4Parser struct {
	b         *bufReaderAt
	timescale uint64
	duration  uint64
	fragDur   uint64
	tracks    []*mp4Track
	moov      bool
}

// ParseMP4 reads duration, tracks and video size from an ISO base media
// file (MP4, M4A, MOV): moov/mvhd for the duration, trak/tkhd for the
// size, mdia/hdlr for the track kind. For fragmented files whose header
// carries no duration (as MediaRecorder writes them) the duration is the
// end of the last fragment (tfdt + trun sample durations).
func ParseMP4(r io.ReaderAt, size int64) (AVInfo, error) {
	p := &mp4Parser{b: newBufReaderAt(r, size)}
	if err := p.walk(0, size, 0, nil); err != nil && !p.moov {
		return AVInfo{}, ErrUnreadable
	}
	if !p.moov {
		return AVInfo{}, ErrUnreadable
	}
	var info AVInfo
	var trackDur time.Duration
	for _, t := range p.tracks {
		switch t.handler {
		case "vide":
			if !info.HasVideo {
				info.Width, info.Height = t.width, t.height
			}
			info.HasVideo = true
		case "soun":
			info.HasAudio = true
		default:
			continue
		}
		trackDur = max(trackDur, scaled(t.duration, t.timescale), scaled(t.fragEnd, t.timescale))
	}
	if !info.HasAudio && !info.HasVideo {
		return AVInfo{}, ErrUnreadable
	}
	info.Duration = scaled(p.duration, p.timescale)
	if info.Duration == 0 {
		info.Duration = scaled(p.fragDur, p.timescale)
	}
	if info.Duration == 0 {
		info.Duration = trackDur
	}
	return info, nil
}

// walk visits the boxes in [off, end). Container boxes are entered; the
// few leaf boxes Parley needs are read whole (they are small).
func (p *mp4Parser) walk(off, end int64, depth int, trak *mp4Track) error {
	if depth > 8 {
		return ErrUnreadable
	}
	for off+8 <= end {
		h, err := p.b.at(off, 16)
		if err != nil || len(h) < 8 {
			return ErrUnreadable
		}
		size, hlen := int64(be32(h)), int64(8)
		typ := string(h[4:8])
		switch size {
		case 0:
			size = end - off
		case 1:
			if len(h) < 16 || be64(h[8:]) > uint64(end-off) {
				return ErrUnreadable
			}
			size, hlen = int64(be64(h[8:])), 16
		}
		if size < hlen || off+size > end {
			return ErrUnreadable
		}
		body, bend := off+hlen, off+size
		switch typ {
		case "moov":
			p.moov = true
			if err := p.walk(body, bend, depth+1, nil); err != nil {
				return err
			}
		case "trak":
			t := &mp4Track{}
			p.tracks = append(p.tracks, t)
			if err := p.walk(body, bend, depth+1, t); err != nil {
				return err
			}
		case "mdia", "minf", "mvex", "moof":
			if err := p.walk(body, bend, depth+1, trak); err != nil {
				return err
			}
		case "traf":
			if err := p.traf(body, bend); err != nil {
				return err
			}
		case "mvhd", "tkhd", "mdhd", "hdlr", "mehd", "trex":
			if size-hlen > maxBoxRead {
				return ErrUnreadable
			}
			data, err := p.b.at(body, int(size-hlen))
			if err != nil || int64(len(data)) < size-hlen {
				return ErrUnreadable
			}
			if err := p.leaf(typ, data, trak); err != nil {
				return err
			}
		}
		off += size
	}
	return nil
}

func (p *mp4Parser) leaf(typ string, d []byte, trak *mp4Track) error {
	if len(d) < 4 {
		return ErrUnreadable
	}
	v1 := d[0] == 1
	switch typ {
	case "mvhd", "mdhd":
		var ts, dur uint64
		switch {
		case v1 && len(d) >= 32:
			ts, dur = uint64(be32(d[20:])), be64(d[24:])
		case !v1 && len(d) >= 20:
			ts, dur = uint64(be32(d[12:])), uint64(be32(d[16:]))
		default:
			return ErrUnreadable
		}
		if dur == 0xFFFFFFFF || dur == 1<<64-1 {
			dur = 0 // "unknown"
		}
		if typ == "mvhd" {
			p.timescale, p.duration = ts, dur
		} else if trak != nil {
			trak.timescale, trak.duration = ts, dur
		}
	case "tkhd":
		if trak == nil {
			return nil
		}
		base := 4 + 20 // version/flags, then times, id, reserved, duration (v0)
		if v1 {
			base = 4 + 32
		}
		if len(d) < base+52+8 {
			return ErrUnreadable
		}
		idOff := 12
		if v1 {
			idOff = 20
		}
		trak.id = be32(d[idOff:])
		m := d[base+16:] // reserved 8, layer, alternate group, volume, reserved: 8 more
		a, bb := int32(be32(m)), int32(be32(m[4:]))
		w, h := int(be32(m[36:])>>16), int(be32(m[40:])>>16)
		if a == 0 && bb != 0 { // rotated by 90° or 270°: show it turned
			w, h = h, w
		}
		trak.width, trak.height = w, h
	case "hdlr":
		if trak != nil && len(d) >= 12 {
			trak.handler = string(d[8:12])
		}
	case "mehd":
		switch {
		case v1 && len(d) >= 12:
			p.fragDur = be64(d[4:])
		case !v1 && len(d) >= 8:
			p.fragDur = uint64(be32(d[4:]))
		}
	case "trex":
		if len(d) >= 16 {
			if t := p.track(be32(d[4:])); t != nil {
				t.trexDur = be32(d[12:])
			}
		}
	}
	return nil
}

func (p *mp4Parser) track(id uint32) *mp4Track {
	for _, t := range p.tracks {
		if t.id == id {
			return t
		}
	}
	return nil
}

// traf reads one track fragment: its start (tfdt) plus the durations of
// its samples (trun, else tfhd's or trex's default) give its end.
func (p *mp4Parser) traf(off, end int64) error {
	var (
		t          *mp4Track
		start, sum uint64
		defDur     uint32
	)
	for off+8 <= end {
		h, err := p.b.at(off, 8)
		if err != nil || len(h) < 8 {
			return ErrUnreadable
		}
		size := int64(be32(h))
		if size < 8 || off+size > end || size-8 > maxBoxRead {
			return ErrUnreadable
		}
		d, err := p.b.at(off+8, int(size-8))
		if err != nil || int64(len(d)) < size-8 {
			return ErrUnreadable
		}
		switch string(h[4:8]) {
		case "tfhd":
			if len(d) < 8 {
				return ErrUnreadable
			}
			flags := be32(d) & 0xFFFFFF
			t = p.track(be32(d[4:]))
			if t != nil {
				defDur = t.trexDur
			}
			o := 8
			if flags&0x01 != 0 {
				o += 8
			}
			if flags&0x02 != 0 {
				o += 4
			}
			if flags&0x08 != 0 && len(d) >= o+4 {
				defDur = be32(d[o:])
			}
		case "tfdt":
			if len(d) >= 12 && d[0] == 1 {
				start = be64(d[4:])
			} else if len(d) >= 8 {
				start = uint64(be32(d[4:]))
			}
		case "trun":
			if len(d) < 8 {
				return ErrUnreadable
			}
			flags := be32(d) & 0xFFFFFF
			count := be32(d[4:])
			o := 8
			if flags&0x01 != 0 {
				o += 4
			}
			if flags&0x04 != 0 {
				o += 4
			}
			per := 0
			for _, f := range []uint32{0x100, 0x200, 0x400, 0x800} {
				if flags&f != 0 {
					per += 4
				}
			}
			if uint64(count)*uint64(per) > uint64(len(d)-min(o, len(d))) {
				return ErrUnreadable
			}
			if flags&0x100 == 0 {
				sum += uint64(count) * uint64(defDur)
				break
			}
			for i := 0; i < int(count); i++ {
				sum += uint64(be32(d[o+i*per:]))
			}
		}
		off += size
	}
	if t != nil {
		t.fragEnd = max(t.fragEnd, start+sum)
	}
	return nil
}
