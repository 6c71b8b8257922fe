package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/store"
)

// UploadInput describes an upload besides its bytes.
type UploadInput struct {
	Name string // the client's file name, kept (sanitised) for downloads only
	Kind string // optional: the kind the client means to send; "" accepts any
	// Size is the most the file can be, when the client said so (the
	// request's length); 0 when unknown. No more room than this is held
	// in the quota while the bytes arrive.
	Size int64
}

// Upload streams r to storage and records it for userID; see UploadAs.
func (s *Service) Upload(ctx context.Context, userID int64, in UploadInput, r io.Reader) (*Attachment, error) {
	return s.UploadAs(ctx, store.Uploader{Kind: store.SenderUser, ID: userID}, in, r)
}

// UploadAs streams r to storage and records it for a user or a widget
// visitor. Room in the uploader's quota (and in the site's daily budget
// for an anonymous visitor) is reserved before the bytes are read, and
// reading stops at the reservation or at the limit of the kind the
// content turns out to be (or the client asked for). The bytes are
// spooled to a temporary file and reach the media directory only in the
// transaction that records them. Errors: 400 empty or cut short, 413
// too_large / too_long / quota_exceeded / upload_budget_exceeded, 415
// when the content is not the kind asked for, 422 unreadable_media, 429
// rate_limited or upload_budget_spent.
func (s *Service) UploadAs(ctx context.Context, by store.Uploader, in UploadInput, r io.Reader) (*Attachment, error) {
	switch in.Kind {
	case "", KindImage, KindVoice, KindVideo, KindFile:
	default:
		return nil, errs.Field("kind", "one of image, voice, video, file")
	}
	if err := s.uploadAllowed(ctx, by); err != nil {
		return nil, err
	}
	site, err := s.budgetSite(ctx, by)
	if err != nil {
		return nil, err
	}
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, s.readError(err)
	}
	if n == 0 {
		return nil, errs.Field("file", "the file is empty")
	}
	head = head[:n]
	sn := Sniff(head)
	if in.Kind == KindFile {
		sn.Format = formatNone // sent as a file whatever it is
	}
	limit, err := s.limitFor(sn, in.Kind)
	if err != nil {
		return nil, err
	}
	want := limit
	if in.Size > 0 {
		want = min(want, in.Size)
	}
	res, err := s.reserve(ctx, by, site, want)
	if err != nil {
		return nil, err
	}
	defer s.release(res)

	tmp, err := os.CreateTemp(s.cfg.TempDir, "upload-*")
	if err != nil {
		return nil, errs.Wrap(err, "spool upload")
	}
	defer func() { tmp.Close(); os.Remove(tmp.Name()) }()
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(io.MultiReader(bytes.NewReader(head), r), res.bytes+1))
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, errs.Wrap(err, "spool upload")
		}
		return nil, s.readError(err)
	}
	if size > res.bytes {
		if size > limit {
			return nil, tooLarge(limit)
		}
		return nil, res.refusal
	}
	sum := hex.EncodeToString(h.Sum(nil))

	var p *prepared
	blob, err := s.store.BlobBySHA256(ctx, sum)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if p, err = s.prepare(tmp, size, sum, sn); err != nil {
			return nil, err
		}
		blob = p.blob
	case err != nil:
		return nil, errs.Wrap(err, "find blob")
	}
	if err := s.fits(blob, in.Kind); err != nil {
		return nil, err
	}
	up := &store.Upload{BlobSHA256: sum, Name: SanitizeName(in.Name), CreatedAt: s.now()}
	if by.Kind == store.SenderVisitor {
		up.VisitorID = &by.ID
	} else {
		up.UserID = &by.ID
	}
	err = s.commit(ctx, res, up, blob, p)
	if errors.Is(err, errBlobGone) {
		// The clean-up removed this content since it was looked up:
		// store it afresh.
		if p, err = s.prepare(tmp, size, sum, sn); err != nil {
			return nil, err
		}
		blob = p.blob
		err = s.commit(ctx, res, up, blob, p)
	}
	if err != nil {
		if _, ok := errs.As(err); ok {
			return nil, err
		}
		return nil, errs.Wrap(err, "record upload")
	}
	return s.view(&store.UploadRow{Upload: *up, Blob: *blob}), nil
}

