package app

import (
	"log/slog"
	"os"
	"path/filepath"

	"github.com/jonboulle/clockwork"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/media"
	"github.com/parley-chat/parley/internal/ratelimit"
	"github.com/parley-chat/parley/internal/store"
)

// newMedia builds the media service on the data dir: blobs under
// DATA_DIR/media, uploads spooled in DATA_DIR/tmp while they arrive.
// Visitors are anonymous, so besides their quota they may start only so
// many uploads in a while: enough for a conversation, not for a flood.
func newMedia(st *store.Store, limiter *ratelimit.Limiter, cfg *config.Config, clock clockwork.Clock, log *slog.Logger) (*media.Service, error) {
	storage, err := media.NewDirStorage(filepath.Join(cfg.DataDir, "media"))
	if err != nil {
		return nil, err
	}
	tmp := filepath.Join(cfg.DataDir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, err
	}
	return media.New(st, storage, limiter, media.Config{
		MaxImage: cfg.UploadMaxImage, MaxVoice: cfg.UploadMaxVoice, MaxVoiceDuration: cfg.UploadMaxVoiceDuration,
		MaxVideo: cfg.UploadMaxVideo, MaxFile: cfg.UploadMaxFile, Quota: cfg.UploadQuota,
		VisitorQuota: cfg.UploadVisitorQuota, VisitorUploads: cfg.UploadVisitorLimit, VisitorUploadWindow: cfg.UploadLimitWindow,
		UserUploads: cfg.UploadLimit, SiteVisitorDailyBudget: cfg.UploadSiteVisitorDailyBudget, UnattachedTTL: cfg.UploadUnattachedTTL,
		URLTTL: cfg.MediaURLTTL, PublicURL: cfg.PublicURL, Secret: cfg.Secret, PreviousSecret: cfg.SecretPrevious, TempDir: tmp, Clock: clock,
	}, log), nil
}
