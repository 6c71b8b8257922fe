package media

import (
	"bytes"
	"io"
	"math"
	"time"
)

// Matroska/WebM element ids (with their length marker bits, as written).
const (
	ebmlHeader      = 0x1A45DFA3
	ebmlDocType     = 0x4282
	mkvSegment      = 0x18538067
	mkvInfo         = 0x1549A966
	mkvTimecodeScl  = 0x2AD7B1
	mkvDuration     = 0x4489
	mkvTracks       = 0x1654AE6B
	mkvTrackEntry   = 0xAE
	mkvTrackType    = 0x83
	mkvVideo        = 0xE0
	mkvPixelWidth   = 0xB0
	mkvPixelHeight  = 0xBA
	mkvDisplayW     = 0x54B0
	mkvDisplayH     = 0x54BA
	mkvCluster      = 0x1F43B675
	mkvTimecode     = 0xE7
	mkvBlockGroup   = 0xA0
	mkvBlock        = 0xA1
	mkvSimpleBlock  = 0xA3
	mkvBlockDur     = 0x9B
	ebmlUnknownSize = -1
	maxMasterRead   = 4 << 20 // Info and Tracks are read whole; they are small
)

// ParseMatroska reads duration, tracks and video size from a WebM or
// Matroska file. Files written by MediaRecorder often have no Duration
// element and unknown-size Segment and Cluster elements: then the
// duration is the timecode of the last block, found by walking the
// clusters.
func ParseMatroska(r io.ReaderAt, size int64) (AVInfo, error) {
	b := newBufReaderAt(r, size)
	id, n, hlen, err := ebmlElement(b, 0)
	if err != nil || id != ebmlHeader || n < 0 || n > 4096 {
		return AVInfo{}, ErrUnreadable
	}
	hdr, err := b.at(hlen, int(n))
	if err != nil || len(hdr) < int(n) {
		return AVInfo{}, ErrUnreadable
	}
	docType := ""
	_ = ebmlChildren(hdr, func(id uint32, data []byte) {
		if id == ebmlDocType {
			docType = string(bytes.TrimRight(data, "\x00"))
		}
	})
	if docType != "webm" && docType != "matroska" {
		return AVInfo{}, ErrUnreadable
	}
	off := hlen + n
	id, n, hlen, err = ebmlElement(b, off)
	if err != nil || id != mkvSegment {
		return AVInfo{}, ErrUnreadable
	}
	end := size
	if n != ebmlUnknownSize && off+hlen+n < end {
		end = off + hlen + n
	}
	var (
		info                AVInfo
		scale               uint64 = 1_000_000
		declared            float64
		tracks              bool
		cluster, last, span int64 // in timecode units
	)
	for off = off + hlen; off < end; {
		id, n, hlen, err := ebmlElement(b, off)
		if err != nil {
			break // a truncated tail: keep what was read
		}
		switch id {
		case mkvCluster, mkvBlockGroup:
			off += hlen // walk into it: its children follow at this level
			continue
		}
		if n == ebmlUnknownSize || off+hlen+n > end {
			break
		}
		switch id {
		case mkvInfo, mkvTracks:
			if n > maxMasterRead {
				return AVInfo{}, ErrUnreadable
			}
			data, err := b.at(off+hlen, int(n))
			if err != nil || int64(len(data)) < n {
				return AVInfo{}, ErrUnreadable
			}
			data = bytes.Clone(data)
			if id == mkvInfo {
				err = parseMkvInfo(data, &scale, &declared)
			} else {
				tracks = true
				err = parseMkvTracks(data, &info)
			}
			if err != nil {
				return AVInfo{}, ErrUnreadable
			}
		case mkvTimecode:
			data, err := b.at(off+hlen, int(min(n, 8)))
			if err == nil {
				cluster = int64(min(ebmlUint(data), math.MaxInt64/2))
			}
		case mkvSimpleBlock, mkvBlock:
			data, err := b.at(off+hlen, int(min(n, 12)))
			if err == nil {
				if _, l := vint(data); l > 0 && len(data) >= l+2 {
					t := cluster + int64(int16(be16(data[l:])))
					last, span = max(last, t), 0
				}
			}
		case mkvBlockDur:
			data, err := b.at(off+hlen, int(min(n, 8)))
			if err == nil {
				span = int64(min(ebmlUint(data), math.MaxInt32))
			}
		}
		off += hlen + n
	}
	if !tracks || (!info.HasAudio && !info.HasVideo) {
		return AVInfo{}, ErrUnreadable
	}
	ticks := declared
	if !(ticks > 0) || math.IsInf(ticks, 0) {
		ticks = float64(last + span) // no Duration element: the last block's end
	}
	if ns := ticks * float64(scale); ns > 0 {
		info.Duration = time.Duration(min(ns, float64(maxDuration)))
	}
	return info, nil
}

