// Package media owns uploads: it streams them to storage while hashing,
// tells their type from their content, validates and cleans images, reads
// the duration of voice and video from their containers, keeps each
// content once, enforces size limits and quotas, and signs the expiring
// URLs that serve them.
package media

import (
	"log/slog"
	"strings"
	"time"
	"unicode"

	"github.com/jonboulle/clockwork"

	"github.com/parley-chat/parley/internal/ratelimit"
	"github.com/parley-chat/parley/internal/store"
)

// Config tunes the media service.
type Config struct {
	MaxImage         int64
	MaxVoice         int64
	MaxVoiceDuration time.Duration
	MaxVideo         int64
	MaxFile          int64
	Quota            int64 // bytes all of one user's uploads may take
	VisitorQuota     int64 // bytes all of one widget visitor's uploads may take
	// VisitorUploads is how many uploads a visitor may start per
	// VisitorUploadWindow; 0 turns the limit off.
	VisitorUploads      int
	VisitorUploadWindow time.Duration
	// UserUploads is how many uploads a user may start per
	// VisitorUploadWindow; 0 turns the limit off.
	UserUploads int
	// SiteVisitorDailyBudget is how many bytes the anonymous visitors of
	// one site may upload in all per day (UTC).
	SiteVisitorDailyBudget int64
	// UnattachedTTL is how long an upload no message carries is kept.
	UnattachedTTL  time.Duration
	URLTTL         time.Duration
	PublicURL      string
	Secret         string // the deployment secret; URL keys derive from it
	PreviousSecret string // the secret before the last rotation; its URLs still verify
	TempDir        string // where uploads are spooled while they arrive
	// Clock tells the time of uploads, signed URLs and clean-ups (the real
	// clock when nil).
	Clock clockwork.Clock
}

// Uploader is who owns an upload: a user, or a widget visitor (Kind
// "visitor"), whose uploads have their own quota and rate limit.
type Uploader = store.Uploader

// Service implements uploads and media serving.
type Service struct {
	store   *store.Store
	storage Storage
	signer  *Signer
	limiter *ratelimit.Limiter // nil: no visitor upload limit
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
}

// New builds the media service. limiter counts visitors' uploads; nil
// leaves them unlimited in number (the quota still holds).
func New(st *store.Store, storage Storage, limiter *ratelimit.Limiter, cfg Config, log *slog.Logger) *Service {
	return &Service{
		store: st, storage: storage, limiter: limiter, signer: NewSigner(cfg.Secret, cfg.PreviousSecret), cfg: cfg, log: log,
		now: nowFunc(cfg.Clock),
	}
}

// nowFunc reads clock (the real one when nil) in UTC.
func nowFunc(clock clockwork.Clock) func() time.Time {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	return func() time.Time { return clock.Now().UTC() }
}

// MaxUploadBytes is the largest upload of any kind: the HTTP layer caps
// request bodies a little above it.
func (s *Service) MaxUploadBytes() int64 {
	return max(s.cfg.MaxImage, s.cfg.MaxVoice, s.cfg.MaxVideo, s.cfg.MaxFile)
}

// Limits are the largest upload of each kind, in bytes, for clients to
// refuse an oversized file before sending it.
type Limits struct {
	Image int64 `json:"image"`
	Voice int64 `json:"voice"`
	Video int64 `json:"video"`
	File  int64 `json:"file"`
}

// Limits returns the configured size limits.
func (s *Service) Limits() Limits {
	return Limits{Image: s.cfg.MaxImage, Voice: s.cfg.MaxVoice, Video: s.cfg.MaxVideo, File: s.cfg.MaxFile}
}

// Attachment is an upload as clients see it, in upload answers and in
// messages. URLs are signed and expire at URLExpiresAt.
type Attachment struct {
	ID           int64     `json:"id"`
	Kind         string    `json:"kind"`
	Mime         string    `json:"mime"`
	Size         int64     `json:"size"`
	Name         string    `json:"name"`
	URL          string    `json:"url"`
	ThumbURL     string    `json:"thumb_url,omitempty"`
	Width        int       `json:"width,omitempty"`
	Height       int       `json:"height,omitempty"`
	DurationMS   int64     `json:"duration_ms,omitempty"`
	URLExpiresAt time.Time `json:"url_expires_at"`
}

// view describes an upload with URLs signed now.
func (s *Service) view(r *store.UploadRow) *Attachment {
	exp := s.signer.Expiry(s.now(), s.cfg.URLTTL)
	a := &Attachment{
		ID: r.ID, Kind: r.Blob.Kind, Mime: r.Blob.Mime, Size: r.Blob.Size, Name: r.Name,
		URL:   s.cfg.PublicURL + s.signer.Path(r.ID, false, exp),
		Width: r.Blob.Width, Height: r.Blob.Height, DurationMS: r.Blob.DurationMS,
		URLExpiresAt: time.Unix(exp, 0).UTC(),
	}
	if r.Blob.ThumbMime != "" {
		a.ThumbURL = s.cfg.PublicURL + s.signer.Path(r.ID, true, exp)
	}
	return a
}

// SanitizeName keeps the last path element of a client's file name,
// without control or quote characters, at most 200 characters; "file"
// when nothing is left.
func SanitizeName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == unicode.ReplacementChar || unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	if name == "" {
		return "file"
	}
	return name
}