// limitFor is the size limit for content sniffed as sn when the client
// asked for kind, or 415 when the content cannot be that kind.
func (s *Service) limitFor(sn Sniffed, kind string) (int64, error) {
	switch sn.Format {
	case formatJPEG, formatPNG, formatGIF, formatWebP:
		if kind == KindVoice || kind == KindVideo {
			return 0, unsupported("an image is not a %s", kind)
		}
		return s.cfg.MaxImage, nil
	case formatMatroska, formatOgg, formatMP4:
		switch kind {
		case KindImage:
			return 0, unsupported("only JPEG, PNG, GIF and WebP images are accepted as images")
		case KindVoice:
			return s.cfg.MaxVoice, nil
		case KindVideo:
			return s.cfg.MaxVideo, nil
		}
		return max(s.cfg.MaxVoice, s.cfg.MaxVideo), nil
	}
	switch kind {
	case KindImage:
		return 0, unsupported("only JPEG, PNG, GIF and WebP images are accepted as images")
	case KindVoice, KindVideo:
		return 0, unsupported("voice and video must be WebM, Ogg or MP4")
	}
	return s.cfg.MaxFile, nil
}

// prepared is content seen for the first time, read and checked, with
// the bytes to store: the spooled file, or an image's cleaned copy, and
// its thumbnail.
type prepared struct {
	blob  *store.MediaBlob
	file  *os.File
	body  []byte // nil: store file as it is
	thumb []byte
}

// prepare reads and checks content seen for the first time; nothing is
// stored yet.
func (s *Service) prepare(f *os.File, size int64, sum string, sn Sniffed) (*prepared, error) {
	blob := &store.MediaBlob{SHA256: sum, Kind: KindFile, Mime: sn.Mime, Size: size, CreatedAt: s.now()}
	p := &prepared{blob: blob, file: f}
	switch sn.Format {
	case formatJPEG, formatPNG, formatGIF, formatWebP:
		img, err := processImage(f, size, sn.Format)
		switch {
		case errors.Is(err, errTooManyPixels):
			return nil, errs.Rf(errs.TooLarge, "too_large", "images may have at most %d pixels", MaxPixels)
		case errors.Is(err, ErrUnreadable):
			return nil, unreadable("the image could not be decoded")
		case err != nil:
			return nil, errs.Wrap(err, "process image")
		}
		blob.Kind, blob.Width, blob.Height = KindImage, img.width, img.height
		if img.body != nil {
			p.body, blob.Size = img.body, int64(len(img.body))
		}
		p.thumb = img.thumb
		blob.ThumbMime, blob.ThumbSize = img.thumbMime, int64(len(img.thumb))
	case formatMatroska, formatOgg, formatMP4:
		var info AVInfo
		var err error
		switch sn.Format {
		case formatMatroska:
			info, err = ParseMatroska(f, size)
		case formatOgg:
			info, err = ParseOgg(f, size)
		default:
			info, err = ParseMP4(f, size)
		}
		if err != nil {
			return nil, unreadable("the recording could not be read")
		}
		blob.DurationMS = info.Duration.Milliseconds()
		switch {
		case info.HasVideo:
			blob.Kind, blob.Width, blob.Height = KindVideo, info.Width, info.Height
			blob.Mime = map[string]string{formatMatroska: "video/webm", formatOgg: "video/ogg", formatMP4: "video/mp4"}[sn.Format]
		case info.HasAudio:
			blob.Kind = KindVoice
			blob.Mime = map[string]string{formatMatroska: "audio/webm", formatOgg: "audio/ogg", formatMP4: "audio/mp4"}[sn.Format]
		default:
			blob.Mime = "application/octet-stream" // a container of codecs we don't play: a file
		}
	}
	return p, nil
}