func parseMkvInfo(data []byte, scale *uint64, duration *float64) error {
	return ebmlChildren(data, func(id uint32, v []byte) {
		switch id {
		case mkvTimecodeScl:
			if s := ebmlUint(v); s > 0 {
				*scale = s
			}
		case mkvDuration:
			switch len(v) {
			case 4:
				*duration = float64(math.Float32frombits(be32(v)))
			case 8:
				*duration = math.Float64frombits(be64(v))
			}
		}
	})
}

func parseMkvTracks(data []byte, info *AVInfo) error {
	return ebmlChildren(data, func(id uint32, entry []byte) {
		if id != mkvTrackEntry {
			return
		}
		var typ uint64
		var w, h, dw, dh int
		_ = ebmlChildren(entry, func(id uint32, v []byte) {
			switch id {
			case mkvTrackType:
				typ = ebmlUint(v)
			case mkvVideo:
				_ = ebmlChildren(v, func(id uint32, v []byte) {
					n := int(min(ebmlUint(v), 1<<20))
					switch id {
					case mkvPixelWidth:
						w = n
					case mkvPixelHeight:
						h = n
					case mkvDisplayW:
						dw = n
					case mkvDisplayH:
						dh = n
					}
				})
			}
		})
		switch typ {
		case 1:
			if !info.HasVideo {
				info.Width, info.Height = w, h
				if dw > 0 && dh > 0 {
					info.Width, info.Height = dw, dh
				}
			}
			info.HasVideo = true
		case 2:
			info.HasAudio = true
		}
	})
}

// ebmlElement reads the id and data size of the element at off; size is
// ebmlUnknownSize for "unknown" (all ones). hlen is the header's length.
func ebmlElement(b *bufReaderAt, off int64) (id uint32, size int64, hlen int64, err error) {
	h, err := b.at(off, 12)
	if err != nil || len(h) < 2 {
		return 0, 0, 0, io.ErrUnexpectedEOF
	}
	il := vintLen(h[0])
	if il == 0 || il > 4 || len(h) < il+1 {
		return 0, 0, 0, ErrUnreadable
	}
	for _, c := range h[:il] {
		id = id<<8 | uint32(c)
	}
	v, sl := vint(h[il:])
	if sl == 0 {
		return 0, 0, 0, ErrUnreadable
	}
	if v == 1<<(7*sl)-1 {
		return id, ebmlUnknownSize, int64(il + sl), nil
	}
	if v > math.MaxInt64/2 {
		return 0, 0, 0, ErrUnreadable
	}
	return id, int64(v), int64(il + sl), nil
}

// ebmlChildren calls fn for each child of a master element held in data.
func ebmlChildren(data []byte, fn func(id uint32, v []byte)) error {
	for len(data) > 0 {
		il := vintLen(data[0])
		if il == 0 || il > 4 || len(data) < il+1 {
			return ErrUnreadable
		}
		var id uint32
		for _, c := range data[:il] {
			id = id<<8 | uint32(c)
		}
		v, sl := vint(data[il:])
		if sl == 0 || v > uint64(len(data)-il-sl) {
			return ErrUnreadable
		}
		start := il + sl
		fn(id, data[start:start+int(v)])
		data = data[start+int(v):]
	}
	return nil
}

// vintLen is the length of a variable-size integer from its first byte.
func vintLen(b byte) int {
	for i := 0; i < 8; i++ {
		if b&(0x80>>i) != 0 {
			return i + 1
		}
	}
	return 0
}

// vint decodes a variable-size integer without its marker bit; l is 0
// when it is malformed or truncated.
func vint(b []byte) (v uint64, l int) {
	if len(b) == 0 {
		return 0, 0
	}
	l = vintLen(b[0])
	if l == 0 || len(b) < l {
		return 0, 0
	}
	v = uint64(b[0]) & (0xFF >> l)
	for _, c := range b[1:l] {
		v = v<<8 | uint64(c)
	}
	return v, l
}

// ebmlUint decodes a big-endian unsigned integer of up to 8 bytes.
func ebmlUint(b []byte) uint64 {
	var v uint64
	for _, c := range b[:min(len(b), 8)] {
		v = v<<8 | uint64(c)
	}
	return v
}
