package app

import (
	"log/slog"
	"os"
	"path/filepath"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/media"
	"github.com/parley-chat/parley/internal/store"
)

// newMedia builds the media service on the data dir: blobs under
// DATA_DIR/media, uploads spooled in DATA_DIR/tmp while they arrive.
func newMedia(st *store.Store, cfg *config.Config, log *slog.Logger) (*media.Service, error) {
	storage, err := media.NewDirStorage(filepath.Join(cfg.DataDir, "media"))
	if err != nil {
		return nil, err
	}
	tmp := filepath.Join(cfg.DataDir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, err
	}
	return media.New(st, storage, media.Config{
		MaxImage: cfg.UploadMaxImage, MaxVoice: cfg.UploadMaxVoice, MaxVoiceDuration: cfg.UploadMaxVoiceDuration,
		MaxVideo: cfg.UploadMaxVideo, MaxFile: cfg.UploadMaxFile, Quota: cfg.UploadQuota,
		URLTTL: cfg.MediaURLTTL, PublicURL: cfg.PublicURL, Secret: cfg.Secret, TempDir: tmp,
	}, log), nil
}