// fits checks a blob against the kind asked for and the kind's limits
// (the same content may have been stored under other limits).
func (s *Service) fits(b *store.MediaBlob, kind string) error {
	if kind != "" && kind != KindFile && kind != b.Kind {
		return unsupported("this content is a %s, not a %s", b.Kind, kind)
	}
	if kind == KindFile {
		b = &store.MediaBlob{Kind: KindFile, Size: b.Size}
	}
	limit := map[string]int64{KindImage: s.cfg.MaxImage, KindVoice: s.cfg.MaxVoice, KindVideo: s.cfg.MaxVideo, KindFile: s.cfg.MaxFile}[b.Kind]
	if b.Size > limit {
		return tooLarge(limit)
	}
	if b.Kind == KindVoice && b.DurationMS > s.cfg.MaxVoiceDuration.Milliseconds() {
		return errs.Rf(errs.TooLarge, "too_long", "voice messages may last at most %s", s.cfg.MaxVoiceDuration)
	}
	return nil
}

// readError maps a failure to read the request body.
func (s *Service) readError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(s.MaxUploadBytes())
	}
	return &errs.Error{Code: errs.Invalid, Reason: "upload_interrupted", Message: "the upload was cut short", Err: err}
}

// budgetSite is the site whose daily visitor budget an upload counts
// toward: an anonymous visitor's; 0 for users and for visitors the host
// site identified.
func (s *Service) budgetSite(ctx context.Context, by store.Uploader) (int64, error) {
	if by.Kind != store.SenderVisitor {
		return 0, nil
	}
	v, err := s.store.VisitorByID(ctx, by.ID)
	if err != nil {
		return 0, errs.Wrap(err, "find visitor")
	}
	if v.ExternalID != nil {
		return 0, nil
	}
	return v.SiteID, nil
}

// quotaOf is the storage an uploader's uploads may take in all.
func (s *Service) quotaOf(by store.Uploader) int64 {
	if by.Kind == store.SenderVisitor {
		return s.cfg.VisitorQuota
	}
	return s.cfg.Quota
}

// uploadAllowed applies the per-uploader upload rate limit: visitors and
// users each have their own count per window.
func (s *Service) uploadAllowed(ctx context.Context, by store.Uploader) error {
	n := s.cfg.UserUploads
	if by.Kind == store.SenderVisitor {
		n = s.cfg.VisitorUploads
	}
	return s.limiter.Hit(ctx, fmt.Sprintf("upload:%s:%d", by.Kind, by.ID), n, s.cfg.VisitorUploadWindow, i18n.N("uploading"))
}

func quotaExceeded(quota int64) error {
	return errs.Rf(errs.TooLarge, "quota_exceeded", "your uploads would take more than your %s of storage", human(quota))
}

// budgetSpent refuses an anonymous visitor's upload when the site's
// visitors have used today's budget, until the next day (UTC).
func budgetSpent(budget int64, now time.Time) error {
	secs := int(now.Truncate(24*time.Hour).Add(24*time.Hour).Sub(now)/time.Second) + 1
	e := errs.Rf(errs.RateLimited, "upload_budget_spent", "this site's visitors have used today's %s of uploads; try again tomorrow", human(budget))
	e.RetryAfter = secs
	return e
}

// budgetExceeded refuses a file larger than what is left of the site's
// daily visitor budget.
func budgetExceeded(left int64) error {
	return errs.Rf(errs.TooLarge, "upload_budget_exceeded", "this file is larger than the %s left of today's upload budget for this site's visitors", human(left))
}

func tooLarge(limit int64) error {
	return errs.Rf(errs.TooLarge, "too_large", "this kind of upload may be at most %s", human(limit))
}

func unsupported(format string, args ...any) error {
	return errs.Rf(errs.Unsupported, "unsupported_media_type", format, args...)
}

func unreadable(msg string) error {
	return errs.R(errs.Rule, "unreadable_media", msg)
}

// human writes a byte count the way the settings take it.
func human(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
